/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_PP_H
#define PCL_PP_H

#include <stddef.h>
#include <stdint.h>

#include "net/pcl_tuple.h"

/*
 * The PROXY protocol header (HAProxy's spec, versions 1 and 2): the first
 * bytes a backend gets on a proxied connection, naming the client's
 * address and port and the address and port it connected to, since full
 * NAT hides them. nginx reads it with "listen ... proxy_protocol".
 */

/*
 * The longest header built here: v1's at most (the spec's 107 bytes and
 * the NUL snprintf writes); v2 is 28 bytes for IPv4, 52 for IPv6.
 */
#define PCL_PP_LEN_MAX 108

/*
 * Writes the header of version (1 or 2) for the client tuple t (raddr and
 * rport the client's, laddr and lport the address it connected to) into
 * buf. Returns its length.
 */
unsigned int pcl_pp_build(uint8_t buf[PCL_PP_LEN_MAX], unsigned int version,
			  const struct pcl_tuple *t);

/* As pcl_pp_build(), for an IPv6 client: "TCP6" (v1), AF_INET6 (v2). */
unsigned int pcl_pp_build6(uint8_t buf[PCL_PP_LEN_MAX], unsigned int version,
			   const struct pcl_tuple6 *t);

#endif
