/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TEST_GEN_WIRE_H
#define PCL_TEST_GEN_WIRE_H

/*
 * The wire between cps-gen's clients (one pcl_gen per generator worker) and
 * the real worker of the harness, in-process: what the generators queue
 * goes to pcl_worker_input(), what the worker queues goes back to the
 * generator that owns the flow, and either direction can lose frames. Both
 * clocks advance together, by hand.
 */
#include <stdbool.h>
#include <stdint.h>

#include <rte_tcp.h>

#include "harness.h"
#include "pcl_gen.h"

#define GW_MAX 2

/* Whether to lose a frame: its TCP header and payload length. */
typedef bool (*gw_drop_t)(const struct rte_tcp_hdr *th, uint16_t len);

struct gw {
	struct th *t;
	struct pcl_gen g[GW_MAX];
	unsigned int n;
	uint64_t now;     /* the generators' TSC */
	uint64_t handed;  /* replies a generator refused and its owner took */
	uint64_t dropped; /* frames lost on purpose, both ways */
	uint64_t wrong_q; /* frames a generator sent on a queue it does not own */
};

/* A client config for the harness's server: 1000 ports, a 1 s timeout, RTO 200 ms. */
void gw_cfg(struct pcl_gen_cfg *cfg);

/* Starts n generators (workers 0..n-1 of n, nq = n) on t with cfg. */
void gw_start(struct gw *w, struct th *t, const struct pcl_gen_cfg *cfg, unsigned int n);
void gw_fini(struct gw *w);

/* Delivers the generators' frames to the server, losing those drop says (NULL: none). */
unsigned int gw_to_server(struct gw *w, gw_drop_t drop);

/* Delivers the server's frames to their generators, losing those drop says. */
unsigned int gw_to_gen(struct gw *w, gw_drop_t drop);

/* Both ways until nothing moves, losing what up (to the server) and down say. */
void gw_pump(struct gw *w, gw_drop_t up, gw_drop_t down);

/* Advances both clocks by ms and fires every timer due, on both sides. */
void gw_elapse(struct gw *w, uint32_t ms);

/* Sums over the generators. */
uint64_t gw_sum(const struct gw *w, size_t stat_offset);
#define GW_SUM(w, field) gw_sum((w), offsetof(struct pcl_gen_stats, field))

/* Active connections over the generators. */
uint32_t gw_active(const struct gw *w);

#endif
