/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_tcp.h>

#include "pcl_gen_priv.h"
#include "net/pcl_arp.h"
#include "peer/pcl_peer.h"

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

/* A reused 4-tuple starts this far above where its last connection ended. */
#define ISN_STEP 100000

/* Timer wheel slots of one tick (1 ms): 16 s, about the longest timeout in use. */
#define WHEEL_SLOTS (1u << 14)

/* Timers fired per call at most, so a burst of expiries spreads over iterations. */
#define TIMER_BUDGET 256

static const char req_keepalive[] = "GET / HTTP/1.1\r\nHost: portcullis\r\n\r\n";
static const char req_close[] = "GET / HTTP/1.0\r\nHost: portcullis\r\n\r\n";

static bool
cfg_ok(const struct pcl_gen_cfg *c)
{
	uint64_t tuples = (uint64_t)c->nsrc * c->nsport;

	return tuples > 0 && tuples <= PCL_GEN_MAX_TUPLES && c->nq > 0 && c->nq <= PCL_GEN_MAX_Q &&
	       c->nworkers > 0 && c->nworkers <= c->nq && c->worker < c->nworkers &&
	       c->concurrency > 0 && c->timeout_ms > 0 &&
	       (!c->retransmit || (c->rto_min_ms > 0 && c->rto_min_ms <= c->rto_max_ms)) &&
	       (c->request ? c->requests > 0 : !(c->server_close || c->close_mix)) &&
	       c->flood_kind <= PCL_GEN_FLOOD_mix &&
	       (c->reta_size == 0 ||
		(rte_is_power_of_2(c->reta_size) && c->reta_size <= PCL_RETA_MAX));
}

static inline rte_be32_t
tuple_addr(const struct pcl_gen *g, uint32_t tuple)
{
	return rte_cpu_to_be_32(g->cfg.src_first + tuple / g->cfg.nsport);
}

static inline uint16_t
tuple_port(const struct pcl_gen *g, uint32_t tuple)
{
	return (uint16_t)(g->cfg.sport_first + tuple % g->cfg.nsport);
}

/* The queue the server's RSS would give this client's flow, replies included. */
static uint8_t
tuple_queue(const struct pcl_gen *g, uint32_t tuple)
{
	struct pcl_tuple t = {
		.raddr = tuple_addr(g, tuple),
		.laddr = g->cfg.dst_addr,
		.rport = rte_cpu_to_be_16(tuple_port(g, tuple)),
		.lport = rte_cpu_to_be_16(g->cfg.dport),
	};

	struct pcl_tuple6 t6 = {.rport = t.rport, .lport = t.lport};

	if (g->cfg.nq == 1)
		return 0;
	if (!g->cfg.v6)
		return (uint8_t)pcl_steer_owner(&g->steer, pcl_steer_hash(&g->steer, &t));
	pcl_gen_addr6(g->cfg.src6, g->cfg.src_first + tuple / g->cfg.nsport, t6.raddr);
	memcpy(t6.laddr, g->cfg.dst6, 16);
	return (uint8_t)pcl_steer_owner(&g->steer, pcl_steer_hash6(&g->steer, &t6));
}

/* A segment's addresses over IPv6: the client's (or flooder's) low 32 bits src under pfx. */
static inline void
seg6(const struct pcl_gen *g, struct pcl_peer_seg *seg, const uint8_t pfx[12], rte_be32_t src)
{
	seg->v6 = g->cfg.v6;
	if (g->cfg.v6) {
		pcl_gen_addr6(pfx, rte_be_to_cpu_32(src), seg->src6);
		memcpy(seg->dst6, g->cfg.dst6, 16);
	}
}

/*
 * Which worker owns each client, and its slot there: every worker builds
 * the same table, so each can tell whose a misdelivered frame is.
 */
static int
map_clients(struct pcl_gen *g)
{
	uint32_t tuples = g->cfg.nsrc * g->cfg.nsport, count[PCL_GEN_MAX_Q] = {0}, i;

	g->where = rte_malloc("pcl_gen_where", sizeof(*g->where) * tuples, 0);
	if (g->where == NULL)
		return -ENOMEM;
	for (i = 0; i < tuples; i++) {
		uint32_t owner = tuple_queue(g, i) % g->cfg.nworkers;

		g->where[i] = owner << PCL_GEN_OWNER_SHIFT | count[owner]++;
	}
	g->nslots = count[g->cfg.worker];
	if (g->nslots == 0)
		return -EINVAL; /* too few clients for every worker to have one */
	g->slots = rte_zmalloc("pcl_gen_slots", sizeof(*g->slots) * g->nslots, 0);
	g->free_q = rte_malloc("pcl_gen_free", sizeof(*g->free_q) * g->nslots, 0);
	if (g->slots == NULL || g->free_q == NULL)
		return -ENOMEM;
	for (i = 0; i < tuples; i++) {
		struct pcl_gen_slot *s;

		if (g->where[i] >> PCL_GEN_OWNER_SHIFT != g->cfg.worker)
			continue;
		s = &g->slots[g->where[i] & ((1u << PCL_GEN_OWNER_SHIFT) - 1)];
		s->tuple = i;
		s->q = tuple_queue(g, i);
		pcl_tnode_init(&s->tn);
	}
	for (i = 0; i < g->nslots; i++)
		g->free_q[i] = i;
	g->free_n = g->nslots;
	return 0;
}

uint64_t
pcl_gen_memsize(const struct pcl_gen_cfg *cfg)
{
	uint64_t tuples = (uint64_t)cfg->nsrc * cfg->nsport;

	return tuples *
	       (sizeof(struct pcl_gen_slot) + sizeof(uint32_t) + sizeof(uint32_t) * cfg->nworkers);
}

int
pcl_gen_init(struct pcl_gen *g, const struct pcl_gen_cfg *cfg, struct rte_mempool *mp,
	     const struct rte_ether_addr *mac, uint64_t now)
{
	int rc;

	memset(g, 0, sizeof(*g));
	if (!cfg_ok(cfg))
		return -EINVAL;
	g->cfg = *cfg;
	g->mp = mp;
	g->mac = *mac;
	g->hz = rte_get_tsc_hz();
	g->tick_tsc = g->hz / 1000;
	g->tick = pcl_gen_tick(g, now);
	g->late_after = UINT64_MAX;
	/* MSS, the only option our SYNs offer: kind 2, length 4. */
	g->syn_opt[0] = 2;
	g->syn_opt[1] = 4;
	g->syn_opt[2] = (uint8_t)(cfg->mss >> 8);
	g->syn_opt[3] = (uint8_t)cfg->mss;
	if (cfg->nq > 1 &&
	    pcl_steer_init(&g->steer, cfg->nq, cfg->reta_size ? cfg->reta_size : PCL_RETA_DEFAULT))
		return -EINVAL;
	pcl_gen_rtt_init(&g->rtt, cfg->rto_init_ms, cfg->rto_min_ms, cfg->rto_max_ms);
	rc = map_clients(g);
	if (rc == 0) {
		g->wheel_mem = rte_malloc("pcl_gen_wheel", pcl_wheel_memsize(WHEEL_SLOTS), 0);
		rc = g->wheel_mem == NULL
			     ? -ENOMEM
			     : pcl_wheel_init(&g->wheel, g->wheel_mem, WHEEL_SLOTS, &g->slots[0].tn,
					      sizeof(*g->slots), g->tick);
	}
	if (rc != 0)
		pcl_gen_fini(g);
	return rc;
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
	rte_free(g->where);
	rte_free(g->free_q);
	rte_free(g->wheel_mem);
	g->slots = NULL;
	g->where = NULL;
	g->free_q = NULL;
	g->wheel_mem = NULL;
}

void
pcl_gen_queue_tx(struct pcl_gen *g, uint16_t q, struct rte_mbuf *m)
{
	if (unlikely(g->tx_n[q] == PCL_GEN_TX)) {
		rte_pktmbuf_free(m);
		g->st.tx_drop++;
		return;
	}
	g->tx[q][g->tx_n[q]++] = m;
}

void
pcl_gen_send(struct pcl_gen *g, const struct pcl_gen_slot *s, uint8_t flags, uint32_t seq,
	     const void *data, uint16_t len)
{
	struct pcl_peer_seg seg = {
		.src_mac = g->mac,
		.dst_mac = g->dst_mac,
		.src_addr = tuple_addr(g, s->tuple),
		.dst_addr = g->cfg.dst_addr,
		.sport = tuple_port(g, s->tuple),
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
	struct rte_mbuf *m;

	seg6(g, &seg, g->cfg.src6, seg.src_addr);
	m = pcl_peer_frame(g->mp, &seg);
	if (unlikely(m == NULL)) {
		g->st.no_mbuf++;
		return;
	}
	pcl_gen_queue_tx(g, s->q, m);
}

static uint32_t
slot_index(const struct pcl_gen *g, const struct pcl_gen_slot *s)
{
	return (uint32_t)(s - g->slots);
}

/* The tick by which s must have closed. */
static uint32_t
deadline(const struct pcl_gen *g, const struct pcl_gen_slot *s)
{
	return pcl_gen_tick(g, s->t_open) + g->cfg.timeout_ms;
}

/* Sets s's one timer: its next retransmission if it waits for an ACK, else its deadline. */
static void
arm(struct pcl_gen *g, struct pcl_gen_slot *s)
{
	uint32_t at = deadline(g, s);

	if (g->cfg.retransmit && pcl_gen_outstanding(s)) {
		uint32_t rtx = g->tick + pcl_gen_rtt_backoff(&g->rtt, s->backoff);

		if ((int32_t)(rtx - at) < 0)
			at = rtx;
	}
	pcl_wheel_arm(&g->wheel, slot_index(g, s), at);
}

/* Request n (from 1) of s: HTTP/1.0 for the last one when the server is to close. */
static const char *
request_text(const struct pcl_gen *g, const struct pcl_gen_slot *s, uint16_t n, uint16_t *len)
{
	bool close = (s->flags & SF_SERVER_CLOSE) && n == g->cfg.requests;

	*len = (uint16_t)((close ? sizeof(req_close) : sizeof(req_keepalive)) - 1);
	return close ? req_close : req_keepalive;
}

void
pcl_gen_send_request(struct pcl_gen *g, struct pcl_gen_slot *s)
{
	uint16_t len;
	const char *req = request_text(g, s, ++s->reqs, &len);

	pcl_gen_send(g, s, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, s->snd_nxt, req, len);
	s->snd_nxt += len;
	s->resp_left = RESP_UNSEEN;
	s->backoff = 0;
	g->st.requests++;
	arm(g, s);
}

void
pcl_gen_send_fin(struct pcl_gen *g, struct pcl_gen_slot *s, uint8_t next)
{
	pcl_gen_send(g, s, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, s->snd_nxt, NULL, 0);
	s->snd_nxt++;
	s->state = next;
	s->backoff = 0;
	arm(g, s);
}

void
pcl_gen_handshake_done(struct pcl_gen *g, struct pcl_gen_slot *s)
{
	if (g->hold) {
		pcl_gen_send_ack(g, s);
		pcl_wheel_cancel(&g->wheel, slot_index(g, s));
		s->state = SLOT_IDLE;
		g->active--;
		g->idle++;
		g->idle_est++;
		return;
	}
	if (g->cfg.request) {
		s->state = SLOT_EST;
		pcl_gen_send_request(g, s);
		return;
	}
	pcl_gen_send_ack(g, s);
	pcl_gen_send_fin(g, s, SLOT_FIN_WAIT);
}

bool
pcl_gen_outstanding(const struct pcl_gen_slot *s)
{
	switch (s->state) {
	case SLOT_SYN_SENT:
		return true;
	case SLOT_EST:
	case SLOT_WAIT_FIN:
		return s->snd_una != s->snd_nxt;
	case SLOT_FIN_WAIT:
	case SLOT_LAST_ACK:
		return !(s->flags & SF_FIN_ACKED);
	default:
		return false;
	}
}

void
pcl_gen_resend(struct pcl_gen *g, struct pcl_gen_slot *s)
{
	const char *req;
	uint16_t len;
	uint32_t off;

	s->flags |= SF_RTX;
	switch (s->state) {
	case SLOT_SYN_SENT:
		pcl_gen_send(g, s, RTE_TCP_SYN_FLAG, s->isn, NULL, 0);
		g->st.rtx_syn++;
		break;
	case SLOT_EST:
	case SLOT_WAIT_FIN:
		/* The request in flight, from the first byte not acknowledged. */
		req = request_text(g, s, s->reqs, &len);
		off = s->snd_una - (s->snd_nxt - len);
		pcl_gen_send(g, s, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, s->snd_una, req + off,
			     (uint16_t)(len - off));
		g->st.rtx_req++;
		break;
	default:
		pcl_gen_send(g, s, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, s->snd_nxt - 1, NULL, 0);
		g->st.rtx_fin++;
		break;
	}
}

uint32_t
pcl_gen_open(struct pcl_gen *g, uint64_t now, uint32_t n)
{
	uint32_t opened = 0;

	g->tick = pcl_gen_tick(g, now);
	while (opened < n) {
		struct pcl_gen_slot *s;

		if (g->free_n == 0 || g->active >= g->cfg.concurrency) {
			g->st.no_slot += g->free_n == 0;
			break;
		}
		s = &g->slots[g->free_q[g->free_head]];
		if (g->tx_n[s->q] >= PCL_GEN_TX / 2)
			break;
		g->free_head = (g->free_head + 1) % g->nslots;
		g->free_n--;
		s->isn = (s->flags & SF_USED) ? s->snd_nxt + ISN_STEP : (uint32_t)rte_rand();
		s->flags = SF_USED;
		if (g->cfg.close_mix ? (g->st.opened & 1) : g->cfg.server_close)
			s->flags |= SF_SERVER_CLOSE;
		s->snd_una = s->snd_nxt = s->isn + 1;
		s->rcv_nxt = 0;
		s->resp_left = RESP_UNSEEN;
		s->reqs = 0;
		s->backoff = 0;
		s->state = SLOT_SYN_SENT;
		s->t_open = now;
		g->active++;
		g->st.opened++;
		pcl_gen_send(g, s, RTE_TCP_SYN_FLAG, s->isn, NULL, 0);
		arm(g, s);
		opened++;
	}
	return opened;
}

/* The n-th of the worker's own queues, round robin. */
static uint16_t
own_queue(const struct pcl_gen *g, uint64_t n)
{
	uint16_t own =
		(uint16_t)((g->cfg.nq - g->cfg.worker + g->cfg.nworkers - 1) / g->cfg.nworkers);

	return (uint16_t)(g->cfg.worker + (n % own) * g->cfg.nworkers);
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
		uint16_t q = own_queue(g, g->st.flood_sent);
		struct rte_mbuf *m;

		if (g->tx_n[q] >= PCL_GEN_TX / 2)
			break;
		seg6(g, &seg, g->cfg.flood6, seg.src_addr);
		m = pcl_peer_frame(g->mp, &seg);
		if (unlikely(m == NULL)) {
			g->st.no_mbuf++;
			break;
		}
		pcl_gen_queue_tx(g, q, m);
		g->st.flood_sent++;
		g->st.flood_kind_sent[kind]++;
	}
	return i;
}

static void
slot_free(struct pcl_gen *g, struct pcl_gen_slot *s)
{
	pcl_wheel_cancel(&g->wheel, slot_index(g, s));
	if (s->state == SLOT_IDLE)
		g->idle--;
	else
		g->active--;
	s->state = SLOT_FREE;
	g->free_q[(g->free_head + g->free_n++) % g->nslots] = slot_index(g, s);
}

void
pcl_gen_slot_fail(struct pcl_gen *g, struct pcl_gen_slot *s, enum pcl_gen_fail why)
{
	g->st.fail[why]++;
	slot_free(g, s);
}

void
pcl_gen_slot_done(struct pcl_gen *g, struct pcl_gen_slot *s, uint64_t now)
{
	if (s->flags & SF_BAD) {
		g->st.fail[PCL_GEN_FAIL_bad_response]++;
	} else {
		g->st.completed++;
		if (s->flags & SF_RTX)
			g->st.rtx_conns++;
		else if (now > g->late_after)
			g->st.late++;
		pcl_hist_add(&g->conn_lat, (now - s->t_open) * UINT64_C(1000000000) / g->hz);
	}
	slot_free(g, s);
}

void
pcl_gen_idle_lost(struct pcl_gen *g, struct pcl_gen_slot *s)
{
	g->idle_lost++;
	slot_free(g, s);
}

/*
 * Past its deadline: leave the server nothing of it before the tuple is
 * reused. Only an RST at the server's rcv_nxt closes (RFC 5961 3.2), which
 * is snd_una, or snd_nxt if it got what we sent but its ACK did not come.
 */
static void
expire(struct pcl_gen *g, struct pcl_gen_slot *s)
{
	pcl_gen_send(g, s, RTE_TCP_RST_FLAG, s->snd_una, NULL, 0);
	if (s->snd_nxt != s->snd_una)
		pcl_gen_send(g, s, RTE_TCP_RST_FLAG, s->snd_nxt, NULL, 0);
	if (s->state == SLOT_IDLE) {
		slot_free(g, s); /* released, not failed */
		return;
	}
	pcl_gen_slot_fail(
		g, s, s->state == SLOT_SYN_SENT ? PCL_GEN_FAIL_no_synack : PCL_GEN_FAIL_timeout);
}

static void
fire(void *arg, uint32_t idx)
{
	struct pcl_gen *g = arg;
	struct pcl_gen_slot *s = &g->slots[idx];

	if ((int32_t)(g->tick - deadline(g, s)) >= 0) {
		expire(g, s);
		return;
	}
	if (g->cfg.retransmit && pcl_gen_outstanding(s)) {
		pcl_gen_resend(g, s);
		if (s->backoff < UINT8_MAX)
			s->backoff++;
	}
	arm(g, s);
}

unsigned int
pcl_gen_timers(struct pcl_gen *g, uint64_t now)
{
	g->tick = pcl_gen_tick(g, now);
	/* A timer sends two frames at most (expire). */
	return pcl_wheel_advance(&g->wheel, g->tick, RTE_MIN(TIMER_BUDGET, pcl_gen_tx_room(g) / 2),
				 fire, g);
}

/*
 * Ends up to max of the connections open (held ones if idle, else the
 * others), going on from where the last call stopped; returns how many of
 * them are left.
 */
static uint32_t
sweep(struct pcl_gen *g, uint32_t max, bool idle)
{
	uint32_t *left = idle ? &g->idle : &g->active, i;

	for (i = 0; i<g->nslots && * left> 0 && max > 0; i++) {
		struct pcl_gen_slot *s = &g->slots[g->abort_at];

		if (s->state != SLOT_FREE && (s->state == SLOT_IDLE) == idle) {
			expire(g, s);
			max--;
		}
		g->abort_at = (g->abort_at + 1) % g->nslots;
	}
	return *left;
}

uint32_t
pcl_gen_abort(struct pcl_gen *g, uint32_t max)
{
	return sweep(g, max, false);
}

uint32_t
pcl_gen_release(struct pcl_gen *g, uint32_t max)
{
	return sweep(g, max, true);
}

void
pcl_gen_arp_request(struct pcl_gen *g)
{
	struct rte_mbuf *m;
	uint8_t src6[16];

	if (g->cfg.v6) {
		pcl_gen_addr6(g->cfg.src6, g->cfg.src_first, src6);
		m = pcl_peer_ns(g->mp, &g->mac, src6, g->cfg.dst6);
		if (m == NULL)
			g->st.no_mbuf++;
		else
			pcl_gen_queue_tx(g, g->cfg.worker, m);
		return;
	}
	m = rte_pktmbuf_alloc(g->mp);
	if (m == NULL ||
	    pcl_arp_request(m, &g->mac, rte_cpu_to_be_32(g->cfg.src_first), g->cfg.dst_addr) != 0) {
		rte_pktmbuf_free(m);
		g->st.no_mbuf++;
		return;
	}
	pcl_gen_queue_tx(g, g->cfg.worker, m);
}

void
pcl_gen_flush(struct pcl_gen *g, uint16_t port)
{
	uint16_t q, sent;

	/*
	 * What the port does not take now stays queued for the next call: a
	 * generator that dropped its own frames would report the loss as the
	 * server's. Only a full queue drops (pcl_gen_queue_tx).
	 */
	PCL_GEN_FOREACH_Q(g, q)
	{
		if (g->tx_n[q] == 0)
			continue;
		sent = rte_eth_tx_burst(port, q, g->tx[q], g->tx_n[q]);
		g->tx_n[q] = (uint16_t)(g->tx_n[q] - sent);
		memmove(g->tx[q], g->tx[q] + sent, g->tx_n[q] * sizeof(g->tx[q][0]));
	}
}
