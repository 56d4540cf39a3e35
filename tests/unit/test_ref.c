/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The precomputed sums of a buffer sent by reference (net/pcl_ref.h): the
 * sum of every range, placed at an even or an odd offset of a segment after
 * a copied prefix, must be what pcl_csum_raw() gives over the segment's
 * bytes laid out flat.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "net/pcl_ref.h"

#define N 67 /* odd: a lone last byte */

Test(ref, every_range_at_either_parity)
{
	uint8_t buf[N], seg[N + 3];
	struct pcl_ref r;
	uint32_t off, len, pre;

	srand(7);
	for (off = 0; off < N; off++)
		buf[off] = (uint8_t)rand();
	cr_assert_eq(pcl_ref_init(&r, buf, N), 0);
	for (pre = 0; pre <= 3; pre++) {
		for (off = 0; off < N; off++) {
			for (len = 1; off + len <= N; len++) {
				uint64_t sum;

				memset(seg, 0xa5, pre);
				memcpy(seg + pre, buf + off, len);
				/* A nonzero start: 0 and 0xffff both fold to 0xffff then. */
				sum = pcl_csum_raw(seg, pre, 1) +
				      pcl_ref_sum(&r, off, len, pre & 1);
				cr_assert_eq(pcl_csum_fold64(sum),
					     pcl_csum_fold64(pcl_csum_raw(seg, pre + len, 1)),
					     "%u bytes at %u after a prefix of %u", len, off, pre);
			}
		}
	}
	pcl_ref_fini(&r);
}

Test(ref, all_ones_and_zeros)
{
	static uint8_t ones[4096], zeros[4096];
	struct pcl_ref a, b;

	memset(ones, 0xff, sizeof(ones));
	cr_assert_eq(pcl_ref_init(&a, ones, sizeof(ones)), 0);
	cr_assert_eq(pcl_ref_init(&b, zeros, sizeof(zeros)), 0);
	cr_assert_eq(pcl_csum_fold64(pcl_ref_sum(&a, 1, 4000, false) + 1),
		     pcl_csum_fold64(pcl_csum_raw(ones + 1, 4000, 1)));
	cr_assert_eq(pcl_csum_fold64(pcl_ref_sum(&b, 3, 17, true) + 1), 1);
	pcl_ref_fini(&a);
	pcl_ref_fini(&b);
}
