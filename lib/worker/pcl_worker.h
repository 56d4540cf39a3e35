/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_WORKER_H
#define PCL_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "base/pcl_stats.h"
#include "lb/pcl_service.h"
#include "net/pcl_neigh.h"
#include "net/pcl_pkt.h"
#include "net/pcl_steer.h"
#include "net/pcl_txq.h"
#include "tcp/pcl_tcp.h"

#define PCL_BURST       32
#define PCL_MAX_WORKERS 64
/* ARP requests worker 0 may send per second, and how old a neighbour's MAC may get. */
#define PCL_NEIGH_PROBES     256
#define PCL_NEIGH_REFRESH_US (60ull * 1000000)
/* Entries a worker walks per iteration after a backend went down (pcl_proxy_sweep). */
#define PCL_SWEEP_BUDGET 1024

_Static_assert(PCL_MAX_WORKERS <= PCL_STEER_MAX, "steering names every worker");

/* A port a worker serves one queue pair of, and its address there. */
struct pcl_worker_if_conf {
	uint16_t port; /* RTE_MAX_ETHPORTS: none (tests feed and drain it by hand) */
	uint16_t queue;
	rte_be32_t addr;
	uint8_t prefix_len;
	bool has6; /* an IPv6 address (and the link-local one from the port's MAC) */
	uint8_t addr6[16];
	uint8_t prefix6_len;
	struct pcl_local_addrs local; /* sources toward backends besides addr */
	bool tx_chain;                /* without a port: whoever drains it takes chained mbufs */
};

/* What a worker is given; it keeps the pointers. */
struct pcl_worker_conf {
	const struct pcl_tcp_conf *tcp;
	const struct pcl_listeners *listeners;
	const struct pcl_secrets *secrets; /* rotated by the control thread */
	struct rte_mempool *mp;
	struct pcl_worker_if_conf ifs[PCL_MAX_IFS];
	uint8_t nifs;
	struct pcl_services *services; /* shared by the workers; NULL: none */
	unsigned int lcore;
};

/* One port as a worker serves it: its queue pair, our addresses there, its TX sink. */
struct pcl_worker_if {
	uint16_t port;
	uint16_t queue;
	struct pcl_pkt_ctx ctx;
	struct pcl_txq txq;
};

/*
 * Everything one worker lcore owns: a queue pair on each of its ports, the
 * TCP engine, the TX sinks the engine writes into and this loop flushes,
 * and the lcore's counters. Nothing here is written by any other thread;
 * the control thread reads the counters and gauges.
 */
struct pcl_worker {
	struct pcl_tcp tcp;
	struct pcl_worker_if ifs[PCL_MAX_IFS];
	uint8_t nifs;
	/*
	 * Steered packets: which of ifs they came on, by their port; the last
	 * slot for an interface without a port (tests and pcl-bench feed those).
	 */
	uint8_t ifx_of_port[RTE_MAX_ETHPORTS + 1];
	/*
	 * Microseconds per TSC cycle as a 0.64 fixed-point fraction: the clock
	 * every poll reads is one multiply (pcl_worker_us), not a division.
	 */
	uint64_t us_per_tsc;
	bool fake_clock; /* tests drive the clock through tcp.now_us */
	struct rte_mempool *mp;
	struct pcl_neigh *neigh;       /* the services' backends; NULL without services */
	struct pcl_services *services; /* NULL without */
	uint64_t next_probe_us;        /* when worker 0 next asks for stale neighbours */
	uint32_t probe_next;           /* the neighbour it asks for next */
	uint32_t down_gen;             /* the services' down_gen it has swept for */
	uint32_t sweep_pos;            /* where the sweep goes on; pool.cap when done */
	unsigned int lcore;

	/* Steering, with several workers (pcl_worker_steer); steer is NULL with one. */
	const struct pcl_steer *steer;
	struct rte_ring *const *inboxes; /* every worker's inbox, by worker index */
	uint16_t index;                  /* ours */
	bool hw_rss;                     /* the port's RSS hash is the one steer computes */

	struct pcl_stats stats;
} __rte_cache_aligned;

/*
 * Prepares w for its ports and queues, with the engine's tables in DPDK
 * memory on the lcore's socket. Returns 0, -ENODEV when a port's MAC cannot
 * be read, -EINVAL for no port or too many, or -ENOMEM.
 */
int pcl_worker_init(struct pcl_worker *w, const struct pcl_worker_conf *conf);

/*
 * Gives interface ifx the IPv6 address addr6 (NULL: none), and the
 * link-local address from its MAC; called by pcl_worker_init() and by tests
 * that set a MAC of their own. The engine interns it at its init.
 */
void pcl_worker_set6(struct pcl_worker *w, uint8_t ifx, const uint8_t *addr6);

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

/* Frees every connection, what the TX sink holds, and the worker's memory. */
void pcl_worker_fini(struct pcl_worker *w);

/* Refreshes the engine's clock from the TSC (unless fake_clock). */
void pcl_worker_clock(struct pcl_worker *w);

/* Handles packets received on interface ifx; replies go to the TX sinks. Consumes every mbuf. */
void pcl_worker_input(struct pcl_worker *w, uint8_t ifx, struct rte_mbuf **pkts, uint16_t n);

/*
 * Handles a burst received on interface ifx: with several workers, packets
 * of flows another worker owns go to its inbox first; the rest to
 * pcl_worker_input().
 */
void pcl_worker_rx(struct pcl_worker *w, uint8_t ifx, struct rte_mbuf **pkts, uint16_t n);

/* Handles up to a burst that other workers handed over. Returns how many. */
uint16_t pcl_worker_inbox(struct pcl_worker *w);

/* Fires due timers (bounded by PCL_TIMER_BUDGET). */
void pcl_worker_timers(struct pcl_worker *w);

/*
 * Worker 0 only, once a second: ARP requests for the neighbours whose MAC
 * is unknown or a minute old, PCL_NEIGH_PROBES at most per second.
 */
void pcl_worker_probe(struct pcl_worker *w);

/*
 * Queues one duplicate address detection probe (RFC 4862 5.4: a Neighbor
 * Solicitation from :: for the address) for the port.addr6 of every
 * interface that has one and a port; the next flush sends it. Another
 * host's answer is counted as nd_dup and logged (the address is in use
 * twice). The first worker does it at init, so each port probes once.
 * Returns the probes queued.
 */
unsigned int pcl_worker_dad(struct pcl_worker *w);

/*
 * The services' part of the loop: worker 0's health checks (lb/pcl_probe.h),
 * and once a backend of a reset service went down, a walk over the entries,
 * PCL_SWEEP_BUDGET of them per iteration.
 */
void pcl_worker_services(struct pcl_worker *w);

/* Sends the TX sinks on the worker's queues; what a NIC refuses is freed and counted. */
void pcl_worker_flush(struct pcl_worker *w);

/*
 * One loop iteration: clock, an RX burst from each port, steering, inbox,
 * timers, flush. Returns packets received (from the ports and the inbox).
 */
uint16_t pcl_worker_poll(struct pcl_worker *w);

/* Runs pcl_worker_poll until *quit becomes true (read with a relaxed atomic load). */
void pcl_worker_loop(struct pcl_worker *w, const bool *quit);

#endif
