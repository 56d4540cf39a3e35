/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_MEM_H
#define PCL_MEM_H

#include <stdint.h>

/* What the process allocator (jemalloc) holds: asked for, and resident. */
struct pcl_mem {
	uint64_t allocated;
	uint64_t resident;
};

/* Reads jemalloc's statistics (refreshing its epoch). Returns 0 or -errno. */
int pcl_mem_read(struct pcl_mem *m);

#endif
