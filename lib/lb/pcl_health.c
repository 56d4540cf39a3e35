/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_common.h>

#include "lb/pcl_health.h"

void
pcl_health_init(struct pcl_health *h, const struct pcl_service_conf *conf,
		const struct pcl_health_sample *now)
{
	memset(h, 0, sizeof(*h));
	h->last = *now;
	h->passive_ms = conf->passive_down_ms;
}

/* The active checks: runs of passed and failed ones. */
static void
active(struct pcl_health *h, const struct pcl_service_conf *conf, uint64_t ok, uint64_t failed)
{
	if (ok > 0) {
		h->fall = 0;
		h->rise += (uint32_t)RTE_MIN(ok, (uint64_t)UINT32_MAX - h->rise);
	}
	if (failed > 0) {
		h->rise = 0;
		h->fall += (uint32_t)RTE_MIN(failed, (uint64_t)UINT32_MAX - h->fall);
	}
	if (h->fall >= conf->check_fall)
		h->checks_down = true;
	else if (h->rise >= conf->check_rise)
		h->checks_down = false;
}

/* The passive checks: failed handshakes with nothing accepted between. */
static void
passive(struct pcl_health *h, const struct pcl_service_conf *conf, uint64_t hs_failed,
	uint64_t conns, uint64_t now_ms)
{
	if (h->passive_until_ms != 0) {
		/* Back early once the active checks vouch for it, or when its time is up. */
		if ((conf->check != PCL_CHECK_NONE && h->rise >= conf->check_rise) ||
		    now_ms >= h->passive_until_ms)
			h->passive_until_ms = 0;
		h->hs_fall = 0;
		return;
	}
	if (conns > 0) {
		h->hs_fall = 0;
		h->passive_ms = conf->passive_down_ms;
	}
	h->hs_fall += (uint32_t)RTE_MIN(hs_failed, (uint64_t)UINT32_MAX - h->hs_fall);
	if (conf->passive_down_ms == 0 || h->hs_fall < conf->check_fall)
		return;
	h->passive_until_ms = now_ms + h->passive_ms;
	h->passive_ms = (uint32_t)RTE_MIN((uint64_t)h->passive_ms * 2, conf->passive_down_max_ms);
	h->hs_fall = 0;
	h->rise = 0;
}

bool
pcl_health_update(struct pcl_health *h, const struct pcl_service_conf *conf,
		  const struct pcl_health_sample *now, uint64_t now_ms)
{
	if (conf->check != PCL_CHECK_NONE)
		active(h, conf, now->checks_ok - h->last.checks_ok,
		       now->checks_failed - h->last.checks_failed);
	passive(h, conf, now->hs_failed - h->last.hs_failed, now->conns - h->last.conns, now_ms);
	h->last = *now;
	return !h->checks_down && h->passive_until_ms == 0;
}
