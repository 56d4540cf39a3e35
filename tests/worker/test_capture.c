/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The in-process capture (lib/ctl/pcl_capture) on a net_ring port whose TX
 * ring is its RX ring: every frame sent is seen twice, going out and coming
 * back in. The pcapng file is read back with libpcap and compared byte for
 * byte; the status counters must account for every packet.
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "harness.h"
#include "ctl/pcl_capture.h"
#include "worker/pcl_port.h"

#define NFRAMES 10

static struct th t;
static uint16_t port;
static char dir[] = "/tmp/pcl-capture-test.XXXXXX";
static char path[64];
static char err[256];
/* What was sent, in order: each frame once out, then once in. */
static uint8_t sent[2 * NFRAMES][256];
static uint32_t sent_len[2 * NFRAMES];
static unsigned int nsent;

/* A port of nq queue pairs, each looping its TX into its RX. */
static void
loop_port(unsigned int nq)
{
	static unsigned int ports;
	struct rte_mempool *mps[2] = {t.mp, t.mp};
	struct rte_ring *r[2];
	char name[32];
	unsigned int q;

	for (q = 0; q < nq; q++) {
		snprintf(name, sizeof(name), "cap_loop%u_%u", ports, q);
		r[q] = rte_ring_create(name, 1024, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
		cr_assert_not_null(r[q]);
	}
	snprintf(name, sizeof(name), "cap_loop%u", ports++);
	port = (uint16_t)rte_eth_from_rings(name, r, nq, r, nq, 0);
	cr_assert_lt(port, RTE_MAX_ETHPORTS, "net_ring: %s", rte_strerror(rte_errno));
	cr_assert_eq(pcl_port_start(port, (uint16_t)nq, &t.cfg.port, mps, NULL), 0);
}

static void
setup_capture(void)
{
	th_setup(&t, NULL);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.pcapng", dir);
	loop_port(1);
	cr_assert_eq(pcl_capture_init(&port, 1, NULL, 0), 0);
	nsent = 0;
}

static void
teardown_capture(void)
{
	char cmd[128];

	pcl_capture_fini();
	th_teardown(&t);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

TestSuite(capture, .init = setup_capture, .fini = teardown_capture);

/* Options for path with the defaults, then the spec's. */
static struct pcl_capture_opts
opts(const char *spec)
{
	struct pcl_capture_opts o;
	char s[256];

	snprintf(s, sizeof(s), "%s%s", path, spec);
	cr_assert_eq(pcl_capture_parse(s, &o, err, sizeof(err)), 0, "%s", err);
	return o;
}

static void
start(const char *spec)
{
	struct pcl_capture_opts o = opts(spec);

	cr_assert_eq(pcl_capture_start(&o, err, sizeof(err)), 0, "%s", err);
}

/*
 * Sends frame i (a TCP segment to port 80, or 81 when i is odd; len bytes
 * of payload) on queue q and takes it back in, recording both copies.
 */
static void
loop_frame(uint16_t q, unsigned int i, uint16_t len)
{
	static const uint8_t payload[200];
	struct rte_mbuf *m = th_frame(&t, &(struct th_seg){.flags = ACK | PSH,
							   .seq = 1000 + i,
							   .dport = (uint16_t)(80 + i % 2),
							   .data = payload,
							   .len = len});
	unsigned int k;

	for (k = 0; k < 2 && nsent < RTE_DIM(sent); k++) {
		sent_len[nsent] = m->pkt_len;
		memcpy(sent[nsent++], rte_pktmbuf_mtod(m, void *), m->pkt_len);
	}
	cr_assert_eq(rte_eth_tx_burst(port, q, &m, 1), 1);
	cr_assert_eq(rte_eth_rx_burst(port, q, &m, 1), 1);
	rte_pktmbuf_free(m);
}

static void
loop_frames(unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		loop_frame(0, i, (uint16_t)(10 * i));
}

/* Waits (10 s at most) for the capture to end by itself; returns its status. */
static struct pcl_capture_status
wait_done(void)
{
	struct pcl_capture_status st;
	int i;

	for (i = 0; i < 1000; i++) {
		pcl_capture_status(&st);
		if (st.state == PCL_CAPTURE_DONE)
			return st;
		usleep(10000);
	}
	cr_assert_fail("the capture did not end by itself within 10 s");
	return st;
}

/* Every packet that passed the filter is written, dropped or left unwritten. */
static void
accounted(const struct pcl_capture_status *st)
{
	cr_expect_eq(st->matched, st->packets + st->ring_full + st->nombuf + st->not_written,
		     "matched %lu != packets %lu + ring_full %lu + nombuf %lu + not_written %lu",
		     st->matched, st->packets, st->ring_full, st->nombuf, st->not_written);
}

/*
 * Reads the file back: n packets, each equal to what was sent (every step
 * frames when step is 2: a filter kept one frame in two), cut at snaplen,
 * stamped with the time of day in order.
 */
static void
expect_file(unsigned int n, unsigned int step, uint32_t snaplen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	double now = (double)time(NULL), t, prev = 0;
	unsigned int i = 0, s;
	pcap_t *p = pcap_open_offline(path, ebuf);

	cr_assert_not_null(p, "%s", ebuf);
	cr_expect_eq(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &data) == 1) {
		s = step == 1 ? i : (i / 2) * 4 + i % 2;
		cr_assert_lt(i, n, "more than %u packets in the file", n);
		cr_expect_eq(h->len, sent_len[s], "packet %u: length %u, sent %u", i, h->len,
			     sent_len[s]);
		cr_expect_eq(h->caplen, RTE_MIN(sent_len[s], snaplen), "packet %u: caplen %u", i,
			     h->caplen);
		cr_expect(memcmp(data, sent[s], h->caplen) == 0, "packet %u: other bytes", i);
		t = (double)h->ts.tv_sec + h->ts.tv_usec / 1e6;
		cr_expect(t >= prev && t > now - 60 && t < now + 60, "packet %u: time %f, now %f",
			  i, t, now);
		prev = t;
		i++;
	}
	pcap_close(p);
	cr_expect_eq(i, n, "%u packets in the file, want %u", i, n);
}

/*
 * The interface (in the file's order: the process's ports by id) of the
 * file's packet i, from its Enhanced Packet Block: libpcap does not say.
 */
static unsigned int
interface_of(unsigned int i)
{
	uint32_t hdr[3];
	unsigned int k = 0;
	FILE *f = fopen(path, "rb");

	cr_assert_not_null(f);
	while (fread(hdr, sizeof(hdr), 1, f) == 1) {
		/* type, total length, then an EPB's interface id */
		if (hdr[0] == 6 && k++ == i)
			break;
		cr_assert(fseek(f, (long)hdr[1] - (long)sizeof(hdr), SEEK_CUR) == 0);
	}
	fclose(f);
	cr_assert_eq(k, i + 1, "no packet %u in the file", i);
	return hdr[2];
}

Test(capture, both_directions_byte_for_byte)
{
	struct pcl_capture_status st;

	start("");
	pcl_capture_status(&st);
	cr_expect_eq(st.state, PCL_CAPTURE_RUNNING);
	loop_frames(NFRAMES);
	cr_assert_eq(pcl_capture_stop(&st), 0);
	cr_expect_eq(st.state, PCL_CAPTURE_DONE);
	cr_expect_str_eq(st.reason, "stop");
	cr_expect_eq(st.packets, 2 * NFRAMES);
	cr_expect_eq(st.matched, 2 * NFRAMES);
	cr_expect_eq(st.filtered + st.ring_full + st.nombuf + st.not_written, 0);
	accounted(&st);
	expect_file(2 * NFRAMES, 1, UINT32_MAX);

	/* Stopped, the callbacks are gone: nothing more is seen. */
	loop_frames(2);
	pcl_capture_status(&st);
	cr_expect_eq(st.matched, 2 * NFRAMES);
}

Test(capture, filter_keeps_port_80)
{
	struct pcl_capture_status st;

	start(",filter=tcp dst port 80");
	loop_frames(NFRAMES);
	cr_assert_eq(pcl_capture_stop(&st), 0);
	cr_expect_eq(st.packets, NFRAMES);
	cr_expect_eq(st.filtered, NFRAMES);
	cr_expect_str_eq(st.opts.filter, "tcp dst port 80");
	accounted(&st);
	expect_file(NFRAMES, 2, UINT32_MAX);
}

Test(capture, packet_limit_ends_it)
{
	struct pcl_capture_status st;

	start(",packets=7");
	loop_frames(NFRAMES);
	st = wait_done();
	cr_expect_str_eq(st.reason, "packets");
	cr_expect_eq(st.packets, 7);
	cr_expect_eq(st.not_written, 2 * NFRAMES - 7);
	accounted(&st);
	expect_file(7, 1, UINT32_MAX);
}

Test(capture, byte_limit_ends_it)
{
	struct pcl_capture_status st;
	unsigned int i;
	uint64_t block;

	start(",bytes=1000");
	for (i = 0; i < NFRAMES; i++)
		loop_frame(0, 2 * i, 100);
	st = wait_done();
	cr_expect_str_eq(st.reason, "bytes");
	cr_assert_gt(st.packets, 0);
	block = st.bytes / st.packets;
	cr_expect_eq(st.bytes, st.packets * block, "frames of one size, blocks of one size");
	cr_expect(st.bytes <= 1000 && st.bytes + block > 1000, "%lu bytes in blocks of %lu",
		  st.bytes, block);
	accounted(&st);
	expect_file((unsigned int)st.packets, 1, UINT32_MAX);
}

Test(capture, snaplen_cuts_keeps_length)
{
	struct pcl_capture_status st;

	start(",snaplen=64");
	loop_frames(NFRAMES);
	cr_assert_eq(pcl_capture_stop(&st), 0);
	cr_expect_eq(st.packets, 2 * NFRAMES);
	expect_file(2 * NFRAMES, 1, 64);
}

Test(capture, time_limit_ends_it)
{
	struct pcl_capture_status st;
	int i;

	start(",seconds=1");
	/* Up to 10 s: a loaded machine may run the writer late, never early. */
	for (i = 0; i < 1000; i++) {
		pcl_capture_status(&st);
		if (st.state == PCL_CAPTURE_DONE)
			break;
		usleep(10000);
	}
	cr_assert_eq(st.state, PCL_CAPTURE_DONE);
	cr_expect_str_eq(st.reason, "seconds");
	cr_expect(st.elapsed_ms >= 1000 && st.elapsed_ms < 10000, "%lu ms", st.elapsed_ms);
	expect_file(0, 1, UINT32_MAX);
}

Test(capture, two_queues_and_a_second_capture)
{
	struct pcl_capture_status st;
	unsigned int i;

	pcl_capture_fini();
	loop_port(2);
	cr_assert_eq(pcl_capture_init(&port, 1, NULL, 0), 0);
	start("");
	for (i = 0; i < NFRAMES; i++)
		loop_frame((uint16_t)(i % 2), i, 20);
	cr_assert_eq(pcl_capture_stop(&st), 0);
	cr_expect_eq(st.packets, 2 * NFRAMES);
	expect_file(2 * NFRAMES, 1, UINT32_MAX);

	/* Again, into another file: the last capture's resources are gone. */
	snprintf(path, sizeof(path), "%s/b.pcapng", dir);
	nsent = 0;
	start(",filter=tcp");
	loop_frames(4);
	cr_assert_eq(pcl_capture_stop(&st), 0);
	cr_expect_eq(st.packets, 8);
	expect_file(8, 1, UINT32_MAX);
}

Test(capture, two_ports_one_file)
{
	struct pcl_capture_status st;
	uint16_t ports[2];
	unsigned int i;

	pcl_capture_fini();
	ports[0] = port;
	loop_port(1);
	ports[1] = port;
	cr_assert_eq(pcl_capture_init(ports, 2, NULL, 0), 0);
	start("");
	for (i = 0; i < NFRAMES; i++) {
		port = ports[i % 2];
		loop_frame(0, i, 30);
	}
	cr_assert_eq(pcl_capture_stop(&st), 0);
	cr_expect_eq(st.packets, 2 * NFRAMES);
	expect_file(2 * NFRAMES, 1, UINT32_MAX);
	/* Each frame, out and back in, on the interface of its port. */
	for (i = 0; i < 2 * NFRAMES; i++)
		cr_expect_eq(interface_of(i), (i / 2) % 2, "packet %u: interface %u", i,
			     interface_of(i));
}

Test(capture, refusals)
{
	struct pcl_capture_opts o = opts("");
	struct pcl_capture_status st;

	cr_expect_eq(pcl_capture_stop(&st), -ENOENT, "nothing started yet");
	cr_expect_eq(st.state, PCL_CAPTURE_OFF);
	cr_assert_eq(pcl_capture_start(&o, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(pcl_capture_start(&o, err, sizeof(err)), -EBUSY);
	cr_expect(strstr(err, "is running; stop it first") != NULL, "%s", err);
	cr_assert_eq(pcl_capture_stop(&st), 0);
	cr_expect_eq(pcl_capture_start(&o, err, sizeof(err)), -EEXIST, "never overwrites");
	cr_expect(strstr(err, "a capture never replaces a file") != NULL, "%s", err);

	o = opts(",filter=tcp port");
	snprintf(o.path, sizeof(o.path), "%s/c.pcapng", dir);
	cr_expect_eq(pcl_capture_start(&o, err, sizeof(err)), -EINVAL);
	cr_expect(strncmp(err, "filter: ", 8) == 0, "%s", err);
	cr_expect_neq(access(o.path, F_OK), 0, "no file is left by a refused start");
	snprintf(o.path, sizeof(o.path), "%s/no/such/dir.pcapng", dir);
	o.filter[0] = '\0';
	cr_expect_eq(pcl_capture_start(&o, err, sizeof(err)), -ENOENT);

	pcl_capture_fini();
	snprintf(o.path, sizeof(o.path), "%s/d.pcapng", dir);
	cr_expect_eq(pcl_capture_start(&o, err, sizeof(err)), -ENODEV, "after fini");
}

Test(capture, exit_ends_a_running_capture)
{
	struct pcl_capture_status st;

	start("");
	loop_frames(3);
	pcl_capture_fini();
	pcl_capture_status(&st);
	cr_expect_eq(st.state, PCL_CAPTURE_DONE);
	cr_expect_str_eq(st.reason, "exit");
	cr_expect_eq(st.packets, 6);
	expect_file(6, 1, UINT32_MAX);
}
