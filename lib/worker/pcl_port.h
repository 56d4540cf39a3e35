/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PORT_H
#define PCL_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

/* The [port] keys that shape the device and its buffers. */
struct pcl_port_conf {
	uint16_t mtu;
	uint16_t rx_desc;
	uint16_t tx_desc;
	uint32_t mbufs;  /* per worker lcore */
	uint32_t queues; /* RX/TX queue pairs, 0 = one per worker lcore */
	uint32_t tap_rx; /* enum pcl_tap_rx */
};

/* How a net_tap port's RX learns of frames (port.tap_rx). */
enum pcl_tap_rx {
	PCL_TAP_RX_POLL,   /* a read() on every RX burst */
	PCL_TAP_RX_SIGNAL, /* net_tap's per-frame realtime signal; no read() while none came */
};

/* The data room an mbuf needs for a frame of conf->mtu, headroom included. */
uint16_t pcl_port_mbuf_room(const struct pcl_port_conf *conf);

/*
 * Creates the mbuf pool of one worker: conf->mbufs buffers big enough for a
 * frame of conf->mtu, on the worker's socket. Returns NULL and sets rte_errno.
 */
struct rte_mempool *pcl_port_mempool(const struct pcl_port_conf *conf, unsigned int lcore);

/* How the port spreads flows over its queues. */
struct pcl_port_rss {
	bool on;            /* hashes with pcl_rss_key, RETA entry i -> queue i % nq */
	uint16_t reta_size; /* the steering table size to match it */
};

/*
 * Configures port with RX/TX queue pairs for nq workers (queue q takes
 * buffers from mps[q]), enables the checksum offloads the device has and,
 * with several queues, symmetric RSS where the device can; then starts it.
 * When conf->queues asks for more pairs than nq, the others get buffers from
 * mps[q % nq] and no traffic, which needs programmable RSS. rss (may be NULL)
 * says what was set up. Returns 0 or -errno, with the reason logged.
 */
int pcl_port_start(uint16_t port, uint16_t nq, const struct pcl_port_conf *conf,
		   struct rte_mempool *const *mps, struct pcl_port_rss *rss);

/* Whether the port, once started, sums the IPv4 and TCP checksums of what it sends. */
bool pcl_port_tx_csum(uint16_t port);

/* Whether the port, once started, takes chained frames: a body by reference goes out uncopied. */
bool pcl_port_tx_chain(uint16_t port);

/* Stops and closes the port; a failure is logged, nothing more can be done. */
void pcl_port_stop(uint16_t port);

#endif
