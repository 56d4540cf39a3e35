/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbours through the real worker: worker 0 asks for a backend's MAC
 * once a second until it knows it, and again when it is a minute old; an
 * ARP reply or request from the backend teaches it; one from anyone else
 * is dropped and counted.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <rte_arp.h>

#include "harness.h"
#include "net/pcl_arp.h"
#include "net/pcl_out.h"
#include "peer/pcl_peer.h"

#define BACKEND RTE_BE32(0xc612000b) /* 198.18.0.11 */

TH_FIXTURE()
static struct pcl_neigh neigh;

static void
setup_neigh(void)
{
	struct pcl_addr b = pcl_addr_from4(BACKEND);

	setup();
	memset(&neigh, 0, sizeof(neigh));
	cr_assert_eq(pcl_neigh_add(&neigh, &b, 0), 0);
	t.w.neigh = &neigh;
}

TestSuite(neigh, .init = setup_neigh, .fini = teardown);

static const struct rte_ether_addr backend_mac = {{0x02, 0, 0, 0, 0, 0x0b}};

/* The one frame queued: an ARP request for BACKEND from our address. */
static void
expect_request(void)
{
	struct rte_mbuf *m = th_raw_reply(&t);
	const struct rte_ether_hdr *eh;
	const struct rte_arp_hdr *a;

	cr_assert_not_null(m, "no ARP request");
	eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	a = (const struct rte_arp_hdr *)(eh + 1);
	cr_expect(rte_is_broadcast_ether_addr(&eh->dst_addr));
	cr_expect_eq(a->arp_opcode, RTE_BE16(RTE_ARP_OP_REQUEST));
	cr_expect_eq(a->arp_data.arp_tip, BACKEND);
	cr_expect_eq(a->arp_data.arp_sip, TH_SERVER_IP);
	cr_expect(rte_is_same_ether_addr(&a->arp_data.arp_sha, &t.w.ifs[0].ctx.mac));
	rte_pktmbuf_free(m);
}

/* An ARP packet of opcode op from ip (MAC backend_mac) to our address. */
static struct rte_mbuf *
arp_from(rte_be32_t ip, uint16_t op)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(t.mp);
	struct rte_ether_hdr *eh;
	struct rte_arp_hdr *a;

	cr_assert_not_null(m);
	cr_assert_eq(pcl_arp_request(m, &backend_mac, ip, TH_SERVER_IP), 0);
	eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	a = (struct rte_arp_hdr *)(eh + 1);
	a->arp_opcode = rte_cpu_to_be_16(op);
	if (op == RTE_ARP_OP_REPLY)
		eh->dst_addr = t.w.ifs[0].ctx.mac;
	return m;
}

Test(neigh, asks_until_it_knows_then_every_minute)
{
	struct rte_ether_addr mac;

	pcl_worker_probe(&t.w);
	expect_request();
	pcl_worker_probe(&t.w);
	cr_expect_null(th_raw_reply(&t), "once a second at most");
	th_advance(&t, 1000);
	pcl_worker_probe(&t.w);
	expect_request();
	th_send_mbuf(&t, arp_from(BACKEND, RTE_ARP_OP_REPLY));
	cr_expect_eq(t.w.stats.arp_learned, 1);
	cr_assert(pcl_neigh_mac(&neigh, 0, &mac));
	cr_expect(rte_is_same_ether_addr(&mac, &backend_mac));
	th_advance(&t, 1000);
	pcl_worker_probe(&t.w);
	cr_expect_null(th_raw_reply(&t), "known and fresh: not asked");
	th_advance(&t, 60000);
	pcl_worker_probe(&t.w);
	expect_request();
	cr_expect_eq(t.w.stats.arp_requests, 3);
}

Test(neigh, a_request_from_the_backend_teaches_too)
{
	struct rte_ether_addr mac;
	struct rte_mbuf *m;

	th_send_mbuf(&t, arp_from(BACKEND, RTE_ARP_OP_REQUEST));
	m = th_raw_reply(&t);
	cr_assert_not_null(m, "the request is answered");
	rte_pktmbuf_free(m);
	cr_expect_eq(t.w.stats.arp_learned, 1);
	cr_expect(pcl_neigh_mac(&neigh, 0, &mac));
}

Test(neigh, a_reply_from_a_stranger_is_dropped)
{
	th_send_mbuf(&t, arp_from(RTE_BE32(0xc6120063), RTE_ARP_OP_REPLY));
	cr_expect_null(th_raw_reply(&t));
	cr_expect_eq(t.w.stats.arp_learned, 0);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_arp], 1);
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
}

/*
 * An IPv6 backend: asked by a Neighbor Solicitation from our address to its
 * solicited-node group, learned from its Advertisement's target option.
 */
Test(neigh, ipv6_asked_by_solicitation_learned_from_advertisement)
{
	static const uint8_t ours[16] = {0xfd, 0, 0, 0x18, [15] = 2};
	struct pcl_addr b6 = {.a = {0xfd, 0, 0, 0x18, [15] = 0x11}};
	const struct rte_ipv6_hdr *ip;
	const uint8_t *ns;
	struct rte_ether_addr mac;
	struct rte_mbuf *m;
	uint32_t i;

	pcl_worker_set6(&t.w, 0, ours);
	i = pcl_neigh_add(&neigh, &b6, 0);
	pcl_neigh_learn(&neigh, &neigh.e[0].ip, &backend_mac, t.w.tcp.now_us);
	pcl_worker_probe(&t.w);
	m = th_raw_reply(&t);
	cr_assert_not_null(m, "no solicitation");
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, sizeof(struct rte_ether_hdr));
	ns = (const uint8_t *)(ip + 1);
	cr_expect_eq(ip->proto, IPPROTO_ICMPV6);
	cr_expect_eq(ip->hop_limits, 255);
	cr_expect(memcmp(ip->src_addr, ours, 16) == 0, "from our address");
	cr_expect_eq(ip->dst_addr[0], 0xff, "to the solicited-node group");
	cr_expect_eq(ip->dst_addr[15], 0x11);
	cr_expect_eq(ns[0], 135);
	cr_expect(memcmp(ns + 8, b6.a, 16) == 0, "for the backend");
	cr_expect_eq(rte_ipv6_udptcp_cksum_verify(ip, ns), 0);
	cr_expect_eq(t.w.stats.nd_solicits, 1);
	cr_expect(!pcl_neigh_mac(&neigh, i, &mac));
	/* The backend's answer: the solicitation turned round, as its kernel would send it. */
	pcl_out_nd_na(&backend_mac, m, sizeof(struct rte_ether_hdr) + sizeof(*ip));
	th_send_mbuf(&t, m);
	cr_expect_eq(t.w.stats.nd_learned, 1);
	cr_assert(pcl_neigh_mac(&neigh, i, &mac));
	cr_expect(rte_is_same_ether_addr(&mac, &backend_mac));
	cr_expect_null(th_raw_reply(&t));
}

/* A Neighbor Solicitation from an IPv6 backend teaches too (its source link-layer option). */
Test(neigh, ipv6_a_solicitation_from_the_backend_teaches_too)
{
	static const uint8_t ours[16] = {0xfd, 0, 0, 0x18, [15] = 2};
	struct pcl_addr b6 = {.a = {0xfd, 0, 0, 0x18, [15] = 0x11}};
	struct rte_ether_addr mac;
	struct rte_mbuf *m;
	uint32_t i;

	pcl_worker_set6(&t.w, 0, ours);
	i = pcl_neigh_add(&neigh, &b6, 0);
	th_send_mbuf(&t, pcl_peer_ns(t.mp, &backend_mac, b6.a, ours));
	m = th_raw_reply(&t);
	cr_assert_not_null(m, "the solicitation is answered");
	rte_pktmbuf_free(m);
	cr_expect_eq(t.w.stats.nd_adverts, 1);
	cr_expect_eq(t.w.stats.nd_learned, 1);
	cr_assert(pcl_neigh_mac(&neigh, i, &mac));
	cr_expect(rte_is_same_ether_addr(&mac, &backend_mac));
}
