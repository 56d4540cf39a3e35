/* SPDX-License-Identifier: BSD-3-Clause */
/* The pure parts of cps-gen: its latency histogram, response reader and flood kinds. */
#include <errno.h>

#include <criterion/criterion.h>

#include "pcl_gen.h"
#include "pcl_hist.h"

static struct pcl_hist h;

Test(hist, buckets_are_contiguous_and_their_floors_invert_them)
{
	uint64_t v;

	cr_expect_eq(pcl_hist_bucket(0), 0);
	cr_expect_eq(pcl_hist_bucket(31), 31, "exact below 2^(SUB+1)");
	for (v = 1; v < (1u << 20); v++) {
		unsigned int b = pcl_hist_bucket(v);

		cr_assert(b == pcl_hist_bucket(v - 1) || b == pcl_hist_bucket(v - 1) + 1,
			  "bucket jumps at %lu", (unsigned long)v);
		cr_assert_leq(pcl_hist_floor(b), v);
		cr_assert_gt(pcl_hist_floor(b + 1), v);
	}
	cr_expect_eq(pcl_hist_bucket(UINT64_MAX), PCL_HIST_BUCKETS - 1, "huge values clamp");
}

Test(hist, quantiles_are_within_the_bucket_resolution)
{
	uint64_t v;

	memset(&h, 0, sizeof(h));
	cr_expect_eq(pcl_hist_quantile(&h, 0.5), 0, "empty");
	for (v = 1; v <= 100000; v++)
		pcl_hist_add(&h, v);
	cr_expect_eq(h.count, 100000);
	cr_expect_eq(h.max, 100000);
	cr_expect_float_eq((double)pcl_hist_quantile(&h, 0.5), 50000.0, 50000.0 / 16);
	cr_expect_float_eq((double)pcl_hist_quantile(&h, 0.99), 99000.0, 99000.0 / 16);
	cr_expect_float_eq((double)pcl_hist_quantile(&h, 0.999), 99900.0, 99900.0 / 16);
	cr_expect_eq(pcl_hist_quantile(&h, 1.0), 100000, "never above the largest sample");
	cr_expect_eq(pcl_hist_quantile(&h, 0.0), 1);
}

Test(hist, merge_adds_counts_and_keeps_the_max)
{
	static struct pcl_hist a, b;

	pcl_hist_add(&a, 10);
	pcl_hist_add(&b, 1000);
	pcl_hist_add(&b, 20);
	pcl_hist_merge(&a, &b);
	cr_expect_eq(a.count, 3);
	cr_expect_eq(a.max, 1000);
	cr_expect_eq(pcl_hist_quantile(&a, 0.5), 20);
}

/* The generator's HTTP response length, which decides when it closes. */

static int32_t
left(const char *s)
{
	return pcl_gen_resp_left(s, (uint16_t)strlen(s));
}

Test(gen_resp, content_length_counts_what_is_still_to_come)
{
	cr_expect_eq(left("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world"), 0);
	cr_expect_eq(left("HTTP/1.1 200 OK\r\nServer: x\r\ncontent-length: 3000\r\n\r\nab"), 2998);
	cr_expect_eq(left("HTTP/1.1 200 OK\r\nCONTENT-LENGTH:5\r\n\r\n"), 5);
	cr_expect_eq(left("HTTP/1.1 200 OK\r\nX-Content-Length: 9\r\n\r\n"), 0,
		     "only a header named Content-Length");
	cr_expect_eq(left("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody"), 0, "no length: one segment");
	cr_expect_eq(left("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"), 0, "headers not complete");
	cr_expect_eq(left("\r\nContent-Length: 4\r\n\r\n"), 4, "a line at the very start");
}

/* --flood-kind: every name, mix last, nothing else. */
Test(gen_flood, kinds_parse_by_name)
{
	cr_expect_eq(pcl_gen_flood_kind("syn"), PCL_GEN_FLOOD_syn);
	cr_expect_eq(pcl_gen_flood_kind("rst"), PCL_GEN_FLOOD_rst);
	cr_expect_eq(pcl_gen_flood_kind("ack"), PCL_GEN_FLOOD_ack);
	cr_expect_eq(pcl_gen_flood_kind("mix"), PCL_GEN_FLOOD_mix);
	cr_expect_eq(pcl_gen_flood_kind("SYN"), -EINVAL);
	cr_expect_eq(pcl_gen_flood_kind(""), -EINVAL);
	cr_expect_eq(pcl_gen_flood_kind("fin"), -EINVAL);
}
