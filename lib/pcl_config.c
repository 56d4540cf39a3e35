/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>
#include <rte_common.h>

#include "pcl_config.h"
#include "pcl_cookie.h"

static const char *const app_names[] = {"http", "echo", "discard", NULL};
static const char *const cookie_names[] = {"off", "auto", "always", NULL};

enum key_type {
	KEY_U32,
	KEY_ENUM,
	KEY_ADDR,
	KEY_PORTS,
	KEY_STRING,
};

/* One config key: where it lives in the file and in struct pcl_config. */
struct key_desc {
	const char *section;
	const char *name;
	enum key_type type;
	size_t off;
	size_t size;              /* of the field, for KEY_U32 and KEY_STRING */
	uint32_t min, max;        /* KEY_U32 */
	const char *const *names; /* KEY_ENUM */
};

#define U32(sec, key, field, lo, hi)                                                               \
	{                                                                                          \
		.section = sec, .name = key, .type = KEY_U32,                                      \
		.off = offsetof(struct pcl_config, field),                                         \
		.size = sizeof(((struct pcl_config *)0)->field), .min = lo, .max = hi              \
	}

static const struct key_desc keys[] = {
	{.section = "port",
	 .name = "device",
	 .type = KEY_STRING,
	 .off = offsetof(struct pcl_config, device),
	 .size = PCL_DEVICE_LEN},
	{.section = "port", .name = "addr", .type = KEY_ADDR},
	U32("port", "mtu", mtu, 576, 9000),
	U32("port", "rx_desc", rx_desc, 64, 4096),
	U32("port", "tx_desc", tx_desc, 64, 4096),
	U32("port", "mbufs", mbufs, 1024, 16u << 20),
	{.section = "listen", .name = "ports", .type = KEY_PORTS},
	{.section = "listen",
	 .name = "app",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_config, app),
	 .names = app_names},
	U32("http", "body_size", http_body_size, 0, 1u << 20),
	U32("tcp", "wscale", wscale, 0, 14),
	U32("tcp", "rcv_wnd", rcv_wnd, 1024, 1u << 24),
	U32("tcp", "challenge_ack_limit", challenge_ack_limit, 1, 1000000),
	U32("tcp", "isn_rekey_s", isn_rekey_s, 0, 86400 * 365),
	{.section = "syncookies",
	 .name = "mode",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_config, syncookies),
	 .names = cookie_names},
	U32("syncookies", "threshold", cookie_threshold, 1, 1u << 26),
	U32("syncookies", "rekey_s", cookie_rekey_s, 0, 86400 * 365),
	U32("timers", "msl_ms", msl_ms, 1, 600000),
	U32("timers", "rto_ms", rto_ms, 10, 60000),
	U32("timers", "rto_max_ms", rto_max_ms, 10, 600000),
	U32("timers", "synack_retries", synack_retries, 0, 16),
	U32("timers", "retries", retries, 0, 16),
	U32("timers", "idle_timeout_ms", idle_timeout_ms, 0, 86400000),
	U32("tables", "conns", conns, 16, 1u << 26),
	U32("tables", "syn_backlog", syn_backlog, 1, 1u << 26),
	U32("stats", "log_interval_s", log_interval_s, 0, 86400),
	{.section = "stats",
	 .name = "prometheus",
	 .type = KEY_STRING,
	 .off = offsetof(struct pcl_config, prometheus),
	 .size = PCL_PROM_LEN},
};

void
pcl_config_defaults(struct pcl_config *c)
{
	memset(c, 0, sizeof(*c));
	c->prefix_len = 32;
	c->mtu = 1500;
	c->rx_desc = 1024;
	c->tx_desc = 1024;
	c->mbufs = 16384;
	c->listen[0] = 80;
	c->nlisten = 1;
	c->app = PCL_APP_HTTP;
	c->http_body_size = 11;
	c->wscale = 7;
	c->rcv_wnd = 65535;
	c->challenge_ack_limit = 1000;
	c->isn_rekey_s = 3600;
	c->syncookies = PCL_COOKIES_AUTO;
	c->cookie_threshold = 1024;
	c->cookie_rekey_s = 600;
	c->msl_ms = 30000;
	c->rto_ms = 1000;
	c->rto_max_ms = 60000;
	c->synack_retries = 5;
	c->retries = 8;
	c->idle_timeout_ms = 300000;
	c->conns = 65536;
	c->syn_backlog = 8192;
	c->log_interval_s = 10;
	strcpy(c->prometheus, "127.0.0.1:9464");
}

const char *
pcl_app_name(uint32_t app)
{
	return app < PCL_APP_MAX ? app_names[app] : "?";
}

const char *
pcl_cookie_mode_name(uint32_t mode)
{
	return mode <= PCL_COOKIES_ALWAYS ? cookie_names[mode] : "?";
}

static int
parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	if (*s == '\0' || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || v > UINT32_MAX)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static int
set_addr(struct pcl_config *c, const char *v, char *err, size_t errlen)
{
	char buf[32];
	const char *slash = strchr(v, '/');
	uint32_t len;
	struct in_addr a;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(buf)) {
		snprintf(err, errlen, "expected A.B.C.D/LEN, got '%s'", v);
		return -EINVAL;
	}
	memcpy(buf, v, slash - v);
	buf[slash - v] = '\0';
	if (inet_pton(AF_INET, buf, &a) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 address", buf);
		return -EINVAL;
	}
	if (parse_u32(slash + 1, &len) != 0 || len < 1 || len > 32) {
		snprintf(err, errlen, "prefix length '%s' is not 1..32", slash + 1);
		return -EINVAL;
	}
	c->addr = a.s_addr;
	c->prefix_len = (uint8_t)len;
	return 0;
}

static int
set_ports(struct pcl_config *c, const char *v, char *err, size_t errlen)
{
	char buf[512];
	char *tok, *save;
	uint32_t n = 0, port, i;

	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "list too long");
		return -EINVAL;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save)) {
		if (parse_u32(tok, &port) != 0 || port == 0 || port > 65535) {
			snprintf(err, errlen, "'%s' is not a port 1..65535", tok);
			return -EINVAL;
		}
		for (i = 0; i < n; i++) {
			if (c->listen[i] == port) {
				snprintf(err, errlen, "port %u listed twice", port);
				return -EINVAL;
			}
		}
		if (n == PCL_MAX_LISTEN) {
			snprintf(err, errlen, "more than %u ports", PCL_MAX_LISTEN);
			return -EINVAL;
		}
		c->listen[n++] = (uint16_t)port;
	}
	if (n == 0) {
		snprintf(err, errlen, "no port given");
		return -EINVAL;
	}
	c->nlisten = n;
	return 0;
}

static int
set_enum(void *field, const char *const *names, const char *v, char *err, size_t errlen)
{
	uint32_t i;
	int off = 0;

	for (i = 0; names[i] != NULL; i++) {
		if (strcmp(names[i], v) == 0) {
			*(uint32_t *)field = i;
			return 0;
		}
	}
	off = snprintf(err, errlen, "'%s' is not one of", v);
	for (i = 0; names[i] != NULL && off > 0 && (size_t)off < errlen; i++)
		off += snprintf(err + off, errlen - off, "%s%s", i ? "|" : " ", names[i]);
	return -EINVAL;
}

static int
set_key(struct pcl_config *c, const struct key_desc *k, const char *v, char *err, size_t errlen)
{
	char *field = (char *)c + k->off;
	uint32_t u;

	switch (k->type) {
	case KEY_U32:
		if (parse_u32(v, &u) != 0 || u < k->min || u > k->max) {
			snprintf(err, errlen, "'%s' is not an integer in %" PRIu32 "..%" PRIu32, v,
				 k->min, k->max);
			return -EINVAL;
		}
		if (k->size == sizeof(uint8_t))
			*(uint8_t *)field = (uint8_t)u;
		else if (k->size == sizeof(uint16_t))
			*(uint16_t *)field = (uint16_t)u;
		else
			*(uint32_t *)field = u;
		return 0;
	case KEY_ENUM:
		return set_enum(field, k->names, v, err, errlen);
	case KEY_ADDR:
		return set_addr(c, v, err, errlen);
	case KEY_PORTS:
		return set_ports(c, v, err, errlen);
	case KEY_STRING:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen, "longer than %zu characters", k->size - 1);
			return -EINVAL;
		}
		strcpy(field, v);
		return 0;
	}
	return -EINVAL;
}

int
pcl_config_set(struct pcl_config *c, const char *section, const char *key, const char *value,
	       char *err, size_t errlen)
{
	size_t i, n;
	int rc;

	for (i = 0; i < RTE_DIM(keys); i++) {
		if (strcmp(keys[i].section, section) != 0 || strcmp(keys[i].name, key) != 0)
			continue;
		n = (size_t)snprintf(err, errlen, "%s.%s: ", section, key);
		rc = set_key(c, &keys[i], value, err + RTE_MIN(n, errlen - 1),
			     errlen - RTE_MIN(n, errlen - 1));
		return rc;
	}
	snprintf(err, errlen, "%s.%s: unknown key", section, key);
	return -ENOENT;
}

/* The value of key k in c as text; *num is set for numeric keys. */
static void
format_key(const struct pcl_config *c, const struct key_desc *k, char *buf, size_t len,
	   uint64_t *num, bool *numeric)
{
	const char *field = (const char *)c + k->off;
	char ip[INET_ADDRSTRLEN];
	uint32_t i;
	int n = 0;

	*numeric = false;
	switch (k->type) {
	case KEY_U32:
		if (k->size == sizeof(uint8_t))
			*num = *(const uint8_t *)field;
		else if (k->size == sizeof(uint16_t))
			*num = *(const uint16_t *)field;
		else
			*num = *(const uint32_t *)field;
		*numeric = true;
		snprintf(buf, len, "%" PRIu64, *num);
		break;
	case KEY_ENUM:
		snprintf(buf, len, "%s", k->names[*(const uint32_t *)field]);
		break;
	case KEY_ADDR:
		inet_ntop(AF_INET, &c->addr, ip, sizeof(ip));
		snprintf(buf, len, "%s/%u", ip, c->prefix_len);
		break;
	case KEY_PORTS:
		buf[0] = '\0';
		for (i = 0; i < c->nlisten && n >= 0 && (size_t)n < len; i++)
			n += snprintf(buf + n, len - n, "%s%u", i ? "," : "", c->listen[i]);
		break;
	case KEY_STRING:
		snprintf(buf, len, "%s", field);
		break;
	}
}

void
pcl_config_foreach(const struct pcl_config *c, pcl_config_visit_t fn, void *arg)
{
	char text[PCL_DEVICE_LEN];
	uint64_t num = 0;
	bool numeric;
	size_t i;

	for (i = 0; i < RTE_DIM(keys); i++) {
		format_key(c, &keys[i], text, sizeof(text), &num, &numeric);
		fn(arg, keys[i].section, keys[i].name, text, numeric ? &num : NULL);
	}
}

/* inih gives no line numbers to handlers, so the reader counts them. */
struct load_ctx {
	struct pcl_config *c;
	const char *path;
	FILE *f;
	unsigned int line;
	unsigned int errors;
};

static char *
count_lines(char *str, int num, void *stream)
{
	struct load_ctx *l = stream;
	char *s = fgets(str, num, l->f);

	if (s != NULL)
		l->line++;
	return s;
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *l = user;
	char err[256];

	if (pcl_config_set(l->c, section, name, value, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s:%u: %s\n", l->path, l->line, err);
		l->errors++;
	}
	return 1; /* keep going: report every error, not just the first */
}

int
pcl_config_load(struct pcl_config *c, const char *path)
{
	struct load_ctx l = {.c = c, .path = path};
	int rc;

	l.f = fopen(path, "r");
	if (l.f == NULL) {
		fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		return -ENOENT;
	}
	rc = ini_parse_stream(count_lines, &l, on_key, &l);
	fclose(l.f);
	if (rc > 0) {
		fprintf(stderr, "%s:%d: syntax error\n", path, rc);
		l.errors++;
	}
	return l.errors ? -EINVAL : 0;
}

/* "A.B.C.D:PORT" (port 1..65535), or "off" for port 0. */
static int
parse_endpoint(const char *s, rte_be32_t *addr, uint16_t *port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	uint32_t p;

	*addr = 0;
	*port = 0;
	if (strcmp(s, "off") == 0)
		return 0;
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, addr) != 1 || parse_u32(colon + 1, &p) != 0 || p == 0 ||
	    p > UINT16_MAX)
		return -EINVAL;
	*port = (uint16_t)p;
	return 0;
}

int
pcl_config_finish(struct pcl_config *c, char *err, size_t errlen)
{
	uint32_t i;

	if (c->addr == 0) {
		snprintf(err, errlen,
			 "port.addr: required (A.B.C.D/LEN), e.g. --addr 198.18.0.2/24");
		return -EINVAL;
	}
	if (c->rto_max_ms < c->rto_ms) {
		snprintf(err, errlen, "timers.rto_max_ms: %u is below timers.rto_ms %u",
			 c->rto_max_ms, c->rto_ms);
		return -EINVAL;
	}
	if (c->syn_backlog > c->conns) {
		snprintf(err, errlen, "tables.syn_backlog: %u exceeds tables.conns %u",
			 c->syn_backlog, c->conns);
		return -EINVAL;
	}
	/* A rotation rewrites the key before the current one: see pcl_cookie.h. */
	if (c->cookie_rekey_s != 0 && c->cookie_rekey_s < PCL_COOKIE_MIN_REKEY_S) {
		snprintf(err, errlen,
			 "syncookies.rekey_s: %u is below %u, cookies are valid for up to %u s",
			 c->cookie_rekey_s, PCL_COOKIE_MIN_REKEY_S,
			 (unsigned int)PCL_COOKIE_MAX_LIFE_S);
		return -EINVAL;
	}
	if (parse_endpoint(c->prometheus, &c->prom_addr, &c->prom_port) != 0) {
		snprintf(err, errlen, "stats.prometheus: expected A.B.C.D:PORT or off, got '%s'",
			 c->prometheus);
		return -EINVAL;
	}
	memset(c->listen_app, 0, sizeof(c->listen_app));
	for (i = 0; i < c->nlisten; i++)
		c->listen_app[c->listen[i]] = (uint8_t)(c->app + 1);
	return 0;
}
