/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TCP_EXT_H
#define PCL_TCP_EXT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "net/pcl_out.h"
#include "tcp/pcl_tcp.h"

/*
 * For the layers that extend the engine with entries of their own (lb/:
 * proxied connections, taken over through pcl_app_ops.accept). Such an
 * entry keeps the head every entry shares (PCL_CONN_HEAD), its second key
 * at PCL_CONN_KEY2, one timer, and lives in the engine's pool; the engine
 * counts nothing for it, the extension does.
 */

/* Moves c to state st, keeping the gauges (and the half-open count) right. */
void pcl_tcp_set_state(struct pcl_tcp *e, struct pcl_conn *c, enum pcl_tcp_state st);

/*
 * A new entry of the service on listener, in state st (a proxied one), with
 * no key and no timer yet: the caller adds its second key and arms it.
 * NULL when the pool is empty.
 */
struct pcl_conn *pcl_tcp_alloc(struct pcl_tcp *e, uint8_t listener, enum pcl_tcp_state st);

/* (Re)arms c's one timer to fire in ms. */
void pcl_tcp_arm(struct pcl_tcp *e, struct pcl_conn *c, uint32_t ms);

/*
 * Adds c's second key (the tuple at PCL_CONN_KEY2) to the backend table, or
 * takes it out (an IPv6 one's addresses given back: see pcl_tcp_bind6()).
 */
void pcl_tcp_key2_add(struct pcl_tcp *e, struct pcl_conn *c);
void pcl_tcp_key2_del(struct pcl_tcp *e, struct pcl_conn *c);

/*
 * An IPv6 tuple t toward raddr from our laddr (16 bytes each): both
 * interned (tcp/pcl_addr6.h), t's address fields made their indices. An
 * entry's second key bound so gives them back when it is taken out or the
 * entry is freed. Returns 0, or -ENOSPC when the address table is full.
 */
int pcl_tcp_bind6(struct pcl_tcp *e, struct pcl_tuple *t, const uint8_t *raddr,
		  const uint8_t *laddr);

/*
 * Frees c: out of both tables and the wheel, back to the pool. Whatever it
 * holds (mbufs) the caller frees first.
 */
void pcl_tcp_free(struct pcl_tcp *e, struct pcl_conn *c);

/* Whether t names a connection or a TIME_WAIT record already (a local port is taken). */
bool pcl_tcp_tuple_busy(const struct pcl_tcp *e, const struct pcl_tuple *t);

/*
 * Starts TIME_WAIT for t as pcl_tw.h keeps it: our snd_nxt and the peer's
 * rcv_nxt, timestamps (the peer's last TSval, the offset our clock gets),
 * our window scale. Counted as the engine counts its own.
 */
void pcl_tcp_time_wait(struct pcl_tcp *e, const struct pcl_tuple *t, uint32_t snd_nxt,
		       uint32_t rcv_nxt, bool ts, uint32_t ts_recent, uint32_t ts_off,
		       uint8_t wscale);

/*
 * The payload per segment toward a peer whose SYN (or SYN-ACK) carried o:
 * its MSS (536 without one), no more than ours, no less than the engine's floor.
 */
uint16_t pcl_tcp_seg_mss(const struct pcl_tcp *e, const struct pcl_opts *o,
			 const struct pcl_tuple *t);

/* Writes s into m and queues it on interface ifx. */
void pcl_tcp_emit(struct pcl_tcp *e, uint8_t ifx, struct rte_mbuf *m, const struct pcl_out_seg *s);

#endif
