/* SPDX-License-Identifier: BSD-3-Clause */
/* What the server sends the clients: the receive side of pcl_gen. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_arp.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "pcl_gen_priv.h"
#include "net/pcl_arp.h"
#include "net/pcl_out.h"
#include "net/pcl_pkt.h"
#include "tcp/pcl_seq.h"

/* pcl_gen_resp_left(), and the header block's length (with its blank line) in *hlen. */
static int32_t
resp_parse(const char *p, uint16_t len, int64_t *body, uint32_t *hlen)
{
	static const char cl[] = "content-length:";
	const char *end = memmem(p, len, "\r\n\r\n", 4), *line;

	*body = -1;
	if (end == NULL)
		return 0;
	*hlen = (uint32_t)(end + 4 - p);
	/* Header lines only: the scan is per line, not per byte (the hot spot). */
	for (line = memchr(p, '\n', end - p); line != NULL && line < end;
	     line = memchr(line + 1, '\n', end - line)) {
		if ((line[1] | 0x20) == 'c' && line + sizeof(cl) < end &&
		    strncasecmp(line + 1, cl, sizeof(cl) - 1) == 0) {
			*body = strtol(line + sizeof(cl), NULL, 10);
			break;
		}
	}
	if (*body < 0) {
		*body = -1;
		return 0;
	}
	return (int32_t)((end + 4 - p) + *body - len);
}

int32_t
pcl_gen_resp_left(const char *p, uint16_t len, int64_t *body)
{
	uint32_t hlen;

	return resp_parse(p, len, body, &hlen);
}

int32_t
pcl_gen_resp_left_cached(struct pcl_gen_resp_cache *c, const char *p, uint16_t len, int64_t *body)
{
	uint32_t hlen = 0;
	int32_t left;

	if (c->hlen != 0 && len >= c->hlen && memcmp(p, c->hdr, c->hlen) == 0) {
		*body = c->body;
		return (int32_t)(c->hlen + c->body - len);
	}
	left = resp_parse(p, len, body, &hlen);
	if (*body >= 0 && hlen <= sizeof(c->hdr)) {
		memcpy(c->hdr, p, hlen);
		c->hlen = (uint16_t)hlen;
		c->body = *body;
	}
	return left;
}

/* In-order response bytes of the request in flight. */
static void
response_data(struct pcl_gen *g, struct pcl_gen_slot *s, const char *data, uint16_t len)
{
	int64_t body;

	if (s->resp_left != RESP_UNSEEN) {
		s->resp_left -= len;
		return;
	}
	s->resp_left = pcl_gen_resp_left_cached(&g->resp, data, len, &body);
	if (g->cfg.resp_size >= 0 && body != g->cfg.resp_size)
		s->flags |= SF_BAD;
}

static bool
response_whole(const struct pcl_gen_slot *s)
{
	return s->resp_left != RESP_UNSEEN && s->resp_left <= 0;
}

/* A SYN-ACK: the handshake's, or a repeat because our third segment was lost. */
static void
synack_input(struct pcl_gen *g, struct pcl_gen_slot *s, uint32_t seq, uint32_t ack, uint64_t now)
{
	if (ack != s->isn + 1)
		return;
	if (s->state == SLOT_SYN_SENT) {
		uint64_t ns = (now - s->t_open) * UINT64_C(1000000000) / g->hz;

		pcl_hist_add(&g->lat, ns);
		if (!(s->flags & SF_RTX))
			pcl_gen_rtt_sample(&g->rtt,
					   (uint32_t)RTE_MIN(ns / 1000, (uint64_t)UINT32_MAX));
		s->rcv_nxt = seq + 1;
		s->snd_una = ack;
		s->backoff = 0;
		pcl_gen_handshake_done(g, s);
		return;
	}
	if (seq + 1 != s->rcv_nxt)
		return;
	if (pcl_gen_outstanding(s))
		pcl_gen_resend(g, s);
	else
		pcl_gen_send_ack(g, s);
}

/* An in-order segment while a request is in flight. */
static void
est_input(struct pcl_gen *g, struct pcl_gen_slot *s, uint16_t len, bool fin)
{
	if (fin) {
		/* The server closed: early, unless the last response is whole. */
		if (!response_whole(s) || s->reqs < g->cfg.requests)
			s->flags |= SF_BAD;
		else
			g->st.responses++;
		pcl_gen_send_fin(g, s, SLOT_LAST_ACK);
		return;
	}
	if (!response_whole(s)) {
		/*
		 * More is to come: acknowledge now, as a client's delayed ACK
		 * would, or a Nagle-bound server holds the rest back for good.
		 */
		if (len > 0)
			pcl_gen_send_ack(g, s);
		return;
	}
	g->st.responses++;
	if (s->reqs < g->cfg.requests) {
		pcl_gen_send_request(g, s);
	} else if (s->flags & SF_SERVER_CLOSE) {
		pcl_gen_send_ack(g, s);
		s->state = SLOT_WAIT_FIN;
	} else {
		pcl_gen_send_fin(g, s, SLOT_FIN_WAIT);
	}
}

/* An RST for a segment that belongs to no connection of ours (RFC 9293 3.10.7.1). */
static void
refuse(struct pcl_gen *g, const struct pcl_gen_slot *s, uint8_t flags, uint32_t ack)
{
	if ((flags & (RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_ACK_FLAG)
		pcl_gen_send(g, s, RTE_TCP_RST_FLAG, ack, NULL, 0);
}

/*
 * A segment for a free slot. Its last connection's FIN again means our last
 * ACK was lost: acknowledge it, as TIME_WAIT would (RFC 9293 3.10.7.4).
 * Anything else is what the server still holds of a connection we ended
 * (our RSTs lost, or not at its rcv_nxt): an RST at its ACK ends it there,
 * before the tuple is used again.
 */
static void
free_input(struct pcl_gen *g, struct pcl_gen_slot *s, uint8_t flags, uint32_t seq, uint32_t ack,
	   uint16_t len)
{
	g->st.stray++;
	if ((flags & (RTE_TCP_FIN_FLAG | RTE_TCP_RST_FLAG)) == RTE_TCP_FIN_FLAG &&
	    (s->flags & SF_USED) && seq + len + 1 == s->rcv_nxt)
		pcl_gen_send_ack(g, s);
	else
		refuse(g, s, flags, ack);
}

/*
 * A segment for a held connection: an RST or FIN ends it (a FIN with our
 * RST, so the server keeps nothing); anything else, a SYN-ACK again (our
 * ACK was lost) or a keepalive probe, gets our ACK.
 */
static void
idle_input(struct pcl_gen *g, struct pcl_gen_slot *s, uint8_t flags)
{
	if (flags & RTE_TCP_RST_FLAG) {
		pcl_gen_idle_lost(g, s);
		return;
	}
	if (flags & RTE_TCP_FIN_FLAG) {
		pcl_gen_send(g, s, RTE_TCP_RST_FLAG, s->snd_nxt, NULL, 0);
		pcl_gen_idle_lost(g, s);
		return;
	}
	pcl_gen_send_ack(g, s);
}

static void
slot_input(struct pcl_gen *g, struct pcl_gen_slot *s, const struct rte_tcp_hdr *th,
	   const char *data, uint16_t len, uint64_t now)
{
	uint8_t flags = th->tcp_flags;
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
	uint32_t ack = rte_be_to_cpu_32(th->recv_ack);
	bool fin = flags & RTE_TCP_FIN_FLAG;

	if (s->state == SLOT_FREE) {
		free_input(g, s, flags, seq, ack, len);
		return;
	}
	if (s->state == SLOT_IDLE) {
		idle_input(g, s, flags);
		return;
	}
	if (s->state == SLOT_SYN_SENT && (flags & RTE_TCP_ACK_FLAG) && ack != s->isn + 1) {
		/*
		 * Not for our SYN: the server answers from an older connection
		 * on this tuple (RFC 5961's challenge ACK). An RST at its ACK
		 * ends that one; our SYN, sent again, then opens ours.
		 */
		refuse(g, s, flags, ack);
		return;
	}
	if (flags & RTE_TCP_RST_FLAG) {
		pcl_gen_slot_fail(g, s, PCL_GEN_FAIL_rst);
		return;
	}
	if (!(flags & RTE_TCP_ACK_FLAG) || pcl_seq_gt(ack, s->snd_nxt))
		return;
	if (flags & RTE_TCP_SYN_FLAG) {
		synack_input(g, s, seq, ack, now);
		return;
	}
	if (s->state == SLOT_SYN_SENT)
		return;
	if (pcl_seq_gt(ack, s->snd_una)) {
		s->snd_una = ack;
		s->backoff = 0;
	}
	if (s->state >= SLOT_FIN_WAIT && ack == s->snd_nxt)
		s->flags |= SF_FIN_ACKED;
	if (len > 0 || fin) {
		if (seq != s->rcv_nxt) {
			/* A duplicate (our ACK was lost) or past a gap: say what we expect. */
			pcl_gen_send_ack(g, s);
			fin = false;
			len = 0;
		} else {
			s->rcv_nxt += len;
			if (s->state == SLOT_EST && len > 0)
				response_data(g, s, data, len);
			if (fin) {
				s->rcv_nxt++;
				s->flags |= SF_FIN_RCVD;
			}
		}
	}
	switch (s->state) {
	case SLOT_EST:
		est_input(g, s, len, fin);
		break;
	case SLOT_WAIT_FIN:
		if (fin)
			pcl_gen_send_fin(g, s, SLOT_LAST_ACK);
		else if (len > 0)
			pcl_gen_send_ack(g, s);
		break;
	case SLOT_FIN_WAIT:
		if (fin || len > 0)
			pcl_gen_send_ack(g, s);
		break;
	default:
		break;
	}
	if ((s->state == SLOT_FIN_WAIT && (s->flags & SF_FIN_ACKED) && (s->flags & SF_FIN_RCVD)) ||
	    (s->state == SLOT_LAST_ACK && (s->flags & SF_FIN_ACKED)))
		pcl_gen_slot_done(g, s, now);
}

/* Whether a (host order) address is one we play: a client's or a flooder's. */
static bool
ours(const struct pcl_gen *g, uint32_t a, bool *flood)
{
	*flood = g->cfg.flood_n && a - g->cfg.flood_first < g->cfg.flood_n;
	return a - g->cfg.src_first < g->cfg.nsrc || *flood;
}

static void
arp_input(struct pcl_gen *g, struct rte_mbuf *m)
{
	const struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *,
							      sizeof(struct rte_ether_hdr));
	bool flood;

	if (m->data_len < sizeof(struct rte_ether_hdr) + sizeof(*a)) {
		rte_pktmbuf_free(m);
		return;
	}
	if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY) && a->arp_data.arp_sip == g->cfg.dst_addr)
		g->dst_mac = a->arp_data.arp_sha;
	if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
	    ours(g, rte_be_to_cpu_32(a->arp_data.arp_tip), &flood)) {
		pcl_arp_to_reply(m, &g->mac, a->arp_data.arp_tip);
		pcl_gen_queue_tx(g, g->cfg.worker, m);
		return;
	}
	rte_pktmbuf_free(m);
}

/*
 * ICMPv6 for us: an advertisement of the server's address gives its MAC, a
 * solicitation of one of ours (a client's or a flooder's, as a kernel
 * server asks) gets our advertisement. Consumes m.
 */
static void
nd_input(struct pcl_gen *g, struct rte_mbuf *m, const struct rte_ipv6_hdr *ip)
{
	const uint8_t *icmp = (const uint8_t *)(ip + 1);
	uint16_t len = rte_be_to_cpu_16(ip->payload_len);
	uint32_t low;
	bool flood;

	if (ip->hop_limits != 255 || len < 24 || PCL_L2_LEN + PCL_IP6_LEN + len > m->data_len ||
	    rte_ipv6_udptcp_cksum_verify(ip, icmp) != 0)
		goto done;
	/* The server's target link-layer address option. */
	if (icmp[0] == 136 && memcmp(icmp + 8, g->cfg.dst6, 16) == 0 && len >= 32 &&
	    icmp[24] == 2 && icmp[25] == 1) {
		memcpy(g->dst_mac.addr_bytes, icmp + 26, RTE_ETHER_ADDR_LEN);
		goto done;
	}
	memcpy(&low, icmp + 20, 4);
	if (icmp[0] == 135 &&
	    (memcmp(icmp + 8, g->cfg.src6, 12) == 0 || memcmp(icmp + 8, g->cfg.flood6, 12) == 0) &&
	    ours(g, rte_be_to_cpu_32(low), &flood)) {
		pcl_out_nd_na(&g->mac, m, PCL_L2_LEN + PCL_IP6_LEN);
		pcl_gen_queue_tx(g, g->cfg.worker, m);
		return;
	}
done:
	rte_pktmbuf_free(m);
}

/*
 * The TCP header of a segment from the server to one of our addresses,
 * whose (host order) low 32 bits go to *dst, with its length after the IP
 * header in *l4len. NULL for anything else (ND consumed here, as *nd says).
 */
static const struct rte_tcp_hdr *
tcp_of(struct pcl_gen *g, struct rte_mbuf *m, uint32_t *dst, uint32_t *l4len, bool *nd)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(eh + 1);
	uint32_t ihl, tot;

	*nd = false;
	if (g->cfg.v6) {
		if (m->data_len < PCL_HDR6_LEN || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV6))
			return NULL;
		if (ip6->proto == IPPROTO_ICMPV6) {
			*nd = true;
			nd_input(g, m, ip6);
			return NULL;
		}
		tot = rte_be_to_cpu_16(ip6->payload_len);
		if (ip6->proto != IPPROTO_TCP || memcmp(ip6->src_addr, g->cfg.dst6, 16) != 0 ||
		    PCL_L2_LEN + PCL_IP6_LEN + tot > m->data_len)
			return NULL;
		memcpy(dst, ip6->dst_addr + 12, 4);
		*dst = rte_be_to_cpu_32(*dst);
		*l4len = tot;
		return (const struct rte_tcp_hdr *)(ip6 + 1);
	}
	if (m->data_len < PCL_HDR_LEN || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ip->next_proto_id != IPPROTO_TCP || ip->src_addr != g->cfg.dst_addr)
		return NULL;
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	if (ihl < PCL_IP_LEN || ihl > tot || PCL_L2_LEN + tot > m->data_len)
		return NULL;
	*dst = rte_be_to_cpu_32(ip->dst_addr);
	*l4len = tot - ihl;
	return (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
}

bool
pcl_gen_input(struct pcl_gen *g, struct rte_mbuf *m, uint64_t now, uint16_t *owner)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_tcp_hdr *th;
	uint32_t thl, l4len, dst, port, where;
	bool flood, nd;

	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		arp_input(g, m);
		return true;
	}
	th = tcp_of(g, m, &dst, &l4len, &nd);
	if (nd)
		return true;
	if (th == NULL)
		goto stray;
	thl = (th->data_off >> 4) * 4u;
	if (thl < PCL_TCP_LEN || thl > l4len || th->src_port != rte_cpu_to_be_16(g->cfg.dport))
		goto stray;
	if (!ours(g, dst, &flood))
		goto stray;
	if (flood) {
		g->st.flood_synack += (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
				      (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
		g->st.flood_rst_back += !!(th->tcp_flags & RTE_TCP_RST_FLAG);
		rte_pktmbuf_free(m);
		return true;
	}
	port = rte_be_to_cpu_16(th->dst_port) - g->cfg.sport_first;
	if (port >= g->cfg.nsport)
		goto stray;
	where = g->where[(dst - g->cfg.src_first) * g->cfg.nsport + port];
	if (where >> PCL_GEN_OWNER_SHIFT != g->cfg.worker) {
		*owner = (uint16_t)(where >> PCL_GEN_OWNER_SHIFT);
		return false;
	}
	g->tick = pcl_gen_tick(g, now);
	slot_input(g, &g->slots[where & ((1u << PCL_GEN_OWNER_SHIFT) - 1)], th,
		   (const char *)th + thl, (uint16_t)(l4len - thl), now);
	rte_pktmbuf_free(m);
	return true;
stray:
	g->st.stray++;
	rte_pktmbuf_free(m);
	return true;
}
