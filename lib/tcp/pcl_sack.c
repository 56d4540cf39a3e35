/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "tcp/pcl_sack.h"
#include "tcp/pcl_seq.h"

/* RFC 6675 DupThresh: ranges above a hole, or (DupThresh - 1) segments of bytes. */
#define DUP_THRESH 3

/* Inserts [l, r) into the sorted ranges, merging what it touches. Returns the bytes it added. */
static uint32_t
insert(struct pcl_sack *sb, uint32_t l, uint32_t r)
{
	uint32_t i = 0, j, added, covered = 0;

	/* The first range that ends at or after l: it and its successors may touch [l, r). */
	while (i < sb->n && pcl_seq_lt(sb->r[i].right, l))
		i++;
	j = i;
	while (j < sb->n && pcl_seq_le(sb->r[j].left, r)) {
		if (pcl_seq_lt(sb->r[j].left, l))
			l = sb->r[j].left;
		if (pcl_seq_gt(sb->r[j].right, r))
			r = sb->r[j].right;
		covered += sb->r[j].right - sb->r[j].left;
		j++;
	}
	added = r - l - covered;
	if (j == i) {
		/* Nothing merged: a new range at i, the highest one dropped when full. */
		if (sb->n == PCL_SACK_RANGES) {
			if (i == PCL_SACK_RANGES)
				return 0;
			sb->sacked -=
				sb->r[PCL_SACK_RANGES - 1].right - sb->r[PCL_SACK_RANGES - 1].left;
			sb->n--;
		}
		memmove(&sb->r[i + 1], &sb->r[i], (sb->n - i) * sizeof(sb->r[0]));
		sb->n++;
	} else if (j > i + 1) {
		/* Ranges i..j-1 become one at i. */
		memmove(&sb->r[i + 1], &sb->r[j], (sb->n - j) * sizeof(sb->r[0]));
		sb->n -= j - i - 1;
	}
	sb->r[i].left = l;
	sb->r[i].right = r;
	sb->sacked += added;
	return added;
}

bool
pcl_sack_add(struct pcl_sack *sb, uint32_t una, uint32_t max, const struct pcl_sack_blk *b,
	     unsigned int nb)
{
	uint32_t added = 0;
	unsigned int k;

	for (k = 0; k < nb; k++) {
		uint32_t l = b[k].left, r = b[k].right;

		if (pcl_seq_lt(l, una))
			l = una;
		if (pcl_seq_gt(r, max))
			r = max;
		if (pcl_seq_ge(l, r))
			continue;
		added += insert(sb, l, r);
	}
	return added != 0;
}

void
pcl_sack_trim(struct pcl_sack *sb, uint32_t una)
{
	uint32_t i = 0;

	while (i < sb->n && pcl_seq_le(sb->r[i].right, una)) {
		sb->sacked -= sb->r[i].right - sb->r[i].left;
		i++;
	}
	if (i > 0) {
		memmove(&sb->r[0], &sb->r[i], (sb->n - i) * sizeof(sb->r[0]));
		sb->n -= i;
	}
	if (sb->n > 0 && pcl_seq_lt(sb->r[0].left, una)) {
		sb->sacked -= una - sb->r[0].left;
		sb->r[0].left = una;
	}
	if (pcl_seq_lt(sb->high_rxt, una))
		sb->high_rxt = una;
}

uint32_t
pcl_sack_lost_edge(const struct pcl_sack *sb, uint32_t una, uint32_t smss)
{
	uint32_t bytes = 0, i = sb->n;

	while (i-- > 0) {
		bytes += sb->r[i].right - sb->r[i].left;
		if (sb->n - i >= DUP_THRESH || bytes > (DUP_THRESH - 1) * smss)
			return sb->r[i].left;
	}
	return una;
}

uint32_t
pcl_sack_holes(const struct pcl_sack *sb, uint32_t from, uint32_t to)
{
	uint32_t holes = to - from, i;

	for (i = 0; i < sb->n && pcl_seq_lt(sb->r[i].left, to); i++) {
		uint32_t l = pcl_seq_gt(sb->r[i].left, from) ? sb->r[i].left : from;
		uint32_t r = pcl_seq_lt(sb->r[i].right, to) ? sb->r[i].right : to;

		if (pcl_seq_lt(l, r))
			holes -= r - l;
	}
	return holes;
}

bool
pcl_sack_next_hole(const struct pcl_sack *sb, uint32_t from, uint32_t to, uint32_t *seq,
		   uint32_t *len)
{
	uint32_t i;

	for (i = 0; i < sb->n && pcl_seq_le(sb->r[i].left, from); i++)
		if (pcl_seq_gt(sb->r[i].right, from))
			from = sb->r[i].right;
	if (pcl_seq_ge(from, to))
		return false;
	*seq = from;
	*len = (i < sb->n && pcl_seq_lt(sb->r[i].left, to) ? sb->r[i].left : to) - from;
	return true;
}
