/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Server-side TCP connection management (RFC 9293 3.10), with the RFC 5961
 * defences, RFC 7323 timestamps/PAWS/window scaling and RFC 6528 ISNs.
 *
 * Choices a reader should know about:
 *  - Out-of-order data is not queued: it is dropped and answered with a
 *    duplicate ACK, so the peer retransmits from rcv_nxt. Request/response
 *    traffic rarely reorders, and a queue would double the entry size.
 *  - Every in-order segment with data or FIN is acknowledged at once (no
 *    delayed ACK); an answer from the app carries the ACK.
 *  - What we send is paced by NewReno congestion control (RFC 5681, 6928)
 *    and the peer's window; the RTO comes from RTT samples (RFC 6298, from
 *    timestamps or Karn-timed segments). Losses are repaired by fast
 *    retransmit and recovery: RFC 6675 from a SACK scoreboard lent by a
 *    per-worker pool, RFC 6582 NewReno without one; a timeout goes back to
 *    snd_una with one segment. docs/congestion.md says why.
 *  - One timer per connection. Each state says what it means (the state
 *    list in pcl_conn.h) and has its own handler for segments and for the
 *    timer (the table at the end of this file); a live entry always has its
 *    timer armed, which pcl_tcp_check() verifies in the tests.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_tcp.h>

#include "base/pcl_log.h"
#include "net/pcl_out.h"
#include "net/pcl_out_chain.h"
#include "tcp/pcl_cc.h"
#include "tcp/pcl_cookie.h"
#include "tcp/pcl_seq.h"
#include "tcp/pcl_sndq.h"
#include "tcp/pcl_tcp.h"
#include "tcp/pcl_tcp_ext.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG

/* RFC 9293 3.7.1: the MSS to assume when the peer sends none. */
#define PCL_DEFAULT_MSS 536
/* Floor for the peer's MSS, so one answer never becomes thousands of segments. */
#define PCL_MIN_MSS 64
/*
 * With timers.idle_timeout_ms = 0 a quiet connection is never closed, but
 * it keeps its one timer like every live entry: a daily no-op check.
 */
#define PCL_IDLE_NEVER_MS (24u * 3600 * 1000)

/* TIME_WAIT slots a timer pass may end; the rest wait for the next pass. */
#define PCL_TW_BUDGET 1024

#define COUNT(e, name) PCL_STAT_INC((e)->stats, name)

const char *const pcl_family_names[] = {"both", "ipv4", "ipv6", NULL};

const char *const pcl_tcp_state_names[] = {
#define PCL_STATE_NAME(s, timer) #s,
	PCL_TCP_STATES(PCL_STATE_NAME)
#undef PCL_STATE_NAME
};

const char *const pcl_tcp_state_timers[] = {
#define PCL_STATE_TIMER(s, timer) timer,
	PCL_TCP_STATES(PCL_STATE_TIMER)
#undef PCL_STATE_TIMER
};

/* Ticks a TIME_WAIT record lives: 2 MSL (RFC 9293 3.10.7.4) unless set otherwise. */
static inline uint32_t
tw_life(const struct pcl_tcp_conf *conf)
{
	uint64_t ms = conf->time_wait_ms ? conf->time_wait_ms : 2ull * conf->msl_ms;

	return (uint32_t)RTE_MAX((ms + PCL_TICK_MS - 1) / PCL_TICK_MS, 1u);
}

static inline void
drop(struct pcl_tcp *e, struct rte_mbuf *m, enum pcl_drop why)
{
	pcl_stat_add(&e->stats->drop[why], 1);
	rte_pktmbuf_free(m);
}

static inline uint32_t
ticks_from_now(const struct pcl_tcp *e, uint32_t ms)
{
	return e->now_tick + (ms + PCL_TICK_MS - 1) / PCL_TICK_MS;
}

static inline void
arm(struct pcl_tcp *e, struct pcl_conn *c, uint32_t ms)
{
	pcl_wheel_arm(&e->wheel, pcl_conn_idx(e, c), ticks_from_now(e, ms));
}

static inline void
set_state(struct pcl_tcp *e, struct pcl_conn *c, enum pcl_tcp_state st)
{
	pcl_stat_add(&e->by_state[c->state], (uint64_t)-1);
	pcl_stat_add(&e->by_state[st], 1);
	c->state = (uint8_t)st;
}

/* The idle timer's period; see PCL_IDLE_NEVER_MS. */
static inline uint32_t
idle_ms(const struct pcl_tcp *e)
{
	return e->conf->idle_timeout_ms ? e->conf->idle_timeout_ms : PCL_IDLE_NEVER_MS;
}

/*
 * The retransmission timeout now (RFC 6298 with backoff; pcl_cc.h). A
 * configuration that starts below the floor wants quick timers: its
 * initial RTO is the floor then.
 */
static inline uint32_t
rto(const struct pcl_tcp *e, const struct pcl_conn *c)
{
	const struct pcl_tcp_conf *conf = e->conf;

	return pcl_cc_rto(c, conf->rto_ms, e->rto_floor_ms, conf->rto_max_ms);
}

/* ---- SACK scoreboards: lent by the worker's pool while a connection needs one ---- */

static inline struct pcl_sack *
board(const struct pcl_tcp *e, const struct pcl_conn *c)
{
	return &e->sacks[c->sack - 1u];
}

/* c's scoreboard, taken from the pool when it has none; NULL when the pool is empty. */
static struct pcl_sack *
board_get(struct pcl_tcp *e, struct pcl_conn *c)
{
	uint32_t i;

	if (c->sack != 0)
		return board(e, c);
	i = pcl_pool_get(&e->sack_pool);
	if (i == PCL_POOL_EMPTY)
		return NULL;
	c->sack = (uint16_t)(i + 1);
	pcl_sack_reset(&e->sacks[i], c->snd_una);
	return &e->sacks[i];
}

static inline void
board_put(struct pcl_tcp *e, struct pcl_conn *c)
{
	if (c->sack == 0)
		return;
	pcl_pool_put(&e->sack_pool, c->sack - 1u);
	c->sack = 0;
}

/* ---- segments ---- */

/* What we advertise: the configured window less what the app has queued. */
static inline uint32_t
rcv_space(const struct pcl_tcp *e, const struct pcl_conn *c)
{
	return e->conf->rcv_wnd > c->sndq_len ? e->conf->rcv_wnd - c->sndq_len : 0;
}

static inline uint16_t
wnd_field(const struct pcl_tcp *e, const struct pcl_conn *c)
{
	return (uint16_t)RTE_MIN(rcv_space(e, c) >> c->rcv_wscale, (uint32_t)UINT16_MAX);
}

static inline uint32_t
ts_now(const struct pcl_tcp *e, const struct pcl_conn *c)
{
	return e->now_ms + c->ts_off;
}

void
pcl_tcp_tuple6(const struct pcl_tcp *e, const struct pcl_tuple *t, struct pcl_tuple6 *out)
{
	uint32_t r = pcl_a6_dec(t->raddr), l = pcl_a6_dec(t->laddr);

	memcpy(out->raddr, r != PCL_A6_NIL ? pcl_a6tab_addr(&e->a6, r) : e->cur_a6, 16);
	memcpy(out->laddr, l != PCL_A6_NIL ? pcl_a6tab_addr(&e->a6, l) : e->cur_a6 + 16, 16);
	out->rport = t->rport;
	out->lport = t->lport;
}

/* An IPv6 segment out: the addresses from the interned table or the segment handled. */
static __rte_noinline void
out_tcp6(struct pcl_tcp *e, uint8_t ifx, struct rte_mbuf *m, const struct pcl_out_seg *s)
{
	struct pcl_tuple6 t6;

	pcl_tcp_tuple6(e, s->t, &t6);
	pcl_out_tcp6(e->ifs[ifx].net, m, s, t6.laddr, t6.raddr);
}

/* The mbuf a reply is written into: m (a received frame) or a new one. */
static struct rte_mbuf *
reply_mbuf(struct pcl_tcp *e, struct rte_mbuf *m)
{
	if (m == NULL) {
		m = rte_pktmbuf_alloc(e->mp);
		if (m == NULL)
			pcl_stat_add(&e->stats->drop[PCL_DROP_nombuf], 1);
	}
	return m;
}

/* Writes the headers of s into m. */
static inline void
out_hdrs(struct pcl_tcp *e, uint8_t ifx, struct rte_mbuf *m, const struct pcl_out_seg *s)
{
	if (likely(!pcl_tuple_is6(s->t)))
		pcl_out_tcp(e->ifs[ifx].net, m, s);
	else
		out_tcp6(e, ifx, m, s);
}

/* Writes the headers of s into m and hands it to interface ifx's TX sink. */
static inline void
emit(struct pcl_tcp *e, uint8_t ifx, struct rte_mbuf *m, const struct pcl_out_seg *s)
{
	out_hdrs(e, ifx, m, s);
	pcl_txq_put(e->ifs[ifx].txq, m);
}

/*
 * Sends one segment of c: seq, flags, and paylen bytes of the send queue
 * starting at seq. Reuses m when given (a received frame), else allocates.
 */
static int
send_seg(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, uint32_t seq, uint8_t flags,
	 uint32_t paylen)
{
	uint8_t opts[PCL_OPT_TS_LEN];
	struct pcl_out_seg s = {
		.t = &c->t,
		.dst_mac = c->peer_mac,
		.seq = seq,
		.ack = c->rcv_nxt,
		.flags = flags,
		.wnd = wnd_field(e, c),
		.opts = opts,
		.paylen = (uint16_t)paylen,
	};

	struct pcl_sndq_tail tail;
	struct rte_mbuf *body = NULL;
	uint32_t chained = 0;

	m = reply_mbuf(e, m);
	if (m == NULL)
		return -ENOMEM;
	if (c->flags & PCL_CF_TS)
		s.optlen = (uint8_t)pcl_opt_build_ts(opts, ts_now(e, c), c->ts_recent);
	if (paylen) {
		chained = pcl_sndq_copy(
			c, seq - c->snd_una,
			rte_pktmbuf_mtod_offset(m, uint8_t *, pcl_out_hdr_len(&c->t) + s.optlen),
			paylen, e->ifs[c->ifx].chain ? &tail : NULL);
		if (chained) {
			body = pcl_ref_mbuf(tail.ref, e->mp, tail.off, chained);
			if (body == NULL) {
				rte_pktmbuf_free(m);
				pcl_stat_add(&e->stats->drop[PCL_DROP_nombuf], 1);
				return -ENOMEM;
			}
			s.paylen = (uint16_t)(paylen - chained);
		}
		pcl_stat_add(&e->stats->data_tx_bytes, paylen);
	}
	out_hdrs(e, c->ifx, m, &s);
	/* The TCP header and options are whole words: the body's parity is the copied part's. */
	if (body != NULL)
		pcl_out_chain(m, body, pcl_ref_sum(tail.ref, tail.off, chained, s.paylen & 1));
	pcl_txq_put(e->ifs[c->ifx].txq, m);
	return 0;
}

static void
send_ack(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m)
{
	send_seg(e, c, m, c->snd_nxt, ACK, 0);
}

/* A SYN-ACK for t on interface ifx with our seq and the peer's next byte; options as in so. */
static void
synack_out(struct pcl_tcp *e, uint8_t ifx, struct rte_mbuf *m, const struct pcl_tuple *t,
	   struct rte_ether_addr dst_mac, uint32_t seq, uint32_t ack,
	   const struct pcl_synack_opts *so)
{
	uint8_t opts[PCL_OPT_SYNACK_MAX];
	struct pcl_out_seg s = {
		.t = t,
		.dst_mac = dst_mac,
		.seq = seq,
		.ack = ack,
		.flags = SYN | ACK,
		/* RFC 7323 2.2: the window of a SYN is never scaled. */
		.wnd = (uint16_t)RTE_MIN(e->conf->rcv_wnd, (uint32_t)UINT16_MAX),
		.opts = opts,
	};

	m = reply_mbuf(e, m);
	if (m == NULL)
		return;
	s.optlen = (uint8_t)pcl_opt_build_synack(opts, so);
	COUNT(e, synack_tx);
	emit(e, ifx, m, &s);
}

static void
send_synack(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m)
{
	struct pcl_synack_opts so = {
		.mss = pcl_tcp_our_mss(e, &c->t),
		.wscale = c->rcv_wscale,
		.present = (uint8_t)((c->flags & PCL_CF_TS ? PCL_OPTF_TS : 0) |
				     (c->flags & PCL_CF_SACK ? PCL_OPTF_SACKOK : 0) |
				     (c->flags & PCL_CF_WS ? PCL_OPTF_WS : 0)),
		.tsval = ts_now(e, c),
		.tsecr = c->ts_recent,
	};

	synack_out(e, c->ifx, m, &c->t, c->peer_mac, c->snd_una, c->rcv_nxt, &so);
}

/* An RST for a segment that matches no connection (RFC 9293 3.10.7.1). */
static void
reply_rst(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *in)
{
	struct pcl_out_seg s = {.t = &in->t, .dst_mac = pcl_out_peer_mac(m)};

	if (in->flags & ACK) {
		s.seq = in->ack;
		s.flags = RST;
	} else {
		s.ack = in->seq + in->len + !!(in->flags & SYN) + !!(in->flags & FIN);
		s.flags = RST | ACK;
	}
	COUNT(e, rst_tx);
	emit(e, in->ifx, m, &s);
}

/* RFC 5961 challenge ACK, limited per lcore per second (section 7). */
static void
challenge_ack(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m)
{
	uint32_t sec = e->now_ms / 1000;

	if (sec != e->challenge_sec) {
		e->challenge_sec = sec;
		e->challenge_left = e->conf->challenge_ack_limit;
	}
	if (e->challenge_left == 0) {
		COUNT(e, challenge_acks_limited);
		rte_pktmbuf_free(m);
		return;
	}
	e->challenge_left--;
	COUNT(e, challenge_acks);
	send_ack(e, c, m);
}

/* ---- connection lifecycle ---- */

enum close_why {
	CLOSE_NORMAL,
	CLOSE_RESET,
	CLOSE_TIMEOUT,
	CLOSE_RETRIES,
	CLOSE_ABORT,
};

int
pcl_tcp_bind6(struct pcl_tcp *e, struct pcl_tuple *t, const uint8_t *raddr, const uint8_t *laddr)
{
	uint32_t r = pcl_a6tab_ref(&e->a6, raddr), l;

	if (r == PCL_A6_NIL)
		return -ENOSPC;
	l = pcl_a6tab_ref(&e->a6, laddr);
	if (l == PCL_A6_NIL) {
		pcl_a6tab_unref(&e->a6, r);
		return -ENOSPC;
	}
	t->raddr = pcl_a6_enc(r);
	t->laddr = pcl_a6_enc(l);
	return 0;
}

/*
 * An IPv6 tuple's addresses interned (one reference each), its fields made
 * their indices. Returns false when the table is full.
 */
static bool
intern6(struct pcl_tcp *e, struct pcl_tuple *t)
{
	struct pcl_tuple6 t6;

	pcl_tcp_tuple6(e, t, &t6);
	return pcl_tcp_bind6(e, t, t6.raddr, t6.laddr) == 0;
}

/*
 * A new IPv6 entry's addresses interned: false (m dropped and counted) when
 * the table is full.
 */
static __rte_noinline bool
conn_intern6(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m)
{
	if (!intern6(e, &c->t)) {
		drop(e, m, PCL_DROP_addr6_full);
		return false;
	}
	COUNT(e, conn_ipv6);
	return true;
}

/* The references intern6() took (nothing for a health check's empty tuple). */
static void
unintern6(struct pcl_tcp *e, const struct pcl_tuple *t)
{
	pcl_a6tab_unref(&e->a6, pcl_a6_dec(t->raddr));
	pcl_a6tab_unref(&e->a6, pcl_a6_dec(t->laddr));
}

/* A proxied entry's second tuple: its backend side. */
static inline struct pcl_tuple *
key2(struct pcl_conn *c)
{
	return (struct pcl_tuple *)((char *)c + PCL_CONN_KEY2);
}

/* Unlinks c from the table and the wheel and returns it to the pool. */
static __rte_always_inline void
conn_release(struct pcl_tcp *e, struct pcl_conn *c)
{
	uint32_t idx = pcl_conn_idx(e, c);

	if (c->state == PCL_TCP_SYN_RCVD)
		e->half_open--;
	if (unlikely(pcl_tuple_is6(&c->t)))
		unintern6(e, &c->t);
	/* A health check has no client tuple. */
	if (c->state != PCL_TCP_PROBE)
		pcl_table_remove(&e->table, idx);
	pcl_wheel_cancel(&e->wheel, idx);
	/* A proxied entry lays out its own fields: no send queue, a second key. */
	if (pcl_tcp_proxied(c->state)) {
		pcl_table_remove(&e->btable, idx);
		if (unlikely(pcl_tuple_is6(key2(c))))
			unintern6(e, key2(c));
	} else {
		pcl_sndq_free(c);
		board_put(e, c);
	}
	/* A free entry counts in no gauge. */
	pcl_stat_add(&e->by_state[c->state], (uint64_t)-1);
	c->state = PCL_TCP_CLOSED;
	pcl_pool_put(&e->pool, idx);
}

/* Frees c and counts why: every connection ends in exactly one counter. */
static __rte_always_inline void
conn_close(struct pcl_tcp *e, struct pcl_conn *c, enum close_why why)
{
	if (c->state == PCL_TCP_SYN_RCVD) {
		if (why == CLOSE_RESET)
			COUNT(e, halfopen_reset);
		else
			COUNT(e, halfopen_expired);
	} else {
		switch (why) {
		case CLOSE_NORMAL:
			COUNT(e, conn_closed);
			break;
		case CLOSE_RESET:
			COUNT(e, conn_reset);
			break;
		case CLOSE_TIMEOUT:
			COUNT(e, conn_timeout);
			break;
		case CLOSE_RETRIES:
			COUNT(e, conn_retry_limit);
			break;
		case CLOSE_ABORT:
			COUNT(e, conn_aborted);
			break;
		}
	}
	conn_release(e, c);
}

/*
 * Resets c from inside input. The RST is written into the received frame m:
 * an abort comes from an empty mbuf pool, when a new buffer for it would be
 * the one thing not there.
 */
static void
conn_abort(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m)
{
	if (send_seg(e, c, m, c->snd_nxt, RST | ACK, 0) == 0)
		COUNT(e, rst_tx);
	conn_close(e, c, CLOSE_ABORT);
}

/* The fingerprint of an IPv6 tuple: its 36 bytes, never its worker-local indices. */
static __rte_noinline uint64_t
tw_fp6(const struct pcl_tcp *e, const struct pcl_tuple *t)
{
	struct pcl_tuple6 t6;

	pcl_tcp_tuple6(e, t, &t6);
	return pcl_tuple6_prf(&e->tw_key, &t6);
}

/* The key a TIME_WAIT record is found by; never 0, which marks a dead slot. */
static inline uint64_t
tw_fp(const struct pcl_tcp *e, const struct pcl_tuple *t)
{
	uint64_t h = likely(!pcl_tuple_is6(t)) ? pcl_tuple_prf(&e->tw_key, t) : tw_fp6(e, t);

	return h ? h : 1;
}

/* One TIME_WAIT record more (and one less when its adding recycled another). */
static inline void
tw_added(struct pcl_tcp *e, bool recycled)
{
	if (recycled)
		COUNT(e, time_wait_recycled);
	else
		pcl_stat_add(&e->by_state[PCL_TCP_TIME_WAIT], 1);
}

/*
 * A TIME_WAIT record for t, or, when the store is full and
 * tables.time_wait_full = skip, none; counted either way.
 */
static void
tw_record(struct pcl_tcp *e, const struct pcl_tuple *t, uint32_t snd_nxt, uint32_t rcv_nxt, bool ts,
	  uint32_t ts_recent, uint32_t ts_off, uint8_t wscale)
{
	struct pcl_tw_rec r = {
		.fp = tw_fp(e, t),
		.snd_nxt = snd_nxt,
		.rcv_nxt = rcv_nxt,
		.ts_recent = ts_recent,
		.ts_off = ts_off,
		.link_flags = ((ts ? PCL_TW_TS : 0u) | (uint32_t)wscale << PCL_TW_WS_SHIFT)
			      << PCL_TW_FLAGS_BIT,
	};
	bool recycled;

	if (pcl_tw_add(&e->tw, &r, e->now_tick, e->conf->time_wait_full == PCL_TW_RECYCLE,
		       &recycled) == PCL_TW_NIL)
		COUNT(e, time_wait_skipped);
	else
		tw_added(e, recycled);
}

/*
 * The connection is closed and TIME_WAIT begins: the entry goes back to
 * the pool and a record takes its place (tw_record()).
 */
static void
time_wait(struct pcl_tcp *e, struct pcl_conn *c)
{
	tw_record(e, &c->t, c->snd_nxt, c->rcv_nxt, c->flags & PCL_CF_TS, c->ts_recent, c->ts_off,
		  c->rcv_wscale);
	conn_close(e, c, CLOSE_NORMAL);
}

/* The payload per segment toward a peer whose SYN carried o. */
static inline uint16_t
seg_mss(const struct pcl_tcp *e, const struct pcl_opts *o, const struct pcl_tuple *t)
{
	uint16_t mss = RTE_MIN(o->present & PCL_OPTF_MSS ? o->mss : PCL_DEFAULT_MSS,
			       pcl_tcp_our_mss(e, t));

	/* A tiny MSS would turn one answer into thousands of segments. */
	return RTE_MAX(mss, (uint16_t)PCL_MIN_MSS);
}

/*
 * A new entry in SYN_RCVD for the peer of s on listener l, with the options
 * o (from the SYN, or recovered from a cookie), our ISN and TSval offset.
 * Returns NULL (m dropped and counted) when the pool is empty. The caller
 * arms its timer or takes it out of SYN_RCVD at once.
 */
static struct pcl_conn *
conn_new(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s, const struct pcl_opts *o,
	 uint8_t l, uint32_t client_isn, uint32_t isn, uint32_t ts_off)
{
	const struct pcl_tcp_conf *conf = e->conf;
	uint32_t idx = pcl_pool_get(&e->pool);
	struct pcl_conn *c;

	if (idx == PCL_POOL_EMPTY) {
		drop(e, m, PCL_DROP_table_full);
		return NULL;
	}
	c = &e->conns[idx];
	memset(c, 0, sizeof(*c));
	pcl_tnode_init(&c->tm);
	c->t = s->t;
	if (unlikely(pcl_tuple_is6(&c->t)) && !conn_intern6(e, c, m)) {
		pcl_pool_put(&e->pool, idx);
		return NULL;
	}
	c->listener = l;
	c->state = PCL_TCP_SYN_RCVD;
	pcl_stat_add(&e->by_state[PCL_TCP_SYN_RCVD], 1);
	e->half_open++;

	c->ts_off = ts_off;
	c->snd_una = isn;
	c->snd_nxt = isn + 1;
	c->snd_max = isn + 1;
	c->rcv_nxt = client_isn + 1; /* data on a SYN is not acknowledged (no fast open) */
	c->snd_wnd = s->wnd;
	c->snd_wl1 = client_isn;
	c->mss = seg_mss(e, o, &c->t);
	if (o->present & PCL_OPTF_TS) {
		c->flags |= PCL_CF_TS;
		c->ts_recent = o->tsval;
	}
	if (o->present & PCL_OPTF_SACKOK)
		c->flags |= PCL_CF_SACK;
	if (o->present & PCL_OPTF_WS) {
		c->flags |= PCL_CF_WS;
		c->snd_wscale = o->wscale;
		c->rcv_wscale = (uint8_t)conf->wscale;
	}
	pcl_cc_init(c, isn + 1);
	c->last_ms = e->now_ms;
	c->peer_mac = pcl_out_peer_mac(m);
	c->ifx = s->ifx;
	/* An IPv6 tuple was interned above: its fields are no longer the segment's. */
	if (likely(!pcl_tuple_is6(&c->t)))
		pcl_table_insert_hash(&e->table, idx, e->cur_hash);
	else
		pcl_table_insert(&e->table, idx);
	return c;
}

/* ---- LISTEN: segments for no connection ---- */

/* The ISN of an IPv6 SYN, over its 36-byte tuple. */
static __rte_noinline struct pcl_isn
isn6(const struct pcl_tcp *e, const struct pcl_seg *s)
{
	struct pcl_tuple6 t6;

	pcl_tcp_tuple6(e, &s->t, &t6);
	return pcl_isn_make6(&e->secrets->isn, &t6, e->now_us);
}

/* Stateful: a SYN_RCVD entry now, and a SYN-ACK we retransmit until answered. */
static void
syn_open(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s, uint8_t l)
{
	struct pcl_isn isn;
	struct pcl_conn *c;

	if (e->half_open >= e->conf->syn_backlog) {
		drop(e, m, PCL_DROP_syn_backlog);
		return;
	}
	isn = likely(!pcl_tuple_is6(&s->t)) ? pcl_isn_make(&e->secrets->isn, &s->t, e->now_us)
					    : isn6(e, s);
	c = conn_new(e, m, s, &s->opts, l, s->seq, isn.isn, isn.ts_off);
	if (c == NULL)
		return;
	c->flags |= PCL_CF_RTO;
	arm(e, c, rto(e, c));
	send_synack(e, c, m);
}

/* The cookie of an IPv6 SYN, over its 36-byte tuple. */
static __rte_noinline struct pcl_cookie
cookie_make6(const struct pcl_tcp *e, const struct pcl_seg *s, uint32_t counter,
	     unsigned int mss_idx)
{
	struct pcl_tuple6 t6;

	pcl_tcp_tuple6(e, &s->t, &t6);
	return pcl_cookie_make6(&e->secrets->cookie, &t6, s->seq, counter, mss_idx);
}

/* pcl_cookie_check() of an IPv6 ACK. */
static __rte_noinline int
cookie_check6(const struct pcl_tcp *e, const struct pcl_seg *s)
{
	struct pcl_tuple6 t6;

	pcl_tcp_tuple6(e, &s->t, &t6);
	return pcl_cookie_check6(&e->secrets->cookie, &t6, s->seq - 1, s->ack - 1,
				 pcl_cookie_counter(e->now_us));
}

/*
 * Stateless: the SYN-ACK's sequence number is a cookie (pcl_cookie.h) and
 * nothing is allocated or retransmitted; a lost SYN-ACK is repaired by the
 * client's SYN retransmission.
 */
static void
syn_cookie(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s)
{
	const struct pcl_opts *o = &s->opts;
	uint32_t counter = pcl_cookie_counter(e->now_us);
	unsigned int mss_idx = pcl_cookie_mss_index(seg_mss(e, o, &s->t));
	struct pcl_synack_opts so = {.mss = pcl_tcp_our_mss(e, &s->t)};
	struct pcl_cookie ck;

	if (likely(!pcl_tuple_is6(&s->t)))
		ck = pcl_cookie_make(&e->secrets->cookie, &s->t, s->seq, counter, mss_idx);
	else
		ck = cookie_make6(e, s, counter, mss_idx);

	/* Without timestamps there is nowhere to keep window scale and SACK. */
	if (o->present & PCL_OPTF_TS) {
		so.present =
			(uint8_t)(PCL_OPTF_TS | (o->present & (PCL_OPTF_WS | PCL_OPTF_SACKOK)));
		so.wscale = (uint8_t)e->conf->wscale;
		so.tsval = ((e->now_ms + ck.ts_off) & ~PCL_COOKIE_TS_MASK) | pcl_cookie_ts_bits(o);
		so.tsecr = o->tsval;
	}
	e->cookie_until_us = (uint64_t)(counter + PCL_COOKIE_MAX_AGE + 1)
			     << PCL_COOKIE_PERIOD_SHIFT;
	COUNT(e, cookie_sent);
	synack_out(e, s->ifx, m, &s->t, pcl_out_peer_mac(m), ck.isn, s->seq + 1, &so);
}

/* auto mode: under pressure from this many half-open entries, or a pool this empty. */
static bool
cookie_pressure(struct pcl_tcp *e)
{
	uint32_t threshold = RTE_MIN(e->conf->cookie_threshold, e->conf->syn_backlog);
	uint32_t nfree = e->pool.nfree;

	if (!e->cookie_on) {
		if (e->half_open < threshold && nfree >= e->pool.cap / 8)
			return false;
		e->cookie_on = true;
		COUNT(e, cookie_episodes);
		PCL_LOG(NOTICE, "lcore %u: SYN cookies on (%u half-open, %u of %u entries free)",
			e->lcore, e->half_open, nfree, e->pool.cap);
		return true;
	}
	/* Hysteresis, so a load near the threshold does not flap. */
	if (e->half_open >= threshold / 2 || nfree < e->pool.cap / 4)
		return true;
	e->cookie_on = false;
	PCL_LOG(NOTICE, "lcore %u: SYN cookies off (%u half-open, %u of %u entries free)", e->lcore,
		e->half_open, nfree, e->pool.cap);
	return false;
}

static inline bool
use_cookie(struct pcl_tcp *e)
{
	switch (e->conf->syncookies) {
	case PCL_COOKIES_ALWAYS:
		return true;
	case PCL_COOKIES_AUTO:
		return cookie_pressure(e);
	default:
		return false;
	}
}

/*
 * Whether an ACK for no connection may carry one of our cookies. In auto
 * mode only while cookies we sent can still be valid, so quiet times give
 * ACK floods no 2^-24 chance of opening a connection.
 */
static inline bool
cookies_valid(const struct pcl_tcp *e)
{
	return e->conf->syncookies == PCL_COOKIES_ALWAYS ||
	       (e->conf->syncookies == PCL_COOKIES_AUTO && e->now_us < e->cookie_until_us);
}

/*
 * The third ACK of a cookie handshake: validate, then open the connection
 * as if it had waited in SYN_RCVD. Returns it, for the SYN_RCVD handler to
 * take the ACK and whatever data or FIN it carries; NULL when m was consumed.
 */
static struct pcl_conn *
cookie_ack(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s, uint8_t l)
{
	struct pcl_opts o = {0};
	uint32_t ts_off = 0;
	int mss_idx;

	if (likely(!pcl_tuple_is6(&s->t)))
		mss_idx = pcl_cookie_check(&e->secrets->cookie, &s->t, s->seq - 1, s->ack - 1,
					   pcl_cookie_counter(e->now_us));
	else
		mss_idx = cookie_check6(e, s);
	if (mss_idx >= 0 && (s->opts.present & PCL_OPTF_TS) &&
	    pcl_cookie_ts_decode(s->opts.tsecr, &o) != 0)
		mss_idx = -EBADMSG;
	if (mss_idx < 0) {
		COUNT(e, cookie_bad);
		reply_rst(e, m, s);
		return NULL;
	}
	COUNT(e, cookie_ok);
	o.present |= PCL_OPTF_MSS;
	o.mss = pcl_cookie_mss[mss_idx];
	if (o.present & PCL_OPTF_TS) {
		o.tsval = s->opts.tsval;
		/* Our clock resumes from the TSval the SYN-ACK carried, so it never goes back. */
		ts_off = s->opts.tsecr - e->now_ms;
	}
	return conn_new(e, m, s, &o, l, s->seq - 1, s->ack - 1, ts_off);
}

/*
 * The listener (index + 1) of a flagged or empty by_port entry l for t: 0
 * for nobody, or for a listener of the other family (a closed port to t).
 */
static __rte_noinline uint8_t
one_family_listener(const struct pcl_tcp *e, uint8_t l, const struct pcl_tuple *t)
{
	l &= (uint8_t)~PCL_BY_PORT_ONE_FAMILY;
	if (l == 0 || (e->listeners->l[l - 1].family == PCL_FAMILY_IPV6) != pcl_tuple_is6(t))
		return 0;
	return l;
}

/* A segment to a port nobody (of its family) listens on: an RST (RFC 9293 3.10.7.1). */
static __rte_noinline void
closed_port(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s)
{
	if ((s->flags & (SYN | ACK)) == SYN)
		COUNT(e, rst_closed_port);
	reply_rst(e, m, s);
}

/*
 * A segment for no connection. Returns the connection a cookie ACK opened
 * (in SYN_RCVD, for the caller to process m on); NULL when m was consumed.
 */
static struct pcl_conn *
listen_input(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s)
{
	uint8_t l;

	if (s->flags & RST) {
		drop(e, m, PCL_DROP_tcp_rst_nomatch);
		return NULL;
	}
	l = e->listeners->by_port[rte_be_to_cpu_16(s->t.lport)];
	/* One compare: 0 (nobody) and a one-family listener (flagged) go the slow way. */
	if (unlikely((uint8_t)(l - 1) >= PCL_BY_PORT_ONE_FAMILY - 1)) {
		l = one_family_listener(e, l, &s->t);
		if (l == 0) {
			closed_port(e, m, s);
			return NULL;
		}
	}
	l--;
	if ((s->flags & (SYN | ACK)) == SYN) {
		COUNT(e, syn_rx);
		if (use_cookie(e))
			syn_cookie(e, m, s);
		else
			syn_open(e, m, s, l);
		return NULL;
	}
	if ((s->flags & (SYN | ACK)) == ACK && cookies_valid(e))
		return cookie_ack(e, m, s, l);
	reply_rst(e, m, s);
	return NULL;
}

/* ---- output ---- */

/* Our FIN is unacknowledged in these states, so output may (re)send it. */
static inline bool
fin_pending(const struct pcl_conn *c)
{
	return c->state == PCL_TCP_FIN_WAIT_1 || c->state == PCL_TCP_CLOSING ||
	       c->state == PCL_TCP_LAST_ACK;
}

/*
 * Counts a segment that starts below snd_max as a retransmission; one that
 * starts at it may be timed for an RTT sample (Karn: never a resent one).
 */
static inline void
sent(struct pcl_tcp *e, struct pcl_conn *c, uint32_t seqlen)
{
	if (pcl_seq_lt(c->snd_nxt, c->snd_max)) {
		COUNT(e, rexmits);
	} else if (!(c->flags & PCL_CF_TS) && !(c->cc & PCL_CC_TIMING)) {
		c->rtt_seq = c->snd_nxt + seqlen;
		c->rtt_ms = e->now_ms;
		c->cc |= PCL_CC_TIMING;
	}
	c->snd_nxt += seqlen;
}

/*
 * Resends up to len bytes of c from seq (below snd_max), with our FIN when
 * they reach it: a hole fast recovery repairs, outside output's walk from
 * snd_nxt. Returns the sequence space resent; 0 when no mbuf was had.
 */
static uint32_t
resend(struct pcl_tcp *e, struct pcl_conn *c, uint32_t seq, uint32_t len)
{
	uint32_t data_end = c->snd_una + c->sndq_len;
	uint32_t n = pcl_seq_lt(seq, data_end) ? RTE_MIN(len, data_end - seq) : 0;
	uint8_t flags = ACK;

	if (seq + n == data_end) {
		flags |= PSH;
		if (c->flags & PCL_CF_FIN_SENT)
			flags |= FIN;
	}
	if ((n == 0 && !(flags & FIN)) || send_seg(e, c, NULL, seq, flags, n) != 0)
		return 0;
	COUNT(e, rexmits);
	COUNT(e, fast_rexmits);
	c->cc &= (uint8_t)~PCL_CC_TIMING; /* Karn: the timed segment's ACK is now ambiguous */
	return n + !!(flags & FIN);
}

/*
 * SACK recovery (RFC 6675 5, step C): resends what the scoreboard says is
 * lost, lowest first, while the pipe leaves a segment's room in cwnd and
 * the peer's window takes it. Returns the room left for new data.
 */
static uint32_t
sack_resend(struct pcl_tcp *e, struct pcl_conn *c, uint32_t wnd_end)
{
	struct pcl_sack *sb = board(e, c);
	uint32_t smss = pcl_cc_smss(c);
	uint32_t lost = pcl_sack_lost_edge(sb, c->snd_una, smss);
	uint32_t pipe, seq, len, n;

	/* Recovery began because the head is lost (RFC 6675 5, step 4.3). */
	if (pcl_seq_lt(lost, c->snd_una + smss))
		lost = c->snd_una + smss;
	if (pcl_seq_gt(lost, c->snd_max))
		lost = c->snd_max;
	pipe = pcl_sack_pipe(sb, c->snd_una, c->snd_max, lost);
	while (pipe + smss <= c->cwnd &&
	       pcl_sack_next_hole(sb,
				  pcl_seq_gt(sb->high_rxt, c->snd_una) ? sb->high_rxt : c->snd_una,
				  lost, &seq, &len) &&
	       pcl_seq_lt(seq, wnd_end)) {
		n = resend(e, c, seq, RTE_MIN(RTE_MIN(len, smss), wnd_end - seq));
		if (n == 0)
			break;
		sb->high_rxt = seq + n;
		pipe += n;
	}
	return c->cwnd > pipe ? c->cwnd - pipe : 0;
}

/*
 * Sends what the windows allow from snd_nxt: queued data in MSS-sized
 * segments, then the FIN (on the last data segment when it fits). The
 * peer's window may cut a segment short; the congestion window sends whole
 * segments only. In SACK recovery the lost holes go first. With probe set,
 * one segment goes out even into a zero window. Returns the number of
 * segments sent from snd_nxt.
 *
 * Leaves the retransmission timer armed while anything is unacknowledged,
 * held back by a window (the persist timer), or could not be sent for
 * want of an mbuf (the FIN included): a later attempt is always due.
 */
static unsigned int
output_all(struct pcl_tcp *e, struct pcl_conn *c, bool probe)
{
	uint32_t data_end = c->snd_una + c->sndq_len;
	uint32_t wnd_end = c->snd_una + c->snd_wnd;
	uint32_t cwnd_end = c->snd_una + c->cwnd;
	uint32_t seg_max = pcl_cc_smss(c);
	bool fin = fin_pending(c);
	unsigned int n = 0;

	if (unlikely((c->cc & PCL_CC_STATE) == PCL_CC_RECOVERY) && c->sack != 0)
		cwnd_end = c->snd_nxt + sack_resend(e, c, wnd_end);
	while (pcl_seq_lt(c->snd_nxt, data_end)) {
		uint32_t win = pcl_seq_gt(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;
		uint32_t room = pcl_seq_gt(cwnd_end, c->snd_nxt) ? cwnd_end - c->snd_nxt : 0;
		uint32_t len = RTE_MIN(data_end - c->snd_nxt, seg_max);
		uint8_t flags = ACK;

		if ((win == 0 || room < len) && !(probe && n == 0))
			break;
		len = RTE_MIN(len, RTE_MAX(win, 1u));
		if (c->snd_nxt + len == data_end) {
			flags |= PSH;
			if (fin)
				flags |= FIN;
		}
		if (send_seg(e, c, NULL, c->snd_nxt, flags, len) != 0)
			break;
		sent(e, c, len + !!(flags & FIN));
		n++;
	}
	if (fin && c->snd_nxt == data_end && send_seg(e, c, NULL, data_end, FIN | ACK, 0) == 0) {
		sent(e, c, 1);
		n++;
	}
	if (fin && c->snd_nxt == data_end + 1)
		c->flags |= PCL_CF_FIN_SENT;
	if (pcl_seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	if (!(c->flags & PCL_CF_RTO) &&
	    (c->snd_max != c->snd_una || pcl_seq_lt(c->snd_nxt, data_end) ||
	     (fin && c->snd_nxt != data_end + 1))) {
		c->flags |= PCL_CF_RTO;
		arm(e, c, rto(e, c));
	}
	return n;
}

/*
 * output_all() unless there is nothing to send: nothing queued and no FIN
 * pending means nothing in flight either (an unacknowledged byte stays
 * queued, our FIN pending until acknowledged), so nothing to send or
 * time. Most ACKs of a short connection end here, inline.
 */
static __rte_always_inline unsigned int
output(struct pcl_tcp *e, struct pcl_conn *c, bool probe)
{
	if (c->sndq_len == 0 && !fin_pending(c))
		return 0;
	return output_all(e, c, probe);
}

void
pcl_tcp_close(struct pcl_tcp *e, struct pcl_conn *c)
{
	if (c->state == PCL_TCP_ESTABLISHED)
		set_state(e, c, PCL_TCP_FIN_WAIT_1);
	else if (c->state == PCL_TCP_CLOSE_WAIT)
		set_state(e, c, PCL_TCP_LAST_ACK);
}

/* What an append to c's send queue that returned rc means for c: an abort when it failed. */
static int
queued(struct pcl_tcp *e, struct pcl_conn *c, int rc)
{
	if (rc != 0) {
		pcl_stat_add(&e->stats->drop[PCL_DROP_nombuf], 1);
		c->flags |= PCL_CF_ABORT;
	}
	return rc;
}

int
pcl_tcp_send(struct pcl_tcp *e, struct pcl_conn *c, const void *data, uint32_t len)
{
	if (c->flags & PCL_CF_ABORT)
		return -ECONNRESET;
	return queued(e, c, pcl_sndq_append(c, e->mp, data, len));
}

int
pcl_tcp_send_ref(struct pcl_tcp *e, struct pcl_conn *c, const struct pcl_ref *r, uint32_t off,
		 uint32_t len)
{
	if (c->flags & PCL_CF_ABORT)
		return -ECONNRESET;
	return queued(e, c, pcl_sndq_append_ref(c, e->mp, r, off, len));
}

/* ---- segments on a connection ---- */

/* RFC 9293 3.10.7.4, first check: is any of the segment inside our window? */
static bool
seq_acceptable(uint32_t rcv_nxt, uint32_t wnd, const struct pcl_seg *s)
{
	uint32_t len = s->len + !!(s->flags & SYN) + !!(s->flags & FIN);
	uint32_t end = rcv_nxt + wnd;

	if (len == 0)
		return wnd == 0 ? s->seq == rcv_nxt : pcl_seq_in(s->seq, rcv_nxt, end);
	if (wnd == 0)
		return false;
	return pcl_seq_in(s->seq, rcv_nxt, end) || pcl_seq_in(s->seq + len - 1, rcv_nxt, end);
}

/*
 * RFC 9293 3.10.7.4, the checks every state from SYN_RCVD on shares before
 * the ACK: SYN (RFC 5961 4.2: challenged, whatever its sequence), PAWS
 * (RFC 7323 5.3), the window, RST (RFC 5961 3.2: only an exact one closes),
 * and the ACK bit. Returns false when m was consumed.
 */
static __rte_always_inline bool
first_checks(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	if (s->flags & SYN) {
		challenge_ack(e, c, m);
		return false;
	}
	if ((c->flags & PCL_CF_TS) && (s->opts.present & PCL_OPTF_TS) && !(s->flags & RST) &&
	    pcl_seq_lt(s->opts.tsval, c->ts_recent)) {
		pcl_stat_add(&e->stats->drop[PCL_DROP_tcp_paws], 1);
		COUNT(e, dup_acks_tx);
		send_ack(e, c, m);
		return false;
	}
	if (!seq_acceptable(c->rcv_nxt, rcv_space(e, c), s)) {
		if (s->flags & RST) {
			drop(e, m, PCL_DROP_tcp_unacceptable);
			return false;
		}
		pcl_stat_add(&e->stats->drop[PCL_DROP_tcp_unacceptable], 1);
		COUNT(e, dup_acks_tx);
		send_ack(e, c, m);
		return false;
	}
	if (s->flags & RST) {
		if (s->seq == c->rcv_nxt) {
			conn_close(e, c, CLOSE_RESET);
			rte_pktmbuf_free(m);
		} else {
			challenge_ack(e, c, m);
		}
		return false;
	}
	if (!(s->flags & ACK)) {
		drop(e, m, PCL_DROP_tcp_noack);
		return false;
	}
	return true;
}

/* An RTT sample from an ACK of new data: its timestamp echo, else the timed segment. */
static inline void
rtt_measure(struct pcl_tcp *e, struct pcl_conn *c, const struct pcl_seg *s)
{
	uint32_t r;

	if (c->flags & PCL_CF_TS) {
		if (!(s->opts.present & PCL_OPTF_TS))
			return;
		/* RFC 7323 4.2; an echo from the future is no sample. */
		r = ts_now(e, c) - s->opts.tsecr;
		if ((int32_t)r >= 0)
			pcl_cc_rtt_sample(c, r);
	} else if ((c->cc & PCL_CC_TIMING) && pcl_seq_ge(s->ack, c->rtt_seq)) {
		c->cc &= (uint8_t)~PCL_CC_TIMING;
		pcl_cc_rtt_sample(c, e->now_ms - c->rtt_ms);
	}
}

/*
 * Three duplicate ACKs, or SACK blocks showing a loss: fast retransmit and
 * recovery until snd_max is acknowledged. The head is resent at once. With
 * a scoreboard, RFC 6675: cwnd = ssthresh and output resends the other
 * holes as the pipe drains. Without, RFC 6582: cwnd inflated by the three
 * segments that left.
 */
static __rte_noinline void
recovery_enter(struct pcl_tcp *e, struct pcl_conn *c)
{
	uint32_t smss = pcl_cc_smss(c), n;

	COUNT(e, recoveries);
	pcl_cc_loss(c, c->snd_max - c->snd_una);
	c->recover = c->snd_max;
	c->cc = (uint8_t)((c->cc & ~PCL_CC_STATE) | PCL_CC_RECOVERY);
	if ((c->flags & PCL_CF_SACK) && board_get(e, c) == NULL)
		COUNT(e, sack_boards_empty);
	/* The head goes now, whatever the pipe (RFC 6675 5 step 4.3, RFC 6582 3.2 step 2). */
	n = resend(e, c, c->snd_una, smss);
	if (c->sack != 0) {
		c->cwnd = c->ssthresh;
		board(e, c)->high_rxt = c->snd_una + n;
	} else {
		c->cwnd = c->ssthresh + 3 * smss;
	}
}

/* New data acknowledged in recovery: its end (RFC 6582 3.2 step 3), or a partial ACK (step 5). */
static void
recovery_ack(struct pcl_tcp *e, struct pcl_conn *c, uint32_t acked)
{
	uint32_t smss = pcl_cc_smss(c);

	if (pcl_seq_ge(c->snd_una, c->recover)) {
		c->cc &= (uint8_t)~PCL_CC_STATE;
		if (c->sack == 0)
			c->cwnd =
				RTE_MIN(c->ssthresh, RTE_MAX(c->snd_max - c->snd_una, smss) + smss);
		else
			c->cwnd = c->ssthresh;
		return;
	}
	if (c->sack != 0)
		return; /* the scoreboard says what to resend next */
	resend(e, c, c->snd_una, smss);
	c->cwnd -= RTE_MIN(acked, c->cwnd - smss);
	if (acked >= smss)
		c->cwnd += smss;
}

/* The peer acknowledged new data (snd_una < s->ack <= snd_max). */
static void
ack_advance(struct pcl_tcp *e, struct pcl_conn *c, const struct pcl_seg *s)
{
	uint32_t ack = s->ack, acked = ack - c->snd_una, flight = c->snd_max - c->snd_una;

	rtt_measure(e, c, s);
	pcl_sndq_trim(c, RTE_MIN(acked, c->sndq_len));
	c->snd_una = ack;
	if (pcl_seq_lt(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->rexmits = 0;
	c->dupacks = 0;
	if (c->sack != 0)
		pcl_sack_trim(board(e, c), ack);
	switch (c->cc & PCL_CC_STATE) {
	case PCL_CC_OPEN:
		pcl_cc_ack(c, acked, flight);
		break;
	case PCL_CC_RECOVERY:
		recovery_ack(e, c, acked);
		break;
	default:
		/* After a timeout: slow start from one segment until recover is reached. */
		if (pcl_seq_ge(ack, c->recover))
			c->cc &= (uint8_t)~PCL_CC_STATE;
		pcl_cc_ack(c, acked, flight);
		break;
	}
	if (c->snd_una == c->snd_max) {
		/* Output, which always follows, re-arms for what is still to send. */
		c->flags &= ~PCL_CF_RTO;
		pcl_wheel_cancel(&e->wheel, pcl_conn_idx(e, c));
	} else {
		arm(e, c, rto(e, c));
	}
}

/*
 * An ACK that acknowledges nothing new while data is out. A duplicate by
 * RFC 5681 2 (no data, no SYN or FIN, the same window) or by RFC 6675 2
 * (it SACKs new data) counts toward fast retransmit, or in NewReno recovery
 * inflates cwnd by the segment that left.
 */
static void
dup_ack(struct pcl_tcp *e, struct pcl_conn *c, const struct pcl_seg *s, uint32_t wnd, bool sacked)
{
	if (!sacked && (s->len != 0 || (s->flags & FIN) || wnd != c->snd_wnd))
		return;
	if (c->dupacks < UINT8_MAX)
		c->dupacks++;
	switch (c->cc & PCL_CC_STATE) {
	case PCL_CC_OPEN:
		/* RFC 6582 3.2 step 2 keeps NewReno from a second recovery for one window. */
		if (c->sack != 0
			    ? c->dupacks >= 3 || pcl_sack_lost_edge(board(e, c), c->snd_una,
								    pcl_cc_smss(c)) != c->snd_una
			    : c->dupacks >= 3 && pcl_seq_gt(c->snd_una, c->recover))
			recovery_enter(e, c);
		break;
	case PCL_CC_RECOVERY:
		if (c->sack == 0)
			c->cwnd += pcl_cc_smss(c);
		break;
	default:
		break;
	}
}

/* The peer's SACK blocks: true when they SACK data not SACKed before. */
static bool
sack_input(struct pcl_tcp *e, struct pcl_conn *c, const struct pcl_seg *s)
{
	struct pcl_sack *sb = board_get(e, c);

	return sb != NULL && pcl_sack_add(sb, c->snd_una, c->snd_max, s->opts.sack, s->opts.nsack);
}

/* Our FIN went out and everything up to and including it is acknowledged. */
static inline bool
fin_acked(const struct pcl_conn *c)
{
	return (c->flags & PCL_CF_FIN_SENT) && c->snd_una == c->snd_max;
}

/*
 * ACK processing in a synchronized state (RFC 9293 3.10.7.4, fifth check).
 * Returns false when m was consumed.
 */
static bool
ack_input(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	bool dup, sacked = false;
	uint32_t wnd;

	if (pcl_seq_gt(s->ack, c->snd_max)) {
		pcl_stat_add(&e->stats->drop[PCL_DROP_tcp_bad_ack], 1);
		send_ack(e, c, m);
		return false;
	}
	if (pcl_seq_lt(s->ack, c->snd_una))
		return true; /* an old duplicate: nothing to learn from its ACK */
	wnd = (uint32_t)s->wnd << c->snd_wscale;
	dup = s->ack == c->snd_una;
	if (!dup)
		ack_advance(e, c, s);
	if (c->snd_una != c->snd_max) {
		sacked = (s->opts.present & PCL_OPTF_SACK) && (c->flags & PCL_CF_SACK) &&
			 sack_input(e, c, s);
		if (dup)
			dup_ack(e, c, s, wnd, sacked);
	}
	/* A scoreboard goes back to the pool once it holds nothing and recovery is over. */
	if (unlikely(c->sack != 0) && board(e, c)->n == 0 &&
	    (c->cc & PCL_CC_STATE) != PCL_CC_RECOVERY)
		board_put(e, c);
	if (pcl_seq_lt(c->snd_wl1, s->seq) ||
	    (c->snd_wl1 == s->seq && pcl_seq_le(c->snd_wl2, s->ack))) {
		c->snd_wnd = wnd;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	}
	return true;
}

/*
 * In-order payload and FIN (RFC 9293 3.10.7.4, seventh and eighth checks).
 * Returns true when the segment must be acknowledged.
 */
static bool
receive(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	const uint8_t *data = rte_pktmbuf_mtod_offset(m, const uint8_t *, s->payload_off);
	uint32_t len = s->len, old, wnd;
	bool fin = s->flags & FIN;

	if (len == 0 && !fin)
		return false;
	/* After the peer's FIN, anything it sends is a retransmission. */
	if (c->state != PCL_TCP_ESTABLISHED && c->state != PCL_TCP_FIN_WAIT_1 &&
	    c->state != PCL_TCP_FIN_WAIT_2)
		return true;
	if (pcl_seq_lt(s->seq, c->rcv_nxt)) {
		old = RTE_MIN(c->rcv_nxt - s->seq, len);
		data += old;
		len -= old;
	} else if (s->seq != c->rcv_nxt) {
		pcl_stat_add(&e->stats->drop[PCL_DROP_tcp_ooo], 1);
		COUNT(e, dup_acks_tx);
		return true;
	}
	wnd = rcv_space(e, c);
	if (len > wnd) {
		len = wnd;
		fin = false;
	}
	c->rcv_nxt += len;
	pcl_stat_add(&e->stats->data_rx_bytes, len);
	/*
	 * The FIN changes state before the app sees the data, so an app that
	 * answers and closes a half-closed connection takes the passive path
	 * (CLOSE_WAIT -> LAST_ACK) and leaves TIME_WAIT to the peer.
	 */
	if (fin) {
		c->rcv_nxt++;
		if (c->state == PCL_TCP_ESTABLISHED)
			set_state(e, c, PCL_TCP_CLOSE_WAIT);
		else if (c->state == PCL_TCP_FIN_WAIT_1)
			set_state(e, c, PCL_TCP_CLOSING);
		else
			set_state(e, c,
				  PCL_TCP_TIME_WAIT); /* after_ack() answers, then time_wait() */
	}
	if (len && !(c->flags & PCL_CF_APP_DONE) &&
	    (c->state == PCL_TCP_ESTABLISHED || c->state == PCL_TCP_CLOSE_WAIT))
		pcl_tcp_listener(e, c)->app->recv(e, c, data, len);
	if (c->state == PCL_TCP_CLOSE_WAIT)
		pcl_tcp_close(e, c);
	return true;
}

/*
 * The rest of a segment whose ACK was taken: our FIN's acknowledgment, the
 * peer's data and FIN, and what we send back. Every path ends with the entry
 * freed or its timer armed.
 */
static __rte_always_inline void
after_ack(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	bool need_ack;

	/*
	 * RFC 5681 4.1: after idling longer than the RTO, start again from the
	 * initial window. No RTO is below the floor: the common case tests one
	 * subtraction.
	 */
	if (unlikely(e->now_ms - c->last_ms > e->rto_floor_ms) && c->cwnd > pcl_cc_iw(c) &&
	    c->snd_una == c->snd_max && e->now_ms - c->last_ms > rto(e, c)) {
		c->cwnd = pcl_cc_iw(c);
		COUNT(e, cwnd_restarts);
	}
	c->last_ms = e->now_ms;
	/* RFC 7323 4.3: keep the TSval of the segment at the left window edge. */
	if ((c->flags & PCL_CF_TS) && (s->opts.present & PCL_OPTF_TS) &&
	    pcl_seq_le(s->seq, c->rcv_nxt))
		c->ts_recent = s->opts.tsval;

	if (fin_acked(c)) {
		switch (c->state) {
		case PCL_TCP_FIN_WAIT_1:
			set_state(e, c, PCL_TCP_FIN_WAIT_2);
			break;
		case PCL_TCP_CLOSING:
			time_wait(e, c);
			rte_pktmbuf_free(m);
			return;
		case PCL_TCP_LAST_ACK:
			conn_close(e, c, CLOSE_NORMAL);
			rte_pktmbuf_free(m);
			return;
		default:
			break;
		}
	}

	need_ack = receive(e, c, m, s);
	if (c->state == PCL_TCP_TIME_WAIT) {
		send_ack(e, c, m);
		time_wait(e, c);
		return;
	}
	if (c->flags & PCL_CF_ABORT) {
		conn_abort(e, c, m);
		return;
	}
	if (output(e, c, false) == 0 && need_ack)
		send_ack(e, c, m);
	else
		rte_pktmbuf_free(m);
	/* Nothing to retransmit: the idle timer. */
	if (!pcl_tnode_armed(&c->tm))
		arm(e, c, idle_ms(e));
}

/* SYN_RCVD: waiting for the third ACK, which may carry data and a FIN. */
static void
syn_rcvd_input(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	if (s->flags & SYN) {
		/* Our SYN-ACK was lost: send the same one again (same ISN). */
		send_synack(e, c, m);
		return;
	}
	if (!first_checks(e, c, m, s))
		return;
	if (s->ack != c->snd_una + 1) {
		reply_rst(e, m, s);
		return;
	}
	if (pcl_tcp_listener(e, c)->app->accept != NULL) {
		/* A service's: it takes the entry over (pcl_tcp_ext.h). */
		pcl_tcp_listener(e, c)->app->accept(e, c, m, s);
		return;
	}
	e->half_open--;
	set_state(e, c, PCL_TCP_ESTABLISHED);
	COUNT(e, conn_opened);
	c->snd_una = s->ack;
	c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->rexmits = 0;
	c->flags &= ~PCL_CF_RTO;
	pcl_wheel_cancel(&e->wheel, pcl_conn_idx(e, c));
	after_ack(e, c, m, s);
}

/* ESTABLISHED, CLOSE_WAIT, FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK. */
static void
sync_input(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	if (first_checks(e, c, m, s) && ack_input(e, c, m, s))
		after_ack(e, c, m, s);
}

/* The ACK a TIME_WAIT record answers with, written into m (from the peer of s). */
static void
tw_ack(struct pcl_tcp *e, const struct pcl_tw_rec *r, struct rte_mbuf *m, const struct pcl_seg *s)
{
	uint8_t opts[PCL_OPT_TS_LEN];
	uint32_t flags = pcl_tw_flags(r);
	struct pcl_out_seg o = {
		.t = &s->t,
		.dst_mac = pcl_out_peer_mac(m),
		.seq = r->snd_nxt,
		.ack = r->rcv_nxt,
		.flags = ACK,
		.wnd = (uint16_t)RTE_MIN(e->conf->rcv_wnd >> (flags >> PCL_TW_WS_SHIFT),
					 (uint32_t)UINT16_MAX),
		.opts = opts,
	};

	if (flags & PCL_TW_TS)
		o.optlen = (uint8_t)pcl_opt_build_ts(opts, e->now_ms + r->ts_off, r->ts_recent);
	emit(e, s->ifx, m, &o);
}

/*
 * A segment for the TIME_WAIT record in slot i: an RST is ignored (RFC
 * 1337), a SYN that cannot be an old duplicate reuses the tuple (RFC 6191),
 * a retransmitted FIN is acknowledged again and restarts the wait, anything
 * else out of the window gets the ACK.
 */
static __rte_noinline void
time_wait_input(struct pcl_tcp *e, uint32_t i, struct rte_mbuf *m, const struct pcl_seg *s)
{
	const struct pcl_tw_rec *r = &e->tw.rec[i];
	bool newer, recycled;

	if (s->flags & RST) {
		drop(e, m, PCL_DROP_tcp_tw_rst);
		return;
	}
	if ((s->flags & (SYN | ACK)) == SYN) {
		if ((pcl_tw_flags(r) & PCL_TW_TS) && (s->opts.present & PCL_OPTF_TS))
			newer = pcl_seq_gt(s->opts.tsval, r->ts_recent);
		else
			newer = pcl_seq_gt(s->seq, r->rcv_nxt);
		if (newer) {
			COUNT(e, time_wait_reused);
			pcl_tw_remove(&e->tw, i);
			pcl_stat_add(&e->by_state[PCL_TCP_TIME_WAIT], (uint64_t)-1);
			listen_input(e, m, s); /* a SYN: never returns a connection */
			return;
		}
		tw_ack(e, r, m, s);
		return;
	}
	if (seq_acceptable(r->rcv_nxt, e->conf->rcv_wnd, s) && !(s->flags & FIN) && s->len == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	/* A retransmitted FIN means our last ACK was lost: the wait starts again. */
	if ((s->flags & FIN) && s->seq + s->len + 1 == r->rcv_nxt) {
		r = &e->tw.rec[pcl_tw_refresh(&e->tw, i, e->now_tick, &recycled)];
		if (recycled) {
			COUNT(e, time_wait_recycled);
			pcl_stat_add(&e->by_state[PCL_TCP_TIME_WAIT], (uint64_t)-1);
		}
	}
	tw_ack(e, r, m, s);
}

/* ---- timers ---- */

static void
synack_timeout(struct pcl_tcp *e, struct pcl_conn *c)
{
	if (c->rexmits >= e->conf->synack_retries) {
		conn_close(e, c, CLOSE_RETRIES);
		return;
	}
	c->rexmits++;
	COUNT(e, rexmits);
	send_synack(e, c, NULL);
	arm(e, c, rto(e, c));
}

/*
 * Goes back to the oldest unacknowledged byte; output re-arms the timer.
 * With data or a FIN in flight it is a loss (RFC 5681 3.1, RFC 6675 5.1):
 * recovery ends, slow start from one segment until what was sent is
 * acknowledged, ssthresh halved on the first timeout of a series only.
 * With nothing in flight it is a zero-window probe, and a zero window
 * leaves the congestion state alone: the peer is slow, not the network.
 */
static void
retransmit(struct pcl_tcp *e, struct pcl_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;

	if (c->rexmits >= e->conf->retries) {
		conn_close(e, c, CLOSE_RETRIES);
		return;
	}
	if (flight != 0) {
		if (c->snd_wnd != 0) {
			COUNT(e, rto_timeouts);
			if (c->rexmits == 0)
				pcl_cc_loss(c, flight);
			c->cwnd = pcl_cc_smss(c);
		}
		c->cc = (uint8_t)((c->cc & ~(PCL_CC_STATE | PCL_CC_TIMING)) | PCL_CC_LOSS);
		c->recover = c->snd_max;
		c->dupacks = 0;
		board_put(e, c);
	}
	c->rexmits++;
	c->snd_nxt = c->snd_una;
	c->flags &= ~PCL_CF_RTO;
	output(e, c, true);
}

/*
 * The idle timer fired: true when the peer has been quiet for
 * timers.idle_timeout_ms; otherwise the timer is re-armed for the rest.
 */
static bool
idle_expired(struct pcl_tcp *e, struct pcl_conn *c)
{
	uint32_t idle = e->conf->idle_timeout_ms;
	uint32_t quiet = e->now_ms - c->last_ms;

	if (idle == 0) {
		arm(e, c, PCL_IDLE_NEVER_MS);
		return false;
	}
	if (quiet < idle) {
		arm(e, c, idle - quiet);
		return false;
	}
	return true;
}

/* ESTABLISHED and CLOSE_WAIT: a retransmission, or an idle close (our FIN). */
static void
open_timeout(struct pcl_tcp *e, struct pcl_conn *c)
{
	if (c->flags & PCL_CF_RTO) {
		retransmit(e, c);
		return;
	}
	if (!idle_expired(e, c))
		return;
	COUNT(e, idle_closes);
	pcl_tcp_close(e, c);
	output(e, c, false);
}

/* FIN_WAIT_2: our side is done and the peer never closed its own. */
static void
fin_wait_2_timeout(struct pcl_tcp *e, struct pcl_conn *c)
{
	if (idle_expired(e, c))
		conn_close(e, c, CLOSE_TIMEOUT);
}

/* ---- proxied connections: their service handles them ---- */

/* A client's segment (the backend's are found in btable: pcl_tcp_input). */
static void
proxy_input(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	pcl_tcp_listener(e, c)->app->input(e, c, m, s, false);
}

static void
proxy_timeout(struct pcl_tcp *e, struct pcl_conn *c)
{
	pcl_tcp_listener(e, c)->app->timeout(e, c);
}

/* ---- dispatch ---- */

typedef void (*state_input_t)(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m,
			      const struct pcl_seg *s);
typedef void (*state_timeout_t)(struct pcl_tcp *e, struct pcl_conn *c);

/* What each state does with a segment and when its timer fires (see pcl_conn.h). */
static const struct {
	state_input_t input;
	state_timeout_t timeout;
} states[PCL_TCP_STATE_MAX] = {
	[PCL_TCP_SYN_RCVD] = {syn_rcvd_input, synack_timeout},
	[PCL_TCP_ESTABLISHED] = {sync_input, open_timeout},
	[PCL_TCP_CLOSE_WAIT] = {sync_input, open_timeout},
	[PCL_TCP_LAST_ACK] = {sync_input, retransmit},
	[PCL_TCP_FIN_WAIT_1] = {sync_input, retransmit},
	[PCL_TCP_FIN_WAIT_2] = {sync_input, fin_wait_2_timeout},
	[PCL_TCP_CLOSING] = {sync_input, retransmit},
	[PCL_TCP_PROXY_CONNECT] = {proxy_input, proxy_timeout},
	[PCL_TCP_PROXY] = {proxy_input, proxy_timeout},
	[PCL_TCP_PROBE] = {proxy_input, proxy_timeout},
};

/*
 * A segment no client connection takes: a backend's (found by an entry's
 * second tuple), or one for a TIME_WAIT record. Returns whether it was.
 */
static __rte_always_inline bool
backend_or_tw_input(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s)
{
	uint32_t idx;
	struct pcl_conn *c;

	if (e->btable.count != 0 && (idx = pcl_table_lookup(&e->btable, &s->t)) != PCL_TABLE_NIL) {
		c = &e->conns[idx];
		pcl_tcp_listener(e, c)->app->input(e, c, m, s, true);
		return true;
	}
	if (e->tw.live != 0 && (idx = pcl_tw_lookup(&e->tw, tw_fp(e, &s->t))) != PCL_TW_NIL) {
		time_wait_input(e, idx, m, s);
		return true;
	}
	return false;
}

void
pcl_tcp_input(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s)
{
	uint32_t idx;
	struct pcl_conn *c;

	e->cur_hash = pcl_table_hash(&e->table, &s->t);
	idx = pcl_table_lookup_hash(&e->table, &s->t, e->cur_hash);
	if (idx == PCL_TABLE_NIL) {
		if (backend_or_tw_input(e, m, s))
			return;
		c = listen_input(e, m, s);
		if (c != NULL)
			syn_rcvd_input(e, c, m, s);
		return;
	}
	c = &e->conns[idx];
	states[c->state].input(e, c, m, s);
}

/*
 * A local address is ours as a host's address is, so what reaches it for
 * no connection gets what a port nobody listens on gets (RFC 9293
 * 3.10.7.1): an RST, never silence that leaves the sender retrying. A SYN
 * gets it first, before any lookup, so that it cannot reuse a TIME_WAIT
 * tuple there (RFC 6191) and become a client connection.
 */
void
pcl_tcp_input_local(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s)
{
	if ((s->flags & (SYN | ACK)) != SYN && backend_or_tw_input(e, m, s))
		return;
	if (s->flags & RST)
		drop(e, m, PCL_DROP_tcp_rst_nomatch);
	else
		closed_port(e, m, s);
}

void
pcl_tcp_input6(struct pcl_tcp *e, struct rte_mbuf *m, struct pcl_seg *s, bool local)
{
	if (unlikely(e->a6.cap == 0)) {
		drop(e, m, PCL_DROP_not_ours);
		return;
	}
	/* An address not interned (PCL_A6_NIL) is read from here (pcl_tcp_tuple6). */
	e->cur_a6 = s->a6;
	s->t.raddr = pcl_a6_enc(pcl_a6tab_find(&e->a6, s->a6));
	s->t.laddr = pcl_a6_enc(pcl_a6tab_find(&e->a6, s->a6 + 16));
	if (unlikely(local))
		pcl_tcp_input_local(e, m, s);
	else
		pcl_tcp_input(e, m, s);
}

static void
fire(void *arg, uint32_t idx)
{
	struct pcl_tcp *e = arg;
	struct pcl_conn *c = &e->conns[idx];

	states[c->state].timeout(e, c);
}

unsigned int
pcl_tcp_timers(struct pcl_tcp *e)
{
	unsigned int n = pcl_wheel_advance(&e->wheel, e->now_tick, PCL_TIMER_BUDGET, fire, e);
	unsigned int ended = pcl_tw_expire(&e->tw, e->now_tick, PCL_TW_BUDGET);

	pcl_stat_add(&e->by_state[PCL_TCP_TIME_WAIT], -(uint64_t)ended);
	if (n == PCL_TIMER_BUDGET || pcl_tw_behind(&e->tw, e->now_tick)) {
		COUNT(e, timer_deferred);
		e->timers_done = e->now_tick - 1;
	} else {
		e->timers_done = e->now_tick;
	}
	return n;
}

/* ---- the engine ---- */

/* How the engine's one allocation is laid out. */
struct layout {
	uint64_t conns, pool, table, wheel, tw, sacks, sack_pool, a6, total;
};

/* SACK scoreboards: a share of the entries, indexed by 16 bits in an entry. */
static inline uint32_t
nsacks(const struct pcl_tcp_conf *conf)
{
	return RTE_MIN(RTE_MIN(conf->conns, RTE_MAX(conf->conns / PCL_SACK_SHARE, 64u)), 65535u);
}

/* Buckets of each connection table: a power of two, one per entry at least. */
static inline uint32_t
nbuckets(const struct pcl_tcp_conf *conf)
{
	return rte_align32pow2(conf->conns);
}

static struct layout
layout(const struct pcl_tcp_conf *conf)
{
	struct layout l;

	l.conns = RTE_ALIGN_CEIL((uint64_t)conf->conns * sizeof(struct pcl_conn),
				 RTE_CACHE_LINE_SIZE);
	l.pool = RTE_ALIGN_CEIL(pcl_pool_memsize(conf->conns), RTE_CACHE_LINE_SIZE);
	/* Two tables: by the client-side tuple, and proxied connections by the backend-side one. */
	l.table = 2 * RTE_ALIGN_CEIL(pcl_table_memsize(nbuckets(conf)), RTE_CACHE_LINE_SIZE);
	l.wheel = RTE_ALIGN_CEIL(pcl_wheel_memsize(PCL_WHEEL_SLOTS), RTE_CACHE_LINE_SIZE);
	l.tw = RTE_ALIGN_CEIL(pcl_tw_memsize(conf->time_wait, tw_life(conf)), RTE_CACHE_LINE_SIZE);
	l.sacks = (uint64_t)nsacks(conf) * sizeof(struct pcl_sack);
	l.sack_pool = pcl_pool_memsize(nsacks(conf));
	/* Last, on a cache line of its own. */
	l.a6 = conf->addr6 ? pcl_a6tab_memsize(conf->addr6) + RTE_CACHE_LINE_SIZE : 0;
	l.total = l.conns + l.pool + l.table + l.wheel + l.tw + l.sacks + l.sack_pool + l.a6;
	return l;
}

uint64_t
pcl_tcp_memsize(const struct pcl_tcp_conf *conf)
{
	return layout(conf).total;
}

int
pcl_tcp_init(struct pcl_tcp *e, const struct pcl_tcp_env *env, uint64_t now_us)
{
	uint32_t nconns = env->conf->conns;
	struct layout l = layout(env->conf);
	char *mem;
	uint32_t i;
	int rc;

	memset(e, 0, sizeof(*e));
	rc = pcl_secret_init(&e->tw_key);
	if (rc != 0)
		return rc;
	mem = rte_zmalloc_socket("pcl_tcp", l.total, RTE_CACHE_LINE_SIZE,
				 env->socket == SOCKET_ID_ANY ? 0 : env->socket);
	if (mem == NULL)
		return -ENOMEM;
	e->mem = mem;
	e->conns = (struct pcl_conn *)mem;
	e->conf = env->conf;
	e->listeners = env->listeners;
	e->secrets = env->secrets;
	memcpy(e->ifs, env->ifs, sizeof(e->ifs));
	e->nifs = env->nifs;
	e->mp = env->mp;
	e->stats = env->stats;
	e->lcore = env->lcore;
	e->rto_floor_ms = RTE_MIN(env->conf->rto_min_ms, env->conf->rto_ms);
	pcl_tcp_clock(e, now_us);
	e->timers_done = e->now_tick - 1;

	for (i = 0; i < nconns; i++)
		pcl_tnode_init(&e->conns[i].tm);
	mem += l.conns;
	pcl_pool_init(&e->pool, mem, nconns);
	mem += l.pool;
	/* The sizes are powers of two and the config bounds the store: no init can fail. */
	pcl_table_init(&e->table, mem, nbuckets(env->conf), (uint32_t)rte_rand(), e->conns,
		       sizeof(struct pcl_conn), offsetof(struct pcl_conn, hnext));
	mem += l.table / 2;
	pcl_table_init(&e->btable, mem, nbuckets(env->conf), (uint32_t)rte_rand(),
		       (char *)e->conns + PCL_CONN_KEY2, sizeof(struct pcl_conn),
		       sizeof(struct pcl_tuple));
	mem += l.table / 2;
	pcl_wheel_init(&e->wheel, mem, PCL_WHEEL_SLOTS, &e->conns[0].tm, sizeof(struct pcl_conn),
		       e->now_tick);
	mem += l.wheel;
	pcl_tw_init(&e->tw, mem, env->conf->time_wait, tw_life(env->conf));
	mem += l.tw;
	e->sacks = (struct pcl_sack *)mem;
	mem += l.sacks;
	pcl_pool_init(&e->sack_pool, mem, nsacks(env->conf));
	mem = RTE_PTR_ALIGN_CEIL(mem + l.sack_pool, RTE_CACHE_LINE_SIZE);
	e->mss6 = (uint16_t)(env->conf->mss - (PCL_IP6_LEN - PCL_IP_LEN));
	if (env->conf->addr6 != 0) {
		rc = pcl_a6tab_init(&e->a6, mem, env->conf->addr6, (uint32_t)rte_rand());
		/* Our own addresses stay interned for good: every segment's destination resolves.
		 */
		for (i = 0; rc == 0 && i < env->nifs; i++)
			if (env->ifs[i].net->has6 &&
			    (pcl_a6tab_ref(&e->a6, env->ifs[i].net->addr6) == PCL_A6_NIL ||
			     pcl_a6tab_ref(&e->a6, env->ifs[i].net->ll6) == PCL_A6_NIL))
				rc = -ENOSPC;
		if (rc != 0) {
			rte_free(e->mem);
			e->mem = NULL;
			return rc;
		}
	}
	return 0;
}

void
pcl_tcp_drop_all(struct pcl_tcp *e)
{
	uint32_t i;

	for (i = 0; i < e->pool.cap; i++) {
		struct pcl_conn *c = &e->conns[i];

		if (c->state == PCL_TCP_CLOSED)
			continue;
		if (pcl_tcp_proxied(c->state))
			pcl_tcp_listener(e, c)->app->drop(e, c);
		conn_release(e, c);
	}
	pcl_tw_clear(&e->tw);
	pcl_stat_add(&e->by_state[PCL_TCP_TIME_WAIT], -e->by_state[PCL_TCP_TIME_WAIT]);
}

enum pcl_tcp_state
pcl_tcp_state_of(const struct pcl_tcp *e, const struct pcl_tuple *t)
{
	uint32_t idx = pcl_table_lookup(&e->table, t);

	if (idx == PCL_TABLE_NIL)
		idx = pcl_table_lookup(&e->btable, t);
	if (idx != PCL_TABLE_NIL)
		return (enum pcl_tcp_state)e->conns[idx].state;
	return pcl_tw_lookup(&e->tw, tw_fp(e, t)) != PCL_TW_NIL ? PCL_TCP_TIME_WAIT
								: PCL_TCP_CLOSED;
}

enum pcl_tcp_state
pcl_tcp_state_of6(const struct pcl_tcp *e, const struct pcl_tuple6 *t6)
{
	struct pcl_tuple t = {.rport = t6->rport, .lport = t6->lport};
	uint32_t idx = PCL_TABLE_NIL;
	uint64_t h;

	if (e->a6.cap == 0)
		return PCL_TCP_CLOSED;
	t.raddr = pcl_a6_enc(pcl_a6tab_find(&e->a6, t6->raddr));
	t.laddr = pcl_a6_enc(pcl_a6tab_find(&e->a6, t6->laddr));
	if (t.raddr != 0 && t.laddr != 0)
		idx = pcl_table_lookup(&e->table, &t);
	if (idx != PCL_TABLE_NIL)
		return (enum pcl_tcp_state)e->conns[idx].state;
	h = pcl_tuple6_prf(&e->tw_key, t6);
	return pcl_tw_lookup(&e->tw, h ? h : 1) != PCL_TW_NIL ? PCL_TCP_TIME_WAIT : PCL_TCP_CLOSED;
}

void
pcl_tcp_fini(struct pcl_tcp *e)
{
	if (e->mem == NULL)
		return;
	pcl_tcp_drop_all(e);
	rte_free(e->mem);
	e->mem = NULL;
}

/* ---- for the layers that extend the engine (pcl_tcp_ext.h) ---- */

struct pcl_conn *
pcl_tcp_alloc(struct pcl_tcp *e, uint8_t listener, enum pcl_tcp_state st)
{
	uint32_t idx = pcl_pool_get(&e->pool);
	struct pcl_conn *c;

	if (idx == PCL_POOL_EMPTY)
		return NULL;
	c = &e->conns[idx];
	memset(c, 0, sizeof(*c));
	pcl_tnode_init(&c->tm);
	c->listener = listener;
	c->state = (uint8_t)st;
	pcl_stat_add(&e->by_state[st], 1);
	return c;
}

void
pcl_tcp_set_state(struct pcl_tcp *e, struct pcl_conn *c, enum pcl_tcp_state st)
{
	if (c->state == PCL_TCP_SYN_RCVD && st != PCL_TCP_SYN_RCVD)
		e->half_open--;
	set_state(e, c, st);
}

void
pcl_tcp_arm(struct pcl_tcp *e, struct pcl_conn *c, uint32_t ms)
{
	arm(e, c, ms);
}

void
pcl_tcp_key2_add(struct pcl_tcp *e, struct pcl_conn *c)
{
	pcl_table_insert(&e->btable, pcl_conn_idx(e, c));
}

void
pcl_tcp_key2_del(struct pcl_tcp *e, struct pcl_conn *c)
{
	struct pcl_tuple *t = key2(c);

	pcl_table_remove(&e->btable, pcl_conn_idx(e, c));
	if (unlikely(pcl_tuple_is6(t))) {
		unintern6(e, t);
		t->raddr = t->laddr = pcl_a6_enc(PCL_A6_NIL);
	}
}

void
pcl_tcp_free(struct pcl_tcp *e, struct pcl_conn *c)
{
	conn_release(e, c);
}

bool
pcl_tcp_tuple_busy(const struct pcl_tcp *e, const struct pcl_tuple *t)
{
	return pcl_table_lookup(&e->table, t) != PCL_TABLE_NIL ||
	       pcl_table_lookup(&e->btable, t) != PCL_TABLE_NIL ||
	       pcl_tw_lookup(&e->tw, tw_fp(e, t)) != PCL_TW_NIL;
}

uint16_t
pcl_tcp_seg_mss(const struct pcl_tcp *e, const struct pcl_opts *o, const struct pcl_tuple *t)
{
	return seg_mss(e, o, t);
}

void
pcl_tcp_time_wait(struct pcl_tcp *e, const struct pcl_tuple *t, uint32_t snd_nxt, uint32_t rcv_nxt,
		  bool ts, uint32_t ts_recent, uint32_t ts_off, uint8_t wscale)
{
	tw_record(e, t, snd_nxt, rcv_nxt, ts, ts_recent, ts_off, wscale);
}

void
pcl_tcp_emit(struct pcl_tcp *e, uint8_t ifx, struct rte_mbuf *m, const struct pcl_out_seg *s)
{
	emit(e, ifx, m, s);
}
