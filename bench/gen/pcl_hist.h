/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_HIST_H
#define PCL_HIST_H

#include <stdint.h>

/*
 * A log-linear latency histogram: exact below 2^PCL_HIST_SUB, then 2^SUB
 * buckets per power of two, so a reported percentile is within 1/2^SUB
 * (6.25 %) of the true value. Recording is a shift and an add; no
 * allocation, so the generator's loop can record every handshake.
 */
#define PCL_HIST_SUB     4
#define PCL_HIST_MAXBITS 40 /* values up to 2^40 (18 minutes in ns) */
#define PCL_HIST_BUCKETS ((PCL_HIST_MAXBITS - PCL_HIST_SUB + 1) << PCL_HIST_SUB)

struct pcl_hist {
	uint64_t count;
	uint64_t max;
	uint64_t b[PCL_HIST_BUCKETS];
};

static inline unsigned int
pcl_hist_bucket(uint64_t v)
{
	unsigned int shift;

	if (v < (1u << PCL_HIST_SUB))
		return (unsigned int)v;
	if (v >= (UINT64_C(1) << PCL_HIST_MAXBITS))
		return PCL_HIST_BUCKETS - 1;
	/* v >> shift lies in [2^SUB, 2^(SUB+1)): its low SUB bits pick the sub-bucket. */
	shift = (unsigned int)(63 - __builtin_clzll(v)) - PCL_HIST_SUB;
	return ((shift + 1) << PCL_HIST_SUB) + (unsigned int)(v >> shift) - (1u << PCL_HIST_SUB);
}

static inline void
pcl_hist_add(struct pcl_hist *h, uint64_t v)
{
	h->b[pcl_hist_bucket(v)]++;
	h->count++;
	if (v > h->max)
		h->max = v;
}

/* The smallest value of bucket i. */
uint64_t pcl_hist_floor(unsigned int i);

/*
 * The value below which a fraction q (0..1) of the samples lie: the middle
 * of the bucket holding that sample, never above the largest sample seen.
 * 0 when empty.
 */
uint64_t pcl_hist_quantile(const struct pcl_hist *h, double q);

/* dst += src. */
void pcl_hist_merge(struct pcl_hist *dst, const struct pcl_hist *src);

/*
 * dst += what was added to a histogram between the copies prev and now (a
 * reader's snapshots of a histogram another lcore writes); dst's max
 * becomes at least now's, the largest sample known.
 */
void pcl_hist_delta(struct pcl_hist *dst, const struct pcl_hist *now, const struct pcl_hist *prev);

#endif
