/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "lb/pcl_maglev.h"
#include "lb/pcl_proxy.h"
#include "lb/pcl_service.h"

#define DEFAULT_WEIGHT 100
#define PCL_WEIGHT_MAX 1000000

const char *const pcl_scheduler_names[PCL_SCHED_MAX + 1] = {"maglev", NULL};
const char *const pcl_check_names[PCL_CHECK_MAX + 1] = {"none", "tcp", "http", NULL};
const char *const pcl_on_down_names[PCL_ON_DOWN_MAX + 1] = {"keep", "reset", NULL};
const char *const pcl_proxy_protocol_names[PCL_PP_MAX + 1] = {"off", "v1", "v2", NULL};
const char *const pcl_backend_counter_names[] = {
#define PCL_BACKEND_COUNTER_NAME(n, h) #n,
	PCL_BACKEND_COUNTERS(PCL_BACKEND_COUNTER_NAME)
#undef PCL_BACKEND_COUNTER_NAME
};
const char *const pcl_backend_counter_help[] = {
#define PCL_BACKEND_COUNTER_HELP(n, h) h,
	PCL_BACKEND_COUNTERS(PCL_BACKEND_COUNTER_HELP)
#undef PCL_BACKEND_COUNTER_HELP
};
_Static_assert(sizeof(pcl_backend_counter_names) / sizeof(pcl_backend_counter_names[0]) ==
		       PCL_BACKEND_COUNTER_COUNT,
	       "PCL_BACKEND_COUNTER_COUNT counts PCL_BACKEND_COUNTERS");
const char *const pcl_backend_state_names[PCL_BACKEND_STATE_MAX] = {
#define PCL_BACKEND_STATE_NAME(n, h) #n,
	PCL_BACKEND_STATES(PCL_BACKEND_STATE_NAME)
#undef PCL_BACKEND_STATE_NAME
};

void
pcl_service_conf_defaults(struct pcl_service_conf *s, uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->port = port;
	s->scheduler = PCL_SCHED_MAGLEV;
	s->table_size = PCL_MAGLEV_DEFAULT_SIZE;
	s->syn_retries = 3;
	s->redispatch = 2;
	s->held_segments = 8;
	/* GLB's defaults: a check every 2 s, 1 s to answer, 3 in a row either way. */
	s->check = PCL_CHECK_NONE;
	s->check_interval_ms = 2000;
	s->check_timeout_ms = 1000;
	s->check_rise = 3;
	s->check_fall = 3;
	s->check_status = 200;
	strcpy(s->check_path, "/");
	s->passive_down_ms = 5000;
	s->passive_down_max_ms = 60000;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= max ? 0 : -EINVAL;
}

int
pcl_backend_parse_weight(const char *s, unsigned long *w)
{
	return parse_uint(s, PCL_WEIGHT_MAX, w);
}

int
pcl_backend_parse(const char *v, struct pcl_backend_conf *b, char *err, size_t errlen)
{
	char buf[80], *space;
	unsigned long n;

	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "'%.20s...' is too long for A.B.C.D:PORT [weight=N]", v);
		return -EINVAL;
	}
	strcpy(buf, v);
	*b = (struct pcl_backend_conf){.weight = DEFAULT_WEIGHT};
	space = strpbrk(buf, " \t");
	if (space != NULL) {
		*space++ = '\0';
		space += strspn(space, " \t");
		if (strncmp(space, "weight=", 7) != 0 ||
		    pcl_backend_parse_weight(space + 7, &n) != 0) {
			snprintf(err, errlen, "'%s' is not weight=N (0..1000000)", space);
			return -EINVAL;
		}
		b->weight = (uint32_t)n;
	}
	if (pcl_addr_port_parse(buf, &b->addr, &b->port) != 0) {
		snprintf(
			err, errlen,
			"expected A.B.C.D:PORT or [IPv6]:PORT (port 1..65535) [weight=N], got '%s'",
			v);
		return -EINVAL;
	}
	return 0;
}

void
pcl_backend_format(const struct pcl_backend_conf *b, char *buf, size_t len)
{
	char ap[PCL_ADDR_PORT_STRLEN];

	pcl_addr_port_format(&b->addr, b->port, ap, sizeof(ap));
	snprintf(buf, len, "%s weight=%u", ap, b->weight);
}

int
pcl_lb_if_of(const struct pcl_lb_if *ifs, unsigned int n, const struct pcl_addr *addr)
{
	struct pcl_addr net;
	int i;

	for (i = (int)n - 1; i >= 0; i--) {
		if (pcl_addr_is4(addr)) {
			/* A port without an IPv4 address (IPv6 only) reaches no IPv4 backend. */
			net = pcl_addr_from4(ifs[i].addr);
			if (ifs[i].addr != 0 && pcl_addr_in(addr, &net, ifs[i].prefix_len))
				return i;
		} else if (ifs[i].prefix6_len != 0) {
			net = pcl_addr_from6(ifs[i].addr6);
			if (pcl_addr_in(addr, &net, ifs[i].prefix6_len))
				return i;
		}
	}
	return -1;
}

bool
pcl_lb_if_ours(const struct pcl_lb_if *ifs, unsigned int n, const struct pcl_addr *addr)
{
	unsigned int k, i;

	for (k = 0; k < n; k++) {
		if (pcl_addr_is4(addr)
			    ? pcl_addr_v4(addr) == ifs[k].addr
			    : ifs[k].prefix6_len != 0 && memcmp(addr->a, ifs[k].addr6, 16) == 0)
			return true;
		for (i = 0; i < ifs[k].local.n && pcl_addr_is4(addr); i++)
			if (pcl_addr_v4(addr) == ifs[k].local.a[i])
				return true;
	}
	return false;
}

/* Backend b as Maglev knows it: by address and port, so every instance agrees. */
static void
maglev_backend(const struct pcl_backend *b, uint32_t weight, struct pcl_maglev_backend *mb)
{
	memset(mb, 0, sizeof(*mb));
	memcpy(mb->key, b->addr.a, 16); /* IPv4 as ::ffff:a.b.c.d */
	memcpy(&mb->key[16], &b->port, 2);
	mb->weight = weight;
}

int
pcl_service_rebuild(struct pcl_services *sv, struct pcl_service *svc, uint16_t **old)
{
	struct pcl_maglev_backend mb[PCL_MAX_BACKENDS];
	uint16_t *t, i;
	uint32_t k;

	RTE_SET_USED(sv);
	t = malloc(sizeof(*t) * svc->table_size);
	if (t == NULL)
		return -ENOMEM;
	for (i = 0; i < svc->nbackends; i++) {
		const struct pcl_backend *b = &svc->backends[i];

		maglev_backend(b, pcl_backend_state(b) == PCL_BACKEND_up ? b->weight : 0, &mb[i]);
	}
	if (pcl_maglev_build(t, svc->table_size, mb, svc->nbackends, svc->seed) != 0) {
		free(t);
		return -EINVAL;
	}
	for (i = 0; i < svc->nbackends; i++)
		svc->backends[i].slots = 0;
	for (k = 0; k < svc->table_size; k++)
		if (t[k] != PCL_MAGLEV_NONE)
			svc->backends[t[k]].slots++;
	*old = svc->table;
	__atomic_store_n(&svc->table, t, __ATOMIC_RELEASE);
	return 0;
}

void
pcl_services_retire(struct pcl_services *sv, uint16_t *old)
{
	if (old == NULL)
		return;
	if (sv->qsbr != NULL)
		rte_rcu_qsbr_synchronize(sv->qsbr, RTE_QSBR_THRID_INVALID);
	free(old);
}

int
pcl_service_find(const struct pcl_service *svc, const struct pcl_addr *addr, rte_be16_t port)
{
	uint16_t i;

	for (i = 0; i < svc->nbackends; i++)
		if (pcl_addr_eq(&svc->backends[i].addr, addr) && svc->backends[i].port == port)
			return i;
	return -1;
}

int
pcl_service_add(struct pcl_services *sv, struct pcl_service *svc, const struct pcl_backend_conf *b)
{
	rte_be16_t port = rte_cpu_to_be_16(b->port);
	int i = pcl_service_find(svc, &b->addr, port), ifx;
	struct pcl_backend *be;
	uint32_t neigh;

	if (i >= 0) {
		be = &svc->backends[i];
		if (pcl_backend_state(be) != PCL_BACKEND_removed)
			return -EEXIST;
		be->weight = b->weight;
		__atomic_store_n(&be->state, PCL_BACKEND_up, __ATOMIC_RELAXED);
		return i;
	}
	if (svc->nbackends == PCL_MAX_BACKENDS)
		return -ENOSPC;
	/* One family a service: its listener takes clients of that family only. */
	if (svc->nbackends != 0 && pcl_addr_is4(&b->addr) != !pcl_service_is6(svc))
		return -EAFNOSUPPORT;
	ifx = pcl_lb_if_of(sv->ifs, sv->nifs, &b->addr);
	if (ifx < 0 || pcl_lb_if_ours(sv->ifs, sv->nifs, &b->addr))
		return -EINVAL;
	neigh = pcl_neigh_add(&sv->neigh, &b->addr, (uint8_t)ifx);
	if (neigh == PCL_NEIGH_NONE)
		return -ENOSPC;
	svc->backends[svc->nbackends] = (struct pcl_backend){
		.addr = b->addr,
		.port = port,
		.ifx = (uint8_t)ifx,
		.state = PCL_BACKEND_up,
		.neigh = neigh,
		.weight = b->weight,
	};
	/* The backend is whole before a worker can see its index. */
	__atomic_store_n(&svc->nbackends, (uint16_t)(svc->nbackends + 1), __ATOMIC_RELEASE);
	return svc->nbackends - 1;
}

void
pcl_service_set_state(struct pcl_services *sv, struct pcl_service *svc, uint16_t i,
		      enum pcl_backend_state st)
{
	__atomic_store_n(&svc->backends[i].state, (uint8_t)st, __ATOMIC_RELAXED);
	if (st == PCL_BACKEND_down && svc->on_backend_down == PCL_ON_DOWN_RESET)
		__atomic_add_fetch(&sv->down_gen, 1, __ATOMIC_RELEASE);
}

/* Service c: its backends in the neighbour table, its Maglev table built. */
static int
service_init(struct pcl_services *sv, struct pcl_service *s, const struct pcl_service_conf *c,
	     rte_be32_t vip)
{
	uint16_t *none = NULL;
	uint16_t i;
	int rc;

	*s = (struct pcl_service){
		.all = sv,
		.index = (uint8_t)(s - sv->svc),
		.neigh = &sv->neigh,
		.vip = vip,
		.port = rte_cpu_to_be_16(c->port),
		.table_size = c->table_size,
		.seed = c->seed,
		.syn_retries = c->syn_retries,
		.redispatch = c->redispatch,
		.held_segments = c->held_segments,
		.on_backend_down = c->on_backend_down,
		.proxy_protocol = c->proxy_protocol,
		.conf = *c,
	};
	for (i = 0; i < c->nbackends; i++) {
		rc = pcl_service_add(sv, s, &c->backends[i]);
		if (rc < 0)
			return rc == -EEXIST ? -EINVAL : rc;
	}
	rc = pcl_service_rebuild(sv, s, &none);
	return rc;
}

int
pcl_services_init(struct pcl_services *sv, const struct pcl_service_conf *conf, uint32_t n,
		  const struct pcl_lb_if *ifs, unsigned int nifs, struct pcl_listeners *listeners)
{
	uint32_t i;
	int rc;

	memset(sv, 0, sizeof(*sv));
	if (n > PCL_MAX_SERVICES || listeners->n + n > PCL_MAX_LISTEN || nifs > PCL_MAX_IFS)
		return -EINVAL;
	memcpy(sv->ifs, ifs, nifs * sizeof(ifs[0]));
	sv->nifs = nifs;
	for (i = 0; i < n; i++) {
		rc = service_init(sv, &sv->svc[i], &conf[i],
				  conf[i].vip ? conf[i].vip : ifs[0].addr);
		sv->n = i + 1;
		if (rc != 0) {
			pcl_services_fini(sv);
			return rc;
		}
	}
	for (i = 0; i < n; i++) {
		sv->svc[i].listener = (uint8_t)listeners->n;
		/* Full NAT within one family: the clients are of the backends' family. */
		listeners->l[listeners->n] = (struct pcl_listener){
			.app = &pcl_proxy_app,
			.app_data = &sv->svc[i],
			.port = conf[i].port,
			.family = pcl_service_is6(&sv->svc[i]) ? PCL_FAMILY_IPV6 : PCL_FAMILY_IPV4};
		pcl_listeners_bind(listeners, listeners->n++);
	}
	return 0;
}

struct pcl_backend_stats *
pcl_services_lcore(struct pcl_services *sv, unsigned int lcore, int socket)
{
	size_t size = sizeof(struct pcl_backend_stats) * PCL_MAX_BACKENDS * RTE_MAX(sv->n, 1u);

	if (sv->stats[lcore] == NULL)
		sv->stats[lcore] =
			rte_zmalloc_socket("pcl_backend_stats", size, RTE_CACHE_LINE_SIZE, socket);
	return sv->stats[lcore];
}

void
pcl_services_fini(struct pcl_services *sv)
{
	uint32_t i;

	for (i = 0; i < sv->n; i++) {
		free(sv->svc[i].table);
		sv->svc[i].table = NULL;
	}
	for (i = 0; i < RTE_MAX_LCORE; i++) {
		rte_free(sv->stats[i]);
		sv->stats[i] = NULL;
	}
	sv->n = 0;
}
