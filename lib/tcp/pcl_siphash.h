/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_SIPHASH_H
#define PCL_SIPHASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

/*
 * SipHash-c-d (Aumasson and Bernstein, 2012) with its rounds as
 * parameters, inlined for the few fixed input lengths of the packet path
 * (12 to 48 bytes). The engine's PRF is SipHash-1-3 (pcl_isn.h says why);
 * unit tests hold SipHash-2-4 of this code to libsodium's on every length
 * up to 64 bytes, so the rounds are the only difference.
 */

#define PCL_SIP_ROUND(v0, v1, v2, v3)                                                              \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = v1 << 13 | v1 >> 51;                                                          \
		v1 ^= v0;                                                                          \
		v0 = v0 << 32 | v0 >> 32;                                                          \
		v2 += v3;                                                                          \
		v3 = v3 << 16 | v3 >> 48;                                                          \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = v3 << 21 | v3 >> 43;                                                          \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = v1 << 17 | v1 >> 47;                                                          \
		v1 ^= v2;                                                                          \
		v2 = v2 << 32 | v2 >> 32;                                                          \
	} while (0)

/* SipHash-c-d of len bytes at in under the 16-byte key, as a little-endian 64-bit value. */
static __rte_always_inline uint64_t
pcl_siphash(const uint8_t key[16], const void *in, size_t len, unsigned int c, unsigned int d)
{
	const uint8_t *p = in, *end = p + (len & ~(size_t)7);
	uint64_t k0, k1, v0, v1, v2, v3, m, last = (uint64_t)len << 56;
	unsigned int i;

	memcpy(&k0, key, 8);
	memcpy(&k1, key + 8, 8);
	k0 = rte_le_to_cpu_64(k0);
	k1 = rte_le_to_cpu_64(k1);
	v0 = k0 ^ 0x736f6d6570736575ull;
	v1 = k1 ^ 0x646f72616e646f6dull;
	v2 = k0 ^ 0x6c7967656e657261ull;
	v3 = k1 ^ 0x7465646279746573ull;
	for (; p != end; p += 8) {
		memcpy(&m, p, 8);
		m = rte_le_to_cpu_64(m);
		v3 ^= m;
		for (i = 0; i < c; i++)
			PCL_SIP_ROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (i = 0; i < (len & 7); i++)
		last |= (uint64_t)p[i] << (8 * i);
	v3 ^= last;
	for (i = 0; i < c; i++)
		PCL_SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;
	v2 ^= 0xff;
	for (i = 0; i < d; i++)
		PCL_SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

#endif
