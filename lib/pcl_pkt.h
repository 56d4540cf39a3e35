/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PKT_H
#define PCL_PKT_H

#include <stdint.h>

#include <rte_ether.h>

#include "pcl_opt.h"
#include "pcl_stats.h"
#include "pcl_tuple.h"

/* Our headers are never longer than these: no VLAN tag, no IP options sent. */
#define PCL_L2_LEN  ((uint16_t)sizeof(struct rte_ether_hdr))
#define PCL_IP_LEN  20
#define PCL_TCP_LEN 20
#define PCL_HDR_LEN (PCL_L2_LEN + PCL_IP_LEN + PCL_TCP_LEN)

/* What a received frame is, once validated. */
enum pcl_pkt_kind {
	PCL_PKT_TCP,
	PCL_PKT_ARP_REQUEST,
	PCL_PKT_ICMP_ECHO,
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
	struct pcl_opts opts;
};

/* Where our address is; a frame for any other MAC or IP is not ours. */
struct pcl_pkt_ctx {
	struct rte_ether_addr mac;
	rte_be32_t addr;
};

/*
 * Validates an Ethernet frame of len bytes and classifies it. For TCP it
 * fills *seg. ol_flags are the mbuf's RX offload flags: a checksum the NIC
 * marked GOOD is not computed again, one it marked BAD is dropped, and
 * UNKNOWN ones are verified in software.
 *
 * Returns an enum pcl_pkt_kind, or -(PCL_DROP_x + 1) naming why the frame is
 * dropped (use pcl_pkt_drop_reason() to turn it back into the enum).
 */
int pcl_pkt_parse(const uint8_t *frame, uint32_t len, uint64_t ol_flags,
		  const struct pcl_pkt_ctx *ctx, struct pcl_seg *seg);

static inline enum pcl_drop
pcl_pkt_drop_reason(int rc)
{
	return (enum pcl_drop)(-rc - 1);
}

#endif
