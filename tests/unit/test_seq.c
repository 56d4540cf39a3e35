/* SPDX-License-Identifier: BSD-3-Clause */
#include <criterion/criterion.h>

#include "tcp/pcl_seq.h"

/* Comparisons hold across the 2^32 wrap. */
Test(seq, wraps_around)
{
	cr_expect(pcl_seq_lt(0xfffffff0u, 0x10u));
	cr_expect(pcl_seq_gt(0x10u, 0xfffffff0u));
	cr_expect(pcl_seq_le(0xffffffffu, 0u));
	cr_expect(pcl_seq_ge(0u, 0xffffffffu));
	cr_expect(!pcl_seq_lt(0x10u, 0xfffffff0u));
}

/* Equal values are le and ge but neither lt nor gt. */
Test(seq, equal)
{
	cr_expect(pcl_seq_le(5, 5));
	cr_expect(pcl_seq_ge(5, 5));
	cr_expect(!pcl_seq_lt(5, 5));
	cr_expect(!pcl_seq_gt(5, 5));
}

/* Half the space apart is the limit of meaningful order. */
Test(seq, half_space)
{
	cr_expect(pcl_seq_lt(0, 0x7fffffffu));
	cr_expect(!pcl_seq_lt(0, 0x80000001u));
}

/* pcl_seq_in is [lo, hi), works across the wrap, and an empty range holds nothing. */
Test(seq, in_range)
{
	cr_expect(pcl_seq_in(10, 10, 20));
	cr_expect(pcl_seq_in(19, 10, 20));
	cr_expect(!pcl_seq_in(20, 10, 20));
	cr_expect(!pcl_seq_in(9, 10, 20));
	cr_expect(!pcl_seq_in(10, 10, 10));
	cr_expect(pcl_seq_in(0xfffffffeu, 0xfffffff0u, 0x10u));
	cr_expect(pcl_seq_in(5u, 0xfffffff0u, 0x10u));
	cr_expect(!pcl_seq_in(0x10u, 0xfffffff0u, 0x10u));
}
