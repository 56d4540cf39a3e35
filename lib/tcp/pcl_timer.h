/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TIMER_H
#define PCL_TIMER_H

#include <stdint.h>

/*
 * A single-level hashed timer wheel for one lcore (Varghese & Lauck).
 *
 * Every connection has exactly one timer node embedded in it; the node's
 * meaning (retransmit, TIME_WAIT, idle) follows from the connection's state,
 * so the wheel stores no callback per node. Nodes are named by index into a
 * caller-owned array of stride bytes, so the wheel costs 12 bytes per
 * connection plus 4 bytes per slot, and arming or cancelling is O(1).
 *
 * A deadline further away than the wheel's span is still correct: the node
 * is skipped on each pass until its tick has come.
 */

#define PCL_TIMER_NIL UINT32_MAX
/* prev of a node that is not on any slot. */
#define PCL_TIMER_OFF (UINT32_MAX - 1)

struct pcl_tnode {
	uint32_t next;
	uint32_t prev;   /* PCL_TIMER_NIL at a slot's head, PCL_TIMER_OFF when unarmed */
	uint32_t expire; /* tick, modulo 2^32 */
};

struct pcl_wheel {
	uint32_t *slot;      /* heads, PCL_TIMER_NIL when empty */
	uint32_t mask;       /* slots - 1 */
	uint32_t cur;        /* next tick to process */
	uint32_t armed;      /* nodes on the wheel */
	uint32_t in_advance; /* 1 while firing: slot cur is being walked */
	char *base;          /* node i is at base + i * stride */
	uint32_t stride;
};

/* Bytes of slot memory for a wheel of nslots (a power of two). */
static inline uint64_t
pcl_wheel_memsize(uint32_t nslots)
{
	return (uint64_t)nslots * sizeof(uint32_t);
}

static inline struct pcl_tnode *
pcl_wheel_node(const struct pcl_wheel *w, uint32_t idx)
{
	return (struct pcl_tnode *)(w->base + (uint64_t)idx * w->stride);
}

static inline int
pcl_tnode_armed(const struct pcl_tnode *n)
{
	return n->prev != PCL_TIMER_OFF;
}

/*
 * Sets up a wheel over slot memory mem (pcl_wheel_memsize bytes) starting at
 * tick now. node0 points at the timer node of element 0. Returns 0, or
 * -EINVAL when nslots is not a power of two.
 */
int pcl_wheel_init(struct pcl_wheel *w, void *mem, uint32_t nslots, struct pcl_tnode *node0,
		   uint32_t stride, uint32_t now);

/* Marks a node unarmed; call once per element before first use. */
static inline void
pcl_tnode_init(struct pcl_tnode *n)
{
	n->prev = PCL_TIMER_OFF;
	n->next = PCL_TIMER_NIL;
}

/* Takes the armed node idx off its slot's list. */
void pcl_wheel_unlink(struct pcl_wheel *w, uint32_t idx);

/*
 * Cancels the node's timer if armed. The test is inline: a connection a
 * cookie opens has no timer to cancel, and calls would cost more than it.
 */
static inline void
pcl_wheel_cancel(struct pcl_wheel *w, uint32_t idx)
{
	if (pcl_tnode_armed(pcl_wheel_node(w, idx)))
		pcl_wheel_unlink(w, idx);
}

/* Arms (or re-arms) node idx to fire at tick expire. */
void pcl_wheel_arm(struct pcl_wheel *w, uint32_t idx, uint32_t expire);

/* Called for each expired node, already unarmed; it may re-arm the node. */
typedef void (*pcl_wheel_fire_t)(void *arg, uint32_t idx);

/*
 * Fires every node whose tick is <= now, at most budget of them, so a burst
 * of expiries is spread over several iterations. Returns the number fired.
 */
unsigned int pcl_wheel_advance(struct pcl_wheel *w, uint32_t now, unsigned int budget,
			       pcl_wheel_fire_t fire, void *arg);

#endif
