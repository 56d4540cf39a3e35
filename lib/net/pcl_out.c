/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "net/pcl_csum.h"
#include "net/pcl_out.h"
#include "net/pcl_pkt.h"

#define PCL_TTL 64
/* ND messages go out with hop limit 255, so receivers know they came from the link. */
#define PCL_ND_HOPS 255
#define ND_NA_LEN   32 /* ICMPv6 4, flags 4, target 16, target link-layer address option 8 */
#define ND_NA_R     0x80
#define ND_NA_S     0x40
#define ND_NA_O     0x20

/*
 * The TCP header of s and its options, for either family; the checksum is
 * the caller's. Returns the options' unfolded sum: they are whole 32-bit
 * words (at most 10), copied and summed in one pass instead of a memcpy
 * call and a second read.
 */
static __rte_always_inline uint64_t
tcp_hdr(struct rte_tcp_hdr *th, const struct pcl_out_seg *s)
{
	uint8_t *o = (uint8_t *)(th + 1);
	uint64_t sum = 0;
	unsigned int i;
	uint32_t w;

	th->src_port = s->t->lport;
	th->dst_port = s->t->rport;
	th->sent_seq = rte_cpu_to_be_32(s->seq);
	th->recv_ack = rte_cpu_to_be_32(s->ack);
	th->data_off = (uint8_t)((PCL_TCP_LEN + s->optlen) << 2);
	th->tcp_flags = s->flags;
	th->rx_win = rte_cpu_to_be_16(s->wnd);
	th->tcp_urp = 0;
	for (i = 0; i < s->optlen; i += 4) {
		memcpy(&w, s->opts + i, 4);
		memcpy(o + i, &w, 4);
		sum += w;
	}
	return sum;
}

/*
 * The words every IPv4 header we send has, summed once at compile time:
 * version and IHL (0x45), TOS 0, ID 0 (with DF set the ID carries no
 * meaning, RFC 6864), DF, TTL and protocol TCP. A header's checksum is this
 * template's sum plus its length and addresses (RFC 1624: the fields that
 * differ are added to a known sum, nothing is read back from the packet).
 */
#define IP_TMPL_SUM                                                                                \
	((uint64_t)RTE_BE16(RTE_IPV4_VHL_DEF << 8) + RTE_BE16(RTE_IPV4_HDR_DF_FLAG) +              \
	 RTE_BE16(PCL_TTL << 8 | IPPROTO_TCP))

/* The TCP header of s (host-order fields) summed as it sits in the packet. */
static __rte_always_inline uint64_t
tcp_hdr_sum(const struct pcl_out_seg *s)
{
	uint16_t doff_flags = (uint16_t)(((PCL_TCP_LEN + s->optlen) << 2) | s->flags << 8);

	return (uint64_t)s->t->lport + s->t->rport + rte_cpu_to_be_32(s->seq) +
	       rte_cpu_to_be_32(s->ack) + doff_flags + rte_cpu_to_be_16(s->wnd);
}

/* Leaves m's checksums to the device: l3 is PCL_IP_LEN or PCL_IP6_LEN. */
static __rte_always_inline void
tx_csum_offload(struct rte_mbuf *m, uint16_t l3, uint64_t flags)
{
	m->l2_len = PCL_L2_LEN;
	m->l3_len = l3;
	m->ol_flags = flags | RTE_MBUF_F_TX_TCP_CKSUM;
}

void
pcl_out_tcp(const struct pcl_pkt_ctx *net, struct rte_mbuf *m, const struct pcl_out_seg *s)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t l4len = PCL_TCP_LEN + s->optlen + s->paylen;
	rte_be16_t tot = rte_cpu_to_be_16(PCL_IP_LEN + l4len);
	uint64_t addrs = (uint64_t)s->t->laddr + s->t->raddr, sum;

	eh->dst_addr = s->dst_mac;
	eh->src_addr = net->mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);

	ip->version_ihl = RTE_IPV4_VHL_DEF;
	ip->type_of_service = 0;
	ip->total_length = tot;
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = PCL_TTL;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = s->t->laddr;
	ip->dst_addr = s->t->raddr;
	sum = tcp_hdr(th, s);
	m->data_len = PCL_L2_LEN + PCL_IP_LEN + l4len;
	m->pkt_len = m->data_len;
	m->nb_segs = 1;
	if (net->tx_csum) {
		ip->hdr_checksum = 0;
		th->cksum = pcl_csum_fold64(
			pcl_csum_phdr4(s->t->laddr, s->t->raddr, IPPROTO_TCP, l4len));
		tx_csum_offload(m, PCL_IP_LEN, RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
		return;
	}
	ip->hdr_checksum = (uint16_t)~pcl_csum_fold64(IP_TMPL_SUM + tot + addrs);
	m->ol_flags = 0;
	/* Summed from the values written, the payload from where it sits. */
	sum += pcl_csum_phdr4(s->t->laddr, s->t->raddr, IPPROTO_TCP, l4len) + tcp_hdr_sum(s);
	if (s->paylen)
		sum = pcl_csum_raw((const uint8_t *)(th + 1) + s->optlen, s->paylen, sum);
	th->cksum = (uint16_t)~pcl_csum_fold64(sum);
}

/* Writes an IPv6 header without extension headers; src and dst may alias it. */
static void
ip6_hdr(struct rte_ipv6_hdr *ip, uint8_t proto, uint8_t hops, uint16_t plen, const uint8_t *src,
	const uint8_t *dst)
{
	uint8_t a[32];

	memcpy(a, src, 16);
	memcpy(a + 16, dst, 16);
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(plen);
	ip->proto = proto;
	ip->hop_limits = hops;
	memcpy(ip->src_addr, a, 32);
}

void
pcl_out_tcp6(const struct pcl_pkt_ctx *net, struct rte_mbuf *m, const struct pcl_out_seg *s,
	     const uint8_t *src6, const uint8_t *dst6)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);
	uint16_t l4len = PCL_TCP_LEN + s->optlen + s->paylen;

	eh->dst_addr = s->dst_mac;
	eh->src_addr = net->mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6_hdr(ip, IPPROTO_TCP, PCL_TTL, l4len, src6, dst6);

	tcp_hdr(th, s);

	m->data_len = PCL_L2_LEN + PCL_IP6_LEN + l4len;
	m->pkt_len = m->data_len;
	m->nb_segs = 1;
	if (net->tx_csum) {
		th->cksum = pcl_csum_fold64(pcl_csum_phdr6(ip->src_addr, IPPROTO_TCP, l4len));
		tx_csum_offload(m, PCL_IP6_LEN, RTE_MBUF_F_TX_IPV6);
		return;
	}
	m->ol_flags = 0;
	th->cksum = 0;
	th->cksum = (uint16_t)~pcl_csum_fold64(
		pcl_csum_raw(th, l4len, pcl_csum_phdr6(ip->src_addr, IPPROTO_TCP, l4len)));
}

void
pcl_out_nd_na(const struct rte_ether_addr *src_mac, struct rte_mbuf *m, uint16_t icmp_off)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);
	const uint8_t *ns = f + icmp_off;
	uint16_t nslen = (uint16_t)(m->data_len - icmp_off), i;
	uint8_t target[16], asker[16], *na;
	struct rte_ether_addr to = eh->src_addr;
	bool dad = true;

	memcpy(target, ns + 8, 16);
	memcpy(asker, ip->src_addr, 16);
	for (i = 0; i < 16; i++)
		dad = dad && asker[i] == 0;
	/* The asker's source link-layer address option says where the answer goes. */
	for (i = 24; i + 8 <= nslen && ns[i + 1] != 0; i = (uint16_t)(i + ns[i + 1] * 8))
		if (ns[i] == 1)
			memcpy(to.addr_bytes, ns + i + 2, RTE_ETHER_ADDR_LEN);
	if (dad) {
		static const struct rte_ether_addr all_nodes_mac = {{0x33, 0x33, 0, 0, 0, 1}};

		to = all_nodes_mac;
	}

	eh->dst_addr = to;
	eh->src_addr = *src_mac;
	ip6_hdr(ip, IPPROTO_ICMPV6, PCL_ND_HOPS, ND_NA_LEN, target, dad ? all_nodes : asker);
	na = (uint8_t *)(ip + 1);
	memset(na, 0, ND_NA_LEN);
	na[0] = 136;
	na[4] = (uint8_t)(ND_NA_O | (dad ? 0 : ND_NA_S));
	memcpy(na + 8, target, 16);
	na[24] = 2; /* target link-layer address */
	na[25] = 1;
	memcpy(na + 26, src_mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	m->data_len = PCL_L2_LEN + PCL_IP6_LEN + ND_NA_LEN;
	m->pkt_len = m->data_len;
	((struct rte_icmp_hdr *)na)->icmp_cksum = rte_ipv6_udptcp_cksum(ip, na);
}

void
pcl_out_icmp6_reply(const struct rte_ether_addr *src_mac, struct rte_mbuf *m, uint16_t icmp_off,
		    uint16_t icmp_len)
{
	uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f;
	struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eh + 1);
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ip + 1);
	uint8_t peer[16];

	eh->dst_addr = eh->src_addr;
	eh->src_addr = *src_mac;
	memcpy(peer, ip->src_addr, 16);
	/* The reply carries no extension header the request had. */
	if (icmp_off != PCL_L2_LEN + PCL_IP6_LEN)
		memmove(ic, f + icmp_off, icmp_len);
	ip6_hdr(ip, IPPROTO_ICMPV6, PCL_TTL, icmp_len, ip->dst_addr, peer);
	ic->icmp_type = 129;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = rte_ipv6_udptcp_cksum(ip, ic);
	m->data_len = (uint16_t)(PCL_L2_LEN + PCL_IP6_LEN + icmp_len);
	m->pkt_len = m->data_len;
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

int
pcl_out_nd_ns(struct rte_mbuf *m, const struct rte_ether_addr *mac, const uint8_t *src6,
	      const uint8_t *target6)
{
	/* ICMPv6 header 4, reserved 4, target 16, source link-layer address option 8 (not DAD's).
	 */
	const uint16_t len = src6 != NULL ? 32 : 24;
	struct rte_ether_hdr *eh;
	struct rte_ipv6_hdr *ip;
	uint8_t *ns;

	eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, PCL_L2_LEN + PCL_IP6_LEN + len);
	if (eh == NULL)
		return -ENOSPC;
	ip = (struct rte_ipv6_hdr *)(eh + 1);
	ns = (uint8_t *)(ip + 1);
	/* 33:33 and ff02::1:ff, then the target's last 24 bits (RFC 4291 2.7.1). */
	eh->dst_addr =
		(struct rte_ether_addr){{0x33, 0x33, 0xff, target6[13], target6[14], target6[15]}};
	eh->src_addr = *mac;
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	memset(ip, 0, sizeof(*ip));
	ip->vtc_flow = RTE_BE32(6u << 28);
	ip->payload_len = rte_cpu_to_be_16(len);
	ip->proto = IPPROTO_ICMPV6;
	ip->hop_limits = 255;
	if (src6 != NULL)
		memcpy(ip->src_addr, src6, 16);
	ip->dst_addr[0] = 0xff;
	ip->dst_addr[1] = 0x02;
	ip->dst_addr[11] = 1;
	ip->dst_addr[12] = 0xff;
	memcpy(ip->dst_addr + 13, target6 + 13, 3);
	memset(ns, 0, len);
	ns[0] = 135;
	memcpy(ns + 8, target6, 16);
	if (src6 != NULL) {
		ns[24] = 1;
		ns[25] = 1;
		memcpy(ns + 26, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	}
	((struct rte_icmp_hdr *)ns)->icmp_cksum = rte_ipv6_udptcp_cksum(ip, ns);
	return 0;
}
