/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cps-gen's workers: one loop per lcore, each polling its own queues. The
 * main lcore runs worker 0 and leads: it posts a run (the whole load, or
 * one search step), runs its own share, and waits for the others, still
 * polling, before it reads their counters. Between runs a worker keeps
 * polling, so late segments are answered and hand-offs delivered.
 */
#include <assert.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "cps_gen.h"

#define OPEN_BURST 64
#define RX_BURST   32
#define RX_ROUNDS  8 /* bursts per queue per iteration, at most */

struct cps_worker cps_workers[PCL_GEN_MAX_Q];
unsigned int cps_nworkers;
volatile bool cps_quit;

static struct cps_run cur; /* the run posted */
static uint32_t posted;    /* its number: workers run it when it changes */
static bool stopping;      /* the last run is over: workers end */

/* Worker i's share of a total split between the workers. */
static uint64_t
share_of(uint64_t total, unsigned int i)
{
	return total / cps_nworkers + (i < total % cps_nworkers);
}

static void
handle(struct cps_worker *w, struct rte_mbuf *m, uint64_t now)
{
	uint16_t owner;

	if (pcl_gen_input(&w->g, m, now, &owner))
		return;
	/* The port delivered another worker's flow here: pass it on. */
	if (rte_ring_mp_enqueue(cps_workers[owner].inbox, m) != 0) {
		rte_pktmbuf_free(m);
		w->handoff_drop++;
		return;
	}
	w->handed++;
}

/*
 * Receives on the worker's queues, a burst after another while they come
 * full (each connection opened brings about three frames back; one burst
 * per iteration would let the RX ring overflow at a high rate), and from
 * its inbox. Returns frames taken.
 */
static uint32_t
rx(struct cps_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[RX_BURST];
	uint32_t total = 0;
	unsigned int round;
	uint16_t q, n, i;

	PCL_GEN_FOREACH_Q(&w->g, q)
	{
		for (round = 0, n = RX_BURST; n == RX_BURST && round < RX_ROUNDS; round++) {
			/*
			 * A frame can cost two replies; read no more than the
			 * fullest TX queue has room for, rather than drop replies.
			 */
			if (pcl_gen_tx_room(&w->g) < 2 * RX_BURST)
				return total;
			n = rte_eth_rx_burst(w->port, q, pkts, RX_BURST);
			for (i = 0; i < n; i++)
				handle(w, pkts[i], now);
			total += n;
		}
	}
	if (w->inbox != NULL && pcl_gen_tx_room(&w->g) >= 2 * RX_BURST) {
		n = (uint16_t)rte_ring_sc_dequeue_burst(w->inbox, (void **)pkts, RX_BURST, NULL);
		for (i = 0; i < n; i++)
			handle(w, pkts[i], now);
		total += n;
	}
	return total;
}

uint16_t
cps_rx_all(struct cps_worker *w, uint64_t now)
{
	struct rte_mbuf *pkts[RX_BURST];
	uint16_t q, n, i, total = 0;

	for (q = 0; q < w->g.cfg.nq; q++) {
		n = rte_eth_rx_burst(w->port, q, pkts, RX_BURST);
		for (i = 0; i < n; i++)
			if (!pcl_gen_input(&w->g, pkts[i], now, &(uint16_t){0}))
				rte_pktmbuf_free(pkts[i]);
		total = (uint16_t)(total + n);
	}
	return total;
}

/* One iteration without opening: receive, timers, send. Returns the work done. */
static uint32_t
poll_once(struct cps_worker *w, uint64_t now)
{
	uint32_t did = rx(w, now);

	did += pcl_gen_timers(&w->g, now);
	pcl_gen_flush(&w->g, w->port);
	return did;
}

/*
 * Ends connections with end (pcl_gen_abort or pcl_gen_release), as many at
 * a time as the TX queues have room for the RSTs, sending between, so none
 * is lost: an RST lost leaves the server a connection the tuple's next one
 * would run into. For span TSC cycles at most.
 */
static void
end_all(struct cps_worker *w, uint32_t (*end)(struct pcl_gen *, uint32_t), uint64_t span)
{
	uint64_t until = rte_rdtsc() + span;

	while (end(&w->g, pcl_gen_tx_room(&w->g) / 2) > 0 && rte_rdtsc() < until)
		poll_once(w, rte_rdtsc());
}

/* Fails what is still open: for 100 ms at most, then with whatever room there is. */
static void
abort_open(struct cps_worker *w)
{
	end_all(w, pcl_gen_abort, w->g.hz / 10);
	pcl_gen_abort(&w->g, UINT32_MAX);
}

/*
 * Resets the held connections, 1 us each at most (10 s for 10 M) and 100 ms
 * more; the rest are abandoned: a server stopped after us keeps nothing anyway.
 */
static void
release_idle(struct cps_worker *w)
{
	end_all(w, pcl_gen_release, w->g.hz / 10 + w->g.idle * (w->g.hz / 1000000));
}

/*
 * Opening the held connections is not part of what is measured: the
 * worker's counters start again from zero after it.
 */
static void
forget(struct cps_worker *w)
{
	memset(&w->g.st, 0, sizeof(w->g.st));
	memset(&w->g.lat, 0, sizeof(w->g.lat));
	memset(&w->g.conn_lat, 0, sizeof(w->g.conn_lat));
	w->busy = w->behind = w->tx_stalls = w->handed = w->handoff_drop = 0;
	w->open_busy = w->open_span = 0;
}

/* How many of total opens spread evenly over [t0, t0 + span) are due at now. */
static uint64_t
due(uint64_t t0, uint64_t span, uint64_t total, uint64_t now)
{
	if (now >= t0 + span)
		return total;
	return (uint64_t)((double)total * (double)(now - t0) / (double)span);
}

/*
 * Runs worker w's share of r: opens connections for r->secs, then waits
 * (up to the timeout) for them to end and fails what is left, so the next
 * run starts from nothing. A search step may catch up for a tenth of its
 * time more on opens a stall delayed (a stall of the VM at its very end
 * would otherwise cost it), and a completion after that is late. tick, if
 * any, is called each iteration.
 */
static void
run_share(struct cps_worker *w, const struct cps_run *r, cps_tick_t tick)
{
	struct pcl_gen *g = &w->g;
	unsigned int i = (unsigned int)(w - cps_workers);
	uint64_t span = (uint64_t)r->secs * g->hz, t0 = rte_rdtsc(), now = t0, last;
	uint64_t grace = r->step ? span / 10 : 0;
	uint64_t rate = share_of(r->rate, i), count = share_of(r->count, i);
	uint64_t flood = share_of(r->flood_rate * r->secs, i);
	/* Opens the run asks of this worker: its share of the rate over the time, or the count. */
	uint64_t target = rate ? rate * r->secs : UINT64_MAX, issued = 0, drain_end = 0;
	uint64_t flooded = g->st.flood_sent, busy0 = w->busy;
	bool opening = true;

	if (count && count < target)
		target = count;
	g->hold = r->idle;
	g->late_after = r->step ? t0 + span + grace : UINT64_MAX;
	g->cfg.concurrency = r->open_loop
				     ? UINT32_MAX
				     : (uint32_t)RTE_MAX(share_of(r->concurrency, i), UINT64_C(1));
	while (!cps_quit) {
		uint32_t did;

		last = now;
		now = rte_rdtsc();
		did = poll_once(w, now);
		if (opening) {
			uint64_t want = rate ? due(t0, span, target, now) - issued : OPEN_BURST;
			uint32_t n = (uint32_t)RTE_MIN(RTE_MIN(want, (uint64_t)OPEN_BURST),
						       target - issued);
			uint32_t k = pcl_gen_open(g, now, n);

			issued += k;
			if (r->open_loop && k < n && pcl_gen_full(g)) {
				pcl_gen_miss(g, n - k);
				issued += n - k;
			} else if (k < n && g->active < g->cfg.concurrency) {
				w->tx_stalls++;
			}
			did += k;
			if (flood) {
				uint64_t sent = g->st.flood_sent - flooded;
				uint64_t fwant = due(t0, span, flood, now) - RTE_MIN(sent, flood);

				did += pcl_gen_flood(
					g, (uint32_t)RTE_MIN(fwant, (uint64_t)OPEN_BURST));
			}
			if (now >= t0 + span + grace || issued >= target ||
			    (now >= t0 + span && !rate)) {
				opening = false;
				if (r->open_loop)
					w->behind += target - issued;
				w->open_busy = w->busy - busy0;
				w->open_span = now - t0;
				/* The last connection's deadline, and a tick for its timer. */
				drain_end = now + (uint64_t)(g->cfg.timeout_ms + 2) * g->tick_tsc;
			}
		} else if (g->active == 0 || now >= drain_end) {
			break;
		}
		if (did)
			w->busy += now - last;
		if (tick)
			tick(now);
	}
	abort_open(w);
	if (r->idle) {
		g->hold = false;
		forget(w);
	}
}

/*
 * Sends what is queued, for up to 200 ms: the last ACKs (and the RSTs of
 * failed connections) would otherwise be lost with the port and leave the
 * server in LAST_ACK. After a signal, only while something is queued.
 */
static void
linger(struct cps_worker *w)
{
	uint64_t until = rte_rdtsc() + w->g.hz / 5;
	uint16_t q;
	bool queued;

	do {
		poll_once(w, rte_rdtsc());
		queued = false;
		PCL_GEN_FOREACH_Q(&w->g, q)
		{
			queued |= w->g.tx_n[q] > 0;
		}
	} while (rte_rdtsc() < until && (queued || !cps_quit));
}

static int
worker_main(void *arg)
{
	struct cps_worker *w = arg;
	uint32_t seen = 0;

	for (;;) {
		uint32_t p = __atomic_load_n(&posted, __ATOMIC_ACQUIRE);

		if (p != seen) {
			seen = p;
			run_share(w, &cur, NULL);
			__atomic_store_n(&w->done, seen, __ATOMIC_RELEASE);
			continue;
		}
		if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE) || cps_quit)
			break;
		poll_once(w, rte_rdtsc());
	}
	abort_open(w);
	release_idle(w);
	linger(w);
	return 0;
}

void
cps_launch(void)
{
	unsigned int i;

	for (i = 1; i < cps_nworkers; i++)
		rte_eal_remote_launch(worker_main, &cps_workers[i], cps_workers[i].lcore);
}

void
cps_execute(const struct cps_run *r, cps_tick_t tick)
{
	struct cps_worker *w0 = &cps_workers[0];
	uint32_t seq = posted + 1;
	unsigned int i;

	cur = *r;
	__atomic_store_n(&posted, seq, __ATOMIC_RELEASE);
	run_share(w0, &cur, tick);
	for (i = 1; i < cps_nworkers && !cps_quit; i++) {
		while (__atomic_load_n(&cps_workers[i].done, __ATOMIC_ACQUIRE) != seq &&
		       !cps_quit) {
			uint64_t now = rte_rdtsc();

			poll_once(w0, now);
			if (tick)
				tick(now);
		}
	}
}

void
cps_finish(void)
{
	__atomic_store_n(&stopping, true, __ATOMIC_RELEASE);
	abort_open(&cps_workers[0]);
	release_idle(&cps_workers[0]);
	linger(&cps_workers[0]);
	rte_eal_mp_wait_lcore();
}

/* Connections held over the workers. */
static uint64_t
idle_held(void)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < cps_nworkers; i++)
		n += ((const volatile struct pcl_gen *)&cps_workers[i].g)->idle;
	return n;
}

#define IDLE_TRIES 3

uint64_t
cps_idle(uint64_t n, uint64_t rate, uint32_t concurrency)
{
	uint64_t held = 0, now;
	unsigned int t;

	for (t = 0; t < IDLE_TRIES && held < n && !cps_quit; t++) {
		struct cps_run r = {
			.rate = rate,
			.concurrency = concurrency,
			.count = n - held,
			/* Long enough for the count at the rate: the count ends it. */
			.secs = (uint32_t)((n - held + rate - 1) / rate),
			.idle = true,
		};

		cps_execute(&r, NULL);
		now = idle_held();
		if (now <= held)
			break;
		held = now;
	}
	return idle_held();
}

void
cps_poll_for(unsigned int ms)
{
	uint64_t until = rte_rdtsc() + rte_get_tsc_hz() / 1000 * ms;

	while (rte_rdtsc() < until && !cps_quit)
		poll_once(&cps_workers[0], rte_rdtsc());
}

static_assert(sizeof(struct pcl_gen_stats) % sizeof(uint64_t) == 0, "counters only");

void
cps_stats_sum(struct pcl_gen_stats *sum)
{
	unsigned int i, k;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < cps_nworkers; i++) {
		const volatile uint64_t *src = (const volatile uint64_t *)&cps_workers[i].g.st;
		uint64_t *dst = (uint64_t *)sum;

		/* Each counter has one writer; a read mid-update is merely a little old. */
		for (k = 0; k < sizeof(*sum) / sizeof(uint64_t); k++)
			dst[k] += src[k];
	}
}
