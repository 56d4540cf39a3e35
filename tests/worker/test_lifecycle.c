/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every connection-management path of the server, driven through the real
 * worker: each test replays a segment exchange and checks every field of
 * every reply, the state gauges and the counters.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <rte_arp.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "net/pcl_arp.h"
#include "peer/pcl_peer.h"

#define X 1000u /* the client's ISN */

static const uint8_t mss1460[] = {2, 4, 0x05, 0xb4};
static const char get10[] = "GET / HTTP/1.0\r\n\r\n";
static const char get11[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";

TH_FIXTURE()

TestSuite(lifecycle, .init = setup, .fini = teardown);

/* A request from the established client (seq just after its SYN). */
static void
send_data(uint32_t y, const char *data, uint8_t extra_flags)
{
	th_send(&t, &(struct th_seg){.flags = ACK | PSH | extra_flags,
				     .seq = X + 1,
				     .ack = y + 1,
				     .data = data,
				     .len = (uint16_t)strlen(data)});
}

static void
expect_seg(const struct th_reply *p, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	cr_expect_eq(p->s.flags, flags, "flags %#x, want %#x", p->s.flags, flags);
	cr_expect_eq(p->s.seq, seq, "seq %u, want %u", p->s.seq, seq);
	cr_expect_eq(p->s.ack, ack, "ack %u, want %u", p->s.ack, ack);
	cr_expect_eq(p->s.len, len, "len %u, want %u", p->s.len, len);
}

Test(lifecycle, syn_gets_synack_with_mirrored_options)
{
	/* MSS 1000, SACKOK, TS val 100 ecr 0, NOP, WS 7 */
	static const uint8_t opts[] = {2, 4,   0x03, 0xe8, 4, 2, 8, 10, 0, 0,
				       0, 100, 0,    0,    0, 0, 1, 3,  3, 7};

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .opts = opts, .optlen = sizeof(opts)});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, SYN | ACK);
	cr_expect_eq(r[0].s.ack, X + 1);
	cr_expect_eq(r[0].s.len, 0);
	cr_expect_eq(r[0].s.wnd, 65535);
	cr_expect_eq(r[0].s.opts.present,
		     PCL_OPTF_MSS | PCL_OPTF_SACKOK | PCL_OPTF_TS | PCL_OPTF_WS);
	cr_expect_eq(r[0].s.opts.mss, 1460, "we advertise our own MSS, mtu - 40");
	cr_expect_eq(r[0].s.opts.wscale, 7);
	cr_expect_eq(r[0].s.opts.tsecr, 100);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 1);
	cr_expect_eq(t.w.stats.syn_rx, 1);
	cr_expect_eq(t.w.stats.synack_tx, 1);
}

Test(lifecycle, syn_without_options_gets_mss_only)
{
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.opts.present, PCL_OPTF_MSS);
}

Test(lifecycle, syn_data_is_not_acknowledged)
{
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .data = "hello", .len = 5});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.ack, X + 1, "no fast open: ack = x + 1");
}

Test(lifecycle, retransmitted_syn_gets_same_synack)
{
	uint32_t y;

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	y = r[0].s.seq;
	th_advance(&t, 200);
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], SYN | ACK, y, X + 1, 0);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 1, "still one entry");
}

Test(lifecycle, handshake_establishes)
{
	th_handshake(&t, X, mss1460, sizeof(mss1460));
	cr_expect_eq(t.w.stats.conn_opened, 1);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 0);
	cr_expect_eq(t.w.tcp.half_open, 0);
}

Test(lifecycle, third_ack_with_wrong_ack_gets_rst)
{
	uint32_t y;

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X});
	th_replies(&t, r, TH_MAX_REPLIES);
	y = r[0].s.seq;
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = X + 1, .ack = y + 5});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], RST, y + 5, 0, 0);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 1, "the half-open entry survives");
}

Test(lifecycle, syn_to_closed_port_gets_rst_ack)
{
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .dport = 81});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], RST | ACK, 0, X + 1, 0);
	cr_expect_eq(t.w.stats.rst_closed_port, 1);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 0);
}

Test(lifecycle, segment_of_unknown_connection_gets_rst)
{
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = X, .ack = 5555});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], RST, 5555, 0, 0);
	th_send(&t, &(struct th_seg){.flags = RST, .seq = X});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 0, "an RST is never answered");
	cr_expect_eq(t.w.stats.drop[PCL_DROP_tcp_rst_nomatch], 1);
}

/* HTTP/1.0: the server answers and closes first, then waits in TIME_WAIT. */
Test(lifecycle, server_first_close_through_time_wait)
{
	uint32_t y = th_handshake(&t, X, mss1460, sizeof(mss1460));
	uint32_t rlen, u = X + 1 + (uint32_t)strlen(get10);

	send_data(y, get10, 0);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1, "answer and FIN in one segment");
	rlen = r[0].s.len;
	cr_expect_eq(r[0].s.flags, ACK | PSH | FIN);
	cr_expect_eq(r[0].s.seq, y + 1);
	cr_expect_eq(r[0].s.ack, u);
	cr_expect(memcmp(r[0].data, "HTTP/1.1 200 OK\r\n", 17) == 0);
	cr_expect(memmem(r[0].data, rlen, "Connection: close", 17) != NULL);
	cr_expect(memcmp(r[0].data + rlen - 11, "portcullis\n", 11) == 0);
	cr_expect_eq(th_state(&t, PCL_TCP_FIN_WAIT_1), 1);

	/* ACK of data and FIN: FIN_WAIT_2. */
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = u, .ack = y + 1 + rlen + 1});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_FIN_WAIT_2), 1);

	/* The client's FIN: ACK it and enter TIME_WAIT. */
	th_send(&t, &(struct th_seg){.flags = FIN | ACK, .seq = u, .ack = y + 1 + rlen + 1});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1 + rlen + 1, u + 1, 0);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 1);

	/* 2 MSL later the entry is gone. */
	th_advance(&t, 2 * t.cfg.tcp.msl_ms - 100);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 1, "not before 2 MSL");
	th_advance(&t, 200);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 0);
	cr_expect_eq(t.w.stats.conn_closed, 1);
	cr_expect_eq(t.w.stats.http_requests, 1);
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
}

/* HTTP/1.1 keep-alive: the client closes first; our FIN rides on the ACK. */
Test(lifecycle, client_first_close_through_last_ack)
{
	uint32_t y = th_handshake(&t, X, mss1460, sizeof(mss1460));
	uint32_t u = X + 1 + (uint32_t)strlen(get11), rlen;

	send_data(y, get11, 0);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	rlen = r[0].s.len;
	cr_expect_eq(r[0].s.flags, ACK | PSH, "keep-alive: no FIN");
	cr_expect(memmem(r[0].data, rlen, "Connection: close", 17) == NULL);
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 1);

	/* FIN seq=u (data acknowledged) -> FIN,ACK seq=w ack=u+1 */
	th_send(&t, &(struct th_seg){.flags = FIN | ACK, .seq = u, .ack = y + 1 + rlen});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], FIN | ACK, y + 1 + rlen, u + 1, 0);
	cr_expect_eq(th_state(&t, PCL_TCP_LAST_ACK), 1);

	/* ACK seq=u+1 ack=w+1 -> CLOSED, no TIME_WAIT on our side. */
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = u + 1, .ack = y + 1 + rlen + 1});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_LAST_ACK), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 0);
	cr_expect_eq(t.w.stats.conn_closed, 1);
}

/* A half-closed connection (request + FIN) still gets its full answer. */
Test(lifecycle, half_close_still_gets_response)
{
	uint32_t y = th_handshake(&t, X, mss1460, sizeof(mss1460));
	uint32_t u = X + 1 + (uint32_t)strlen(get11), rlen;

	send_data(y, get11, FIN);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	rlen = r[0].s.len;
	expect_seg(&r[0], ACK | PSH | FIN, y + 1, u + 1, (uint16_t)rlen);
	cr_expect(memcmp(r[0].data, "HTTP/1.1 200 OK\r\n", 17) == 0);
	cr_expect_eq(th_state(&t, PCL_TCP_LAST_ACK), 1, "passive close: the peer closed first");
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = u + 1, .ack = y + 1 + rlen + 1});
	cr_expect_eq(th_state(&t, PCL_TCP_LAST_ACK), 0);
	cr_expect_eq(t.w.stats.conn_closed, 1);
}

/* Both sides close at once: FIN_WAIT_1 -> CLOSING -> TIME_WAIT. */
Test(lifecycle, simultaneous_close_through_closing)
{
	uint32_t y = th_handshake(&t, X, mss1460, sizeof(mss1460));
	uint32_t u = X + 1 + (uint32_t)strlen(get10), rlen;

	send_data(y, get10, 0);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	rlen = r[0].s.len;
	/* The client's FIN crosses ours: it acknowledges our data, not our FIN. */
	th_send(&t, &(struct th_seg){.flags = FIN | ACK, .seq = u, .ack = y + 1 + rlen});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1 + rlen + 1, u + 1, 0);
	cr_expect_eq(th_state(&t, PCL_TCP_CLOSING), 1);
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = u + 1, .ack = y + 1 + rlen + 1});
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 1);
}

Test(lifecycle, exact_rst_closes)
{
	th_handshake(&t, X, NULL, 0);
	th_send(&t, &(struct th_seg){.flags = RST, .seq = X + 1});
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 0);
	cr_expect_eq(t.w.stats.conn_reset, 1);
}

Test(lifecycle, in_window_rst_gets_challenge_ack)
{
	uint32_t y = th_handshake(&t, X, NULL, 0);

	th_send(&t, &(struct th_seg){.flags = RST, .seq = X + 100});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1, X + 1, 0);
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 1);
	cr_expect_eq(t.w.stats.challenge_acks, 1);
	/* Outside the window: silently dropped. */
	th_send(&t, &(struct th_seg){.flags = RST, .seq = X + 1 + 1000000});
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 1);
}

Test(lifecycle, syn_on_established_gets_challenge_ack)
{
	uint32_t y = th_handshake(&t, X, NULL, 0);

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X + 7});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1, X + 1, 0);
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 1);
}

Test(lifecycle, synack_retransmitted_then_given_up)
{
	uint32_t y, i, waited = 0, rto = t.cfg.tcp.rto_ms;

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X});
	th_replies(&t, r, TH_MAX_REPLIES);
	y = r[0].s.seq;
	for (i = 0; i < t.cfg.tcp.synack_retries; i++) {
		th_advance(&t, rto - 20);
		cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0, "not before the RTO (%u)", i);
		th_advance(&t, 20);
		cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1, "retransmission %u", i);
		expect_seg(&r[0], SYN | ACK, y, X + 1, 0);
		waited += rto;
		rto *= 2;
	}
	th_advance(&t, rto);
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 0);
	cr_expect_eq(t.w.stats.halfopen_expired, 1);
	cr_expect_eq(t.w.stats.rexmits, t.cfg.tcp.synack_retries);
	cr_expect_eq(t.w.tcp.half_open, 0);
}

Test(lifecycle, fin_retransmitted_with_backoff_then_dropped)
{
	uint32_t y = th_handshake(&t, X, mss1460, sizeof(mss1460));
	uint32_t i, rto = t.cfg.tcp.rto_ms, rlen;

	send_data(y, get10, 0);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	rlen = r[0].s.len;
	for (i = 0; i < t.cfg.tcp.retries; i++) {
		th_advance(&t, rto);
		cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1, "retransmission %u", i);
		expect_seg(&r[0], ACK | PSH | FIN, y + 1, X + 1 + (uint32_t)strlen(get10),
			   (uint16_t)rlen);
		rto = RTE_MIN(rto * 2, t.cfg.tcp.rto_max_ms);
	}
	th_advance(&t, rto);
	cr_expect_eq(th_state(&t, PCL_TCP_FIN_WAIT_1), 0);
	cr_expect_eq(t.w.stats.conn_retry_limit, 1);
	cr_expect_eq(t.w.stats.conn_timeout, 0);
	cr_expect_eq(t.w.stats.rexmits, t.cfg.tcp.retries);
}

Test(lifecycle, acked_data_is_not_retransmitted_but_fin_is)
{
	uint32_t y = th_handshake(&t, X, mss1460, sizeof(mss1460));
	uint32_t u = X + 1 + (uint32_t)strlen(get10), rlen;

	send_data(y, get10, 0);
	th_replies(&t, r, TH_MAX_REPLIES);
	rlen = r[0].s.len;
	/* The data arrived, the FIN did not. */
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = u, .ack = y + 1 + rlen});
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	th_advance(&t, t.cfg.tcp.rto_ms);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], FIN | ACK, y + 1 + rlen, u, 0);
}

TH_TWEAKED_SUITE(big, c->http_body_size = 5000);

Test(big, large_answer_is_segmented_by_mss_and_window)
{
	uint32_t y, u, i, n, total = 0;

	y = th_handshake(&t, X, mss1460, sizeof(mss1460));
	u = X + 1 + (uint32_t)strlen(get10);
	send_data(y, get10, 0);
	n = th_replies(&t, r, TH_MAX_REPLIES);
	cr_assert_geq(n, 4);
	for (i = 0; i < n; i++) {
		cr_expect_leq(r[i].s.len, 1460);
		cr_expect_eq(r[i].s.seq, y + 1 + total, "segment %u is contiguous", i);
		cr_expect_eq(r[i].s.ack, u);
		total += r[i].s.len;
	}
	cr_expect(r[n - 1].s.flags & FIN, "the FIN rides on the last segment");
	cr_expect_gt(total, 5000);

	/* A window of 100 bytes limits what goes out after a retransmission. */
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = u, .ack = y + 1, .win = 100});
	th_advance(&t, t.cfg.tcp.rto_ms);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1, u, 100);
}

Test(lifecycle, zero_window_is_probed_with_one_byte)
{
	uint32_t y = th_handshake(&t, X, mss1460, sizeof(mss1460));
	uint32_t u = X + 1 + (uint32_t)strlen(get10);

	/* The client asks, but with its window closed: only an ACK comes back. */
	th_send(&t, &(struct th_seg){.flags = ACK | PSH,
				     .seq = X + 1,
				     .ack = y + 1,
				     .zero_win = true,
				     .data = get10,
				     .len = (uint16_t)strlen(get10)});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1, u, 0);
	/* The persist timer sends a one-byte probe into the closed window. */
	th_advance(&t, t.cfg.tcp.rto_ms);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1, u, 1);
	cr_expect_eq(r[0].data[0], 'H');
	/* The window opens: the rest follows at once, FIN on the last segment. */
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = u, .ack = y + 2});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.seq, y + 2);
	cr_expect_eq(r[0].s.flags, ACK | PSH | FIN);
}

Test(lifecycle, echo_and_discard)
{
	uint32_t y;

	t.apps.listeners.l[0].app = pcl_apps[PCL_APP_ECHO];
	y = th_handshake(&t, X, NULL, 0);
	send_data(y, "ping", 0);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK | PSH, y + 1, X + 5, 4);
	cr_expect(memcmp(r[0].data, "ping", 4) == 0);

	t.apps.listeners.l[0].app = pcl_apps[PCL_APP_DISCARD];
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = 7, .sport = 40001});
	th_replies(&t, r, TH_MAX_REPLIES);
	y = r[0].s.seq;
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = 8, .ack = y + 1, .sport = 40001});
	th_send(&t, &(struct th_seg){.flags = ACK,
				     .seq = 8,
				     .ack = y + 1,
				     .sport = 40001,
				     .data = "gone",
				     .len = 4});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1, 12, 0);
}

Test(lifecycle, out_of_window_data_gets_duplicate_ack)
{
	uint32_t y = th_handshake(&t, X, NULL, 0);

	th_send(&t, &(struct th_seg){.flags = ACK,
				     .seq = X + 1 + 200000,
				     .ack = y + 1,
				     .data = "late",
				     .len = 4});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1, X + 1, 0);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_tcp_unacceptable], 1);
	/* In the window but not next: dropped with a duplicate ACK, not delivered. */
	th_send(&t, &(struct th_seg){
			    .flags = ACK, .seq = X + 10, .ack = y + 1, .data = "GET ", .len = 4});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, y + 1, X + 1, 0);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_tcp_ooo], 1);
	cr_expect_eq(t.w.stats.data_rx_bytes, 0);
}

Test(lifecycle, time_wait_ignores_rst_and_reacks_fin)
{
	uint32_t y = th_handshake(&t, X, mss1460, sizeof(mss1460));
	uint32_t u = X + 1 + (uint32_t)strlen(get10), w;

	send_data(y, get10, 0);
	th_replies(&t, r, TH_MAX_REPLIES);
	w = y + 1 + r[0].s.len + 1;
	th_send(&t, &(struct th_seg){.flags = FIN | ACK, .seq = u, .ack = w});
	th_replies(&t, r, TH_MAX_REPLIES);
	cr_assert_eq(th_state(&t, PCL_TCP_TIME_WAIT), 1);

	th_send(&t, &(struct th_seg){.flags = RST, .seq = u + 1});
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 1, "RFC 1337: RST does not end TIME_WAIT");

	th_advance(&t, 5000);
	th_send(&t, &(struct th_seg){.flags = FIN | ACK, .seq = u, .ack = w});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK, w, u + 1, 0);
	/* The retransmitted FIN restarted 2 MSL. */
	th_advance(&t, 2 * t.cfg.tcp.msl_ms - 1000);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 1);

	/* A SYN with a higher sequence reuses the tuple (RFC 6191). */
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = u + 100000});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, SYN | ACK);
	cr_expect_eq(r[0].s.ack, u + 100001);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 1);
	cr_expect_eq(t.w.stats.time_wait_reused, 1);
}

Test(lifecycle, bad_checksum_is_dropped_and_counted)
{
	struct rte_mbuf *m = th_frame(&t, &(struct th_seg){.flags = SYN, .seq = X});

	rte_pktmbuf_mtod(m, uint8_t *)[PCL_HDR_LEN - 3] ^= 0xff; /* flip window bits */
	th_send_mbuf(&t, m);
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_tcp_cksum], 1);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 0);
}

TH_TWEAKED_SUITE(small, c->tcp.conns = 16; c->tcp.syn_backlog = 12;
		 c->tcp.syncookies = PCL_COOKIES_OFF);

/* SYNs beyond the half-open backlog, and beyond the pool, are counted drops. */
Test(small, full_backlog_and_pool_drop_syns)
{
	uint16_t i;

	for (i = 0; i < 13; i++)
		th_send(&t,
			&(struct th_seg){.flags = SYN, .seq = X, .sport = (uint16_t)(1024 + i)});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 12);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_syn_backlog], 1);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_table_full], 0);
	for (i = 0; i < 12; i++)
		th_send(&t, &(struct th_seg){.flags = ACK,
					     .seq = X + 1,
					     .ack = r[i].s.seq + 1,
					     .sport = rte_be_to_cpu_16(r[i].s.t.lport)});
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 12);
	/* 4 entries are left in the pool of 16. */
	for (i = 0; i < 5; i++)
		th_send(&t,
			&(struct th_seg){.flags = SYN, .seq = X, .sport = (uint16_t)(2048 + i)});
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 4);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_table_full], 1);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 4);
}

Test(lifecycle, arp_and_icmp_echo_are_answered)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t.mp);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *a;
	struct rte_ipv4_hdr *ip;
	struct rte_icmp_hdr *ic;

	cr_assert_eq(pcl_arp_request(m, &(struct rte_ether_addr){{0x02, 0, 0, 0, 0, 0x01}},
				     TH_CLIENT_IP, TH_SERVER_IP),
		     0);
	th_send_mbuf(&t, m);
	m = th_raw_reply(&t);
	cr_assert_not_null(m);
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	a = (struct rte_arp_hdr *)(eh + 1);
	cr_expect_eq(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	cr_expect_eq(a->arp_data.arp_sip, TH_SERVER_IP);
	cr_expect_eq(a->arp_data.arp_tip, TH_CLIENT_IP);
	cr_expect(rte_is_same_ether_addr(&a->arp_data.arp_sha, &t.w.ifs[0].ctx.mac));
	cr_expect(rte_is_same_ether_addr(&eh->dst_addr, &a->arp_data.arp_tha));
	rte_pktmbuf_free(m);

	/* An echo request with 8 bytes of data. */
	m = th_frame(&t, &(struct th_seg){.flags = SYN});
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, PCL_L2_LEN);
	ip->next_proto_id = IPPROTO_ICMP;
	ip->total_length = rte_cpu_to_be_16(PCL_IP_LEN + 16);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	ic->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	ic->icmp_code = 0;
	ic->icmp_ident = RTE_BE16(7);
	ic->icmp_seq_nb = RTE_BE16(1);
	memcpy(ic + 1, "abcdefgh", 8);
	ic->icmp_cksum = 0;
	ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, 16);
	th_send_mbuf(&t, m);
	m = th_raw_reply(&t);
	cr_assert_not_null(m);
	ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, PCL_L2_LEN);
	ic = (struct rte_icmp_hdr *)(ip + 1);
	cr_expect_eq(ic->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	cr_expect_eq(ip->dst_addr, TH_CLIENT_IP);
	cr_expect_eq(rte_raw_cksum(ic, 16), 0xffff, "ICMP checksum valid");
	cr_expect_eq(rte_ipv4_cksum(ip), 0, "IP checksum valid");
	cr_expect_eq(memcmp(ic + 1, "abcdefgh", 8), 0);
	cr_expect_eq(m->data_len, PCL_L2_LEN + PCL_IP_LEN + 16);
	rte_pktmbuf_free(m);
}

/* RFC 6528: a rotated secret gives the same tuple at the same time another ISN. */
Test(lifecycle, isn_changes_with_the_secret)
{
	uint32_t y1, y2, y3;

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X});
	th_replies(&t, r, TH_MAX_REPLIES);
	y1 = r[0].s.seq;
	th_send(&t, &(struct th_seg){.flags = RST | ACK, .seq = X + 1, .ack = y1 + 1});
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X});
	th_replies(&t, r, TH_MAX_REPLIES);
	y2 = r[0].s.seq;
	cr_expect_eq(y1, y2, "same tuple, same clock, same secret: same ISN");
	th_send(&t, &(struct th_seg){.flags = RST | ACK, .seq = X + 1, .ack = y2 + 1});
	cr_assert_eq(pcl_keyring_rotate(&t.secrets.isn), 0);
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X});
	th_replies(&t, r, TH_MAX_REPLIES);
	y3 = r[0].s.seq;
	cr_expect_neq(y1, y3, "a new secret moves the ISN");
	cr_expect_eq(t.w.stats.halfopen_reset, 2);
}

TH_TWEAKED_SUITE(sections, {
	char e[128];

	/* With a section, port 80 is no longer implied. */
	cr_assert_eq(pcl_config_set(c, "listen", "ports", "80", e, sizeof(e)), 0, "%s", e);
	cr_assert_eq(pcl_config_set(c, "listen:7", "app", "echo", e, sizeof(e)), 0, "%s", e);
});

/* A [listen:PORT] section gives its port its own app; port 80 keeps [listen] app. */
Test(sections, each_port_its_own_app)
{
	uint16_t len = (uint16_t)strlen(get10);
	uint32_t y;

	y = th_handshake(&t, X, NULL, 0);
	send_data(y, get10, 0);
	cr_assert_geq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect(memcmp(r[0].data, "HTTP/1.1 200 OK\r\n", 17) == 0, "port 80 answers HTTP");
	cr_expect_eq(t.w.stats.http_requests, 1);

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = 40001, .dport = 7});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	y = r[0].s.seq;
	th_send(&t, &(struct th_seg){
			    .flags = ACK, .seq = X + 1, .ack = y + 1, .sport = 40001, .dport = 7});
	th_send(&t, &(struct th_seg){.flags = ACK | PSH,
				     .seq = X + 1,
				     .ack = y + 1,
				     .sport = 40001,
				     .dport = 7,
				     .data = get10,
				     .len = len});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	expect_seg(&r[0], ACK | PSH, y + 1, X + 1 + len, len);
	cr_expect(memcmp(r[0].data, get10, len) == 0, "port 7 echoes");
	cr_expect_eq(t.w.stats.http_requests, 1);
}
