/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PROXY_H
#define PCL_PROXY_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "tcp/pcl_conn.h"
#include "tcp/pcl_tcp.h"

/*
 * The SYN proxy in full-NAT mode: a service's connections.
 *
 * The engine completes the client's handshake itself (SYN cookies under a
 * flood, so a spoofed SYN never reaches a backend) and hands the entry over
 * (pcl_app_ops.accept). The proxy picks a backend by Maglev over the
 * client's tuple, a local port on the backend's side whose tuple this worker
 * owns, and opens the backend connection with the client's own ISN, so that
 * sequence numbers from the client need no translation. Client data that
 * arrives before the backend answers is held, not acknowledged. On the
 * backend's SYN-ACK the proxy completes that handshake, sends what it held,
 * and from then on rewrites every segment both ways (lb/pcl_xlate.h):
 * addresses and ports; the backend's sequence numbers (and the client's
 * acknowledgments and SACK edges) by the difference of the two ISNs; each
 * side's timestamps onto the other's clock; windows between the two ends'
 * scales. FINs and RSTs pass through translated; TIME_WAIT belongs to the
 * side toward the end that closed second (the first closer holds its own).
 *
 * One entry holds both halves: the client tuple is its key in the engine's
 * table, the backend tuple (at PCL_CONN_KEY2) its key in the backend table.
 */

/* struct pcl_proxy.flags */
#define PCL_PX_TS     0x01 /* timestamps with the client (and so asked of the backend) */
#define PCL_PX_SACK   0x02 /* SACK with the client (and offered to the backend) */
#define PCL_PX_WS     0x04 /* window scaling with the client (and offered to the backend) */
#define PCL_PX_BTS    0x08 /* the backend answered with timestamps */
#define PCL_PX_BSACK  0x10 /* and with SACK */
#define PCL_PX_CFIN   0x20 /* the client sent its FIN */
#define PCL_PX_BFIN   0x40 /* the backend sent its FIN */
#define PCL_PX_CFIRST 0x80 /* the client's FIN came first */

/* struct pcl_proxy.acked: what the two ends acknowledged, and the backend handshake's one flag */
#define PCL_PX_CFIN_ACKED 0x01 /* the backend acknowledged the client's FIN */
#define PCL_PX_BFIN_ACKED 0x02 /* the client acknowledged the backend's FIN */
#define PCL_PX_PP_UNACKED 0x04 /* our PROXY protocol header is not acknowledged yet */
#define PCL_PX_STALE      0x08 /* connecting: the tuple met a stale ACK, and our RST */

struct pcl_proxy {
	PCL_CONN_HEAD /* t: the client side, as the engine keeps every entry */
		struct pcl_tuple
			bt; /* the backend side: our address and port there, the backend's */
	uint32_t bnext;     /* the backend table's chain */
	uint32_t c_isn;     /* the client's ISN, our SYN's toward the backend too */
	uint32_t y;         /* our ISN toward the client */
	union {
		uint32_t seq_add; /* spliced: the backend's sequence space -> the client's view:
				     y - the backend's ISN */
		uint32_t c_tsecr; /* connecting: the TSval of ours the client echoed */
	};
	uint32_t ts_cb;        /* client TSval -> the backend's view of our clock */
	uint32_t ts_bc;        /* backend TSval -> the client's view; until the splice, our TSval
				  offset toward the client */
	uint32_t c_nxt;        /* the client's next sequence number, its FIN counted */
	uint32_t b_nxt;        /* the backend's (its own space) */
	uint32_t c_tsval;      /* the last TSval from the client */
	uint32_t b_tsval;      /* and from the backend */
	uint32_t last_ms;      /* clock at the last segment either way */
	uint32_t slot;         /* where in the Maglev table the current backend was found */
	struct rte_mbuf *held; /* client segments waiting for the backend, linked by next */
	struct rte_ether_addr c_mac;
	uint8_t c_ifx;    /* the interface toward the client */
	uint8_t b_ifx;    /* and toward the backend */
	uint16_t backend; /* index in the service */
	union {
		uint16_t b_mss; /* spliced: the backend's MSS */
		/*
		 * connecting: the backend the client's own slot named, tried
		 * first (the table may have changed since)
		 */
		uint16_t first;
	};
	uint8_t tried; /* backends tried after the first */
	uint8_t nheld;
	uint8_t c_ws;  /* the client's window scale */
	uint8_t b_ws;  /* the backend's */
	uint8_t y_ws;  /* ours toward the client */
	uint8_t cb_ws; /* the scale the backend reads the client's windows with */
	/*
	 * The PROXY protocol header's bytes before the client's in the
	 * backend's sequence space: the client's sequence numbers move up by
	 * them toward the backend, the backend's acknowledgments down.
	 */
	uint8_t pp_len;
	uint8_t acked;
	uint16_t mss;   /* the client's */
	uint16_t c_win; /* the client's last window field */
};

_Static_assert(sizeof(struct pcl_proxy) <= sizeof(struct pcl_conn),
	       "a proxied connection fits an entry");
_Static_assert(offsetof(struct pcl_proxy, bt) == PCL_CONN_KEY2, "the second key after the head");
_Static_assert(offsetof(struct pcl_proxy, bnext) == PCL_CONN_KEY2 + sizeof(struct pcl_tuple),
	       "the backend table's chain follows its key");

/* The app a service listener runs. */
extern const struct pcl_app_ops pcl_proxy_app;

/*
 * A local port for bt (its other fields set) that no connection or
 * TIME_WAIT record uses and whose tuple this worker owns, so the backend's
 * answers come back to it. Returns 0, or -EADDRINUSE when none was found.
 */
int pcl_lb_pick_port(struct pcl_tcp *e, struct pcl_tuple *bt);

struct pcl_backend;

/*
 * bt toward backend b's address and rport, from our address on its
 * interface or, over IPv4, one of its local addresses in turn (an IPv6 pair
 * interned: pcl_tcp_bind6()), with a local port as pcl_lb_pick_port()
 * finds one. Returns 0, -ENOSPC (the address table
 * is full) or -EADDRINUSE.
 */
int pcl_lb_backend_tuple(struct pcl_tcp *e, const struct pcl_backend *b, rte_be16_t rport,
			 struct pcl_tuple *bt);

/*
 * Walks up to budget entries from *pos: a proxied connection whose backend
 * is down and whose service says on_backend_down = reset is reset both
 * ways. Returns true once the walk reached the end (*pos = the pool's size).
 */
bool pcl_proxy_sweep(struct pcl_tcp *e, uint32_t *pos, uint32_t budget);

#endif
