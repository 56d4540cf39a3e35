/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_SNDQ_H
#define PCL_SNDQ_H

#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <rte_mbuf.h>

#include "net/pcl_ref.h"
#include "tcp/pcl_conn.h"

/*
 * A connection's send queue: the app's bytes from snd_una on, unacknowledged
 * or not yet sent, in mbufs linked by next (not a chained packet: each mbuf
 * is one segment of data, never sent itself). Segments copy out of it.
 * An mbuf may hold its bytes by reference (attached to a pcl_ref): a
 * segment may then send them as they are, chained (pcl_sndq_copy()).
 *
 * The queue remembers where the last copy ended (a cursor), so sending from
 * snd_nxt does not walk the list from snd_una: with a window of W bytes in
 * flight that walk was W / 2 KB mbufs, a cache miss each, per segment sent
 * (bench/RESULTS.md, tap_bulk: 10 to 16 % of the worker's time).
 */

/*
 * The cursor: an mbuf of the queue and the offset of its first byte from
 * the queue's first. It lives right behind the head mbuf's header: in its
 * private area (the pools have none, nothing else would use it) or in its
 * own buffer, in front of the headroom: a send-queue mbuf's data starts at
 * the headroom and only moves forward (trim), so those bytes are never
 * data, and an mbuf attached to a pcl_ref does not use its own buffer at
 * all. The entry has no room.
 */
struct pcl_sndq_cur {
	struct rte_mbuf *m;
	uint32_t off;
};

static_assert(RTE_PKTMBUF_HEADROOM >= sizeof(struct pcl_sndq_cur),
	      "the send queue's cursor fits in front of the head mbuf's data");

static inline struct pcl_sndq_cur *
pcl_sndq_cur(struct rte_mbuf *head)
{
	return (struct pcl_sndq_cur *)(head + 1);
}

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
	struct pcl_sndq_cur k;
	uint32_t left = n;

	if (n == 0)
		return;
	k = *pcl_sndq_cur(c->sndq);
	c->sndq_len -= n;
	while (left > 0) {
		struct rte_mbuf *m = c->sndq;

		if (left < m->data_len) {
			m->data_off += left;
			m->data_len -= left;
			break;
		}
		left -= m->data_len;
		c->sndq = m->next;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
	if (c->sndq == NULL)
		return;
	/* An mbuf starting at or past n is untouched; any other is gone or the new head. */
	if (k.off >= n)
		k.off -= n;
	else
		k = (struct pcl_sndq_cur){.m = c->sndq, .off = 0};
	*pcl_sndq_cur(c->sndq) = k;
}

/* The part of a segment's payload that a frame may chain instead of copying. */
struct pcl_sndq_tail {
	const struct pcl_ref *ref;
	uint32_t off; /* where it starts in ref */
};

/*
 * Copies len (> 0) bytes starting off bytes into the queue to dst, walking
 * from the cursor when off is at or past it (the next new segment), else
 * from the head (a retransmission); the cursor moves to where the copy ended.
 * With tail given, the last bytes are not copied when they are in one mbuf
 * attached to a pcl_ref: the function returns how many, and tail says where
 * they are; else 0.
 */
static inline uint32_t
pcl_sndq_copy(const struct pcl_conn *c, uint32_t off, uint8_t *dst, uint32_t len,
	      struct pcl_sndq_tail *tail)
{
	struct pcl_sndq_cur *k = pcl_sndq_cur(c->sndq);
	struct rte_mbuf *m = c->sndq;
	uint32_t base = 0; /* offset of m's first byte */

	if (off >= k->off) {
		m = k->m;
		base = k->off;
	}
	while (off - base >= m->data_len) {
		base += m->data_len;
		m = m->next;
	}
	for (;;) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - (off - base));

		if (n == len && tail != NULL && (tail->ref = pcl_ref_of(m)) != NULL) {
			tail->off = pcl_ref_off(tail->ref, m) + (off - base);
			break;
		}
		memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, off - base), n);
		dst += n;
		off += n;
		len -= n;
		if (len == 0)
			break;
		base += m->data_len;
		m = m->next;
	}
	*k = (struct pcl_sndq_cur){.m = m, .off = base};
	return len;
}

/* The last mbuf of c's queue, or NULL. */
static inline struct rte_mbuf *
pcl_sndq_last(const struct pcl_conn *c)
{
	struct rte_mbuf *tail = c->sndq;

	while (tail != NULL && tail->next != NULL)
		tail = tail->next;
	return tail;
}

/* Links m (its data_len bytes) after tail, the last mbuf of c's queue or NULL. */
static inline void
pcl_sndq_link(struct pcl_conn *c, struct rte_mbuf *tail, struct rte_mbuf *m)
{
	if (tail == NULL) {
		c->sndq = m;
		*pcl_sndq_cur(m) = (struct pcl_sndq_cur){.m = m, .off = 0};
	} else {
		tail->next = m;
	}
	c->sndq_len += m->data_len;
}

/*
 * Appends len bytes, taking mbufs from mp as needed. Returns 0, or -ENOMEM
 * when mp ran dry (what fitted stays queued).
 */
static inline int
pcl_sndq_append(struct pcl_conn *c, struct rte_mempool *mp, const void *data, uint32_t len)
{
	const uint8_t *p = data;
	struct rte_mbuf *tail = pcl_sndq_last(c);

	while (len > 0) {
		/* An mbuf attached to a pcl_ref has no tailroom: its buffer is the ref's bytes. */
		uint32_t room = tail ? rte_pktmbuf_tailroom(tail) : 0;
		uint32_t n;

		if (room == 0) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

			if (m == NULL)
				return -ENOMEM;
			pcl_sndq_link(c, tail, m);
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

/*
 * Appends len bytes of r from off by reference: mbufs attached to r, a
 * PCL_REF_CHUNK at most each. Returns 0, or -ENOMEM when mp ran dry (what
 * fitted stays queued) or this thread is no lcore.
 */
static inline int
pcl_sndq_append_ref(struct pcl_conn *c, struct rte_mempool *mp, const struct pcl_ref *r,
		    uint32_t off, uint32_t len)
{
	struct rte_mbuf *tail = pcl_sndq_last(c);

	while (len > 0) {
		uint32_t n = RTE_MIN(len, PCL_REF_CHUNK);
		struct rte_mbuf *m = pcl_ref_mbuf(r, mp, off, n);

		if (m == NULL)
			return -ENOMEM;
		pcl_sndq_link(c, tail, m);
		tail = m;
		off += n;
		len -= n;
	}
	return 0;
}

#endif
