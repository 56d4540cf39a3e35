/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cps-gen [EAL options] -- --dst A.B.C.D[:PORT] [options]
 *
 * A DPDK load generator that plays many TCP clients, one worker per lcore:
 * it opens connections at a target rate, a fixed concurrency or the highest
 * rate without loss (--search), completes the handshake, sends requests and
 * reads the responses, closes, retransmits what is lost, and reports each
 * second. Runs over net_memif against portcullis and over net_tap,
 * net_af_packet or a NIC against any TCP server. The client logic is
 * pcl_gen*.c; the workers cps_run.c; the search cps_search.c; the output
 * cps_report.c; the options cps_opts.c.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "cps_gen.h"

/* Per queue: a full TX queue (PCL_GEN_TX) and both descriptor rings, at least. */
#define NB_MBUFS_PER_Q 8192
#define NB_DESC        1024
#define INBOX_SIZE     4096
#define RSS_KEY_MAX    64

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	cps_quit = true;
}

/*
 * Symmetric RSS with RETA entry i -> queue i % nq, the table pcl_steer
 * assumes, where the device has it: a NIC then delivers each reply on the
 * queue its flow was sent from. Returns false when the device has none.
 */
static bool
rss_conf(const struct rte_eth_dev_info *info, uint8_t *key, struct rte_eth_conf *conf)
{
	uint8_t len = info->hash_key_size ? info->hash_key_size : PCL_RSS_KEY_LEN;
	unsigned int i;

	if (!(info->flow_type_rss_offloads & RTE_ETH_RSS_NONFRAG_IPV4_TCP) || len > RSS_KEY_MAX ||
	    info->reta_size == 0 || info->reta_size > PCL_RETA_MAX ||
	    !rte_is_power_of_2(info->reta_size))
		return false;
	for (i = 0; i < len; i++)
		key[i] = pcl_rss_key[i % 2];
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf = (struct rte_eth_rss_conf){
		.rss_key = key, .rss_key_len = len, .rss_hf = RTE_ETH_RSS_NONFRAG_IPV4_TCP};
	return true;
}

static int
reta_program(uint16_t port, uint16_t reta_size, uint16_t nq)
{
	struct rte_eth_rss_reta_entry64 reta[PCL_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE] = {0};
	unsigned int i;

	for (i = 0; i < reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			(uint16_t)(i % nq);
	}
	return rte_eth_dev_rss_reta_update(port, reta, reta_size);
}

/*
 * Starts port with nq queue pairs. *reta_size: the RSS table our queue
 * choice must follow: the device's when it spreads replies itself, else
 * the size portcullis uses in software (so its workers agree, over memif).
 */
static int
port_start(uint16_t port, uint16_t nq, struct rte_mempool *mp, uint16_t *reta_size)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint8_t key[RSS_KEY_MAX];
	bool rss = false;
	uint16_t q;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc == 0 && nq > 1)
		rss = rss_conf(&info, key, &conf);
	if (rc == 0)
		rc = rte_eth_dev_configure(port, nq, nq, &conf);
	if (rc != 0 && rss) {
		rss = false;
		memset(&conf, 0, sizeof(conf));
		rc = rte_eth_dev_configure(port, nq, nq, &conf);
	}
	for (q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, NB_DESC, rte_eth_dev_socket_id(port), NULL,
					    mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, NB_DESC, rte_eth_dev_socket_id(port),
						    NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc != 0)
		return rc;
	rte_eth_promiscuous_enable(port);
	rss = rss && reta_program(port, info.reta_size, nq) == 0;
	*reta_size = rss ? info.reta_size : PCL_RETA_DEFAULT;
	if (nq > 1)
		fprintf(stderr, PROG ": port %u (%s): %u queues, %s\n", port, info.driver_name, nq,
			rss ? "symmetric RSS: replies come back on their flow's queue"
			    : "no RSS: each flow goes on the queue portcullis's hash would pick; "
			      "a reply that comes back on another is handed over");
	return 0;
}

static bool
wait_link(uint16_t port, unsigned int seconds)
{
	struct rte_eth_link link;
	unsigned int i;

	for (i = 0; i < seconds * 10 && !cps_quit; i++) {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return true;
		rte_delay_ms(100);
	}
	return false;
}

/* Asks for the server's MAC every 100 ms for up to 5 s, on every queue. */
static bool
resolve(struct cps_worker *w)
{
	static const struct rte_ether_addr zero;
	unsigned int i;

	for (i = 0; i < 50 && !cps_quit; i++) {
		uint64_t until = rte_rdtsc() + w->g.hz / 10;

		pcl_gen_arp_request(&w->g);
		pcl_gen_flush(&w->g, w->port);
		while (rte_rdtsc() < until)
			if (cps_rx_all(w, rte_rdtsc()) &&
			    !rte_is_same_ether_addr(&w->g.dst_mac, &zero))
				return true;
	}
	return false;
}

/* A worker per lcore, the main one first, each with its share of the clients. */
static void
workers_init(const struct cps_opts *o, uint16_t port, struct rte_mempool *mp, uint16_t reta_size)
{
	struct rte_ether_addr mac;
	unsigned int lcore, i = 0;
	int rc;

	rte_eth_macaddr_get(port, &mac);
	RTE_LCORE_FOREACH(lcore)
	{
		struct cps_worker *w = &cps_workers[i];
		struct pcl_gen_cfg cfg = o->g;
		char name[RTE_RING_NAMESIZE];

		cfg.worker = (uint16_t)i;
		cfg.nworkers = (uint16_t)cps_nworkers;
		cfg.reta_size = reta_size;
		w->lcore = lcore;
		w->port = port;
		rc = pcl_gen_init(&w->g, &cfg, mp, &mac, rte_rdtsc());
		if (rc == -ENOMEM)
			rte_exit(EXIT_FAILURE,
				 "worker %u: no memory for its clients: %u client tuples take "
				 "%" PRIu64 " MB over the workers, beside the mbufs; raise -m or "
				 "lower --nsrc\n",
				 i, cfg.nsrc * cfg.nsport, pcl_gen_memsize(&cfg) >> 20);
		if (rc != 0)
			rte_exit(EXIT_FAILURE, "worker %u: cannot set up its clients: %s%s\n", i,
				 strerror(-rc),
				 rc == -EINVAL ? " (too few --sports and --nsrc for every worker)"
					       : "");
		if (cps_nworkers > 1) {
			snprintf(name, sizeof(name), "cps_inbox_%u", i);
			w->inbox = rte_ring_create(name, INBOX_SIZE, rte_lcore_to_socket_id(lcore),
						   RING_F_SC_DEQ);
			if (w->inbox == NULL)
				rte_exit(EXIT_FAILURE, "worker %u: no inbox: %s\n", i,
					 rte_strerror(rte_errno));
		}
		i++;
	}
}

static void
workers_fini(void)
{
	unsigned int i;

	for (i = 0; i < cps_nworkers; i++) {
		pcl_gen_fini(&cps_workers[i].g);
		rte_ring_free(cps_workers[i].inbox);
	}
}

int
main(int argc, char **argv)
{
	static struct cps_search cs;
	struct rte_mempool *mp;
	struct cps_opts o;
	uint16_t port, reta_size;
	uint64_t t0, t1;
	unsigned int i;
	int rc;

	/* --help needs no EAL (which may not even start here). */
	for (rc = 1; rc < argc; rc++) {
		if (strcmp(argv[rc], "-h") == 0 || strcmp(argv[rc], "--help") == 0) {
			cps_opts_usage(stdout);
			return 0;
		}
	}
	rc = rte_eal_init(argc, argv);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n", rte_strerror(rte_errno));
	argv[rc] = argv[0];
	cps_opts_parse(argc - rc, argv + rc, &o);
	cps_nworkers = rte_lcore_count();
	if (cps_nworkers > PCL_GEN_MAX_Q)
		rte_exit(EXIT_FAILURE, "%u lcores: at most %u generator workers\n", cps_nworkers,
			 PCL_GEN_MAX_Q);
	if (!o.have_queues)
		o.g.nq = (uint16_t)cps_nworkers;
	if (o.g.nq < cps_nworkers)
		rte_exit(EXIT_FAILURE, "--queues %u: fewer than the %u lcores (one worker each)\n",
			 o.g.nq, cps_nworkers);
	if (rte_eth_dev_count_avail() == 0)
		rte_exit(EXIT_FAILURE,
			 "no port: give one with --vdev (net_memif0,... or net_tap0,...)\n");
	port = (uint16_t)rte_eth_find_next(0);
	mp = rte_pktmbuf_pool_create("cps_gen", NB_MBUFS_PER_Q * o.g.nq + 4095, 256, 0,
				     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool: %s\n",
			 rte_strerror(rte_errno));
	if (port_start(port, o.g.nq, mp, &reta_size) != 0)
		rte_exit(EXIT_FAILURE, "cannot start port %u with %u queues\n", port, o.g.nq);
	workers_init(&o, port, mp, reta_size);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!wait_link(port, 10))
		rte_exit(EXIT_FAILURE, "port %u: link still down after 10 s (is the server up?)\n",
			 port);
	if (o.have_dmac)
		cps_workers[0].g.dst_mac = o.dmac;
	else if (!resolve(&cps_workers[0]))
		rte_exit(EXIT_FAILURE, "no ARP (IPv6: ND) reply from the server within 5 s\n");
	for (i = 1; i < cps_nworkers; i++)
		cps_workers[i].g.dst_mac = cps_workers[0].g.dst_mac;
	fprintf(stderr, PROG ": server at " RTE_ETHER_ADDR_PRT_FMT ", %u clients, %u worker%s\n",
		RTE_ETHER_ADDR_BYTES(&cps_workers[0].g.dst_mac), o.g.nsrc * o.g.nsport,
		cps_nworkers, cps_nworkers > 1 ? "s" : "");
	cps_launch();
	t0 = rte_rdtsc();
	/*
	 * A second of polling after the held connections are open, and again
	 * before they are reset: the server is then quiet, and whoever reads
	 * its counters then (bench/scale.sh) gets those of the run alone.
	 */
	if (o.idle) {
		uint64_t held = cps_idle(o.idle, o.idle_rate, o.g.concurrency);

		fprintf(stderr,
			PROG ": idle: %" PRIu64 " of %" PRIu64
			     " connections open and held after %.1f s; the run starts in 1 s\n",
			held, o.idle, (double)(rte_rdtsc() - t0) / rte_get_tsc_hz());
		cps_poll_for(1000);
	}
	t0 = rte_rdtsc();
	if (o.search) {
		cps_search(&o, &cs);
	} else {
		struct cps_run r = {
			.rate = o.rate,
			.open_loop = o.open_loop,
			.concurrency = o.g.concurrency,
			.count = o.count,
			.flood_rate = o.flood_rate,
			.secs = o.duration_s,
		};

		cps_report_start(t0);
		cps_execute(&r, o.quiet ? NULL : cps_report_tick);
	}
	/* With --idle the run's time ends with it: the pause and the resets are not the run's. */
	t1 = rte_rdtsc();
	if (o.idle) {
		fprintf(stderr, PROG ": the run is over; the held connections are reset in 1 s\n");
		cps_poll_for(1000);
	}
	cps_finish();
	cps_summary(&o, (double)((o.idle ? t1 : rte_rdtsc()) - t0) / rte_get_tsc_hz(),
		    o.search ? &cs : NULL);
	/*
	 * A memif peer that leaves while the other polls can crash it (the PMD
	 * unmaps the rings under its RX path), so --hold lets the server stop
	 * first while we do not poll.
	 */
	while (o.hold && !cps_quit)
		rte_delay_us_sleep(10000);
	workers_fini();
	rte_eth_dev_stop(port);
	rte_eal_cleanup();
	return 0;
}
