/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "lb/pcl_pp.h"

/* v2's signature, then version 2 with the PROXY command, then TCP over IPv4. */
static const uint8_t v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				   0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
#define V2_PROXY   0x21
#define V2_TCP4    0x11
#define V2_ADDRLEN 12 /* two IPv4 addresses and two ports */

unsigned int
pcl_pp_build(uint8_t buf[PCL_PP_LEN_MAX], unsigned int version, const struct pcl_tuple *t)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	uint8_t *p = buf;

	if (version == 1) {
		inet_ntop(AF_INET, &t->raddr, src, sizeof(src));
		inet_ntop(AF_INET, &t->laddr, dst, sizeof(dst));
		return (unsigned int)snprintf(
			(char *)buf, PCL_PP_LEN_MAX, "PROXY TCP4 %s %s %u %u\r\n", src, dst,
			rte_be_to_cpu_16(t->rport), rte_be_to_cpu_16(t->lport));
	}
	memcpy(p, v2_sig, sizeof(v2_sig));
	p += sizeof(v2_sig);
	*p++ = V2_PROXY;
	*p++ = V2_TCP4;
	*p++ = 0;
	*p++ = V2_ADDRLEN;
	/* Addresses and ports stay in network order, as the spec has them. */
	memcpy(p, &t->raddr, 4);
	memcpy(p + 4, &t->laddr, 4);
	memcpy(p + 8, &t->rport, 2);
	memcpy(p + 10, &t->lport, 2);
	return (unsigned int)(p + V2_ADDRLEN - buf);
}
