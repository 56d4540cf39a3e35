/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_CONN_H
#define PCL_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "net/pcl_tuple.h"
#include "tcp/pcl_timer.h"

/*
 * RFC 9293 states, each with what its one timer means. LISTEN and CLOSED
 * are never stored in a live entry (CLOSED marks a free one), nor is
 * TIME_WAIT once the segment that led there has been answered.
 */
#define PCL_TCP_STATES(X)                                                                          \
	X(CLOSED, "none: the entry is free")                                                       \
	X(LISTEN, "none: listening is the listener table, not an entry")                           \
	X(SYN_RCVD, "retransmits the SYN-ACK; frees the entry after timers.synack_retries")        \
	X(ESTABLISHED, "retransmits or probes while data is unacknowledged or held by the "        \
		       "window, else closes after timers.idle_timeout_ms without a segment")       \
	X(CLOSE_WAIT, "as ESTABLISHED; brief, since every app closes once its peer has")           \
	X(LAST_ACK, "retransmits our FIN (sent or not yet sendable) up to timers.retries")         \
	X(FIN_WAIT_1, "retransmits data and our FIN (sent or not yet sendable) up to "             \
		      "timers.retries")                                                            \
	X(FIN_WAIT_2, "frees the entry after timers.idle_timeout_ms without a segment")            \
	X(CLOSING, "retransmits our FIN up to timers.retries")                                     \
	X(PROXY_CONNECT, "proxied: the client is connected; retransmits the SYN to the backend, "  \
			 "then tries the next backends (service syn_retries, redispatch)")         \
	X(PROXY, "proxied, spliced to a backend: ends the connection with RSTs both ways after "   \
		 "timers.idle_timeout_ms without a segment either way")                            \
	X(PROBE, "a service's health check of a backend, found by its backend tuple only: "        \
		 "fails it after the service's check_timeout_ms")                                  \
	X(TIME_WAIT, "none: a record in the TIME_WAIT store (pcl_tw.h) takes the entry's place, "  \
		     "ended timers.time_wait_ms after the last FIN, oldest first")

enum pcl_tcp_state {
#define PCL_STATE_ENUM(s, timer) PCL_TCP_##s,
	PCL_TCP_STATES(PCL_STATE_ENUM)
#undef PCL_STATE_ENUM
		PCL_TCP_STATE_MAX
};

extern const char *const pcl_tcp_state_names[];
/* What each state's timer means, for docs and debugging. */
extern const char *const pcl_tcp_state_timers[];

/* struct pcl_conn.flags */
#define PCL_CF_TS         0x01 /* timestamps negotiated */
#define PCL_CF_SACK       0x02 /* SACK permitted: the peer's blocks steer recovery */
#define PCL_CF_WS         0x04 /* window scaling negotiated */
#define PCL_CF_FIN_QUEUED 0x08 /* we close after the send queue drains */
#define PCL_CF_APP_DONE   0x10 /* the app wants no more data (e.g. after HTTP/1.0) */
#define PCL_CF_FIN_SENT   0x20 /* our FIN has been sent at least once */
#define PCL_CF_RTO        0x40 /* the timer is the retransmission (or persist) timer */
#define PCL_CF_ABORT      0x80 /* reset the connection once the app returns */

/* struct pcl_conn.cc: the congestion state (RFC 5681, 6582, 6675) and two RTT flags */
#define PCL_CC_OPEN     0x00 /* no loss being repaired */
#define PCL_CC_RECOVERY 0x01 /* fast recovery until snd_una reaches recover */
#define PCL_CC_LOSS     0x02 /* after a retransmission timeout, until snd_una reaches recover */
#define PCL_CC_STATE    0x03
#define PCL_CC_SRTT     0x04 /* srtt8 and rttvar4 hold a measurement */
#define PCL_CC_TIMING   0x08 /* without timestamps: rtt_seq is being timed (Karn) */

/*
 * The states of an entry a service handles (lb/pcl_proxy.h lays it out): a
 * proxied connection, or a health check (PROBE), which has only the
 * backend tuple.
 */
static inline bool
pcl_tcp_proxied(uint8_t state)
{
	return state == PCL_TCP_PROXY_CONNECT || state == PCL_TCP_PROXY || state == PCL_TCP_PROBE;
}

/*
 * The head every entry shares, 32 bytes: the key of the connection table,
 * its chain, the one timer, the state and a flags byte whose meaning
 * belongs to the kind of entry. A proxied connection's entry has a second
 * key, its backend-side tuple, right after the head (PCL_CONN_KEY2).
 */
#define PCL_CONN_HEAD                                                                              \
	struct pcl_tuple t;  /* key: must stay first, see pcl_table.h */                           \
	uint32_t hnext;      /* table chain */                                                     \
	struct pcl_tnode tm; /* the connection's one timer */                                      \
	uint8_t state;                                                                             \
	uint8_t flags;                                                                             \
	uint8_t rexmits;  /* consecutive retransmissions without progress */                       \
	uint8_t listener; /* index in the engine's listeners: the app and its settings */

#define PCL_CONN_KEY2 32

/*
 * One connection, at most two cache lines: the first holds everything a
 * lookup and an in-order ACK touch, the second what every segment updates
 * (timestamps, last_ms) with the congestion state. Sequence numbers are
 * host order; the tuple is network order (see pcl_tuple.h).
 *
 * The send queue's first byte has sequence number snd_una once the SYN is
 * acknowledged; a queued FIN follows its last byte.
 *
 * The congestion state took the 21 bytes the layout had free and the 4 of
 * the RTO, now computed from srtt8, rttvar4 and rexmits; a SACK scoreboard,
 * 64 bytes, lives in a per-worker pool only while needed (pcl_sack.h).
 * Without timestamps the two timestamp fields time one segment instead
 * (Karn's algorithm, RFC 6298 3).
 */
struct pcl_conn {
	/* line 0 */
	PCL_CONN_HEAD
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max; /* highest sequence sent + 1 */
	uint32_t snd_wnd; /* bytes, already scaled */
	uint32_t rcv_nxt;
	uint16_t mss;       /* payload bytes per segment, options excluded */
	uint8_t snd_wscale; /* peer's shift */
	uint8_t rcv_wscale; /* ours */
	uint32_t cwnd;      /* congestion window, bytes (RFC 5681) */
	uint32_t snd_wl1;
	/* line 1 */
	uint32_t snd_wl2;
	union {
		uint32_t ts_recent; /* last TSval from the peer, echoed in TSecr */
		uint32_t rtt_seq;   /* no timestamps: the sequence whose ACK ends the timing */
	};
	union {
		uint32_t ts_off; /* added to our clock for TSval (RFC 7323 5.4) */
		uint32_t rtt_ms; /* no timestamps: when rtt_seq's segment was sent */
	};
	uint32_t last_ms;               /* clock at the last segment received */
	uint32_t sndq_len;              /* bytes in sndq */
	uint32_t ssthresh;              /* slow start threshold, bytes */
	struct rte_mbuf *sndq;          /* unacknowledged and unsent app data */
	struct rte_ether_addr peer_mac; /* where replies go at L2 */
	uint8_t ifx;                    /* and through which interface */
	uint8_t dupacks;                /* duplicate ACKs in a row (saturates) */
	uint64_t app_state;             /* owned by the app */
	uint32_t recover;               /* RFC 6582/6675 recovery point: snd_max at the loss */
	uint16_t srtt8;                 /* smoothed RTT, ms x 8 (RFC 6298) */
	uint16_t rttvar4;               /* RTT variation, ms x 4 */
	uint16_t sack;                  /* SACK scoreboard in the worker's pool, + 1; 0: none */
	uint8_t cc;                     /* PCL_CC_* */
} __rte_cache_aligned;

_Static_assert(sizeof(struct pcl_conn) <= 2 * RTE_CACHE_LINE_SIZE,
	       "a connection is at most two cache lines; see the layout comment");
_Static_assert(offsetof(struct pcl_conn, t) == 0, "the table expects the key first");
_Static_assert(offsetof(struct pcl_conn, snd_una) == PCL_CONN_KEY2, "the head is 32 bytes");

#endif
