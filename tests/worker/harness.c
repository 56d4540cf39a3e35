/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "peer/pcl_peer.h"

/* The worker has no port: tests feed and drain it by hand. */
static const uint16_t noports[PCL_MAX_IFS] = {RTE_MAX_ETHPORTS, RTE_MAX_ETHPORTS};

static const struct rte_ether_addr client_mac = {{0x02, 0, 0, 0, 0, 0x01}};
static const struct rte_ether_addr server_mac = {{0x02, 0, 0, 0, 0, 0x02}};
static const struct rte_ether_addr backend_mac = TH_BACKEND_MAC;

static void
eal_once(void)
{
	static int done;
	char *argv[] = {"pcl-test",
			"--no-huge",
			"-m",
			"128",
			"--no-pci",
			"--no-shconf",
			"--no-telemetry",
			"--log-level=lib.eal:error",
			NULL};

	if (done)
		return;
	cr_assert_geq(rte_eal_init(RTE_DIM(argv) - 1, argv), 0, "EAL init failed");
	done = 1;
}

/* The config's services, one-arm. */
static void
services(struct th *t)
{
	struct pcl_lb_if ifs[PCL_MAX_IFS];

	t->sv = calloc(1, sizeof(*t->sv));
	cr_assert_not_null(t->sv);
	pcl_config_lb_ifs(&t->cfg, ifs);
	cr_assert_eq(pcl_services_init(t->sv, t->cfg.services, t->cfg.nservices, ifs, 1,
				       &t->apps.listeners),
		     0);
}

void
th_setup(struct th *t, void (*tweak)(struct pcl_config *))
{
	struct pcl_worker_conf wc;
	char err[256];
	uint32_t i;

	eal_once();
	memset(t, 0, sizeof(*t));
	pcl_config_defaults(&t->cfg);
	t->cfg.addr = TH_SERVER_IP;
	t->cfg.prefix_len = 24;
	t->cfg.tcp.conns = 1024;
	t->cfg.tcp.syn_backlog = 512;
	if (tweak)
		tweak(&t->cfg);
	cr_assert_eq(pcl_config_finish(&t->cfg, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pcl_apps_init(&t->apps, t->cfg.listeners, t->cfg.nlisteners), 0);
	cr_assert_eq(pcl_secrets_init(&t->secrets), 0);
	t->mp = rte_pktmbuf_pool_create("th_pool", 4096, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	cr_assert_not_null(t->mp, "mempool: %s", rte_strerror(rte_errno));
	if (t->cfg.nservices > 0)
		services(t);
	wc = pcl_config_worker(&t->cfg, &t->apps, t->sv, &t->secrets, t->mp, noports, 0,
			       rte_lcore_id());
	cr_assert_eq(pcl_worker_init(&t->w, &wc), 0);
	t->w.ifs[0].ctx.mac = server_mac;
	t->w.fake_clock = true;
	for (i = 0; t->sv != NULL && i < t->sv->neigh.n; i++)
		pcl_neigh_learn(&t->sv->neigh, &t->sv->neigh.e[i].ip, &backend_mac,
				t->w.tcp.now_us);
}

/* Walking every entry after every input costs too much beyond this. */
#define TH_DEEP_CHECK_MAX 4096

static void
check(const struct th *t, bool deep)
{
	char err[256];

	cr_assert_eq(pcl_tcp_check(&t->w.tcp, deep, err, sizeof(err)), 0, "engine invariant: %s",
		     err);
}

void
th_check(const struct th *t)
{
	check(t, t->w.tcp.pool.cap <= TH_DEEP_CHECK_MAX);
}

void
th_teardown(struct th *t)
{
	check(t, true);
	pcl_worker_fini(&t->w);
	cr_expect_eq(rte_mempool_in_use_count(t->mp), 0, "%u mbufs leaked",
		     rte_mempool_in_use_count(t->mp));
	rte_mempool_free(t->mp);
	if (t->sv != NULL) {
		pcl_services_fini(t->sv);
		free(t->sv);
	}
	pcl_apps_fini(&t->apps);
}

struct rte_mbuf *
th_frame(struct th *t, const struct th_seg *s)
{
	struct rte_mbuf *m;

	cr_assert_eq(s->optlen % 4, 0, "options must be padded to 4 bytes");
	m = pcl_peer_frame(t->mp, &(struct pcl_peer_seg){
					  .src_mac = client_mac,
					  .dst_mac = server_mac,
					  .src_addr = TH_CLIENT_IP,
					  .dst_addr = TH_SERVER_IP,
					  .sport = s->sport ? s->sport : TH_CLIENT_PORT,
					  .dport = s->dport ? s->dport : 80,
					  .seq = s->seq,
					  .ack = s->ack,
					  .flags = s->flags,
					  .wnd = s->zero_win ? 0
						 : s->win    ? s->win
							     : 65535,
					  .opts = s->opts,
					  .optlen = s->optlen,
					  .data = s->data,
					  .len = s->len,
				  });
	cr_assert_not_null(m);
	return m;
}

void
th_send_mbuf(struct th *t, struct rte_mbuf *m)
{
	pcl_worker_input(&t->w, 0, &m, 1);
	th_check(t);
}

void
th_send(struct th *t, const struct th_seg *s)
{
	th_send_mbuf(t, th_frame(t, s));
}

unsigned int
th_replies(struct th *t, struct th_reply *out, unsigned int max)
{
	struct pcl_pkt_ctx client = {.mac = client_mac, .addr = TH_CLIENT_IP};
	unsigned int i, n = t->w.ifs[0].txq.n;
	int kind;

	cr_assert_leq(n, max, "%u replies, room for %u", n, max);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = t->w.ifs[0].txq.pkts[i];
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);

		kind = pcl_pkt_parse(f, m->data_len, 0, &client, &out[i].s);
		cr_assert_eq(kind, PCL_PKT_TCP, "reply %u is not valid TCP to the client (%d)", i,
			     kind);
		cr_assert(rte_is_same_ether_addr(&((const struct rte_ether_hdr *)f)->src_addr,
						 &server_mac));
		memcpy(out[i].data, f + out[i].s.payload_off, out[i].s.len);
		rte_pktmbuf_free(m);
	}
	t->w.ifs[0].txq.n = 0;
	return n;
}

struct rte_mbuf *
th_raw_reply(struct th *t)
{
	struct rte_mbuf *m;

	if (t->w.ifs[0].txq.n == 0)
		return NULL;
	cr_assert_eq(t->w.ifs[0].txq.n, 1);
	m = t->w.ifs[0].txq.pkts[0];
	t->w.ifs[0].txq.n = 0;
	return m;
}

void
th_advance(struct th *t, uint32_t ms)
{
	t->w.tcp.now_us += (uint64_t)ms * 1000;
	pcl_worker_clock(&t->w);
	pcl_worker_timers(&t->w);
	if (t->w.services != NULL)
		pcl_worker_services(&t->w);
	th_check(t);
}

uint64_t
th_state(const struct th *t, enum pcl_tcp_state st)
{
	return t->w.tcp.by_state[st];
}

uint32_t
th_handshake(struct th *t, uint32_t x, const uint8_t *opts, uint8_t optlen)
{
	struct th_reply r[TH_MAX_REPLIES];
	uint32_t y;

	th_send(t, &(struct th_seg){
			   .flags = RTE_TCP_SYN_FLAG, .seq = x, .opts = opts, .optlen = optlen});
	cr_assert_eq(th_replies(t, r, TH_MAX_REPLIES), 1);
	cr_assert_eq(r[0].s.flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	cr_assert_eq(r[0].s.ack, x + 1);
	y = r[0].s.seq;
	th_send(t, &(struct th_seg){.flags = RTE_TCP_ACK_FLAG, .seq = x + 1, .ack = y + 1});
	cr_assert_eq(th_replies(t, r, TH_MAX_REPLIES), 0, "the third ACK needs no answer");
	cr_assert_eq(th_state(t, PCL_TCP_ESTABLISHED), 1);
	return y;
}

void
th_serve_http10(struct th *t, uint32_t x, uint16_t sport)
{
	static const char get10[] = "GET / HTTP/1.0\r\n\r\n";
	struct th_reply r[TH_MAX_REPLIES];
	uint32_t y, u = x + 1 + (uint32_t)strlen(get10), end;

	th_send(t, &(struct th_seg){.flags = RTE_TCP_SYN_FLAG, .seq = x, .sport = sport});
	cr_assert_eq(th_replies(t, r, TH_MAX_REPLIES), 1);
	cr_assert_eq(r[0].s.flags, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG);
	y = r[0].s.seq;
	th_send(t, &(struct th_seg){.flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
				    .seq = x + 1,
				    .ack = y + 1,
				    .data = get10,
				    .len = (uint16_t)strlen(get10),
				    .sport = sport});
	cr_assert_eq(th_replies(t, r, TH_MAX_REPLIES), 1);
	cr_assert_eq(r[0].s.flags, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG);
	cr_assert(memcmp(r[0].data, "HTTP/1.1 200 OK", 15) == 0);
	end = y + 1 + r[0].s.len + 1;
	th_send(t, &(struct th_seg){.flags = RTE_TCP_ACK_FLAG | RTE_TCP_FIN_FLAG,
				    .seq = u,
				    .ack = end,
				    .sport = sport});
	cr_assert_eq(th_replies(t, r, TH_MAX_REPLIES), 1);
	cr_expect_eq(r[0].s.flags, RTE_TCP_ACK_FLAG);
	cr_expect_eq(r[0].s.ack, u + 1);
}
