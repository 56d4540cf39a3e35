/* SPDX-License-Identifier: BSD-3-Clause */
#include <math.h>

#include "pcl_hist.h"

uint64_t
pcl_hist_floor(unsigned int i)
{
	unsigned int shift;

	if (i < (2u << PCL_HIST_SUB))
		return i;
	shift = (i >> PCL_HIST_SUB) - 1;
	return (uint64_t)((i & ((1u << PCL_HIST_SUB) - 1)) + (1u << PCL_HIST_SUB)) << shift;
}

uint64_t
pcl_hist_quantile(const struct pcl_hist *h, double q)
{
	uint64_t rank, seen = 0, lo, mid;
	unsigned int i;

	if (h->count == 0)
		return 0;
	/* The rank-th smallest sample, counting from 1. */
	rank = (uint64_t)ceil(q * (double)h->count);
	if (rank == 0)
		rank = 1;
	for (i = 0; i < PCL_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == PCL_HIST_BUCKETS)
		return h->max;
	lo = pcl_hist_floor(i);
	mid = i + 1 < PCL_HIST_BUCKETS ? lo + (pcl_hist_floor(i + 1) - lo) / 2 : lo;
	return mid < h->max ? mid : h->max;
}

void
pcl_hist_merge(struct pcl_hist *dst, const struct pcl_hist *src)
{
	unsigned int i;

	for (i = 0; i < PCL_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	if (src->max > dst->max)
		dst->max = src->max;
}

void
pcl_hist_delta(struct pcl_hist *dst, const struct pcl_hist *now, const struct pcl_hist *prev)
{
	unsigned int i;

	for (i = 0; i < PCL_HIST_BUCKETS; i++)
		dst->b[i] += now->b[i] - prev->b[i];
	dst->count += now->count - prev->count;
	if (now->max > dst->max)
		dst->max = now->max;
}
