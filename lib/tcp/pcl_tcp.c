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
 *  - Retransmission is go-back-N from snd_una with a fixed initial RTO and
 *    exponential backoff; short connections never collect RTT samples.
 *  - One timer per connection; what it means follows from the state and
 *    PCL_CF_RTO (retransmit, TIME_WAIT expiry, or idle check).
 */
#include <errno.h>
#include <string.h>

#include <rte_tcp.h>

#include "app/pcl_app.h"
#include "base/pcl_log.h"
#include "net/pcl_out.h"
#include "tcp/pcl_cookie.h"
#include "tcp/pcl_isn.h"
#include "tcp/pcl_seq.h"
#include "tcp/pcl_tcp.h"
#include "worker/pcl_worker.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG

/* RFC 9293 3.7.1: the MSS to assume when the peer sends none. */
#define PCL_DEFAULT_MSS 536
/* Floor for the peer's MSS, so one answer never becomes thousands of segments. */
#define PCL_MIN_MSS 64

const char *const pcl_tcp_state_names[] = {
#define PCL_STATE_NAME(s) #s,
	PCL_TCP_STATES(PCL_STATE_NAME)
#undef PCL_STATE_NAME
};

static inline void
drop(struct pcl_worker *w, struct rte_mbuf *m, enum pcl_drop why)
{
	w->stats.drop[why]++;
	rte_pktmbuf_free(m);
}

static inline uint32_t
ticks_from_now(const struct pcl_worker *w, uint32_t ms)
{
	return w->now_tick + (ms + PCL_TICK_MS - 1) / PCL_TICK_MS;
}

static inline void
arm(struct pcl_worker *w, struct pcl_conn *c, uint32_t ms)
{
	pcl_wheel_arm(&w->wheel, pcl_conn_idx(w, c), ticks_from_now(w, ms));
}

static inline void
set_state(struct pcl_worker *w, struct pcl_conn *c, enum pcl_tcp_state st)
{
	w->conns_by_state[c->state]--;
	w->conns_by_state[st]++;
	c->state = (uint8_t)st;
}

/* ---- send queue: a list of mbufs linked by next, bytes from snd_una on ---- */

static void
sndq_free(struct pcl_conn *c)
{
	struct rte_mbuf *m = c->sndq, *next;

	while (m != NULL) {
		next = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	c->sndq = NULL;
	c->sndq_len = 0;
}

static void
sndq_trim(struct pcl_conn *c, uint32_t n)
{
	c->sndq_len -= n;
	while (n > 0) {
		struct rte_mbuf *m = c->sndq;

		if (n < m->data_len) {
			m->data_off += n;
			m->data_len -= n;
			return;
		}
		n -= m->data_len;
		c->sndq = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
}

static void
sndq_copy(const struct pcl_conn *c, uint32_t off, uint8_t *dst, uint32_t len)
{
	const struct rte_mbuf *m = c->sndq;

	while (off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (len > 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);

		memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
		dst += n;
		len -= n;
		off = 0;
		m = m->next;
	}
}

int
pcl_tcp_send(struct pcl_worker *w, struct pcl_conn *c, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	struct rte_mbuf *tail = c->sndq;

	if (c->flags & PCL_CF_ABORT)
		return -ECONNRESET;
	while (tail != NULL && tail->next != NULL)
		tail = tail->next;
	while (len > 0) {
		uint32_t room = tail ? rte_pktmbuf_tailroom(tail) : 0;
		uint32_t n;

		if (room == 0) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(w->mp);

			if (m == NULL) {
				w->stats.drop[PCL_DROP_nombuf]++;
				c->flags |= PCL_CF_ABORT;
				return -ENOMEM;
			}
			if (tail == NULL)
				c->sndq = m;
			else
				tail->next = m;
			tail = m;
			room = rte_pktmbuf_tailroom(m);
		}
		n = RTE_MIN(room, len);
		memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t *, tail->data_len), p, n);
		tail->data_len += n;
		p += n;
		len -= n;
		c->sndq_len += n;
	}
	return 0;
}

/* ---- segments ---- */

/* What we advertise: the configured window less what the app has queued. */
static inline uint32_t
rcv_space(const struct pcl_worker *w, const struct pcl_conn *c)
{
	return w->cfg->rcv_wnd > c->sndq_len ? w->cfg->rcv_wnd - c->sndq_len : 0;
}

static inline uint16_t
wnd_field(const struct pcl_worker *w, const struct pcl_conn *c)
{
	return (uint16_t)RTE_MIN(rcv_space(w, c) >> c->rcv_wscale, (uint32_t)UINT16_MAX);
}

static inline uint32_t
ts_now(const struct pcl_worker *w, const struct pcl_conn *c)
{
	return w->now_ms + c->ts_off;
}

/* The mbuf a reply is written into: m (a received frame) or a new one. */
static struct rte_mbuf *
reply_mbuf(struct pcl_worker *w, struct rte_mbuf *m)
{
	if (m == NULL) {
		m = rte_pktmbuf_alloc(w->mp);
		if (m == NULL)
			w->stats.drop[PCL_DROP_nombuf]++;
	}
	return m;
}

/*
 * Sends one segment of c: seq, flags, and paylen bytes of the send queue
 * starting at seq. Reuses m when given (a received frame), else allocates.
 */
static int
send_seg(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m, uint32_t seq, uint8_t flags,
	 uint32_t paylen)
{
	uint8_t opts[PCL_OPT_TS_LEN];
	struct pcl_out_seg s = {
		.t = &c->t,
		.dst_mac = c->peer_mac,
		.seq = seq,
		.ack = c->rcv_nxt,
		.flags = flags,
		.wnd = wnd_field(w, c),
		.opts = opts,
		.paylen = (uint16_t)paylen,
	};

	m = reply_mbuf(w, m);
	if (m == NULL)
		return -ENOMEM;
	if (c->flags & PCL_CF_TS)
		s.optlen = (uint8_t)pcl_opt_build_ts(opts, ts_now(w, c), c->ts_recent);
	if (paylen) {
		sndq_copy(c, seq - c->snd_una,
			  rte_pktmbuf_mtod_offset(m, uint8_t *, PCL_HDR_LEN + s.optlen), paylen);
		w->stats.data_tx_bytes += paylen;
	}
	pcl_out_tcp(w, m, &s);
	return 0;
}

static void
send_ack(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m)
{
	send_seg(w, c, m, c->snd_nxt, ACK, 0);
}

/* A SYN-ACK for t with our seq and the peer's next byte; options as in so. */
static void
synack_out(struct pcl_worker *w, struct rte_mbuf *m, const struct pcl_tuple *t,
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
		.wnd = (uint16_t)RTE_MIN(w->cfg->rcv_wnd, (uint32_t)UINT16_MAX),
		.opts = opts,
	};

	m = reply_mbuf(w, m);
	if (m == NULL)
		return;
	s.optlen = (uint8_t)pcl_opt_build_synack(opts, so);
	w->stats.synack_tx++;
	pcl_out_tcp(w, m, &s);
}

static inline uint16_t
our_mss(const struct pcl_worker *w)
{
	return (uint16_t)(w->cfg->mtu - PCL_IP_LEN - PCL_TCP_LEN);
}

static void
send_synack(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m)
{
	struct pcl_synack_opts so = {
		.mss = our_mss(w),
		.wscale = c->rcv_wscale,
		.present = (uint8_t)((c->flags & PCL_CF_TS ? PCL_OPTF_TS : 0) |
				     (c->flags & PCL_CF_SACK ? PCL_OPTF_SACKOK : 0) |
				     (c->flags & PCL_CF_WS ? PCL_OPTF_WS : 0)),
		.tsval = ts_now(w, c),
		.tsecr = c->ts_recent,
	};

	synack_out(w, m, &c->t, c->peer_mac, c->snd_una, c->rcv_nxt, &so);
}

/* An RST for a segment that matches no connection (RFC 9293 3.10.7.1). */
static void
reply_rst(struct pcl_worker *w, struct rte_mbuf *m, const struct pcl_seg *in)
{
	struct pcl_out_seg s = {.t = &in->t, .dst_mac = pcl_out_peer_mac(m)};

	if (in->flags & ACK) {
		s.seq = in->ack;
		s.flags = RST;
	} else {
		s.ack = in->seq + in->len + !!(in->flags & SYN) + !!(in->flags & FIN);
		s.flags = RST | ACK;
	}
	w->stats.rst_tx++;
	pcl_out_tcp(w, m, &s);
}

/* RFC 5961 challenge ACK, limited per lcore per second (section 7). */
static void
challenge_ack(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m)
{
	uint32_t sec = w->now_ms / 1000;

	if (sec != w->challenge_sec) {
		w->challenge_sec = sec;
		w->challenge_left = w->cfg->challenge_ack_limit;
	}
	if (w->challenge_left == 0) {
		w->stats.challenge_acks_limited++;
		rte_pktmbuf_free(m);
		return;
	}
	w->challenge_left--;
	w->stats.challenge_acks++;
	send_ack(w, c, m);
}

/* ---- connection lifecycle ---- */

enum close_why {
	CLOSE_NORMAL,
	CLOSE_RESET,
	CLOSE_TIMEOUT,
	CLOSE_RETRIES,
	CLOSE_ABORT,
};

/* Unlinks c from the table and the wheel and returns it to the pool. */
static void
conn_release(struct pcl_worker *w, struct pcl_conn *c)
{
	uint32_t idx = pcl_conn_idx(w, c);

	if (c->state == PCL_TCP_SYN_RCVD)
		w->half_open--;
	pcl_table_remove(&w->table, idx);
	pcl_wheel_cancel(&w->wheel, idx);
	sndq_free(c);
	w->conns_by_state[c->state]--;
	c->state = PCL_TCP_CLOSED;
	pcl_pool_put(&w->pool, idx);
}

/* Frees c and counts why: every connection ends in exactly one counter. */
static void
conn_close(struct pcl_worker *w, struct pcl_conn *c, enum close_why why)
{
	if (c->state == PCL_TCP_SYN_RCVD) {
		if (why == CLOSE_RESET)
			w->stats.halfopen_reset++;
		else
			w->stats.halfopen_expired++;
	} else {
		switch (why) {
		case CLOSE_NORMAL:
			w->stats.conn_closed++;
			break;
		case CLOSE_RESET:
			w->stats.conn_reset++;
			break;
		case CLOSE_TIMEOUT:
			w->stats.conn_timeout++;
			break;
		case CLOSE_RETRIES:
			w->stats.conn_retry_limit++;
			break;
		case CLOSE_ABORT:
			w->stats.conn_aborted++;
			break;
		}
	}
	conn_release(w, c);
}

/*
 * Resets c from inside input. The RST is written into the received frame m:
 * an abort comes from an empty mbuf pool, when a new buffer for it would be
 * the one thing not there.
 */
static void
conn_abort(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m)
{
	if (send_seg(w, c, m, c->snd_nxt, RST | ACK, 0) == 0)
		w->stats.rst_tx++;
	conn_close(w, c, CLOSE_ABORT);
}

static void
enter_time_wait(struct pcl_worker *w, struct pcl_conn *c)
{
	set_state(w, c, PCL_TCP_TIME_WAIT);
	c->flags &= ~PCL_CF_RTO;
	sndq_free(c);
	arm(w, c, 2 * w->cfg->msl_ms);
}

/* The payload per segment toward a peer whose SYN carried o. */
static inline uint16_t
seg_mss(const struct pcl_worker *w, const struct pcl_opts *o)
{
	uint16_t mss = RTE_MIN(o->present & PCL_OPTF_MSS ? o->mss : PCL_DEFAULT_MSS, our_mss(w));

	/* A tiny MSS would turn one answer into thousands of segments. */
	return RTE_MAX(mss, (uint16_t)PCL_MIN_MSS);
}

/*
 * A new entry in SYN_RCVD for the peer of s, with the options o (from the
 * SYN, or recovered from a cookie), our ISN and TSval offset. Returns NULL
 * (m dropped and counted) when the pool is empty.
 */
static struct pcl_conn *
conn_new(struct pcl_worker *w, struct rte_mbuf *m, const struct pcl_seg *s,
	 const struct pcl_opts *o, uint8_t app, uint32_t client_isn, uint32_t isn, uint32_t ts_off)
{
	const struct pcl_config *cfg = w->cfg;
	uint32_t idx = pcl_pool_get(&w->pool);
	struct pcl_conn *c;

	if (idx == PCL_POOL_EMPTY) {
		drop(w, m, PCL_DROP_table_full);
		return NULL;
	}
	c = &w->conns[idx];
	memset(c, 0, sizeof(*c));
	pcl_tnode_init(&c->tm);
	c->t = s->t;
	c->app = app;
	c->state = PCL_TCP_SYN_RCVD;
	w->conns_by_state[PCL_TCP_SYN_RCVD]++;
	w->half_open++;

	c->ts_off = ts_off;
	c->snd_una = isn;
	c->snd_nxt = isn + 1;
	c->snd_max = isn + 1;
	c->rcv_nxt = client_isn + 1; /* data on a SYN is not acknowledged (no fast open) */
	c->snd_wnd = s->wnd;
	c->snd_wl1 = client_isn;
	c->mss = seg_mss(w, o);
	if (o->present & PCL_OPTF_TS) {
		c->flags |= PCL_CF_TS;
		c->ts_recent = o->tsval;
	}
	if (o->present & PCL_OPTF_SACKOK)
		c->flags |= PCL_CF_SACK;
	if (o->present & PCL_OPTF_WS) {
		c->flags |= PCL_CF_WS;
		c->snd_wscale = o->wscale;
		c->rcv_wscale = (uint8_t)cfg->wscale;
	}
	c->rto_ms = cfg->rto_ms;
	c->last_ms = w->now_ms;
	c->peer_mac = pcl_out_peer_mac(m);
	c->port = w->port;
	pcl_table_insert(&w->table, idx);
	return c;
}

/* Stateful: a SYN_RCVD entry now, and a SYN-ACK we retransmit until answered. */
static void
syn_open(struct pcl_worker *w, struct rte_mbuf *m, const struct pcl_seg *s, uint8_t app)
{
	struct pcl_isn isn;
	struct pcl_conn *c;

	if (w->half_open >= w->cfg->syn_backlog) {
		drop(w, m, PCL_DROP_syn_backlog);
		return;
	}
	isn = pcl_isn_make(pcl_keyring_current(&w->secrets->isn), &s->t, w->now_us);
	c = conn_new(w, m, s, &s->opts, app, s->seq, isn.isn, isn.ts_off);
	if (c == NULL)
		return;
	c->flags |= PCL_CF_RTO;
	arm(w, c, c->rto_ms);
	send_synack(w, c, m);
}

/*
 * Stateless: the SYN-ACK's sequence number is a cookie (pcl_cookie.h) and
 * nothing is allocated or retransmitted; a lost SYN-ACK is repaired by the
 * client's SYN retransmission.
 */
static void
syn_cookie(struct pcl_worker *w, struct rte_mbuf *m, const struct pcl_seg *s)
{
	const struct pcl_opts *o = &s->opts;
	uint32_t counter = pcl_cookie_counter(w->now_us);
	unsigned int mss_idx = pcl_cookie_mss_index(seg_mss(w, o));
	struct pcl_cookie ck =
		pcl_cookie_make(&w->secrets->cookie, &s->t, s->seq, counter, mss_idx);
	struct pcl_synack_opts so = {.mss = our_mss(w)};

	/* Without timestamps there is nowhere to keep window scale and SACK. */
	if (o->present & PCL_OPTF_TS) {
		so.present =
			(uint8_t)(PCL_OPTF_TS | (o->present & (PCL_OPTF_WS | PCL_OPTF_SACKOK)));
		so.wscale = (uint8_t)w->cfg->wscale;
		so.tsval = ((w->now_ms + ck.ts_off) & ~PCL_COOKIE_TS_MASK) | pcl_cookie_ts_bits(o);
		so.tsecr = o->tsval;
	}
	w->cookie_until_us = (uint64_t)(counter + PCL_COOKIE_MAX_AGE + 1)
			     << PCL_COOKIE_PERIOD_SHIFT;
	w->stats.cookie_sent++;
	synack_out(w, m, &s->t, pcl_out_peer_mac(m), ck.isn, s->seq + 1, &so);
}

/* auto mode: under pressure from this many half-open entries, or a pool this empty. */
static bool
cookie_pressure(struct pcl_worker *w)
{
	uint32_t threshold = RTE_MIN(w->cfg->cookie_threshold, w->cfg->syn_backlog);
	uint32_t nfree = w->pool.nfree;

	if (!w->cookie_on) {
		if (w->half_open < threshold && nfree >= w->pool.cap / 8)
			return false;
		w->cookie_on = true;
		w->stats.cookie_episodes++;
		PCL_LOG(NOTICE, "lcore %u: SYN cookies on (%u half-open, %u of %u entries free)",
			w->lcore, w->half_open, nfree, w->pool.cap);
		return true;
	}
	/* Hysteresis, so a load near the threshold does not flap. */
	if (w->half_open >= threshold / 2 || nfree < w->pool.cap / 4)
		return true;
	w->cookie_on = false;
	PCL_LOG(NOTICE, "lcore %u: SYN cookies off (%u half-open, %u of %u entries free)", w->lcore,
		w->half_open, nfree, w->pool.cap);
	return false;
}

static inline bool
use_cookie(struct pcl_worker *w)
{
	switch (w->cfg->syncookies) {
	case PCL_COOKIES_ALWAYS:
		return true;
	case PCL_COOKIES_AUTO:
		return cookie_pressure(w);
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
cookies_valid(const struct pcl_worker *w)
{
	return w->cfg->syncookies == PCL_COOKIES_ALWAYS ||
	       (w->cfg->syncookies == PCL_COOKIES_AUTO && w->now_us < w->cookie_until_us);
}

/*
 * The third ACK of a cookie handshake: validate, then open the connection
 * as if it had waited in SYN_RCVD. Returns it, for the ordinary path to take
 * the ACK and whatever data or FIN it carries; NULL when m was consumed.
 */
static struct pcl_conn *
cookie_ack(struct pcl_worker *w, struct rte_mbuf *m, const struct pcl_seg *s, uint8_t app)
{
	struct pcl_opts o = {0};
	uint32_t ts_off = 0;
	int mss_idx;

	mss_idx = pcl_cookie_check(&w->secrets->cookie, &s->t, s->seq - 1, s->ack - 1,
				   pcl_cookie_counter(w->now_us));
	if (mss_idx >= 0 && (s->opts.present & PCL_OPTF_TS) &&
	    pcl_cookie_ts_decode(s->opts.tsecr, &o) != 0)
		mss_idx = -EBADMSG;
	if (mss_idx < 0) {
		w->stats.cookie_bad++;
		reply_rst(w, m, s);
		return NULL;
	}
	w->stats.cookie_ok++;
	o.present |= PCL_OPTF_MSS;
	o.mss = pcl_cookie_mss[mss_idx];
	if (o.present & PCL_OPTF_TS) {
		o.tsval = s->opts.tsval;
		/* Our clock resumes from the TSval the SYN-ACK carried, so it never goes back. */
		ts_off = s->opts.tsecr - w->now_ms;
	}
	return conn_new(w, m, s, &o, app, s->seq - 1, s->ack - 1, ts_off);
}

/*
 * A segment for no connection. Returns the connection a cookie ACK opened,
 * for the caller to process m on; NULL when m was consumed.
 */
static struct pcl_conn *
listen_input(struct pcl_worker *w, struct rte_mbuf *m, const struct pcl_seg *s)
{
	uint8_t idx, app;

	if (s->flags & RST) {
		drop(w, m, PCL_DROP_tcp_rst_nomatch);
		return NULL;
	}
	idx = w->cfg->listen_idx[rte_be_to_cpu_16(s->t.lport)];
	if (idx == 0) {
		if ((s->flags & (SYN | ACK)) == SYN)
			w->stats.rst_closed_port++;
		reply_rst(w, m, s);
		return NULL;
	}
	app = (uint8_t)w->cfg->listeners[idx - 1].app;
	if ((s->flags & (SYN | ACK)) == SYN) {
		w->stats.syn_rx++;
		if (use_cookie(w))
			syn_cookie(w, m, s);
		else
			syn_open(w, m, s, app);
		return NULL;
	}
	if ((s->flags & (SYN | ACK)) == ACK && cookies_valid(w))
		return cookie_ack(w, m, s, app);
	reply_rst(w, m, s);
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

/* Counts a segment that starts below snd_max as a retransmission. */
static inline void
sent(struct pcl_worker *w, struct pcl_conn *c, uint32_t seqlen)
{
	if (pcl_seq_lt(c->snd_nxt, c->snd_max))
		w->stats.rexmits++;
	c->snd_nxt += seqlen;
}

/*
 * Sends what the window allows from snd_nxt: queued data in MSS-sized
 * segments, then the FIN (on the last data segment when it fits). With
 * probe set, one segment goes out even into a zero window. Returns the
 * number of segments sent; arms the retransmission timer when something
 * is in flight.
 */
static unsigned int
output(struct pcl_worker *w, struct pcl_conn *c, bool probe)
{
	uint32_t data_end = c->snd_una + c->sndq_len;
	uint32_t wnd_end = c->snd_una + c->snd_wnd;
	uint32_t seg_max = c->mss - (c->flags & PCL_CF_TS ? PCL_OPT_TS_LEN : 0);
	bool fin = fin_pending(c);
	unsigned int n = 0;

	while (pcl_seq_lt(c->snd_nxt, data_end)) {
		uint32_t win = pcl_seq_gt(wnd_end, c->snd_nxt) ? wnd_end - c->snd_nxt : 0;
		uint32_t len;
		uint8_t flags = ACK;

		if (win == 0 && !(probe && n == 0))
			break;
		len = RTE_MIN(RTE_MIN(data_end - c->snd_nxt, seg_max), RTE_MAX(win, 1u));
		if (c->snd_nxt + len == data_end) {
			flags |= PSH;
			if (fin)
				flags |= FIN;
		}
		if (send_seg(w, c, NULL, c->snd_nxt, flags, len) != 0)
			break;
		sent(w, c, len + !!(flags & FIN));
		n++;
	}
	if (fin && c->snd_nxt == data_end && send_seg(w, c, NULL, data_end, FIN | ACK, 0) == 0) {
		sent(w, c, 1);
		n++;
	}
	if (fin && c->snd_nxt == data_end + 1)
		c->flags |= PCL_CF_FIN_SENT;
	if (pcl_seq_gt(c->snd_nxt, c->snd_max))
		c->snd_max = c->snd_nxt;
	/* Data in flight, or held back by a zero window (the persist timer). */
	if (!(c->flags & PCL_CF_RTO) &&
	    (c->snd_max != c->snd_una || pcl_seq_lt(c->snd_nxt, data_end))) {
		c->flags |= PCL_CF_RTO;
		arm(w, c, c->rto_ms);
	}
	return n;
}

void
pcl_tcp_close(struct pcl_worker *w, struct pcl_conn *c)
{
	if (c->state == PCL_TCP_ESTABLISHED)
		set_state(w, c, PCL_TCP_FIN_WAIT_1);
	else if (c->state == PCL_TCP_CLOSE_WAIT)
		set_state(w, c, PCL_TCP_LAST_ACK);
}

/* ---- input on an existing connection ---- */

/* RFC 9293 3.10.7.4, first check: is any of the segment inside our window? */
static bool
seq_acceptable(const struct pcl_conn *c, const struct pcl_seg *s, uint32_t wnd)
{
	uint32_t len = s->len + !!(s->flags & SYN) + !!(s->flags & FIN);
	uint32_t end = c->rcv_nxt + wnd;

	if (len == 0)
		return wnd == 0 ? s->seq == c->rcv_nxt : pcl_seq_in(s->seq, c->rcv_nxt, end);
	if (wnd == 0)
		return false;
	return pcl_seq_in(s->seq, c->rcv_nxt, end) || pcl_seq_in(s->seq + len - 1, c->rcv_nxt, end);
}

/* The peer acknowledged new data (snd_una < ack <= snd_max). */
static void
ack_advance(struct pcl_worker *w, struct pcl_conn *c, uint32_t ack)
{
	sndq_trim(c, RTE_MIN(ack - c->snd_una, c->sndq_len));
	c->snd_una = ack;
	if (pcl_seq_lt(c->snd_nxt, ack))
		c->snd_nxt = ack;
	c->rexmits = 0;
	c->rto_ms = w->cfg->rto_ms;
	if (c->snd_una == c->snd_max) {
		c->flags &= ~PCL_CF_RTO;
		pcl_wheel_cancel(&w->wheel, pcl_conn_idx(w, c));
	} else {
		arm(w, c, c->rto_ms);
	}
}

/* Our FIN went out and everything up to and including it is acknowledged. */
static inline bool
fin_acked(const struct pcl_conn *c)
{
	return (c->flags & PCL_CF_FIN_SENT) && c->snd_una == c->snd_max;
}

/* The third ACK of the handshake. Returns false when m was consumed. */
static bool
syn_rcvd_ack(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	if (s->ack != c->snd_una + 1) {
		reply_rst(w, m, s);
		return false;
	}
	w->half_open--;
	set_state(w, c, PCL_TCP_ESTABLISHED);
	w->stats.conn_opened++;
	c->snd_una = s->ack;
	c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->rexmits = 0;
	c->rto_ms = w->cfg->rto_ms;
	c->flags &= ~PCL_CF_RTO;
	pcl_wheel_cancel(&w->wheel, pcl_conn_idx(w, c));
	return true;
}

/*
 * ACK processing in a synchronized state (RFC 9293 3.10.7.4, fifth check).
 * Returns false when m was consumed.
 */
static bool
ack_input(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	if (pcl_seq_gt(s->ack, c->snd_max)) {
		w->stats.drop[PCL_DROP_tcp_bad_ack]++;
		send_ack(w, c, m);
		return false;
	}
	if (pcl_seq_lt(s->ack, c->snd_una))
		return true; /* an old duplicate: nothing to learn from its ACK */
	if (pcl_seq_gt(s->ack, c->snd_una))
		ack_advance(w, c, s->ack);
	if (pcl_seq_lt(c->snd_wl1, s->seq) ||
	    (c->snd_wl1 == s->seq && pcl_seq_le(c->snd_wl2, s->ack))) {
		c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
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
receive(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
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
		w->stats.drop[PCL_DROP_tcp_ooo]++;
		w->stats.dup_acks_tx++;
		return true;
	}
	wnd = rcv_space(w, c);
	if (len > wnd) {
		len = wnd;
		fin = false;
	}
	c->rcv_nxt += len;
	w->stats.data_rx_bytes += len;
	/*
	 * The FIN changes state before the app sees the data, so an app that
	 * answers and closes a half-closed connection takes the passive path
	 * (CLOSE_WAIT -> LAST_ACK) and leaves TIME_WAIT to the peer.
	 */
	if (fin) {
		c->rcv_nxt++;
		if (c->state == PCL_TCP_ESTABLISHED)
			set_state(w, c, PCL_TCP_CLOSE_WAIT);
		else if (c->state == PCL_TCP_FIN_WAIT_1)
			set_state(w, c, PCL_TCP_CLOSING);
		else
			enter_time_wait(w, c);
	}
	if (len && !(c->flags & PCL_CF_APP_DONE) &&
	    (c->state == PCL_TCP_ESTABLISHED || c->state == PCL_TCP_CLOSE_WAIT))
		pcl_apps[c->app].recv(w, c, data, len);
	if (c->state == PCL_TCP_CLOSE_WAIT)
		pcl_tcp_close(w, c);
	return true;
}

static void
time_wait_input(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m,
		const struct pcl_seg *s)
{
	bool newer;

	if (s->flags & RST) {
		drop(w, m, PCL_DROP_tcp_tw_rst);
		return;
	}
	if ((s->flags & (SYN | ACK)) == SYN) {
		/* RFC 6191: a SYN that cannot be an old duplicate may reuse the tuple. */
		if ((c->flags & PCL_CF_TS) && (s->opts.present & PCL_OPTF_TS))
			newer = pcl_seq_gt(s->opts.tsval, c->ts_recent);
		else
			newer = pcl_seq_gt(s->seq, c->rcv_nxt);
		if (newer) {
			w->stats.time_wait_reused++;
			conn_close(w, c, CLOSE_NORMAL);
			listen_input(w, m, s); /* a SYN: never returns a connection */
			return;
		}
		send_ack(w, c, m);
		return;
	}
	if (seq_acceptable(c, s, rcv_space(w, c)) && !(s->flags & FIN) && s->len == 0) {
		rte_pktmbuf_free(m);
		return;
	}
	/* A retransmitted FIN means our last ACK was lost: restart 2 MSL. */
	if ((s->flags & FIN) && s->seq + s->len + 1 == c->rcv_nxt)
		arm(w, c, 2 * w->cfg->msl_ms);
	send_ack(w, c, m);
}

static void
conn_input(struct pcl_worker *w, struct pcl_conn *c, struct rte_mbuf *m, const struct pcl_seg *s)
{
	bool need_ack;

	if (c->state == PCL_TCP_SYN_RCVD && (s->flags & SYN)) {
		/* Our SYN-ACK was lost: send the same one again (same ISN). */
		send_synack(w, c, m);
		return;
	}
	/* RFC 5961 4.2: a SYN on a synchronized connection is challenged, whatever its sequence. */
	if (s->flags & SYN) {
		challenge_ack(w, c, m);
		return;
	}
	/* RFC 7323 5.3: PAWS. */
	if ((c->flags & PCL_CF_TS) && (s->opts.present & PCL_OPTF_TS) && !(s->flags & RST) &&
	    pcl_seq_lt(s->opts.tsval, c->ts_recent)) {
		w->stats.drop[PCL_DROP_tcp_paws]++;
		w->stats.dup_acks_tx++;
		send_ack(w, c, m);
		return;
	}
	if (!seq_acceptable(c, s, rcv_space(w, c))) {
		if (s->flags & RST) {
			drop(w, m, PCL_DROP_tcp_unacceptable);
			return;
		}
		w->stats.drop[PCL_DROP_tcp_unacceptable]++;
		w->stats.dup_acks_tx++;
		send_ack(w, c, m);
		return;
	}
	/* RFC 5961 3.2: only an exact RST closes; others in the window are challenged. */
	if (s->flags & RST) {
		if (s->seq == c->rcv_nxt) {
			conn_close(w, c, CLOSE_RESET);
			rte_pktmbuf_free(m);
		} else {
			challenge_ack(w, c, m);
		}
		return;
	}
	if (!(s->flags & ACK)) {
		drop(w, m, PCL_DROP_tcp_noack);
		return;
	}
	if (c->state == PCL_TCP_SYN_RCVD ? !syn_rcvd_ack(w, c, m, s) : !ack_input(w, c, m, s))
		return;
	c->last_ms = w->now_ms;
	/* RFC 7323 4.3: keep the TSval of the segment at the left window edge. */
	if ((c->flags & PCL_CF_TS) && (s->opts.present & PCL_OPTF_TS) &&
	    pcl_seq_le(s->seq, c->rcv_nxt))
		c->ts_recent = s->opts.tsval;

	if (fin_acked(c)) {
		if (c->state == PCL_TCP_FIN_WAIT_1) {
			set_state(w, c, PCL_TCP_FIN_WAIT_2);
		} else if (c->state == PCL_TCP_CLOSING) {
			enter_time_wait(w, c);
			rte_pktmbuf_free(m);
			return;
		} else if (c->state == PCL_TCP_LAST_ACK) {
			conn_close(w, c, CLOSE_NORMAL);
			rte_pktmbuf_free(m);
			return;
		}
	}

	need_ack = receive(w, c, m, s);
	if (c->flags & PCL_CF_ABORT) {
		conn_abort(w, c, m);
		return;
	}
	if (output(w, c, false) == 0 && need_ack)
		send_ack(w, c, m);
	else
		rte_pktmbuf_free(m);
	/* Nothing in flight and not in TIME_WAIT: watch for idleness. */
	if (!pcl_tnode_armed(&c->tm) && w->cfg->idle_timeout_ms)
		arm(w, c, w->cfg->idle_timeout_ms);
}

void
pcl_tcp_input(struct pcl_worker *w, struct rte_mbuf *m, const struct pcl_seg *s)
{
	uint32_t idx = pcl_table_lookup(&w->table, &s->t);
	struct pcl_conn *c;

	if (idx == PCL_TABLE_NIL) {
		c = listen_input(w, m, s);
		if (c != NULL)
			conn_input(w, c, m, s);
		return;
	}
	c = &w->conns[idx];
	if (c->state == PCL_TCP_TIME_WAIT)
		time_wait_input(w, c, m, s);
	else
		conn_input(w, c, m, s);
}

/* ---- timers ---- */

static inline void
backoff(const struct pcl_worker *w, struct pcl_conn *c)
{
	c->rexmits++;
	c->rto_ms = RTE_MIN(c->rto_ms * 2, w->cfg->rto_max_ms);
}

static void
idle_timeout(struct pcl_worker *w, struct pcl_conn *c)
{
	uint32_t idle = w->cfg->idle_timeout_ms;
	uint32_t quiet = w->now_ms - c->last_ms;

	if (idle == 0)
		return;
	if (quiet < idle) {
		arm(w, c, idle - quiet);
		return;
	}
	if (c->state == PCL_TCP_FIN_WAIT_2) {
		/* Our side is done and the peer never closed its own. */
		conn_close(w, c, CLOSE_TIMEOUT);
		return;
	}
	if (c->state == PCL_TCP_ESTABLISHED) {
		w->stats.idle_closes++;
		pcl_tcp_close(w, c);
		output(w, c, false);
	}
}

void
pcl_tcp_timeout(struct pcl_worker *w, struct pcl_conn *c)
{
	const struct pcl_config *cfg = w->cfg;

	if (c->state == PCL_TCP_TIME_WAIT) {
		conn_close(w, c, CLOSE_NORMAL);
		return;
	}
	if (!(c->flags & PCL_CF_RTO)) {
		idle_timeout(w, c);
		return;
	}
	if (c->rexmits >= (c->state == PCL_TCP_SYN_RCVD ? cfg->synack_retries : cfg->retries)) {
		conn_close(w, c, CLOSE_RETRIES);
		return;
	}
	backoff(w, c);
	if (c->state == PCL_TCP_SYN_RCVD) {
		w->stats.rexmits++;
		send_synack(w, c, NULL);
		arm(w, c, c->rto_ms);
		return;
	}
	/* Go back to the oldest unacknowledged byte; output re-arms the timer. */
	c->snd_nxt = c->snd_una;
	c->flags &= ~PCL_CF_RTO;
	output(w, c, true);
}

void
pcl_tcp_drop_all(struct pcl_worker *w)
{
	uint32_t i;

	for (i = 0; i < w->pool.cap; i++)
		if (w->conns[i].state != PCL_TCP_CLOSED)
			conn_release(w, &w->conns[i]);
}
