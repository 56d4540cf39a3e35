/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_GEN_PRIV_H
#define PCL_GEN_PRIV_H

/* What pcl_gen.c (opening, sending, timers) and pcl_gen_input.c (replies) share. */

#include <assert.h>

#include "pcl_gen.h"

enum slot_state {
	SLOT_FREE,
	SLOT_SYN_SENT,
	SLOT_EST,      /* handshake done, a request sent, reading its response */
	SLOT_WAIT_FIN, /* the last response read; the server closes first */
	SLOT_FIN_WAIT, /* our FIN sent first */
	SLOT_LAST_ACK, /* the server's FIN answered with ours */
	SLOT_IDLE,     /* handshake done and held, silent, with no timer (pcl_gen.hold) */
};

/* pcl_gen_slot.flags */
#define SF_FIN_ACKED    0x01
#define SF_FIN_RCVD     0x02
#define SF_BAD          0x04 /* a response cut short or of the wrong size */
#define SF_SERVER_CLOSE 0x08 /* the last request is HTTP/1.0 */
#define SF_RTX          0x10 /* something was sent again: no RTT sample (Karn) */
#define SF_USED         0x20 /* the tuple had a connection: the next ISN follows it */

/* The response is still to start. */
#define RESP_UNSEEN INT32_MIN

/*
 * One client. Small because there is one per (address, port) a worker
 * owns, millions with many addresses: the timer node is embedded, the RTT
 * estimate is the worker's (pcl_gen_rtt.h), and the request in flight is
 * known from the counters, so a retransmission needs no copy of it.
 */
struct pcl_gen_slot {
	struct pcl_tnode tn; /* retransmission or deadline */
	uint32_t tuple;      /* address index * nsport + port index */
	uint64_t t_open;     /* TSC when the first SYN left */
	uint32_t isn;
	uint32_t snd_una; /* the server's highest ACK: where an RST is exact */
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	int32_t resp_left; /* response bytes still expected, RESP_UNSEEN */
	uint16_t reqs;     /* requests sent on this connection */
	uint8_t state;
	uint8_t q;       /* the queue its flow takes */
	uint8_t backoff; /* retransmissions since the last progress */
	uint8_t flags;   /* SF_* */
};

static_assert(sizeof(struct pcl_gen_slot) <= 64, "a client fits in a cache line");

/* The timer tick (ms) of TSC t. */
static inline uint32_t
pcl_gen_tick(const struct pcl_gen *g, uint64_t t)
{
	return (uint32_t)(t / g->tick_tsc);
}

/* Sends one segment of slot s: ack is always rcv_nxt. */
void pcl_gen_send(struct pcl_gen *g, const struct pcl_gen_slot *s, uint8_t flags, uint32_t seq,
		  const void *data, uint16_t len);

static inline void
pcl_gen_send_ack(struct pcl_gen *g, const struct pcl_gen_slot *s)
{
	pcl_gen_send(g, s, RTE_TCP_ACK_FLAG, s->snd_nxt, NULL, 0);
}

/* Queues m on TX queue q, or drops it (counted) when the queue is full. */
void pcl_gen_queue_tx(struct pcl_gen *g, uint16_t q, struct rte_mbuf *m);

/* The handshake is done: the first request, or ACK and FIN without one. */
void pcl_gen_handshake_done(struct pcl_gen *g, struct pcl_gen_slot *s);

/* The next request on s, its timer armed. */
void pcl_gen_send_request(struct pcl_gen *g, struct pcl_gen_slot *s);

/* Our FIN, then state next; its timer armed. */
void pcl_gen_send_fin(struct pcl_gen *g, struct pcl_gen_slot *s, uint8_t next);

/* Whether s has sent something the server has not acknowledged. */
bool pcl_gen_outstanding(const struct pcl_gen_slot *s);

/* Sends again what the server has not acknowledged (counted by kind). */
void pcl_gen_resend(struct pcl_gen *g, struct pcl_gen_slot *s);

/* Ends s: completed (or bad_response), or failed for why. */
void pcl_gen_slot_done(struct pcl_gen *g, struct pcl_gen_slot *s, uint64_t now);
void pcl_gen_slot_fail(struct pcl_gen *g, struct pcl_gen_slot *s, enum pcl_gen_fail why);

/* Ends a held connection the server ended (counted in idle_lost). */
void pcl_gen_idle_lost(struct pcl_gen *g, struct pcl_gen_slot *s);

#endif
