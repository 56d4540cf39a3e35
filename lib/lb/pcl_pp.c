/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>

#include "lb/pcl_pp.h"

/* v2's signature, then version 2 with the PROXY command, then TCP over IPv4 or IPv6. */
static const uint8_t v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				   0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
#define V2_PROXY 0x21
#define V2_TCP4  0x11
#define V2_TCP6  0x21

/* The header for addresses of alen bytes (4 or 16) at src and dst, ports in network order. */
static unsigned int
build(uint8_t buf[PCL_PP_LEN_MAX], unsigned int version, const void *src, const void *dst,
      unsigned int alen, rte_be16_t sport, rte_be16_t dport)
{
	int af = alen == 4 ? AF_INET : AF_INET6;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	uint8_t *p = buf;

	if (version == 1) {
		inet_ntop(af, src, s, sizeof(s));
		inet_ntop(af, dst, d, sizeof(d));
		return (unsigned int)snprintf((char *)buf, PCL_PP_LEN_MAX,
					      "PROXY TCP%c %s %s %u %u\r\n", alen == 4 ? '4' : '6',
					      s, d, rte_be_to_cpu_16(sport),
					      rte_be_to_cpu_16(dport));
	}
	memcpy(p, v2_sig, sizeof(v2_sig));
	p += sizeof(v2_sig);
	*p++ = V2_PROXY;
	*p++ = alen == 4 ? V2_TCP4 : V2_TCP6;
	*p++ = 0;
	*p++ = (uint8_t)(2 * alen + 4); /* two addresses and two ports */
	/* Addresses and ports stay in network order, as the spec has them. */
	memcpy(p, src, alen);
	memcpy(p + alen, dst, alen);
	memcpy(p + 2 * alen, &sport, 2);
	memcpy(p + 2 * alen + 2, &dport, 2);
	return (unsigned int)(p + 2 * alen + 4 - buf);
}

unsigned int
pcl_pp_build(uint8_t buf[PCL_PP_LEN_MAX], unsigned int version, const struct pcl_tuple *t)
{
	return build(buf, version, &t->raddr, &t->laddr, 4, t->rport, t->lport);
}

unsigned int
pcl_pp_build6(uint8_t buf[PCL_PP_LEN_MAX], unsigned int version, const struct pcl_tuple6 *t)
{
	return build(buf, version, t->raddr, t->laddr, 16, t->rport, t->lport);
}
