/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_ARP_H
#define PCL_ARP_H

#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

/*
 * ARP both ways: the answer the server gives for its address and the load
 * generator for every address it plays a client from, and the request
 * either sends for a host it wants to reach (a backend, the server).
 *
 * pcl_arp_to_reply() turns the ARP request in m into the answer "ip is at
 * mac", in place, sent back to the asker at L2.
 */
static inline void
pcl_arp_to_reply(struct rte_mbuf *m, const struct rte_ether_addr *mac, rte_be32_t ip)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(eh + 1);

	eh->dst_addr = eh->src_addr;
	eh->src_addr = *mac;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	a->arp_data.arp_tha = a->arp_data.arp_sha;
	a->arp_data.arp_tip = a->arp_data.arp_sip;
	a->arp_data.arp_sha = *mac;
	a->arp_data.arp_sip = ip;
}

/*
 * Fills the empty mbuf m with a broadcast ARP request from (mac, sip) asking
 * for tip. Returns 0, or -ENOSPC when m has no room.
 */
static inline int
pcl_arp_request(struct rte_mbuf *m, const struct rte_ether_addr *mac, rte_be32_t sip,
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
