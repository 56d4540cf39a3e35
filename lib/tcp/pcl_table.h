/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TABLE_H
#define PCL_TABLE_H

#include <stdint.h>

#include <rte_jhash.h>

#include "net/pcl_tuple.h"

/*
 * A per-lcore connection table: a power-of-two array of bucket heads with
 * chains threaded through the elements themselves (an index "next" field),
 * so the table costs 4 bytes per bucket and nothing per entry beyond that
 * field. One owner, no locks.
 *
 * The bucket hash is jhash with a per-table random seed, as the Linux kernel
 * hashes its established table: without the seed a client could choose
 * ports that all land in one chain.
 *
 * Elements are named by index into a caller-owned array of stride bytes; each
 * element begins with the tuple (key) and holds its chain link at next_off.
 */
#define PCL_TABLE_NIL UINT32_MAX

struct pcl_table {
	uint32_t *bucket;
	uint32_t mask;
	uint32_t seed;
	uint32_t count;
	char *base;
	uint32_t stride;
	uint32_t next_off;
};

static inline uint64_t
pcl_table_memsize(uint32_t nbuckets)
{
	return (uint64_t)nbuckets * sizeof(uint32_t);
}

/* Returns 0, or -EINVAL when nbuckets is not a power of two. */
int pcl_table_init(struct pcl_table *t, void *mem, uint32_t nbuckets, uint32_t seed, void *base,
		   uint32_t stride, uint32_t next_off);

static inline uint32_t
pcl_table_hash(const struct pcl_table *t, const struct pcl_tuple *k)
{
	return rte_jhash_3words(k->raddr, k->laddr, (uint32_t)k->rport << 16 | k->lport, t->seed);
}

static inline const struct pcl_tuple *
pcl_table_key(const struct pcl_table *t, uint32_t idx)
{
	return (const struct pcl_tuple *)(t->base + (uint64_t)idx * t->stride);
}

static inline uint32_t *
pcl_table_next(const struct pcl_table *t, uint32_t idx)
{
	return (uint32_t *)(t->base + (uint64_t)idx * t->stride + t->next_off);
}

/* Index of the element whose key equals k, whose hash is h, or PCL_TABLE_NIL. */
static inline uint32_t
pcl_table_lookup_hash(const struct pcl_table *t, const struct pcl_tuple *k, uint32_t h)
{
	uint32_t idx = t->bucket[h & t->mask];

	while (idx != PCL_TABLE_NIL && !pcl_tuple_eq(pcl_table_key(t, idx), k))
		idx = *pcl_table_next(t, idx);
	return idx;
}

/* Index of the element whose key equals k, or PCL_TABLE_NIL. */
static inline uint32_t
pcl_table_lookup(const struct pcl_table *t, const struct pcl_tuple *k)
{
	return pcl_table_lookup_hash(t, k, pcl_table_hash(t, k));
}

/* Links element idx, whose key hashes to h, into the table. No duplicate check. */
void pcl_table_insert_hash(struct pcl_table *t, uint32_t idx, uint32_t h);

/* Links element idx (its key already set) into the table. No duplicate check. */
static inline void
pcl_table_insert(struct pcl_table *t, uint32_t idx)
{
	pcl_table_insert_hash(t, idx, pcl_table_hash(t, pcl_table_key(t, idx)));
}

/* Unlinks element idx. Returns 0, or -ENOENT when it is not in the table. */
int pcl_table_remove(struct pcl_table *t, uint32_t idx);

#endif
