/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "pcl_gen.h"
#include "net/pcl_arp.h"
#include "net/pcl_pkt.h"
#include "peer/pcl_peer.h"
#include "tcp/pcl_seq.h"

const char *const pcl_gen_fail_names[PCL_GEN_FAIL_MAX] = {
#define X(name, help) #name,
	PCL_GEN_FAILS(X)
#undef X
};

const char *const pcl_gen_flood_names[PCL_GEN_FLOOD_MAX + 1] = {
#define X(name, flags) #name,
	PCL_GEN_FLOODS(X)
#undef X
		"mix",
};

static const uint8_t flood_flags[PCL_GEN_FLOOD_MAX] = {
#define X(name, flags) flags,
	PCL_GEN_FLOODS(X)
#undef X
};

int
pcl_gen_flood_kind(const char *name)
{
	int k;

	for (k = 0; k <= PCL_GEN_FLOOD_MAX; k++)
		if (strcmp(name, pcl_gen_flood_names[k]) == 0)
			return k;
	return -EINVAL;
}

enum slot_state {
	SLOT_FREE,
	SLOT_SYN_SENT,
	SLOT_EST,      /* handshake done, request sent, reading the response */
	SLOT_FIN_WAIT, /* our FIN sent first */
	SLOT_LAST_ACK, /* the server's FIN answered with ours */
};

/* The response is still to start. */
#define RESP_UNSEEN INT32_MIN

struct pcl_gen_slot {
	uint64_t t_open; /* TSC when the SYN left */
	uint32_t gen;    /* bumped at each open: stale timeout entries skip */
	uint32_t isn;
	uint32_t snd_una; /* the server's highest ACK: where an RST is exact */
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	int32_t resp_left; /* response bytes still expected, RESP_UNSEEN */
	uint8_t state;
	uint8_t q;
	bool fin_acked;
	bool fin_rcvd;
	bool bad;          /* closed by the server before the response was complete */
	bool server_close; /* sent HTTP/1.0: the server closes first */
};

/* A reused 4-tuple starts this far above where its last connection ended. */
#define ISN_STEP 100000

static const char req_keepalive[] = "GET / HTTP/1.1\r\nHost: portcullis\r\n\r\n";
static const char req_close[] = "GET / HTTP/1.0\r\nHost: portcullis\r\n\r\n";

int
pcl_gen_init(struct pcl_gen *g, const struct pcl_gen_cfg *cfg, struct rte_mempool *mp,
	     const struct rte_ether_addr *mac)
{
	uint32_t i;

	memset(g, 0, sizeof(*g));
	if (cfg->nsrc == 0 || cfg->nsport == 0 || cfg->nq == 0 || cfg->nq > PCL_GEN_MAX_Q ||
	    (uint64_t)cfg->nsrc * cfg->nsport > UINT32_MAX / 4 || cfg->concurrency == 0 ||
	    ((cfg->server_close || cfg->close_mix) && !cfg->request) ||
	    cfg->flood_kind > PCL_GEN_FLOOD_mix)
		return -EINVAL;
	g->cfg = *cfg;
	g->mp = mp;
	g->mac = *mac;
	g->hz = rte_get_tsc_hz();
	g->timeout_tsc = g->hz / 1000 * cfg->timeout_ms;
	g->nslots = cfg->nsrc * cfg->nsport;
	g->slots = rte_zmalloc("pcl_gen_slots", sizeof(*g->slots) * g->nslots, 0);
	g->free_q = rte_malloc("pcl_gen_free", sizeof(*g->free_q) * g->nslots, 0);
	/* Completed entries leave lazily, so give the open order room to lag. */
	g->open_q = rte_malloc("pcl_gen_open", sizeof(*g->open_q) * g->nslots * 4, 0);
	if (g->slots == NULL || g->free_q == NULL || g->open_q == NULL) {
		pcl_gen_fini(g);
		return -ENOMEM;
	}
	for (i = 0; i < g->nslots; i++)
		g->free_q[i] = i;
	g->free_n = g->nslots;
	/* MSS, the only option our SYNs offer: kind 2, length 4. */
	g->syn_opt[0] = 2;
	g->syn_opt[1] = 4;
	g->syn_opt[2] = (uint8_t)(cfg->mss >> 8);
	g->syn_opt[3] = (uint8_t)cfg->mss;
	if (cfg->nq > 1 && pcl_steer_init(&g->steer, cfg->nq, PCL_RETA_DEFAULT) != 0) {
		pcl_gen_fini(g);
		return -EINVAL;
	}
	return 0;
}

void
pcl_gen_fini(struct pcl_gen *g)
{
	uint16_t q;

	for (q = 0; q < PCL_GEN_MAX_Q; q++) {
		rte_pktmbuf_free_bulk(g->tx[q], g->tx_n[q]);
		g->tx_n[q] = 0;
	}
	rte_free(g->slots);
	rte_free(g->free_q);
	rte_free(g->open_q);
	g->slots = NULL;
	g->free_q = NULL;
	g->open_q = NULL;
}

static inline rte_be32_t
slot_addr(const struct pcl_gen *g, uint32_t idx)
{
	return rte_cpu_to_be_32(g->cfg.src_first + idx / g->cfg.nsport);
}

static inline uint16_t
slot_port(const struct pcl_gen *g, uint32_t idx)
{
	return (uint16_t)(g->cfg.sport_first + idx % g->cfg.nsport);
}

static void
queue_tx(struct pcl_gen *g, uint16_t q, struct rte_mbuf *m)
{
	if (unlikely(g->tx_n[q] == PCL_GEN_TX)) {
		rte_pktmbuf_free(m);
		g->st.tx_drop++;
		return;
	}
	g->tx[q][g->tx_n[q]++] = m;
}

/* Sends one segment of slot idx: ack is always rcv_nxt. */
static void
send_seg(struct pcl_gen *g, uint32_t idx, uint8_t flags, uint32_t seq, const void *data,
	 uint16_t len)
{
	const struct pcl_gen_slot *s = &g->slots[idx];
	struct pcl_peer_seg seg = {
		.src_mac = g->mac,
		.dst_mac = g->dst_mac,
		.src_addr = slot_addr(g, idx),
		.dst_addr = g->cfg.dst_addr,
		.sport = slot_port(g, idx),
		.dport = g->cfg.dport,
		.seq = seq,
		.ack = (flags & RTE_TCP_ACK_FLAG) ? s->rcv_nxt : 0,
		.flags = flags,
		.wnd = UINT16_MAX,
		.opts = (flags & RTE_TCP_SYN_FLAG) ? g->syn_opt : NULL,
		.optlen = (flags & RTE_TCP_SYN_FLAG) ? sizeof(g->syn_opt) : 0,
		.data = data,
		.len = len,
	};
	struct rte_mbuf *m = pcl_peer_frame(g->mp, &seg);

	if (unlikely(m == NULL)) {
		g->st.no_mbuf++;
		return;
	}
	queue_tx(g, s->q, m);
}

/* The TX queue the server's RSS would give this flow's replies. */
static uint8_t
slot_queue(const struct pcl_gen *g, uint32_t idx)
{
	struct pcl_tuple t = {
		.raddr = slot_addr(g, idx),
		.laddr = g->cfg.dst_addr,
		.rport = rte_cpu_to_be_16(slot_port(g, idx)),
		.lport = rte_cpu_to_be_16(g->cfg.dport),
	};

	if (g->cfg.nq == 1)
		return 0;
	return (uint8_t)pcl_steer_owner(&g->steer, pcl_steer_hash(&g->steer, &t));
}

uint32_t
pcl_gen_open(struct pcl_gen *g, uint64_t now, uint32_t n)
{
	uint32_t opened = 0, open_cap = g->nslots * 4;

	while (opened < n) {
		struct pcl_gen_slot *s;
		uint32_t idx;
		uint8_t q;

		if (g->free_n == 0 || g->active >= g->cfg.concurrency || g->open_n == open_cap) {
			g->st.no_slot += g->free_n == 0 || g->open_n == open_cap;
			break;
		}
		idx = g->free_q[g->free_head];
		q = slot_queue(g, idx);
		if (g->tx_n[q] >= PCL_GEN_TX / 2)
			break;
		g->free_head = (g->free_head + 1) % g->nslots;
		g->free_n--;
		s = &g->slots[idx];
		s->isn = s->gen == 0 ? (uint32_t)rte_rand() : s->snd_nxt + ISN_STEP;
		s->gen++;
		s->snd_una = s->snd_nxt = s->isn + 1;
		s->rcv_nxt = 0;
		s->resp_left = RESP_UNSEEN;
		s->state = SLOT_SYN_SENT;
		s->fin_acked = s->fin_rcvd = s->bad = false;
		s->server_close = g->cfg.close_mix ? (g->st.opened & 1) : g->cfg.server_close;
		s->q = q;
		s->t_open = now;
		g->open_q[(g->open_head + g->open_n++) % open_cap] = (uint64_t)s->gen << 32 | idx;
		g->active++;
		g->st.opened++;
		send_seg(g, idx, RTE_TCP_SYN_FLAG, s->isn, NULL, 0);
		opened++;
	}
	return opened;
}

uint32_t
pcl_gen_flood(struct pcl_gen *g, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		unsigned int kind = g->cfg.flood_kind == PCL_GEN_FLOOD_mix
					    ? (unsigned int)(g->st.flood_sent % PCL_GEN_FLOOD_MAX)
					    : g->cfg.flood_kind;
		uint8_t flags = flood_flags[kind];
		bool syn = flags & RTE_TCP_SYN_FLAG;
		uint64_t r = rte_rand();
		struct pcl_peer_seg seg = {
			.src_mac = g->mac,
			.dst_mac = g->dst_mac,
			.src_addr = rte_cpu_to_be_32(g->cfg.flood_first +
						     (uint32_t)(r % g->cfg.flood_n)),
			.dst_addr = g->cfg.dst_addr,
			.sport = (uint16_t)(1024 + (r >> 32) % 64512),
			.dport = g->cfg.dport,
			.seq = (uint32_t)(r >> 16),
			/* Blind: a cookie check fails but for 2^-24 odds. */
			.ack = (flags & RTE_TCP_ACK_FLAG) ? (uint32_t)rte_rand() : 0,
			.flags = flags,
			.wnd = UINT16_MAX,
			.opts = syn ? g->syn_opt : NULL,
			.optlen = syn ? sizeof(g->syn_opt) : 0,
		};
		uint16_t q = (uint16_t)(g->st.flood_sent % g->cfg.nq);
		struct rte_mbuf *m;

		if (g->tx_n[q] >= PCL_GEN_TX / 2)
			break;
		m = pcl_peer_frame(g->mp, &seg);
		if (unlikely(m == NULL)) {
			g->st.no_mbuf++;
			break;
		}
		queue_tx(g, q, m);
		g->st.flood_sent++;
		g->st.flood_kind_sent[kind]++;
	}
	return i;
}

static void
slot_free(struct pcl_gen *g, uint32_t idx)
{
	g->slots[idx].state = SLOT_FREE;
	g->free_q[(g->free_head + g->free_n++) % g->nslots] = idx;
	g->active--;
}

static void
slot_fail(struct pcl_gen *g, uint32_t idx, enum pcl_gen_fail why)
{
	g->st.fail[why]++;
	slot_free(g, idx);
}

static void
slot_done(struct pcl_gen *g, uint32_t idx)
{
	if (g->slots[idx].bad)
		g->st.fail[PCL_GEN_FAIL_bad_response]++;
	else
		g->st.completed++;
	slot_free(g, idx);
}

int32_t
pcl_gen_resp_left(const char *p, uint16_t len)
{
	static const char cl[] = "content-length:";
	const char *end = memmem(p, len, "\r\n\r\n", 4), *line;
	long body = -1;

	if (end == NULL)
		return 0;
	/* Header lines only: the scan is per line, not per byte (the hot spot). */
	for (line = memchr(p, '\n', end - p); line != NULL && line < end;
	     line = memchr(line + 1, '\n', end - line)) {
		if ((line[1] | 0x20) == 'c' && line + sizeof(cl) < end &&
		    strncasecmp(line + 1, cl, sizeof(cl) - 1) == 0) {
			body = strtol(line + sizeof(cl), NULL, 10);
			break;
		}
	}
	if (body < 0)
		return 0;
	return (int32_t)((end + 4 - p) + body - len);
}

static void
send_fin(struct pcl_gen *g, uint32_t idx, uint8_t next)
{
	struct pcl_gen_slot *s = &g->slots[idx];

	send_seg(g, idx, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, s->snd_nxt, NULL, 0);
	s->snd_nxt++;
	s->state = next;
}

/* The third segment: ACK, carrying the request if there is one, and our FIN
 * right after when there is nothing to wait for. */
static void
handshake_done(struct pcl_gen *g, uint32_t idx)
{
	struct pcl_gen_slot *s = &g->slots[idx];

	if (g->cfg.request) {
		const char *req = s->server_close ? req_close : req_keepalive;
		uint16_t len = (uint16_t)strlen(req);

		send_seg(g, idx, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, s->isn + 1, req, len);
		s->snd_nxt = s->isn + 1 + len;
		s->state = SLOT_EST;
		return;
	}
	send_seg(g, idx, RTE_TCP_ACK_FLAG, s->isn + 1, NULL, 0);
	send_fin(g, idx, SLOT_FIN_WAIT);
}

static void
slot_input(struct pcl_gen *g, uint32_t idx, const struct rte_tcp_hdr *th, const char *data,
	   uint16_t len, uint64_t now)
{
	struct pcl_gen_slot *s = &g->slots[idx];
	uint8_t flags = th->tcp_flags;
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);
	uint32_t ack = rte_be_to_cpu_32(th->recv_ack);

	if (s->state == SLOT_FREE) {
		g->st.stray++;
		return;
	}
	if (flags & RTE_TCP_RST_FLAG) {
		slot_fail(g, idx, PCL_GEN_FAIL_rst);
		return;
	}
	if (!(flags & RTE_TCP_ACK_FLAG) || pcl_seq_gt(ack, s->snd_nxt))
		return;
	if (pcl_seq_gt(ack, s->snd_una))
		s->snd_una = ack;
	if (flags & RTE_TCP_SYN_FLAG) {
		if (ack != s->isn + 1)
			return;
		if (s->state == SLOT_SYN_SENT) {
			pcl_hist_add(&g->lat, (now - s->t_open) * UINT64_C(1000000000) / g->hz);
			s->rcv_nxt = seq + 1;
		} else if (s->state != SLOT_EST || s->resp_left != RESP_UNSEEN) {
			return;
		}
		/* A repeated SYN-ACK means our third segment was lost: send it again. */
		handshake_done(g, idx);
		return;
	}
	if (s->state == SLOT_SYN_SENT)
		return;
	if (len > 0 && seq == s->rcv_nxt) {
		s->rcv_nxt += len;
		if (s->resp_left == RESP_UNSEEN)
			s->resp_left = pcl_gen_resp_left(data, len);
		else
			s->resp_left -= len;
	}
	if (ack == s->snd_nxt && s->state != SLOT_EST)
		s->fin_acked = true;
	if ((flags & RTE_TCP_FIN_FLAG) && seq + len == s->rcv_nxt && !s->fin_rcvd) {
		s->rcv_nxt++;
		s->fin_rcvd = true;
		if (s->state == SLOT_EST) {
			s->bad =
				g->cfg.request && (s->resp_left == RESP_UNSEEN || s->resp_left > 0);
			send_fin(g, idx, SLOT_LAST_ACK);
			return;
		}
		send_seg(g, idx, RTE_TCP_ACK_FLAG, s->snd_nxt, NULL, 0);
	}
	if (s->state == SLOT_EST && len > 0 && (s->resp_left > 0 || s->server_close))
		/*
		 * More is to come: acknowledge now, as a client's delayed ACK
		 * would, or a Nagle-bound server holds the rest back for good.
		 */
		send_seg(g, idx, RTE_TCP_ACK_FLAG, s->snd_nxt, NULL, 0);
	else if (s->state == SLOT_EST && s->resp_left != RESP_UNSEEN && s->resp_left <= 0)
		send_fin(g, idx, SLOT_FIN_WAIT);
	else if ((s->state == SLOT_FIN_WAIT && s->fin_acked && s->fin_rcvd) ||
		 (s->state == SLOT_LAST_ACK && s->fin_acked))
		slot_done(g, idx);
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
		queue_tx(g, 0, m);
		return;
	}
	rte_pktmbuf_free(m);
}

void
pcl_gen_input(struct pcl_gen *g, struct rte_mbuf *m, uint64_t now)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(eh + 1);
	const struct rte_tcp_hdr *th;
	uint32_t ihl, thl, tot, dst, idx;
	bool flood;

	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		arp_input(g, m);
		return;
	}
	if (m->data_len < PCL_HDR_LEN || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    ip->next_proto_id != IPPROTO_TCP || ip->src_addr != g->cfg.dst_addr)
		goto stray;
	ihl = rte_ipv4_hdr_len(ip);
	tot = rte_be_to_cpu_16(ip->total_length);
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + ihl);
	thl = (th->data_off >> 4) * 4u;
	if (ihl < PCL_IP_LEN || thl < PCL_TCP_LEN || ihl + thl > tot ||
	    PCL_L2_LEN + tot > m->data_len || th->src_port != rte_cpu_to_be_16(g->cfg.dport))
		goto stray;
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if (!ours(g, dst, &flood))
		goto stray;
	if (flood) {
		g->st.flood_synack += (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
				      (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
		g->st.flood_rst_back += !!(th->tcp_flags & RTE_TCP_RST_FLAG);
		rte_pktmbuf_free(m);
		return;
	}
	idx = rte_be_to_cpu_16(th->dst_port) - g->cfg.sport_first;
	if (idx >= g->cfg.nsport)
		goto stray;
	idx += (dst - g->cfg.src_first) * g->cfg.nsport;
	slot_input(g, idx, th, (const char *)th + thl, (uint16_t)(tot - ihl - thl), now);
	rte_pktmbuf_free(m);
	return;
stray:
	g->st.stray++;
	rte_pktmbuf_free(m);
}

void
pcl_gen_expire(struct pcl_gen *g, uint64_t now)
{
	uint32_t open_cap = g->nslots * 4;

	while (g->open_n > 0) {
		uint64_t e = g->open_q[g->open_head];
		uint32_t idx = (uint32_t)e;
		struct pcl_gen_slot *s = &g->slots[idx];

		if (s->state != SLOT_FREE && s->gen == (uint32_t)(e >> 32)) {
			if (now - s->t_open < g->timeout_tsc)
				break;
			/* Leave the server nothing of it before the tuple is reused. */
			send_seg(g, idx, RTE_TCP_RST_FLAG, s->snd_una, NULL, 0);
			slot_fail(g, idx,
				  s->state == SLOT_SYN_SENT ? PCL_GEN_FAIL_no_synack
							    : PCL_GEN_FAIL_timeout);
		}
		g->open_head = (g->open_head + 1) % open_cap;
		g->open_n--;
	}
}

void
pcl_gen_abort(struct pcl_gen *g)
{
	pcl_gen_expire(g, UINT64_MAX);
}

void
pcl_gen_arp_request(struct pcl_gen *g)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(g->mp);

	if (m == NULL ||
	    pcl_arp_request(m, &g->mac, rte_cpu_to_be_32(g->cfg.src_first), g->cfg.dst_addr) != 0) {
		rte_pktmbuf_free(m);
		g->st.no_mbuf++;
		return;
	}
	queue_tx(g, 0, m);
}

void
pcl_gen_flush(struct pcl_gen *g, uint16_t port)
{
	uint16_t q, sent;

	/*
	 * What the port does not take now stays queued for the next call: a
	 * generator that dropped its own frames would report the loss as the
	 * server's. Only a full queue drops (queue_tx).
	 */
	for (q = 0; q < g->cfg.nq; q++) {
		if (g->tx_n[q] == 0)
			continue;
		sent = rte_eth_tx_burst(port, q, g->tx[q], g->tx_n[q]);
		g->tx_n[q] = (uint16_t)(g->tx_n[q] - sent);
		memmove(g->tx[q], g->tx[q] + sent, g->tx_n[q] * sizeof(g->tx[q][0]));
	}
}
