/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_GEN_RTT_H
#define PCL_GEN_RTT_H

#include <stdint.h>

/*
 * The retransmission timeout of RFC 6298: SRTT and RTTVAR from round-trip
 * samples (alpha 1/8, beta 1/4, K 4, a clock granularity G of 1 ms), the
 * timeout SRTT + max(G, K * RTTVAR) kept within [min, max], the initial
 * value before any sample, and doubling per retransmission (5.5).
 *
 * One estimator per generator worker, not per connection: every client
 * talks to the same server over the same path, and a connection lives for
 * one or two round trips, too few to learn from. It is what Linux's
 * per-destination metrics cache does for a new connection's first RTO, and
 * it keeps a client's state at a few bytes. Samples are SYN to SYN-ACK, and
 * only from SYNs sent once (Karn's rule, RFC 6298 3).
 */

#define PCL_GEN_RTT_G_US 1000

struct pcl_gen_rtt {
	uint32_t srtt_us; /* 0 before the first sample */
	uint32_t rttvar_us;
	uint32_t rto_ms; /* the current timeout, before any backoff */
	uint32_t min_ms;
	uint32_t max_ms;
};

static inline void
pcl_gen_rtt_init(struct pcl_gen_rtt *r, uint32_t init_ms, uint32_t min_ms, uint32_t max_ms)
{
	r->srtt_us = 0;
	r->rttvar_us = 0;
	r->min_ms = min_ms;
	r->max_ms = max_ms;
	r->rto_ms = init_ms < min_ms ? min_ms : init_ms > max_ms ? max_ms : init_ms;
}

/* Takes one round-trip sample (RFC 6298 2.2 and 2.3). */
static inline void
pcl_gen_rtt_sample(struct pcl_gen_rtt *r, uint32_t rtt_us)
{
	uint64_t rto_us, var4;

	if (rtt_us == 0)
		rtt_us = 1; /* 0 is "no sample yet" */
	if (r->srtt_us == 0) {
		r->srtt_us = rtt_us;
		r->rttvar_us = rtt_us / 2;
	} else {
		uint32_t err = r->srtt_us > rtt_us ? r->srtt_us - rtt_us : rtt_us - r->srtt_us;

		r->rttvar_us = r->rttvar_us - r->rttvar_us / 4 + err / 4;
		r->srtt_us = r->srtt_us - r->srtt_us / 8 + rtt_us / 8;
		if (r->srtt_us == 0)
			r->srtt_us = 1;
	}
	var4 = 4 * (uint64_t)r->rttvar_us;
	rto_us = r->srtt_us + (var4 > PCL_GEN_RTT_G_US ? var4 : PCL_GEN_RTT_G_US);
	rto_us = (rto_us + 999) / 1000;
	r->rto_ms = rto_us < r->min_ms   ? r->min_ms
		    : rto_us > r->max_ms ? r->max_ms
					 : (uint32_t)rto_us;
}

/* The timeout after n retransmissions of one segment: doubled each time, at most max. */
static inline uint32_t
pcl_gen_rtt_backoff(const struct pcl_gen_rtt *r, unsigned int n)
{
	uint64_t t = (uint64_t)r->rto_ms << (n < 32 ? n : 32);

	return t > r->max_ms ? r->max_ms : (uint32_t)t;
}

#endif
