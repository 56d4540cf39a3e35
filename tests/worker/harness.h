/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_TEST_HARNESS_H
#define PCL_TEST_HARNESS_H

/*
 * Drives one real worker in-process: frames are built as a client would send
 * them, fed to pcl_worker_input(), and the worker's TX buffer is parsed back
 * with the same validator the server uses (so every reply's checksums are
 * checked too). The worker has no port; its clock is advanced by hand.
 */
#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "ctl/pcl_config.h"
#include "lb/pcl_service.h"
#include "net/pcl_pkt.h"
#include "tcp/pcl_isn.h"
#include "worker/pcl_worker.h"

#define TH_CLIENT_IP   RTE_BE32(0xc6120001) /* 198.18.0.1 */
#define TH_SERVER_IP   RTE_BE32(0xc6120002) /* 198.18.0.2 */
#define TH_CLIENT_PORT 40000
#define TH_MAX_REPLIES 64

/* Flag shorthands for the segments the tests spell out. */
#define SYN RTE_TCP_SYN_FLAG
#define ACK RTE_TCP_ACK_FLAG
#define FIN RTE_TCP_FIN_FLAG
#define RST RTE_TCP_RST_FLAG
#define PSH RTE_TCP_PSH_FLAG

struct th {
	struct pcl_worker w;
	struct pcl_config cfg;
	struct pcl_apps apps;
	struct pcl_services *sv; /* when the config has [service:PORT] sections */
	struct pcl_secrets secrets;
	struct rte_mempool *mp;
};

/* Where the backends of a config's services are: their MACs are known from the start. */
#define TH_BACKEND_MAC                                                                             \
	{                                                                                          \
		{                                                                                  \
			0x02, 0, 0, 0, 0, 0x0b                                                     \
		}                                                                                  \
	}

/* A segment from the client. Ports default to TH_CLIENT_PORT -> 80. */
struct th_seg {
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint16_t win; /* 0 means 65535; see zero_win */
	bool zero_win;
	const uint8_t *opts;
	uint8_t optlen;
	const void *data;
	uint16_t len;
	uint16_t sport;
	uint16_t dport;
};

/* A reply, parsed, with its payload copied out. */
struct th_reply {
	struct pcl_seg s;
	uint8_t data[2048];
};

/*
 * Starts the EAL once per process and a fresh worker; tweak may edit the
 * config, services included (one-arm: backends on the client's port).
 */
void th_setup(struct th *t, void (*tweak)(struct pcl_config *));
/* Checks the engine's invariants (th_teardown too), failing the test on the first broken one. */
void th_teardown(struct th *t);

/*
 * Fails the test unless the engine's invariants hold (pcl_tcp_check). Every
 * th_send*() and th_advance() calls it after the worker has run.
 */
void th_check(const struct th *t);

/* Builds the frame for s (checksums included) as an mbuf. */
struct rte_mbuf *th_frame(struct th *t, const struct th_seg *s);

/* Feeds one client segment to the worker, then th_check(). */
void th_send(struct th *t, const struct th_seg *s);

/* Feeds a raw mbuf (ARP, ICMP, corrupted frames). */
void th_send_mbuf(struct th *t, struct rte_mbuf *m);

/*
 * Takes what the worker queued for transmission: TCP replies are parsed into
 * out[] (at most max); returns their count. Fails the test on a frame that
 * does not validate as TCP to the client.
 */
unsigned int th_replies(struct th *t, struct th_reply *out, unsigned int max);

/* Takes exactly one queued frame, raw (for ARP/ICMP). NULL when none. */
struct rte_mbuf *th_raw_reply(struct th *t);

/*
 * Advances the worker's clock by ms, fires due timers and runs the services'
 * part of the loop (health checks, sweeps), then th_check().
 */
void th_advance(struct th *t, uint32_t ms);

/* Connection count in a state right now. */
uint64_t th_state(const struct th *t, enum pcl_tcp_state st);

/*
 * Runs the handshake from client ISN x with the given SYN options; returns
 * the server's ISN. Asserts SYN-ACK ack == x + 1.
 */
uint32_t th_handshake(struct th *t, uint32_t x, const uint8_t *opts, uint8_t optlen);

/*
 * A whole HTTP/1.0 connection from sport with client ISN x: handshake, GET,
 * the answer with the server's FIN, the client's FIN and the last ACK. It
 * leaves the server's side in TIME_WAIT; asserts every reply.
 */
void th_serve_http10(struct th *t, uint32_t x, uint16_t sport);

/*
 * The worker t, setup() starting it on the default config and teardown()
 * checking it for leaks (TH_TWEAKED_SUITE suites use both names too).
 */
#define TH_WORKER_FIXTURE()                                                                        \
	static struct th t;                                                                        \
	static void setup(void)                                                                    \
	{                                                                                          \
		th_setup(&t, NULL);                                                                \
	}                                                                                          \
	static void teardown(void)                                                                 \
	{                                                                                          \
		th_teardown(&t);                                                                   \
	}

/* What most test files share: TH_WORKER_FIXTURE() and a buffer r for the worker's replies. */
#define TH_FIXTURE()                                                                               \
	TH_WORKER_FIXTURE()                                                                        \
	static struct th_reply r[TH_MAX_REPLIES];

/*
 * A suite whose worker runs with the config changed by the statements in
 * tweak (on struct pcl_config *c). The including file defines a
 * "static struct th t" and a "teardown" that calls th_teardown(&t).
 */
#define TH_TWEAKED_SUITE(name, tweak)                                                              \
	static void name##_tweak(struct pcl_config *c)                                             \
	{                                                                                          \
		tweak;                                                                             \
	}                                                                                          \
	static void name##_setup(void)                                                             \
	{                                                                                          \
		th_setup(&t, name##_tweak);                                                        \
	}                                                                                          \
	TestSuite(name, .init = name##_setup, .fini = teardown)

#endif
