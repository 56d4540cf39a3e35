/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_GEN_H
#define PCL_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "pcl_hist.h"
#include "net/pcl_steer.h"

/*
 * The client side of cps-gen: many TCP clients on one lcore. A client is a
 * slot, one per (source address, source port); a reply finds its slot by
 * arithmetic on its destination, so there is no hash table. Slots are reused
 * in FIFO order, which keeps a 4-tuple idle for as long as it takes to cycle
 * through all of them, and each reuse starts above the last sequence number,
 * so a server still holding the tuple in TIME_WAIT accepts the new SYN
 * (RFC 1122 4.2.2.13, RFC 6191).
 *
 * A connection: SYN; SYN-ACK (handshake latency recorded); ACK, carrying the
 * request if there is one; the response; then either we close first (FIN,
 * the server's ACK and FIN, our ACK) or, with an HTTP/1.0 request, the server
 * does (its FIN, our FIN, its ACK); close_mix takes the two in turn. It counts as completed when
 * both FINs are acknowledged. The generator keeps no TIME_WAIT and never retransmits: a connection
 * that is not completed within the timeout is a failure.
 */

#define PCL_GEN_MAX_Q 8
#define PCL_GEN_TX    512 /* frames queued per TX queue between flushes */

#define PCL_GEN_FAILS(X)                                                                           \
	X(no_synack, "no SYN-ACK within the timeout")                                              \
	X(rst, "reset by the server")                                                              \
	X(timeout, "handshake done but not closed within the timeout")                             \
	X(bad_response, "the server closed before the whole response arrived")

enum pcl_gen_fail {
#define X(name, help) PCL_GEN_FAIL_##name,
	PCL_GEN_FAILS(X)
#undef X
		PCL_GEN_FAIL_MAX
};

extern const char *const pcl_gen_fail_names[PCL_GEN_FAIL_MAX];

/*
 * What --flood sends from spoofed addresses, with its TCP flags: SYNs (a
 * SYN-ACK or a cookie each), RSTs (dropped: they match nothing) and bare
 * ACKs with a random acknowledgment (no cookie validates: an RST each).
 */
#define PCL_GEN_FLOODS(X)                                                                          \
	X(syn, RTE_TCP_SYN_FLAG)                                                                   \
	X(rst, RTE_TCP_RST_FLAG)                                                                   \
	X(ack, RTE_TCP_ACK_FLAG)

enum pcl_gen_flood {
#define X(name, flags) PCL_GEN_FLOOD_##name,
	PCL_GEN_FLOODS(X)
#undef X
		PCL_GEN_FLOOD_MAX,
	PCL_GEN_FLOOD_mix = PCL_GEN_FLOOD_MAX, /* a configuration only: each kind in turn */
};

/* "syn", "rst", "ack", then "mix" at PCL_GEN_FLOOD_mix. */
extern const char *const pcl_gen_flood_names[PCL_GEN_FLOOD_MAX + 1];

/* The flood kind (mix included) called name; -EINVAL when none is. */
int pcl_gen_flood_kind(const char *name);

struct pcl_gen_cfg {
	rte_be32_t dst_addr;
	uint16_t dport;
	uint32_t src_first; /* host order */
	uint32_t nsrc;
	uint16_t sport_first;
	uint32_t nsport;
	uint32_t concurrency; /* connections open at once, at most */
	uint32_t timeout_ms;
	bool request;      /* send an HTTP GET and read the response */
	bool server_close; /* HTTP/1.0: the server closes first */
	bool close_mix;    /* every other connection does, the others close first */
	/* --flood: spoofed segments from flood_n addresses from flood_first */
	uint32_t flood_first; /* host order */
	uint32_t flood_n;
	uint8_t flood_kind; /* enum pcl_gen_flood, PCL_GEN_FLOOD_mix included */
	uint16_t nq;        /* TX queues; a connection uses the one its RSS hash picks */
	uint16_t mss;       /* offered in the SYN */
};

struct pcl_gen_stats {
	uint64_t opened;
	uint64_t completed;
	uint64_t fail[PCL_GEN_FAIL_MAX];
	uint64_t tx_drop;    /* frames dropped: the TX queue was full */
	uint64_t no_mbuf;    /* frames not built: pool empty */
	uint64_t no_slot;    /* opens skipped: every slot busy */
	uint64_t flood_sent; /* spoofed segments, every kind */
	uint64_t flood_kind_sent[PCL_GEN_FLOOD_MAX];
	uint64_t flood_synack;   /* replies to spoofed addresses: SYN-ACKs */
	uint64_t flood_rst_back; /* and RSTs */
	uint64_t stray;          /* segments for no open connection */
};

struct pcl_gen_slot;

struct pcl_gen {
	struct pcl_gen_cfg cfg;
	struct rte_mempool *mp;
	struct rte_ether_addr mac, dst_mac;
	uint64_t hz;
	uint64_t timeout_tsc;
	uint32_t nslots;
	uint32_t active;
	struct pcl_gen_slot *slots;
	/* free slots, FIFO */
	uint32_t *free_q;
	uint32_t free_head, free_n;
	/* open slots in the order they opened: (slot, generation), for timeouts */
	uint64_t *open_q;
	uint32_t open_head, open_n;
	uint8_t syn_opt[4]; /* the MSS option every SYN carries */
	struct pcl_steer steer;
	uint16_t tx_n[PCL_GEN_MAX_Q];
	struct rte_mbuf *tx[PCL_GEN_MAX_Q][PCL_GEN_TX];
	struct pcl_gen_stats st;
	struct pcl_hist lat; /* handshake latency in ns since the last pcl_gen_take_hist */
};

/* Prepares g; slots live in DPDK memory. Returns 0, -EINVAL or -ENOMEM. */
int pcl_gen_init(struct pcl_gen *g, const struct pcl_gen_cfg *cfg, struct rte_mempool *mp,
		 const struct rte_ether_addr *mac);
void pcl_gen_fini(struct pcl_gen *g);

/*
 * Opens up to n connections now (TSC). Stops early when every slot is busy,
 * the concurrency is reached, or the port has not taken half a TX queue of
 * earlier frames (so replies always find room). Returns SYNs queued.
 */
uint32_t pcl_gen_open(struct pcl_gen *g, uint64_t now, uint32_t n);

/*
 * Queues up to n spoofed segments of the configured kind (mix: SYN, RST, ACK
 * in turn) from random flood addresses and ports, as room in the TX queues
 * allows. Returns how many.
 */
uint32_t pcl_gen_flood(struct pcl_gen *g, uint32_t n);

/* Handles a received frame (ARP for our addresses, the server's segments); frees it. */
void pcl_gen_input(struct pcl_gen *g, struct rte_mbuf *m, uint64_t now);

/* Fails the connections older than the timeout. */
void pcl_gen_expire(struct pcl_gen *g, uint64_t now);

/* Fails every connection still open (the end of a run). */
void pcl_gen_abort(struct pcl_gen *g);

/* An ARP request for the server's address, queued on TX queue 0. */
void pcl_gen_arp_request(struct pcl_gen *g);

/*
 * Bytes of an HTTP response still to come after its first segment p (len
 * bytes): headers plus Content-Length minus what arrived. Without both (not
 * HTTP, or headers longer than a segment) the first segment is the response
 * and the answer is 0.
 */
int32_t pcl_gen_resp_left(const char *p, uint16_t len);

/* Free room in the fullest TX queue. */
static inline uint16_t
pcl_gen_tx_room(const struct pcl_gen *g)
{
	uint16_t q, most = 0;

	for (q = 0; q < g->cfg.nq; q++)
		most = RTE_MAX(most, g->tx_n[q]);
	return (uint16_t)(PCL_GEN_TX - most);
}

/* Sends what is queued; what the port refuses stays queued for the next call. */
void pcl_gen_flush(struct pcl_gen *g, uint16_t port);

#endif
