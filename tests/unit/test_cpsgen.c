/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pure parts of cps-gen: its latency histogram, response reader, flood
 * kinds, retransmission timeout, rate search and memory size.
 */
#include <errno.h>

#include <criterion/criterion.h>

#include "pcl_gen.h"
#include "pcl_gen_priv.h"
#include "pcl_gen_rtt.h"
#include "pcl_gen_search.h"
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

static int64_t body;

static int32_t
left(const char *s)
{
	return pcl_gen_resp_left(s, (uint16_t)strlen(s), &body);
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

Test(gen_resp, the_content_length_is_reported_for_the_size_check)
{
	left("HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\nab");
	cr_expect_eq(body, 3000);
	left("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	cr_expect_eq(body, 0);
	left("HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody");
	cr_expect_eq(body, -1, "no Content-Length");
	left("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n");
	cr_expect_eq(body, -1, "headers not complete");
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

Test(gen_memsize, a_slot_and_a_queue_entry_per_client_and_a_map_entry_per_worker)
{
	struct pcl_gen_cfg cfg = {.nsrc = 201, .nsport = 50000, .nworkers = 1};

	/* 10 M clients held and the run's: a slot, 4 + 4 bytes each. */
	cr_expect_eq(pcl_gen_memsize(&cfg), UINT64_C(10050000) * (sizeof(struct pcl_gen_slot) + 8));
	cfg.nworkers = 2;
	cr_expect_eq(pcl_gen_memsize(&cfg),
		     UINT64_C(10050000) * (sizeof(struct pcl_gen_slot) + 12));
}

Test(hist, delta_adds_what_was_recorded_between_two_copies)
{
	static struct pcl_hist live, before, sum;

	pcl_hist_add(&live, 100);
	before = live;
	pcl_hist_add(&live, 5000);
	pcl_hist_add(&live, 7);
	pcl_hist_delta(&sum, &live, &before);
	cr_expect_eq(sum.count, 2);
	cr_expect_eq(sum.b[pcl_hist_bucket(100)], 0, "recorded before the first copy");
	cr_expect_eq(sum.b[pcl_hist_bucket(5000)], 1);
	cr_expect_eq(sum.b[pcl_hist_bucket(7)], 1);
	cr_expect_eq(sum.max, 5000);
}

/* RFC 6298, with G = 1 ms. */
Test(gen_rtt, the_first_rto_is_the_initial_one_then_srtt_plus_4_rttvar)
{
	struct pcl_gen_rtt r;

	pcl_gen_rtt_init(&r, 1000, 200, 60000);
	cr_expect_eq(r.rto_ms, 1000, "2.1: before any sample");
	pcl_gen_rtt_sample(&r, 100000); /* 100 ms */
	cr_expect_eq(r.srtt_us, 100000, "2.2: SRTT = R");
	cr_expect_eq(r.rttvar_us, 50000, "2.2: RTTVAR = R/2");
	cr_expect_eq(r.rto_ms, 300, "SRTT + 4 RTTVAR");
	pcl_gen_rtt_sample(&r, 200000);
	cr_expect_eq(r.rttvar_us, 50000 - 12500 + 25000, "2.3: 3/4 RTTVAR + 1/4 |SRTT - R|");
	cr_expect_eq(r.srtt_us, 100000 - 12500 + 25000, "2.3: 7/8 SRTT + 1/8 R");
	cr_expect_eq(r.rto_ms, 363, "112.5 ms + 4 * 62.5 ms, rounded up to the tick");
}

Test(gen_rtt, the_rto_stays_within_min_and_max_and_doubles_per_retransmission)
{
	struct pcl_gen_rtt r;

	pcl_gen_rtt_init(&r, 1000, 1000, 60000);
	pcl_gen_rtt_sample(&r, 50); /* 50 us, a memif round trip */
	cr_expect_eq(r.rto_ms, 1000, "2.4: never below the minimum");
	cr_expect_eq(pcl_gen_rtt_backoff(&r, 0), 1000);
	cr_expect_eq(pcl_gen_rtt_backoff(&r, 1), 2000, "5.5: doubled");
	cr_expect_eq(pcl_gen_rtt_backoff(&r, 3), 8000);
	cr_expect_eq(pcl_gen_rtt_backoff(&r, 6), 60000, "capped at the maximum");
	cr_expect_eq(pcl_gen_rtt_backoff(&r, 200), 60000, "however many");
	pcl_gen_rtt_init(&r, 1000, 1, 60000);
	pcl_gen_rtt_sample(&r, 50);
	cr_expect_eq(r.rto_ms, 2, "G: 50 us + max(1 ms, 100 us), rounded up");
	pcl_gen_rtt_init(&r, 100000, 1000, 60000);
	cr_expect_eq(r.rto_ms, 60000, "the initial value is capped too");
}

/* The search: a server that loses nothing below 700/s and everything above. */
static struct pcl_gen_step
step_at(uint64_t rate, uint64_t knee, double busy)
{
	return (struct pcl_gen_step){
		.rate = rate,
		.secs = 1,
		.offered = rate,
		.completed = rate <= knee ? rate : knee,
		.gen_busy = busy,
	};
}

static unsigned int
search_to_end(struct pcl_gen_search *s, uint64_t knee, double busy, uint64_t *tried)
{
	unsigned int n = 0;

	while (s->next != 0) {
		struct pcl_gen_step st = step_at(s->next, knee, busy);

		tried[n++] = st.rate;
		pcl_gen_search_step(s, &st);
		cr_assert_eq(st.pass, st.rate <= knee, "step at %lu", (unsigned long)st.rate);
	}
	return n;
}

Test(gen_search, halves_the_interval_until_it_is_narrow_enough)
{
	struct pcl_gen_search s;
	uint64_t tried[32];
	unsigned int n;

	cr_assert_eq(pcl_gen_search_init(&s, 1000, 0, 0.05, 20, false), 0);
	n = search_to_end(&s, 700, 0.5, tried);
	cr_expect_eq(tried[0], 1000, "the bound first");
	cr_expect_eq(tried[1], 500);
	cr_expect_eq(tried[2], 750);
	cr_expect_eq(tried[3], 625);
	cr_expect_eq(tried[4], 687);
	cr_expect_eq(tried[5], 718);
	cr_expect_eq(n, 6, "718 - 687 <= 5 %% of 718");
	cr_expect_eq(s.lo, 687, "the highest rate that passed");
	cr_expect_eq(s.hi, 718);
	cr_expect_eq(s.hi_limit, PCL_GEN_LIMIT_server);
}

Test(gen_search, a_bound_that_passes_ends_the_search)
{
	struct pcl_gen_search s;
	uint64_t tried[32];

	cr_assert_eq(pcl_gen_search_init(&s, 500, 0, 0.05, 20, false), 0);
	cr_expect_eq(search_to_end(&s, 700, 0.5, tried), 1);
	cr_expect_eq(s.lo, 500);
	cr_expect_not(s.hi_failed);
}

Test(gen_search, an_estimated_bound_that_passes_is_doubled_until_a_step_fails)
{
	struct pcl_gen_search s;
	uint64_t tried[32];
	unsigned int n;

	cr_assert_eq(pcl_gen_search_init(&s, 200, 0, 0.05, 20, true), 0);
	n = search_to_end(&s, 700, 0.5, tried);
	cr_expect_eq(tried[0], 200);
	cr_expect_eq(tried[1], 400);
	cr_expect_eq(tried[2], 800, "the first failure");
	cr_expect_eq(tried[3], 600, "then the usual halving");
	cr_expect(s.hi_failed);
	cr_expect_eq(s.hi - s.lo <= 0.05 * s.hi, true, "until narrow: %lu..%lu",
		     (unsigned long)s.lo, (unsigned long)s.hi);
	cr_expect_leq(s.lo, 700);
	cr_expect_gt(s.hi, 700);
	cr_expect_lt(n, 20);
}

Test(gen_search, nothing_passing_ends_after_the_last_step_with_no_result)
{
	struct pcl_gen_search s;
	uint64_t tried[32];

	cr_assert_eq(pcl_gen_search_init(&s, 1000, 0, 0.05, 6, false), 0);
	cr_expect_eq(search_to_end(&s, 0, 0.5, tried), 6);
	cr_expect_eq(s.lo, 0);
	cr_expect_eq(tried[5], 31);
}

Test(gen_search, lost_is_everything_but_a_clean_completion)
{
	struct pcl_gen_search s;
	struct pcl_gen_step st = {.rate = 1000, .offered = 1000, .completed = 990, .rtx_conns = 5};

	cr_assert_eq(pcl_gen_search_init(&s, 1000, 0.01, 0.05, 20, false), 0);
	pcl_gen_search_step(&s, &st);
	cr_expect_eq(st.lost, 15, "10 not completed, 5 only after a retransmission");
	cr_expect_not(st.pass, "15 > 1 %% of 1000");
	cr_assert_eq(pcl_gen_search_init(&s, 1000, 0.02, 0.05, 20, false), 0);
	pcl_gen_search_step(&s, &st);
	cr_expect(st.pass, "15 <= 2 %% of 1000");
}

Test(gen_search, a_connection_completed_late_is_lost)
{
	struct pcl_gen_search s;
	struct pcl_gen_step st = {
		.rate = 1000, .offered = 1000, .completed = 1000, .rtx_conns = 2, .late = 30};

	cr_assert_eq(pcl_gen_search_init(&s, 1000, 0, 0.05, 20, false), 0);
	pcl_gen_search_step(&s, &st);
	cr_expect_eq(st.lost, 32, "all completed, 30 of them late, 2 after a retransmission");
	cr_expect_not(st.pass);
}

Test(gen_search, a_generator_busy_all_the_time_is_named_the_limit)
{
	struct pcl_gen_search s;
	struct pcl_gen_step st = step_at(1000, 500, 0.95);

	cr_assert_eq(pcl_gen_search_init(&s, 1000, 0, 0.05, 20, false), 0);
	pcl_gen_search_step(&s, &st);
	cr_expect_eq(st.limit, PCL_GEN_LIMIT_generator);
	st = step_at(500, 500, 0.95);
	pcl_gen_search_step(&s, &st);
	cr_expect_eq(st.limit, PCL_GEN_LIMIT_none, "a pass has no limit");
	cr_expect_eq(s.hi_limit, PCL_GEN_LIMIT_generator);
}

Test(gen_search, falling_behind_while_the_port_took_everything_is_the_generators_limit)
{
	struct pcl_gen_search s;
	struct pcl_gen_step st = step_at(1000, 1000, 0.5);

	st.behind = 10;
	st.completed = 990;
	cr_assert_eq(pcl_gen_search_init(&s, 1000, 0, 0.05, 20, false), 0);
	pcl_gen_search_step(&s, &st);
	cr_expect_eq(st.limit, PCL_GEN_LIMIT_generator, "its loop was too slow");
	st = step_at(1000, 1000, 0.5);
	st.behind = 10;
	st.completed = 990;
	st.port_stalled = true;
	pcl_gen_search_step(&s, &st);
	cr_expect_eq(st.limit, PCL_GEN_LIMIT_server, "the server did not take the frames");
}

Test(gen_search, bad_arguments_are_refused)
{
	struct pcl_gen_search s;

	cr_expect_eq(pcl_gen_search_init(&s, 0, 0, 0.05, 20, false), -EINVAL);
	cr_expect_eq(pcl_gen_search_init(&s, 10, 1, 0.05, 20, false), -EINVAL);
	cr_expect_eq(pcl_gen_search_init(&s, 10, -0.1, 0.05, 20, false), -EINVAL);
	cr_expect_eq(pcl_gen_search_init(&s, 10, 0, 0, 20, false), -EINVAL);
	cr_expect_eq(pcl_gen_search_init(&s, 10, 0, 0.05, 0, false), -EINVAL);
}

/* The cache answers as the scan does: headers seen before, new ones, a short first segment. */
Test(gen_resp, the_cache_answers_as_the_scan)
{
	static const char *const seq[] = {
		"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
		"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
		"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhel",
		"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nhello world!",
		"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world",
		"HTTP/1.1 200 OK\r\nServer: x\r\n\r\nbody",
		"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n",
	};
	struct pcl_gen_resp_cache c = {0};
	unsigned int i;

	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		uint16_t n = (uint16_t)strlen(seq[i]);
		int64_t b1, b2;
		int32_t l1 = pcl_gen_resp_left(seq[i], n, &b1);
		int32_t l2 = pcl_gen_resp_left_cached(&c, seq[i], n, &b2);

		cr_expect_eq(l2, l1, "response %u: left", i);
		cr_expect_eq(b2, b1, "response %u: body", i);
	}
	cr_expect_eq(c.body, 11, "the last header block with a length is the one kept");
}
