/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP segment writers (pcl_out_tcp, pcl_out_tcp6) with the checksums
 * summed here and left to the device: what a device that honours the
 * offload flags puts on the wire is the software path's frame, byte for
 * byte. And a segment whose payload's last bytes are chained
 * (pcl_out_chain, a body sent by reference) is, laid flat, the same frame
 * as one written whole, either way.
 */
#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "net/pcl_out.h"
#include "net/pcl_out_chain.h"
#include "net/pcl_ref.h"

static const uint8_t us6[16] = {0xfd, 0, 0, 0x18, [15] = 2};
static const uint8_t cli6[16] = {0xfd, 0, 0, 0x18, [15] = 1};
static const struct rte_ether_addr cli_mac = {{0x02, 0, 0, 0, 0, 1}};
static const char payload[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";

/* A frame buffer and its mbuf (no EAL: nothing is allocated). */
struct frame {
	struct rte_mbuf m;
	uint8_t buf[512];
};

static struct rte_mbuf *
frame_init(struct frame *fr, uint16_t hdr_len)
{
	memset(fr, 0, sizeof(*fr));
	fr->m.buf_addr = fr->buf;
	fr->m.buf_len = sizeof(fr->buf);
	fr->m.nb_segs = 1;
	/* The payload goes after the headers and options, as the engine puts it. */
	memcpy(fr->buf + hdr_len + 12, payload, sizeof(payload) - 1);
	return &fr->m;
}

/*
 * Writes the segment the tests send: SYN-free data with 12 bytes of options,
 * its last cut payload bytes left for a chain.
 */
static void
write_seg(struct frame *fr, bool v6, bool offload, uint16_t cut)
{
	static const uint8_t opts[12] = {1, 1, 8, 10, 0, 0, 0, 7, 0, 0, 0, 9};
	struct pcl_tuple t = {.raddr = RTE_BE32(0xc6120001),
			      .laddr = RTE_BE32(0xc6120002),
			      .rport = RTE_BE16(40000),
			      .lport = RTE_BE16(80)};
	struct pcl_pkt_ctx net = {.mac = {{0x02, 0, 0, 0, 0, 2}}, .tx_csum = offload};
	struct pcl_out_seg s = {.t = &t,
				.dst_mac = cli_mac,
				.seq = 0x01020304,
				.ack = 0xfffffff0,
				.flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG,
				.wnd = 0x8001,
				.opts = opts,
				.optlen = sizeof(opts),
				.paylen = (uint16_t)(sizeof(payload) - 1 - cut)};
	struct rte_mbuf *m = frame_init(fr, v6 ? PCL_HDR6_LEN : PCL_HDR_LEN);

	if (v6)
		pcl_out_tcp6(&net, m, &s, us6, cli6);
	else
		pcl_out_tcp(&net, m, &s);
}

/* What a device does with the flags: sums the IPv4 header and the TCP segment over the field. */
static void
device_sums(struct rte_mbuf *m)
{
	uint8_t *l3 = rte_pktmbuf_mtod_offset(m, uint8_t *, m->l2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(l3 + m->l3_len);
	uint32_t l4len = m->data_len - m->l2_len - m->l3_len;

	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		cr_expect_eq(ip->hdr_checksum, 0,
			     "DPDK's convention: the IP checksum field is zero");
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	/* The field holds the pseudo-header's sum: summing over it adds the pseudo-header in. */
	th->cksum = (uint16_t)~rte_raw_cksum(th, l4len);
}

static void
expect_offload_equals_software(bool v6)
{
	struct frame sw, hw;
	uint64_t want = RTE_MBUF_F_TX_TCP_CKSUM |
			(v6 ? RTE_MBUF_F_TX_IPV6 : RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);

	write_seg(&sw, v6, false, 0);
	write_seg(&hw, v6, true, 0);
	cr_expect_eq(sw.m.ol_flags, 0);
	cr_expect_eq(hw.m.ol_flags, want);
	cr_expect_eq(hw.m.l2_len, PCL_L2_LEN);
	cr_expect_eq(hw.m.l3_len, v6 ? PCL_IP6_LEN : PCL_IP_LEN);
	cr_assert_eq(hw.m.data_len, sw.m.data_len);
	cr_expect_eq(hw.m.pkt_len, sw.m.pkt_len);
	/* The flags' pseudo-header sum is DPDK's own. */
	{
		const uint8_t *l3 = hw.buf + PCL_L2_LEN;
		const struct rte_tcp_hdr *th =
			(const struct rte_tcp_hdr *)(l3 + (v6 ? PCL_IP6_LEN : PCL_IP_LEN));
		uint16_t ph =
			v6 ? rte_ipv6_phdr_cksum((const struct rte_ipv6_hdr *)l3, hw.m.ol_flags)
			   : rte_ipv4_phdr_cksum((const struct rte_ipv4_hdr *)l3, hw.m.ol_flags);

		cr_expect_eq(th->cksum, ph);
	}
	device_sums(&hw.m);
	cr_expect_arr_eq(hw.buf, sw.buf, sw.m.data_len, "the frames differ once the device summed");
	/* And the software frame verifies as a receiver checks it. */
	if (v6) {
		const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(sw.buf + PCL_L2_LEN);

		cr_expect_eq(rte_ipv6_udptcp_cksum_verify(ip, ip + 1), 0);
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(sw.buf + PCL_L2_LEN);

		cr_expect_eq(rte_raw_cksum(ip, PCL_IP_LEN), 0xffff);
		cr_expect_eq(rte_ipv4_udptcp_cksum_verify(ip, ip + 1), 0);
	}
}

Test(out, ipv4_offload_equals_software)
{
	expect_offload_equals_software(false);
}

Test(out, ipv6_offload_equals_software)
{
	expect_offload_equals_software(true);
}

/*
 * The segment with its last cut payload bytes chained from a pcl_ref over
 * the payload: laid flat (and summed as the device does, offloaded), the
 * frame written whole.
 */
static void
expect_chain_equals_whole(bool v6, bool offload, uint16_t cut)
{
	uint16_t paylen = sizeof(payload) - 1, off = (uint16_t)(paylen - cut);
	struct frame whole, head, tail;
	struct pcl_ref r;

	cr_assert_eq(pcl_ref_init(&r, payload, paylen), 0);
	write_seg(&whole, v6, offload, 0);
	write_seg(&head, v6, offload, cut);
	frame_init(&tail, 0);
	tail.m.data_off = (uint16_t)(12 + off);
	tail.m.data_len = cut;
	/* The payload starts at an even offset of the segment: its bytes keep their parity. */
	pcl_out_chain(&head.m, &tail.m, pcl_ref_sum(&r, off, cut, off & 1));
	cr_assert_eq(head.m.nb_segs, 2);
	cr_assert_eq(head.m.pkt_len, whole.m.pkt_len);
	/* Flat: the chained bytes are already where a copy would have put them. */
	head.m.data_len = (uint16_t)head.m.pkt_len;
	head.m.nb_segs = 1;
	head.m.next = NULL;
	if (offload) {
		device_sums(&whole.m);
		device_sums(&head.m);
	}
	cr_expect_arr_eq(head.buf, whole.buf, whole.m.data_len, "cut %u, %s, %s", cut,
			 v6 ? "IPv6" : "IPv4", offload ? "offloaded" : "software");
	pcl_ref_fini(&r);
}

Test(out, chained_tail_equals_whole)
{
	uint16_t cut;

	for (cut = 1; cut < sizeof(payload) - 1; cut++) {
		expect_chain_equals_whole(false, false, cut);
		expect_chain_equals_whole(true, false, cut);
		expect_chain_equals_whole(false, true, cut);
		expect_chain_equals_whole(true, true, cut);
	}
}
