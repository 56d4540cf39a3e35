/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cps-gen's retransmissions against the real worker, in-process: a segment
 * lost either way, and what each side sends again until the connection
 * completes. The generator's RTO is 200 ms (gw_cfg), the server's 300 ms,
 * the generator's timeout 1 s.
 */
#include <criterion/criterion.h>

#include <rte_tcp.h>

#include "gen_wire.h"

#define N 10

static struct th t;
static struct gw w;
static struct pcl_gen *const g = &w.g[0];

static void
teardown(void)
{
	gw_fini(&w);
	th_teardown(&t);
}

static void
start(void (*edit)(struct pcl_gen_cfg *))
{
	struct pcl_gen_cfg cfg;

	gw_cfg(&cfg);
	if (edit)
		edit(&cfg);
	gw_start(&w, &t, &cfg, 1);
}

/* What each test loses. */
static bool
synack(const struct rte_tcp_hdr *th, uint16_t len)
{
	(void)len;
	return th->tcp_flags == (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
}

static bool
data(const struct rte_tcp_hdr *th, uint16_t len)
{
	(void)th;
	return len > 0;
}

static bool
fin(const struct rte_tcp_hdr *th, uint16_t len)
{
	(void)len;
	return th->tcp_flags & RTE_TCP_FIN_FLAG;
}

static bool
bare_ack(const struct rte_tcp_hdr *th, uint16_t len)
{
	return th->tcp_flags == RTE_TCP_ACK_FLAG && len == 0;
}

static void
expect_all_completed(void)
{
	unsigned int i;

	cr_expect_eq(g->st.opened, N);
	cr_expect_eq(g->st.completed, N);
	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		cr_expect_eq(g->st.fail[i], 0, "%s: %lu", pcl_gen_fail_names[i],
			     (unsigned long)g->st.fail[i]);
	cr_expect_eq(g->active, 0);
	cr_expect_eq(g->st.rtx_conns, N, "each completed only after a retransmission");
	cr_expect_eq(g->conn_lat.count, N);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap,
		     "the server holds no entry (TIME_WAIT is in its own store)");
}

TH_TWEAKED_SUITE(gen_rtx, c->tcp.rto_ms = 300);

Test(gen_rtx, a_lost_synack_is_repaired_by_sending_the_syn_again)
{
	start(NULL);
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, NULL, synack);
	cr_expect_eq(w.dropped, N);
	cr_expect_eq(g->active, N, "waiting for the SYN-ACKs");
	gw_elapse(&w, 199);
	cr_expect_eq(g->tx_n[0], 0, "not before the RTO");
	gw_elapse(&w, 1);
	cr_expect_eq(g->st.rtx_syn, N, "one SYN each again at 200 ms");
	gw_pump(&w, NULL, NULL);
	expect_all_completed();
	cr_expect_eq(t.w.stats.synack_tx, 2 * N, "the server answered each SYN");
	cr_expect_eq(g->lat.count, N);
	cr_expect_geq(g->lat.max, 200 * 1000000ull, "the wait counts in the handshake latency");
	cr_expect_eq(g->rtt.srtt_us, 0, "Karn: no RTT sample from a SYN sent twice");
	cr_expect_eq(t.w.stats.conn_closed, N);
}

Test(gen_rtx, a_lost_response_is_sent_again_by_the_server_and_the_request_by_us)
{
	start(NULL);
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, NULL, data);
	cr_expect_eq(w.dropped, N, "each response");
	cr_expect_eq(t.w.stats.http_requests, N);
	/* Our request is not acknowledged: sent again at our RTO, and acknowledged again. */
	gw_elapse(&w, 200);
	cr_expect_eq(g->st.rtx_req, N);
	gw_pump(&w, NULL, NULL);
	cr_expect_eq(g->st.completed, 0, "still no response");
	cr_expect_eq(t.w.stats.http_requests, N, "a request sent twice is served once");
	/* The server's RTO: the response again. */
	gw_elapse(&w, 100);
	gw_pump(&w, NULL, NULL);
	expect_all_completed();
	cr_expect_eq(g->st.responses, N);
	cr_expect_eq(g->st.rtx_syn + g->st.rtx_fin, 0);
}

Test(gen_rtx, a_lost_fin_of_ours_is_sent_again)
{
	start(NULL);
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, fin, NULL);
	cr_expect_eq(w.dropped, N);
	cr_expect_eq(t.w.stats.conn_closed, 0);
	gw_elapse(&w, 200);
	cr_expect_eq(g->st.rtx_fin, N);
	gw_pump(&w, NULL, NULL);
	expect_all_completed();
	cr_expect_eq(t.w.stats.conn_closed, N);
}

Test(gen_rtx, a_lost_fin_of_the_server_is_sent_again_by_it)
{
	start(NULL);
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, NULL, fin);
	cr_expect_eq(w.dropped, N);
	/* Its FIN carried the ACK of ours: we resend ours, it answers, or its RTO does. */
	gw_elapse(&w, 300);
	gw_pump(&w, NULL, NULL);
	expect_all_completed();
	cr_expect_eq(g->st.rtx_fin, N);
	cr_expect_eq(t.w.stats.conn_closed, N);
}

Test(gen_rtx, our_lost_last_ack_is_given_again_by_the_free_client)
{
	start(NULL);
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, bare_ack, NULL);
	cr_expect_eq(w.dropped, N, "the ACK of each server FIN");
	cr_expect_eq(g->st.completed, N, "done for us");
	cr_expect_eq(th_state(&t, PCL_TCP_LAST_ACK), N, "not for the server");
	/* The server's FIN again finds a free slot, which acknowledges it as TIME_WAIT would. */
	gw_elapse(&w, 300);
	gw_pump(&w, NULL, NULL);
	cr_expect_eq(g->st.stray, N);
	cr_expect_eq(t.w.stats.conn_closed, N);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap);
}

static void
server_close(struct pcl_gen_cfg *cfg)
{
	cfg->server_close = true;
}

Test(gen_rtx, a_lost_fin_of_ours_after_the_servers_is_sent_again)
{
	start(server_close);
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, fin, NULL);
	cr_expect_eq(w.dropped, N);
	gw_elapse(&w, 200);
	cr_expect_eq(g->st.rtx_fin, N);
	gw_pump(&w, NULL, NULL);
	expect_all_completed();
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), N);
}

Test(gen_rtx, the_rto_doubles_until_the_timeout_fails_the_connection)
{
	start(NULL);
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, NULL, synack);
	gw_elapse(&w, 200); /* 200 ms: first retransmission */
	gw_pump(&w, NULL, synack);
	gw_elapse(&w, 399);
	cr_expect_eq(g->st.rtx_syn, N, "the next is 400 ms later");
	gw_elapse(&w, 1);
	gw_pump(&w, NULL, synack); /* 600 ms */
	cr_expect_eq(g->st.rtx_syn, 2 * N);
	gw_elapse(&w, 399);
	cr_expect_eq(g->active, N);
	gw_elapse(&w, 1); /* 1000 ms: the timeout, before the third at 1400 ms */
	cr_expect_eq(g->st.rtx_syn, 2 * N);
	cr_expect_eq(g->st.fail[PCL_GEN_FAIL_no_synack], N);
	cr_expect_eq(g->st.rtx_conns, 0, "counted as failed, not as completed after one");
	gw_pump(&w, NULL, NULL); /* the RSTs clear the server */
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap);
}

static void
strict(struct pcl_gen_cfg *cfg)
{
	cfg->retransmit = false;
}

Test(gen_rtx, strict_mode_fails_a_connection_that_lost_a_segment)
{
	start(strict);
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, NULL, synack);
	gw_elapse(&w, 999);
	cr_expect_eq(g->active, N);
	cr_expect_eq(g->tx_n[0], 0, "nothing sent again");
	gw_elapse(&w, 1);
	cr_expect_eq(g->st.fail[PCL_GEN_FAIL_no_synack], N);
	cr_expect_eq(g->st.rtx_syn, 0);
	cr_expect_eq(g->tx_n[0], N, "an RST each");
	gw_pump(&w, NULL, NULL);
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap);
}

static bool
everything(const struct rte_tcp_hdr *th, uint16_t len)
{
	(void)th;
	(void)len;
	return true;
}

/* Ends N connections with the server's responses and our RSTs lost: it keeps them. */
static void
leave_connections_on_the_server(void)
{
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, NULL, data);
	cr_assert_eq(pcl_gen_abort(g, UINT32_MAX), 0);
	gw_to_server(&w, everything);
	cr_assert_eq(th_state(&t, PCL_TCP_ESTABLISHED), N);
}

Test(gen_rtx, what_the_server_still_holds_is_reset_when_it_reaches_a_free_client)
{
	start(NULL);
	leave_connections_on_the_server();
	gw_elapse(&w, 300); /* the server sends its responses again */
	gw_pump(&w, NULL, NULL);
	cr_expect_eq(g->st.stray, N);
	cr_expect_eq(t.w.stats.conn_reset, N, "each ended by an RST at the server's rcv_nxt");
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap);
}

static void
one_port(struct pcl_gen_cfg *cfg)
{
	cfg->nsport = N;
}

Test(gen_rtx, a_challenge_ack_to_our_syn_is_answered_by_an_rst_then_the_syn_again)
{
	start(one_port);
	leave_connections_on_the_server();
	/* The same tuples again, before the server speaks: our SYNs find its old connections. */
	cr_assert_eq(pcl_gen_open(g, w.now, N), N);
	gw_pump(&w, NULL, NULL);
	cr_expect_eq(t.w.stats.challenge_acks, N, "RFC 5961 4.2");
	cr_expect_eq(t.w.stats.conn_reset, N, "our RST at the challenge's ACK ended each");
	cr_expect_eq(g->active, N);
	gw_elapse(&w, 200);
	gw_pump(&w, NULL, NULL);
	cr_expect_eq(g->st.rtx_syn, N);
	cr_expect_eq(g->st.completed, N);
	cr_expect_eq(g->st.fail[PCL_GEN_FAIL_timeout], N, "the first ones");
	cr_expect_eq(t.w.tcp.pool.nfree, t.w.tcp.pool.cap);
}
