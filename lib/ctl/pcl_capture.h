/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_CAPTURE_H
#define PCL_CAPTURE_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

struct pcl_worker;

/*
 * Seeing the wire, two ways (docs/capture.md):
 *
 *  - dpdk-dumpcap, a secondary DPDK process, attaches to a server that runs
 *    on huge pages: pcl_capture_init() starts DPDK's packet-dump service
 *    (rte_pdump) that it talks to.
 *  - Without huge pages no secondary process can attach, so the server
 *    captures itself: the telemetry command /portcullis/capture installs
 *    ethdev RX/TX callbacks that copy each packet (or those a libpcap filter
 *    keeps) into a ring, and a control thread writes them to a pcapng file
 *    with rte_pcapng, bounded in packets, bytes and seconds. A full ring or
 *    an empty pool drops the copy and counts it; the worker never waits.
 *    Nothing is installed while no capture runs.
 */

/* Defaults and bounds of a capture's limits. */
#define PCL_CAPTURE_PACKETS     10000u
#define PCL_CAPTURE_PACKETS_MAX 100000000u
#define PCL_CAPTURE_BYTES       (64u << 20)
#define PCL_CAPTURE_BYTES_MAX   (64ull << 30)
#define PCL_CAPTURE_SECONDS     60u
#define PCL_CAPTURE_SECONDS_MAX 86400u
#define PCL_CAPTURE_SNAPLEN     65535u
#define PCL_CAPTURE_SNAPLEN_MIN 16u
#define PCL_CAPTURE_FILTER_MAX  512

/* One capture's request, as pcl_capture_parse() reads it. */
struct pcl_capture_opts {
	char path[PATH_MAX];                 /* absolute; created, never overwritten */
	uint64_t max_packets;                /* packets written, at most */
	uint64_t max_bytes;                  /* bytes of packet blocks written, at most */
	uint32_t max_seconds;                /* from the start */
	uint32_t snaplen;                    /* bytes kept of each packet */
	char filter[PCL_CAPTURE_FILTER_MAX]; /* libpcap syntax; "" keeps every packet */
};

enum pcl_capture_state {
	PCL_CAPTURE_OFF,     /* none started yet */
	PCL_CAPTURE_RUNNING, /* callbacks installed, the writer running */
	PCL_CAPTURE_DONE,    /* ended; the file is complete */
};

/*
 * A capture's progress, or the last one's result. Every packet that passed
 * the filter is in exactly one of packets, ring_full, nombuf or not_written.
 */
struct pcl_capture_status {
	enum pcl_capture_state state;
	struct pcl_capture_opts opts;
	char reason[96];      /* why it ended: stop, packets, bytes, seconds, exit, or an error */
	uint64_t packets;     /* written to the file */
	uint64_t bytes;       /* bytes of the packet blocks written */
	uint64_t matched;     /* seen by the callbacks and kept by the filter */
	uint64_t filtered;    /* rejected by the filter */
	uint64_t ring_full;   /* dropped: the ring to the writer was full */
	uint64_t nombuf;      /* dropped: a capture mbuf pool was empty */
	uint64_t not_written; /* copied, but the capture had ended (a limit, an error) */
	uint64_t elapsed_ms;
};

/*
 * Reads "PATH[,packets=N][,bytes=N][,seconds=N][,snaplen=N][,filter=EXPR]"
 * into o, defaults for what is not given. PATH is absolute; filter comes
 * last and takes the rest of the text, commas included. Pure. Returns 0, or
 * -EINVAL with a one-line reason in err.
 */
int pcl_capture_parse(const char *spec, struct pcl_capture_opts *o, char *err, size_t errlen);

/*
 * Starts the packet-dump service for dpdk-dumpcap (a warning if the EAL
 * cannot offer it, e.g. with --in-memory) and registers the telemetry
 * command /portcullis/capture[,start,SPEC | ,stop | ,status] for the
 * queues of ports[0..nports) (at most two: the client-facing port and a
 * backend-facing one; each is an interface of the file). workers are the n
 * workers that poll them: a capture's memory is freed once each has looped
 * twice after its callbacks were removed (with none, the caller polls the
 * ports itself, between the calls here). Call once, in the primary
 * process, after the ports have started. Returns 0, -EINVAL for no ports
 * or too many, or another -errno (device info, telemetry registration).
 */
int pcl_capture_init(const uint16_t *ports, unsigned int nports, struct pcl_worker *const *workers,
		     unsigned int n);

/*
 * Starts a capture. Returns 0; -EBUSY if one runs; -ENODEV before
 * pcl_capture_init() or after pcl_capture_fini(); -EEXIST if the file
 * exists; -EINVAL for a filter libpcap or rte_bpf refuses; -ENOMEM; or
 * another -errno from creating the file or the thread. err says which, in
 * one line.
 */
int pcl_capture_start(const struct pcl_capture_opts *o, char *err, size_t errlen);

/*
 * Stops the running capture (reason "stop") and waits until its file is
 * complete. Fills st with its result, or the last one's. Returns 0, or
 * -ENOENT if no capture was ever started.
 */
int pcl_capture_stop(struct pcl_capture_status *st);

/* Fills st with the running capture's progress or the last one's result. */
void pcl_capture_status(struct pcl_capture_status *st);

/*
 * Stops a running capture (reason "exit") and the packet-dump service. Call
 * after the workers have stopped, before the port does.
 */
void pcl_capture_fini(void);

#endif
