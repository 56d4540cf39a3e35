/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_SACK_H
#define PCL_SACK_H

#include <stdbool.h>
#include <stdint.h>

#include "net/pcl_opt.h"
#include "tcp/pcl_seq.h"

/*
 * A SACK scoreboard (RFC 6675 2): which bytes above SND.UNA the peer says it
 * holds, as sorted, disjoint ranges, and how far loss recovery has resent.
 *
 * It does not live in the connection entry, which has no room for it: a
 * connection takes one from its worker's pool when the first SACK block
 * arrives and gives it back once nothing above SND.UNA is SACKed and it is
 * not recovering (pcl_tcp.c). One cache line each. With more ranges than
 * fit, the highest is forgotten: it is then treated as not received, which
 * can only make us resend data the peer has, never skip data it lacks.
 *
 * Pure functions of sequence numbers: unit-tested without an EAL.
 */

#define PCL_SACK_RANGES 6

struct pcl_sack {
	uint32_t high_rxt; /* RFC 6675 HighRxt: resent up to here in this recovery */
	uint32_t sacked;   /* bytes in the ranges */
	uint32_t n;        /* ranges in use */
	struct pcl_sack_blk r[PCL_SACK_RANGES]; /* ascending, disjoint, not adjacent */
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct pcl_sack) == 64, "a scoreboard is one cache line");

/* An empty scoreboard for a connection whose SND.UNA is una. */
static inline void
pcl_sack_reset(struct pcl_sack *sb, uint32_t una)
{
	sb->high_rxt = una;
	sb->sacked = 0;
	sb->n = 0;
}

/*
 * Adds the peer's blocks, each clipped to (una, max]: a block at or below
 * una (a D-SACK, RFC 2883) or beyond what we sent is ignored. Returns true
 * when they SACKed bytes not SACKed before (RFC 6675's duplicate ACK).
 */
bool pcl_sack_add(struct pcl_sack *sb, uint32_t una, uint32_t max, const struct pcl_sack_blk *b,
		  unsigned int nb);

/* Forgets everything below una (newly acknowledged). */
void pcl_sack_trim(struct pcl_sack *sb, uint32_t una);

/*
 * The RFC 6675 IsLost() edge: every byte below it that is not SACKed is
 * lost, because DupThresh (3) ranges or more than 2 segments of SACKed
 * bytes lie above it. una when nothing is lost yet.
 */
uint32_t pcl_sack_lost_edge(const struct pcl_sack *sb, uint32_t una, uint32_t smss);

/* Bytes in [from, to) the peer has not SACKed. */
uint32_t pcl_sack_holes(const struct pcl_sack *sb, uint32_t from, uint32_t to);

/*
 * The first byte at or after from, below to, that the peer has not SACKed,
 * and how many follow it unSACKed (below to). Returns false when there is none.
 */
bool pcl_sack_next_hole(const struct pcl_sack *sb, uint32_t from, uint32_t to, uint32_t *seq,
			uint32_t *len);

/*
 * RFC 6675 SetPipe(): the bytes in flight. Bytes SACKed, or lost and not
 * resent, have left the network; resent ones count once more (approximated:
 * the holes below high_rxt are the resent ones).
 */
static inline uint32_t
pcl_sack_pipe(const struct pcl_sack *sb, uint32_t una, uint32_t max, uint32_t lost_edge)
{
	uint32_t from = pcl_seq_gt(sb->high_rxt, una) ? sb->high_rxt : una;
	uint32_t lost = pcl_seq_gt(lost_edge, from) ? pcl_sack_holes(sb, from, lost_edge) : 0;

	return max - una - sb->sacked - lost;
}

#endif
