/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcl-bench: cycles the real worker spends per connection, in-process,
 * stateful and with SYN cookies, on the cookie paths alone, and with two
 * workers with and without the software steering hop.
 *
 * A simulated client drives a worker that has no port: frames are built
 * before the clock starts, and only the worker's receive path is timed, so the
 * figures are the server's own (parse, lookup, state machine, reply build;
 * not the NIC, nor freeing the replies). For a service (the SYN proxy) the
 * bench plays the backend as well. Each case runs several rounds and
 * prints the median. Then the connection table and the timer wheel alone,
 * and the memory a connection costs, measured from the worker's allocation.
 * Instructions per operation come from the CPU's counter where the kernel
 * offers one (perf_event_open; not in most VMs, where callgrind is the way).
 *
 *   pcl-bench [EAL options] -- [-n CONNS] [-r ROUNDS] [--json] [-c SUBSTRING] [-6] [--list]
 *                               [--entries E] [--idle N] [--tx-offload] [--body BYTES]
 *
 * --idle holds N established connections on the first worker while its cases
 * run, as cps-gen --idle holds them on a server: what they cost a new
 * connection is the cache they take (bench/scale.sh).
 *
 * -c runs only the cases whose name contains SUBSTRING (callgrind per case);
 * --list prints the connection cases' names and runs nothing. The work a
 * case times is all inside pcl_bench_timed(), which is never inlined, so
 * callgrind --toggle-collect=pcl_bench_timed counts exactly what the cycles
 * measure (bench/callgrind.sh).
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "ctl/pcl_config.h"
#include "lb/pcl_proxy.h"
#include "peer/pcl_peer.h"
#include "worker/pcl_worker.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define PSH RTE_TCP_PSH_FLAG

static const struct rte_ether_addr client_mac = {{0x02, 0, 0, 0, 0, 1}};
static const struct rte_ether_addr server_mac = {{0x02, 0, 0, 0, 0, 2}};
static const struct rte_ether_addr backend_mac = {{0x02, 0, 0, 0, 0, 0x0b}};
static const char request[] = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";
static const char request10[] = "GET / HTTP/1.0\r\nHost: bench\r\n\r\n";
/* What a backend's http app answers to request10, as one segment with its FIN. */
static const char response10[] = "HTTP/1.0 200 OK\r\nContent-Length: 11\r\n\r\nhello world";

#define CLIENT_IP    RTE_BE32(0xc6120001) /* 198.18.0.1 */
#define SERVER_IP    RTE_BE32(0xc6120002) /* 198.18.0.2 */
#define BACKEND_IP   RTE_BE32(0xc612000b) /* 198.18.0.11, on the server's subnet: one arm */
#define BACKEND_PORT 8080
#define SERVICE_PORT 8000
/* -6: a second service, of an IPv6 backend (fd00:18::b, on port.addr6's subnet). */
#define SERVICE6_PORT 8006
static const uint8_t backend_ip6[16] = {0xfd, 0, 0, 0x18, [15] = 0x0b};

/* -6: the client and port.addr6. */
static const uint8_t client_ip6[16] = {0xfd, 0, 0, 0x18, [15] = 1};
#define SERVER_ADDR6 "fd00:18::2/64"

struct bench {
	struct pcl_worker w;
	struct pcl_worker w2;          /* the second worker of the steering cases */
	struct pcl_worker px;          /* the proxied case's: w with the services */
	struct pcl_worker *rx, *owner; /* who receives the frames, who owns them */
	uint16_t dport;                /* the port clients connect to */
	uint16_t reply_sport;          /* the source port of the worker's last reply */
	bool reply_psh;                /* the last segment fed had a PSH reply */
	bool mss_opt;                  /* --body: the client's SYN says MSS 1460 */
	struct pcl_steer steer;
	struct rte_ring *inboxes[2];
	uint16_t sports[60000]; /* client ports whose flows w2 owns */
	uint32_t nsports;
	struct pcl_config cfg;
	struct pcl_apps apps;
	struct pcl_services *sv; /* the service on SERVICE_PORT and its backend */
	struct pcl_secrets secrets;
	struct rte_mempool *mp;
	uint64_t cycles;
	uint64_t instr;
	uint64_t timed;     /* TIMED windows since cycles was reset */
	int perf_fd;        /* user-space instructions retired, or -1 */
	const char *filter; /* -c: only the cases whose name contains it */
	bool list;          /* --list: print the cases' names, run none */
	bool v6;            /* the client talks IPv6 (-6's cases) */
	bool untimed;       /* feed() outside the clock (the cookie ACK case's other segments) */
	bool tx_csum;       /* --tx-offload: the workers leave checksums to a device */
	/*
	 * The client's segments carry what a Linux client's do: MSS, SACK
	 * permitted, timestamps and window scale on the SYN, timestamps on the
	 * rest, echoing the server's last TSval (peer_ts), which a cookie ACK
	 * must, since the cookie's options are coded in it.
	 */
	bool linux_opts;
	uint32_t tsval;   /* the client's timestamp clock */
	uint32_t peer_ts; /* the TSval of the server's last reply */
	uint32_t held;    /* --idle: connections w holds throughout */
};

/* Opens a counter of this thread's user-space instructions; -1 if none. */
static int
instr_open(void)
{
	struct perf_event_attr a = {
		.type = PERF_TYPE_HARDWARE,
		.size = sizeof(a),
		.config = PERF_COUNT_HW_INSTRUCTIONS,
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};

	return (int)syscall(SYS_perf_event_open, &a, 0, -1, -1, 0);
}

static uint64_t
instr_read(const struct bench *b)
{
	uint64_t v = 0;

	if (b->perf_fd >= 0 && read(b->perf_fd, &v, sizeof(v)) != sizeof(v))
		v = 0;
	return v;
}

/*
 * Adds the cycles of stmt to b->cycles and, with a counter, its instructions
 * to b->instr. The counter is
 * read outside the TSC window so its system call costs no cycles.
 */
#define TIMED(b, stmt)                                                                             \
	do {                                                                                       \
		uint64_t i0_ = instr_read(b), t0_ = rte_rdtsc_precise();                           \
		stmt;                                                                              \
		(b)->cycles += rte_rdtsc_precise() - t0_;                                          \
		(b)->instr += instr_read(b) - i0_;                                                 \
		(b)->timed++;                                                                      \
	} while (0)

/* The worker's receive path for a burst of n frames: at the receiver, then at their owner. */
static inline void
rx(struct bench *b, struct rte_mbuf **pkts, uint16_t n)
{
	pcl_worker_rx(b->rx, 0, pkts, n);
	if (b->rx != b->owner)
		pcl_worker_inbox(b->owner);
}

/*
 * Everything a case times, and nothing else: its own function so that
 * callgrind can collect exactly this (--toggle-collect=pcl_bench_timed).
 */
__rte_noinline void pcl_bench_timed(struct bench *b, struct rte_mbuf **pkts, uint16_t n);

__rte_noinline void
pcl_bench_timed(struct bench *b, struct rte_mbuf **pkts, uint16_t n)
{
	TIMED(b, rx(b, pkts, n));
}

/*
 * A worker without a port on b's config, as queue q; sv: with the services.
 * Its replies may be chains, as on a port that takes them (memif, tap).
 */
static int
worker_init(struct bench *b, struct pcl_worker *w, struct pcl_services *sv, uint16_t q)
{
	static const uint16_t noports[PCL_MAX_IFS] = {RTE_MAX_ETHPORTS, RTE_MAX_ETHPORTS};
	struct pcl_worker_conf wc = pcl_config_worker(&b->cfg, &b->apps, sv, &b->secrets, b->mp,
						      noports, q, rte_lcore_id());
	unsigned int i;
	int rc;

	for (i = 0; i < PCL_MAX_IFS; i++)
		wc.ifs[i].tx_chain = true;
	rc = pcl_worker_init(w, &wc);
	for (i = 0; i < w->nifs; i++)
		w->ifs[i].ctx.tx_csum = b->tx_csum;
	return rc;
}

/*
 * The sequence number just after a reply r of l3-byte network headers: what
 * its peer acknowledges. A reply may be a chain (a body sent by reference).
 */
static uint32_t
reply_next(const struct rte_mbuf *r, uint16_t l3)
{
	const struct rte_tcp_hdr *th =
		rte_pktmbuf_mtod_offset(r, const struct rte_tcp_hdr *, PCL_L2_LEN + l3);
	uint32_t paylen = r->pkt_len - PCL_L2_LEN - l3 - (th->data_off >> 4) * 4u;

	return rte_be_to_cpu_32(th->sent_seq) + paylen +
	       !!(th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG));
}

/* The TSval of a reply r of l3-byte network headers, or 0 without the option. */
static uint32_t
reply_tsval(const struct rte_mbuf *r, uint16_t l3)
{
	const struct rte_tcp_hdr *th =
		rte_pktmbuf_mtod_offset(r, const struct rte_tcp_hdr *, PCL_L2_LEN + l3);
	struct pcl_opts o;

	if (pcl_opt_parse((const uint8_t *)(th + 1), (th->data_off >> 4) * 4u - sizeof(*th), &o) !=
		    0 ||
	    !(o.present & PCL_OPTF_TS))
		return 0;
	return o.tsval;
}

/*
 * The options of a client segment with flags under b->linux_opts, written
 * into opts (at least 20 bytes); returns their length (0 without).
 */
static uint8_t
client_opts(struct bench *b, uint8_t flags, uint8_t *opts)
{
	/* Linux's order: MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
	static const uint8_t syn[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, [16] = 1, 3, 3, 7};
	uint32_t ts[2] = {rte_cpu_to_be_32(++b->tsval), 0};

	if (!b->linux_opts) {
		/* --body: a SYN with MSS 1460 alone (without it the server segments at 536). */
		if (!b->mss_opt || (flags & (SYN | ACK)) != SYN)
			return 0;
		memcpy(opts, syn, 4);
		return 4;
	}
	if ((flags & (SYN | ACK)) == SYN) {
		memcpy(opts, syn, sizeof(syn));
		memcpy(opts + 8, ts, sizeof(ts));
		return sizeof(syn);
	}
	ts[1] = rte_cpu_to_be_32(b->peer_ts);
	opts[0] = opts[1] = 1;
	opts[2] = 8;
	opts[3] = 10;
	memcpy(opts + 4, ts, sizeof(ts));
	return 12;
}

/*
 * Feeds the segment s to the worker; returns the sequence number just after
 * its last reply (what the peer acknowledges next), or s->ack when it sent
 * nothing, and keeps that reply's source port in b->reply_sport (and its
 * TSval in b->peer_ts), and whether any reply had PSH in b->reply_psh.
 */
static uint32_t
feed(struct bench *b, const struct pcl_peer_seg *s)
{
	struct rte_mbuf *m = pcl_peer_frame(b->mp, s);
	uint16_t l3 = s->v6 ? PCL_IP6_LEN : PCL_IP_LEN;
	uint32_t next = s->ack;
	uint16_t i;

	if (m == NULL) {
		fprintf(stderr, "pcl-bench: mbuf pool empty\n");
		exit(1);
	}
	if (b->untimed)
		rx(b, &m, 1);
	else
		pcl_bench_timed(b, &m, 1);
	b->reply_psh = false;
	for (i = 0; i < b->owner->ifs[0].txq.n; i++) {
		struct rte_mbuf *r = b->owner->ifs[0].txq.pkts[i];
		const struct rte_tcp_hdr *th =
			rte_pktmbuf_mtod_offset(r, const struct rte_tcp_hdr *, PCL_L2_LEN + l3);

		next = reply_next(r, l3);
		b->peer_ts = reply_tsval(r, l3);
		b->reply_sport = rte_be_to_cpu_16(th->src_port);
		b->reply_psh |= !!(th->tcp_flags & RTE_TCP_PSH_FLAG);
		rte_pktmbuf_free(r);
	}
	b->owner->ifs[0].txq.n = 0;
	return next;
}

/* Where a segment of the bench's comes from: the client or the backend. */
struct peer {
	const struct rte_ether_addr *mac;
	rte_be32_t addr;
	const uint8_t *addr6; /* with b->v6 */
	uint16_t port;
};

static const struct peer client = {&client_mac, CLIENT_IP, client_ip6, 0};
static const struct peer backend = {&backend_mac, BACKEND_IP, backend_ip6, BACKEND_PORT};

/* Feeds one segment from peer (from sport, or peer's own port) to dport; returns as feed(). */
static uint32_t
send_from(struct bench *b, const struct peer *from, uint16_t sport, uint16_t dport, uint8_t flags,
	  uint32_t seq, uint32_t ack, const void *data, uint16_t len)
{
	uint8_t opts[20];
	struct pcl_peer_seg s = {.src_mac = *from->mac,
				 .dst_mac = server_mac,
				 .src_addr = from->addr,
				 .dst_addr = b->cfg.addr,
				 .v6 = b->v6,
				 .sport = from->port ? from->port : sport,
				 .dport = dport,
				 .seq = seq,
				 .ack = ack,
				 .flags = flags,
				 .wnd = 65535,
				 .opts = opts,
				 .optlen = client_opts(b, flags, opts),
				 .data = data,
				 .len = len};

	memcpy(s.src6, from->addr6, 16);
	memcpy(s.dst6, b->cfg.addr6, 16);
	return feed(b, &s);
}

/* Feeds one client segment to b->dport; returns as feed(). */
static uint32_t
exchange(struct bench *b, uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack,
	 const void *data, uint16_t len)
{
	return send_from(b, &client, sport, b->dport, flags, seq, ack, data, len);
}

/* Feeds one segment of the backend's (the IPv6 one with b->v6) to the proxy's port lport. */
static uint32_t
backend_exchange(struct bench *b, uint16_t lport, uint8_t flags, uint32_t seq, uint32_t ack,
		 const void *data, uint16_t len)
{
	return send_from(b, &backend, 0, lport, flags, seq, ack, data, len);
}

/*
 * The client's request (of rlen bytes from seq u) and its ACKs of the answer
 * until the answer's last segment (PSH) came: a body longer than a segment
 * or the initial window takes more than one exchange. Returns what the
 * client acknowledges next.
 */
static uint32_t
request_answered(struct bench *b, uint16_t sport, uint32_t u, uint32_t next, const char *req,
		 uint16_t rlen)
{
	uint32_t prev;

	next = exchange(b, sport, ACK | PSH, u, next, req, rlen);
	while (!b->reply_psh) {
		prev = next;
		next = exchange(b, sport, ACK, u + rlen, next, NULL, 0);
		if (next == prev)
			rte_exit(EXIT_FAILURE, "pcl-bench: the answer stalled at %u\n", next);
	}
	return next;
}

/* One connection: handshake, optional request, client-first close. */
static void
connection(struct bench *b, uint16_t sport, bool with_request)
{
	uint32_t x = 1000, u = x + 1, next;
	uint16_t rlen = (uint16_t)strlen(request);

	next = exchange(b, sport, SYN, x, 0, NULL, 0);
	exchange(b, sport, ACK, u, next, NULL, 0);
	if (with_request) {
		next = request_answered(b, sport, u, next, request, rlen);
		u += rlen;
	}
	next = exchange(b, sport, FIN | ACK, u, next, NULL, 0);
	exchange(b, sport, ACK, u + 1, next, NULL, 0);
}

static void
plain(struct bench *b, uint16_t sport)
{
	connection(b, sport, false);
}

static void
with_get(struct bench *b, uint16_t sport)
{
	connection(b, sport, true);
}

/*
 * HTTP/1.0: the server answers and closes first; the client's FIN ends the
 * connection, whose entry then makes way for a TIME_WAIT record.
 */
static void
server_close(struct bench *b, uint16_t sport)
{
	uint32_t x = 1000, next;
	uint16_t rlen = (uint16_t)strlen(request10);

	next = exchange(b, sport, SYN, x, 0, NULL, 0);
	exchange(b, sport, ACK, x + 1, next, NULL, 0);
	next = request_answered(b, sport, x + 1, next, request10, rlen);
	exchange(b, sport, FIN | ACK, x + 1 + rlen, next, NULL, 0);
}

/*
 * A proxied HTTP/1.0 GET (one arm): the bench is the client and the backend.
 * The client's handshake; its third ACK, on which the proxy sends its SYN
 * to the backend (with the client's ISN, from a local port it picks); the
 * backend's SYN-ACK, which the proxy acknowledges; the request passed to the
 * backend; the response and the backend's FIN passed back; the client's
 * FIN (acknowledging both) passed on; the backend's ACK of it, passed back,
 * which ends the connection with TIME_WAIT on the client side.
 */
static void
proxied(struct bench *b, uint16_t sport)
{
	uint32_t x = 1000, bx = 5000000, u = x + 1, y1, next;
	uint16_t rlen = (uint16_t)strlen(request10), plen = (uint16_t)strlen(response10), lport;

	y1 = exchange(b, sport, SYN, x, 0, NULL, 0);
	exchange(b, sport, ACK, u, y1, NULL, 0);
	lport = b->reply_sport;
	backend_exchange(b, lport, SYN | ACK, bx, u, NULL, 0);
	exchange(b, sport, ACK | PSH, u, y1, request10, rlen);
	u += rlen;
	next = backend_exchange(b, lport, FIN | ACK | PSH, bx + 1, u, response10, plen);
	exchange(b, sport, FIN | ACK, u, next, NULL, 0);
	backend_exchange(b, lport, ACK, bx + plen + 2, u + 1, NULL, 0);
}

/* Between rounds: the next round's tuples find no TIME_WAIT record. */
static void
clear_time_wait(struct bench *b, uint32_t i)
{
	RTE_SET_USED(i);
	pcl_tcp_drop_all(&b->owner->tcp);
}

/* After a round of proxied(): every connection was spliced and closed, none is left. */
static void
proxied_done(struct bench *b, uint32_t i)
{
	const struct pcl_stats *st = &b->px.stats;

	if (st->proxy_opened != st->proxy_accepted || st->proxy_closed != st->proxy_accepted ||
	    b->px.tcp.by_state[PCL_TCP_PROXY] + b->px.tcp.by_state[PCL_TCP_PROXY_CONNECT] != 0)
		rte_exit(EXIT_FAILURE,
			 "proxied: %lu accepted, %lu opened, %lu closed: the bench's segments are "
			 "wrong\n",
			 (unsigned long)st->proxy_accepted, (unsigned long)st->proxy_opened,
			 (unsigned long)st->proxy_closed);
	clear_time_wait(b, i);
}

/* The flood path: a SYN answered by a cookie SYN-ACK, nothing allocated. */
static void
syn_only(struct bench *b, uint16_t sport)
{
	exchange(b, sport, SYN, 1000, 0, NULL, 0);
}

/*
 * PCL_BURST segments (flags, seq, and ack[k] each) from as many client
 * ports in one receive call, as a NIC delivers a flood; timed unless
 * b->untimed. One reply per segment replaces ack[k] by what it asks next.
 */
static void
burst(struct bench *b, uint32_t i, uint8_t flags, uint32_t seq, uint32_t *ack)
{
	struct rte_mbuf *pkts[PCL_BURST];
	struct pcl_txq *q = &b->owner->ifs[0].txq;
	uint16_t k;

	for (k = 0; k < PCL_BURST; k++) {
		uint8_t opts[20];
		struct pcl_peer_seg s = {.opts = opts,
					 .optlen = client_opts(b, flags, opts),
					 .src_mac = client_mac,
					 .dst_mac = server_mac,
					 .src_addr = CLIENT_IP,
					 .dst_addr = b->cfg.addr,
					 .sport = (uint16_t)(1024 + (i * PCL_BURST + k) % 60000),
					 .dport = b->dport,
					 .seq = seq,
					 .ack = ack[k],
					 .flags = flags,
					 .wnd = 65535};

		pkts[k] = pcl_peer_frame(b->mp, &s);
		if (pkts[k] == NULL)
			rte_exit(EXIT_FAILURE, "pcl-bench: mbuf pool empty\n");
	}
	if (b->untimed)
		rx(b, pkts, PCL_BURST);
	else
		pcl_bench_timed(b, pkts, PCL_BURST);
	for (k = 0; k < q->n && q->n == PCL_BURST; k++)
		ack[k] = reply_next(q->pkts[k], PCL_IP_LEN);
	rte_pktmbuf_free_bulk(q->pkts, q->n);
	q->n = 0;
}

/* The flood path in bursts: PCL_BURST SYNs, as many cookie SYN-ACKs. */
static void
syn_burst(struct bench *b, uint32_t i)
{
	uint32_t ack[PCL_BURST] = {0};

	burst(b, i, SYN, 1000, ack);
}

/* PCL_BURST cookie handshakes, only their third ACKs timed, in one burst; then closed. */
static void
cookie_ack_burst(struct bench *b, uint32_t i)
{
	uint32_t ack[PCL_BURST] = {0};

	b->untimed = true;
	burst(b, i, SYN, 1000, ack);
	b->untimed = false;
	burst(b, i, ACK, 1001, ack);
	b->untimed = true;
	burst(b, i, FIN | ACK, 1001, ack);
	burst(b, i, ACK, 1002, ack);
	b->untimed = false;
}

/* Only the third ACK is timed: cookie validation and the connection it opens. */
static void
cookie_ack_only(struct bench *b, uint16_t sport)
{
	uint32_t next;

	b->untimed = true;
	next = exchange(b, sport, SYN, 1000, 0, NULL, 0);
	b->untimed = false;
	exchange(b, sport, ACK, 1001, next, NULL, 0);
	b->untimed = true;
	next = exchange(b, sport, FIN | ACK, 1001, next, NULL, 0);
	exchange(b, sport, ACK, 1002, next, NULL, 0);
	b->untimed = false;
}

/*
 * Port 80 (http), and a service on SERVICE_PORT with one backend, as a
 * config file says them (with a service, port 80 is no longer the default);
 * with v6 also one on SERVICE6_PORT with an IPv6 backend.
 */
static int
services_conf(struct pcl_config *cfg, bool v6, char *err, size_t errlen)
{
	char section[32], ip[INET6_ADDRSTRLEN], backend[64];
	rte_be32_t addr = BACKEND_IP;

	snprintf(section, sizeof(section), "service:%u", SERVICE_PORT);
	inet_ntop(AF_INET, &addr, ip, sizeof(ip));
	snprintf(backend, sizeof(backend), "%s:%u", ip, BACKEND_PORT);
	if (pcl_config_set(cfg, "listen", "ports", "80", err, errlen) ||
	    pcl_config_set(cfg, section, "backend", backend, err, errlen))
		return -1;
	if (!v6)
		return 0;
	snprintf(section, sizeof(section), "service:%u", SERVICE6_PORT);
	inet_ntop(AF_INET6, backend_ip6, ip, sizeof(ip));
	snprintf(backend, sizeof(backend), "[%s]:%u", ip, BACKEND_PORT);
	return pcl_config_set(cfg, section, "backend", backend, err, errlen);
}

/* The services of b->cfg, their listeners added to b->apps. */
static int
services_init(struct bench *b, char *err, size_t errlen)
{
	struct pcl_lb_if ifs[PCL_MAX_IFS];

	b->sv = calloc(1, sizeof(*b->sv));
	pcl_config_lb_ifs(&b->cfg, ifs);
	if (b->sv == NULL ||
	    pcl_services_init(b->sv, b->cfg.services, b->cfg.nservices, ifs,
			      pcl_config_nports(&b->cfg), &b->apps.listeners) != 0) {
		snprintf(err, errlen, "cannot set the service up");
		return -1;
	}
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * What a TIMED window costs with nothing in it: the two serialising TSC
 * reads (rte_rdtsc_precise fences), about 47 cycles here. A case that feeds
 * a connection's segments one call each opens a window per segment, so
 * this is subtracted per window (measure()): without it the one-segment
 * cases and the handshake (four windows) carry the clock's cost as if it
 * were the server's. The lowest of nine rounds' means of empty windows:
 * other jobs only ever add cycles, and subtracting too little errs on the
 * server's side.
 */
static uint64_t timer_cycles;

static void
timer_calibrate(struct bench *b)
{
	uint64_t c[9];
	unsigned int r, i;

	for (r = 0; r < RTE_DIM(c); r++) {
		b->cycles = 0;
		for (i = 0; i < 10000; i++)
			TIMED(b, rte_compiler_barrier());
		c[r] = b->cycles / 10000;
	}
	qsort(c, RTE_DIM(c), sizeof(c[0]), cmp_u64);
	timer_cycles = c[0];
}

/* One line of the report: median cycles and instructions per operation. */
struct result {
	const char *name;
	uint64_t cycles;
	uint64_t timer; /* the clock's own cycles per operation, subtracted from cycles */
	uint64_t instr; /* 0: no counter */
};

#define MAX_RESULTS 32
static struct result results[MAX_RESULTS];
static unsigned int nresults;

/* Records the medians of rounds per-operation figures. */
static void
record(const char *name, uint64_t *cyc, uint64_t timer, uint64_t *ins, unsigned int rounds)
{
	qsort(cyc, rounds, sizeof(cyc[0]), cmp_u64);
	qsort(ins, rounds, sizeof(ins[0]), cmp_u64);
	if (nresults < MAX_RESULTS)
		results[nresults++] =
			(struct result){name, cyc[rounds / 2], timer, ins[rounds / 2]};
}

/*
 * Runs op calls times per round (then undo, if any, outside the count) for
 * the given rounds, with b->cycles and b->instr reset per round, and records
 * the medians per operation, a round doing ops operations.
 */
static void
measure(struct bench *b, const char *name, unsigned int rounds, uint32_t calls, uint32_t ops,
	void (*op)(struct bench *, uint32_t i), void (*undo)(struct bench *, uint32_t))
{
	uint64_t cyc[16], ins[16], timer = 0;
	unsigned int r;
	uint32_t i;

	if (b->filter != NULL && strstr(name, b->filter) == NULL)
		return;
	for (r = 0; r < rounds; r++) {
		b->cycles = b->instr = b->timed = 0;
		for (i = 0; i < calls; i++)
			op(b, i);
		timer = RTE_MIN(b->timed * timer_cycles, b->cycles);
		cyc[r] = (b->cycles - timer) / ops;
		timer /= ops;
		ins[r] = b->instr / ops;
		if (undo)
			undo(b, 0);
	}
	record(name, cyc, timer, ins, rounds);
}

/* With --list: prints name when the filter takes it; true when listing. */
static bool
listed(const struct bench *b, const char *name)
{
	if (!b->list)
		return false;
	if (b->filter == NULL || strstr(name, b->filter) != NULL)
		printf("%s\n", name);
	return true;
}

/* The connection cases: op gets a client port its worker owns. */
static void (*conn_op)(struct bench *, uint16_t);

static void
conn_case(struct bench *b, uint32_t i)
{
	conn_op(b, b->owner == &b->w2 ? b->sports[i % b->nsports] : (uint16_t)(1024 + i % 60000));
}

static void
conns(struct bench *b, const char *name, uint32_t n, unsigned int rounds, uint32_t mode,
      void (*op)(struct bench *, uint16_t), void (*undo)(struct bench *, uint32_t))
{
	if (listed(b, name))
		return;
	b->cfg.tcp.syncookies = mode;
	conn_op = op;
	measure(b, name, rounds, n, n, conn_case, undo);
}

/*
 * After a round of bursts: every cookie was good and every connection it
 * opened closed, or the bench's segments are wrong.
 */
static void
all_closed(struct bench *b, uint32_t i)
{
	const struct pcl_tcp *e = &b->owner->tcp;

	uint32_t held = b->owner == &b->w ? b->held : 0;

	RTE_SET_USED(i);
	if (e->pool.cap - e->pool.nfree != held || b->owner->stats.cookie_bad != 0)
		rte_exit(EXIT_FAILURE,
			 "bursts: %u of %u entries still taken (%u held), %lu bad cookies\n",
			 e->pool.cap - e->pool.nfree, e->pool.cap, held,
			 (unsigned long)b->owner->stats.cookie_bad);
}

/* --idle's clients: 198.18.0.3 on (the bench's client is .1, the server .2), 60,000 ports each. */
#define IDLE_FIRST 0xc6120003
#define IDLE_PORTS 60000
#define IDLE_MAX   (252u * IDLE_PORTS) /* up to 198.18.0.254 */

/* Opens n connections on w, untimed, and leaves them established. */
static void
hold_idle(struct bench *b, uint32_t n)
{
	uint32_t i, next;

	b->cfg.tcp.syncookies = PCL_COOKIES_OFF;
	b->untimed = true;
	for (i = 0; i < n; i++) {
		struct peer p = {&client_mac, rte_cpu_to_be_32(IDLE_FIRST + i / IDLE_PORTS),
				 client_ip6, 0};
		uint16_t sport = (uint16_t)(1024 + i % IDLE_PORTS);

		next = send_from(b, &p, sport, b->dport, SYN, 1000, 0, NULL, 0);
		send_from(b, &p, sport, b->dport, ACK, 1001, next, NULL, 0);
	}
	b->untimed = false;
	b->held = b->w.tcp.pool.cap - b->w.tcp.pool.nfree;
	if (b->held != n)
		rte_exit(EXIT_FAILURE, "--idle: %u of %u connections established\n", b->held, n);
}

/* A case of op in bursts (burst()), n operations a round rounded down to whole bursts. */
static void
bursts(struct bench *b, const char *name, uint32_t n, unsigned int rounds,
       void (*op)(struct bench *, uint32_t))
{
	uint32_t calls = RTE_MAX(n / PCL_BURST, 1u);

	if (listed(b, name))
		return;
	b->cfg.tcp.syncookies = PCL_COOKIES_ALWAYS;
	measure(b, name, rounds, calls, calls * PCL_BURST, op, all_closed);
}

/*
 * Two workers steering to each other, as on a port without RSS; w2 owns
 * every flow the cases below send. hop: the frames arrive at w, which hands
 * them to w2's inbox; otherwise they arrive at w2 itself.
 */
static void
steering(struct bench *b, bool on, bool hop)
{
	struct pcl_tuple t = {
		.raddr = RTE_BE32(0xc6120001), .laddr = b->cfg.addr, .lport = RTE_BE16(80)};
	uint32_t p;

	b->rx = b->owner = &b->w;
	b->dport = 80;
	pcl_worker_steer(&b->w, NULL, 0, NULL, false);
	pcl_worker_steer(&b->w2, NULL, 1, NULL, false);
	if (!on)
		return;
	pcl_worker_steer(&b->w, &b->steer, 0, b->inboxes, false);
	pcl_worker_steer(&b->w2, &b->steer, 1, b->inboxes, false);
	b->owner = &b->w2;
	b->rx = hop ? &b->w : &b->w2;
	for (b->nsports = 0, p = 1024; p < 61024; p++) {
		t.rport = rte_cpu_to_be_16((uint16_t)p);
		if (pcl_steer_owner(&b->steer, pcl_steer_hash(&b->steer, &t)) == 1)
			b->sports[b->nsports++] = (uint16_t)p;
	}
}

/*
 * The table and the timer wheel on their own, on a worker of their own:
 * entries 0..load-1 hold distinct tuples. Each case times a loop over all
 * of them and reports per insert, lookup, remove, arm, cancel or expiry.
 */
static struct pcl_worker *ds;
static uint32_t ds_load;

static void
table_insert(struct bench *b, uint32_t i)
{
	RTE_SET_USED(i);
	TIMED(b, for (uint32_t k = 0; k < ds_load; k++) pcl_table_insert(&ds->tcp.table, k));
}

/* Every entry once, in a scattered order (Knuth's multiplicative hash). */
static void
table_lookup(struct bench *b, uint32_t i)
{
	uint32_t found = 0;

	RTE_SET_USED(i);
	TIMED(b, for (uint32_t k = 0; k < ds_load; k++) found +=
		 pcl_table_lookup(&ds->tcp.table,
				  &ds->tcp.conns[(uint32_t)(k * 2654435761u) % ds_load].t) !=
		 PCL_TABLE_NIL);
	if (found != ds_load)
		rte_exit(EXIT_FAILURE, "table lookup found %u of %u\n", found, ds_load);
}

static void
table_remove(struct bench *b, uint32_t i)
{
	RTE_SET_USED(i);
	TIMED(b, for (uint32_t k = 0; k < ds_load; k++) pcl_table_remove(&ds->tcp.table, k));
}

static void
fired(void *arg, uint32_t idx)
{
	RTE_SET_USED(arg);
	RTE_SET_USED(idx);
}

/* Arms ds_load timers over the next 1000 ticks, cancels or fires them all. */
static void
timer_arm(struct bench *b, uint32_t i)
{
	RTE_SET_USED(i);
	TIMED(b, for (uint32_t k = 0; k < ds_load; k++)
			 pcl_wheel_arm(&ds->tcp.wheel, k, ds->tcp.now_tick + 1 + k % 1000));
}

static void
timer_cancel(struct bench *b, uint32_t i)
{
	RTE_SET_USED(i);
	for (uint32_t k = 0; k < ds_load; k++)
		pcl_wheel_arm(&ds->tcp.wheel, k, ds->tcp.now_tick + 1 + k % 1000);
	TIMED(b, for (uint32_t k = 0; k < ds_load; k++) pcl_wheel_cancel(&ds->tcp.wheel, k));
}

static void
timer_fire(struct bench *b, uint32_t i)
{
	unsigned int n = 0;

	RTE_SET_USED(i);
	for (uint32_t k = 0; k < ds_load; k++)
		pcl_wheel_arm(&ds->tcp.wheel, k, ds->tcp.now_tick + 1 + k % 1000);
	ds->tcp.now_tick += 1000;
	TIMED(b, n = pcl_wheel_advance(&ds->tcp.wheel, ds->tcp.now_tick, UINT32_MAX, fired, NULL));
	if (n != ds_load)
		rte_exit(EXIT_FAILURE, "timer wheel fired %u of %u\n", n, ds_load);
}

/* The clock every poll reads: the TSC turned into microseconds (and ms, ticks). */
static void
worker_clock(struct bench *b, uint32_t i)
{
	RTE_SET_USED(i);
	TIMED(b, for (uint32_t k = 0; k < ds_load; k++) pcl_worker_clock(ds));
}

/* A case whose op does ds_load operations in one call. */
static void
measure_bulk(struct bench *b, const char *name, unsigned int rounds,
	     void (*op)(struct bench *, uint32_t), void (*undo)(struct bench *, uint32_t))
{
	measure(b, name, rounds, 1, ds_load, op, undo);
}

static void
table_clear(struct bench *b, uint32_t i)
{
	RTE_SET_USED(b);
	RTE_SET_USED(i);
	for (uint32_t k = 0; k < ds_load; k++)
		pcl_table_remove(&ds->tcp.table, k);
}

static void
table_fill(struct bench *b, uint32_t i)
{
	RTE_SET_USED(b);
	RTE_SET_USED(i);
	for (uint32_t k = 0; k < ds_load; k++)
		pcl_table_insert(&ds->tcp.table, k);
}

static void
data_structures(struct bench *b, unsigned int rounds)
{
	static const unsigned int loads[] = {10, 50, 90};
	static char names[3][3][48];
	uint32_t k, cap = b->cfg.tcp.conns;
	unsigned int l;

	ds = rte_zmalloc("bench_ds", sizeof(*ds), RTE_CACHE_LINE_SIZE);
	if (ds == NULL || worker_init(b, ds, NULL, 2) != 0)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	for (k = 0; k < cap; k++)
		ds->tcp.conns[k].t =
			(struct pcl_tuple){.raddr = rte_cpu_to_be_32(0x0a000000 + k / 50000),
					   .laddr = b->cfg.addr,
					   .rport = rte_cpu_to_be_16((uint16_t)(1024 + k % 50000)),
					   .lport = RTE_BE16(80)};
	for (l = 0; l < RTE_DIM(loads); l++) {
		ds_load = cap / 100 * loads[l];
		snprintf(names[l][0], sizeof(names[l][0]), "table insert at %u%% load", loads[l]);
		snprintf(names[l][1], sizeof(names[l][1]), "table lookup at %u%% load", loads[l]);
		snprintf(names[l][2], sizeof(names[l][2]), "table remove at %u%% load", loads[l]);
		measure_bulk(b, names[l][0], rounds, table_insert, table_clear);
		table_fill(b, 0);
		measure_bulk(b, names[l][1], rounds, table_lookup, NULL);
		measure_bulk(b, names[l][2], rounds, table_remove, table_fill);
		table_clear(b, 0);
	}
	ds_load = cap / 2;
	measure_bulk(b, "timer arm (50% of entries armed)", rounds, timer_arm, NULL);
	measure_bulk(b, "timer cancel", rounds, timer_cancel, NULL);
	measure_bulk(b, "timer expiry", rounds, timer_fire, NULL);
	ds_load = 10000;
	measure_bulk(b, "worker clock, per poll", rounds, worker_clock, NULL);
	pcl_worker_fini(ds);
	rte_free(ds);
}

/*
 * Heap bytes a worker's tables take with conns entries and tw TIME_WAIT
 * records; sv: a worker with the services, as the proxied case's; with v6,
 * also the interned address table sized for them.
 */
static uint64_t
tables_bytes(struct bench *b, struct pcl_services *sv, uint32_t conns, uint32_t tw, bool v6)
{
	struct rte_malloc_socket_stats before, after;
	struct pcl_config saved = b->cfg;
	struct pcl_worker *w = rte_zmalloc("bench_mem", sizeof(*w), RTE_CACHE_LINE_SIZE);

	if (w == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	b->cfg.tcp.conns = conns;
	b->cfg.tcp.time_wait = tw;
	b->cfg.tcp.addr6 = v6 ? conns + PCL_ADDR6_SPARE : 0;
	rte_malloc_get_socket_stats(0, &before);
	if (worker_init(b, w, sv, 3) != 0)
		rte_exit(EXIT_FAILURE, "out of memory for %u entries and %u records\n", conns, tw);
	rte_malloc_get_socket_stats(0, &after);
	pcl_worker_fini(w);
	rte_free(w);
	b->cfg = saved;
	return after.heap_allocsz_bytes - before.heap_allocsz_bytes;
}

/*
 * Memory, measured from the heap: bytes per connection entry (the entry,
 * its free-list slot, the buckets of both tables and the timer wheel share)
 * and per TIME_WAIT record (the record and its index share), each as the
 * growth of a worker's allocation with the one count while the other stays
 * put; per proxied connection the same for a worker with the services (one
 * entry holds both halves, found through both tables). Every entry and
 * record is preallocated and none holds mbufs between segments.
 */
struct memory {
	double per_conn;
	double per_proxied;
	double per_tw;
	double per_conn6; /* with -6: an IPv6 connection, its address slot included */
};

/* Bytes per entry: the growth of a worker's allocation from 16 entries to the configured. */
static double
per_entry(struct bench *b, struct pcl_services *sv, bool v6)
{
	const uint32_t conns = b->cfg.tcp.conns;

	return (double)(tables_bytes(b, sv, conns, 1, v6) - tables_bytes(b, sv, 16, 1, v6)) /
	       (conns - 16);
}

/*
 * With v6, also per IPv6 connection: a worker with port.addr6 reserves an
 * address slot per entry, whatever the family; that is what an IPv6
 * connection costs at worst (every peer a different address).
 */
static struct memory
memory(struct bench *b, bool v6)
{
	const uint32_t tw = 1u << 20;

	return (struct memory){
		.per_conn = per_entry(b, NULL, false),
		.per_proxied = per_entry(b, b->sv, false),
		.per_tw = (double)(tables_bytes(b, NULL, 16, tw + 1, false) -
				   tables_bytes(b, NULL, 16, 1, false)) /
			  tw,
		.per_conn6 = v6 ? per_entry(b, NULL, true) : 0,
	};
}

static void
print_results(bool json, uint32_t n, unsigned int rounds, struct memory mem)
{
	double hz = (double)rte_get_tsc_hz();
	unsigned int i;

	if (json) {
		printf("{\"tsc_hz\": %.0f, \"timer_cycles_per_window\": %lu, \"ops\": %u, "
		       "\"rounds\": %u, \"bytes_per_conn\": %.1f, "
		       "\"entry_bytes\": %zu, \"bytes_per_proxied_conn\": %.1f, "
		       "\"proxy_entry_bytes\": %zu, \"bytes_per_time_wait\": %.1f, "
		       "\"time_wait_record_bytes\": %zu, ",
		       hz, (unsigned long)timer_cycles, n, rounds, mem.per_conn,
		       sizeof(struct pcl_conn), mem.per_proxied, sizeof(struct pcl_proxy),
		       mem.per_tw, sizeof(struct pcl_tw_rec));
		if (mem.per_conn6 > 0)
			printf("\"bytes_per_conn_ipv6\": %.1f, ", mem.per_conn6);
		printf("\"cases\": [");
		for (i = 0; i < nresults; i++) {
			printf("%s{\"case\": \"%s\", \"cycles\": %lu, \"timer_cycles\": %lu, "
			       "\"ops_per_s\": %.0f, \"instructions\": ",
			       i ? ", " : "", results[i].name, (unsigned long)results[i].cycles,
			       (unsigned long)results[i].timer,
			       hz / (double)RTE_MAX(results[i].cycles, 1ul));
			if (results[i].instr)
				printf("%lu}", (unsigned long)results[i].instr);
			else
				printf("null}");
		}
		printf("]}\n");
		return;
	}
	printf("pcl-bench: %u operations x %u rounds, TSC %.2f GHz, median per operation\n", n,
	       rounds, hz / 1e9);
	printf("cycles: the clock's own %lu cycles per timed window subtracted (the timer column: "
	       "per operation)\n\n",
	       (unsigned long)timer_cycles);
	printf("| %-44s | %8s | %5s | %12s | %12s |\n", "case", "cycles", "timer", "ops/s/core",
	       "instructions");
	printf("|%s|%s|%s|%s|%s|\n", "----------------------------------------------", "----------",
	       "-------", "--------------", "--------------");
	for (i = 0; i < nresults; i++) {
		char ins[24] = "n/a";

		if (results[i].instr)
			snprintf(ins, sizeof(ins), "%lu", (unsigned long)results[i].instr);
		printf("| %-44s | %8lu | %5lu | %12.0f | %12s |\n", results[i].name,
		       (unsigned long)results[i].cycles, (unsigned long)results[i].timer,
		       hz / (double)RTE_MAX(results[i].cycles, 1ul), ins);
	}
	printf("\nmemory per connection: %.1f bytes measured (entry %zu, plus free list, hash "
	       "buckets and timer wheel share)\n",
	       mem.per_conn, sizeof(struct pcl_conn));
	if (mem.per_conn6 > 0)
		printf("memory per IPv6 connection: %.1f bytes measured (the same, plus an "
		       "interned address slot of %zu and its bucket)\n",
		       mem.per_conn6, sizeof(struct pcl_a6slot));
	printf("memory per proxied connection: %.1f bytes measured (one entry of %zu for both "
	       "halves, plus free list, both tables' buckets and timer wheel share)\n",
	       mem.per_proxied, sizeof(struct pcl_proxy));
	printf("memory per TIME_WAIT record: %.1f bytes measured (record %zu, plus its index "
	       "share)\n",
	       mem.per_tw, sizeof(struct pcl_tw_rec));
	if (nresults && !results[0].instr)
		printf("instructions: no hardware counter here (perf_event_open); use "
		       "bench/callgrind.sh (callgrind, per case)\n");
}

/* One option a line (clang-format would pack them into columns). */
/* clang-format off */
static const struct option long_opts[] = {
	{"conns", required_argument, NULL, 'n'},
	{"rounds", required_argument, NULL, 'r'},
	{"json", no_argument, NULL, 'j'},
	{"case", required_argument, NULL, 'c'},
	{"ipv6", no_argument, NULL, '6'},
	{"list", no_argument, NULL, 'l'},
	{"entries", required_argument, NULL, 't'},
	{"tx-offload", no_argument, NULL, 'o'},
	{"body", required_argument, NULL, 'b'},
	{"idle", required_argument, NULL, 'i'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};
/* clang-format on */

static int
usage(FILE *f, int rc)
{
	fprintf(f, "usage: pcl-bench [EAL options] -- [options]\n"
		   "Cycles per operation of the worker's real paths, in-process "
		   "(docs/performance.md).\n"
		   "  -n, --conns N       connections (operations) per round (20000)\n"
		   "  -r, --rounds R      rounds; the median is printed (5, at most 16)\n"
		   "  -j, --json          one JSON object instead of the table\n"
		   "  -c, --case TEXT     only the cases whose name contains TEXT\n"
		   "  -6, --ipv6          also the IPv6 cases and the bytes per IPv6 connection\n"
		   "  -t, --entries E     connection entries per worker (65536; a table out of\n"
		   "                      the cache: millions, with EAL -m to match)\n"
		   "  -o, --tx-offload    the workers leave IPv4 and TCP checksums to the\n"
		   "                      device, as on a port that offers it (the frames\n"
		   "                      are not checked here: tests/unit/test_out.c does)\n"
		   "  -i, --idle N        hold N established connections on the first worker\n"
		   "                      while the cases run (0; at most 15120000, and 65536\n"
		   "                      entries fewer than --entries)\n"
		   "  -l, --list          print the connection cases' names (after -c), run none\n"
		   "  -b, --body BYTES    the HTTP body size (http.body_size), the client's SYN\n"
		   "                      with MSS 1460 and ACKs until the answer's last segment\n"
		   "  -h, --help          this text\n"
		   "Instructions per case: bench/callgrind.sh (callgrind, a budget per case).\n");
	return rc;
}

int
main(int argc, char **argv)
{
	static struct bench b;
	struct pcl_addr backend_ip;
	uint32_t n = 20000, entries = 65536, idle = 0;
	unsigned int rounds = 5;
	bool json = false, v6 = false;
	const char *body = NULL;
	char err[256];
	int opt, used;

	used = rte_eal_init(argc, argv);
	if (used < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed\n");
	argc -= used;
	argv += used;
	while ((opt = getopt_long(argc, argv, "n:r:jc:6lht:ob:i:", long_opts, NULL)) != -1) {
		if (opt == 'n')
			n = (uint32_t)strtoul(optarg, NULL, 0);
		else if (opt == 'r')
			rounds = RTE_MIN((unsigned int)strtoul(optarg, NULL, 0), 16u);
		else if (opt == 'j')
			json = true;
		else if (opt == 'c')
			b.filter = optarg;
		else if (opt == '6')
			v6 = true;
		else if (opt == 'l')
			b.list = true;
		else if (opt == 't')
			entries = (uint32_t)strtoul(optarg, NULL, 0);
		else if (opt == 'o')
			b.tx_csum = true;
		else if (opt == 'b')
			body = optarg;
		else if (opt == 'i')
			idle = (uint32_t)strtoul(optarg, NULL, 0);
		else if (opt == 'h')
			return usage(stdout, EXIT_SUCCESS);
		else
			return usage(stderr, EXIT_FAILURE);
	}
	if (n == 0 || rounds == 0)
		rte_exit(EXIT_FAILURE, "-n and -r must be positive\n");
	/* The cases need room beside the held ones: 65,536 entries, the default table. */
	if (idle > IDLE_MAX || (uint64_t)idle + 65536 > entries)
		rte_exit(EXIT_FAILURE,
			 "--idle: %u is above %u or leaves fewer than 65536 of --entries %u\n",
			 idle, IDLE_MAX, entries);

	pcl_config_defaults(&b.cfg);
	b.cfg.addr = SERVER_IP;
	b.cfg.prefix_len = 24;
	b.cfg.tcp.conns = entries;
	b.mss_opt = body != NULL;
	/* Held connections must not be closed for their silence mid-run. */
	if (idle)
		b.cfg.tcp.idle_timeout_ms = 0;
	if ((v6 && pcl_config_set(&b.cfg, "port", "addr6", SERVER_ADDR6, err, sizeof(err)) != 0) ||
	    (body && pcl_config_set(&b.cfg, "http", "body_size", body, err, sizeof(err)) != 0) ||
	    services_conf(&b.cfg, v6, err, sizeof(err)) != 0 ||
	    pcl_config_finish(&b.cfg, err, sizeof(err)) != 0 ||
	    pcl_apps_init(&b.apps, b.cfg.listeners, b.cfg.nlisteners) != 0 ||
	    pcl_secrets_init(&b.secrets) != 0 || services_init(&b, err, sizeof(err)) != 0)
		rte_exit(EXIT_FAILURE, "setup: %s\n", err);
	b.perf_fd = instr_open();
	timer_calibrate(&b);
	b.mp = rte_pktmbuf_pool_create("bench", 8192, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	b.inboxes[0] = rte_ring_create("bench_inbox0", 1024, 0, RING_F_SC_DEQ);
	b.inboxes[1] = rte_ring_create("bench_inbox1", 1024, 0, RING_F_SC_DEQ);
	if (b.mp == NULL || b.inboxes[0] == NULL || b.inboxes[1] == NULL ||
	    pcl_steer_init(&b.steer, 2, PCL_RETA_DEFAULT) != 0 ||
	    worker_init(&b, &b.w, NULL, 0) != 0 || worker_init(&b, &b.w2, NULL, 1) != 0 ||
	    worker_init(&b, &b.px, b.sv, 4) != 0)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	b.w.ifs[0].ctx.mac = server_mac;
	b.w2.ifs[0].ctx.mac = server_mac;
	b.px.ifs[0].ctx.mac = server_mac;
	/* The link-local address follows the MAC, as the server's does. */
	pcl_worker_set6(&b.w, 0, v6 ? b.cfg.addr6 : NULL);
	pcl_worker_set6(&b.w2, 0, v6 ? b.cfg.addr6 : NULL);
	/* As if the backend had answered the proxy's ARP request. */
	backend_ip = pcl_addr_from4(BACKEND_IP);
	pcl_neigh_learn(&b.sv->neigh, &backend_ip, &backend_mac, b.px.tcp.now_us);
	backend_ip = pcl_addr_from6(backend_ip6);
	pcl_neigh_learn(&b.sv->neigh, &backend_ip, &backend_mac, b.px.tcp.now_us);

	steering(&b, false, false);
	if (!b.list)
		hold_idle(&b, idle);
	conns(&b, "handshake + client-first close (stateful)", n, rounds, PCL_COOKIES_OFF, plain,
	      NULL);
	conns(&b, "handshake + HTTP GET + close (stateful)", n, rounds, PCL_COOKIES_OFF, with_get,
	      NULL);
	conns(&b, "HTTP/1.0 GET, server close (TIME_WAIT)", n, rounds, PCL_COOKIES_OFF,
	      server_close, clear_time_wait);
	conns(&b, "handshake + client-first close (cookie)", n, rounds, PCL_COOKIES_ALWAYS, plain,
	      NULL);
	conns(&b, "handshake + HTTP GET + close (cookie)", n, rounds, PCL_COOKIES_ALWAYS, with_get,
	      NULL);
	conns(&b, "SYN -> cookie SYN-ACK (flood path), per SYN", n, rounds, PCL_COOKIES_ALWAYS,
	      syn_only, NULL);
	conns(&b, "cookie ACK -> ESTABLISHED, per ACK", n, rounds, PCL_COOKIES_ALWAYS,
	      cookie_ack_only, NULL);
	bursts(&b, "SYN -> cookie SYN-ACK, in bursts of 32", n, rounds, syn_burst);
	bursts(&b, "cookie ACK -> ESTABLISHED, in bursts of 32", n, rounds, cookie_ack_burst);
	b.linux_opts = true;
	conns(&b, "handshake + GET + close (Linux options)", n, rounds, PCL_COOKIES_OFF, with_get,
	      NULL);
	bursts(&b, "SYN (Linux options) -> SYN-ACK, bursts of 32", n, rounds, syn_burst);
	b.linux_opts = false;
	steering(&b, true, false);
	conns(&b, "handshake + close, 2 workers, at the owner", n, rounds, PCL_COOKIES_OFF, plain,
	      NULL);
	steering(&b, true, true);
	conns(&b, "handshake + close, 2 workers, all hop", n, rounds, PCL_COOKIES_OFF, plain, NULL);
	steering(&b, false, false);
	b.rx = b.owner = &b.px;
	b.dport = SERVICE_PORT;
	conns(&b, "proxied HTTP/1.0 GET (client + backend)", n, rounds, PCL_COOKIES_OFF, proxied,
	      proxied_done);
	if (v6) {
		b.rx = b.owner = &b.w;
		b.dport = 80;
		b.v6 = true;
		conns(&b, "IPv6: handshake + close (stateful)", n, rounds, PCL_COOKIES_OFF, plain,
		      NULL);
		conns(&b, "IPv6: handshake + GET + close (stateful)", n, rounds, PCL_COOKIES_OFF,
		      with_get, NULL);
		conns(&b, "IPv6: HTTP/1.0 GET, server close (TIME_WAIT)", n, rounds,
		      PCL_COOKIES_OFF, server_close, clear_time_wait);
		conns(&b, "IPv6: handshake + close (cookie)", n, rounds, PCL_COOKIES_ALWAYS, plain,
		      NULL);
		conns(&b, "IPv6: SYN -> cookie SYN-ACK, per SYN", n, rounds, PCL_COOKIES_ALWAYS,
		      syn_only, NULL);
		b.rx = b.owner = &b.px;
		b.dport = SERVICE6_PORT;
		conns(&b, "IPv6: proxied HTTP/1.0 GET (client + backend)", n, rounds,
		      PCL_COOKIES_OFF, proxied, proxied_done);
		b.v6 = false;
	}
	if (!b.list) {
		data_structures(&b, rounds);
		print_results(json, n, rounds, memory(&b, v6));
	}

	if (b.perf_fd >= 0)
		close(b.perf_fd);
	pcl_worker_fini(&b.w);
	pcl_worker_fini(&b.w2);
	pcl_worker_fini(&b.px);
	pcl_services_fini(b.sv);
	free(b.sv);
	rte_ring_free(b.inboxes[0]);
	rte_ring_free(b.inboxes[1]);
	rte_mempool_free(b.mp);
	pcl_apps_fini(&b.apps);
	rte_eal_cleanup();
	return 0;
}
