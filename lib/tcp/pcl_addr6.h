/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_ADDR6_H
#define PCL_ADDR6_H

#include <stdint.h>
#include <string.h>

#include <rte_jhash.h>

#include "net/pcl_tuple.h"

/*
 * A worker's interned IPv6 addresses: every address an IPv6 connection
 * entry names, once, with a count of the entries that name it. An entry
 * holds the indices in the 4-byte address fields of its tuple
 * (pcl_tuple.h), so IPv6 costs an entry nothing: 24 bytes per distinct
 * address and a 4-byte bucket, and nothing at all without port.addr6.
 *
 * Index 0 is never handed out (it means "not interned"). Buckets chain
 * through the slots, as the connection table does, under a random jhash
 * seed so a client cannot choose addresses that share a chain; free slots
 * are a stack threaded through the same links. One owner, no locks.
 */
#define PCL_A6_NIL 0u
#define PCL_A6_MAX ((1u << PCL_A6_BITS) - 1)

struct pcl_a6slot {
	uint8_t a[16];
	uint32_t refs; /* 0: free */
	uint32_t next; /* chain, or the free stack */
};

struct pcl_a6tab {
	struct pcl_a6slot *slot; /* slot[0] is never used */
	uint32_t *bucket;
	uint32_t mask;
	uint32_t seed;
	uint32_t cap; /* usable slots: 1..cap */
	uint32_t used;
	uint32_t free; /* top of the free stack, PCL_A6_NIL when full */
};

/* Bytes for cap addresses (at most PCL_A6_MAX). */
uint64_t pcl_a6tab_memsize(uint32_t cap);

/* Lays the table out in mem (pcl_a6tab_memsize(cap) bytes). Returns 0 or -EINVAL. */
int pcl_a6tab_init(struct pcl_a6tab *t, void *mem, uint32_t cap, uint32_t seed);

static inline uint32_t
pcl_a6tab_hash(const struct pcl_a6tab *t, const uint8_t *a)
{
	/* An address in a frame is 2-byte aligned at best: hash an aligned copy. */
	uint32_t w[4];

	memcpy(w, a, sizeof(w));
	return rte_jhash_32b(w, 4, t->seed);
}

/* The index of address a, or PCL_A6_NIL when no entry names it. */
static inline uint32_t
pcl_a6tab_find(const struct pcl_a6tab *t, const uint8_t *a)
{
	uint32_t i;

	if (t->used == 0)
		return PCL_A6_NIL;
	i = t->bucket[pcl_a6tab_hash(t, a) & t->mask];
	while (i != PCL_A6_NIL && memcmp(t->slot[i].a, a, 16) != 0)
		i = t->slot[i].next;
	return i;
}

/* The address at index i (interned). */
static inline const uint8_t *
pcl_a6tab_addr(const struct pcl_a6tab *t, uint32_t i)
{
	return t->slot[i].a;
}

/* One reference more to a, interned if new. Returns its index, or PCL_A6_NIL when full. */
uint32_t pcl_a6tab_ref(struct pcl_a6tab *t, const uint8_t *a);

/* One reference more to an interned index. */
static inline void
pcl_a6tab_hold(struct pcl_a6tab *t, uint32_t i)
{
	t->slot[i].refs++;
}

/* One reference less; the last frees the slot. PCL_A6_NIL is ignored. */
void pcl_a6tab_unref(struct pcl_a6tab *t, uint32_t i);

#endif
