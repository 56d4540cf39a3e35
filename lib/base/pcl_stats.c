/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include "base/pcl_stats.h"

#define PCL_NAME(n, h) #n,
#define PCL_HELP(n, h) h,
const char *const pcl_counter_names[] = {PCL_COUNTERS(PCL_NAME)};
const char *const pcl_counter_help[] = {PCL_COUNTERS(PCL_HELP)};
const char *const pcl_drop_names[] = {PCL_DROP_REASONS(PCL_NAME)};
const char *const pcl_drop_help[] = {PCL_DROP_REASONS(PCL_HELP)};
const char *const pcl_resource_names[] = {PCL_RESOURCES(PCL_NAME)};
const char *const pcl_resource_help[] = {PCL_RESOURCES(PCL_HELP)};

_Static_assert(RTE_DIM(pcl_counter_names) == PCL_COUNTER_COUNT, "one name per counter");
_Static_assert(RTE_DIM(pcl_resource_names) == PCL_RESOURCE_COUNT, "one name per resource gauge");

void
pcl_stats_add(struct pcl_stats *dst, const struct pcl_stats *src)
{
	uint64_t *d = (uint64_t *)dst;
	const uint64_t *s = (const uint64_t *)src;
	unsigned int i;

	for (i = 0; i < sizeof(*dst) / sizeof(uint64_t); i++)
		d[i] += pcl_stat_read(&s[i]);
}
