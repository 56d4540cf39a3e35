/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <criterion/criterion.h>

#include "tcp/pcl_isn.h"

static const struct pcl_tuple t0 = {
	.raddr = 0x0100000a, .laddr = 0x020012c6, .rport = 0x409c, .lport = 0x5000};

/* A keyring whose current key is s. */
static struct pcl_keyring
ring(const struct pcl_secret *s)
{
	struct pcl_keyring k;

	cr_assert_eq(pcl_keyring_init(&k), 0);
	pcl_keyring_set(&k, s);
	return k;
}

/* The key in the keyring's current slot. */
static struct pcl_secret
current(const struct pcl_keyring *k)
{
	struct pcl_secret s;

	pcl_keyring_read(k, pcl_keyring_current(k), &s);
	return s;
}

/* Two secrets from the OS random source differ. */
Test(isn, secrets_are_random)
{
	struct pcl_secret a, b;

	cr_assert_eq(pcl_secret_init(&a), 0);
	cr_assert_eq(pcl_secret_init(&b), 0);
	cr_expect_neq(memcmp(&a, &b, sizeof(a)), 0);
}

/* RFC 6528: ISN = M + F(); M ticks every 4 us, F is fixed for a tuple and secret. */
Test(isn, clock_and_hash)
{
	struct pcl_secret s;
	struct pcl_keyring k;
	struct pcl_isn a, b, c;

	cr_assert_eq(pcl_secret_init(&s), 0);
	k = ring(&s);
	a = pcl_isn_make(&k, &t0, 1000000);
	b = pcl_isn_make(&k, &t0, 1000000);
	c = pcl_isn_make(&k, &t0, 1000004);
	cr_expect_eq(a.isn, b.isn);
	cr_expect_eq(c.isn, a.isn + 1, "4 us later the ISN moved by one");
	cr_expect_eq(pcl_isn_make(&k, &t0, 1000003).isn, a.isn, "not before 4 us");
	cr_expect_eq(c.ts_off, a.ts_off, "the timestamp offset does not depend on time");
}

/* Every tuple field and the secret change both halves. */
Test(isn, every_input_matters)
{
	struct pcl_secret s, s2;
	struct pcl_keyring k, k2;
	struct pcl_isn a = {0}, b;
	struct pcl_tuple t;
	int i;

	cr_assert_eq(pcl_secret_init(&s), 0);
	cr_assert_eq(pcl_secret_init(&s2), 0);
	k = ring(&s);
	k2 = ring(&s2);
	a = pcl_isn_make(&k, &t0, 0);
	for (i = 0; i < 4; i++) {
		t = t0;
		if (i == 0)
			t.raddr ^= 1;
		else if (i == 1)
			t.laddr ^= 1;
		else if (i == 2)
			t.rport ^= 1;
		else
			t.lport ^= 1;
		b = pcl_isn_make(&k, &t, 0);
		cr_expect_neq(a.isn, b.isn, "field %d", i);
		cr_expect_neq(a.ts_off, b.ts_off, "field %d", i);
	}
	b = pcl_isn_make(&k2, &t0, 0);
	cr_expect_neq(a.isn, b.isn);
}

/* Rotation publishes a new current key and keeps it stable until the next one. */
Test(isn, keyring_rotation)
{
	struct pcl_keyring k;
	struct pcl_secret old, now;

	cr_assert_eq(pcl_keyring_init(&k), 0);
	old = current(&k);
	cr_expect_eq(pcl_keyring_current(&k), 0);
	cr_assert_eq(pcl_keyring_rotate(&k), 0);
	now = current(&k);
	cr_expect_neq(memcmp(&old, &now, sizeof(old)), 0);
	cr_expect_eq(pcl_keyring_current(&k), 1);
	cr_assert_eq(pcl_keyring_rotate(&k), 0);
	cr_expect_eq(pcl_keyring_current(&k), 0);
	now = current(&k);
	cr_expect_neq(memcmp(&old, &now, sizeof(old)), 0, "the old key was replaced");
}

/*
 * pcl_siphash with SipHash-2-4's rounds is libsodium's SipHash-2-4 on every
 * length a block boundary can split, so the PRF (the same code with 1 and
 * 3 rounds) is SipHash-1-3 and not some other function.
 */
Test(isn, siphash_matches_libsodium)
{
	uint8_t key[16], in[64];
	unsigned int i, len;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 7 + 1);
	for (len = 0; len <= sizeof(in); len++) {
		uint64_t want;

		crypto_shorthash_siphash24((unsigned char *)&want, in, len, key);
		cr_expect_eq(pcl_siphash(key, in, len, 2, 4), want, "%u bytes", len);
		cr_expect_neq(pcl_siphash(key, in, len, 1, 3), want, "%u bytes", len);
	}
}

/*
 * SipHash-1-3 of the reference key (00 01 .. 0f) and message (00 01 ..):
 * the low 32 bits, as Linux's hsiphash tests hold them on 64-bit machines,
 * where hsiphash is SipHash-1-3 (lib/siphash_kunit.c), across the block
 * boundaries at 8 bytes.
 */
Test(isn, siphash13_vectors)
{
	static const struct {
		unsigned int len;
		uint32_t lo;
	} v[] = {{0, 0x050fc4dc}, {1, 0x7d57ca93},  {7, 0x9bb11140},
		 {8, 0x8d299a8e}, {12, 0x57b4d9a2}, {13, 0x1229ffa7}};
	uint8_t key[16], in[16];
	unsigned int i;

	for (i = 0; i < 16; i++)
		key[i] = in[i] = (uint8_t)i;
	for (i = 0; i < RTE_DIM(v); i++)
		cr_expect_eq((uint32_t)pcl_siphash(key, in, v[i].len, 1, 3), v[i].lo, "%u bytes",
			     v[i].len);
}
