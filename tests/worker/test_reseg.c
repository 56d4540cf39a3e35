/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Resegmenting proxied segments (lb/pcl_reseg): a segment split to fit an
 * MSS keeps every byte at its sequence number, the FIN and PSH on the last
 * part; timestamps inserted land after the existing options with the values
 * given; lengths and both checksums are right (pcl_pkt_parse verifies
 * them); what cannot be done leaves the frame as it was.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "lb/pcl_reseg.h"
#include "net/pcl_opt.h"
#include "net/pcl_pkt.h"
#include "peer/pcl_peer.h"

TH_WORKER_FIXTURE()

TestSuite(reseg, .init = setup, .fini = teardown);

static const struct rte_ether_addr client_mac = {{0x02, 0, 0, 0, 0, 0x0c}};
static const struct pcl_pkt_ctx client = {.mac = {{0x02, 0, 0, 0, 0, 0x0c}}, .addr = TH_CLIENT_IP};

#define TSVAL 0x01020304u
#define TSECR 0xfffffffeu
#define ALL   (RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG)

static uint8_t data[1500];

/* A frame to the client: seq 1000, flags, options, len bytes of data (a pattern). */
static struct rte_mbuf *
frame(uint8_t flags, const uint8_t *opts, uint8_t optlen, uint16_t len)
{
	struct pcl_peer_seg s = {
		.src_mac = t.w.ifs[0].ctx.mac,
		.dst_mac = client_mac,
		.src_addr = TH_SERVER_IP,
		.dst_addr = TH_CLIENT_IP,
		.sport = 80,
		.dport = 40000,
		.seq = 1000,
		.ack = 77,
		.flags = flags,
		.wnd = 500,
		.opts = opts,
		.optlen = optlen,
		.data = data,
		.len = len,
	};
	struct rte_mbuf *m;
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);
	m = pcl_peer_frame(t.mp, &s);
	cr_assert_not_null(m);
	return m;
}

/* m parsed as the client sees it: valid TCP (checksums, lengths), the fields that stay. */
static struct pcl_seg
parse(struct rte_mbuf *m)
{
	struct pcl_seg g;

	cr_assert_eq(
		pcl_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, 0, &client, &g),
		PCL_PKT_TCP, "not valid TCP (checksums, lengths)");
	cr_assert_eq(m->pkt_len, m->data_len);
	cr_expect_eq(g.ack, 77);
	cr_expect_eq(g.wnd, 500);
	return g;
}

/* m's data is data[off..off+len) at sequence 1000 + off. */
static void
expect_data(struct rte_mbuf *m, const struct pcl_seg *g, uint16_t off, uint16_t len)
{
	cr_expect_eq(g->seq, 1000u + off);
	cr_expect_eq(g->len, len);
	cr_expect(memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, g->payload_off), data + off, len) ==
		  0);
}

/* m carries our timestamps after optlen bytes of its own options. */
static void
expect_ts(struct rte_mbuf *m, const struct pcl_seg *g, uint8_t optlen)
{
	cr_assert(g->opts.present & PCL_OPTF_TS);
	cr_expect_eq(g->opts.tsval, TSVAL);
	cr_expect_eq(g->opts.tsecr, TSECR);
	cr_expect_eq(rte_pktmbuf_mtod(m, uint8_t *)[PCL_HDR_LEN + optlen], PCL_OPT_NOP,
		     "the option goes after the others");
	cr_expect_eq(g->payload_off, PCL_HDR_LEN + optlen + PCL_OPT_TS_LEN);
}

Test(reseg, add_ts)
{
	static const uint8_t sack[12] = {
		PCL_OPT_NOP, PCL_OPT_NOP, PCL_OPT_SACK, 10, 0, 0, 0, 1, 0, 0, 0, 9};
	struct rte_mbuf *m = frame(RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, sack, sizeof(sack), 100);
	struct pcl_seg g;

	cr_assert_eq(pcl_reseg_add_ts(m, TSVAL, TSECR), 0);
	g = parse(m);
	expect_ts(m, &g, sizeof(sack));
	expect_data(m, &g, 0, 100);
	cr_expect_eq(g.flags, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
	cr_expect_eq(rte_pktmbuf_mtod_offset(m, uint8_t *, PCL_HDR_LEN)[2], PCL_OPT_SACK,
		     "the SACK option stays first");
	rte_pktmbuf_free(m);

	m = frame(RTE_TCP_ACK_FLAG, NULL, 0, 0);
	cr_assert_eq(pcl_reseg_add_ts(m, TSVAL, TSECR), 0);
	g = parse(m);
	expect_ts(m, &g, 0);
	cr_expect_eq(g.len, 0);
	rte_pktmbuf_free(m);
}

Test(reseg, fits_already)
{
	struct rte_mbuf *m = frame(ALL, NULL, 0, 1460), *rest;
	struct pcl_seg g;

	cr_assert_eq(pcl_reseg_fit(m, t.mp, 1460, &rest), 0);
	cr_assert_null(rest);
	g = parse(m);
	expect_data(m, &g, 0, 1460);
	cr_expect_eq(g.flags, ALL);
	rte_pktmbuf_free(m);
}

/* Split to 1448 (room for the option), then the option in both parts. */
Test(reseg, split_for_ts)
{
	struct rte_mbuf *m = frame(ALL, NULL, 0, 1460), *rest, *more;
	struct pcl_seg a, b;

	cr_assert_eq(pcl_reseg_fit(m, t.mp, 1460 - PCL_OPT_TS_LEN, &rest), 0);
	cr_assert_not_null(rest);
	cr_assert_eq(pcl_reseg_fit(rest, t.mp, 1460 - PCL_OPT_TS_LEN, &more), 0);
	cr_assert_null(more);
	cr_assert_eq(pcl_reseg_add_ts(m, TSVAL, TSECR), 0);
	cr_assert_eq(pcl_reseg_add_ts(rest, TSVAL, TSECR), 0);
	a = parse(m);
	b = parse(rest);
	expect_data(m, &a, 0, 1448);
	expect_data(rest, &b, 1448, 12);
	expect_ts(m, &a, 0);
	expect_ts(rest, &b, 0);
	cr_expect_eq(a.flags, RTE_TCP_ACK_FLAG);
	cr_expect_eq(b.flags, ALL);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(rest);
}

/* A backend with MSS 536 behind a client that sent 1460: three parts, options in each. */
Test(reseg, split_to_a_small_mss)
{
	static const uint8_t ts[12] = {PCL_OPT_NOP, PCL_OPT_NOP, PCL_OPT_TS, 10, 1, 2,
				       3,           4,           5,          6,  7, 8};
	struct rte_mbuf *part[4] = {frame(ALL, ts, sizeof(ts), 1448)};
	uint16_t off = 0, want[3] = {524, 524, 400};
	unsigned int i;

	for (i = 0; i < 3; i++)
		cr_assert_eq(pcl_reseg_fit(part[i], t.mp, 536, &part[i + 1]), 0);
	cr_assert_null(part[3]);
	for (i = 0; i < 3; i++) {
		struct pcl_seg g = parse(part[i]);

		expect_data(part[i], &g, off, want[i]);
		cr_expect_eq(g.opts.tsval, 0x01020304u, "the options are copied");
		cr_expect_eq(g.flags, i == 2 ? ALL : RTE_TCP_ACK_FLAG);
		off += want[i];
		rte_pktmbuf_free(part[i]);
	}
}

Test(reseg, refused)
{
	static const uint8_t full[32] = {[0 ... 31] = PCL_OPT_NOP};
	struct rte_mbuf *m = frame(RTE_TCP_ACK_FLAG, full, sizeof(full), 10), *rest;
	uint8_t before[256];

	/* 32 bytes of options leave no room for 12 more. */
	memcpy(before, rte_pktmbuf_mtod(m, uint8_t *), m->data_len);
	cr_expect_eq(pcl_reseg_add_ts(m, TSVAL, TSECR), -ENOSPC);
	/* Nor does an MSS the options fill. */
	cr_expect_eq(pcl_reseg_fit(m, t.mp, 32, &rest), -EMSGSIZE);
	cr_expect_null(rest);
	cr_expect_eq(m->data_len, PCL_HDR_LEN + 32 + 10);
	cr_expect(memcmp(before, rte_pktmbuf_mtod(m, uint8_t *), m->data_len) == 0);
	rte_pktmbuf_free(m);
}
