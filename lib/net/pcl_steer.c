/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_thash.h>

#include "net/pcl_steer.h"

const uint8_t pcl_rss_key[PCL_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a};

/* DPDK's reference Toeplitz over a tuple given as packet bytes. */
static uint32_t
softrss(const uint8_t bytes[PCL_TUPLE6_BYTES])
{
	uint32_t words[PCL_TUPLE6_BYTES / 4];
	unsigned int i;

	/* rte_softrss reads host-order words whose bits run in packet order. */
	for (i = 0; i < RTE_DIM(words); i++)
		words[i] = (uint32_t)bytes[4 * i] << 24 | (uint32_t)bytes[4 * i + 1] << 16 |
			   (uint32_t)bytes[4 * i + 2] << 8 | bytes[4 * i + 3];
	return rte_softrss(words, RTE_DIM(words), pcl_rss_key);
}

int
pcl_steer_init(struct pcl_steer *s, uint16_t nworkers, uint16_t reta_size)
{
	uint8_t bytes[PCL_TUPLE6_BYTES];
	unsigned int i, v;

	if (nworkers == 0 || nworkers > PCL_STEER_MAX || reta_size == 0 ||
	    reta_size > PCL_RETA_MAX || !rte_is_power_of_2(reta_size))
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	for (i = 0; i < PCL_TUPLE6_BYTES; i++)
		for (v = 0; v < 256; v++) {
			memset(bytes, 0, sizeof(bytes));
			bytes[i] = (uint8_t)v;
			s->tbl[i][v] = softrss(bytes);
		}
	s->nworkers = nworkers;
	s->reta_mask = reta_size - 1u;
	for (i = 0; i < reta_size; i++)
		s->reta[i] = (uint16_t)(i % nworkers);
	return 0;
}
