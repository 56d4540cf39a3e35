/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_STEER_H
#define PCL_STEER_H

#include <stdint.h>

#include <rte_common.h>

#include "net/pcl_tuple.h"

/*
 * Which worker owns a flow: the Toeplitz hash a NIC computes for RSS, with a
 * symmetric key (0x6d5a repeated, so swapping source and destination gives
 * the same hash), looked up in a redirection table that maps entry i to
 * worker i % nworkers — the table pcl_port programs into RSS-capable NICs.
 * Where the NIC hashes, software agrees with it and no packet hops; where it
 * does not (net_tap, a single-queue vdev), software alone decides.
 *
 * Toeplitz is linear over GF(2), so the hash of a 12-byte tuple is the XOR
 * of one precomputed word per byte: 12 loads instead of a loop over 96 bits.
 * A byte's word depends only on its position, so the same table serves the
 * 36-byte IPv6 tuple (source, destination, ports, as RSS reads it): its
 * first 12 rows are the IPv4 tuple's. The key repeats every 16 bits, and
 * both families swap fields of whole multiples of 16 bits, so the hash is
 * symmetric for IPv6 too.
 */

#define PCL_RSS_KEY_LEN  40
#define PCL_TUPLE_BYTES  12
#define PCL_TUPLE6_BYTES 36
#define PCL_RETA_MAX     512
#define PCL_RETA_DEFAULT 128
#define PCL_STEER_MAX    64 /* owners a redirection table can name */

extern const uint8_t pcl_rss_key[PCL_RSS_KEY_LEN];

struct pcl_steer {
	uint32_t tbl[PCL_TUPLE6_BYTES][256];
	uint32_t reta_mask;
	uint16_t nworkers;
	uint16_t reta[PCL_RETA_MAX]; /* worker index per entry */
};

/*
 * Builds the byte tables and a redirection table of reta_size entries (a
 * power of two up to PCL_RETA_MAX) for nworkers. Returns 0 or -EINVAL.
 */
int pcl_steer_init(struct pcl_steer *s, uint16_t nworkers, uint16_t reta_size);

/* The Toeplitz hash of n tuple bytes b (n a constant: the loop unrolls). */
static __rte_always_inline uint32_t
pcl_steer_bytes(const struct pcl_steer *s, const uint8_t *b, unsigned int n)
{
	uint32_t h = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		h ^= s->tbl[i][b[i]];
	return h;
}

/* The Toeplitz hash of t (network order: raddr, laddr, rport, lport). */
static inline uint32_t
pcl_steer_hash(const struct pcl_steer *s, const struct pcl_tuple *t)
{
	return pcl_steer_bytes(s, (const uint8_t *)t, PCL_TUPLE_BYTES);
}

/* The Toeplitz hash of an IPv6 tuple, equal to rte_softrss over its 36 bytes. */
static inline uint32_t
pcl_steer_hash6(const struct pcl_steer *s, const struct pcl_tuple6 *t)
{
	return pcl_steer_bytes(s, (const uint8_t *)t, PCL_TUPLE6_BYTES);
}

/* The worker owning a flow whose RSS hash is h. */
static inline uint16_t
pcl_steer_owner(const struct pcl_steer *s, uint32_t h)
{
	return s->reta[h & s->reta_mask];
}

#endif
