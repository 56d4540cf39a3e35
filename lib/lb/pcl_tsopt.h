/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TSOPT_H
#define PCL_TSOPT_H

#include <stdint.h>

#include <rte_mbuf.h>

/*
 * Timestamps toward a client whose backend does not send them.
 *
 * The client negotiated timestamps with us (RFC 7323 3.2: from then on
 * every segment it receives should carry one), but the backend answered our
 * SYN without them, so its segments reach the proxy bare. They get a TS
 * option on the way out: 12 bytes (NOP, NOP, TS) after the options they
 * have. A segment whose data and options would then exceed the client's
 * MSS is split in two, the FIN and PSH going with the second part.
 */

/*
 * Inserts NOP, NOP, TS(tsval, tsecr) into the single-segment frame m
 * (Ethernet, IPv4, TCP) and fixes its lengths and checksums. When the
 * data no longer fits mss, the tail goes into a new frame from mp, with
 * the option too, returned in *rest (NULL otherwise). Returns 0; -ENOSPC
 * when the TCP header has no room for 12 more bytes or the mbuf no
 * headroom; -ENOMEM when mp is empty; -EMSGSIZE when the data needs more
 * than two segments. On error m is unchanged.
 */
int pcl_tsopt_insert(struct rte_mbuf *m, struct rte_mempool *mp, uint16_t mss, uint32_t tsval,
		     uint32_t tsecr, struct rte_mbuf **rest);

#endif
