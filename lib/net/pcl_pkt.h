/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PKT_H
#define PCL_PKT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>

#include "base/pcl_stats.h"
#include "net/pcl_opt.h"
#include "net/pcl_tuple.h"

/* Our headers are never longer than these: no VLAN tag, no IP options sent. */
#define PCL_L2_LEN  ((uint16_t)sizeof(struct rte_ether_hdr))
#define PCL_IP_LEN  20
#define PCL_TCP_LEN 20
#define PCL_HDR_LEN (PCL_L2_LEN + PCL_IP_LEN + PCL_TCP_LEN)
/* IPv6: we send no extension headers. */
#define PCL_IP6_LEN  40
#define PCL_HDR6_LEN (PCL_L2_LEN + PCL_IP6_LEN + PCL_TCP_LEN)

/* What a received frame is, once validated. */
enum pcl_pkt_kind {
	PCL_PKT_TCP,
	PCL_PKT_ARP_REQUEST, /* for our address */
	PCL_PKT_ARP_REPLY,   /* to our address: a neighbour's MAC */
	PCL_PKT_ICMP_ECHO,
	PCL_PKT_TCP6,       /* seg->t's addresses not resolved yet: see pcl_tcp_input6() */
	PCL_PKT_ND_NS,      /* a valid Neighbor Solicitation for one of our addresses */
	PCL_PKT_ND_NA,      /* a valid Neighbor Advertisement with the target's MAC */
	PCL_PKT_ICMP6_ECHO, /* to one of our unicast addresses */
	PCL_PKT_TCP_LOCAL,  /* IPv4 TCP to one of the port's local addresses (pcl_pkt_ctx) */
	PCL_PKT_ND_DUP,     /* a valid NA from another host for one of our IPv6 addresses */
};

/* A received TCP segment: header fields in host order, options parsed. */
struct pcl_seg {
	struct pcl_tuple t;
	uint32_t seq;
	uint32_t ack;
	uint16_t wnd;         /* as received, not yet scaled */
	uint8_t flags;        /* RTE_TCP_*_FLAG */
	uint16_t len;         /* payload bytes, SYN and FIN not counted */
	uint16_t payload_off; /* from the start of the frame */
	uint8_t ifx; /* the interface it arrived on (set by the receiver, not the parser) */
	/*
	 * IPv6 only (never read for IPv4): the received header's source address
	 * followed by its destination, 32 bytes, as struct pcl_tuple6 begins.
	 */
	const uint8_t *a6;
	struct pcl_opts opts;
};

/*
 * IPv4 addresses of a port's besides its own (port.local_addrs), used only
 * as sources toward backends.
 */
#define PCL_LOCAL_ADDRS_MAX 64
struct pcl_local_addrs {
	uint8_t n;
	rte_be32_t a[PCL_LOCAL_ADDRS_MAX];
};

/* Where our address is; a frame for any other MAC or IP is not ours. */
struct pcl_pkt_ctx {
	struct rte_ether_addr mac;
	/*
	 * The device sums the IPv4 header and the TCP segment of what we send
	 * (pcl_port_tx_csum): segments leave with the pseudo-header's sum only.
	 */
	bool tx_csum;
	rte_be32_t addr;
	rte_be32_t bcast; /* our subnet's directed broadcast; 0 for a /31 or /32 */
	/* IPv6 (port.addr6): without it every IPv6 frame is dropped as before. */
	bool has6;
	uint8_t addr6[16]; /* the configured address */
	uint8_t ll6[16];   /* the link-local one, from the MAC (pcl_pkt_ll6) */
	/*
	 * ARP is answered for the local addresses and TCP to them is
	 * PCL_PKT_TCP_LOCAL, never a client's. Last, so the hot fields above
	 * share a cache line.
	 */
	struct pcl_local_addrs local;
};

/* The directed broadcast address of addr/prefix_len, or 0 when it has none. */
static inline rte_be32_t
pcl_pkt_bcast(rte_be32_t addr, uint8_t prefix_len)
{
	if (prefix_len >= 31)
		return 0;
	return addr | rte_cpu_to_be_32(UINT32_MAX >> prefix_len);
}

/*
 * Validates an Ethernet frame of len bytes and classifies it. For TCP it
 * fills *seg. ol_flags are the mbuf's RX offload flags: a checksum the NIC
 * marked GOOD is not computed again, one it marked BAD is dropped, and
 * UNKNOWN ones are verified in software.
 *
 * Returns an enum pcl_pkt_kind, or -(PCL_DROP_x + 1) naming why the frame is
 * dropped (use pcl_pkt_drop_reason() to turn it back into the enum).
 */
/*
 * The 4-tuple of an unfragmented IPv4/TCP frame, read without validating
 * anything else (steering only: the owner parses the frame for real).
 * Returns false for anything else, which stays with the worker that got it.
 */
static inline bool
pcl_pkt_flow(const uint8_t *f, uint32_t len, struct pcl_tuple *t)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)f;
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
	uint32_t ihl;

	if (len < PCL_HDR_LEN || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ip->next_proto_id != IPPROTO_TCP ||
	    (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)))
		return false;
	ihl = (ip->version_ihl & 0xfu) * 4u;
	if (ihl < PCL_IP_LEN || PCL_L2_LEN + ihl + 4 > len)
		return false;
	t->raddr = ip->src_addr;
	t->laddr = ip->dst_addr;
	memcpy(&t->rport, f + PCL_L2_LEN + ihl, 2);
	memcpy(&t->lport, f + PCL_L2_LEN + ihl + 2, 2);
	return true;
}

int pcl_pkt_parse(const uint8_t *frame, uint32_t len, uint64_t ol_flags,
		  const struct pcl_pkt_ctx *ctx, struct pcl_seg *seg);

/*
 * The IPv6 part of pcl_pkt_parse(), for a frame whose EtherType is IPv6 and
 * whose L2 destination is our MAC or a multicast group we listen to (l2_mcast).
 * For TCP it fills *seg with the ports, sequence numbers, options, a6 and an
 * unresolved tuple (raddr = laddr = 0); for ND and echo, payload_off and len
 * give the ICMPv6 message. Same return convention as pcl_pkt_parse().
 */
int pcl_pkt_parse6(const uint8_t *frame, uint32_t len, uint64_t ol_flags,
		   const struct pcl_pkt_ctx *ctx, struct pcl_seg *seg, bool l2_mcast);

/* Our link-local address from the MAC: fe80::/64 with the modified EUI-64 (RFC 4291 2.5.1). */
void pcl_pkt_ll6(const struct rte_ether_addr *mac, uint8_t out[16]);

/*
 * The link-layer address option of a Neighbor Solicitation or
 * Advertisement pcl_pkt_parse6() validated (icmp_len bytes at icmp): the
 * MAC the message names, source (NS) or target (NA); NULL without one.
 */
const struct rte_ether_addr *pcl_pkt_nd_lladdr(const uint8_t *icmp, uint32_t icmp_len);

/* Whether a is one of ctx's local addresses (not its own: ctx->addr). */
bool pcl_pkt_local(const struct pcl_pkt_ctx *ctx, rte_be32_t a);

/* Whether a is one of ctx's IPv6 unicast addresses. */
static inline bool
pcl_pkt_ours6(const struct pcl_pkt_ctx *ctx, const uint8_t *a)
{
	return ctx->has6 && (memcmp(a, ctx->addr6, 16) == 0 || memcmp(a, ctx->ll6, 16) == 0);
}

/*
 * The 36-byte tuple of an IPv6/TCP frame without extension headers, for
 * steering (as pcl_pkt_flow). Frames with extension headers stay with the
 * worker that got them: RSS hardware cannot see past them either.
 */
static inline bool
pcl_pkt_flow6(const uint8_t *f, uint32_t len, struct pcl_tuple6 *t)
{
	const struct rte_ether_hdr *eh = (const struct rte_ether_hdr *)f;
	const struct rte_ipv6_hdr *ip = (const struct rte_ipv6_hdr *)(eh + 1);

	if (len < PCL_HDR6_LEN || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV6) ||
	    ip->proto != IPPROTO_TCP)
		return false;
	memcpy(t->raddr, ip->src_addr, 32);
	memcpy(&t->rport, f + PCL_L2_LEN + PCL_IP6_LEN, 4);
	return true;
}

/* The length of a validated IP packet at l3 (its header on): IPv4's total, IPv6's 40 + payload. */
static inline uint32_t
pcl_pkt_l3_len(const void *l3)
{
	const struct rte_ipv4_hdr *ip = l3;

	if ((ip->version_ihl >> 4) == 4)
		return rte_be_to_cpu_16(ip->total_length);
	return PCL_IP6_LEN + rte_be_to_cpu_16(((const struct rte_ipv6_hdr *)l3)->payload_len);
}

static inline enum pcl_drop
pcl_pkt_drop_reason(int rc)
{
	return (enum pcl_drop)(-rc - 1);
}

#endif
