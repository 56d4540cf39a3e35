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

#endif
