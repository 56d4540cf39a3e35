/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PORT_H
#define PCL_PORT_H

#include <stdint.h>

#include <rte_mempool.h>

#include "pcl_config.h"

/*
 * Creates the mbuf pool of one worker: cfg->mbufs buffers big enough for a
 * frame of cfg->mtu, on the worker's socket. Returns NULL and sets rte_errno.
 */
struct rte_mempool *pcl_port_mempool(const struct pcl_config *cfg, unsigned int lcore);

/*
 * Configures port with nq RX/TX queue pairs (queue q takes buffers from
 * mps[q]), enables the checksum offloads the device has, and starts it.
 * Returns 0 or -errno, with the reason logged.
 */
int pcl_port_start(uint16_t port, uint16_t nq, const struct pcl_config *cfg,
		   struct rte_mempool *const *mps);

void pcl_port_stop(uint16_t port);

#endif
