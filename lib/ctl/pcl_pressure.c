/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>

#include "base/pcl_log.h"
#include "ctl/pcl_pressure.h"

static const struct {
	const char *what;
	const char *unit;
} kinds[] = {
#define PCL_PRESSURE_TEXT(n, f, what, unit) {what, unit},
	PCL_PRESSURE_KINDS(PCL_PRESSURE_TEXT)
#undef PCL_PRESSURE_TEXT
};

unsigned int
pcl_pressure_check(struct pcl_pressure *p, const struct pcl_stats *s, unsigned int lcore)
{
	uint64_t now[PCL_PRESSURE_MAX] = {
#define PCL_PRESSURE_READ(n, f, what, unit) pcl_stat_read(&s->f),
		PCL_PRESSURE_KINDS(PCL_PRESSURE_READ)
#undef PCL_PRESSURE_READ
	};
	unsigned int k, lines = 0;

	for (k = 0; k < PCL_PRESSURE_MAX; k++) {
		uint64_t d = now[k] - p->last[k];

		p->last[k] = now[k];
		if (d == 0 && !p->on[k])
			continue;
		p->on[k] = d != 0;
		lines++;
		if (d != 0)
			PCL_LOG(WARNING, "lcore %u: %s: %" PRIu64 " %s in the last second", lcore,
				kinds[k].what, d, kinds[k].unit);
		else
			PCL_LOG(NOTICE, "lcore %u: %s: recovered (%" PRIu64 " %s in all)", lcore,
				kinds[k].what, now[k], kinds[k].unit);
	}
	return lines;
}
