/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_CC_H
#define PCL_CC_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>

#include "net/pcl_opt.h"
#include "tcp/pcl_conn.h"

/*
 * The arithmetic of congestion control and of the retransmission timer,
 * on one connection entry; pcl_tcp.c decides when each step applies.
 * docs/congestion.md says what was chosen and why.
 *
 *  - RFC 5681 NewReno: slow start below ssthresh (cwnd += min(acked, SMSS)
 *    per ACK), congestion avoidance above (about one SMSS per round trip),
 *    ssthresh = max(FlightSize / 2, 2 SMSS) on a loss; RFC 6928's initial
 *    window, also the restart window after an idle period.
 *  - RFC 6298: SRTT and RTTVAR in the integer form of Jacobson's paper
 *    (SRTT x 8, RTTVAR x 4, so the gains 1/8 and 1/4 are shifts), in ms,
 *    RTO = SRTT + max(G, 4 RTTVAR) within [rto_min_ms, rto_max_ms], G one
 *    timer tick; doubled per retransmission (rexmits).
 */

/* The clock granularity G of RFC 6298: the timer wheel's tick. */
#define PCL_CC_G_MS 10
/* RTT samples are clamped here, so SRTT x 8 fits 16 bits. */
#define PCL_CC_RTT_MAX_MS 8000

/* SMSS: the payload of a full segment, the timestamp option excluded. */
static inline uint32_t
pcl_cc_smss(const struct pcl_conn *c)
{
	return c->mss - (c->flags & PCL_CF_TS ? PCL_OPT_TS_LEN : 0);
}

/* RFC 6928: min(10 SMSS, max(2 SMSS, 14600)). */
static inline uint32_t
pcl_cc_iw(const struct pcl_conn *c)
{
	uint32_t smss = pcl_cc_smss(c);

	return RTE_MIN(10 * smss, RTE_MAX(2 * smss, 14600u));
}

/* A new connection: the initial window, no threshold yet, no recovery point above una. */
static inline void
pcl_cc_init(struct pcl_conn *c, uint32_t una)
{
	c->cwnd = pcl_cc_iw(c);
	c->ssthresh = UINT32_MAX;
	c->recover = una - 1;
}

/* The RTO before backoff: the initial one until the first sample (RFC 6298 2.1). */
static inline uint32_t
pcl_cc_rto_base(const struct pcl_conn *c, uint32_t init_ms, uint32_t min_ms)
{
	uint32_t rto;

	if (!(c->cc & PCL_CC_SRTT))
		return init_ms;
	rto = (c->srtt8 >> 3) + RTE_MAX((uint32_t)c->rttvar4, (uint32_t)PCL_CC_G_MS);
	return RTE_MAX(rto, min_ms);
}

/* The RTO after c->rexmits backoffs (RFC 6298 5.5), at most max_ms. */
static inline uint32_t
pcl_cc_rto(const struct pcl_conn *c, uint32_t init_ms, uint32_t min_ms, uint32_t max_ms)
{
	uint32_t base = pcl_cc_rto_base(c, init_ms, min_ms);
	uint64_t rto;

	if (likely(c->rexmits == 0))
		return RTE_MIN(base, max_ms);
	rto = (uint64_t)base << RTE_MIN(c->rexmits, 32);
	return (uint32_t)RTE_MIN(rto, (uint64_t)max_ms);
}

/* One RTT sample of r ms (RFC 6298 2.2, 2.3). */
static inline void
pcl_cc_rtt_sample(struct pcl_conn *c, uint32_t r)
{
	uint32_t err;

	r = RTE_MIN(r, (uint32_t)PCL_CC_RTT_MAX_MS);
	if (!(c->cc & PCL_CC_SRTT)) {
		c->srtt8 = (uint16_t)(r << 3);
		c->rttvar4 = (uint16_t)(r << 1);
		c->cc |= PCL_CC_SRTT;
		return;
	}
	err = r > (uint32_t)(c->srtt8 >> 3) ? r - (c->srtt8 >> 3) : (c->srtt8 >> 3) - r;
	c->rttvar4 = (uint16_t)(c->rttvar4 - (c->rttvar4 >> 2) + err);
	c->srtt8 = (uint16_t)(c->srtt8 - (c->srtt8 >> 3) + r);
}

/*
 * New data acknowledged outside recovery: slow start or congestion
 * avoidance (RFC 5681 3.1). Only a window that was in use grows (RFC 7661's
 * point): flight is what was outstanding before this ACK.
 */
static inline void
pcl_cc_ack(struct pcl_conn *c, uint32_t acked, uint32_t flight)
{
	uint32_t smss = pcl_cc_smss(c);

	if (2 * (uint64_t)flight < c->cwnd)
		return;
	if (c->cwnd < c->ssthresh)
		c->cwnd += RTE_MIN(acked, smss);
	else
		c->cwnd += RTE_MAX(smss * smss / c->cwnd, 1u);
}

/* RFC 5681 eq. 4 for a loss with flight bytes outstanding. */
static inline void
pcl_cc_loss(struct pcl_conn *c, uint32_t flight)
{
	c->ssthresh = RTE_MAX(flight / 2, 2 * pcl_cc_smss(c));
}

#endif
