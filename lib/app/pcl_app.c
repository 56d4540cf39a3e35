/* SPDX-License-Identifier: BSD-3-Clause */
#include "app/pcl_app.h"
#include "tcp/pcl_tcp.h"

static void
echo_recv(struct pcl_worker *w, struct pcl_conn *c, const uint8_t *data, uint32_t len)
{
	pcl_tcp_send(w, c, data, len);
}

static void
discard_recv(struct pcl_worker *w, struct pcl_conn *c, const uint8_t *data, uint32_t len)
{
	RTE_SET_USED(w);
	RTE_SET_USED(c);
	RTE_SET_USED(data);
	RTE_SET_USED(len);
}

const struct pcl_app_ops pcl_apps[PCL_APP_MAX] = {
	[PCL_APP_HTTP] = {.recv = pcl_http_recv},
	[PCL_APP_ECHO] = {.recv = echo_recv},
	[PCL_APP_DISCARD] = {.recv = discard_recv},
};
