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

#include "ctl/pcl_config.h"
#include "lb/pcl_maglev.h"
#include "tcp/pcl_cookie.h"

static const char *const cookie_names[] = {"off", "auto", "always", NULL};
static const char *const tw_full_names[] = {"recycle", "skip", NULL};
static const char *const tap_rx_names[] = {"poll", "signal", NULL};

enum key_type {
	KEY_U32,
	KEY_ENUM,
	KEY_ADDR,  /* A.B.C.D/LEN: the address at off, the prefix length (uint8_t) at off2 */
	KEY_ADDR6, /* ADDR/LEN (IPv6): the address at off, the prefix length (uint8_t) at off2 */
	KEY_IPV4,  /* A.B.C.D */
	KEY_PORTS,
	KEY_STRING,
	KEY_BACKEND, /* A.B.C.D:PORT [weight=N], one more backend of a service */
	KEY_LADDRS,  /* IPv4 addresses and ranges into a struct pcl_local_addrs */
};

/*
 * One config key: where it lives in the file and in struct pcl_config, and
 * what the docs say about it (portcullis --list-config-keys prints the table
 * in docs/configuration.md from these fields, so a key is documented where
 * it is defined).
 */
struct key_desc {
	const char *section;
	const char *name;
	enum key_type type;
	size_t off;
	size_t off2;              /* KEY_ADDR: the prefix length's */
	size_t size;              /* of the field, for KEY_U32 and KEY_STRING */
	uint32_t min, max;        /* KEY_U32 */
	const char *const *names; /* KEY_ENUM */
	const char *unit;         /* KEY_U32: what min..max count, or NULL */
	const char *syntax; /* KEY_ADDR, KEY_IPV4, KEY_PORTS, KEY_STRING, KEY_BACKEND: what a value
			       looks like */
	/*
	 * The default in words, for a key whose default pcl_config_defaults()
	 * cannot show as a value: none, or decided later (pcl_config_finish(),
	 * the EAL, another key). NULL: the value pcl_config_defaults() sets.
	 */
	const char *dflt;
	const char *help; /* one line */
};

#define U32(sec, key, field, lo, hi, unit_, help_)                                                 \
	{                                                                                          \
		.section = sec, .name = key, .type = KEY_U32,                                      \
		.off = offsetof(struct pcl_config, field),                                         \
		.size = sizeof(((struct pcl_config *)0)->field), .min = lo, .max = hi,             \
		.unit = unit_, .help = help_                                                       \
	}

#define BODY_MAX       (1u << 20)
#define LISTEN_PREFIX  "listen:"
#define LISTEN_PLEN    (sizeof(LISTEN_PREFIX) - 1)
#define SERVICE_PREFIX "service:"
#define SERVICE_PLEN   (sizeof(SERVICE_PREFIX) - 1)

#define LADDRS_SYNTAX                                                                              \
	"A.B.C.D[-A.B.C.D][,...]: addresses and ranges, at most " RTE_STR(PCL_LOCAL_ADDRS_MAX)
#define LADDRS_HELP                                                                                \
	"more IPv4 addresses of ours on the port's subnet, used only as sources toward "           \
	"backends (each adds 64512 local ports per backend); ARP is answered for them, no "        \
	"client is served there"

static const struct key_desc keys[] = {
	{.section = "port",
	 .name = "device",
	 .type = KEY_STRING,
	 .off = offsetof(struct pcl_config, device),
	 .size = PCL_DEVICE_LEN,
	 .syntax = "a --vdev spec, e.g. net_tap0,iface=pcl0",
	 .dflt = "none",
	 .help = "DPDK device added to the EAL arguments unless the command line has --vdev or -a"},
	{.section = "port",
	 .name = "addr",
	 .type = KEY_ADDR,
	 .off = offsetof(struct pcl_config, addr),
	 .off2 = offsetof(struct pcl_config, prefix_len),
	 .syntax = "A.B.C.D/LEN",
	 .dflt = "none: required unless port.addr6 is set",
	 .help = "the server's IPv4 address and prefix; it answers ARP and ICMP echo for it"},
	{.section = "port",
	 .name = "addr6",
	 .type = KEY_ADDR6,
	 .off = offsetof(struct pcl_config, addr6),
	 .off2 = offsetof(struct pcl_config, prefix6_len),
	 .syntax = "ADDR/LEN, an IPv6 unicast address",
	 .dflt = "none: IPv4 only",
	 .help = "the server's IPv6 address and prefix, beside port.addr or alone; with it, also "
		 "the "
		 "link-local address from the port's MAC; it answers Neighbor Discovery and "
		 "ICMPv6 echo for both"},
	{.section = "port",
	 .name = "local_addrs",
	 .type = KEY_LADDRS,
	 .off = offsetof(struct pcl_config, laddrs),
	 .syntax = LADDRS_SYNTAX,
	 .dflt = "none: port.addr alone",
	 .help = LADDRS_HELP},
	U32("port", "mtu", port.mtu, 576, 9000, "bytes",
	    "largest IP packet on the port; our MSS is mtu - 40 over IPv4, mtu - 60 over IPv6"),
	U32("port", "rx_desc", port.rx_desc, 64, 4096, "descriptors", "RX descriptors per queue"),
	U32("port", "tx_desc", port.tx_desc, 64, 4096, "descriptors", "TX descriptors per queue"),
	U32("port", "mbufs", port.mbufs, 1024, 16u << 20, "mbufs per worker",
	    "packet buffers in each worker's pool"),
	U32("port", "queues", port.queues, 0, RTE_MAX_QUEUES_PER_PORT, "queue pairs",
	    "RX/TX queue pairs, 0 = one per worker; fewer than the workers is an error, more "
	    "stay idle (needs RSS)"),
	{.section = "port",
	 .name = "tap_rx",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_config, port.tap_rx),
	 .names = tap_rx_names,
	 .help = "net_tap only: read on every poll, or take net_tap's signal per frame and skip "
		 "reads while none came (costs about 1 us per frame under load)"},
	{.section = "port:backend",
	 .name = "device",
	 .type = KEY_STRING,
	 .off = offsetof(struct pcl_config, bdevice),
	 .size = PCL_DEVICE_LEN,
	 .syntax = "a --vdev spec, e.g. net_tap1,iface=pclb",
	 .dflt = "none",
	 .help = "the second DPDK device, facing the backends (two-arm), unless the command line "
		 "names devices"},
	{.section = "port:backend",
	 .name = "addr",
	 .type = KEY_ADDR,
	 .off = offsetof(struct pcl_config, baddr),
	 .off2 = offsetof(struct pcl_config, bprefix_len),
	 .syntax = "A.B.C.D/LEN",
	 .dflt = "none: one port (one-arm)",
	 .help = "our address on the backend-facing port; backends on its subnet are reached "
		 "there, from it (full NAT)"},
	{.section = "port:backend",
	 .name = "local_addrs",
	 .type = KEY_LADDRS,
	 .off = offsetof(struct pcl_config, bladdrs),
	 .syntax = LADDRS_SYNTAX,
	 .dflt = "none: port:backend.addr alone",
	 .help = LADDRS_HELP},
	{.section = "port:backend",
	 .name = "addr6",
	 .type = KEY_ADDR6,
	 .off = offsetof(struct pcl_config, baddr6),
	 .off2 = offsetof(struct pcl_config, bprefix6_len),
	 .syntax = "ADDR/LEN, an IPv6 unicast address",
	 .dflt = "none: IPv4 only there",
	 .help = "our IPv6 address on the backend-facing port, for IPv6 backends on its subnet "
		 "(needs port.addr6 for the clients)"},
	{.section = "workers",
	 .name = "lcores",
	 .type = KEY_STRING,
	 .off = offsetof(struct pcl_config, lcores),
	 .size = PCL_LCORES_LEN,
	 .syntax = "an EAL --lcores list, e.g. 0-2 or 0@0,1@0,2@1",
	 .dflt = "the EAL's: every core",
	 .help = "lcores to run on unless the command line has -l, --lcores or -c; the first is "
		 "the main lcore, every other one a worker"},
	{.section = "listen",
	 .name = "ports",
	 .type = KEY_PORTS,
	 .syntax = "PORT[,PORT...], each 1..65535, at most 64 ports in all",
	 .dflt = "80, or none when [listen:PORT] sections exist",
	 .help = "TCP ports to accept connections on"},
	{.section = "listen",
	 .name = "app",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_config, app),
	 .names = pcl_app_names,
	 .help = "what these ports' connections get, and the default of [listen:PORT] sections"},
	U32("http", "body_size", http_body_size, 0, BODY_MAX, "bytes",
	    "size of the 200 OK body, for listeners without a body_size of their own"),
	U32("tcp", "wscale", tcp.wscale, 0, 14, "shift",
	    "our window-scale shift, offered when the client offers window scaling"),
	U32("tcp", "rcv_wnd", tcp.rcv_wnd, 1024, 1u << 24, "bytes", "receive window we advertise"),
	U32("tcp", "challenge_ack_limit", tcp.challenge_ack_limit, 1, 1000000,
	    "per second per worker", "RFC 5961 challenge ACKs sent at most"),
	U32("tcp", "isn_rekey_s", isn_rekey_s, 0, 86400 * 365, "s",
	    "ISN secret rotation period, 0 = never"),
	{.section = "syncookies",
	 .name = "mode",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_config, tcp.syncookies),
	 .names = cookie_names,
	 .help = "SYN cookies instead of half-open entries: never, under pressure, or always"},
	U32("syncookies", "threshold", tcp.cookie_threshold, 1, 1u << 26, "entries per worker",
	    "half-open entries that switch auto mode to cookies (tables.syn_backlog if lower)"),
	U32("syncookies", "rekey_s", cookie_rekey_s, 0, 86400 * 365, "s",
	    "cookie secret rotation period, 0 = never, else at least 120"),
	U32("timers", "msl_ms", tcp.msl_ms, 1, 600000, "ms",
	    "maximum segment lifetime; TIME_WAIT lasts 2 MSL unless timers.time_wait_ms is set"),
	U32("timers", "time_wait_ms", tcp.time_wait_ms, 0, 1200000, "ms",
	    "how long a TIME_WAIT record lasts, 0 = 2 * timers.msl_ms"),
	U32("timers", "rto_ms", tcp.rto_ms, 10, 60000, "ms",
	    "initial retransmission timeout, until the first RTT sample"),
	U32("timers", "rto_min_ms", tcp.rto_min_ms, 10, 60000, "ms",
	    "floor of the retransmission timeout computed from RTT samples (RFC 6298: 1000, "
	    "Linux: 200), or timers.rto_ms when that is lower"),
	U32("timers", "rto_max_ms", tcp.rto_max_ms, 10, 600000, "ms",
	    "largest retransmission timeout after backoff; not below timers.rto_ms"),
	U32("timers", "synack_retries", tcp.synack_retries, 0, 16, "retransmissions",
	    "SYN-ACK retransmissions before a half-open entry is freed"),
	U32("timers", "retries", tcp.retries, 0, 16, "retransmissions",
	    "data or FIN retransmissions (or zero-window probes) before a connection is dropped"),
	U32("timers", "idle_timeout_ms", tcp.idle_timeout_ms, 0, 86400000, "ms",
	    "close a connection that received nothing for this long, 0 = never"),
	U32("tables", "conns", tcp.conns, 16, 1u << 26, "entries per worker",
	    "connection entries, for every state from SYN_RCVD to CLOSING (TIME_WAIT holds none)"),
	U32("tables", "syn_backlog", tcp.syn_backlog, 1, 1u << 26, "entries per worker",
	    "half-open (SYN_RCVD) entries at most; not above tables.conns"),
	U32("tables", "time_wait", tcp.time_wait, 1, PCL_TW_MAX, "records per worker",
	    "TIME_WAIT records, 32 bytes each"),
	U32("tables", "held", tcp.held, 0, 1u << 24, "segments per worker",
	    "client segments held by all proxied connections whose backend has not answered; "
	    "not above half of port.mbufs"),
	{.section = "tables",
	 .name = "time_wait_full",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_config, tcp.time_wait_full),
	 .names = tw_full_names,
	 .help = "a full TIME_WAIT store: end the oldest record early, or close without TIME_WAIT"},
	U32("stats", "log_interval_s", log_interval_s, 0, 86400, "s",
	    "seconds between summary log lines, 0 = none"),
	{.section = "stats",
	 .name = "prometheus",
	 .type = KEY_STRING,
	 .off = offsetof(struct pcl_config, prometheus),
	 .size = PCL_PROM_LEN,
	 .syntax = "A.B.C.D:PORT or off",
	 .help = "where GET /metrics is served"},
};

_Static_assert(RTE_DIM(keys) <= PCL_CONFIG_KEYS, "struct pcl_config's line[] is too short");

/* The index of section.key in keys[], or -1 (a [listen:PORT] key, or none). */
static int
key_index(const char *section, const char *key)
{
	size_t i;

	for (i = 0; i < RTE_DIM(keys); i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, key) == 0)
			return (int)i;
	return -1;
}

/* The config file line that set section.key, 0 when a default or an option did. */
static uint16_t
line_of(const struct pcl_config *c, const char *section, const char *key)
{
	int i = key_index(section, key);

	return i < 0 ? 0 : c->line[i];
}

/*
 * "FILE:LINE: " for an error found between keys, at the first of lines a
 * and b the file set; "" when defaults or options set both.
 */
static const char *
at(const struct pcl_config *c, uint16_t a, uint16_t b, char *buf, size_t len)
{
	if (c->path == NULL || (a == 0 && b == 0))
		return "";
	snprintf(buf, len, "%s:%u: ", c->path, a ? a : b);
	return buf;
}

/* The keys of a [listen:PORT] section: fields of its struct pcl_listen_conf. */
static const struct key_desc listener_keys[] = {
	{.section = LISTEN_PREFIX "PORT",
	 .name = "app",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_listen_conf, app),
	 .names = pcl_app_names,
	 .dflt = "listen.app",
	 .help = "what connections to port PORT get"},
	{.section = LISTEN_PREFIX "PORT",
	 .name = "body_size",
	 .type = KEY_U32,
	 .off = offsetof(struct pcl_listen_conf, body_size),
	 .size = sizeof(((struct pcl_listen_conf *)0)->body_size),
	 .max = BODY_MAX,
	 .unit = "bytes",
	 .dflt = "http.body_size",
	 .help = "size of port PORT's 200 OK body"},
	{.section = LISTEN_PREFIX "PORT",
	 .name = "family",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_listen_conf, family),
	 .names = pcl_family_names,
	 .help = "who may connect to port PORT: both families (with port.addr6), ipv4 or ipv6 "
		 "only; the other family finds the port closed"},
};

#define SVC_U32(key, field, lo, hi, unit_, help_)                                                  \
	{                                                                                          \
		.section = SERVICE_PREFIX "PORT", .name = key, .type = KEY_U32,                    \
		.off = offsetof(struct pcl_service_conf, field),                                   \
		.size = sizeof(((struct pcl_service_conf *)0)->field), .min = lo, .max = hi,       \
		.unit = unit_, .help = help_                                                       \
	}

/* The keys of a [service:PORT] section: fields of its struct pcl_service_conf. */
static const struct key_desc service_keys[] = {
	{.section = SERVICE_PREFIX "PORT",
	 .name = "vip",
	 .type = KEY_IPV4,
	 .off = offsetof(struct pcl_service_conf, vip),
	 .syntax = "A.B.C.D, the port's address",
	 .dflt = "port.addr",
	 .help = "the address clients connect to (an IPv6 service's is port.addr6)"},
	{.section = SERVICE_PREFIX "PORT",
	 .name = "scheduler",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_service_conf, scheduler),
	 .names = pcl_scheduler_names,
	 .help = "how a connection's backend is chosen: Maglev over the client's tuple"},
	{.section = SERVICE_PREFIX "PORT",
	 .name = "backend",
	 .type = KEY_BACKEND,
	 .syntax = "A.B.C.D:PORT [weight=N], once per backend, weight 0..1000000 (100)",
	 .dflt = "none: at least one",
	 .help = "a backend, on the subnet of port:backend.addr or port.addr"},
	SVC_U32("table_size", table_size, 101, 16777213, "slots",
		"Maglev table size: a prime above 100 times the backends"),
	SVC_U32("seed", seed, 0, UINT32_MAX, NULL,
		"Maglev's hash seed: instances with the same seed and backends build the same "
		"table"),
	SVC_U32("syn_retries", syn_retries, 0, 16, "retransmissions",
		"SYN retransmissions to a backend before the next one is tried"),
	SVC_U32("redispatch", redispatch, 0, 16, "backends",
		"further backends tried, in Maglev order, before the client gets an RST"),
	SVC_U32("held_segments", held_segments, 0, 64, "segments per connection",
		"client data segments held until the backend answers; more are dropped"),
	{.section = SERVICE_PREFIX "PORT",
	 .name = "check",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_service_conf, check),
	 .names = pcl_check_names,
	 .help = "active health checks of each backend: none (passive only), a TCP handshake, "
		 "or an HTTP GET of check_path"},
	SVC_U32("check_interval_ms", check_interval_ms, 100, 3600000, "ms",
		"time between two checks of a backend"),
	SVC_U32("check_timeout_ms", check_timeout_ms, 10, 3600000, "ms",
		"a check not answered in this time failed; below check_interval_ms"),
	SVC_U32("check_rise", check_rise, 1, 100, "checks",
		"passed checks in a row that bring a down backend up"),
	SVC_U32("check_fall", check_fall, 1, 100, "checks",
		"failed checks (or failed handshakes, with nothing accepted between) in a row that "
		"take a backend down"),
	SVC_U32("check_port", check_port, 0, 65535, NULL,
		"the port checks go to, 0 = the backend's own"),
	SVC_U32("check_status", check_status, 100, 599, NULL,
		"http: the status line's code that means up"),
	{.section = SERVICE_PREFIX "PORT",
	 .name = "check_path",
	 .type = KEY_STRING,
	 .off = offsetof(struct pcl_service_conf, check_path),
	 .size = sizeof(((struct pcl_service_conf *)0)->check_path),
	 .syntax = "an absolute path, e.g. /healthz",
	 .dflt = "/",
	 .help = "http: what a check asks for (GET PATH HTTP/1.0)"},
	SVC_U32("passive_down_ms", passive_down_ms, 0, 3600000, "ms",
		"a backend whose handshakes fail check_fall times in a row is out this long, "
		"doubling each time up to passive_down_max_ms; 0 = no passive checks"),
	SVC_U32("passive_down_max_ms", passive_down_max_ms, 0, 86400000, "ms",
		"the longest a backend stays out after failed handshakes; not below "
		"passive_down_ms"),
	{.section = SERVICE_PREFIX "PORT",
	 .name = "on_backend_down",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_service_conf, on_backend_down),
	 .names = pcl_on_down_names,
	 .help = "what the connections of a backend that goes down get: kept, or reset both "
		 "ways"},
	{.section = SERVICE_PREFIX "PORT",
	 .name = "proxy_protocol",
	 .type = KEY_ENUM,
	 .off = offsetof(struct pcl_service_conf, proxy_protocol),
	 .names = pcl_proxy_protocol_names,
	 .help = "a PROXY protocol header (v1 text, v2 binary) before the client's bytes, so the "
		 "backend learns the client's address"},
};

void
pcl_config_defaults(struct pcl_config *c)
{
	memset(c, 0, sizeof(*c));
	c->prefix_len = 32;
	c->port = (struct pcl_port_conf){
		.mtu = 1500, .rx_desc = 1024, .tx_desc = 1024, .mbufs = 16384};
	c->app = PCL_APP_HTTP;
	c->http_body_size = 11;
	c->isn_rekey_s = 3600;
	c->cookie_rekey_s = 600;
	c->tcp = (struct pcl_tcp_conf){
		.wscale = 7,
		.rcv_wnd = 65535,
		.challenge_ack_limit = 1000,
		.syncookies = PCL_COOKIES_AUTO,
		.cookie_threshold = 1024,
		.msl_ms = 30000,
		.rto_ms = 1000,
		.rto_min_ms = 1000,
		.rto_max_ms = 60000,
		.synack_retries = 5,
		.retries = 8,
		.idle_timeout_ms = 300000,
		.conns = 65536,
		.syn_backlog = 8192,
		.time_wait = 262144,
		.time_wait_full = PCL_TW_RECYCLE,
		.held = 4096,
	};
	c->log_interval_s = 10;
	strcpy(c->prometheus, "127.0.0.1:9464");
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
set_ipv4(const char *v, rte_be32_t *out, char *err, size_t errlen)
{
	struct in_addr a;

	if (inet_pton(AF_INET, v, &a) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv4 address", v);
		return -EINVAL;
	}
	*out = a.s_addr;
	return 0;
}

/* A.B.C.D/LEN into *addr and *prefix_len. */
static int
set_addr(rte_be32_t *addr, uint8_t *prefix_len, const char *v, char *err, size_t errlen)
{
	char buf[32];
	const char *slash = strchr(v, '/');
	uint32_t len;
	struct in_addr a;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(buf)) {
		/* A bare address is the likely slip: say what is missing. */
		snprintf(err, errlen, "expected A.B.C.D/LEN, got '%s'%s", v,
			 slash == NULL ? " (needs /LEN, e.g. /24)" : "");
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
	*addr = a.s_addr;
	*prefix_len = (uint8_t)len;
	return 0;
}

/* One address, or an A.B.C.D-A.B.C.D range, more of the local addresses in *l. */
static int
add_laddrs(struct pcl_local_addrs *l, char *tok, char *err, size_t errlen)
{
	char *dash = strchr(tok, '-'), ip[INET_ADDRSTRLEN];
	const char *last = dash != NULL ? dash + 1 : tok;
	rte_be32_t lo, hi, be;
	uint32_t a, i;

	if (dash != NULL)
		*dash = '\0';
	if (set_ipv4(tok, &lo, err, errlen) != 0 || set_ipv4(last, &hi, err, errlen) != 0)
		return -EINVAL;
	if (rte_be_to_cpu_32(hi) < rte_be_to_cpu_32(lo)) {
		snprintf(err, errlen, "range %s-%s goes down", tok, last);
		return -EINVAL;
	}
	for (a = rte_be_to_cpu_32(lo);; a++) {
		be = rte_cpu_to_be_32(a);
		for (i = 0; i < l->n; i++) {
			if (l->a[i] == be) {
				inet_ntop(AF_INET, &be, ip, sizeof(ip));
				snprintf(err, errlen, "%s is given twice", ip);
				return -EINVAL;
			}
		}
		if (l->n == PCL_LOCAL_ADDRS_MAX) {
			snprintf(err, errlen, "more than %u addresses", PCL_LOCAL_ADDRS_MAX);
			return -EINVAL;
		}
		l->a[l->n++] = be;
		if (be == hi)
			return 0;
	}
}

/* A list of addresses and ranges into *l. */
static int
set_laddrs(struct pcl_local_addrs *l, const char *v, char *err, size_t errlen)
{
	struct pcl_local_addrs got = {0};
	char buf[1024];
	char *tok, *save;
	int rc;

	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "list too long");
		return -EINVAL;
	}
	strcpy(buf, v);
	for (tok = strtok_r(buf, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save))
		if ((rc = add_laddrs(&got, tok, err, errlen)) != 0)
			return rc;
	if (got.n == 0) {
		snprintf(err, errlen, "no address given");
		return -EINVAL;
	}
	*l = got;
	return 0;
}

/* ADDR/LEN (IPv6, unicast) into addr and *prefix_len. */
static int
set_addr6(uint8_t *addr, uint8_t *prefix_len, const char *v, char *err, size_t errlen)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(v, '/');
	uint8_t a[16];
	uint32_t len;

	if (slash == NULL || (size_t)(slash - v) >= sizeof(buf)) {
		snprintf(err, errlen, "expected ADDR/LEN, got '%s'%s", v,
			 slash == NULL ? " (needs /LEN, e.g. /64)" : "");
		return -EINVAL;
	}
	memcpy(buf, v, slash - v);
	buf[slash - v] = '\0';
	if (inet_pton(AF_INET6, buf, a) != 1) {
		snprintf(err, errlen, "'%s' is not an IPv6 address", buf);
		return -EINVAL;
	}
	/* Multicast, unspecified, loopback, IPv4-mapped and link-local ones are not for a server.
	 */
	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	    memcmp(a, (const uint8_t[12]){[10] = 0xff, [11] = 0xff}, 12) == 0 ||
	    memcmp(a, (const uint8_t[15]){0}, 15) == 0) {
		snprintf(err, errlen,
			 "'%s' is not a global or unique-local unicast address (the link-local one "
			 "comes from the MAC)",
			 buf);
		return -EINVAL;
	}
	if (parse_u32(slash + 1, &len) != 0 || len < 1 || len > 128) {
		snprintf(err, errlen, "prefix length '%s' is not 1..128", slash + 1);
		return -EINVAL;
	}
	memcpy(addr, a, 16);
	*prefix_len = (uint8_t)len;
	return 0;
}

/* The [listen:PORT] section of port, or NULL. */
static struct pcl_listen_conf *
find_section(struct pcl_config *c, uint32_t port)
{
	uint32_t i;

	for (i = 0; i < c->nsections; i++)
		if (c->sections[i].port == port)
			return &c->sections[i];
	return NULL;
}

/* Whether port is among the first n [listen] ports or has a [listen:PORT] section. */
static bool
port_given(struct pcl_config *c, uint32_t n, uint32_t port)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (c->listen[i] == port)
			return true;
	return find_section(c, port) != NULL;
}

/* A listener whose keys follow [listen] app and [http] body_size until set. */
static struct pcl_listen_conf
unset_listener(uint32_t port)
{
	return (struct pcl_listen_conf){
		.app = PCL_APP_MAX, .body_size = UINT32_MAX, .port = (uint16_t)port};
}

static int
set_ports(struct pcl_config *c, const char *v, char *err, size_t errlen)
{
	char buf[512];
	char *tok, *save;
	uint32_t n = 0, port;

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
		if (port_given(c, n, port)) {
			snprintf(err, errlen, "port %u given twice", port);
			return -EINVAL;
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

/* One more backend of service svc. */
static int
set_backend(struct pcl_service_conf *svc, const char *v, char *err, size_t errlen)
{
	struct pcl_backend_conf b;
	uint16_t i;
	int rc = pcl_backend_parse(v, &b, err, errlen);

	if (rc != 0)
		return rc;
	for (i = 0; i < svc->nbackends; i++) {
		if (pcl_addr_eq(&svc->backends[i].addr, &b.addr) &&
		    svc->backends[i].port == b.port) {
			snprintf(err, errlen, "'%s' is given twice", v);
			return -EINVAL;
		}
	}
	if (svc->nbackends == PCL_MAX_BACKENDS) {
		snprintf(err, errlen, "more than %u backends", PCL_MAX_BACKENDS);
		return -EINVAL;
	}
	svc->backends[svc->nbackends++] = b;
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

/* Sets key k of c; its field is at k->off in base (c, or a listener). */
static int
set_key(struct pcl_config *c, void *base, const struct key_desc *k, const char *v, char *err,
	size_t errlen)
{
	char *field = (char *)base + k->off;
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
		return set_addr((rte_be32_t *)field, (uint8_t *)base + k->off2, v, err, errlen);
	case KEY_ADDR6:
		return set_addr6((uint8_t *)field, (uint8_t *)base + k->off2, v, err, errlen);
	case KEY_IPV4:
		return set_ipv4(v, (rte_be32_t *)field, err, errlen);
	case KEY_BACKEND:
		return set_backend(base, v, err, errlen);
	case KEY_LADDRS:
		return set_laddrs((struct pcl_local_addrs *)field, v, err, errlen);
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

static bool
known_section(const char *section)
{
	size_t i;

	for (i = 0; i < RTE_DIM(keys); i++)
		if (strcmp(keys[i].section, section) == 0)
			return true;
	return false;
}

static bool
is_listen_section(const char *section)
{
	return strncmp(section, LISTEN_PREFIX, LISTEN_PLEN) == 0;
}

static bool
is_service_section(const char *section)
{
	return strncmp(section, SERVICE_PREFIX, SERVICE_PLEN) == 0;
}

/* The [service:PORT] section of port, or NULL. */
static struct pcl_service_conf *
find_service(struct pcl_config *c, uint32_t port)
{
	uint32_t i;

	for (i = 0; i < c->nservices; i++)
		if (c->services[i].port == port)
			return &c->services[i];
	return NULL;
}

/* The port of a "listen:PORT" or "service:PORT" section name. */
static int
section_port(const char *section, uint32_t *port, char *err, size_t errlen)
{
	const char *p = strchr(section, ':') + 1;

	if (parse_u32(p, port) != 0 || *port == 0 || *port > UINT16_MAX) {
		snprintf(err, errlen, "%s: '%s' is not a port 1..65535", section, p);
		return -EINVAL;
	}
	return 0;
}

int
pcl_config_section(struct pcl_config *c, const char *section, char *err, size_t errlen)
{
	uint32_t port;
	int rc;

	if (is_service_section(section)) {
		rc = section_port(section, &port, err, errlen);
		if (rc != 0 || find_service(c, port) != NULL)
			return rc;
		if (c->nservices == PCL_MAX_SERVICES) {
			snprintf(err, errlen, "%s: more than %u [service:PORT] sections", section,
				 PCL_MAX_SERVICES);
			return -EINVAL;
		}
		pcl_service_conf_defaults(&c->services[c->nservices++], (uint16_t)port);
		return 0;
	}
	if (!is_listen_section(section)) {
		if (known_section(section))
			return 0;
		snprintf(err, errlen, "%s: unknown section", section);
		return -ENOENT;
	}
	rc = section_port(section, &port, err, errlen);
	if (rc != 0)
		return rc;
	if (port_given(c, c->nlisten, port)) {
		snprintf(err, errlen, "listen: port %u given twice", port);
		return -EINVAL;
	}
	if (c->nsections == PCL_MAX_LISTEN) {
		snprintf(err, errlen, "listen: more than %u [listen:PORT] sections",
			 PCL_MAX_LISTEN);
		return -EINVAL;
	}
	c->sections[c->nsections++] = unset_listener(port);
	return 0;
}

/* pcl_config_set(), remembering line as where section.key was set (0: an option). */
static int
set_at(struct pcl_config *c, const char *section, const char *key, const char *value, uint16_t line,
       char *err, size_t errlen)
{
	const struct key_desc *table = keys;
	size_t ntable = RTE_DIM(keys), i, n;
	void *base = c;
	uint32_t port;
	int rc;

	if (is_listen_section(section)) {
		rc = section_port(section, &port, err, errlen);
		if (rc == 0 && find_section(c, port) == NULL)
			rc = pcl_config_section(c, section, err, errlen);
		if (rc != 0)
			return rc;
		base = find_section(c, port);
		/* Later errors between its keys name the line of its first one. */
		if (((struct pcl_listen_conf *)base)->line == 0)
			((struct pcl_listen_conf *)base)->line = line;
		table = listener_keys;
		ntable = RTE_DIM(listener_keys);
	} else if (is_service_section(section)) {
		struct pcl_service_conf *svc;

		rc = pcl_config_section(c, section, err, errlen);
		if (rc != 0)
			return rc;
		section_port(section, &port, err, errlen);
		svc = find_service(c, port);
		/* Later errors between its keys name the line of its first one. */
		if (svc->line == 0)
			svc->line = line;
		base = svc;
		table = service_keys;
		ntable = RTE_DIM(service_keys);
	} else if (!known_section(section)) {
		if (section[0] == '\0')
			snprintf(err, errlen, "%s: before any [section]", key);
		else
			snprintf(err, errlen, "%s.%s: unknown section", section, key);
		return -ENOENT;
	}
	for (i = 0; i < ntable; i++) {
		if ((table == keys && strcmp(table[i].section, section) != 0) ||
		    strcmp(table[i].name, key) != 0)
			continue;
		n = (size_t)snprintf(err, errlen, "%s.%s: ", section, key);
		rc = set_key(c, base, &table[i], value, err + RTE_MIN(n, errlen - 1),
			     errlen - RTE_MIN(n, errlen - 1));
		if (rc == 0 && table == keys)
			c->line[i] = line;
		return rc;
	}
	snprintf(err, errlen, "%s.%s: unknown key", section, key);
	return -ENOENT;
}

int
pcl_config_set(struct pcl_config *c, const char *section, const char *key, const char *value,
	       char *err, size_t errlen)
{
	return set_at(c, section, key, value, 0, err, errlen);
}

/* The value of key k as text, its field at k->off in base; *num is set for numeric keys. */
static void
format_key(const struct pcl_config *c, const void *base, const struct key_desc *k, char *buf,
	   size_t len, uint64_t *num, bool *numeric)
{
	const char *field = (const char *)base + k->off;
	char ip[INET6_ADDRSTRLEN];
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
		inet_ntop(AF_INET, field, ip, sizeof(ip));
		snprintf(buf, len, "%s/%u", ip, *((const uint8_t *)base + k->off2));
		break;
	case KEY_ADDR6:
		/* Unset: the empty string, as for a string key. */
		buf[0] = '\0';
		if (*((const uint8_t *)base + k->off2) != 0) {
			inet_ntop(AF_INET6, field, ip, sizeof(ip));
			snprintf(buf, len, "%s/%u", ip, *((const uint8_t *)base + k->off2));
		}
		break;
	case KEY_IPV4:
		inet_ntop(AF_INET, field, ip, sizeof(ip));
		snprintf(buf, len, "%s", ip);
		break;
	case KEY_BACKEND: {
		const struct pcl_service_conf *svc = base;

		buf[0] = '\0';
		for (i = 0; i < svc->nbackends && n >= 0 && (size_t)n < len; i++) {
			n += snprintf(buf + n, len - n, "%s", i ? ", " : "");
			if (n >= 0 && (size_t)n < len)
				pcl_backend_format(&svc->backends[i], buf + n, len - n);
			n = (int)strlen(buf);
		}
		break;
	}
	case KEY_LADDRS: {
		const struct pcl_local_addrs *l = (const struct pcl_local_addrs *)field;

		buf[0] = '\0';
		for (i = 0; i < l->n && n >= 0 && (size_t)n < len; i++) {
			inet_ntop(AF_INET, &l->a[i], ip, sizeof(ip));
			n += snprintf(buf + n, len - n, "%s%s", i ? "," : "", ip);
		}
		break;
	}
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

int
pcl_config_changed(const struct pcl_config *a, const struct pcl_config *b, char *what, size_t len)
{
	/* Room for the longest value, 64 local addresses. */
	char va[2048], vb[2048];
	const struct pcl_listen_conf *la, *lb;
	uint64_t num;
	bool numeric;
	size_t i;

	/* Compared as the docs would print them, so every kind of key is covered alike. */
	for (i = 0; i < RTE_DIM(keys); i++) {
		format_key(a, a, &keys[i], va, sizeof(va), &num, &numeric);
		format_key(b, b, &keys[i], vb, sizeof(vb), &num, &numeric);
		if (strcmp(va, vb) != 0) {
			snprintf(what, len, "%s.%s", keys[i].section, keys[i].name);
			return 1;
		}
	}
	for (i = 0; i < RTE_MAX(a->nlisteners, b->nlisteners); i++) {
		la = &a->listeners[i];
		lb = &b->listeners[i];
		if (i >= a->nlisteners || i >= b->nlisteners || la->port != lb->port ||
		    la->app != lb->app || la->body_size != lb->body_size ||
		    la->family != lb->family) {
			snprintf(what, len, "listen:%u", i < a->nlisteners ? la->port : lb->port);
			return 1;
		}
	}
	return 0;
}

/* Listener l with the keys it does not set taken from [listen] app and [http] body_size. */
static struct pcl_listen_conf
resolve(const struct pcl_config *c, struct pcl_listen_conf l)
{
	if (l.app == PCL_APP_MAX)
		l.app = c->app;
	if (l.body_size == UINT32_MAX)
		l.body_size = c->http_body_size;
	return l;
}

void
pcl_config_foreach(const struct pcl_config *c, pcl_config_visit_t fn, void *arg)
{
	char text[PCL_MAX_BACKENDS * 40], section[sizeof(SERVICE_PREFIX) + 5];
	struct pcl_listen_conf l;
	uint64_t num = 0;
	bool numeric;
	size_t i, k;

	for (i = 0; i < RTE_DIM(keys); i++) {
		format_key(c, c, &keys[i], text, sizeof(text), &num, &numeric);
		fn(arg, keys[i].section, keys[i].name, text, numeric ? &num : NULL);
	}
	for (i = 0; i < c->nsections; i++) {
		l = resolve(c, c->sections[i]);
		snprintf(section, sizeof(section), LISTEN_PREFIX "%u", l.port);
		for (k = 0; k < RTE_DIM(listener_keys); k++) {
			format_key(c, &l, &listener_keys[k], text, sizeof(text), &num, &numeric);
			fn(arg, section, listener_keys[k].name, text, numeric ? &num : NULL);
		}
	}
	for (i = 0; i < c->nservices; i++) {
		snprintf(section, sizeof(section), SERVICE_PREFIX "%u", c->services[i].port);
		for (k = 0; k < RTE_DIM(service_keys); k++) {
			format_key(c, &c->services[i], &service_keys[k], text, sizeof(text), &num,
				   &numeric);
			fn(arg, section, service_keys[k].name, text, numeric ? &num : NULL);
		}
	}
}

/* The values k takes, as text: a range and its unit, the choices, or the syntax. */
static void
key_values(const struct key_desc *k, char *buf, size_t len)
{
	uint32_t i;
	int n = 0;

	switch (k->type) {
	case KEY_U32:
		snprintf(buf, len, "%" PRIu32 "..%" PRIu32 "%s%s", k->min, k->max,
			 k->unit ? " " : "", k->unit ? k->unit : "");
		break;
	case KEY_ENUM:
		/* As a bad value's error names them. */
		buf[0] = '\0';
		for (i = 0; k->names[i] != NULL && n >= 0 && (size_t)n < len; i++)
			n += snprintf(buf + n, len - n, "%s%s", i ? "|" : "", k->names[i]);
		break;
	case KEY_ADDR:
	case KEY_ADDR6:
	case KEY_IPV4:
	case KEY_PORTS:
	case KEY_STRING:
	case KEY_BACKEND:
	case KEY_LADDRS:
		snprintf(buf, len, "%s", k->syntax);
		break;
	}
}

static void
describe(const struct pcl_config *defaults, const void *base, const struct key_desc *k,
	 pcl_config_describe_t fn, void *arg)
{
	char key[64], dflt[PCL_DEVICE_LEN], values[128];
	uint64_t num;
	bool numeric;

	snprintf(key, sizeof(key), "%s.%s", k->section, k->name);
	if (k->dflt == NULL)
		format_key(defaults, base, k, dflt, sizeof(dflt), &num, &numeric);
	key_values(k, values, sizeof(values));
	fn(arg, key, k->dflt ? k->dflt : dflt, k->dflt == NULL, values, k->help);
}

int
pcl_config_describe(pcl_config_describe_t fn, void *arg)
{
	struct pcl_config *c = malloc(sizeof(*c));
	struct pcl_service_conf *svc = malloc(sizeof(*svc));
	struct pcl_listen_conf l;
	size_t i;

	if (c == NULL || svc == NULL) {
		free(c);
		free(svc);
		return -ENOMEM;
	}
	pcl_config_defaults(c);
	pcl_service_conf_defaults(svc, 0);
	l = resolve(c, unset_listener(0));
	for (i = 0; i < RTE_DIM(keys); i++)
		describe(c, c, &keys[i], fn, arg);
	for (i = 0; i < RTE_DIM(listener_keys); i++)
		describe(c, &l, &listener_keys[i], fn, arg);
	for (i = 0; i < RTE_DIM(service_keys); i++)
		describe(c, svc, &service_keys[i], fn, arg);
	free(svc);
	free(c);
	return 0;
}

/*
 * inih gives handlers no line numbers and no section headers, and reports
 * only its first syntax error, so the reader sees every line first.
 */
struct load_ctx {
	struct pcl_config *c;
	const char *path;
	FILE *f;
	unsigned int line;
	unsigned int errors;
	unsigned int first_syntax; /* line of the first syntax error reported, or 0 */
	bool bad_section;          /* the keys of a bad section are not reported again */
	char *err;                 /* the first error goes here instead of stderr, when set */
	size_t errlen;
};

static void
report(struct load_ctx *l, unsigned int line, const char *problem)
{
	if (l->err == NULL)
		fprintf(stderr, "%s:%u: %s\n", l->path, line, problem);
	else if (l->errors == 0)
		snprintf(l->err, l->errlen, "%s:%u: %s", l->path, line, problem);
	l->errors++;
}

static void
syntax_error(struct load_ctx *l, unsigned int line)
{
	if (l->first_syntax == 0)
		l->first_syntax = line;
	report(l, line, "syntax error: expected [section] or key = value");
}

/* A [section] header, or a line that is neither a comment nor key = value. */
static void
check_line(struct load_ctx *l, const char *s)
{
	const char *p, *end;
	char name[64], err[256];

	if (l->line == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3; /* UTF-8 BOM */
	p = s + strspn(s, " \t\r\n");
	if (*p == '\0' || *p == ';' || *p == '#')
		return;
	if (*p == '[') {
		end = strchr(p, ']');
		if (end == NULL) {
			/* inih stays in the section before: its keys would be misplaced. */
			l->bad_section = true;
			syntax_error(l, l->line);
			return;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
		l->bad_section = pcl_config_section(l->c, name, err, sizeof(err)) != 0;
		if (l->bad_section)
			report(l, l->line, err);
		return;
	}
	/* An indented line continues the value before it, which inih hands to on_key. */
	if (p == s && strpbrk(p, "=:") == NULL)
		syntax_error(l, l->line);
}

static char *
read_line(char *str, int num, void *stream)
{
	struct load_ctx *l = stream;
	char *s = fgets(str, num, l->f);

	if (s != NULL) {
		l->line++;
		check_line(l, s);
	}
	return s;
}

static int
on_key(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *l = user;
	char err[256];

	if (!l->bad_section &&
	    set_at(l->c, section, name, value, (uint16_t)RTE_MIN(l->line, (unsigned int)UINT16_MAX),
		   err, sizeof(err)) != 0)
		report(l, l->line, err);
	return 1; /* keep going: report every error, not just the first */
}

static int
load(struct load_ctx *l_, const char *path)
{
	struct load_ctx l = *l_;
	int rc;

	l.c->path = path;
	l.f = fopen(path, "r");
	if (l.f == NULL) {
		if (l.err == NULL)
			fprintf(stderr, "%s: cannot open: %s\n", path, strerror(errno));
		else
			snprintf(l.err, l.errlen, "%s: cannot open: %s", path, strerror(errno));
		return -ENOENT;
	}
	rc = ini_parse_stream(read_line, &l, on_key, &l);
	fclose(l.f);
	/* inih's first syntax error, when check_line() did not see it. */
	if (rc > 0 && (unsigned int)rc != l.first_syntax)
		syntax_error(&l, (unsigned int)rc);
	return l.errors ? -EINVAL : 0;
}

int
pcl_config_load(struct pcl_config *c, const char *path)
{
	return load(&(struct load_ctx){.c = c, .path = path}, path);
}

int
pcl_config_load_err(struct pcl_config *c, const char *path, char *err, size_t errlen)
{
	return load(&(struct load_ctx){.c = c, .path = path, .err = err, .errlen = errlen}, path);
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

void
pcl_config_lb_ifs(const struct pcl_config *cfg, struct pcl_lb_if ifs[PCL_MAX_IFS])
{
	ifs[0] = (struct pcl_lb_if){
		.addr = cfg->addr, .prefix_len = cfg->prefix_len, .prefix6_len = cfg->prefix6_len};
	ifs[1] = (struct pcl_lb_if){.addr = cfg->baddr,
				    .prefix_len = cfg->bprefix_len,
				    .prefix6_len = cfg->bprefix6_len};
	memcpy(ifs[0].addr6, cfg->addr6, 16);
	memcpy(ifs[1].addr6, cfg->baddr6, 16);
	ifs[0].local = cfg->laddrs;
	ifs[1].local = cfg->bladdrs;
}

/* A listening port of the [listen] ports or sections. */
static bool
listens(const struct pcl_config *c, uint16_t port)
{
	uint32_t i;

	for (i = 0; i < c->nlisteners; i++)
		if (c->listeners[i].port == port)
			return true;
	return false;
}

/*
 * A port's local addresses (section.local_addrs) against its address
 * (section.addr, addr/prefix_len): each on its subnet, neither the address
 * itself nor the subnet's broadcast.
 */
static int
finish_laddrs(const struct pcl_config *c, const char *section, const struct pcl_local_addrs *l,
	      rte_be32_t addr, uint8_t prefix_len, char *err, size_t errlen)
{
	char where[256], ip[INET_ADDRSTRLEN], own[INET_ADDRSTRLEN];
	const char *w = at(c, line_of(c, section, "local_addrs"), 0, where, sizeof(where));
	struct pcl_addr net = pcl_addr_from4(addr), a;
	uint8_t i;

	if (l->n != 0 && addr == 0) {
		snprintf(err, errlen, "%s%s.local_addrs: needs %s.addr", w, section, section);
		return -EINVAL;
	}
	inet_ntop(AF_INET, &addr, own, sizeof(own));
	for (i = 0; i < l->n; i++) {
		a = pcl_addr_from4(l->a[i]);
		inet_ntop(AF_INET, &l->a[i], ip, sizeof(ip));
		if (!pcl_addr_in(&a, &net, prefix_len) ||
		    l->a[i] == pcl_pkt_bcast(addr, prefix_len)) {
			snprintf(err, errlen,
				 "%s%s.local_addrs: %s is not a host address of the subnet of "
				 "%s.addr %s/%u",
				 w, section, ip, section, own, prefix_len);
			return -EINVAL;
		}
		if (l->a[i] == addr) {
			snprintf(err, errlen, "%s%s.local_addrs: %s is %s.addr itself", w, section,
				 ip, section);
			return -EINVAL;
		}
	}
	return 0;
}

/* Service s's keys, between each other and the ports'. */
static int
finish_service(const struct pcl_config *c, const struct pcl_service_conf *s, char *err,
	       size_t errlen)
{
	struct pcl_lb_if ifs[PCL_MAX_IFS];
	char where[256], ip[INET6_ADDRSTRLEN], own[INET_ADDRSTRLEN];
	const char *w = at(c, s->line, 0, where, sizeof(where));
	uint16_t i;

	pcl_config_lb_ifs(c, ifs);
	inet_ntop(AF_INET, &c->addr, own, sizeof(own));
	if (s->nbackends == 0) {
		snprintf(err, errlen, "%sservice:%u: no backend (backend = A.B.C.D:PORT)", w,
			 s->port);
		return -EINVAL;
	}
	if (!pcl_maglev_is_prime(s->table_size) || s->table_size <= 100u * s->nbackends) {
		snprintf(err, errlen,
			 "%sservice:%u.table_size: %u is not a prime above 100 x %u backends", w,
			 s->port, s->table_size, s->nbackends);
		return -EINVAL;
	}
	if (s->vip != 0 && !pcl_addr_is4(&s->backends[0].addr)) {
		snprintf(err, errlen,
			 "%sservice:%u.vip: an IPv6 service's clients connect to port.addr6", w,
			 s->port);
		return -EINVAL;
	}
	/* ARP and the address checks know one address per port. */
	if (s->vip != 0 && s->vip != c->addr) {
		inet_ntop(AF_INET, &s->vip, ip, sizeof(ip));
		snprintf(err, errlen,
			 "%sservice:%u.vip: %s is not port.addr %s (one address a port)", w,
			 s->port, ip, own);
		return -EINVAL;
	}
	if (s->check_timeout_ms >= s->check_interval_ms) {
		snprintf(err, errlen,
			 "%sservice:%u.check_timeout_ms: %u is not below check_interval_ms %u", w,
			 s->port, s->check_timeout_ms, s->check_interval_ms);
		return -EINVAL;
	}
	if (s->passive_down_max_ms < s->passive_down_ms) {
		snprintf(err, errlen,
			 "%sservice:%u.passive_down_max_ms: %u is below passive_down_ms %u", w,
			 s->port, s->passive_down_max_ms, s->passive_down_ms);
		return -EINVAL;
	}
	/* The path goes into a request line as it is. */
	if (s->check_path[0] != '/' || strpbrk(s->check_path, " \t\r\n") != NULL) {
		snprintf(err, errlen,
			 "%sservice:%u.check_path: '%s' is not an absolute path without spaces", w,
			 s->port, s->check_path);
		return -EINVAL;
	}
	if (listens(c, s->port)) {
		snprintf(err, errlen, "%sservice:%u: port %u is a [listen] port too", w, s->port,
			 s->port);
		return -EINVAL;
	}
	for (i = 0; i < s->nbackends; i++) {
		const struct pcl_addr *a = &s->backends[i].addr;
		const char *sfx = pcl_addr_is4(a) ? "" : "6";

		pcl_addr_format(a, ip, sizeof(ip));
		/* Full NAT within one family: the service's clients are its backends'. */
		if (pcl_addr_is4(a) != pcl_addr_is4(&s->backends[0].addr)) {
			snprintf(err, errlen,
				 "%sservice:%u.backend: %s is not of the family of %s: a service's "
				 "backends are all IPv4 or all IPv6",
				 w, s->port, ip,
				 pcl_addr_is4(a) ? "the IPv6 ones" : "the IPv4 ones");
			return -EINVAL;
		}
		if (pcl_lb_if_of(ifs, pcl_config_nports(c), a) < 0) {
			snprintf(err, errlen,
				 "%sservice:%u.backend: %s is on the subnet of neither port.addr%s "
				 "nor port:backend.addr%s",
				 w, s->port, ip, sfx, sfx);
			return -EINVAL;
		}
		if (pcl_lb_if_ours(ifs, pcl_config_nports(c), a)) {
			snprintf(err, errlen, "%sservice:%u.backend: %s is our own address", w,
				 s->port, ip);
			return -EINVAL;
		}
	}
	return 0;
}

int
pcl_config_finish(struct pcl_config *c, char *err, size_t errlen)
{
	char where[256];
	uint32_t i;

	/* Either family alone, or both. */
	if (c->addr == 0 && c->prefix6_len == 0) {
		snprintf(err, errlen,
			 "port.addr: required (A.B.C.D/LEN) unless port.addr6 is set, e.g. --addr "
			 "198.18.0.2/24");
		return -EINVAL;
	}
	/* RFC 8200 5: every IPv6 link carries 1280-byte packets. */
	if (c->prefix6_len != 0 && c->port.mtu < RTE_IPV6_MIN_MTU) {
		snprintf(err, errlen,
			 "%sport.mtu: %u is below IPv6's minimum %u (port.addr6 is set)",
			 at(c, line_of(c, "port", "mtu"), line_of(c, "port", "addr6"), where,
			    sizeof(where)),
			 c->port.mtu, RTE_IPV6_MIN_MTU);
		return -EINVAL;
	}
	if (c->tcp.rto_max_ms < c->tcp.rto_ms) {
		snprintf(err, errlen, "%stimers.rto_max_ms: %u is below timers.rto_ms %u",
			 at(c, line_of(c, "timers", "rto_max_ms"), line_of(c, "timers", "rto_ms"),
			    where, sizeof(where)),
			 c->tcp.rto_max_ms, c->tcp.rto_ms);
		return -EINVAL;
	}
	/* Held segments are received mbufs: the pool must keep enough to receive. */
	if (c->tcp.held > c->port.mbufs / 2) {
		snprintf(err, errlen, "%stables.held: %u exceeds half of port.mbufs %u",
			 at(c, line_of(c, "tables", "held"), line_of(c, "port", "mbufs"), where,
			    sizeof(where)),
			 c->tcp.held, c->port.mbufs);
		return -EINVAL;
	}
	if (c->tcp.syn_backlog > c->tcp.conns) {
		snprintf(err, errlen, "%stables.syn_backlog: %u exceeds tables.conns %u",
			 at(c, line_of(c, "tables", "syn_backlog"), line_of(c, "tables", "conns"),
			    where, sizeof(where)),
			 c->tcp.syn_backlog, c->tcp.conns);
		return -EINVAL;
	}
	/* A rotation rewrites the key before the current one: see pcl_cookie.h. */
	if (c->cookie_rekey_s != 0 && c->cookie_rekey_s < PCL_COOKIE_MIN_REKEY_S) {
		snprintf(err, errlen,
			 "%ssyncookies.rekey_s: %u is below %u, cookies are valid for up to %u s",
			 at(c, line_of(c, "syncookies", "rekey_s"), 0, where, sizeof(where)),
			 c->cookie_rekey_s, PCL_COOKIE_MIN_REKEY_S,
			 (unsigned int)PCL_COOKIE_MAX_LIFE_S);
		return -EINVAL;
	}
	/* Only what an EAL --lcores list is made of: it goes on the EAL's command line. */
	if (c->lcores[strspn(c->lcores, "0123456789,@()-")] != '\0') {
		snprintf(err, errlen,
			 "%sworkers.lcores: expected an EAL --lcores list such as 0-2 or "
			 "0@0,1@0,2@1, got '%s'",
			 at(c, line_of(c, "workers", "lcores"), 0, where, sizeof(where)),
			 c->lcores);
		return -EINVAL;
	}
	if (parse_endpoint(c->prometheus, &c->prom_addr, &c->prom_port) != 0) {
		snprintf(err, errlen, "%sstats.prometheus: expected A.B.C.D:PORT or off, got '%s'",
			 at(c, line_of(c, "stats", "prometheus"), 0, where, sizeof(where)),
			 c->prometheus);
		return -EINVAL;
	}
	if (c->nlisten == 0 && c->nsections == 0 && c->nservices == 0) {
		c->listen[0] = 80;
		c->nlisten = 1;
	}
	if (c->nlisten + c->nsections + c->nservices > PCL_MAX_LISTEN) {
		snprintf(err, errlen,
			 "%slisten: %u ports, %u [listen:PORT] and %u [service:PORT] sections, at "
			 "most %u",
			 at(c, line_of(c, "listen", "ports"), 0, where, sizeof(where)), c->nlisten,
			 c->nsections, c->nservices, PCL_MAX_LISTEN);
		return -EINVAL;
	}
	if (c->bdevice[0] != '\0' && c->baddr == 0) {
		snprintf(err, errlen, "%sport:backend.addr: required with port:backend.device",
			 at(c, line_of(c, "port:backend", "device"), 0, where, sizeof(where)));
		return -EINVAL;
	}
	/* The address table is sized, and IPv6 clients come, by port.addr6. */
	if (c->bprefix6_len != 0 && (c->baddr == 0 || c->prefix6_len == 0)) {
		snprintf(err, errlen,
			 "%sport:backend.addr6: needs port:backend.addr and port.addr6",
			 at(c, line_of(c, "port:backend", "addr6"), 0, where, sizeof(where)));
		return -EINVAL;
	}
	if (finish_laddrs(c, "port", &c->laddrs, c->addr, c->prefix_len, err, errlen) != 0 ||
	    finish_laddrs(c, "port:backend", &c->bladdrs, c->baddr, c->bprefix_len, err, errlen) !=
		    0)
		return -EINVAL;
	c->tcp.mss = (uint16_t)(c->port.mtu - PCL_IP_LEN - PCL_TCP_LEN);
	/* Each entry's peer may be an address no other entry names; ours and a few spare. */
	c->tcp.addr6 = c->prefix6_len != 0 ? c->tcp.conns + PCL_ADDR6_SPARE : 0;
	c->nlisteners = 0;
	for (i = 0; i < c->nlisten; i++)
		c->listeners[c->nlisteners++] = resolve(c, unset_listener(c->listen[i]));
	for (i = 0; i < c->nsections; i++) {
		/* A port for IPv6 alone on a server without IPv6 would be closed to all. */
		if ((c->sections[i].family == PCL_FAMILY_IPV6 && c->prefix6_len == 0) ||
		    (c->sections[i].family == PCL_FAMILY_IPV4 && c->addr == 0)) {
			snprintf(err, errlen, "%slisten:%u.family: %s needs port.addr%s",
				 at(c, c->sections[i].line, 0, where, sizeof(where)),
				 c->sections[i].port, pcl_family_names[c->sections[i].family],
				 c->sections[i].family == PCL_FAMILY_IPV6 ? "6" : "");
			return -EINVAL;
		}
		c->listeners[c->nlisteners++] = resolve(c, c->sections[i]);
	}
	for (i = 0; i < c->nservices; i++) {
		int rc = finish_service(c, &c->services[i], err, errlen);

		if (rc != 0)
			return rc;
	}
	return 0;
}

struct pcl_worker_conf
pcl_config_worker(const struct pcl_config *cfg, const struct pcl_apps *apps,
		  struct pcl_services *sv, const struct pcl_secrets *secrets,
		  struct rte_mempool *mp, const uint16_t *ports, uint16_t queue, unsigned int lcore)
{
	struct pcl_worker_conf wc = {
		.tcp = &cfg->tcp,
		.listeners = &apps->listeners,
		.secrets = secrets,
		.mp = mp,
		.ifs = {{.port = ports[0],
			 .queue = queue,
			 .addr = cfg->addr,
			 .prefix_len = cfg->prefix_len,
			 .has6 = cfg->prefix6_len != 0,
			 .prefix6_len = cfg->prefix6_len},
			{.port = ports[pcl_config_nports(cfg) - 1],
			 .queue = queue,
			 .addr = cfg->baddr,
			 .prefix_len = cfg->bprefix_len,
			 .has6 = cfg->bprefix6_len != 0,
			 .prefix6_len = cfg->bprefix6_len}},
		.nifs = (uint8_t)pcl_config_nports(cfg),
		.services = sv,
		.lcore = lcore,
	};

	memcpy(wc.ifs[0].addr6, cfg->addr6, 16);
	memcpy(wc.ifs[1].addr6, cfg->baddr6, 16);
	wc.ifs[0].local = cfg->laddrs;
	wc.ifs[1].local = cfg->bladdrs;
	return wc;
}

int
pcl_config_check_workers(const struct pcl_config *c, unsigned int nworkers, char *err,
			 size_t errlen)
{
	if (c->port.queues != 0 && nworkers > c->port.queues) {
		snprintf(err, errlen,
			 "port.queues: %u queues for %u workers; every worker needs its own queue "
			 "pair",
			 c->port.queues, nworkers);
		return -EINVAL;
	}
	return 0;
}
