/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "ctl/pcl_ctrl.h"
#include "ctl/pcl_lbctl.h"
#include "ctl/pcl_mem.h"
#include "ctl/pcl_telemetry.h"
#include "worker/pcl_worker.h"

/* rte_telemetry callbacks take no user argument, hence this one static. */
static struct {
	struct pcl_worker *const *workers;
	unsigned int n;
	const struct pcl_config *cfg;
	const struct pcl_rates *rates;
	struct pcl_lbctl *lb;
} tel;

static void
add_counters(struct rte_tel_data *d, const struct pcl_stats *s)
{
	char name[64];
	unsigned int i;

	for (i = 0; i < PCL_COUNTER_COUNT; i++)
		rte_tel_data_add_dict_u64(d, pcl_counter_names[i], pcl_stats_counter(s, i));
	for (i = 0; i < PCL_DROP_MAX; i++) {
		snprintf(name, sizeof(name), "drop_%s", pcl_drop_names[i]);
		rte_tel_data_add_dict_u64(d, name, pcl_stat_read(&s->drop[i]));
	}
}

static void
add_resources(struct rte_tel_data *d, const struct pcl_resources *r)
{
	unsigned int i;

	for (i = 0; i < PCL_RESOURCE_COUNT; i++)
		rte_tel_data_add_dict_u64(d, pcl_resource_names[i], pcl_resource(r, i));
}

static int
stats_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct pcl_totals t;
	struct pcl_mem mem;
	char name[64];
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	pcl_ctrl_totals(tel.workers, tel.n, &t);
	rte_tel_data_start_dict(d);
	add_counters(d, &t.s);
	rte_tel_data_add_dict_u64(d, "conns_active", pcl_tcp_active(t.by_state));
	add_resources(d, &t.res);
	for (i = 0; i < PCL_COUNTER_COUNT; i++) {
		snprintf(name, sizeof(name), "%s_per_s", pcl_counter_names[i]);
		rte_tel_data_add_dict_u64(d, name, pcl_stat_read(&tel.rates->per_s[i]));
	}
	rte_tel_data_add_dict_u64(d, "drops_per_s", pcl_stat_read(&tel.rates->drops_per_s));
	if (pcl_mem_read(&mem) == 0) {
		rte_tel_data_add_dict_u64(d, "allocator_allocated_bytes", mem.allocated);
		rte_tel_data_add_dict_u64(d, "allocator_resident_bytes", mem.resident);
	}
	return 0;
}

static int
lcores_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	unsigned int i, s;
	char name[64];
	char *end;
	unsigned long id;

	RTE_SET_USED(cmd);
	if (params == NULL || *params == '\0') {
		rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
		for (i = 0; i < tel.n; i++)
			rte_tel_data_add_array_int(d, (int)tel.workers[i]->lcore);
		return 0;
	}
	id = strtoul(params, &end, 10);
	for (i = 0; i < tel.n && *end == '\0'; i++) {
		struct pcl_worker *w = tel.workers[i];
		struct pcl_resources r;

		if (w->lcore != id)
			continue;
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_int(d, "lcore", (int)w->lcore);
		rte_tel_data_add_dict_int(d, "port", w->ifs[0].port);
		rte_tel_data_add_dict_int(d, "queue", w->ifs[0].queue);
		add_counters(d, &w->stats);
		rte_tel_data_add_dict_u64(d, "conns_active", pcl_tcp_active(w->tcp.by_state));
		rte_tel_data_add_dict_u64(d, "busy_pct", pcl_stat_read(&tel.rates->busy_pct[i]));
		pcl_worker_resources(w, &r);
		add_resources(d, &r);
		for (s = PCL_TCP_SYN_RCVD; s < PCL_TCP_STATE_MAX; s++) {
			snprintf(name, sizeof(name), "state_%s", pcl_tcp_state_names[s]);
			rte_tel_data_add_dict_u64(d, name, pcl_stat_read(&w->tcp.by_state[s]));
		}
		return 0;
	}
	return -EINVAL;
}

static int
conns_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct pcl_totals t;
	unsigned int i;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	pcl_ctrl_totals(tel.workers, tel.n, &t);
	rte_tel_data_start_dict(d);
	for (i = PCL_TCP_SYN_RCVD; i < PCL_TCP_STATE_MAX; i++)
		rte_tel_data_add_dict_u64(d, pcl_tcp_state_names[i], t.by_state[i]);
	rte_tel_data_add_dict_u64(d, "active", pcl_tcp_active(t.by_state));
	return 0;
}

static void
add_key(void *arg, const char *section, const char *key, const char *text, const uint64_t *num)
{
	char name[RTE_TEL_MAX_STRING_LEN];

	/* Telemetry names allow no dots: "section/key". */
	snprintf(name, sizeof(name), "%s/%s", section, key);
	if (num != NULL)
		rte_tel_data_add_dict_u64(arg, name, *num);
	else
		rte_tel_data_add_dict_string(arg, name, text);
}

static int
config_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_dict(d);
	pcl_config_foreach(tel.cfg, add_key, d);
	return 0;
}

/*
 * "PORT A.B.C.D:P STATE" (or "PORT [IPv6]:P STATE") for every backend of every service: an array,
 * since telemetry's dictionary keys take no dots or colons.
 */
static int
backends_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct pcl_backend_info bi;
	char line[96];
	unsigned int s, b;

	RTE_SET_USED(cmd);
	RTE_SET_USED(params);
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	for (s = 0; s < tel.lb->sv->n; s++)
		for (b = 0; pcl_lbctl_backend_info(tel.lb, s, b, &bi) == 0; b++) {
			snprintf(line, sizeof(line), "%u %s %s", bi.service, bi.name,
				 pcl_backend_state_names[bi.state]);
			rte_tel_data_add_array_string(d, line);
		}
	return 0;
}

/* ",PORT A.B.C.D:P": one backend's state, weight, slots and counters. */
static int
backend_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct pcl_backend_info bi;
	char name[64], want[96];
	unsigned int s, b, k;

	RTE_SET_USED(cmd);
	for (s = 0; params != NULL && s < tel.lb->sv->n; s++) {
		for (b = 0; pcl_lbctl_backend_info(tel.lb, s, b, &bi) == 0; b++) {
			snprintf(want, sizeof(want), "%u %s", bi.service, bi.name);
			if (strcmp(want, params) != 0)
				continue;
			rte_tel_data_start_dict(d);
			rte_tel_data_add_dict_string(d, "state", pcl_backend_state_names[bi.state]);
			rte_tel_data_add_dict_u64(d, "weight", bi.weight);
			rte_tel_data_add_dict_u64(d, "slots", bi.slots);
			rte_tel_data_add_dict_u64(d, "conns_active", bi.active);
			rte_tel_data_add_dict_u64(d, "went_down", bi.downs);
			rte_tel_data_add_dict_u64(d, "went_up", bi.ups);
#define PCL_TEL_BACKEND(n, h) rte_tel_data_add_dict_u64(d, #n, bi.st.n);
			PCL_BACKEND_COUNTERS(PCL_TEL_BACKEND)
#undef PCL_TEL_BACKEND
			for (k = 0; k < PCL_HS_BUCKETS; k++) {
				snprintf(name, sizeof(name), "hs_ms_bucket_%u", k);
				rte_tel_data_add_dict_u64(d, name, bi.st.hs_ms[k]);
			}
			return 0;
		}
	}
	return -EINVAL;
}

/* ",LINE": a command (pcl_lbctl.h); the answer in "reply", an error as "error". */
static int
command_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char reply[RTE_TEL_MAX_STRING_LEN];
	int rc;

	RTE_SET_USED(cmd);
	rc = pcl_lbctl_command(tel.lb, params ? params : "", reply, sizeof(reply));
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, rc == 0 ? "reply" : "error", reply);
	return 0;
}

int
pcl_telemetry_register(struct pcl_worker *const *workers, unsigned int n,
		       const struct pcl_config *cfg, const struct pcl_rates *rates,
		       struct pcl_lbctl *lb)
{
	int rc;

	tel.workers = workers;
	tel.n = n;
	tel.cfg = cfg;
	tel.rates = rates;
	tel.lb = lb;
	rc = rte_telemetry_register_cmd(
		"/portcullis/stats", stats_cb,
		"Every counter summed over the worker lcores, and its rate per second");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/portcullis/lcores", lcores_cb,
						"Worker lcore ids; with ,ID that lcore's counters");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/portcullis/conns", conns_cb,
						"Connections by TCP state right now");
	if (rc == 0)
		rc = rte_telemetry_register_cmd("/portcullis/config", config_cb,
						"The configuration in use");
	if (rc == 0 && lb != NULL)
		rc = rte_telemetry_register_cmd(
			"/portcullis/backends", backends_cb,
			"Every service's backends: \"PORT ADDR:PORT STATE\"");
	if (rc == 0 && lb != NULL)
		rc = rte_telemetry_register_cmd(
			"/portcullis/backend", backend_cb,
			"With ,PORT ADDR:PORT: that backend's state, weight, slots and counters");
	if (rc == 0 && lb != NULL)
		rc = rte_telemetry_register_cmd(
			"/portcullis/command", command_cb,
			"With ,LINE: backend add|remove|weight|drain|undrain PORT ADDR:PORT [ARG], "
			"or reload");
	return rc;
}
