/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_random.h>
#include <rte_tcp.h>

#include "lb/pcl_probe.h"
#include "lb/pcl_proxy.h"
#include "net/pcl_opt.h"
#include "net/pcl_out.h"
#include "tcp/pcl_tcp_ext.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG

/* How often worker 0 looks for due checks: the checks' own periods are seconds. */
#define SCAN_MS 10

static inline struct pcl_probe *
pb(struct pcl_conn *c)
{
	return (struct pcl_probe *)c;
}

static inline struct pcl_check_sched *
sched(const struct pcl_tcp *e, const struct pcl_probe *p)
{
	return &pcl_service_of(e, p->listener)->all->check[p->service][p->backend];
}

/* The check's end: its result in worker 0's counters, its entry freed. */
static void
finish(struct pcl_tcp *e, struct pcl_probe *p, bool ok)
{
	struct pcl_backend_stats *bs =
		pcl_backend_stats_here(e, pcl_service_of(e, p->listener), p->backend);

	pcl_stat_add(ok ? &bs->checks_ok : &bs->checks_failed, 1);
	sched(e, p)->running = false;
	pcl_tcp_free(e, (struct pcl_conn *)p);
}

/*
 * A segment of the check toward its backend, into m (or a new frame), with
 * paylen bytes already after the headers. Returns 0, or -errno (m freed).
 */
static int
emit(struct pcl_tcp *e, struct pcl_probe *p, struct rte_mbuf *m, uint32_t seq, uint8_t flags,
     uint16_t paylen)
{
	const struct pcl_service *svc = pcl_service_of(e, p->listener);
	const struct pcl_backend *b = &svc->backends[p->backend];
	uint8_t opts[4];
	int rc;
	struct pcl_out_seg s = {
		.t = &p->bt,
		.seq = seq,
		.ack = flags & ACK ? p->rcv_nxt : 0,
		.flags = flags,
		.wnd = flags & RST ? 0 : UINT16_MAX,
		.opts = opts,
		.paylen = paylen,
	};

	rc = pcl_backend_frame(e, svc, b, &s.dst_mac, &m);
	if (rc != 0)
		return rc;
	if (flags & SYN) {
		uint16_t mss = pcl_tcp_our_mss(e, &p->bt);

		opts[0] = PCL_OPT_MSS;
		opts[1] = 4;
		opts[2] = (uint8_t)(mss >> 8);
		opts[3] = (uint8_t)mss;
		s.optlen = 4;
	}
	pcl_tcp_emit(e, b->ifx, m, &s);
	return 0;
}

/* Starts a check of backend i of svc: an entry, a local port, the SYN. */
static void
start(struct pcl_tcp *e, const struct pcl_service *svc, uint16_t i)
{
	const struct pcl_backend *b = &svc->backends[i];
	struct pcl_conn *c = pcl_tcp_alloc(e, svc->listener, PCL_TCP_PROBE);
	struct pcl_probe *p;

	/* No entry free: no result either way, the next period tries again. */
	if (c == NULL)
		return;
	p = pb(c);
	p->backend = i;
	p->service = svc->index;
	p->isn = (uint32_t)rte_rand();
	sched(e, p)->running = true;
	pcl_tcp_arm(e, c, svc->conf.check_timeout_ms);
	if (pcl_lb_backend_tuple(e, b,
				 svc->conf.check_port
					 ? rte_cpu_to_be_16((uint16_t)svc->conf.check_port)
					 : b->port,
				 &p->bt) != 0) {
		finish(e, p, false);
		return;
	}
	pcl_tcp_key2_add(e, c);
	/* A backend whose MAC no ARP has told is as good as down. */
	if (emit(e, p, NULL, p->isn, SYN, 0) == -EHOSTUNREACH)
		finish(e, p, false);
}

void
pcl_probe_tick(struct pcl_tcp *e, struct pcl_services *sv)
{
	struct pcl_check_sched *cs;
	struct pcl_service *svc;
	uint16_t i, n;
	uint32_t s;

	if ((int32_t)(e->now_ms - sv->check_scan_ms) < 0)
		return;
	sv->check_scan_ms = e->now_ms + SCAN_MS;
	for (s = 0; s < sv->n; s++) {
		svc = &sv->svc[s];
		if (svc->conf.check == PCL_CHECK_NONE)
			continue;
		n = __atomic_load_n(&svc->nbackends, __ATOMIC_ACQUIRE);
		for (i = 0; i < n; i++) {
			cs = &sv->check[s][i];
			if (cs->running || (int32_t)(e->now_ms - cs->due_ms) < 0 ||
			    pcl_backend_state(&svc->backends[i]) == PCL_BACKEND_removed)
				continue;
			cs->due_ms = e->now_ms + svc->conf.check_interval_ms;
			start(e, svc, i);
		}
	}
}

/* http: the request, after the SYN-ACK. */
static void
request(struct pcl_tcp *e, struct pcl_probe *p, struct rte_mbuf *m)
{
	const struct pcl_service *svc = pcl_service_of(e, p->listener);
	const struct pcl_addr *a = &svc->backends[p->backend].addr;
	uint16_t off = pcl_out_hdr_len(&p->bt);
	char host[INET6_ADDRSTRLEN];
	int n;

	pcl_addr_format(a, host, sizeof(host));
	/* The frame we answer is long enough for the request; its headers get rewritten. */
	rte_pktmbuf_reset(m);
	/* An IPv6 literal goes in brackets (RFC 7230 5.4, RFC 3986 3.2.2). */
	n = snprintf(rte_pktmbuf_mtod_offset(m, char *, off), rte_pktmbuf_tailroom(m) - off,
		     "GET %s HTTP/1.0\r\nHost: %s%s%s\r\nUser-Agent: portcullis-check\r\n\r\n",
		     svc->conf.check_path, pcl_addr_is4(a) ? "" : "[", host,
		     pcl_addr_is4(a) ? "" : "]");
	p->reqlen = (uint16_t)n;
	p->flags |= PCL_PB_CONNECTED;
	if (emit(e, p, m, p->isn + 1, ACK | PSH, p->reqlen) != 0)
		finish(e, p, false);
}

/* http: the status line's bytes, as they come; true once it is whole. */
static bool
status_line(struct pcl_probe *p, struct rte_mbuf *m, const struct pcl_seg *s)
{
	uint16_t n;

	if (s->seq != p->rcv_nxt || s->len == 0)
		return false;
	n = (uint16_t)RTE_MIN(s->len, sizeof(p->line) - p->got);
	memcpy(p->line + p->got, rte_pktmbuf_mtod_offset(m, const char *, s->payload_off), n);
	p->got = (uint8_t)(p->got + n);
	p->rcv_nxt += s->len;
	return p->got == sizeof(p->line);
}

/* "HTTP/1.x NNN" with the status the service expects. */
static bool
status_ok(const struct pcl_probe *p, uint32_t want)
{
	unsigned int code = 0, k;

	if (memcmp(p->line, "HTTP/1.", 7) != 0 || p->line[8] != ' ')
		return false;
	for (k = 9; k < 12; k++) {
		if (p->line[k] < '0' || p->line[k] > '9')
			return false;
		code = code * 10 + (unsigned int)(p->line[k] - '0');
	}
	return code == want;
}

void
pcl_probe_input(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	struct pcl_probe *p = pb(c);
	const struct pcl_service *svc = pcl_service_of(e, p->listener);
	bool ok;

	if (s->flags & RST) {
		rte_pktmbuf_free(m);
		finish(e, p, false);
		return;
	}
	if (!(p->flags & PCL_PB_CONNECTED)) {
		if ((s->flags & (SYN | ACK)) != (SYN | ACK) || s->ack != p->isn + 1) {
			rte_pktmbuf_free(m);
			return;
		}
		p->rcv_nxt = s->seq + 1;
		if (svc->conf.check == PCL_CHECK_HTTP) {
			request(e, p, m);
			return;
		}
		/* tcp: the handshake is the answer; the RST leaves the backend nothing. */
		emit(e, p, m, p->isn + 1, RST, 0);
		finish(e, p, true);
		return;
	}
	if (!status_line(p, m, s)) {
		rte_pktmbuf_free(m);
		/* Closed before a whole status line: failed. */
		if (s->flags & FIN)
			finish(e, p, false);
		return;
	}
	ok = status_ok(p, svc->conf.check_status);
	emit(e, p, m, p->isn + 1 + p->reqlen, RST, 0);
	finish(e, p, ok);
}

void
pcl_probe_timeout(struct pcl_tcp *e, struct pcl_conn *c)
{
	struct pcl_probe *p = pb(c);

	if (p->flags & PCL_PB_CONNECTED)
		emit(e, p, NULL, p->isn + 1 + p->reqlen, RST, 0);
	finish(e, p, false);
}

void
pcl_probe_drop(struct pcl_tcp *e, struct pcl_conn *c)
{
	sched(e, pb(c))->running = false;
}
