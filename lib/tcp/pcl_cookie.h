/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_COOKIE_H
#define PCL_COOKIE_H

#include <stdint.h>

#include "net/pcl_opt.h"
#include "net/pcl_tuple.h"
#include "tcp/pcl_isn.h"

/*
 * SYN cookies (RFC 4987 3.6): the SYN-ACK's sequence number carries what a
 * SYN_RCVD entry would have held, so nothing is allocated before the third
 * ACK proves the client saw it.
 *
 * The 32-bit cookie, most significant bit first:
 *
 *   | 24: MAC | 2: 0 | 1: key slot | 2: counter mod 4 | 3: MSS index |
 *
 * MAC is the top 24 bits of SipHash-1-3 (pcl_prf), under the cookie secret in the
 * given key slot, of the 4-tuple, the client's ISN, the full time counter and
 * the low 8 bits. Every bit of the cookie is thus covered: cookie+k for any
 * k != 0 fails the MAC (unlike layouts that add the MSS index to a hash and
 * accept a neighbouring index). Forging one takes 2^24 guesses per tuple and
 * counter period.
 *
 * The counter advances every 2^25 us (about 33.6 s); a cookie is accepted
 * while the counter is the one it was issued in or the next, so for at least
 * 33.5 s and at most 67.1 s.
 *
 * What the MSS index cannot hold — the peer's window scale and SACK-permitted
 * — rides in the low 6 bits of our TSval, echoed back in the ACK's TSecr. A
 * client without timestamps gets a SYN-ACK with MSS only: no window scaling,
 * no SACK.
 */

/* log2 of the counter period in microseconds. */
#define PCL_COOKIE_PERIOD_SHIFT 25
/* Counter periods after the issuing one during which a cookie is accepted. */
#define PCL_COOKIE_MAX_AGE 1
/* The longest a cookie stays valid, rounded up to seconds. */
#define PCL_COOKIE_MAX_LIFE_S                                                                      \
	((((PCL_COOKIE_MAX_AGE + 1ull) << PCL_COOKIE_PERIOD_SHIFT) + 999999) / 1000000)
/*
 * Shortest secret rotation period: a rotation rewrites the key slot before
 * the current one, whose cookies must have expired by then.
 */
#define PCL_COOKIE_MIN_REKEY_S 120
/* Entries in pcl_cookie_mss[]. */
#define PCL_COOKIE_MSS_N 8

/* TSval low bits: peer's shift (PCL_COOKIE_TS_NOWS = none), SACK-permitted. */
#define PCL_COOKIE_TS_BITS 6
#define PCL_COOKIE_TS_MASK ((1u << PCL_COOKIE_TS_BITS) - 1)
#define PCL_COOKIE_TS_NOWS 0xf
#define PCL_COOKIE_TS_SACK 0x10
#define PCL_COOKIE_TS_ECN  0x20 /* reserved: portcullis does not negotiate ECN */

/* The MSS values a cookie can express; ascending. */
extern const uint16_t pcl_cookie_mss[PCL_COOKIE_MSS_N];

static inline uint32_t
pcl_cookie_counter(uint64_t now_us)
{
	return (uint32_t)(now_us >> PCL_COOKIE_PERIOD_SHIFT);
}

/* Index of the largest table MSS not above mss (the smallest entry if none is). */
unsigned int pcl_cookie_mss_index(uint16_t mss);

/* A cookie and the TSval offset its connection uses, from one PRF call. */
struct pcl_cookie {
	uint32_t isn;
	uint32_t ts_off;
};

/* The cookie for a SYN from t with sequence number client_isn. */
struct pcl_cookie pcl_cookie_make(const struct pcl_keyring *k, const struct pcl_tuple *t,
				  uint32_t client_isn, uint32_t counter, unsigned int mss_idx);

/* The same for an IPv6 SYN: the MAC covers the 36-byte tuple, the rest is identical. */
struct pcl_cookie pcl_cookie_make6(const struct pcl_keyring *k, const struct pcl_tuple6 *t,
				   uint32_t client_isn, uint32_t counter, unsigned int mss_idx);

/*
 * Checks the cookie an ACK returns (its ack number - 1) against the tuple and
 * the client's ISN (its sequence number - 1) at counter now. Returns the MSS
 * index, -ETIMEDOUT for a cookie older than PCL_COOKIE_MAX_AGE periods, or
 * -EBADMSG when it was not made by us for this tuple.
 */
int pcl_cookie_check(const struct pcl_keyring *k, const struct pcl_tuple *t, uint32_t client_isn,
		     uint32_t cookie, uint32_t now);

/* pcl_cookie_check() for an IPv6 ACK. */
int pcl_cookie_check6(const struct pcl_keyring *k, const struct pcl_tuple6 *t, uint32_t client_isn,
		      uint32_t cookie, uint32_t now);

/* TSval low bits recording what the SYN's options asked for. */
static inline uint32_t
pcl_cookie_ts_bits(const struct pcl_opts *o)
{
	return (o->present & PCL_OPTF_WS ? o->wscale : PCL_COOKIE_TS_NOWS) |
	       (o->present & PCL_OPTF_SACKOK ? PCL_COOKIE_TS_SACK : 0);
}

/*
 * Recovers the SYN's options from the TSecr of the third ACK into o->present
 * (PCL_OPTF_TS plus WS/SACKOK) and o->wscale. Returns 0, or -EBADMSG when
 * the reserved bit is set.
 */
int pcl_cookie_ts_decode(uint32_t tsecr, struct pcl_opts *o);

#endif
