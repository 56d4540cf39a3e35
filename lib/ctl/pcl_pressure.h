/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PRESSURE_H
#define PCL_PRESSURE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/pcl_stats.h"

/*
 * Resource exhaustion, in the log: a WARNING once a second while a worker
 * keeps running out of something, and a NOTICE the first second it does
 * not. The counters say how much; the log says when, without flooding.
 */
#define PCL_PRESSURE_KINDS(X)                                                                      \
	X(table_full, drop[PCL_DROP_table_full], "connection pool full", "SYNs dropped")           \
	X(syn_backlog, drop[PCL_DROP_syn_backlog], "SYN backlog full", "SYNs dropped")             \
	X(nombuf, drop[PCL_DROP_nombuf], "mbuf pool empty", "allocations failed")                  \
	X(tx_full, drop[PCL_DROP_tx_full], "TX queue full", "replies dropped")                     \
	X(steer_full, drop[PCL_DROP_steer_full], "steering ring full", "packets dropped")          \
	X(tw_recycled, time_wait_recycled, "TIME_WAIT store full", "records ended early")          \
	X(tw_skipped, time_wait_skipped, "TIME_WAIT store full", "closings without TIME_WAIT")     \
	X(timers, timer_deferred, "timer wheel behind", "passes stopped at the budget")            \
	X(proxy_no_port, proxy_no_port, "no free local port toward a backend",                     \
	  "proxied connections refused")                                                           \
	X(nd_dup, nd_dup, "another host claims port.addr6 (duplicate address)", "advertisements")

enum pcl_pressure_kind {
#define PCL_PRESSURE_ENUM(n, f, what, unit) PCL_PRESSURE_##n,
	PCL_PRESSURE_KINDS(PCL_PRESSURE_ENUM)
#undef PCL_PRESSURE_ENUM
		PCL_PRESSURE_MAX
};

/* One worker's state, zeroed before the first check. */
struct pcl_pressure {
	uint64_t last[PCL_PRESSURE_MAX];
	bool on[PCL_PRESSURE_MAX];
};

/*
 * Compares the counters of lcore's worker s with the previous call's and
 * logs what started, went on or ended. Call it once a second. Returns the
 * lines logged.
 */
unsigned int pcl_pressure_check(struct pcl_pressure *p, const struct pcl_stats *s,
				unsigned int lcore);

#endif
