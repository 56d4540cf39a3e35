/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_SERVICE_H
#define PCL_SERVICE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_byteorder.h>

#include "net/pcl_addr.h"
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
/* Active health checks: none (passive only), a TCP handshake, an HTTP GET. */
enum pcl_check { PCL_CHECK_NONE, PCL_CHECK_TCP, PCL_CHECK_HTTP, PCL_CHECK_MAX };
/* What a backend's connections get when it goes down: kept, or reset both ways. */
enum pcl_on_down { PCL_ON_DOWN_KEEP, PCL_ON_DOWN_RESET, PCL_ON_DOWN_MAX };
/* The PROXY protocol header sent as the first bytes to the backend. */
enum pcl_proxy_protocol { PCL_PP_OFF, PCL_PP_V1, PCL_PP_V2, PCL_PP_MAX };

/* The enums by name, NULL-terminated, as configs say them. */
extern const char *const pcl_scheduler_names[PCL_SCHED_MAX + 1];
extern const char *const pcl_check_names[PCL_CHECK_MAX + 1];
extern const char *const pcl_on_down_names[PCL_ON_DOWN_MAX + 1];
extern const char *const pcl_proxy_protocol_names[PCL_PP_MAX + 1];

/*
 * A backend as configured: "backend = A.B.C.D:PORT [weight=N]" or
 * "[IPv6]:PORT [weight=N]". A service's backends are of one family, the
 * family its clients must be of (full NAT within a family).
 */
struct pcl_backend_conf {
	struct pcl_addr addr;
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
	uint32_t check;         /* enum pcl_check */
	uint32_t check_interval_ms;
	uint32_t check_timeout_ms;
	uint32_t check_rise;      /* successes in a row that bring a backend up */
	uint32_t check_fall;      /* failures in a row that take it down */
	uint32_t check_port;      /* 0: the backend's own */
	uint32_t check_status;    /* http: the status that means up */
	char check_path[128];     /* http: what is asked for */
	uint32_t passive_down_ms; /* a backend whose handshakes fail is out this long, 0: never */
	uint32_t passive_down_max_ms; /* doubling each time, up to this */
	uint32_t on_backend_down;     /* enum pcl_on_down */
	uint32_t proxy_protocol;      /* enum pcl_proxy_protocol */
	uint16_t nbackends;
	struct pcl_backend_conf backends[PCL_MAX_BACKENDS];
};

/* A new service's settings before its section sets any: the defaults. */
void pcl_service_conf_defaults(struct pcl_service_conf *s, uint16_t port);

/*
 * Parses "A.B.C.D:PORT [weight=N]" or "[IPv6]:PORT [weight=N]" into b
 * (weight 100 unless given).
 * Returns 0, or -EINVAL with the problem in err.
 */
int pcl_backend_parse(const char *v, struct pcl_backend_conf *b, char *err, size_t errlen);

/* A weight, 0..1000000. Returns 0 or -EINVAL. */
int pcl_backend_parse_weight(const char *s, unsigned long *w);

/* b as text, as pcl_backend_parse() reads it. */
void pcl_backend_format(const struct pcl_backend_conf *b, char *buf, size_t len);

/* An interface of the server, as services need it to reach backends. */
struct pcl_lb_if {
	rte_be32_t addr;
	uint8_t prefix_len;
	uint8_t prefix6_len; /* 0: no IPv6 on it */
	uint8_t addr6[16];
	struct pcl_local_addrs local; /* ours too, though no client reaches us there */
};

/*
 * The interface a backend at addr is reached through: the last of ifs[0..n)
 * whose subnet of addr's family holds it (the backend-facing port before
 * the client-facing one), or -1 when none does.
 */
int pcl_lb_if_of(const struct pcl_lb_if *ifs, unsigned int n, const struct pcl_addr *addr);

/* Whether addr is an address (its own or a local one) of one of ifs[0..n). */
bool pcl_lb_if_ours(const struct pcl_lb_if *ifs, unsigned int n, const struct pcl_addr *addr);

/*
 * A backend's state. The control thread sets it (health checks, commands)
 * and rebuilds the Maglev table from the backends that are up; the workers
 * read it (relaxed atomics) only to reset the connections of a backend
 * that went down.
 */
#define PCL_BACKEND_STATES(X)                                                                      \
	X(up, "takes new connections in proportion to its weight")                                 \
	X(down, "failed its health checks or its handshakes: no new connections")                  \
	X(draining, "taken out by a command: no new connections, its connections finish")          \
	X(removed, "gone from the service; its connections finish")

enum pcl_backend_state {
#define PCL_BACKEND_STATE_ENUM(n, h) PCL_BACKEND_##n,
	PCL_BACKEND_STATES(PCL_BACKEND_STATE_ENUM)
#undef PCL_BACKEND_STATE_ENUM
		PCL_BACKEND_STATE_MAX
};

extern const char *const pcl_backend_state_names[PCL_BACKEND_STATE_MAX];

/* A backend at run time. Its index in the service never changes: connections name it. */
struct pcl_backend {
	struct pcl_addr addr; /* IPv4 mapped, or IPv6 */
	rte_be16_t port;
	uint8_t ifx;     /* the interface toward it */
	uint8_t state;   /* enum pcl_backend_state; relaxed atomics */
	uint32_t neigh;  /* its entry in the neighbour table */
	uint32_t weight; /* as configured or commanded (control thread) */
	uint32_t slots;  /* of the Maglev table in use (control thread writes, telemetry reads) */
};

/*
 * One worker's counters for one backend; the control thread sums them over
 * the workers. PCL_HS_BUCKETS of the backend handshake's time: < 1 ms,
 * < 2 ms, < 4 ms, ... and the last for anything longer.
 */
#define PCL_HS_BUCKETS 12
#define PCL_BACKEND_COUNTERS(X)                                                                    \
	X(conns, "proxied connections it accepted (its SYN-ACK came)")                             \
	X(ended, "of those, ended (both FINs, an RST, idleness or a reset when it went down)")     \
	X(hs_rst, "handshakes it refused with an RST")                                             \
	X(hs_timeout, "handshakes it never answered (the service's syn_retries spent)")            \
	X(redispatched, "connections moved from it to the next backend")                           \
	X(bytes_in, "payload bytes passed from clients to it")                                     \
	X(bytes_out, "payload bytes passed from it to clients")                                    \
	X(checks_ok, "health checks it passed")                                                    \
	X(checks_failed, "health checks it failed")

struct pcl_backend_stats {
#define PCL_BACKEND_COUNTER_FIELD(n, h) uint64_t n;
	PCL_BACKEND_COUNTERS(PCL_BACKEND_COUNTER_FIELD)
#undef PCL_BACKEND_COUNTER_FIELD
	uint64_t hs_ms[PCL_HS_BUCKETS];
	uint64_t hs_ms_sum; /* the handshakes' times added up */
};

extern const char *const pcl_backend_counter_names[];
extern const char *const pcl_backend_counter_help[];
#define PCL_BACKEND_COUNTER_COUNT 9

/* The histogram bucket of a handshake that took ms. */
static inline unsigned int
pcl_hs_bucket(uint32_t ms)
{
	unsigned int b = ms == 0 ? 0 : 32 - (unsigned int)__builtin_clz(ms);

	return b < PCL_HS_BUCKETS ? b : PCL_HS_BUCKETS - 1;
}

/*
 * A service at run time. The workers read it; the control thread changes
 * the backends' weights and states and replaces the table, under lock (a
 * mutex between the control thread and commands, never taken by workers).
 */
struct pcl_services;

struct pcl_service {
	struct pcl_services *all;      /* the set it is one of */
	uint8_t index;                 /* in all->svc */
	const struct pcl_neigh *neigh; /* where its backends' MACs are */
	rte_be32_t vip;
	rte_be16_t port;
	uint8_t listener; /* its index in the listeners */
	uint32_t table_size;
	uint32_t seed;
	/*
	 * Maglev: slot -> backend, PCL_MAGLEV_NONE for none. Published with a
	 * release store and read with an acquire load; the one it replaces is
	 * freed once every worker has passed a quiescent state (rte_rcu_qsbr).
	 */
	uint16_t *table;
	uint32_t syn_retries;
	uint32_t redispatch;
	uint32_t held_segments;
	uint32_t on_backend_down;     /* enum pcl_on_down */
	uint32_t proxy_protocol;      /* enum pcl_proxy_protocol */
	struct pcl_service_conf conf; /* as configured, checks included */
	/* Grows only (release store), so that a backend's index stays its own. */
	uint16_t nbackends;
	struct pcl_backend backends[PCL_MAX_BACKENDS];
};

/* Worker 0's, for its health checks of a backend (lb/pcl_probe.h). */
struct pcl_check_sched {
	uint32_t due_ms;
	bool running;
};

struct rte_rcu_qsbr;

/* Every service of a server, and what is shared about them. */
struct pcl_services {
	uint32_t n;
	struct pcl_service svc[PCL_MAX_SERVICES];
	struct pcl_neigh neigh;
	struct pcl_lb_if ifs[PCL_MAX_IFS];
	unsigned int nifs;
	/* Each worker's counters by service and backend, for the control thread to sum. */
	struct pcl_backend_stats *stats[RTE_MAX_LCORE];
	/*
	 * Bumped (release) when a backend of an on_backend_down=reset service
	 * goes down: each worker then walks its entries once.
	 */
	uint32_t down_gen;
	/* Grace periods for replaced tables; NULL when nothing runs concurrently (tests). */
	struct rte_rcu_qsbr *qsbr;
	/* Worker 0's: when it next looks for due checks, and each backend's. */
	uint32_t check_scan_ms;
	struct pcl_check_sched check[PCL_MAX_SERVICES][PCL_MAX_BACKENDS];
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

/*
 * Allocates lcore's counters (on socket) and registers them in sv. Returns
 * them, or NULL (-ENOMEM).
 */
struct pcl_backend_stats *pcl_services_lcore(struct pcl_services *sv, unsigned int lcore,
					     int socket);

/* Lcore's counters for backend b of service s. */
static inline struct pcl_backend_stats *
pcl_backend_stats(struct pcl_backend_stats *lcore, unsigned int s, unsigned int b)
{
	return &lcore[s * PCL_MAX_BACKENDS + b];
}

/* The service of an engine entry's listener (a proxied connection's, a health check's). */
static inline const struct pcl_service *
pcl_service_of(const struct pcl_tcp *e, uint8_t listener)
{
	return e->listeners->l[listener].app_data;
}

/* This worker's counters for backend b of svc. */
static inline struct pcl_backend_stats *
pcl_backend_stats_here(const struct pcl_tcp *e, const struct pcl_service *svc, uint16_t b)
{
	return pcl_backend_stats(svc->all->stats[e->lcore], svc->index, b);
}

/* The service's table as the workers read it. */
static inline const uint16_t *
pcl_service_table(const struct pcl_service *svc)
{
	return __atomic_load_n(&svc->table, __ATOMIC_ACQUIRE);
}

/*
 * The frame of a segment of ours toward backend b of svc: its MAC into
 * *mac, and *m, or a new mbuf when *m is NULL. Returns 0, -EHOSTUNREACH
 * (its MAC unknown yet; *m freed) or -ENOMEM (counted as nombuf).
 */
static inline int
pcl_backend_frame(struct pcl_tcp *e, const struct pcl_service *svc, const struct pcl_backend *b,
		  struct rte_ether_addr *mac, struct rte_mbuf **m)
{
	if (!pcl_neigh_mac(svc->neigh, b->neigh, mac)) {
		rte_pktmbuf_free(*m);
		return -EHOSTUNREACH;
	}
	if (*m == NULL && (*m = rte_pktmbuf_alloc(e->mp)) == NULL) {
		pcl_stat_add(&e->stats->drop[PCL_DROP_nombuf], 1);
		return -ENOMEM;
	}
	return 0;
}

/* A backend's state as the workers read it. */
static inline enum pcl_backend_state
pcl_backend_state(const struct pcl_backend *b)
{
	return (enum pcl_backend_state)__atomic_load_n(&b->state, __ATOMIC_RELAXED);
}

/*
 * Builds svc's Maglev table from its backends that are up (weight 0 for the
 * rest, so a backend that comes back gets its old slots back), counts each
 * backend's slots, and publishes it; *old gets the table it replaced, for
 * pcl_services_retire(). Returns 0, or -ENOMEM (the old table stays).
 */
int pcl_service_rebuild(struct pcl_services *sv, struct pcl_service *svc, uint16_t **old);

/* Frees a replaced table after a grace period (at once without sv->qsbr). */
void pcl_services_retire(struct pcl_services *sv, uint16_t *old);

/* The index of backend addr:port (network order) in svc, or -1. */
int pcl_service_find(const struct pcl_service *svc, const struct pcl_addr *addr, rte_be16_t port);

/* Whether svc's backends are IPv6 (a service's backends are of one family). */
static inline bool
pcl_service_is6(const struct pcl_service *svc)
{
	return svc->nbackends != 0 && !pcl_addr_is4(&svc->backends[0].addr);
}

/*
 * Adds backend b to svc (up, weight b->weight), or gives a removed one with
 * the same address and port back its place. Returns its index, -EEXIST,
 * -ENOSPC (PCL_MAX_BACKENDS), -EAFNOSUPPORT (not of the family of svc's
 * other backends) or -EINVAL (on no interface's subnet, or one of our own
 * addresses). The caller rebuilds the table.
 */
int pcl_service_add(struct pcl_services *sv, struct pcl_service *svc,
		    const struct pcl_backend_conf *b);

/* Sets backend i's state (control thread). A reset service's down backend bumps down_gen. */
void pcl_service_set_state(struct pcl_services *sv, struct pcl_service *svc, uint16_t i,
			   enum pcl_backend_state st);

#endif
