/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <rte_common.h>

#include "tcp/pcl_addr6.h"

/* A power of two, at most one bucket per address: chains of one or two at worst. */
static inline uint32_t
nbuckets(uint32_t cap)
{
	return rte_align32prevpow2(cap);
}

uint64_t
pcl_a6tab_memsize(uint32_t cap)
{
	return RTE_ALIGN_CEIL((cap + 1ull) * sizeof(struct pcl_a6slot), RTE_CACHE_LINE_SIZE) +
	       (uint64_t)nbuckets(cap) * sizeof(uint32_t);
}

int
pcl_a6tab_init(struct pcl_a6tab *t, void *mem, uint32_t cap, uint32_t seed)
{
	uint32_t i;

	if (cap == 0 || cap > PCL_A6_MAX)
		return -EINVAL;
	t->slot = mem;
	t->bucket =
		(uint32_t *)((char *)mem + RTE_ALIGN_CEIL((cap + 1ull) * sizeof(struct pcl_a6slot),
							  RTE_CACHE_LINE_SIZE));
	t->mask = nbuckets(cap) - 1;
	t->seed = seed;
	t->cap = cap;
	t->used = 0;
	for (i = 0; i <= t->mask; i++)
		t->bucket[i] = PCL_A6_NIL;
	/* Lowest index on top, so a fresh table hands out 1, 2, 3... */
	for (i = 1; i <= cap; i++) {
		t->slot[i].refs = 0;
		t->slot[i].next = i < cap ? i + 1 : PCL_A6_NIL;
	}
	t->free = 1;
	return 0;
}

uint32_t
pcl_a6tab_ref(struct pcl_a6tab *t, const uint8_t *a)
{
	uint32_t i = pcl_a6tab_find(t, a), *head;

	if (i != PCL_A6_NIL) {
		t->slot[i].refs++;
		return i;
	}
	i = t->free;
	if (i == PCL_A6_NIL)
		return PCL_A6_NIL;
	t->free = t->slot[i].next;
	memcpy(t->slot[i].a, a, 16);
	t->slot[i].refs = 1;
	head = &t->bucket[pcl_a6tab_hash(t, a) & t->mask];
	t->slot[i].next = *head;
	*head = i;
	t->used++;
	return i;
}

void
pcl_a6tab_unref(struct pcl_a6tab *t, uint32_t i)
{
	uint32_t *link;

	if (i == PCL_A6_NIL || --t->slot[i].refs != 0)
		return;
	link = &t->bucket[pcl_a6tab_hash(t, t->slot[i].a) & t->mask];
	while (*link != i)
		link = &t->slot[*link].next;
	*link = t->slot[i].next;
	t->slot[i].next = t->free;
	t->free = i;
	t->used--;
}
