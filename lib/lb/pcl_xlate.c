/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_common.h>

#include "lb/pcl_xlate.h"
#include "net/pcl_csum.h"
#include "net/pcl_opt.h"

static inline uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Adds add to the 32-bit field at th + off, keeping the TCP checksum right. */
static inline void
shift32(struct rte_tcp_hdr *th, unsigned int off, uint32_t add)
{
	uint8_t *p = (uint8_t *)th + off;
	uint32_t old = get32(p), new = old + add;

	if (add == 0)
		return;
	put32(p, new);
	th->cksum = pcl_csum_update32(th->cksum, old, new, off & 1);
}

/* One's-complement sum of len bytes starting at an even (odd = 0) or odd offset. */
static uint16_t
sum_bytes(const uint8_t *p, unsigned int len, bool odd)
{
	uint32_t s = 0;
	unsigned int i;

	for (i = 0; i < len; i++)
		s += ((i & 1) == odd) ? (uint32_t)p[i] << 8 : p[i];
	return (uint16_t)pcl_csum_fold32(s);
}

/* The option at th + off (len bytes) becomes NOPs. */
static void
strip(struct rte_tcp_hdr *th, unsigned int off, unsigned int len)
{
	uint8_t *p = (uint8_t *)th + off;
	/* Offsets count from th, which starts the summed segment at an even offset. */
	uint16_t before = sum_bytes(p, len, off & 1), after;
	uint32_t s;

	memset(p, PCL_OPT_NOP, len);
	after = sum_bytes(p, len, off & 1);
	s = (uint16_t)~rte_be_to_cpu_16(th->cksum);
	s += (uint16_t)~before;
	s += after;
	th->cksum = rte_cpu_to_be_16((uint16_t)~pcl_csum_fold32(s));
}

/* The timestamps and SACK edges in the options, shifted as x says. */
static void
options(struct rte_tcp_hdr *th, const struct pcl_xlate *x)
{
	unsigned int end = (th->data_off >> 4) * 4u, off = sizeof(*th), len, e;
	const uint8_t *o = (const uint8_t *)th;

	while (off < end) {
		if (o[off] == PCL_OPT_EOL)
			return;
		if (o[off] == PCL_OPT_NOP) {
			off++;
			continue;
		}
		len = o[off + 1];
		if (o[off] == PCL_OPT_TS) {
			if (x->strip_ts) {
				strip(th, off, len);
			} else {
				shift32(th, off + 2, x->tsval_add);
				shift32(th, off + 6, x->tsecr_add);
			}
		} else if (o[off] == PCL_OPT_SACK) {
			if (x->strip_sack)
				strip(th, off, len);
			else
				for (e = 2; e + 4 <= len; e += 4)
					shift32(th, off + e, x->ack_add);
		}
		off += len;
	}
}

/* Everything past the addresses: ports, sequence spaces, window, options. */
static __rte_always_inline void
tcp_fields(struct rte_tcp_hdr *th, const struct pcl_xlate *x)
{
	uint16_t wnd = rte_be_to_cpu_16(th->rx_win);
	uint32_t w;

	th->cksum = pcl_csum_update16(th->cksum, rte_be_to_cpu_16(th->src_port),
				      rte_be_to_cpu_16(x->sport));
	th->cksum = pcl_csum_update16(th->cksum, rte_be_to_cpu_16(th->dst_port),
				      rte_be_to_cpu_16(x->dport));
	th->src_port = x->sport;
	th->dst_port = x->dport;
	shift32(th, offsetof(struct rte_tcp_hdr, sent_seq), x->seq_add);
	if (th->tcp_flags & RTE_TCP_ACK_FLAG)
		shift32(th, offsetof(struct rte_tcp_hdr, recv_ack), x->ack_add);
	if (x->wnd_from != x->wnd_to) {
		w = RTE_MIN(((uint32_t)wnd << x->wnd_from) >> x->wnd_to, (uint32_t)UINT16_MAX);
		th->cksum = pcl_csum_update16(th->cksum, wnd, (uint16_t)w);
		th->rx_win = rte_cpu_to_be_16((uint16_t)w);
	}
	if (th->data_off > 0x50)
		options(th, x);
}

void
pcl_xlate_tcp(struct rte_ipv4_hdr *ip, struct rte_tcp_hdr *th, const struct pcl_xlate *x)
{
	uint32_t osrc = rte_be_to_cpu_32(ip->src_addr), odst = rte_be_to_cpu_32(ip->dst_addr);
	uint32_t nsrc = rte_be_to_cpu_32(x->saddr), ndst = rte_be_to_cpu_32(x->daddr);

	/* The addresses are in the IP header and in TCP's pseudo-header. */
	ip->hdr_checksum = pcl_csum_update32(ip->hdr_checksum, osrc, nsrc, false);
	ip->hdr_checksum = pcl_csum_update32(ip->hdr_checksum, odst, ndst, false);
	th->cksum = pcl_csum_update32(th->cksum, osrc, nsrc, false);
	th->cksum = pcl_csum_update32(th->cksum, odst, ndst, false);
	ip->src_addr = x->saddr;
	ip->dst_addr = x->daddr;
	tcp_fields(th, x);
}

/* An IPv6 address at a, replaced by n, with TCP's checksum (its pseudo-header) kept right. */
static inline void
addr6(struct rte_tcp_hdr *th, uint8_t *a, const uint8_t *n)
{
	unsigned int i;

	for (i = 0; i < 16; i += 4)
		th->cksum = pcl_csum_update32(th->cksum, get32(a + i), get32(n + i), false);
	memmove(a, n, 16);
}

void
pcl_xlate_tcp6(struct rte_ipv6_hdr *ip, struct rte_tcp_hdr *th, const struct pcl_xlate *x,
	       const uint8_t *src, const uint8_t *dst)
{
	/* IPv6 has no header checksum: the addresses count only in TCP's pseudo-header. */
	addr6(th, ip->src_addr, src);
	addr6(th, ip->dst_addr, dst);
	tcp_fields(th, x);
}
