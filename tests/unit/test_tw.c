/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TIME_WAIT store on its own: lookups, FIFO expiry at exactly its life,
 * a refresh that restarts it, recycling and refusing when full, dead slots,
 * chains of colliding keys, its size per record, and a long random run
 * against a model.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tcp/pcl_tw.h"

#define LIFE 100 /* ticks */

static struct pcl_tw s;
static void *mem;

static void
make(uint32_t cap)
{
	mem = malloc(pcl_tw_memsize(cap, LIFE));
	cr_assert_not_null(mem);
	cr_assert_eq(pcl_tw_init(&s, mem, cap, LIFE), 0);
}

static void
fini(void)
{
	free(mem);
	mem = NULL;
}

TestSuite(tw, .fini = fini);

static struct pcl_tw_rec
rec(uint64_t fp)
{
	return (struct pcl_tw_rec){.fp = fp, .snd_nxt = (uint32_t)fp * 3, .rcv_nxt = (uint32_t)fp};
}

static uint32_t
add(uint64_t fp, uint32_t now)
{
	struct pcl_tw_rec r = rec(fp);
	bool recycled;
	uint32_t i = pcl_tw_add(&s, &r, now, false, &recycled);

	cr_assert_neq(i, PCL_TW_NIL, "store full at %u", s.used);
	cr_assert(!recycled);
	return i;
}

Test(tw, add_lookup_remove)
{
	uint32_t i;

	make(64);
	cr_expect_eq(pcl_tw_lookup(&s, 7), PCL_TW_NIL);
	i = add(7, 0);
	add(8, 0);
	cr_expect_eq(pcl_tw_lookup(&s, 7), i);
	cr_expect_eq(s.rec[i].rcv_nxt, 7);
	cr_expect_eq(s.live, 2);
	pcl_tw_remove(&s, i);
	cr_expect_eq(pcl_tw_lookup(&s, 7), PCL_TW_NIL);
	cr_expect_neq(pcl_tw_lookup(&s, 8), PCL_TW_NIL);
	cr_expect_eq(s.live, 1);
	cr_expect_eq(s.used, 2, "the removed record's slot waits for its expiry");
}

Test(tw, flags_survive_beside_the_link)
{
	struct pcl_tw_rec r = rec(9);
	bool recycled;
	uint32_t i;

	make(64);
	add(1, 0); /* 9 may chain behind it */
	r.link_flags = 0x1fu << PCL_TW_FLAGS_BIT;
	i = pcl_tw_add(&s, &r, 0, false, &recycled);
	cr_expect_eq(pcl_tw_flags(&s.rec[i]), 0x1f);
	add(9 + 64, 0); /* same bucket: links it */
	cr_expect_eq(pcl_tw_flags(&s.rec[i]), 0x1f);
	cr_expect_eq(pcl_tw_lookup(&s, 9), i);
}

/* Records end exactly LIFE ticks after they were added, oldest first. */
Test(tw, expiry_is_fifo_at_its_life)
{
	make(64);
	add(1, 10);
	add(2, 10);
	add(3, 15);
	cr_expect_eq(pcl_tw_expire(&s, 10 + LIFE - 1, 100), 0);
	cr_expect(!pcl_tw_behind(&s, 10 + LIFE - 1));
	cr_expect(pcl_tw_behind(&s, 10 + LIFE));
	cr_expect_eq(pcl_tw_expire(&s, 10 + LIFE, 100), 2);
	cr_expect_eq(pcl_tw_lookup(&s, 1), PCL_TW_NIL);
	cr_expect_neq(pcl_tw_lookup(&s, 3), PCL_TW_NIL);
	cr_expect_eq(pcl_tw_expire(&s, 15 + LIFE - 1, 100), 0);
	cr_expect_eq(pcl_tw_expire(&s, 15 + LIFE, 100), 1);
	cr_expect_eq(s.live, 0);
	cr_expect_eq(s.used, 0);
	cr_expect_eq(s.nmarks, 0);
}

Test(tw, expiry_respects_the_budget)
{
	uint32_t k;

	make(64);
	for (k = 1; k <= 10; k++)
		add(k, 0);
	cr_expect_eq(pcl_tw_expire(&s, LIFE, 4), 4);
	cr_expect(pcl_tw_behind(&s, LIFE));
	cr_expect_eq(pcl_tw_expire(&s, LIFE, 100), 6);
	cr_expect(!pcl_tw_behind(&s, LIFE));
}

/* A refresh moves the record to the head: it lives LIFE from now. */
Test(tw, refresh_restarts_the_life)
{
	bool recycled;
	uint32_t i;

	make(64);
	i = add(5, 0);
	add(6, 0);
	i = pcl_tw_refresh(&s, i, 50, &recycled);
	cr_expect(!recycled);
	cr_expect_eq(pcl_tw_lookup(&s, 5), i);
	cr_expect_eq(s.rec[i].snd_nxt, 15, "the record moved whole");
	cr_expect_eq(s.live, 2);
	cr_expect_eq(pcl_tw_expire(&s, LIFE, 100), 1, "only 6 ends with its run");
	cr_expect_neq(pcl_tw_lookup(&s, 5), PCL_TW_NIL);
	cr_expect_eq(pcl_tw_expire(&s, 50 + LIFE, 100), 1);
	cr_expect_eq(s.used, 0, "the dead slot went with its run");
}

/* Full: recycle ends the oldest live record; without recycle nothing is added. */
Test(tw, full_store_recycles_or_refuses)
{
	struct pcl_tw_rec r = rec(100);
	bool recycled;
	uint32_t k;

	make(16);
	for (k = 1; k <= 16; k++)
		add(k, k);
	cr_expect_eq(pcl_tw_add(&s, &r, 20, false, &recycled), PCL_TW_NIL);
	cr_expect_eq(s.live, 16);
	cr_expect_neq(pcl_tw_add(&s, &r, 20, true, &recycled), PCL_TW_NIL);
	cr_expect(recycled);
	cr_expect_eq(pcl_tw_lookup(&s, 1), PCL_TW_NIL, "the oldest gave its place");
	cr_expect_neq(pcl_tw_lookup(&s, 100), PCL_TW_NIL);
	cr_expect_eq(s.live, 16);
	/* A dead oldest slot is taken without ending anything. */
	pcl_tw_remove(&s, pcl_tw_lookup(&s, 2));
	r.fp = 101;
	cr_expect_neq(pcl_tw_add(&s, &r, 21, true, &recycled), PCL_TW_NIL);
	cr_expect(!recycled);
	cr_expect_eq(s.live, 16);
	/* The marks followed: record 3 ends at its own tick. */
	cr_expect_eq(pcl_tw_expire(&s, 3 + LIFE, 100), 1);
	cr_expect_eq(pcl_tw_lookup(&s, 3), PCL_TW_NIL);
}

/* Keys that share a bucket chain: each is found, and removing any keeps the rest. */
Test(tw, colliding_keys_chain)
{
	uint32_t k, slot[8];

	make(16);
	for (k = 0; k < 8; k++)
		slot[k] = add(1 + k * 16, 0);
	for (k = 0; k < 8; k += 3)
		pcl_tw_remove(&s, slot[k]);
	for (k = 0; k < 8; k++)
		cr_expect_eq(pcl_tw_lookup(&s, 1 + k * 16), k % 3 ? slot[k] : PCL_TW_NIL, "key %u",
			     k);
}

/* 28 bytes a record, at most 4 for the index: never more than 32. */
Test(tw, at_most_32_bytes_a_record)
{
	static const uint32_t caps[] = {16, 1000, 65536, 65537, 262144, 1u << 20, 3000000};
	unsigned int i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		cr_expect_leq(pcl_tw_record_memsize(caps[i]), 32ull * caps[i] + 128, "cap %u",
			      caps[i]);
	cr_expect_geq(pcl_tw_record_memsize(1u << 20), 32ull << 20, "a full bucket per record");
}

/*
 * A million random operations against a model of which keys are live: a
 * key the store no longer has must have lived its life or been recycled.
 */
Test(tw, random_run_matches_a_model)
{
	enum { CAP = 256, KEYS = 2048 };
	static uint32_t slot[KEYS]; /* PCL_TW_NIL when absent */
	static uint32_t added_at[KEYS], recycles_at[KEYS];
	uint32_t now = 0, recycles = 0, k, i, n;
	bool recycled;

	make(CAP);
	srand(1);
	for (k = 0; k < KEYS; k++)
		slot[k] = PCL_TW_NIL;
	for (n = 0; n < 1000000; n++) {
		k = (uint32_t)rand() % KEYS;
		i = pcl_tw_lookup(&s, k + 1);
		if (slot[k] != PCL_TW_NIL && i == PCL_TW_NIL) {
			cr_assert(now - added_at[k] >= LIFE || recycles != recycles_at[k],
				  "key %u ended early: added at %u, now %u", k, added_at[k], now);
			slot[k] = PCL_TW_NIL;
		}
		cr_assert_eq(i, slot[k], "key %u found in slot %u, the model says %u", k, i,
			     slot[k]);
		switch (rand() % 8) {
		case 0:
			now += (uint32_t)rand() % 4;
			pcl_tw_expire(&s, now, CAP);
			break;
		case 1:
			if (i != PCL_TW_NIL) {
				pcl_tw_remove(&s, i);
				slot[k] = PCL_TW_NIL;
			}
			break;
		case 2:
			if (i != PCL_TW_NIL) {
				slot[k] = pcl_tw_refresh(&s, i, now, &recycled);
				recycles += recycled;
				added_at[k] = now;
				recycles_at[k] = recycles;
			}
			break;
		default:
			if (i == PCL_TW_NIL) {
				struct pcl_tw_rec r = rec(k + 1);

				slot[k] = pcl_tw_add(&s, &r, now, true, &recycled);
				recycles += recycled;
				added_at[k] = now;
				recycles_at[k] = recycles;
			}
			break;
		}
		cr_assert_leq(s.live, s.used);
		cr_assert_leq(s.used, CAP);
	}
	for (k = 0, n = 0; k < KEYS; k++)
		n += pcl_tw_lookup(&s, k + 1) != PCL_TW_NIL;
	cr_expect_eq(n, s.live);
	cr_expect_gt(recycles, 0, "the run filled the store");
}
