/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TXQ_H
#define PCL_TXQ_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

/* Frames one worker iteration may queue before the sink is flushed early. */
#define PCL_TXQ_SIZE 256

struct pcl_txq;

/* Sends (or frees) pkts[0..n) and sets n to 0. */
typedef void (*pcl_txq_flush_t)(struct pcl_txq *q);

/*
 * The TX sink: frames the layers below the worker have written, waiting for
 * the worker's burst. Whoever owns the sink (the worker, a test) flushes it
 * once per iteration; flush is called only when a frame arrives at a full
 * sink, so producers never need to know where frames go.
 */
struct pcl_txq {
	uint16_t n;
	pcl_txq_flush_t flush;
	void *arg; /* the owner's, for flush */
	struct rte_mbuf *pkts[PCL_TXQ_SIZE];
};

static inline void
pcl_txq_put(struct pcl_txq *q, struct rte_mbuf *m)
{
	if (unlikely(q->n == PCL_TXQ_SIZE))
		q->flush(q);
	q->pkts[q->n++] = m;
}

#endif
