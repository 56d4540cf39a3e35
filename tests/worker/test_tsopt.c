/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timestamps inserted toward a client whose backend sent none
 * (lb/pcl_tsopt): the option lands after the existing ones with the values
 * given, lengths and both checksums are right (pcl_pkt_parse verifies
 * them), the data is untouched, and a segment that no longer fits the MSS
 * is split in two with the FIN and PSH on the second part.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "lb/pcl_tsopt.h"
#include "net/pcl_opt.h"
#include "net/pcl_pkt.h"
#include "peer/pcl_peer.h"

static struct th t;

static void
setup(void)
{
	th_setup(&t, NULL);
}

static void
teardown(void)
{
	th_teardown(&t);
}

TestSuite(tsopt, .init = setup, .fini = teardown);

static const struct rte_ether_addr client_mac = {{0x02, 0, 0, 0, 0, 0x0c}};
static const struct pcl_pkt_ctx client = {.mac = {{0x02, 0, 0, 0, 0, 0x0c}}, .addr = TH_CLIENT_IP};

#define TSVAL 0x01020304u
#define TSECR 0xfffffffeu

static uint8_t data[1500];

/* A frame from the backend side to the client: seq 1000, flags, opts, len bytes of data. */
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
	struct rte_mbuf *m = pcl_peer_frame(t.mp, &s);

	cr_assert_not_null(m);
	return m;
}

/* m parsed as the client sees it: valid TCP, with our timestamps. */
static struct pcl_seg
check(struct rte_mbuf *m, uint8_t optlen)
{
	struct pcl_seg g;
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);

	cr_assert_eq(pcl_pkt_parse(f, m->data_len, 0, &client, &g), PCL_PKT_TCP,
		     "not valid TCP (checksums, lengths)");
	cr_assert_eq(m->pkt_len, m->data_len);
	cr_assert(g.opts.present & PCL_OPTF_TS);
	cr_expect_eq(g.opts.tsval, TSVAL);
	cr_expect_eq(g.opts.tsecr, TSECR);
	cr_expect_eq(f[PCL_HDR_LEN + optlen], PCL_OPT_NOP, "the option goes after the others");
	cr_expect_eq(g.payload_off, PCL_HDR_LEN + optlen + PCL_OPT_TS_LEN);
	cr_expect_eq(g.ack, 77);
	cr_expect_eq(g.wnd, 500);
	return g;
}

Test(tsopt, fits)
{
	static const uint8_t sack[12] = {
		PCL_OPT_NOP, PCL_OPT_NOP, PCL_OPT_SACK, 10, 0, 0, 0, 1, 0, 0, 0, 9};
	struct rte_mbuf *m, *rest;
	struct pcl_seg g;
	unsigned int i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	m = frame(RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, sack, sizeof(sack), 100);
	cr_assert_eq(pcl_tsopt_insert(m, t.mp, 1460, TSVAL, TSECR, &rest), 0);
	cr_assert_null(rest);
	g = check(m, sizeof(sack));
	cr_expect_eq(g.seq, 1000);
	cr_expect_eq(g.len, 100);
	cr_expect_eq(g.flags, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
	cr_expect(memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, g.payload_off), data, 100) == 0);
	cr_expect_eq(rte_pktmbuf_mtod_offset(m, uint8_t *, PCL_HDR_LEN)[2], PCL_OPT_SACK,
		     "the SACK option stays first");
	rte_pktmbuf_free(m);
}

Test(tsopt, bare_ack)
{
	struct rte_mbuf *m = frame(RTE_TCP_ACK_FLAG, NULL, 0, 0), *rest;

	cr_assert_eq(pcl_tsopt_insert(m, t.mp, 536, TSVAL, TSECR, &rest), 0);
	cr_assert_null(rest);
	cr_expect_eq(check(m, 0).len, 0);
	rte_pktmbuf_free(m);
}

Test(tsopt, split)
{
	uint8_t flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG;
	struct rte_mbuf *m, *rest;
	struct pcl_seg a, b;

	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 5);
	m = frame(flags, NULL, 0, 1460);
	cr_assert_eq(pcl_tsopt_insert(m, t.mp, 1460, TSVAL, TSECR, &rest), 0);
	cr_assert_not_null(rest);
	a = check(m, 0);
	b = check(rest, 0);
	cr_expect_eq(a.len, 1448, "the first part fills the MSS with the option");
	cr_expect_eq(b.len, 12);
	cr_expect_eq(a.seq, 1000);
	cr_expect_eq(b.seq, 1000 + 1448);
	cr_expect_eq(a.flags, RTE_TCP_ACK_FLAG);
	cr_expect_eq(b.flags, flags);
	cr_expect(memcmp(rte_pktmbuf_mtod_offset(m, uint8_t *, a.payload_off), data, 1448) == 0);
	cr_expect(memcmp(rte_pktmbuf_mtod_offset(rest, uint8_t *, b.payload_off), data + 1448,
			 12) == 0);
	rte_pktmbuf_free(m);
	rte_pktmbuf_free(rest);
}

Test(tsopt, refused)
{
	static const uint8_t full[32] = {[0 ... 31] = PCL_OPT_NOP};
	struct rte_mbuf *m, *rest;
	uint8_t before[256];

	/* 32 bytes of options leave no room for 12 more. */
	m = frame(RTE_TCP_ACK_FLAG, full, sizeof(full), 10);
	memcpy(before, rte_pktmbuf_mtod(m, uint8_t *), m->data_len);
	cr_expect_eq(pcl_tsopt_insert(m, t.mp, 1460, TSVAL, TSECR, &rest), -ENOSPC);
	cr_expect(memcmp(before, rte_pktmbuf_mtod(m, uint8_t *), m->data_len) == 0);
	rte_pktmbuf_free(m);

	/* More than two segments' worth at this MSS. */
	m = frame(RTE_TCP_ACK_FLAG, NULL, 0, 1000);
	cr_expect_eq(pcl_tsopt_insert(m, t.mp, 400, TSVAL, TSECR, &rest), -EMSGSIZE);
	cr_expect_eq(m->data_len, PCL_HDR_LEN + 1000);
	rte_pktmbuf_free(m);
}
