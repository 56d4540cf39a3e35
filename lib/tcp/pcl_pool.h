/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_POOL_H
#define PCL_POOL_H

#include <stdint.h>

/*
 * A per-lcore pool of fixed-size elements, handed out by index from a LIFO
 * free stack: the most recently freed (cache-warm) entry is reused first.
 * It has one owner, so it needs no atomics, unlike rte_mempool; and it needs
 * no EAL, so tables and timers can be unit-tested without one.
 */
struct pcl_pool {
	uint32_t *free; /* stack of free indices */
	uint32_t nfree;
	uint32_t cap;
};

#define PCL_POOL_EMPTY UINT32_MAX

/* Bytes of stack memory for a pool of cap elements. */
static inline uint64_t
pcl_pool_memsize(uint32_t cap)
{
	return (uint64_t)cap * sizeof(uint32_t);
}

/* Sets up a full pool of cap indices over mem. */
void pcl_pool_init(struct pcl_pool *p, void *mem, uint32_t cap);

/* Takes an index, or returns PCL_POOL_EMPTY. */
static inline uint32_t
pcl_pool_get(struct pcl_pool *p)
{
	return p->nfree == 0 ? PCL_POOL_EMPTY : p->free[--p->nfree];
}

/* Returns an index taken with pcl_pool_get. */
static inline void
pcl_pool_put(struct pcl_pool *p, uint32_t idx)
{
	p->free[p->nfree++] = idx;
}

static inline uint32_t
pcl_pool_used(const struct pcl_pool *p)
{
	return p->cap - p->nfree;
}

#endif
