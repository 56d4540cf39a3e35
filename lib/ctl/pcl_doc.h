/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_DOC_H
#define PCL_DOC_H

#include <stdio.h>

/*
 * The reference tables of docs/, printed from the code's own lists so the
 * docs cannot drift from it (tests/unit/check_docs.py compares them;
 * docs/generate.sh rewrites them). Neither needs an EAL.
 */

/*
 * Writes every configuration key as a Markdown table: key, default, values,
 * meaning. Returns 0, -ENOMEM, or -EIO when f could not be written.
 */
int pcl_doc_config_keys(FILE *f);

/*
 * Writes every name the totals, telemetry and Prometheus report per worker
 * as a Markdown table: the counters, drop_REASON (kind "drop"), state_STATE
 * with what that state's timer does, and the resource gauges. Returns 0 or
 * -EIO.
 */
int pcl_doc_counters(FILE *f);

#endif
