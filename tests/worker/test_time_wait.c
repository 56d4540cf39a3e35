/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TIME_WAIT store through the real worker: a server that closes first
 * ten times more connections than its store holds serves every one of them,
 * whether a full store recycles its oldest record or the closing connection
 * skips TIME_WAIT; no SYN is ever dropped for it, and the records end on time.
 */
#include <criterion/criterion.h>

#include "harness.h"

#define X    1000u /* the client's ISN */
#define CAP  64
#define MANY (10 * CAP)

static struct th t;

static void
teardown(void)
{
	th_teardown(&t);
}

/* MANY server-first closes from distinct ports, each answered in full. */
static void
close_many(void)
{
	uint16_t i;

	for (i = 0; i < MANY; i++)
		th_serve_http10(&t, X, (uint16_t)(10000 + i));
	cr_expect_eq(t.w.stats.conn_opened, MANY);
	cr_expect_eq(t.w.stats.conn_closed, MANY);
	cr_expect_eq(t.w.stats.http_requests, MANY);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_table_full], 0);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_syn_backlog], 0);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap, "no entry is held by TIME_WAIT");
}

TH_TWEAKED_SUITE(recycle, c->tcp.time_wait = CAP; c->tcp.msl_ms = 1000);

Test(recycle, ten_times_the_store_all_served)
{
	close_many();
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), CAP);
	cr_expect_eq(t.w.stats.time_wait_recycled, MANY - CAP);
	cr_expect_eq(t.w.stats.time_wait_skipped, 0);
	/* The newest records are the ones kept, and they end 2 MSL later. */
	th_advance(&t, 2 * 1000 - 10);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), CAP);
	th_advance(&t, 10);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 0);
}

TH_TWEAKED_SUITE(skip, c->tcp.time_wait = CAP; c->tcp.time_wait_full = PCL_TW_SKIP;
		 c->tcp.msl_ms = 1000);

Test(skip, ten_times_the_store_all_served)
{
	close_many();
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), CAP);
	cr_expect_eq(t.w.stats.time_wait_skipped, MANY - CAP);
	cr_expect_eq(t.w.stats.time_wait_recycled, 0);
	th_advance(&t, 2 * 1000);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 0);
}
