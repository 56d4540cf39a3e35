/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#include "base/pcl_log.h"
#include "net/pcl_out.h"
#include "tcp/pcl_tcp.h"
#include "worker/pcl_worker.h"

/* How many packets ahead of the one being handled have their headers fetched. */
#define PCL_PREFETCH 4

int
pcl_worker_init(struct pcl_worker *w, const struct pcl_config *cfg,
		const struct pcl_secrets *secrets, struct rte_mempool *mp, uint16_t port,
		uint16_t queue, unsigned int lcore)
{
	uint32_t nconns = cfg->conns;
	uint32_t nbuckets = rte_align32pow2(nconns);
	uint64_t conns_sz =
		RTE_ALIGN_CEIL((uint64_t)nconns * sizeof(struct pcl_conn), RTE_CACHE_LINE_SIZE);
	uint64_t pool_sz = RTE_ALIGN_CEIL(pcl_pool_memsize(nconns), RTE_CACHE_LINE_SIZE);
	uint64_t table_sz = RTE_ALIGN_CEIL(pcl_table_memsize(nbuckets), RTE_CACHE_LINE_SIZE);
	uint64_t wheel_sz = pcl_wheel_memsize(PCL_WHEEL_SLOTS);
	int socket = rte_lcore_to_socket_id(lcore);
	char *mem;
	uint32_t i;

	memset(w, 0, sizeof(*w));
	mem = rte_zmalloc_socket("pcl_worker", conns_sz + pool_sz + table_sz + wheel_sz,
				 RTE_CACHE_LINE_SIZE, socket == SOCKET_ID_ANY ? 0 : socket);
	if (mem == NULL)
		return -ENOMEM;
	w->mem = mem;
	w->conns = (struct pcl_conn *)mem;
	w->cfg = cfg;
	w->secrets = secrets;
	w->mp = mp;
	w->port = port;
	w->queue = queue;
	w->lcore = lcore;
	w->pkt_ctx.addr = cfg->addr;
	w->pkt_ctx.bcast = pcl_pkt_bcast(cfg->addr, cfg->prefix_len);
	if (port != RTE_MAX_ETHPORTS)
		rte_eth_macaddr_get(port, &w->pkt_ctx.mac);
	w->tsc_per_us = RTE_MAX(rte_get_tsc_hz() / 1000000, 1ul);
	pcl_worker_clock(w);

	for (i = 0; i < nconns; i++)
		pcl_tnode_init(&w->conns[i].tm);
	pcl_pool_init(&w->pool, mem + conns_sz, nconns);
	pcl_table_init(&w->table, mem + conns_sz + pool_sz, nbuckets, (uint32_t)rte_rand(),
		       w->conns, sizeof(struct pcl_conn), offsetof(struct pcl_conn, hnext));
	pcl_wheel_init(&w->wheel, mem + conns_sz + pool_sz + table_sz, PCL_WHEEL_SLOTS,
		       &w->conns[0].tm, sizeof(struct pcl_conn), w->now_tick);
	return 0;
}

void
pcl_worker_resources(const struct pcl_worker *w, struct pcl_resources *r)
{
	r->entries = w->pool.cap;
	r->entries_free = *(const volatile uint32_t *)&w->pool.nfree;
	/* Counts the per-lcore caches too, so it is exact once traffic stops. */
	r->mbufs = w->mp != NULL ? w->mp->size : 0;
	r->mbufs_free = w->mp != NULL ? rte_mempool_avail_count(w->mp) : 0;
}

void
pcl_worker_fini(struct pcl_worker *w)
{
	uint16_t i;

	if (w->mem == NULL)
		return;
	pcl_tcp_drop_all(w);
	for (i = 0; i < w->tx_n; i++)
		rte_pktmbuf_free(w->tx[i]);
	w->tx_n = 0;
	rte_free(w->mem);
	w->mem = NULL;
}

void
pcl_worker_clock(struct pcl_worker *w)
{
	if (!w->fake_clock)
		w->now_us = rte_rdtsc() / w->tsc_per_us;
	w->now_ms = (uint32_t)(w->now_us / 1000);
	w->now_tick = (uint32_t)(w->now_us / (PCL_TICK_MS * 1000));
}

static void
handle(struct pcl_worker *w, struct rte_mbuf *m)
{
	struct pcl_seg seg;
	int kind;

	w->stats.rx_pkts++;
	w->stats.rx_bytes += m->pkt_len;
	if (unlikely(m->nb_segs != 1)) {
		w->stats.drop[PCL_DROP_multiseg]++;
		rte_pktmbuf_free(m);
		return;
	}
	kind = pcl_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, m->ol_flags,
			     &w->pkt_ctx, &seg);
	switch (kind) {
	case PCL_PKT_TCP:
		pcl_tcp_input(w, m, &seg);
		break;
	case PCL_PKT_ARP_REQUEST:
		pcl_out_arp_reply(w, m);
		break;
	case PCL_PKT_ICMP_ECHO:
		pcl_out_icmp_reply(w, m);
		break;
	default:
		w->stats.drop[pcl_pkt_drop_reason(kind)]++;
		rte_pktmbuf_free(m);
		break;
	}
}

void
pcl_worker_input(struct pcl_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n && i < PCL_PREFETCH; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + PCL_PREFETCH < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + PCL_PREFETCH], void *));
		handle(w, pkts[i]);
	}
}

static void
fire(void *arg, uint32_t idx)
{
	struct pcl_worker *w = arg;

	pcl_tcp_timeout(w, &w->conns[idx]);
}

void
pcl_worker_timers(struct pcl_worker *w)
{
	if (pcl_wheel_advance(&w->wheel, w->now_tick, PCL_TIMER_BUDGET, fire, w) ==
	    PCL_TIMER_BUDGET)
		w->stats.timer_deferred++;
}

void
pcl_worker_flush(struct pcl_worker *w)
{
	uint16_t n = w->tx_n, sent, i;
	uint64_t bytes = 0;

	if (n == 0)
		return;
	for (i = 0; i < n; i++)
		bytes += w->tx[i]->pkt_len;
	sent = rte_eth_tx_burst(w->port, w->queue, w->tx, n);
	/* One more try: a full ring often drains between two calls. */
	if (sent < n)
		sent += rte_eth_tx_burst(w->port, w->queue, w->tx + sent, n - sent);
	for (i = sent; i < n; i++) {
		bytes -= w->tx[i]->pkt_len;
		rte_pktmbuf_free(w->tx[i]);
	}
	w->stats.drop[PCL_DROP_tx_full] += n - sent;
	w->stats.tx_pkts += sent;
	w->stats.tx_bytes += bytes;
	w->tx_n = 0;
}

void
pcl_worker_steer(struct pcl_worker *w, const struct pcl_steer *steer, uint16_t index,
		 struct rte_ring *const *inboxes, bool hw_rss)
{
	w->steer = steer;
	w->index = index;
	w->inboxes = inboxes;
	w->hw_rss = hw_rss;
}

/* The worker owning m's flow; ours for anything that is not IPv4/TCP. */
static inline uint16_t
owner(const struct pcl_worker *w, const struct rte_mbuf *m)
{
	struct pcl_tuple t;

	if (w->hw_rss && (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH))
		return pcl_steer_owner(w->steer, m->hash.rss);
	if (!pcl_pkt_flow(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &t))
		return w->index;
	return pcl_steer_owner(w->steer, pcl_steer_hash(w->steer, &t));
}

/*
 * Hands the packets of flows other workers own to their inboxes, one burst
 * per owner, and compacts ours at the front of pkts. Returns how many are
 * ours. A full inbox frees the rest of that burst, counted.
 */
static uint16_t
steer_burst(struct pcl_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	struct rte_mbuf *out[PCL_MAX_WORKERS][PCL_BURST];
	uint16_t nout[PCL_MAX_WORKERS] = {0};
	uint16_t mine = 0, i, o, sent;

	for (i = 0; i < n; i++) {
		o = owner(w, pkts[i]);
		if (o == w->index)
			pkts[mine++] = pkts[i];
		else
			out[o][nout[o]++] = pkts[i];
	}
	if (mine == n)
		return n;
	for (o = 0; o < w->steer->nworkers; o++) {
		if (nout[o] == 0)
			continue;
		sent = (uint16_t)rte_ring_enqueue_burst(w->inboxes[o], (void **)out[o], nout[o],
							NULL);
		w->stats.steered_out += sent;
		w->stats.drop[PCL_DROP_steer_full] += nout[o] - sent;
		rte_pktmbuf_free_bulk(out[o] + sent, nout[o] - sent);
	}
	return mine;
}

void
pcl_worker_rx(struct pcl_worker *w, struct rte_mbuf **pkts, uint16_t n)
{
	if (w->steer != NULL)
		n = steer_burst(w, pkts, n);
	if (n)
		pcl_worker_input(w, pkts, n);
}

uint16_t
pcl_worker_inbox(struct pcl_worker *w)
{
	struct rte_mbuf *pkts[PCL_BURST];
	uint16_t k;

	if (w->steer == NULL)
		return 0;
	k = (uint16_t)rte_ring_dequeue_burst(w->inboxes[w->index], (void **)pkts, PCL_BURST, NULL);
	w->stats.steered_in += k;
	if (k)
		pcl_worker_input(w, pkts, k);
	return k;
}

uint16_t
pcl_worker_poll(struct pcl_worker *w)
{
	struct rte_mbuf *pkts[PCL_BURST];
	uint64_t t0 = rte_rdtsc();
	uint16_t n;

	pcl_worker_clock(w);
	n = rte_eth_rx_burst(w->port, w->queue, pkts, PCL_BURST);
	pcl_worker_rx(w, pkts, n);
	n += pcl_worker_inbox(w);
	pcl_worker_timers(w);
	pcl_worker_flush(w);
	w->stats.loops++;
	if (n) {
		w->stats.busy_loops++;
		w->stats.busy_cycles += rte_rdtsc() - t0;
	}
	return n;
}

void
pcl_worker_loop(struct pcl_worker *w, volatile bool *quit)
{
	PCL_LOG(INFO, "worker on lcore %u: port %u queue %u, %u connections", w->lcore, w->port,
		w->queue, w->pool.cap);
	while (!*quit)
		pcl_worker_poll(w);
}
