/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "app/pcl_http.h"

/* Four bytes as they sit in the rolling register, first byte highest. */
#define W4(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const char conn_hdr[] = "connection:";
#define CONN_HDR_LEN (sizeof(conn_hdr) - 1)
#define POS_MAX      0xffff
/* Internal flag: the request line is behind us. */
#define IN_HEADERS 0x80

static inline uint8_t
lower(uint8_t b)
{
	return b >= 'A' && b <= 'Z' ? b + ('a' - 'A') : b;
}

/* HTTP/1.0 closes unless asked not to; HTTP/1.1 the other way round. */
static void
end_request_line(struct pcl_http_scan *s)
{
	if (s->last4 == W4('/', '1', '.', '0'))
		s->flags |= PCL_HTTP_CLOSE;
	s->flags |= IN_HEADERS;
}

/* Only Connection: matters, judged by the last four letters of its value. */
static void
end_header_line(struct pcl_http_scan *s)
{
	if (!s->hdr_match || s->pos <= CONN_HDR_LEN)
		return;
	if (s->last4 == W4('l', 'o', 's', 'e'))
		s->flags |= PCL_HTTP_CLOSE;
	else if (s->last4 == W4('l', 'i', 'v', 'e'))
		s->flags &= ~PCL_HTTP_CLOSE;
}

static void
header_byte(struct pcl_http_scan *s, uint8_t b)
{
	b = lower(b);
	if (s->pos < CONN_HDR_LEN) {
		if (b != (uint8_t)conn_hdr[s->pos])
			s->hdr_match = 0;
	} else if (b != ' ' && b != '\t') {
		s->last4 = s->last4 << 8 | b;
	}
}

static void
request_line_byte(struct pcl_http_scan *s, uint8_t b)
{
	s->last4 = s->last4 << 8 | b;
	/* The method is decided by the first four bytes. */
	if (s->pos == 3) {
		if (s->last4 == W4('H', 'E', 'A', 'D'))
			s->flags |= PCL_HTTP_HEAD;
		else if (s->last4 != W4('G', 'E', 'T', ' '))
			s->flags |= PCL_HTTP_BAD;
	}
}

uint32_t
pcl_http_scan(struct pcl_http_scan *s, const uint8_t *p, uint32_t len, uint8_t *result)
{
	uint32_t i;

	*result = 0;
	for (i = 0; i < len; i++) {
		uint8_t b = p[i];

		/*
		 * A header line that is not Connection: holds nothing we read, and
		 * its length only matters as not 0 (it is: a byte told it apart):
		 * straight to its end.
		 */
		if (!s->hdr_match && (s->flags & IN_HEADERS)) {
			const uint8_t *nl = memchr(p + i, '\n', len - i);

			if (nl == NULL)
				return len;
			i = (uint32_t)(nl - p);
			b = '\n';
		}
		if (b == '\r')
			continue;
		if (b != '\n') {
			if (s->flags & IN_HEADERS)
				header_byte(s, b);
			else
				request_line_byte(s, b);
			if (s->pos != POS_MAX)
				s->pos++;
			continue;
		}
		if (s->pos == 0 && (s->flags & IN_HEADERS)) {
			*result = (uint8_t)((s->flags & ~IN_HEADERS) | PCL_HTTP_DONE);
			if (*result & PCL_HTTP_BAD)
				*result |= PCL_HTTP_CLOSE;
			memset(s, 0, sizeof(*s));
			return i + 1;
		}
		/* RFC 9112 2.2: empty lines before a request line are ignored. */
		if (s->pos != 0) {
			if (s->flags & IN_HEADERS)
				end_header_line(s);
			else
				end_request_line(s);
		}
		s->pos = 0;
		s->last4 = 0;
		s->hdr_match = 1;
	}
	return len;
}

void
pcl_http_resp_init(struct pcl_http_resp *r, const struct pcl_ref *body, uint32_t body_size)
{
	unsigned int bad, close;

	r->body = body;
	r->body_size = body_size;
	for (bad = 0; bad < 2; bad++)
		for (close = 0; close < 2; close++)
			r->hdr[bad][close].len = (uint32_t)snprintf(
				r->hdr[bad][close].text, sizeof(r->hdr[bad][close].text),
				"HTTP/1.1 %s\r\nServer: portcullis\r\nContent-Type: text/plain\r\n"
				"Content-Length: %u\r\n%s\r\n",
				bad ? "501 Not Implemented" : "200 OK", bad ? 0 : body_size,
				close ? "Connection: close\r\n" : "");
}

static void
respond(struct pcl_tcp *e, struct pcl_conn *c, uint8_t req)
{
	const struct pcl_http_resp *r = pcl_tcp_listener(e, c)->app_data;
	uint32_t body = req & PCL_HTTP_BAD ? 0 : r->body_size;
	const __typeof__(r->hdr[0][0]) *h =
		&r->hdr[!!(req & PCL_HTTP_BAD)][!!(req & PCL_HTTP_CLOSE)];

	pcl_tcp_send(e, c, h->text, h->len);
	if (body && !(req & PCL_HTTP_HEAD)) {
		if (body >= PCL_HTTP_REF_MIN)
			pcl_tcp_send_ref(e, c, r->body, 0, body);
		else
			pcl_tcp_send(e, c, r->body->data, body);
	}
	PCL_STAT_INC(e->stats, http_requests);
}

static void
http_recv(struct pcl_tcp *e, struct pcl_conn *c, const uint8_t *data, uint32_t len)
{
	struct pcl_http_scan s;
	uint8_t req;
	uint32_t used;

	_Static_assert(sizeof(s) <= sizeof(c->app_state), "scanner state lives in the conn");
	memcpy(&s, &c->app_state, sizeof(s));
	while (len > 0 && !(c->flags & PCL_CF_APP_DONE)) {
		used = pcl_http_scan(&s, data, len, &req);
		data += used;
		len -= used;
		if (!(req & PCL_HTTP_DONE))
			break;
		respond(e, c, req);
		if (req & PCL_HTTP_CLOSE) {
			c->flags |= PCL_CF_APP_DONE;
			pcl_tcp_close(e, c);
		}
	}
	memcpy(&c->app_state, &s, sizeof(s));
}

const struct pcl_app_ops pcl_http_app = {.recv = http_recv};
