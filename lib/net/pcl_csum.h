/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_CSUM_H
#define PCL_CSUM_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>

/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC +
 * ~m + m')), for rewriting headers in place without summing the packet
 * again. Values are handled as big-endian 16-bit words, as they sit in the
 * packet; a field that starts at an odd offset from the start of the summed
 * data contributes its bytes swapped (RFC 1071's byte-order independence).
 */

static inline uint32_t
pcl_csum_fold32(uint32_t s)
{
	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

/* The one's-complement sum of a 32-bit field (host order value), at an even or odd offset. */
static inline uint16_t
pcl_csum_field32(uint32_t v, bool odd)
{
	uint16_t s = (uint16_t)pcl_csum_fold32((v >> 16) + (v & 0xffff));

	return odd ? (uint16_t)(s << 8 | s >> 8) : s;
}

/*
 * The checksum field check (network order, as in the packet) once a
 * 32-bit field summed into it changes from old to new (host order).
 */
static inline rte_be16_t
pcl_csum_update32(rte_be16_t check, uint32_t old, uint32_t new, bool odd)
{
	uint32_t s = (uint16_t)~rte_be_to_cpu_16(check);

	s += (uint16_t)~pcl_csum_field32(old, odd);
	s += pcl_csum_field32(new, odd);
	return rte_cpu_to_be_16((uint16_t)~pcl_csum_fold32(s));
}

/* As pcl_csum_update32, for a 16-bit field at an even offset. */
static inline rte_be16_t
pcl_csum_update16(rte_be16_t check, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~rte_be_to_cpu_16(check);

	s += (uint16_t)~old;
	s += new;
	return rte_cpu_to_be_16((uint16_t)~pcl_csum_fold32(s));
}

#endif
