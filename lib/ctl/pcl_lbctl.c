/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/pcl_log.h"
#include "ctl/pcl_lbctl.h"

void
pcl_lbctl_backend_stats(const struct pcl_services *sv, unsigned int s, unsigned int b,
			struct pcl_backend_stats *out)
{
	const uint64_t *in;
	uint64_t *sum = (uint64_t *)out;
	unsigned int l, k;

	memset(out, 0, sizeof(*out));
	for (l = 0; l < RTE_MAX_LCORE; l++) {
		if (sv->stats[l] == NULL)
			continue;
		in = (const uint64_t *)pcl_backend_stats(sv->stats[l], s, b);
		for (k = 0; k < sizeof(*out) / sizeof(uint64_t); k++)
			sum[k] += pcl_stat_read(&in[k]);
	}
}

static void
sample(const struct pcl_services *sv, unsigned int s, unsigned int b, struct pcl_health_sample *hs)
{
	struct pcl_backend_stats st;

	pcl_lbctl_backend_stats(sv, s, b, &st);
	*hs = (struct pcl_health_sample){
		.checks_ok = st.checks_ok,
		.checks_failed = st.checks_failed,
		.hs_failed = st.hs_rst + st.hs_timeout,
		.conns = st.conns,
	};
}

/* "service 80 backend 198.18.0.11:8080", for logs and replies. */
static const char *
name(const struct pcl_service *svc, uint16_t b, char *buf, size_t len)
{
	char ap[PCL_ADDR_PORT_STRLEN];

	pcl_addr_port_format(&svc->backends[b].addr, rte_be_to_cpu_16(svc->backends[b].port), ap,
			     sizeof(ap));
	snprintf(buf, len, "service %u backend %s", rte_be_to_cpu_16(svc->port), ap);
	return buf;
}

static void
health_start(struct pcl_lbctl *lc, unsigned int s, uint16_t b)
{
	struct pcl_health_sample hs;

	sample(lc->sv, s, b, &hs);
	pcl_health_init(&lc->health[s][b], &lc->sv->svc[s].conf, &hs);
}

int
pcl_lbctl_init(struct pcl_lbctl *lc, struct pcl_services *sv, pcl_reload_fn reload,
	       void *reload_arg)
{
	unsigned int s;
	uint16_t b;

	memset(lc, 0, sizeof(*lc));
	lc->sv = sv;
	lc->reload = reload;
	lc->reload_arg = reload_arg;
	for (s = 0; s < sv->n; s++)
		for (b = 0; b < sv->svc[s].nbackends; b++)
			health_start(lc, s, b);
	return -pthread_mutex_init(&lc->lock, NULL);
}

void
pcl_lbctl_fini(struct pcl_lbctl *lc)
{
	pthread_mutex_destroy(&lc->lock);
}

/* What backend b of service s should be: the operator's word first, then its health. */
static enum pcl_backend_state
wanted(const struct pcl_lbctl *lc, unsigned int s, uint16_t b)
{
	const struct pcl_health *h = &lc->health[s][b];

	if (lc->admin[s][b] == PCL_ADMIN_REMOVED)
		return PCL_BACKEND_removed;
	if (lc->admin[s][b] == PCL_ADMIN_DRAIN)
		return PCL_BACKEND_draining;
	return h->checks_down || h->passive_until_ms != 0 ? PCL_BACKEND_down : PCL_BACKEND_up;
}

/*
 * Brings service s's backends to the states they should have, logs and
 * counts the ups and downs, and rebuilds the table when the backends that
 * take new connections changed (or always, with force: a weight changed).
 */
static void
settle(struct pcl_lbctl *lc, unsigned int s, bool force)
{
	struct pcl_service *svc = &lc->sv->svc[s];
	enum pcl_backend_state was, now;
	bool rebuild = force;
	uint16_t *old, b;
	char who[96];

	for (b = 0; b < svc->nbackends; b++) {
		was = pcl_backend_state(&svc->backends[b]);
		now = wanted(lc, s, b);
		if (was == now)
			continue;
		if (was == PCL_BACKEND_up && now == PCL_BACKEND_down) {
			lc->downs[s][b]++;
			PCL_LOG(WARNING, "%s is down (%s)", name(svc, b, who, sizeof(who)),
				lc->health[s][b].checks_down ? "health checks"
							     : "failed handshakes");
		} else if (was == PCL_BACKEND_down && now == PCL_BACKEND_up) {
			lc->ups[s][b]++;
			PCL_LOG(NOTICE, "%s is up again", name(svc, b, who, sizeof(who)));
		}
		pcl_service_set_state(lc->sv, svc, b, now);
		rebuild |= (was == PCL_BACKEND_up) != (now == PCL_BACKEND_up);
	}
	if (!rebuild)
		return;
	if (pcl_service_rebuild(lc->sv, svc, &old) != 0) {
		PCL_LOG(ERR, "service %u: no memory for a new table; the old one stays",
			rte_be_to_cpu_16(svc->port));
		return;
	}
	pcl_services_retire(lc->sv, old);
}

void
pcl_lbctl_tick(struct pcl_lbctl *lc, uint64_t now_ms)
{
	struct pcl_health_sample hs;
	unsigned int s;
	uint16_t b;

	pthread_mutex_lock(&lc->lock);
	for (s = 0; s < lc->sv->n; s++) {
		for (b = 0; b < lc->sv->svc[s].nbackends; b++) {
			sample(lc->sv, s, b, &hs);
			pcl_health_update(&lc->health[s][b], &lc->sv->svc[s].conf, &hs, now_ms);
		}
		settle(lc, s, false);
	}
	pthread_mutex_unlock(&lc->lock);
}

int
pcl_lbctl_backend_info(struct pcl_lbctl *lc, unsigned int s, unsigned int b,
		       struct pcl_backend_info *out)
{
	const struct pcl_service *svc;

	if (s >= lc->sv->n || b >= __atomic_load_n(&lc->sv->svc[s].nbackends, __ATOMIC_ACQUIRE))
		return -ENOENT;
	svc = &lc->sv->svc[s];
	pthread_mutex_lock(&lc->lock);
	pcl_addr_port_format(&svc->backends[b].addr, rte_be_to_cpu_16(svc->backends[b].port),
			     out->name, sizeof(out->name));
	out->service = rte_be_to_cpu_16(svc->port);
	out->state = pcl_backend_state(&svc->backends[b]);
	out->weight = svc->backends[b].weight;
	out->slots = svc->backends[b].slots;
	out->downs = lc->downs[s][b];
	out->ups = lc->ups[s][b];
	pthread_mutex_unlock(&lc->lock);
	pcl_lbctl_backend_stats(lc->sv, s, b, &out->st);
	/* Two sums read a moment apart: never below zero. */
	out->active = out->st.conns > out->st.ended ? out->st.conns - out->st.ended : 0;
	return 0;
}

/* ---- commands ---- */

static int reply(char *out, size_t len, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
reply(char *out, size_t len, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, len, fmt, ap);
	va_end(ap);
	if (rc == 0)
		PCL_LOG(NOTICE, "%s", out);
	return rc;
}

static int
find_service(const struct pcl_services *sv, const char *port)
{
	char *end;
	unsigned long p = strtoul(port, &end, 10);
	unsigned int s;

	if (*port == '\0' || *end != '\0')
		return -1;
	for (s = 0; s < sv->n; s++)
		if (rte_be_to_cpu_16(sv->svc[s].port) == p)
			return (int)s;
	return -1;
}

/* Backends that may take connections, new one included: the table must stay 100x larger. */
static int
room_for_one_more(const struct pcl_service *svc, const struct pcl_lbctl *lc, unsigned int s)
{
	uint32_t n = 1;
	uint16_t b;

	for (b = 0; b < svc->nbackends; b++)
		n += lc->admin[s][b] != PCL_ADMIN_REMOVED;
	return svc->table_size > 100u * n ? 0 : -ENOSPC;
}

static int
cmd_add(struct pcl_lbctl *lc, unsigned int s, const struct pcl_backend_conf *bc, char *out,
	size_t len)
{
	struct pcl_service *svc = &lc->sv->svc[s];
	int b = pcl_service_find(svc, &bc->addr, rte_cpu_to_be_16(bc->port));
	char who[96];

	if (b >= 0 && lc->admin[s][b] != PCL_ADMIN_REMOVED)
		return reply(out, len, -EEXIST, "%s: already there",
			     name(svc, (uint16_t)b, who, sizeof(who)));
	if (room_for_one_more(svc, lc, s) != 0)
		return reply(out, len, -ENOSPC,
			     "service %u: table_size %u is not above 100 x the backends with one "
			     "more (restart with a larger prime)",
			     rte_be_to_cpu_16(svc->port), svc->table_size);
	b = pcl_service_add(lc->sv, svc, bc);
	if (b == -EINVAL)
		return reply(out, len, b,
			     "backend: on the subnet of none of our ports, or our own address");
	if (b == -EAFNOSUPPORT)
		return reply(out, len, b, "service %u: its backends are IPv%c, all of them",
			     rte_be_to_cpu_16(svc->port), pcl_service_is6(svc) ? '6' : '4');
	if (b < 0)
		return reply(out, len, b, "service %u: no room for another backend (%d at most)",
			     rte_be_to_cpu_16(svc->port), PCL_MAX_BACKENDS);
	lc->admin[s][b] = PCL_ADMIN_ACTIVE;
	health_start(lc, s, (uint16_t)b);
	settle(lc, s, true);
	return reply(out, len, 0, "%s added, weight %u", name(svc, (uint16_t)b, who, sizeof(who)),
		     bc->weight);
}

/* "backend VERB PORT A.B.C.D:P [ARG]" */
static int
cmd_backend(struct pcl_lbctl *lc, char *args, char *out, size_t len)
{
	char *save = NULL, *verb = strtok_r(args, " \t", &save);
	char *port = strtok_r(NULL, " \t", &save), *rest = strtok_r(NULL, "", &save);
	struct pcl_backend_conf bc;
	struct pcl_service *svc;
	char err[128], who[96], *arg;
	unsigned long w;
	int s, b;

	if (verb == NULL || port == NULL || rest == NULL)
		return reply(out, len, -EINVAL,
			     "usage: backend add|remove|weight|drain|undrain PORT "
			     "A.B.C.D:P|[IPv6]:P [ARG]");
	s = find_service(lc->sv, port);
	if (s < 0)
		return reply(out, len, -ENOENT, "no service on port '%s'", port);
	svc = &lc->sv->svc[s];
	if (strcmp(verb, "add") == 0) {
		if (pcl_backend_parse(rest, &bc, err, sizeof(err)) != 0)
			return reply(out, len, -EINVAL, "backend: %s", err);
		return cmd_add(lc, (unsigned int)s, &bc, out, len);
	}
	arg = strpbrk(rest, " \t");
	if (arg != NULL)
		*arg++ = '\0';
	if (pcl_backend_parse(rest, &bc, err, sizeof(err)) != 0)
		return reply(out, len, -EINVAL, "backend: %s", err);
	b = pcl_service_find(svc, &bc.addr, rte_cpu_to_be_16(bc.port));
	if (b < 0 || lc->admin[s][b] == PCL_ADMIN_REMOVED)
		return reply(out, len, -ENOENT, "service %u has no backend %s",
			     rte_be_to_cpu_16(svc->port), rest);
	name(svc, (uint16_t)b, who, sizeof(who));
	if (strcmp(verb, "remove") == 0) {
		lc->admin[s][b] = PCL_ADMIN_REMOVED;
	} else if (strcmp(verb, "drain") == 0) {
		lc->admin[s][b] = PCL_ADMIN_DRAIN;
	} else if (strcmp(verb, "undrain") == 0) {
		lc->admin[s][b] = PCL_ADMIN_ACTIVE;
	} else if (strcmp(verb, "weight") == 0) {
		if (arg == NULL || pcl_backend_parse_weight(arg, &w) != 0)
			return reply(out, len, -EINVAL, "weight: expected 0..1000000, got '%s'",
				     arg ? arg : "");
		svc->backends[b].weight = (uint32_t)w;
		settle(lc, (unsigned int)s, true);
		return reply(out, len, 0, "%s: weight %lu", who, w);
	} else {
		return reply(out, len, -EINVAL, "backend: unknown verb '%s'", verb);
	}
	settle(lc, (unsigned int)s, false);
	return reply(out, len, 0, "%s: %s", who,
		     pcl_backend_state_names[pcl_backend_state(&svc->backends[b])]);
}

/* Whether service conf a and b differ in anything but their backends. */
static bool
differ_beyond_backends(const struct pcl_service_conf *a, const struct pcl_service_conf *b)
{
	static struct pcl_service_conf x, y;

	x = *a;
	y = *b;
	x.nbackends = y.nbackends = 0;
	x.line = y.line = 0;
	memset(x.backends, 0, sizeof(x.backends));
	memset(y.backends, 0, sizeof(y.backends));
	return memcmp(&x, &y, sizeof(x)) != 0;
}

/* Checks every service of cfg against the running ones before anything changes. */
static int
reload_check(const struct pcl_lbctl *lc, const struct pcl_config *cfg, char *out, size_t len)
{
	const struct pcl_services *sv = lc->sv;
	unsigned int s, k, fresh;
	int i;

	if (cfg->nservices != sv->n)
		return reply(out, len, -EINVAL,
			     "reload: services added or removed need a restart (nothing changed)");
	for (s = 0; s < sv->n; s++) {
		const struct pcl_service_conf *c = &cfg->services[s];

		if (c->port != rte_be_to_cpu_16(sv->svc[s].port))
			return reply(out, len, -EINVAL,
				     "reload: service:%u is new: services added or removed need a "
				     "restart (nothing changed)",
				     c->port);
		/* A service's clients are of its backends' family: that is fixed at the start. */
		if (c->nbackends != 0 &&
		    pcl_addr_is4(&c->backends[0].addr) == pcl_service_is6(&sv->svc[s]))
			return reply(
				out, len, -EINVAL,
				"reload: service:%u: backends of another family need a restart "
				"(nothing changed)",
				c->port);
		if (differ_beyond_backends(c, &sv->svc[s].conf))
			return reply(out, len, -EINVAL,
				     "reload: service:%u: keys other than backend changed; they "
				     "need a restart (nothing changed)",
				     c->port);
		for (k = 0, fresh = 0; k < c->nbackends; k++) {
			i = pcl_service_find(&sv->svc[s], &c->backends[k].addr,
					     rte_cpu_to_be_16(c->backends[k].port));
			fresh += i < 0;
		}
		if (sv->svc[s].nbackends + fresh > PCL_MAX_BACKENDS)
			return reply(out, len, -ENOSPC,
				     "reload: service:%u: more than %d backends since the start; "
				     "restart (nothing changed)",
				     c->port, PCL_MAX_BACKENDS);
	}
	return 0;
}

/* The backends of service s as c lists them: added, removed, reweighted. */
static void
reload_service(struct pcl_lbctl *lc, unsigned int s, const struct pcl_service_conf *c,
	       unsigned int *added, unsigned int *removed, unsigned int *reweighted)
{
	struct pcl_service *svc = &lc->sv->svc[s];
	bool listed[PCL_MAX_BACKENDS] = {false};
	unsigned int k;
	int b;

	for (k = 0; k < c->nbackends; k++) {
		const struct pcl_backend_conf *bc = &c->backends[k];

		b = pcl_service_find(svc, &bc->addr, rte_cpu_to_be_16(bc->port));
		if (b < 0 || lc->admin[s][b] == PCL_ADMIN_REMOVED) {
			b = pcl_service_add(lc->sv, svc, bc);
			if (b < 0)
				continue; /* reload_check and the config's checks rule it out */
			lc->admin[s][b] = PCL_ADMIN_ACTIVE;
			health_start(lc, s, (uint16_t)b);
			(*added)++;
		} else if (svc->backends[b].weight != bc->weight) {
			svc->backends[b].weight = bc->weight;
			(*reweighted)++;
		}
		listed[b] = true;
	}
	for (b = 0; b < svc->nbackends; b++) {
		if (!listed[b] && lc->admin[s][b] != PCL_ADMIN_REMOVED) {
			lc->admin[s][b] = PCL_ADMIN_REMOVED;
			(*removed)++;
		}
	}
	settle(lc, s, true);
}

static int
cmd_reload(struct pcl_lbctl *lc, char *out, size_t len)
{
	unsigned int s, added = 0, removed = 0, reweighted = 0;
	struct pcl_config *cfg;
	char err[384];
	int rc;

	if (lc->reload == NULL)
		return reply(out, len, -ENOTSUP, "reload: no config file to read");
	cfg = malloc(sizeof(*cfg));
	if (cfg == NULL)
		return reply(out, len, -ENOMEM, "reload: out of memory (nothing changed)");
	rc = lc->reload(cfg, err, sizeof(err), lc->reload_arg);
	if (rc != 0) {
		reply(out, len, rc, "reload: %s (nothing changed)", err);
	} else if ((rc = reload_check(lc, cfg, out, len)) == 0) {
		for (s = 0; s < lc->sv->n; s++)
			reload_service(lc, s, &cfg->services[s], &added, &removed, &reweighted);
		reply(out, len, 0, "reload: %u backends added, %u removed, %u reweighted", added,
		      removed, reweighted);
	}
	free(cfg);
	return rc;
}

int
pcl_lbctl_command(struct pcl_lbctl *lc, const char *line, char *out, size_t len)
{
	char buf[256], *save = NULL, *word;
	int rc;

	if (strlen(line) >= sizeof(buf))
		return reply(out, len, -EINVAL, "command too long");
	strcpy(buf, line);
	word = strtok_r(buf, " \t\r\n", &save);
	pthread_mutex_lock(&lc->lock);
	if (word != NULL && strcmp(word, "backend") == 0)
		rc = cmd_backend(lc, strtok_r(NULL, "\r\n", &save) ?: (char[]){""}, out, len);
	else if (word != NULL && strcmp(word, "reload") == 0)
		rc = cmd_reload(lc, out, len);
	else
		rc = reply(out, len, -EINVAL, "unknown command '%s' (backend, reload)",
			   word ? word : "");
	pthread_mutex_unlock(&lc->lock);
	if (rc != 0)
		PCL_LOG(WARNING, "%s", out);
	return rc;
}
