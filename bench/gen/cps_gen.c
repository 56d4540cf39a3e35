/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * cps-gen [EAL options] -- --dst A.B.C.D[:PORT] [options]
 *
 * A DPDK load generator that plays many TCP clients on one lcore: it opens
 * connections at a target (or the highest) rate, completes the handshake,
 * optionally sends a request and reads the response, closes, and reports
 * each second. Runs over net_memif against portcullis and over net_tap
 * against any TCP server in a namespace. The client logic is pcl_gen.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "pcl_gen.h"

#define PROG       "cps-gen"
#define NB_MBUFS   32767
#define NB_DESC    1024
#define OPEN_BURST 64

static volatile bool quit;

struct opts {
	struct pcl_gen_cfg g;
	uint64_t rate;       /* connections/s, 0 = as fast as the concurrency allows */
	uint64_t flood_rate; /* spoofed segments/s */
	uint64_t count;      /* connections to open, 0 = until the duration ends */
	uint32_t duration_s;
	bool json, quiet, hold, have_dmac;
	struct rte_ether_addr dmac;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [EAL options] -- --dst A.B.C.D[:PORT] [options]\n"
		   "\n"
		   "  --dst A.B.C.D[:PORT]   the server (port 80)\n"
		   "  --src A.B.C.D          first client address (the server's + 1)\n"
		   "  --nsrc N               client addresses from --src on (1)\n"
		   "  --sports LO-HI         client ports of each address (10000-59999)\n"
		   "  --rate N               connections opened per second, 0 = as fast as\n"
		   "                         --concurrency allows (0)\n"
		   "  --concurrency N        connections open at once, at most (1000)\n"
		   "  --duration S           seconds to open connections for (10)\n"
		   "  --count N              stop after opening N connections (no limit)\n"
		   "  --timeout MS           a connection not closed by then failed (1000)\n"
		   "  --request http|none    send GET / and read the response (http)\n"
		   "  --close client|server|mix\n"
		   "                         who closes first; server sends HTTP/1.0; mix:\n"
		   "                         each in turn (client)\n"
		   "  --flood N              also send N spoofed segments per second (0)\n"
		   "  --flood-kind K         what they are: syn, rst, ack (a random\n"
		   "                         acknowledgment), or mix: each in turn (syn)\n"
		   "  --flood-src A.B.C.D    first spoofed address (10.200.0.0)\n"
		   "  --flood-nsrc N         spoofed addresses (65536)\n"
		   "  --queues N             port queue pairs; a connection uses the one the\n"
		   "                         server's symmetric RSS would pick (1)\n"
		   "  --dmac MAC             the server's MAC (default: ask with ARP)\n"
		   "  --mss N                MSS offered in SYNs (1460)\n"
		   "  --json                 print the summary as one JSON object\n"
		   "  --quiet                no per-second lines\n"
		   "  --hold                 after the summary, keep the port but stop polling\n"
		   "                         it until SIGINT or SIGTERM, so the server can stop\n"
		   "                         first\n"
		   "  -h, --help             this text\n");
}

static void
die(const char *opt, const char *problem)
{
	fprintf(stderr, PROG ": --%s: %s\n", opt, problem);
	exit(2);
}

static uint64_t
num(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < lo || v > hi) {
		char msg[96];

		snprintf(msg, sizeof(msg), "'%s' is not a number in %" PRIu64 "..%" PRIu64, s, lo,
			 hi);
		die(opt, msg);
	}
	return v;
}

static uint32_t
addr(const char *opt, const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		die(opt, "not an IPv4 address");
	return rte_be_to_cpu_32(a.s_addr);
}

static void
parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{"dst", required_argument, NULL, 'd'},
		{"src", required_argument, NULL, 's'},
		{"nsrc", required_argument, NULL, 'n'},
		{"sports", required_argument, NULL, 'p'},
		{"rate", required_argument, NULL, 'r'},
		{"concurrency", required_argument, NULL, 'C'},
		{"duration", required_argument, NULL, 'D'},
		{"count", required_argument, NULL, 'N'},
		{"timeout", required_argument, NULL, 't'},
		{"request", required_argument, NULL, 'R'},
		{"close", required_argument, NULL, 'c'},
		{"flood", required_argument, NULL, 'f'},
		{"flood-kind", required_argument, NULL, 'k'},
		{"flood-src", required_argument, NULL, 'F'},
		{"flood-nsrc", required_argument, NULL, 'x'},
		{"queues", required_argument, NULL, 'q'},
		{"dmac", required_argument, NULL, 'm'},
		{"mss", required_argument, NULL, 'M'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'Q'},
		{"hold", no_argument, NULL, 'H'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint32_t src = 0, lo_port = 10000, hi_port = 59999;
	bool have_dst = false;
	char *colon, *dash;
	int c, li, kind;

	*o = (struct opts){
		.g = {.nsrc = 1,
		      .concurrency = 1000,
		      .timeout_ms = 1000,
		      .request = true,
		      .requests = 1,
		      .resp_size = -1,
		      .nworkers = 1,
		      .flood_first = 0x0ac80000,
		      .flood_n = 65536,
		      .nq = 1,
		      .mss = 1460,
		      .dport = 80},
		.duration_s = 10,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, &li)) != -1) {
		const char *name = c == '?' || c == ':' ? argv[optind - 1] : lo[li].name;

		switch (c) {
		case 'd':
			colon = strchr(optarg, ':');
			if (colon) {
				*colon = '\0';
				o->g.dport = (uint16_t)num(name, colon + 1, 1, 65535);
			}
			o->g.dst_addr = rte_cpu_to_be_32(addr(name, optarg));
			have_dst = true;
			break;
		case 's':
			src = addr(name, optarg);
			break;
		case 'n':
			o->g.nsrc = (uint32_t)num(name, optarg, 1, 65536);
			break;
		case 'p':
			dash = strchr(optarg, '-');
			if (dash == NULL)
				die(name, "expected LO-HI");
			*dash = '\0';
			lo_port = (uint32_t)num(name, optarg, 1, 65535);
			hi_port = (uint32_t)num(name, dash + 1, lo_port, 65535);
			break;
		case 'r':
			o->rate = num(name, optarg, 0, 100000000);
			break;
		case 'C':
			o->g.concurrency = (uint32_t)num(name, optarg, 1, 10000000);
			break;
		case 'D':
			o->duration_s = (uint32_t)num(name, optarg, 1, 86400);
			break;
		case 'N':
			o->count = num(name, optarg, 1, UINT64_MAX);
			break;
		case 't':
			o->g.timeout_ms = (uint32_t)num(name, optarg, 1, 600000);
			break;
		case 'R':
			if (strcmp(optarg, "http") && strcmp(optarg, "none"))
				die(name, "expected http or none");
			o->g.request = strcmp(optarg, "http") == 0;
			break;
		case 'c':
			if (strcmp(optarg, "client") && strcmp(optarg, "server") &&
			    strcmp(optarg, "mix"))
				die(name, "expected client, server or mix");
			o->g.server_close = strcmp(optarg, "server") == 0;
			o->g.close_mix = strcmp(optarg, "mix") == 0;
			break;
		case 'f':
			o->flood_rate = num(name, optarg, 0, 100000000);
			break;
		case 'k':
			kind = pcl_gen_flood_kind(optarg);
			if (kind < 0)
				die(name, "expected syn, rst, ack or mix");
			o->g.flood_kind = (uint8_t)kind;
			break;
		case 'F':
			o->g.flood_first = addr(name, optarg);
			break;
		case 'x':
			o->g.flood_n = (uint32_t)num(name, optarg, 1, UINT32_MAX);
			break;
		case 'q':
			o->g.nq = (uint16_t)num(name, optarg, 1, PCL_GEN_MAX_Q);
			break;
		case 'm':
			if (rte_ether_unformat_addr(optarg, &o->dmac) != 0)
				die(name, "not a MAC address");
			o->have_dmac = true;
			break;
		case 'M':
			o->g.mss = (uint16_t)num(name, optarg, 64, 65535);
			break;
		case 'j':
			o->json = true;
			break;
		case 'Q':
			o->quiet = true;
			break;
		case 'H':
			o->hold = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			die(name + 2, "missing value");
			break;
		default:
			fprintf(stderr, PROG ": %s: unknown option (try --help)\n", name);
			exit(2);
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": %s: unexpected argument (try --help)\n", argv[optind]);
		exit(2);
	}
	if (!have_dst)
		die("dst", "required");
	o->g.src_first = src ? src : rte_be_to_cpu_32(o->g.dst_addr) + 1;
	o->g.sport_first = (uint16_t)lo_port;
	o->g.nsport = hi_port - lo_port + 1;
	if ((uint64_t)o->g.nsrc * o->g.nsport > (1u << 26))
		die("nsrc", "more than 2^26 client (address, port) pairs");
	if ((o->g.server_close || o->g.close_mix) && !o->g.request)
		die("close",
		    "server and mix need --request http: the server closes after answering");
}

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	quit = true;
}

static int
port_start(uint16_t port, uint16_t nq, struct rte_mempool *mp)
{
	struct rte_eth_conf conf = {0};
	uint16_t q;
	int rc;

	rc = rte_eth_dev_configure(port, nq, nq, &conf);
	for (q = 0; rc == 0 && q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, NB_DESC, rte_eth_dev_socket_id(port), NULL,
					    mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, NB_DESC, rte_eth_dev_socket_id(port),
						    NULL);
	}
	if (rc == 0)
		rc = rte_eth_dev_start(port);
	if (rc == 0)
		rte_eth_promiscuous_enable(port);
	return rc;
}

/* Polls every queue once; returns frames received. */
static uint16_t
rx_all(struct pcl_gen *g, uint16_t port, uint64_t now)
{
	struct rte_mbuf *pkts[32];
	uint16_t q, n, i, total = 0;

	for (q = 0; q < g->cfg.nq; q++) {
		/*
		 * A frame can cost two replies on any queue; read no more than
		 * the fullest TX queue has room for, rather than drop replies.
		 */
		if (pcl_gen_tx_room(g) < 2 * RTE_DIM(pkts))
			break;
		n = rte_eth_rx_burst(port, q, pkts, RTE_DIM(pkts));
		for (i = 0; i < n; i++)
			pcl_gen_input(g, pkts[i], now, &(uint16_t){0});
		total += n;
	}
	return total;
}

static bool
wait_link(uint16_t port, unsigned int seconds)
{
	struct rte_eth_link link;
	unsigned int i;

	for (i = 0; i < seconds * 10 && !quit; i++) {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return true;
		rte_delay_ms(100);
	}
	return false;
}

/* Asks for the server's MAC every 100 ms for up to 5 s. */
static bool
resolve(struct pcl_gen *g, uint16_t port)
{
	static const struct rte_ether_addr zero;
	unsigned int i;

	for (i = 0; i < 50 && !quit; i++) {
		uint64_t until = rte_rdtsc() + g->hz / 10;

		pcl_gen_arp_request(g);
		pcl_gen_flush(g, port);
		while (rte_rdtsc() < until)
			if (rx_all(g, port, rte_rdtsc()) &&
			    !rte_is_same_ether_addr(&g->dst_mac, &zero))
				return true;
	}
	return false;
}

static void
report(const struct pcl_gen *g, const struct pcl_gen_stats *prev, const struct pcl_hist *lat,
       double t)
{
	const struct pcl_gen_stats *st = &g->st;
	unsigned int i;

	printf("%6.1fs  cps %8" PRIu64 "  open %6u  syn-ack us p50 %5.0f p99 %5.0f p999 %5.0f"
	       "  fail",
	       t, st->completed - prev->completed, g->active, pcl_hist_quantile(lat, 0.5) / 1e3,
	       pcl_hist_quantile(lat, 0.99) / 1e3, pcl_hist_quantile(lat, 0.999) / 1e3);
	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		printf(" %s %" PRIu64, pcl_gen_fail_names[i], st->fail[i] - prev->fail[i]);
	if (st->flood_sent) {
		printf("  flood");
		for (i = 0; i < PCL_GEN_FLOOD_MAX; i++)
			printf(" %s %" PRIu64, pcl_gen_flood_names[i],
			       st->flood_kind_sent[i] - prev->flood_kind_sent[i]);
		printf(" back syn-ack %" PRIu64 " rst %" PRIu64,
		       st->flood_synack - prev->flood_synack,
		       st->flood_rst_back - prev->flood_rst_back);
	}
	printf("\n");
	fflush(stdout);
}

static void
summary(const struct pcl_gen *g, const struct pcl_hist *lat, double secs, double busy_cycles,
	bool json)
{
	const struct pcl_gen_stats *st = &g->st;
	double cps = st->completed / secs;
	double cpc = st->completed ? busy_cycles / st->completed : 0;
	uint64_t failed = 0;
	unsigned int i;

	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		failed += st->fail[i];
	if (json) {
		printf("{\"seconds\": %.3f, \"opened\": %" PRIu64 ", \"completed\": %" PRIu64
		       ", \"failed\": %" PRIu64 ", \"cps\": %.0f",
		       secs, st->opened, st->completed, failed, cps);
		for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
			printf(", \"%s\": %" PRIu64, pcl_gen_fail_names[i], st->fail[i]);
		printf(", \"synack_us_p50\": %.1f, \"synack_us_p99\": %.1f, \"synack_us_p999\": "
		       "%.1f, \"synack_us_max\": %.1f",
		       pcl_hist_quantile(lat, 0.5) / 1e3, pcl_hist_quantile(lat, 0.99) / 1e3,
		       pcl_hist_quantile(lat, 0.999) / 1e3, lat->max / 1e3);
		printf(", \"flood_sent\": %" PRIu64, st->flood_sent);
		for (i = 0; i < PCL_GEN_FLOOD_MAX; i++)
			printf(", \"flood_%s\": %" PRIu64, pcl_gen_flood_names[i],
			       st->flood_kind_sent[i]);
		printf(", \"flood_synack\": %" PRIu64 ", \"flood_rst_back\": %" PRIu64
		       ", \"tx_drop\": %" PRIu64 ", \"no_mbuf\": %" PRIu64 ", \"stray\": %" PRIu64
		       ", \"gen_cycles_per_conn\": %.0f}\n",
		       st->flood_synack, st->flood_rst_back, st->tx_drop, st->no_mbuf, st->stray,
		       cpc);
		return;
	}
	printf("summary: %.1f s, %" PRIu64 " opened, %" PRIu64 " completed (%.0f/s), %" PRIu64
	       " failed (",
	       secs, st->opened, st->completed, cps, failed);
	for (i = 0; i < PCL_GEN_FAIL_MAX; i++)
		printf("%s%s %" PRIu64, i ? ", " : "", pcl_gen_fail_names[i], st->fail[i]);
	printf(")\n  syn-ack latency us: p50 %.1f p99 %.1f p999 %.1f max %.1f\n",
	       pcl_hist_quantile(lat, 0.5) / 1e3, pcl_hist_quantile(lat, 0.99) / 1e3,
	       pcl_hist_quantile(lat, 0.999) / 1e3, lat->max / 1e3);
	printf("  flood sent:");
	for (i = 0; i < PCL_GEN_FLOOD_MAX; i++)
		printf(" %s %" PRIu64, pcl_gen_flood_names[i], st->flood_kind_sent[i]);
	printf("; back: syn-ack %" PRIu64 ", rst %" PRIu64 "\n", st->flood_synack,
	       st->flood_rst_back);
	printf("  tx dropped %" PRIu64 ", no mbuf %" PRIu64 ", stray segments %" PRIu64 "\n",
	       st->tx_drop, st->no_mbuf, st->stray);
	printf("  generator: %.0f busy cycles per completed connection\n", cpc);
}

/*
 * The last ACKs (and the RSTs of failed connections) are still queued when
 * the run ends; closing the port now would lose them and leave the server
 * in LAST_ACK. Keep sending, and answering, for up to 200 ms.
 */
static void
linger(struct pcl_gen *g, uint16_t port)
{
	uint64_t until = rte_rdtsc() + g->hz / 5;
	uint16_t q;
	bool queued;

	do {
		rx_all(g, port, rte_rdtsc());
		pcl_gen_flush(g, port);
		for (q = 0, queued = false; q < g->cfg.nq; q++)
			queued |= g->tx_n[q] > 0;
	} while (rte_rdtsc() < until && (queued || !quit));
}

/*
 * The run: open at the target rate for the duration (or up to the count),
 * then wait up to the timeout for what is still open, then give up on it.
 * Busy cycles are those of iterations that received, opened or flooded:
 * with the generator at 100 % they show its own cost per connection.
 */
static void
run(struct pcl_gen *g, uint16_t port, const struct opts *o)
{
	static struct pcl_hist total;
	struct pcl_gen_stats prev = g->st;
	uint64_t t0 = rte_rdtsc(), now = t0, busy = 0, last;
	uint64_t end = t0 + o->duration_s * g->hz, next_report = t0 + g->hz, drain_end = 0;
	bool opening = true;

	while (!quit) {
		uint32_t want, did = 0;

		last = now;
		now = rte_rdtsc();
		did += rx_all(g, port, now);
		if (opening) {
			want = OPEN_BURST;
			if (o->rate) {
				uint64_t due = (now - t0) * o->rate / g->hz;

				want = due > g->st.opened ? (uint32_t)RTE_MIN(due - g->st.opened,
									      (uint64_t)OPEN_BURST)
							  : 0;
			}
			if (o->count)
				want = (uint32_t)RTE_MIN((uint64_t)want, o->count - g->st.opened);
			did += pcl_gen_open(g, now, want);
			if (o->flood_rate) {
				uint64_t due = (now - t0) * o->flood_rate / g->hz;

				if (due > g->st.flood_sent) {
					want = (uint32_t)RTE_MIN(due - g->st.flood_sent,
								 (uint64_t)OPEN_BURST);
					did += pcl_gen_flood(g, want);
				}
			}
			if (now >= end || (o->count && g->st.opened >= o->count)) {
				opening = false;
				drain_end = now + (uint64_t)(g->cfg.timeout_ms + 2) * g->tick_tsc;
			}
		} else if (g->active == 0 || now >= drain_end) {
			break;
		}
		pcl_gen_timers(g, now);
		pcl_gen_flush(g, port);
		if (did)
			busy += now - last;
		if (now >= next_report) {
			if (!o->quiet)
				report(g, &prev, &g->lat, (double)(now - t0) / g->hz);
			pcl_hist_merge(&total, &g->lat);
			memset(&g->lat, 0, sizeof(g->lat));
			prev = g->st;
			next_report += g->hz;
		}
	}
	pcl_gen_abort(g);
	linger(g, port);
	pcl_hist_merge(&total, &g->lat);
	summary(g, &total, (double)(rte_rdtsc() - t0) / g->hz, (double)busy, o->json);
}

int
main(int argc, char **argv)
{
	static struct pcl_gen g;
	struct rte_ether_addr mac;
	struct rte_mempool *mp;
	struct opts o;
	uint16_t port;
	int rc;

	/* --help needs no EAL (which may not even start here). */
	for (rc = 1; rc < argc; rc++) {
		if (strcmp(argv[rc], "-h") == 0 || strcmp(argv[rc], "--help") == 0) {
			usage(stdout);
			return 0;
		}
	}
	rc = rte_eal_init(argc, argv);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n", rte_strerror(rte_errno));
	argv[rc] = argv[0];
	parse(argc - rc, argv + rc, &o);
	if (rte_eth_dev_count_avail() == 0)
		rte_exit(EXIT_FAILURE,
			 "no port: give one with --vdev (net_memif0,... or net_tap0,...)\n");
	port = (uint16_t)rte_eth_find_next(0);
	mp = rte_pktmbuf_pool_create("cps_gen", NB_MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool: %s\n",
			 rte_strerror(rte_errno));
	if (port_start(port, o.g.nq, mp) != 0)
		rte_exit(EXIT_FAILURE, "cannot start port %u with %u queues\n", port, o.g.nq);
	rte_eth_macaddr_get(port, &mac);
	rc = pcl_gen_init(&g, &o.g, mp, &mac, rte_rdtsc());
	if (rc != 0)
		rte_exit(EXIT_FAILURE, "cannot set up the clients: %s\n", strerror(-rc));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!wait_link(port, 10))
		rte_exit(EXIT_FAILURE, "port %u: link still down after 10 s (is the server up?)\n",
			 port);
	if (o.have_dmac)
		g.dst_mac = o.dmac;
	else if (!resolve(&g, port))
		rte_exit(EXIT_FAILURE, "no ARP reply from the server within 5 s\n");
	fprintf(stderr, PROG ": server at " RTE_ETHER_ADDR_PRT_FMT ", %u clients\n",
		RTE_ETHER_ADDR_BYTES(&g.dst_mac), g.nslots);
	run(&g, port, &o);
	/*
	 * A memif peer that leaves while the other side polls can crash it
	 * (the PMD unmaps the rings under its RX path), so --hold lets the
	 * server stop first while we do not poll.
	 */
	fflush(stdout);
	while (o.hold && !quit)
		rte_delay_us_sleep(10000);
	pcl_gen_fini(&g);
	rte_eth_dev_stop(port);
	rte_eal_cleanup();
	return 0;
}
