/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_OUT_H
#define PCL_OUT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "net/pcl_tuple.h"

/* Everything that varies between the TCP segments we send. */
struct pcl_out_seg {
	const struct pcl_tuple *t; /* the connection, seen from us */
	struct rte_ether_addr dst_mac;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t wnd; /* already scaled down */
	const uint8_t *opts;
	uint8_t optlen;  /* multiple of 4 */
	uint16_t paylen; /* payload already in place after the options */
};

/*
 * Writes Ethernet (from src_mac), IPv4 and TCP headers, checksums included,
 * at the start of m's data and sets its length to headers + options +
 * s->paylen. The caller queues m.
 */
void pcl_out_tcp(const struct rte_ether_addr *src_mac, struct rte_mbuf *m,
		 const struct pcl_out_seg *s);

/* Turns a received, validated ICMP echo request into the reply, in place. */
void pcl_out_icmp_reply(const struct rte_ether_addr *src_mac, struct rte_mbuf *m);

/* The L2 source of a received frame: where our reply goes. */
static inline struct rte_ether_addr
pcl_out_peer_mac(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr;
}

#endif
