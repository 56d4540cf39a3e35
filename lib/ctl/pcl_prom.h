/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PROM_H
#define PCL_PROM_H

#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>

struct pcl_worker;
struct pcl_lbctl;

/* A growing text buffer (process allocator). */
struct pcl_buf {
	char *p;
	size_t len;
	size_t cap;
};

/*
 * Writes the Prometheus text exposition (format 0.0.4) of n workers'
 * counters into b: every counter as portcullis_<name>_total{lcore}, drops as
 * portcullis_drops_total{lcore,reason}, connections by state as the gauge
 * portcullis_connections{lcore,state}, and the allocator's bytes; with
 * services (lb non-NULL) every backend's state, weight, slots, open
 * connections, counters and handshake-time histogram, labelled
 * {service,backend}. Safe while workers run. Returns 0 or -ENOMEM.
 */
int pcl_prom_format(struct pcl_buf *b, struct pcl_worker *const *workers, unsigned int n,
		    struct pcl_lbctl *lb);

/* The HTTP endpoint serving GET /metrics from its own thread. */
struct pcl_prom {
	struct MHD_Daemon *daemon;
	struct pcl_worker *const *workers;
	unsigned int n;
	struct pcl_lbctl *lb;
};

/* Starts serving on addr:port (network order). Returns 0 or -errno. */
int pcl_prom_start(struct pcl_prom *p, rte_be32_t addr, uint16_t port,
		   struct pcl_worker *const *workers, unsigned int n, struct pcl_lbctl *lb);

void pcl_prom_stop(struct pcl_prom *p);

#endif
