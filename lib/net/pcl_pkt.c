/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/ip.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_tcp.h>

#include "net/pcl_pkt.h"

#define DROP(r) (-(int)PCL_DROP_##r - 1)

static int
parse_arp(const uint8_t *frame, uint32_t len, const struct pcl_pkt_ctx *ctx)
{
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(frame + PCL_L2_LEN);

	if (len < PCL_L2_LEN + sizeof(*a))
		return DROP(runt);
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != RTE_ETHER_ADDR_LEN ||
	    a->arp_plen != 4 || a->arp_data.arp_tip != ctx->addr ||
	    rte_is_multicast_ether_addr(&a->arp_data.arp_sha))
		return DROP(arp);
	if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST))
		return PCL_PKT_ARP_REQUEST;
	if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY))
		return PCL_PKT_ARP_REPLY;
	return DROP(arp);
}

static int
parse_icmp(const uint8_t *l4, uint32_t l4len)
{
	const struct rte_icmp_hdr *ic = (const struct rte_icmp_hdr *)l4;

	if (l4len < sizeof(*ic) || ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST ||
	    ic->icmp_code != 0 || rte_raw_cksum(l4, l4len) != 0xffff)
		return DROP(icmp);
	return PCL_PKT_ICMP_ECHO;
}

/* SYN with FIN or RST, or no SYN/ACK/RST at all, is never legitimate. */
static inline int
tcp_flags_bad(uint8_t f)
{
	if (f & RTE_TCP_SYN_FLAG)
		return (f & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)) != 0;
	return (f & (RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) == 0;
}

static int
parse_tcp(const uint8_t *frame, const struct rte_ipv4_hdr *ip, uint32_t l4len, uint64_t ol_flags,
	  struct pcl_seg *seg)
{
	const uint8_t *l4 = (const uint8_t *)ip + rte_ipv4_hdr_len(ip);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)l4;
	unsigned int doff;

	if (l4len < sizeof(*th))
		return DROP(tcp_hdr);
	doff = (th->data_off >> 4) * 4u;
	if (doff < sizeof(*th) || doff > l4len)
		return DROP(tcp_hdr);
	if ((ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return DROP(tcp_cksum);
	if ((ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	    rte_ipv4_udptcp_cksum_verify(ip, l4) != 0)
		return DROP(tcp_cksum);
	if (tcp_flags_bad(th->tcp_flags))
		return DROP(tcp_flags);
	if (pcl_opt_parse(l4 + sizeof(*th), doff - sizeof(*th), &seg->opts) != 0)
		return DROP(tcp_opt);

	seg->t.raddr = ip->src_addr;
	seg->t.laddr = ip->dst_addr;
	seg->t.rport = th->src_port;
	seg->t.lport = th->dst_port;
	seg->seq = rte_be_to_cpu_32(th->sent_seq);
	seg->ack = rte_be_to_cpu_32(th->recv_ack);
	seg->wnd = rte_be_to_cpu_16(th->rx_win);
	seg->flags = th->tcp_flags;
	seg->len = (uint16_t)(l4len - doff);
	seg->payload_off = (uint16_t)(l4 + doff - frame);
	return PCL_PKT_TCP;
}

/*
 * RFC 1122 3.2.1.3 and 4.2.3.10: no host sends from a multicast, broadcast,
 * zero-network or loopback address, and TCP must never answer one. Our own
 * address as the source is a land attack.
 */
static inline bool
src_bad(const struct rte_ether_hdr *eh, rte_be32_t src, const struct pcl_pkt_ctx *ctx)
{
	uint32_t a = rte_be_to_cpu_32(src);

	return rte_is_multicast_ether_addr(&eh->src_addr) || (a >> 24) == 0 || (a >> 24) == 127 ||
	       (a >> 28) == 0xe || a == UINT32_MAX || src == ctx->addr || src == ctx->bcast;
}

/*
 * IP options are ignored (RFC 1122 3.2.1.8) and never echoed, except source
 * routes: we would not send the reply back along the route, and RFC 7126
 * 4.3-4.4 advise dropping them. A malformed option list is a bad header.
 */
static int
ip_opts_check(const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i < len && o[i] != RTE_IPV4_HDR_OPT_EOL) {
		if (o[i] == RTE_IPV4_HDR_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2 || o[i + 1] < 2 || o[i + 1] > len - i)
			return DROP(ip_hdr);
		if (o[i] == IPOPT_LSRR || o[i] == IPOPT_SSRR)
			return DROP(ip_srcroute);
		i += o[i + 1];
	}
	return 0;
}

int
pcl_pkt_parse(const uint8_t *frame, uint32_t len, uint64_t ol_flags, const struct pcl_pkt_ctx *ctx,
	      struct pcl_seg *seg)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)frame;
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot;

	if (len < PCL_L2_LEN)
		return DROP(runt);
	/* Broadcast frames are for ARP; IP by link broadcast is dropped (RFC 1122 3.3.6). */
	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) &&
	    (rte_is_broadcast_ether_addr(&eh->dst_addr) ||
	     rte_is_same_ether_addr(&eh->dst_addr, &ctx->mac)))
		return parse_arp(frame, len, ctx);
	if (!rte_is_same_ether_addr(&eh->dst_addr, &ctx->mac))
		return DROP(not_ours);
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return DROP(ethertype);

	ip = (const struct rte_ipv4_hdr *)(frame + PCL_L2_LEN);
	if (len < PCL_L2_LEN + sizeof(*ip))
		return DROP(runt);
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	/* Trailing bytes past total_length are Ethernet padding and ignored. */
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl || tot > len - PCL_L2_LEN)
		return DROP(ip_hdr);
	if ((ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return DROP(ip_cksum);
	if ((ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	    rte_raw_cksum(ip, ihl) != 0xffff)
		return DROP(ip_cksum);
	if (ip->dst_addr != ctx->addr)
		return DROP(not_ours);
	if (src_bad(eh, ip->src_addr, ctx))
		return DROP(bad_src);
	/*
	 * Fragments are dropped: a connection server's segments fit one frame,
	 * reassembly would be state an attacker fills, and a TCP fragment is
	 * far likelier an evasion attempt than a client (RFC 1858, RFC 3128).
	 */
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return DROP(ip_frag);
	if (ihl > sizeof(*ip)) {
		int rc = ip_opts_check((const uint8_t *)(ip + 1), ihl - sizeof(*ip));

		if (rc != 0)
			return rc;
	}
	if (ip->next_proto_id == IPPROTO_TCP)
		return parse_tcp(frame, ip, tot - ihl, ol_flags, seg);
	if (ip->next_proto_id == IPPROTO_ICMP)
		return parse_icmp((const uint8_t *)ip + ihl, tot - ihl);
	return DROP(ip_proto);
}
