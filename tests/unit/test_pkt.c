/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <criterion/criterion.h>
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_tcp.h>

#include "pcl_pkt.h"

static const struct pcl_pkt_ctx ctx = {
	.mac = {{0x02, 0, 0, 0, 0, 2}},
	.addr = RTE_BE32(0xc6120002),
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

Test(pkt, broadcast_mac_accepted)
{
	struct pcl_seg s;

	memset(f, 0xff, RTE_ETHER_ADDR_LEN);
	cr_expect_eq(parse(0, &s), PCL_PKT_TCP);
}

Test(pkt, runt)
{
	flen = 10;
	expect_drop(PCL_DROP_runt, 0);
	flen = PCL_L2_LEN + 10;
	expect_drop(PCL_DROP_runt, 0);
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

Test(pkt, tcp_options)
{
	((uint8_t *)(tcp() + 1))[1] = 0;
	fix_cksums();
	expect_drop(PCL_DROP_tcp_opt, 0);
}

Test(pkt, tcp_flags)
{
	static const uint8_t bad[] = {RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG,
				      RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG, 0, RTE_TCP_FIN_FLAG,
				      RTE_TCP_PSH_FLAG};
	unsigned int i;

	for (i = 0; i < sizeof(bad); i++) {
		build();
		tcp()->tcp_flags = bad[i];
		fix_cksums();
		expect_drop(PCL_DROP_tcp_flags, 0);
	}
}

/* ARP: a request for our address is classified; anything else is dropped. */
Test(pkt, arp)
{
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(f + PCL_L2_LEN);
	struct pcl_seg s;

	memset(f, 0xff, RTE_ETHER_ADDR_LEN);
	((struct rte_ether_hdr *)f)->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = 6;
	a->arp_plen = 4;
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_tip = ctx.addr;
	flen = PCL_L2_LEN + sizeof(*a);
	cr_expect_eq(parse(0, &s), PCL_PKT_ARP_REQUEST);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	expect_drop(PCL_DROP_arp, 0);
	a->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	a->arp_data.arp_tip = RTE_BE32(0xc6120009);
	expect_drop(PCL_DROP_arp, 0);
}

/* ICMP: a valid echo request is classified; a reply or a bad checksum is dropped. */
Test(pkt, icmp)
{
	struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(f + PCL_L2_LEN + PCL_IP_LEN);
	struct pcl_seg s;

	ip()->next_proto_id = IPPROTO_ICMP;
	ip()->total_length = rte_cpu_to_be_16(PCL_IP_LEN + 8);
	fix_cksums();
	memset(ic, 0, 8);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, 8);
	cr_expect_eq(parse(0, &s), PCL_PKT_ICMP_ECHO);
	ic->icmp_cksum ^= 1;
	expect_drop(PCL_DROP_icmp, 0);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, 8);
	expect_drop(PCL_DROP_icmp, 0);
}
