/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_OUT_CHAIN_H
#define PCL_OUT_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "net/pcl_csum.h"
#include "net/pcl_pkt.h"

/*
 * Chains tail, the last tail->data_len payload bytes of a TCP segment, to m,
 * the frame pcl_out_tcp() or pcl_out_tcp6() wrote without them. sum is
 * their unfolded sum as they sit in the segment (pcl_ref_sum()). The IP
 * length and the checksums grow by the tail's length and sum (RFC 1624):
 * nothing already written is read again but the three fields. With the
 * checksums offloaded (m's flags) the IPv4 one stays 0 and the TCP field,
 * the pseudo-header's sum, grows by the length alone: the device sums the
 * payload.
 */
static inline void
pcl_out_chain(struct rte_mbuf *m, struct rte_mbuf *tail, uint64_t sum)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t len = tail->data_len;
	bool hw = m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM;
	struct rte_tcp_hdr *th;

	if (likely(eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
		uint16_t tot = rte_be_to_cpu_16(ip->total_length);

		ip->total_length = rte_cpu_to_be_16((uint16_t)(tot + len));
		if (!hw)
			ip->hdr_checksum =
				pcl_csum_update16(ip->hdr_checksum, tot, (uint16_t)(tot + len));
		th = (struct rte_tcp_hdr *)(ip + 1);
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);

		ip->payload_len =
			rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->payload_len) + len));
		th = (struct rte_tcp_hdr *)(ip + 1);
	}
	/* The pseudo-header's TCP length grows by len: its word is summed again, added. */
	if (hw)
		th->cksum = pcl_csum_fold64((uint64_t)th->cksum + rte_cpu_to_be_16(len));
	else
		th->cksum = (uint16_t)~pcl_csum_fold64((uint16_t)~th->cksum + sum +
						       rte_cpu_to_be_16(len));
	m->next = tail;
	m->nb_segs = 2;
	m->pkt_len += len;
}

#endif
