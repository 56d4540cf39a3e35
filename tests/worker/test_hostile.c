/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hostile input through the real worker, one test per kind, each with its
 * exact outcome: which drop counter moves (and nothing else answers), or
 * which RFC reply goes out. The teardown checks that no mbuf was lost.
 * Frame validation of every byte position is unit-tested in test_pkt.c;
 * here the whole path runs, state and replies included.
 */
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"

#define X 1000u /* the client's ISN */

static const char get10[] = "GET / HTTP/1.0\r\n\r\n";

TH_FIXTURE()

TestSuite(hostile, .init = setup, .fini = teardown);

static struct rte_ipv4_hdr *
ip_of(struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, PCL_L2_LEN);
}

static struct rte_tcp_hdr *
tcp_of(struct rte_mbuf *m)
{
	return (struct rte_tcp_hdr *)((uint8_t *)ip_of(m) + rte_ipv4_hdr_len(ip_of(m)));
}

/* Recomputes both checksums after an edit, so only the edit is wrong. */
static void
refresh(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = ip_of(m);

	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tcp_of(m)->cksum = 0;
	tcp_of(m)->cksum = rte_ipv4_udptcp_cksum(ip, tcp_of(m));
}

static uint64_t
all_drops(void)
{
	uint64_t d = 0;
	unsigned int i;

	for (i = 0; i < PCL_DROP_MAX; i++)
		d += t.w.stats.drop[i];
	return d;
}

/* m is dropped for why alone: no reply, no state, one count. */
static void
expect_dropped(struct rte_mbuf *m, enum pcl_drop why)
{
	uint64_t before = all_drops(), was = t.w.stats.drop[why];
	uint32_t used = pcl_pool_used(&t.w.tcp.pool);

	th_send_mbuf(&t, m);
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0, "%s: answered", pcl_drop_names[why]);
	cr_expect_eq(t.w.stats.drop[why], was + 1, "%s not counted", pcl_drop_names[why]);
	cr_expect_eq(all_drops(), before + 1, "%s: counted elsewhere too", pcl_drop_names[why]);
	cr_expect_eq(pcl_pool_used(&t.w.tcp.pool), used, "%s: an entry was taken",
		     pcl_drop_names[why]);
}

static struct rte_mbuf *
syn_frame(void)
{
	return th_frame(&t, &(struct th_seg){.flags = SYN, .seq = X});
}

/* The SYN is answered with a SYN-ACK as usual (the control for each edit). */
static void
expect_synack(struct rte_mbuf *m)
{
	th_send_mbuf(&t, m);
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, SYN | ACK);
	cr_expect_eq(r[0].s.ack, X + 1);
}

Test(hostile, control_syn_is_answered)
{
	expect_synack(syn_frame());
}

Test(hostile, truncated_headers)
{
	struct rte_mbuf *m = syn_frame();

	/* Ethernet cut short. */
	rte_pktmbuf_trim(m, m->pkt_len - 10);
	expect_dropped(m, PCL_DROP_runt);
	/* IP header cut short. */
	m = syn_frame();
	rte_pktmbuf_trim(m, m->pkt_len - PCL_L2_LEN - 12);
	expect_dropped(m, PCL_DROP_runt);
	/* TCP header cut short: the IP total length says more arrived. */
	m = syn_frame();
	rte_pktmbuf_trim(m, m->pkt_len - PCL_L2_LEN - PCL_IP_LEN - 12);
	expect_dropped(m, PCL_DROP_ip_hdr);
	/* ... and with a total length that agrees: no room for a TCP header. */
	m = syn_frame();
	rte_pktmbuf_trim(m, m->pkt_len - PCL_L2_LEN - PCL_IP_LEN - 12);
	ip_of(m)->total_length = rte_cpu_to_be_16(PCL_IP_LEN + 12);
	ip_of(m)->hdr_checksum = 0;
	ip_of(m)->hdr_checksum = rte_ipv4_cksum(ip_of(m));
	expect_dropped(m, PCL_DROP_tcp_hdr);
}

Test(hostile, ip_header_length)
{
	struct rte_mbuf *m = syn_frame();

	ip_of(m)->version_ihl = 0x44; /* 16 bytes: less than 20 */
	ip_of(m)->hdr_checksum = 0;
	ip_of(m)->hdr_checksum = rte_ipv4_cksum(ip_of(m));
	expect_dropped(m, PCL_DROP_ip_hdr);
	m = syn_frame();
	ip_of(m)->version_ihl = 0x4f; /* 60 bytes: more than the total of 40 */
	ip_of(m)->total_length = RTE_BE16(40);
	expect_dropped(m, PCL_DROP_ip_hdr);
	m = syn_frame();
	ip_of(m)->total_length = RTE_BE16(1400); /* more than arrived */
	refresh(m);
	expect_dropped(m, PCL_DROP_ip_hdr);
}

Test(hostile, tcp_data_offset)
{
	struct rte_mbuf *m = syn_frame();

	tcp_of(m)->data_off = 4 << 4;
	refresh(m);
	expect_dropped(m, PCL_DROP_tcp_hdr);
	m = syn_frame();
	tcp_of(m)->data_off = 6 << 4; /* 24 bytes, past the 20 that arrived */
	refresh(m);
	expect_dropped(m, PCL_DROP_tcp_hdr);
}

Test(hostile, tcp_option_lengths)
{
	static const uint8_t len0[] = {8, 0, 0, 0}, len1[] = {8, 1, 0, 0}, past[] = {1, 1, 8, 10};
	const uint8_t *bad[] = {len0, len1, past};
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++)
		expect_dropped(th_frame(&t, &(struct th_seg){.flags = SYN,
							     .seq = X,
							     .opts = bad[i],
							     .optlen = 4}),
			       PCL_DROP_tcp_opt);
}

/* SYN+FIN, SYN+RST, no flags and all flags never reach the state machine. */
Test(hostile, impossible_flag_combinations)
{
	static const uint8_t bad[] = {SYN | FIN, SYN | RST, 0, 0xff, FIN, PSH, SYN | FIN | PSH};
	unsigned int i;

	for (i = 0; i < sizeof(bad); i++)
		expect_dropped(th_frame(&t, &(struct th_seg){.flags = bad[i], .seq = X}),
			       PCL_DROP_tcp_flags);
	/* The same on an open connection: it stays open, unanswered. */
	th_handshake(&t, X, NULL, 0);
	for (i = 0; i < sizeof(bad); i++) {
		th_send(&t, &(struct th_seg){.flags = bad[i], .seq = X + 1});
		cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	}
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 1);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_tcp_flags], 2 * sizeof(bad));
}

/* A SYN-ACK to the listener: RFC 9293 3.10.7.2 answers <SEQ=SEG.ACK><CTL=RST>. */
Test(hostile, synack_to_listener_gets_rst)
{
	th_send(&t, &(struct th_seg){.flags = SYN | ACK, .seq = X, .ack = 77777});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, RST);
	cr_expect_eq(r[0].s.seq, 77777);
	cr_expect_eq(pcl_pool_used(&t.w.tcp.pool), 0);
}

/* Fragments are dropped, the first as well as the rest (see pcl_pkt.c for why). */
Test(hostile, ip_fragments)
{
	struct rte_mbuf *m = syn_frame();

	ip_of(m)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_MF_FLAG);
	refresh(m);
	expect_dropped(m, PCL_DROP_ip_frag);
	m = syn_frame();
	ip_of(m)->fragment_offset = RTE_BE16(185); /* offset 1480 */
	refresh(m);
	expect_dropped(m, PCL_DROP_ip_frag);
	/* DF alone is no fragment. */
	m = syn_frame();
	ip_of(m)->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	refresh(m);
	expect_synack(m);
}

/* Moves the L3 payload back to make room for IP options o (a multiple of 4). */
static struct rte_mbuf *
syn_with_ip_opts(const uint8_t *o, uint16_t olen)
{
	struct rte_mbuf *m = syn_frame();
	uint16_t l4len = (uint16_t)(m->pkt_len - PCL_L2_LEN - PCL_IP_LEN);
	uint8_t *l3 = (uint8_t *)ip_of(m);

	cr_assert_not_null(rte_pktmbuf_append(m, olen));
	memmove(l3 + PCL_IP_LEN + olen, l3 + PCL_IP_LEN, l4len);
	memcpy(l3 + PCL_IP_LEN, o, olen);
	ip_of(m)->version_ihl = (uint8_t)(0x40 | (PCL_IP_LEN + olen) / 4);
	ip_of(m)->total_length = rte_cpu_to_be_16(PCL_IP_LEN + olen + l4len);
	refresh(m);
	return m;
}

/*
 * IP options are ignored and the reply carries none; a source route is
 * dropped (RFC 7126: we would not send the answer back along it).
 */
Test(hostile, ip_options)
{
	static const uint8_t rr[] = {7, 7, 4, 0, 0, 0, 0, 0}; /* record route, EOL */
	static const uint8_t lsrr[] = {131, 7, 4, 10, 0, 0, 1, 0};
	static const uint8_t ssrr[] = {137, 7, 4, 10, 0, 0, 1, 0};
	struct rte_mbuf *reply;

	th_send_mbuf(&t, syn_with_ip_opts(rr, sizeof(rr)));
	reply = th_raw_reply(&t);
	cr_assert_not_null(reply);
	cr_expect_eq(ip_of(reply)->version_ihl, RTE_IPV4_VHL_DEF, "the reply has no IP options");
	cr_expect_eq(tcp_of(reply)->tcp_flags, SYN | ACK);
	cr_expect_eq(rte_be_to_cpu_32(tcp_of(reply)->recv_ack), X + 1);
	rte_pktmbuf_free(reply);
	expect_dropped(syn_with_ip_opts(lsrr, sizeof(lsrr)), PCL_DROP_ip_srcroute);
	expect_dropped(syn_with_ip_opts(ssrr, sizeof(ssrr)), PCL_DROP_ip_srcroute);
}

/*
 * No answer ever goes to a broadcast or multicast address (RFC 1122
 * 4.2.3.10): a SYN, and an ACK for no connection (which would get an RST),
 * from such a source are dropped.
 */
Test(hostile, broadcast_and_multicast_sources)
{
	static const uint32_t src[] = {0xffffffff, 0xe0000001, 0xc61200ff, 0x7f000001, 0};
	unsigned int i;
	struct rte_mbuf *m;

	for (i = 0; i < RTE_DIM(src); i++) {
		m = syn_frame();
		ip_of(m)->src_addr = rte_cpu_to_be_32(src[i]);
		refresh(m);
		expect_dropped(m, PCL_DROP_bad_src);
		m = th_frame(&t, &(struct th_seg){.flags = ACK, .seq = X, .ack = 5});
		ip_of(m)->src_addr = rte_cpu_to_be_32(src[i]);
		refresh(m);
		expect_dropped(m, PCL_DROP_bad_src);
	}
	m = syn_frame();
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->src_addr.addr_bytes[0] = 0x01;
	expect_dropped(m, PCL_DROP_bad_src);
}

Test(hostile, other_destinations)
{
	struct rte_mbuf *m = syn_frame();

	ip_of(m)->dst_addr = RTE_BE32(0xc6120003);
	refresh(m);
	expect_dropped(m, PCL_DROP_not_ours);
	m = syn_frame();
	rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr.addr_bytes[5] ^= 0x40;
	expect_dropped(m, PCL_DROP_not_ours);
	m = syn_frame();
	memset(&rte_pktmbuf_mtod(m, struct rte_ether_hdr *)->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	expect_dropped(m, PCL_DROP_not_ours);
	m = syn_frame();
	ip_of(m)->dst_addr = RTE_BE32(0xc61200ff); /* the subnet broadcast */
	refresh(m);
	expect_dropped(m, PCL_DROP_not_ours);
}

/* Land: our own address and port as the source. */
Test(hostile, land_attack)
{
	struct rte_mbuf *m = th_frame(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = 80});

	ip_of(m)->src_addr = TH_SERVER_IP;
	refresh(m);
	expect_dropped(m, PCL_DROP_bad_src);
}

/* The established client's GET, with its window open or closed; one reply. */
static void
ask(uint32_t y, bool zero_win)
{
	th_send(&t, &(struct th_seg){.flags = ACK | PSH,
				     .seq = X + 1,
				     .ack = y + 1,
				     .zero_win = zero_win,
				     .data = get10,
				     .len = (uint16_t)strlen(get10)});
	cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1);
}

/*
 * A client that keeps its window at zero forever: the persist timer probes
 * with one byte at the backed-off RTO, the client's ACKs (window still 0)
 * do not count as progress, and after the retry limit the entry is freed.
 * Without the limit one client could hold entries for ever.
 */
Test(hostile, zero_window_forever)
{
	uint32_t y = th_handshake(&t, X, NULL, 0);
	uint32_t u = X + 1 + (uint32_t)strlen(get10), rto = t.cfg.tcp.rto_ms, i;

	ask(y, true);
	for (i = 0; i < t.cfg.tcp.retries; i++) {
		th_advance(&t, rto - 10);
		cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0, "probe %u early", i);
		th_advance(&t, 10);
		cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1, "probe %u", i);
		cr_expect_eq(r[0].s.seq, y + 1);
		cr_expect_eq(r[0].s.len, 1);
		th_send(&t,
			&(struct th_seg){.flags = ACK, .seq = u, .ack = y + 1, .zero_win = true});
		cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
		rto = RTE_MIN(rto * 2, t.cfg.tcp.rto_max_ms);
	}
	th_advance(&t, rto);
	cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	cr_expect_eq(th_state(&t, PCL_TCP_ESTABLISHED), 0);
	cr_expect_eq(t.w.stats.conn_retry_limit, 1);
	cr_expect_eq(pcl_pool_used(&t.w.tcp.pool), 0);
}

/*
 * A client that asks and never acknowledges the answer: the response (with
 * its FIN) is retransmitted with exponential backoff, then the entry is
 * freed. The whole wait is the sum of the backed-off RTOs.
 */
Test(hostile, client_never_acks_the_response)
{
	uint32_t y = th_handshake(&t, X, NULL, 0);
	uint32_t rto = t.cfg.tcp.rto_ms, waited = 0, i;

	ask(y, false);
	cr_expect_eq(r[0].s.flags, ACK | PSH | FIN);
	for (i = 0; i <= t.cfg.tcp.retries; i++) {
		th_advance(&t, rto);
		waited += rto;
		cr_expect_eq(th_replies(&t, r, TH_MAX_REPLIES), i < t.cfg.tcp.retries, "at %u ms",
			     waited);
		rto = RTE_MIN(rto * 2, t.cfg.tcp.rto_max_ms);
	}
	/* Defaults: 1+2+4+8+16+32+60+60 s of retransmissions, then 60 s more. */
	cr_expect_eq(waited, 243000);
	cr_expect_eq(th_state(&t, PCL_TCP_FIN_WAIT_1), 0);
	cr_expect_eq(t.w.stats.conn_retry_limit, 1);
	cr_expect_eq(t.w.stats.rexmits, t.cfg.tcp.retries);
	cr_expect_eq(pcl_pool_used(&t.w.tcp.pool), 0);
}

TH_TWEAKED_SUITE(ports, c->tcp.conns = 65536; c->tcp.syn_backlog = 65536);

/*
 * 64 K connections from one address, every source port from 1 to 65535:
 * each gets its own entry and ISN, all establish, each closes by itself.
 */
Test(ports, one_address_every_source_port)
{
	uint32_t port, n = 65535, distinct = 0;
	static uint32_t isn[65536];

	for (port = 1; port <= n; port++) {
		th_send(&t, &(struct th_seg){.flags = SYN, .seq = X, .sport = (uint16_t)port});
		cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 1, "port %u", port);
		isn[port] = r[0].s.seq;
		th_send(&t, &(struct th_seg){.flags = ACK,
					     .seq = X + 1,
					     .ack = isn[port] + 1,
					     .sport = (uint16_t)port});
	}
	cr_assert_eq(th_state(&t, PCL_TCP_ESTABLISHED), n);
	cr_expect_eq(t.w.stats.conn_opened, n);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_table_full] + t.w.stats.drop[PCL_DROP_syn_backlog], 0);
	/* Keyed ISNs differ per port (RFC 6528); count neighbours that differ. */
	for (port = 2; port <= n; port++)
		distinct += isn[port] != isn[port - 1];
	cr_expect_geq(distinct, n - 3);
	for (port = 1; port <= n; port++) {
		th_send(&t, &(struct th_seg){.flags = RST, .seq = X + 1, .sport = (uint16_t)port});
		cr_assert_eq(th_replies(&t, r, TH_MAX_REPLIES), 0);
	}
	cr_expect_eq(t.w.stats.conn_reset, n);
	cr_expect_eq(pcl_pool_used(&t.w.tcp.pool), 0);
}
