/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_SEQ_H
#define PCL_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Sequence-number arithmetic modulo 2^32 (RFC 9293 3.4): a is "before" b when
 * the signed distance b - a is positive. Valid while the two are less than
 * 2^31 apart, which TCP windows guarantee.
 */
static inline bool
pcl_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static inline bool
pcl_seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

static inline bool
pcl_seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static inline bool
pcl_seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* lo <= a < hi, modulo 2^32. An empty range (lo == hi) contains nothing. */
static inline bool
pcl_seq_in(uint32_t a, uint32_t lo, uint32_t hi)
{
	return a - lo < hi - lo;
}

#endif
