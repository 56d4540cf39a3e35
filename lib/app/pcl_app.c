/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "app/pcl_app.h"
#include "app/pcl_http.h"

static void
echo_recv(struct pcl_tcp *e, struct pcl_conn *c, const uint8_t *data, uint32_t len)
{
	pcl_tcp_send(e, c, data, len);
}

static void
discard_recv(struct pcl_tcp *e, struct pcl_conn *c, const uint8_t *data, uint32_t len)
{
	RTE_SET_USED(e);
	RTE_SET_USED(c);
	RTE_SET_USED(data);
	RTE_SET_USED(len);
}

static const struct pcl_app_ops echo_app = {.recv = echo_recv};
static const struct pcl_app_ops discard_app = {.recv = discard_recv};

const struct pcl_app_ops *const pcl_apps[PCL_APP_MAX] = {
	[PCL_APP_HTTP] = &pcl_http_app,
	[PCL_APP_ECHO] = &echo_app,
	[PCL_APP_DISCARD] = &discard_app,
};

const char *const pcl_app_names[PCL_APP_MAX + 1] = {"http", "echo", "discard", NULL};

const char *
pcl_app_name(uint32_t app)
{
	return app < PCL_APP_MAX ? pcl_app_names[app] : "?";
}

int
pcl_apps_init(struct pcl_apps *a, const struct pcl_listen_conf *l, uint32_t n)
{
	static const char pattern[] = "portcullis\n";
	uint32_t i, body = 0;

	memset(a, 0, sizeof(*a));
	if (n > PCL_MAX_LISTEN)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (l[i].app >= PCL_APP_MAX)
			return -EINVAL;
		body = RTE_MAX(body, l[i].body_size);
	}
	a->http = calloc(n ? n : 1, sizeof(*a->http));
	a->body = malloc(body + 1);
	if (a->http == NULL || a->body == NULL) {
		pcl_apps_fini(a);
		return -ENOMEM;
	}
	for (i = 0; i < body; i++)
		a->body[i] = pattern[i % (sizeof(pattern) - 1)];
	a->body[body] = '\0';
	if (pcl_ref_init(&a->body_ref, a->body, body) != 0) {
		pcl_apps_fini(a);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		pcl_http_resp_init(&a->http[i], &a->body_ref, l[i].body_size);
		a->listeners.l[i] = (struct pcl_listener){
			.app = pcl_apps[l[i].app],
			.app_data = l[i].app == PCL_APP_HTTP ? &a->http[i] : NULL,
			.port = l[i].port,
			.family = (uint8_t)l[i].family,
		};
		pcl_listeners_bind(&a->listeners, i);
	}
	a->listeners.n = n;
	return 0;
}

void
pcl_apps_fini(struct pcl_apps *a)
{
	pcl_ref_fini(&a->body_ref);
	free(a->http);
	free(a->body);
	a->http = NULL;
	a->body = NULL;
}
