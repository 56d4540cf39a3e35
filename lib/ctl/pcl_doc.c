/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/pcl_stats.h"
#include "ctl/pcl_config.h"
#include "ctl/pcl_doc.h"
#include "tcp/pcl_conn.h"

/* One table cell: a '|' in the text would end it early. */
static void
cell(FILE *f, const char *text, bool code)
{
	const char *p;

	fputs(code ? " `" : " ", f);
	for (p = text; *p != '\0'; p++) {
		if (*p == '|')
			fputc('\\', f);
		fputc(*p, f);
	}
	fputs(code ? "` |" : " |", f);
}

static void
key_row(void *arg, const char *key, const char *dflt, bool is_value, const char *values,
	const char *help)
{
	FILE *f = arg;

	fputc('|', f);
	cell(f, key, true);
	cell(f, dflt, is_value);
	cell(f, values, false);
	cell(f, help, false);
	fputc('\n', f);
}

/* 0, or -EIO once anything written to f failed. */
static int
written(FILE *f)
{
	return fflush(f) == 0 && !ferror(f) ? 0 : -EIO;
}

int
pcl_doc_config_keys(FILE *f)
{
	int rc;

	fputs("| key | default | values | meaning |\n| --- | --- | --- | --- |\n", f);
	rc = pcl_config_describe(key_row, f);
	return rc != 0 ? rc : written(f);
}

static void
row(FILE *f, const char *prefix, const char *name, const char *kind, const char *help)
{
	fprintf(f, "| `%s%s` | %s |", prefix, name, kind);
	cell(f, help, false);
	fputc('\n', f);
}

int
pcl_doc_counters(FILE *f)
{
	char help[256];
	unsigned int i;

	fputs("| name | kind | meaning |\n| --- | --- | --- |\n", f);
	for (i = 0; i < PCL_COUNTER_COUNT; i++)
		row(f, "", pcl_counter_names[i], "counter", pcl_counter_help[i]);
	for (i = 0; i < PCL_DROP_MAX; i++)
		row(f, "drop_", pcl_drop_names[i], "drop", pcl_drop_help[i]);
	/* As the totals and Prometheus report them: the states a live entry can be in. */
	for (i = PCL_TCP_SYN_RCVD; i < PCL_TCP_STATE_MAX; i++) {
		snprintf(help, sizeof(help), "connections in %s now; timer: %s",
			 pcl_tcp_state_names[i], pcl_tcp_state_timers[i]);
		row(f, "state_", pcl_tcp_state_names[i], "gauge", help);
	}
	for (i = 0; i < PCL_RESOURCE_COUNT; i++)
		row(f, "", pcl_resource_names[i], "gauge", pcl_resource_help[i]);
	return written(f);
}
