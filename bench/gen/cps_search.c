/* SPDX-License-Identifier: BSD-3-Clause */
/* cps-gen --search: runs the steps pcl_gen_search asks for and measures each. */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "cps_gen.h"

/* The step's quantile q of the histograms at offset in each worker's pcl_gen, less before[]. */
static double
step_us(const struct pcl_hist *before, size_t offset, double q)
{
	static struct pcl_hist sum;
	unsigned int i;

	memset(&sum, 0, sizeof(sum));
	for (i = 0; i < cps_nworkers; i++)
		pcl_hist_delta(&sum,
			       (const struct pcl_hist *)((const char *)&cps_workers[i].g + offset),
			       &before[i]);
	return (double)pcl_hist_quantile(&sum, q) / 1e3;
}

/* Runs r on every worker and fills st with what changed meanwhile. */
static void
measure(const struct cps_run *r, struct pcl_gen_step *st)
{
	static struct pcl_hist lat[PCL_GEN_MAX_Q], conn_lat[PCL_GEN_MAX_Q];
	struct pcl_gen_stats a, b;
	uint64_t busy = 0, behind = 0, stalls = 0;
	unsigned int i;

	cps_stats_sum(&a);
	for (i = 0; i < cps_nworkers; i++) {
		lat[i] = cps_workers[i].g.lat;
		conn_lat[i] = cps_workers[i].g.conn_lat;
		busy -= cps_workers[i].busy;
		behind -= cps_workers[i].behind;
		stalls -= cps_workers[i].tx_stalls;
	}
	cps_execute(r, NULL);
	cps_stats_sum(&b);
	*st = (struct pcl_gen_step){
		.rate = r->rate,
		.secs = r->secs,
		.completed = b.completed - a.completed,
		.rtx_conns = b.rtx_conns - a.rtx_conns,
		.late = b.late - a.late,
		.synack_p50_us = step_us(lat, offsetof(struct pcl_gen, lat), 0.5),
		.synack_p99_us = step_us(lat, offsetof(struct pcl_gen, lat), 0.99),
		.conn_p50_us = step_us(conn_lat, offsetof(struct pcl_gen, conn_lat), 0.5),
		.conn_p99_us = step_us(conn_lat, offsetof(struct pcl_gen, conn_lat), 0.99),
	};
	/* Open loop: the schedule's opens; closed loop: those made. */
	st->offered = r->open_loop ? r->rate * r->secs : b.opened - a.opened;
	for (i = 0; i < cps_nworkers; i++) {
		const struct cps_worker *w = &cps_workers[i];

		busy += w->busy;
		behind += w->behind;
		stalls += w->tx_stalls;
		if (w->open_span)
			st->gen_busy =
				fmax(st->gen_busy, (double)w->open_busy / (double)w->open_span);
	}
	st->gen_cycles = st->completed ? (double)busy / (double)st->completed : 0;
	st->behind = behind;
	st->port_stalled = stalls > 0;
}

void
cps_search(const struct cps_opts *o, struct cps_search *cs)
{
	struct cps_run r = {
		.open_loop = true,
		.flood_rate = o->flood_rate,
		.secs = o->step_s,
		.step = true,
	};
	uint64_t upper = o->rate;

	if (upper == 0) {
		/* No bound given: what the server does when kept busy, and a quarter more. */
		struct cps_run probe = r;

		probe.open_loop = false;
		probe.step = false;
		probe.concurrency = o->g.concurrency;
		measure(&probe, &cs->probe);
		cs->probed = true;
		cs->probe.rate = (uint64_t)((double)cs->probe.completed / o->step_s);
		if (!o->quiet)
			cps_report_step("probe", &cs->probe, false);
		upper = RTE_MAX((uint64_t)(1.25 * (double)cs->probe.rate), UINT64_C(1));
	}
	if (pcl_gen_search_init(&cs->s, upper, o->loss, o->precision, CPS_MAX_STEPS, cs->probed) !=
	    0)
		return;
	while (cs->s.next != 0 && !cps_quit) {
		struct pcl_gen_step *st = &cs->steps[cs->n];
		char name[16];

		r.rate = cs->s.next;
		measure(&r, st);
		if (cps_quit)
			break; /* an interrupted step says nothing */
		pcl_gen_search_step(&cs->s, st);
		cs->n++;
		snprintf(name, sizeof(name), "step %u", cs->n);
		if (!o->quiet)
			cps_report_step(name, st, true);
	}
}
