/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcl-scenario: replays packetdrill-style scripts through the real worker.
 *
 * The worker runs its normal loop (pcl_worker_poll) on a net_ring port the
 * runner owns: inbound segments are enqueued on the port's RX ring, replies
 * are taken from its TX ring and every field is compared with the script.
 * The worker's clock is the script's clock, stepped one timer tick at a
 * time, so retransmissions and TIME_WAIT are tested without sleeping.
 * tests/scenarios/README.md describes the syntax.
 *
 *   pcl-scenario [EAL options] -- [-v] SCRIPT...
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "ctl/pcl_config.h"
#include "net/pcl_arp.h"
#include "net/pcl_out.h"
#include "peer/pcl_peer.h"
#include "worker/pcl_port.h"

#define MAX_OPTS        16
#define MAX_PAYLOAD     8960 /* a segment's, at the largest port.mtu (9000) */
#define MAX_PENDING     64
#define MAX_CONNECTIONS 64
#define TIME_SLACK_US   20000 /* a reply may leave up to two ticks off its line's time */

static const struct rte_ether_addr client_mac = {{0x02, 0, 0, 0, 0, 1}};
static const struct rte_ether_addr backend_mac = {{0x02, 0, 0, 0, 0, 0x0b}};
#define CLIENT_IP RTE_BE32(0xc6120001) /* 198.18.0.1 */
/* -6: the client and the server talk IPv6 (fd00:18::1 to port.addr6 fd00:18::2). */
static const uint8_t client_ip6[16] = {0xfd, 0, 0, 0x18, [15] = 1};
static const uint8_t server_ip6[16] = {0xfd, 0, 0, 0x18, [15] = 2};
#define SERVER_ADDR6 "fd00:18::2/64"
static bool verbose;
static bool v6;

/* One option as written in a script or found in a reply. */
struct opt {
	uint8_t kind;
	bool any_a, any_b; /* "*" for the first / second value */
	uint32_t a, b;     /* mss / wscale / TS val, TS ecr / a SACK block's left, right */
};

/* One script line that sends or expects a segment. */
struct line_seg {
	uint8_t flags;
	uint32_t seq, end, len;
	bool has_ack, has_win, has_opts, has_payload;
	uint32_t ack, win;
	struct opt opts[MAX_OPTS];
	unsigned int nopts;
	uint8_t payload[MAX_PAYLOAD];
	uint32_t plen;
};

struct pending {
	struct rte_mbuf *m;
	uint64_t at_us;
	bool backend;      /* to the backend, not the client */
	unsigned int port; /* the runner's port it left on */
};

/*
 * The backend the script plays ("b<" and "b>" lines): the first of the
 * first service's backends unless "backend N" picks another. Sequence
 * numbers of its segments count from its ISN (config backend_isn); the
 * proxy's toward it count from the client's ISN, which the proxy reuses.
 */
struct backend_peer {
	struct pcl_addr addr; /* under -6, an IPv6 one */
	uint16_t port;        /* host order */
	uint32_t isn;
};

/* What the script knows of one connection (one client port). */
struct script_conn {
	uint16_t client_port;
	uint32_t server_isn;
	bool server_isn_known;
	/* A SYN with a new sequence number was sent: learn the ISN of its SYN-ACK. */
	bool isn_pending;
	bool syn_sent;
	uint32_t syn_seq;
	uint32_t last_tsval; /* newest TSval from the server, for "ecr *" */
	/* Its backend side: our local port there (from the proxy's SYN), our last TSval. */
	uint16_t be_local_port;
	uint32_t be_last_tsval;
	rte_be32_t be_laddr; /* "local": our address toward the backend; 0: the port's own */
};

struct scenario {
	FILE *dump; /* -d: the fuzz seed being written, or NULL */
	char dump_path[PATH_MAX];
	unsigned int dump_frames;
	const char *path;
	unsigned int lineno;
	char err[512];

	struct pcl_config cfg;
	struct pcl_apps apps;
	struct pcl_services *sv; /* with [service:PORT] sections */
	struct pcl_secrets secrets;
	struct rte_mempool *mp;
	struct rte_ring *rx[PCL_MAX_IFS], *tx[PCL_MAX_IFS];
	uint16_t ports[PCL_MAX_IFS];
	unsigned int nports;
	struct pcl_worker w;
	bool started;
	struct backend_peer be;

	uint64_t start_us, now_script_us;
	uint32_t client_isn;
	uint16_t server_port;
	struct script_conn cur;                   /* the connection the script talks on */
	struct script_conn seen[MAX_CONNECTIONS]; /* the others, as "connection" left them */
	unsigned int nseen;

	struct pending pend[MAX_PENDING];
	unsigned int npend;
	char broken[256]; /* the first engine invariant found broken, or "" */
};

static int
fail(struct scenario *sc, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(sc->err, sizeof(sc->err), "%s:%u: ", sc->path, sc->lineno);

	va_start(ap, fmt);
	vsnprintf(sc->err + n, sizeof(sc->err) - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- lexing ---- */

static char *
skip_ws(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static bool
word(char **p, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(*p, w, n) != 0 || isalnum((unsigned char)(*p)[n]))
		return false;
	*p = skip_ws(*p + n);
	return true;
}

static int
number(struct scenario *sc, char **p, uint32_t *v, bool *any)
{
	char *end;
	unsigned long long x;

	if (any != NULL && **p == '*') {
		*any = true;
		*p = skip_ws(*p + 1);
		return 0;
	}
	errno = 0;
	x = strtoull(*p, &end, 0);
	if (end == *p || errno != 0 || x > UINT32_MAX)
		return fail(sc, "expected a number at '%.20s'", *p);
	*v = (uint32_t)x;
	*p = skip_ws(end);
	return 0;
}

static int
parse_payload(struct scenario *sc, char **pp, struct line_seg *s)
{
	char *p = *pp + 1;

	s->plen = 0;
	while (*p != '"') {
		uint8_t c = (uint8_t)*p++;

		if (c == '\0')
			return fail(sc, "unterminated payload string");
		if (c == '\\') {
			c = (uint8_t)*p++;
			if (c == 'r')
				c = '\r';
			else if (c == 'n')
				c = '\n';
			else if (c == 't')
				c = '\t';
			else if (c == 'x') {
				char hex[3] = {p[0], p[0] ? p[1] : 0, 0};

				c = (uint8_t)strtoul(hex, NULL, 16);
				p += 2;
			}
		}
		if (s->plen == MAX_PAYLOAD)
			return fail(sc, "payload longer than %u bytes", MAX_PAYLOAD);
		s->payload[s->plen++] = c;
	}
	s->has_payload = true;
	*pp = skip_ws(p + 1);
	return 0;
}

static int
parse_opts(struct scenario *sc, char **pp, struct line_seg *s)
{
	char *p = skip_ws(*pp + 1);

	s->has_opts = true;
	while (*p != '>') {
		struct opt *o = &s->opts[s->nopts];

		if (s->nopts == MAX_OPTS)
			return fail(sc, "more than %u options", MAX_OPTS);
		memset(o, 0, sizeof(*o));
		if (word(&p, "nop")) {
			o->kind = PCL_OPT_NOP;
		} else if (word(&p, "eol")) {
			o->kind = PCL_OPT_EOL;
		} else if (word(&p, "sackOK")) {
			o->kind = PCL_OPT_SACKOK;
		} else if (word(&p, "mss")) {
			o->kind = PCL_OPT_MSS;
			if (number(sc, &p, &o->a, &o->any_a))
				return -EINVAL;
		} else if (word(&p, "wscale")) {
			o->kind = PCL_OPT_WS;
			if (number(sc, &p, &o->a, &o->any_a))
				return -EINVAL;
		} else if (word(&p, "sack")) {
			/* One entry per block; build_opts() writes them as one option. */
			do {
				if (s->nopts == MAX_OPTS)
					return fail(sc, "more than %u options", MAX_OPTS);
				o = &s->opts[s->nopts++];
				memset(o, 0, sizeof(*o));
				o->kind = PCL_OPT_SACK;
				if (number(sc, &p, &o->a, NULL) || *p != ':')
					return fail(sc, "expected 'sack L:R [L:R...]'");
				p++;
				if (number(sc, &p, &o->b, NULL))
					return -EINVAL;
			} while (isdigit((unsigned char)*p));
			s->nopts--;
		} else if (word(&p, "TS")) {
			o->kind = PCL_OPT_TS;
			if (!word(&p, "val") || number(sc, &p, &o->a, &o->any_a) ||
			    !word(&p, "ecr") || number(sc, &p, &o->b, &o->any_b))
				return fail(sc, "expected 'TS val N ecr N'");
		} else {
			return fail(sc, "unknown option at '%.20s'", p);
		}
		s->nopts++;
		if (*p == ',')
			p = skip_ws(p + 1);
		else if (*p != '>')
			return fail(sc, "expected ',' or '>' in options at '%.20s'", p);
	}
	*pp = skip_ws(p + 1);
	return 0;
}

static int
parse_seg(struct scenario *sc, char *p, struct line_seg *s)
{
	memset(s, 0, sizeof(*s));
	for (; *p && *p != ' '; p++) {
		switch (*p) {
		case 'S':
			s->flags |= RTE_TCP_SYN_FLAG;
			break;
		case 'F':
			s->flags |= RTE_TCP_FIN_FLAG;
			break;
		case 'R':
			s->flags |= RTE_TCP_RST_FLAG;
			break;
		case 'P':
			s->flags |= RTE_TCP_PSH_FLAG;
			break;
		case '.':
			s->flags |= RTE_TCP_ACK_FLAG;
			break;
		default:
			return fail(sc, "unknown flag '%c'", *p);
		}
	}
	p = skip_ws(p);
	if (number(sc, &p, &s->seq, NULL) || *p++ != ':' || number(sc, &p, &s->end, NULL) ||
	    *p++ != '(' || number(sc, &p, &s->len, NULL) || *p++ != ')')
		return fail(sc, "expected SEQ:END(LEN)");
	if (s->end - s->seq != s->len)
		return fail(sc, "%u:%u(%u): END - SEQ must equal LEN", s->seq, s->end, s->len);
	if (s->len > MAX_PAYLOAD)
		return fail(sc, "LEN %u: more than a segment's %u bytes", s->len, MAX_PAYLOAD);
	p = skip_ws(p);
	while (*p) {
		if (word(&p, "ack")) {
			s->has_ack = true;
			if (number(sc, &p, &s->ack, NULL))
				return -EINVAL;
		} else if (word(&p, "win")) {
			s->has_win = true;
			if (number(sc, &p, &s->win, NULL))
				return -EINVAL;
		} else if (*p == '<') {
			if (parse_opts(sc, &p, s))
				return -EINVAL;
		} else if (*p == '"') {
			if (parse_payload(sc, &p, s))
				return -EINVAL;
		} else {
			return fail(sc, "unexpected '%.20s'", p);
		}
	}
	if (s->has_payload && s->plen != s->len)
		return fail(sc, "payload string has %u bytes, LEN says %u", s->plen, s->len);
	return 0;
}

/* ---- the worker under test ---- */

/* A net_ring port of the runner's: i 0 faces the client, 1 the backends (two-arm). */
static int
ring_port(struct scenario *sc, unsigned int i, unsigned int seq)
{
	char name[64];
	struct rte_mempool *mps[1] = {sc->mp};
	int port;

	snprintf(name, sizeof(name), "scn_rx_%u_%u", seq, i);
	sc->rx[i] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "scn_tx_%u_%u", seq, i);
	sc->tx[i] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (sc->rx[i] == NULL || sc->tx[i] == NULL)
		return fail(sc, "out of DPDK memory: %s", rte_strerror(rte_errno));
	snprintf(name, sizeof(name), "scn%u_%u", seq, i);
	port = rte_eth_from_rings(name, &sc->rx[i], 1, &sc->tx[i], 1, 0);
	if (port < 0)
		return fail(sc, "net_ring port: %s", rte_strerror(rte_errno));
	sc->ports[i] = (uint16_t)port;
	if (pcl_port_start(sc->ports[i], 1, &sc->cfg.port, mps, NULL) != 0)
		return fail(sc, "cannot start the ring port");
	return 0;
}

/*
 * The services of the config. Every backend is at backend_mac: the runner
 * answers the proxy's ARP requests for them as they would (worker
 * test_neigh tests the asking itself).
 */
static int
start_services(struct scenario *sc)
{
	struct pcl_lb_if ifs[PCL_MAX_IFS];
	const struct pcl_service *svc;

	sc->sv = calloc(1, sizeof(*sc->sv));
	pcl_config_lb_ifs(&sc->cfg, ifs);
	if (sc->sv == NULL || pcl_services_init(sc->sv, sc->cfg.services, sc->cfg.nservices, ifs,
						sc->nports, &sc->apps.listeners) != 0)
		return fail(sc, "cannot set the services up");
	svc = &sc->sv->svc[0];
	sc->be.addr = svc->backends[0].addr;
	sc->be.port = rte_be_to_cpu_16(svc->backends[0].port);
	return 0;
}

/*
 * A Neighbor Solicitation the proxy sent for an IPv6 backend: the backend's
 * advertisement goes back, as answer_arp() does for IPv4.
 */
static void
answer_ns(struct scenario *sc, unsigned int ifx, struct rte_mbuf *m)
{
	static const uint8_t unspecified[16];

	/* The server's duplicate address detection probe: nobody here holds its address. */
	if (memcmp(rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, PCL_L2_LEN)->src_addr,
		   unspecified, 16) == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	pcl_out_nd_na(&backend_mac, m, PCL_L2_LEN + PCL_IP6_LEN);
	if (rte_ring_enqueue(sc->rx[ifx], m) != 0)
		rte_pktmbuf_free(m);
}

/* An ARP request the proxy sent for a backend: the backend's answer goes back. */
static void
answer_arp(struct scenario *sc, unsigned int ifx, struct rte_mbuf *m)
{
	struct rte_arp_hdr *a =
		rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));

	pcl_arp_to_reply(m, &backend_mac, a->arp_data.arp_tip);
	if (rte_ring_enqueue(sc->rx[ifx], m) != 0)
		rte_pktmbuf_free(m);
}

static int
start(struct scenario *sc)
{
	static unsigned int seq;
	char name[64], err[256];
	struct pcl_worker_conf wc;
	unsigned int i;

	if (sc->started)
		return 0;
	if (v6 && pcl_config_set(&sc->cfg, "port", "addr6", SERVER_ADDR6, err, sizeof(err)) != 0)
		return fail(sc, "config: %s", err);
	if (pcl_config_finish(&sc->cfg, err, sizeof(err)) != 0)
		return fail(sc, "config: %s", err);
	if (pcl_apps_init(&sc->apps, sc->cfg.listeners, sc->cfg.nlisteners) != 0 ||
	    pcl_secrets_init(&sc->secrets) != 0)
		return fail(sc, "setup failed");
	sc->nports = pcl_config_nports(&sc->cfg);
	if (sc->cfg.nservices > 0 && start_services(sc) != 0)
		return -EINVAL;
	snprintf(name, sizeof(name), "scn_pool_%u", seq);
	sc->mp = rte_pktmbuf_pool_create(name, 4096, 0, 0, pcl_port_mbuf_room(&sc->cfg.port), 0);
	if (sc->mp == NULL)
		return fail(sc, "out of DPDK memory: %s", rte_strerror(rte_errno));
	for (i = 0; i < sc->nports; i++)
		if (ring_port(sc, i, seq) != 0)
			return -EINVAL;
	seq++;
	wc = pcl_config_worker(&sc->cfg, &sc->apps, sc->sv, &sc->secrets, sc->mp, sc->ports, 0,
			       rte_lcore_id());
	if (pcl_worker_init(&sc->w, &wc) != 0)
		return fail(sc, "cannot allocate the worker");
	sc->w.fake_clock = true;
	sc->start_us = sc->w.tcp.now_us;
	sc->started = true;
	/* As if the first second's ARP requests had been answered. */
	for (i = 0; sc->sv != NULL && i < sc->sv->neigh.n; i++)
		pcl_neigh_learn(&sc->sv->neigh, &sc->sv->neigh.e[i].ip, &backend_mac,
				sc->w.tcp.now_us);
	return 0;
}

static void
stop(struct scenario *sc)
{
	unsigned int i;

	for (i = 0; i < sc->npend; i++)
		rte_pktmbuf_free(sc->pend[i].m);
	sc->npend = 0;
	if (sc->started) {
		pcl_worker_fini(&sc->w);
		for (i = 0; i < sc->nports; i++) {
			pcl_port_stop(sc->ports[i]);
			rte_ring_free(sc->rx[i]);
			rte_ring_free(sc->tx[i]);
		}
		rte_mempool_free(sc->mp);
		pcl_apps_fini(&sc->apps);
	}
	if (sc->sv != NULL) {
		pcl_services_fini(sc->sv);
		free(sc->sv);
	}
}

/*
 * docs/load-balancer.md's identity: every connection a service accepted
 * ended one way or is still open.
 */
static void
check_proxy_accounting(struct scenario *sc)
{
	const struct pcl_stats *st = &sc->w.stats;
	uint64_t ended = st->proxy_closed + st->proxy_reset + st->proxy_idle + st->proxy_failed +
			 st->proxy_backend_down + sc->w.tcp.by_state[PCL_TCP_PROXY_CONNECT] +
			 sc->w.tcp.by_state[PCL_TCP_PROXY];

	if (st->proxy_accepted != ended)
		snprintf(sc->broken, sizeof(sc->broken),
			 "proxy_accepted %" PRIu64
			 " != closed + reset + idle + failed + backend_down + open %" PRIu64,
			 st->proxy_accepted, ended);
}

static bool
frame_v6(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
	       RTE_BE16(RTE_ETHER_TYPE_IPV6);
}

/* Whether an outbound frame is a Neighbor Solicitation (ICMPv6 type 135). */
static bool
frame_ns(const struct rte_mbuf *m)
{
	const struct rte_ipv6_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, PCL_L2_LEN);

	return frame_v6(m) && ip->proto == IPPROTO_ICMPV6 &&
	       *rte_pktmbuf_mtod_offset(m, const uint8_t *, PCL_L2_LEN + PCL_IP6_LEN) == 135;
}

/* Whether an outbound frame goes to the client (else to a backend), by its destination. */
static bool
to_client(const struct rte_mbuf *m)
{
	const void *l3 = rte_pktmbuf_mtod_offset(m, const void *, PCL_L2_LEN);

	if (frame_v6(m))
		return memcmp(((const struct rte_ipv6_hdr *)l3)->dst_addr, client_ip6, 16) == 0;
	return ((const struct rte_ipv4_hdr *)l3)->dst_addr == CLIENT_IP;
}

/* Where a frame's TCP header starts (we send no IP options or extension headers). */
static unsigned int
tcp_off(const struct rte_mbuf *m)
{
	return PCL_L2_LEN + (frame_v6(m) ? PCL_IP6_LEN : PCL_IP_LEN);
}

/* Runs one worker iteration and stamps what it sent with the script time. */
static void
poll_once(struct scenario *sc)
{
	struct rte_mbuf *m;

	unsigned int i;

	pcl_worker_poll(&sc->w);
	if (sc->broken[0] == '\0')
		pcl_tcp_check(&sc->w.tcp, true, sc->broken, sizeof(sc->broken));
	if (sc->broken[0] == '\0')
		check_proxy_accounting(sc);
	for (i = 0; i < sc->nports; i++) {
		while (rte_ring_dequeue(sc->tx[i], (void **)&m) == 0) {
			if (rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
			    RTE_BE16(RTE_ETHER_TYPE_ARP)) {
				answer_arp(sc, i, m);
				continue;
			}
			if (frame_ns(m)) {
				answer_ns(sc, i, m);
				continue;
			}
			/* A chain (a body sent by reference) arrives whole, as at a client. */
			if (sc->npend == MAX_PENDING || rte_pktmbuf_linearize(m) != 0) {
				rte_pktmbuf_free(m);
				continue;
			}
			sc->pend[sc->npend] = (struct pending){
				.m = m,
				.at_us = sc->w.tcp.now_us - sc->start_us,
				.backend = !to_client(m),
				.port = i,
			};
			sc->npend++;
		}
	}
}

/* One record of a tests/fuzz/fuzz_conn.c input: [op][len, big endian][bytes]. */
static void
dump_record(struct scenario *sc, uint8_t op, uint16_t len, const void *bytes)
{
	uint8_t hdr[3] = {op, (uint8_t)(len >> 8), (uint8_t)len};

	if (sc->dump == NULL)
		return;
	fwrite(hdr, 1, sizeof(hdr), sc->dump);
	if (bytes != NULL)
		fwrite(bytes, 1, len, sc->dump);
}

/* Moves the clock to script time t_us one tick at a time, so timers fire when due. */
static void
advance_to(struct scenario *sc, uint64_t t_us)
{
	const uint64_t step = PCL_TICK_MS * 1000;

	if (t_us > sc->now_script_us)
		dump_record(sc, 1, (uint16_t)RTE_MIN((t_us - sc->now_script_us) / step, 65535u),
			    NULL);
	while (sc->w.tcp.now_us - sc->start_us + step <= t_us) {
		sc->w.tcp.now_us += step;
		poll_once(sc);
	}
	sc->w.tcp.now_us = sc->start_us + t_us;
	poll_once(sc);
	sc->now_script_us = t_us;
}

/* ---- inbound ---- */

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * The options of s; "ecr *" echoes ecr_any, SACK edges are relative to
 * sack_base (the ISN of the side they acknowledge; 0 for the fuzz seeds).
 */
static unsigned int
build_opts(const struct line_seg *s, uint32_t ecr_any, uint32_t sack_base, uint8_t *b)
{
	unsigned int n = 0, i, sack_at = 0;

	for (i = 0; i < s->nopts; i++) {
		const struct opt *o = &s->opts[i];

		if (o->kind == PCL_OPT_SACK) {
			if (i == 0 || s->opts[i - 1].kind != PCL_OPT_SACK) {
				sack_at = n;
				b[n++] = PCL_OPT_SACK;
				b[n++] = 2;
			}
			put32(b + n, sack_base + o->a);
			put32(b + n + 4, sack_base + o->b);
			n += 8;
			b[sack_at + 1] = (uint8_t)(b[sack_at + 1] + 8);
			continue;
		}
		b[n++] = o->kind;
		switch (o->kind) {
		case PCL_OPT_MSS:
			b[n++] = 4;
			b[n++] = (uint8_t)(o->a >> 8);
			b[n++] = (uint8_t)o->a;
			break;
		case PCL_OPT_WS:
			b[n++] = 3;
			b[n++] = (uint8_t)o->a;
			break;
		case PCL_OPT_SACKOK:
			b[n++] = 2;
			break;
		case PCL_OPT_TS:
			b[n++] = 10;
			put32(b + n, o->a);
			put32(b + n + 4, o->any_b ? ecr_any : o->b);
			n += 8;
			break;
		default:
			break;
		}
	}
	while (n % 4)
		b[n++] = PCL_OPT_NOP;
	return n;
}

static int
check_pending_empty(struct scenario *sc, const char *when)
{
	if (sc->npend == 0)
		return 0;
	{
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(
			sc->pend[0].m, const struct rte_tcp_hdr *, tcp_off(sc->pend[0].m));

		if (sc->pend[0].backend)
			return fail(
				sc,
				"unexpected outbound segment to the backend %s (flags %#x seq %u "
				"ack %u, at %.3fs)",
				when, th->tcp_flags,
				rte_be_to_cpu_32(th->sent_seq) - sc->client_isn,
				rte_be_to_cpu_32(th->recv_ack) - sc->be.isn,
				sc->pend[0].at_us / 1e6);
		return fail(
			sc, "unexpected outbound segment %s (flags %#x seq %u ack %u, at %.3fs)",
			when, th->tcp_flags, rte_be_to_cpu_32(th->sent_seq) - sc->cur.server_isn,
			rte_be_to_cpu_32(th->recv_ack) - sc->client_isn, sc->pend[0].at_us / 1e6);
	}
}

/*
 * A segment the script sends, for the fuzz seeds: as a fuzz_conn record
 * relative to both ISNs (op 2: flags, seq, ack, window, option length,
 * options, payload), and the frame itself as DIR/SCRIPT.fz.N for fuzz_frame.
 */
static void
dump_segment(struct scenario *sc, const struct line_seg *s, const uint8_t *opts,
	     const struct rte_mbuf *m)
{
	const struct rte_tcp_hdr *th =
		rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, tcp_off(m));
	uint8_t optlen = (uint8_t)((th->data_off >> 4) * 4 - PCL_TCP_LEN);
	uint8_t rec[12 + 40 + MAX_PAYLOAD];
	char path[PATH_MAX];
	FILE *f;

	if (sc->dump == NULL)
		return;
	rec[0] = s->flags;
	put32(rec + 1, s->seq);
	put32(rec + 5, s->has_ack ? s->ack : 0);
	rec[9] = (uint8_t)(rte_be_to_cpu_16(th->rx_win) >> 8);
	rec[10] = (uint8_t)rte_be_to_cpu_16(th->rx_win);
	rec[11] = optlen;
	memcpy(rec + 12, opts, optlen);
	memcpy(rec + 12 + optlen, (const uint8_t *)(th + 1) + optlen, s->len);
	/*
	 * fuzz_conn's op 4 is port 8080 with the congestion scripts' 40000-byte
	 * answer; with 8 added, the same over IPv6.
	 */
	dump_record(sc, (uint8_t)((sc->cfg.http_body_size == 40000 ? 4 : 2) + (v6 ? 8 : 0)),
		    (uint16_t)(12 + optlen + s->len), rec);
	snprintf(path, sizeof(path), "%.4000s.%u", sc->dump_path, sc->dump_frames++);
	f = fopen(path, "wb");
	if (f != NULL) {
		fwrite(rte_pktmbuf_mtod(m, const void *), 1, m->data_len, f);
		fclose(f);
	}
}

/* Our address on the side that faces the backends: IPv4, or under -6 IPv6. */
static inline struct pcl_addr
our_backend_addr(const struct scenario *sc)
{
	if (v6)
		return pcl_addr_from6(sc->nports > 1 ? sc->cfg.baddr6 : sc->cfg.addr6);
	if (sc->cur.be_laddr != 0)
		return pcl_addr_from4(sc->cur.be_laddr);
	return pcl_addr_from4(sc->nports > 1 ? sc->cfg.baddr : sc->cfg.addr);
}

/* Sends the frame for s from the client, or from the backend the script plays. */
static int
inject(struct scenario *sc, const struct line_seg *s, bool backend)
{
	unsigned int ifx = backend ? sc->nports - 1 : 0;
	uint8_t opts[64];
	uint8_t fill[MAX_PAYLOAD];
	struct pcl_peer_seg ps = {
		.flags = s->flags,
		.wnd = (uint16_t)(s->has_win ? s->win : 65535),
		.opts = opts,
		.data = s->has_payload ? s->payload : fill,
		.len = (uint16_t)s->len,
	};
	struct rte_mbuf *m;

	if (check_pending_empty(sc, "before this line"))
		return -EINVAL;
	if (!backend && (s->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG &&
	    (!sc->cur.syn_sent || s->seq != sc->cur.syn_seq)) {
		sc->cur.isn_pending = true;
		sc->cur.syn_sent = true;
		sc->cur.syn_seq = s->seq;
	}
	if (!s->has_payload)
		memset(fill, 'x', s->len);
	ps.dst_mac = sc->w.ifs[ifx].ctx.mac;
	if (backend) {
		if (sc->sv == NULL)
			return fail(sc, "b<: the config has no service");
		struct pcl_addr us = our_backend_addr(sc);

		ps.src_mac = backend_mac;
		ps.v6 = v6;
		if (v6) {
			memcpy(ps.src6, sc->be.addr.a, 16);
			memcpy(ps.dst6, us.a, 16);
		} else {
			ps.src_addr = pcl_addr_v4(&sc->be.addr);
			ps.dst_addr = pcl_addr_v4(&us);
		}
		ps.sport = sc->be.port;
		ps.dport = sc->cur.be_local_port;
		ps.seq = sc->be.isn + s->seq;
		ps.ack = s->has_ack ? sc->client_isn + s->ack : 0;
		ps.optlen = (uint8_t)build_opts(s, sc->cur.be_last_tsval, sc->client_isn, opts);
	} else {
		ps.src_mac = client_mac;
		ps.src_addr = CLIENT_IP;
		ps.dst_addr = sc->cfg.addr;
		ps.v6 = v6;
		memcpy(ps.src6, client_ip6, 16);
		memcpy(ps.dst6, server_ip6, 16);
		ps.sport = sc->cur.client_port;
		ps.dport = sc->server_port;
		ps.seq = sc->client_isn + s->seq;
		ps.ack = s->has_ack ? (sc->cur.server_isn_known ? sc->cur.server_isn : 0) + s->ack
				    : 0;
		ps.optlen = (uint8_t)build_opts(s, sc->cur.last_tsval,
						sc->cur.server_isn_known ? sc->cur.server_isn : 0,
						opts);
	}
	m = pcl_peer_frame(sc->mp, &ps);
	if (m == NULL)
		return fail(sc, "mbuf pool empty");
	if (!backend) {
		/* The fuzz seeds carry SACK edges relative, as fuzz_conn reads them. */
		uint8_t rel[64];

		build_opts(s, sc->cur.last_tsval, 0, rel);
		dump_segment(sc, s, rel, m);
	}
	if (rte_ring_enqueue(sc->rx[ifx], m) != 0) {
		rte_pktmbuf_free(m);
		return fail(sc, "RX ring full");
	}
	poll_once(sc);
	return 0;
}

/* ---- outbound ---- */

/* The options of a reply, as a list (NOPs and EOL included). */
static unsigned int
reply_opts(const uint8_t *p, unsigned int len, struct opt *out)
{
	unsigned int i = 0, n = 0;

	while (i < len && n < MAX_OPTS) {
		struct opt *o = &out[n++];

		memset(o, 0, sizeof(*o));
		o->kind = p[i];
		if (o->kind == PCL_OPT_NOP || o->kind == PCL_OPT_EOL) {
			i++;
			continue;
		}
		if (o->kind == PCL_OPT_MSS)
			o->a = (uint32_t)(p[i + 2] << 8 | p[i + 3]);
		else if (o->kind == PCL_OPT_WS)
			o->a = p[i + 2];
		else if (o->kind == PCL_OPT_TS) {
			o->a = get32(p + i + 2);
			o->b = get32(p + i + 6);
		}
		i += p[i + 1] ? p[i + 1] : 1;
	}
	return n;
}

static const char *
opt_name(uint8_t kind)
{
	switch (kind) {
	case PCL_OPT_NOP:
		return "nop";
	case PCL_OPT_EOL:
		return "eol";
	case PCL_OPT_MSS:
		return "mss";
	case PCL_OPT_WS:
		return "wscale";
	case PCL_OPT_SACKOK:
		return "sackOK";
	case PCL_OPT_TS:
		return "TS";
	case PCL_OPT_SACK:
		return "sack";
	default:
		return "unknown";
	}
}

static void
flags_str(uint8_t f, char *b)
{
	if (f & RTE_TCP_SYN_FLAG)
		*b++ = 'S';
	if (f & RTE_TCP_FIN_FLAG)
		*b++ = 'F';
	if (f & RTE_TCP_RST_FLAG)
		*b++ = 'R';
	if (f & RTE_TCP_PSH_FLAG)
		*b++ = 'P';
	if (f & RTE_TCP_ACK_FLAG)
		*b++ = '.';
	*b = '\0';
}

/*
 * An expected option's first value. Under -6 our MSS (the IPv4 one a script
 * names, port.mtu - 40) is 20 bytes less: the IPv6 header is that much longer.
 */
static uint32_t
want_a(const struct scenario *sc, const struct opt *w)
{
	if (v6 && w->kind == PCL_OPT_MSS && w->a == sc->cfg.tcp.mss)
		return w->a - (PCL_IP6_LEN - PCL_IP_LEN);
	return w->a;
}

static int
compare_opts(struct scenario *sc, const struct line_seg *want, const struct opt *got,
	     unsigned int ngot)
{
	unsigned int i;

	if (ngot != want->nopts)
		return fail(sc, "options: expected %u options, got %u", want->nopts, ngot);
	for (i = 0; i < ngot; i++) {
		const struct opt *w = &want->opts[i], *g = &got[i];

		if (w->kind != g->kind)
			return fail(sc, "options: #%u: expected %s, got %s", i + 1,
				    opt_name(w->kind), opt_name(g->kind));
		if (!w->any_a && want_a(sc, w) != g->a)
			return fail(sc, "options: %s: expected %u, got %u", opt_name(w->kind),
				    want_a(sc, w), g->a);
		if (w->kind == PCL_OPT_TS && !w->any_b && w->b != g->b)
			return fail(sc, "options: TS ecr: expected %u, got %u", w->b, g->b);
	}
	return 0;
}

/* Takes the first segment sent to that side; false when there is none. */
static bool
take_pending(struct scenario *sc, bool backend, struct pending *pd)
{
	unsigned int i;

	for (i = 0; i < sc->npend; i++) {
		if (sc->pend[i].backend != backend)
			continue;
		*pd = sc->pend[i];
		memmove(sc->pend + i, sc->pend + i + 1, (--sc->npend - i) * sizeof(sc->pend[0]));
		return true;
	}
	return false;
}

/*
 * The addresses and ports of an outbound segment, and the sequence spaces
 * it is read in: to the client, from the service port of our address; to
 * the backend, from our address on its side and the local port the SYN
 * chose (learned from it).
 */
static int
check_ends(struct scenario *sc, const struct pcl_seg *g, bool backend)
{
	struct pcl_addr us = our_backend_addr(sc);

	if (!backend) {
		if (g->t.raddr != sc->cfg.addr || g->t.rport != rte_cpu_to_be_16(sc->server_port) ||
		    g->t.lport != rte_cpu_to_be_16(sc->cur.client_port))
			return fail(sc,
				    "ends: expected from our port %u to the client's %u, got %u "
				    "to %u",
				    sc->server_port, sc->cur.client_port,
				    rte_be_to_cpu_16(g->t.rport), rte_be_to_cpu_16(g->t.lport));
		return 0;
	}
	if (g->flags & RTE_TCP_SYN_FLAG)
		sc->cur.be_local_port = rte_be_to_cpu_16(g->t.rport);
	/* Under -6 the source was checked with the frame's IPv6 header. */
	if (!v6 && g->t.raddr != pcl_addr_v4(&us))
		return fail(sc, "ends: expected from our address %08x to the backend, got %08x",
			    rte_be_to_cpu_32(pcl_addr_v4(&us)), rte_be_to_cpu_32(g->t.raddr));
	if (g->t.lport != rte_cpu_to_be_16(sc->be.port) ||
	    g->t.rport != rte_cpu_to_be_16(sc->cur.be_local_port))
		return fail(sc, "ends: expected from our port %u to the backend's %u, got %u to %u",
			    sc->cur.be_local_port, sc->be.port, rte_be_to_cpu_16(g->t.rport),
			    rte_be_to_cpu_16(g->t.lport));
	return 0;
}

/* Checks the next segment sent to the client, or to the backend, against want. */
static int
expect(struct scenario *sc, const struct line_seg *want, bool backend)
{
	struct pcl_pkt_ctx peer = {.mac = client_mac, .addr = CLIENT_IP, .has6 = v6};
	struct opt got_opts[MAX_OPTS];
	struct pending pd;
	struct pcl_seg g;
	const uint8_t *f;
	unsigned int ngot, hl, port;
	uint32_t seq, ack;
	int64_t dt;
	char wf[8], gf[8];
	int kind, rc = 0;

	if (!take_pending(sc, backend, &pd))
		return fail(sc, "expected an outbound segment, %s",
			    backend ? "nothing went to the backend" : "the server sent nothing");
	if (backend)
		peer = (struct pcl_pkt_ctx){
			.mac = backend_mac, .addr = v6 ? 0 : pcl_addr_v4(&sc->be.addr), .has6 = v6};
	f = rte_pktmbuf_mtod(pd.m, const uint8_t *);
	port = backend ? sc->nports - 1 : 0;
	if (pd.port != port || !rte_is_same_ether_addr(&((const struct rte_ether_hdr *)f)->src_addr,
						       &sc->w.ifs[port].ctx.mac)) {
		rte_pktmbuf_free(pd.m);
		return fail(sc, "sent on port %u (or from another MAC), expected port %u", pd.port,
			    port);
	}
	memcpy(peer.addr6, backend ? sc->be.addr.a : client_ip6, 16);
	kind = pcl_pkt_parse(f, pd.m->data_len, 0, &peer, &g);
	if (kind == PCL_PKT_TCP6) {
		/* Our address on that side; check_ends reads the client side's as IPv4's. */
		if (memcmp(g.a6, backend ? our_backend_addr(sc).a : server_ip6, 16) != 0) {
			rte_pktmbuf_free(pd.m);
			return fail(sc, "IPv6 source is not our address on that side");
		}
		g.t.raddr = sc->cfg.addr;
		kind = PCL_PKT_TCP;
	}
	if (kind != PCL_PKT_TCP) {
		rte_pktmbuf_free(pd.m);
		return fail(sc, "outbound frame is not valid TCP to the %s (%d)",
			    backend ? "backend" : "client", kind);
	}
	if (!backend && (g.flags & RTE_TCP_SYN_FLAG) && sc->cur.isn_pending) {
		sc->cur.server_isn = g.seq - want->seq;
		sc->cur.server_isn_known = true;
		sc->cur.isn_pending = false;
	}
	seq = g.seq - (backend ? sc->client_isn : sc->cur.server_isn);
	ack = g.ack - (backend ? sc->be.isn : sc->client_isn);
	hl = (unsigned int)(f[tcp_off(pd.m) + 12] >> 4) * 4;
	ngot = reply_opts(f + tcp_off(pd.m) + PCL_TCP_LEN, hl - PCL_TCP_LEN, got_opts);
	if (g.opts.present & PCL_OPTF_TS)
		*(backend ? &sc->cur.be_last_tsval : &sc->cur.last_tsval) = g.opts.tsval;
	flags_str(want->flags, wf);
	flags_str(g.flags, gf);
	dt = (int64_t)pd.at_us - (int64_t)sc->now_script_us;

	if (g.flags != want->flags)
		rc = fail(sc, "flags: expected %s, got %s", wf, gf);
	else if (check_ends(sc, &g, backend) != 0)
		rc = -EINVAL;
	else if (seq != want->seq)
		rc = fail(sc, "seq: expected %u, got %u", want->seq, seq);
	else if (g.len != want->len)
		rc = fail(sc, "length: expected %u, got %u", want->len, g.len);
	else if (want->has_ack ? ack != want->ack : (g.flags & RTE_TCP_ACK_FLAG) && g.ack != 0)
		rc = fail(sc, "ack: expected %u, got %u", want->ack, ack);
	else if (want->has_win && g.wnd != want->win)
		rc = fail(sc, "win: expected %u, got %u", want->win, g.wnd);
	else if (want->has_opts ? compare_opts(sc, want, got_opts, ngot) != 0 : ngot != 0)
		rc = want->has_opts ? -EINVAL : fail(sc, "options: expected none, got %u", ngot);
	else if (want->has_payload && memcmp(f + g.payload_off, want->payload, want->plen) != 0)
		rc = fail(sc, "payload: expected \"%.*s\", got \"%.*s\"", (int)want->plen,
			  want->payload, (int)g.len, f + g.payload_off);
	else if (dt > TIME_SLACK_US || dt < -TIME_SLACK_US)
		rc = fail(sc, "time: expected at %.3fs, sent at %.3fs", sc->now_script_us / 1e6,
			  pd.at_us / 1e6);
	rte_pktmbuf_free(pd.m);
	return rc;
}

/* ---- directives ---- */

static int
check_state(struct scenario *sc, char *p)
{
	struct pcl_tuple t = {
		.raddr = CLIENT_IP,
		.laddr = sc->cfg.addr,
		.rport = rte_cpu_to_be_16(sc->cur.client_port),
		.lport = rte_cpu_to_be_16(sc->server_port),
	};
	struct pcl_tuple6 t6 = {.rport = t.rport, .lport = t.lport};
	const char *got;
	char *end = p + strcspn(p, " \t");

	memcpy(t6.raddr, client_ip6, 16);
	memcpy(t6.laddr, server_ip6, 16);
	got = pcl_tcp_state_names[v6 ? pcl_tcp_state_of6(&sc->w.tcp, &t6)
				     : pcl_tcp_state_of(&sc->w.tcp, &t)];
	*end = '\0';
	if (strcmp(got, p) != 0)
		return fail(sc, "state: expected %s, got %s", p, got);
	return 0;
}

/* "rekey": both secrets rotate, as the control thread does on its schedule. */
static int
rekey(struct scenario *sc)
{
	if (pcl_keyring_rotate(&sc->secrets.isn) != 0 ||
	    pcl_keyring_rotate(&sc->secrets.cookie) != 0)
		return fail(sc, "rekey failed: no OS randomness");
	return 0;
}

/* Where the script keeps what it knows of the connection from port. */
static struct script_conn *
seen_conn(struct scenario *sc, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < sc->nseen; i++)
		if (sc->seen[i].client_port == port)
			return &sc->seen[i];
	return sc->nseen < MAX_CONNECTIONS ? &sc->seen[sc->nseen++] : NULL;
}

/*
 * "connection PORT": later segments come from client port PORT. A port the
 * script used before is that connection again, its server ISN as learned;
 * a new one learns its ISN from its first SYN-ACK.
 */
static int
connection(struct scenario *sc, char *p)
{
	struct script_conn *was, *next;
	char *end;
	unsigned long port = strtoul(p, &end, 10);

	if (end == p || port == 0 || port > UINT16_MAX)
		return fail(sc, "connection: expected a client port, got '%s'", p);
	was = seen_conn(sc, sc->cur.client_port);
	next = seen_conn(sc, (uint16_t)port);
	if (was == NULL || next == NULL)
		return fail(sc, "connection: more than %u connections", MAX_CONNECTIONS);
	*was = sc->cur;
	if (next->client_port != port) /* until learned, "ack N" and outbound seq are absolute */
		*next = (struct script_conn){.client_port = (uint16_t)port};
	sc->cur = *next;
	return 0;
}

/*
 * "counter NAME VALUE": an exact per-lcore counter (drop_REASON for drops,
 * state_STATE for the connections in a state).
 */
static int
check_counter(struct scenario *sc, char *p)
{
	char name[64];
	unsigned long long want, got;
	unsigned int i;

	if (sscanf(p, "%63s %llu", name, &want) != 2)
		return fail(sc, "expected 'counter NAME VALUE'");
	for (i = 0; i < PCL_COUNTER_COUNT; i++) {
		if (strcmp(name, pcl_counter_names[i]) == 0) {
			got = pcl_stats_counter(&sc->w.stats, i);
			goto found;
		}
	}
	for (i = 0; i < PCL_DROP_MAX; i++) {
		if (strncmp(name, "drop_", 5) == 0 && strcmp(name + 5, pcl_drop_names[i]) == 0) {
			got = sc->w.stats.drop[i];
			goto found;
		}
	}
	for (i = PCL_TCP_SYN_RCVD; i < PCL_TCP_STATE_MAX; i++) {
		if (strncmp(name, "state_", 6) == 0 &&
		    strcmp(name + 6, pcl_tcp_state_names[i]) == 0) {
			got = sc->w.tcp.by_state[i];
			goto found;
		}
	}
	return fail(sc, "counter: no counter named %s", name);
found:
	if (got != want)
		return fail(sc, "counter %s: expected %llu, got %llu", name, want, got);
	return 0;
}

/*
 * Under -6, a script's IPv4 backends and backend-side address as IPv6 ones:
 * 198.18.C.D is fd00:18:C::D (so 198.18.0.0/24 is port.addr6's fd00:18::/64),
 * "A.B.C.D:P" is "[fd00:18:C::D]:P", and port:backend.addr6 follows
 * port:backend.addr with a /64. Anything else is v as it is.
 */
static const char *
map6(const char *section, const char *key, const char *v, char out[64])
{
	unsigned int a, b, c, d, port, len;

	if (strncmp(section, "service:", 8) == 0 && strcmp(key, "backend") == 0 &&
	    sscanf(v, "%u.%u.%u.%u:%u", &a, &b, &c, &d, &port) == 5)
		snprintf(out, 64, "[fd00:18:%x::%x]:%u", c, d, port);
	else if (strcmp(section, "port:backend") == 0 && strcmp(key, "addr6") == 0 &&
		 sscanf(v, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &len) == 5)
		snprintf(out, 64, "fd00:18:%x::%x/64", c, d);
	else
		return v;
	return out;
}

/* "config section.key=value", or the runner's own client_isn / client_port / server_port. */
static int
config(struct scenario *sc, char *p)
{
	char *eq = strchr(p, '='), *dot, *end;
	char err[256], v[64];

	if (sc->started)
		return fail(sc, "config must come before the first timed line");
	if (eq == NULL)
		return fail(sc, "expected 'config KEY=VALUE'");
	*eq = '\0';
	end = eq + 1 + strcspn(eq + 1, " \t");
	*end = '\0';
	if (strcmp(p, "client_isn") == 0)
		sc->client_isn = (uint32_t)strtoul(eq + 1, NULL, 0);
	else if (strcmp(p, "client_port") == 0)
		sc->cur.client_port = (uint16_t)strtoul(eq + 1, NULL, 0);
	else if (strcmp(p, "server_port") == 0)
		sc->server_port = (uint16_t)strtoul(eq + 1, NULL, 0);
	else if (strcmp(p, "backend_isn") == 0)
		sc->be.isn = (uint32_t)strtoul(eq + 1, NULL, 0);

	else if ((dot = strchr(p, '.')) != NULL) {
		*dot = '\0';
		if (pcl_config_set(&sc->cfg, p, dot + 1, v6 ? map6(p, dot + 1, eq + 1, v) : eq + 1,
				   err, sizeof(err)) != 0 ||
		    (v6 && strcmp(p, "port:backend") == 0 && strcmp(dot + 1, "addr") == 0 &&
		     pcl_config_set(&sc->cfg, p, "addr6", map6(p, "addr6", eq + 1, v), err,
				    sizeof(err)) != 0))
			return fail(sc, "config: %s", err);
	} else {
		return fail(sc, "config: unknown key %s", p);
	}
	return 0;
}

static int
parse_time(struct scenario *sc, char **pp, uint64_t *t_us)
{
	char *p = *pp, *end;
	bool rel = *p == '+';
	double v = strtod(p + rel, &end);

	if (end == p + rel || v < 0 || !isfinite(v))
		return fail(sc, "expected a time ('0', '1.5', '+0.2') at '%.20s'", p);
	*t_us = (uint64_t)llround(v * 1e6) + (rel ? sc->now_script_us : 0);
	if (*t_us < sc->now_script_us)
		return fail(sc, "time goes backwards");
	*pp = skip_ws(end);
	return 0;
}

/* "backend N": later "b<" and "b>" lines are the first service's backend N (from 0). */
static int
backend(struct scenario *sc, char *p)
{
	char *end;
	unsigned long i = strtoul(p, &end, 10);

	if (sc->sv == NULL || end == p || i >= sc->sv->svc[0].nbackends)
		return fail(sc,
			    "backend: expected the index of one of the first service's backends");
	sc->be.addr = sc->sv->svc[0].backends[i].addr;
	sc->be.port = rte_be_to_cpu_16(sc->sv->svc[0].backends[i].port);
	return 0;
}

/*
 * "local A.B.C.D": the connection's "b<" and "b>" lines go to and come from
 * A.B.C.D, one of the local addresses of the port facing the backends.
 */
static int
local(struct scenario *sc, char *p)
{
	const struct pcl_pkt_ctx *ctx = &sc->w.ifs[sc->nports - 1].ctx;
	struct in_addr a;

	p[strcspn(p, " \t\r\n")] = '\0';
	if (inet_pton(AF_INET, p, &a) != 1 || !pcl_pkt_local(ctx, a.s_addr))
		return fail(sc, "local: expected a local address of the backends' port, got '%s'",
			    p);
	sc->cur.be_laddr = a.s_addr;
	return 0;
}

static int
run_line(struct scenario *sc, char *p)
{
	struct line_seg *s;
	uint64_t t_us = 0;
	bool backend_side;
	int rc;

	if (word(&p, "config"))
		return config(sc, p);
	if (start(sc) || parse_time(sc, &p, &t_us))
		return -EINVAL;
	advance_to(sc, t_us);
	if (word(&p, "expect")) {
		if (!word(&p, "nothing"))
			return fail(sc, "expected 'expect nothing'");
		return check_pending_empty(sc, "where nothing was expected");
	}
	if (word(&p, "state"))
		return check_state(sc, p);
	if (word(&p, "counter"))
		return check_counter(sc, p);
	if (word(&p, "rekey"))
		return rekey(sc);
	if (word(&p, "connection"))
		return connection(sc, p);
	if (word(&p, "backend"))
		return backend(sc, p);
	if (word(&p, "local"))
		return local(sc, p);
	backend_side = p[0] == 'b' && (p[1] == '<' || p[1] == '>');
	p += backend_side;
	if (*p != '<' && *p != '>')
		return fail(sc,
			    "expected '<', '>', 'b<', 'b>', 'expect nothing', 'state', 'counter', "
			    "'rekey', 'connection', 'backend' or 'local'");
	s = malloc(sizeof(*s));
	if (s == NULL)
		return fail(sc, "out of memory");
	rc = parse_seg(sc, skip_ws(p + 1), s);
	if (rc == 0)
		rc = *p == '<' ? inject(sc, s, backend_side) : expect(sc, s, backend_side);
	free(s);
	return rc;
}

/* A line, then the engine's invariants after everything it made the worker do. */
static int
run_line_checked(struct scenario *sc, char *p)
{
	int rc = run_line(sc, p);

	if (rc == 0 && sc->broken[0] != '\0')
		return fail(sc, "engine invariant: %s", sc->broken);
	return rc;
}

static const char *dump_dir; /* -d */

static int
run_script(const char *path, char *err, size_t errlen)
{
	struct scenario *sc = calloc(1, sizeof(*sc));
	char buf[4096];
	FILE *f;
	int rc = 0;

	if (sc == NULL)
		return -ENOMEM;
	sc->path = path;
	pcl_config_defaults(&sc->cfg);
	sc->cfg.addr = RTE_BE32(0xc6120002);
	sc->cfg.prefix_len = 24;
	sc->cfg.tcp.conns = 1024;
	sc->cfg.tcp.syn_backlog = 512;
	sc->client_isn = 1000000;
	sc->be.isn = 5000000;
	sc->cur.client_port = 40000;
	sc->server_port = 80;
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		free(sc);
		return -ENOENT;
	}
	if (dump_dir != NULL) {
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

		snprintf(sc->dump_path, sizeof(sc->dump_path), "%s/%s.fz", dump_dir, base);
		sc->dump = fopen(sc->dump_path, "wb");
		if (sc->dump == NULL) {
			snprintf(err, errlen, "%.400s: %s", sc->dump_path, strerror(errno));
			fclose(f);
			free(sc);
			return -errno;
		}
	}
	while (rc == 0 && fgets(buf, sizeof(buf), f) != NULL) {
		char *p = skip_ws(buf);

		sc->lineno++;
		p[strcspn(p, "\r\n")] = '\0';
		if (*p == '\0' || *p == '#' || (p[0] == '/' && p[1] == '/'))
			continue;
		if (verbose)
			printf("  %s:%u: %s\n", path, sc->lineno, p);
		rc = run_line_checked(sc, p);
	}
	fclose(f);
	if (sc->dump != NULL)
		fclose(sc->dump);
	if (rc == 0 && sc->started) {
		sc->lineno++;
		rc = check_pending_empty(sc, "after the last line");
	}
	if (rc != 0)
		snprintf(err, errlen, "%s", sc->err);
	stop(sc);
	free(sc);
	return rc;
}

int
main(int argc, char **argv)
{
	char err[512];
	unsigned int passed = 0, failed = 0;
	int used, opt, i;

	used = rte_eal_init(argc, argv);
	if (used < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed\n");
	argc -= used;
	argv += used;
	while ((opt = getopt(argc, argv, "v6d:")) != -1) {
		if (opt == 'v')
			verbose = true;
		else if (opt == '6')
			v6 = true;
		else if (opt == 'd')
			dump_dir = optarg;
		else
			rte_exit(EXIT_FAILURE,
				 "usage: pcl-scenario [EAL] -- [-v] [-6] [-d DIR] SCRIPT...\n"
				 "  -6      the client talks IPv6 to port.addr6 " SERVER_ADDR6 "\n"
				 "  -d DIR  also write each script's frames and clock steps as a\n"
				 "          tests/fuzz/fuzz_conn input, DIR/SCRIPT.fz\n");
	}
	for (i = optind; i < argc; i++) {
		if (run_script(argv[i], err, sizeof(err)) == 0) {
			printf("PASS %s\n", argv[i]);
			passed++;
		} else {
			printf("FAIL %s\n     %s\n", argv[i], err);
			failed++;
		}
	}
	printf("scenarios: %u passed, %u failed\n", passed, failed);
	rte_eal_cleanup();
	return failed ? 1 : 0;
}
