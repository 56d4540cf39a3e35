/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "fuzz_worker.h"
#include "ctl/pcl_config.h"

struct pcl_worker *fz_w;
static struct pcl_config cfg;
static struct pcl_apps apps;
static struct pcl_secrets secrets;
static struct rte_mempool *mp;

static void
die(const char *what)
{
	fprintf(stderr, "fuzz setup: %s\n", what);
	abort();
}

/* libFuzzer calls this once before the first input. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_init();
	return 0;
}

void
fz_init(void)
{
	char *argv[] = {"pcl-fuzz",
			"--no-huge",
			"-m",
			"128",
			"--no-pci",
			"--no-shconf",
			"--no-telemetry",
			"--log-level=lib.eal:error",
			"--log-level=portcullis:crit",
			NULL};
	struct pcl_worker_conf wc;
	char err[256];

	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0)
		die("EAL init");
	pcl_config_defaults(&cfg);
	cfg.addr = FZ_SERVER_IP;
	cfg.prefix_len = 24;
	cfg.tcp.conns = 64;
	cfg.tcp.syn_backlog = 16;
	cfg.tcp.cookie_threshold = 8;
	cfg.tcp.time_wait = 8; /* small: the fuzzer fills it */
	/*
	 * [listen] ports = 80 (http), [listen:7] app = echo, and [listen:8080]
	 * an answer long enough for congestion control and loss recovery.
	 */
	cfg.listen[0] = 80;
	cfg.nlisten = 1;
	cfg.sections[0] =
		(struct pcl_listen_conf){.app = PCL_APP_ECHO, .body_size = UINT32_MAX, .port = 7};
	cfg.sections[1] = (struct pcl_listen_conf){
		.app = PCL_APP_HTTP, .body_size = FZ_BULK_BODY, .port = FZ_BULK_PORT};
	cfg.nsections = 2;
	/* Dual stack: IPv6 frames reach the parser, ND and the engine too. */
	if (pcl_config_set(&cfg, "port", "addr6", FZ_SERVER_ADDR6, err, sizeof(err)) != 0 ||
	    pcl_config_finish(&cfg, err, sizeof(err)) != 0)
		die(err);
	if (pcl_apps_init(&apps, cfg.listeners, cfg.nlisteners) != 0 ||
	    pcl_secrets_init(&secrets) != 0)
		die("apps or secrets");
	mp = rte_pktmbuf_pool_create("fz_pool", 1024, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	fz_w = rte_zmalloc("fz_worker", sizeof(*fz_w), RTE_CACHE_LINE_SIZE);
	if (mp == NULL || fz_w == NULL)
		die("worker memory");
	wc = pcl_config_worker(&cfg, &apps, NULL, &secrets, mp,
			       (const uint16_t[]){RTE_MAX_ETHPORTS, RTE_MAX_ETHPORTS}, 0,
			       rte_lcore_id());
	if (pcl_worker_init(fz_w, &wc) != 0)
		die("worker");
	/* MAC 00:00:00:00:00:00, as the scenario runner's net_ring port: its seeds match. */
	fz_w->fake_clock = true;
}

struct rte_mbuf *
fz_mbuf(const uint8_t *data, size_t len)
{
	struct rte_mbuf *m;
	char *p;

	if (len > RTE_MBUF_DEFAULT_DATAROOM)
		return NULL;
	m = rte_pktmbuf_alloc(mp);
	if (m == NULL)
		abort(); /* every input returns its mbufs: an empty pool is a leak */
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL)
		abort();
	memcpy(p, data, len);
	return m;
}

/* The engine's invariants hold after every step, or the input is a finding. */
static void
check(const char *after)
{
	char err[256];

	if (pcl_tcp_check(&fz_w->tcp, true, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz: engine invariant broken after %s: %s\n", after, err);
		abort();
	}
}

void
fz_input(struct rte_mbuf *m)
{
	pcl_worker_input(fz_w, 0, &m, 1);
	check("a frame");
}

void
fz_advance(uint32_t ms)
{
	/*
	 * In steps of up to a second: the wheel fires every due slot on the
	 * way (bounded per call, hence the repeats), so a long silence costs
	 * tens of calls, not one per 10 ms tick.
	 */
	while (ms > 0) {
		uint32_t step = RTE_MIN(ms, 1000u);
		int i;

		ms -= step;
		fz_w->tcp.now_us += (uint64_t)step * 1000;
		pcl_worker_clock(fz_w);
		for (i = 0; i < 4; i++)
			pcl_worker_timers(fz_w);
		check("timers");
		fz_take_replies(NULL, NULL);
	}
}

void
fz_take_replies(void (*fn)(void *arg, const struct rte_mbuf *m), void *arg)
{
	uint16_t i;

	for (i = 0; i < fz_w->ifs[0].txq.n; i++) {
		if (fn != NULL)
			fn(arg, fz_w->ifs[0].txq.pkts[i]);
		rte_pktmbuf_free(fz_w->ifs[0].txq.pkts[i]);
	}
	fz_w->ifs[0].txq.n = 0;
}

void
fz_reset(void)
{
	fz_take_replies(NULL, NULL);
	check("the input");
	pcl_tcp_drop_all(&fz_w->tcp);
	fz_take_replies(NULL, NULL);
	check("dropping every connection");
	if (fz_w->tcp.pool.nfree != fz_w->tcp.pool.cap)
		die("connection state left after dropping everything");
	if (rte_mempool_in_use_count(mp) != 0) {
		fprintf(stderr, "fuzz: %u mbufs leaked\n", rte_mempool_in_use_count(mp));
		abort();
	}
}
