/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "net/pcl_out.h"
#include "net/pcl_pkt.h"

#define PCL_TTL 64

void
pcl_out_tcp(const struct rte_ether_addr *src_mac, struct rte_mbuf *m, const struct pcl_out_seg *s)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t l4len = PCL_TCP_LEN + s->optlen + s->paylen;

	eh->dst_addr = s->dst_mac;
	eh->src_addr = *src_mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16(PCL_IP_LEN + l4len);
	/* DF set, so the ID carries no meaning (RFC 6864). */
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = PCL_TTL;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = s->t->laddr;
	ip->dst_addr = s->t->raddr;
	ip->hdr_checksum = 0;

	th->src_port = s->t->lport;
	th->dst_port = s->t->rport;
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)((PCL_TCP_LEN + s->optlen) << 2);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->wnd);
	th->tcp_urp = 0;
	if (s->optlen)
		memcpy(th + 1, s->opts, s->optlen);

	m->data_len = PCL_L2_LEN + PCL_IP_LEN + l4len;
	m->pkt_len = m->data_len;
	m->nb_segs = 1;
	m->ol_flags = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	th->cksum = 0;
	th->cksum = rte_ipv4_udptcp_cksum(ip, th);
}

void
pcl_out_icmp_reply(const struct rte_ether_addr *src_mac, struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	uint16_t ihl = rte_ipv4_hdr_len(ip);
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	rte_be32_t a = ip->src_addr;

	/* Back where the request came from, at L2. */
	eh->dst_addr = eh->src_addr;
	eh->src_addr = *src_mac;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = PCL_TTL;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, tot - ihl);
	/* Drop any Ethernet padding the request carried. */
	m->data_len = PCL_L2_LEN + tot;
	m->pkt_len = m->data_len;
}
