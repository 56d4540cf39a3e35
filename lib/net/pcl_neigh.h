/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_NEIGH_H
#define PCL_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "net/pcl_addr.h"

/*
 * The link-layer addresses of the hosts portcullis opens connections to
 * (backends), learned from ARP or, for IPv6 hosts, Neighbor
 * Advertisements (RFC 4861 7.2.5). A server only ever answers, into the frame
 * it answers, so it needs no table; a front end that connects to backends
 * does. The hosts are known from the configuration, so the table is a fixed
 * list, found by index; every worker reads it, and whichever worker
 * receives an ARP reply or request (or an advertisement) from one of them
 * writes its MAC (an
 * aligned 64-bit word, relaxed atomics: the same MAC written twice is
 * harmless). The control thread never touches it.
 */

#define PCL_NEIGH_MAX  4096
#define PCL_NEIGH_NONE UINT32_MAX
/* Slots of the address index: twice the hosts, so probes stay short. */
#define PCL_NEIGH_SLOTS (2 * PCL_NEIGH_MAX)
/* A known MAC sits in the low 48 bits of mac, with this bit set. */
#define PCL_NEIGH_VALID (1ull << 48)

struct pcl_neigh_entry {
	struct pcl_addr ip; /* IPv4 mapped, or IPv6 */
	uint8_t ifx;        /* the interface it is reached through */
	uint64_t mac;       /* PCL_NEIGH_VALID | MAC, or 0 */
	uint64_t seen_us;   /* when an ARP from it last arrived */
};

struct pcl_neigh {
	uint32_t n;
	uint16_t slot[PCL_NEIGH_SLOTS]; /* open addressing by address: index + 1, 0 empty */
	struct pcl_neigh_entry e[PCL_NEIGH_MAX];
};

/* Adds ip (reached through ifx) unless present; returns its index, or PCL_NEIGH_NONE when full. */
uint32_t pcl_neigh_add(struct pcl_neigh *t, const struct pcl_addr *ip, uint8_t ifx);

/* The index of ip, or PCL_NEIGH_NONE. O(1): ARP floods must not make it costly. */
uint32_t pcl_neigh_find(const struct pcl_neigh *t, const struct pcl_addr *ip);

/*
 * Records that ip is at mac (an ARP or an advertisement from it arrived).
 * Returns false when ip is not in t.
 */
bool pcl_neigh_learn(struct pcl_neigh *t, const struct pcl_addr *ip,
		     const struct rte_ether_addr *mac, uint64_t now_us);

/* Whether entry i's MAC is known, and then copies it to *mac. */
static inline bool
pcl_neigh_mac(const struct pcl_neigh *t, uint32_t i, struct rte_ether_addr *mac)
{
	uint64_t v = __atomic_load_n(&t->e[i].mac, __ATOMIC_RELAXED);
	unsigned int k;

	if (!(v & PCL_NEIGH_VALID))
		return false;
	for (k = 0; k < RTE_ETHER_ADDR_LEN; k++)
		mac->addr_bytes[k] = (uint8_t)(v >> (8 * k));
	return true;
}

/*
 * Whether entry i should be asked for again at now_us: never heard from,
 * or silent for refresh_us.
 */
static inline bool
pcl_neigh_stale(const struct pcl_neigh *t, uint32_t i, uint64_t now_us, uint64_t refresh_us)
{
	return !(__atomic_load_n(&t->e[i].mac, __ATOMIC_RELAXED) & PCL_NEIGH_VALID) ||
	       now_us - __atomic_load_n(&t->e[i].seen_us, __ATOMIC_RELAXED) >= refresh_us;
}

#endif
