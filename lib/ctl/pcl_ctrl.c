/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "base/pcl_log.h"
#include "ctl/pcl_ctrl.h"
#include "ctl/pcl_pressure.h"
#include "worker/pcl_worker.h"

void
pcl_ctrl_totals(struct pcl_worker *const *workers, unsigned int n, struct pcl_totals *t)
{
	unsigned int i, s;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		struct pcl_resources r;

		pcl_worker_resources(workers[i], &r);
		pcl_resources_add(&t->res, &r);
		pcl_stats_add(&t->s, &workers[i]->stats);
		for (s = 0; s < PCL_TCP_STATE_MAX; s++)
			t->by_state[s] += pcl_stat_read(&workers[i]->tcp.by_state[s]);
	}
}

void
pcl_ctrl_print_totals(FILE *f, const struct pcl_totals *t)
{
	unsigned int i;

	for (i = 0; i < PCL_COUNTER_COUNT; i++)
		fprintf(f, "%s %" PRIu64 "\n", pcl_counter_names[i], pcl_stats_counter(&t->s, i));
	for (i = 0; i < PCL_DROP_MAX; i++)
		fprintf(f, "drop_%s %" PRIu64 "\n", pcl_drop_names[i], t->s.drop[i]);
	for (i = PCL_TCP_SYN_RCVD; i < PCL_TCP_STATE_MAX; i++)
		fprintf(f, "state_%s %" PRIu64 "\n", pcl_tcp_state_names[i], t->by_state[i]);
	for (i = 0; i < PCL_RESOURCE_COUNT; i++)
		fprintf(f, "%s %" PRIu64 "\n", pcl_resource_names[i], pcl_resource(&t->res, i));
}

static uint64_t
drops(const struct pcl_totals *t)
{
	uint64_t d = 0;
	unsigned int i;

	for (i = 0; i < PCL_DROP_MAX; i++)
		d += t->s.drop[i];
	return d;
}

static void
summary(const struct pcl_totals *now, const struct pcl_totals *prev, uint32_t secs)
{
	PCL_LOG(INFO,
		"conns/s %" PRIu64 " active %" PRIu64 " (est %" PRIu64 " tw %" PRIu64
		" synrcvd %" PRIu64 ") cookies/s %" PRIu64 " rx/s %" PRIu64 " tx/s %" PRIu64
		" drops/s %" PRIu64,
		(now->s.conn_opened - prev->s.conn_opened) / secs, pcl_tcp_active(now->by_state),
		now->by_state[PCL_TCP_ESTABLISHED], now->by_state[PCL_TCP_TIME_WAIT],
		now->by_state[PCL_TCP_SYN_RCVD], (now->s.cookie_sent - prev->s.cookie_sent) / secs,
		(now->s.rx_pkts - prev->s.rx_pkts) / secs,
		(now->s.tx_pkts - prev->s.tx_pkts) / secs, (drops(now) - drops(prev)) / secs);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t
now_s(void)
{
	return now_ns() / 1000000000u;
}

/* What the rates are computed against: the previous second's sample. */
struct sample {
	uint64_t ns;
	struct pcl_totals t;
	uint64_t busy[PCL_MAX_WORKERS];
};

static void
take(struct pcl_ctrl *ctl, struct sample *s)
{
	unsigned int i;

	s->ns = now_ns();
	pcl_ctrl_totals(ctl->workers, ctl->nworkers, &s->t);
	for (i = 0; i < ctl->nworkers; i++)
		s->busy[i] = pcl_stat_read(&ctl->workers[i]->stats.busy_cycles);
}

static void
update_rates(struct pcl_ctrl *ctl, const struct sample *now, const struct sample *prev)
{
	uint64_t ns = now->ns - prev->ns, tsc = rte_get_tsc_hz() * ns / 1000000000u;
	unsigned int i;

	if (ns == 0)
		return;
	/* The rates are read by the telemetry thread: relaxed atomic stores. */
	for (i = 0; i < PCL_COUNTER_COUNT; i++)
		__atomic_store_n(
			&ctl->rates.per_s[i],
			(pcl_stats_counter(&now->t.s, i) - pcl_stats_counter(&prev->t.s, i)) *
				1000000000u / ns,
			__ATOMIC_RELAXED);
	__atomic_store_n(&ctl->rates.drops_per_s,
			 (drops(&now->t) - drops(&prev->t)) * 1000000000u / ns, __ATOMIC_RELAXED);
	for (i = 0; i < ctl->nworkers && tsc; i++)
		__atomic_store_n(&ctl->rates.busy_pct[i],
				 RTE_MIN((now->busy[i] - prev->busy[i]) * 100 / tsc, 100u),
				 __ATOMIC_RELAXED);
}

/* One secret's rotation schedule. */
struct rekey {
	struct pcl_keyring *keys;
	const char *what;
	uint32_t period_s; /* 0 = never */
	uint64_t next;
};

static void
rekey_due(struct rekey *r, uint64_t t)
{
	if (r->period_s == 0 || t < r->next)
		return;
	r->next = t + r->period_s;
	if (pcl_keyring_rotate(r->keys) == 0)
		PCL_LOG(DEBUG, "%s secret rotated", r->what);
	else
		PCL_LOG(WARNING, "%s secret rotation failed: no OS randomness", r->what);
}

/* The services' 100 ms: health and tables, and a reload a SIGHUP asked for. */
static void
services(struct pcl_ctrl *ctl)
{
	char reply[512];

	pcl_lbctl_tick(ctl->lb, now_ns() / 1000000);
	if (__atomic_exchange_n(&ctl->hup, false, __ATOMIC_RELAXED))
		pcl_lbctl_command(ctl->lb, "reload", reply, sizeof(reply));
}

static void *
ctrl_main(void *arg)
{
	struct pcl_ctrl *ctl = arg;
	struct pcl_totals prev, now;
	struct sample a, b, *cur = &a, *last = &b;
	struct pcl_pressure pressure[PCL_MAX_WORKERS] = {0};
	unsigned int i;
	uint64_t t = now_s(), next_log = t + ctl->interval_s;
	struct rekey isn = {&ctl->secrets->isn, "ISN", ctl->isn_rekey_s, t + ctl->isn_rekey_s};
	struct rekey cookie = {&ctl->secrets->cookie, "SYN cookie", ctl->cookie_rekey_s,
			       t + ctl->cookie_rekey_s};

	pcl_ctrl_totals(ctl->workers, ctl->nworkers, &prev);
	take(ctl, last);
	while (!__atomic_load_n(&ctl->stop, __ATOMIC_RELAXED)) {
		/*
		 * Short sleeps keep shutdown under a second. Signals (net_tap
		 * raises one per packet) cut them short, so the schedule follows
		 * the monotonic clock, never a count of sleeps.
		 */
		usleep(100 * 1000);
		t = now_s();
		rekey_due(&isn, t);
		rekey_due(&cookie, t);
		if (ctl->lb != NULL)
			services(ctl);
		if (now_ns() - last->ns >= 1000000000u) {
			struct sample *tmp = last;

			take(ctl, cur);
			update_rates(ctl, cur, last);
			for (i = 0; i < ctl->nworkers; i++)
				pcl_pressure_check(&pressure[i], &ctl->workers[i]->stats,
						   ctl->workers[i]->lcore);
			last = cur;
			cur = tmp;
		}
		if (ctl->interval_s == 0 || t < next_log)
			continue;
		pcl_ctrl_totals(ctl->workers, ctl->nworkers, &now);
		summary(&now, &prev, (uint32_t)(t - next_log + ctl->interval_s));
		next_log = t + ctl->interval_s;
		prev = now;
	}
	return NULL;
}

int
pcl_ctrl_start(struct pcl_ctrl *ctl)
{
	int rc;

	__atomic_store_n(&ctl->stop, false, __ATOMIC_RELAXED);
	rc = rte_ctrl_thread_create(&ctl->thread, "pcl-ctrl", NULL, ctrl_main, ctl);
	if (rc != 0)
		return -rc;
	ctl->running = true;
	return 0;
}

void
pcl_ctrl_stop(struct pcl_ctrl *ctl)
{
	if (!ctl->running)
		return;
	__atomic_store_n(&ctl->stop, true, __ATOMIC_RELAXED);
	pthread_join(ctl->thread, NULL);
	ctl->running = false;
}
