/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_LBCTL_H
#define PCL_LBCTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl/pcl_config.h"
#include "lb/pcl_health.h"
#include "lb/pcl_service.h"

/*
 * The services at run time, from the control thread's side: it sums the
 * workers' per-backend counters, decides each backend's health
 * (lb/pcl_health.h), applies commands and config reloads, and whenever the
 * backends that take new connections change, rebuilds the service's Maglev
 * table and retires the old one after a grace period. Never on the packet
 * path; a mutex keeps the control thread and the telemetry thread (which
 * runs commands) apart.
 *
 * Commands, one line each, answered with one line:
 *   backend add PORT A.B.C.D:P [weight=N]   a new backend (or a removed one back)
 *   backend remove PORT A.B.C.D:P           no new connections, its own finish
 *   backend weight PORT A.B.C.D:P N         its share from now on
 *   backend drain PORT A.B.C.D:P            no new connections, its own finish
 *   backend undrain PORT A.B.C.D:P          back, as its health says
 *   reload                                  the config file again: backends and
 *                                           weights change; anything else needs a restart
 * A drained backend stays drained across reloads: draining is the
 * operator's, not the file's.
 */

/* What commands did to a backend, over what its health says. */
enum pcl_admin { PCL_ADMIN_ACTIVE, PCL_ADMIN_DRAIN, PCL_ADMIN_REMOVED };

/* Loads the config file again (with the command line's options on top); 0 or -errno. */
typedef int (*pcl_reload_fn)(struct pcl_config *out, char *err, size_t errlen, void *arg);

struct pcl_lbctl {
	struct pcl_services *sv;
	pthread_mutex_t lock;
	pcl_reload_fn reload;
	void *reload_arg;
	struct pcl_health health[PCL_MAX_SERVICES][PCL_MAX_BACKENDS];
	uint8_t admin[PCL_MAX_SERVICES][PCL_MAX_BACKENDS];  /* enum pcl_admin */
	uint32_t downs[PCL_MAX_SERVICES][PCL_MAX_BACKENDS]; /* times it went down */
	uint32_t ups[PCL_MAX_SERVICES][PCL_MAX_BACKENDS];   /* and back up */
};

/* Starts lc over sv with every backend up. Returns 0 or -errno. */
int pcl_lbctl_init(struct pcl_lbctl *lc, struct pcl_services *sv, pcl_reload_fn reload,
		   void *reload_arg);
void pcl_lbctl_fini(struct pcl_lbctl *lc);

/* The control thread, every 100 ms: health, states, tables. */
void pcl_lbctl_tick(struct pcl_lbctl *lc, uint64_t now_ms);

/*
 * Runs one command line; reply gets one line ("ok: ..." or the problem).
 * Returns 0, or -errno when the command changed nothing.
 */
int pcl_lbctl_command(struct pcl_lbctl *lc, const char *line, char *reply, size_t len);

/* Backend b of service s: its counters summed over the workers. */
void pcl_lbctl_backend_stats(const struct pcl_services *sv, unsigned int s, unsigned int b,
			     struct pcl_backend_stats *out);

/* Everything known of one backend, for telemetry, Prometheus and portcullis-stat. */
struct pcl_backend_info {
	char name[PCL_ADDR_PORT_STRLEN]; /* "A.B.C.D:PORT" or "[IPv6]:PORT" */
	uint16_t service;                /* its service's port */
	enum pcl_backend_state state;
	uint32_t weight;
	uint32_t slots; /* of the Maglev table in use */
	uint32_t downs, ups;
	uint64_t active; /* connections open to it now */
	struct pcl_backend_stats st;
};

/* Backend b of service s (safe from any thread). Returns 0, or -ENOENT. */
int pcl_lbctl_backend_info(struct pcl_lbctl *lc, unsigned int s, unsigned int b,
			   struct pcl_backend_info *out);

#endif
