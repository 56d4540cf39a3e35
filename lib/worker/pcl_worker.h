/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_WORKER_H
#define PCL_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "base/pcl_stats.h"
#include "ctl/pcl_config.h"
#include "net/pcl_pkt.h"
#include "net/pcl_steer.h"
#include "tcp/pcl_conn.h"
#include "tcp/pcl_isn.h"
#include "tcp/pcl_pool.h"
#include "tcp/pcl_table.h"
#include "tcp/pcl_timer.h"

#define PCL_BURST 32
/* Replies of one iteration; a full buffer is flushed early. */
#define PCL_TX_BUF 256
/* Timer wheel: 10 ms ticks, 8192 slots = 82 s, longer than 2 MSL by default. */
#define PCL_TICK_MS      10
#define PCL_WHEEL_SLOTS  8192
#define PCL_TIMER_BUDGET 256

/*
 * Everything one worker lcore owns. Nothing here is written by any other
 * thread; the control thread reads stats and the state gauges.
 */
struct pcl_worker {
	/* per-iteration hot state */
	uint64_t now_us;
	uint32_t now_ms;   /* wraps; used for timestamps and idle ages */
	uint32_t now_tick; /* PCL_TICK_MS ticks, modulo 2^32 */
	uint64_t tsc_per_us;
	uint16_t port;
	uint16_t queue;
	uint16_t tx_n;
	bool fake_clock; /* scenario tests drive the clock */
	struct rte_mbuf *tx[PCL_TX_BUF];

	struct pcl_pkt_ctx pkt_ctx;
	struct pcl_table table;
	struct pcl_pool pool;
	struct pcl_wheel wheel;
	struct pcl_conn *conns;
	struct rte_mempool *mp;
	const struct pcl_config *cfg;
	const struct pcl_secrets *secrets; /* rotated by the control thread */
	uint32_t half_open;                /* entries in SYN_RCVD */
	bool cookie_on;                    /* auto mode: answering SYNs with cookies */
	uint64_t cookie_until_us;          /* cookies we sent are valid until then */
	uint32_t challenge_sec;            /* second the challenge-ACK budget belongs to */
	uint32_t challenge_left;
	unsigned int lcore;
	void *mem; /* one allocation behind conns, table, pool and wheel */

	/* Steering, with several workers (pcl_worker_steer); steer is NULL with one. */
	const struct pcl_steer *steer;
	struct rte_ring *const *inboxes; /* every worker's inbox, by worker index */
	uint16_t index;                  /* ours */
	bool hw_rss;                     /* the port's RSS hash is the one steer computes */

	struct pcl_stats stats;
	/* connections in each state right now (gauges) */
	uint64_t conns_by_state[PCL_TCP_STATE_MAX] __rte_cache_aligned;
} __rte_cache_aligned;

/*
 * Prepares w for port/queue with the worker's tables allocated from DPDK
 * memory on the caller's socket. Returns 0 or -ENOMEM.
 */
int pcl_worker_init(struct pcl_worker *w, const struct pcl_config *cfg,
		    const struct pcl_secrets *secrets, struct rte_mempool *mp, uint16_t port,
		    uint16_t queue, unsigned int lcore);

/*
 * Makes w one of several workers: index is its place in steer and inboxes;
 * packets of flows it does not own go to their owner's inbox (an rte_ring,
 * multi-producer, single-consumer), and it serves its own inbox. hw_rss says
 * the port hashes with pcl_rss_key and steer's redirection table.
 */
void pcl_worker_steer(struct pcl_worker *w, const struct pcl_steer *steer, uint16_t index,
		      struct rte_ring *const *inboxes, bool hw_rss);

/* Reads w's resource gauges; safe from another thread while w runs. */
void pcl_worker_resources(const struct pcl_worker *w, struct pcl_resources *r);

/* Frees every connection and the worker's memory. */
void pcl_worker_fini(struct pcl_worker *w);

/* Refreshes the worker's clock from the TSC (unless fake_clock). */
void pcl_worker_clock(struct pcl_worker *w);

/* Handles received packets; replies go to w->tx. Consumes every mbuf. */
void pcl_worker_input(struct pcl_worker *w, struct rte_mbuf **pkts, uint16_t n);

/*
 * Handles a received burst: with several workers, packets of flows another
 * worker owns go to its inbox first; the rest to pcl_worker_input().
 */
void pcl_worker_rx(struct pcl_worker *w, struct rte_mbuf **pkts, uint16_t n);

/* Handles up to a burst that other workers handed over. Returns how many. */
uint16_t pcl_worker_inbox(struct pcl_worker *w);

/* Fires due timers (bounded by PCL_TIMER_BUDGET). */
void pcl_worker_timers(struct pcl_worker *w);

/* Sends w->tx on the worker's queue; what the NIC refuses is freed and counted. */
void pcl_worker_flush(struct pcl_worker *w);

/*
 * One loop iteration: clock, RX burst, steering, inbox, timers, flush.
 * Returns packets received (from the port and the inbox).
 */
uint16_t pcl_worker_poll(struct pcl_worker *w);

/* Runs pcl_worker_poll until *quit becomes true. */
void pcl_worker_loop(struct pcl_worker *w, volatile bool *quit);

/* Queues a frame for transmission, flushing when the buffer is full. */
static inline void
pcl_worker_tx(struct pcl_worker *w, struct rte_mbuf *m)
{
	if (unlikely(w->tx_n == PCL_TX_BUF))
		pcl_worker_flush(w);
	w->tx[w->tx_n++] = m;
}

static inline uint32_t
pcl_conn_idx(const struct pcl_worker *w, const struct pcl_conn *c)
{
	return (uint32_t)(c - w->conns);
}

#endif
