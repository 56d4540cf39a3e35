/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies through the real worker, where a script cannot reach: many
 * tuples, a pool running low, a flood that must allocate nothing, and the
 * TSval a cookie connection continues from.
 */
#include <criterion/criterion.h>
#include <rte_tcp.h>

#include "harness.h"
#include "tcp/pcl_cookie.h"

#define X 5000u /* the client's ISN */

/* MSS 1460, SACK-permitted, TS val 7 ecr 0, NOP, window scale 9. */
static const uint8_t syn_opts[] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
				   0, 7, 0,    0,    0, 0, 1, 3,  3, 9};

static struct th t;
static struct th_reply r[TH_MAX_REPLIES];

static void
teardown(void)
{
	th_teardown(&t);
}

/* SYN from sport; returns the SYN-ACK's ISN. */
static uint32_t
syn(uint16_t sport)
{
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = sport});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_assert_eq(r[0].s.flags, SYN | ACK);
	return r[0].s.seq;
}

static void
third_ack(uint16_t sport, uint32_t y)
{
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = X + 1, .ack = y + 1, .sport = sport});
}

TH_TWEAKED_SUITE(always, c->tcp.syncookies = PCL_COOKIES_ALWAYS);

/* A flood of SYNs from distinct tuples: every one answered, nothing allocated. */
Test(always, flood_allocates_nothing)
{
	unsigned int i;

	for (i = 0; i < 20000; i++) {
		th_send(&t, &(struct th_seg){.flags = SYN, .seq = X + i, .sport = (uint16_t)i});
		cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	}
	cr_expect_eq(pcl_pool_used(&t.w.tcp.pool), 0);
	cr_expect_eq(t.w.tcp.half_open, 0);
	cr_expect_eq(t.w.stats.cookie_sent, 20000);
	cr_expect_eq(t.w.stats.syn_rx, 20000);
	th_advance(&t, 10000);
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0,
		     "cookie SYN-ACKs are never retransmitted");
}

/* Our TSval carries the options in its low bits and never goes back after the ACK. */
Test(always, tsval_carries_options_and_continues)
{
	uint32_t y, tsval;

	th_send(&t, &(struct th_seg){
			    .flags = SYN, .seq = X, .opts = syn_opts, .optlen = sizeof(syn_opts)});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	y = r[0].s.seq;
	tsval = r[0].s.opts.tsval;
	cr_expect_eq(tsval & PCL_COOKIE_TS_MASK, 9u | PCL_COOKIE_TS_SACK);
	cr_expect_eq(r[0].s.opts.tsecr, 7);
	cr_expect_eq(r[0].s.opts.present,
		     PCL_OPTF_MSS | PCL_OPTF_SACKOK | PCL_OPTF_TS | PCL_OPTF_WS);
	th_advance(&t, 500);
	{
		/* NOP, NOP, TS val 8 ecr <our TSval>. */
		uint8_t ts[12] = {1, 1, 8, 10, 0, 0, 0, 8};

		ts[8] = (uint8_t)(tsval >> 24);
		ts[9] = (uint8_t)(tsval >> 16);
		ts[10] = (uint8_t)(tsval >> 8);
		ts[11] = (uint8_t)tsval;
		th_send(&t, &(struct th_seg){.flags = ACK | RTE_TCP_PSH_FLAG,
					     .seq = X + 1,
					     .ack = y + 1,
					     .opts = ts,
					     .optlen = sizeof(ts),
					     .data = "GET / HTTP/1.0\r\n\r\n",
					     .len = 18});
	}
	cr_assert_geq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.opts.tsecr, 8);
	cr_expect_geq(r[0].s.opts.tsval, tsval);
	cr_expect_lt(r[0].s.opts.tsval - tsval, 100, "the clock resumes from the SYN-ACK's TSval");
	cr_expect_eq(t.w.stats.cookie_ok, 1);
}

TH_TWEAKED_SUITE(auto_small, c->tcp.conns = 16; c->tcp.syn_backlog = 16;
		 c->tcp.cookie_threshold = 16);

/* auto: a pool down to its last eighth answers with cookies; a full pool drops the ACK. */
Test(auto_small, low_pool_switches_to_cookies)
{
	uint32_t y[16];
	uint16_t i;

	for (i = 0; i < 15; i++) {
		y[i] = syn((uint16_t)(1000 + i));
		third_ack((uint16_t)(1000 + i), y[i]);
	}
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 15);
	cr_expect_eq(t.w.stats.cookie_sent, 0);
	/* 1 entry of 16 is left: under 1/8, so the next SYN gets a cookie. */
	y[15] = syn(2000);
	cr_expect_eq(t.w.stats.cookie_sent, 1);
	cr_expect_eq(t.w.stats.cookie_episodes, 1);
	cr_expect_eq(pcl_pool_used(&t.w.tcp.pool), 15);
	third_ack(2000, y[15]);
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 16);
	/* A valid cookie with no entry left: counted, dropped, survived. */
	y[0] = syn(2001);
	third_ack(2001, y[0]);
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(t.w.stats.cookie_ok, 2);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_table_full], 1);
	cr_expect_eq(pcl_pool_used(&t.w.tcp.pool), 16);
	cr_expect_eq(t.w.stats.cookie_episodes, 1);
}

TH_TWEAKED_SUITE(auto_quiet, (void)c);

/* auto without pressure: an ACK for no connection is an ordinary RST, never a cookie check. */
Test(auto_quiet, no_cookie_checks_when_none_were_sent)
{
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = X + 1, .ack = 12345});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, RTE_TCP_RST_FLAG);
	cr_expect_eq(r[0].s.seq, 12345);
	cr_expect_eq(t.w.stats.cookie_bad, 0);
	cr_expect_eq(t.w.stats.rst_tx, 1);
}
