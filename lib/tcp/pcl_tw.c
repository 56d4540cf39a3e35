/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <rte_common.h>

#include "tcp/pcl_tw.h"

#define ALIGN(x) RTE_ALIGN_CEIL((uint64_t)(x), RTE_CACHE_LINE_SIZE)

/* The index has a power of two of buckets, at most one per record. */
static inline uint32_t
buckets_for(uint32_t cap)
{
	return cap ? rte_align32prevpow2(cap) : 1;
}

uint64_t
pcl_tw_record_memsize(uint32_t cap)
{
	return ALIGN((uint64_t)cap * sizeof(struct pcl_tw_rec)) +
	       ALIGN((uint64_t)buckets_for(cap) * sizeof(uint32_t));
}

/* A mark per tick a record lives, and the tick being filled. */
static inline uint32_t
marks_for(uint32_t life)
{
	return life + 2;
}

uint64_t
pcl_tw_memsize(uint32_t cap, uint32_t life)
{
	return pcl_tw_record_memsize(cap) +
	       ALIGN((uint64_t)marks_for(life) * sizeof(struct pcl_tw_mark));
}

int
pcl_tw_init(struct pcl_tw *s, void *mem, uint32_t cap, uint32_t life)
{
	char *p = mem;
	uint32_t nb = buckets_for(cap);

	if (cap == 0 || cap > PCL_TW_MAX || life == 0 || life > UINT32_MAX - 2)
		return -EINVAL;
	*s = (struct pcl_tw){.cap = cap, .bmask = nb - 1, .mcap = marks_for(life), .life = life};
	s->rec = (struct pcl_tw_rec *)p;
	p += ALIGN((uint64_t)cap * sizeof(struct pcl_tw_rec));
	s->bucket = (uint32_t *)p;
	p += ALIGN((uint64_t)nb * sizeof(uint32_t));
	s->mark = (struct pcl_tw_mark *)p;
	pcl_tw_clear(s);
	return 0;
}

void
pcl_tw_clear(struct pcl_tw *s)
{
	uint32_t i;

	for (i = 0; i <= s->bmask; i++)
		s->bucket[i] = PCL_TW_NIL;
	s->head = s->tail = s->used = s->live = 0;
	s->mhead = s->mtail = s->nmarks = 0;
}

static inline uint32_t
next_of(const struct pcl_tw *s, uint32_t i)
{
	return s->rec[i].link_flags & PCL_TW_NIL;
}

static inline void
set_next(struct pcl_tw *s, uint32_t i, uint32_t next)
{
	s->rec[i].link_flags = (s->rec[i].link_flags & ~PCL_TW_NIL) | next;
}

/* Takes the live record in slot i out of its chain and marks the slot dead. */
static void
unlink_rec(struct pcl_tw *s, uint32_t i)
{
	uint32_t *head = &s->bucket[s->rec[i].fp & s->bmask];
	uint32_t cur = *head, prev = PCL_TW_NIL;

	while (cur != i) {
		prev = cur;
		cur = next_of(s, cur);
	}
	if (prev == PCL_TW_NIL)
		*head = next_of(s, i);
	else
		set_next(s, prev, next_of(s, i));
	s->rec[i].fp = 0;
	s->live--;
}

static inline uint32_t
wrap(const struct pcl_tw *s, uint32_t i)
{
	return i + 1 == s->cap ? 0 : i + 1;
}

/* Frees the oldest slot; returns whether it held a live record. */
static bool
drop_tail(struct pcl_tw *s)
{
	uint32_t i = s->tail;
	bool live = s->rec[i].fp != 0;

	if (live)
		unlink_rec(s, i);
	s->tail = wrap(s, i);
	s->used--;
	if (--s->mark[s->mtail].count == 0) {
		s->mtail = s->mtail + 1 == s->mcap ? 0 : s->mtail + 1;
		s->nmarks--;
	}
	return live;
}

/* Counts one more record added at tick now. */
static void
stamp(struct pcl_tw *s, uint32_t now)
{
	uint32_t last = s->mhead == 0 ? s->mcap - 1 : s->mhead - 1;

	/*
	 * A mark per tick; should expiry fall so far behind that the marks
	 * run out, the newest run joins the last one and ends a little early.
	 */
	if (s->nmarks > 0 && (s->mark[last].tick == now || s->nmarks == s->mcap)) {
		s->mark[last].count++;
		return;
	}
	s->mark[s->mhead] = (struct pcl_tw_mark){.tick = now, .count = 1};
	s->mhead = s->mhead + 1 == s->mcap ? 0 : s->mhead + 1;
	s->nmarks++;
}

uint32_t
pcl_tw_add(struct pcl_tw *s, const struct pcl_tw_rec *r, uint32_t now, bool recycle, bool *recycled)
{
	uint32_t i, *head;

	*recycled = false;
	if (s->used == s->cap) {
		if (!recycle)
			return PCL_TW_NIL;
		*recycled = drop_tail(s);
	}
	i = s->head;
	s->head = wrap(s, i);
	s->used++;
	s->live++;
	stamp(s, now);
	head = &s->bucket[r->fp & s->bmask];
	s->rec[i] = *r;
	s->rec[i].link_flags = (r->link_flags & ~PCL_TW_NIL) | *head;
	*head = i;
	return i;
}

void
pcl_tw_remove(struct pcl_tw *s, uint32_t i)
{
	unlink_rec(s, i);
}

uint32_t
pcl_tw_refresh(struct pcl_tw *s, uint32_t i, uint32_t now, bool *recycled)
{
	struct pcl_tw_rec r = s->rec[i];

	unlink_rec(s, i);
	return pcl_tw_add(s, &r, now, true, recycled);
}

static inline bool
due(const struct pcl_tw *s, uint32_t now)
{
	return s->nmarks > 0 && (int32_t)(now - (s->mark[s->mtail].tick + s->life)) >= 0;
}

unsigned int
pcl_tw_expire(struct pcl_tw *s, uint32_t now, unsigned int budget)
{
	unsigned int ended = 0;

	while (budget > 0 && due(s, now)) {
		ended += drop_tail(s);
		budget--;
	}
	return ended;
}

bool
pcl_tw_behind(const struct pcl_tw *s, uint32_t now)
{
	return due(s, now);
}
