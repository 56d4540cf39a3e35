/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow steering: the table-driven hash equals DPDK's reference Toeplitz,
 * both directions of a flow land on one worker, and flows spread evenly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_thash.h>

#include "net/pcl_steer.h"

static struct pcl_steer s;

/* A deterministic pseudo-random tuple (xorshift), client side varied. */
static struct pcl_tuple
tuple(uint64_t *x)
{
	struct pcl_tuple t;

	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	t.raddr = (rte_be32_t)*x;
	t.laddr = (rte_be32_t)(*x >> 32);
	t.rport = (rte_be16_t)(*x >> 16);
	t.lport = (rte_be16_t)(*x >> 48);
	return t;
}

/* The 12-lookup hash is rte_softrss over the same tuple in host-order words. */
Test(steer, matches_rte_softrss)
{
	uint64_t x = 88172645463325252ull;
	unsigned int i;

	cr_assert_eq(pcl_steer_init(&s, 2, PCL_RETA_DEFAULT), 0);
	for (i = 0; i < 10000; i++) {
		struct pcl_tuple t = tuple(&x);
		struct rte_ipv4_tuple in = {
			.src_addr = rte_be_to_cpu_32(t.raddr),
			.dst_addr = rte_be_to_cpu_32(t.laddr),
			.sport = rte_be_to_cpu_16(t.rport),
			.dport = rte_be_to_cpu_16(t.lport),
		};

		cr_assert_eq(pcl_steer_hash(&s, &t),
			     rte_softrss((uint32_t *)&in, RTE_THASH_V4_L4_LEN, pcl_rss_key),
			     "tuple %u", i);
	}
}

/* Swapping source and destination (the other direction) gives the same hash. */
Test(steer, symmetric)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int i;

	cr_assert_eq(pcl_steer_init(&s, 4, PCL_RETA_DEFAULT), 0);
	for (i = 0; i < 100000; i++) {
		struct pcl_tuple t = tuple(&x);
		struct pcl_tuple r = {
			.raddr = t.laddr, .laddr = t.raddr, .rport = t.lport, .lport = t.rport};

		cr_assert_eq(pcl_steer_hash(&s, &t), pcl_steer_hash(&s, &r), "tuple %u", i);
	}
}

/* A pseudo-random IPv6 tuple. */
static struct pcl_tuple6
tuple6(uint64_t *x)
{
	struct pcl_tuple6 t;
	uint8_t *b = (uint8_t *)&t;
	unsigned int i;

	for (i = 0; i < sizeof(t); i += 4) {
		struct pcl_tuple w = tuple(x);

		memcpy(b + i, &w, 4);
	}
	return t;
}

/* The 36-lookup hash is rte_softrss over DPDK's own IPv6 tuple (rte_thash_load_v6_addrs). */
Test(steer, matches_rte_softrss_ipv6)
{
	uint64_t x = 88172645463325252ull;
	unsigned int i;

	cr_assert_eq(pcl_steer_init(&s, 2, PCL_RETA_DEFAULT), 0);
	for (i = 0; i < 10000; i++) {
		struct pcl_tuple6 t = tuple6(&x);
		struct rte_ipv6_hdr ip = {0};
		union rte_thash_tuple in;

		memcpy(ip.src_addr, t.raddr, 16);
		memcpy(ip.dst_addr, t.laddr, 16);
		rte_thash_load_v6_addrs(&ip, &in);
		in.v6.sport = rte_be_to_cpu_16(t.rport);
		in.v6.dport = rte_be_to_cpu_16(t.lport);
		cr_assert_eq(pcl_steer_hash6(&s, &t),
			     rte_softrss((uint32_t *)&in, RTE_THASH_V6_L4_LEN, pcl_rss_key),
			     "tuple %u", i);
	}
}

/* Both directions of an IPv6 flow hash alike, so one worker owns it. */
Test(steer, symmetric_ipv6)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int i;

	cr_assert_eq(pcl_steer_init(&s, 4, PCL_RETA_DEFAULT), 0);
	for (i = 0; i < 20000; i++) {
		struct pcl_tuple6 t = tuple6(&x), r;

		memcpy(r.raddr, t.laddr, 16);
		memcpy(r.laddr, t.raddr, 16);
		r.rport = t.lport;
		r.lport = t.rport;
		cr_assert_eq(pcl_steer_hash6(&s, &t), pcl_steer_hash6(&s, &r), "tuple %u", i);
	}
}

/*
 * 100k tuples spread over n workers: chi-square below the 99.9th
 * percentile for n - 1 degrees of freedom (Wilson-Hilferty approximation),
 * for random tuples and for one client and server varying only the client
 * port (what a single load generator produces).
 */
static void
spread(uint16_t n, bool ports_only)
{
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned int count[PCL_STEER_MAX] = {0};
	const unsigned int total = 100000;
	double expect = (double)total / n, chi2 = 0, k = n - 1, limit;
	unsigned int i;

	cr_assert_eq(pcl_steer_init(&s, n, PCL_RETA_DEFAULT), 0);
	for (i = 0; i < total; i++) {
		struct pcl_tuple t = tuple(&x);

		if (ports_only) {
			t.raddr = RTE_BE32(0xc6120001);
			t.laddr = RTE_BE32(0xc6120002);
			t.lport = RTE_BE16(80);
			t.rport = rte_cpu_to_be_16((uint16_t)(1024 + i % 64000));
		}
		count[pcl_steer_owner(&s, pcl_steer_hash(&s, &t))]++;
	}
	for (i = 0; i < n; i++)
		chi2 += (count[i] - expect) * (count[i] - expect) / expect;
	limit = k * pow(1 - 2 / (9 * k) + 3.09 * sqrt(2 / (9 * k)), 3);
	cr_expect_lt(chi2, limit, "%u workers%s: chi2 %.1f >= %.1f", n,
		     ports_only ? " (ports only)" : "", chi2, limit);
}

Test(steer, spreads_evenly)
{
	static const uint16_t ns[] = {2, 3, 4, 8};
	unsigned int i;

	for (i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		spread(ns[i], false);
		spread(ns[i], true);
	}
}

/* The redirection table is entry i -> worker i % n; bad sizes are refused. */
Test(steer, reta)
{
	cr_assert_eq(pcl_steer_init(&s, 3, 64), 0);
	cr_expect_eq(pcl_steer_owner(&s, 0), 0);
	cr_expect_eq(pcl_steer_owner(&s, 4), 1);
	cr_expect_eq(pcl_steer_owner(&s, 64 + 5), 2);
	cr_expect_eq(pcl_steer_init(&s, 0, 64), -EINVAL);
	cr_expect_eq(pcl_steer_init(&s, 2, 100), -EINVAL);
	cr_expect_eq(pcl_steer_init(&s, PCL_STEER_MAX + 1, 128), -EINVAL);
}
