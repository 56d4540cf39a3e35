/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tcp/pcl_timer.h"

struct elem {
	uint64_t pad;
	struct pcl_tnode tm;
	uint32_t fired_at;
	uint32_t fired;
	uint32_t rearm; /* re-arm for this tick when fired (0 = no) */
};

#define N 64
static struct elem e[N];
static uint32_t slots[8];
static struct pcl_wheel w;
static uint32_t now;

static void
fire(void *arg, uint32_t idx)
{
	(void)arg;
	e[idx].fired++;
	e[idx].fired_at = now;
	if (e[idx].rearm) {
		uint32_t t = e[idx].rearm;

		e[idx].rearm = 0;
		pcl_wheel_arm(&w, idx, t);
	}
}

static unsigned int
advance_to(uint32_t t, unsigned int budget)
{
	unsigned int n = 0;

	while (now != t) {
		now++;
		n += pcl_wheel_advance(&w, now, budget, fire, NULL);
	}
	return n;
}

static void
setup(void)
{
	unsigned int i;

	memset(e, 0, sizeof(e));
	for (i = 0; i < N; i++)
		pcl_tnode_init(&e[i].tm);
	now = 1000;
	cr_assert_eq(pcl_wheel_init(&w, slots, 8, &e[0].tm, sizeof(e[0]), now + 1), 0);
}

TestSuite(timer, .init = setup);

Test(timer, rejects_non_power_of_two)
{
	struct pcl_wheel x;

	cr_expect_eq(pcl_wheel_init(&x, slots, 6, &e[0].tm, sizeof(e[0]), 0), -EINVAL);
}

/* A timer fires exactly at its tick, once. */
Test(timer, fires_on_time)
{
	pcl_wheel_arm(&w, 3, 1005);
	cr_expect(pcl_tnode_armed(&e[3].tm));
	advance_to(1004, 100);
	cr_expect_eq(e[3].fired, 0);
	advance_to(1005, 100);
	cr_expect_eq(e[3].fired, 1);
	cr_expect_eq(e[3].fired_at, 1005);
	cr_expect(!pcl_tnode_armed(&e[3].tm));
	advance_to(1100, 100);
	cr_expect_eq(e[3].fired, 1);
	cr_expect_eq(w.armed, 0);
}

/* Deadlines many wheel turns away fire at their tick, not a turn early. */
Test(timer, beyond_the_span)
{
	pcl_wheel_arm(&w, 1, 1100);
	pcl_wheel_arm(&w, 2, 1004);
	advance_to(1099, 100);
	cr_expect_eq(e[1].fired, 0);
	cr_expect_eq(e[2].fired, 1);
	advance_to(1100, 100);
	cr_expect_eq(e[1].fired_at, 1100);
}

Test(timer, cancel_and_rearm)
{
	pcl_wheel_arm(&w, 1, 1003);
	pcl_wheel_arm(&w, 2, 1003);
	pcl_wheel_arm(&w, 3, 1003);
	pcl_wheel_cancel(&w, 2);
	pcl_wheel_cancel(&w, 2); /* cancelling twice is harmless */
	pcl_wheel_arm(&w, 3, 1006);
	cr_expect_eq(w.armed, 2);
	advance_to(1003, 100);
	cr_expect_eq(e[1].fired, 1);
	cr_expect_eq(e[2].fired, 0);
	cr_expect_eq(e[3].fired, 0);
	advance_to(1006, 100);
	cr_expect_eq(e[3].fired_at, 1006);
}

/* A deadline already past fires on the next advance. */
Test(timer, past_deadline)
{
	advance_to(1010, 100);
	pcl_wheel_arm(&w, 5, 900);
	advance_to(1011, 100);
	cr_expect_eq(e[5].fired, 1);
}

/* The budget bounds one call; the rest fire on the next call. */
Test(timer, budget)
{
	unsigned int i;

	for (i = 0; i < 10; i++)
		pcl_wheel_arm(&w, i, 1002);
	now = 1002;
	cr_expect_eq(pcl_wheel_advance(&w, now, 4, fire, NULL), 4);
	cr_expect_eq(pcl_wheel_advance(&w, now, 4, fire, NULL), 4);
	cr_expect_eq(pcl_wheel_advance(&w, now, 4, fire, NULL), 2);
	for (i = 0; i < 10; i++)
		cr_expect_eq(e[i].fired, 1, "node %u", i);
}

/* A callback re-arming its node for a past tick fires on the next advance, not a turn later. */
Test(timer, rearm_in_callback)
{
	pcl_wheel_arm(&w, 7, 1003);
	e[7].rearm = 1000;
	advance_to(1003, 100);
	cr_expect_eq(e[7].fired, 1);
	advance_to(1004, 100);
	cr_expect_eq(e[7].fired, 2);
	cr_expect_eq(e[7].fired_at, 1004);
}

/* Ticks wrap at 2^32 without losing timers. */
Test(timer, tick_wraparound)
{
	now = UINT32_MAX - 3;
	pcl_wheel_init(&w, slots, 8, &e[0].tm, sizeof(e[0]), now + 1);
	pcl_wheel_arm(&w, 1, 2);
	advance_to(1, 100);
	cr_expect_eq(e[1].fired, 0);
	advance_to(2, 100);
	cr_expect_eq(e[1].fired, 1);
}

/*
 * A million timers on the worker's real geometry (8192 slots), half of them
 * due at one tick: the budget spreads the expiry over passes, every timer
 * fires exactly once and never early, and a timer armed once the backlog
 * is gone fires on its tick.
 */
#define BIG       (1u << 20)
#define BIG_SLOTS 8192u
#define BUDGET    256u

static struct pcl_tnode *big;
static uint8_t *big_fired;

static void
big_fire(void *arg, uint32_t idx)
{
	uint32_t tick = *(uint32_t *)arg;

	cr_assert_leq((int32_t)(big[idx].expire - tick), 0, "timer %u fired early", idx);
	big_fired[idx]++;
}

Test(timer, a_million_timers)
{
	static uint32_t big_slots[BIG_SLOTS];
	struct pcl_wheel bw;
	uint32_t tick = 0, i, passes = 0, fired = 0, n;

	big = calloc(BIG + 1, sizeof(*big));
	big_fired = calloc(BIG + 1, 1);
	cr_assert(big && big_fired);
	cr_assert_eq(pcl_wheel_init(&bw, big_slots, BIG_SLOTS, big, sizeof(*big), 0), 0);
	for (i = 0; i <= BIG; i++)
		pcl_tnode_init(&big[i]);
	/* Half at tick 10, half spread over 100 000 ticks (past the span). */
	for (i = 0; i < BIG; i++)
		pcl_wheel_arm(&bw, i, i % 2 ? 10 : 1 + i % 100000);
	cr_assert_eq(bw.armed, BIG);
	while (bw.armed > 0 && tick < 200000) {
		n = pcl_wheel_advance(&bw, tick, BUDGET, big_fire, &tick);
		cr_assert_leq(n, BUDGET);
		fired += n;
		passes++;
		/* Time moves on only once a pass leaves nothing due behind. */
		if (n < BUDGET)
			tick++;
	}
	cr_assert_eq(bw.armed, 0, "%u timers never fired", bw.armed);
	cr_expect_eq(fired, BIG);
	for (i = 0; i < BIG; i++)
		cr_assert_eq(big_fired[i], 1, "timer %u fired %u times", i, big_fired[i]);
	cr_expect_geq(passes, BIG / BUDGET);
	/* Recovered: a new timer fires on its own tick, no later. */
	pcl_wheel_arm(&bw, BIG, tick + 3);
	cr_expect_eq(pcl_wheel_advance(&bw, tick + 2, BUDGET, big_fire, &tick), 0);
	tick += 3;
	cr_expect_eq(pcl_wheel_advance(&bw, tick, BUDGET, big_fire, &tick), 1);
	free(big);
	free(big_fired);
}
