/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_SERVICE_H
#define PCL_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include "net/pcl_neigh.h"
#include "tcp/pcl_tcp.h"

/*
 * Services: a listening port whose connections portcullis hands on to
 * backends (a SYN proxy in full-NAT mode, lb/pcl_proxy.h) instead of
 * answering them itself. A service has backends, a Maglev table to choose
 * among them by the client's tuple, and the knobs of the backend handshake.
 */

#define PCL_MAX_SERVICES 16
#define PCL_MAX_BACKENDS 256 /* per service */

enum pcl_scheduler { PCL_SCHED_MAGLEV, PCL_SCHED_MAX };

/* The schedulers by name, NULL-terminated, as configs say them. */
extern const char *const pcl_scheduler_names[PCL_SCHED_MAX + 1];

/* A backend as configured: "backend = A.B.C.D:PORT [weight=N]". */
struct pcl_backend_conf {
	rte_be32_t addr;
	uint16_t port; /* host order */
	uint32_t weight;
};

/* A service as configured: a [service:PORT] section. */
struct pcl_service_conf {
	uint16_t port;          /* the listening port */
	uint16_t line;          /* the config line of its first key, for later errors; 0: none */
	rte_be32_t vip;         /* 0: the port's address */
	uint32_t scheduler;     /* enum pcl_scheduler */
	uint32_t table_size;    /* Maglev slots: a prime above 100 backends each */
	uint32_t seed;          /* Maglev's, so instances agree or differ on purpose */
	uint32_t syn_retries;   /* retransmissions of the SYN to a backend */
	uint32_t redispatch;    /* further backends to try after a failed handshake */
	uint32_t held_segments; /* client segments held per connection until the backend answers */
	uint16_t nbackends;
	struct pcl_backend_conf backends[PCL_MAX_BACKENDS];
};

/* A new service's settings before its section sets any: the defaults. */
void pcl_service_conf_defaults(struct pcl_service_conf *s, uint16_t port);

/*
 * Parses "A.B.C.D:PORT [weight=N]" into b (weight 100 unless given).
 * Returns 0, or -EINVAL with the problem in err.
 */
int pcl_backend_parse(const char *v, struct pcl_backend_conf *b, char *err, size_t errlen);

/* b as text, as pcl_backend_parse() reads it. */
void pcl_backend_format(const struct pcl_backend_conf *b, char *buf, size_t len);

/* An interface of the server, as services need it to reach backends. */
struct pcl_lb_if {
	rte_be32_t addr;
	uint8_t prefix_len;
};

/*
 * The interface a backend at addr is reached through: the last of ifs[0..n)
 * whose subnet holds it (the backend-facing port before the client-facing
 * one), or -1 when none does.
 */
int pcl_lb_if_of(const struct pcl_lb_if *ifs, unsigned int n, rte_be32_t addr);

/* A backend at run time. */
struct pcl_backend {
	rte_be32_t addr;
	rte_be16_t port;
	uint32_t weight;
	uint32_t neigh; /* its entry in the neighbour table */
	uint8_t ifx;    /* the interface toward it */
};

/* A service at run time: read-only for the workers. */
struct pcl_service {
	const struct pcl_neigh *neigh; /* where its backends' MACs are */
	rte_be32_t vip;
	rte_be16_t port;
	uint32_t table_size;
	uint16_t *table; /* Maglev: slot -> backend, PCL_MAGLEV_NONE for none */
	uint32_t syn_retries;
	uint32_t redispatch;
	uint32_t held_segments;
	uint16_t nbackends;
	struct pcl_backend backends[PCL_MAX_BACKENDS];
};

/* Every service of a server, and the neighbour table of their backends. */
struct pcl_services {
	uint32_t n;
	struct pcl_service svc[PCL_MAX_SERVICES];
	struct pcl_neigh neigh;
};

/*
 * Builds the n services of conf for a server whose interfaces are ifs[0..nifs)
 * (their backends registered in sv->neigh), and adds a listener for each to
 * listeners. Returns 0, -EINVAL (a backend on no interface's subnet, a bad
 * Maglev table size, too many listeners) or -ENOMEM.
 */
int pcl_services_init(struct pcl_services *sv, const struct pcl_service_conf *conf, uint32_t n,
		      const struct pcl_lb_if *ifs, unsigned int nifs,
		      struct pcl_listeners *listeners);
void pcl_services_fini(struct pcl_services *sv);

#endif
