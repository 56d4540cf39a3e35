/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's invariants, checked by the worker, scenario and fuzz
 * harnesses after every input: they are what "no entry without a timer"
 * and "nothing leaks" mean in terms of the tables.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

#include "tcp/pcl_cc.h"
#include "tcp/pcl_seq.h"
#include "tcp/pcl_sndq.h"
#include "tcp/pcl_tcp.h"

static int
broken(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EFAULT;
}

/*
 * The congestion state of a terminated connection past its handshake:
 * windows of at least a segment, a known state, a recovery point within
 * what was sent, and a scoreboard (sorted, disjoint ranges inside
 * (snd_una, snd_max], their byte count right) only while it holds ranges
 * or recovery runs. Counts the scoreboards in *boards.
 */
static int
check_cc(const struct pcl_tcp *e, uint32_t i, const struct pcl_conn *c, uint32_t *boards, char *err,
	 size_t errlen)
{
	const struct pcl_sack *sb;
	uint32_t k, bytes = 0, st = c->cc & PCL_CC_STATE;

	if (c->cwnd < pcl_cc_smss(c) || c->ssthresh < 2 * pcl_cc_smss(c) || st > PCL_CC_LOSS)
		return broken(err, errlen, "entry %u: cwnd %u, ssthresh %u, cc state %u", i,
			      c->cwnd, c->ssthresh, st);
	if (st != PCL_CC_OPEN &&
	    (pcl_seq_gt(c->recover, c->snd_max) || pcl_seq_lt(c->recover, c->snd_una)))
		return broken(err, errlen, "entry %u: recovery point %u outside [%u, %u]", i,
			      c->recover, c->snd_una, c->snd_max);
	if (c->sack == 0)
		return 0;
	if (c->sack > e->sack_pool.cap || !(c->flags & PCL_CF_SACK))
		return broken(err, errlen, "entry %u: scoreboard %u of %u, SACK %s", i, c->sack,
			      e->sack_pool.cap, c->flags & PCL_CF_SACK ? "on" : "off");
	sb = &e->sacks[c->sack - 1];
	if (sb->n == 0 && st != PCL_CC_RECOVERY)
		return broken(err, errlen, "entry %u keeps an empty scoreboard out of recovery", i);
	if (sb->n > PCL_SACK_RANGES)
		return broken(err, errlen, "entry %u: %u SACK ranges", i, sb->n);
	for (k = 0; k < sb->n; k++) {
		const struct pcl_sack_blk *r = &sb->r[k];

		if (pcl_seq_ge(r->left, r->right) || pcl_seq_lt(r->left, c->snd_una) ||
		    pcl_seq_gt(r->right, c->snd_max) ||
		    (k > 0 && pcl_seq_ge(sb->r[k - 1].right, r->left)))
			return broken(err, errlen,
				      "entry %u: SACK range %u [%u, %u) out of order or outside "
				      "[%u, %u]",
				      i, k, r->left, r->right, c->snd_una, c->snd_max);
		bytes += r->right - r->left;
	}
	if (bytes != sb->sacked)
		return broken(err, errlen, "entry %u: %u bytes in SACK ranges, %u counted", i,
			      bytes, sb->sacked);
	(*boards)++;
	return 0;
}

/* The send queue holds sndq_len bytes, and its cursor is one of its mbufs, at its offset. */
static int
check_sndq(uint32_t i, const struct pcl_conn *c, char *err, size_t errlen)
{
	const struct pcl_sndq_cur *k;
	const struct rte_mbuf *m;
	uint32_t bytes = 0;
	bool found = false;

	if (c->sndq == NULL)
		return c->sndq_len == 0
			       ? 0
			       : broken(err, errlen, "entry %u: no send queue for %u bytes", i,
					c->sndq_len);
	k = pcl_sndq_cur(c->sndq);
	for (m = c->sndq; m != NULL; m = m->next) {
		found |= m == k->m && bytes == k->off;
		bytes += m->data_len;
	}
	if (bytes != c->sndq_len || !found)
		return broken(err, errlen,
			      "entry %u: send queue of %u bytes (sndq_len %u), cursor at %u %s", i,
			      bytes, c->sndq_len, k->off, found ? "found" : "not in it");
	return 0;
}

/* Every entry: live ones in the table with a timer, free ones without. */
static int
walk(const struct pcl_tcp *e, uint64_t *by_state, char *err, size_t errlen)
{
	uint32_t i, boards = 0;

	for (i = 0; i < e->pool.cap; i++) {
		const struct pcl_conn *c = &e->conns[i];

		if (c->state == PCL_TCP_CLOSED) {
			if (pcl_tnode_armed(&c->tm))
				return broken(err, errlen, "free entry %u has an armed timer", i);
			continue;
		}
		if (c->state >= PCL_TCP_STATE_MAX || c->state == PCL_TCP_LISTEN ||
		    c->state == PCL_TCP_TIME_WAIT)
			return broken(err, errlen, "entry %u is in state %u", i, c->state);
		if (!pcl_tnode_armed(&c->tm))
			return broken(err, errlen, "entry %u in %s has no timer (its timer: %s)", i,
				      pcl_tcp_state_names[c->state],
				      pcl_tcp_state_timers[c->state]);
		if (c->state != PCL_TCP_PROBE && pcl_table_lookup(&e->table, &c->t) != i)
			return broken(err, errlen, "entry %u in %s is not found by its tuple", i,
				      pcl_tcp_state_names[c->state]);
		if (pcl_tcp_proxied(c->state) &&
		    pcl_table_lookup(&e->btable, (const struct pcl_tuple *)((const char *)c +
									    PCL_CONN_KEY2)) != i)
			return broken(err, errlen,
				      "entry %u in %s is not found by its backend tuple", i,
				      pcl_tcp_state_names[c->state]);
		if (c->state != PCL_TCP_SYN_RCVD && !pcl_tcp_proxied(c->state)) {
			int rc = check_cc(e, i, c, &boards, err, errlen);

			if (rc == 0)
				rc = check_sndq(i, c, err, errlen);
			if (rc != 0)
				return rc;
		}
		by_state[c->state]++;
	}
	if (boards != pcl_pool_used(&e->sack_pool))
		return broken(err, errlen, "%u SACK scoreboards lent, %u connections hold one",
			      pcl_pool_used(&e->sack_pool), boards);
	for (i = 0; i < e->pool.nfree; i++)
		if (e->conns[e->pool.free[i]].state != PCL_TCP_CLOSED)
			return broken(err, errlen, "entry %u is free in the pool but in %s",
				      e->pool.free[i],
				      pcl_tcp_state_names[e->conns[e->pool.free[i]].state]);
	return 0;
}

/* Every slot of the TIME_WAIT ring: the live records are found by their fingerprint. */
static int
walk_tw(const struct pcl_tw *tw, char *err, size_t errlen)
{
	uint32_t k, i = tw->tail, live = 0;

	for (k = 0; k < tw->used; k++, i = i + 1 == tw->cap ? 0 : i + 1) {
		if (tw->rec[i].fp == 0)
			continue;
		if (pcl_tw_lookup(tw, tw->rec[i].fp) != i)
			return broken(err, errlen, "TIME_WAIT record %u is not found by its key",
				      i);
		live++;
	}
	if (live != tw->live)
		return broken(err, errlen, "%u TIME_WAIT records in the ring, %u counted", live,
			      tw->live);
	return 0;
}

/* The interned addresses of tuple t, when it is an IPv6 one (0, 1 or 2: NIL is none). */
static inline uint64_t
named6(const struct pcl_tuple *t)
{
	return pcl_tuple_is6(t) ? (uint64_t)(pcl_a6_dec(t->raddr) != PCL_A6_NIL) +
					  (pcl_a6_dec(t->laddr) != PCL_A6_NIL)
				: 0;
}

/*
 * The interned IPv6 addresses: their references add up to the addresses
 * live entries name (the client tuple, and a proxied entry's backend one)
 * and our own, which stay for good; none is left behind by an entry gone.
 */
static int
check_a6(const struct pcl_tcp *e, char *err, size_t errlen)
{
	uint64_t refs = 0, want = 0;
	uint32_t i;

	if (e->a6.cap == 0)
		return 0;
	for (i = 1; i <= e->a6.cap; i++)
		refs += e->a6.slot[i].refs;
	for (i = 0; i < e->nifs; i++)
		want += e->ifs[i].net->has6 ? 2 : 0;
	for (i = 0; i < e->pool.cap; i++) {
		const struct pcl_conn *c = &e->conns[i];

		if (c->state == PCL_TCP_CLOSED)
			continue;
		want += named6(&c->t);
		if (pcl_tcp_proxied(c->state))
			want += named6((const struct pcl_tuple *)((const char *)c + PCL_CONN_KEY2));
	}
	if (refs != want)
		return broken(err, errlen,
			      "%" PRIu64 " references to interned IPv6 addresses, %" PRIu64
			      " named by entries and our own addresses",
			      refs, want);
	return 0;
}

_Static_assert(PCL_TCP_TIME_WAIT == PCL_TCP_STATE_MAX - 1, "TIME_WAIT is the last state");

int
pcl_tcp_check(const struct pcl_tcp *e, bool deep, char *err, size_t errlen)
{
	uint64_t live = 0, by_state[PCL_TCP_STATE_MAX] = {0};
	uint32_t i, used = e->pool.cap - e->pool.nfree;
	int rc;

	/* TIME_WAIT is a record in the store, not an entry. */
	for (i = PCL_TCP_SYN_RCVD; i < PCL_TCP_TIME_WAIT; i++)
		live += e->by_state[i];
	/* One timer per live entry: fewer armed timers means an entry without one. */
	/* Health checks are found by their backend tuple only. */
	if (live != used || e->table.count != used - e->by_state[PCL_TCP_PROBE] ||
	    e->wheel.armed != used)
		return broken(err, errlen,
			      "%" PRIu64 " entries by the state gauges, %u taken from the pool, "
			      "%u in the table (and %" PRIu64 " health checks), %u timers armed",
			      live, used, e->table.count, e->by_state[PCL_TCP_PROBE],
			      e->wheel.armed);
	if (e->btable.count != e->by_state[PCL_TCP_PROXY_CONNECT] + e->by_state[PCL_TCP_PROXY] +
				       e->by_state[PCL_TCP_PROBE])
		return broken(err, errlen,
			      "%u backend tuples for %" PRIu64 " proxied entries and health checks",
			      e->btable.count,
			      e->by_state[PCL_TCP_PROXY_CONNECT] + e->by_state[PCL_TCP_PROXY] +
				      e->by_state[PCL_TCP_PROBE]);
	if (e->half_open != e->by_state[PCL_TCP_SYN_RCVD])
		return broken(err, errlen, "half_open is %u with %" PRIu64 " entries in SYN_RCVD",
			      e->half_open, e->by_state[PCL_TCP_SYN_RCVD]);
	if (e->by_state[PCL_TCP_TIME_WAIT] != e->tw.live || e->tw.live > e->tw.used ||
	    e->tw.used > e->tw.cap)
		return broken(err, errlen,
			      "TIME_WAIT gauge %" PRIu64 ", %u records in %u of %u slots",
			      e->by_state[PCL_TCP_TIME_WAIT], e->tw.live, e->tw.used, e->tw.cap);
	if (!deep)
		return 0;
	rc = walk(e, by_state, err, errlen);
	if (rc == 0)
		rc = walk_tw(&e->tw, err, errlen);
	if (rc == 0)
		rc = check_a6(e, err, errlen);
	if (rc != 0)
		return rc;
	for (i = PCL_TCP_SYN_RCVD; i < PCL_TCP_TIME_WAIT; i++)
		if (by_state[i] != e->by_state[i])
			return broken(err, errlen,
				      "%" PRIu64 " entries in %s, its gauge says %" PRIu64,
				      by_state[i], pcl_tcp_state_names[i], e->by_state[i]);
	return 0;
}
