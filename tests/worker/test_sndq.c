/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The send queue (tcp/pcl_sndq.h) against a flat copy of what was queued:
 * appends of any size, copies as output() makes them (each new segment
 * where the last ended, its cursor's case) and as retransmissions make
 * them (behind the cursor, from the head), trims of acknowledged bytes
 * before, at and past the cursor. Appends go by copy or by reference (mbufs
 * attached to the flat copy itself, a pcl_ref), and a copy may leave a
 * tail in a referenced mbuf uncopied, as a chained frame does. Every copy
 * must give the bytes at its offset (a tail: the very bytes, summed as
 * pcl_csum_raw sums them), and pcl_sndq_free must return every mbuf to the
 * pool.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "tcp/pcl_sndq.h"

TH_WORKER_FIXTURE()

TestSuite(sndq, .init = setup, .fini = teardown);

#define REF_MAX (1u << 20)
#define SEG_MAX 1448u

/* What the queue should hold: ref[head, tail). */
static uint8_t ref[REF_MAX];
/* ref, sent by reference. */
static struct pcl_ref body;

/*
 * A segment of len bytes at off, all copied, or (chain) with a referenced
 * tail left in place: the tail must be the queue's very bytes, and its sum
 * at the segment's parity what pcl_csum_raw gives over the whole segment.
 */
static void
expect_copy(const struct pcl_conn *c, uint32_t head, uint32_t off, uint32_t len, bool chain)
{
	const uint8_t *want = ref + head + off;
	uint8_t out[SEG_MAX];
	struct pcl_sndq_tail tail;
	uint32_t k = pcl_sndq_copy(c, off, out, len, chain ? &tail : NULL);
	uint64_t sum;

	cr_assert_leq(k, len);
	cr_assert_arr_eq(out, want, len - k, "copy of %u bytes at offset %u", len - k, off);
	if (k == 0)
		return;
	cr_assert_eq(tail.ref, &body);
	cr_assert_eq(body.data + tail.off, want + len - k, "the tail is the queue's bytes");
	memcpy(out + len - k, want + len - k, k);
	sum = pcl_csum_raw(out, len - k, 1) + pcl_ref_sum(&body, tail.off, k, (len - k) & 1);
	cr_assert_eq(pcl_csum_fold64(sum), pcl_csum_fold64(pcl_csum_raw(out, len, 1)),
		     "the sum of a tail of %u at %u after %u copied", k, tail.off, len - k);
}

Test(sndq, random_sends_resends_and_acks)
{
	struct pcl_conn c;
	uint32_t head = 0, tail = 0, nxt = 0, round;
	unsigned int avail = rte_mempool_avail_count(t.mp);

	memset(&c, 0, sizeof(c));
	srand(23);
	for (uint32_t i = 0; i < REF_MAX; i++)
		ref[i] = (uint8_t)rand();
	cr_assert_eq(pcl_ref_init(&body, ref, REF_MAX), 0);
	for (round = 0; round < 20000 && tail < REF_MAX - 70000; round++) {
		int op = rand() % 8;

		if ((op == 0 && c.sndq_len < 262144) || c.sndq_len - nxt < SEG_MAX) {
			/* The app writes: from a few bytes to a response larger than the pool's
			 * mbufs, by copy or by reference. */
			uint32_t n = 1 + (uint32_t)rand() % (op == 0 ? 65536 : 3000);

			if (rand() % 2)
				cr_assert_eq(pcl_sndq_append(&c, t.mp, ref + tail, n), 0);
			else
				cr_assert_eq(pcl_sndq_append_ref(&c, t.mp, &body, tail, n), 0);
			tail += n;
		} else if (op <= 4 && nxt < c.sndq_len) {
			/* output(): the next new segment, where the last one ended. */
			uint32_t n = RTE_MIN(c.sndq_len - nxt, 1 + (uint32_t)rand() % SEG_MAX);

			expect_copy(&c, head, nxt, n, rand() % 2);
			nxt += n;
		} else if (op == 5 && nxt > 0) {
			/* A retransmission: anywhere behind what was sent. */
			uint32_t off = (uint32_t)rand() % nxt;

			expect_copy(&c, head, off, RTE_MIN(nxt - off, SEG_MAX), rand() % 2);
		} else if (nxt > 0) {
			/* An ACK: some or all of what was sent, up to the cursor or past it. */
			uint32_t n = 1 + (uint32_t)rand() % nxt;

			pcl_sndq_trim(&c, n);
			head += n;
			nxt -= n;
		}
		cr_assert_eq(c.sndq_len, tail - head);
		if (c.sndq != NULL) {
			const struct pcl_sndq_cur *k = pcl_sndq_cur(c.sndq);
			uint32_t bytes = 0;
			bool found = false;

			for (const struct rte_mbuf *m = c.sndq; m != NULL; m = m->next) {
				found |= m == k->m && bytes == k->off;
				bytes += m->data_len;
			}
			cr_assert(found, "round %u: the cursor (offset %u) is not in the queue",
				  round, k->off);
		}
	}
	cr_assert_gt(head, 4u * 65536, "the queue was sent and acknowledged many times over");
	pcl_sndq_trim(&c, c.sndq_len);
	cr_assert_null(c.sndq);
	cr_assert_eq(rte_mempool_avail_count(t.mp), avail, "every mbuf back in the pool");
	cr_assert_eq(rte_mbuf_ext_refcnt_read(&body.sh[rte_lcore_id()].sh), 1,
		     "no reference left but the buffer's own");
	pcl_ref_fini(&body);
}

Test(sndq, free_returns_every_mbuf)
{
	struct pcl_conn c;
	uint8_t out[SEG_MAX];
	unsigned int avail = rte_mempool_avail_count(t.mp);

	memset(&c, 0, sizeof(c));
	memset(ref, 'p', 100000);
	cr_assert_eq(pcl_sndq_append(&c, t.mp, ref, 100000), 0);
	pcl_sndq_copy(&c, 50000, out, SEG_MAX, NULL);
	pcl_sndq_trim(&c, 1000);
	pcl_sndq_free(&c);
	cr_assert_null(c.sndq);
	cr_assert_eq(c.sndq_len, 0);
	cr_assert_eq(rte_mempool_avail_count(t.mp), avail);
}
