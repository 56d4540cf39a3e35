/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <criterion/criterion.h>

#include "app/pcl_http.h"

/* Scans s in one call; returns the result flags. */
static uint8_t
scan(const char *s)
{
	struct pcl_http_scan st = {0};
	uint8_t r;
	uint32_t used = pcl_http_scan(&st, (const uint8_t *)s, (uint32_t)strlen(s), &r);

	cr_expect_eq(used, strlen(s), "the whole head is consumed");
	return r;
}

Test(http, get_11_keeps_alive)
{
	cr_expect_eq(scan("GET / HTTP/1.1\r\nHost: a\r\n\r\n"), PCL_HTTP_DONE);
}

Test(http, get_10_closes)
{
	cr_expect_eq(scan("GET / HTTP/1.0\r\n\r\n"), PCL_HTTP_DONE | PCL_HTTP_CLOSE);
	cr_expect_eq(scan("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), PCL_HTTP_DONE);
}

Test(http, connection_close_any_case)
{
	cr_expect_eq(scan("GET / HTTP/1.1\r\nCONNECTION:   Close  \r\n\r\n"),
		     PCL_HTTP_DONE | PCL_HTTP_CLOSE);
	cr_expect_eq(scan("GET / HTTP/1.1\r\nX-Connection: close\r\n\r\n"), PCL_HTTP_DONE,
		     "another header that ends in connection: is not Connection:");
}

Test(http, methods)
{
	cr_expect_eq(scan("HEAD / HTTP/1.1\r\n\r\n"), PCL_HTTP_DONE | PCL_HTTP_HEAD);
	cr_expect_eq(scan("POST / HTTP/1.1\r\n\r\n"),
		     PCL_HTTP_DONE | PCL_HTTP_BAD | PCL_HTTP_CLOSE);
}

/* LF-only line ends and leading empty lines are accepted (RFC 9112 2.2). */
Test(http, tolerant_line_ends)
{
	cr_expect_eq(scan("\r\n\nGET / HTTP/1.0\n\n"), PCL_HTTP_DONE | PCL_HTTP_CLOSE);
}

/* Byte by byte gives the same answer as all at once. */
Test(http, byte_by_byte)
{
	static const char req[] = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	struct pcl_http_scan st = {0};
	uint8_t r = 0;
	size_t i;

	for (i = 0; i < strlen(req); i++) {
		cr_assert_eq(r, 0, "done early at byte %zu", i);
		cr_assert_eq(pcl_http_scan(&st, (const uint8_t *)req + i, 1, &r), 1);
	}
	cr_expect_eq(r, PCL_HTTP_DONE);
}

/* Two pipelined requests: the first call stops after the first head. */
Test(http, pipelined)
{
	static const char two[] = "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.0\r\n\r\n";
	struct pcl_http_scan st = {0};
	uint8_t r;
	uint32_t used = pcl_http_scan(&st, (const uint8_t *)two, sizeof(two) - 1, &r);

	cr_expect_eq(used, strlen("GET /a HTTP/1.1\r\n\r\n"));
	cr_expect_eq(r, PCL_HTTP_DONE);
	cr_expect_eq(pcl_http_scan(&st, (const uint8_t *)two + used, sizeof(two) - 1 - used, &r),
		     sizeof(two) - 1 - used);
	cr_expect_eq(r, PCL_HTTP_DONE | PCL_HTTP_CLOSE);
}

Test(http, incomplete)
{
	cr_expect_eq(scan("GET / HTTP/1.1\r\nHost: a\r\n"), 0);
}
