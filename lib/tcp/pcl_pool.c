/* SPDX-License-Identifier: BSD-3-Clause */
#include "tcp/pcl_pool.h"

void
pcl_pool_init(struct pcl_pool *p, void *mem, uint32_t cap)
{
	uint32_t i;

	p->free = mem;
	p->cap = cap;
	p->nfree = cap;
	/* Hand out low indices first: a lightly loaded server touches less memory. */
	for (i = 0; i < cap; i++)
		p->free[i] = cap - 1 - i;
}
