/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PROBE_H
#define PCL_PROBE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "lb/pcl_service.h"
#include "net/pcl_pkt.h"
#include "tcp/pcl_conn.h"
#include "tcp/pcl_tcp.h"

/*
 * Active health checks, sent by worker 0 through its own engine: a check
 * is an entry in state PROBE, found by its backend tuple only (from a
 * local port that hashes to worker 0, so the answer comes back there),
 * with the engine's timer as its timeout.
 *
 *   tcp:  SYN ─► SYN-ACK: up (and an RST, so the backend keeps nothing);
 *         RST, silence or an unknown MAC: failed
 *   http: SYN ─► SYN-ACK ─► ACK + "GET path HTTP/1.0" ─► the status line:
 *         up when it is the service's check_status; anything else failed;
 *         then an RST
 *
 * Each result goes into worker 0's counters for the backend (checks_ok,
 * checks_failed); the control thread turns them into the backend's state
 * (lb/pcl_health.h).
 */

struct pcl_probe {
	PCL_CONN_HEAD
	struct pcl_tuple bt; /* at PCL_CONN_KEY2, as a proxied entry's */
	uint32_t bnext;
	uint32_t isn;     /* ours */
	uint32_t rcv_nxt; /* the backend's next sequence number, once connected */
	uint16_t backend;
	uint8_t service;
	uint8_t got;     /* status-line bytes in line */
	char line[12];   /* "HTTP/1.x NNN" */
	uint16_t reqlen; /* the request's bytes, once sent */
};

/* struct pcl_probe.flags */
#define PCL_PB_CONNECTED 0x01 /* http: the request went out */

_Static_assert(sizeof(struct pcl_probe) <= sizeof(struct pcl_conn), "a check fits an entry");
_Static_assert(offsetof(struct pcl_probe, bt) == PCL_CONN_KEY2, "the second key after the head");

/* Worker 0, every loop: starts the checks that are due. */
void pcl_probe_tick(struct pcl_tcp *e, struct pcl_services *sv);

/* A segment for check c (from the backend). Consumes m. */
void pcl_probe_input(struct pcl_tcp *e, struct pcl_conn *c, struct rte_mbuf *m,
		     const struct pcl_seg *s);

/* Check c's time is up: failed. */
void pcl_probe_timeout(struct pcl_tcp *e, struct pcl_conn *c);

/* Frees check c when the engine drops every entry. */
void pcl_probe_drop(struct pcl_tcp *e, struct pcl_conn *c);

#endif
