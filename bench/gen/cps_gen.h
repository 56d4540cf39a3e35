/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CPS_GEN_H
#define CPS_GEN_H

/* What the parts of the cps-gen program share: options, workers, runs. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ring.h>

#include "pcl_gen.h"
#include "pcl_gen_search.h"

#define PROG "cps-gen"

struct cps_opts {
	struct pcl_gen_cfg g; /* worker and nworkers are set per worker */
	uint64_t rate;        /* connections/s, 0 = as fast as the concurrency allows */
	bool open_loop;       /* at the rate whatever the server does */
	uint64_t flood_rate;  /* spoofed segments/s */
	uint64_t count;       /* connections to open, 0 = until the duration ends */
	uint64_t idle;        /* connections to open and hold before the run */
	uint64_t idle_rate;   /* opened per second while doing so */
	uint32_t duration_s;
	bool search;
	double loss;      /* the share a search step may lose */
	double precision; /* of the search */
	uint32_t step_s;  /* a search step's opening time */
	bool json, quiet, hold, have_dmac, have_queues;
	struct rte_ether_addr dmac;
};

/* Parses the options after the EAL's; exits 2 with a message on a bad one. */
void cps_opts_parse(int argc, char **argv, struct cps_opts *o);
void cps_opts_usage(FILE *f);

/* One run: the whole load of a normal run, or one search step. */
struct cps_run {
	uint64_t rate;        /* total, split between the workers; 0 = closed loop only */
	bool open_loop;       /* no concurrency cap; opens that find no client are missed */
	uint32_t concurrency; /* total, when closed loop */
	uint64_t count;       /* total opens (made or missed), 0 = no limit */
	uint64_t flood_rate;
	uint32_t secs; /* opening time */
	bool step;     /* a search step: see run_share */
	bool idle;     /* hold what it opens (pcl_gen.hold); its counters are then reset */
};

/* One generator worker: an lcore, its queues, its clients. */
struct cps_worker {
	struct pcl_gen g;
	unsigned int lcore;
	uint16_t port;
	struct rte_ring *inbox; /* frames other workers received for our clients */
	uint64_t busy;          /* TSC cycles of iterations that did something */
	uint64_t behind;        /* opens an open-loop schedule wanted but the loop did not make */
	uint64_t tx_stalls;     /* iterations whose opens a full TX queue cut short */
	uint64_t handed;        /* frames given to another worker */
	uint64_t handoff_drop;  /* and dropped: its inbox was full */
	uint64_t open_busy, open_span; /* busy and all TSC cycles of the last run's opening */
	uint32_t done;                 /* the last run finished (written by the worker) */
} __rte_cache_aligned;

extern struct cps_worker cps_workers[PCL_GEN_MAX_Q];
extern unsigned int cps_nworkers;
extern volatile bool cps_quit; /* a signal: stop now */

/* Called on the main lcore between its iterations while a run goes on. */
typedef void (*cps_tick_t)(uint64_t now);

/* Starts a worker loop on every lcore but the main one. */
void cps_launch(void);

/* Runs r on every worker, the main lcore's included; returns when all are done. */
void cps_execute(const struct cps_run *r, cps_tick_t tick);

/*
 * Ends the workers: each fails what is still open, sends what is queued and
 * returns; waits for them.
 */
void cps_finish(void);

/*
 * Opens n connections at rate, concurrency at once at most, and holds them:
 * again for those that failed, while that makes progress (three times at
 * most). Returns how many are held.
 */
uint64_t cps_idle(uint64_t n, uint64_t rate, uint32_t concurrency);

/* Polls worker 0 for ms milliseconds (the others poll by themselves between runs). */
void cps_poll_for(unsigned int ms);

/* Polls every queue of the port (before cps_launch) into worker 0. */
uint16_t cps_rx_all(struct cps_worker *w, uint64_t now);

/* Totals over the workers. */
void cps_stats_sum(struct pcl_gen_stats *sum);

/* Per-second lines from TSC t0 on: cps_report_tick prints one when a second is up. */
void cps_report_start(uint64_t t0);
void cps_report_tick(uint64_t now);

#define CPS_MAX_STEPS 20

/* A search and every step it ran. */
struct cps_search {
	struct pcl_gen_search s;
	bool probed; /* no --rate: a closed-loop step found the upper bound */
	struct pcl_gen_step probe;
	unsigned int n;
	struct pcl_gen_step steps[CPS_MAX_STEPS];
};

/* Runs the search (a line per step unless quiet). */
void cps_search(const struct cps_opts *o, struct cps_search *cs);

/* The line of one step, with its verdict if judged. */
void cps_report_step(const char *name, const struct pcl_gen_step *st, bool judged);

/*
 * The summary of everything run over secs seconds, text or one JSON object;
 * with the search and its steps when cs is not NULL.
 */
void cps_summary(const struct cps_opts *o, double secs, const struct cps_search *cs);

#endif
