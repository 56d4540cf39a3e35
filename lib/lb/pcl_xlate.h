/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_XLATE_H
#define PCL_XLATE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ip.h>
#include <rte_tcp.h>

/*
 * How the segments of one direction of a proxied connection are rewritten:
 * full NAT (both addresses and ports, within one family), the sequence and acknowledgment
 * spaces shifted by the difference between the two handshakes' ISNs,
 * timestamps shifted between the two ends' clocks, and windows rescaled
 * when the two ends' window scales differ. Additions are modulo 2^32.
 */
struct pcl_xlate {
	rte_be32_t saddr, daddr; /* the new source and destination */
	rte_be16_t sport, dport;
	uint32_t seq_add;   /* to the sequence number */
	uint32_t ack_add;   /* to the acknowledgment number and every SACK edge */
	uint32_t tsval_add; /* to TSval */
	uint32_t tsecr_add; /* to TSecr */
	uint8_t wnd_from;   /* the sender's window scale (what its window field means) */
	uint8_t wnd_to;     /* the scale the receiver applies */
	bool strip_sack;    /* the receiver did not negotiate SACK: blocks become NOPs */
	bool strip_ts;      /* nor timestamps: the TS option becomes NOPs */
};

/*
 * Rewrites the IPv4 header ip and the TCP header th that follows it, in
 * place, as x says, updating both checksums incrementally (the result is
 * the checksum a full recomputation gives). The options must be well formed,
 * as pcl_pkt_parse() leaves them; SYN segments are never translated (the
 * proxy writes its own). A rescaled window that does not fit 16 bits is
 * clamped.
 */
void pcl_xlate_tcp(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th, const struct pcl_xlate *x);

/*
 * As pcl_xlate_tcp(), over IPv6 without extension headers: the addresses
 * become src and dst (16 bytes each; x's IPv4 ones are not read), and the
 * TCP checksum follows them through the pseudo-header (RFC 8200 8.1).
 */
void pcl_xlate_tcp6(struct rte_ipv6_hdr *ip, struct rte_tcp_hdr *th, const struct pcl_xlate *x,
		    const uint8_t *src, const uint8_t *dst);

#endif
