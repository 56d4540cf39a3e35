/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_OPT_H
#define PCL_OPT_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

/* TCP options we understand (RFC 9293, RFC 7323, RFC 2018). */
#define PCL_OPT_EOL    0
#define PCL_OPT_NOP    1
#define PCL_OPT_MSS    2
#define PCL_OPT_WS     3
#define PCL_OPT_SACKOK 4
#define PCL_OPT_SACK   5
#define PCL_OPT_TS     8

/* Bits of struct pcl_opts.present. */
#define PCL_OPTF_MSS    0x01
#define PCL_OPTF_WS     0x02
#define PCL_OPTF_SACKOK 0x04
#define PCL_OPTF_TS     0x08
#define PCL_OPTF_SACK   0x10 /* SACK blocks (RFC 2018): nsack of them in sack[] */

/* RFC 7323 2.3: a shift above 14 is treated as 14. */
#define PCL_WS_MAX 14

/* RFC 2018 3: at most 4 blocks fit the 40 option bytes. */
#define PCL_SACK_MAX_BLOCKS 4

/* One SACK block: the peer holds [left, right). */
struct pcl_sack_blk {
	uint32_t left;
	uint32_t right;
};

/*
 * The options of one received segment, in host byte order. nsack and sack[]
 * are written only with PCL_OPTF_SACK, so a segment without them costs no
 * stores there.
 */
struct pcl_opts {
	uint8_t present;
	uint8_t wscale;
	uint16_t mss;
	uint32_t tsval;
	uint32_t tsecr;
	uint8_t nsack;
	struct pcl_sack_blk sack[PCL_SACK_MAX_BLOCKS];
};

/*
 * Parses the option bytes of a TCP header. Unknown options are skipped by
 * their length. Returns 0, or -EINVAL when an option's length is impossible
 * (shorter than 2, longer than what is left, or wrong for a known kind).
 */
int pcl_opt_parse_any(const uint8_t *p, unsigned int len, struct pcl_opts *o);

static inline uint32_t
pcl_opt_get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return rte_be_to_cpu_32(v);
}

/*
 * pcl_opt_parse_any(), with the two layouts nearly every segment from a
 * Linux client has matched whole, a few words compared instead of a walk
 * of kinds and lengths (as Linux's own tcp_parse_aligned_timestamp):
 * NOP, NOP, TS on every segment after the SYN, and MSS, SACKOK, TS, NOP,
 * WS on the SYN. Anything else takes the walk, with the same result.
 */
static inline int
pcl_opt_parse(const uint8_t *p, unsigned int len, struct pcl_opts *o)
{
	if (len == 12 && pcl_opt_get32(p) == 0x0101080a) {
		o->present = PCL_OPTF_TS;
		o->tsval = pcl_opt_get32(p + 4);
		o->tsecr = pcl_opt_get32(p + 8);
		return 0;
	}
	if (len == 20 && (pcl_opt_get32(p) & 0xffff0000) == 0x02040000 &&
	    pcl_opt_get32(p + 4) == 0x0402080a &&
	    (pcl_opt_get32(p + 16) & 0xffffff00) == 0x01030300) {
		o->present = PCL_OPTF_MSS | PCL_OPTF_SACKOK | PCL_OPTF_TS | PCL_OPTF_WS;
		o->mss = (uint16_t)(pcl_opt_get32(p) & 0xffff);
		o->tsval = pcl_opt_get32(p + 8);
		o->tsecr = pcl_opt_get32(p + 12);
		o->wscale = p[19] > PCL_WS_MAX ? PCL_WS_MAX : p[19];
		return 0;
	}
	return pcl_opt_parse_any(p, len, o);
}

/* What our SYN-ACK carries; mirrors what the client offered. */
struct pcl_synack_opts {
	uint16_t mss;
	uint8_t wscale;  /* our shift, used only with PCL_OPTF_WS */
	uint8_t present; /* PCL_OPTF_* we answer with */
	uint32_t tsval;
	uint32_t tsecr;
};

/* Longest option block we ever write: MSS + SACKOK/TS + NOP/WS. */
#define PCL_OPT_SYNACK_MAX 20
/* Option block on every non-SYN segment when timestamps are on. */
#define PCL_OPT_TS_LEN 12

/*
 * Writes a SYN-ACK's options in Linux's layout (MSS; SACKOK+TS or
 * NOP,NOP,TS; NOP,WS), so captures look familiar. Returns the length
 * written, a multiple of 4, at most PCL_OPT_SYNACK_MAX.
 */
unsigned int pcl_opt_build_synack(uint8_t *p, const struct pcl_synack_opts *o);

/* Writes NOP,NOP,TS(val,ecr). Returns PCL_OPT_TS_LEN. */
unsigned int pcl_opt_build_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr);

#endif
