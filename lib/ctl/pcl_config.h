/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_CONFIG_H
#define PCL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include "app/pcl_app.h"
#include "lb/pcl_service.h"
#include "tcp/pcl_tcp.h"
#include "worker/pcl_port.h"
#include "worker/pcl_worker.h"

#define PCL_DEVICE_LEN 256
#define PCL_PROM_LEN   32
#define PCL_LCORES_LEN 128

/*
 * Everything the server was told, after defaults, the config file and the
 * command line, in that order. Read-only once workers start: they get a
 * const pointer and never a global.
 */
/* Room for the line of every key outside [listen:PORT] sections. */
#define PCL_CONFIG_KEYS 48
/* IPv6 addresses interned per worker beyond one per entry: ours, and room to spare. */
#define PCL_ADDR6_SPARE 64

struct pcl_config {
	/* [port] */
	char device[PCL_DEVICE_LEN]; /* vdev spec added to the EAL args, or "" */
	rte_be32_t addr;
	uint8_t prefix_len;
	uint8_t addr6[16];
	uint8_t prefix6_len;           /* 0: no IPv6 */
	struct pcl_local_addrs laddrs; /* sources toward backends besides addr */
	struct pcl_port_conf port;
	/* [port:backend]: a second port facing the backends (two-arm); baddr 0: none */
	char bdevice[PCL_DEVICE_LEN];
	rte_be32_t baddr;
	uint8_t bprefix_len;
	uint8_t baddr6[16];
	uint8_t bprefix6_len; /* 0: no IPv6 toward the backends */
	struct pcl_local_addrs bladdrs;
	/* [workers] */
	char lcores[PCL_LCORES_LEN]; /* EAL --lcores list, or "" */
	/* [listen]; no ports means 80 unless a [listen:PORT] section names one */
	uint16_t listen[PCL_MAX_LISTEN];
	uint32_t nlisten;
	uint32_t app; /* enum pcl_app_id for these ports, and the sections' default */
	/*
	 * [listen:PORT] sections, in file order; app PCL_APP_MAX and body_size
	 * UINT32_MAX stand for [listen] app and [http] body_size until resolved.
	 */
	struct pcl_listen_conf sections[PCL_MAX_LISTEN];
	uint32_t nsections;
	/* [service:PORT] sections, in file order */
	struct pcl_service_conf services[PCL_MAX_SERVICES];
	uint32_t nservices;
	/* [http] */
	uint32_t http_body_size;
	/* The TCP engine's keys: [tcp], [timers], [tables], [syncookies]; its mss is derived. */
	struct pcl_tcp_conf tcp;
	uint32_t isn_rekey_s;    /* [tcp]: ISN secret rotation period, 0 = never */
	uint32_t cookie_rekey_s; /* [syncookies]: cookie secret rotation period, 0 = never */
	/* [stats] */
	uint32_t log_interval_s;
	char prometheus[PCL_PROM_LEN]; /* "A.B.C.D:PORT" or "off" */

	/*
	 * Where each key's value came from, for the errors pcl_config_finish()
	 * finds between keys: the file pcl_config_load() read and the line that
	 * set the key (by index in the key table), 0 for a default or an option.
	 */
	const char *path;
	uint16_t line[PCL_CONFIG_KEYS];

	/* Derived by pcl_config_finish(): the Prometheus endpoint, port 0 = off. */
	rte_be32_t prom_addr;
	uint16_t prom_port;

	/* Derived by pcl_config_finish(): every listener, [listen] ports first, defaults resolved.
	 */
	struct pcl_listen_conf listeners[PCL_MAX_LISTEN];
	uint32_t nlisteners;
};

/* Fills c with the defaults documented in conf/portcullis.conf. */
void pcl_config_defaults(struct pcl_config *c);

/*
 * Starts a section, as a config file's [section] line does: checks its name
 * and, for "listen:PORT", adds that listener. Returns 0, or -ENOENT for an
 * unknown section and -EINVAL for a bad or repeated port, with
 * "section: problem" in err.
 */
int pcl_config_section(struct pcl_config *c, const char *section, char *err, size_t errlen);

/*
 * Sets section.key to value; a "listen:PORT" section is started if it was
 * not. On error returns -EINVAL (-ENOENT for an unknown section or key) and
 * writes "section.key: problem" into err. The key counts as set by an
 * option, not by a file line.
 */
int pcl_config_set(struct pcl_config *c, const char *section, const char *key, const char *value,
		   char *err, size_t errlen);

/*
 * Loads an INI file. Every problem is reported through RTE_LOG-independent
 * stderr as "FILE:LINE: section.key: problem". Returns 0, -ENOENT when the
 * file cannot be opened, or -EINVAL after reporting every bad line.
 */
int pcl_config_load(struct pcl_config *c, const char *path);

/* As pcl_config_load(), with the first problem in err instead of every one on stderr. */
int pcl_config_load_err(struct pcl_config *c, const char *path, char *err, size_t errlen);

/*
 * Checks cross-key constraints and fills the derived fields. Returns 0 or
 * -EINVAL with "key: problem" in err.
 */
int pcl_config_finish(struct pcl_config *c, char *err, size_t errlen);

/*
 * Whether finished configs a and b differ in anything but their services:
 * what a reload cannot change without a restart. Returns 1 with the first
 * such key (section.key, or listen:PORT) in what, or 0.
 */
int pcl_config_changed(const struct pcl_config *a, const struct pcl_config *b, char *what,
		       size_t len);

/*
 * Checks that nworkers worker lcores fit port.queues. Returns 0 or -EINVAL
 * with "port.queues: problem" in err.
 */
int pcl_config_check_workers(const struct pcl_config *c, unsigned int nworkers, char *err,
			     size_t errlen);

/*
 * Calls fn for every key, in the order of the config file, with its value as
 * text; num points at the value for numeric keys and is NULL otherwise.
 */
typedef void (*pcl_config_visit_t)(void *arg, const char *section, const char *key,
				   const char *text, const uint64_t *num);
void pcl_config_foreach(const struct pcl_config *c, pcl_config_visit_t fn, void *arg);

/*
 * Calls fn for every key, [listen:PORT] and [service:PORT] keys last, with what the docs say
 * about it: key as "section.key" ("listen:PORT.key"), its default (a value
 * when is_value, else words such as "none" or another key's name), the
 * values it takes (a range with its unit, the choices as "a|b|c", or the
 * syntax) and a one-line help text. Returns 0 or -ENOMEM.
 */
typedef void (*pcl_config_describe_t)(void *arg, const char *key, const char *dflt, bool is_value,
				      const char *values, const char *help);
int pcl_config_describe(pcl_config_describe_t fn, void *arg);

/* How many ports cfg has: 2 with [port:backend], else 1. */
static inline unsigned int
pcl_config_nports(const struct pcl_config *cfg)
{
	return cfg->baddr != 0 ? 2 : 1;
}

/* The addresses of cfg's ports, as services need them to reach backends. */
void pcl_config_lb_ifs(const struct pcl_config *cfg, struct pcl_lb_if ifs[PCL_MAX_IFS]);

/*
 * What worker queue of ports[0..pcl_config_nports(cfg)) on lcore is given
 * under cfg: the engine's settings, the listeners (of apps, and of services
 * when sv is not NULL, whose backends' MACs it then learns), secrets and its
 * mbuf pool mp.
 */
struct pcl_worker_conf pcl_config_worker(const struct pcl_config *cfg, const struct pcl_apps *apps,
					 struct pcl_services *sv, const struct pcl_secrets *secrets,
					 struct rte_mempool *mp, const uint16_t *ports,
					 uint16_t queue, unsigned int lcore);

/* Name of a SYN cookie mode ("auto"), for logs. */
const char *pcl_cookie_mode_name(uint32_t mode);

#endif
