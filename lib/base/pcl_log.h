/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_LOG_H
#define PCL_LOG_H

#include <rte_log.h>

/* The project's own log type ("portcullis"); --log-level=portcullis:debug. */
extern int pcl_logtype;

#define PCL_LOG(level, fmt, ...)                                                                   \
	rte_log(RTE_LOG_##level, pcl_logtype, "portcullis: " fmt "\n", ##__VA_ARGS__)

#endif
