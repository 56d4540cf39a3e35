/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every resource the worker can run out of, driven dry through the real
 * worker: connection pool, SYN backlog, mbuf pool, TX queue, steering ring
 * and the timer budget. Each test checks the drop counter, the once-a-second
 * log line (pcl_pressure) and its "recovered" line, and then serves a
 * normal connection. The million-timer wheel is in tests/unit/test_timer.c.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ethdev.h>
#include <rte_eth_ring.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "harness.h"
#include "ctl/pcl_pressure.h"
#include "net/pcl_steer.h"

#define X 1000u /* the client's ISN */

static const char get10[] = "GET / HTTP/1.0\r\n\r\n";

TH_FIXTURE()
TestSuite(exhaust, .init = setup, .fini = teardown);

/*
 * One second of the control thread: the pressure check logs line (a
 * WARNING naming what ran out), then a quiet second logs that it recovered,
 * and a third logs nothing.
 */
static void
expect_logged(const char *line)
{
	struct pcl_pressure pressure = {0};
	char logbuf[4096] = "";
	FILE *logf = fmemopen(logbuf, sizeof(logbuf) - 1, "w");

	cr_assert_not_null(logf);
	rte_openlog_stream(logf);
	cr_expect_eq(pcl_pressure_check(&pressure, &t.w.stats, 0), 1);
	cr_expect_eq(pcl_pressure_check(&pressure, &t.w.stats, 0), 1);
	cr_expect_eq(pcl_pressure_check(&pressure, &t.w.stats, 0), 0);
	rte_openlog_stream(NULL);
	fclose(logf);
	cr_expect(strstr(logbuf, line) != NULL, "no '%s' in the log: %s", line, logbuf);
	cr_expect(strstr(logbuf, "recovered") != NULL, "no recovery in the log: %s", logbuf);
}

/* Frees what the worker queued for transmission; returns how many. */
static unsigned int
discard_tx(void)
{
	unsigned int n = t.w.ifs[0].txq.n;

	rte_pktmbuf_free_bulk(t.w.ifs[0].txq.pkts, n);
	t.w.ifs[0].txq.n = 0;
	return n;
}

TH_TWEAKED_SUITE(pool, c->tcp.conns = 16; c->tcp.syn_backlog = 16;
		 c->tcp.syncookies = PCL_COOKIES_OFF);

Test(pool, full_pool_drops_syns_then_recovers)
{
	uint16_t i;

	for (i = 0; i < 16; i++) {
		th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = (uint16_t)(100 + i)});
		cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
		th_send(&t, &(struct th_seg){.flags = ACK,
					     .seq = X + 1,
					     .ack = r[0].s.seq + 1,
					     .sport = (uint16_t)(100 + i)});
	}
	cr_assert_eq(th_state(&t, PCL_TCP_ESTABLISHED), 16);
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = 200});
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_table_full], 1);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_syn_backlog], 0);
	expect_logged("lcore 0: connection pool full: 1 SYNs dropped in the last second");
	/* The clients go away, and the pool serves again. */
	for (i = 0; i < 16; i++)
		th_send(&t,
			&(struct th_seg){.flags = RST, .seq = X + 1, .sport = (uint16_t)(100 + i)});
	cr_expect_eq(t.w.stats.conn_reset, 16);
	th_serve_http10(&t, X, 300);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 1, "the server closed first");
}

TH_TWEAKED_SUITE(backlog, c->tcp.conns = 64; c->tcp.syn_backlog = 4;
		 c->tcp.syncookies = PCL_COOKIES_OFF);

Test(backlog, full_backlog_drops_syns_then_recovers)
{
	uint16_t i;

	for (i = 0; i < 5; i++)
		th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = (uint16_t)(100 + i)});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 4);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_syn_backlog], 1);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_table_full], 0);
	expect_logged("lcore 0: SYN backlog full: 1 SYNs dropped in the last second");
	/* Completing one handshake frees a backlog place at once. */
	th_send(&t,
		&(struct th_seg){.flags = ACK, .seq = X + 1, .ack = r[0].s.seq + 1, .sport = 100});
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 3);
	th_serve_http10(&t, X, 300);
}

/* Establishes the client at sport and builds (unsent) its GET; returns the server's ISN. */
static uint32_t
open_with_request(uint16_t sport, struct rte_mbuf **req)
{
	uint32_t y;

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = sport});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	y = r[0].s.seq;
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = X + 1, .ack = y + 1, .sport = sport});
	*req = th_frame(&t, &(struct th_seg){.flags = ACK | PSH,
					     .seq = X + 1,
					     .ack = y + 1,
					     .data = get10,
					     .len = (uint16_t)strlen(get10),
					     .sport = sport});
	return y;
}

/* Takes every free mbuf into held[] from *n on; returns the new count. */
static unsigned int
drain_mbufs(struct rte_mbuf **held, unsigned int n, unsigned int max)
{
	while (n < max && (held[n] = rte_pktmbuf_alloc(t.mp)) != NULL)
		n++;
	cr_assert_eq(rte_mempool_avail_count(t.mp), 0);
	return n;
}

/*
 * With no mbuf at all: a SYN is still answered (its SYN-ACK is written into
 * the SYN), an answer that cannot be queued resets its connection, with the
 * RST written into the request, and once mbufs return, all is served.
 */
Test(exhaust, empty_mbuf_pool_resets_then_recovers)
{
	struct rte_mbuf *held[4096], *req, *syn;
	unsigned int n;
	uint32_t y = open_with_request(TH_CLIENT_PORT, &req);

	syn = th_frame(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = 301});
	n = drain_mbufs(held, 0, RTE_DIM(held));
	th_send_mbuf(&t, syn);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, SYN | ACK);
	n = drain_mbufs(held, n, RTE_DIM(held)); /* th_replies freed the SYN-ACK */
	th_send_mbuf(&t, req);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, RST | ACK);
	cr_expect_eq(r[0].s.seq, y + 1);
	cr_expect_eq(r[0].s.ack, X + 1 + (uint32_t)strlen(get10));
	cr_expect_eq(t.w.stats.drop[PCL_DROP_nombuf], 1);
	cr_expect_eq(t.w.stats.conn_aborted, 1);
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 0);
	expect_logged("lcore 0: mbuf pool empty: 1 allocations failed in the last second");
	rte_pktmbuf_free_bulk(held, n);
	th_serve_http10(&t, X, 300);
}

/*
 * With one mbuf left the answer is queued but cannot be sent: the request
 * is acknowledged now, and the answer goes out at the retransmission
 * timeout once mbufs are back.
 */
Test(exhaust, short_mbuf_pool_defers_the_answer)
{
	struct rte_mbuf *held[4096], *req;
	unsigned int n;
	uint32_t y = open_with_request(TH_CLIENT_PORT, &req);
	uint32_t u = X + 1 + (uint32_t)strlen(get10);

	n = drain_mbufs(held, 0, RTE_DIM(held));
	rte_pktmbuf_free(held[--n]);
	th_send_mbuf(&t, req);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, ACK);
	cr_expect_eq(r[0].s.ack, u);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_nombuf], 1);
	cr_expect_eq(t.w.stats.conn_aborted, 0);
	rte_pktmbuf_free_bulk(held, n);
	th_advance(&t, t.cfg.tcp.rto_ms);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, ACK | PSH | FIN);
	cr_expect_eq(r[0].s.seq, y + 1);
	cr_expect(memcmp(r[0].data, "HTTP/1.1 200 OK", 15) == 0);
	th_serve_http10(&t, X, 300);
}

/*
 * A FIN that cannot be sent for want of an mbuf, with nothing else in
 * flight, still leaves the entry a timer: the FIN goes out at the
 * retransmission timeout once mbufs are back, and the connection closes.
 * (Before, no timer was armed: the entry stayed in LAST_ACK for ever.)
 */
static void
fin_without_mbuf_is_retried(void)
{
	struct rte_mbuf *held[4096], *fin;
	unsigned int n;
	uint32_t y = th_handshake(&t, X, NULL, 0);

	fin = th_frame(&t, &(struct th_seg){.flags = ACK | FIN, .seq = X + 1, .ack = y + 1});
	n = drain_mbufs(held, 0, RTE_DIM(held));
	th_send_mbuf(&t, fin);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, ACK, "their FIN is acknowledged in its own frame");
	cr_expect_eq(r[0].s.ack, X + 2);
	cr_expect_eq(th_state(&t, PCL_TCP_LAST_ACK), 1);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_nombuf], 1);
	rte_pktmbuf_free_bulk(held, n);
	th_advance(&t, t.cfg.tcp.rto_ms);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, ACK | FIN);
	cr_expect_eq(r[0].s.seq, y + 1);
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = X + 2, .ack = y + 2});
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_LAST_ACK), 0);
	cr_expect_eq(t.w.stats.conn_closed, 1);
}

Test(exhaust, fin_without_mbuf_is_retried)
{
	fin_without_mbuf_is_retried();
}

TH_TWEAKED_SUITE(no_idle, c->tcp.idle_timeout_ms = 0);

Test(no_idle, fin_without_mbuf_is_retried)
{
	fin_without_mbuf_is_retried();
}

/* The same for the FIN of an idle close: FIN_WAIT_1 keeps its timer. */
TH_TWEAKED_SUITE(idle, c->tcp.idle_timeout_ms = 1000);

Test(idle, idle_close_without_mbuf_is_retried)
{
	struct rte_mbuf *held[4096];
	unsigned int n;
	uint32_t y = th_handshake(&t, X, NULL, 0);

	n = drain_mbufs(held, 0, RTE_DIM(held));
	th_advance(&t, 1000);
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(t.w.stats.idle_closes, 1);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_nombuf], 1);
	cr_expect_eq(th_state(&t, PCL_TCP_FIN_WAIT_1), 1);
	rte_pktmbuf_free_bulk(held, n);
	th_advance(&t, t.cfg.tcp.rto_ms);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, ACK | FIN);
	cr_expect_eq(r[0].s.seq, y + 1);
	th_send(&t, &(struct th_seg){.flags = ACK | FIN, .seq = X + 1, .ack = y + 2});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, ACK);
	cr_expect_eq(r[0].s.ack, X + 2);
	cr_expect_eq(th_state(&t, PCL_TCP_TIME_WAIT), 1);
}

/* A net_ring port whose TX ring holds 15 frames and is drained by hand. */
static struct rte_ring *txr;
static uint16_t ring_port;

static void
ring_port_up(void)
{
	static struct rte_eth_conf conf;
	struct rte_ring *rxr;

	rxr = rte_ring_create("th_rx", 16, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	txr = rte_ring_create("th_tx", 16, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	cr_assert(rxr && txr);
	ring_port = (uint16_t)rte_eth_from_rings("th_ring", &rxr, 1, &txr, 1, SOCKET_ID_ANY);
	cr_assert_eq(rte_eth_dev_configure(ring_port, 1, 1, &conf), 0);
	cr_assert_eq(rte_eth_rx_queue_setup(ring_port, 0, 16, SOCKET_ID_ANY, NULL, t.mp), 0);
	cr_assert_eq(rte_eth_tx_queue_setup(ring_port, 0, 16, SOCKET_ID_ANY, NULL), 0);
	cr_assert_eq(rte_eth_dev_start(ring_port), 0);
	t.w.ifs[0].port = ring_port;
}

static unsigned int
ring_drain(void)
{
	struct rte_mbuf *m[16];
	unsigned int n = rte_ring_dequeue_burst(txr, (void **)m, RTE_DIM(m), NULL);

	rte_pktmbuf_free_bulk(m, n);
	return n;
}

static void
ring_port_down(void)
{
	struct rte_ring *rxr = rte_ring_lookup("th_rx");

	ring_drain();
	rte_eth_dev_stop(ring_port);
	rte_eth_dev_close(ring_port);
	rte_ring_free(txr);
	rte_ring_free(rxr);
	t.w.ifs[0].port = RTE_MAX_ETHPORTS;
}

Test(exhaust, full_tx_queue_drops_replies_then_recovers)
{
	uint16_t i;

	ring_port_up();
	for (i = 0; i < 20; i++)
		th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = (uint16_t)(100 + i)});
	pcl_worker_flush(&t.w);
	cr_expect_eq(t.w.ifs[0].txq.n, 0);
	cr_expect_eq(t.w.stats.tx_pkts, 15);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_tx_full], 5);
	expect_logged("lcore 0: TX queue full: 5 replies dropped in the last second");
	/* The NIC drains: the next reply goes out. */
	cr_expect_eq(ring_drain(), 15);
	th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = 300});
	pcl_worker_flush(&t.w);
	cr_expect_eq(t.w.stats.tx_pkts, 16);
	cr_expect_eq(ring_drain(), 1);
	ring_port_down();
	th_serve_http10(&t, X, 301);
}

/* Steering to a second worker whose inbox holds 3 packets and is never served. */
Test(exhaust, full_steering_ring_drops_then_recovers)
{
	static struct pcl_steer st;
	struct rte_ring *inbox[2];
	struct rte_mbuf *theirs[10], *m;
	struct pcl_tuple tu;
	unsigned int n = 0, got;
	uint16_t port = 1000, ours = 0;

	cr_assert_eq(pcl_steer_init(&st, 2, 128), 0);
	inbox[0] = rte_ring_create("th_inbox0", 64, SOCKET_ID_ANY, RING_F_SC_DEQ);
	inbox[1] = rte_ring_create("th_inbox1", 4, SOCKET_ID_ANY, RING_F_SC_DEQ);
	cr_assert(inbox[0] && inbox[1]);
	pcl_worker_steer(&t.w, &st, 0, inbox, false);
	while (n < RTE_DIM(theirs) || ours == 0) {
		m = th_frame(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = ++port});
		cr_assert(pcl_pkt_flow(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, &tu));
		if (pcl_steer_owner(&st, pcl_steer_hash(&st, &tu)) == 1 && n < RTE_DIM(theirs)) {
			theirs[n++] = m;
			continue;
		}
		if (pcl_steer_owner(&st, pcl_steer_hash(&st, &tu)) == 0 && ours == 0)
			ours = port;
		rte_pktmbuf_free(m);
	}
	pcl_worker_rx(&t.w, 0, theirs, (uint16_t)n);
	cr_expect_eq(t.w.stats.steered_out, 3);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_steer_full], 7);
	cr_expect_eq(t.w.ifs[0].txq.n, 0, "nothing of theirs is answered here");
	expect_logged("lcore 0: steering ring full: 7 packets dropped in the last second");
	/* The owner catches up: the ring takes packets again. */
	got = rte_ring_dequeue_burst(inbox[1], (void **)theirs, RTE_DIM(theirs), NULL);
	cr_expect_eq(got, 3);
	rte_pktmbuf_free_bulk(theirs, got);
	/* Our own flows were never held up: served through the same RX path. */
	m = th_frame(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = ours});
	pcl_worker_rx(&t.w, 0, &m, 1);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, SYN | ACK);
	th_serve_http10(&t, X, ours); /* its SYN again, answered alike, then the rest */
	pcl_worker_steer(&t.w, NULL, 0, NULL, false);
	rte_ring_free(inbox[0]);
	rte_ring_free(inbox[1]);
}

TH_TWEAKED_SUITE(timers, c->tcp.syncookies = PCL_COOKIES_OFF);

/* 500 SYN-ACK retransmissions due at one tick go out 256 per pass. */
Test(timers, expiry_burst_is_spread_over_passes)
{
	uint16_t i;

	for (i = 0; i < 500; i++) {
		th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = (uint16_t)(100 + i)});
		discard_tx();
	}
	th_advance(&t, t.cfg.tcp.rto_ms);
	cr_expect_eq(discard_tx(), PCL_TIMER_BUDGET);
	cr_expect_eq(t.w.stats.timer_deferred, 1);
	th_advance(&t, 0);
	cr_expect_eq(discard_tx(), 500 - PCL_TIMER_BUDGET);
	cr_expect_eq(t.w.stats.timer_deferred, 1);
	cr_expect_eq(t.w.stats.rexmits, 500);
	expect_logged("lcore 0: timer wheel behind: 1 passes stopped at the budget in the last "
		      "second");
	th_serve_http10(&t, X, 1000);
}
