/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_GEN_H
#define PCL_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "pcl_gen_rtt.h"
#include "pcl_hist.h"
#include "net/pcl_steer.h"
#include "tcp/pcl_timer.h"

/*
 * The client side of cps-gen: many TCP clients on one lcore, one generator
 * worker of several. A client is a slot, one per (source address, source
 * port) the worker owns; a reply finds its slot by arithmetic on its
 * destination and one table load, so there is no hash table. Slots are
 * reused in FIFO order, which keeps a 4-tuple idle for as long as it takes
 * to cycle through all of them, and each reuse starts above the last
 * sequence number, so a server still holding the tuple in TIME_WAIT accepts
 * the new SYN (RFC 1122 4.2.2.13, RFC 6191).
 *
 * A connection: SYN; SYN-ACK (handshake latency recorded); ACK, carrying the
 * first request if there is one; each response, and the next request on the
 * same connection (keep-alive) until `requests` are answered; then either
 * we close first (FIN, the server's ACK and FIN, our ACK) or, with HTTP/1.0
 * as the last request, the server does (its FIN, our FIN, its ACK);
 * close_mix takes the two in turn. It counts as completed when both FINs
 * are acknowledged (connection latency recorded). The generator keeps no
 * TIME_WAIT, but a free slot still acknowledges its last connection's FIN
 * again, as TIME_WAIT would.
 *
 * Retransmission: a SYN, request or FIN not acknowledged within the RTO is
 * sent again, the RTO doubling each time (pcl_gen_rtt.h); the server's
 * segments are acknowledged as a receiver must, duplicates included, so
 * its own retransmissions end. A connection not closed within the timeout
 * fails, whatever the retransmissions; without retransmission (strict mode,
 * for links that never lose), a lost segment is a failure at the timeout.
 * In both modes a repeated SYN-ACK (the server's retransmission: our third
 * segment was lost) is answered with that segment again, and counted.
 *
 * Held connections (cps-gen --idle): while hold is set, a completed
 * handshake is answered with its ACK and nothing else; the slot leaves the
 * active count (and so the concurrency) for the idle one, has no timer and
 * is not reused until the server ends it (idle_lost) or pcl_gen_release
 * resets it. Opened first, held slots keep the first clients of the free
 * queue, so the connections of later runs take other tuples.
 *
 * Each slot has one timer on a wheel (lib/tcp/pcl_timer.h, O(1) arm and
 * cancel): the next retransmission or the connection's deadline.
 *
 * Several workers: worker w of n owns the port's queues q with q % n == w
 * and the clients whose flows the server's (symmetric) RSS would put on one
 * of them, so a server with RSS, or portcullis over memif, answers each
 * flow on its owner's queue. A frame that arrives elsewhere anyway is not
 * taken (pcl_gen_input says whose it is) for the caller to hand over.
 */

#define PCL_GEN_MAX_Q 8 /* queues, and so workers */
/*
 * Frames queued per TX queue. Deep, so that while the server stalls (its
 * receive ring full) replies still find room and the receive side goes on
 * being read: a generator that stopped reading would make the server drop
 * its replies. Opening stops at half of it.
 */
#define PCL_GEN_TX         4096
#define PCL_GEN_MAX_TUPLES (1u << 26)

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
	uint32_t concurrency; /* connections open at once, at most (may change between calls) */
	uint32_t timeout_ms;  /* a connection not closed by then fails */
	bool retransmit;      /* off: strict mode, a lost segment fails its connection */
	uint32_t rto_init_ms; /* RFC 6298: before any sample (1000) */
	uint32_t rto_min_ms;  /* (1000) */
	uint32_t rto_max_ms;  /* (60000) */
	bool request;         /* send HTTP GETs and read the responses */
	uint16_t requests;    /* GETs per connection (keep-alive), 1 or more */
	int64_t resp_size;    /* the Content-Length every response must have; -1: any */
	bool server_close;    /* the last GET is HTTP/1.0: the server closes first */
	bool close_mix;       /* every other connection does, the others close first */
	/* --flood: spoofed segments from flood_n addresses from flood_first */
	uint32_t flood_first; /* host order */
	uint32_t flood_n;
	uint8_t flood_kind; /* enum pcl_gen_flood, PCL_GEN_FLOOD_mix included */
	/*
	 * IPv6: the server is dst6 (dst_addr unused); a client's address is
	 * src6 (96 bits) then src_first + i, a flooder's flood6 then
	 * flood_first + i, so both ranges count as IPv4's do.
	 */
	bool v6;
	uint8_t dst6[16];
	uint8_t src6[12];
	uint8_t flood6[12];
	uint16_t nq;        /* the port's queues; a connection uses the one its RSS hash picks */
	uint16_t reta_size; /* of the RSS table that hash is looked up in (a power of two) */
	uint16_t mss;       /* offered in the SYN */
	uint16_t worker;    /* this one, of nworkers: see above */
	uint16_t nworkers;
};

struct pcl_gen_stats {
	uint64_t opened;
	uint64_t completed;
	uint64_t fail[PCL_GEN_FAIL_MAX];
	uint64_t requests;  /* GETs sent, retransmissions not counted */
	uint64_t responses; /* complete responses (a bad one too) */
	uint64_t rtx_syn;   /* retransmissions, by what was sent again */
	uint64_t rtx_req;
	uint64_t rtx_fin;
	uint64_t rtx_conns;  /* of the completed, those that needed a retransmission */
	uint64_t late;       /* of the others, those completed after late_after */
	uint64_t missed;     /* open-loop opens skipped: every client busy (pcl_gen_miss) */
	uint64_t tx_drop;    /* frames dropped: the TX queue was full */
	uint64_t no_mbuf;    /* frames not built: pool empty */
	uint64_t no_slot;    /* calls that found every client busy */
	uint64_t flood_sent; /* spoofed segments, every kind */
	uint64_t flood_kind_sent[PCL_GEN_FLOOD_MAX];
	uint64_t flood_synack;   /* replies to spoofed addresses: SYN-ACKs */
	uint64_t flood_rst_back; /* and RSTs */
	uint64_t stray;          /* segments for no open connection */
};

struct pcl_gen_slot;

/*
 * The last response's header block and its Content-Length. A server
 * answers every request of a run with the same headers, so a response that
 * begins with them byte for byte parses as they did: one memcmp instead of
 * the scan of pcl_gen_resp_left(), which was a sixth of cps-gen's work per
 * connection (callgrind).
 */
struct pcl_gen_resp_cache {
	uint16_t hlen; /* 0: nothing cached */
	int64_t body;
	char hdr[256];
};

struct pcl_gen {
	struct pcl_gen_cfg cfg;
	struct rte_mempool *mp;
	struct rte_ether_addr mac, dst_mac;
	uint64_t hz;
	uint64_t tick_tsc;   /* TSC cycles per timer tick (1 ms) */
	uint32_t tick;       /* the tick of the last call that gave the time */
	uint64_t late_after; /* TSC: a completion after it is late (UINT64_MAX: never) */
	uint32_t nslots;     /* clients this worker owns */
	uint32_t active;
	bool hold;          /* hold each new connection idle after its handshake */
	uint32_t idle;      /* connections held now */
	uint64_t idle_est;  /* handshakes that ended held, ever */
	uint64_t idle_lost; /* held connections the server reset or closed */
	struct pcl_gen_slot *slots;
	/* client (address index * nsport + port index) -> owner << PCL_GEN_OWNER_SHIFT | slot */
	uint32_t *where;
	/* free slots, FIFO */
	uint32_t *free_q;
	uint32_t free_head, free_n;
	uint32_t abort_at; /* where pcl_gen_abort goes on */
	struct pcl_wheel wheel;
	uint32_t *wheel_mem;
	struct pcl_gen_rtt rtt;
	uint8_t syn_opt[4]; /* the MSS option every SYN carries */
	struct pcl_steer steer;
	uint16_t tx_n[PCL_GEN_MAX_Q];
	struct rte_mbuf *tx[PCL_GEN_MAX_Q][PCL_GEN_TX];
	struct pcl_gen_stats st;
	struct pcl_gen_resp_cache resp;
	struct pcl_hist lat;      /* SYN to SYN-ACK, ns, every handshake */
	struct pcl_hist conn_lat; /* SYN to the close, ns, every completed connection */
};

#define PCL_GEN_OWNER_SHIFT 29

/*
 * Prepares g, one worker (cfg->worker of cfg->nworkers) at TSC now: picks
 * the clients it owns and sets up their slots, in DPDK memory. Returns 0,
 * -EINVAL (a bad cfg, the whole check is here, or no client for this
 * worker) or -ENOMEM.
 */
int pcl_gen_init(struct pcl_gen *g, const struct pcl_gen_cfg *cfg, struct rte_mempool *mp,
		 const struct rte_ether_addr *mac, uint64_t now);
void pcl_gen_fini(struct pcl_gen *g);

/*
 * Bytes of DPDK memory the clients of cfg take, over all cfg->nworkers
 * workers: a slot and a free queue entry each, and every worker's map of
 * all of them (its timer wheel aside).
 */
uint64_t pcl_gen_memsize(const struct pcl_gen_cfg *cfg);

/*
 * Opens up to n connections now (TSC). Stops early when every slot is busy,
 * the concurrency is reached, or the port has not taken half a TX queue of
 * earlier frames (so replies always find room). Returns SYNs queued.
 */
uint32_t pcl_gen_open(struct pcl_gen *g, uint64_t now, uint32_t n);

/* Whether every client is busy: pcl_gen_open would open nothing for want of one. */
static inline bool
pcl_gen_full(const struct pcl_gen *g)
{
	return g->free_n == 0;
}

/* Counts n opens an open-loop schedule skipped because every client was busy. */
static inline void
pcl_gen_miss(struct pcl_gen *g, uint32_t n)
{
	g->st.missed += n;
}

/*
 * Queues up to n spoofed segments of the configured kind (mix: SYN, RST, ACK
 * in turn) from random flood addresses and ports, as room in the TX queues
 * allows. Returns how many.
 */
uint32_t pcl_gen_flood(struct pcl_gen *g, uint32_t n);

/*
 * Handles a received frame (ARP for our addresses, the server's segments)
 * and frees it: true. A segment for a client another worker owns is left
 * alone: false, with that worker in *owner.
 */
bool pcl_gen_input(struct pcl_gen *g, struct rte_mbuf *m, uint64_t now, uint16_t *owner);

/*
 * Runs the timers due at now: retransmits, and fails the connections past
 * their timeout (with an RST, so the server keeps nothing of them). Returns
 * how many fired.
 */
unsigned int pcl_gen_timers(struct pcl_gen *g, uint64_t now);

/*
 * Fails up to max connections still open (the end of a run), each with its
 * RSTs; returns how many are still open. With a max the TX queues have room
 * for, and a flush between calls, no RST is lost.
 */
uint32_t pcl_gen_abort(struct pcl_gen *g, uint32_t max);

/*
 * Resets up to max held connections (an RST each, the same way); returns
 * how many are still held.
 */
uint32_t pcl_gen_release(struct pcl_gen *g, uint32_t max);

/*
 * An ARP request for the server's address (IPv6: a Neighbor Solicitation),
 * queued on the worker's first queue.
 */
void pcl_gen_arp_request(struct pcl_gen *g);

/* The IPv6 address made of 96 bits of pfx and the (host order) low 32 bits. */
static inline void
pcl_gen_addr6(const uint8_t pfx[12], uint32_t low, uint8_t out[16])
{
	rte_be32_t b = rte_cpu_to_be_32(low);

	memcpy(out, pfx, 12);
	memcpy(out + 12, &b, 4);
}

/*
 * Bytes of an HTTP response still to come after its first segment p (len
 * bytes): headers plus Content-Length minus what arrived; *body is the
 * Content-Length. Without both (not HTTP, or headers longer than a segment)
 * the first segment is the response: the answer is 0 and *body -1.
 */
int32_t pcl_gen_resp_left(const char *p, uint16_t len, int64_t *body);

/* pcl_gen_resp_left() through c: the same answers, faster for headers seen last time. */
int32_t pcl_gen_resp_left_cached(struct pcl_gen_resp_cache *c, const char *p, uint16_t len,
				 int64_t *body);

/* The queues worker g sends and receives on: q = worker, worker + nworkers, ... */
#define PCL_GEN_FOREACH_Q(g, q)                                                                    \
	for ((q) = (g)->cfg.worker; (q) < (g)->cfg.nq; (q) += (g)->cfg.nworkers)

/* Free room in the fullest TX queue. */
static inline uint16_t
pcl_gen_tx_room(const struct pcl_gen *g)
{
	uint16_t q, most = 0;

	PCL_GEN_FOREACH_Q(g, q)
	{
		most = RTE_MAX(most, g->tx_n[q]);
	}
	return (uint16_t)(PCL_GEN_TX - most);
}

/* Sends what is queued; what the port refuses stays queued for the next call. */
void pcl_gen_flush(struct pcl_gen *g, uint16_t port);

#endif
