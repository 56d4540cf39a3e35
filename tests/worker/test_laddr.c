/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Local addresses toward the backends (port.local_addrs), through the real
 * worker: the proxy's backend tuples turn over the port's address and its
 * local ones, each owned by this worker; ARP is answered for each; a
 * client's SYN to one finds a closed port; and where one address runs out
 * of local ports in TIME_WAIT after client-first closes (proxy_no_port),
 * two carry on.
 */
#include <criterion/criterion.h>

#include "harness.h"
#include "net/pcl_arp.h"
#include "net/pcl_steer.h"
#include "peer/pcl_peer.h"

#define LADDR_20 RTE_BE32(0xc6120014) /* 198.18.0.20 */
#define LADDR_21 RTE_BE32(0xc6120015) /* 198.18.0.21 */
#define BACKEND  RTE_BE32(0xc612000b) /* 198.18.0.11 */

static struct th t;
static struct pcl_steer steer;
static const struct rte_ether_addr backend_mac = TH_BACKEND_MAC;

static void
teardown(void)
{
	th_teardown(&t);
}

static void
with_service(struct pcl_config *c, const char *laddrs)
{
	char err[256];

	cr_assert_eq(
		pcl_config_set(c, "service:80", "backend", "198.18.0.11:8080", err, sizeof(err)), 0,
		"%s", err);
	cr_assert_eq(pcl_config_set(c, "service:80", "table_size", "101", err, sizeof(err)), 0,
		     "%s", err);
	if (laddrs != NULL)
		cr_assert_eq(pcl_config_set(c, "port", "local_addrs", laddrs, err, sizeof(err)), 0,
			     "%s", err);
	/* Room for the connections the exhaustion tests leave open, within th_check's deep walk. */
	c->tcp.conns = 4096;
	c->tcp.syn_backlog = 2048;
}

TH_TWEAKED_SUITE(laddr, with_service(c, "198.18.0.20-198.18.0.21"));
TH_TWEAKED_SUITE(laddr1, with_service(c, NULL));

/* The one frame the worker queued, freed; its TCP segment as the peer at addr parses it. */
static int
take(rte_be32_t addr, struct pcl_seg *g)
{
	struct pcl_pkt_ctx peer = {.addr = addr};
	struct pcl_txq *q = &t.w.ifs[0].txq;
	struct rte_mbuf *m;
	int kind;

	cr_assert_eq(q->n, 1, "%u frames queued, not 1", q->n);
	m = q->pkts[0];
	peer.mac = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->dst_addr;
	kind = pcl_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, 0, &peer, g);
	rte_pktmbuf_free(m);
	q->n = 0;
	return kind;
}

/* A segment from the backend to our address laddr, from local port lport. */
static void
from_backend(rte_be32_t laddr, rte_be16_t lport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	th_send_mbuf(&t, pcl_peer_frame(t.mp, &(struct pcl_peer_seg){
						      .src_mac = backend_mac,
						      .dst_mac = t.w.ifs[0].ctx.mac,
						      .src_addr = BACKEND,
						      .dst_addr = laddr,
						      .sport = 8080,
						      .dport = rte_be_to_cpu_16(lport),
						      .seq = seq,
						      .ack = ack,
						      .flags = flags,
						      .wnd = 65535,
					      }));
}

/*
 * A client's connection from sport up to the backend's SYN: returns it, as
 * the backend reads it, or zeroes *syn (flags 0) when the client got an RST
 * instead; *y is our ISN toward the client.
 */
static void
open_one(uint16_t sport, struct pcl_seg *syn, uint32_t *y)
{
	struct th_reply r[1];

	th_send(&t, &(struct th_seg){.flags = SYN, .seq = 1000, .sport = sport});
	cr_assert_eq(th_replies(&t, r, 1), 1);
	*y = r[0].s.seq;
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = 1001, .ack = *y + 1, .sport = sport});
	if (t.w.ifs[0].txq.n == 1 &&
	    rte_pktmbuf_mtod_offset(t.w.ifs[0].txq.pkts[0], const struct rte_ipv4_hdr *, PCL_L2_LEN)
			    ->dst_addr == BACKEND) {
		cr_assert_eq(take(BACKEND, syn), PCL_PKT_TCP);
		cr_assert_eq(syn->flags, SYN);
		return;
	}
	cr_assert_eq(th_replies(&t, r, 1), 1);
	cr_assert_eq(r[0].s.flags, RST | ACK, "no backend SYN: an RST to the client");
	*syn = (struct pcl_seg){0};
}

/*
 * The connection the backend SYN syn opened, closed by the client first:
 * the proxy keeps TIME_WAIT on the backend's tuple. Every segment is
 * passed on to the other side.
 */
static void
close_client_first(uint16_t sport, const struct pcl_seg *syn, uint32_t y)
{
	rte_be32_t laddr = syn->t.raddr;
	rte_be16_t lport = syn->t.rport;
	struct pcl_seg g;

	from_backend(laddr, lport, SYN | ACK, 5000, 1001);
	cr_assert_eq(take(BACKEND, &g), PCL_PKT_TCP);
	cr_assert_eq(g.flags, ACK, "our ACK of its SYN-ACK");
	cr_assert_eq(g.t.raddr, laddr, "from the address of the SYN");
	th_send(&t,
		&(struct th_seg){.flags = FIN | ACK, .seq = 1001, .ack = y + 1, .sport = sport});
	cr_assert_eq(take(BACKEND, &g), PCL_PKT_TCP);
	cr_assert_eq(g.flags, FIN | ACK);
	from_backend(laddr, lport, FIN | ACK, 5001, 1002);
	cr_assert_eq(take(TH_CLIENT_IP, &g), PCL_PKT_TCP);
	cr_assert_eq(g.flags, FIN | ACK);
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = 1002, .ack = y + 2, .sport = sport});
	cr_assert_eq(take(BACKEND, &g), PCL_PKT_TCP);
	cr_assert_eq(g.flags, ACK);
}

/* Makes the worker index of nworkers. */
static void
as_worker(uint16_t nworkers, uint16_t index)
{
	cr_assert_eq(pcl_steer_init(&steer, nworkers, PCL_RETA_DEFAULT), 0);
	t.w.tcp.steer = &steer;
	t.w.tcp.steer_index = index;
}

/* The index of a in {port.addr, .20, .21}. */
static unsigned int
which(rte_be32_t a)
{
	cr_assert(a == TH_SERVER_IP || a == LADDR_20 || a == LADDR_21, "from an address of ours");
	return a == TH_SERVER_IP ? 0 : a == LADDR_20 ? 1 : 2;
}

/* n connections as worker index of nworkers: each backend tuple ours, the addresses in turn. */
static void
expect_turns(uint16_t nworkers, uint16_t index)
{
	unsigned int used[3] = {0}, i;
	struct pcl_seg syn;
	struct pcl_tuple in;
	uint32_t y;

	as_worker(nworkers, index);
	for (i = 0; i < 300; i++) {
		open_one((uint16_t)(20000 + i), &syn, &y);
		cr_assert_eq(syn.flags, SYN);
		cr_expect_eq(which(syn.t.raddr), i % 3, "connection %u: the next address", i);
		used[which(syn.t.raddr)]++;
		in = (struct pcl_tuple){.raddr = BACKEND,
					.laddr = syn.t.raddr,
					.rport = RTE_BE16(8080),
					.lport = syn.t.rport};
		cr_expect_eq(pcl_steer_owner(&steer, pcl_steer_hash(&steer, &in)), index,
			     "the backend's answers to %08x:%u go to another worker",
			     rte_be_to_cpu_32(syn.t.raddr), rte_be_to_cpu_16(syn.t.rport));
	}
	cr_expect(used[0] == 100 && used[1] == 100 && used[2] == 100, "%u %u %u", used[0], used[1],
		  used[2]);
}

Test(laddr, one_worker_turns_over_the_addresses)
{
	expect_turns(1, 0);
}

Test(laddr, worker_1_of_2_owns_every_pair)
{
	expect_turns(2, 1);
}

Test(laddr, worker_2_of_4_owns_every_pair)
{
	expect_turns(4, 2);
}

/* An ARP request from the backend for target; returns our reply's sender address. */
static rte_be32_t
arp_for(rte_be32_t target)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t.mp);
	struct pcl_txq *q = &t.w.ifs[0].txq;
	const struct rte_arp_hdr *a;
	rte_be32_t sip;

	cr_assert_eq(pcl_arp_request(m, &backend_mac, BACKEND, target), 0);
	th_send_mbuf(&t, m);
	if (q->n == 0)
		return 0;
	cr_assert_eq(q->n, 1);
	a = rte_pktmbuf_mtod_offset(q->pkts[0], const struct rte_arp_hdr *, PCL_L2_LEN);
	cr_expect_eq(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REPLY));
	cr_expect(rte_is_same_ether_addr(&a->arp_data.arp_sha, &t.w.ifs[0].ctx.mac));
	cr_expect(rte_is_same_ether_addr(&a->arp_data.arp_tha, &backend_mac));
	cr_expect_eq(a->arp_data.arp_tip, BACKEND);
	sip = a->arp_data.arp_sip;
	rte_pktmbuf_free(q->pkts[0]);
	q->n = 0;
	return sip;
}

Test(laddr, arp_is_answered_for_each_address)
{
	cr_expect_eq(arp_for(TH_SERVER_IP), TH_SERVER_IP);
	cr_expect_eq(arp_for(LADDR_20), LADDR_20);
	cr_expect_eq(arp_for(LADDR_21), LADDR_21);
	cr_expect_eq(t.w.stats.arp_replies, 3);
	cr_expect_eq(arp_for(RTE_BE32(0xc6120016)), 0, "198.18.0.22 is not ours");
	cr_expect_eq(t.w.stats.drop[PCL_DROP_arp], 1);
}

/* A client's SYN to a local address: a closed port's RST, and nothing reaches a backend. */
Test(laddr, a_syn_to_a_local_address_finds_a_closed_port)
{
	struct pcl_seg g;

	th_send_mbuf(&t, pcl_peer_frame(t.mp, &(struct pcl_peer_seg){
						      .src_mac = {{0x02, 0, 0, 0, 0, 0x01}},
						      .dst_mac = t.w.ifs[0].ctx.mac,
						      .src_addr = TH_CLIENT_IP,
						      .dst_addr = LADDR_20,
						      .sport = 20000,
						      .dport = 80,
						      .seq = 1000,
						      .flags = SYN,
						      .wnd = 65535,
					      }));
	cr_assert_eq(take(TH_CLIENT_IP, &g), PCL_PKT_TCP);
	cr_expect_eq(g.flags, RST | ACK);
	cr_expect_eq(g.t.raddr, LADDR_20, "from the address the SYN went to");
	cr_expect_eq(g.ack, 1001u);
	cr_expect_eq(t.w.stats.rst_closed_port, 1);
	cr_expect_eq(t.w.stats.syn_rx, 0);
	cr_expect_eq(t.w.stats.proxy_accepted, 0);
	cr_expect_eq(th_state(&t, PCL_TCP_SYN_RCVD), 0);
}

/* The backend's stray segment to a local address after its connection: an RST. */
Test(laddr, a_stray_backend_segment_gets_an_rst)
{
	struct pcl_seg g;

	from_backend(LADDR_21, RTE_BE16(4000), ACK, 5000, 1001);
	cr_assert_eq(take(BACKEND, &g), PCL_PKT_TCP);
	cr_expect_eq(g.flags, RST);
	cr_expect_eq(g.seq, 1001u);
	cr_expect_eq(g.t.raddr, LADDR_21);
}

/*
 * Client-first closes to one backend as worker 5 of 64, which owns about
 * 1,008 of the 64,512 local ports of each address: the TIME_WAIT records
 * they leave take as many tuples. n closes, then n more connections opened.
 */
static void
close_then_open(unsigned int n, unsigned int *opened)
{
	struct pcl_seg syn;
	unsigned int i;
	uint32_t y;

	as_worker(64, 5);
	for (i = 0; i < n; i++) {
		open_one((uint16_t)(10000 + i), &syn, &y);
		cr_assert_eq(syn.flags, SYN, "close %u: %lu proxy_no_port", i,
			     (unsigned long)t.w.stats.proxy_no_port);
		close_client_first((uint16_t)(10000 + i), &syn, y);
	}
	cr_assert_eq(t.w.stats.proxy_closed, n);
	cr_assert_eq(th_state(&t, PCL_TCP_TIME_WAIT), n);
	for (*opened = 0, i = 0; i < n; i++) {
		open_one((uint16_t)(30000 + i), &syn, &y);
		*opened += syn.flags == SYN;
	}
}

Test(laddr1, one_address_runs_out_of_ports_in_time_wait)
{
	unsigned int opened;

	close_then_open(900, &opened);
	cr_expect_lt(opened, 200u, "%u opened: about 1,008 tuples in all", opened);
	cr_expect_eq(t.w.stats.proxy_no_port, 900 - opened);
	cr_expect_eq(t.w.stats.proxy_failed, 900 - opened);
}

Test(laddr, three_addresses_carry_on)
{
	unsigned int opened;

	close_then_open(900, &opened);
	cr_expect_eq(opened, 900u);
	cr_expect_eq(t.w.stats.proxy_no_port, 0);
}
