/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "ctl/pcl_lbctl.h"
#include "ctl/pcl_mem.h"
#include "ctl/pcl_prom.h"
#include "worker/pcl_worker.h"

static int
put(struct pcl_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			return -EINVAL;
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return 0;
		}
		char *p = realloc(b->p, b->cap * 2 + (size_t)n + 1);

		if (p == NULL)
			return -ENOMEM;
		b->p = p;
		b->cap = b->cap * 2 + (size_t)n + 1;
	}
}

static int
family(struct pcl_buf *b, const char *name, const char *help, const char *type)
{
	return put(b, "# HELP portcullis_%s %s\n# TYPE portcullis_%s %s\n", name, help, name, type);
}

/* The backends' families: every backend of every service, one reading each. */
static int
backends(struct pcl_buf *b, struct pcl_lbctl *lb)
{
	static struct pcl_backend_info bi[PCL_MAX_SERVICES * PCL_MAX_BACKENDS];
	unsigned int nb = 0, s, i, k;
	uint64_t cum;
	int rc;

	for (s = 0; s < lb->sv->n; s++)
		for (i = 0; nb < RTE_DIM(bi) && pcl_lbctl_backend_info(lb, s, i, &bi[nb]) == 0; i++)
			nb++;
#define LABELS "{service=\"%u\",backend=\"%s\""
	rc = family(b, "backend_state",
		    "1 for the state each backend is in (up, down, draining, removed)", "gauge");
	for (i = 0; i < nb && rc == 0; i++)
		rc = put(b, "portcullis_backend_state" LABELS ",state=\"%s\"} 1\n", bi[i].service,
			 bi[i].name, pcl_backend_state_names[bi[i].state]);
	if (rc == 0)
		rc = family(b, "backend_weight", "its weight", "gauge");
	for (i = 0; i < nb && rc == 0; i++)
		rc = put(b, "portcullis_backend_weight" LABELS "} %u\n", bi[i].service, bi[i].name,
			 bi[i].weight);
	if (rc == 0)
		rc = family(b, "backend_slots", "its slots in the Maglev table in use", "gauge");
	for (i = 0; i < nb && rc == 0; i++)
		rc = put(b, "portcullis_backend_slots" LABELS "} %u\n", bi[i].service, bi[i].name,
			 bi[i].slots);
	if (rc == 0)
		rc = family(b, "backend_connections", "proxied connections open to it now",
			    "gauge");
	for (i = 0; i < nb && rc == 0; i++)
		rc = put(b, "portcullis_backend_connections" LABELS "} %" PRIu64 "\n",
			 bi[i].service, bi[i].name, bi[i].active);
	for (k = 0; k < PCL_BACKEND_COUNTER_COUNT && rc == 0; k++) {
		char name[64];

		snprintf(name, sizeof(name), "backend_%s_total", pcl_backend_counter_names[k]);
		rc = family(b, name, pcl_backend_counter_help[k], "counter");
		for (i = 0; i < nb && rc == 0; i++)
			rc = put(b, "portcullis_%s" LABELS "} %" PRIu64 "\n", name, bi[i].service,
				 bi[i].name, ((const uint64_t *)&bi[i].st)[k]);
	}
	if (rc == 0)
		rc = family(b, "backend_went_down_total", "times its health took it out",
			    "counter");
	for (i = 0; i < nb && rc == 0; i++)
		rc = put(b, "portcullis_backend_went_down_total" LABELS "} %u\n", bi[i].service,
			 bi[i].name, bi[i].downs);
	if (rc == 0)
		rc = family(
			b, "backend_handshake_seconds",
			"time from our first SYN to its SYN-ACK, for the connections it accepted",
			"histogram");
	for (i = 0; i < nb && rc == 0; i++) {
		for (k = 0, cum = 0; k + 1 < PCL_HS_BUCKETS && rc == 0; k++) {
			cum += bi[i].st.hs_ms[k];
			rc = put(b,
				 "portcullis_backend_handshake_seconds_bucket" LABELS
				 ",le=\"%g\"} %" PRIu64 "\n",
				 bi[i].service, bi[i].name, (double)(1u << k) / 1000, cum);
		}
		if (rc == 0)
			rc = put(b,
				 "portcullis_backend_handshake_seconds_bucket" LABELS
				 ",le=\"+Inf\"} %" PRIu64 "\n"
				 "portcullis_backend_handshake_seconds_sum" LABELS "} %g\n"
				 "portcullis_backend_handshake_seconds_count" LABELS "} %" PRIu64
				 "\n",
				 bi[i].service, bi[i].name, bi[i].st.conns, bi[i].service,
				 bi[i].name, (double)bi[i].st.hs_ms_sum / 1000, bi[i].service,
				 bi[i].name, bi[i].st.conns);
	}
#undef LABELS
	return rc;
}

int
pcl_prom_format(struct pcl_buf *b, struct pcl_worker *const *workers, unsigned int n,
		struct pcl_lbctl *lb)
{
	struct pcl_resources res[PCL_MAX_WORKERS];
	struct pcl_mem mem;
	unsigned int i, k;
	int rc = 0;

	if (b->p == NULL) {
		b->cap = 16384;
		b->p = malloc(b->cap);
		if (b->p == NULL)
			return -ENOMEM;
	}
	b->len = 0;
	for (k = 0; k < PCL_COUNTER_COUNT && rc == 0; k++) {
		char name[64];

		snprintf(name, sizeof(name), "%s_total", pcl_counter_names[k]);
		rc = family(b, name, pcl_counter_help[k], "counter");
		for (i = 0; i < n && rc == 0; i++)
			rc = put(b, "portcullis_%s{lcore=\"%u\"} %" PRIu64 "\n", name,
				 workers[i]->lcore, pcl_stats_counter(&workers[i]->stats, k));
	}
	if (rc == 0)
		rc = family(b, "drops_total", "packets dropped, by reason (see docs/operations.md)",
			    "counter");
	for (i = 0; i < n && rc == 0; i++)
		for (k = 0; k < PCL_DROP_MAX && rc == 0; k++)
			rc = put(b,
				 "portcullis_drops_total{lcore=\"%u\",reason=\"%s\"} %" PRIu64 "\n",
				 workers[i]->lcore, pcl_drop_names[k],
				 pcl_stat_read(&workers[i]->stats.drop[k]));
	if (rc == 0)
		rc = family(b, "connections", "connections in each TCP state right now", "gauge");
	for (i = 0; i < n && rc == 0; i++)
		for (k = PCL_TCP_SYN_RCVD; k < PCL_TCP_STATE_MAX && rc == 0; k++)
			rc = put(b,
				 "portcullis_connections{lcore=\"%u\",state=\"%s\"} %" PRIu64 "\n",
				 workers[i]->lcore, pcl_tcp_state_names[k],
				 pcl_stat_read(&workers[i]->tcp.by_state[k]));
	/* One reading per worker, so the four families agree with each other. */
	for (i = 0; i < n; i++)
		pcl_worker_resources(workers[i], &res[i]);
	/* The resource gauges, one family each, labelled by lcore. */
	for (k = 0; k < PCL_RESOURCE_COUNT && rc == 0; k++) {
		rc = family(b, pcl_resource_names[k], pcl_resource_help[k], "gauge");
		for (i = 0; i < n && rc == 0; i++)
			rc = put(b, "portcullis_%s{lcore=\"%u\"} %" PRIu64 "\n",
				 pcl_resource_names[k], workers[i]->lcore,
				 pcl_resource(&res[i], k));
	}
	if (rc == 0 && pcl_mem_read(&mem) == 0) {
		rc = family(b, "allocator_allocated_bytes",
			    "bytes the process allocator (jemalloc) has handed out", "gauge");
		if (rc == 0)
			rc = put(b, "portcullis_allocator_allocated_bytes %" PRIu64 "\n",
				 mem.allocated);
		if (rc == 0)
			rc = family(b, "allocator_resident_bytes",
				    "bytes of physical memory the process allocator holds",
				    "gauge");
		if (rc == 0)
			rc = put(b, "portcullis_allocator_resident_bytes %" PRIu64 "\n",
				 mem.resident);
	}
	if (rc == 0 && lb != NULL)
		rc = backends(b, lb);
	return rc;
}

static enum MHD_Result
answer(void *arg, struct MHD_Connection *conn, const char *url, const char *method,
       const char *version, const char *upload, size_t *upload_len, void **state)
{
	struct pcl_prom *p = arg;
	struct pcl_buf b = {0};
	struct MHD_Response *r;
	unsigned int status = MHD_HTTP_OK;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, "GET") != 0 || strcmp(url, "/metrics") != 0) {
		static char nf[] = "portcullis: only GET /metrics here\n";

		r = MHD_create_response_from_buffer(sizeof(nf) - 1, nf, MHD_RESPMEM_PERSISTENT);
		status = MHD_HTTP_NOT_FOUND;
	} else if (pcl_prom_format(&b, p->workers, p->n, p->lb) != 0) {
		free(b.p);
		return MHD_NO;
	} else {
		r = MHD_create_response_from_buffer(b.len, b.p, MHD_RESPMEM_MUST_FREE);
	}
	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

int
pcl_prom_start(struct pcl_prom *p, rte_be32_t addr, uint16_t port,
	       struct pcl_worker *const *workers, unsigned int n, struct pcl_lbctl *lb)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_addr.s_addr = addr, .sin_port = rte_cpu_to_be_16(port)};

	p->workers = workers;
	p->n = n;
	p->lb = lb;
	errno = 0;
	p->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, port, NULL, NULL, answer, p,
				     MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				     MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_END);
	if (p->daemon == NULL)
		return errno ? -errno : -EADDRINUSE;
	return 0;
}

void
pcl_prom_stop(struct pcl_prom *p)
{
	if (p->daemon != NULL)
		MHD_stop_daemon(p->daemon);
	p->daemon = NULL;
}
