/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cps-gen's client logic against the real worker, in-process: every frame
 * the generator queues goes to pcl_worker_input() and every reply back, so
 * the generator's verdicts (completed, failed by kind) can be checked
 * against what the server saw. Losses and retransmissions: test_gen_rtx.c.
 */
#include <criterion/criterion.h>

#include <rte_arp.h>
#include <rte_tcp.h>

#include "gen_wire.h"
#include "pcl_gen_priv.h"
#include "net/pcl_steer.h"
#include "peer/pcl_peer.h"

static struct th t;
static struct gw w;
static struct pcl_gen *const g = &w.g[0];

static void
teardown(void)
{
	gw_fini(&w);
	th_teardown(&t);
}

/* Opens n connections, 32 at a time, and runs each batch to the end. */
static void
run(uint32_t n)
{
	while (n > 0) {
		uint32_t k = pcl_gen_open(g, w.now, RTE_MIN(n, 32u));

		cr_assert_gt(k, 0);
		n -= k;
		gw_pump(&w, NULL, NULL);
	}
}

static void
expect_no_failures(void)
{
	unsigned int i;

	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		cr_expect_eq(GW_SUM(&w, fail[i]), 0, "%s: %lu", pcl_gen_fail_names[i],
			     (unsigned long)GW_SUM(&w, fail[i]));
	cr_expect_eq(GW_SUM(&w, stray), 0);
	cr_expect_eq(GW_SUM(&w, rtx_syn) + GW_SUM(&w, rtx_req) + GW_SUM(&w, rtx_fin), 0);
	cr_expect_eq(gw_active(&w), 0);
}

static bool
every(const struct rte_tcp_hdr *th, uint16_t len)
{
	(void)th;
	(void)len;
	return true;
}

static void
start(struct pcl_gen_cfg *cfg)
{
	gw_start(&w, &t, cfg, 1);
}

TH_TWEAKED_SUITE(gen, (void)c);

Test(gen, client_close_with_request_completes_every_connection)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	start(&cfg);
	run(500);
	cr_expect_eq(g->st.opened, 500);
	cr_expect_eq(g->st.completed, 500);
	expect_no_failures();
	cr_expect_eq(g->lat.count, 500, "a handshake latency per connection");
	cr_expect_eq(g->conn_lat.count, 500, "a connection latency per completed one");
	cr_expect_eq(g->st.requests, 500);
	cr_expect_eq(g->st.responses, 500);
	cr_expect_neq(g->rtt.srtt_us, 0, "the handshakes were RTT samples");
	cr_expect_eq(t.w.stats.conn_opened, 500);
	cr_expect_eq(t.w.stats.conn_closed, 500);
	cr_expect_eq(t.w.stats.http_requests, 500);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap, "the server closed everything");
}

Test(gen, server_close_leaves_time_wait_on_the_server)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.server_close = true;
	start(&cfg);
	run(100);
	cr_expect_eq(g->st.completed, 100);
	expect_no_failures();
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 100);
}

Test(gen, handshake_and_close_without_data)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.request = false;
	start(&cfg);
	run(100);
	cr_expect_eq(g->st.completed, 100);
	expect_no_failures();
	cr_expect_eq(g->st.requests, 0);
	cr_expect_eq(t.w.stats.conn_closed, 100);
	cr_expect_eq(t.w.stats.http_requests, 0);
}

Test(gen, keep_alive_sends_each_request_after_the_last_response)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.requests = 3;
	start(&cfg);
	run(50);
	cr_expect_eq(g->st.completed, 50);
	expect_no_failures();
	cr_expect_eq(g->st.requests, 150);
	cr_expect_eq(g->st.responses, 150);
	cr_expect_eq(t.w.stats.conn_opened, 50, "3 requests on each connection");
	cr_expect_eq(t.w.stats.http_requests, 150);
	cr_expect_eq(t.w.stats.conn_closed, 50);
}

Test(gen, keep_alive_then_server_close_makes_only_the_last_request_http_1_0)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.requests = 4;
	cfg.server_close = true;
	start(&cfg);
	run(20);
	cr_expect_eq(g->st.completed, 20);
	expect_no_failures();
	cr_expect_eq(t.w.stats.http_requests, 80);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 20, "the server closed each, once");
}

/* The harness's server answers "portcullis\n": Content-Length 11. */
Test(gen, responses_of_the_expected_size_pass_the_size_check)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.resp_size = 11;
	cfg.requests = 2;
	start(&cfg);
	run(20);
	cr_expect_eq(g->st.completed, 20);
	expect_no_failures();
}

Test(gen, responses_of_another_size_are_bad_responses)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.resp_size = 12;
	start(&cfg);
	run(20);
	cr_expect_eq(g->st.completed, 0);
	cr_expect_eq(g->st.fail[PCL_GEN_FAIL_bad_response], 20);
	cr_expect_eq(g->st.responses, 20, "read whole, then judged");
	cr_expect_eq(g->conn_lat.count, 0, "only completed connections have a latency");
	cr_expect_eq(t.w.stats.conn_closed, 20, "closed properly all the same");
}

Test(gen, reused_tuples_get_through_the_servers_time_wait)
{
	/* 10 tuples, 5 rounds, each leaving the server in TIME_WAIT. */
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.server_close = true;
	cfg.nsport = 10;
	start(&cfg);
	for (int round = 0; round < 5; round++)
		run(10);
	cr_expect_eq(g->st.completed, 50);
	expect_no_failures();
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 10);
}

Test(gen, a_server_that_stops_after_the_handshake_is_counted_as_timeout)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	start(&cfg);
	cr_assert_eq(pcl_gen_open(g, w.now, 10), 10);
	gw_to_server(&w, NULL);
	gw_to_gen(&w, NULL); /* SYN-ACKs; the ACKs with requests are lost */
	gw_to_server(&w, every);
	cr_expect_eq(pcl_gen_abort(g, UINT32_MAX), 0);
	cr_expect_eq(g->st.fail[PCL_GEN_FAIL_timeout], 10);
	cr_expect_eq(g->lat.count, 10);
	/* The RSTs clear the server's entries. */
	gw_to_server(&w, NULL);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap);
}

Test(gen, reset_by_the_server_is_counted_as_rst)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.dport = 81; /* nobody listens: the server answers RST */
	start(&cfg);
	run(5);
	cr_expect_eq(g->st.fail[PCL_GEN_FAIL_rst], 5);
	cr_expect_eq(g->st.completed, 0);
	cr_expect_eq(g->active, 0);
}

/*
 * Two generator workers: each owns the clients whose flows a 2-worker
 * server's symmetric RSS puts on its queue, sends only there, and gets
 * every reply for them (from worker 0, which a NIC without RSS would give
 * them all, by hand-over).
 */
Test(gen, two_workers_split_the_clients_by_the_servers_hash)
{
	static struct pcl_steer steer;
	struct pcl_gen_cfg cfg;
	uint32_t i, n0 = 0;

	gw_cfg(&cfg);
	start(&cfg);
	gw_fini(&w);
	gw_start(&w, &t, &cfg, 2);
	cr_assert_eq(pcl_steer_init(&steer, 2, PCL_RETA_DEFAULT), 0);
	cr_expect_eq(w.g[0].nslots + w.g[1].nslots, 1000, "every client has one owner");
	for (i = 0; i < 1000; i++) {
		struct pcl_tuple tu = {
			.raddr = TH_CLIENT_IP,
			.laddr = TH_SERVER_IP,
			.rport = rte_cpu_to_be_16((uint16_t)(20000 + i)),
			.lport = RTE_BE16(80),
		};
		uint16_t owner = pcl_steer_owner(&steer, pcl_steer_hash(&steer, &tu));

		cr_assert_eq(w.g[0].where[i] >> PCL_GEN_OWNER_SHIFT, owner, "client %u", i);
		n0 += owner == 0;
	}
	cr_expect_eq(w.g[0].nslots, n0);
	for (i = 0; i < 10; i++) {
		cr_assert_eq(pcl_gen_open(&w.g[0], w.now, 10), 10);
		cr_assert_eq(pcl_gen_open(&w.g[1], w.now, 10), 10);
		gw_pump(&w, NULL, NULL);
	}
	cr_expect_eq(w.g[0].st.completed, 100);
	cr_expect_eq(w.g[1].st.completed, 100);
	expect_no_failures();
	cr_expect_eq(w.wrong_q, 0, "each worker sent on its own queue only");
	cr_expect_gt(w.handed, 0, "worker 1's replies came through worker 0");
	cr_expect_eq(t.w.stats.http_requests, 200);
}

Test(gen, too_few_clients_for_every_worker_is_refused)
{
	static const struct rte_ether_addr mac = {{0x02, 0, 0, 0, 0, 0x01}};
	struct pcl_gen_cfg cfg;
	static struct pcl_gen one;
	int rc0, rc1;

	gw_cfg(&cfg);
	start(&cfg);
	cfg.nsport = 1;
	cfg.nq = cfg.nworkers = 2;
	rc0 = pcl_gen_init(&one, &cfg, t.mp, &mac, 0);
	pcl_gen_fini(&one);
	cfg.worker = 1;
	rc1 = pcl_gen_init(&one, &cfg, t.mp, &mac, 0);
	pcl_gen_fini(&one);
	cr_expect((rc0 == 0) != (rc1 == 0), "one client: one worker has it (%d, %d)", rc0, rc1);
	cr_expect(rc0 == -EINVAL || rc1 == -EINVAL);
}

TH_TWEAKED_SUITE(gen_cookies, c->tcp.syncookies = PCL_COOKIES_ALWAYS);

Test(gen_cookies, flood_synacks_are_counted_and_real_clients_still_complete)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.flood_n = 65536;
	start(&cfg);
	cr_assert_eq(pcl_gen_flood(g, 100), 100);
	gw_pump(&w, NULL, NULL);
	cr_expect_eq(g->st.flood_sent, 100);
	cr_expect_eq(g->st.flood_synack, 100);
	cr_expect_eq(t.w.stats.cookie_sent, 100);
	run(50);
	cr_expect_eq(g->st.completed, 50);
	expect_no_failures();
	cr_expect_eq(t.w.stats.cookie_ok, 50);
}

Test(gen, arp_finds_the_server_and_answers_for_the_clients)
{
	struct pcl_gen_cfg cfg;
	struct rte_arp_hdr *a;
	struct rte_mbuf *m;
	uint16_t owner;

	gw_cfg(&cfg);
	start(&cfg);
	memset(&g->dst_mac, 0, sizeof(g->dst_mac));
	pcl_gen_arp_request(g);
	gw_pump(&w, NULL, NULL);
	cr_expect(rte_is_same_ether_addr(&g->dst_mac, &t.w.ifs[0].ctx.mac));

	/* The server's kernel-side peer asking for a client address. */
	pcl_gen_arp_request(g);
	m = g->tx[0][0];
	g->tx_n[0] = 0;
	a = rte_pktmbuf_mtod_offset(m, struct rte_arp_hdr *, sizeof(struct rte_ether_hdr));
	a->arp_data.arp_sip = TH_SERVER_IP;
	a->arp_data.arp_tip = rte_cpu_to_be_32(cfg.src_first);
	cr_assert(pcl_gen_input(g, m, w.now, &owner));
	cr_assert_eq(g->tx_n[0], 1);
	a = rte_pktmbuf_mtod_offset(g->tx[0][0], struct rte_arp_hdr *,
				    sizeof(struct rte_ether_hdr));
	cr_expect_eq(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	cr_expect_eq(a->arp_data.arp_sip, rte_cpu_to_be_32(cfg.src_first));
	cr_expect(rte_is_same_ether_addr(&a->arp_data.arp_sha, &g->mac));
	rte_pktmbuf_free(g->tx[0][0]);
	g->tx_n[0] = 0;
}

/* ---- over IPv6: the server with port.addr6, cps-gen's --dst an IPv6 address ---- */

static const uint8_t server6[16] = {0xfd, 0, 0, 0x18, [15] = 2};

/* A generator config toward server6, clients fd00:18::100 on. */
static void
cfg6(struct pcl_gen_cfg *cfg)
{
	gw_cfg(cfg);
	cfg->v6 = true;
	cfg->dst_addr = 0;
	memcpy(cfg->dst6, server6, 16);
	memcpy(cfg->src6, server6, 12);
	memcpy(cfg->flood6, server6, 12);
	cfg->src_first = 0x100;
}

TH_TWEAKED_SUITE(gen6, c->tcp.syncookies = PCL_COOKIES_OFF;
		 cr_assert_eq(pcl_config_set(c, "port", "addr6", "fd00:18::2/64", NULL, 0), 0));

Test(gen6, client_close_with_request_completes_every_connection)
{
	struct pcl_gen_cfg cfg;

	cfg6(&cfg);
	cfg.nsrc = 4;
	start(&cfg);
	run(500);
	cr_expect_eq(g->st.completed, 500);
	expect_no_failures();
	cr_expect_eq(g->st.responses, 500);
	cr_expect_eq(t.w.stats.conn_opened, 500);
	cr_expect_eq(t.w.stats.conn_ipv6, 500);
	cr_expect_eq(t.w.stats.http_requests, 500);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap, "the server closed everything");
	/* Ours stay interned, the clients' went with their connections. */
	cr_expect_eq(t.w.tcp.a6.used, 2);
}

Test(gen6, server_close_leaves_time_wait_on_the_server)
{
	struct pcl_gen_cfg cfg;

	cfg6(&cfg);
	cfg.server_close = true;
	start(&cfg);
	run(200);
	cr_expect_eq(g->st.completed, 200);
	expect_no_failures();
	cr_expect_eq(t.w.tcp.by_state[PCL_TCP_TIME_WAIT], 200);
}

/* A Neighbor Solicitation finds the server's MAC; one for a client's address is answered. */
Test(gen6, nd_finds_the_server_and_answers_for_the_clients)
{
	struct pcl_gen_cfg cfg;
	uint8_t client6[16];
	struct rte_mbuf *m;
	const uint8_t *na;
	uint16_t owner;

	cfg6(&cfg);
	start(&cfg);
	memset(&g->dst_mac, 0, sizeof(g->dst_mac));
	pcl_gen_arp_request(g);
	gw_pump(&w, NULL, NULL);
	cr_expect(rte_is_same_ether_addr(&g->dst_mac, &t.w.ifs[0].ctx.mac));
	cr_expect_eq(t.w.stats.nd_adverts, 1);

	/* A kernel server resolving a client. */
	pcl_gen_addr6(cfg.src6, cfg.src_first, client6);
	m = pcl_peer_ns(t.mp, &t.w.ifs[0].ctx.mac, server6, client6);
	cr_assert_not_null(m);
	cr_assert(pcl_gen_input(g, m, w.now, &owner));
	cr_assert_eq(g->tx_n[0], 1);
	na = rte_pktmbuf_mtod_offset(g->tx[0][0], const uint8_t *, PCL_L2_LEN + PCL_IP6_LEN);
	cr_expect_eq(na[0], 136);
	cr_expect_arr_eq(na + 8, client6, 16);
	cr_expect_arr_eq(na + 26, g->mac.addr_bytes, 6);
	rte_pktmbuf_free(g->tx[0][0]);
	g->tx_n[0] = 0;
}

TH_TWEAKED_SUITE(gen6_cookies, c->tcp.syncookies = PCL_COOKIES_ALWAYS;
		 cr_assert_eq(pcl_config_set(c, "port", "addr6", "fd00:18::2/64", NULL, 0), 0));

Test(gen6_cookies, flood_synacks_are_counted_and_real_clients_still_complete)
{
	struct pcl_gen_cfg cfg;

	cfg6(&cfg);
	cfg.flood_n = 65536;
	start(&cfg);
	cr_assert_eq(pcl_gen_flood(g, 100), 100);
	gw_pump(&w, NULL, NULL);
	cr_expect_eq(g->st.flood_synack, 100);
	cr_expect_eq(t.w.stats.cookie_sent, 100);
	cr_expect_eq(t.w.stats.conn_ipv6, 0, "a cookie allocates nothing");
	run(50);
	cr_expect_eq(g->st.completed, 50);
	expect_no_failures();
	cr_expect_eq(t.w.stats.cookie_ok, 50);
}

/* Opens n connections held idle (cps-gen --idle) and runs their handshakes. */
static void
hold(uint32_t n)
{
	g->hold = true;
	cr_assert_eq(pcl_gen_open(g, w.now, n), n);
	gw_pump(&w, NULL, NULL);
	g->hold = false;
}

Test(gen, held_connections_outlive_the_timeout_keep_their_tuples_and_are_released_by_rst)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	cfg.nsport = 200;
	start(&cfg);
	hold(50);
	cr_expect_eq(g->idle, 50);
	cr_expect_eq(g->idle_est, 50);
	cr_expect_eq(g->active, 0, "held ones are not in the concurrency");
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 50);
	gw_elapse(&w, 5 * cfg.timeout_ms);
	cr_expect_eq(g->idle, 50, "no timer: the timeout does not fail them");
	/* Twice the 150 tuples left: the held ones' are never taken. */
	run(300);
	cr_expect_eq(g->st.completed, 300);
	expect_no_failures();
	cr_expect_eq(g->idle, 50);
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 50);
	cr_expect_eq(pcl_gen_release(g, UINT32_MAX), 0);
	gw_to_server(&w, NULL);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap, "the RSTs cleared the server");
	cr_expect_eq(g->idle_lost, 0);
	cr_expect_eq(GW_SUM(&w, stray), 0);
}

/* A server that times idle connections out: each held one is counted lost. */
TH_TWEAKED_SUITE(gen_idle_timeout, c->tcp.idle_timeout_ms = 1000);

Test(gen_idle_timeout, held_connections_the_server_closes_are_lost_and_reset)
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	start(&cfg);
	hold(20);
	cr_expect_eq(g->idle, 20);
	gw_elapse(&w, 1000);
	gw_pump(&w, NULL, NULL);
	cr_expect_eq(t.w.stats.idle_closes, 20);
	cr_expect_eq(g->idle, 0);
	cr_expect_eq(g->idle_lost, 20);
	cr_expect_eq(g->free_n, g->nslots, "their tuples are free again");
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap, "our RSTs cleared the server");
}
