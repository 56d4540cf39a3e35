/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cps-gen's client logic against the real worker, in-process: every frame
 * the generator queues goes to pcl_worker_input() and every reply back, so
 * the generator's verdicts (completed, failed by kind) can be checked
 * against what the server saw.
 */
#include <criterion/criterion.h>

#include <rte_arp.h>
#include <rte_tcp.h>

#include "harness.h"
#include "pcl_gen.h"

static struct th t;
static struct pcl_gen g;
static const struct rte_ether_addr client_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static uint64_t now;

static void
gen_start(struct pcl_gen_cfg *cfg)
{
	cfg->dst_addr = TH_SERVER_IP;
	cfg->dport = 80;
	cfg->src_first = rte_be_to_cpu_32(TH_CLIENT_IP);
	if (cfg->nsrc == 0)
		cfg->nsrc = 1;
	if (cfg->nsport == 0)
		cfg->nsport = 1000;
	cfg->sport_first = 20000;
	cfg->concurrency = cfg->concurrency ? cfg->concurrency : 64;
	cfg->timeout_ms = 1000;
	cfg->nq = 1;
	cfg->mss = 1460;
	cfg->flood_first = 0x0ac80000;
	cfg->flood_n = cfg->flood_n ? cfg->flood_n : 1;
	cr_assert_eq(pcl_gen_init(&g, cfg, t.mp, &client_mac), 0);
	g.dst_mac = t.w.ifs[0].ctx.mac;
	now = 1000000;
}

static void
teardown(void)
{
	pcl_gen_fini(&g);
	th_teardown(&t);
}

/* The server's queued replies, to the generator. */
static unsigned int
to_gen(void)
{
	unsigned int n = t.w.ifs[0].txq.n, i;

	for (i = 0; i < n; i++)
		pcl_gen_input(&g, t.w.ifs[0].txq.pkts[i], now);
	t.w.ifs[0].txq.n = 0;
	return n;
}

/* The generator's queued frames, to the server, or dropped (a dead server). */
static unsigned int
to_server(bool deliver)
{
	unsigned int n = g.tx_n[0];

	if (deliver)
		pcl_worker_input(&t.w, 0, g.tx[0], (uint16_t)n);
	else
		rte_pktmbuf_free_bulk(g.tx[0], n);
	g.tx_n[0] = 0;
	return n;
}

/* Moves frames both ways until nothing moves, as the generator's loop does. */
static void
pump(void)
{
	while (to_server(true) + to_gen() > 0)
		pcl_gen_expire(&g, now);
}

/* Opens n connections, 32 at a time, and runs each batch to the end. */
static void
run(uint32_t n)
{
	while (n > 0) {
		uint32_t k = pcl_gen_open(&g, now, RTE_MIN(n, 32u));

		cr_assert_gt(k, 0);
		n -= k;
		pump();
	}
}

static void
expect_no_failures(void)
{
	unsigned int i;

	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		cr_expect_eq(g.st.fail[i], 0, "%s: %lu", pcl_gen_fail_names[i],
			     (unsigned long)g.st.fail[i]);
	cr_expect_eq(g.st.stray, 0);
	cr_expect_eq(g.active, 0);
}

TH_TWEAKED_SUITE(gen, (void)c);

Test(gen, client_close_with_request_completes_every_connection)
{
	struct pcl_gen_cfg cfg = {.request = true};

	gen_start(&cfg);
	run(500);
	cr_expect_eq(g.st.opened, 500);
	cr_expect_eq(g.st.completed, 500);
	expect_no_failures();
	cr_expect_eq(g.lat.count, 500, "a handshake latency per connection");
	cr_expect_eq(t.w.stats.conn_opened, 500);
	cr_expect_eq(t.w.stats.conn_closed, 500);
	cr_expect_eq(t.w.stats.http_requests, 500);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap, "the server closed everything");
}

Test(gen, server_close_leaves_time_wait_on_the_server)
{
	struct pcl_gen_cfg cfg = {.request = true, .server_close = true};

	gen_start(&cfg);
	run(100);
	cr_expect_eq(g.st.completed, 100);
	expect_no_failures();
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 100);
}

Test(gen, handshake_and_close_without_data)
{
	struct pcl_gen_cfg cfg = {.request = false};

	gen_start(&cfg);
	run(100);
	cr_expect_eq(g.st.completed, 100);
	expect_no_failures();
	cr_expect_eq(t.w.stats.conn_closed, 100);
	cr_expect_eq(t.w.stats.http_requests, 0);
}

Test(gen, reused_tuples_get_through_the_servers_time_wait)
{
	/* 10 tuples, 5 rounds, each leaving the server in TIME_WAIT. */
	struct pcl_gen_cfg cfg = {.request = true, .server_close = true, .nsport = 10};

	gen_start(&cfg);
	for (int round = 0; round < 5; round++)
		run(10);
	cr_expect_eq(g.st.completed, 50);
	expect_no_failures();
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 10);
}

Test(gen, a_dead_server_is_counted_as_no_synack)
{
	struct pcl_gen_cfg cfg = {.request = true};

	gen_start(&cfg);
	cr_assert_eq(pcl_gen_open(&g, now, 20), 20);
	to_server(false);
	pcl_gen_expire(&g, now + g.timeout_tsc - 1);
	cr_expect_eq(g.active, 20, "not yet timed out");
	pcl_gen_expire(&g, now + g.timeout_tsc);
	cr_expect_eq(g.st.fail[PCL_GEN_FAIL_no_synack], 20);
	cr_expect_eq(g.st.completed, 0);
	cr_expect_eq(g.active, 0);
	cr_expect_eq(g.tx_n[0], 20, "an RST per failed connection");
	to_server(false);
}

Test(gen, a_server_that_stops_after_the_handshake_is_counted_as_timeout)
{
	struct pcl_gen_cfg cfg = {.request = true};

	gen_start(&cfg);
	cr_assert_eq(pcl_gen_open(&g, now, 10), 10);
	to_server(true);
	to_gen(); /* SYN-ACKs; the ACKs with requests are lost from here on */
	to_server(false);
	pcl_gen_abort(&g);
	cr_expect_eq(g.st.fail[PCL_GEN_FAIL_timeout], 10);
	cr_expect_eq(g.lat.count, 10);
	/* The RSTs clear the server's half-open entries. */
	to_server(true);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap);
}

Test(gen, reset_by_the_server_is_counted_as_rst)
{
	struct pcl_gen_cfg cfg = {.request = true};

	gen_start(&cfg);
	g.cfg.dport = 81; /* nobody listens: the server answers RST */
	run(5);
	cr_expect_eq(g.st.fail[PCL_GEN_FAIL_rst], 5);
	cr_expect_eq(g.st.completed, 0);
	cr_expect_eq(g.active, 0);
}

TH_TWEAKED_SUITE(gen_cookies, c->tcp.syncookies = PCL_COOKIES_ALWAYS);

Test(gen_cookies, flood_synacks_are_counted_and_real_clients_still_complete)
{
	struct pcl_gen_cfg cfg = {.request = true, .flood_n = 65536};

	gen_start(&cfg);
	cr_assert_eq(pcl_gen_flood(&g, 100), 100);
	pump();
	cr_expect_eq(g.st.flood_sent, 100);
	cr_expect_eq(g.st.flood_synack, 100);
	cr_expect_eq(t.w.stats.cookie_sent, 100);
	run(50);
	cr_expect_eq(g.st.completed, 50);
	expect_no_failures();
	cr_expect_eq(t.w.stats.cookie_ok, 50);
}

Test(gen, arp_finds_the_server_and_answers_for_the_clients)
{
	struct pcl_gen_cfg cfg = {.request = true};
	struct rte_mbuf *m;

	gen_start(&cfg);
	memset(&g.dst_mac, 0, sizeof(g.dst_mac));
	pcl_gen_arp_request(&g);
	pump();
	cr_expect(rte_is_same_ether_addr(&g.dst_mac, &t.w.ifs[0].ctx.mac));

	/* The server's kernel-side peer asking for a client address. */
	pcl_gen_arp_request(&g);
	m = g.tx[0][0];
	g.tx_n[0] = 0;
	{
		struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *,
								sizeof(struct rte_ether_hdr));

		a->arp_data.arp_sip = TH_SERVER_IP;
		a->arp_data.arp_tip = rte_cpu_to_be_32(cfg.src_first);
	}
	pcl_gen_input(&g, m, now);
	cr_assert_eq(g.tx_n[0], 1);
	{
		struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(g.tx[0][0], struct rte_arp_hdr *,
								sizeof(struct rte_ether_hdr));

		cr_expect_eq(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
		cr_expect_eq(a->arp_data.arp_sip, rte_cpu_to_be_32(cfg.src_first));
		cr_expect(rte_is_same_ether_addr(&a->arp_data.arp_sha, &client_mac));
	}
	to_server(false);
}
