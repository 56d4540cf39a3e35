/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An HTTP body sent by reference (net/pcl_ref.h) on an interface that takes
 * chained mbufs: each data segment is a chain of the headers (with what of
 * the payload is copied) and the body's bytes attached where they are; made
 * flat, as a client receives it, it is valid TCP (checksum included) and
 * carries the answer's bytes. A retransmission of a segment is the same
 * frame to the byte, and once everything is acknowledged no reference to
 * the body is left.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "app/pcl_http.h"
#include "harness.h"

#define BODY 3000
#define MSS  1460

static struct th t;

/* A 3000-byte body, the RTO at 200 ms. */
static void
tweak(struct pcl_config *c)
{
	char err[128];

	cr_assert_eq(pcl_config_set(c, "http", "body_size", "3000", err, sizeof(err)), 0, "%s",
		     err);
	cr_assert_eq(pcl_config_set(c, "timers", "rto_ms", "200", err, sizeof(err)), 0, "%s", err);
}

static void
setup(void)
{
	th_setup(&t, tweak);
	t.w.tcp.ifs[0].chain = true;
}

static void
teardown(void)
{
	th_teardown(&t);
}

TestSuite(body_ref, .init = setup, .fini = teardown);

/* A frame the worker sent, flat in f (as a client receives it) and parsed into s. */
struct frame {
	uint8_t f[2048];
	uint32_t len;
	uint16_t nb_segs;
	struct pcl_seg s;
};

/* Takes the n frames queued, flat; fails on any that is not valid TCP to the client. */
static void
take(struct frame *out, unsigned int n)
{
	struct pcl_pkt_ctx client = {.mac = {{0x02, 0, 0, 0, 0, 0x01}}, .addr = TH_CLIENT_IP};
	struct pcl_txq *q = &t.w.ifs[0].txq;
	unsigned int i;

	cr_assert_eq(q->n, n, "%u frames queued, %u expected", q->n, n);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = q->pkts[i];
		const void *p;

		cr_assert_leq(m->pkt_len, sizeof(out[i].f));
		out[i].len = m->pkt_len;
		out[i].nb_segs = m->nb_segs;
		p = rte_pktmbuf_read(m, 0, m->pkt_len, out[i].f);
		cr_assert_not_null(p);
		if (p != out[i].f)
			memcpy(out[i].f, p, m->pkt_len);
		cr_assert_eq(pcl_pkt_parse(out[i].f, out[i].len, 0, &client, &out[i].s),
			     PCL_PKT_TCP, "frame %u is not valid TCP (checksums included)", i);
		rte_pktmbuf_free(m);
	}
	q->n = 0;
}

Test(body_ref, chained_segments_and_their_retransmission)
{
	static const char get10[] = "GET / HTTP/1.0\r\n\r\n";
	static const uint8_t mss[4] = {2, 4, MSS >> 8, MSS & 0xff};
	const struct pcl_http_resp *r = t.apps.listeners.l[0].app_data;
	const char *hdr = r->hdr[0][1].text;
	uint32_t hlen = r->hdr[0][1].len, x = 1000, u = x + 1 + sizeof(get10) - 1, y, off = 0;
	struct frame seg[3], again;
	unsigned int i;

	cr_assert_geq(BODY, PCL_HTTP_REF_MIN, "the body goes by reference");
	y = th_handshake(&t, x, mss, sizeof(mss));
	th_send(&t, &(struct th_seg){.flags = ACK | PSH,
				     .seq = x + 1,
				     .ack = y + 1,
				     .data = get10,
				     .len = sizeof(get10) - 1});
	take(seg, 3);
	for (i = 0; i < 3; i++) {
		const uint8_t *p = seg[i].f + seg[i].s.payload_off;
		uint32_t j;

		cr_assert_eq(seg[i].nb_segs, 2, "segment %u is a chain", i);
		cr_assert_eq(seg[i].s.seq, y + 1 + off);
		for (j = 0; j < seg[i].s.len; j++, off++) {
			uint8_t want =
				off < hlen ? (uint8_t)hdr[off] : (uint8_t)r->body->data[off - hlen];

			cr_assert_eq(p[j], want, "byte %u of the answer", off);
		}
	}
	cr_assert_eq(off, hlen + BODY, "the whole answer");
	cr_assert(seg[2].s.flags & FIN, "the FIN rides on the last segment");

	/* Nothing acknowledged: the first segment again, the same frame to the byte. */
	th_advance(&t, 250);
	take(&again, 1);
	cr_assert_eq(again.nb_segs, 2);
	cr_assert_eq(again.len, seg[0].len);
	cr_assert_arr_eq(again.f, seg[0].f, seg[0].len, "the retransmission is the same frame");

	/* Everything acknowledged: the send queue lets the body go. */
	th_send(&t, &(struct th_seg){.flags = ACK, .seq = u, .ack = y + 1 + off + 1});
	cr_assert_eq(rte_mbuf_ext_refcnt_read(&r->body->sh[rte_lcore_id()].sh), 1,
		     "no reference left but the body's own");
}
