/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcl-bench: cycles the real worker spends per connection, in-process,
 * stateful and with SYN cookies, on the cookie paths alone, and with two
 * workers with and without the software steering hop.
 *
 * A simulated client drives a worker that has no port: frames are built
 * before the clock starts, and only the worker's receive path is timed, so the
 * figures are the server's own (parse, lookup, state machine, reply build;
 * not the NIC, nor freeing the replies). Each case runs several rounds and
 * prints the median.
 *
 *   pcl-bench [EAL options] -- [-n CONNS] [-r ROUNDS]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_tcp.h>

#include "pcl_app.h"
#include "pcl_peer.h"
#include "pcl_worker.h"

#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define PSH RTE_TCP_PSH_FLAG

static const struct rte_ether_addr client_mac = {{0x02, 0, 0, 0, 0, 1}};
static const struct rte_ether_addr server_mac = {{0x02, 0, 0, 0, 0, 2}};
static const char request[] = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n";

struct bench {
	struct pcl_worker w;
	struct pcl_worker w2;          /* the second worker of the steering cases */
	struct pcl_worker *rx, *owner; /* who receives the frames, who owns them */
	struct pcl_steer steer;
	struct rte_ring *inboxes[2];
	uint16_t sports[60000]; /* client ports whose flows w2 owns */
	uint32_t nsports;
	struct pcl_config cfg;
	struct pcl_secrets secrets;
	struct rte_mempool *mp;
	uint64_t cycles;
};

/*
 * Feeds one client segment; returns the sequence number just after the
 * server's last reply (what the client acknowledges next), or ack when the
 * server sent nothing.
 */
static uint32_t
exchange(struct bench *b, uint16_t sport, uint8_t flags, uint32_t seq, uint32_t ack,
	 const void *data, uint16_t len)
{
	struct rte_mbuf *m =
		pcl_peer_frame(b->mp, &(struct pcl_peer_seg){.src_mac = client_mac,
							     .dst_mac = server_mac,
							     .src_addr = RTE_BE32(0xc6120001),
							     .dst_addr = b->cfg.addr,
							     .sport = sport,
							     .dport = 80,
							     .seq = seq,
							     .ack = ack,
							     .flags = flags,
							     .wnd = 65535,
							     .data = data,
							     .len = len});
	uint32_t next = ack;
	uint64_t t0;
	uint16_t i;

	if (m == NULL) {
		fprintf(stderr, "pcl-bench: mbuf pool empty\n");
		exit(1);
	}
	t0 = rte_rdtsc_precise();
	pcl_worker_rx(b->rx, &m, 1);
	if (b->rx != b->owner)
		pcl_worker_inbox(b->owner);
	b->cycles += rte_rdtsc_precise() - t0;
	for (i = 0; i < b->owner->tx_n; i++) {
		struct rte_mbuf *r = b->owner->tx[i];
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(
			r, const struct rte_tcp_hdr *, PCL_L2_LEN + PCL_IP_LEN);
		uint32_t paylen = r->data_len - PCL_L2_LEN - PCL_IP_LEN - (th->data_off >> 4) * 4u;

		next = rte_be_to_cpu_32(th->sent_seq) + paylen +
		       !!(th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_FIN_FLAG));
		rte_pktmbuf_free(r);
	}
	b->owner->tx_n = 0;
	return next;
}

/* One connection: handshake, optional request, client-first close. */
static void
connection(struct bench *b, uint16_t sport, bool with_request)
{
	uint32_t x = 1000, u = x + 1, next;
	uint16_t rlen = (uint16_t)strlen(request);

	next = exchange(b, sport, SYN, x, 0, NULL, 0);
	exchange(b, sport, ACK, u, next, NULL, 0);
	if (with_request) {
		next = exchange(b, sport, ACK | PSH, u, next, request, rlen);
		u += rlen;
	}
	next = exchange(b, sport, FIN | ACK, u, next, NULL, 0);
	exchange(b, sport, ACK, u + 1, next, NULL, 0);
}

static void
plain(struct bench *b, uint16_t sport)
{
	connection(b, sport, false);
}

static void
with_get(struct bench *b, uint16_t sport)
{
	connection(b, sport, true);
}

/* The flood path: a SYN answered by a cookie SYN-ACK, nothing allocated. */
static void
syn_only(struct bench *b, uint16_t sport)
{
	exchange(b, sport, SYN, 1000, 0, NULL, 0);
}

/* Only the third ACK is timed: cookie validation and the connection it opens. */
static void
cookie_ack_only(struct bench *b, uint16_t sport)
{
	uint64_t before = b->cycles;
	uint32_t next = exchange(b, sport, SYN, 1000, 0, NULL, 0);

	b->cycles = before;
	exchange(b, sport, ACK, 1001, next, NULL, 0);
	before = b->cycles;
	next = exchange(b, sport, FIN | ACK, 1001, next, NULL, 0);
	exchange(b, sport, ACK, 1002, next, NULL, 0);
	b->cycles = before;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Median cycles per operation over rounds of n operations, in syncookies mode. */
static uint64_t
run(struct bench *b, uint32_t n, unsigned int rounds, uint32_t mode,
    void (*op)(struct bench *, uint16_t))
{
	uint64_t med[16];
	unsigned int r;
	uint32_t i;

	b->cfg.syncookies = mode;
	for (r = 0; r < rounds; r++) {
		b->cycles = 0;
		for (i = 0; i < n; i++)
			op(b, b->owner == &b->w2 ? b->sports[i % b->nsports]
						 : (uint16_t)(1024 + i % 60000));
		med[r] = b->cycles / n;
	}
	qsort(med, rounds, sizeof(med[0]), cmp_u64);
	return med[rounds / 2];
}

/*
 * Two workers steering to each other, as on a port without RSS; w2 owns
 * every flow the cases below send. hop: the frames arrive at w, which hands
 * them to w2's inbox; otherwise they arrive at w2 itself.
 */
static void
steering(struct bench *b, bool on, bool hop)
{
	struct pcl_tuple t = {
		.raddr = RTE_BE32(0xc6120001), .laddr = b->cfg.addr, .lport = RTE_BE16(80)};
	uint32_t p;

	b->rx = b->owner = &b->w;
	pcl_worker_steer(&b->w, NULL, 0, NULL, false);
	pcl_worker_steer(&b->w2, NULL, 1, NULL, false);
	if (!on)
		return;
	pcl_worker_steer(&b->w, &b->steer, 0, b->inboxes, false);
	pcl_worker_steer(&b->w2, &b->steer, 1, b->inboxes, false);
	b->owner = &b->w2;
	b->rx = hop ? &b->w : &b->w2;
	for (b->nsports = 0, p = 1024; p < 61024; p++) {
		t.rport = rte_cpu_to_be_16((uint16_t)p);
		if (pcl_steer_owner(&b->steer, pcl_steer_hash(&b->steer, &t)) == 1)
			b->sports[b->nsports++] = (uint16_t)p;
	}
}

static void
report(const char *name, uint64_t cycles)
{
	printf("| %-44s | %8lu | %12.0f |\n", name, (unsigned long)cycles,
	       (double)rte_get_tsc_hz() / (double)cycles);
}

int
main(int argc, char **argv)
{
	static struct bench b;
	uint32_t n = 20000;
	unsigned int rounds = 5;
	char err[256];
	int opt, used;

	used = rte_eal_init(argc, argv);
	if (used < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed\n");
	argc -= used;
	argv += used;
	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			n = (uint32_t)strtoul(optarg, NULL, 0);
		else if (opt == 'r')
			rounds = RTE_MIN((unsigned int)strtoul(optarg, NULL, 0), 16u);
		else
			rte_exit(EXIT_FAILURE,
				 "usage: pcl-bench [EAL] -- [-n CONNS] [-r ROUNDS]\n");
	}
	if (n == 0 || rounds == 0)
		rte_exit(EXIT_FAILURE, "-n and -r must be positive\n");

	pcl_config_defaults(&b.cfg);
	b.cfg.addr = RTE_BE32(0xc6120002);
	b.cfg.conns = 65536;
	if (pcl_config_finish(&b.cfg, err, sizeof(err)) != 0 || pcl_app_init(&b.cfg) != 0 ||
	    pcl_secrets_init(&b.secrets) != 0)
		rte_exit(EXIT_FAILURE, "setup: %s\n", err);
	b.mp = rte_pktmbuf_pool_create("bench", 8192, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	b.inboxes[0] = rte_ring_create("bench_inbox0", 1024, 0, RING_F_SC_DEQ);
	b.inboxes[1] = rte_ring_create("bench_inbox1", 1024, 0, RING_F_SC_DEQ);
	if (b.mp == NULL || b.inboxes[0] == NULL || b.inboxes[1] == NULL ||
	    pcl_steer_init(&b.steer, 2, PCL_RETA_DEFAULT) != 0 ||
	    pcl_worker_init(&b.w, &b.cfg, &b.secrets, b.mp, RTE_MAX_ETHPORTS, 0, rte_lcore_id()) ||
	    pcl_worker_init(&b.w2, &b.cfg, &b.secrets, b.mp, RTE_MAX_ETHPORTS, 1, rte_lcore_id()))
		rte_exit(EXIT_FAILURE, "out of memory\n");
	b.w.pkt_ctx.mac = server_mac;
	b.w2.pkt_ctx.mac = server_mac;

	printf("pcl-bench: %u operations x %u rounds, TSC %.2f GHz, median per operation\n\n", n,
	       rounds, rte_get_tsc_hz() / 1e9);
	printf("| %-44s | %8s | %12s |\n", "case", "cycles", "ops/s/core");
	printf("|%s|%s|%s|\n", "----------------------------------------------", "----------",
	       "--------------");
	steering(&b, false, false);
	report("handshake + client-first close (stateful)",
	       run(&b, n, rounds, PCL_COOKIES_OFF, plain));
	report("handshake + HTTP GET + close (stateful)",
	       run(&b, n, rounds, PCL_COOKIES_OFF, with_get));
	report("handshake + client-first close (cookie)",
	       run(&b, n, rounds, PCL_COOKIES_ALWAYS, plain));
	report("handshake + HTTP GET + close (cookie)",
	       run(&b, n, rounds, PCL_COOKIES_ALWAYS, with_get));
	report("SYN -> cookie SYN-ACK (flood path), per SYN",
	       run(&b, n, rounds, PCL_COOKIES_ALWAYS, syn_only));
	report("cookie ACK -> ESTABLISHED, per ACK",
	       run(&b, n, rounds, PCL_COOKIES_ALWAYS, cookie_ack_only));
	steering(&b, true, false);
	report("handshake + close, 2 workers, at the owner",
	       run(&b, n, rounds, PCL_COOKIES_OFF, plain));
	steering(&b, true, true);
	report("handshake + close, 2 workers, all hop", run(&b, n, rounds, PCL_COOKIES_OFF, plain));
	printf("\nconnection entry: %zu bytes, table bucket: %zu bytes, timer: in the entry\n",
	       sizeof(struct pcl_conn), sizeof(uint32_t));

	pcl_worker_fini(&b.w);
	pcl_worker_fini(&b.w2);
	rte_ring_free(b.inboxes[0]);
	rte_ring_free(b.inboxes[1]);
	rte_mempool_free(b.mp);
	pcl_app_fini();
	rte_eal_cleanup();
	return 0;
}
