/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_FUZZ_WORKER_H
#define PCL_FUZZ_WORKER_H

/*
 * What both fuzz targets share: one real worker with no port, a fake clock
 * and small tables (so the fuzzer reaches full-table and cookie paths), set
 * up once per process on a minimal EAL. Every input starts from an empty
 * worker and must leave no connection, timer or mbuf behind.
 */
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "worker/pcl_worker.h"

#define FZ_SERVER_IP RTE_BE32(0xc6120002) /* 198.18.0.2 */
#define FZ_CLIENT_IP RTE_BE32(0xc6120001)
/*
 * A listener whose answer fills windows: 40000 bytes, as the congestion
 * scenarios (tests/scenarios/cc_*.pkt) configure on port 80; the scenario
 * runner writes their segments for this port.
 */
#define FZ_BULK_PORT 8080
#define FZ_BULK_BODY 40000
/* port.addr6 and the IPv6 client, as the scenario runner's -6. */
#define FZ_SERVER_ADDR6 "fd00:18::2/64"
#define FZ_SERVER_IP6                                                                              \
	{                                                                                          \
		0xfd, 0, 0, 0x18, [15] = 2                                                         \
	}
#define FZ_CLIENT_IP6                                                                              \
	{                                                                                          \
		0xfd, 0, 0, 0x18, [15] = 1                                                         \
	}

extern struct pcl_worker *fz_w;

/*
 * EAL, config (cookies in auto mode at 8 half-open), worker. Aborts on
 * failure. Called by LLVMFuzzerInitialize(), which fuzz_worker.c defines.
 */
void fz_init(void);

/* An mbuf holding a copy of len bytes, or NULL when len does not fit. */
struct rte_mbuf *fz_mbuf(const uint8_t *data, size_t len);

/* Feeds one frame to the worker (consumed). */
void fz_input(struct rte_mbuf *m);

/* Moves the fake clock on by ms, firing the timers that fall due. */
void fz_advance(uint32_t ms);

/*
 * Frees the worker's replies; calls fn(arg, reply) first for each one when
 * fn is not NULL.
 */
void fz_take_replies(void (*fn)(void *arg, const struct rte_mbuf *m), void *arg);

/*
 * Drops every connection and checks that nothing is left: no entry in the
 * table or pool, no mbuf out of the pool. Aborts (a finding) otherwise.
 */
void fz_reset(void);

#endif
