/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_ARP_H
#define PCL_ARP_H

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

/*
 * Turns the ARP request in m into the answer "ip is at mac", in place, sent
 * back to the asker at L2. The server answers for its address, the load
 * generator for every address it plays a client from.
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

#endif
