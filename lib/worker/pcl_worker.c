/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>

#include "base/pcl_log.h"
#include "lb/pcl_probe.h"
#include "lb/pcl_proxy.h"
#include "net/pcl_arp.h"
#include "net/pcl_out.h"
#include "worker/pcl_port.h"
#include "worker/pcl_worker.h"

/* How many packets ahead of the one being handled have their headers fetched. */
#define PCL_PREFETCH 4

/* Sends one interface's TX sink; what the NIC refuses is freed and counted. */
static void
if_flush(struct pcl_worker *w, struct pcl_worker_if *wi)
{
	struct rte_mbuf **pkts = wi->txq.pkts;
	uint16_t n = wi->txq.n, sent, i;
	uint64_t bytes = 0;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	sent = rte_eth_tx_burst(wi->port, wi->queue, pkts, n);
	/* One more try: a full ring often drains between two calls. */
	if (sent < n)
		sent += rte_eth_tx_burst(wi->port, wi->queue, pkts + sent, n - sent);
	for (i = sent; i < n; i++) {
		bytes -= pkts[i]->pkt_len;
		rte_pktmbuf_free(pkts[i]);
	}
	pcl_stat_add(&w->stats.drop[PCL_DROP_tx_full], n - sent);
	pcl_stat_add(&w->stats.tx_pkts, sent);
	pcl_stat_add(&w->stats.tx_bytes, bytes);
	wi->txq.n = 0;
}

/* A TX sink is full in the middle of an iteration: send what it holds now. */
static void
txq_flush(struct pcl_txq *q)
{
	struct pcl_worker *w = q->arg;

	if_flush(w, container_of(q, struct pcl_worker_if, txq));
}

/* 2^64 us / hz, so that tsc * it / 2^64 is tsc in microseconds; hz above 1 MHz. */
static uint64_t
us_per_tsc(uint64_t hz)
{
	return (uint64_t)(((unsigned __int128)1000000 << 64) / RTE_MAX(hz, 1000001ul));
}

/* The TSC in microseconds: the high half of a 64x64-bit product. */
static inline uint64_t
tsc_us(const struct pcl_worker *w, uint64_t tsc)
{
	return (uint64_t)(((unsigned __int128)tsc * w->us_per_tsc) >> 64);
}

void
pcl_worker_set6(struct pcl_worker *w, uint8_t ifx, const uint8_t *addr6)
{
	struct pcl_pkt_ctx *ctx = &w->ifs[ifx].ctx;

	ctx->has6 = addr6 != NULL;
	if (addr6 != NULL)
		memcpy(ctx->addr6, addr6, 16);
	pcl_pkt_ll6(&ctx->mac, ctx->ll6);
}

int
pcl_worker_init(struct pcl_worker *w, const struct pcl_worker_conf *conf)
{
	int socket = (int)rte_lcore_to_socket_id(conf->lcore);
	struct pcl_tcp_env env = {
		.conf = conf->tcp,
		.listeners = conf->listeners,
		.secrets = conf->secrets,
		.nifs = conf->nifs,
		.mp = conf->mp,
		.stats = &w->stats,
		.lcore = conf->lcore,
		.socket = socket,
	};
	bool chain;
	uint8_t i;
	int rc;

	memset(w, 0, sizeof(*w));
	if (conf->nifs == 0 || conf->nifs > PCL_MAX_IFS)
		return -EINVAL;
	w->mp = conf->mp;
	w->lcore = conf->lcore;
	w->nifs = conf->nifs;
	w->services = conf->services;
	if (w->services != NULL) {
		w->neigh = &w->services->neigh;
		if (pcl_services_lcore(w->services, conf->lcore, socket) == NULL)
			return -ENOMEM;
	}
	for (i = 0; i < conf->nifs; i++) {
		const struct pcl_worker_if_conf *ic = &conf->ifs[i];
		struct pcl_worker_if *wi = &w->ifs[i];

		wi->port = ic->port;
		wi->queue = ic->queue;
		wi->txq.flush = txq_flush;
		wi->txq.arg = w;
		wi->ctx.addr = ic->addr;
		wi->ctx.bcast = pcl_pkt_bcast(ic->addr, ic->prefix_len);
		wi->ctx.local = ic->local;
		/* Without a port, the conf says whether its drain takes chains. */
		chain = ic->tx_chain;
		if (ic->port != RTE_MAX_ETHPORTS) {
			if (rte_eth_macaddr_get(ic->port, &wi->ctx.mac) != 0)
				return -ENODEV;
			wi->ctx.tx_csum = pcl_port_tx_csum(ic->port);
			chain = pcl_port_tx_chain(ic->port);
		}
		w->ifx_of_port[ic->port] = i;
		pcl_worker_set6(w, i, ic->has6 ? ic->addr6 : NULL);
		env.ifs[i] = (struct pcl_tcp_if){.net = &wi->ctx, .txq = &wi->txq, .chain = chain};
	}
	w->us_per_tsc = us_per_tsc(rte_get_tsc_hz());
	if (w->services != NULL)
		w->down_gen = __atomic_load_n(&w->services->down_gen, __ATOMIC_ACQUIRE);
	rc = pcl_tcp_init(&w->tcp, &env, tsc_us(w, rte_rdtsc()));
	w->sweep_pos = w->tcp.pool.cap;
	/* Each port's queue 0 belongs to one worker: its first poll sends the port's probe. */
	if (rc == 0 && conf->nifs > 0 && conf->ifs[0].queue == 0)
		pcl_worker_dad(w);
	return rc;
}

void
pcl_worker_resources(const struct pcl_worker *w, struct pcl_resources *r)
{
	r->entries = w->tcp.pool.cap;
	r->entries_free = __atomic_load_n(&w->tcp.pool.nfree, __ATOMIC_RELAXED);
	/* Counts the per-lcore caches too, so it is exact once traffic stops. */
	r->mbufs = w->mp != NULL ? w->mp->size : 0;
	r->mbufs_free = w->mp != NULL ? rte_mempool_avail_count(w->mp) : 0;
	r->held = __atomic_load_n(&w->tcp.held, __ATOMIC_RELAXED);
}

void
pcl_worker_fini(struct pcl_worker *w)
{
	uint8_t i;

	pcl_tcp_fini(&w->tcp);
	for (i = 0; i < w->nifs; i++) {
		rte_pktmbuf_free_bulk(w->ifs[i].txq.pkts, w->ifs[i].txq.n);
		w->ifs[i].txq.n = 0;
	}
}

void
pcl_worker_clock(struct pcl_worker *w)
{
	pcl_tcp_clock(&w->tcp, w->fake_clock ? w->tcp.now_us : tsc_us(w, rte_rdtsc()));
}

/* An ARP from a neighbour (a backend) tells its MAC. Returns whether it was one. */
static bool
learn(struct pcl_worker *w, const struct rte_mbuf *m)
{
	const struct rte_arp_hdr *a = rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *,
							      sizeof(struct rte_ether_hdr));
	struct pcl_addr ip = pcl_addr_from4(a->arp_data.arp_sip);

	if (w->neigh == NULL ||
	    !pcl_neigh_learn(w->neigh, &ip, &a->arp_data.arp_sha, w->tcp.now_us))
		return false;
	PCL_STAT_INC(&w->stats, arp_learned);
	return true;
}

/*
 * Neighbor Discovery from a neighbour (an IPv6 backend) tells its MAC: an
 * Advertisement (advert) for its target, by its target link-layer option
 * or else the frame's source; a Solicitation for its source address, by
 * its source link-layer option only (RFC 4861 7.2.3), as an ARP request
 * teaches. Returns whether it was one.
 */
static bool
learn6(struct pcl_worker *w, const struct rte_mbuf *m, const struct pcl_seg *seg, bool advert)
{
	const uint8_t *icmp = rte_pktmbuf_mtod_offset(m, const uint8_t *, seg->payload_off);
	const struct rte_ether_addr *mac = pcl_pkt_nd_lladdr(icmp, seg->len);
	struct pcl_addr who = pcl_addr_from6(advert ? icmp + 8 : seg->a6);

	if (mac == NULL && advert)
		mac = &rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->src_addr;
	if (w->neigh == NULL || mac == NULL || !pcl_neigh_learn(w->neigh, &who, mac, w->tcp.now_us))
		return false;
	PCL_STAT_INC(&w->stats, nd_learned);
	return true;
}

/*
 * The kinds after IPv4's own, out of line: what pcl_pkt_parse6 took in (TCP
 * for the engine, ND and echo answered here), and TCP to a local address,
 * which only backends send.
 */
static __rte_noinline void
handle_other(struct pcl_worker *w, struct pcl_worker_if *wi, uint8_t ifx, struct rte_mbuf *m,
	     struct pcl_seg *seg, int kind)
{
	if (kind != PCL_PKT_TCP_LOCAL)
		PCL_STAT_INC(&w->stats, ipv6_rx);
	switch (kind) {
	case PCL_PKT_TCP6:
		seg->ifx = ifx;
		pcl_tcp_input6(&w->tcp, m, seg, ifx != PCL_IF_CLIENTS);
		return;
	case PCL_PKT_ND_NS:
		learn6(w, m, seg, false);
		pcl_out_nd_na(&wi->ctx.mac, m, seg->payload_off);
		PCL_STAT_INC(&w->stats, nd_adverts);
		pcl_txq_put(&wi->txq, m);
		return;
	case PCL_PKT_ICMP6_ECHO:
		pcl_out_icmp6_reply(&wi->ctx.mac, m, seg->payload_off, seg->len);
		PCL_STAT_INC(&w->stats, icmp6_replies);
		pcl_txq_put(&wi->txq, m);
		return;
	case PCL_PKT_TCP_LOCAL:
		seg->ifx = ifx;
		pcl_tcp_input_local(&w->tcp, m, seg);
		return;
	case PCL_PKT_ND_DUP:
		PCL_STAT_INC(&w->stats, nd_dup);
		rte_pktmbuf_free(m);
		return;
	default: /* an advertisement: a backend's MAC, or nothing we asked for */
		if (!learn6(w, m, seg, true))
			pcl_stat_add(&w->stats.drop[PCL_DROP_icmp6], 1);
		rte_pktmbuf_free(m);
		return;
	}
}

static void
handle(struct pcl_worker *w, struct pcl_worker_if *wi, uint8_t ifx, struct rte_mbuf *m)
{
	struct pcl_seg seg;
	int kind;

	if (unlikely(m->nb_segs != 1)) {
		pcl_stat_add(&w->stats.drop[PCL_DROP_multiseg], 1);
		rte_pktmbuf_free(m);
		return;
	}
	kind = pcl_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, m->ol_flags,
			     &wi->ctx, &seg);
	switch (kind) {
	case PCL_PKT_TCP:
		seg.ifx = ifx;
		/* Two arms: the backends' port serves no client, as a local address does not. */
		if (likely(ifx == PCL_IF_CLIENTS))
			pcl_tcp_input(&w->tcp, m, &seg);
		else
			pcl_tcp_input_local(&w->tcp, m, &seg);
		break;
	case PCL_PKT_ARP_REQUEST:
		learn(w, m);
		/* The address asked for: the port's own or one of its local addresses. */
		pcl_arp_to_reply(m, &wi->ctx.mac,
				 rte_pktmbuf_mtod_offset(m, const struct rte_arp_hdr *,
							 sizeof(struct rte_ether_hdr))
					 ->arp_data.arp_tip);
		PCL_STAT_INC(&w->stats, arp_replies);
		pcl_txq_put(&wi->txq, m);
		break;
	case PCL_PKT_ARP_REPLY:
		if (!learn(w, m))
			pcl_stat_add(&w->stats.drop[PCL_DROP_arp], 1);
		rte_pktmbuf_free(m);
		break;
	case PCL_PKT_ICMP_ECHO:
		pcl_out_icmp_reply(&wi->ctx.mac, m);
		PCL_STAT_INC(&w->stats, icmp_replies);
		pcl_txq_put(&wi->txq, m);
		break;
	default:
		/* IPv6 and local-address kinds follow IPv4's; drops are negative. */
		if (unlikely(kind > 0)) {
			handle_other(w, wi, ifx, m, &seg, kind);
			break;
		}
		pcl_stat_add(&w->stats.drop[pcl_pkt_drop_reason(kind)], 1);
		rte_pktmbuf_free(m);
		break;
	}
}

void
pcl_worker_input(struct pcl_worker *w, uint8_t ifx, struct rte_mbuf **pkts, uint16_t n)
{
	struct pcl_worker_if *wi = &w->ifs[ifx];
	uint64_t bytes = 0;
	uint16_t i;

	for (i = 0; i < n && i < PCL_PREFETCH; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + PCL_PREFETCH < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PCL_PREFETCH], void *));
		bytes += pkts[i]->pkt_len;
		handle(w, wi, ifx, pkts[i]);
	}
	/* Once per burst: each counter store is a relaxed atomic. */
	pcl_stat_add(&w->stats.rx_pkts, n);
	pcl_stat_add(&w->stats.rx_bytes, bytes);
}

void
pcl_worker_timers(struct pcl_worker *w)
{
	pcl_tcp_timers(&w->tcp);
}

/*
 * Asks on wi for ip's MAC, from our address: ARP, or a Neighbor
 * Solicitation; with ip NULL, the duplicate address detection probe of our
 * IPv6 address. Queued for the next flush and counted. Returns 0, or
 * -ENOMEM (counted) or -ENOSPC.
 */
static int
ask(struct pcl_worker *w, struct pcl_worker_if *wi, const struct pcl_addr *ip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(w->mp);
	bool v4 = ip != NULL && pcl_addr_is4(ip);
	int rc;

	if (m == NULL) {
		pcl_stat_add(&w->stats.drop[PCL_DROP_nombuf], 1);
		return -ENOMEM;
	}
	if (v4)
		rc = pcl_arp_request(m, &wi->ctx.mac, wi->ctx.addr, pcl_addr_v4(ip));
	else if (ip != NULL)
		rc = pcl_out_nd_ns(m, &wi->ctx.mac, wi->ctx.addr6, ip->a);
	else
		rc = pcl_out_nd_ns(m, &wi->ctx.mac, NULL, wi->ctx.addr6);
	if (rc != 0) {
		rte_pktmbuf_free(m);
		return rc;
	}
	pcl_txq_put(&wi->txq, m);
	if (v4)
		PCL_STAT_INC(&w->stats, arp_requests);
	else
		PCL_STAT_INC(&w->stats, nd_solicits);
	return 0;
}

void
pcl_worker_probe(struct pcl_worker *w)
{
	struct pcl_neigh *t = w->neigh;
	unsigned int sent = 0;
	uint32_t k, i;

	if (t == NULL || t->n == 0 || w->tcp.now_us < w->next_probe_us)
		return;
	w->next_probe_us = w->tcp.now_us + 1000000;
	/* Round robin from where the last second stopped, so every one gets its turn. */
	for (k = 0; k < t->n && sent < PCL_NEIGH_PROBES; k++) {
		i = (w->probe_next + k) % t->n;
		if (!pcl_neigh_stale(t, i, w->tcp.now_us, PCL_NEIGH_REFRESH_US))
			continue;
		if (ask(w, &w->ifs[t->e[i].ifx], &t->e[i].ip) != 0)
			break;
		sent++;
	}
	w->probe_next = (w->probe_next + k) % t->n;
}

/* Sends what every interface's TX sink holds; an empty one costs no call. */
static inline void
flush_all(struct pcl_worker *w)
{
	uint8_t i;

	for (i = 0; i < w->nifs; i++)
		if (w->ifs[i].txq.n != 0)
			if_flush(w, &w->ifs[i]);
}

unsigned int
pcl_worker_dad(struct pcl_worker *w)
{
	unsigned int n = 0;
	uint8_t i;

	for (i = 0; i < w->nifs; i++)
		if (w->ifs[i].ctx.has6 && w->ifs[i].port != RTE_MAX_ETHPORTS &&
		    ask(w, &w->ifs[i], NULL) == 0)
			n++;
	return n;
}

void
pcl_worker_flush(struct pcl_worker *w)
{
	flush_all(w);
}

void
pcl_worker_steer(struct pcl_worker *w, const struct pcl_steer *steer, uint16_t index,
		 struct rte_ring *const *inboxes, bool hw_rss)
{
	w->steer = steer;
	w->index = index;
	w->inboxes = inboxes;
	w->hw_rss = hw_rss;
	/* The proxy picks local ports whose flows come back to this worker. */
	w->tcp.steer = steer;
	w->tcp.steer_index = index;
}

/* The owner of an IPv6/TCP flow; ours for anything else. */
static __rte_noinline uint16_t
owner6(const struct pcl_worker *w, const struct rte_mbuf *m)
{
	struct pcl_tuple6 t;

	if (!pcl_pkt_flow6(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &t))
		return w->index;
	return pcl_steer_owner(w->steer, pcl_steer_hash6(w->steer, &t));
}

/* The worker owning m's flow; ours for anything that is not TCP. */
static inline uint16_t
owner(const struct pcl_worker *w, const struct rte_mbuf *m)
{
	struct pcl_tuple t;

	if (w->hw_rss && (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH))
		return pcl_steer_owner(w->steer, m->hash.rss);
	if (!pcl_pkt_flow(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &t))
		return owner6(w, m);
	return pcl_steer_owner(w->steer, pcl_steer_hash(w->steer, &t));
}

/*
 * Hands the packets of flows other workers own to their inboxes, one burst
 * per owner, and compacts ours at the front of pkts. Returns how many are
 * ours. A full inbox frees the rest of that burst, counted.
 */
static uint16_t
steer_burst(struct pcl_worker *w, uint8_t ifx, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *out[PCL_MAX_WORKERS][PCL_BURST];
	uint16_t nout[PCL_MAX_WORKERS] = {0};
	uint16_t mine = 0, i, o, sent;

	for (i = 0; i < n; i++) {
		o = owner(w, pkts[i]);
		if (o == w->index) {
			pkts[mine++] = pkts[i];
		} else {
			/* The owner finds the interface by the port (not every PMD sets it). */
			pkts[i]->port = w->ifs[ifx].port;
			out[o][nout[o]++] = pkts[i];
		}
	}
	if (mine == n)
		return n;
	for (o = 0; o < w->steer->nworkers; o++) {
		if (nout[o] == 0)
			continue;
		sent = (uint16_t)rte_ring_enqueue_burst(w->inboxes[o], (void **)out[o], nout[o],
							NULL);
		pcl_stat_add(&w->stats.steered_out, sent);
		pcl_stat_add(&w->stats.drop[PCL_DROP_steer_full], nout[o] - sent);
		rte_pktmbuf_free_bulk(out[o] + sent, nout[o] - sent);
	}
	return mine;
}

void
pcl_worker_rx(struct pcl_worker *w, uint8_t ifx, struct rte_mbuf **pkts, uint16_t n)
{
	if (w->steer != NULL)
		n = steer_burst(w, ifx, pkts, n);
	if (n)
		pcl_worker_input(w, ifx, pkts, n);
}

uint16_t
pcl_worker_inbox(struct pcl_worker *w)
{
	struct rte_mbuf *pkts[PCL_BURST];
	uint16_t k, i, run;

	if (w->steer == NULL)
		return 0;
	k = (uint16_t)rte_ring_dequeue_burst(w->inboxes[w->index], (void **)pkts, PCL_BURST, NULL);
	pcl_stat_add(&w->stats.steered_in, k);
	/* Each run of packets from one port is handled as a burst of that interface. */
	for (i = 0; i < k; i += run) {
		uint8_t ifx = w->ifx_of_port[pkts[i]->port];

		for (run = 1; i + run < k && w->ifx_of_port[pkts[i + run]->port] == ifx; run++)
			;
		pcl_worker_input(w, ifx, pkts + i, run);
	}
	return k;
}

void
pcl_worker_services(struct pcl_worker *w)
{
	uint32_t gen = __atomic_load_n(&w->services->down_gen, __ATOMIC_ACQUIRE);

	if (w->index == 0)
		pcl_probe_tick(&w->tcp, w->services);
	if (gen != w->down_gen) {
		w->down_gen = gen;
		w->sweep_pos = 0;
	}
	if (w->sweep_pos < w->tcp.pool.cap)
		pcl_proxy_sweep(&w->tcp, &w->sweep_pos, PCL_SWEEP_BUDGET);
}

uint16_t
pcl_worker_poll(struct pcl_worker *w)
{
	struct rte_mbuf *pkts[PCL_BURST];
	uint64_t t0 = rte_rdtsc();
	uint16_t n = 0, k;
	uint8_t i;

	/*
	 * Each step is tested here before it is called: an idle poll, and the
	 * fixed part of a busy one, cost 346 instructions when every step was
	 * a call that found nothing to do (bench/RESULTS.md).
	 */
	pcl_worker_clock(w);
	for (i = 0; i < w->nifs; i++) {
		k = rte_eth_rx_burst(w->ifs[i].port, w->ifs[i].queue, pkts, PCL_BURST);
		if (k != 0)
			pcl_worker_rx(w, i, pkts, k);
		n += k;
	}
	if (w->steer != NULL)
		n += pcl_worker_inbox(w);
	if (pcl_tcp_timers_due(&w->tcp))
		pcl_worker_timers(w);
	if (w->index == 0 && w->neigh != NULL)
		pcl_worker_probe(w);
	if (w->services != NULL)
		pcl_worker_services(w);
	flush_all(w);
	PCL_STAT_INC(&w->stats, loops);
	if (n) {
		PCL_STAT_INC(&w->stats, busy_loops);
		pcl_stat_add(&w->stats.busy_cycles, rte_rdtsc() - t0);
	}
	return n;
}

void
pcl_worker_loop(struct pcl_worker *w, const bool *quit)
{
	struct rte_rcu_qsbr *qsbr = w->services != NULL ? w->services->qsbr : NULL;

	PCL_LOG(INFO, "worker on lcore %u: port %u queue %u%s, %u connections", w->lcore,
		w->ifs[0].port, w->ifs[0].queue, w->nifs > 1 ? " and a backend port" : "",
		w->tcp.pool.cap);
	/* Between two iterations a worker holds no service table: a quiescent state. */
	if (qsbr != NULL) {
		rte_rcu_qsbr_thread_register(qsbr, w->lcore);
		rte_rcu_qsbr_thread_online(qsbr, w->lcore);
	}
	while (!__atomic_load_n(quit, __ATOMIC_RELAXED)) {
		pcl_worker_poll(w);
		if (qsbr != NULL)
			rte_rcu_qsbr_quiescent(qsbr, w->lcore);
	}
	if (qsbr != NULL) {
		rte_rcu_qsbr_thread_offline(qsbr, w->lcore);
		rte_rcu_qsbr_thread_unregister(qsbr, w->lcore);
	}
}
