/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TW_H
#define PCL_TW_H

#include <stdbool.h>
#include <stdint.h>

/*
 * The TIME_WAIT store of one lcore: what is left of a connection for 2 MSL
 * after it closed, in 28 bytes plus its share of the index (4 bytes at most)
 * instead of a 128-byte connection entry, so that a server closing first at
 * a million connections per second can keep them all (60 M records per
 * core, 1.9 GB) and running out never costs an entry a new connection needs.
 *
 * What a record keeps is what TIME_WAIT does (RFC 9293 3.10.7.4, RFC 1337,
 * RFC 6191, RFC 7323): re-acknowledge a retransmitted FIN (our snd_nxt, the
 * peer's rcv_nxt, our timestamp offset and the peer's last TSval), and tell
 * a SYN that may reuse the tuple from an old duplicate (rcv_nxt, ts_recent).
 * Replies are written into the segment being answered, so its addresses and
 * ports come from that segment: the record holds only a 64-bit keyed
 * fingerprint of the tuple (pcl_tuple_prf), which works for any address
 * family. Two tuples share a fingerprint with probability 2^-64, and an
 * attacker without the key cannot aim for one.
 *
 * Every record lives equally long, so the store is a FIFO ring in creation
 * order; a small queue of (tick, count) marks says when each run of records
 * was added, so records carry no time. A record that must live longer (a
 * retransmitted FIN restarts 2 MSL) is copied to the head and its old slot
 * left dead. The fingerprint index is a chained hash whose links share a
 * word with the record's flags.
 *
 * One owner, no locks; plain C, no EAL.
 */

#define PCL_TW_NIL       ((1u << 27) - 1) /* end of a chain; 27 bits name a record */
#define PCL_TW_MAX       (PCL_TW_NIL - 1) /* records a store can hold */
#define PCL_TW_FLAGS_BIT 27

/* Record flags, above the link in link_flags. */
#define PCL_TW_TS       0x1 /* timestamps were negotiated */
#define PCL_TW_WS_SHIFT 1   /* our window shift, 4 bits */

struct pcl_tw_rec {
	uint64_t fp; /* the tuple's fingerprint; 0 marks a dead slot */
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint32_t ts_recent;
	uint32_t ts_off;
	uint32_t link_flags; /* next record in the chain (27 bits), flags (5 bits) */
} __attribute__((packed, aligned(4)));

_Static_assert(sizeof(struct pcl_tw_rec) == 28, "a record is 28 bytes, 32 with its index share");

/* When a run of consecutive records was added. */
struct pcl_tw_mark {
	uint32_t tick;
	uint32_t count;
};

struct pcl_tw {
	struct pcl_tw_rec *rec; /* the ring: cap slots, oldest at tail */
	uint32_t *bucket;       /* chain heads by fingerprint */
	struct pcl_tw_mark *mark;
	uint32_t cap;
	uint32_t head;  /* next slot to fill */
	uint32_t tail;  /* oldest slot in use */
	uint32_t used;  /* slots between tail and head, dead ones included */
	uint32_t live;  /* records */
	uint32_t bmask; /* buckets - 1 */
	uint32_t mcap, mhead, mtail, nmarks;
	uint32_t life; /* ticks a record lives */
};

/*
 * Bytes a store of cap records (at most PCL_TW_MAX) living life ticks
 * needs: the ring, the index (a power of two of buckets, at most one per
 * record) and the marks (one per tick a record can live, a fixed amount).
 */
uint64_t pcl_tw_memsize(uint32_t cap, uint32_t life);

/* The part of pcl_tw_memsize() that grows with cap: ring and index. */
uint64_t pcl_tw_record_memsize(uint32_t cap);

/* Sets up an empty store over mem (pcl_tw_memsize bytes). Returns 0 or -EINVAL. */
int pcl_tw_init(struct pcl_tw *s, void *mem, uint32_t cap, uint32_t life);

/* Ends every record at once. */
void pcl_tw_clear(struct pcl_tw *s);

/* The slot of the live record with fingerprint fp, or PCL_TW_NIL. */
static inline uint32_t
pcl_tw_lookup(const struct pcl_tw *s, uint64_t fp)
{
	uint32_t i;

	if (s->live == 0)
		return PCL_TW_NIL;
	i = s->bucket[fp & s->bmask];
	while (i != PCL_TW_NIL && s->rec[i].fp != fp)
		i = s->rec[i].link_flags & PCL_TW_NIL;
	return i;
}

/*
 * Adds a record at tick now (r's link bits are ignored). When the ring is
 * full, the oldest slot is reused if recycle is set: *recycled tells
 * whether it still held a live record, ended early. Returns the record's
 * slot, or PCL_TW_NIL when full and !recycle.
 */
uint32_t pcl_tw_add(struct pcl_tw *s, const struct pcl_tw_rec *r, uint32_t now, bool recycle,
		    bool *recycled);

/* Ends the record in slot i now (a SYN reused its tuple). */
void pcl_tw_remove(struct pcl_tw *s, uint32_t i);

/*
 * Restarts the life of the record in slot i at tick now: it moves to the
 * head, its old slot left dead. In a full ring that takes the oldest slot,
 * as pcl_tw_add() with recycle does (*recycled). Returns the new slot.
 */
uint32_t pcl_tw_refresh(struct pcl_tw *s, uint32_t i, uint32_t now, bool *recycled);

/*
 * Ends the records whose life is over at tick now, at most budget slots.
 * Returns how many live records ended.
 */
unsigned int pcl_tw_expire(struct pcl_tw *s, uint32_t now, unsigned int budget);

/* Whether records whose life is over at tick now are still in the store. */
bool pcl_tw_behind(const struct pcl_tw *s, uint32_t now);

static inline uint32_t
pcl_tw_flags(const struct pcl_tw_rec *r)
{
	return r->link_flags >> PCL_TW_FLAGS_BIT;
}

#endif
