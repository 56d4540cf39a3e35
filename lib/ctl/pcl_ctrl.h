/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_CTRL_H
#define PCL_CTRL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/pcl_stats.h"
#include "ctl/pcl_lbctl.h"
#include "tcp/pcl_conn.h"
#include "tcp/pcl_isn.h"
#include "worker/pcl_worker.h"

/* A snapshot of every worker's counters, summed. */
struct pcl_totals {
	struct pcl_stats s;
	uint64_t by_state[PCL_TCP_STATE_MAX];
	struct pcl_resources res;
};

/*
 * Per-second rates over the last full second, written by the control thread
 * once a second, read by telemetry (relaxed atomic stores and loads).
 */
struct pcl_rates {
	uint64_t per_s[PCL_COUNTER_COUNT]; /* every counter, in PCL_COUNTERS order */
	uint64_t drops_per_s;
	uint64_t busy_pct[PCL_MAX_WORKERS]; /* share of each worker's time spent busy */
};

/* Sums the counters and resources of n workers into t. Safe while workers run. */
void pcl_ctrl_totals(struct pcl_worker *const *workers, unsigned int n, struct pcl_totals *t);

/* Prints the final totals, one "name value" per line, to f. */
void pcl_ctrl_print_totals(FILE *f, const struct pcl_totals *t);

/*
 * The control thread: never touches packets. Every second it updates
 * rates and logs resource exhaustion (pcl_pressure); every interval_s it logs a one-line summary of
 * rates since the previous line; it rotates the ISN and cookie secrets, each on its own period;
 * every 100 ms it looks after the services (pcl_lbctl: health, tables) and runs the reload a
 * SIGHUP asked for.
 */
struct pcl_ctrl {
	struct pcl_worker *const *workers;
	unsigned int nworkers;
	uint32_t interval_s;
	struct pcl_rates rates;
	struct pcl_secrets *secrets;
	uint32_t isn_rekey_s;    /* 0 = never */
	uint32_t cookie_rekey_s; /* 0 = never */
	struct pcl_lbctl *lb;    /* the services' health and tables; NULL without services */
	bool hup;                /* relaxed atomic: a SIGHUP asked for a reload */
	bool stop;               /* relaxed atomic: set by pcl_ctrl_stop() */
	pthread_t thread;
	bool running;
};

/* Starts the thread. Returns 0 or -errno. */
int pcl_ctrl_start(struct pcl_ctrl *ctl);

/* Stops and joins it. */
void pcl_ctrl_stop(struct pcl_ctrl *ctl);

#endif
