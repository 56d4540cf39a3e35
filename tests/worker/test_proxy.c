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
#include "peer/pcl_peer.h"

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

/* Takes the n segments the proxy sent (to the backend), parsed as the backend reads them. */
static void
to_backend(struct pcl_seg *g, uint16_t n)
{
	struct pcl_txq *q = &t.w.ifs[0].txq;
	uint16_t i;

	cr_assert_eq(q->n, n, "%u segments to the backend, not %u", q->n, n);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = q->pkts[i];

		cr_assert_eq(pcl_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, 0,
					   &backend, &g[i]),
			     PCL_PKT_TCP);
		rte_pktmbuf_free(m);
	}
	q->n = 0;
}

/* Completes a client's handshake from sport; returns the backend SYN the proxy sent. */
static struct pcl_seg
accept_one(uint16_t sport)
{
	struct th_reply r[2];
	struct pcl_seg g;

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = 1000, .sport = sport});
	cr_assert_eq(th_replies(&t, r, 2), 1);
	th_send(&t,
		&(struct th_seg){.flags = ACK, .seq = 1001, .ack = r[0].s.seq + 1, .sport = sport});
	to_backend(&g, 1);
	cr_assert_eq(g.flags, SYN);
	cr_assert_eq(g.seq, 1000u, "the client's ISN");
	return g;
}

/*
 * One client's connection of the family under test: the backend SYN the
 * proxy sent, checked to come from our address, and in *hash the steering
 * hash of the tuple the backend answers on.
 */
typedef struct pcl_seg (*connect_fn)(uint16_t sport, uint32_t *hash);

static struct pcl_seg
connect4(uint16_t sport, uint32_t *hash)
{
	struct pcl_seg g = accept_one(sport);
	/* The answer's tuple, as the worker will parse it: the backend is the remote end. */
	struct pcl_tuple in = {.raddr = backend.addr,
			       .laddr = TH_SERVER_IP,
			       .rport = RTE_BE16(8080),
			       .lport = g.t.rport};

	cr_expect_eq(g.t.raddr, TH_SERVER_IP, "full NAT: from our address");
	*hash = pcl_steer_hash(&steer, &in);
	return g;
}

/* As worker index of n: CONNS connections, each backend tuple ours, each port once. */
static void
expect_owned_by(uint16_t n, uint16_t index, connect_fn connect)
{
	static uint8_t used[65536];
	uint32_t hash;
	uint16_t i;

	cr_assert_eq(pcl_steer_init(&steer, n, PCL_RETA_DEFAULT), 0);
	t.w.tcp.steer = &steer;
	t.w.tcp.steer_index = index;
	memset(used, 0, sizeof(used));
	for (i = 0; i < CONNS; i++) {
		struct pcl_seg g = connect((uint16_t)(20000 + i), &hash);
		uint16_t port = rte_be_to_cpu_16(g.t.rport);

		cr_expect_eq(g.t.lport, RTE_BE16(8080));
		cr_expect_geq(port, 1024);
		cr_expect_eq(used[port]++, 0, "port %u chosen twice", port);
		cr_expect_eq(pcl_steer_owner(&steer, hash), index,
			     "port %u: the backend's answers go to another worker", port);
	}
	cr_expect_eq(t.w.stats.proxy_accepted, CONNS);
	cr_expect_eq(th_state(&t, PCL_TCP_PROXY_CONNECT), CONNS);
}

static void
expect_owned(uint16_t n, uint16_t index)
{
	expect_owned_by(n, index, connect4);
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

/* The backend's ACK of an older connection on the tuple our SYN went from. */
static void
stale_ack(const struct pcl_seg *syn)
{
	th_send_mbuf(&t, pcl_peer_frame(t.mp, &(struct pcl_peer_seg){
						      .src_mac = backend.mac,
						      .dst_mac = t.w.ifs[0].ctx.mac,
						      .src_addr = backend.addr,
						      .dst_addr = TH_SERVER_IP,
						      .sport = 8080,
						      .dport = rte_be_to_cpu_16(syn->t.rport),
						      .seq = 5000,
						      .ack = 70000,
						      .flags = ACK,
						      .wnd = 8192,
					      }));
}

/*
 * A stale ACK gets an RST on its tuple and the SYN again on the same one
 * (an RST ends Linux's TIME_WAIT); a second one, from another local port
 * (a backend that keeps TIME_WAIT against RSTs).
 */
Test(proxy, a_stale_tuple_at_the_backend_moves_the_syn_to_another_port)
{
	struct pcl_seg syn = accept_one(20000), g[2];

	stale_ack(&syn);
	to_backend(g, 2);
	cr_expect_eq(g[0].flags, RST);
	cr_expect_eq(g[0].seq, 70000u, "at the stale ACK's acknowledgment number");
	cr_expect_eq(g[0].t.rport, syn.t.rport, "on the stale tuple");
	cr_expect_eq(g[1].flags, SYN);
	cr_expect_eq(g[1].seq, 1000u, "the client's ISN still");
	cr_expect_eq(g[1].t.rport, syn.t.rport, "the same tuple once more");
	stale_ack(&syn);
	to_backend(g, 2);
	cr_expect_eq(g[0].flags, RST);
	cr_expect_eq(g[1].flags, SYN);
	cr_expect_neq(g[1].t.rport, syn.t.rport, "then another local port");
	cr_expect_eq(t.w.stats.backend_syn_retries, 2);
	cr_expect_eq(th_state(&t, PCL_TCP_PROXY_CONNECT), 1);
}

/* ---- IPv6: clients at port.addr6, a backend at [fd00:18::11]:8080 ---- */

static const uint8_t client6[16] = {0xfd, 0, 0, 0x18, [15] = 1};
static const uint8_t server6[16] = {0xfd, 0, 0, 0x18, [15] = 2};
static const uint8_t backend6[16] = {0xfd, 0, 0, 0x18, [15] = 0x11};

static void
with_service6(struct pcl_config *c)
{
	char err[256];

	cr_assert_eq(pcl_config_set(c, "port", "addr6", "fd00:18::2/64", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(
		pcl_config_set(c, "service:80", "backend", "[fd00:18::11]:8080", err, sizeof(err)),
		0, "%s", err);
	cr_assert_eq(pcl_config_set(c, "service:80", "table_size", "101", err, sizeof(err)), 0,
		     "%s", err);
}

TH_TWEAKED_SUITE(proxy6, with_service6(c));

/* The one frame queued, parsed as the peer at a6 (the client or the backend) reads it. */
static struct pcl_seg
take6(const uint8_t *a6)
{
	struct pcl_pkt_ctx peer = {.has6 = true};
	struct pcl_txq *q = &t.w.ifs[0].txq;
	struct pcl_seg g;

	memcpy(peer.addr6, a6, 16);
	cr_assert_eq(q->n, 1, "%u frames queued, not 1", q->n);
	peer.mac = rte_pktmbuf_mtod(q->pkts[0], const struct rte_ether_hdr *)->dst_addr;
	cr_assert_eq(pcl_pkt_parse(rte_pktmbuf_mtod(q->pkts[0], const uint8_t *),
				   q->pkts[0]->data_len, 0, &peer, &g),
		     PCL_PKT_TCP6);
	cr_assert(memcmp(g.a6, server6, 16) == 0, "from port.addr6");
	rte_pktmbuf_free(q->pkts[0]);
	q->n = 0;
	return g;
}

/* A segment from the IPv6 client at sport to the service. */
static void
send6(uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	struct pcl_peer_seg s = {
		.src_mac = {{0x02, 0, 0, 0, 0, 1}},
		.dst_mac = t.w.ifs[0].ctx.mac,
		.v6 = true,
		.sport = sport,
		.dport = 80,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.wnd = 65535,
	};

	memcpy(s.src6, client6, 16);
	memcpy(s.dst6, server6, 16);
	th_send_mbuf(&t, pcl_peer_frame(t.mp, &s));
}

/* connect4() over IPv6: the steering hash over the 36-byte tuple. */
static struct pcl_seg
connect6(uint16_t sport, uint32_t *hash)
{
	struct pcl_tuple6 in = {.rport = RTE_BE16(8080)};
	struct pcl_seg g;

	send6(sport, SYN, 1000, 0);
	g = take6(client6);
	cr_assert_eq(g.flags, SYN | ACK);
	send6(sport, ACK, 1001, g.seq + 1);
	g = take6(backend6);
	cr_assert_eq(g.flags, SYN);
	cr_assert_eq(g.seq, 1000u, "the client's ISN");
	memcpy(in.raddr, backend6, 16);
	memcpy(in.laddr, server6, 16);
	in.lport = g.t.rport;
	*hash = pcl_steer_hash6(&steer, &in);
	return g;
}

/* As expect_owned, over IPv6: every backend SYN from port.addr6 (take6 checks it). */
static void
expect_owned6(uint16_t n, uint16_t index)
{
	expect_owned_by(n, index, connect6);
	cr_expect_eq(t.w.stats.conn_ipv6, CONNS);
}

Test(proxy6, one_worker_takes_any_port)
{
	expect_owned6(1, 0);
}

Test(proxy6, ports_of_worker_1_of_2)
{
	expect_owned6(2, 1);
}

Test(proxy6, ports_of_worker_2_of_4)
{
	expect_owned6(4, 2);
}

Test(proxy6, an_ipv4_client_finds_the_port_closed)
{
	struct th_reply r[1];

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = 1000});
	cr_assert_eq(th_replies(&t, r, 1), 1);
	cr_expect_eq(r[0].s.flags, RST | ACK);
	cr_expect_eq(t.w.stats.rst_closed_port, 1);
	cr_expect_eq(t.w.stats.proxy_accepted, 0);
}

/* An IPv4 service on a server with port.addr6: IPv6 clients find its port closed. */
static void
with_service4_and_addr6(struct pcl_config *c)
{
	char err[256];

	with_service(c);
	cr_assert_eq(pcl_config_set(c, "port", "addr6", "fd00:18::2/64", err, sizeof(err)), 0, "%s",
		     err);
}

TH_TWEAKED_SUITE(proxy4, with_service4_and_addr6(c));

Test(proxy4, an_ipv6_client_finds_the_port_closed)
{
	struct pcl_seg g;

	send6(20000, SYN, 1000, 0);
	g = take6(client6);
	cr_expect_eq(g.flags, RST | ACK);
	cr_expect_eq(g.ack, 1001u);
	cr_expect_eq(t.w.stats.rst_closed_port, 1);
	cr_expect_eq(t.w.stats.proxy_accepted, 0);
	cr_expect_eq(t.w.stats.conn_ipv6, 0);
}
