/* SPDX-License-Identifier: BSD-3-Clause */
/* The neighbour table: hosts by address, MACs learned, staleness. */
#include <string.h>

#include <criterion/criterion.h>

#include "net/pcl_neigh.h"

static struct pcl_neigh t;

static void
setup(void)
{
	memset(&t, 0, sizeof(t));
}

TestSuite(neigh, .init = setup);

static const struct rte_ether_addr mac = {{0x02, 0x11, 0x22, 0x33, 0x44, 0x55}};

/* An IPv4 address as the table keeps it. */
static const struct pcl_addr *
a4(uint32_t host)
{
	static struct pcl_addr a[4];
	static unsigned int n;

	a[n % 4] = pcl_addr_from4(rte_cpu_to_be_32(host));
	return &a[n++ % 4];
}

Test(neigh, add_find_learn)
{
	struct rte_ether_addr got;
	uint32_t a = pcl_neigh_add(&t, a4(0xc612010b), 1);

	cr_expect_eq(a, 0);
	cr_expect_eq(pcl_neigh_add(&t, a4(0xc612010b), 1), a, "added once");
	cr_expect_eq(pcl_neigh_add(&t, a4(0xc612010c), 1), 1);
	cr_expect_eq(pcl_neigh_find(&t, a4(0xc612010c)), 1);
	cr_expect_eq(pcl_neigh_find(&t, a4(0xc612010d)), PCL_NEIGH_NONE);
	cr_expect(!pcl_neigh_mac(&t, a, &got), "unknown until an ARP arrives");
	cr_expect(pcl_neigh_stale(&t, a, 0, 1000));
	cr_expect(pcl_neigh_learn(&t, a4(0xc612010b), &mac, 5000));
	cr_expect(!pcl_neigh_learn(&t, a4(0xc612010d), &mac, 5000), "not a neighbour");
	cr_assert(pcl_neigh_mac(&t, a, &got));
	cr_expect(rte_is_same_ether_addr(&got, &mac));
	cr_expect(!pcl_neigh_stale(&t, a, 5999, 1000));
	cr_expect(pcl_neigh_stale(&t, a, 6000, 1000));
	cr_expect(!pcl_neigh_mac(&t, 1, &got));
}

/* A full table of addresses that collide in the index: every one is found. */
Test(neigh, full_and_colliding)
{
	uint32_t i;

	for (i = 0; i < PCL_NEIGH_MAX; i++)
		cr_assert_eq(pcl_neigh_add(&t, a4(0x0a000000 + i * PCL_NEIGH_SLOTS), 0), i);
	cr_expect_eq(pcl_neigh_add(&t, a4(0x0c000001), 0), PCL_NEIGH_NONE, "full");
	for (i = 0; i < PCL_NEIGH_MAX; i++)
		cr_expect_eq(pcl_neigh_find(&t, a4(0x0a000000 + i * PCL_NEIGH_SLOTS)), i);
	cr_expect_eq(pcl_neigh_find(&t, a4(0x0c000001)), PCL_NEIGH_NONE);
}

/* IPv6 hosts beside IPv4 ones: the same table, told apart by the whole address. */
Test(neigh, ipv6)
{
	struct pcl_addr b6 = {.a = {0xfd, 0, [15] = 0x11}}, c6 = b6;
	struct rte_ether_addr got;
	uint32_t v4 = pcl_neigh_add(&t, a4(0x00000011), 0), v6 = pcl_neigh_add(&t, &b6, 1);

	c6.a[15] = 0x12;
	cr_expect_neq(v4, v6, "::ffff:0.0.0.17 is not fd00::11");
	cr_expect_eq(pcl_neigh_find(&t, &b6), v6);
	cr_expect_eq(pcl_neigh_find(&t, &c6), PCL_NEIGH_NONE);
	cr_expect(pcl_neigh_learn(&t, &b6, &mac, 1));
	cr_expect(pcl_neigh_mac(&t, v6, &got));
	cr_expect(!pcl_neigh_mac(&t, v4, &got));
	cr_expect_eq(t.e[v6].ifx, 1);
}
