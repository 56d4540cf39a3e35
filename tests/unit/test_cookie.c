/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies: encoding round trips, the validity window, and rejection of
 * everything that was not issued for this tuple and ISN. Keys are fixed so
 * every expectation is deterministic (a random key could, once in 2^24,
 * make a tampered cookie collide).
 */
#include <errno.h>
#include <string.h>

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
	for (i = 0; i < sizeof(k.key[0].key); i++) {
		k.key[0].key[i] = (uint8_t)(i * 7 + 1);
		k.key[1].key[i] = (uint8_t)(i * 13 + 5);
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

	other.key[0].key[0] ^= 1;
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
