/* SPDX-License-Identifier: BSD-3-Clause */
/* cps-gen's command line: the options after the EAL's, and --help. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cps_gen.h"

void
cps_opts_usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [EAL options] -- --dst A.B.C.D[:PORT]|[IPV6]:PORT [options]\n"
		"\n"
		"One generator worker per EAL lcore (-l, --lcores), each with its own\n"
		"queues and clients; figures are summed over them.\n"
		"\n"
		"  --dst A.B.C.D[:PORT]   the server (port 80); IPv6: IPV6 or [IPV6]:PORT\n"
		"  --src A.B.C.D          first client address (the server's + 1), of --dst's "
		"family\n"
		"  --nsrc N               client addresses from --src on (1)\n"
		"  --sports LO-HI         client ports of each address (10000-59999)\n"
		"  --rate N               connections opened per second, 0 = as fast as\n"
		"                         --concurrency allows (0)\n"
		"  --open-loop            open at --rate whatever the server does: no\n"
		"                         --concurrency cap; an open that finds every client\n"
		"                         busy is skipped and counted as missed\n"
		"  --concurrency N        connections open at once, at most (1000)\n"
		"  --duration S           seconds to open connections for (10; a search runs\n"
		"                         --step long steps instead)\n"
		"  --count N              stop after opening N connections (no limit)\n"
		"  --idle N               before the run, open N connections (handshake\n"
		"                         only) at --idle-rate, --concurrency at once at\n"
		"                         most, and hold them, silent, until the end, then\n"
		"                         reset them; the run takes other client tuples, so\n"
		"                         --nsrc x --sports must hold N + --concurrency (0)\n"
		"  --idle-rate N          connections/s while opening the --idle ones (100000)\n"
		"  --timeout MS           a connection not closed by then failed (10000)\n"
		"  --no-retransmit        strict mode, for links that never lose: a lost\n"
		"                         segment fails its connection at the timeout (a\n"
		"                         repeated SYN-ACK is still answered)\n"
		"  --rto MS               retransmission timeout before the first RTT sample\n"
		"                         (1000, RFC 6298); then SRTT + 4 RTTVAR, doubling\n"
		"                         with each retransmission\n"
		"  --rto-min MS           lowest RTO (1000, RFC 6298; Linux uses 200)\n"
		"  --rto-max MS           highest RTO (60000)\n"
		"  --request http|none    send GET / and read the response (http)\n"
		"  --requests N           GETs per connection, one after the other (1)\n"
		"  --resp-size N          every response must have Content-Length N (any)\n"
		"  --close client|server|mix\n"
		"                         who closes first; server: the last GET is HTTP/1.0;\n"
		"                         mix: each in turn (client)\n"
		"  --search               find the highest rate that loses at most --loss of\n"
		"                         its connections, in open-loop steps (--rate: the\n"
		"                         upper bound; without it a closed-loop step guesses\n"
		"                         one, doubled while it passes)\n"
		"  --loss SHARE           what a search step may lose, 0..1 (0)\n"
		"  --step S               seconds each search step opens connections (2)\n"
		"  --precision SHARE      the search ends when its interval is this narrow (0.05)\n"
		"  --flood N              also send N spoofed segments per second (0)\n"
		"  --flood-kind K         what they are: syn, rst, ack (a random\n"
		"                         acknowledgment), or mix: each in turn (syn)\n"
		"  --flood-src A.B.C.D    first spoofed address (10.200.0.0; IPv6: the server's\n"
		"                         first 96 bits, then 10.200.0.0), of --dst's family\n"
		"  --flood-nsrc N         spoofed addresses (65536)\n"
		"  --queues N             port queue pairs, at least the lcores (one per\n"
		"                         lcore); a connection uses the one the server's\n"
		"                         symmetric RSS would pick. On memif: the server's\n"
		"                         worker count\n"
		"  --dmac MAC             the server's MAC (default: ask with ARP)\n"
		"  --mss N                MSS offered in SYNs (1460)\n"
		"  --json                 print the summary as one JSON object\n"
		"  --quiet                no per-second or per-step lines\n"
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

/* A share: a number in [lo, hi). */
static double
share(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= lo && v < hi)) {
		char msg[96];

		snprintf(msg, sizeof(msg), "'%s' is not a number in [%g, %g)", s, lo, hi);
		die(opt, msg);
	}
	return v;
}

/*
 * An address of either family: IPv4's in host order; IPv6's low 32 bits so,
 * the whole address in a6 and *v6 set (the ranges count in the low bits).
 */
static uint32_t
addr(const char *opt, const char *s, bool *v6, uint8_t a6[16])
{
	struct in_addr a;
	uint32_t low;

	*v6 = strchr(s, ':') != NULL;
	if (*v6) {
		if (inet_pton(AF_INET6, s, a6) != 1)
			die(opt, "not an IPv6 address");
		memcpy(&low, a6 + 12, 4);
		return rte_be_to_cpu_32(low);
	}
	if (inet_pton(AF_INET, s, &a) != 1)
		die(opt, "not an IPv4 address");
	return rte_be_to_cpu_32(a.s_addr);
}

/* --dst: A.B.C.D[:PORT], or an IPv6 address, bare or as [ADDR]:PORT. */
static void
dst(const char *name, char *v, struct cps_opts *o)
{
	char *end = NULL, *colon;
	uint32_t low;

	if (v[0] == '[') {
		end = strchr(v, ']');
		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			die(name, "expected [IPv6]:PORT");
		*end = '\0';
		if (end[1] == ':')
			o->g.dport = (uint16_t)num(name, end + 2, 1, 65535);
		v++;
	} else if ((colon = strchr(v, ':')) != NULL && strchr(colon + 1, ':') == NULL) {
		*colon = '\0';
		o->g.dport = (uint16_t)num(name, colon + 1, 1, 65535);
	}
	low = addr(name, v, &o->g.v6, o->g.dst6);
	o->g.dst_addr = o->g.v6 ? 0 : rte_cpu_to_be_32(low);
}

/* Checks what no single option can. */
static void
check(struct cps_opts *o, bool have_dst)
{
	if (!have_dst)
		die("dst", "required");
	if ((uint64_t)o->g.nsrc * o->g.nsport > PCL_GEN_MAX_TUPLES)
		die("nsrc", "more than 2^26 client (address, port) pairs");
	if ((o->g.server_close || o->g.close_mix) && !o->g.request)
		die("close",
		    "server and mix need --request http: the server closes after answering");
	if (o->open_loop && o->rate == 0)
		die("open-loop", "needs --rate");
	if (o->search && o->count)
		die("search", "runs steps of --step seconds; --count does not apply");
	if (o->g.rto_min_ms > o->g.rto_max_ms)
		die("rto-min", "above --rto-max");
	if (o->idle && o->idle + o->g.concurrency > (uint64_t)o->g.nsrc * o->g.nsport) {
		char msg[160];

		snprintf(msg, sizeof(msg),
			 "%" PRIu64 " held and --concurrency %u need %" PRIu64
			 " client tuples; --nsrc %u x --sports (%u) give %" PRIu64 ": raise --nsrc",
			 o->idle, o->g.concurrency, o->idle + o->g.concurrency, o->g.nsrc,
			 o->g.nsport, (uint64_t)o->g.nsrc * o->g.nsport);
		die("idle", msg);
	}
}

void
cps_opts_parse(int argc, char **argv, struct cps_opts *o)
{
	enum {
		O_OPEN_LOOP = 256,
		O_NO_RTX,
		O_RTO,
		O_RTO_MIN,
		O_RTO_MAX,
		O_REQUESTS,
		O_RESP_SIZE,
		O_SEARCH,
		O_LOSS,
		O_STEP,
		O_PRECISION,
		O_IDLE,
		O_IDLE_RATE,
	};
	static const struct option lo[] = {
		{"dst", required_argument, NULL, 'd'},
		{"src", required_argument, NULL, 's'},
		{"nsrc", required_argument, NULL, 'n'},
		{"sports", required_argument, NULL, 'p'},
		{"rate", required_argument, NULL, 'r'},
		{"open-loop", no_argument, NULL, O_OPEN_LOOP},
		{"concurrency", required_argument, NULL, 'C'},
		{"duration", required_argument, NULL, 'D'},
		{"count", required_argument, NULL, 'N'},
		{"idle", required_argument, NULL, O_IDLE},
		{"idle-rate", required_argument, NULL, O_IDLE_RATE},
		{"timeout", required_argument, NULL, 't'},
		{"no-retransmit", no_argument, NULL, O_NO_RTX},
		{"rto", required_argument, NULL, O_RTO},
		{"rto-min", required_argument, NULL, O_RTO_MIN},
		{"rto-max", required_argument, NULL, O_RTO_MAX},
		{"request", required_argument, NULL, 'R'},
		{"requests", required_argument, NULL, O_REQUESTS},
		{"resp-size", required_argument, NULL, O_RESP_SIZE},
		{"close", required_argument, NULL, 'c'},
		{"search", no_argument, NULL, O_SEARCH},
		{"loss", required_argument, NULL, O_LOSS},
		{"step", required_argument, NULL, O_STEP},
		{"precision", required_argument, NULL, O_PRECISION},
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
	bool have_dst = false, have_flood = false, src_v6 = false, flood_v6 = false;
	uint8_t src6[16] = {0}, flood6[16] = {0};
	char *dash;
	int c, li, kind;

	*o = (struct cps_opts){
		.g = {.nsrc = 1,
		      .concurrency = 1000,
		      .timeout_ms = 10000,
		      .retransmit = true,
		      .rto_init_ms = 1000,
		      .rto_min_ms = 1000,
		      .rto_max_ms = 60000,
		      .request = true,
		      .requests = 1,
		      .resp_size = -1,
		      .flood_first = 0x0ac80000,
		      .flood_n = 65536,
		      .nq = 1,
		      .mss = 1460,
		      .dport = 80},
		.idle_rate = 100000,
		.duration_s = 10,
		.precision = 0.05,
		.step_s = 2,
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", lo, &li)) != -1) {
		const char *name = c == '?' || c == ':' ? argv[optind - 1] : lo[li].name;

		switch (c) {
		case 'd':
			dst(name, optarg, o);
			have_dst = true;
			break;
		case 's':
			src = addr(name, optarg, &src_v6, src6);
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
		case O_OPEN_LOOP:
			o->open_loop = true;
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
		case O_IDLE:
			o->idle = num(name, optarg, 0, PCL_GEN_MAX_TUPLES);
			break;
		case O_IDLE_RATE:
			o->idle_rate = num(name, optarg, 1, 100000000);
			break;
		case 't':
			o->g.timeout_ms = (uint32_t)num(name, optarg, 1, 600000);
			break;
		case O_NO_RTX:
			o->g.retransmit = false;
			break;
		case O_RTO:
			o->g.rto_init_ms = (uint32_t)num(name, optarg, 1, 600000);
			break;
		case O_RTO_MIN:
			o->g.rto_min_ms = (uint32_t)num(name, optarg, 1, 600000);
			break;
		case O_RTO_MAX:
			o->g.rto_max_ms = (uint32_t)num(name, optarg, 1, 600000);
			break;
		case 'R':
			if (strcmp(optarg, "http") && strcmp(optarg, "none"))
				die(name, "expected http or none");
			o->g.request = strcmp(optarg, "http") == 0;
			break;
		case O_REQUESTS:
			o->g.requests = (uint16_t)num(name, optarg, 1, UINT16_MAX);
			break;
		case O_RESP_SIZE:
			o->g.resp_size = (int64_t)num(name, optarg, 0, INT32_MAX);
			break;
		case 'c':
			if (strcmp(optarg, "client") && strcmp(optarg, "server") &&
			    strcmp(optarg, "mix"))
				die(name, "expected client, server or mix");
			o->g.server_close = strcmp(optarg, "server") == 0;
			o->g.close_mix = strcmp(optarg, "mix") == 0;
			break;
		case O_SEARCH:
			o->search = true;
			break;
		case O_LOSS:
			o->loss = share(name, optarg, 0, 1);
			break;
		case O_STEP:
			o->step_s = (uint32_t)num(name, optarg, 1, 3600);
			break;
		case O_PRECISION:
			o->precision = share(name, optarg, 0.001, 1);
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
			o->g.flood_first = addr(name, optarg, &flood_v6, flood6);
			have_flood = true;
			break;
		case 'x':
			o->g.flood_n = (uint32_t)num(name, optarg, 1, UINT32_MAX);
			break;
		case 'q':
			o->g.nq = (uint16_t)num(name, optarg, 1, PCL_GEN_MAX_Q);
			o->have_queues = true;
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
			cps_opts_usage(stdout);
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
	if ((src && src_v6 != o->g.v6) || (have_flood && flood_v6 != o->g.v6))
		die(src && src_v6 != o->g.v6 ? "src" : "flood-src", "not of --dst's family");
	if (o->g.v6) {
		uint32_t dlow;

		/* Beside the server by default, as over IPv4: its 96 bits, low bits + 1. */
		memcpy(&dlow, o->g.dst6 + 12, 4);
		memcpy(o->g.src6, src ? src6 : o->g.dst6, 12);
		memcpy(o->g.flood6, have_flood ? flood6 : o->g.dst6, 12);
		o->g.src_first = src ? src : rte_be_to_cpu_32(dlow) + 1;
	} else {
		o->g.src_first = src ? src : rte_be_to_cpu_32(o->g.dst_addr) + 1;
	}
	o->g.sport_first = (uint16_t)lo_port;
	o->g.nsport = hi_port - lo_port + 1;
	check(o, have_dst);
}
