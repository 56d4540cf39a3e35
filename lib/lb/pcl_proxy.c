/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The SYN proxy (pcl_proxy.h): a service's connection from the client's
 * completed handshake to its end.
 *
 *   accept ─► pick a backend (Maglev), a local port this worker owns ─► SYN
 *   PROXY_CONNECT: client segments with data are held (at most the
 *     service's held_segments), the SYN is retransmitted (syn_retries), a
 *     backend that refuses (RST) or stays silent gives way to the next one
 *     in Maglev order (redispatch), and when none is left the client gets
 *     an RST
 *   backend SYN-ACK ─► our ACK, the held segments ─► PROXY
 *   PROXY: every segment translated and passed on; both FINs acknowledged
 *     ─► TIME_WAIT on the side whose peer closed second; an RST either way
 *     ends it; so does silence for timers.idle_timeout_ms, with RSTs both ways
 *
 * Segments the proxy writes itself (SYN, ACK, RST) are built in a frame of
 * their own or in the frame they answer; segments it passes on are
 * rewritten in place.
 */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_tcp.h>

#include "base/pcl_log.h"
#include "lb/pcl_maglev.h"
#include "lb/pcl_pp.h"
#include "lb/pcl_probe.h"
#include "lb/pcl_proxy.h"
#include "lb/pcl_service.h"
#include "lb/pcl_reseg.h"
#include "lb/pcl_xlate.h"
#include "net/pcl_out.h"
#include "tcp/pcl_isn.h"
#include "tcp/pcl_seq.h"
#include "tcp/pcl_tcp_ext.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG

/* Local ports on the backend side, and how many a connection may try. */
#define PORT_FIRST 1024
#define PORT_TRIES 4096

#define COUNT(e, name) PCL_STAT_INC((e)->stats, name)

static inline struct pcl_proxy *
px(struct pcl_conn *c)
{
	return (struct pcl_proxy *)c;
}

static inline struct pcl_conn *
entry(struct pcl_proxy *p)
{
	return (struct pcl_conn *)p;
}

static inline const struct pcl_service *
service(const struct pcl_tcp *e, const struct pcl_proxy *p)
{
	return pcl_service_of(e, p->listener);
}

/* This worker's counters for p's backend. */
static inline struct pcl_backend_stats *
bstats(const struct pcl_tcp *e, const struct pcl_proxy *p)
{
	return pcl_backend_stats_here(e, service(e, p), p->backend);
}

static inline void
drop(struct pcl_tcp *e, struct rte_mbuf *m, enum pcl_drop why)
{
	pcl_stat_add(&e->stats->drop[why], 1);
	rte_pktmbuf_free(m);
}

/*
 * The headers of a frame pcl_pkt_parse() accepted (no VLAN): IPv4, or IPv6
 * without extension headers (the proxy passes on no others: plain6()).
 */
static inline struct rte_ipv4_hdr *
ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, PCL_L2_LEN);
}

static inline bool
is6(const struct rte_ipv4_hdr *ip)
{
	return (ip->version_ihl >> 4) == 6;
}

static inline struct rte_tcp_hdr *
tcp_of(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	return (struct rte_tcp_hdr *)((uint8_t *)ip +
				      (likely(!is6(ip)) ? rte_ipv4_hdr_len(ip) : PCL_IP6_LEN));
}

/*
 * Whether an IPv6 frame for a proxied connection has no extension header:
 * the proxy rewrites the TCP header where a plain one has it, and a host
 * may skip what would be passed on (RFC 8200 4). Counted as drop_ip6_ext.
 */
static inline bool
plain6(struct pcl_tcp *e, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ip = ip_of(m);

	if (likely(!is6(ip)) || ((const struct rte_ipv6_hdr *)ip)->proto == IPPROTO_TCP)
		return true;
	drop(e, m, PCL_DROP_ip6_ext);
	return false;
}

/* m rewritten as x says, toward the peer of t (its addresses t's, seen from us). */
static inline void
xlate(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_xlate *x, const struct pcl_tuple *t)
{
	struct pcl_tuple6 t6;

	if (likely(!pcl_tuple_is6(t))) {
		pcl_xlate_tcp(ip_of(m), tcp_of(m), x);
		return;
	}
	pcl_tcp_tuple6(e, t, &t6);
	pcl_xlate_tcp6((struct rte_ipv6_hdr *)ip_of(m), tcp_of(m), x, t6.laddr, t6.raddr);
}

/* ---- the two sides' translations ---- */

static void
to_backend(const struct pcl_proxy *p, struct pcl_xlate *x)
{
	*x = (struct pcl_xlate){
		.saddr = p->bt.laddr,
		.daddr = p->bt.raddr,
		.sport = p->bt.lport,
		.dport = p->bt.rport,
		.seq_add = p->pp_len,
		.ack_add = -p->seq_add,
		.tsval_add = p->ts_cb,
		.tsecr_add = -p->ts_bc,
		.wnd_from = p->c_ws,
		.wnd_to = p->cb_ws,
		.strip_sack = (p->flags & PCL_PX_SACK) && !(p->flags & PCL_PX_BSACK),
		.strip_ts = (p->flags & PCL_PX_TS) && !(p->flags & PCL_PX_BTS),
	};
}

static void
to_client(const struct pcl_proxy *p, struct pcl_xlate *x)
{
	*x = (struct pcl_xlate){
		.saddr = p->t.laddr,
		.daddr = p->t.raddr,
		.sport = p->t.lport,
		.dport = p->t.rport,
		.seq_add = p->seq_add,
		.ack_add = -(uint32_t)p->pp_len,
		.tsval_add = p->ts_bc,
		.tsecr_add = -p->ts_cb,
		.wnd_from = p->b_ws,
		.wnd_to = p->y_ws,
	};
}

/*
 * Sends m, translated already, in pieces of at most mss bytes of data and
 * options, each with our timestamps toward the client when ts
 * (lb/pcl_reseg.h).
 */
static __rte_always_inline void
send_fitted(struct pcl_tcp *e, struct pcl_proxy *p, struct pcl_txq *txq, struct rte_mbuf *m,
	    uint16_t mss, bool ts)
{
	struct rte_mbuf *rest;

	do {
		if (pcl_reseg_fit(m, e->mp, mss, &rest) == -ENOMEM) {
			drop(e, m, PCL_DROP_nombuf);
			return;
		}
		if (rest != NULL)
			COUNT(e, proxy_splits);
		/* A segment with no room for the option goes without: better than not at all. */
		if (ts && pcl_reseg_add_ts(m, e->now_ms + p->ts_bc, p->c_tsval) != 0)
			COUNT(e, proxy_no_ts);
		pcl_txq_put(txq, m);
		m = rest;
	} while (m != NULL);
}

/* Sends m, rewritten, to the backend. False (m dropped) when its MAC is unknown. */
static bool
pass_to_backend(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m)
{
	const struct pcl_service *svc = service(e, p);
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct pcl_txq *txq = e->ifs[p->b_ifx].txq;
	struct pcl_xlate x;

	if (!pcl_neigh_mac(svc->neigh, svc->backends[p->backend].neigh, &eh->dst_addr)) {
		drop(e, m, PCL_DROP_no_neigh);
		return false;
	}
	eh->src_addr = e->ifs[p->b_ifx].net->mac;
	to_backend(p, &x);
	xlate(e, m, &x, &p->bt);
	/* The client fills the MSS we announced; a backend may take less. */
	if (unlikely(p->b_mss < pcl_tcp_our_mss(e, &p->t)))
		send_fitted(e, p, txq, m, p->b_mss, false);
	else
		pcl_txq_put(txq, m);
	return true;
}

/* Our clock toward the client, as an offset from e->now_ms. */
static inline uint32_t
client_ts_off(const struct pcl_tcp *e, const struct pcl_proxy *p)
{
	return p->flags & PCL_PX_BTS ? p->b_tsval + p->ts_bc - e->now_ms : p->ts_bc;
}

static void
pass_to_client(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct pcl_txq *txq = e->ifs[p->c_ifx].txq;
	struct pcl_xlate x;

	eh->dst_addr = p->c_mac;
	eh->src_addr = e->ifs[p->c_ifx].net->mac;
	to_client(p, &x);
	xlate(e, m, &x, &p->t);
	/* The client expects timestamps its backend does not send (RSTs need none). */
	if (unlikely((p->flags & (PCL_PX_TS | PCL_PX_BTS)) == PCL_PX_TS) &&
	    !(tcp_of(m)->tcp_flags & RST))
		send_fitted(e, p, txq, m, p->mss - PCL_OPT_TS_LEN, true);
	else
		pcl_txq_put(txq, m);
}

/* ---- segments the proxy writes ---- */

/* Writes a segment of ours on the client side into m (or a new frame). */
static void
to_client_seg(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m, uint32_t seq,
	      uint8_t flags)
{
	struct pcl_out_seg s = {
		.t = &p->t, .dst_mac = p->c_mac, .seq = seq, .ack = p->c_nxt, .flags = flags};

	if (m == NULL && (m = rte_pktmbuf_alloc(e->mp)) == NULL) {
		pcl_stat_add(&e->stats->drop[PCL_DROP_nombuf], 1);
		return;
	}
	pcl_tcp_emit(e, p->c_ifx, m, &s);
}

/* The RST that tells the client the connection is gone. */
static void
rst_client(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m)
{
	/* Before the splice nothing of ours beyond the SYN-ACK has reached it. */
	uint32_t seq = p->state == PCL_TCP_PROXY ? p->b_nxt + p->seq_add : p->y + 1;

	to_client_seg(e, p, m, seq, RST | ACK);
	COUNT(e, rst_tx);
}

/*
 * A segment of ours on the backend side (SYN, ACK or RST, the ACK with len
 * bytes of data), with options where they belong, into m (or a new frame).
 * Returns 0, -EHOSTUNREACH (its MAC unknown) or -ENOMEM.
 */
static int
to_backend_data(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m, uint32_t seq,
		uint32_t ack, uint8_t flags, const uint8_t *data, uint16_t len)
{
	const struct pcl_service *svc = service(e, p);
	uint8_t opts[PCL_OPT_SYNACK_MAX];
	int rc;
	struct pcl_out_seg s = {.t = &p->bt, .seq = seq, .ack = ack, .flags = flags, .opts = opts};
	struct pcl_synack_opts so = {
		.mss = RTE_MIN(p->mss, pcl_tcp_our_mss(e, &p->bt)),
		.wscale = p->c_ws,
		.present = (uint8_t)((p->flags & PCL_PX_TS ? PCL_OPTF_TS : 0) |
				     (p->flags & PCL_PX_SACK ? PCL_OPTF_SACKOK : 0) |
				     (p->flags & PCL_PX_WS ? PCL_OPTF_WS : 0)),
		.tsval = p->c_tsval + p->ts_cb,
		.tsecr = p->b_tsval,
	};

	rc = pcl_backend_frame(e, svc, &svc->backends[p->backend], &s.dst_mac, &m);
	if (rc != 0)
		return rc;
	if (flags & SYN) {
		/* A SYN's window is never scaled (RFC 7323 2.2). */
		s.wnd = (uint16_t)RTE_MIN((uint32_t)p->c_win << p->c_ws, (uint32_t)UINT16_MAX);
		s.optlen = (uint8_t)pcl_opt_build_synack(opts, &so);
	} else if (!(flags & RST)) { /* an RST's window means nothing: 0, as Linux sends */
		s.wnd = (uint16_t)RTE_MIN(((uint32_t)p->c_win << p->c_ws) >> p->cb_ws,
					  (uint32_t)UINT16_MAX);
		if ((p->flags & PCL_PX_TS) && (p->flags & PCL_PX_BTS))
			s.optlen = (uint8_t)pcl_opt_build_ts(opts, so.tsval, so.tsecr);
	}
	/* The data goes where pcl_out_tcp() expects it: after the options. */
	s.paylen = len;
	if (len)
		memcpy(rte_pktmbuf_mtod_offset(m, uint8_t *, pcl_out_hdr_len(&p->bt) + s.optlen),
		       data, len);
	pcl_tcp_emit(e, p->b_ifx, m, &s);
	return 0;
}

static inline int
to_backend_seg(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m, uint32_t seq,
	       uint32_t ack, uint8_t flags)
{
	return to_backend_data(e, p, m, seq, ack, flags, NULL, 0);
}

/* The PROXY protocol header of version for p's client. */
static unsigned int
pp_build(const struct pcl_tcp *e, const struct pcl_proxy *p, uint8_t *hdr, unsigned int version)
{
	struct pcl_tuple6 t6;

	if (!pcl_tuple_is6(&p->t))
		return pcl_pp_build(hdr, version, &p->t);
	pcl_tcp_tuple6(e, &p->t, &t6);
	return pcl_pp_build6(hdr, version, &t6);
}

/*
 * Our ACK of the backend's SYN-ACK, with the PROXY protocol header as its
 * data when the service sends one (again, when it was lost).
 */
static void
ack_backend(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m)
{
	const struct pcl_service *svc = service(e, p);
	uint8_t hdr[PCL_PP_LEN_MAX];
	unsigned int n = 0;

	if (svc->proxy_protocol != PCL_PP_OFF)
		n = pp_build(e, p, hdr, svc->proxy_protocol == PCL_PP_V1 ? 1 : 2);
	p->pp_len = (uint8_t)n;
	to_backend_data(e, p, m, p->c_isn + 1, p->b_nxt, (uint8_t)(ACK | (n ? PSH : 0)), hdr,
			(uint16_t)n);
}

/* ---- the backend handshake ---- */

/* The ISN and timestamp offset of tuple t, over IPv6's whole tuple for an IPv6 one. */
static inline struct pcl_isn
isn_of(const struct pcl_tcp *e, const struct pcl_tuple *t)
{
	struct pcl_tuple6 t6;

	if (likely(!pcl_tuple_is6(t)))
		return pcl_isn_make(&e->secrets->isn, t, e->now_us);
	pcl_tcp_tuple6(e, t, &t6);
	return pcl_isn_make6(&e->secrets->isn, &t6, e->now_us);
}

/* Whether this worker owns t, so the backend's answers come back here. */
static inline bool
ours(const struct pcl_tcp *e, const struct pcl_tuple *t)
{
	struct pcl_tuple6 t6;
	uint32_t h;

	if (e->steer == NULL)
		return true;
	if (likely(!pcl_tuple_is6(t))) {
		h = pcl_steer_hash(e->steer, t);
	} else {
		pcl_tcp_tuple6(e, t, &t6);
		h = pcl_steer_hash6(e->steer, &t6);
	}
	return pcl_steer_owner(e->steer, h) == e->steer_index;
}

int
pcl_lb_pick_port(struct pcl_tcp *e, struct pcl_tuple *bt)
{
	unsigned int k;

	for (k = 0; k < PORT_TRIES; k++) {
		uint16_t port = e->next_port;

		e->next_port = port == UINT16_MAX ? PORT_FIRST : port + 1;
		if (port < PORT_FIRST)
			continue;
		bt->lport = rte_cpu_to_be_16(port);
		if (ours(e, bt) && !pcl_tcp_tuple_busy(e, bt))
			return 0;
	}
	return -EADDRINUSE;
}

/*
 * A local port on one of the port's addresses toward the backends (its own,
 * then its local addresses), into bt. The address turns with every pick, so
 * that each address's ports go into TIME_WAIT at the same pace and none runs
 * out while another has ports free; an address without a free port owned
 * here (PORT_TRIES tried) gives way to the next one.
 */
static int
pick_laddr(struct pcl_tcp *e, const struct pcl_pkt_ctx *net, struct pcl_tuple *bt)
{
	unsigned int n = net->local.n + 1u, k, i;

	for (k = 0; k < n; k++) {
		i = e->next_laddr % n;
		e->next_laddr = (uint8_t)(i + 1);
		bt->laddr = i == 0 ? net->addr : net->local.a[i - 1];
		if (pcl_lb_pick_port(e, bt) == 0)
			return 0;
	}
	return -EADDRINUSE;
}

int
pcl_lb_backend_tuple(struct pcl_tcp *e, const struct pcl_backend *b, rte_be16_t rport,
		     struct pcl_tuple *bt)
{
	const struct pcl_pkt_ctx *net = e->ifs[b->ifx].net;

	*bt = (struct pcl_tuple){.rport = rport};
	if (likely(pcl_addr_is4(&b->addr))) {
		bt->raddr = pcl_addr_v4(&b->addr);
		bt->laddr = net->addr;
		if (unlikely(net->local.n != 0))
			return pick_laddr(e, net, bt);
	} else if (pcl_tcp_bind6(e, bt, b->addr.a, net->addr6) != 0) {
		return -ENOSPC;
	}
	return pcl_lb_pick_port(e, bt);
}

/* Sends (or resends) the SYN to the current backend and arms its timer. */
static void
send_syn(struct pcl_tcp *e, struct pcl_proxy *p)
{
	/* A backend whose MAC is not known yet is being asked for; the timer tries again. */
	if (to_backend_seg(e, p, NULL, p->c_isn, 0, SYN) == -EHOSTUNREACH)
		COUNT(e, backend_unreachable);
	pcl_tcp_arm(e, entry(p), RTE_MIN(e->conf->rto_ms << p->rexmits, e->conf->rto_max_ms));
}

/*
 * Opens the backend side toward backend b: its tuple, a local port, the
 * backend table, our timestamps, the SYN. Returns 0, or -EADDRINUSE when
 * no local port is free.
 */
static int
connect_backend(struct pcl_tcp *e, struct pcl_proxy *p, uint16_t b)
{
	const struct pcl_service *svc = service(e, p);
	const struct pcl_backend *be = &svc->backends[b];

	p->backend = b;
	p->b_ifx = be->ifx;
	/* Bound (IPv6) even when no port is found: freeing the entry unbinds it. */
	if (pcl_lb_backend_tuple(e, be, be->port, &p->bt) != 0)
		return -EADDRINUSE;
	pcl_tcp_key2_add(e, entry(p));
	p->rexmits = 0;
	p->acked &= (uint8_t)~PCL_PX_STALE;
	p->last_ms = e->now_ms; /* the handshake's start, until it completes */
	/* Our clock toward the backend, offset per tuple (RFC 7323 5.4). */
	p->ts_cb = isn_of(e, &p->bt).ts_off + e->now_ms - p->c_tsval;
	p->b_tsval = 0;
	send_syn(e, p);
	return 0;
}

/* Takes the held segments off p: the worker's count goes down by them. */
static struct rte_mbuf *
take_held(struct pcl_tcp *e, struct pcl_proxy *p)
{
	struct rte_mbuf *m = p->held;

	__atomic_store_n(&e->held, e->held - p->nheld, __ATOMIC_RELAXED);
	p->held = NULL;
	p->nheld = 0;
	return m;
}

/* Frees the held segments. */
static void
drop_held(struct pcl_tcp *e, struct pcl_proxy *p)
{
	struct rte_mbuf *m = take_held(e, p), *next;

	for (; m != NULL; m = next) {
		next = m->next;
		m->next = NULL;
		rte_pktmbuf_free(m);
	}
}

/* Ends the connection: whatever it holds, its entry. */
static void
finish(struct pcl_tcp *e, struct pcl_proxy *p)
{
	if (p->state == PCL_TCP_PROXY)
		pcl_stat_add(&bstats(e, p)->ended, 1);
	drop_held(e, p);
	pcl_tcp_free(e, entry(p));
}

/* A spliced connection ends with an RST to each end. */
static void
reset_both(struct pcl_tcp *e, struct pcl_proxy *p)
{
	rst_client(e, p, NULL);
	if (to_backend_seg(e, p, NULL, p->c_nxt + p->pp_len, p->b_nxt, RST | ACK) == 0)
		COUNT(e, rst_tx);
	finish(e, p);
}

/* No backend took the connection: the client gets an RST. */
static void
fail(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m)
{
	COUNT(e, proxy_failed);
	rst_client(e, p, m);
	finish(e, p);
}

/*
 * The Maglev hash of the client's tuple: each client's connections spread.
 * IPv6's is over its whole tuple, never the worker's interned indices, so
 * every worker and instance picks alike.
 */
static inline uint32_t
flow_hash(const struct pcl_tcp *e, const struct pcl_tuple *t)
{
	struct pcl_tuple6 t6;

	if (likely(!pcl_tuple_is6(t)))
		return rte_jhash_3words(t->raddr, t->laddr, (uint32_t)t->rport << 16 | t->lport, 0);
	pcl_tcp_tuple6(e, t, &t6);
	return rte_jhash_32b((const uint32_t *)&t6, sizeof(t6) / 4, 0);
}

/*
 * The next backend in Maglev order that is neither the first (the one the
 * client tuple's own slot named when it connected: not looked up again, since
 * a table rebuilt since may name one never tried there) nor the one just
 * tried, after the table slot where the current one was found.
 */
static int
next_backend(const struct pcl_service *svc, struct pcl_proxy *p)
{
	const uint16_t *table = pcl_service_table(svc);
	uint32_t k, slot;
	uint16_t b;

	for (k = 1; k < svc->table_size; k++) {
		slot = (p->slot + k) % svc->table_size;
		b = table[slot];
		if (b != PCL_MAGLEV_NONE && b != p->first && b != p->backend) {
			p->slot = slot;
			return b;
		}
	}
	return -ENOENT;
}

/* The backend refused or never answered: the next one, or the end. */
static void
redispatch(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m)
{
	const struct pcl_service *svc = service(e, p);
	int b;

	pcl_tcp_key2_del(e, entry(p));
	b = p->tried < svc->redispatch ? next_backend(svc, p) : -ENOENT;
	if (b < 0) {
		fail(e, p, m);
		return;
	}
	p->tried++;
	COUNT(e, redispatches);
	pcl_stat_add(&bstats(e, p)->redispatched, 1);
	rte_pktmbuf_free(m);
	if (connect_backend(e, p, (uint16_t)b) != 0) {
		COUNT(e, proxy_no_port);
		fail(e, p, NULL);
	}
}

/* The payload bytes of a frame pcl_pkt_parse() accepted. */
static inline uint32_t
payload_len(struct rte_mbuf *m)
{
	const struct rte_tcp_hdr *th = tcp_of(m);

	return pcl_pkt_l3_len(ip_of(m)) - (uint32_t)((const uint8_t *)th - (uint8_t *)ip_of(m)) -
	       (th->data_off >> 4) * 4u;
}

/* Whether the held segment h holds all of s's data (and FIN). */
static bool
covers(struct rte_mbuf *h, const struct pcl_seg *s)
{
	const struct rte_tcp_hdr *th = tcp_of(h);
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
	uint32_t end = seq + payload_len(h) + !!(th->tcp_flags & FIN);

	return pcl_seq_le(seq, s->seq) && pcl_seq_le(s->seq + s->len + !!(s->flags & FIN), end);
}

/*
 * Client data before the backend answers: held, not acknowledged, within
 * the service's bound per connection and the worker's in all.
 */
static void
hold(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m, const struct pcl_seg *s)
{
	struct rte_mbuf **tail = &p->held;

	for (; *tail != NULL; tail = &(*tail)->next) {
		if (covers(*tail, s)) { /* a retransmission of what we hold */
			rte_pktmbuf_free(m);
			return;
		}
	}
	if (p->nheld >= service(e, p)->held_segments) {
		drop(e, m, PCL_DROP_held_full);
		return;
	}
	if (e->held >= e->conf->held) {
		drop(e, m, PCL_DROP_held_worker_full);
		return;
	}
	*tail = m;
	m->next = NULL;
	p->nheld++;
	__atomic_store_n(&e->held, e->held + 1, __ATOMIC_RELAXED);
	COUNT(e, held_segments);
}

/* The client's part of a segment: how far its sequence space and clock went. */
static void
client_saw(struct pcl_proxy *p, const struct pcl_seg *s)
{
	uint32_t end = s->seq + s->len + !!(s->flags & FIN);

	if (pcl_seq_gt(end, p->c_nxt))
		p->c_nxt = end;
	if (s->opts.present & PCL_OPTF_TS)
		p->c_tsval = s->opts.tsval;
	p->c_win = s->wnd;
}

/* The backend's SYN-ACK: complete its handshake, send what was held, splice. */
static void
backend_synack(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m, const struct pcl_seg *s)
{
	struct pcl_backend_stats *bs;
	struct rte_mbuf *h, *next;

	if ((p->flags & PCL_PX_TS) && (s->opts.present & PCL_OPTF_TS)) {
		p->flags |= PCL_PX_BTS;
		p->b_tsval = s->opts.tsval;
		/*
		 * The TSval the client echoes now maps onto the backend's first: the
		 * backend sees echoes of what it sent, and our clock toward the
		 * client goes on from our SYN-ACK's without going back.
		 */
		p->ts_bc = p->c_tsecr - s->opts.tsval;
	}
	p->seq_add = p->y - s->seq;
	p->b_nxt = s->seq + 1;
	p->b_mss = pcl_tcp_seg_mss(e, &s->opts, &s->t);
	/* An option the backend answers with counts only if our SYN offered it. */
	if ((p->flags & PCL_PX_WS) && (s->opts.present & PCL_OPTF_WS)) {
		p->b_ws = s->opts.wscale;
		p->cb_ws = p->c_ws;
	}
	if ((p->flags & PCL_PX_SACK) && (s->opts.present & PCL_OPTF_SACKOK))
		p->flags |= PCL_PX_BSACK;
	pcl_tcp_set_state(e, entry(p), PCL_TCP_PROXY);
	COUNT(e, proxy_opened);
	bs = bstats(e, p);
	pcl_stat_add(&bs->conns, 1);
	/* last_ms is when the first SYN went to this backend. */
	pcl_stat_add(&bs->hs_ms[pcl_hs_bucket(e->now_ms - p->last_ms)], 1);
	pcl_stat_add(&bs->hs_ms_sum, e->now_ms - p->last_ms);
	ack_backend(e, p, m);
	/* From here acked tracks what the two ends acknowledged. */
	p->acked = p->pp_len ? PCL_PX_PP_UNACKED : 0;
	for (h = take_held(e, p); h != NULL; h = next) {
		next = h->next;
		h->next = NULL;
		pcl_stat_add(&bs->bytes_in, payload_len(h));
		pass_to_backend(e, p, h);
	}
	p->last_ms = e->now_ms;
	p->rexmits = 0;
	/* Until the header is acknowledged the timer resends it; then it is the idle timer. */
	pcl_tcp_arm(e, entry(p),
		    p->pp_len                  ? e->conf->rto_ms
		    : e->conf->idle_timeout_ms ? e->conf->idle_timeout_ms
					       : UINT32_MAX / 2);
}

/*
 * An ACK that is not for our SYN: the backend holds an older connection on
 * the tuple, typically its TIME_WAIT after it closed first (our local
 * ports start again from 1024 after a restart, and come round under load),
 * which our SYN (the client's ISN, as likely below the old one's as above)
 * cannot replace. RFC 9293 3.10.7.3: an RST at its acknowledgment number.
 * That ends a Linux backend's TIME_WAIT (tcp_rfc1337 = 0), so the SYN goes
 * again at once on the same tuple; when the same answer comes back (a
 * backend that keeps TIME_WAIT against RSTs, RFC 1337), from another local
 * port. Each move counts as a SYN retransmission, so a backend that always
 * answers so is left after syn_retries like a silent one.
 */
static void
backend_stale(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m, const struct pcl_seg *s)
{
	uint8_t rexmits = p->rexmits;

	if (to_backend_seg(e, p, m, s->ack, 0, RST) == 0)
		COUNT(e, rst_tx);
	COUNT(e, backend_syn_retries);
	if (!(p->acked & PCL_PX_STALE)) {
		p->acked |= PCL_PX_STALE;
		send_syn(e, p);
		return;
	}
	if (rexmits >= service(e, p)->syn_retries) {
		/* syn_retries spent, as when it stays silent */
		pcl_stat_add(&bstats(e, p)->hs_timeout, 1);
		redispatch(e, p, NULL);
		return;
	}
	pcl_tcp_key2_del(e, entry(p));
	if (connect_backend(e, p, p->backend) != 0) {
		COUNT(e, proxy_no_port);
		fail(e, p, NULL);
		return;
	}
	p->rexmits = rexmits + 1;
}

static void
connecting_input(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m,
		 const struct pcl_seg *s, bool backend)
{
	if (backend) {
		if ((s->flags & (SYN | ACK | RST)) == (SYN | ACK) && s->ack == p->c_isn + 1) {
			backend_synack(e, p, m, s);
		} else if ((s->flags & RST) && (s->flags & ACK) && s->ack == p->c_isn + 1) {
			COUNT(e, backend_rst);
			pcl_stat_add(&bstats(e, p)->hs_rst, 1);
			redispatch(e, p, m);
		} else if ((s->flags & (ACK | RST)) == ACK && s->ack != p->c_isn + 1) {
			backend_stale(e, p, m, s);
		} else {
			drop(e, m, PCL_DROP_tcp_unacceptable);
		}
		return;
	}
	if (s->flags & RST) {
		/* The client gave up: so does the backend side. */
		to_backend_seg(e, p, NULL, p->c_isn + 1, 0, RST);
		COUNT(e, proxy_reset);
		rte_pktmbuf_free(m);
		finish(e, p);
		return;
	}
	if (s->flags & SYN) {
		drop(e, m, PCL_DROP_tcp_unacceptable);
		return;
	}
	client_saw(p, s);
	if (s->len == 0 && !(s->flags & FIN)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (s->flags & FIN)
		p->flags |= PCL_PX_CFIN | PCL_PX_CFIRST;
	hold(e, p, m, s);
}

/* ---- spliced ---- */

/*
 * Both FINs are acknowledged: the side toward the end that closed second
 * keeps TIME_WAIT for us (the end that closed first keeps its own), and the
 * entry goes.
 */
static void
closed(struct pcl_tcp *e, struct pcl_proxy *p)
{
	if (p->flags & PCL_PX_CFIRST)
		pcl_tcp_time_wait(e, &p->bt, p->c_nxt + p->pp_len, p->b_nxt, p->flags & PCL_PX_BTS,
				  p->b_tsval, p->c_tsval + p->ts_cb - e->now_ms, p->c_ws);
	else
		pcl_tcp_time_wait(e, &p->t, p->b_nxt + p->seq_add, p->c_nxt, p->flags & PCL_PX_TS,
				  p->c_tsval, client_ts_off(e, p), p->y_ws);
	COUNT(e, proxy_closed);
	finish(e, p);
}

static void
spliced_input(struct pcl_tcp *e, struct pcl_proxy *p, struct rte_mbuf *m, const struct pcl_seg *s,
	      bool backend)
{
	uint32_t end;

	p->last_ms = e->now_ms;
	if (s->flags & RST) {
		COUNT(e, proxy_reset);
		if (backend)
			pass_to_client(e, p, m);
		else
			pass_to_backend(e, p, m);
		finish(e, p);
		return;
	}
	if (backend) {
		if (s->flags & SYN) {
			/* Our ACK of its SYN-ACK was lost: the same again. */
			ack_backend(e, p, m);
			return;
		}
		if ((p->acked & PCL_PX_PP_UNACKED) && (s->flags & ACK) &&
		    pcl_seq_ge(s->ack, p->c_isn + 1 + p->pp_len))
			p->acked &= (uint8_t)~PCL_PX_PP_UNACKED;
		end = s->seq + s->len + !!(s->flags & FIN);
		if (pcl_seq_gt(end, p->b_nxt))
			p->b_nxt = end;
		if (s->opts.present & PCL_OPTF_TS)
			p->b_tsval = s->opts.tsval;
		if ((s->flags & FIN) && !(p->flags & PCL_PX_BFIN))
			p->flags |= PCL_PX_BFIN;
		if ((p->flags & PCL_PX_CFIN) && (s->flags & ACK) && s->ack == p->c_nxt + p->pp_len)
			p->acked |= PCL_PX_CFIN_ACKED;
		pcl_stat_add(&bstats(e, p)->bytes_out, s->len);
		pass_to_client(e, p, m);
	} else {
		if (s->flags & SYN) {
			drop(e, m, PCL_DROP_tcp_unacceptable);
			return;
		}
		client_saw(p, s);
		if ((s->flags & FIN) && !(p->flags & PCL_PX_CFIN))
			p->flags |= PCL_PX_CFIN | (p->flags & PCL_PX_BFIN ? 0 : PCL_PX_CFIRST);
		if ((p->flags & PCL_PX_BFIN) && (s->flags & ACK) && s->ack - p->seq_add == p->b_nxt)
			p->acked |= PCL_PX_BFIN_ACKED;
		pcl_stat_add(&bstats(e, p)->bytes_in, s->len);
		if (!pass_to_backend(e, p, m))
			return;
	}
	if ((p->acked & (PCL_PX_CFIN_ACKED | PCL_PX_BFIN_ACKED)) ==
	    (PCL_PX_CFIN_ACKED | PCL_PX_BFIN_ACKED))
		closed(e, p);
}

/* ---- the app ---- */

static void
proxy_accept(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	const struct pcl_service *svc = e->listeners->l[c->listener].app_data;
	const struct pcl_conn cc = *c; /* the proxy lays the entry out anew */
	struct pcl_proxy *p = px(c);
	uint16_t b;

	memset((char *)p + PCL_CONN_KEY2, 0, sizeof(*c) - PCL_CONN_KEY2);
	p->flags = (uint8_t)((cc.flags & PCL_CF_TS ? PCL_PX_TS : 0) |
			     (cc.flags & PCL_CF_SACK ? PCL_PX_SACK : 0) |
			     (cc.flags & PCL_CF_WS ? PCL_PX_WS : 0));
	p->c_isn = cc.rcv_nxt - 1;
	p->c_nxt = cc.rcv_nxt;
	p->y = cc.snd_una;
	p->ts_bc = cc.ts_off;
	p->c_tsval = s->opts.present & PCL_OPTF_TS ? s->opts.tsval : cc.ts_recent;
	p->c_tsecr = s->opts.present & PCL_OPTF_TS ? s->opts.tsecr : e->now_ms + cc.ts_off;
	p->c_mac = cc.peer_mac;
	p->c_ifx = cc.ifx;
	p->c_ws = cc.snd_wscale;
	p->y_ws = cc.rcv_wscale;
	p->mss = cc.mss;
	p->c_win = s->wnd;
	p->last_ms = e->now_ms;
	pcl_tcp_set_state(e, c, PCL_TCP_PROXY_CONNECT);
	COUNT(e, proxy_accepted);
	p->slot = flow_hash(e, &p->t) % svc->table_size;
	b = pcl_service_table(svc)[p->slot];
	if (b == PCL_MAGLEV_NONE) {
		COUNT(e, proxy_no_backend);
		fail(e, p, m);
		return;
	}
	p->first = b;
	if (connect_backend(e, p, b) != 0) {
		COUNT(e, proxy_no_port);
		fail(e, p, m);
		return;
	}
	/* The third ACK may carry data (and a FIN) already. */
	if (plain6(e, m))
		connecting_input(e, p, m, s, false);
}

static void
proxy_input(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s,
	    bool backend)
{
	struct pcl_proxy *p = px(c);

	if (unlikely(!plain6(e, m)))
		return;
	if (c->state == PCL_TCP_PROXY_CONNECT)
		connecting_input(e, p, m, s, backend);
	else if (c->state == PCL_TCP_PROXY)
		spliced_input(e, p, m, s, backend);
	else
		pcl_probe_input(e, c, m, s);
}

static void
proxy_timeout(struct pcl_tcp *e, struct pcl_conn *c)
{
	struct pcl_proxy *p = px(c);
	uint32_t idle = e->conf->idle_timeout_ms, quiet = e->now_ms - p->last_ms;

	if (c->state == PCL_TCP_PROBE) {
		pcl_probe_timeout(e, c);
		return;
	}
	if (c->state == PCL_TCP_PROXY_CONNECT) {
		if (p->rexmits < service(e, p)->syn_retries) {
			p->rexmits++;
			COUNT(e, backend_syn_retries);
			send_syn(e, p);
			return;
		}
		pcl_stat_add(&bstats(e, p)->hs_timeout, 1);
		redispatch(e, p, NULL);
		return;
	}
	if (p->acked & PCL_PX_PP_UNACKED) {
		/* A backend that never takes the header never gets the client's bytes either. */
		if (p->rexmits >= e->conf->retries) {
			COUNT(e, proxy_failed);
			reset_both(e, p);
			return;
		}
		p->rexmits++;
		COUNT(e, rexmits);
		ack_backend(e, p, NULL);
		pcl_tcp_arm(e, c, RTE_MIN(e->conf->rto_ms << p->rexmits, e->conf->rto_max_ms));
		return;
	}
	if (idle == 0 || quiet < idle) {
		pcl_tcp_arm(e, c, idle ? idle - quiet : UINT32_MAX / 2);
		return;
	}
	/* Silent both ways for the idle timeout: both ends are told with an RST. */
	COUNT(e, proxy_idle);
	reset_both(e, p);
}

static void
proxy_drop(struct pcl_tcp *e, struct pcl_conn *c)
{
	if (c->state == PCL_TCP_PROBE)
		pcl_probe_drop(e, c);
	else
		drop_held(e, px(c));
}

bool
pcl_proxy_sweep(struct pcl_tcp *e, uint32_t *pos, uint32_t budget)
{
	uint32_t end = RTE_MIN(*pos + budget, e->pool.cap);
	const struct pcl_service *svc;
	struct pcl_proxy *p;

	for (; *pos < end; (*pos)++) {
		p = px(&e->conns[*pos]);
		/* A connection still connecting to it is redispatched by its timer. */
		if (p->state != PCL_TCP_PROXY)
			continue;
		svc = service(e, p);
		if (svc->on_backend_down == PCL_ON_DOWN_RESET &&
		    pcl_backend_state(&svc->backends[p->backend]) == PCL_BACKEND_down) {
			COUNT(e, proxy_backend_down);
			reset_both(e, p);
		}
	}
	return *pos == e->pool.cap;
}

const struct pcl_app_ops pcl_proxy_app = {
	.accept = proxy_accept,
	.input = proxy_input,
	.timeout = proxy_timeout,
	.drop = proxy_drop,
};
