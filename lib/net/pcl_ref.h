/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_REF_H
#define PCL_REF_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "net/pcl_csum.h"

/*
 * A buffer that never changes while the workers run (an HTTP body), sent by
 * reference: mbufs attached to it as an external buffer stand for its bytes
 * in a send queue and in the frames sent, so the bytes are neither copied
 * nor summed per segment. Its one's-complement sums are taken once: psum[i]
 * is the folded sum of its first 2i bytes, as pcl_csum_raw() loads them, so
 * the sum of any range is two loads (RFC 1071: sums subtract as well as
 * add).
 *
 * Each lcore counts its attached mbufs on a shared info of its own (a
 * counter on one cache line per lcore, not one bounced between workers).
 * Every count starts at 1, the buffer's own reference, so it never reaches
 * 0 while the buffer lives and the free callback never runs.
 *
 * The buffer is ordinary memory, at no IOVA a device could DMA from: only
 * drivers that read frames with the CPU may be handed its mbufs (virtual
 * devices: pcl_worker's chain()).
 */
/* One lcore's count of the mbufs attached to a pcl_ref. */
struct pcl_ref_sh {
	struct rte_mbuf_ext_shared_info sh;
} __rte_cache_aligned;

struct pcl_ref {
	const uint8_t *data;
	uint32_t len;
	uint16_t *psum;        /* len / 2 + 1 entries */
	struct pcl_ref_sh *sh; /* RTE_MAX_LCORE of them */
};

/* An mbuf attaches at most this much of the buffer: buf_len is 16 bits. */
#define PCL_REF_CHUNK 32768u

/* Sets r up for len bytes at data, which must outlive it. Returns 0 or -ENOMEM. */
int pcl_ref_init(struct pcl_ref *r, const void *data, uint32_t len);

void pcl_ref_fini(struct pcl_ref *r);

/* The callback of every shared info of a pcl_ref: what tells its mbufs apart. */
void pcl_ref_free_cb(void *addr, void *opaque);

/*
 * The unfolded sum of the len (> 0) bytes of r at off as they sit in a
 * segment where the first of them is at an odd offset when odd is set: a
 * range starting at an odd offset of its own that lands at an even one, or
 * the other way round, sums with its bytes swapped (RFC 1071 2(B)).
 */
static inline uint64_t
pcl_ref_sum(const struct pcl_ref *r, uint32_t off, uint32_t len, bool odd)
{
	uint32_t end = off + len;
	uint32_t s = (uint32_t)r->psum[end / 2] + (uint16_t)~r->psum[(off + 1) / 2];

	/* A lone first byte at an odd offset is a word's high byte, a lone last one its low. */
	if (off & 1)
		s += (uint32_t)r->data[off] << 8;
	if (end & 1)
		s += r->data[end - 1];
	s = pcl_csum_fold32(s);
	return odd != (off & 1) ? (uint16_t)(s << 8 | s >> 8) : s;
}

/* The pcl_ref m is attached to, or NULL. */
static inline const struct pcl_ref *
pcl_ref_of(const struct rte_mbuf *m)
{
	if (!RTE_MBUF_HAS_EXTBUF(m) || m->shinfo->free_cb != pcl_ref_free_cb)
		return NULL;
	return m->shinfo->fcb_opaque;
}

/* Where the data of m, attached to r, starts in r. */
static inline uint32_t
pcl_ref_off(const struct pcl_ref *r, const struct rte_mbuf *m)
{
	return (uint32_t)(rte_pktmbuf_mtod(m, const uint8_t *) - r->data);
}

/*
 * A new mbuf from mp whose data is the len (at most PCL_REF_CHUNK) bytes of
 * r at off, counted on this lcore's shared info. NULL when mp is empty, or
 * on a thread that is no lcore.
 */
static inline struct rte_mbuf *
pcl_ref_mbuf(const struct pcl_ref *r, struct rte_mempool *mp, uint32_t off, uint32_t len)
{
	unsigned int lc = rte_lcore_id();
	struct rte_mbuf *m;

	if (lc >= RTE_MAX_LCORE)
		return NULL;
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		return NULL;
	rte_mbuf_ext_refcnt_update(&r->sh[lc].sh, 1);
	rte_pktmbuf_attach_extbuf(m, (void *)(uintptr_t)(r->data + off), RTE_BAD_IOVA,
				  (uint16_t)len, &r->sh[lc].sh);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

#endif
