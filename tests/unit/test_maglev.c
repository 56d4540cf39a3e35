/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev on its own: primality, a full table, every share within a slot of
 * its weight, how little moves when a backend leaves, joins or is drained,
 * the exact table again when it comes back, independence from the order
 * of the backends, seeds, the permutations derived as documented, tables
 * pinned across versions, errors that leave the table alone, and the
 * spread of lookups.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <sodium.h>

#include "lb/pcl_maglev.h"

#define SEED  0x0123456789abcdefull
#define SMALL PCL_MAGLEV_DEFAULT_SIZE
#define BIG   131071u /* prime, above 100 x 1000 backends */
#define MAXN  1001

static uint16_t ta[BIG], tb[BIG];
static struct pcl_maglev_backend ba[MAXN], bb[MAXN];

/* Backend i: [::ffff:10.x.y.z]:80, i in the low three bytes of the address. */
static struct pcl_maglev_backend
backend(uint32_t i, uint32_t weight)
{
	struct pcl_maglev_backend b = {.weight = weight};

	b.key[10] = b.key[11] = 0xff;
	b.key[12] = 10;
	b.key[13] = (uint8_t)(i >> 16);
	b.key[14] = (uint8_t)(i >> 8);
	b.key[15] = (uint8_t)i;
	b.key[17] = 80;
	return b;
}

static void
make(struct pcl_maglev_backend *b, uint32_t n, const uint32_t *weights)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		b[i] = backend(i, weights[i]);
}

static void
build(uint16_t *t, uint32_t size, const struct pcl_maglev_backend *b, uint32_t n, uint64_t seed)
{
	int rc = pcl_maglev_build(t, size, b, (uint16_t)n, seed);

	cr_assert_eq(rc, 0, "build of %u backends in %u slots: %d", n, size, rc);
}

/* Slots per backend; every slot must name one of the n. */
static void
count(const uint16_t *t, uint32_t size, uint32_t n, uint32_t *cnt)
{
	uint32_t s;

	memset(cnt, 0, n * sizeof(*cnt));
	for (s = 0; s < size; s++) {
		cr_assert_lt(t[s], n, "slot %u holds %u, not one of %u backends", s, t[s], n);
		cnt[t[s]]++;
	}
}

/* The key a slot names, NULL for none. */
static const uint8_t *
key_at(const uint16_t *t, uint32_t s, const struct pcl_maglev_backend *b)
{
	return t[s] == PCL_MAGLEV_NONE ? NULL : b[t[s]].key;
}

/* Slots whose backend (by key) differs between two tables. */
static uint32_t
moved(const uint16_t *t1, const struct pcl_maglev_backend *b1, const uint16_t *t2,
      const struct pcl_maglev_backend *b2, uint32_t size)
{
	const uint8_t *k1, *k2;
	uint32_t s, n = 0;

	for (s = 0; s < size; s++) {
		k1 = key_at(t1, s, b1);
		k2 = key_at(t2, s, b2);
		if (k1 == NULL || k2 == NULL ? k1 != k2 : memcmp(k1, k2, PCL_MAGLEV_KEY_LEN) != 0)
			n++;
	}
	return n;
}

/*
 * Every backend gets within one slot of size * w / W, so within 1 % of
 * its share wherever that share is 100 slots or more (below, one slot is
 * more than 1 % and the one-slot bound is the one that means something).
 * Returns the largest relative error among those.
 */
static double
check_shares(const uint16_t *t, uint32_t size, const struct pcl_maglev_backend *b, uint32_t n)
{
	static uint32_t cnt[MAXN];
	double total = 0, ideal, err, worst = 0;
	uint32_t i;

	count(t, size, n, cnt);
	for (i = 0; i < n; i++)
		total += b[i].weight;
	for (i = 0; i < n; i++) {
		ideal = (double)size * b[i].weight / total;
		err = cnt[i] > ideal ? cnt[i] - ideal : ideal - cnt[i];
		cr_assert_lt(err, 1.0, "backend %u (weight %u): %u slots, ideal %.2f", i,
			     b[i].weight, cnt[i], ideal);
		if (ideal >= 100) {
			cr_assert_leq(err / ideal, 0.01);
			worst = err / ideal > worst ? err / ideal : worst;
		}
	}
	return worst;
}

static void
shuffle(struct pcl_maglev_backend *b, uint32_t n)
{
	struct pcl_maglev_backend tmp;
	uint32_t i, j;

	for (i = n - 1; i > 0; i--) {
		j = (uint32_t)rand() % (i + 1);
		tmp = b[i];
		b[i] = b[j];
		b[j] = tmp;
	}
}

/* b[] without b[skip]. */
static uint32_t
without(struct pcl_maglev_backend *out, const struct pcl_maglev_backend *b, uint32_t n,
	uint32_t skip)
{
	uint32_t i, k = 0;

	for (i = 0; i < n; i++)
		if (i != skip)
			out[k++] = b[i];
	return k;
}

Test(maglev, primes)
{
	static const uint32_t primes[] = {2, 3, 5, 7, 65521, 65537, 131071, 999983, 4294967291u};
	/* 65521^2 and 65521 * 65537: factors at the edge of the trial division. */
	static const uint32_t composites[] = {
		0, 1, 4, 9, 25, 49, 65535, 65536, 4293001441u, 4294049777u, 4294967295u};
	enum { N = 200000 };
	static bool sieve[N];
	uint32_t i, j;

	for (i = 0; i < sizeof(primes) / sizeof(primes[0]); i++)
		cr_expect(pcl_maglev_is_prime(primes[i]), "%u", primes[i]);
	for (i = 0; i < sizeof(composites) / sizeof(composites[0]); i++)
		cr_expect(!pcl_maglev_is_prime(composites[i]), "%u", composites[i]);
	/* Every number below N against a sieve. */
	for (i = 2; i < N; i++)
		sieve[i] = true;
	for (i = 2; i * i < N; i++)
		for (j = i * i; sieve[i] && j < N; j += i)
			sieve[j] = false;
	for (i = 0; i < N; i++)
		cr_assert_eq(pcl_maglev_is_prime(i), sieve[i], "%u", i);
}

/* Every slot names a backend, down to a table barely larger than n. */
Test(maglev, every_slot_filled)
{
	static const uint32_t w[] = {7, 7, 7};
	static const uint32_t sizes[] = {5, 101, SMALL, BIG};
	uint32_t cnt[3], i;

	make(ba, 1, w);
	build(ta, 2, ba, 1, SEED);
	cr_expect(ta[0] == 0 && ta[1] == 0);
	make(ba, 3, w);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		build(ta, sizes[i], ba, 3, SEED);
		count(ta, sizes[i], 3, cnt);
		cr_expect_eq(cnt[0] + cnt[1] + cnt[2], sizes[i]);
	}
}

Test(maglev, shares_follow_weights)
{
	static const uint32_t equal[] = {100, 100, 100}, ramp[] = {1, 2, 3, 4};
	static uint32_t w[MAXN];
	uint32_t i;
	double worst;

	make(ba, 3, equal);
	build(ta, SMALL, ba, 3, SEED);
	worst = check_shares(ta, SMALL, ba, 3);
	cr_log_info("100/100/100 in %u: worst share off by %.4f %%", SMALL, worst * 100);

	make(ba, 4, ramp);
	build(ta, SMALL, ba, 4, SEED);
	worst = check_shares(ta, SMALL, ba, 4);
	cr_log_info("1/2/3/4 in %u: worst share off by %.4f %%", SMALL, worst * 100);

	srand(1);
	for (i = 0; i < 10; i++)
		w[i] = 1 + (uint32_t)rand() % 1000;
	make(ba, 10, w);
	build(ta, SMALL, ba, 10, SEED);
	worst = check_shares(ta, SMALL, ba, 10);
	cr_log_info("10 random weights in %u: worst share off by %.4f %%", SMALL, worst * 100);

	for (i = 0; i < 1000; i++)
		w[i] = 1;
	make(ba, 1000, w);
	build(ta, BIG, ba, 1000, SEED);
	worst = check_shares(ta, BIG, ba, 1000);
	cr_log_info("1000 x 1 in %u: worst share off by %.4f %%", BIG, worst * 100);

	for (i = 0; i < 1000; i++)
		w[i] = 1 + (uint32_t)rand() % 1000;
	make(ba, 1000, w);
	build(ta, BIG, ba, 1000, SEED);
	check_shares(ta, BIG, ba, 1000);
}

/* Weights up to 2^32 - 1, and one weight dwarfing the rest, stay exact. */
Test(maglev, extreme_weights)
{
	static const uint32_t huge[] = {UINT32_MAX, UINT32_MAX - 1, 1, UINT32_MAX / 3};
	static uint32_t w[MAXN];
	uint32_t i;

	make(ba, 4, huge);
	build(ta, SMALL, ba, 4, SEED);
	check_shares(ta, SMALL, ba, 4);

	w[0] = 1000000;
	for (i = 1; i < 1000; i++)
		w[i] = 1;
	make(ba, 1000, w);
	build(ta, BIG, ba, 1000, SEED);
	check_shares(ta, BIG, ba, 1000);
}

/*
 * Removing one of three equal backends moves its third and at most 1 % of
 * the table more; adding it back gives the first table exactly, wherever
 * it stands in b[].
 */
Test(maglev, removal_moves_little_and_readding_restores)
{
	static const uint32_t w[] = {100, 100, 100};
	uint32_t gone, n, m, cnt[3];

	make(ba, 3, w);
	build(ta, SMALL, ba, 3, SEED);
	count(ta, SMALL, 3, cnt);
	for (gone = 0; gone < 3; gone++) {
		n = without(bb, ba, 3, gone);
		build(tb, SMALL, bb, n, SEED);
		m = moved(ta, ba, tb, bb, SMALL);
		cr_log_info("3 equal, remove %u: %u of %u slots moved (%.4f; its own %.4f)", gone,
			    m, SMALL, (double)m / SMALL, (double)cnt[gone] / SMALL);
		cr_expect_geq(m, cnt[gone], "every slot of the removed backend moves");
		cr_expect_leq(m, SMALL / 3.0 + SMALL / 100.0);
		bb[n++] = ba[gone];
		build(tb, SMALL, bb, n, SEED);
		cr_expect_eq(moved(ta, ba, tb, bb, SMALL), 0, "re-adding %u restores the table",
			     gone);
	}
}

/* Weighted, bigger, and a join: what moves is the share that must, plus 1 %. */
Test(maglev, disruption_stays_near_the_share)
{
	static const uint32_t ramp[] = {1, 2, 3, 4}, equal[] = {5, 5, 5, 5};
	static uint32_t w[MAXN];
	uint32_t gone, n, m, i;

	make(ba, 4, ramp);
	build(ta, SMALL, ba, 4, SEED);
	for (gone = 0; gone < 4; gone++) {
		n = without(bb, ba, 4, gone);
		build(tb, SMALL, bb, n, SEED);
		m = moved(ta, ba, tb, bb, SMALL);
		cr_log_info("1/2/3/4, remove %u: moved %.4f, its share %.4f", gone,
			    (double)m / SMALL, ramp[gone] / 10.0);
		cr_expect_leq(m, SMALL * (ramp[gone] / 10.0 + 0.01), "removing %u", gone);
	}

	/* A fourth equal backend joins three: it takes a quarter. */
	make(ba, 3, equal);
	build(ta, SMALL, ba, 3, SEED);
	make(bb, 4, equal);
	build(tb, SMALL, bb, 4, SEED);
	m = moved(ta, ba, tb, bb, SMALL);
	cr_log_info("3 equal + 1: moved %.4f", (double)m / SMALL);
	cr_expect_leq(m, SMALL * (0.25 + 0.01));

	for (i = 0; i < 1000; i++)
		w[i] = 1;
	make(ba, 1000, w);
	build(ta, BIG, ba, 1000, SEED);
	for (gone = 0; gone < 1000; gone += 333) {
		n = without(bb, ba, 1000, gone);
		build(tb, BIG, bb, n, SEED);
		m = moved(ta, ba, tb, bb, BIG);
		cr_log_info("1000 x 1, remove %u: moved %.4f", gone, (double)m / BIG);
		cr_expect_leq(m, BIG * (0.001 + 0.01), "removing %u", gone);
	}
}

/*
 * A drained backend (weight 0) gets nothing and changes nothing: the table
 * is the one without it. Every weight 0, or no backend, is all NONE.
 */
Test(maglev, drained_backends)
{
	static const uint32_t w[] = {0, 5, 0, 5, 3}, zero[] = {0, 0, 0};
	uint32_t cnt[5], n, s;

	make(ba, 5, w);
	build(ta, SMALL, ba, 5, SEED);
	count(ta, SMALL, 5, cnt);
	cr_expect_eq(cnt[0], 0);
	cr_expect_eq(cnt[2], 0);
	cr_expect_eq(cnt[1] + cnt[3] + cnt[4], SMALL);
	n = without(bb, ba, 5, 2);
	n = without(bb, bb, n, 0);
	build(tb, SMALL, bb, n, SEED);
	cr_expect_eq(moved(ta, ba, tb, bb, SMALL), 0, "the drained ones changed the table");

	/* Draining the last one with weight 3 moves its share and no more. */
	ba[4].weight = 0;
	build(tb, SMALL, ba, 5, SEED);
	cr_expect_leq(moved(ta, ba, tb, ba, SMALL), SMALL * (3.0 / 13 + 0.01));

	make(ba, 3, zero);
	build(ta, SMALL, ba, 3, SEED);
	for (s = 0; s < SMALL; s++)
		cr_assert_eq(ta[s], PCL_MAGLEV_NONE, "slot %u", s);
	memset(ta, 0, sizeof(ta));
	cr_assert_eq(pcl_maglev_build(ta, SMALL, NULL, 0, SEED), 0);
	for (s = 0; s < SMALL; s++)
		cr_assert_eq(ta[s], PCL_MAGLEV_NONE, "slot %u", s);
}

/* The order of b[] does not matter: shuffled, every slot names the same key. */
Test(maglev, independent_of_order)
{
	static const uint32_t ramp[] = {1, 2, 3, 4};
	static uint32_t w[MAXN];
	uint32_t i, round;

	srand(7);
	for (i = 0; i < 1000; i++)
		w[i] = 1 + (uint32_t)rand() % 1000;
	make(ba, 4, ramp);
	build(ta, SMALL, ba, 4, SEED);
	for (round = 0; round < 8; round++) {
		memcpy(bb, ba, 4 * sizeof(bb[0]));
		shuffle(bb, 4);
		build(tb, SMALL, bb, 4, SEED);
		cr_expect_eq(moved(ta, ba, tb, bb, SMALL), 0, "shuffle %u", round);
	}
	make(ba, 1000, w);
	build(ta, BIG, ba, 1000, SEED);
	for (round = 0; round < 3; round++) {
		memcpy(bb, ba, 1000 * sizeof(bb[0]));
		shuffle(bb, 1000);
		build(tb, BIG, bb, 1000, SEED);
		cr_expect_eq(moved(ta, ba, tb, bb, BIG), 0, "shuffle %u of 1000", round);
	}
}

/*
 * The same seed gives the same table; another seed, any of its 64 bits, a
 * different one (two random tables of three agree on about a third).
 */
Test(maglev, seeds)
{
	static const uint32_t w[] = {1, 1, 1};
	static const uint64_t other[] = {SEED + 1, SEED ^ (1ull << 40), SEED ^ (1ull << 63), 0};
	uint32_t i;

	make(ba, 3, w);
	build(ta, SMALL, ba, 3, SEED);
	build(tb, SMALL, ba, 3, SEED);
	cr_expect_eq(memcmp(ta, tb, sizeof(uint16_t) * SMALL), 0);
	for (i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		build(tb, SMALL, ba, 3, other[i]);
		cr_expect_gt(moved(ta, ba, tb, ba, SMALL), SMALL / 2, "seed %#llx",
			     (unsigned long long)other[i]);
	}
}

/* offset and skip as pcl_maglev.c documents them, computed here on their own. */
static void
permutation(const struct pcl_maglev_backend *b, uint64_t seed, uint32_t size, uint32_t *offset,
	    uint32_t *skip)
{
	unsigned char key[crypto_shorthash_siphash24_KEYBYTES], msg[PCL_MAGLEV_KEY_LEN + 1];
	unsigned char out[crypto_shorthash_siphash24_BYTES];
	uint64_t h[2] = {0, 0};
	int i, j;

	for (i = 0; i < 8; i++)
		key[i] = (unsigned char)(seed >> (8 * i));
	memcpy(key + 8, "pclmaglv", 8);
	memcpy(msg, b->key, PCL_MAGLEV_KEY_LEN);
	for (j = 0; j < 2; j++) {
		msg[PCL_MAGLEV_KEY_LEN] = (unsigned char)j;
		crypto_shorthash_siphash24(out, msg, sizeof(msg), key);
		for (i = 7; i >= 0; i--)
			h[j] = h[j] << 8 | out[i];
	}
	*offset = (uint32_t)(h[0] % size);
	*skip = (uint32_t)(h[1] % (size - 1)) + 1;
}

/*
 * With equal weights the first round goes in key order, each backend to
 * its offset; then the first backend to offset + skip. This pins the
 * derivation, which must stay the same on every host and build.
 */
Test(maglev, permutations_as_documented)
{
	static const uint32_t w[] = {1, 1, 1};
	uint32_t off[3], skip[3], second;
	int i;

	make(ba, 3, w); /* keys in ascending order: 0, 1, 2 */
	for (i = 0; i < 3; i++)
		permutation(&ba[i], SEED, SMALL, &off[i], &skip[i]);
	second = (off[0] + skip[0]) % SMALL;
	/* This seed and these keys give distinct slots: the test checks them. */
	cr_assert(off[0] != off[1] && off[0] != off[2] && off[1] != off[2]);
	cr_assert(second != off[1] && second != off[2]);
	build(ta, SMALL, ba, 3, SEED);
	for (i = 0; i < 3; i++)
		cr_expect_eq(ta[off[i]], i, "backend %d's offset %u", i, off[i]);
	cr_expect_eq(ta[second], 0, "backend 0's second choice %u", second);
}

/* Each -EINVAL case, and the table left as it was. */
Test(maglev, invalid_arguments)
{
	static const uint32_t w[] = {1, 2, 3};
	struct pcl_maglev_backend *many;
	uint16_t *big;
	uint32_t i, s, size;

	make(ba, 3, w);
	for (s = 0; s < SMALL; s++)
		ta[s] = 0x1234;
	cr_expect_eq(pcl_maglev_build(ta, 65536, ba, 3, SEED), -EINVAL, "not prime");
	cr_expect_eq(pcl_maglev_build(ta, 0, ba, 3, SEED), -EINVAL, "no slots");
	cr_expect_eq(pcl_maglev_build(ta, 1, ba, 0, SEED), -EINVAL, "1 is not prime");
	cr_expect_eq(pcl_maglev_build(ta, 3, ba, 3, SEED), -EINVAL, "not above n");
	cr_expect_eq(pcl_maglev_build(ta, 2, ba, 2, SEED), -EINVAL, "not above n");
	/* The same key twice, apart in b[], whatever the weights. */
	ba[2] = ba[0];
	ba[2].weight = 9;
	cr_expect_eq(pcl_maglev_build(ta, SMALL, ba, 3, SEED), -EINVAL, "duplicate key");
	ba[0].weight = ba[2].weight = 0;
	cr_expect_eq(pcl_maglev_build(ta, SMALL, ba, 3, SEED), -EINVAL, "duplicate drained key");
	for (s = 0; s < SMALL; s++)
		cr_assert_eq(ta[s], 0x1234, "slot %u changed by a failed build", s);

	/* 65535 distinct backends are one too many; 65534 fit, even in 65537 slots. */
	many = malloc(65535 * sizeof(*many));
	cr_assert_not_null(many);
	for (i = 0; i < 65535; i++)
		many[i] = backend(i, 1);
	for (size = 65535 * 100; !pcl_maglev_is_prime(size); size++)
		;
	big = malloc(size * sizeof(*big));
	cr_assert_not_null(big);
	cr_expect_eq(pcl_maglev_build(big, size, many, 65535, SEED), -EINVAL, "n above 65534");
	cr_expect_eq(pcl_maglev_build(ta, SMALL, many, 65534, SEED), 0);
	for (s = 0; s < SMALL; s++)
		cr_assert_lt(ta[s], 65534, "slot %u", s);
	free(big);
	free(many);
}

/*
 * Lookups spread in proportion: consecutive hashes, and pseudo-random ones,
 * land on each backend within 1 % of its share.
 */
Test(maglev, lookups_spread_by_weight)
{
	static const uint32_t ramp[] = {1, 2, 3, 4};
	enum { N = 4000000 };
	uint32_t cnt[2][4] = {{0}}, h, x = 2463534242u, i, j;
	double share;

	make(ba, 4, ramp);
	build(ta, SMALL, ba, 4, SEED);
	for (h = 0; h < N; h++) {
		cnt[0][pcl_maglev_lookup(ta, SMALL, h)]++;
		/* xorshift32: a fixed stream of well-spread hashes */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		cnt[1][pcl_maglev_lookup(ta, SMALL, x)]++;
	}
	for (j = 0; j < 2; j++) {
		for (i = 0; i < 4; i++) {
			share = (double)cnt[j][i] / N;
			cr_log_info("%s hashes: backend %u gets %.4f, weight share %.1f",
				    j ? "random" : "consecutive", i, share, ramp[i] / 10.0);
			cr_expect(share > ramp[i] / 10.0 * 0.99 && share < ramp[i] / 10.0 * 1.01,
				  "%s hashes: backend %u gets %.4f", j ? "random" : "consecutive",
				  i, share);
		}
	}
}

/* FNV-1a over the slots, low byte first. */
static uint64_t
fingerprint(const uint16_t *t, uint32_t size)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint32_t s;

	for (s = 0; s < size; s++) {
		h = (h ^ (t[s] & 0xff)) * 0x100000001b3ull;
		h = (h ^ (t[s] >> 8)) * 0x100000001b3ull;
	}
	return h;
}

/*
 * Known tables. Load balancers that build from the same set must agree,
 * also across versions during a rolling upgrade: a change that alters
 * these moves connections everywhere at once, and must be deliberate.
 */
Test(maglev, known_tables)
{
	static const uint32_t ramp[] = {1, 2, 3, 4}, equal[] = {1, 1, 1};

	make(ba, 4, ramp);
	build(ta, SMALL, ba, 4, SEED);
	make(bb, 3, equal);
	build(tb, SMALL, bb, 3, SEED);
	cr_expect_eq(fingerprint(ta, SMALL), 0x851867d5cdf89eccull, "1/2/3/4: %#llx",
		     (unsigned long long)fingerprint(ta, SMALL));
	cr_expect_eq(fingerprint(tb, SMALL), 0x17473c41f6fa814dull, "1/1/1: %#llx",
		     (unsigned long long)fingerprint(tb, SMALL));
}
