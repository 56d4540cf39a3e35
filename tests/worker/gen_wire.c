/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include <criterion/criterion.h>
#include <rte_ip.h>

#include "gen_wire.h"
#include "net/pcl_pkt.h"

static const struct rte_ether_addr client_mac = {{0x02, 0, 0, 0, 0, 0x01}};

void
gw_cfg(struct pcl_gen_cfg *cfg)
{
	*cfg = (struct pcl_gen_cfg){
		.dst_addr = TH_SERVER_IP,
		.dport = 80,
		.src_first = rte_be_to_cpu_32(TH_CLIENT_IP),
		.nsrc = 1,
		.sport_first = 20000,
		.nsport = 1000,
		.concurrency = 64,
		.timeout_ms = 1000,
		.retransmit = true,
		.rto_init_ms = 200,
		.rto_min_ms = 200,
		.rto_max_ms = 60000,
		.request = true,
		.requests = 1,
		.resp_size = -1,
		.flood_first = 0x0ac80000,
		.flood_n = 1,
		.nq = 1,
		.mss = 1460,
		.nworkers = 1,
	};
}

void
gw_start(struct gw *w, struct th *t, const struct pcl_gen_cfg *cfg, unsigned int n)
{
	unsigned int i;

	cr_assert_leq(n, GW_MAX);
	memset(w, 0, sizeof(*w));
	w->t = t;
	w->n = n;
	w->now = 1000000;
	for (i = 0; i < n; i++) {
		struct pcl_gen_cfg c = *cfg;

		c.worker = (uint16_t)i;
		c.nworkers = (uint16_t)n;
		c.nq = (uint16_t)n;
		cr_assert_eq(pcl_gen_init(&w->g[i], &c, t->mp, &client_mac, w->now), 0);
		w->g[i].dst_mac = t->w.ifs[0].ctx.mac;
	}
}

void
gw_fini(struct gw *w)
{
	unsigned int i;

	for (i = 0; i < w->n; i++)
		pcl_gen_fini(&w->g[i]);
}

static bool
lose(struct gw *w, struct rte_mbuf *m, gw_drop_t drop)
{
	const struct rte_ipv4_hdr *ip =
		rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, PCL_L2_LEN);
	const struct rte_tcp_hdr *th;
	uint16_t len;

	if (drop == NULL || ip->next_proto_id != IPPROTO_TCP)
		return false;
	th = (const struct rte_tcp_hdr *)((const uint8_t *)ip + rte_ipv4_hdr_len(ip));
	len = (uint16_t)(rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip) -
			 (th->data_off >> 4) * 4u);
	if (!drop(th, len))
		return false;
	rte_pktmbuf_free(m);
	w->dropped++;
	return true;
}

unsigned int
gw_to_server(struct gw *w, gw_drop_t drop)
{
	unsigned int i, k, moved = 0;
	uint16_t q;

	for (i = 0; i < w->n; i++) {
		struct pcl_gen *g = &w->g[i];

		for (q = 0; q < PCL_GEN_MAX_Q; q++) {
			w->wrong_q += q % w->n != i ? g->tx_n[q] : 0;
			for (k = 0; k < g->tx_n[q]; k++) {
				struct rte_mbuf *m = g->tx[q][k];

				if (!lose(w, m, drop))
					pcl_worker_input(&w->t->w, 0, &m, 1);
			}
			moved += g->tx_n[q];
			g->tx_n[q] = 0;
		}
	}
	return moved;
}

unsigned int
gw_to_gen(struct gw *w, gw_drop_t drop)
{
	unsigned int n = w->t->w.ifs[0].txq.n, i;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = w->t->w.ifs[0].txq.pkts[i];
		uint16_t owner;

		if (lose(w, m, drop))
			continue;
		/* As a NIC would, deliver to worker 0's queue; it hands over what is not its own.
		 */
		if (!pcl_gen_input(&w->g[0], m, w->now, &owner)) {
			cr_assert_lt(owner, w->n);
			cr_assert(pcl_gen_input(&w->g[owner], m, w->now, &owner),
				  "the owner refused");
			w->handed++;
		}
	}
	w->t->w.ifs[0].txq.n = 0;
	return n;
}

void
gw_pump(struct gw *w, gw_drop_t up, gw_drop_t down)
{
	while (gw_to_server(w, up) + gw_to_gen(w, down) > 0)
		;
}

void
gw_elapse(struct gw *w, uint32_t ms)
{
	unsigned int i;

	w->now += (uint64_t)ms * w->g[0].tick_tsc;
	th_advance(w->t, ms);
	for (i = 0; i < w->n; i++)
		while (pcl_gen_timers(&w->g[i], w->now) > 0)
			;
}

uint64_t
gw_sum(const struct gw *w, size_t stat_offset)
{
	uint64_t sum = 0;
	unsigned int i;

	for (i = 0; i < w->n; i++)
		sum += *(const uint64_t *)((const char *)&w->g[i].st + stat_offset);
	return sum;
}

uint32_t
gw_active(const struct gw *w)
{
	uint32_t sum = 0;
	unsigned int i;

	for (i = 0; i < w->n; i++)
		sum += w->g[i].active;
	return sum;
}
