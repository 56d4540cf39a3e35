/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TELEMETRY_H
#define PCL_TELEMETRY_H

#include "ctl/pcl_config.h"

struct pcl_worker;
struct pcl_rates;
struct pcl_lbctl;

/*
 * Registers the DPDK telemetry commands (read with dpdk-telemetry.py):
 *   /portcullis/stats        every counter summed over the workers, and NAME_per_s rates
 *   /portcullis/lcores[,ID]  the worker lcore ids; with an id, its counters and busy_pct
 *   /portcullis/conns        connections by state right now
 *   /portcullis/config       the configuration in use, keys "section/key"
 * and with services (lb non-NULL):
 *   /portcullis/backends     every backend as "PORT ADDR:PORT STATE"
 *   /portcullis/backend,PORT ADDR:PORT   one backend's state, weight, slots, counters
 *   /portcullis/command,LINE             a command of pcl_lbctl.h, answered in one line
 * The callbacks run on the telemetry thread; only commands change anything,
 * under lb's lock. Call once, after the workers are initialised; they must
 * outlive the EAL. Returns 0 or -errno.
 */
int pcl_telemetry_register(struct pcl_worker *const *workers, unsigned int n,
			   const struct pcl_config *cfg, const struct pcl_rates *rates,
			   struct pcl_lbctl *lb);

#endif
