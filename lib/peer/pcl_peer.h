/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PEER_H
#define PCL_PEER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

/*
 * Builds TCP segments the way a client sends them to the server. The tests,
 * the benchmarks and the load generator all play the client with it; the
 * server never links it.
 */
struct pcl_peer_seg {
	struct rte_ether_addr src_mac, dst_mac;
	rte_be32_t src_addr, dst_addr;
	bool v6; /* IPv6 from src6 to dst6 instead */
	uint8_t src6[16], dst6[16];
	uint16_t sport, dport; /* host order */
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t wnd;
	const uint8_t *opts;
	uint8_t optlen; /* a multiple of 4 */
	const void *data;
	uint16_t len;
};

/* A frame for s, checksums included, from mp. NULL when mp is empty. */
struct rte_mbuf *pcl_peer_frame(struct rte_mempool *mp, const struct pcl_peer_seg *s);

/*
 * A Neighbor Solicitation from (mac, src6) for target6, to its
 * solicited-node group, with our source link-layer address: how a client
 * learns an IPv6 server's MAC. NULL when mp is empty.
 */
struct rte_mbuf *pcl_peer_ns(struct rte_mempool *mp, const struct rte_ether_addr *mac,
			     const uint8_t *src6, const uint8_t *target6);

#endif
