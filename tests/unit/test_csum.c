/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include <criterion/criterion.h>
#include <rte_ip.h>

#include "net/pcl_csum.h"

/* The one's-complement fold by repeated division: slow and plainly right. */
static uint16_t
fold_ref(uint64_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The rotate folds agree with the reference on carries at every boundary. */
Test(csum, fold_edges)
{
	static const uint64_t v[] = {
		0,
		1,
		0xffff,
		0x10000,
		0x1fffe,
		0xffffffff,
		0xffff0000,
		0x0001ffff,
		0x100000000ull,
		0xffffffff00000000ull,
		0xffffffffffffffffull,
		0x8000000080000000ull,
		0x00000001ffffffffull,
		0xfffffffe00000002ull,
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(v); i++) {
		cr_expect_eq(pcl_csum_fold64(v[i]), fold_ref(v[i]), "fold64(%#llx)",
			     (unsigned long long)v[i]);
		cr_expect_eq(pcl_csum_fold32((uint32_t)v[i]), fold_ref((uint32_t)v[i]),
			     "fold32(%#x)", (uint32_t)v[i]);
	}
}

/* And on random values, where every bit pattern of the halves is likely. */
Test(csum, fold_random)
{
	unsigned int i;

	srandom(1);
	for (i = 0; i < 100000; i++) {
		uint64_t s = (uint64_t)random() << 42 ^ (uint64_t)random() << 21 ^ random();

		cr_assert_eq(pcl_csum_fold64(s), fold_ref(s), "fold64(%#llx)",
			     (unsigned long long)s);
		cr_assert_eq(pcl_csum_fold32((uint32_t)s), fold_ref((uint32_t)s));
	}
}

/* The 32-bit word sum gives DPDK's checksum at every length and alignment. */
Test(csum, raw_matches_dpdk)
{
	uint8_t buf[160];
	unsigned int len, off, i;

	srandom(2);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)random();
	for (off = 0; off < 4; off++)
		for (len = 0; len + off <= sizeof(buf); len++)
			cr_assert_eq(pcl_csum_fold64(pcl_csum_raw(buf + off, len, 0)),
				     rte_raw_cksum(buf + off, len), "len %u offset %u", len, off);
}

/* An incremental update equals summing the changed header again (RFC 1624). */
Test(csum, update_matches_full_sum)
{
	uint8_t h[20];
	uint32_t old, new;
	unsigned int i, odd;

	srandom(3);
	for (i = 0; i < 1000; i++) {
		rte_be16_t check;
		uint16_t full;
		unsigned int k;

		for (k = 0; k < sizeof(h); k++)
			h[k] = (uint8_t)random();
		odd = i & 1;
		h[10] = h[11] = 0;
		check = (uint16_t)~rte_raw_cksum(h, sizeof(h));
		memcpy(&old, h + 4 + odd, 4);
		new = (uint32_t)random();
		memcpy(h + 4 + odd, &new, 4);
		full = (uint16_t)~rte_raw_cksum(h, sizeof(h));
		check = pcl_csum_update32(check, rte_be_to_cpu_32(old), rte_be_to_cpu_32(new), odd);
		cr_assert_eq(check, full, "round %u", i);
	}
}
