/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_RESEG_H
#define PCL_RESEG_H

#include <stdint.h>

#include <rte_mbuf.h>

/*
 * Segments the proxy passes on, made to fit their receiver. Resegmenting
 * is a middlebox's right: the bytes and their sequence numbers stay.
 *
 * - Toward a backend whose MSS is below ours: the client fills the MSS we
 *   announced, so its segments are split to the backend's.
 * - Toward a client whose backend does not send timestamps: the client
 *   negotiated them with us (RFC 7323 3.2: from then on every segment it
 *   receives should carry one), so the backend's segments get ours (NOP,
 *   NOP, TS after the options they have), split first where the option
 *   would take them past the client's MSS.
 *
 * Frames are single-segment Ethernet + IPv4 (or IPv6 without extension
 * headers) + TCP. The checksums are summed again: these are rare paths.
 */

/*
 * Splits m so that its data and TCP options fit mss: m keeps the head, a
 * new frame from mp with m's headers and the next sequence number gets the
 * rest, in *rest (NULL when m fits already; the rest may need splitting
 * again). The FIN and PSH go with the rest. Returns 0; -ENOMEM when mp is
 * empty or -EMSGSIZE when the options alone fill mss (m unchanged).
 */
int pcl_reseg_fit(struct rte_mbuf *m, struct rte_mempool *mp, uint16_t mss, struct rte_mbuf **rest);

/*
 * Inserts NOP, NOP, TS(tsval, tsecr) after m's options. Returns 0, or
 * -ENOSPC when the TCP header has no room for 12 more bytes or the mbuf no
 * headroom (m unchanged).
 */
int pcl_reseg_add_ts(struct rte_mbuf *m, uint32_t tsval, uint32_t tsecr);

#endif
