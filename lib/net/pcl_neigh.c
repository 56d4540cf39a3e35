/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_jhash.h>

#include "net/pcl_neigh.h"

static inline uint32_t
home(const struct pcl_addr *ip)
{
	return rte_jhash(ip->a, sizeof(ip->a), 0) % PCL_NEIGH_SLOTS;
}

uint32_t
pcl_neigh_find(const struct pcl_neigh *t, const struct pcl_addr *ip)
{
	uint32_t s = home(ip);

	/* The index is at most half full, so an empty slot ends every probe. */
	for (; t->slot[s] != 0; s = (s + 1) % PCL_NEIGH_SLOTS)
		if (pcl_addr_eq(&t->e[t->slot[s] - 1].ip, ip))
			return t->slot[s] - 1u;
	return PCL_NEIGH_NONE;
}

uint32_t
pcl_neigh_add(struct pcl_neigh *t, const struct pcl_addr *ip, uint8_t ifx)
{
	uint32_t i = pcl_neigh_find(t, ip), s;

	if (i != PCL_NEIGH_NONE || t->n == PCL_NEIGH_MAX)
		return i;
	for (s = home(ip); t->slot[s] != 0; s = (s + 1) % PCL_NEIGH_SLOTS)
		;
	t->e[t->n] = (struct pcl_neigh_entry){.ip = *ip, .ifx = ifx};
	t->slot[s] = (uint16_t)(t->n + 1);
	return t->n++;
}

bool
pcl_neigh_learn(struct pcl_neigh *t, const struct pcl_addr *ip, const struct rte_ether_addr *mac,
		uint64_t now_us)
{
	uint32_t i = pcl_neigh_find(t, ip);
	uint64_t v = PCL_NEIGH_VALID;
	unsigned int k;

	if (i == PCL_NEIGH_NONE)
		return false;
	for (k = 0; k < RTE_ETHER_ADDR_LEN; k++)
		v |= (uint64_t)mac->addr_bytes[k] << (8 * k);
	__atomic_store_n(&t->e[i].mac, v, __ATOMIC_RELAXED);
	__atomic_store_n(&t->e[i].seen_us, now_us, __ATOMIC_RELAXED);
	return true;
}
