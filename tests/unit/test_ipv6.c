/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 without an EAL: frame validation (extension headers, every drop
 * reason), the RFC 4861 validity checks of Neighbor Solicitations and
 * Advertisements, the answers built in place (NA, echo reply, TCP) and
 * their checksums, the link-local address, the interned address table,
 * and SYN cookies and ISNs over the 36-byte tuple.
 */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_mbuf_core.h>
#include <rte_tcp.h>

#include "net/pcl_out.h"
#include "net/pcl_pkt.h"
#include "tcp/pcl_addr6.h"
#include "tcp/pcl_cookie.h"
#include "tcp/pcl_isn.h"

#define US                                                                                         \
	{                                                                                          \
		0xfd, 0, 0, 0x18, [15] = 2                                                         \
	}
#define CLI                                                                                        \
	{                                                                                          \
		0xfd, 0, 0, 0x18, [15] = 1                                                         \
	}

static struct pcl_pkt_ctx ctx = {
	.mac = {{0x02, 0, 0, 0, 0, 2}},
	.addr = RTE_BE32(0xc6120002),
	.has6 = true,
	.addr6 = US,
};
static const uint8_t cli[16] = CLI;
static const struct rte_ether_addr cli_mac = {{0x02, 0, 0, 0, 0, 1}};

static uint8_t f[512];
static uint32_t flen;
static uint32_t ext; /* bytes of extension headers before the upper layer */

static struct rte_ether_hdr *
eth(void)
{
	return (struct rte_ether_hdr *)f;
}

static struct rte_ipv6_hdr *
ip6(void)
{
	return (struct rte_ipv6_hdr *)(f + PCL_L2_LEN);
}

static uint8_t *
l4(void)
{
	return f + PCL_L2_LEN + PCL_IP6_LEN + ext;
}

/* The upper-layer checksum at off within l4 (as a receiver computes it: with the real length). */
static void
fix_cksum(uint8_t proto, unsigned int off)
{
	struct rte_ipv6_hdr h = *ip6();
	uint32_t l4len = rte_be_to_cpu_16(ip6()->payload_len) - ext;

	h.proto = proto;
	h.payload_len = rte_cpu_to_be_16((uint16_t)l4len);
	memset(l4() + off, 0, 2);
	*(uint16_t *)(l4() + off) = rte_ipv6_udptcp_cksum(&h, l4());
}

static void
frame(const uint8_t *src, const uint8_t *dst, uint8_t proto, uint32_t l4len)
{
	memset(f, 0, sizeof(f));
	ext = 0;
	eth()->dst_addr = ctx.mac;
	eth()->src_addr = cli_mac;
	eth()->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6()->vtc_flow = RTE_BE32(6u << 28);
	ip6()->payload_len = rte_cpu_to_be_16((uint16_t)l4len);
	ip6()->proto = proto;
	ip6()->hop_limits = 64;
	memcpy(ip6()->src_addr, src, 16);
	memcpy(ip6()->dst_addr, dst, 16);
	flen = PCL_L2_LEN + PCL_IP6_LEN + l4len;
}

/* A SYN from the client with an MSS option and 4 bytes of data. */
static void
syn(void)
{
	struct rte_tcp_hdr *th;
	static const uint8_t opt[] = {2, 4, 0x05, 0xa0};

	frame(cli, ctx.addr6, IPPROTO_TCP, PCL_TCP_LEN + 4 + 4);
	th = (struct rte_tcp_hdr *)l4();
	th->src_port = RTE_BE16(40000);
	th->dst_port = RTE_BE16(80);
	th->sent_seq = RTE_BE32(1000);
	th->data_off = (PCL_TCP_LEN + 4) << 2;
	th->tcp_flags = RTE_TCP_SYN_FLAG;
	th->rx_win = RTE_BE16(65535);
	memcpy(th + 1, opt, 4);
	memcpy((uint8_t *)(th + 1) + 4, "data", 4);
	fix_cksum(IPPROTO_TCP, 16);
}

/* Puts an extension header of n 8-byte units (type, body from byte 2) before the upper layer. */
static void
insert_ext(uint8_t type, uint8_t units, const uint8_t *body, unsigned int blen)
{
	uint8_t *at = f + PCL_L2_LEN + PCL_IP6_LEN;
	unsigned int len = units * 8u;

	memmove(at + len, at, flen - PCL_L2_LEN - PCL_IP6_LEN);
	memset(at, 0, len);
	at[0] = ip6()->proto;
	at[1] = (uint8_t)(units - 1);
	if (blen)
		memcpy(at + 2, body, blen);
	ip6()->proto = type;
	ip6()->payload_len = rte_cpu_to_be_16(rte_be_to_cpu_16(ip6()->payload_len) + len);
	flen += len;
	ext += len;
}

static int
parse(struct pcl_seg *s)
{
	return pcl_pkt_parse(f, flen, 0, &ctx, s);
}

static void
expect_drop(enum pcl_drop why)
{
	struct pcl_seg s;
	int rc = parse(&s);

	cr_assert_lt(rc, 0, "accepted (%d), want drop %s", rc, pcl_drop_names[why]);
	cr_expect_eq(pcl_pkt_drop_reason(rc), why, "dropped as %s, want %s",
		     pcl_drop_names[pcl_pkt_drop_reason(rc)], pcl_drop_names[why]);
}

static void
init(void)
{
	pcl_pkt_ll6(&ctx.mac, ctx.ll6);
	syn();
}

TestSuite(ip6, .init = init);

/* fe80::/64 with the MAC's universal/local bit inverted and ff:fe in the middle. */
Test(ip6, link_local_from_mac)
{
	static const uint8_t want[16] = {0xfe, 0x80, [8] = 0x00, 0, 0, 0xff, 0xfe, 0, 0, 2};
	struct rte_ether_addr mac = {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}};
	static const uint8_t want2[16] = {0xfe, 0x80, [8] = 0x50, 0x54, 0x00,
					  0xff, 0xfe, 0x12,       0x34, 0x56};
	uint8_t a[16];

	cr_expect_arr_eq(ctx.ll6, want, 16);
	pcl_pkt_ll6(&mac, a);
	cr_expect_arr_eq(a, want2, 16);
}

/* A valid IPv6 SYN: ports, sequence, options, payload, addresses for the engine. */
Test(ip6, valid_tcp)
{
	struct pcl_seg s;

	cr_assert_eq(parse(&s), PCL_PKT_TCP6);
	cr_expect_eq(s.t.raddr, 0, "addresses are resolved by the engine");
	cr_expect(pcl_tuple_is6(&s.t));
	cr_expect_eq(s.t.rport, RTE_BE16(40000));
	cr_expect_eq(s.t.lport, RTE_BE16(80));
	cr_expect_eq(s.seq, 1000);
	cr_expect_eq(s.len, 4);
	cr_expect_eq(s.opts.mss, 1440);
	cr_expect_eq(s.payload_off, PCL_HDR6_LEN + 4);
	cr_expect_arr_eq(s.a6, cli, 16);
	cr_expect_arr_eq(s.a6 + 16, ctx.addr6, 16);
	/* Also to the link-local address, and with Ethernet padding after the payload. */
	memcpy(ip6()->dst_addr, ctx.ll6, 16);
	fix_cksum(IPPROTO_TCP, 16);
	flen += 10;
	cr_expect_eq(parse(&s), PCL_PKT_TCP6);
}

/* The flow of an IPv6/TCP frame is its 36 bytes; with extension headers, none. */
Test(ip6, flow6)
{
	struct pcl_tuple6 t;

	cr_assert(pcl_pkt_flow6(f, flen, &t));
	cr_expect_arr_eq(t.raddr, cli, 16);
	cr_expect_arr_eq(t.laddr, ctx.addr6, 16);
	cr_expect_eq(t.rport, RTE_BE16(40000));
	cr_expect_eq(t.lport, RTE_BE16(80));
	insert_ext(IPPROTO_DSTOPTS, 1, NULL, 0);
	cr_expect_not(pcl_pkt_flow6(f, flen, &t));
}

Test(ip6, bad_checksum)
{
	l4()[25] ^= 1; /* a payload byte */
	expect_drop(PCL_DROP_tcp_cksum);
}

/* Without port.addr6 every IPv6 frame is dropped as before IPv6 existed. */
Test(ip6, off_without_addr6)
{
	ctx.has6 = false;
	expect_drop(PCL_DROP_ethertype);
	ctx.has6 = true;
}

Test(ip6, header_checks)
{
	ip6()->vtc_flow = RTE_BE32(4u << 28);
	expect_drop(PCL_DROP_ip6_hdr);
	syn();
	ip6()->payload_len = RTE_BE16(400);
	expect_drop(PCL_DROP_ip6_hdr);
	syn();
	flen = PCL_L2_LEN + 30;
	expect_drop(PCL_DROP_runt);
}

Test(ip6, not_ours_and_bad_sources)
{
	static const uint8_t other[16] = {0xfd, 0, 0, 0x18, [15] = 9};
	static const uint8_t mcast[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t loop[16] = {[15] = 1};
	static const uint8_t mapped[16] = {[10] = 0xff, 0xff, 198, 18, 0, 1};

	memcpy(ip6()->dst_addr, other, 16);
	expect_drop(PCL_DROP_not_ours);
	syn();
	memcpy(ip6()->src_addr, mcast, 16);
	expect_drop(PCL_DROP_bad_src);
	memcpy(ip6()->src_addr, loop, 16);
	expect_drop(PCL_DROP_bad_src);
	memcpy(ip6()->src_addr, mapped, 16);
	expect_drop(PCL_DROP_bad_src);
	memcpy(ip6()->src_addr, ctx.addr6, 16);
	expect_drop(PCL_DROP_bad_src);
	/* A unicast destination in a multicast frame, and TCP to a group. */
	syn();
	eth()->dst_addr = (struct rte_ether_addr){{0x33, 0x33, 0, 0, 0, 1}};
	expect_drop(PCL_DROP_not_ours);
	memcpy(ip6()->dst_addr, mcast, 16);
	fix_cksum(IPPROTO_TCP, 16);
	expect_drop(PCL_DROP_not_ours);
}

/* Hop-by-hop and destination options are skipped, checksum and payload still right. */
Test(ip6, skips_options_headers)
{
	static const uint8_t padn_ra[6] = {5, 2, 0, 0, 1, 0}; /* router alert, then PadN */
	struct pcl_seg s;

	insert_ext(IPPROTO_DSTOPTS, 1, padn_ra, sizeof(padn_ra));
	insert_ext(IPPROTO_HOPOPTS, 2, NULL, 0);
	fix_cksum(IPPROTO_TCP, 16);
	cr_assert_eq(parse(&s), PCL_PKT_TCP6);
	cr_expect_eq(s.len, 4);
	cr_expect_eq(s.payload_off, PCL_HDR6_LEN + 24 + 4);
	cr_expect_eq(memcmp(f + s.payload_off, "data", 4), 0);
}

Test(ip6, refused_extension_headers)
{
	static const uint8_t must_discard[2] = {0x80, 0}; /* unknown type 10xxxxxx, empty */
	static const uint8_t rh0[2] = {0, 1};             /* type 0, one segment left */
	static const uint8_t rh_done[2] = {4, 0};         /* SRH with nothing left: ignored */
	static const uint8_t rh_left[2] = {4, 1};
	struct pcl_seg s;

	insert_ext(IPPROTO_DSTOPTS, 1, must_discard, 2);
	fix_cksum(IPPROTO_TCP, 16);
	expect_drop(PCL_DROP_ip6_ext);
	syn();
	insert_ext(IPPROTO_HOPOPTS, 1, NULL, 0);
	insert_ext(IPPROTO_DSTOPTS, 1, NULL, 0);
	/* Hop-by-hop after another header. */
	f[PCL_L2_LEN + PCL_IP6_LEN] = IPPROTO_HOPOPTS;
	f[PCL_L2_LEN + PCL_IP6_LEN + 8] = IPPROTO_TCP;
	expect_drop(PCL_DROP_ip6_ext);
	syn();
	insert_ext(IPPROTO_ROUTING, 1, rh0, 2);
	expect_drop(PCL_DROP_ip6_rh0);
	syn();
	insert_ext(IPPROTO_ROUTING, 1, (const uint8_t[2]){0, 0}, 2);
	expect_drop(PCL_DROP_ip6_rh0);
	syn();
	insert_ext(IPPROTO_ROUTING, 1, rh_left, 2);
	expect_drop(PCL_DROP_ip6_ext);
	syn();
	insert_ext(IPPROTO_ROUTING, 1, rh_done, 2);
	fix_cksum(IPPROTO_TCP, 16);
	cr_expect_eq(parse(&s), PCL_PKT_TCP6);
	syn();
	insert_ext(IPPROTO_FRAGMENT, 1, NULL, 0);
	expect_drop(PCL_DROP_ip6_frag);
	syn();
	ip6()->proto = IPPROTO_UDP;
	expect_drop(PCL_DROP_ip6_proto);
	ip6()->proto = 59; /* no next header */
	expect_drop(PCL_DROP_ip6_proto);
	/* A header that runs past the payload, and one option past its header. */
	syn();
	insert_ext(IPPROTO_DSTOPTS, 1, (const uint8_t[2]){1, 9}, 2);
	expect_drop(PCL_DROP_ip6_hdr);
	syn();
	insert_ext(IPPROTO_DSTOPTS, 1, NULL, 0);
	f[PCL_L2_LEN + PCL_IP6_LEN + 1] = 40;
	expect_drop(PCL_DROP_ip6_hdr);
}

/* Nine extension headers are more than a host walks. */
Test(ip6, too_many_extension_headers)
{
	unsigned int i;

	for (i = 0; i < 9; i++)
		insert_ext(IPPROTO_DSTOPTS, 1, NULL, 0);
	fix_cksum(IPPROTO_TCP, 16);
	expect_drop(PCL_DROP_ip6_ext);
}

/* ---- ICMPv6: echo, ND ---- */

static void
echo(const uint8_t *dst)
{
	frame(cli, dst, IPPROTO_ICMPV6, 16);
	l4()[0] = 128;
	memcpy(l4() + 8, "pingping", 8);
	fix_cksum(IPPROTO_ICMPV6, 2);
}

/* ff02::1:ffXX:XXXX for a, and its MAC 33:33:ff:XX:XX:XX. */
static void
solicited(const uint8_t *a, uint8_t *group, struct rte_ether_addr *mac)
{
	static const uint8_t pfx[13] = {0xff, 0x02, [11] = 1, [12] = 0xff};

	memcpy(group, pfx, 13);
	memcpy(group + 13, a + 13, 3);
	*mac = (struct rte_ether_addr){{0x33, 0x33, 0xff, a[13], a[14], a[15]}};
}

/* A Neighbor Solicitation for target from src, with a source link-layer option unless DAD. */
static void
ns(const uint8_t *src, const uint8_t *target, bool multicast)
{
	static const uint8_t zero[16];
	bool dad = memcmp(src, zero, 16) == 0;
	uint8_t group[16];
	struct rte_ether_addr gmac;

	solicited(target, group, &gmac);
	frame(src, multicast ? group : target, IPPROTO_ICMPV6, dad ? 24 : 32);
	if (multicast)
		eth()->dst_addr = gmac;
	ip6()->hop_limits = 255;
	l4()[0] = 135;
	memcpy(l4() + 8, target, 16);
	if (!dad) {
		l4()[24] = 1;
		l4()[25] = 1;
		memcpy(l4() + 26, cli_mac.addr_bytes, 6);
	}
	fix_cksum(IPPROTO_ICMPV6, 2);
}

/* An mbuf around f, for the writers (no EAL: nothing is allocated). */
static struct rte_mbuf *
mbuf(void)
{
	static struct rte_mbuf m;

	memset(&m, 0, sizeof(m));
	m.buf_addr = f;
	m.buf_len = sizeof(f);
	m.data_len = (uint16_t)flen;
	m.pkt_len = flen;
	m.nb_segs = 1;
	return &m;
}

/* The checksum of what a writer built verifies, and the frame parses as a peer would see it. */
static void
expect_cksum_ok(void)
{
	cr_expect_eq(rte_ipv6_udptcp_cksum_verify(ip6(), ip6() + 1), 0, "bad checksum");
}

Test(ip6, echo_answered_in_place)
{
	struct pcl_seg s;
	struct rte_mbuf *m;

	echo(ctx.addr6);
	cr_assert_eq(parse(&s), PCL_PKT_ICMP6_ECHO);
	m = mbuf();
	pcl_out_icmp6_reply(&ctx.mac, m, s.payload_off, s.len);
	cr_expect_eq(m->data_len, PCL_L2_LEN + PCL_IP6_LEN + 16);
	cr_expect(rte_is_same_ether_addr(&eth()->dst_addr, &cli_mac));
	cr_expect_arr_eq(ip6()->src_addr, ctx.addr6, 16);
	cr_expect_arr_eq(ip6()->dst_addr, cli, 16);
	cr_expect_eq(f[PCL_L2_LEN + PCL_IP6_LEN], 129);
	cr_expect_eq(memcmp(f + PCL_L2_LEN + PCL_IP6_LEN + 8, "pingping", 8), 0);
	expect_cksum_ok();
}

/* An echo request behind a destination options header is answered without it. */
Test(ip6, echo_with_extension_header)
{
	struct pcl_seg s;
	struct rte_mbuf *m;

	echo(ctx.ll6);
	insert_ext(IPPROTO_DSTOPTS, 1, NULL, 0);
	cr_assert_eq(parse(&s), PCL_PKT_ICMP6_ECHO);
	m = mbuf();
	pcl_out_icmp6_reply(&ctx.mac, m, s.payload_off, s.len);
	cr_expect_eq(ip6()->proto, IPPROTO_ICMPV6);
	cr_expect_eq(m->data_len, PCL_L2_LEN + PCL_IP6_LEN + 16);
	cr_expect_arr_eq(ip6()->src_addr, ctx.ll6, 16);
	expect_cksum_ok();
}

Test(ip6, icmp6_drops)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};

	echo(ctx.addr6);
	l4()[9] ^= 1;
	expect_drop(PCL_DROP_icmp6); /* checksum */
	echo(all_nodes);
	eth()->dst_addr = (struct rte_ether_addr){{0x33, 0x33, 0, 0, 0, 1}};
	expect_drop(PCL_DROP_icmp6); /* echo to a group */
	echo(ctx.addr6);
	l4()[0] = 133; /* router solicitation */
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_icmp6);
}

/* NS by unicast and by the solicited-node group: our NA, solicited, to the asker's MAC. */
Test(ip6, ns_answered)
{
	const uint8_t *targets[2] = {ctx.addr6, ctx.ll6};
	unsigned int i, mc;

	for (i = 0; i < 2; i++)
		for (mc = 0; mc < 2; mc++) {
			struct pcl_seg s;
			uint8_t *na;

			ns(cli, targets[i], mc);
			cr_assert_eq(parse(&s), PCL_PKT_ND_NS, "target %u multicast %u", i, mc);
			pcl_out_nd_na(&ctx.mac, mbuf(), s.payload_off);
			na = f + PCL_L2_LEN + PCL_IP6_LEN;
			cr_expect(rte_is_same_ether_addr(&eth()->dst_addr, &cli_mac));
			cr_expect(rte_is_same_ether_addr(&eth()->src_addr, &ctx.mac));
			cr_expect_eq(ip6()->hop_limits, 255);
			cr_expect_arr_eq(ip6()->src_addr, targets[i], 16);
			cr_expect_arr_eq(ip6()->dst_addr, cli, 16);
			cr_expect_eq(na[0], 136);
			cr_expect_eq(na[4], 0x60, "solicited and override, not router");
			cr_expect_arr_eq(na + 8, targets[i], 16);
			cr_expect_eq(na[24], 2);
			cr_expect_eq(na[25], 1);
			cr_expect_arr_eq(na + 26, ctx.mac.addr_bytes, 6);
			expect_cksum_ok();
		}
}

/* A DAD probe for our address is told it is taken: an unsolicited NA to all nodes. */
Test(ip6, dad_probe_for_ours_defended)
{
	static const uint8_t zero[16], all_nodes[16] = {0xff, 0x02, [15] = 1};
	static const struct rte_ether_addr all_nodes_mac = {{0x33, 0x33, 0, 0, 0, 1}};
	struct pcl_seg s;

	ns(zero, ctx.addr6, true);
	cr_assert_eq(parse(&s), PCL_PKT_ND_NS);
	pcl_out_nd_na(&ctx.mac, mbuf(), s.payload_off);
	cr_expect(rte_is_same_ether_addr(&eth()->dst_addr, &all_nodes_mac));
	cr_expect_arr_eq(ip6()->dst_addr, all_nodes, 16);
	cr_expect_eq(f[PCL_L2_LEN + PCL_IP6_LEN + 4], 0x20, "override only: not solicited");
	expect_cksum_ok();
}

/* Our own duplicate address detection probe (RFC 4862 5.4.2): from ::, no link-layer option. */
Test(ip6, our_dad_probe)
{
	static const uint8_t zero[16];
	uint8_t group[16];
	struct rte_ether_addr gmac;
	struct rte_mbuf *m;

	flen = 0;
	m = mbuf();
	cr_assert_eq(pcl_out_nd_ns(m, &ctx.mac, NULL, ctx.addr6), 0);
	flen = m->data_len;
	solicited(ctx.addr6, group, &gmac);
	cr_expect_eq(flen, PCL_L2_LEN + PCL_IP6_LEN + 24);
	cr_expect(rte_is_same_ether_addr(&eth()->dst_addr, &gmac));
	cr_expect(rte_is_same_ether_addr(&eth()->src_addr, &ctx.mac));
	cr_expect_arr_eq(ip6()->src_addr, zero, 16);
	cr_expect_arr_eq(ip6()->dst_addr, group, 16);
	cr_expect_eq(ip6()->hop_limits, 255);
	cr_expect_eq(l4()[0], 135);
	cr_expect_arr_eq(l4() + 8, ctx.addr6, 16);
	expect_cksum_ok();
}

/*
 * Another host's defence of our address, as it answers our probe (its NA
 * from the address, to all nodes), is a duplicate, not a land attack; from
 * our address for any other target it stays one.
 */
Test(ip6, defence_of_our_address_is_a_duplicate)
{
	struct rte_mbuf *m;
	struct pcl_seg s;

	flen = 0;
	m = mbuf();
	cr_assert_eq(pcl_out_nd_ns(m, &ctx.mac, NULL, ctx.addr6), 0);
	pcl_out_nd_na(&cli_mac, m, PCL_L2_LEN + PCL_IP6_LEN);
	flen = m->data_len;
	cr_assert_arr_eq(ip6()->src_addr, ctx.addr6, 16, "a defence comes from the address");
	cr_expect_eq(parse(&s), PCL_PKT_ND_DUP);
	memcpy(l4() + 8, cli, 16);
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_bad_src);
}

/* Another host's address, resolved or probed, is never claimed. */
Test(ip6, ns_for_others_not_answered)
{
	static const uint8_t zero[16];
	uint8_t other[16] = CLI;

	other[15] = 7;
	ns(cli, other, false);
	memcpy(ip6()->dst_addr, ctx.addr6, 16); /* unicast to us, target someone else */
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_nd_not_ours);
	/* A DAD probe whose group is not ours is not for us at all. */
	ns(zero, other, true);
	expect_drop(PCL_DROP_not_ours);
	/* One whose group is ours (same low 24 bits), but not the address. */
	other[15] = 2;
	other[3] = 0x19;
	ns(zero, other, true);
	expect_drop(PCL_DROP_nd_not_ours);
}

/* RFC 4861 7.1.1 and 7.1.2, each check on its own. */
Test(ip6, nd_validity)
{
	static const uint8_t zero[16];
	uint8_t group[16];
	struct rte_ether_addr gmac;

	ns(cli, ctx.addr6, true);
	ip6()->hop_limits = 254; /* came through a router */
	expect_drop(PCL_DROP_nd_invalid);
	ns(cli, ctx.addr6, true);
	l4()[1] = 1; /* code */
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_nd_invalid);
	ns(cli, ctx.addr6, true);
	l4()[9] ^= 1; /* checksum */
	expect_drop(PCL_DROP_nd_invalid);
	ns(cli, ctx.addr6, true);
	l4()[25] = 0; /* an option of length 0 */
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_nd_invalid);
	ns(cli, ctx.addr6, true);
	l4()[25] = 2; /* an option past the end */
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_nd_invalid);
	/* Shorter than 24 bytes. */
	ns(cli, ctx.addr6, true);
	ip6()->payload_len = RTE_BE16(20);
	flen = PCL_L2_LEN + PCL_IP6_LEN + 20;
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_nd_invalid);
	/* A multicast target. */
	ns(cli, ctx.addr6, false);
	l4()[8] = 0xff;
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_nd_invalid);
	/* A DAD probe with a source link-layer option, or sent unicast. */
	ns(zero, ctx.addr6, true);
	solicited(ctx.addr6, group, &gmac);
	ip6()->payload_len = RTE_BE16(32);
	flen += 8;
	l4()[24] = 1;
	l4()[25] = 1;
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_nd_invalid);
	ns(zero, ctx.addr6, false);
	expect_drop(PCL_DROP_nd_invalid);
}

/* An NA: valid ones are for the neighbour table; a solicited one by multicast is not valid. */
Test(ip6, na_validity)
{
	struct pcl_seg s;

	ns(cli, ctx.addr6, false);
	l4()[0] = 136;
	memcpy(l4() + 8, cli, 16);
	l4()[4] = 0x60;
	l4()[24] = 2;
	fix_cksum(IPPROTO_ICMPV6, 2);
	cr_expect_eq(parse(&s), PCL_PKT_ND_NA);
	/* To all nodes with the solicited flag. */
	memcpy(ip6()->dst_addr, (const uint8_t[16]){0xff, 0x02, [15] = 1}, 16);
	eth()->dst_addr = (struct rte_ether_addr){{0x33, 0x33, 0, 0, 0, 1}};
	fix_cksum(IPPROTO_ICMPV6, 2);
	expect_drop(PCL_DROP_nd_invalid);
}

/* What the engine sends: the IPv6 pseudo-header checksum verifies, addresses may alias m. */
Test(ip6, tcp_out_in_place)
{
	struct pcl_tuple t = {.rport = RTE_BE16(40000), .lport = RTE_BE16(80)};
	uint8_t opts[4] = {1, 1, 1, 0};
	struct pcl_out_seg o = {.t = &t,
				.dst_mac = cli_mac,
				.seq = 7,
				.ack = 1001,
				.flags = RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG,
				.wnd = 100,
				.opts = opts,
				.optlen = 4};
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip6() + 1);
	struct rte_mbuf *m = mbuf();

	/* The reply written over the segment it answers, from the addresses in it. */
	pcl_out_tcp6(&ctx, m, &o, ip6()->dst_addr, ip6()->src_addr);
	cr_expect_eq(m->data_len, PCL_HDR6_LEN + 4);
	cr_expect_arr_eq(ip6()->src_addr, ctx.addr6, 16);
	cr_expect_arr_eq(ip6()->dst_addr, cli, 16);
	cr_expect_eq(ip6()->proto, IPPROTO_TCP);
	cr_expect_eq(ip6()->payload_len, RTE_BE16(PCL_TCP_LEN + 4));
	cr_expect_eq(th->src_port, RTE_BE16(80));
	cr_expect_eq(th->recv_ack, RTE_BE32(1001));
	cr_expect_eq(eth()->ether_type, RTE_BE16(RTE_ETHER_TYPE_IPV6));
	expect_cksum_ok();
}

/* ---- the interned address table ---- */

Test(addr6, intern_find_release_reuse)
{
	static uint8_t mem[4096];
	struct pcl_a6tab t;
	uint8_t a[16] = CLI, b[16] = US;
	uint32_t i, j;

	cr_assert_leq(pcl_a6tab_memsize(3), sizeof(mem));
	cr_assert_eq(pcl_a6tab_init(&t, mem, 3, 42), 0);
	cr_expect_eq(pcl_a6tab_init(&t, mem, 0, 42), -EINVAL);
	cr_assert_eq(pcl_a6tab_init(&t, mem, 3, 42), 0);
	cr_expect_eq(pcl_a6tab_find(&t, a), PCL_A6_NIL);
	i = pcl_a6tab_ref(&t, a);
	cr_expect_eq(i, 1, "index 0 is never handed out");
	cr_expect_eq(pcl_a6tab_ref(&t, a), i, "the same address, the same index");
	j = pcl_a6tab_ref(&t, b);
	cr_expect_neq(j, i);
	cr_expect_eq(pcl_a6tab_find(&t, b), j);
	cr_expect_arr_eq(pcl_a6tab_addr(&t, j), b, 16);
	cr_expect_eq(t.used, 2);
	/* Two references to a: one release keeps it. */
	pcl_a6tab_unref(&t, i);
	cr_expect_eq(pcl_a6tab_find(&t, a), i);
	pcl_a6tab_unref(&t, i);
	cr_expect_eq(pcl_a6tab_find(&t, a), PCL_A6_NIL);
	cr_expect_eq(t.used, 1);
	pcl_a6tab_unref(&t, PCL_A6_NIL); /* ignored */
	/* Full: three addresses, the fourth refused, then room again. */
	a[0] = 0x20;
	cr_expect_neq(pcl_a6tab_ref(&t, a), PCL_A6_NIL);
	a[1] = 1;
	i = pcl_a6tab_ref(&t, a);
	cr_expect_neq(i, PCL_A6_NIL);
	a[1] = 2;
	cr_expect_eq(pcl_a6tab_ref(&t, a), PCL_A6_NIL);
	a[1] = 1;
	pcl_a6tab_unref(&t, i);
	a[1] = 2;
	cr_expect_eq(pcl_a6tab_ref(&t, a), i, "the freed slot is reused");
	cr_expect_eq(pcl_a6tab_find(&t, b), j);
}

/* Indices encode with a zero first byte, which no IPv4 peer has. */
Test(addr6, family_by_first_byte)
{
	struct pcl_tuple v4 = {.raddr = RTE_BE32(0x01000000u), .laddr = RTE_BE32(0xc6120002)};
	struct pcl_tuple v6 = {.raddr = pcl_a6_enc(PCL_A6_MAX), .laddr = pcl_a6_enc(1)};

	cr_expect_not(pcl_tuple_is6(&v4));
	cr_expect(pcl_tuple_is6(&v6));
	cr_expect_eq(pcl_a6_dec(v6.raddr), PCL_A6_MAX);
}

/* ---- cookies and ISNs over the 36-byte tuple ---- */

static struct pcl_keyring k;
static const struct pcl_tuple6 t6 = {.raddr = CLI, .laddr = US, .rport = 0x409c, .lport = 0x5000};

static void
keys(void)
{
	unsigned int i;

	memset(&k, 0, sizeof(k));
	for (i = 0; i < sizeof(k.slot[0].key.key); i++) {
		k.slot[0].key.key[i] = (uint8_t)(i * 7 + 1);
		k.slot[1].key.key[i] = (uint8_t)(i * 13 + 5);
	}
}

TestSuite(cookie6, .init = keys);

Test(cookie6, round_trip_and_window)
{
	unsigned int idx;

	for (idx = 0; idx < PCL_COOKIE_MSS_N; idx++) {
		struct pcl_cookie c = pcl_cookie_make6(&k, &t6, 0x12345678, 1000, idx);

		cr_expect_eq(pcl_cookie_check6(&k, &t6, 0x12345678, c.isn, 1000), (int)idx);
		cr_expect_eq(pcl_cookie_check6(&k, &t6, 0x12345678, c.isn, 1001), (int)idx);
		cr_expect_eq(pcl_cookie_check6(&k, &t6, 0x12345678, c.isn, 1002), -ETIMEDOUT);
	}
}

/* Every bit of both addresses is covered: flipping any one fails the cookie. */
Test(cookie6, every_address_bit_matters)
{
	struct pcl_cookie c = pcl_cookie_make6(&k, &t6, 0x12345678, 1000, 5);
	unsigned int bit;

	for (bit = 0; bit < 36 * 8; bit++) {
		struct pcl_tuple6 x = t6;

		((uint8_t *)&x)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		cr_expect_eq(pcl_cookie_check6(&k, &x, 0x12345678, c.isn, 1000), -EBADMSG, "bit %u",
			     bit);
	}
	cr_expect_eq(pcl_cookie_check6(&k, &t6, 0x12345679, c.isn, 1000), -EBADMSG);
}

/* An IPv4 cookie is not an IPv6 one for the same first 12 bytes. */
Test(cookie6, families_apart)
{
	struct pcl_cookie c = pcl_cookie_make6(&k, &t6, 1, 1000, 3);

	cr_expect_eq(pcl_cookie_check(&k, (const struct pcl_tuple *)&t6, 1, c.isn, 1000), -EBADMSG);
}

/* ISNs over IPv6: the clock plus a PRF of all 36 bytes. */
Test(cookie6, isn)
{
	struct pcl_isn a = pcl_isn_make6(&k, &t6, 4000), b = pcl_isn_make6(&k, &t6, 8000);
	struct pcl_tuple6 x = t6;
	unsigned int byte;

	cr_expect_eq(b.isn - a.isn, 1000, "a 4 us clock");
	cr_expect_eq(a.ts_off, b.ts_off);
	for (byte = 0; byte < sizeof(x); byte++) {
		x = t6;
		((uint8_t *)&x)[byte] ^= 0x80;
		cr_expect_neq(pcl_isn_make6(&k, &x, 4000).isn, a.isn, "byte %u", byte);
	}
}
