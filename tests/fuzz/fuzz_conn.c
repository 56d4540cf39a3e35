/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a sequence of events against the worker, so the fuzzer
 * can walk connections through every state. The input is a list of records,
 * each [op][len: 2 bytes, big endian][len bytes]:
 *
 *   op % 8 == 0  a raw frame of len bytes
 *   op % 8 == 1  the clock moves on by len * 10 ms (no bytes follow)
 *   op % 8 == 2  a segment from client port 40000, built from the bytes:
 *                flags, seq - client ISN (4), ack - server ISN (4), window (2),
 *                option length (1, at most 40), options, payload
 *   op % 8 == 3  the same from client port 40001 to port 7 (echo)
 *   op % 8 == 4  the same from client port 40002 to port 8080 (http with a
 *                40000-byte answer: congestion control and loss recovery)
 *   op % 8 >= 5  as op - 4
 *
 * and with op & 8 the segments of ops 2-4 come over IPv6 (FZ_CLIENT_IP6 to
 * port.addr6), as the scenario runner's -6 dumps them.
 *
 * Relative sequence numbers let the fuzzer hit acceptable segments: the
 * server's ISN is taken from its last SYN-ACK, and SACK blocks are
 * relative to it too. A truncated record ends the
 * input. tests/scenarios/pcl-scenario --dump writes such files from the
 * scenario scripts: the seed corpus.
 */
#include <string.h>

#include <rte_tcp.h>

#include "fuzz_worker.h"
#include "net/pcl_pkt.h"
#include "peer/pcl_peer.h"

#define CLIENT_ISN 1000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Remembers the server's ISN from a SYN-ACK among the replies. */
static void
learn_isn(void *arg, const struct rte_mbuf *m)
{
	bool v6 = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
		  RTE_BE16(RTE_ETHER_TYPE_IPV6);
	const struct rte_tcp_hdr *th;

	if (m->data_len < (v6 ? PCL_HDR6_LEN : PCL_HDR_LEN))
		return;
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *,
				     PCL_L2_LEN + (v6 ? PCL_IP6_LEN : PCL_IP_LEN));
	if ((th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) ==
	    (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG))
		*(uint32_t *)arg = rte_be_to_cpu_32(th->sent_seq);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* SACK edges in opts (len bytes) from relative to the server's ISN to absolute. */
static void
sack_absolute(uint8_t *o, unsigned int len, uint32_t server_isn)
{
	unsigned int i = 0, k;

	while (i + 1 < len && o[i] != PCL_OPT_EOL) {
		if (o[i] == PCL_OPT_NOP) {
			i++;
			continue;
		}
		if (o[i + 1] < 2 || o[i + 1] > len - i)
			return;
		if (o[i] == PCL_OPT_SACK)
			for (k = i + 2; k + 4 <= i + o[i + 1]; k += 4) {
				uint32_t v = rte_cpu_to_be_32(be32(o + k) + server_isn);

				memcpy(o + k, &v, 4);
			}
		i += o[i + 1];
	}
}

/* A segment from client port 40000 + to (0: to port 80, 1: 7, 2: 8080), over IPv6 with v6. */
static void
segment(const uint8_t *p, uint16_t len, unsigned int to, bool v6, uint32_t server_isn)
{
	static const uint16_t dports[] = {80, 7, FZ_BULK_PORT};
	struct pcl_peer_seg s = {
		.src_mac = {{0x02, 0, 0, 0, 0, 0x01}},
		.dst_mac = fz_w->ifs[0].ctx.mac,
		.src_addr = FZ_CLIENT_IP,
		.dst_addr = FZ_SERVER_IP,
		.v6 = v6,
		.src6 = FZ_CLIENT_IP6,
		.dst6 = FZ_SERVER_IP6,
		.sport = (uint16_t)(40000 + to),
		.dport = dports[to],
	};
	uint8_t opts[40];
	struct rte_mbuf *m;
	uint8_t optlen;

	if (len < 12)
		return;
	s.flags = p[0];
	s.seq = CLIENT_ISN + be32(p + 1);
	s.ack = server_isn + be32(p + 5);
	s.wnd = (uint16_t)(p[9] << 8 | p[10]);
	optlen = (uint8_t)((p[11] % 41) & ~3u);
	if (12u + optlen > len)
		return;
	memcpy(opts, p + 12, optlen);
	sack_absolute(opts, optlen, server_isn);
	s.opts = opts;
	s.optlen = optlen;
	s.data = p + 12 + optlen;
	s.len = (uint16_t)RTE_MIN(len - 12u - optlen, 1400u);
	m = pcl_peer_frame(fz_w->mp, &s);
	if (m != NULL)
		fz_input(m);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t server_isn = 0;
	size_t off = 0;

	while (off + 3 <= size) {
		uint8_t op = data[off] % 8;
		bool v6 = data[off] & 8;
		uint16_t len = (uint16_t)(data[off + 1] << 8 | data[off + 2]);
		const uint8_t *p = data + off + 3;
		struct rte_mbuf *m;

		off += 3;
		if (op >= 5)
			op = (uint8_t)(op - 4);
		if (op == 1) {
			fz_advance((uint32_t)RTE_MIN(len, 20000u) * 10);
			continue;
		}
		if (off + len > size)
			break;
		off += len;
		if (op == 0) {
			m = fz_mbuf(p, len);
			if (m != NULL)
				fz_input(m);
		} else {
			segment(p, len, op - 2u, v6, server_isn);
		}
		fz_take_replies(learn_isn, &server_isn);
	}
	fz_reset();
	return 0;
}
