/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_HEALTH_H
#define PCL_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "lb/pcl_service.h"

/*
 * Whether a backend is fit for new connections, from what the workers
 * counted (the control thread sums their counters and looks every 100 ms):
 *
 * - Active checks (lb/pcl_probe.h): check_fall failed checks in a row take
 *   it down, check_rise passed ones in a row bring it back.
 * - Passive checks: check_fall handshakes in a row that failed (an RST or
 *   silence) with no connection accepted between take it out for
 *   passive_down_ms, doubling each time it fails again on coming back, up
 *   to passive_down_max_ms; an accepted connection makes the next time the
 *   first again. With active checks, check_rise passed checks bring it back
 *   before its time is up.
 *
 * Within one look the order of events is unknown: failures are taken as
 * the last, which errs toward taking a backend out.
 */

/* A backend's counters, summed over the workers. */
struct pcl_health_sample {
	uint64_t checks_ok;
	uint64_t checks_failed;
	uint64_t hs_failed; /* handshakes refused or not answered */
	uint64_t conns;     /* connections it accepted */
};

/* What the control thread keeps between two looks. */
struct pcl_health {
	struct pcl_health_sample last;
	uint32_t rise;             /* passed checks in a row */
	uint32_t fall;             /* failed checks in a row */
	uint32_t hs_fall;          /* failed handshakes with nothing accepted between */
	bool checks_down;          /* the active checks' verdict */
	uint64_t passive_until_ms; /* out for failed handshakes until then; 0: not out */
	uint32_t passive_ms;       /* how long the next time */
};

/* Starts h from the counters as they are now: the backend up. */
void pcl_health_init(struct pcl_health *h, const struct pcl_service_conf *conf,
		     const struct pcl_health_sample *now);

/* Takes in the counters as they are at now_ms. Returns whether the backend is fit. */
bool pcl_health_update(struct pcl_health *h, const struct pcl_service_conf *conf,
		       const struct pcl_health_sample *now, uint64_t now_ms);

#endif
