/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_MAGLEV_H
#define PCL_MAGLEV_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Maglev consistent hashing (Eisenbud et al., NSDI'16) with weights: a
 * lookup table of a prime number of slots, each naming a backend, that a
 * flow hash indexes. Built on the control thread from the set of backends;
 * the table changes little when that set does, so most flows keep their
 * backend. The design is described at the top of pcl_maglev.c.
 *
 * Plain C, no EAL; the permutations come from libsodium's SipHash-2-4.
 */

#define PCL_MAGLEV_DEFAULT_SIZE 65537u
#define PCL_MAGLEV_NONE         0xffffu /* a slot with no backend */
/* A backend's key: address (16 bytes; IPv4 as ::ffff:a.b.c.d) + port, network order. */
#define PCL_MAGLEV_KEY_LEN 18

/* A backend as Maglev sees it: who it is, and how much it should get. */
struct pcl_maglev_backend {
	uint8_t key[PCL_MAGLEV_KEY_LEN];
	uint32_t weight; /* 0: present but gets no slots (drained) */
};

/* Whether n is prime (the table size must be). */
bool pcl_maglev_is_prime(uint32_t n);

/*
 * Fills table[0..size) with indexes into b[0..n). size must be prime and
 * above n; the config enforces size > 100 * n. Backends are placed in the
 * order of their keys, so the table depends on the set of (key, weight)
 * pairs and the seed only, never on the order of b[]. Each backend's share
 * of the slots is proportional to its weight: within one slot of
 * size * weight / (sum of weights). With every weight 0 (or n 0)
 * every slot is PCL_MAGLEV_NONE. Returns 0, -EINVAL (size not prime or
 * not above n, n above 65534, two backends with the same key) or -ENOMEM;
 * on error the table is left as it was.
 */
int pcl_maglev_build(uint16_t *table, uint32_t size, const struct pcl_maglev_backend *b, uint16_t n,
		     uint64_t seed);

/* The backend for a flow hash. */
static inline uint16_t
pcl_maglev_lookup(const uint16_t *table, uint32_t size, uint32_t hash)
{
	return table[hash % size];
}

#endif
