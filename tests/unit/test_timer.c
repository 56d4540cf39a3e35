/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "pcl_timer.h"

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
