/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <rte_common.h>

#include "tcp/pcl_table.h"

int
pcl_table_init(struct pcl_table *t, void *mem, uint32_t nbuckets, uint32_t seed, void *base,
	       uint32_t stride, uint32_t next_off)
{
	uint32_t i;

	if (nbuckets == 0 || !rte_is_power_of_2(nbuckets))
		return -EINVAL;
	t->bucket = mem;
	t->mask = nbuckets - 1;
	t->seed = seed;
	t->count = 0;
	t->base = base;
	t->stride = stride;
	t->next_off = next_off;
	for (i = 0; i < nbuckets; i++)
		t->bucket[i] = PCL_TABLE_NIL;
	return 0;
}

void
pcl_table_insert_hash(struct pcl_table *t, uint32_t idx, uint32_t h)
{
	uint32_t *head = &t->bucket[h & t->mask];

	*pcl_table_next(t, idx) = *head;
	*head = idx;
	t->count++;
}

int
pcl_table_remove(struct pcl_table *t, uint32_t idx)
{
	uint32_t *link = &t->bucket[pcl_table_hash(t, pcl_table_key(t, idx)) & t->mask];

	while (*link != PCL_TABLE_NIL) {
		if (*link == idx) {
			*link = *pcl_table_next(t, idx);
			t->count--;
			return 0;
		}
		link = pcl_table_next(t, *link);
	}
	return -ENOENT;
}
