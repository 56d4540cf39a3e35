/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The proxy's choice of a local port toward the backend, through the real
 * worker: with several workers, the backend's answers must reach the worker
 * that owns the connection without a hop, so the tuple the backend answers
 * on must hash (pcl_steer, the symmetric Toeplitz hash the NIC or the
 * software steering applies) to this worker. Every port chosen is above
 * 1023 and used by one connection only.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "net/pcl_steer.h"

#define CONNS 200

static struct th t;
static struct pcl_steer steer;
static const struct pcl_pkt_ctx backend = {.mac = TH_BACKEND_MAC,
					   .addr = RTE_BE32(0xc612000b)}; /* 198.18.0.11 */

static void
teardown(void)
{
	th_teardown(&t);
}

static void
with_service(struct pcl_config *c)
{
	char err[256];

	cr_assert_eq(pcl_config_section(c, "service:80", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(
		pcl_config_set(c, "service:80", "backend", "198.18.0.11:8080", err, sizeof(err)), 0,
		"%s", err);
	cr_assert_eq(pcl_config_set(c, "service:80", "table_size", "101", err, sizeof(err)), 0,
		     "%s", err);
}

TH_TWEAKED_SUITE(proxy, with_service(c));

/* Completes a client's handshake from sport; returns the backend SYN the proxy sent. */
static struct pcl_seg
accept_one(uint16_t sport)
{
	struct th_reply r[2];
	struct rte_mbuf *m;
	struct pcl_seg g;

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = 1000, .sport = sport});
	cr_assert_eq(th_replies(&t, r, 2), 1);
	th_send(&t,
		&(struct th_seg){.flags = ACK, .seq = 1001, .ack = r[0].s.seq + 1, .sport = sport});
	m = th_raw_reply(&t);
	cr_assert_not_null(m, "no SYN to the backend for client port %u", sport);
	cr_assert_eq(
		pcl_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, 0, &backend, &g),
		PCL_PKT_TCP);
	rte_pktmbuf_free(m);
	cr_assert_eq(g.flags, SYN);
	cr_assert_eq(g.seq, 1000u, "the client's ISN");
	return g;
}

/* As worker index of n: CONNS connections, each backend tuple ours, each port once. */
static void
expect_owned(uint16_t n, uint16_t index)
{
	static uint8_t used[65536];
	uint16_t i;

	cr_assert_eq(pcl_steer_init(&steer, n, PCL_RETA_DEFAULT), 0);
	t.w.tcp.steer = &steer;
	t.w.tcp.steer_index = index;
	memset(used, 0, sizeof(used));
	for (i = 0; i < CONNS; i++) {
		struct pcl_seg g = accept_one((uint16_t)(20000 + i));
		/* The answer's tuple, as the worker will parse it: the backend is the remote end.
		 */
		struct pcl_tuple in = {.raddr = backend.addr,
				       .laddr = TH_SERVER_IP,
				       .rport = RTE_BE16(8080),
				       .lport = g.t.rport};
		uint16_t port = rte_be_to_cpu_16(g.t.rport);

		cr_expect_eq(g.t.raddr, TH_SERVER_IP, "full NAT: from our address");
		cr_expect_eq(g.t.lport, RTE_BE16(8080));
		cr_expect_geq(port, 1024);
		cr_expect_eq(used[port]++, 0, "port %u chosen twice", port);
		cr_expect_eq(pcl_steer_owner(&steer, pcl_steer_hash(&steer, &in)), index,
			     "port %u: the backend's answers go to another worker", port);
	}
	cr_expect_eq(t.w.stats.proxy_accepted, CONNS);
	cr_expect_eq(th_state(&t, PCL_TCP_PROXY_CONNECT), CONNS);
}

Test(proxy, one_worker_takes_any_port)
{
	expect_owned(1, 0);
}

Test(proxy, ports_of_worker_0_of_2)
{
	expect_owned(2, 0);
}

Test(proxy, ports_of_worker_1_of_2)
{
	expect_owned(2, 1);
}

Test(proxy, ports_of_worker_2_of_4)
{
	expect_owned(4, 2);
}
