/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "net/pcl_csum.h"
#include "net/pcl_out.h"
#include "net/pcl_pkt.h"
#include "peer/pcl_peer.h"

/* The IP header of s: IPv4 or IPv6, for a TCP segment of l4 bytes. Returns its length. */
static uint16_t
ip_hdr(const struct pcl_peer_seg *s, void *at, uint16_t l4)
{
	if (s->v6) {
		struct rte_ipv6_hdr *ip6 = at;

		memset(ip6, 0, sizeof(*ip6));
		ip6->vtc_flow = RTE_BE32(6u << 28);
		ip6->payload_len = rte_cpu_to_be_16(l4);
		ip6->proto = IPPROTO_TCP;
		ip6->hop_limits = 64;
		memcpy(ip6->src_addr, s->src6, 16);
		memcpy(ip6->dst_addr, s->dst6, 16);
		return PCL_IP6_LEN;
	}
	struct rte_ipv4_hdr *ip = at;

	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(PCL_IP_LEN + l4);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = s->src_addr;
	ip->dst_addr = s->dst_addr;
	ip->hdr_checksum = (uint16_t)~pcl_csum_fold64(pcl_csum_raw(ip, PCL_IP_LEN, 0));
	return PCL_IP_LEN;
}

struct rte_mbuf *
pcl_peer_frame(struct rte_mempool *mp, const struct pcl_peer_seg *s)
{
	uint16_t l4 = (uint16_t)(PCL_TCP_LEN + s->optlen + s->len);
	uint16_t l3 = s->v6 ? PCL_IP6_LEN : PCL_IP_LEN;
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eh;
	struct rte_tcp_hdr *th;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, PCL_L2_LEN + l3 + l4);
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	th = (struct rte_tcp_hdr *)((uint8_t *)(eh + 1) + ip_hdr(s, eh + 1, l4));
	eh->dst_addr = s->dst_mac;
	eh->src_addr = s->src_mac;
	eh->ether_type = s->v6 ? RTE_BE16(RTE_ETHER_TYPE_IPV6) : RTE_BE16(RTE_ETHER_TYPE_IPV4);
	th->src_port = rte_cpu_to_be_16(s->sport);
	th->dst_port = rte_cpu_to_be_16(s->dport);
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)((PCL_TCP_LEN + s->optlen) << 2);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (s->optlen)
		memcpy(th + 1, s->opts, s->optlen);
	if (s->len)
		memcpy((uint8_t *)(th + 1) + s->optlen, s->data, s->len);
	/* pcl_csum.h's 32-bit sums: DPDK's 16-bit loop cost cps-gen 150 instructions a frame. */
	th->cksum = (uint16_t)~pcl_csum_fold64(pcl_csum_raw(
		th, l4,
		s->v6 ? pcl_csum_phdr6(((const struct rte_ipv6_hdr *)(eh + 1))->src_addr,
				       IPPROTO_TCP, l4)
		      : pcl_csum_phdr4(s->src_addr, s->dst_addr, IPPROTO_TCP, l4)));
	return m;
}

struct rte_mbuf *
pcl_peer_ns(struct rte_mempool *mp, const struct rte_ether_addr *mac, const uint8_t *src6,
	    const uint8_t *target6)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

	if (m != NULL && pcl_out_nd_ns(m, mac, src6, target6) != 0) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	return m;
}
