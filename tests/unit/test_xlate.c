/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Header translation for proxied connections: every field moves as the
 * translation says, across sequence-number wraparound, with options at
 * every alignment, and the incrementally updated checksums equal a full
 * recomputation.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "lb/pcl_xlate.h"
#include "net/pcl_opt.h"

struct frame {
	struct rte_ipv4_hdr ip;
	struct rte_tcp_hdr th;
	uint8_t opt[40 + 64]; /* options, then the payload */
} __attribute__((packed));

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Where the options a frame was built with sit, for checking them after. */
struct layout {
	int ts;   /* offset of the TS option from th, or -1 */
	int sack; /* offset of the SACK option, or -1 */
	unsigned int nblocks;
	unsigned int optlen;
};

/* A frame with checksums, TS and SACK options at offsets set by pad (0..3 NOPs first). */
static struct layout
build(struct frame *f, unsigned int pad, unsigned int nblocks, unsigned int datalen, uint32_t seed)
{
	struct layout l = {.ts = -1, .sack = -1, .nblocks = nblocks};
	uint8_t *o = f->opt;
	unsigned int n = 0, i;

	memset(f, 0, sizeof(*f));
	srand(seed);
	for (i = 0; i < pad; i++)
		o[n++] = PCL_OPT_NOP;
	l.ts = (int)(sizeof(struct rte_tcp_hdr) + n);
	o[n++] = PCL_OPT_TS;
	o[n++] = 10;
	put32(o + n, (uint32_t)rand() * 2654435761u);
	put32(o + n + 4, (uint32_t)rand() * 2246822519u);
	n += 8;
	if (nblocks) {
		l.sack = (int)(sizeof(struct rte_tcp_hdr) + n);
		o[n++] = PCL_OPT_SACK;
		o[n++] = (uint8_t)(2 + 8 * nblocks);
		for (i = 0; i < 2 * nblocks; i++, n += 4)
			put32(o + n, 0xfffffff0u + (uint32_t)rand() % 64); /* around the wrap */
	}
	while (n % 4)
		o[n++] = PCL_OPT_NOP;
	l.optlen = n;
	for (i = 0; i < datalen; i++)
		f->opt[n + i] = (uint8_t)rand();
	f->ip.version_ihl = RTE_IPV4_VHL_DEF;
	f->ip.total_length = rte_cpu_to_be_16((uint16_t)(20 + 20 + n + datalen));
	f->ip.time_to_live = 64;
	f->ip.next_proto_id = IPPROTO_TCP;
	f->ip.src_addr = rte_cpu_to_be_32(0xc6120001);
	f->ip.dst_addr = rte_cpu_to_be_32(0xc6120002);
	f->th.src_port = rte_cpu_to_be_16(40000);
	f->th.dst_port = rte_cpu_to_be_16(80);
	f->th.sent_seq = rte_cpu_to_be_32(0xffffff00u + (uint32_t)rand() % 512);
	f->th.recv_ack = rte_cpu_to_be_32(0xffffff00u + (uint32_t)rand() % 512);
	f->th.data_off = (uint8_t)((20 + n) << 2);
	f->th.tcp_flags = RTE_TCP_ACK_FLAG;
	f->th.rx_win = rte_cpu_to_be_16((uint16_t)rand());
	f->ip.hdr_checksum = rte_ipv4_cksum(&f->ip);
	f->th.cksum = rte_ipv4_udptcp_cksum(&f->ip, &f->th);
	return l;
}

/* Whether both checksums are what a full recomputation gives. */
static bool
checksums_right(const struct frame *f)
{
	struct frame g = *f;

	g.ip.hdr_checksum = 0;
	g.ip.hdr_checksum = rte_ipv4_cksum(&g.ip);
	g.th.cksum = 0;
	g.th.cksum = rte_ipv4_udptcp_cksum(&g.ip, &g.th);
	return f->ip.hdr_checksum == g.ip.hdr_checksum && f->th.cksum == g.th.cksum &&
	       rte_ipv4_udptcp_cksum_verify(&f->ip, &f->th) == 0;
}

static void
expect_checksums(const struct frame *f)
{
	cr_expect(checksums_right(f), "IP checksum %#x, TCP %#x: not what a full sum gives",
		  f->ip.hdr_checksum, f->th.cksum);
}

static const struct pcl_xlate to_backend = {
	.saddr = RTE_BE32(0xc6120101),
	.daddr = RTE_BE32(0xc612010b),
	.sport = RTE_BE16(61000),
	.dport = RTE_BE16(8080),
	.ack_add = 0x80000123u,
	.tsval_add = 0x7fff0000u,
	.tsecr_add = 0xdeadbeefu,
};

/* Every field moves by its delta, across the wrap, with options at every alignment. */
Test(xlate, every_field_every_alignment)
{
	unsigned int pad, nb, len;

	for (pad = 0; pad < 4; pad++)
		for (nb = 0; nb <= 3; nb++)
			for (len = 0; len < 3; len++) {
				struct frame f, before;
				struct layout l = build(&f, pad, nb, len, pad * 16 + nb * 4 + len);
				const uint8_t *tb = (const uint8_t *)&before.th, *ta;
				unsigned int i;

				before = f;
				pcl_xlate_tcp(&f.ip, &f.th, &to_backend);
				ta = (const uint8_t *)&f.th;
				cr_expect_eq(f.ip.src_addr, to_backend.saddr);
				cr_expect_eq(f.ip.dst_addr, to_backend.daddr);
				cr_expect_eq(f.th.src_port, to_backend.sport);
				cr_expect_eq(f.th.dst_port, to_backend.dport);
				cr_expect_eq(f.th.sent_seq, before.th.sent_seq, "no seq_add");
				cr_expect_eq(rte_be_to_cpu_32(f.th.recv_ack),
					     rte_be_to_cpu_32(before.th.recv_ack) +
						     to_backend.ack_add);
				cr_expect_eq(get32(ta + l.ts + 2),
					     get32(tb + l.ts + 2) + to_backend.tsval_add, "pad %u",
					     pad);
				cr_expect_eq(get32(ta + l.ts + 6),
					     get32(tb + l.ts + 6) + to_backend.tsecr_add);
				for (i = 0; i < 2 * l.nblocks; i++)
					cr_expect_eq(get32(ta + l.sack + 2 + 4 * i),
						     get32(tb + l.sack + 2 + 4 * i) +
							     to_backend.ack_add,
						     "edge %u", i);
				cr_expect_eq(f.th.rx_win, before.th.rx_win, "same scales");
				expect_checksums(&f);
			}
}

/* Windows are rescaled between the two ends' shifts, and clamped. */
Test(xlate, window_rescale)
{
	struct pcl_xlate x = to_backend;
	struct frame f;

	build(&f, 2, 0, 0, 1);
	f.th.rx_win = RTE_BE16(1000);
	f.th.cksum = 0;
	f.th.cksum = rte_ipv4_udptcp_cksum(&f.ip, &f.th);
	x.wnd_from = 7;
	x.wnd_to = 2;
	pcl_xlate_tcp(&f.ip, &f.th, &x);
	cr_expect_eq(rte_be_to_cpu_16(f.th.rx_win), 32000);
	expect_checksums(&f);
	x.wnd_from = 0;
	x.wnd_to = 8;
	pcl_xlate_tcp(&f.ip, &f.th, &x); /* 32000 >> 8 */
	cr_expect_eq(rte_be_to_cpu_16(f.th.rx_win), 125);
	x.wnd_from = 14;
	x.wnd_to = 0;
	pcl_xlate_tcp(&f.ip, &f.th, &x);
	cr_expect_eq(rte_be_to_cpu_16(f.th.rx_win), UINT16_MAX, "clamped");
	expect_checksums(&f);
}

/* A receiver that did not negotiate SACK gets NOPs where the blocks were. */
Test(xlate, strip_sack)
{
	struct pcl_xlate x = to_backend;
	unsigned int pad, i;

	x.strip_sack = true;
	for (pad = 0; pad < 4; pad++) {
		struct frame f;
		struct layout l = build(&f, pad, 2, 1, 7 + pad);
		const uint8_t *ta = (const uint8_t *)&f.th;

		pcl_xlate_tcp(&f.ip, &f.th, &x);
		for (i = 0; i < 2 + 16; i++)
			cr_expect_eq(ta[l.sack + i], PCL_OPT_NOP, "pad %u byte %u", pad, i);
		cr_expect_eq(ta[l.ts], PCL_OPT_TS);
		expect_checksums(&f);
	}
}

/* Nor timestamps: the TS option becomes NOPs, the SACK blocks still move. */
Test(xlate, strip_ts)
{
	struct pcl_xlate x = to_backend;
	unsigned int pad, i;

	x.strip_ts = true;
	for (pad = 0; pad < 4; pad++) {
		struct frame f, before;
		struct layout l = build(&f, pad, 1, 3, 11 + pad);
		const uint8_t *ta = (const uint8_t *)&f.th, *tb = (const uint8_t *)&before.th;

		before = f;
		pcl_xlate_tcp(&f.ip, &f.th, &x);
		for (i = 0; i < 10; i++)
			cr_expect_eq(ta[l.ts + i], PCL_OPT_NOP, "pad %u byte %u", pad, i);
		cr_expect_eq(ta[l.sack], PCL_OPT_SACK);
		cr_expect_eq(get32(ta + l.sack + 2), get32(tb + l.sack + 2) + x.ack_add);
		expect_checksums(&f);
	}
}

/* The sequence number moves (the other direction), and an RST without ACK keeps its ack. */
Test(xlate, seq_add_and_rst)
{
	struct pcl_xlate x = {.saddr = RTE_BE32(0xc6120002),
			      .daddr = RTE_BE32(0xc6120001),
			      .sport = RTE_BE16(80),
			      .dport = RTE_BE16(40000),
			      .seq_add = 0x12345678u};
	struct frame f, before;

	build(&f, 0, 0, 0, 3);
	f.th.tcp_flags = RTE_TCP_RST_FLAG;
	f.th.cksum = 0;
	f.th.cksum = rte_ipv4_udptcp_cksum(&f.ip, &f.th);
	before = f;
	pcl_xlate_tcp(&f.ip, &f.th, &x);
	cr_expect_eq(rte_be_to_cpu_32(f.th.sent_seq),
		     rte_be_to_cpu_32(before.th.sent_seq) + x.seq_add);
	cr_expect_eq(f.th.recv_ack, before.th.recv_ack);
	expect_checksums(&f);
}

/* Random deltas on random frames: the checksums always match a full sum. */
Test(xlate, random_frames)
{
	unsigned int k, wrong = 0, first = 0;

	for (k = 0; k < 20000; k++) {
		struct frame f;
		struct pcl_xlate x;

		build(&f, k % 4, k % 5 % 4, k % 7, k);
		srand(k * 7919);
		x = (struct pcl_xlate){
			.saddr = (rte_be32_t)rand(),
			.daddr = (rte_be32_t)rand(),
			.sport = (rte_be16_t)rand(),
			.dport = (rte_be16_t)rand(),
			.seq_add = (uint32_t)rand() << 1,
			.ack_add = (uint32_t)rand() << 1,
			.tsval_add = (uint32_t)rand() * 3,
			.tsecr_add = (uint32_t)rand() * 5,
			.wnd_from = (uint8_t)(rand() % 15),
			.wnd_to = (uint8_t)(rand() % 15),
			.strip_sack = rand() % 2,
			.strip_ts = rand() % 3 == 0,
		};
		pcl_xlate_tcp(&f.ip, &f.th, &x);
		if (!checksums_right(&f) && wrong++ == 0)
			first = k;
	}
	cr_expect_eq(wrong, 0, "%u of 20000 frames with a wrong checksum, the first %u", wrong,
		     first);
}

struct frame6 {
	struct rte_ipv6_hdr ip;
	struct rte_tcp_hdr th;
	uint8_t opt[40 + 64];
} __attribute__((packed));

/* f's TCP part (with its options and data) under an IPv6 header from src to dst. */
static void
to6(const struct frame *f, struct frame6 *g, const uint8_t *src, const uint8_t *dst)
{
	uint16_t l4 = (uint16_t)(rte_be_to_cpu_16(f->ip.total_length) - sizeof(f->ip));

	memset(g, 0, sizeof(*g));
	g->ip.vtc_flow = RTE_BE32(6u << 28);
	g->ip.payload_len = rte_cpu_to_be_16(l4);
	g->ip.proto = IPPROTO_TCP;
	g->ip.hop_limits = 64;
	memcpy(g->ip.src_addr, src, 16);
	memcpy(g->ip.dst_addr, dst, 16);
	memcpy(&g->th, &f->th, l4);
	g->th.cksum = 0;
	g->th.cksum = rte_ipv6_udptcp_cksum(&g->ip, &g->th);
}

/*
 * IPv6: the addresses change in the header and in TCP's pseudo-header, the
 * rest as over IPv4, and the checksum is what a full sum gives; across
 * address pairs whose words carry and borrow.
 */
Test(xlate, ipv6_checksum)
{
	static const uint8_t cli[16] = {0x20, 0x01, 0x0d, 0xb8, [14] = 0xff, [15] = 0xff};
	static const uint8_t vip[16] = {0xfd, 0x00, 0x00, 0x18, [15] = 2};
	static const uint8_t us[16] = {0xfd, 0x01, 0x00, 0x18, [15] = 1};
	uint8_t be[16] = {0xfd, 0x00, 0x00, 0x18, [15] = 0x11};
	unsigned int pad, nb, k;

	for (k = 0; k < 64; k++) {
		be[8 + k % 8] = (uint8_t)(k * 37);
		for (pad = 0; pad < 4; pad++)
			for (nb = 0; nb <= 3; nb++) {
				struct frame f, f4;
				struct frame6 g, before;

				build(&f, pad, nb, 1 + k % 3, k * 16 + pad * 4 + nb);
				to6(&f, &g, cli, vip);
				before = g;
				f4 = f;
				pcl_xlate_tcp6(&g.ip, &g.th, &to_backend, us, be);
				pcl_xlate_tcp(&f4.ip, &f4.th, &to_backend);
				cr_expect(memcmp(g.ip.src_addr, us, 16) == 0);
				cr_expect(memcmp(g.ip.dst_addr, be, 16) == 0);
				cr_expect_eq(g.ip.payload_len, before.ip.payload_len);
				/* Past the checksum, the TCP bytes are IPv4's translation's. */
				cr_expect(memcmp(&g.th, &f4.th,
						 offsetof(struct rte_tcp_hdr, cksum)) == 0);
				cr_expect(memcmp(&g.th.tcp_urp, &f4.th.tcp_urp,
						 rte_be_to_cpu_16(g.ip.payload_len) -
							 offsetof(struct rte_tcp_hdr, tcp_urp)) ==
					  0);
				cr_expect_eq(rte_ipv6_udptcp_cksum_verify(&g.ip, &g.th), 0,
					     "k %u pad %u blocks %u", k, pad, nb);
			}
	}
}
