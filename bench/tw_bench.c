/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcl-tw-bench: what the TIME_WAIT store costs a worker per connection a
 * server closes first, once it holds RECORDS records: the lookup a new SYN
 * makes (a miss), the record its close adds, and the record that expires
 * 2·MSL later. In steady state, as bench/time_wait.sh runs the server, but
 * in-process: no link, no generator, no scheduler between the operations,
 * only the store (lib/tcp/pcl_tw.c) and the memory it lives in.
 *
 *   pcl-tw-bench [-n RECORDS] [-c SLOTS] [-l MS] [-H]
 *
 *   -n RECORDS  records held in steady state (default 60000000: 1 M
 *               connections/s for 60 s)
 *   -c SLOTS    the store's size, tables.time_wait (default RECORDS + 5 %);
 *               its index has the power of two of buckets at or below it
 *   -l MS       a record's life (default 60000, 2·MSL)
 *   -H          ask for transparent huge pages (madvise) instead of 4 KB
 *               pages, as a server on huge pages has
 *
 * One life of connections fills the store, a quarter of a life more is timed. Prints cycles and
 * nanoseconds per connection and the rate the store alone would allow one
 * core. Takes RECORDS × 32 bytes; at 60 M records, a minute or so.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "tcp/pcl_tw.h"

/* Ticks of the store's clock, as the engine's (PCL_TICK_MS). */
#define TICK_MS 10

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64: fingerprints as SipHash would spread them, never 0. */
static uint64_t
next_fp(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x | 1;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: pcl-tw-bench [-n RECORDS] [-c SLOTS] [-l MS] [-H]\n"
		   "  -n RECORDS  records held in steady state (60000000)\n"
		   "  -c SLOTS    the store's size (RECORDS + 5 %%)\n"
		   "  -l MS       a record's life (60000)\n"
		   "  -H          transparent huge pages instead of 4 KB pages\n");
}

/* Runs ticks ticks of per_tick connections. */
static void
run(struct pcl_tw *s, uint32_t *now, uint32_t ticks, uint32_t per_tick, uint64_t *x)
{
	uint32_t t, i;
	bool recycled;

	for (t = 0; t < ticks; t++, (*now)++) {
		for (i = 0; i < per_tick; i++) {
			struct pcl_tw_rec r = {.fp = next_fp(x)};

			if (pcl_tw_lookup(s, r.fp) != PCL_TW_NIL)
				abort(); /* a 2^-64 chance: the fingerprints are random */
			pcl_tw_add(s, &r, *now, true, &recycled);
		}
		pcl_tw_expire(s, *now, UINT32_MAX);
	}
}

int
main(int argc, char **argv)
{
	unsigned long records = 60000000, life_ms = 60000, slots = 0;
	uint64_t x = 88172645463325252ull, wall0, cpu0, tsc0, size, n;
	double wall, cpu, hz;
	uint32_t cap, life, per_tick, now = 0;
	struct pcl_tw s;
	bool huge = false;
	void *mem;
	int o;

	while ((o = getopt(argc, argv, "n:c:l:Hh")) != -1) {
		switch (o) {
		case 'n':
			records = strtoul(optarg, NULL, 10);
			break;
		case 'c':
			slots = strtoul(optarg, NULL, 10);
			break;
		case 'l':
			life_ms = strtoul(optarg, NULL, 10);
			break;
		case 'H':
			huge = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	life = (uint32_t)(life_ms / TICK_MS);
	if (slots == 0)
		slots = records + records / 20;
	if (optind != argc || records < 1000 || slots < records || slots > PCL_TW_MAX || life < 4 ||
	    life_ms > 1200000 || records / life == 0) {
		usage(stderr);
		return 2;
	}
	cap = (uint32_t)slots;
	per_tick = (uint32_t)(records / life);
	size = pcl_tw_memsize(cap, life);
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fprintf(stderr, "pcl-tw-bench: %" PRIu64 " bytes: %s\n", size, strerror(errno));
		return 1;
	}
	if (madvise(mem, size, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0)
		fprintf(stderr, "pcl-tw-bench: madvise: %s (pages as the kernel gives them)\n",
			strerror(errno));
	pcl_tw_init(&s, mem, cap, life);

	/*
	 * One life fills the store; then steady state. On a shared machine the
	 * wall clock counts time the thread was not running: the figure is the
	 * thread's CPU time, in TSC cycles.
	 */
	run(&s, &now, life, per_tick, &x);
	wall0 = clock_ns(CLOCK_MONOTONIC);
	cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	tsc0 = rte_rdtsc();
	run(&s, &now, life / 4, per_tick, &x);
	wall = (double)(clock_ns(CLOCK_MONOTONIC) - wall0);
	cpu = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0);
	hz = (double)(rte_rdtsc() - tsc0) / wall; /* cycles per ns */
	n = (uint64_t)(life / 4) * per_tick;
	printf("TIME_WAIT store, %u records held (%u slots, %u buckets, %.0f MB, %s pages), "
	       "life %lu ms:\n"
	       "  lookup miss + add + expiry: %.0f cycles, %.0f ns of CPU per connection "
	       "(TSC %.2f GHz; on the CPU %.0f %% of the time): the store alone allows %.0f "
	       "connections/s on one core\n",
	       s.live, cap, s.bmask + 1, (double)size / (1 << 20),
	       huge ? "transparent huge" : "4 KB", life_ms, cpu * hz / (double)n, cpu / (double)n,
	       hz, 100 * cpu / wall, 1e9 * (double)n / cpu);
	munmap(mem, size);
	return 0;
}
