/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "lb/pcl_reseg.h"
#include "net/pcl_opt.h"
#include "net/pcl_pkt.h"

/* The most TCP options a header holds. */
#define OPT_MAX 40

/* Where a frame's headers are, and how long. */
struct frame {
	struct rte_ipv4_hdr *ip; /* or the IPv6 header, when v6 */
	struct rte_tcp_hdr *th;
	bool v6;
	uint16_t hdr_len; /* Ethernet to the end of the TCP options */
	uint16_t opt_len;
	uint16_t data_len;
};

static void
frame_of(struct rte_mbuf *m, struct frame *f)
{
	uint16_t ihl;

	f->ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, PCL_L2_LEN);
	f->v6 = (f->ip->version_ihl >> 4) == 6;
	/* An IPv6 frame the proxy passes on has no extension headers. */
	ihl = f->v6 ? PCL_IP6_LEN : (uint16_t)rte_ipv4_hdr_len(f->ip);
	f->th = (struct rte_tcp_hdr *)((uint8_t *)f->ip + ihl);
	f->opt_len = (uint16_t)((f->th->data_off >> 4) * 4 - sizeof(struct rte_tcp_hdr));
	f->hdr_len = (uint16_t)(PCL_L2_LEN + ihl + sizeof(struct rte_tcp_hdr) + f->opt_len);
	f->data_len = (uint16_t)(PCL_L2_LEN + pcl_pkt_l3_len(f->ip) - f->hdr_len);
}

/* f's IP length set to carry data_len bytes, and the checksums summed again. */
static void
finish(struct frame *f, uint16_t data_len)
{
	uint16_t l3 = (uint16_t)(f->hdr_len - PCL_L2_LEN + data_len);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)f->ip;

	f->th->cksum = 0;
	if (f->v6) {
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(l3 - PCL_IP6_LEN));
		f->th->cksum = rte_ipv6_udptcp_cksum(ip6, f->th);
		return;
	}
	f->ip->total_length = rte_cpu_to_be_16(l3);
	f->ip->hdr_checksum = 0;
	f->ip->hdr_checksum = rte_ipv4_cksum(f->ip);
	f->th->cksum = rte_ipv4_udptcp_cksum(f->ip, f->th);
}

int
pcl_reseg_fit(struct rte_mbuf *m, struct rte_mempool *mp, uint16_t mss, struct rte_mbuf **rest)
{
	struct rte_mbuf *r;
	struct frame f, g;
	uint16_t keep, tail;
	uint8_t *p;

	*rest = NULL;
	frame_of(m, &f);
	if (f.data_len + f.opt_len <= mss)
		return 0;
	if (f.opt_len >= mss)
		return -EMSGSIZE;
	keep = (uint16_t)(mss - f.opt_len);
	tail = (uint16_t)(f.data_len - keep);
	r = rte_pktmbuf_alloc(mp);
	if (r == NULL)
		return -ENOMEM;
	p = (uint8_t *)rte_pktmbuf_append(r, (uint16_t)(f.hdr_len + tail));
	if (p == NULL) {
		rte_pktmbuf_free(r);
		return -ENOMEM;
	}
	memcpy(p, rte_pktmbuf_mtod(m, uint8_t *), f.hdr_len);
	memcpy(p + f.hdr_len, rte_pktmbuf_mtod_offset(m, uint8_t *, f.hdr_len + keep), tail);
	r->port = m->port;
	rte_pktmbuf_trim(m, tail);

	/* The FIN comes after the last byte; PSH marks the end of what was pushed. */
	f.th->tcp_flags &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	finish(&f, keep);
	frame_of(r, &g);
	g.th->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(g.th->sent_seq) + keep);
	finish(&g, tail);
	*rest = r;
	return 0;
}

int
pcl_reseg_add_ts(struct rte_mbuf *m, uint32_t tsval, uint32_t tsecr)
{
	uint8_t *old = rte_pktmbuf_mtod(m, uint8_t *), *p;
	struct frame f;

	frame_of(m, &f);
	if (f.opt_len + PCL_OPT_TS_LEN > OPT_MAX || rte_pktmbuf_headroom(m) < PCL_OPT_TS_LEN)
		return -ENOSPC;
	/* The headers move 12 bytes forward; the option fills the gap before the data. */
	p = (uint8_t *)rte_pktmbuf_prepend(m, PCL_OPT_TS_LEN);
	memmove(p, old, f.hdr_len);
	pcl_opt_build_ts(p + f.hdr_len, tsval, tsecr);
	frame_of(m, &f);
	f.th->data_off = (uint8_t)(f.th->data_off + (PCL_OPT_TS_LEN / 4 << 4));
	f.hdr_len += PCL_OPT_TS_LEN;
	finish(&f, f.data_len);
	return 0;
}
