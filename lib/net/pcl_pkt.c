/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/ip.h>

#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_tcp.h>

#include "net/pcl_csum.h"
#include "net/pcl_pkt.h"

#define DROP(r) (-(int)PCL_DROP_##r - 1)

bool
pcl_pkt_local(const struct pcl_pkt_ctx *ctx, rte_be32_t a)
{
	unsigned int i;

	for (i = 0; i < ctx->local.n; i++)
		if (ctx->local.a[i] == a)
			return true;
	return false;
}

static int
parse_arp(const uint8_t *frame, uint32_t len, const struct pcl_pkt_ctx *ctx)
{
	const struct rte_arp_hdr *a = (const struct rte_arp_hdr *)(frame + PCL_L2_LEN);

	if (len < PCL_L2_LEN + sizeof(*a))
		return DROP(runt);
	if (a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != RTE_ETHER_ADDR_LEN ||
	    a->arp_plen != 4 ||
	    (a->arp_data.arp_tip != ctx->addr && !pcl_pkt_local(ctx, a->arp_data.arp_tip)) ||
	    ctx->addr == 0 || rte_is_multicast_ether_addr(&a->arp_data.arp_sha))
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
	    ic->icmp_code != 0 || pcl_csum_fold64(pcl_csum_raw(l4, l4len, 0)) != 0xffff)
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

/*
 * The TCP header's length, or a drop when it does not fit the l4len bytes
 * or its flags are impossible: checks on a few bytes, made before the
 * checksum reads them all.
 */
static __rte_always_inline int
tcp_doff(const struct rte_tcp_hdr *th, uint32_t l4len)
{
	unsigned int doff;

	if (l4len < sizeof(*th))
		return DROP(tcp_hdr);
	doff = (th->data_off >> 4) * 4u;
	if (doff < sizeof(*th) || doff > l4len)
		return DROP(tcp_hdr);
	if (tcp_flags_bad(th->tcp_flags))
		return DROP(tcp_flags);
	return (int)doff;
}

/* What the offload flags say of the L4 checksum: 1 good, 0 unknown, a drop when bad. */
static __rte_always_inline int
l4_cksum_offload(uint64_t ol_flags)
{
	if ((ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return DROP(tcp_cksum);
	return (ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

/* Everything of a checksummed TCP header but the addresses, for either family. */
static __rte_always_inline int
tcp_fill(const uint8_t *frame, const uint8_t *l4, uint32_t l4len, unsigned int doff,
	 struct pcl_seg *seg)
{
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)l4;

	/* Most segments but the SYN carry none, or the timestamps alone. */
	if (doff == sizeof(*th))
		seg->opts.present = 0;
	else if (pcl_opt_parse(l4 + sizeof(*th), doff - sizeof(*th), &seg->opts) != 0)
		return DROP(tcp_opt);
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

/* Inline in both of parse_ip's callers: as it was in pcl_pkt_parse before there were two. */
static __rte_always_inline int
parse_tcp(const uint8_t *frame, const struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t l4len,
	  uint64_t ol_flags, struct pcl_seg *seg)
{
	const uint8_t *l4 = (const uint8_t *)ip + ihl;
	int doff = tcp_doff((const struct rte_tcp_hdr *)l4, l4len);
	int ck;

	if (doff < 0)
		return doff;
	ck = l4_cksum_offload(ol_flags);
	if (ck < 0)
		return ck;
	if (ck == 0) {
		uint64_t ph = pcl_csum_phdr4(ip->src_addr, ip->dst_addr, IPPROTO_TCP, l4len);

		if (pcl_csum_fold64(pcl_csum_raw(l4, l4len, ph)) != 0xffff)
			return DROP(tcp_cksum);
	}
	seg->t.raddr = ip->src_addr;
	seg->t.laddr = ip->dst_addr;
	return tcp_fill(frame, l4, l4len, (unsigned int)doff, seg);
}

/*
 * RFC 1122 3.2.1.3 and 4.2.3.10: no host sends from a multicast, broadcast,
 * zero-network or loopback address, and TCP must never answer one. Our own
 * address as the source, or one of our local addresses, is a land attack.
 */
static inline bool
src_bad(const struct rte_ether_hdr *eh, rte_be32_t src, const struct pcl_pkt_ctx *ctx)
{
	uint32_t a = rte_be_to_cpu_32(src);

	return rte_is_multicast_ether_addr(&eh->src_addr) || (a >> 24) == 0 || (a >> 24) == 127 ||
	       (a >> 28) == 0xe || a == UINT32_MAX || src == ctx->addr || src == ctx->bcast ||
	       (unlikely(ctx->local.n != 0) && pcl_pkt_local(ctx, src));
}

/* Whether the IPv4 header's checksum is wrong, by the NIC's word or our sum. */
static __rte_always_inline bool
ip_cksum_bad(const struct rte_ipv4_hdr *ip, uint32_t ihl, uint64_t ol_flags)
{
	if ((ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		return true;
	return (ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
	       pcl_csum_fold64(pcl_csum_raw(ip, ihl, 0)) != 0xffff;
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

/*
 * The rest of an IPv4 frame to one of our addresses, from its checksum on:
 * tot bytes of header (ihl) and payload at ip, header lengths checked.
 */
static __rte_always_inline int
parse_ip(const uint8_t *frame, const struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t tot,
	 uint64_t ol_flags, const struct pcl_pkt_ctx *ctx, struct pcl_seg *seg)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)frame;

	if (ip_cksum_bad(ip, ihl, ol_flags))
		return DROP(ip_cksum);
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
		return parse_tcp(frame, ip, ihl, tot - ihl, ol_flags, seg);
	if (ip->next_proto_id == IPPROTO_ICMP)
		return parse_icmp((const uint8_t *)ip + ihl, tot - ihl);
	return DROP(ip_proto);
}

/*
 * A frame to an address other than the port's own: one of its local
 * addresses (TCP to them is told apart, for backends only), or not ours.
 * Out of line, so the port's own address costs what it did without them.
 */
static __rte_noinline int
parse_local(const uint8_t *frame, const struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t tot,
	    uint64_t ol_flags, const struct pcl_pkt_ctx *ctx, struct pcl_seg *seg)
{
	int rc;

	if (ctx->addr == 0 || !pcl_pkt_local(ctx, ip->dst_addr))
		return DROP(not_ours);
	rc = parse_ip(frame, ip, ihl, tot, ol_flags, ctx, seg);
	return rc == PCL_PKT_TCP ? PCL_PKT_TCP_LOCAL : rc;
}

/*
 * Whether a frame of at least PCL_HDR_LEN bytes is the common one: to our
 * MAC and our IPv4 address, IPv4 without options, unfragmented TCP. Its
 * fixed bytes are compared a word at a time (EtherType, version and IHL in
 * one; fragment bits and protocol in another) instead of a branch each.
 */
static __rte_always_inline bool
is_plain_tcp4(const uint8_t *f, const struct pcl_pkt_ctx *ctx)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + PCL_L2_LEN);
	uint32_t type_vhl, frag_proto;

	memcpy(&type_vhl, f + 12, 4);
	memcpy(&frag_proto, &ip->fragment_offset, 4);
	return rte_is_same_ether_addr((const struct rte_ether_addr *)f, &ctx->mac) &&
	       (type_vhl & RTE_BE32(0xffffff00)) ==
		       RTE_BE32((uint32_t)RTE_ETHER_TYPE_IPV4 << 16 | RTE_IPV4_VHL_DEF << 8) &&
	       (frag_proto & RTE_BE32(0x3fff00ff)) == RTE_BE32(IPPROTO_TCP) &&
	       ip->dst_addr == ctx->addr && likely(ctx->addr != 0);
}

/*
 * The rest of a plain TCP frame (is_plain_tcp4): the checks of the general
 * path that its fixed bytes did not settle, in the same order, so a frame
 * is dropped for the same reason either way.
 */
static __rte_always_inline int
parse_plain_tcp4(const uint8_t *frame, uint32_t len, uint64_t ol_flags,
		 const struct pcl_pkt_ctx *ctx, struct pcl_seg *seg)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(frame + PCL_L2_LEN);
	uint32_t tot = rte_be_to_cpu_16(ip->total_length);

	if (tot < PCL_IP_LEN || tot > len - PCL_L2_LEN)
		return DROP(ip_hdr);
	if (ip_cksum_bad(ip, PCL_IP_LEN, ol_flags))
		return DROP(ip_cksum);
	if (src_bad((const struct rte_ether_hdr *)frame, ip->src_addr, ctx))
		return DROP(bad_src);
	return parse_tcp(frame, ip, PCL_IP_LEN, tot - PCL_IP_LEN, ol_flags, seg);
}

int
pcl_pkt_parse(const uint8_t *frame, uint32_t len, uint64_t ol_flags, const struct pcl_pkt_ctx *ctx,
	      struct pcl_seg *seg)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)frame;
	const struct rte_ipv4_hdr *ip;
	uint32_t ihl, tot;

	if (likely(len >= PCL_HDR_LEN) && is_plain_tcp4(frame, ctx))
		return parse_plain_tcp4(frame, len, ol_flags, ctx, seg);
	if (len < PCL_L2_LEN)
		return DROP(runt);
	/* Broadcast frames are for ARP; IP by link broadcast is dropped (RFC 1122 3.3.6). */
	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP) &&
	    (rte_is_broadcast_ether_addr(&eh->dst_addr) ||
	     rte_is_same_ether_addr(&eh->dst_addr, &ctx->mac)))
		return parse_arp(frame, len, ctx);
	if (!rte_is_same_ether_addr(&eh->dst_addr, &ctx->mac)) {
		/* IPv6 ND reaches us by multicast: pcl_pkt_parse6 checks the group. */
		if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) && ctx->has6 &&
		    rte_is_multicast_ether_addr(&eh->dst_addr))
			return pcl_pkt_parse6(frame, len, ol_flags, ctx, seg, true);
		return DROP(not_ours);
	}
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) && ctx->has6)
			return pcl_pkt_parse6(frame, len, ol_flags, ctx, seg, false);
		return DROP(ethertype);
	}

	ip = (const struct rte_ipv4_hdr *)(frame + PCL_L2_LEN);
	if (len < PCL_L2_LEN + sizeof(*ip))
		return DROP(runt);
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	/* Trailing bytes past total_length are Ethernet padding and ignored. */
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl || tot > len - PCL_L2_LEN)
		return DROP(ip_hdr);
	/*
	 * Someone else's frame is dropped before its checksum is summed. An
	 * IPv6-only port's address is 0, which no frame may claim.
	 */
	if (ip->dst_addr != ctx->addr || unlikely(ctx->addr == 0))
		return parse_local(frame, ip, ihl, tot, ol_flags, ctx, seg);
	return parse_ip(frame, ip, ihl, tot, ol_flags, ctx, seg);
}

/* ---- IPv6 ---- */

#define ICMP6_ECHO_REQUEST 128
#define ND_NS              135
#define ND_NA              136
#define ND_OPT_SLLA        1
#define ND_OPT_TLLA        2
/* ICMPv6 header (4) + reserved or flags (4) + target (16): RFC 4861 4.3, 4.4. */
#define ND_MIN_LEN 24
/* Extension headers we walk before giving up on a frame. */
#define IP6_MAX_EXT 8

static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};

void
pcl_pkt_ll6(const struct rte_ether_addr *mac, uint8_t out[16])
{
	const uint8_t *b = mac->addr_bytes;

	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	out[8] = b[0] ^ 0x02; /* the universal/local bit inverted */
	out[9] = b[1];
	out[10] = b[2];
	out[11] = 0xff;
	out[12] = 0xfe;
	out[13] = b[3];
	out[14] = b[4];
	out[15] = b[5];
}

/* ff02::1:ffXX:XXXX, the solicited-node group of an address (RFC 4291 2.7.1). */
static inline bool
solicited_node_of(const uint8_t *group, const uint8_t *a)
{
	static const uint8_t pfx[13] = {0xff, 0x02, [11] = 1, [12] = 0xff};

	return memcmp(group, pfx, 13) == 0 && memcmp(group + 13, a + 13, 3) == 0;
}

static inline bool
solicited_ours(const struct pcl_pkt_ctx *ctx, const uint8_t *group)
{
	return solicited_node_of(group, ctx->addr6) || solicited_node_of(group, ctx->ll6);
}

static inline bool
unspecified6(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/*
 * No host sends from a multicast or loopback address, nor from an
 * IPv4-mapped one on the wire (RFC 4291 2.5.5.2); our own is a land attack.
 * The unspecified address is for DAD probes alone (checked with them).
 */
static inline bool
src_bad6(const struct rte_ether_hdr *eh, const uint8_t *src, const struct pcl_pkt_ctx *ctx)
{
	static const uint8_t loopback[16] = {[15] = 1};
	static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};

	return rte_is_multicast_ether_addr(&eh->src_addr) || src[0] == 0xff ||
	       memcmp(src, loopback, 16) == 0 || memcmp(src, mapped, 12) == 0 ||
	       pcl_pkt_ours6(ctx, src);
}

/*
 * The upper-layer checksum (RFC 8200 8.1) of l4len bytes at l4 under the
 * pseudo-header of ip with next header proto: the upper layer's length and
 * protocol, which differ from the fixed header's with extension headers.
 */
static bool
cksum6_ok(const struct rte_ipv6_hdr *ip, uint8_t proto, const uint8_t *l4, uint32_t l4len)
{
	return pcl_csum_fold64(pcl_csum_raw(l4, l4len,
					    pcl_csum_phdr6(ip->src_addr, proto, l4len))) == 0xffff;
}

/*
 * Options of a hop-by-hop or destination options header (RFC 8200 4.2): the
 * two high bits of an unknown type say what to do, and everything but 00
 * (skip) is a discard. Pad1, PadN and router alert (00-type) are skipped.
 */
static int
ip6_opts_check(const uint8_t *o, uint32_t len)
{
	uint32_t i = 2;

	while (i < len) {
		if (o[i] == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (len - i < 2 || o[i + 1] > len - i - 2)
			return DROP(ip6_hdr);
		if ((o[i] >> 6) != 0)
			return DROP(ip6_ext);
		i += 2u + o[i + 1];
	}
	return 0;
}

/* The ND options after the fixed part: every one with a non-zero length (RFC 4861 7.1). */
static bool
nd_opts_ok(const uint8_t *o, uint32_t len, bool *slla)
{
	uint32_t i = 0;

	*slla = false;
	while (i < len) {
		if (len - i < 2 || o[i + 1] == 0 || o[i + 1] * 8u > len - i)
			return false;
		if (o[i] == ND_OPT_SLLA)
			*slla = true;
		i += o[i + 1] * 8u;
	}
	return true;
}

const struct rte_ether_addr *
pcl_pkt_nd_lladdr(const uint8_t *icmp, uint32_t icmp_len)
{
	uint8_t want = icmp[0] == ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA;
	uint32_t i;

	/* The options were checked whole (nd_opts_ok): every length is non-zero and inside. */
	for (i = ND_MIN_LEN; i + 8 <= icmp_len; i += icmp[i + 1] * 8u)
		if (icmp[i] == want)
			return (const struct rte_ether_addr *)&icmp[i + 2];
	return NULL;
}

/*
 * ICMPv6: echo requests to our unicast addresses, and the RFC 4861 7.1
 * validity checks of Neighbor Solicitations and Advertisements. mcast: the
 * destination was a multicast group of ours.
 */
static int
parse_icmp6(const struct rte_ipv6_hdr *ip, const uint8_t *l4, uint32_t l4len,
	    const struct pcl_pkt_ctx *ctx, bool mcast, struct pcl_seg *seg, const uint8_t *frame)
{
	bool nd = l4len >= 1 && (l4[0] == ND_NS || l4[0] == ND_NA);
	bool slla;

	if (l4len < 8 || !cksum6_ok(ip, IPPROTO_ICMPV6, l4, l4len))
		return nd ? DROP(nd_invalid) : DROP(icmp6);
	seg->payload_off = (uint16_t)(l4 - frame);
	seg->len = (uint16_t)l4len;
	seg->a6 = ip->src_addr;
	if (l4[0] == ICMP6_ECHO_REQUEST) {
		if (l4[1] != 0 || mcast)
			return DROP(icmp6);
		if (unspecified6(ip->src_addr))
			return DROP(bad_src);
		return PCL_PKT_ICMP6_ECHO;
	}
	if (!nd)
		return DROP(icmp6);
	/* Hop limit 255: the message cannot have come through a router. */
	if (ip->hop_limits != 255 || l4[1] != 0 || l4len < ND_MIN_LEN || l4[8] == 0xff ||
	    !nd_opts_ok(l4 + ND_MIN_LEN, l4len - ND_MIN_LEN, &slla))
		return DROP(nd_invalid);
	if (l4[0] == ND_NA) {
		/* Solicited flag on a multicast advertisement: invalid (7.1.2). */
		if ((mcast && (l4[4] & 0x40)) || unspecified6(ip->src_addr))
			return DROP(nd_invalid);
		return PCL_PKT_ND_NA;
	}
	/* A DAD probe comes from :: to a solicited-node group, with no source MAC option. */
	if (unspecified6(ip->src_addr) && (!solicited_ours(ctx, ip->dst_addr) || slla))
		return DROP(nd_invalid);
	/* Never claim an address we do not hold, whoever is testing or resolving it. */
	if (!pcl_pkt_ours6(ctx, l4 + 8))
		return DROP(nd_not_ours);
	return PCL_PKT_ND_NS;
}

static int
parse_tcp6(const uint8_t *frame, const struct rte_ipv6_hdr *ip, const uint8_t *l4, uint32_t l4len,
	   uint64_t ol_flags, struct pcl_seg *seg)
{
	int doff = tcp_doff((const struct rte_tcp_hdr *)l4, l4len);
	int ck, rc;

	if (doff < 0)
		return doff;
	ck = l4_cksum_offload(ol_flags);
	if (ck < 0)
		return ck;
	if (ck == 0 && !cksum6_ok(ip, IPPROTO_TCP, l4, l4len))
		return DROP(tcp_cksum);
	/* The engine resolves the addresses (pcl_tcp_input6): 0 is "not interned". */
	seg->t.raddr = 0;
	seg->t.laddr = 0;
	seg->a6 = ip->src_addr;
	rc = tcp_fill(frame, l4, l4len, (unsigned int)doff, seg);
	return rc == PCL_PKT_TCP ? PCL_PKT_TCP6 : rc;
}

/*
 * A frame whose source src_bad6() refused: a land attack or spoof, unless
 * it is a valid Neighbor Advertisement, without extension headers, from one
 * of our addresses for one of them. Another host defends that address
 * (RFC 4861 7.2.4, its answer to our DAD probe, or its own unsolicited
 * advertisement): the address is in use twice on the link, which the
 * worker counts and the log says (nd_dup).
 */
static __rte_noinline int
dup_or_bad_src(const struct rte_ipv6_hdr *ip, uint32_t plen, const struct pcl_pkt_ctx *ctx,
	       bool mcast, struct pcl_seg *seg, const uint8_t *frame)
{
	const uint8_t *l4 = (const uint8_t *)(ip + 1);

	if (ip->proto == IPPROTO_ICMPV6 && plen >= ND_MIN_LEN && l4[0] == ND_NA &&
	    pcl_pkt_ours6(ctx, ip->src_addr) &&
	    parse_icmp6(ip, l4, plen, ctx, mcast, seg, frame) == PCL_PKT_ND_NA &&
	    pcl_pkt_ours6(ctx, l4 + 8))
		return PCL_PKT_ND_DUP;
	return DROP(bad_src);
}

int
pcl_pkt_parse6(const uint8_t *frame, uint32_t len, uint64_t ol_flags, const struct pcl_pkt_ctx *ctx,
	       struct pcl_seg *seg, bool l2_mcast)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)frame;
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(frame + PCL_L2_LEN);
	const uint8_t *p = (const uint8_t *)(ip + 1);
	uint32_t plen, left, i;
	bool mcast;
	int next;

	if (len < PCL_L2_LEN + PCL_IP6_LEN)
		return DROP(runt);
	plen = rte_be_to_cpu_16(ip->payload_len);
	/* Trailing bytes past the payload are Ethernet padding and ignored. */
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || plen > len - PCL_L2_LEN - PCL_IP6_LEN)
		return DROP(ip6_hdr);
	if (pcl_pkt_ours6(ctx, ip->dst_addr))
		mcast = false;
	else if (memcmp(ip->dst_addr, all_nodes, 16) == 0 || solicited_ours(ctx, ip->dst_addr))
		mcast = true;
	else
		return DROP(not_ours);
	/* A unicast address in a multicast frame was not sent to us. */
	if (l2_mcast != mcast)
		return DROP(not_ours);
	if (src_bad6(eh, ip->src_addr, ctx))
		return dup_or_bad_src(ip, plen, ctx, mcast, seg, frame);

	next = ip->proto;
	left = plen;
	for (i = 0; i <= IP6_MAX_EXT; i++) {
		size_t elen;
		int rc;

		if (next == IPPROTO_TCP || next == IPPROTO_ICMPV6)
			break;
		if (next == IPPROTO_FRAGMENT)
			return DROP(ip6_frag);
		if (next != IPPROTO_HOPOPTS && next != IPPROTO_DSTOPTS && next != IPPROTO_ROUTING)
			return DROP(ip6_proto);
		/* RFC 8200 4.1: hop-by-hop options come first or not at all. */
		if (i == IP6_MAX_EXT || (next == IPPROTO_HOPOPTS && i != 0))
			return DROP(ip6_ext);
		if (left < 8)
			return DROP(ip6_hdr);
		rte_ipv6_get_next_ext(p, next, &elen);
		if (elen > left)
			return DROP(ip6_hdr);
		if (next == IPPROTO_ROUTING) {
			/* RFC 5095: type 0 is refused; any other with segments left is not for us.
			 */
			if (p[2] == 0)
				return DROP(ip6_rh0);
			if (p[3] != 0)
				return DROP(ip6_ext);
		} else if ((rc = ip6_opts_check(p, (uint32_t)elen)) != 0) {
			return rc;
		}
		next = p[0];
		p += elen;
		left -= (uint32_t)elen;
	}
	if (unspecified6(ip->src_addr) && next != IPPROTO_ICMPV6)
		return DROP(bad_src);
	if (next == IPPROTO_ICMPV6)
		return parse_icmp6(ip, p, left, ctx, mcast, seg, frame);
	if (mcast)
		return DROP(not_ours);
	return parse_tcp6(frame, ip, p, left, ol_flags, seg);
}
