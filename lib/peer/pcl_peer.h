/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PEER_H
#define PCL_PEER_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

/*
 * Builds frames the way a client sends them to the server: TCP segments and
 * ARP requests. The tests, the benchmarks and the load generator all play
 * the client with it; the server never links it.
 */
struct pcl_peer_seg {
	struct rte_ether_addr src_mac, dst_mac;
	rte_be32_t src_addr, dst_addr;
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
 * Fills the empty mbuf m with a broadcast ARP request from (mac, sip) asking
 * for tip. Returns 0, or -ENOSPC when m has no room.
 */
static inline int
pcl_peer_arp_request(struct rte_mbuf *m, const struct rte_ether_addr *mac, rte_be32_t sip,
		     rte_be32_t tip)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_append(
		m, sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr));
	struct rte_arp_hdr *a;

	if (eh == NULL)
		return -ENOSPC;
	a = (struct rte_arp_hdr *)(eh + 1);
	memset(eh->dst_addr.addr_bytes, 0xff, RTE_ETHER_ADDR_LEN);
	eh->src_addr = *mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha = *mac;
	a->arp_data.arp_sip = sip;
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	a->arp_data.arp_tip = tip;
	return 0;
}

#endif
