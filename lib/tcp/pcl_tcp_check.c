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

/* Every entry: live ones in the table with a timer, free ones without. */
static int
walk(const struct pcl_tcp *e, uint64_t *by_state, char *err, size_t errlen)
{
	uint32_t i;

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
		by_state[c->state]++;
	}
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
	if (rc != 0)
		return rc;
	for (i = PCL_TCP_SYN_RCVD; i < PCL_TCP_TIME_WAIT; i++)
		if (by_state[i] != e->by_state[i])
			return broken(err, errlen,
				      "%" PRIu64 " entries in %s, its gauge says %" PRIu64,
				      by_state[i], pcl_tcp_state_names[i], e->by_state[i]);
	return 0;
}
