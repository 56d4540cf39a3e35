/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A backend's health from the workers' counters (lb/pcl_health): runs of
 * active checks, failed handshakes taking it out for a doubling time with
 * a cap, an accepted connection making the next time the first again, and
 * passed checks bringing it back early.
 */
#include <criterion/criterion.h>

#include "lb/pcl_health.h"

static struct pcl_service_conf conf;
static struct pcl_health h;
static struct pcl_health_sample now;
static uint64_t ms;

static void
setup(void)
{
	pcl_service_conf_defaults(&conf, 80);
	memset(&now, 0, sizeof(now));
	ms = 1000;
	pcl_health_init(&h, &conf, &now);
}

TestSuite(health, .init = setup);

/* One look, 100 ms after the last, with these counts since. */
static bool
look(uint64_t ok, uint64_t failed, uint64_t hs_failed, uint64_t conns)
{
	now.checks_ok += ok;
	now.checks_failed += failed;
	now.hs_failed += hs_failed;
	now.conns += conns;
	ms += 100;
	return pcl_health_update(&h, &conf, &now, ms);
}

Test(health, checks_fall_and_rise)
{
	conf.check = PCL_CHECK_TCP;
	cr_expect(look(1, 0, 0, 0));
	cr_expect(look(0, 1, 0, 0));
	cr_expect(look(0, 1, 0, 0), "two failures of three");
	cr_expect_not(look(0, 1, 0, 0), "the third in a row");
	cr_expect_not(look(1, 0, 0, 0));
	cr_expect_not(look(1, 0, 0, 0));
	cr_expect_not(look(0, 1, 0, 0), "a failure breaks the run");
	cr_expect_not(look(1, 0, 0, 0));
	cr_expect_not(look(1, 0, 0, 0));
	cr_expect(look(1, 0, 0, 0), "three passes in a row");
	/* Both in one look: the failures count as the later ones. */
	cr_expect(look(1, 1, 0, 0));
	cr_expect(look(1, 1, 0, 0), "a pass between two failures breaks their run");
	cr_expect(look(1, 2, 0, 0));
	cr_expect_not(look(0, 1, 0, 0));
}

Test(health, passive_doubles_up_to_the_cap)
{
	conf.passive_down_ms = 1000;
	conf.passive_down_max_ms = 3000;
	pcl_health_init(&h, &conf, &now);
	cr_expect(look(0, 0, 2, 0));
	cr_expect_not(look(0, 0, 1, 0), "three failed handshakes, nothing accepted");
	/* Out for 1 s. */
	while (ms < 1200 + 900)
		cr_expect_not(look(0, 0, 0, 0));
	cr_expect(look(0, 0, 0, 0), "back when its time is up");
	cr_expect_not(look(0, 0, 3, 0), "failing again: out for 2 s");
	ms += 1800;
	cr_expect_not(look(0, 0, 0, 0));
	ms += 200;
	cr_expect(look(0, 0, 0, 0));
	cr_expect_not(look(0, 0, 3, 0), "then 3 s, the cap");
	ms += 2800;
	cr_expect_not(look(0, 0, 0, 0));
	ms += 200;
	cr_expect(look(0, 0, 0, 0));
	cr_expect_not(look(0, 0, 3, 0), "still the cap");
	ms += 2800;
	cr_expect_not(look(0, 0, 0, 0));
}

Test(health, an_accepted_connection_resets_the_passive_count)
{
	conf.passive_down_ms = 1000;
	pcl_health_init(&h, &conf, &now);
	cr_expect(look(0, 0, 2, 0));
	cr_expect(look(0, 0, 0, 1), "accepted one: the run starts again");
	cr_expect(look(0, 0, 2, 0));
	cr_expect_not(look(0, 0, 1, 0));
	ms += 1000;
	cr_expect(look(0, 0, 0, 0));
	/* A success after coming back: the next time is the first again, 1 s. */
	cr_expect(look(0, 0, 0, 1));
	cr_expect_not(look(0, 0, 3, 0));
	ms += 1000;
	cr_expect(look(0, 0, 0, 0));
}

Test(health, passed_checks_end_a_passive_hold)
{
	conf.check = PCL_CHECK_TCP;
	conf.passive_down_ms = 60000;
	conf.passive_down_max_ms = 60000;
	pcl_health_init(&h, &conf, &now);
	cr_expect_not(look(0, 0, 3, 0));
	cr_expect_not(look(1, 0, 0, 0));
	cr_expect_not(look(1, 0, 0, 0));
	cr_expect(look(1, 0, 0, 0), "three passed checks, long before 60 s");
}

Test(health, no_passive_checks)
{
	conf.passive_down_ms = 0;
	pcl_health_init(&h, &conf, &now);
	cr_expect(look(0, 0, 100, 0));
}
