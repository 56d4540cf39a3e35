/* SPDX-License-Identifier: BSD-3-Clause */
/* The PROXY protocol header, both versions, byte for byte as HAProxy's spec has them. */
#include <string.h>

#include <criterion/criterion.h>

#include "lb/pcl_pp.h"

static const struct pcl_tuple client = {
	.raddr = RTE_BE32(0xc0000201), /* 192.0.2.1 */
	.laddr = RTE_BE32(0xc6120002), /* 198.18.0.2 */
	.rport = RTE_BE16(54321),
	.lport = RTE_BE16(80),
};

/* 2001:db8::1 port 54321 connected to fd00:18::2 port 80. */
static const struct pcl_tuple6 client6 = {
	.raddr = {0x20, 0x01, 0x0d, 0xb8, [15] = 1},
	.laddr = {0xfd, 0x00, 0x00, 0x18, [15] = 2},
	.rport = RTE_BE16(54321),
	.lport = RTE_BE16(80),
};

/* A header of n bytes in buf is exactly the len bytes of want. */
static void
expect_header(unsigned int n, const uint8_t *buf, const void *want, size_t len)
{
	cr_assert_eq(n, len, "%u bytes, want %zu", n, len);
	cr_expect(memcmp(buf, want, len) == 0, "%.*s", (int)len, buf);
}

#define TEXT(s) s, strlen(s)

Test(pp, v1)
{
	uint8_t buf[PCL_PP_LEN_MAX];

	expect_header(pcl_pp_build(buf, 1, &client), buf,
		      TEXT("PROXY TCP4 192.0.2.1 198.18.0.2 54321 80\r\n"));
	expect_header(pcl_pp_build6(buf, 1, &client6), buf,
		      TEXT("PROXY TCP6 2001:db8::1 fd00:18::2 54321 80\r\n"));
}

/* The longest lines of both families fit, within the spec's 107 bytes. */
Test(pp, v1_longest_fits)
{
	uint8_t buf[PCL_PP_LEN_MAX];
	struct pcl_tuple t = {.raddr = RTE_BE32(0xffffffff),
			      .laddr = RTE_BE32(0xffffffff),
			      .rport = RTE_BE16(65535),
			      .lport = RTE_BE16(65535)};
	struct pcl_tuple6 t6 = {.rport = RTE_BE16(65535), .lport = RTE_BE16(65535)};
	static const char want6[] = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
				    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";

	expect_header(pcl_pp_build(buf, 1, &t), buf,
		      TEXT("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"));
	memset(t6.raddr, 0xff, 16);
	memset(t6.laddr, 0xff, 16);
	expect_header(pcl_pp_build6(buf, 1, &t6), buf, TEXT(want6));
	cr_expect_leq(strlen(want6), 107);
}

Test(pp, v2)
{
	static const uint8_t want[28] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* sig */
		0x21, 0x11, 0x00, 0x0c,                      /* PROXY, TCP4, 12 */
		192,  0,    2,    1,    198,  18,   0,    2, /* addresses */
		0xd4, 0x31, 0x00, 0x50,                      /* ports */
	};
	static const uint8_t want6[52] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, /* sig */
		0x21, 0x21, 0x00, 0x24, /* PROXY, TCP over IPv6, 36 */
		0x20, 0x01, 0x0d, 0xb8, 0,    0,    0,    0,    0,    0,    0,    0,
		0,    0,    0,    1, /* source */
		0xfd, 0x00, 0x00, 0x18, 0,    0,    0,    0,    0,    0,    0,    0,
		0,    0,    0,    2,    /* destination */
		0xd4, 0x31, 0x00, 0x50, /* ports */
	};
	uint8_t buf[PCL_PP_LEN_MAX];

	expect_header(pcl_pp_build(buf, 2, &client), buf, want, sizeof(want));
	expect_header(pcl_pp_build6(buf, 2, &client6), buf, want6, sizeof(want6));
}
