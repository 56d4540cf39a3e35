/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The front end's backends at run time, through the real worker and the
 * control side (pcl_lbctl, ticked by hand): health checks on the wire
 * (tcp and http, passed, refused, silent), backends taken down and brought
 * back with their old Maglev slots, passive checks from failed handshakes,
 * connections reset when their backend goes down (on_backend_down), and
 * the commands: drain, weight, add, remove, reload.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "ctl/pcl_lbctl.h"
#include "harness.h"
#include "lb/pcl_maglev.h"
#include "peer/pcl_peer.h"

#define BE1      RTE_BE32(0xc612000b) /* 198.18.0.11 */
#define BE2      RTE_BE32(0xc612000c) /* 198.18.0.12 */
#define BE_PORT  8080
#define MAX_OUT  64
#define TABLE_SZ 1009

static struct th t;
static struct pcl_lbctl lc;
static const struct rte_ether_addr backend_mac = TH_BACKEND_MAC;

/* What the worker sent, each frame parsed from the side it went to. */
struct out {
	unsigned int n;
	struct pcl_seg g[MAX_OUT];
	char data[MAX_OUT][256];
	bool to_client[MAX_OUT];
};

static void
teardown(void)
{
	pcl_lbctl_fini(&lc);
	th_teardown(&t);
}

static void
set(struct pcl_config *c, const char *key, const char *value)
{
	char err[256];

	cr_assert_eq(pcl_config_set(c, "service:80", key, value, err, sizeof(err)), 0, "%s", err);
}

/* The table, and a 1 s check with 0.5 s to answer, for the backends set already. */
static void
table_and_checks(struct pcl_config *c)
{
	set(c, "table_size", "1009");
	set(c, "check_interval_ms", "1000");
	set(c, "check_timeout_ms", "500");
}

/* Two backends, a 1 s check with 0.5 s to answer, 2 in a row either way. */
static void
two_backends(struct pcl_config *c)
{
	char err[256];

	cr_assert_eq(pcl_config_section(c, "service:80", err, sizeof(err)), 0, "%s", err);
	set(c, "backend", "198.18.0.11:8080");
	set(c, "backend", "198.18.0.12:8080");
	table_and_checks(c);
	set(c, "check_rise", "2");
	set(c, "check_fall", "2");
}

static void
start(void (*tweak)(struct pcl_config *))
{
	th_setup(&t, tweak);
	cr_assert_eq(pcl_lbctl_init(&lc, t.sv, NULL, NULL), 0);
}

#define SUITE(name, extra)                                                                         \
	static void name##_tweak(struct pcl_config *c)                                             \
	{                                                                                          \
		two_backends(c);                                                                   \
		extra;                                                                             \
	}                                                                                          \
	static void name##_setup(void)                                                             \
	{                                                                                          \
		start(name##_tweak);                                                               \
	}                                                                                          \
	TestSuite(name, .init = name##_setup, .fini = teardown)

SUITE(tcp_check, set(c, "check", "tcp"));
SUITE(http_check, set(c, "check", "http"); set(c, "check_path", "/healthz"));
SUITE(down_reset, set(c, "check", "tcp"); set(c, "on_backend_down", "reset"));
SUITE(passive, set(c, "passive_down_ms", "1000"); set(c, "redispatch", "0"));
SUITE(commands, (void)c);

/* Takes every frame the worker queued. */
static void
take(struct out *o)
{
	const struct pcl_pkt_ctx client = {.mac = {{0x02, 0, 0, 0, 0, 0x01}}, .addr = TH_CLIENT_IP};
	unsigned int i;

	o->n = t.w.ifs[0].txq.n;
	cr_assert_leq(o->n, MAX_OUT);
	for (i = 0; i < o->n; i++) {
		struct rte_mbuf *m = t.w.ifs[0].txq.pkts[i];
		const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
		const struct rte_ipv4_hdr *ip = (const void *)(f + PCL_L2_LEN);
		struct pcl_pkt_ctx peer = {.mac = backend_mac, .addr = ip->dst_addr};

		o->to_client[i] = ip->dst_addr == TH_CLIENT_IP;
		cr_assert_eq(pcl_pkt_parse(f, m->data_len, 0, o->to_client[i] ? &client : &peer,
					   &o->g[i]),
			     PCL_PKT_TCP, "frame %u is not valid TCP", i);
		memcpy(o->data[i], f + o->g[i].payload_off, RTE_MIN(o->g[i].len, 255));
		o->data[i][RTE_MIN(o->g[i].len, 255)] = '\0';
		rte_pktmbuf_free(m);
	}
	t.w.ifs[0].txq.n = 0;
}

/* The frame in o that went to backend addr; fails when there is none. */
static const struct pcl_seg *
to_backend(const struct out *o, rte_be32_t addr)
{
	unsigned int i;

	for (i = 0; i < o->n; i++)
		if (!o->to_client[i] && o->g[i].t.laddr == addr)
			return &o->g[i];
	cr_assert_fail("nothing went to backend %08x", rte_be_to_cpu_32(addr));
	return NULL;
}

static const uint8_t us6[16] = {0xfd, 0, 0, 0x18, [15] = 2};
static const uint8_t be6[16] = {0xfd, 0, 0, 0x18, [15] = 0x11};

/*
 * A segment from the backend g went to, answering it. g was parsed as its
 * receiver sees it: laddr and lport are the backend's, raddr and rport ours.
 * An IPv6 one (its tuple's addresses left unresolved, 0) is the IPv6
 * backend's, to port.addr6.
 */
static void
answer(const struct pcl_seg *g, uint8_t flags, uint32_t seq, uint32_t ack, const char *data)
{
	struct pcl_peer_seg s = {
		.src_mac = backend_mac,
		.dst_mac = t.w.ifs[0].ctx.mac,
		.src_addr = g->t.laddr,
		.dst_addr = g->t.raddr,
		.v6 = g->t.laddr == 0,
		.sport = rte_be_to_cpu_16(g->t.lport),
		.dport = rte_be_to_cpu_16(g->t.rport),
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.wnd = 29200,
		.data = data,
		.len = data ? (uint16_t)strlen(data) : 0,
	};
	struct rte_mbuf *m;

	memcpy(s.src6, be6, 16);
	memcpy(s.dst6, us6, 16);
	m = pcl_peer_frame(t.mp, &s);
	cr_assert_not_null(m);
	th_send_mbuf(&t, m);
}

/* This worker's counters for backend b of the service. */
static const struct pcl_backend_stats *
bstats(unsigned int b)
{
	return pcl_backend_stats(t.sv->stats[t.w.lcore], 0, b);
}

static enum pcl_backend_state
state(unsigned int b)
{
	return pcl_backend_state(&t.sv->svc[0].backends[b]);
}

/* How many of the table's slots backend b has. */
static uint32_t
slots(unsigned int b)
{
	const uint16_t *table = pcl_service_table(&t.sv->svc[0]);
	uint32_t k, n = 0;

	for (k = 0; k < TABLE_SZ; k++)
		n += table[k] == b;
	return n;
}

/* One round of checks: backend 1 answers as up_1 says, backend 2 as up_2 (silent when not). */
static void
check_round(bool up_1, bool up_2)
{
	struct out o;

	th_advance(&t, 1000);
	take(&o);
	cr_assert_eq(o.n, 2, "a check to each backend");
	if (up_1)
		answer(to_backend(&o, BE1), RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 9000,
		       to_backend(&o, BE1)->seq + 1, NULL);
	if (up_2)
		answer(to_backend(&o, BE2), RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 9000,
		       to_backend(&o, BE2)->seq + 1, NULL);
	take(&o);            /* the RSTs */
	th_advance(&t, 500); /* the silent ones time out */
	pcl_lbctl_tick(&lc, t.w.tcp.now_us / 1000);
}

Test(tcp_check, a_syn_ack_passes_an_rst_fails)
{
	const struct pcl_seg *s1, *s2;
	struct out o;
	uint32_t isn;

	th_advance(&t, 10);
	take(&o);
	cr_assert_eq(o.n, 2);
	s1 = to_backend(&o, BE1);
	s2 = to_backend(&o, BE2);
	cr_expect_eq(s1->flags, RTE_TCP_SYN_FLAG);
	cr_expect_eq(s1->t.lport, RTE_BE16(BE_PORT), "to the backend's port");
	cr_expect_eq(s1->t.raddr, TH_SERVER_IP, "from our address");
	cr_expect_geq(rte_be_to_cpu_16(s1->t.rport), 1024);
	cr_expect_eq(s1->opts.present, PCL_OPTF_MSS, "an MSS and nothing else");
	cr_expect_eq(th_state(&t, PCL_TCP_PROBE), 2);
	isn = s1->seq;
	answer(s1, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 9000, isn + 1, NULL);
	answer(s2, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, s2->seq + 1, NULL);
	take(&o);
	cr_assert_eq(o.n, 1, "an RST for the SYN-ACK, nothing for the RST");
	cr_expect_eq(o.g[0].flags, RTE_TCP_RST_FLAG);
	cr_expect_eq(o.g[0].seq, isn + 1);
	cr_expect_eq(o.g[0].t.laddr, BE1);
	cr_expect_eq(bstats(0)->checks_ok, 1);
	cr_expect_eq(bstats(1)->checks_failed, 1);
	cr_expect_eq(th_state(&t, PCL_TCP_PROBE), 0);
	/* The next round a second later, not before. */
	th_advance(&t, 980);
	take(&o);
	cr_expect_eq(o.n, 0);
	th_advance(&t, 20);
	take(&o);
	cr_expect_eq(o.n, 2);
}

Test(tcp_check, silence_fails_at_the_timeout)
{
	struct out o;

	th_advance(&t, 10);
	take(&o);
	th_advance(&t, 490);
	cr_expect_eq(bstats(0)->checks_failed, 0);
	th_advance(&t, 20);
	cr_expect_eq(bstats(0)->checks_failed, 1);
	cr_expect_eq(bstats(1)->checks_failed, 1);
	cr_expect_eq(th_state(&t, PCL_TCP_PROBE), 0);
	take(&o);
	cr_expect_eq(o.n, 0, "a tcp check that never connected sends no RST");
}

Test(tcp_check, down_after_fall_up_after_rise_with_its_old_slots)
{
	uint32_t before = slots(1);

	cr_assert_gt(before, TABLE_SZ / 3);
	check_round(true, false);
	cr_expect_eq(state(1), PCL_BACKEND_up, "one failure is not enough");
	check_round(true, false);
	cr_expect_eq(state(1), PCL_BACKEND_down);
	cr_expect_eq(slots(1), 0, "no new connection goes to it");
	cr_expect_eq(slots(0), TABLE_SZ);
	check_round(true, true);
	cr_expect_eq(state(1), PCL_BACKEND_down, "one pass is not enough");
	check_round(true, true);
	cr_expect_eq(state(1), PCL_BACKEND_up);
	cr_expect_eq(slots(1), before, "the same slots as before");
	cr_expect_eq(lc.downs[0][1], 1);
	cr_expect_eq(lc.ups[0][1], 1);
}

Test(http_check, the_status_line_decides)
{
	static const char *const answers[] = {"HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.0 503 Busy\r\n",
					      "HTTP/1.1 20", "garbage that is long enough"};
	static const bool ok[] = {true, false, false, false};
	struct pcl_seg syn, *s = &syn;
	struct out o;
	unsigned int k;
	char want[128];

	for (k = 0; k < RTE_DIM(answers); k++) {
		th_advance(&t, 1000);
		take(&o);
		syn = *to_backend(&o, BE1);
		answer(s, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 5000, s->seq + 1, NULL);
		take(&o);
		cr_assert_eq(o.n, 1);
		cr_expect_eq(o.g[0].flags, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
		cr_expect_eq(o.g[0].seq, s->seq + 1);
		cr_expect_eq(o.g[0].ack, 5001);
		snprintf(want, sizeof(want),
			 "GET /healthz HTTP/1.0\r\nHost: 198.18.0.11\r\nUser-Agent: "
			 "portcullis-check\r\n\r\n");
		cr_expect_str_eq(o.data[0], want);
		answer(&o.g[0], RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 5001, o.g[0].seq + o.g[0].len,
		       answers[k]);
		if (k == 2) { /* a status line cut short, then the connection closes */
			take(&o);
			cr_expect_eq(o.n, 0, "nothing until the line is whole");
			answer(s, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 5001 + 11, 0, NULL);
		}
		take(&o);
		if (k != 2) {
			cr_assert_eq(o.n, 1, "an RST once the status is known");
			cr_expect_eq(o.g[0].flags, RTE_TCP_RST_FLAG);
		}
		th_advance(&t, 500);
		cr_expect_eq(bstats(0)->checks_ok, ok[0], "answer %u", k);
		cr_expect_eq(bstats(0)->checks_failed, k, "answer %u", k);
	}
}

/* A client's connection, spliced: what went to its backend, and our ISN toward the client. */
struct spliced {
	struct pcl_seg syn; /* our SYN to the backend, as it received it */
	uint32_t y;         /* our ISN in the client's handshake */
	uint16_t port;      /* the client's */
};

/*
 * A client's handshake from sport (ISN 100) and its third ACK: returns the
 * SYN that went to the backend Maglev chose, and our ISN toward the client in y.
 */
static struct pcl_seg
connect_from(uint16_t sport, uint32_t *y)
{
	struct th_reply r[2];
	struct out o;

	th_send(&t, &(struct th_seg){.flags = RTE_TCP_SYN_FLAG, .seq = 100, .sport = sport});
	cr_assert_eq(th_replies(&t, r, 2), 1);
	*y = r[0].s.seq;
	th_send(&t, &(struct th_seg){
			    .flags = RTE_TCP_ACK_FLAG, .seq = 101, .ack = *y + 1, .sport = sport});
	take(&o);
	cr_assert_eq(o.n, 1);
	cr_assert_eq(o.g[0].flags, RTE_TCP_SYN_FLAG, "a SYN to the backend");
	return o.g[0];
}

static struct spliced
splice(uint16_t sport)
{
	struct out o;
	struct spliced c = {.port = sport};

	c.syn = connect_from(sport, &c.y);
	answer(&c.syn, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 7000, 101, NULL);
	take(&o);
	cr_assert_eq(th_state(&t, PCL_TCP_PROXY), 1, "the only connection, spliced");
	return c;
}

/*
 * A spliced connection that Maglev gave backend addr: clients from port 20000
 * up until one lands there, the others refused by their backend.
 */
static struct spliced
splice_to(rte_be32_t addr)
{
	struct spliced c;
	struct out o;
	uint16_t port;

	for (port = 20000;; port++) {
		c = splice(port);
		if (c.syn.t.laddr == addr)
			return c;
		answer(&c.syn, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 7001, 101, NULL);
		take(&o);
		cr_assert_lt(port, 20100);
	}
}

/* c still passes data both ways, translated, and closes with both FINs. */
static void
still_spliced(const struct spliced *c)
{
	struct out o;

	th_send(&t, &(struct th_seg){.flags = RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG,
				     .seq = 101,
				     .ack = c->y + 1,
				     .data = "hello",
				     .len = 5,
				     .sport = c->port});
	take(&o);
	cr_assert_eq(o.n, 1, "the client's data goes on");
	cr_expect_eq(o.g[0].t.laddr, c->syn.t.laddr, "to its backend");
	cr_expect_eq(o.g[0].seq, 101);
	cr_expect_eq(o.g[0].ack, 7001);
	cr_expect_str_eq(o.data[0], "hello");
	answer(&c->syn, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 7001, 106, "world");
	take(&o);
	cr_assert_eq(o.n, 1, "the backend's data comes back");
	cr_expect(o.to_client[0]);
	cr_expect_eq(o.g[0].seq, c->y + 1);
	cr_expect_eq(o.g[0].ack, 106);
	cr_expect_str_eq(o.data[0], "world");

	th_send(&t, &(struct th_seg){.flags = RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG,
				     .seq = 106,
				     .ack = c->y + 6,
				     .sport = c->port});
	take(&o);
	cr_assert_eq(o.n, 1);
	cr_expect_eq(o.g[0].flags, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
	answer(&c->syn, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG, 7006, 107, NULL);
	take(&o);
	cr_assert_eq(o.n, 1);
	cr_expect(o.to_client[0]);
	cr_expect_eq(o.g[0].flags, RTE_TCP_FIN_FLAG | RTE_TCP_ACK_FLAG);
	th_send(&t,
		&(struct th_seg){
			.flags = RTE_TCP_ACK_FLAG, .seq = 107, .ack = c->y + 7, .sport = c->port});
	take(&o);
	cr_expect_eq(th_state(&t, PCL_TCP_PROXY), 0);
	cr_expect_eq(t.w.stats.proxy_closed, 1, "closed by both ends, not reset");
}

Test(down_reset, a_backend_going_down_resets_its_connections)
{
	unsigned int b = 1, k, i, to_client = 0, to_backend_side = 0;
	struct out o;

	/* A client whose connection lands on backend 1 (the second). */
	splice_to(BE2);
	for (k = 0; k < 2; k++)
		check_round(true, false);
	cr_assert_eq(state(b), PCL_BACKEND_down);
	th_advance(&t, 1);
	take(&o);
	for (i = 0; i < o.n; i++) {
		if (!(o.g[i].flags & RTE_TCP_RST_FLAG))
			continue;
		to_client += o.to_client[i];
		to_backend_side += !o.to_client[i] && o.g[i].t.laddr == BE2;
	}
	cr_expect_eq(to_client, 1, "the client is told");
	cr_expect_eq(to_backend_side, 1, "and so is the backend");
	cr_expect_eq(th_state(&t, PCL_TCP_PROXY), 0);
	cr_expect_eq(t.w.stats.proxy_backend_down, 1);
	cr_expect_eq(bstats(b)->ended, bstats(b)->conns);
}

Test(tcp_check, a_backend_going_down_keeps_its_connections)
{
	struct spliced c = splice_to(BE2);
	struct out o;

	check_round(true, false);
	check_round(true, false);
	cr_assert_eq(state(1), PCL_BACKEND_down);
	th_advance(&t, 1);
	take(&o);
	cr_expect_eq(o.n, 0, "on_backend_down = keep: no RST");
	cr_expect_eq(t.w.stats.proxy_backend_down, 0);
	still_spliced(&c);
}

Test(commands, drain_keeps_existing_connections_takes_no_new_ones)
{
	struct spliced c = splice_to(BE2);
	char reply[256];
	struct out o;
	uint16_t port;
	uint32_t y;

	cr_assert_eq(
		pcl_lbctl_command(&lc, "backend drain 80 198.18.0.12:8080", reply, sizeof(reply)),
		0, "%s", reply);
	/* New clients: each one's SYN goes to backend 0; the client gives up. */
	for (port = 30000; port < 30050; port++) {
		cr_expect_eq(connect_from(port, &y).t.laddr, BE1,
			     "client port %u to the drained backend", port);
		th_send(&t, &(struct th_seg){.flags = RTE_TCP_RST_FLAG, .seq = 101, .sport = port});
		take(&o);
	}
	still_spliced(&c);
	cr_expect_eq(state(1), PCL_BACKEND_draining);
	cr_expect_eq(bstats(1)->conns, 1);
	cr_expect_eq(bstats(1)->ended, 1);
}

Test(passive, failed_handshakes_take_a_backend_out_for_a_while)
{
	struct pcl_seg syn;
	struct out o;
	uint16_t port;
	uint32_t y;
	unsigned int refused = 0;

	/* Backend 2 refuses every handshake; with redispatch 0 the client gets an RST. */
	for (port = 20000; refused < 2; port++) {
		syn = connect_from(port, &y);
		answer(&syn, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, 101, NULL);
		refused += syn.t.laddr == BE2;
		take(&o);
	}
	cr_expect_eq(bstats(1)->hs_rst, 2);
	pcl_lbctl_tick(&lc, t.w.tcp.now_us / 1000);
	cr_expect_eq(state(1), PCL_BACKEND_down, "two refusals in a row (check_fall)");
	cr_expect_eq(slots(1), 0);
	th_advance(&t, 900);
	pcl_lbctl_tick(&lc, t.w.tcp.now_us / 1000);
	cr_expect_eq(state(1), PCL_BACKEND_down);
	th_advance(&t, 200);
	pcl_lbctl_tick(&lc, t.w.tcp.now_us / 1000);
	cr_expect_eq(state(1), PCL_BACKEND_up, "back after passive_down_ms");
}

static int
command(const char *line, char *reply)
{
	return pcl_lbctl_command(&lc, line, reply, 256);
}

Test(commands, drain_weight_add_remove)
{
	char reply[256];
	uint32_t s0 = slots(0), s1 = slots(1);

	cr_expect_eq(command("backend drain 80 198.18.0.12:8080", reply), 0, "%s", reply);
	cr_expect_str_eq(reply, "service 80 backend 198.18.0.12:8080: draining");
	cr_expect_eq(state(1), PCL_BACKEND_draining);
	cr_expect_eq(slots(1), 0);
	cr_expect_eq(command("backend undrain 80 198.18.0.12:8080", reply), 0, "%s", reply);
	cr_expect_eq(slots(0), s0);
	cr_expect_eq(slots(1), s1);

	cr_expect_eq(command("backend weight 80 198.18.0.12:8080 300", reply), 0, "%s", reply);
	cr_expect_gt(slots(1), 2 * slots(0), "three times the weight: about three times the slots");

	cr_expect_eq(command("backend add 80 198.18.0.13:8080 weight=100", reply), 0, "%s", reply);
	cr_expect_str_eq(reply, "service 80 backend 198.18.0.13:8080 added, weight 100");
	cr_expect_gt(slots(2), 0);
	cr_expect_eq(command("backend remove 80 198.18.0.13:8080", reply), 0, "%s", reply);
	cr_expect_eq(state(2), PCL_BACKEND_removed);
	cr_expect_eq(slots(2), 0);
	/* A removed backend comes back at its old index. */
	cr_expect_eq(command("backend add 80 198.18.0.13:8080", reply), 0, "%s", reply);
	cr_expect_eq(t.sv->svc[0].nbackends, 3);
	cr_expect_eq(state(2), PCL_BACKEND_up);
}

Test(commands, bad_commands_change_nothing)
{
	static const char *const bad[][2] = {
		{"backend add 80 198.18.0.11:8080", "already there"},
		{"backend add 80 10.0.0.1:80", "on the subnet of none of our ports"},
		{"backend add 80 198.18.0.2:80", "our own address"},
		{"backend add 81 198.18.0.13:80", "no service on port '81'"},
		{"backend add 80 198.18.0.13:80 weight=x", "weight=N"},
		{"backend drain 80 198.18.0.99:8080", "has no backend"},
		{"backend weight 80 198.18.0.11:8080 2000000", "expected 0..1000000"},
		{"backend shout 80 198.18.0.11:8080", "unknown verb"},
		{"backend", "usage"},
		{"frobnicate", "unknown command"},
		{"reload", "no config file"},
	};
	const uint16_t *table = pcl_service_table(&t.sv->svc[0]);
	char reply[256];
	unsigned int k;

	for (k = 0; k < RTE_DIM(bad); k++) {
		cr_expect_neq(command(bad[k][0], reply), 0, "'%s' was accepted", bad[k][0]);
		cr_expect_not_null(strstr(reply, bad[k][1]), "'%s': '%s'", bad[k][0], reply);
	}
	cr_expect_eq(pcl_service_table(&t.sv->svc[0]), table, "the table was not rebuilt");
	cr_expect_eq(t.sv->svc[0].nbackends, 2);
}

/* What the reload callback gives: a config made by the test. */
static struct pcl_config next;
static bool next_bad;

static int
fake_reload(struct pcl_config *out, char *err, size_t errlen, void *arg)
{
	RTE_SET_USED(arg);
	if (next_bad) {
		snprintf(err, errlen, "test.conf:3: service:80.backend: 'x' is not an address");
		return -EINVAL;
	}
	*out = next;
	return 0;
}

/* next as a config file without keys but port.addr would leave it. */
static void
fresh_next(void)
{
	pcl_config_defaults(&next);
	next.addr = TH_SERVER_IP;
	next.prefix_len = 24;
}

Test(commands, reload_applies_backends_and_weights_only)
{
	char reply[256], err[256];

	pcl_lbctl_fini(&lc);
	cr_assert_eq(pcl_lbctl_init(&lc, t.sv, fake_reload, NULL), 0);
	next_bad = true;
	cr_expect_neq(command("reload", reply), 0);
	cr_expect_str_eq(reply, "reload: test.conf:3: service:80.backend: 'x' is not an address "
				"(nothing changed)");

	next_bad = false;
	fresh_next();
	two_backends(&next);
	cr_assert_eq(pcl_config_set(&next, "service:80", "table_size", "1013", err, sizeof(err)),
		     0);
	cr_assert_eq(pcl_config_finish(&next, err, sizeof(err)), 0, "%s", err);
	cr_expect_neq(command("reload", reply), 0);
	cr_expect_not_null(strstr(reply, "keys other than backend changed"), "%s", reply);

	/* Drop .12, add .13 with weight 50, .11 reweighted. */
	fresh_next();
	cr_assert_eq(pcl_config_section(&next, "service:80", err, sizeof(err)), 0);
	two_backends(&next);
	next.services[0].nbackends = 0;
	set(&next, "backend", "198.18.0.11:8080 weight=200");
	set(&next, "backend", "198.18.0.13:8080 weight=50");
	cr_assert_eq(pcl_config_finish(&next, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(command("reload", reply), 0, "%s", reply);
	cr_expect_str_eq(reply, "reload: 1 backends added, 1 removed, 1 reweighted");
	cr_expect_eq(state(1), PCL_BACKEND_removed);
	cr_expect_eq(state(2), PCL_BACKEND_up);
	cr_expect_eq(t.sv->svc[0].backends[0].weight, 200);
	cr_expect_eq(slots(1), 0);
	cr_expect_gt(slots(0), 3 * slots(2));
}

/*
 * A handshake its backend refuses after the table changed under it: the
 * next backend is found in the new table, though the client's own slot
 * there now names a backend never tried.
 */
Test(commands, a_refused_handshake_moves_on_after_the_table_changed)
{
	struct pcl_seg syn, next;
	char reply[256];
	struct out o;
	uint16_t port;
	uint32_t y;

	for (port = 20000;; port++) {
		syn = connect_from(port, &y);
		if (syn.t.laddr == BE2)
			break;
		th_send(&t, &(struct th_seg){.flags = RTE_TCP_RST_FLAG, .seq = 101, .sport = port});
		take(&o);
		cr_assert_lt(port, 20100);
	}
	/* Backend 1 drained while our SYN to it is out: the table is all backend 0's. */
	cr_assert_eq(
		pcl_lbctl_command(&lc, "backend drain 80 198.18.0.12:8080", reply, sizeof(reply)),
		0, "%s", reply);
	answer(&syn, RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG, 0, syn.seq + 1, NULL);
	take(&o);
	cr_assert_eq(o.n, 1);
	next = o.g[0];
	cr_expect(!o.to_client[0], "not an RST to the client");
	cr_expect_eq(next.flags, RTE_TCP_SYN_FLAG, "a SYN");
	cr_expect_eq(next.t.laddr, BE1, "to backend 0");
	cr_expect_eq(t.w.stats.redispatches, 1);
	cr_expect_eq(t.w.stats.proxy_failed, 0);
}

/* ---- an IPv6 backend's health checks ---- */

static void
one_backend6(struct pcl_config *c)
{
	char err[256];

	cr_assert_eq(pcl_config_set(c, "port", "addr6", "fd00:18::2/64", err, sizeof(err)), 0, "%s",
		     err);
	set(c, "backend", "[fd00:18::11]:8080");
	table_and_checks(c);
	set(c, "check", "http");
}

static void
http_check6_setup(void)
{
	start(one_backend6);
}

TestSuite(http_check6, .init = http_check6_setup, .fini = teardown);

/* The one frame queued, parsed as the IPv6 backend reads it, its payload in data. */
static struct pcl_seg
take6(char *data, size_t len)
{
	struct pcl_pkt_ctx peer = {.mac = backend_mac, .has6 = true};
	struct rte_mbuf *m;
	struct pcl_seg g;

	memcpy(peer.addr6, be6, 16);
	cr_assert_eq(t.w.ifs[0].txq.n, 1, "%u frames queued, not 1", t.w.ifs[0].txq.n);
	m = t.w.ifs[0].txq.pkts[0];
	cr_assert_eq(pcl_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, 0, &peer, &g),
		     PCL_PKT_TCP6);
	cr_assert(memcmp(g.a6, us6, 16) == 0, "from port.addr6");
	snprintf(data, len, "%.*s", (int)g.len, rte_pktmbuf_mtod_offset(m, char *, g.payload_off));
	rte_pktmbuf_free(m);
	t.w.ifs[0].txq.n = 0;
	return g;
}

/* An http check over IPv6: our SYN (MSS mtu - 60), the GET with Host: [addr], the status. */
Test(http_check6, passes_over_ipv6)
{
	char data[256];
	struct pcl_seg syn, g;

	th_advance(&t, 1000);
	syn = take6(data, sizeof(data));
	cr_expect_eq(syn.flags, RTE_TCP_SYN_FLAG);
	cr_expect_eq(syn.t.lport, RTE_BE16(BE_PORT));
	cr_expect_eq(syn.opts.mss, t.cfg.tcp.mss - 20, "IPv6's MSS");
	answer(&syn, RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG, 5000, syn.seq + 1, NULL);
	g = take6(data, sizeof(data));
	cr_expect_eq(g.flags, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG);
	cr_expect_str_eq(data, "GET / HTTP/1.0\r\nHost: [fd00:18::11]\r\nUser-Agent: "
			       "portcullis-check\r\n\r\n");
	answer(&g, RTE_TCP_ACK_FLAG | RTE_TCP_PSH_FLAG, 5001, g.seq + g.len,
	       "HTTP/1.1 200 OK\r\n\r\n");
	g = take6(data, sizeof(data));
	cr_expect_eq(g.flags, RTE_TCP_RST_FLAG);
	cr_expect_eq(bstats(0)->checks_ok, 1);
	cr_expect_eq(bstats(0)->checks_failed, 0);
	th_advance(&t, 500);
	cr_expect_eq(th_state(&t, PCL_TCP_PROBE), 0);
}

/* The commands name IPv6 backends in brackets; a backend of the other family is refused. */
Test(http_check6, commands_take_ipv6_backends)
{
	struct pcl_backend_info bi;
	char reply[256];

	cr_expect_eq(command("backend drain 80 [fd00:18::11]:8080", reply), 0, "%s", reply);
	cr_expect_str_eq(reply, "service 80 backend [fd00:18::11]:8080: draining");
	cr_expect_eq(state(0), PCL_BACKEND_draining);
	cr_expect_eq(command("backend undrain 80 [fd00:18::11]:8080", reply), 0, "%s", reply);
	cr_expect_eq(command("backend add 80 [fd00:18::12]:8080 weight=50", reply), 0, "%s", reply);
	cr_expect_str_eq(reply, "service 80 backend [fd00:18::12]:8080 added, weight 50");
	cr_expect_eq(command("backend weight 80 [fd00:18::12]:8080 200", reply), 0, "%s", reply);
	cr_expect_eq(command("backend remove 80 [fd00:18::12]:8080", reply), 0, "%s", reply);
	cr_expect_eq(state(1), PCL_BACKEND_removed);
	cr_expect_neq(command("backend add 80 198.18.0.13:8080", reply), 0);
	cr_expect_str_eq(reply, "service 80: its backends are IPv6, all of them");
	cr_expect_neq(command("backend add 80 [fd00:19::1]:8080", reply), 0);
	cr_expect_not_null(strstr(reply, "on the subnet of none of our ports"), "%s", reply);
	cr_expect_neq(command("backend add 80 [fd00:18::2]:8080", reply), 0, "our own address");
	cr_expect_neq(command("backend drain 80 fd00:18::11:8080", reply), 0, "no brackets");
	cr_assert_eq(pcl_lbctl_backend_info(&lc, 0, 0, &bi), 0);
	cr_expect_str_eq(bi.name, "[fd00:18::11]:8080", "as telemetry and Prometheus name it");
	cr_expect_eq(t.sv->svc[0].nbackends, 2);
}

/* A reload adds and reweights IPv6 backends; one that turns the service IPv4 is refused. */
Test(http_check6, reload_takes_ipv6_backends)
{
	char reply[256], err[256];

	pcl_lbctl_fini(&lc);
	cr_assert_eq(pcl_lbctl_init(&lc, t.sv, fake_reload, NULL), 0);
	next_bad = false;
	fresh_next();
	one_backend6(&next);
	next.services[0].nbackends = 0;
	set(&next, "backend", "[fd00:18::11]:8080 weight=200");
	set(&next, "backend", "[fd00:18::13]:8080");
	cr_assert_eq(pcl_config_finish(&next, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(command("reload", reply), 0, "%s", reply);
	cr_expect_str_eq(reply, "reload: 1 backends added, 0 removed, 1 reweighted");
	cr_expect_eq(state(1), PCL_BACKEND_up);
	cr_expect_eq(t.sv->svc[0].backends[0].weight, 200);

	next.services[0].nbackends = 0;
	set(&next, "backend", "198.18.0.11:8080");
	cr_assert_eq(pcl_config_finish(&next, err, sizeof(err)), 0, "%s", err);
	cr_expect_neq(command("reload", reply), 0);
	cr_expect_str_eq(reply, "reload: service:80: backends of another family need a restart "
				"(nothing changed)");
	cr_expect_eq(t.sv->svc[0].nbackends, 2);
}
