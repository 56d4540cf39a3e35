/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "net/pcl_pkt.h"
#include "peer/pcl_peer.h"

struct rte_mbuf *
pcl_peer_frame(struct rte_mempool *mp, const struct pcl_peer_seg *s)
{
	uint16_t l4 = (uint16_t)(PCL_TCP_LEN + s->optlen + s->len);
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ether_hdr *eh;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;

	if (m == NULL)
		return NULL;
	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, PCL_L2_LEN + PCL_IP_LEN + l4);
	if (eh == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	ip = (struct rte_ipv4_hdr *)(eh + 1);
	th = (struct rte_tcp_hdr *)(ip + 1);
	eh->dst_addr = s->dst_mac;
	eh->src_addr = s->src_mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	memset(ip, 0, sizeof(*ip));
	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->total_length = rte_cpu_to_be_16(PCL_IP_LEN + l4);
	ip->time_to_live = 64;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = s->src_addr;
	ip->dst_addr = s->dst_addr;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
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
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	return m;
}
