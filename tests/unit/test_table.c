/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "tcp/pcl_pool.h"
#include "tcp/pcl_table.h"

struct elem {
	struct pcl_tuple t;
	uint32_t next;
};

#define N 10000

static struct elem *e;
static uint32_t *buckets;
static struct pcl_table tab;

static void
setup(void)
{
	e = calloc(N, sizeof(*e));
	buckets = calloc(16384, sizeof(*buckets));
	cr_assert_eq(pcl_table_init(&tab, buckets, 16384, 0x1234, e, sizeof(*e),
				    offsetof(struct elem, next)),
		     0);
}

static void
teardown(void)
{
	free(e);
	free(buckets);
}

static struct pcl_tuple
tuple(uint32_t i)
{
	return (struct pcl_tuple){.raddr = 0x0a000000 + i / 1000,
				  .laddr = 0xc6120002,
				  .rport = (uint16_t)(1024 + i % 1000),
				  .lport = 80};
}

TestSuite(table, .init = setup, .fini = teardown);

Test(table, rejects_non_power_of_two)
{
	struct pcl_table t2;

	cr_expect_eq(pcl_table_init(&t2, buckets, 1000, 1, e, sizeof(*e), 12), -EINVAL);
	cr_expect_eq(pcl_table_init(&t2, buckets, 0, 1, e, sizeof(*e), 12), -EINVAL);
}

/* Insert, find, remove 10k entries; a removed one is gone, the others stay. */
Test(table, insert_lookup_remove)
{
	struct pcl_tuple k;
	uint32_t i;

	for (i = 0; i < N; i++) {
		e[i].t = tuple(i);
		pcl_table_insert(&tab, i);
	}
	cr_expect_eq(tab.count, N);
	for (i = 0; i < N; i++) {
		k = tuple(i);
		cr_assert_eq(pcl_table_lookup(&tab, &k), i, "entry %u", i);
	}
	for (i = 0; i < N; i += 2)
		cr_assert_eq(pcl_table_remove(&tab, i), 0);
	cr_expect_eq(tab.count, N / 2);
	for (i = 0; i < N; i++) {
		k = tuple(i);
		cr_assert_eq(pcl_table_lookup(&tab, &k), i % 2 ? i : PCL_TABLE_NIL, "entry %u", i);
	}
	cr_expect_eq(pcl_table_remove(&tab, 0), -ENOENT);
}

/* Every field of the tuple is part of the key. */
Test(table, every_field_is_key)
{
	struct pcl_tuple k = tuple(7), m;

	e[0].t = k;
	pcl_table_insert(&tab, 0);
	m = k, m.raddr ^= 1;
	cr_expect_eq(pcl_table_lookup(&tab, &m), PCL_TABLE_NIL);
	m = k, m.laddr ^= 1;
	cr_expect_eq(pcl_table_lookup(&tab, &m), PCL_TABLE_NIL);
	m = k, m.rport ^= 1;
	cr_expect_eq(pcl_table_lookup(&tab, &m), PCL_TABLE_NIL);
	m = k, m.lport ^= 1;
	cr_expect_eq(pcl_table_lookup(&tab, &m), PCL_TABLE_NIL);
	cr_expect_eq(pcl_table_lookup(&tab, &k), 0);
}

/* One bucket: everything collides and chains still work, head, middle and tail. */
Test(table, single_bucket_chain)
{
	struct pcl_table one;
	uint32_t b, i;
	struct pcl_tuple k;

	cr_assert_eq(pcl_table_init(&one, &b, 1, 9, e, sizeof(*e), offsetof(struct elem, next)), 0);
	for (i = 0; i < 5; i++) {
		e[i].t = tuple(i);
		pcl_table_insert(&one, i);
	}
	cr_expect_eq(pcl_table_remove(&one, 2), 0);
	cr_expect_eq(pcl_table_remove(&one, 4), 0);
	cr_expect_eq(pcl_table_remove(&one, 0), 0);
	for (i = 0; i < 5; i++) {
		k = tuple(i);
		cr_expect_eq(pcl_table_lookup(&one, &k), i % 2 ? i : PCL_TABLE_NIL);
	}
}

/* The seed changes the bucket: a client cannot predict collisions. */
Test(table, seed_changes_hash)
{
	struct pcl_table other = tab;
	unsigned int differ = 0, i;

	other.seed = 0x9876;
	for (i = 0; i < 100; i++) {
		struct pcl_tuple k = tuple(i);

		differ += pcl_table_hash(&tab, &k) != pcl_table_hash(&other, &k);
	}
	cr_expect_gt(differ, 90);
}

/* The pool hands out low indices first, reuses LIFO and reports exhaustion. */
Test(pool, get_put)
{
	uint32_t mem[4];
	struct pcl_pool p;

	pcl_pool_init(&p, mem, 4);
	cr_expect_eq(pcl_pool_get(&p), 0);
	cr_expect_eq(pcl_pool_get(&p), 1);
	cr_expect_eq(pcl_pool_get(&p), 2);
	cr_expect_eq(pcl_pool_get(&p), 3);
	cr_expect_eq(pcl_pool_used(&p), 4);
	cr_expect_eq(pcl_pool_get(&p), PCL_POOL_EMPTY);
	pcl_pool_put(&p, 2);
	pcl_pool_put(&p, 0);
	cr_expect_eq(pcl_pool_get(&p), 0);
	cr_expect_eq(pcl_pool_get(&p), 2);
	cr_expect_eq(pcl_pool_get(&p), PCL_POOL_EMPTY);
}
