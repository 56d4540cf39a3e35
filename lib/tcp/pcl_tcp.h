/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TCP_H
#define PCL_TCP_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "net/pcl_pkt.h"
#include "tcp/pcl_conn.h"

struct pcl_worker;

/*
 * The server side of RFC 9293 connection management, for one lcore.
 *
 * pcl_tcp_input() consumes the mbuf of a validated segment: it becomes the
 * reply (SYN-ACK, ACK, RST) when one fits in it, and is freed otherwise.
 */
void pcl_tcp_input(struct pcl_worker *w, struct rte_mbuf *m, const struct pcl_seg *s);

/* The connection's timer fired: retransmit, expire TIME_WAIT, or idle out. */
void pcl_tcp_timeout(struct pcl_worker *w, struct pcl_conn *c);

/*
 * Queues len bytes for the peer (the app's answer). They are sent after the
 * current segment is processed, as the peer's window allows. Returns 0, or
 * -ENOMEM when the mbuf pool is empty (counted; the bytes are lost and the
 * connection is aborted with RST rather than left to hang), or -ECONNRESET
 * when an earlier call already failed so.
 */
int pcl_tcp_send(struct pcl_worker *w, struct pcl_conn *c, const void *data, uint32_t len);

/* Closes our direction: a FIN follows the queued data. */
void pcl_tcp_close(struct pcl_worker *w, struct pcl_conn *c);

/* Frees every connection of w (at shutdown). */
void pcl_tcp_drop_all(struct pcl_worker *w);

#endif
