/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include "tcp/pcl_cookie.h"

/*
 * Common IPv4 MSS values: the RFC 9293 default, tunnel/VPN sizes, Ethernet
 * with and without PPPoE or timestamps, and 64 as the floor we enforce.
 */
const uint16_t pcl_cookie_mss[PCL_COOKIE_MSS_N] = {64, 536, 1200, 1360, 1400, 1440, 1452, 1460};

#define MSS_BITS  3
#define CNT_SHIFT MSS_BITS
#define CNT_MASK  3u
#define SLOT_BIT  (1u << (CNT_SHIFT + 2))
#define LOW_BITS  8
#define LOW_MASK  ((1u << LOW_BITS) - 1)
/* Bits of the low byte that are never set. */
#define LOW_ZERO (LOW_MASK & ~((SLOT_BIT << 1) - 1))

_Static_assert(PCL_COOKIE_MAX_AGE < CNT_MASK, "the counter bits must tell apart every age");
_Static_assert(PCL_COOKIE_MSS_N == 1 << MSS_BITS, "MSS index width");

/* What the MAC covers after the tuple (12 or 36 bytes); no padding. */
struct mac_tail {
	uint32_t client_isn;
	uint32_t counter;
	uint32_t low;
};

/* The MAC under the key in the keyring's slot, over tlen bytes of tuple and the tail. */
static __rte_always_inline uint64_t
mac(const struct pcl_keyring *k, unsigned int slot, const void *t, size_t tlen, uint32_t client_isn,
    uint32_t counter, uint32_t low)
{
	struct mac_tail tail = {.client_isn = client_isn, .counter = counter, .low = low};
	uint8_t in[sizeof(struct pcl_tuple6) + sizeof(tail)];
	struct pcl_secret key;

	memcpy(in, t, tlen);
	memcpy(in + tlen, &tail, sizeof(tail));
	pcl_keyring_read(k, slot, &key);
	return pcl_prf(&key, in, tlen + sizeof(tail));
}

unsigned int
pcl_cookie_mss_index(uint16_t mss)
{
	unsigned int i = PCL_COOKIE_MSS_N - 1;

	while (i > 0 && pcl_cookie_mss[i] > mss)
		i--;
	return i;
}

static __rte_always_inline struct pcl_cookie
make(const struct pcl_keyring *k, const void *t, size_t tlen, uint32_t client_isn, uint32_t counter,
     unsigned int mss_idx)
{
	unsigned int slot = pcl_keyring_current(k);
	uint32_t low = mss_idx | (counter & CNT_MASK) << CNT_SHIFT | (slot ? SLOT_BIT : 0);
	uint64_t h = mac(k, slot, t, tlen, client_isn, counter, low);

	return (struct pcl_cookie){.isn = (uint32_t)(h >> 40) << LOW_BITS | low,
				   .ts_off = (uint32_t)h};
}

static __rte_always_inline int
check(const struct pcl_keyring *k, const void *t, size_t tlen, uint32_t client_isn, uint32_t cookie,
      uint32_t now)
{
	uint32_t low = cookie & LOW_MASK;
	uint32_t age = (now - (low >> CNT_SHIFT)) & CNT_MASK;
	uint64_t h;

	if (low & LOW_ZERO)
		return -EBADMSG;
	if (age > PCL_COOKIE_MAX_AGE)
		return -ETIMEDOUT;
	/* The MAC covers the full counter, so a cookie 4 periods old fails here. */
	h = mac(k, !!(low & SLOT_BIT), t, tlen, client_isn, now - age, low);
	if ((uint32_t)(h >> 40) != cookie >> LOW_BITS)
		return -EBADMSG;
	return (int)(low & (PCL_COOKIE_MSS_N - 1));
}

struct pcl_cookie
pcl_cookie_make(const struct pcl_keyring *k, const struct pcl_tuple *t, uint32_t client_isn,
		uint32_t counter, unsigned int mss_idx)
{
	return make(k, t, sizeof(*t), client_isn, counter, mss_idx);
}

struct pcl_cookie
pcl_cookie_make6(const struct pcl_keyring *k, const struct pcl_tuple6 *t, uint32_t client_isn,
		 uint32_t counter, unsigned int mss_idx)
{
	return make(k, t, sizeof(*t), client_isn, counter, mss_idx);
}

int
pcl_cookie_check(const struct pcl_keyring *k, const struct pcl_tuple *t, uint32_t client_isn,
		 uint32_t cookie, uint32_t now)
{
	return check(k, t, sizeof(*t), client_isn, cookie, now);
}

int
pcl_cookie_check6(const struct pcl_keyring *k, const struct pcl_tuple6 *t, uint32_t client_isn,
		  uint32_t cookie, uint32_t now)
{
	return check(k, t, sizeof(*t), client_isn, cookie, now);
}

int
pcl_cookie_ts_decode(uint32_t tsecr, struct pcl_opts *o)
{
	uint32_t ws = tsecr & PCL_COOKIE_TS_NOWS;

	/* 4 bits hold 0..14 or NOWS, all meaningful; only the reserved bit is impossible. */
	if (tsecr & PCL_COOKIE_TS_ECN)
		return -EBADMSG;
	o->present = PCL_OPTF_TS;
	if (ws != PCL_COOKIE_TS_NOWS) {
		o->present |= PCL_OPTF_WS;
		o->wscale = (uint8_t)ws;
	}
	if (tsecr & PCL_COOKIE_TS_SACK)
		o->present |= PCL_OPTF_SACKOK;
	return 0;
}
