/* SPDX-License-Identifier: BSD-3-Clause */
/* A capture's request, as /portcullis/capture,start gives it. Pure: no EAL. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "ctl/pcl_capture.h"

static int
parse_u64(const char *key, const char *val, uint64_t lo, uint64_t hi, uint64_t *out, char *err,
	  size_t errlen)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (val[0] < '0' || val[0] > '9' || *end != '\0' || errno != 0 || v < lo || v > hi) {
		snprintf(err, errlen, "%s: expected a whole number in %llu..%llu, got '%s'", key,
			 (unsigned long long)lo, (unsigned long long)hi, val);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

int
pcl_capture_parse(const char *spec, struct pcl_capture_opts *o, char *err, size_t errlen)
{
	static const char *const keys[] = {"packets", "bytes", "seconds", "snaplen"};
	const uint64_t lo[] = {1, 1, 1, PCL_CAPTURE_SNAPLEN_MIN};
	const uint64_t hi[] = {PCL_CAPTURE_PACKETS_MAX, PCL_CAPTURE_BYTES_MAX,
			       PCL_CAPTURE_SECONDS_MAX, PCL_CAPTURE_SNAPLEN};
	uint64_t val[RTE_DIM(keys)] = {PCL_CAPTURE_PACKETS, PCL_CAPTURE_BYTES, PCL_CAPTURE_SECONDS,
				       PCL_CAPTURE_SNAPLEN};
	bool seen[RTE_DIM(keys)] = {false};
	const char *p = spec, *comma;
	char item[64];
	size_t len, i;
	char *eq;
	int rc;

	memset(o, 0, sizeof(*o));
	comma = strchr(p, ',');
	len = comma ? (size_t)(comma - p) : strlen(p);
	if (len == 0 || p[0] != '/') {
		snprintf(err, errlen, "give the capture file as an absolute path first, got '%.*s'",
			 (int)len, p);
		return -EINVAL;
	}
	if (len >= sizeof(o->path)) {
		snprintf(err, errlen, "the path is longer than %zu bytes", sizeof(o->path) - 1);
		return -EINVAL;
	}
	memcpy(o->path, p, len);
	for (p = comma; p != NULL; p = comma) {
		p++;
		/* The filter is last and may hold commas: it takes the rest. */
		if (strncmp(p, "filter=", 7) == 0) {
			if (strlen(p + 7) >= sizeof(o->filter)) {
				snprintf(err, errlen, "filter: longer than %zu bytes",
					 sizeof(o->filter) - 1);
				return -EINVAL;
			}
			strcpy(o->filter, p + 7);
			break;
		}
		comma = strchr(p, ',');
		len = comma ? (size_t)(comma - p) : strlen(p);
		if (len >= sizeof(item)) {
			snprintf(err, errlen, "option too long: '%.20s...'", p);
			return -EINVAL;
		}
		memcpy(item, p, len);
		item[len] = '\0';
		eq = strchr(item, '=');
		if (eq != NULL)
			*eq = '\0';
		for (i = 0; i < RTE_DIM(keys) && strcmp(item, keys[i]) != 0; i++)
			;
		if (eq == NULL || i == RTE_DIM(keys)) {
			snprintf(err, errlen,
				 "unknown option '%s' (packets=, bytes=, seconds=, snaplen=, "
				 "filter=)",
				 item);
			return -EINVAL;
		}
		if (seen[i]) {
			snprintf(err, errlen, "%s: given twice", keys[i]);
			return -EINVAL;
		}
		seen[i] = true;
		rc = parse_u64(keys[i], eq + 1, lo[i], hi[i], &val[i], err, errlen);
		if (rc != 0)
			return rc;
	}
	o->max_packets = val[0];
	o->max_bytes = val[1];
	o->max_seconds = (uint32_t)val[2];
	o->snaplen = (uint32_t)val[3];
	return 0;
}
