/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_OUT_H
#define PCL_OUT_H

#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "net/pcl_pkt.h"
#include "net/pcl_tuple.h"

/* Everything that varies between the TCP segments we send. */
struct pcl_out_seg {
	const struct pcl_tuple *t; /* the connection, seen from us */
	struct rte_ether_addr dst_mac;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags;
	uint16_t wnd; /* already scaled down */
	const uint8_t *opts;
	uint8_t optlen;  /* multiple of 4 */
	uint16_t paylen; /* payload already in place after the options */
};

/* Where a segment's options start in the frame (the payload follows them). */
static inline uint16_t
pcl_out_hdr_len(const struct pcl_tuple *t)
{
	return likely(!pcl_tuple_is6(t)) ? PCL_HDR_LEN : PCL_HDR6_LEN;
}

/*
 * Writes Ethernet (from net's MAC), IPv4 and TCP headers at the start of
 * m's data and sets its length to headers + options + s->paylen. The
 * checksums are summed here, or, when net->tx_csum, left to the device
 * with the offload flags set (DPDK's convention: a zero IP checksum, the
 * pseudo-header's sum in the TCP one). The caller queues m.
 */
void pcl_out_tcp(const struct pcl_pkt_ctx *net, struct rte_mbuf *m, const struct pcl_out_seg *s);

/*
 * As pcl_out_tcp, over IPv6: src6 is our address, dst6 the peer's (16 bytes
 * each). They may point into m's own header (a reply in the received frame):
 * both are read before anything is written. The payload sits at
 * PCL_HDR6_LEN + s->optlen.
 */
void pcl_out_tcp6(const struct pcl_pkt_ctx *net, struct rte_mbuf *m, const struct pcl_out_seg *s,
		  const uint8_t *src6, const uint8_t *dst6);

/*
 * Turns a validated Neighbor Solicitation (its ICMPv6 message at icmp_off)
 * into our Neighbor Advertisement for its target, in place (RFC 4861 7.2.4):
 * to the asker, solicited, with our MAC; for a DAD probe (from ::) to all
 * nodes, unsolicited, so the prober learns the address is taken.
 */
void pcl_out_nd_na(const struct rte_ether_addr *src_mac, struct rte_mbuf *m, uint16_t icmp_off);

/* Turns a validated ICMPv6 echo request (icmp_len bytes at icmp_off) into the reply, in place. */
void pcl_out_icmp6_reply(const struct rte_ether_addr *src_mac, struct rte_mbuf *m,
			 uint16_t icmp_off, uint16_t icmp_len);

/*
 * Appends to the empty m a Neighbor Solicitation from (mac, src6) for
 * target6, to its solicited-node group, with our source link-layer address
 * (RFC 4861 4.3): how an IPv6 host's MAC is asked for. With src6 NULL, the
 * duplicate address detection probe instead (RFC 4862 5.4.2): from ::,
 * without the option. Returns 0, or -ENOSPC when m has no room.
 */
int pcl_out_nd_ns(struct rte_mbuf *m, const struct rte_ether_addr *mac, const uint8_t *src6,
		  const uint8_t *target6);

/* Turns a received, validated ICMP echo request into the reply, in place. */
void pcl_out_icmp_reply(const struct rte_ether_addr *src_mac, struct rte_mbuf *m);

/* The L2 source of a received frame: where our reply goes. */
static inline struct rte_ether_addr
pcl_out_peer_mac(const struct rte_mbuf *m)
{
	return rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr;
}

#endif
