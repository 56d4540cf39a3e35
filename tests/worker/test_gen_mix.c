/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the soak (bench/soak.sh) mixes, from cps-gen against the real worker
 * in-process: each --flood kind, what it costs the server (a half-open
 * entry, an RST, a drop) and what the generator counts coming back; and
 * --close mix, client-first and server-first closes in turn.
 */
#include <criterion/criterion.h>

#include <rte_tcp.h>

#include "harness.h"
#include "pcl_gen.h"

#define N 300 /* segments per test: below the default SYN-cookie threshold */

static struct th t;
static struct pcl_gen g;

static void
teardown(void)
{
	pcl_gen_fini(&g);
	th_teardown(&t); /* fails on a leaked mbuf */
}

static struct pcl_gen_cfg
flood_cfg(uint8_t kind)
{
	return (struct pcl_gen_cfg){
		.dst_addr = TH_SERVER_IP,
		.dport = 80,
		.src_first = rte_be_to_cpu_32(TH_CLIENT_IP),
		.nsrc = 1,
		.nsport = 1,
		.concurrency = 1,
		.timeout_ms = 1000,
		.flood_first = 0x0ac80000,
		.flood_n = 65536, /* few enough repeated 4-tuples to matter */
		.flood_kind = kind,
		.nq = 1,
		.mss = 1460,
		.nworkers = 1,
		.requests = 1,
		.resp_size = -1,
	};
}

/* A generator that only floods, with segments of this kind. */
static void
flooder(uint8_t kind)
{
	static const struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 0x03}};
	struct pcl_gen_cfg cfg = flood_cfg(kind);

	cr_assert_eq(pcl_gen_init(&g, &cfg, t.mp, &mac, 0), 0);
	g.dst_mac = t.w.ifs[0].ctx.mac;
}

/* What the worker queued, to the generator. */
static void
replies_to_gen(void)
{
	uint16_t i;

	for (i = 0; i < t.w.ifs[0].txq.n; i++)
		cr_assert(pcl_gen_input(&g, t.w.ifs[0].txq.pkts[i], 0, &(uint16_t){0}));
	t.w.ifs[0].txq.n = 0;
}

/* What the generator queued to the worker and the replies back, until quiet. */
static void
exchange(void)
{
	while (g.tx_n[0] > 0) {
		pcl_worker_input(&t.w, 0, g.tx[0], g.tx_n[0]);
		g.tx_n[0] = 0;
		replies_to_gen();
	}
}

/* n flood segments to the worker, a burst at a time, and its replies back. */
static void
flood(uint32_t n)
{
	while (n > 0) {
		uint32_t want = RTE_MIN(n, 128u);

		cr_assert_eq(pcl_gen_flood(&g, want), want);
		exchange();
		n -= want;
	}
}

/* The TCP header of a frame without IP options, as both sides build them. */
static const struct rte_tcp_hdr *
tcp_of(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, PCL_L2_LEN + PCL_IP_LEN);
}

static void
expect_pool_full(void)
{
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap, "%u of %u entries free",
		     t.w.tcp.pool.nfree, t.w.tcp.pool.cap);
}

TH_TWEAKED_SUITE(flood, (void)c);

Test(flood, an_unknown_kind_is_refused)
{
	static const struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 0x03}};
	struct pcl_gen_cfg cfg = flood_cfg(PCL_GEN_FLOOD_mix + 1);

	cr_expect_eq(pcl_gen_init(&g, &cfg, t.mp, &mac, 0), -EINVAL);
}

Test(flood, syn_flood_holds_half_open_entries_until_they_expire)
{
	unsigned int s;

	flooder(PCL_GEN_FLOOD_syn);
	flood(N);
	cr_expect_eq(g.st.flood_sent, N);
	cr_expect_eq(g.st.flood_kind_sent[PCL_GEN_FLOOD_syn], N);
	cr_expect_eq(t.w.stats.syn_rx, N);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), N);
	cr_expect_eq(g.st.flood_synack, N);
	/* Nobody answers: the server retries each SYN-ACK, then drops the entry. */
	for (s = 0; s < 120; s++) {
		th_advance(&t, 1000);
		replies_to_gen();
	}
	cr_expect_eq(t.w.stats.halfopen_expired, N);
	cr_expect_eq(g.st.flood_synack, t.w.stats.synack_tx, "retransmissions counted too");
	cr_expect_gt(t.w.stats.synack_tx, N);
	cr_expect_eq(g.st.flood_rst_back, 0);
	expect_pool_full();
}

Test(flood, rst_flood_is_dropped_without_an_answer)
{
	flooder(PCL_GEN_FLOOD_rst);
	flood(N);
	cr_expect_eq(g.st.flood_kind_sent[PCL_GEN_FLOOD_rst], N);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_tcp_rst_nomatch], N);
	cr_expect_eq(t.w.stats.rst_tx, 0);
	cr_expect_eq(g.st.flood_rst_back + g.st.flood_synack, 0);
	expect_pool_full();
}

Test(flood, ack_flood_is_answered_by_an_rst_at_its_acknowledgment)
{
	uint32_t ack;

	flooder(PCL_GEN_FLOOD_ack);
	/* One by hand: a bare ACK, and the RST's sequence is its ACK (RFC 9293 3.10.7.1). */
	cr_assert_eq(pcl_gen_flood(&g, 1), 1);
	cr_expect_eq(tcp_of(g.tx[0][0])->tcp_flags, RTE_TCP_ACK_FLAG);
	ack = rte_be_to_cpu_32(tcp_of(g.tx[0][0])->recv_ack);
	pcl_worker_input(&t.w, 0, g.tx[0], 1);
	g.tx_n[0] = 0;
	cr_assert_eq(t.w.ifs[0].txq.n, 1);
	cr_expect_eq(tcp_of(t.w.ifs[0].txq.pkts[0])->tcp_flags, RTE_TCP_RST_FLAG);
	cr_expect_eq(rte_be_to_cpu_32(tcp_of(t.w.ifs[0].txq.pkts[0])->sent_seq), ack);
	replies_to_gen();

	flood(N - 1);
	cr_expect_eq(g.st.flood_kind_sent[PCL_GEN_FLOOD_ack], N);
	cr_expect_eq(t.w.stats.rst_tx, N);
	cr_expect_eq(g.st.flood_rst_back, N);
	cr_expect_eq(t.w.stats.cookie_bad, 0, "no cookie was sent: none is checked");
	expect_pool_full();
}

Test(flood, mix_sends_each_kind_in_turn)
{
	flooder(PCL_GEN_FLOOD_mix);
	flood(N);
	cr_expect_eq(g.st.flood_kind_sent[PCL_GEN_FLOOD_syn], N / 3);
	cr_expect_eq(g.st.flood_kind_sent[PCL_GEN_FLOOD_rst], N / 3);
	cr_expect_eq(g.st.flood_kind_sent[PCL_GEN_FLOOD_ack], N / 3);
	cr_expect_eq(t.w.stats.syn_rx, N / 3);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_tcp_rst_nomatch], N / 3);
	cr_expect_eq(t.w.stats.rst_tx, N / 3);
	cr_expect_eq(g.st.flood_synack, N / 3);
	cr_expect_eq(g.st.flood_rst_back, N / 3);
}

TH_TWEAKED_SUITE(flood_cookies, c->tcp.syncookies = PCL_COOKIES_ALWAYS);

Test(flood_cookies, ack_flood_fails_the_cookie_check)
{
	flooder(PCL_GEN_FLOOD_ack);
	flood(N);
	cr_expect_eq(t.w.stats.cookie_bad, N);
	cr_expect_eq(t.w.stats.cookie_ok, 0);
	cr_expect_eq(t.w.stats.conn_opened, 0);
	cr_expect_eq(g.st.flood_rst_back, N);
	expect_pool_full();
}

Test(flood, close_mix_takes_client_first_and_server_first_closes_in_turn)
{
	struct pcl_gen_cfg cfg = flood_cfg(PCL_GEN_FLOOD_syn);
	static const struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 0x04}};
	uint32_t n;

	cfg.nsport = 1000;
	cfg.concurrency = 32;
	cfg.request = true;
	cfg.close_mix = true;
	cr_assert_eq(pcl_gen_init(&g, &cfg, t.mp, &mac, 0), 0);
	g.dst_mac = t.w.ifs[0].ctx.mac;
	for (n = 0; n < 100; n += 20) {
		cr_assert_eq(pcl_gen_open(&g, 0, 20), 20);
		exchange();
	}
	cr_expect_eq(g.st.completed, 100);
	cr_expect_eq(g.active, 0);
	cr_expect_eq(t.w.stats.http_requests, 100);
	/*
	 * A server-first close leaves a TIME_WAIT record on the server, a
	 * client-first one does not; either way the connection is closed.
	 */
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 50);
	cr_expect_eq(t.w.stats.conn_closed, 100);
	pcl_gen_fini(&g);
	cfg.request = false;
	cr_expect_eq(pcl_gen_init(&g, &cfg, t.mp, &mac, 0), -EINVAL, "mix needs a request");
}
