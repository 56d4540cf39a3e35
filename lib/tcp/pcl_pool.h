/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_POOL_H
#define PCL_POOL_H

#include <stdint.h>

/*
 * A per-lcore pool of fixed-size elements, handed out by index from a LIFO
 * free stack: the most recently freed (cache-warm) entry is reused first.
 * It has one owner, so it needs no locked instructions, unlike rte_mempool;
 * and it needs no EAL, so tables and timers can be unit-tested without one.
 * nfree is stored with relaxed atomics: the control thread reads it as a
 * gauge.
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
	uint32_t n = p->nfree;

	if (n == 0)
		return PCL_POOL_EMPTY;
	__atomic_store_n(&p->nfree, n - 1, __ATOMIC_RELAXED);
	return p->free[n - 1];
}

/* Returns an index taken with pcl_pool_get. */
static inline void
pcl_pool_put(struct pcl_pool *p, uint32_t idx)
{
	uint32_t n = p->nfree;

	p->free[n] = idx;
	__atomic_store_n(&p->nfree, n + 1, __ATOMIC_RELAXED);
}

static inline uint32_t
pcl_pool_used(const struct pcl_pool *p)
{
	return p->cap - p->nfree;
}

#endif
