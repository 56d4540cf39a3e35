/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TCP_H
#define PCL_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "base/pcl_stats.h"
#include "net/pcl_pkt.h"
#include "net/pcl_ref.h"
#include "net/pcl_steer.h"
#include "net/pcl_txq.h"
#include "tcp/pcl_addr6.h"
#include "tcp/pcl_conn.h"
#include "tcp/pcl_isn.h"
#include "tcp/pcl_pool.h"
#include "tcp/pcl_sack.h"
#include "tcp/pcl_table.h"
#include "tcp/pcl_timer.h"
#include "tcp/pcl_tw.h"

/* SACK scoreboards per worker: one per this many entries, within [64, 65535]. */
#define PCL_SACK_SHARE 16

/* Timer wheel: 10 ms ticks, 8192 slots = 82 s, longer than 2 MSL by default. */
#define PCL_TICK_MS      10
#define PCL_WHEEL_SLOTS  8192
#define PCL_TIMER_BUDGET 256
#define PCL_MAX_LISTEN   64
/* Interfaces (ports) a worker serves: the client side and, two-arm, the backend side. */
#define PCL_MAX_IFS 2
/* The interface clients come on; the other one, two-arm, is the backends'. */
#define PCL_IF_CLIENTS 0

enum pcl_cookie_mode {
	PCL_COOKIES_OFF,
	PCL_COOKIES_AUTO,
	PCL_COOKIES_ALWAYS,
};

/* What a closing connection does when the TIME_WAIT store is full. */
enum pcl_tw_full {
	PCL_TW_RECYCLE, /* the oldest record ends early and gives its place */
	PCL_TW_SKIP,    /* the closing connection goes without TIME_WAIT */
};

/* The engine's settings: the [tcp], [timers], [tables] and [syncookies] keys. */
struct pcl_tcp_conf {
	uint16_t mss; /* ours: port.mtu less the IPv4 and TCP headers (IPv6: 20 less) */
	uint32_t wscale;
	uint32_t rcv_wnd;
	uint32_t challenge_ack_limit; /* per second per lcore */
	uint32_t syncookies;          /* enum pcl_cookie_mode */
	uint32_t cookie_threshold;    /* auto: half-open entries that switch cookies on */
	uint32_t msl_ms;
	uint32_t time_wait_ms; /* 0: 2 MSL */
	uint32_t rto_ms;       /* initial: before the first RTT sample */
	uint32_t rto_min_ms;   /* floor of the RTO from RTT samples (RFC 6298 2.4) */
	uint32_t rto_max_ms;
	uint32_t synack_retries;
	uint32_t retries;
	uint32_t idle_timeout_ms; /* 0: never */
	uint32_t conns;           /* entries per worker lcore */
	uint32_t syn_backlog;     /* half-open entries per worker lcore */
	uint32_t time_wait;       /* TIME_WAIT records per worker lcore */
	uint32_t time_wait_full;  /* enum pcl_tw_full */
	uint32_t held;            /* client segments proxies may hold per worker lcore */
	uint32_t addr6;           /* IPv6 addresses interned per worker lcore; 0: no IPv6 */
};

struct pcl_tcp;

/*
 * What a listener does with its connections: terminate them (an app: recv)
 * or proxy them (a service: accept and the rest).
 *
 * recv gets in-order payload once; it answers with pcl_tcp_send() and may
 * end its side with pcl_tcp_close(). When the peer closes, the engine closes
 * too, after whatever the app has queued.
 *
 * accept gets a connection whose handshake with the client just completed
 * (still in SYN_RCVD; m, the third ACK, has passed the window and ACK
 * checks) and takes over the entry and m: from then on the entry is in a
 * proxied state (pcl_tcp_proxied()) and the engine hands its segments to
 * input, from the client or from the backend side (backend), its timer to
 * timeout, and, when it drops every connection, the entry to drop first so
 * that it can free what it holds. Those entries live in the engine's
 * tables, pool and wheel (tcp/pcl_tcp_ext.h).
 */
struct pcl_app_ops {
	void (*recv)(struct pcl_tcp *e, struct pcl_conn *c, const uint8_t *data, uint32_t len);
	void (*accept)(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m,
		       const struct pcl_seg *s);
	void (*input)(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m,
		      const struct pcl_seg *s, bool backend);
	void (*timeout)(struct pcl_tcp *e, struct pcl_conn *c);
	void (*drop)(struct pcl_tcp *e, struct pcl_conn *c);
};

/* The address families a listener takes connections from. */
enum pcl_family {
	PCL_FAMILY_BOTH,
	PCL_FAMILY_IPV4,
	PCL_FAMILY_IPV6,
};

/* "both", "ipv4", "ipv6", NULL: what configs say. */
extern const char *const pcl_family_names[];

/* A listening port: the app its connections get, and that app's settings. */
struct pcl_listener {
	const struct pcl_app_ops *app;
	const void *app_data;
	uint16_t port;
	uint8_t family; /* enum pcl_family */
};

/*
 * by_port's flag on a listener of one family (a service's, or family =
 * ipv4|ipv6): its segments take a slower path that checks their family,
 * so that a listener of both families costs the SYN path nothing.
 */
#define PCL_BY_PORT_ONE_FAMILY 0x80
_Static_assert(PCL_MAX_LISTEN < PCL_BY_PORT_ONE_FAMILY, "an index + 1 leaves the flag free");

/* Every listener, and which one each port has; read-only, shared by the workers. */
struct pcl_listeners {
	uint32_t n;
	struct pcl_listener l[PCL_MAX_LISTEN];
	uint8_t by_port[65536]; /* index + 1, | PCL_BY_PORT_ONE_FAMILY; 0: nobody listens */
};

/* Makes listener i (its port and family set) the one of its port. */
static inline void
pcl_listeners_bind(struct pcl_listeners *ls, uint32_t i)
{
	ls->by_port[ls->l[i].port] =
		(uint8_t)((i + 1) |
			  (ls->l[i].family != PCL_FAMILY_BOTH ? PCL_BY_PORT_ONE_FAMILY : 0));
}

/* An interface the engine sends on: our addresses there, and its TX sink. */
struct pcl_tcp_if {
	const struct pcl_pkt_ctx *net; /* our MAC and address, the source of what we send */
	struct pcl_txq *txq;
	bool chain; /* its device takes chained mbufs: a body by reference is not copied */
};

/* What the engine is given to run on; it keeps the pointers. */
struct pcl_tcp_env {
	const struct pcl_tcp_conf *conf;
	const struct pcl_listeners *listeners;
	const struct pcl_secrets *secrets; /* rotated by the control thread */
	struct pcl_tcp_if ifs[PCL_MAX_IFS];
	uint8_t nifs;
	struct rte_mempool *mp;  /* for segments that are not replies in place */
	struct pcl_stats *stats; /* the lcore's counters */
	unsigned int lcore;      /* for log lines */
	int socket;              /* NUMA socket of the tables */
};

/*
 * The TCP engine of one lcore: the server side of RFC 9293 connection
 * management with the RFC 5961 defences, RFC 7323 timestamps, PAWS and
 * window scaling, RFC 6528 ISNs and RFC 4987 SYN cookies. One owner, no
 * locks; the control thread only reads the gauges.
 */
struct pcl_tcp {
	/* The clock, set by pcl_tcp_clock() before each batch. */
	uint64_t now_us;
	uint32_t now_ms;   /* wraps; used for timestamps and idle ages */
	uint32_t now_tick; /* PCL_TICK_MS ticks, modulo 2^32 */
	/* The tick through which every timer has fired: pcl_tcp_timers_due(). */
	uint32_t timers_done;

	struct pcl_conn *conns;
	struct pcl_table table;
	struct pcl_table btable; /* proxied connections by their backend-side tuple */
	struct pcl_pool pool;
	struct pcl_wheel wheel;
	struct pcl_tw tw;       /* TIME_WAIT records */
	struct pcl_sack *sacks; /* SACK scoreboards, lent to connections (pcl_sack.h) */
	struct pcl_pool sack_pool;
	struct pcl_secret tw_key; /* for their tuple fingerprints */
	/* IPv6 (conf->addr6 != 0): the addresses IPv6 entries name (pcl_addr6.h). */
	struct pcl_a6tab a6;
	const uint8_t *cur_a6; /* the IPv6 segment being handled: its pcl_seg.a6 */
	/* The table hash of the segment being handled's tuple: a new entry's insert reuses it. */
	uint32_t cur_hash;
	uint16_t mss6; /* our MSS over IPv6: conf->mss less 20 */
	const struct pcl_tcp_conf *conf;
	const struct pcl_listeners *listeners;
	const struct pcl_secrets *secrets;
	struct pcl_tcp_if ifs[PCL_MAX_IFS];
	uint8_t nifs;
	struct rte_mempool *mp;
	struct pcl_stats *stats;

	uint32_t rto_floor_ms;    /* no RTO is lower: timers.rto_min_ms, or rto_ms if lower */
	uint32_t half_open;       /* entries in SYN_RCVD */
	bool cookie_on;           /* auto mode: answering SYNs with cookies */
	uint64_t cookie_until_us; /* cookies we sent are valid until then */
	uint32_t challenge_sec;   /* second the challenge-ACK budget belongs to */
	uint32_t challenge_left;
	/* Which worker owns a flow (pcl_worker_steer); NULL with one worker. */
	const struct pcl_steer *steer;
	uint16_t steer_index; /* ours */
	uint16_t next_port;   /* where the proxy looks for a free local port next */
	uint8_t next_laddr;   /* the local address it tries first next (0: the port's own) */
	/* Client segments the proxy holds (at most conf->held); relaxed atomics. */
	uint32_t held;
	unsigned int lcore;
	void *mem; /* one allocation behind conns, table, pool, wheel and TIME_WAIT store */

	/* Connections in each state right now (gauges the control thread reads). */
	uint64_t by_state[PCL_TCP_STATE_MAX] __rte_cache_aligned;
} __rte_cache_aligned;

/*
 * Prepares e with tables for env->conf->conns connections and
 * env->conf->time_wait TIME_WAIT records in DPDK memory, its clock at
 * now_us. Returns 0, -ENOMEM, or -errno when the OS has no randomness.
 */
int pcl_tcp_init(struct pcl_tcp *e, const struct pcl_tcp_env *env, uint64_t now_us);

/* Frees every connection and the tables. */
void pcl_tcp_fini(struct pcl_tcp *e);

/* Sets the engine's clock. */
static inline void
pcl_tcp_clock(struct pcl_tcp *e, uint64_t now_us)
{
	e->now_us = now_us;
	e->now_ms = (uint32_t)(now_us / 1000);
	e->now_tick = (uint32_t)(now_us / (PCL_TICK_MS * 1000));
}

/*
 * Handles a validated segment. Consumes the mbuf: it becomes the reply
 * (SYN-ACK, ACK, RST) when one fits in it, and is freed otherwise.
 */
void pcl_tcp_input(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s);

/*
 * pcl_tcp_input() for an IPv6 segment (from pcl_pkt_parse6): resolves its
 * addresses to interned indices in s->t first, then goes on as
 * pcl_tcp_input_local() when local, else as pcl_tcp_input(). Without
 * conf->addr6 the segment is dropped as not ours.
 */
void pcl_tcp_input6(struct pcl_tcp *e, struct rte_mbuf *m, struct pcl_seg *s, bool local);

/*
 * pcl_tcp_input() for a segment only a backend may send: to one of a
 * port's local addresses (PCL_PKT_TCP_LOCAL), or to any address of the
 * backend-facing port of two arms. For a proxied connection or its
 * TIME_WAIT; nobody listens there: anything else gets a closed port's RST.
 */
void pcl_tcp_input_local(struct pcl_tcp *e, struct rte_mbuf *m, const struct pcl_seg *s);

/*
 * Fires the timers that are due, at most PCL_TIMER_BUDGET of them (the rest
 * wait for the next call, counted as timer_deferred). Returns how many fired.
 */
unsigned int pcl_tcp_timers(struct pcl_tcp *e);

/*
 * Whether pcl_tcp_timers() would do anything: the clock reached a new tick,
 * or the last pass stopped at its budget. Nothing else comes due between
 * two polls of one tick (an expiry armed at the current tick goes to the
 * next slot), so a poll loop skips the pass and its calls.
 */
static inline bool
pcl_tcp_timers_due(const struct pcl_tcp *e)
{
	return e->now_tick != e->timers_done;
}

/*
 * Queues len bytes for the peer (the app's answer). They are sent after the
 * current segment is processed, as the peer's window allows. Returns 0, or
 * -ENOMEM when the mbuf pool is empty (counted; the bytes are lost and the
 * connection is aborted with RST rather than left to hang), or -ECONNRESET
 * when an earlier call already failed so.
 */
int pcl_tcp_send(struct pcl_tcp *e, struct pcl_conn *c, const void *data, uint32_t len);

/*
 * As pcl_tcp_send(), for len bytes of r from off, queued by reference:
 * nothing is copied, and an interface that takes chained mbufs sends them
 * as they are, with their precomputed sum. r outlives the engine.
 */
int pcl_tcp_send_ref(struct pcl_tcp *e, struct pcl_conn *c, const struct pcl_ref *r, uint32_t off,
		     uint32_t len);

/* Closes our direction: a FIN follows the queued data. */
void pcl_tcp_close(struct pcl_tcp *e, struct pcl_conn *c);

/* Frees every connection and TIME_WAIT record (at shutdown, and between fuzz inputs). */
void pcl_tcp_drop_all(struct pcl_tcp *e);

/* The state of the connection with tuple t: CLOSED when there is none. */
enum pcl_tcp_state pcl_tcp_state_of(const struct pcl_tcp *e, const struct pcl_tuple *t);

/* Our MSS toward the peer of t: port.mtu less the IP and TCP headers of its family. */
static inline uint16_t
pcl_tcp_our_mss(const struct pcl_tcp *e, const struct pcl_tuple *t)
{
	return likely(!pcl_tuple_is6(t)) ? e->conf->mss : e->mss6;
}

/* The state of the IPv6 connection with tuple t (seen from us). */
enum pcl_tcp_state pcl_tcp_state_of6(const struct pcl_tcp *e, const struct pcl_tuple6 *t);

/* The 36-byte tuple of an IPv6 entry's or segment's tuple t (see pcl_tcp_input6). */
void pcl_tcp_tuple6(const struct pcl_tcp *e, const struct pcl_tuple *t, struct pcl_tuple6 *out);

/* Bytes of DPDK memory pcl_tcp_init() takes for conf. */
uint64_t pcl_tcp_memsize(const struct pcl_tcp_conf *conf);

/*
 * Checks the engine's invariants, for tests: the pool, table, wheel, state
 * gauges and half-open count agree, so there are as many armed timers as
 * live entries, and the TIME_WAIT gauge counts the store's records. deep also walks every entry
 * (O(entries)): each live one is found by its tuple and has its timer armed, each free one has not,
 * and the gauges match the states. Returns 0, or -EFAULT with the first violation in err.
 */
int pcl_tcp_check(const struct pcl_tcp *e, bool deep, char *err, size_t errlen);

/* The listener a connection was accepted on. */
static inline const struct pcl_listener *
pcl_tcp_listener(const struct pcl_tcp *e, const struct pcl_conn *c)
{
	return &e->listeners->l[c->listener];
}

static inline uint32_t
pcl_conn_idx(const struct pcl_tcp *e, const struct pcl_conn *c)
{
	return (uint32_t)(c - e->conns);
}

/* Connections in any state right now, half-open included, from a by-state gauge array. */
static inline uint64_t
pcl_tcp_active(const uint64_t *by_state)
{
	uint64_t a = 0;
	unsigned int i;

	for (i = PCL_TCP_SYN_RCVD; i < PCL_TCP_STATE_MAX; i++)
		a += pcl_stat_read(&by_state[i]);
	return a;
}

#endif
