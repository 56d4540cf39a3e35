/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Maglev consistent hashing with weights.
 *
 * The algorithm (Eisenbud et al., "Maglev: A Fast and Reliable Software
 * Network Load Balancer", NSDI'16, section 3.4). The table has M slots.
 * Each backend has its own order of preference over them, a permutation
 * given by two numbers derived from its key: offset in [0, M) and skip in
 * [1, M), its j-th choice being (offset + j * skip) mod M. Backends take
 * turns; at its turn a backend takes the slot it prefers most among those
 * still free. After M turns every slot is taken, and a flow goes to
 * table[hash mod M].
 *
 * Why M is prime: then every skip in [1, M) is coprime to M, so every
 * backend's sequence visits every slot exactly once before repeating. A
 * backend therefore always finds a free slot while one is left, and no
 * backend is confined to a part of the table. (A power of two would make
 * the modulo a mask, but an even skip would cover only half the table.)
 *
 * Disruption. A backend's slots are the first free entries of its own
 * preference list, a list that does not depend on the other backends. When
 * a backend leaves, its slots fall to the others; another backend's slot
 * moves only where, having taken one of the freed slots earlier in its
 * list, it no longer needs a slot it used to take, which someone else then
 * gets. The paper measures that effect as small, and the unit tests bound
 * it: removing one of three equal backends from 65537 slots moves the
 * third that has to move and under 0.2 % more. The table is a function of
 * the set of (key, weight) pairs and the seed, nothing else (backends are
 * placed in the order of their keys), so adding the backend back restores
 * the previous table exactly, and load balancers that build from the same
 * set agree without talking to each other.
 *
 * Weights. The paper's round robin gives every backend the same number of
 * turns. Here each backend first gets a quota, its share of the M slots in
 * proportion to its weight: M * w / W rounded down, the fractions carried
 * from one backend to the next in key order so that the quotas add up to M
 * exactly. Each quota is thus within one slot of the ideal share; a weight
 * of 0 gets none, and a drained backend changes nothing for the others.
 *
 * The turns are then spread in proportion, in the spirit of Katran's
 * MaglevHashV2: the build runs in R rounds, R the largest quota; the
 * backend with that quota has a turn every round and one with quota q has
 * its k-th turn in round k * R / q, at the start of the k-th of q equal
 * stretches of the build. Katran visits every backend every round to see
 * whose turn it is, which costs backends * R and grows with the spread of
 * the weights; here each backend waits in a queue filed under the round of
 * its next turn (first come, first served within a round, key order at the
 * start), so a round costs only its turns. With equal weights this is the
 * paper's round robin in key order, but for which backends have a turn in
 * the last round. Two measured reasons for this shape:
 * - Spreading: when instead every backend took a turn each round until its
 *   quota ran out, the heavy ones were left alone with the last, most
 *   contested slots, and removing one of four backends weighted 1, 2, 3, 4
 *   moved 2.8 % of the table beyond the removed share on average (4.8 % at
 *   worst); spread, 0.06 % (0.5 %).
 * - Start of the stretch: the turn that a backend loses to rounding (a
 *   quota of R - 1) falls in the last round, where the paper's round robin
 *   loses it too when the table fills partway through a round. With turns
 *   in the middle of their stretch, removing one of 1000 equal backends
 *   from 131071 slots moved twice as many extra slots (1.1 % against 0.57 %).
 *
 * The permutations come from SipHash-2-4 (libsodium), a keyed hash
 * fixed by its specification: the same key, seed and table size give the
 * same permutation on every machine and build, so any host can rebuild a
 * table. The 16-byte SipHash key is the seed as 8
 * little-endian bytes followed by the 8 bytes "pclmaglv"; offset hashes the
 * backend key followed by a 0 byte, skip the key followed by a 1 byte: two
 * independent 64-bit results, each read as a little-endian word. A
 * service's own seed keeps two services with the same backends from
 * getting the same table, and their loads from correlating.
 *
 * Cost. A backend's position in its list only moves forward, so it probes
 * at most M slots over the whole build; the k-th slot filled takes about
 * M / (M - k) probes, M ln M in all (the paper's bound). Add O(n log n) for
 * the sort and O(M) for the rounds. Scratch: 48 bytes a backend and 4
 * bytes a round, from malloc (this runs on the control thread).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "lb/pcl_maglev.h"

#define MAX_BACKENDS (PCL_MAGLEV_NONE - 1)
#define NIL          PCL_MAGLEV_NONE /* the end of a round's queue */

/* A backend while the table is built. */
struct mg_backend {
	const struct pcl_maglev_backend *b;
	uint32_t pos;   /* the next slot in its order of preference */
	uint32_t skip;  /* the step of that order */
	uint32_t quota; /* slots it gets */
	uint32_t taken; /* slots it has */
	uint32_t round; /* its next turn: round + rem / quota */
	uint32_t rem;
	uint32_t step; /* between turns: step + step_rem / quota rounds */
	uint32_t step_rem;
	uint16_t next; /* the backend after it in its round's queue */
	uint16_t idx;  /* its index in b[] */
};

_Static_assert(sizeof(struct mg_backend) == 48, "the scratch size the design note gives");

bool
pcl_maglev_is_prime(uint32_t n)
{
	uint32_t d;

	if (n < 4)
		return n >= 2;
	if (n % 2 == 0 || n % 3 == 0)
		return false;
	/* Every prime above 3 is 6k - 1 or 6k + 1. */
	for (d = 5; (uint64_t)d * d <= n; d += 6)
		if (n % d == 0 || n % (d + 2) == 0)
			return false;
	return true;
}

static int
by_key(const void *a, const void *b)
{
	const struct mg_backend *x = a, *y = b;

	return memcmp(x->b->key, y->b->key, PCL_MAGLEV_KEY_LEN);
}

/* SipHash-2-4 of msg, read as the little-endian word it is on any host. */
static uint64_t
prf(const unsigned char *msg, size_t len, const unsigned char *key)
{
	unsigned char out[crypto_shorthash_siphash24_BYTES];
	uint64_t h = 0;
	int i;

	crypto_shorthash_siphash24(out, msg, len, key);
	for (i = crypto_shorthash_siphash24_BYTES - 1; i >= 0; i--)
		h = h << 8 | out[i];
	return h;
}

/* The 16-byte SipHash key: the seed in little-endian order, then a fixed label. */
static void
expand_seed(uint64_t seed, unsigned char key[crypto_shorthash_siphash24_KEYBYTES])
{
	int i;

	for (i = 0; i < 8; i++)
		key[i] = (unsigned char)(seed >> (8 * i));
	memcpy(key + 8, "pclmaglv", 8);
}

/* The backend's order of preference: its first choice and its step. */
static void
permute(struct mg_backend *x, uint32_t size, const unsigned char *key)
{
	unsigned char msg[PCL_MAGLEV_KEY_LEN + 1];

	memcpy(msg, x->b->key, PCL_MAGLEV_KEY_LEN);
	msg[PCL_MAGLEV_KEY_LEN] = 0;
	x->pos = (uint32_t)(prf(msg, sizeof(msg), key) % size);
	msg[PCL_MAGLEV_KEY_LEN] = 1;
	x->skip = (uint32_t)(prf(msg, sizeof(msg), key) % (size - 1)) + 1;
}

/*
 * Splits size slots in proportion to the weights (total > 0): size * w /
 * total rounded down, the remainders carried in key order and a slot added
 * each time they reach total. The remainders add up to a multiple of total,
 * so the quotas add up to size exactly, each within one slot of its share.
 * Returns the largest quota.
 */
static uint32_t
set_quotas(struct mg_backend *m, uint16_t n, uint32_t size, uint64_t total)
{
	uint64_t carry = 0, p;
	uint32_t most = 0;
	uint16_t i;

	for (i = 0; i < n; i++) {
		/* Both factors are below 2^32: no overflow. */
		p = (uint64_t)size * m[i].b->weight;
		m[i].quota = (uint32_t)(p / total);
		carry += p % total;
		if (carry >= total) {
			m[i].quota++;
			carry -= total;
		}
		if (m[i].quota > most)
			most = m[i].quota;
	}
	return most;
}

/*
 * Turn k of a backend with quota q falls in round k * rounds / q, kept as
 * a quotient and a remainder so that moving on to the next turn takes no
 * division. q <= rounds: at most one turn a round.
 */
static void
schedule(struct mg_backend *x, uint32_t rounds)
{
	x->round = 0;
	x->rem = 0;
	x->step = rounds / x->quota;
	x->step_rem = rounds % x->quota;
}

static void
advance(struct mg_backend *x)
{
	x->round += x->step;
	/* rem + step_rem can pass 2^32: compare without forming the sum. */
	if (x->rem >= x->quota - x->step_rem) {
		x->round++;
		x->rem -= x->quota - x->step_rem;
	} else {
		x->rem += x->step_rem;
	}
}

/* Queues backend i behind those already waiting for round r. */
static void
enqueue(struct mg_backend *m, uint16_t *head, uint16_t *tail, uint32_t r, uint16_t i)
{
	m[i].next = NIL;
	if (head[r] == NIL)
		head[r] = i;
	else
		m[tail[r]].next = i;
	tail[r] = i;
}

/* pos + skip can pass 2^32: step without forming the sum. */
static inline uint32_t
step(uint32_t pos, uint32_t skip, uint32_t size)
{
	return pos < size - skip ? pos + skip : pos - (size - skip);
}

/* Takes the slot x prefers most among the free ones. */
static uint32_t
take(struct mg_backend *x, const uint16_t *table, uint32_t size)
{
	uint32_t pos = x->pos;

	/*
	 * Ends: a slot is free (the quotas add up to size), x's order visits
	 * every slot, and the ones it passed before stay taken.
	 */
	while (table[pos] != PCL_MAGLEV_NONE)
		pos = step(pos, x->skip, size);
	x->pos = step(pos, x->skip, size);
	return pos;
}

/*
 * Gives the backends their turns, round by round, until the table (all
 * PCL_MAGLEV_NONE) is full. cal has room for two queue ends per round.
 */
static void
fill(uint16_t *table, uint32_t size, struct mg_backend *m, uint16_t n, uint16_t *cal,
     uint32_t rounds, uint64_t seed)
{
	unsigned char key[crypto_shorthash_siphash24_KEYBYTES];
	uint16_t *head = cal, *tail = cal + rounds, i, next;
	struct mg_backend *x;
	uint32_t r;

	expand_seed(seed, key);
	for (r = 0; r < rounds; r++)
		head[r] = NIL;
	for (i = 0; i < n; i++) {
		if (m[i].quota == 0)
			continue;
		permute(&m[i], size, key);
		schedule(&m[i], rounds);
		enqueue(m, head, tail, m[i].round, i);
	}
	/* A backend's next turn is in a later round: queues only grow behind r. */
	for (r = 0; r < rounds; r++) {
		for (i = head[r]; i != NIL; i = next) {
			x = &m[i];
			next = x->next;
			table[take(x, table, size)] = x->idx;
			if (++x->taken < x->quota) {
				advance(x);
				enqueue(m, head, tail, x->round, i);
			}
		}
	}
}

/*
 * Fills m[] from b[] in key order and adds up the weights. Returns 0, or
 * -EINVAL when two backends share a key.
 */
static int
sort_backends(struct mg_backend *m, const struct pcl_maglev_backend *b, uint16_t n, uint64_t *total)
{
	uint16_t i;

	*total = 0;
	for (i = 0; i < n; i++) {
		m[i] = (struct mg_backend){.b = &b[i], .idx = i};
		*total += b[i].weight;
	}
	/* Key order makes the table independent of the order of b[]. */
	qsort(m, n, sizeof(*m), by_key);
	for (i = 1; i < n; i++)
		if (by_key(&m[i - 1], &m[i]) == 0)
			return -EINVAL;
	return 0;
}

int
pcl_maglev_build(uint16_t *table, uint32_t size, const struct pcl_maglev_backend *b, uint16_t n,
		 uint64_t seed)
{
	struct mg_backend *m = NULL;
	uint16_t *cal = NULL;
	uint32_t rounds = 0, i;
	uint64_t total = 0;
	int rc = 0;

	if (!pcl_maglev_is_prime(size) || size <= n || n > MAX_BACKENDS)
		return -EINVAL;
	/* Everything that can fail comes first: on error the table is as it was. */
	if (n > 0) {
		m = malloc(n * sizeof(*m));
		if (m == NULL)
			return -ENOMEM;
		rc = sort_backends(m, b, n, &total);
		if (rc < 0)
			goto out;
	}
	if (total > 0) {
		rounds = set_quotas(m, n, size, total);
		cal = malloc(2 * (size_t)rounds * sizeof(*cal));
		if (cal == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (i = 0; i < size; i++)
		table[i] = PCL_MAGLEV_NONE;
	if (total > 0)
		fill(table, size, m, n, cal, rounds, seed);
out:
	free(cal);
	free(m);
	return rc;
}
