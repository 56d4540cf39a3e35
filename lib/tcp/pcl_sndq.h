/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_SNDQ_H
#define PCL_SNDQ_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "tcp/pcl_conn.h"

/*
 * A connection's send queue: the app's bytes from snd_una on, unacknowledged
 * or not yet sent, in mbufs linked by next (not a chained packet: each mbuf
 * is one segment of data, never sent itself). Segments copy out of it.
 */

static inline void
pcl_sndq_free(struct pcl_conn *c)
{
	struct rte_mbuf *m = c->sndq, *next;

	while (m != NULL) {
		next = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
	c->sndq = NULL;
	c->sndq_len = 0;
}

/* Drops the first n bytes (acknowledged). */
static inline void
pcl_sndq_trim(struct pcl_conn *c, uint32_t n)
{
	c->sndq_len -= n;
	while (n > 0) {
		struct rte_mbuf *m = c->sndq;

		if (n < m->data_len) {
			m->data_off += n;
			m->data_len -= n;
			return;
		}
		n -= m->data_len;
		c->sndq = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
}

/* Copies len bytes starting off bytes into the queue to dst. */
static inline void
pcl_sndq_copy(const struct pcl_conn *c, uint32_t off, uint8_t *dst, uint32_t len)
{
	const struct rte_mbuf *m = c->sndq;

	while (off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (len > 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);

		memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
		dst += n;
		len -= n;
		off = 0;
		m = m->next;
	}
}

/*
 * Appends len bytes, taking mbufs from mp as needed. Returns 0, or -ENOMEM
 * when mp ran dry (what fitted stays queued).
 */
static inline int
pcl_sndq_append(struct pcl_conn *c, struct rte_mempool *mp, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	struct rte_mbuf *tail = c->sndq;

	while (tail != NULL && tail->next != NULL)
		tail = tail->next;
	while (len > 0) {
		uint32_t room = tail ? rte_pktmbuf_tailroom(tail) : 0;
		uint32_t n;

		if (room == 0) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

			if (m == NULL)
				return -ENOMEM;
			if (tail == NULL)
				c->sndq = m;
			else
				tail->next = m;
			tail = m;
			room = rte_pktmbuf_tailroom(m);
		}
		n = RTE_MIN(room, len);
		memcpy(rte_pktmbuf_mtod_offset(tail, uint8_t *, tail->data_len), p, n);
		tail->data_len += n;
		p += n;
		len -= n;
		c->sndq_len += n;
	}
	return 0;
}

#endif
