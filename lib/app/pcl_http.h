/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_HTTP_H
#define PCL_HTTP_H

#include <stdint.h>

#include "tcp/pcl_tcp.h"

/*
 * The http app: every GET gets 200 OK with a fixed body of the listener's
 * body_size, HEAD the same headers, any other method 501; HTTP/1.0 and
 * "Connection: close" close after the answer.
 */
extern const struct pcl_app_ops pcl_http_app;

/*
 * One listener's responses: the four header blocks ([501][close]),
 * formatted once, since snprintf per request cost about 700 instructions,
 * a tenth of a whole connection; and the body, the first body_size bytes
 * of body.
 */
struct pcl_http_resp {
	const struct pcl_ref *body;
	uint32_t body_size;
	struct {
		uint32_t len;
		char text[192];
	} hdr[2][2];
};

/*
 * Bodies of this size and up are sent by reference (pcl_tcp_send_ref());
 * below, copying costs less than the mbufs a reference takes
 * (bench/RESULTS.md, "A body by reference").
 */
#define PCL_HTTP_REF_MIN 1024

/* Formats r for a body of the first body_size bytes of body. */
void pcl_http_resp_init(struct pcl_http_resp *r, const struct pcl_ref *body, uint32_t body_size);

/*
 * Streaming HTTP/1.x request scanner, exposed for tests. It keeps 8 bytes of
 * state per connection and never buffers the request.
 */
#define PCL_HTTP_DONE  0x1 /* a full request head was seen */
#define PCL_HTTP_CLOSE 0x2 /* close after answering it */
#define PCL_HTTP_BAD   0x4 /* method is neither GET nor HEAD */
#define PCL_HTTP_HEAD  0x8 /* HEAD: answer without a body */

struct pcl_http_scan {
	uint32_t last4; /* last four significant bytes of the current line */
	uint16_t pos;   /* bytes in the current line, saturating */
	uint8_t flags;
	uint8_t hdr_match; /* 1 while the line still matches "connection:" */
};

/*
 * Consumes bytes up to the end of one request head. Returns the bytes
 * consumed; when the head is complete, PCL_HTTP_DONE is set in *result with
 * the other PCL_HTTP_* bits, and the scanner is reset for the next request.
 */
uint32_t pcl_http_scan(struct pcl_http_scan *s, const uint8_t *p, uint32_t len, uint8_t *result);

#endif
