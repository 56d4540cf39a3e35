/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_CSUM_H
#define PCL_CSUM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3: HC' = ~(~HC +
 * ~m + m')), for rewriting headers in place without summing the packet
 * again. Values are handled as big-endian 16-bit words, as they sit in the
 * packet; a field that starts at an odd offset from the start of the summed
 * data contributes its bytes swapped (RFC 1071's byte-order independence).
 */

/*
 * Folds with a rotate: in s + rotate(s, half), the upper half receives
 * upper + lower plus the carry out of the lower half's same addition, which
 * is exactly the end-around carry of one's-complement arithmetic (the
 * trick of Linux's csum_fold). Three instructions per fold instead of two
 * masked additions each needing its own carry fold.
 */
static inline uint32_t
pcl_csum_fold32(uint32_t s)
{
	return (s + (s << 16 | s >> 16)) >> 16;
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

/*
 * Full sums, for headers and short payloads. DPDK's rte_raw_cksum adds
 * 16-bit words one at a time, which the compiler vectorises with a
 * prologue and epilogue longer than a 20-byte header. A one's-complement
 * sum can be taken over any word width and folded at the end (RFC 1071
 * 2(B)): this adds 32-bit words into a 64-bit accumulator, four per
 * iteration, which cannot overflow below 16 GB. Words are loaded in host
 * order, as rte_raw_cksum's are: the folded result is stored as it is.
 */
static inline uint64_t
pcl_csum_raw(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *p = buf;
	uint32_t a, b, c, d;
	uint16_t w;

	for (; len >= 16; len -= 16, p += 16) {
		memcpy(&a, p, 4);
		memcpy(&b, p + 4, 4);
		memcpy(&c, p + 8, 4);
		memcpy(&d, p + 12, 4);
		sum += (uint64_t)a + b + c + d;
	}
	for (; len >= 4; len -= 4, p += 4) {
		memcpy(&a, p, 4);
		sum += a;
	}
	if (len >= 2) {
		memcpy(&w, p, 2);
		sum += w;
		p += 2;
	}
	/* An odd last byte is the high-order byte of a word padded with zero. */
	if (len & 1) {
		w = 0;
		memcpy(&w, p, 1);
		sum += w;
	}
	return sum;
}

/* A 64-bit accumulator folded to the 16-bit one's-complement sum. */
static inline uint16_t
pcl_csum_fold64(uint64_t s)
{
	return (uint16_t)pcl_csum_fold32((uint32_t)((s + (s << 32 | s >> 32)) >> 32));
}

/* The IPv4 pseudo-header of a TCP or UDP segment (RFC 9293 3.1), unfolded. */
static inline uint64_t
pcl_csum_phdr4(rte_be32_t src, rte_be32_t dst, uint8_t proto, uint32_t l4len)
{
	return (uint64_t)src + dst + rte_cpu_to_be_16((uint16_t)proto) +
	       rte_cpu_to_be_16((uint16_t)l4len);
}

/* The IPv6 pseudo-header (RFC 8200 8.1): 32 bytes of addresses, length, next header. */
static inline uint64_t
pcl_csum_phdr6(const uint8_t *addrs, uint8_t proto, uint32_t l4len)
{
	return pcl_csum_raw(addrs, 32,
			    (uint64_t)rte_cpu_to_be_32(l4len) + rte_cpu_to_be_32((uint32_t)proto));
}

#endif
