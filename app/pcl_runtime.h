/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_RUNTIME_H
#define PCL_RUNTIME_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/*
 * The path of file in the runtime directory of the DPDK process with
 * --file-prefix prefix, as EAL makes it: /var/run/dpdk/PREFIX for root,
 * else $XDG_RUNTIME_DIR/dpdk/PREFIX (/tmp without it). Header-only:
 * portcullis-stat reads the server's files without linking DPDK.
 */
static inline void
pcl_runtime_path(char *buf, size_t len, const char *prefix, const char *file)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");

	snprintf(buf, len, "%s/dpdk/%s/%s", getuid() == 0 ? "/var/run" : (xdg ? xdg : "/tmp"),
		 prefix, file);
}

#endif
