/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>

#include <jemalloc/jemalloc.h>

#include "ctl/pcl_mem.h"

int
pcl_mem_read(struct pcl_mem *m)
{
	uint64_t epoch = 1;
	size_t v, len = sizeof(v);

	/* jemalloc's statistics are a snapshot taken when the epoch advances. */
	if (mallctl("epoch", &epoch, &(size_t){sizeof(epoch)}, &epoch, sizeof(epoch)) != 0 ||
	    mallctl("stats.allocated", &v, &len, NULL, 0) != 0)
		return -ENOTSUP;
	m->allocated = v;
	if (mallctl("stats.resident", &v, &len, NULL, 0) != 0)
		return -ENOTSUP;
	m->resident = v;
	return 0;
}
