/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_APP_H
#define PCL_APP_H

#include <stdint.h>

#include "ctl/pcl_config.h"

struct pcl_worker;
struct pcl_conn;

/*
 * A request/response application on top of a connection. recv gets in-order
 * payload once; it answers with pcl_tcp_send() and may end its side with
 * pcl_tcp_close(). When the peer closes, the server closes too, after
 * whatever the app has queued: none of the apps keeps talking to a peer
 * that has finished.
 */
struct pcl_app_ops {
	void (*recv)(struct pcl_worker *w, struct pcl_conn *c, const uint8_t *data, uint32_t len);
};

extern const struct pcl_app_ops pcl_apps[PCL_APP_MAX];

/* The http app's recv, defined beside its scanner. */
void pcl_http_recv(struct pcl_worker *w, struct pcl_conn *c, const uint8_t *data, uint32_t len);

/*
 * Prepares the apps' read-only data (the HTTP response body) for cfg. Call
 * once before workers start. Returns 0 or -ENOMEM.
 */
int pcl_app_init(const struct pcl_config *cfg);
void pcl_app_fini(void);

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
