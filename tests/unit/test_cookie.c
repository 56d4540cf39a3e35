/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies: encoding round trips, the validity window, and rejection of
 * everything that was not issued for this tuple and ISN. Keys are fixed so
 * every expectation is deterministic (a random key could, once in 2^24,
 * make a tampered cookie collide).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "tcp/pcl_cookie.h"

#define ISN 0x12345678u
#define NOW 1000u /* counter */

static const struct pcl_tuple t0 = {
	.raddr = 0x0100000a, .laddr = 0x020012c6, .rport = 0x409c, .lport = 0x5000};

static struct pcl_keyring k;

static void
setup(void)
{
	unsigned int i;

	memset(&k, 0, sizeof(k));
	for (i = 0; i < sizeof(k.slot[0].key.key); i++) {
		k.slot[0].key.key[i] = (uint8_t)(i * 7 + 1);
		k.slot[1].key.key[i] = (uint8_t)(i * 13 + 5);
	}
}

TestSuite(cookie, .init = setup);

/* Every MSS index survives the round trip, in both key slots and every counter phase. */
Test(cookie, round_trip_every_mss_index)
{
	unsigned int idx, cnt, gen;

	for (gen = 0; gen < 2; gen++) {
		k.gen = gen;
		for (cnt = NOW; cnt < NOW + 4; cnt++)
			for (idx = 0; idx < PCL_COOKIE_MSS_N; idx++) {
				struct pcl_cookie c = pcl_cookie_make(&k, &t0, ISN, cnt, idx);

				cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, cnt), (int)idx,
					     "gen %u counter %u index %u", gen, cnt, idx);
			}
	}
}

/* The MSS table picks the largest entry the peer can take. */
Test(cookie, mss_index)
{
	cr_expect_eq(pcl_cookie_mss_index(0), 0);
	cr_expect_eq(pcl_cookie_mss[pcl_cookie_mss_index(535)], 64);
	cr_expect_eq(pcl_cookie_mss[pcl_cookie_mss_index(536)], 536);
	cr_expect_eq(pcl_cookie_mss[pcl_cookie_mss_index(1459)], 1452);
	cr_expect_eq(pcl_cookie_mss[pcl_cookie_mss_index(1460)], 1460);
	cr_expect_eq(pcl_cookie_mss[pcl_cookie_mss_index(9000)], 1460);
	for (unsigned int i = 1; i < PCL_COOKIE_MSS_N; i++)
		cr_expect_lt(pcl_cookie_mss[i - 1], pcl_cookie_mss[i]);
}

/* Valid in its own period and the next; expired after; a wrapped counter fails the MAC. */
Test(cookie, validity_window)
{
	struct pcl_cookie c = pcl_cookie_make(&k, &t0, ISN, NOW, 3);

	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW), 3);
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW + 1), 3);
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW + 2), -ETIMEDOUT);
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW + 3), -ETIMEDOUT);
	/* 4 periods later the 2 counter bits match again: the MAC tells. */
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW + 4), -EBADMSG);
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW + 5), -EBADMSG);
	/* From the future (a clock going back) is not accepted either. */
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW - 1), -ETIMEDOUT);
	cr_expect_eq(PCL_COOKIE_MAX_LIFE_S, 68);
}

/* cookie+k and cookie-k for small k, and every single-bit flip, fail. */
Test(cookie, tampered_cookies_fail)
{
	struct pcl_cookie c = pcl_cookie_make(&k, &t0, ISN, NOW, 7);
	unsigned int i;

	for (i = 1; i <= 3; i++) {
		cr_expect_lt(pcl_cookie_check(&k, &t0, ISN, c.isn + i, NOW), 0, "cookie+%u", i);
		cr_expect_lt(pcl_cookie_check(&k, &t0, ISN, c.isn - i, NOW), 0, "cookie-%u", i);
	}
	for (i = 0; i < 32; i++)
		cr_expect_lt(pcl_cookie_check(&k, &t0, ISN, c.isn ^ (1u << i), NOW), 0, "bit %u",
			     i);
}

/* cookie+1..3 fail for every MSS index (the low field must not absorb the change). */
Test(cookie, neighbours_fail_for_every_index)
{
	unsigned int idx, i;

	for (idx = 0; idx < PCL_COOKIE_MSS_N; idx++) {
		struct pcl_cookie c = pcl_cookie_make(&k, &t0, ISN, NOW, idx);

		for (i = 1; i <= 3; i++)
			cr_expect_lt(pcl_cookie_check(&k, &t0, ISN, c.isn + i, NOW), 0,
				     "index %u cookie+%u", idx, i);
	}
}

/* A cookie is bound to every field of the 4-tuple and to the client's ISN. */
Test(cookie, wrong_tuple_or_isn_fails)
{
	struct pcl_cookie c = pcl_cookie_make(&k, &t0, ISN, NOW, 5);
	struct pcl_tuple t;

	t = t0;
	t.raddr ^= 1;
	cr_expect_eq(pcl_cookie_check(&k, &t, ISN, c.isn, NOW), -EBADMSG, "raddr");
	t = t0;
	t.laddr ^= 0x01000000;
	cr_expect_eq(pcl_cookie_check(&k, &t, ISN, c.isn, NOW), -EBADMSG, "laddr");
	t = t0;
	t.rport ^= 1;
	cr_expect_eq(pcl_cookie_check(&k, &t, ISN, c.isn, NOW), -EBADMSG, "rport");
	t = t0;
	t.lport ^= 0x100;
	cr_expect_eq(pcl_cookie_check(&k, &t, ISN, c.isn, NOW), -EBADMSG, "lport");
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN + 1, c.isn, NOW), -EBADMSG, "isn");
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW), 5);
}

/* A rotation keeps the previous key: cookies issued just before still validate. */
Test(cookie, rotation_keeps_previous_key)
{
	struct pcl_cookie c = pcl_cookie_make(&k, &t0, ISN, NOW, 2);
	struct pcl_cookie d;

	cr_assert_eq(pcl_keyring_rotate(&k), 0);
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW), 2);
	d = pcl_cookie_make(&k, &t0, ISN, NOW, 2);
	cr_expect_neq(d.isn, c.isn);
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, d.isn, NOW), 2);
	/* A second rotation rewrites the key c was made with. */
	cr_assert_eq(pcl_keyring_rotate(&k), 0);
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, c.isn, NOW), -EBADMSG);
	cr_expect_eq(pcl_cookie_check(&k, &t0, ISN, d.isn, NOW), 2);
}

/* Another secret, another cookie; and the TSval offset is not the cookie. */
Test(cookie, keyed)
{
	struct pcl_cookie c = pcl_cookie_make(&k, &t0, ISN, NOW, 1);
	struct pcl_keyring other = k;

	other.slot[0].key.key[0] ^= 1;
	cr_expect_eq(pcl_cookie_check(&other, &t0, ISN, c.isn, NOW), -EBADMSG);
	cr_expect_neq(c.ts_off, c.isn);
}

/* Every option combination the TSval bits can carry comes back intact. */
Test(cookie, ts_bits_round_trip)
{
	unsigned int ws, sack;

	for (ws = 0; ws <= PCL_WS_MAX + 1; ws++)
		for (sack = 0; sack < 2; sack++) {
			struct pcl_opts in = {.present = PCL_OPTF_TS, .wscale = (uint8_t)ws};
			struct pcl_opts out = {0};
			uint32_t tsval;

			if (ws <= PCL_WS_MAX)
				in.present |= PCL_OPTF_WS;
			if (sack)
				in.present |= PCL_OPTF_SACKOK;
			tsval = 0xabcdef00u | pcl_cookie_ts_bits(&in);
			cr_assert_eq(pcl_cookie_ts_decode(tsval, &out), 0);
			cr_expect_eq(out.present, in.present, "ws %u sack %u", ws, sack);
			if (ws <= PCL_WS_MAX)
				cr_expect_eq(out.wscale, ws);
		}
}

/* The reserved ECN bit is never set by us: a TSecr with it is refused. */
Test(cookie, ts_bits_impossible)
{
	struct pcl_opts o;

	cr_expect_eq(pcl_cookie_ts_decode(PCL_COOKIE_TS_ECN, &o), -EBADMSG);
	cr_expect_eq(pcl_cookie_ts_decode(PCL_COOKIE_TS_ECN | PCL_COOKIE_TS_SACK | 7, &o),
		     -EBADMSG);
	cr_expect_eq(pcl_cookie_ts_decode(PCL_COOKIE_TS_NOWS, &o), 0);
}

/*
 * The control thread rewrites a key slot while a worker validates a cookie
 * that names it. Rotation every millisecond (the config allows no less than
 * 120 s) while another thread makes and checks cookies for 1 s: every key a
 * reader copies is one the writer wrote whole (each key is one repeated
 * byte, so a torn copy shows), and a cookie is valid exactly when the key
 * it was made with was not replaced before its check ended.
 */
struct race {
	struct pcl_keyring k;
	bool stop;
};

static void *
rotate_every_ms(void *arg)
{
	struct race *r = arg;
	struct timespec ms = {.tv_nsec = 1000000};
	struct pcl_secret key;
	uint8_t b = 1;

	while (!__atomic_load_n(&r->stop, __ATOMIC_RELAXED)) {
		memset(&key, ++b, sizeof(key));
		pcl_keyring_set(&r->k, &key);
		nanosleep(&ms, NULL);
	}
	return NULL;
}

Test(cookie, rotation_race)
{
	static struct race r;
	struct pcl_secret key;
	struct timespec t0_, t1_;
	pthread_t writer;
	uint64_t checks = 0, valid = 0, torn = 0, wrong = 0;
	unsigned int i;

	memset(&key, 1, sizeof(key));
	memset(&r, 0, sizeof(r));
	rte_seqlock_init(&r.k.slot[0].lock);
	rte_seqlock_init(&r.k.slot[1].lock);
	r.k.slot[0].key = key;
	r.k.slot[1].key = key;
	cr_assert_eq(pthread_create(&writer, NULL, rotate_every_ms, &r), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0_);
	do {
		for (i = 0; i < 1000; i++) {
			struct pcl_tuple t = t0;
			uint32_t g0 = __atomic_load_n(&r.k.gen, __ATOMIC_ACQUIRE), g1;
			struct pcl_cookie c;
			unsigned int b;
			int rc;

			t.rport = (uint16_t)i;
			c = pcl_cookie_make(&r.k, &t, ISN + i, NOW, i % PCL_COOKIE_MSS_N);
			rc = pcl_cookie_check(&r.k, &t, ISN + i, c.isn, NOW);
			g1 = __atomic_load_n(&r.k.gen, __ATOMIC_ACQUIRE);
			/* The slot c names is rewritten by the second rotation after g0. */
			if (g1 - g0 < 2 && rc != (int)(i % PCL_COOKIE_MSS_N))
				wrong++;
			valid += rc >= 0;
			checks++;
			pcl_keyring_read(&r.k, i & 1, &key);
			for (b = 1; b < sizeof(key.key); b++)
				torn += key.key[b] != key.key[0];
		}
		clock_gettime(CLOCK_MONOTONIC, &t1_);
	} while (t1_.tv_sec - t0_.tv_sec < 1 ||
		 (t1_.tv_sec - t0_.tv_sec == 1 && t1_.tv_nsec < t0_.tv_nsec));
	__atomic_store_n(&r.stop, true, __ATOMIC_RELAXED);
	pthread_join(writer, NULL);
	cr_log_info("%lu checks, %lu valid, %u rotations", (unsigned long)checks,
		    (unsigned long)valid, r.k.gen);
	cr_expect_gt(r.k.gen, 100, "the writer rotated only %u times", r.k.gen);
	cr_expect_eq(torn, 0, "%lu torn key copies", (unsigned long)torn);
	cr_expect_eq(wrong, 0, "%lu cookies refused while their key was intact",
		     (unsigned long)wrong);
}
