/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_APP_H
#define PCL_APP_H

#include <stdint.h>

#include "tcp/pcl_tcp.h"

enum pcl_app_id { PCL_APP_HTTP, PCL_APP_ECHO, PCL_APP_DISCARD, PCL_APP_MAX };

/* The apps by id; their names, NULL-terminated, are what configs say. */
extern const struct pcl_app_ops *const pcl_apps[PCL_APP_MAX];
extern const char *const pcl_app_names[PCL_APP_MAX + 1];

/* Name of an app id ("http"), "?" for none. */
const char *pcl_app_name(uint32_t app);

/* A listener's settings, as [listen] and [listen:PORT] give them. */
struct pcl_listen_conf {
	uint32_t app;       /* enum pcl_app_id */
	uint32_t body_size; /* http: bytes in the 200 OK body */
	uint32_t family;    /* enum pcl_family: who may connect */
	uint16_t port;
	uint16_t line; /* the config line of its first key, for later errors; 0: none */
};

struct pcl_http_resp;

/*
 * Every listener of a server, ready for the workers: the table the TCP
 * engine looks ports up in, and each app's read-only data (the HTTP
 * responses). Built once before the workers start.
 */
struct pcl_apps {
	struct pcl_listeners listeners;
	struct pcl_http_resp *http; /* one per listener */
	char *body;                 /* the longest HTTP body; the others are prefixes */
	struct pcl_ref body_ref;    /* body, sent by reference */
};

/*
 * Builds a for the n listeners in l. Returns 0, -EINVAL for an unknown app
 * id or more than PCL_MAX_LISTEN listeners, or -ENOMEM.
 */
int pcl_apps_init(struct pcl_apps *a, const struct pcl_listen_conf *l, uint32_t n);
void pcl_apps_fini(struct pcl_apps *a);

#endif
