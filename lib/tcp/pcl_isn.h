/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_ISN_H
#define PCL_ISN_H

#include <stdint.h>

#include <rte_seqlock.h>
#include <sodium.h>

#include "net/pcl_tuple.h"
#include "tcp/pcl_siphash.h"

/* A 128-bit SipHash key; filled from the OS random source. */
struct pcl_secret {
	uint8_t key[crypto_shorthash_siphash24_KEYBYTES];
};

/* Fills s from getrandom(2). Returns 0 or -errno. */
int pcl_secret_init(struct pcl_secret *s);

/*
 * A secret every worker uses, rotated by the control thread without stopping
 * them. The new key is written into the slot not in use and then published
 * by a release store of gen; a worker reads gen with acquire and uses slot
 * gen & 1. Cookies name the slot they were made with, so a worker may read
 * a slot the control thread is rewriting: each slot is a seqlock
 * (rte_seqlock), and pcl_keyring_read() returns a key that was whole.
 */
struct pcl_keyslot {
	rte_seqlock_t lock;
	struct pcl_secret key;
};

struct pcl_keyring {
	struct pcl_keyslot slot[2];
	uint32_t gen;
};

/* Fills both keys from the OS random source. Returns 0 or -errno. */
int pcl_keyring_init(struct pcl_keyring *k);

/* Control thread only: makes key the current one. */
void pcl_keyring_set(struct pcl_keyring *k, const struct pcl_secret *key);

/* Control thread only: a fresh current key from the OS. Returns 0 or -errno. */
int pcl_keyring_rotate(struct pcl_keyring *k);

/* The slot of the current key. */
static inline unsigned int
pcl_keyring_current(const struct pcl_keyring *k)
{
	return __atomic_load_n(&k->gen, __ATOMIC_ACQUIRE) & 1;
}

/* Copies the key in slot i, never a half-written one. */
static inline void
pcl_keyring_read(const struct pcl_keyring *k, unsigned int i, struct pcl_secret *out)
{
	const struct pcl_keyslot *s = &k->slot[i];
	uint32_t sn;

	do {
		sn = rte_seqlock_read_begin(&s->lock);
		*out = s->key;
	} while (rte_seqlock_read_retry(&s->lock, sn));
}

/*
 * The secrets workers read: one for ISNs and TSval offsets, one for SYN
 * cookies. Separate keyrings, so each rotates on its own schedule.
 */
struct pcl_secrets {
	struct pcl_keyring isn;
	struct pcl_keyring cookie;
};

/* Fills every key from the OS random source. Returns 0 or -errno. */
int pcl_secrets_init(struct pcl_secrets *s);

/*
 * The keyed PRF of ISNs, SYN cookies and TIME_WAIT fingerprints: SipHash-1-3
 * of len bytes under s. One compression and three finalization rounds
 * instead of SipHash-2-4's two and four: 6 rounds instead of 10 for a
 * cookie's 24 bytes, 5 instead of 8 for a 12-byte tuple. The inputs are
 * at most 48 bytes, an attacker sees at most 32 bits of any output, and
 * a key serves at most syncookies.rekey_s (600 s): docs/syn-cookies.md
 * gives the argument, and the margin that is left.
 */
static inline uint64_t
pcl_prf(const struct pcl_secret *s, const void *b, size_t len)
{
	return pcl_siphash(s->key, b, len, 1, 3);
}

/* The PRF of the 4-tuple under s. */
static inline uint64_t
pcl_tuple_prf(const struct pcl_secret *s, const struct pcl_tuple *t)
{
	return pcl_prf(s, t, sizeof(*t));
}

/* The same over an IPv6 connection's whole tuple (never its interned indices). */
static inline uint64_t
pcl_tuple6_prf(const struct pcl_secret *s, const struct pcl_tuple6 *t)
{
	return pcl_prf(s, t, sizeof(*t));
}

/*
 * The initial sequence number and timestamp offset of a connection, per
 * RFC 6528 and RFC 7323 5.4: ISN = M + F(4-tuple, secret) with M a 4 us
 * clock, and a per-connection TSval offset so timestamps do not reveal
 * uptime or link connections. Both halves come from one PRF call.
 */
struct pcl_isn {
	uint32_t isn;
	uint32_t ts_off;
};

/* The ISN of a tuple given as len bytes (either family's). */
static inline struct pcl_isn
pcl_isn_of(const struct pcl_keyring *k, const void *t, size_t len, uint64_t now_us)
{
	struct pcl_secret key;
	uint64_t h;

	pcl_keyring_read(k, pcl_keyring_current(k), &key);
	h = pcl_prf(&key, t, len);

	return (struct pcl_isn){.isn = (uint32_t)(now_us >> 2) + (uint32_t)h,
				.ts_off = (uint32_t)(h >> 32)};
}

static inline struct pcl_isn
pcl_isn_make(const struct pcl_keyring *k, const struct pcl_tuple *t, uint64_t now_us)
{
	return pcl_isn_of(k, t, sizeof(*t), now_us);
}

/* RFC 6528 over the 128-bit addresses: the same secret, the same clock. */
static inline struct pcl_isn
pcl_isn_make6(const struct pcl_keyring *k, const struct pcl_tuple6 *t, uint64_t now_us)
{
	return pcl_isn_of(k, t, sizeof(*t), now_us);
}

#endif
