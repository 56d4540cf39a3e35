/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "net/pcl_opt.h"

static int
parse(const uint8_t *p, unsigned int n, struct pcl_opts *o)
{
	memset(o, 0xaa, sizeof(*o));
	return pcl_opt_parse(p, n, o);
}

/* Every known option, Linux's SYN layout. */
Test(opt, parses_linux_syn)
{
	static const uint8_t p[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
				    1, 0, 0,    0,    0, 7, 1, 3,  3, 7};
	struct pcl_opts o;

	cr_assert_eq(parse(p, sizeof(p), &o), 0);
	cr_expect_eq(o.present, PCL_OPTF_MSS | PCL_OPTF_SACKOK | PCL_OPTF_TS | PCL_OPTF_WS);
	cr_expect_eq(o.mss, 1460);
	cr_expect_eq(o.tsval, 256);
	cr_expect_eq(o.tsecr, 7);
	cr_expect_eq(o.wscale, 7);
}

/* RFC 7323 2.3: a shift above 14 counts as 14. */
Test(opt, clamps_wscale)
{
	static const uint8_t p[] = {3, 3, 20, 0};
	struct pcl_opts o;

	cr_assert_eq(parse(p, sizeof(p), &o), 0);
	cr_expect_eq(o.wscale, 14);
}

/* EOL ends the list; unknown kinds are skipped by their length. */
Test(opt, eol_and_unknown)
{
	static const uint8_t p[] = {30, 4, 9, 9, 2, 4, 1, 0, 0, 3, 3, 5};
	struct pcl_opts o;

	cr_assert_eq(parse(p, sizeof(p), &o), 0);
	cr_expect_eq(o.present, PCL_OPTF_MSS);
	cr_expect_eq(o.mss, 256);
}

/* Impossible lengths are errors. */
Test(opt, rejects_bad_lengths)
{
	static const uint8_t len0[] = {30, 0};
	static const uint8_t len1[] = {30, 1};
	static const uint8_t past_end[] = {30, 8, 0, 0};
	static const uint8_t mss3[] = {2, 3, 5, 0};
	static const uint8_t ts8[] = {8, 8, 0, 0, 0, 0, 0, 0};
	static const uint8_t ws4[] = {3, 4, 7, 0};
	static const uint8_t sack3[] = {4, 3, 0, 1};
	static const uint8_t lone_kind[] = {1, 1, 1, 2};
	struct pcl_opts o;

	cr_expect_eq(parse(len0, sizeof(len0), &o), -EINVAL);
	cr_expect_eq(parse(len1, sizeof(len1), &o), -EINVAL);
	cr_expect_eq(parse(past_end, sizeof(past_end), &o), -EINVAL);
	cr_expect_eq(parse(mss3, sizeof(mss3), &o), -EINVAL);
	cr_expect_eq(parse(ts8, sizeof(ts8), &o), -EINVAL);
	cr_expect_eq(parse(ws4, sizeof(ws4), &o), -EINVAL);
	cr_expect_eq(parse(sack3, sizeof(sack3), &o), -EINVAL);
	cr_expect_eq(parse(lone_kind, sizeof(lone_kind), &o), -EINVAL);
}

/* Empty or all-NOP option blocks are fine. */
Test(opt, empty)
{
	static const uint8_t nops[] = {1, 1, 1, 1};
	struct pcl_opts o;

	cr_expect_eq(parse(nops, 0, &o), 0);
	cr_expect_eq(o.present, 0);
	cr_expect_eq(parse(nops, sizeof(nops), &o), 0);
	cr_expect_eq(o.present, 0);
}

/* The SYN-ACK layout for each combination, byte for byte, and its round trip. */
Test(opt, builds_synack_layouts)
{
	static const struct {
		uint8_t present;
		uint8_t len;
		uint8_t bytes[20];
	} cases[] = {
		{0, 4, {2, 4, 5, 0xb4}},
		{PCL_OPTF_SACKOK, 8, {2, 4, 5, 0xb4, 1, 1, 4, 2}},
		{PCL_OPTF_WS, 8, {2, 4, 5, 0xb4, 1, 3, 3, 7}},
		{PCL_OPTF_SACKOK | PCL_OPTF_WS, 12, {2, 4, 5, 0xb4, 1, 1, 4, 2, 1, 3, 3, 7}},
		{PCL_OPTF_TS, 16, {2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0, 0, 9, 0, 0, 0, 5}},
		{PCL_OPTF_TS | PCL_OPTF_SACKOK,
		 16,
		 {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 5}},
		{PCL_OPTF_TS | PCL_OPTF_WS, 20, {2, 4, 5, 0xb4, 1, 1, 8, 10, 0, 0,
						 0, 9, 0, 0,    0, 5, 1, 3,  3, 7}},
		{PCL_OPTF_TS | PCL_OPTF_SACKOK | PCL_OPTF_WS,
		 20,
		 {2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 9, 0, 0, 0, 5, 1, 3, 3, 7}},
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pcl_synack_opts so = {.mss = 1460,
					     .wscale = 7,
					     .present = cases[i].present,
					     .tsval = 9,
					     .tsecr = 5};
		uint8_t buf[PCL_OPT_SYNACK_MAX];
		struct pcl_opts o;
		unsigned int n = pcl_opt_build_synack(buf, &so);

		cr_assert_eq(n, cases[i].len, "case %u: length %u", i, n);
		cr_expect_eq(memcmp(buf, cases[i].bytes, n), 0, "case %u: bytes", i);
		cr_assert_eq(pcl_opt_parse(buf, n, &o), 0);
		cr_expect_eq(o.present, cases[i].present | PCL_OPTF_MSS, "case %u: round trip", i);
	}
}

/* NOP,NOP,TS on every segment once timestamps are on. */
Test(opt, builds_ts)
{
	static const uint8_t want[] = {1, 1, 8, 10, 0x12, 0x34, 0x56, 0x78, 0, 0, 0, 1};
	uint8_t buf[PCL_OPT_TS_LEN];

	cr_assert_eq(pcl_opt_build_ts(buf, 0x12345678, 1), PCL_OPT_TS_LEN);
	cr_expect_eq(memcmp(buf, want, sizeof(want)), 0);
}

/* Both results, from 0xaa-filled structs, field for field. */
static void
expect_same(const uint8_t *p, unsigned int n, const char *what)
{
	struct pcl_opts fast, any;
	int rf, ra;

	memset(&fast, 0xaa, sizeof(fast));
	memset(&any, 0xaa, sizeof(any));
	rf = pcl_opt_parse(p, n, &fast);
	ra = pcl_opt_parse_any(p, n, &any);
	cr_expect_eq(rf, ra, "%s: return", what);
	cr_expect_eq(memcmp(&fast, &any, sizeof(fast)), 0, "%s: fields", what);
}

/* The same for base (n bytes) and every change of one of its bytes to one of a few values. */
static void
expect_same_mutated(const uint8_t *base, unsigned int n, const char *name)
{
	static const uint8_t vals[] = {0, 1, 2, 3, 4, 8, 10, 20, 0xff};
	uint8_t p[40];
	unsigned int i, v;
	char what[64];

	expect_same(base, n, name);
	for (i = 0; i < n; i++)
		for (v = 0; v < sizeof(vals); v++) {
			memcpy(p, base, n);
			p[i] = vals[v];
			snprintf(what, sizeof(what), "%s, byte %u = %u", name, i, vals[v]);
			expect_same(p, n, what);
		}
}

/*
 * The two layouts pcl_opt_parse matches whole give what the walk gives,
 * and every one-byte change of them (which the fast path must refuse or
 * read the same) does too.
 */
Test(opt, fast_layouts_agree_with_the_walk)
{
	static const uint8_t syn[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x80, 0,
					0, 1, 0,    0,    0, 2, 1, 3,  3,    20};
	static const uint8_t ts[12] = {1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1};

	expect_same_mutated(syn, sizeof(syn), "Linux's SYN (a shift of 20 clamped)");
	expect_same_mutated(ts, sizeof(ts), "NOP NOP TS");
}
