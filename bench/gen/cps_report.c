/* SPDX-License-Identifier: BSD-3-Clause */
/* What cps-gen prints: a line per second, a line per search step, the summary. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>

#include "cps_gen.h"

/* What the last per-second line had seen. */
static struct {
	uint64_t next; /* TSC of the next line */
	uint64_t t0;
	struct pcl_gen_stats st;
	struct pcl_hist lat[PCL_GEN_MAX_Q], conn_lat[PCL_GEN_MAX_Q];
} seen;

static double
us(const struct pcl_hist *h, double q)
{
	return (double)pcl_hist_quantile(h, q) / 1e3;
}

static uint64_t
failed(const struct pcl_gen_stats *st)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		n += st->fail[i];
	return n;
}

void
cps_report_start(uint64_t t0)
{
	memset(&seen, 0, sizeof(seen));
	seen.t0 = t0;
	seen.next = t0 + rte_get_tsc_hz();
}

void
cps_report_tick(uint64_t now)
{
	static struct pcl_hist lat, conn_lat, snap;
	struct pcl_gen_stats st;
	uint32_t active = 0;
	unsigned int i;

	if (now < seen.next)
		return;
	seen.next += rte_get_tsc_hz();
	memset(&lat, 0, sizeof(lat));
	memset(&conn_lat, 0, sizeof(conn_lat));
	/* Each worker's histograms are its own: read a copy, add what is new. */
	for (i = 0; i < cps_nworkers; i++) {
		const struct pcl_gen *g = &cps_workers[i].g;

		snap = g->lat;
		pcl_hist_delta(&lat, &snap, &seen.lat[i]);
		seen.lat[i] = snap;
		snap = g->conn_lat;
		pcl_hist_delta(&conn_lat, &snap, &seen.conn_lat[i]);
		seen.conn_lat[i] = snap;
		active += ((const volatile struct pcl_gen *)g)->active;
	}
	cps_stats_sum(&st);
	printf("%6.1fs  cps %8" PRIu64 "  open %6u  syn-ack us p50 %5.0f p99 %5.0f p999 %5.0f"
	       "  conn us p50 %6.0f p99 %6.0f  rtx %" PRIu64 "  fail",
	       (double)(now - seen.t0) / rte_get_tsc_hz(), st.completed - seen.st.completed, active,
	       us(&lat, 0.5), us(&lat, 0.99), us(&lat, 0.999), us(&conn_lat, 0.5),
	       us(&conn_lat, 0.99),
	       st.rtx_syn + st.rtx_req + st.rtx_fin -
		       (seen.st.rtx_syn + seen.st.rtx_req + seen.st.rtx_fin));
	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		printf(" %s %" PRIu64, pcl_gen_fail_names[i], st.fail[i] - seen.st.fail[i]);
	if (st.missed)
		printf("  missed %" PRIu64, st.missed - seen.st.missed);
	if (st.flood_sent) {
		printf("  flood");
		for (i = 0; i < PCL_GEN_FLOOD_MAX; i++)
			printf(" %s %" PRIu64, pcl_gen_flood_names[i],
			       st.flood_kind_sent[i] - seen.st.flood_kind_sent[i]);
		printf(" back syn-ack %" PRIu64 " rst %" PRIu64,
		       st.flood_synack - seen.st.flood_synack,
		       st.flood_rst_back - seen.st.flood_rst_back);
	}
	printf("\n");
	fflush(stdout);
	seen.st = st;
}

void
cps_report_step(const char *name, const struct pcl_gen_step *st, bool judged)
{
	printf("%-8s rate %9" PRIu64 "/s  %4.1f s  offered %9" PRIu64 "  completed %9" PRIu64
	       "  after rtx %6" PRIu64 "  late %6" PRIu64 "  behind %6" PRIu64 "%s"
	       "  syn-ack us p50 %5.0f p99 %6.0f  conn us p50 %6.0f p99 %7.0f"
	       "  gen busy %3.0f %% %6.0f cycles/conn",
	       name, st->rate, st->secs, st->offered, st->completed, st->rtx_conns, st->late,
	       st->behind, st->port_stalled ? " (port full)" : "", st->synack_p50_us,
	       st->synack_p99_us, st->conn_p50_us, st->conn_p99_us, 100 * st->gen_busy,
	       st->gen_cycles);
	if (judged)
		printf("  lost %7" PRIu64 " (%.3f %%)  %s", st->lost,
		       st->offered ? 100.0 * (double)st->lost / (double)st->offered : 0.0,
		       st->pass ? "pass" : "FAIL");
	if (judged && !st->pass)
		printf(" (limit: %s)", pcl_gen_limit_names[st->limit]);
	printf("\n");
	fflush(stdout);
}

/* Everything the summary shows, over all runs. */
struct totals {
	struct pcl_gen_stats st;
	struct pcl_hist lat, conn_lat;
	uint64_t busy, behind, handed, handoff_drop;
	uint64_t idle_est, idle_lost;
};

static void
totals(struct totals *t)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	cps_stats_sum(&t->st);
	for (i = 0; i < cps_nworkers; i++) {
		const struct cps_worker *w = &cps_workers[i];

		pcl_hist_merge(&t->lat, &w->g.lat);
		pcl_hist_merge(&t->conn_lat, &w->g.conn_lat);
		t->busy += w->busy;
		t->behind += w->behind;
		t->handed += w->handed;
		t->handoff_drop += w->handoff_drop;
		t->idle_est += w->g.idle_est;
		t->idle_lost += w->g.idle_lost;
	}
}

static double
per_conn(uint64_t cycles, uint64_t completed)
{
	return completed ? (double)cycles / (double)completed : 0;
}

static void
json_hist(const char *name, const struct pcl_hist *h)
{
	printf(", \"%s_us_p50\": %.1f, \"%s_us_p99\": %.1f, \"%s_us_p999\": %.1f, \"%s_us_max\": "
	       "%.1f",
	       name, us(h, 0.5), name, us(h, 0.99), name, us(h, 0.999), name, (double)h->max / 1e3);
}

static void
json_step(const struct pcl_gen_step *st)
{
	printf("{\"rate\": %" PRIu64 ", \"seconds\": %.3f, \"offered\": %" PRIu64
	       ", \"completed\": %" PRIu64 ", \"rtx_conns\": %" PRIu64 ", \"late\": %" PRIu64
	       ", \"behind\": %" PRIu64 ", \"port_stalled\": %s"
	       ", \"lost\": %" PRIu64 ", \"synack_us_p50\": %.1f, \"synack_us_p99\": %.1f"
	       ", \"conn_us_p50\": %.1f, \"conn_us_p99\": %.1f, \"gen_busy\": %.3f"
	       ", \"gen_cycles_per_conn\": %.0f, \"pass\": %s, \"limit\": \"%s\"}",
	       st->rate, st->secs, st->offered, st->completed, st->rtx_conns, st->late, st->behind,
	       st->port_stalled ? "true" : "false", st->lost, st->synack_p50_us, st->synack_p99_us,
	       st->conn_p50_us, st->conn_p99_us, st->gen_busy, st->gen_cycles,
	       st->pass ? "true" : "false", pcl_gen_limit_names[st->limit]);
}

static void
json_search(const struct cps_search *cs)
{
	unsigned int i;

	printf(", \"search\": {\"loss\": %g, \"result_cps\": %" PRIu64
	       ", \"upper_passed\": %s, \"failed_at\": %" PRIu64 ", \"limit\": \"%s\", \"probe\": ",
	       cs->s.loss, cs->s.lo, cs->s.hi_failed ? "false" : "true",
	       cs->s.hi_failed ? cs->s.hi : 0,
	       pcl_gen_limit_names[cs->s.hi_failed ? cs->s.hi_limit : PCL_GEN_LIMIT_none]);
	if (cs->probed)
		json_step(&cs->probe);
	else
		printf("null");
	printf(", \"steps\": [");
	for (i = 0; i < cs->n; i++) {
		printf("%s", i ? ", " : "");
		json_step(&cs->steps[i]);
	}
	printf("]}");
}

static void
json_workers(double hz_secs)
{
	unsigned int i, k;

	printf(", \"workers\": [");
	for (i = 0; i < cps_nworkers; i++) {
		const struct cps_worker *w = &cps_workers[i];
		const struct pcl_gen_stats *st = &w->g.st;
		uint16_t q;

		printf("%s{\"worker\": %u, \"lcore\": %u, \"queues\": [", i ? ", " : "", i,
		       w->lcore);
		k = 0;
		PCL_GEN_FOREACH_Q(&w->g, q)
		{
			printf("%s%u", k++ ? ", " : "", q);
		}
		printf("], \"clients\": %u, \"opened\": %" PRIu64 ", \"completed\": %" PRIu64
		       ", \"failed\": %" PRIu64 ", \"missed\": %" PRIu64 ", \"behind\": %" PRIu64
		       ", \"rtx_conns\": %" PRIu64 ", \"handed\": %" PRIu64
		       ", \"busy_share\": %.3f, \"gen_cycles_per_conn\": %.0f}",
		       w->g.nslots, st->opened, st->completed, failed(st), st->missed, w->behind,
		       st->rtx_conns, w->handed, hz_secs > 0 ? (double)w->busy / hz_secs : 0.0,
		       per_conn(w->busy, st->completed));
	}
	printf("]");
}

static void
summary_json(const struct totals *t, double secs, uint64_t idle, const struct cps_search *cs)
{
	const struct pcl_gen_stats *st = &t->st;
	unsigned int i;

	printf("{\"seconds\": %.3f, \"workers_n\": %u, \"opened\": %" PRIu64
	       ", \"completed\": %" PRIu64 ", \"failed\": %" PRIu64 ", \"cps\": %.0f",
	       secs, cps_nworkers, st->opened, st->completed, failed(st),
	       (double)st->completed / secs);
	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		printf(", \"%s\": %" PRIu64, pcl_gen_fail_names[i], st->fail[i]);
	printf(", \"requests\": %" PRIu64 ", \"responses\": %" PRIu64 ", \"rtx_syn\": %" PRIu64
	       ", \"rtx_req\": %" PRIu64 ", \"rtx_fin\": %" PRIu64 ", \"rtx_conns\": %" PRIu64
	       ", \"late\": %" PRIu64 ", \"missed\": %" PRIu64 ", \"behind\": %" PRIu64,
	       st->requests, st->responses, st->rtx_syn, st->rtx_req, st->rtx_fin, st->rtx_conns,
	       st->late, st->missed, t->behind);
	json_hist("synack", &t->lat);
	json_hist("conn", &t->conn_lat);
	printf(", \"flood_sent\": %" PRIu64, st->flood_sent);
	for (i = 0; i < PCL_GEN_FLOOD_MAX; i++)
		printf(", \"flood_%s\": %" PRIu64, pcl_gen_flood_names[i], st->flood_kind_sent[i]);
	printf(", \"flood_synack\": %" PRIu64 ", \"flood_rst_back\": %" PRIu64
	       ", \"tx_drop\": %" PRIu64 ", \"no_mbuf\": %" PRIu64 ", \"stray\": %" PRIu64
	       ", \"handed\": %" PRIu64 ", \"handoff_drop\": %" PRIu64
	       ", \"gen_cycles_per_conn\": %.0f",
	       st->flood_synack, st->flood_rst_back, st->tx_drop, st->no_mbuf, st->stray, t->handed,
	       t->handoff_drop, per_conn(t->busy, st->completed));
	printf(", \"idle\": %" PRIu64 ", \"idle_established\": %" PRIu64 ", \"idle_lost\": %" PRIu64
	       ", \"idle_held\": %" PRIu64,
	       idle, t->idle_est, t->idle_lost, t->idle_est - t->idle_lost);
	json_workers(secs * (double)rte_get_tsc_hz());
	if (cs != NULL)
		json_search(cs);
	printf("}\n");
}

static void
summary_search(const struct cps_search *cs)
{
	const struct pcl_gen_search *s = &cs->s;

	printf("search: %u steps; ", cs->n);
	if (!s->hi_failed)
		printf("every step passed, the last at %" PRIu64 "/s: give a higher --rate\n",
		       s->lo);
	else if (s->lo == 0)
		printf("no rate passed (the lowest tried, %" PRIu64 "/s, failed; limit: %s)\n",
		       s->hi, pcl_gen_limit_names[s->hi_limit]);
	else
		printf("highest rate losing at most %g %% of its connections: %" PRIu64
		       " connections/s; at %" PRIu64 "/s the limit was the %s\n",
		       100 * s->loss, s->lo, s->hi, pcl_gen_limit_names[s->hi_limit]);
}

static void
summary_text(const struct totals *t, double secs, uint64_t idle, const struct cps_search *cs)
{
	const struct pcl_gen_stats *st = &t->st;
	unsigned int i;

	printf("summary: %.1f s, %" PRIu64 " opened, %" PRIu64 " completed (%.0f/s), %" PRIu64
	       " failed (",
	       secs, st->opened, st->completed, (double)st->completed / secs, failed(st));
	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		printf("%s%s %" PRIu64, i ? ", " : "", pcl_gen_fail_names[i], st->fail[i]);
	printf(")\n  retransmitted: syn %" PRIu64 ", request %" PRIu64 ", fin %" PRIu64 "; %" PRIu64
	       " connections completed only after one\n",
	       st->rtx_syn, st->rtx_req, st->rtx_fin, st->rtx_conns);
	printf("  requests %" PRIu64 ", responses %" PRIu64 "; opens missed %" PRIu64
	       ", behind schedule %" PRIu64 "; completed late in a search step %" PRIu64 "\n",
	       st->requests, st->responses, st->missed, t->behind, st->late);
	printf("  syn-ack latency us: p50 %.1f p99 %.1f p999 %.1f max %.1f\n", us(&t->lat, 0.5),
	       us(&t->lat, 0.99), us(&t->lat, 0.999), (double)t->lat.max / 1e3);
	printf("  connection latency us (SYN to close): p50 %.1f p99 %.1f p999 %.1f max %.1f\n",
	       us(&t->conn_lat, 0.5), us(&t->conn_lat, 0.99), us(&t->conn_lat, 0.999),
	       (double)t->conn_lat.max / 1e3);
	printf("  flood sent:");
	for (i = 0; i < PCL_GEN_FLOOD_MAX; i++)
		printf(" %s %" PRIu64, pcl_gen_flood_names[i], st->flood_kind_sent[i]);
	printf("; back: syn-ack %" PRIu64 ", rst %" PRIu64 "\n", st->flood_synack,
	       st->flood_rst_back);
	printf("  tx dropped %" PRIu64 ", no mbuf %" PRIu64 ", stray segments %" PRIu64
	       ", handed to another worker %" PRIu64 " (dropped %" PRIu64 ")\n",
	       st->tx_drop, st->no_mbuf, st->stray, t->handed, t->handoff_drop);
	printf("  generator: %.0f busy cycles per completed connection\n",
	       per_conn(t->busy, st->completed));
	if (idle)
		printf("  idle: %" PRIu64 " asked, %" PRIu64 " established, %" PRIu64
		       " held to the end (%" PRIu64 " reset or closed by the server)\n",
		       idle, t->idle_est, t->idle_est - t->idle_lost, t->idle_lost);
	for (i = 0; cps_nworkers > 1 && i < cps_nworkers; i++) {
		const struct cps_worker *w = &cps_workers[i];

		printf("  worker %u (lcore %u): %" PRIu64 " opened, %" PRIu64 " completed, %" PRIu64
		       " failed, %.0f busy cycles per connection\n",
		       i, w->lcore, w->g.st.opened, w->g.st.completed, failed(&w->g.st),
		       per_conn(w->busy, w->g.st.completed));
	}
	if (cs != NULL)
		summary_search(cs);
}

void
cps_summary(const struct cps_opts *o, double secs, const struct cps_search *cs)
{
	struct totals t;

	totals(&t);
	if (o->json)
		summary_json(&t, secs, o->idle, cs);
	else
		summary_text(&t, secs, o->idle, cs);
	fflush(stdout);
}
