/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lb/pcl_maglev.h"
#include "lb/pcl_proxy.h"
#include "lb/pcl_service.h"

#define DEFAULT_WEIGHT 100

const char *const pcl_scheduler_names[PCL_SCHED_MAX + 1] = {"maglev", NULL};

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
pcl_backend_parse(const char *v, struct pcl_backend_conf *b, char *err, size_t errlen)
{
	char buf[64], *colon, *space, *port;
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
		if (strncmp(space, "weight=", 7) != 0 || parse_uint(space + 7, 1000000, &n) != 0) {
			snprintf(err, errlen, "'%s' is not weight=N (0..1000000)", space);
			return -EINVAL;
		}
		b->weight = (uint32_t)n;
	}
	colon = strrchr(buf, ':');
	if (colon == NULL) {
		snprintf(err, errlen, "expected A.B.C.D:PORT [weight=N], got '%s'", v);
		return -EINVAL;
	}
	*colon = '\0';
	port = colon + 1;
	if (inet_pton(AF_INET, buf, &b->addr) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 address", buf);
		return -EINVAL;
	}
	if (parse_uint(port, UINT16_MAX, &n) != 0 || n == 0) {
		snprintf(err, errlen, "'%s' is not a port 1..65535", port);
		return -EINVAL;
	}
	b->port = (uint16_t)n;
	return 0;
}

void
pcl_backend_format(const struct pcl_backend_conf *b, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &b->addr, ip, sizeof(ip));
	snprintf(buf, len, "%s:%u weight=%u", ip, b->port, b->weight);
}

int
pcl_lb_if_of(const struct pcl_lb_if *ifs, unsigned int n, rte_be32_t addr)
{
	int i;

	for (i = (int)n - 1; i >= 0; i--) {
		uint32_t mask = ifs[i].prefix_len ? UINT32_MAX << (32 - ifs[i].prefix_len) : 0;

		if (((rte_be_to_cpu_32(addr) ^ rte_be_to_cpu_32(ifs[i].addr)) & mask) == 0)
			return i;
	}
	return -1;
}

/* Service i of conf: its backends in the neighbour table, its Maglev table built. */
static int
service_init(struct pcl_services *sv, struct pcl_service *s, const struct pcl_service_conf *c,
	     rte_be32_t vip, const struct pcl_lb_if *ifs, unsigned int nifs)
{
	struct pcl_maglev_backend mb[PCL_MAX_BACKENDS];
	uint16_t i;
	int ifx;

	*s = (struct pcl_service){
		.neigh = &sv->neigh,
		.vip = vip,
		.port = rte_cpu_to_be_16(c->port),
		.table_size = c->table_size,
		.syn_retries = c->syn_retries,
		.redispatch = c->redispatch,
		.held_segments = c->held_segments,
		.nbackends = c->nbackends,
	};
	for (i = 0; i < c->nbackends; i++) {
		const struct pcl_backend_conf *b = &c->backends[i];

		ifx = pcl_lb_if_of(ifs, nifs, b->addr);
		if (ifx < 0)
			return -EINVAL;
		s->backends[i] = (struct pcl_backend){
			.addr = b->addr,
			.port = rte_cpu_to_be_16(b->port),
			.weight = b->weight,
			.neigh = pcl_neigh_add(&sv->neigh, b->addr, (uint8_t)ifx),
			.ifx = (uint8_t)ifx,
		};
		if (s->backends[i].neigh == PCL_NEIGH_NONE)
			return -EINVAL;
		/* Maglev knows a backend by its address and port, so every instance agrees. */
		memset(&mb[i], 0, sizeof(mb[i]));
		mb[i].key[10] = mb[i].key[11] = 0xff; /* ::ffff:a.b.c.d */
		memcpy(&mb[i].key[12], &b->addr, 4);
		memcpy(&mb[i].key[16], &s->backends[i].port, 2);
		mb[i].weight = b->weight;
	}
	s->table = malloc(sizeof(*s->table) * c->table_size);
	if (s->table == NULL)
		return -ENOMEM;
	return pcl_maglev_build(s->table, c->table_size, mb, c->nbackends, c->seed);
}

int
pcl_services_init(struct pcl_services *sv, const struct pcl_service_conf *conf, uint32_t n,
		  const struct pcl_lb_if *ifs, unsigned int nifs, struct pcl_listeners *listeners)
{
	uint32_t i;
	int rc;

	memset(sv, 0, sizeof(*sv));
	if (n > PCL_MAX_SERVICES || listeners->n + n > PCL_MAX_LISTEN)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		rc = service_init(sv, &sv->svc[i], &conf[i],
				  conf[i].vip ? conf[i].vip : ifs[0].addr, ifs, nifs);
		sv->n = i + 1;
		if (rc != 0) {
			pcl_services_fini(sv);
			return rc;
		}
	}
	for (i = 0; i < n; i++) {
		listeners->l[listeners->n] = (struct pcl_listener){
			.app = &pcl_proxy_app, .app_data = &sv->svc[i], .port = conf[i].port};
		listeners->by_port[conf[i].port] = (uint8_t)(++listeners->n);
	}
	return 0;
}

void
pcl_services_fini(struct pcl_services *sv)
{
	uint32_t i;

	for (i = 0; i < sv->n; i++) {
		free(sv->svc[i].table);
		sv->svc[i].table = NULL;
	}
	sv->n = 0;
}
