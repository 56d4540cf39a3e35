/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TUPLE_H
#define PCL_TUPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/*
 * A connection's 4-tuple as seen from the server, in network byte order
 * exactly as it sits in the packet, so building it costs no byte swaps.
 * "r" is the remote peer (the client), "l" is us.
 */
struct pcl_tuple {
	rte_be32_t raddr;
	rte_be32_t laddr;
	rte_be16_t rport;
	rte_be16_t lport;
};

_Static_assert(sizeof(struct pcl_tuple) == 12, "tuple is three words, hashed as such");

static inline bool
pcl_tuple_eq(const struct pcl_tuple *a, const struct pcl_tuple *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/*
 * IPv6 in the same 12 bytes. A connection entry keeps the IPv4 tuple as its
 * table key, so an IPv6 connection's addresses are held out of line, in the
 * worker's interned address table (tcp/pcl_addr6.h), and raddr and laddr
 * carry their indices there. An index is below 2^24, so its first byte in
 * network order is 0: no IPv4 peer is ever 0.0.0.0/8 (RFC 1122 3.2.1.3, the
 * parser drops such sources), which tells the families apart with no flag.
 * Index 0 is never handed out: it marks an address not (yet) interned.
 */
#define PCL_A6_BITS 24

static inline bool
pcl_tuple_is6(const struct pcl_tuple *t)
{
	return (t->raddr & RTE_BE32(0xff000000u)) == 0;
}

static inline rte_be32_t
pcl_a6_enc(uint32_t idx)
{
	return rte_cpu_to_be_32(idx);
}

static inline uint32_t
pcl_a6_dec(rte_be32_t a)
{
	return rte_be_to_cpu_32(a);
}

/*
 * An IPv6 connection's whole tuple, as a received segment carries it: source
 * (remote), destination (local), source port, destination port. The
 * Toeplitz hash, ISNs, cookies and TIME_WAIT fingerprints read these 36
 * bytes, never the interned indices, which are local to a worker and reused.
 */
struct pcl_tuple6 {
	uint8_t raddr[16];
	uint8_t laddr[16];
	rte_be16_t rport;
	rte_be16_t lport;
};

_Static_assert(sizeof(struct pcl_tuple6) == 36, "the RSS input of an IPv6/TCP flow");

#endif
