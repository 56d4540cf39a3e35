/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <criterion/criterion.h>
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_tcp.h>

#include "net/pcl_pkt.h"

static const struct pcl_pkt_ctx ctx = {
	.mac = {{0x02, 0, 0, 0, 0, 2}},
	.addr = RTE_BE32(0xc6120002),
	.bcast = RTE_BE32(0xc61200ff),
};

static uint8_t f[256];
static uint32_t flen;

static struct rte_ipv4_hdr *
ip(void)
{
	return (struct rte_ipv4_hdr *)(f + PCL_L2_LEN);
}

static struct rte_tcp_hdr *
tcp(void)
{
	return (struct rte_tcp_hdr *)(f + PCL_L2_LEN + PCL_IP_LEN);
}

static void
fix_cksums(void)
{
	ip()->hdr_checksum = 0;
	ip()->hdr_checksum = rte_ipv4_cksum(ip());
	if (ip()->next_proto_id == IPPROTO_TCP) {
		tcp()->cksum = 0;
		tcp()->cksum = rte_ipv4_udptcp_cksum(ip(), tcp());
	}
}

/* A valid SYN with MSS, 4 payload bytes, then 6 bytes of Ethernet padding. */
static void
build(void)
{
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)f;
	static const uint8_t opt[] = {2, 4, 0x05, 0xb4};

	memset(f, 0, sizeof(f));
	eh->dst_addr = ctx.mac;
	eh->src_addr = (struct rte_ether_addr){{0x02, 0, 0, 0, 0, 1}};
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip()->version_ihl = RTE_IPV4_VHL_DEF;
	ip()->total_length = rte_cpu_to_be_16(PCL_IP_LEN + PCL_TCP_LEN + 4 + 4);
	ip()->time_to_live = 64;
	ip()->next_proto_id = IPPROTO_TCP;
	ip()->src_addr = RTE_BE32(0xc6120001);
	ip()->dst_addr = ctx.addr;
	tcp()->src_port = RTE_BE16(40000);
	tcp()->dst_port = RTE_BE16(80);
	tcp()->sent_seq = RTE_BE32(1000);
	tcp()->recv_ack = RTE_BE32(0);
	tcp()->data_off = (PCL_TCP_LEN + 4) << 2;
	tcp()->tcp_flags = RTE_TCP_SYN_FLAG;
	tcp()->rx_win = RTE_BE16(65535);
	memcpy(tcp() + 1, opt, 4);
	memcpy((uint8_t *)(tcp() + 1) + 4, "data", 4);
	flen = PCL_HDR_LEN + 4 + 4 + 6;
	fix_cksums();
}

static int
parse(uint64_t ol, struct pcl_seg *s)
{
	return pcl_pkt_parse(f, flen, ol, &ctx, s);
}

static void
expect_drop(enum pcl_drop why, uint64_t ol)
{
	struct pcl_seg s;
	int rc = parse(ol, &s);

	cr_assert_lt(rc, 0, "accepted, want drop %s", pcl_drop_names[why]);
	cr_expect_eq(pcl_pkt_drop_reason(rc), why, "dropped as %s, want %s",
		     pcl_drop_names[pcl_pkt_drop_reason(rc)], pcl_drop_names[why]);
}

/* f becomes a broadcast ARP request from a unicast sender for tip. */
static struct rte_arp_hdr *
build_arp(rte_be32_t tip)
{
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + PCL_L2_LEN);

	memset(f, 0xff, RTE_ETHER_ADDR_LEN);
	((struct rte_ether_hdr *)f)->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	*a = (struct rte_arp_hdr){.arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER),
				  .arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4),
				  .arp_hlen = 6,
				  .arp_plen = 4,
				  .arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST)};
	a->arp_data.arp_sha.addr_bytes[0] = 0x02;
	a->arp_data.arp_tip = tip;
	flen = PCL_L2_LEN + sizeof(*a);
	return a;
}

/* f's IPv4 packet becomes a valid 8-byte echo request. */
static struct rte_icmp_hdr *
build_echo(void)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(f + PCL_L2_LEN + PCL_IP_LEN);

	ip()->next_proto_id = IPPROTO_ICMP;
	ip()->total_length = rte_cpu_to_be_16(PCL_IP_LEN + 8);
	fix_cksums();
	memset(ic, 0, 8);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, 8);
	return ic;
}

TestSuite(pkt, .init = build);

/* A valid segment fills every field of pcl_seg; padding is ignored. */
Test(pkt, valid_tcp)
{
	struct pcl_seg s;

	cr_assert_eq(parse(0, &s), PCL_PKT_TCP);
	cr_expect_eq(s.t.raddr, RTE_BE32(0xc6120001));
	cr_expect_eq(s.t.laddr, ctx.addr);
	cr_expect_eq(s.t.rport, RTE_BE16(40000));
	cr_expect_eq(s.t.lport, RTE_BE16(80));
	cr_expect_eq(s.seq, 1000);
	cr_expect_eq(s.ack, 0);
	cr_expect_eq(s.wnd, 65535);
	cr_expect_eq(s.flags, RTE_TCP_SYN_FLAG);
	cr_expect_eq(s.len, 4, "padding is not payload");
	cr_expect_eq(s.payload_off, PCL_HDR_LEN + 4);
	cr_expect_eq(s.opts.present, PCL_OPTF_MSS);
	cr_expect_eq(s.opts.mss, 1460);
}

/* IP sent by link broadcast is dropped (RFC 1122 3.3.6), and so is multicast. */
Test(pkt, broadcast_and_multicast_mac_dropped)
{
	memset(f, 0xff, RTE_ETHER_ADDR_LEN);
	expect_drop(PCL_DROP_not_ours, 0);
	build();
	f[0] = 0x01, f[1] = 0x00, f[2] = 0x5e;
	expect_drop(PCL_DROP_not_ours, 0);
}

/*
 * Sources no host sends from, and our own address (a land attack), are
 * dropped before any reply could go to them (RFC 1122 4.2.3.10).
 */
Test(pkt, bad_sources)
{
	static const uint32_t bad[] = {
		0x00000000,             /* zero network */
		0x00010203, 0x7f000001, /* loopback */
		0xe0000001,             /* multicast */
		0xefffffff, 0xffffffff, /* limited broadcast */
		0xc61200ff,             /* our subnet's broadcast */
		0xc6120002,             /* ours: land */
	};
	struct pcl_seg s;
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++) {
		build();
		ip()->src_addr = rte_cpu_to_be_32(bad[i]);
		fix_cksums();
		expect_drop(PCL_DROP_bad_src, 0);
	}
	/* A multicast source MAC (the group bit) is no host's either. */
	build();
	f[RTE_ETHER_ADDR_LEN] = 0x03;
	expect_drop(PCL_DROP_bad_src, 0);
	/* Class E and the subnet's neighbours are ordinary sources. */
	build();
	ip()->src_addr = RTE_BE32(0xf0000001);
	fix_cksums();
	cr_expect_eq(parse(0, &s), PCL_PKT_TCP);
	build();
	ip()->src_addr = RTE_BE32(0xc61200fe);
	fix_cksums();
	cr_expect_eq(parse(0, &s), PCL_PKT_TCP);
}

Test(pkt, directed_broadcast)
{
	cr_expect_eq(pcl_pkt_bcast(RTE_BE32(0xc6120002), 24), RTE_BE32(0xc61200ff));
	cr_expect_eq(pcl_pkt_bcast(RTE_BE32(0x0a000001), 8), RTE_BE32(0x0affffff));
	cr_expect_eq(pcl_pkt_bcast(RTE_BE32(0x0a000001), 0), RTE_BE32(0xffffffff));
	cr_expect_eq(pcl_pkt_bcast(RTE_BE32(0x0a000001), 31), 0);
	cr_expect_eq(pcl_pkt_bcast(RTE_BE32(0x0a000001), 32), 0);
}

/* Rebuilds the SYN with IP options o (padded to 4 bytes with EOL). */
static void
with_ip_opts(const uint8_t *o, unsigned int olen)
{
	unsigned int padded = RTE_ALIGN_CEIL(olen, 4u);
	uint8_t *l3 = f + PCL_L2_LEN;

	memmove(l3 + PCL_IP_LEN + padded, l3 + PCL_IP_LEN, flen - PCL_L2_LEN - PCL_IP_LEN);
	memset(l3 + PCL_IP_LEN, 0, padded);
	memcpy(l3 + PCL_IP_LEN, o, olen);
	flen += padded;
	ip()->version_ihl = (uint8_t)(0x40 | (PCL_IP_LEN + padded) / 4);
	ip()->total_length = rte_cpu_to_be_16(rte_be_to_cpu_16(ip()->total_length) + padded);
	ip()->hdr_checksum = 0;
	ip()->hdr_checksum = rte_ipv4_cksum(ip());
}

/*
 * IP options are ignored: the TCP header is found after them and the
 * segment parses as without them. Source routes are dropped (RFC 7126), and
 * so is an option list that runs past the header.
 */
Test(pkt, ip_options)
{
	static const uint8_t rr[] = {7, 7, 4, 0, 0, 0, 0};           /* record route */
	static const uint8_t ts[] = {1, 1, 68, 8, 5, 0, 0, 0, 0, 0}; /* NOP NOP timestamp */
	static const uint8_t lsrr[] = {131, 7, 4, 10, 0, 0, 1};
	static const uint8_t ssrr[] = {1, 137, 7, 4, 10, 0, 0, 1};
	static const uint8_t zero_len[] = {7, 0, 0, 0};
	static const uint8_t one_len[] = {7, 1, 0, 0};
	static const uint8_t past[] = {1, 1, 7, 9};
	static const uint8_t eol_first[] = {0, 131, 0, 0}; /* after EOL nothing counts */
	struct pcl_seg s;

	with_ip_opts(rr, sizeof(rr));
	cr_assert_eq(parse(0, &s), PCL_PKT_TCP);
	cr_expect_eq(s.seq, 1000);
	cr_expect_eq(s.len, 4);
	cr_expect_eq(s.payload_off, PCL_HDR_LEN + 8 + 4);
	cr_expect_eq(s.opts.mss, 1460);
	build();
	with_ip_opts(ts, sizeof(ts));
	cr_expect_eq(parse(0, &s), PCL_PKT_TCP);
	build();
	with_ip_opts(eol_first, sizeof(eol_first));
	cr_expect_eq(parse(0, &s), PCL_PKT_TCP);
	build();
	with_ip_opts(lsrr, sizeof(lsrr));
	expect_drop(PCL_DROP_ip_srcroute, 0);
	build();
	with_ip_opts(ssrr, sizeof(ssrr));
	expect_drop(PCL_DROP_ip_srcroute, 0);
	build();
	with_ip_opts(zero_len, sizeof(zero_len));
	expect_drop(PCL_DROP_ip_hdr, 0);
	build();
	with_ip_opts(one_len, sizeof(one_len));
	expect_drop(PCL_DROP_ip_hdr, 0);
	build();
	with_ip_opts(past, sizeof(past));
	expect_drop(PCL_DROP_ip_hdr, 0);
}

Test(pkt, runt)
{
	flen = 10;
	expect_drop(PCL_DROP_runt, 0);
	flen = PCL_L2_LEN + 10;
	expect_drop(PCL_DROP_runt, 0);
}

/*
 * A frame cut anywhere: before the IP header is whole it is a runt; after,
 * the IP total length claims more than arrived. A TCP header cut short
 * under a matching total length is a bad data offset.
 */
Test(pkt, truncated_at_every_byte)
{
	uint32_t full = flen, cut;

	for (cut = 0; cut < full - 6; cut++) {
		flen = cut;
		expect_drop(cut < PCL_L2_LEN + PCL_IP_LEN ? PCL_DROP_runt : PCL_DROP_ip_hdr, 0);
	}
	for (cut = 0; cut < PCL_TCP_LEN; cut++) {
		build();
		ip()->total_length = rte_cpu_to_be_16(PCL_IP_LEN + cut);
		fix_cksums();
		flen = PCL_L2_LEN + PCL_IP_LEN + cut;
		expect_drop(PCL_DROP_tcp_hdr, 0);
	}
}

Test(pkt, not_ours)
{
	f[5] = 9;
	expect_drop(PCL_DROP_not_ours, 0);
	build();
	ip()->dst_addr = RTE_BE32(0xc6120003);
	fix_cksums();
	expect_drop(PCL_DROP_not_ours, 0);
}

Test(pkt, ethertype)
{
	((struct rte_ether_hdr *)f)->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	expect_drop(PCL_DROP_ethertype, 0);
}

Test(pkt, ip_header)
{
	ip()->version_ihl = 0x65;
	fix_cksums();
	expect_drop(PCL_DROP_ip_hdr, 0);
	build();
	ip()->version_ihl = 0x44;
	fix_cksums();
	expect_drop(PCL_DROP_ip_hdr, 0);
	build();
	ip()->total_length = rte_cpu_to_be_16(200);
	fix_cksums();
	expect_drop(PCL_DROP_ip_hdr, 0);
	build();
	ip()->total_length = rte_cpu_to_be_16(16);
	fix_cksums();
	expect_drop(PCL_DROP_ip_hdr, 0);
}

/* A bad IP checksum is dropped, unless the NIC says GOOD; BAD from the NIC always drops. */
Test(pkt, ip_checksum_and_offload_flags)
{
	struct pcl_seg s;

	ip()->hdr_checksum ^= 1;
	expect_drop(PCL_DROP_ip_cksum, 0);
	cr_expect_eq(parse(RTE_MBUF_F_RX_IP_CKSUM_GOOD, &s), PCL_PKT_TCP);
	build();
	expect_drop(PCL_DROP_ip_cksum, RTE_MBUF_F_RX_IP_CKSUM_BAD);
}

Test(pkt, fragments)
{
	ip()->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	fix_cksums();
	expect_drop(PCL_DROP_ip_frag, 0);
	build();
	ip()->fragment_offset = RTE_BE16(8);
	fix_cksums();
	expect_drop(PCL_DROP_ip_frag, 0);
}

Test(pkt, other_protocol)
{
	ip()->next_proto_id = IPPROTO_UDP;
	fix_cksums();
	expect_drop(PCL_DROP_ip_proto, 0);
}

/* A bad TCP checksum is dropped, unless the NIC says GOOD; BAD from the NIC always drops. */
Test(pkt, tcp_checksum_and_offload_flags)
{
	struct pcl_seg s;

	tcp()->cksum ^= 1;
	expect_drop(PCL_DROP_tcp_cksum, 0);
	cr_expect_eq(parse(RTE_MBUF_F_RX_L4_CKSUM_GOOD, &s), PCL_PKT_TCP);
	build();
	expect_drop(PCL_DROP_tcp_cksum, RTE_MBUF_F_RX_L4_CKSUM_BAD);
}

Test(pkt, tcp_header)
{
	tcp()->data_off = 4 << 4;
	fix_cksums();
	expect_drop(PCL_DROP_tcp_hdr, 0);
	build();
	tcp()->data_off = 15 << 4;
	fix_cksums();
	expect_drop(PCL_DROP_tcp_hdr, 0);
}

/* Option lengths 0 and 1 and one running past the header are malformed. */
Test(pkt, tcp_options)
{
	static const uint8_t bad_len[] = {0, 1, 5, 255};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad_len); i++) {
		build();
		((uint8_t *)(tcp() + 1))[1] = bad_len[i];
		fix_cksums();
		expect_drop(PCL_DROP_tcp_opt, 0);
	}
}

/*
 * Every one of the 256 flag bytes: SYN with FIN or RST (SYN+FIN, SYN+RST,
 * all flags) and segments with none of SYN, ACK, RST (no flags, FIN alone,
 * PSH alone...) are impossible and dropped; the rest reach the state machine.
 */
Test(pkt, tcp_flags)
{
	struct pcl_seg s;
	unsigned int fl, dropped = 0;

	for (fl = 0; fl < 256; fl++) {
		bool syn = fl & RTE_TCP_SYN_FLAG, fin = fl & RTE_TCP_FIN_FLAG;
		bool rst = fl & RTE_TCP_RST_FLAG, ack = fl & RTE_TCP_ACK_FLAG;

		build();
		tcp()->tcp_flags = (uint8_t)fl;
		fix_cksums();
		if ((syn && (fin || rst)) || !(syn || ack || rst)) {
			expect_drop(PCL_DROP_tcp_flags, 0);
			dropped++;
		} else {
			cr_expect_eq(parse(0, &s), PCL_PKT_TCP, "flags %#x", fl);
			cr_expect_eq(s.flags, fl);
		}
	}
	/* 96 with SYN and FIN or RST, 32 with none of SYN, ACK, RST. */
	cr_expect_eq(dropped, 128);
}

/*
 * ARP: a request for our address and a reply to it are classified (a
 * reply may be a neighbour's MAC); anything else is dropped.
 */
Test(pkt, arp)
{
	struct rte_arp_hdr *a = build_arp(ctx.addr);
	struct pcl_seg s;

	cr_expect_eq(parse(0, &s), PCL_PKT_ARP_REQUEST);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	cr_expect_eq(parse(0, &s), PCL_PKT_ARP_REPLY);
	a->arp_opcode = RTE_BE16(3); /* RARP */
	expect_drop(PCL_DROP_arp, 0);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_sha.addr_bytes[0] = 0x01; /* a multicast sender */
	expect_drop(PCL_DROP_arp, 0);
	a->arp_data.arp_sha.addr_bytes[0] = 0x02;
	a->arp_data.arp_tip = RTE_BE32(0xc6120009);
	expect_drop(PCL_DROP_arp, 0);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	expect_drop(PCL_DROP_arp, 0);
}

/*
 * A port with IPv6 alone has IPv4 address 0: an IPv4 frame or ARP request
 * for 0.0.0.0 is not for it.
 */
Test(pkt, ipv6_only_takes_no_ipv4)
{
	struct pcl_pkt_ctx v6only = ctx;
	struct pcl_seg s;

	v6only.addr = 0;
	v6only.bcast = pcl_pkt_bcast(0, 0);
	ip()->dst_addr = 0;
	fix_cksums();
	cr_expect_eq(pcl_pkt_drop_reason(pcl_pkt_parse(f, flen, 0, &v6only, &s)),
		     PCL_DROP_not_ours);
	build_arp(0);
	cr_expect_eq(pcl_pkt_drop_reason(pcl_pkt_parse(f, flen, 0, &v6only, &s)), PCL_DROP_arp);
}

/* ICMP: a valid echo request is classified; a reply or a bad checksum is dropped. */
Test(pkt, icmp)
{
	struct rte_icmp_hdr *ic = build_echo();
	struct pcl_seg s;

	cr_expect_eq(parse(0, &s), PCL_PKT_ICMP_ECHO);
	ic->icmp_cksum ^= 1;
	expect_drop(PCL_DROP_icmp, 0);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, 8);
	expect_drop(PCL_DROP_icmp, 0);
}

/*
 * Local addresses (port.local_addrs): TCP to one is told apart from TCP to
 * the port's own address, with every check of it; an echo request and ARP
 * are ours; any other address is still not ours.
 */
Test(pkt, local_addrs)
{
	struct pcl_pkt_ctx lc = ctx;
	struct rte_arp_hdr *a;
	struct pcl_seg s;

	lc.local =
		(struct pcl_local_addrs){.n = 2, .a = {RTE_BE32(0xc6120014), RTE_BE32(0xc6120015)}};
	cr_expect(pcl_pkt_local(&lc, RTE_BE32(0xc6120015)));
	cr_expect(!pcl_pkt_local(&lc, lc.addr), "the port's own is not a local one");
	cr_expect_eq(pcl_pkt_parse(f, flen, 0, &lc, &s), PCL_PKT_TCP, "the port's own");
	ip()->dst_addr = RTE_BE32(0xc6120015);
	fix_cksums();
	cr_expect_eq(pcl_pkt_parse(f, flen, 0, &lc, &s), PCL_PKT_TCP_LOCAL);
	cr_expect_eq(s.t.laddr, RTE_BE32(0xc6120015));
	cr_expect_eq(s.t.lport, RTE_BE16(80));
	cr_expect_eq(pcl_pkt_drop_reason(pcl_pkt_parse(f, flen, 0, &ctx, &s)), PCL_DROP_not_ours,
		     "not without the list");
	tcp()->cksum ^= 1;
	cr_expect_eq(pcl_pkt_drop_reason(pcl_pkt_parse(f, flen, 0, &lc, &s)), PCL_DROP_tcp_cksum);
	ip()->src_addr = lc.bcast;
	fix_cksums();
	cr_expect_eq(pcl_pkt_drop_reason(pcl_pkt_parse(f, flen, 0, &lc, &s)), PCL_DROP_bad_src);
	/* A local address as the source is a land attack, as the port's own is. */
	ip()->src_addr = RTE_BE32(0xc6120014);
	fix_cksums();
	cr_expect_eq(pcl_pkt_drop_reason(pcl_pkt_parse(f, flen, 0, &lc, &s)), PCL_DROP_bad_src);
	ip()->src_addr = RTE_BE32(0xc6120001);
	ip()->dst_addr = RTE_BE32(0xc6120016);
	fix_cksums();
	cr_expect_eq(pcl_pkt_drop_reason(pcl_pkt_parse(f, flen, 0, &lc, &s)), PCL_DROP_not_ours);
	ip()->dst_addr = RTE_BE32(0xc6120014);
	build_echo();
	cr_expect_eq(pcl_pkt_parse(f, flen, 0, &lc, &s), PCL_PKT_ICMP_ECHO);
	a = build_arp(RTE_BE32(0xc6120014));
	cr_expect_eq(pcl_pkt_parse(f, flen, 0, &lc, &s), PCL_PKT_ARP_REQUEST);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	cr_expect_eq(pcl_pkt_parse(f, flen, 0, &lc, &s), PCL_PKT_ARP_REPLY);
	a->arp_data.arp_tip = RTE_BE32(0xc6120016);
	cr_expect_eq(pcl_pkt_drop_reason(pcl_pkt_parse(f, flen, 0, &lc, &s)), PCL_DROP_arp);
}
