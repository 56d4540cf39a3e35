/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture from inside the server, for servers without huge pages
 * (dpdk-dumpcap needs them), and the packet-dump service for those with.
 *
 * Data path, only while a capture runs: an RX and a TX callback on every
 * queue of every port of the server (one, or two with a backend-facing
 * port; each is an interface of the file) run the filter (rte_bpf, converted from libpcap's
 * compiled program), copy what passes into a dedicated mbuf pool and
 * enqueue it on a ring; a full ring or an empty pool frees the copy and
 * counts it. A control thread (the writer) formats the copies with
 * rte_pcapng_copy() and writes them with rte_pcapng_write_packets(), and
 * ends the capture at its first limit. The callbacks are the workers'
 * only cost; removed, they cost nothing. Nothing is freed until every
 * worker has gone twice round its loop since the callbacks were removed
 * (grace), so the data path needs no atomics.
 *
 * Why two copies: rte_pcapng_copy() converts the TSC to a time of day
 * through state it keeps in a static and updates without a lock (DPDK
 * 22.11), so it is called from the writer alone. The callbacks keep the
 * TSC and direction in the copy's private area for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_bpf.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_pdump.h>
#include <rte_ring.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#include "base/pcl_log.h"
#include "ctl/pcl_capture.h"
#include "worker/pcl_worker.h"

/* Copies in flight to the writer; at 1 ms between its passes, 2 M packets/s. */
#define CAP_RING   2048
#define CAP_COPIES (2 * CAP_RING - 1)
#define CAP_CACHE  32
#define CAP_BURST  32
/* The writer's formatted blocks: one burst at a time. */
#define CAP_BLOCKS (2 * CAP_BURST - 1)
/* How long to wait for the workers before freeing a capture's memory. */
#define CAP_GRACE_S 5u

/* In each copy's private area, for rte_pcapng_copy() on the writer. */
struct cap_meta {
	uint64_t tsc;
	uint16_t port;
	uint16_t queue;
	uint8_t dir; /* enum rte_pcapng_direction */
};

/*
 * One queue's counters, written only by the worker that polls the queue (RX
 * and TX callbacks of a queue run on its lcore), read by the writer and
 * telemetry: aligned 64-bit plain stores, as pcl_stats.
 */
struct cap_queue {
	uint64_t matched, filtered, ring_full, nombuf;
	const struct rte_eth_rxtx_callback *rx_cb, *tx_cb;
} __rte_cache_aligned;

/* By the port's index in cap.ports, then queue. */
static struct cap_queue queues[PCL_MAX_IFS][RTE_MAX_QUEUES_PER_PORT];

enum stop_request { STOP_NONE, STOP_USER, STOP_EXIT };

static struct {
	/* Telemetry serves each client on its own thread: one request at a time. */
	pthread_mutex_t lock;
	bool ready; /* between pcl_capture_init() and pcl_capture_fini() */
	unsigned int nports;
	uint16_t ports[PCL_MAX_IFS];
	uint16_t nrxq[PCL_MAX_IFS], ntxq[PCL_MAX_IFS];
	uint32_t frame_max;                /* largest frame a port can carry */
	struct pcl_worker *const *workers; /* those polling the ports, for grace() */
	unsigned int nworkers;
	bool workers_stopped;
	unsigned int gen; /* captures started: names their ring and pools */

	/* Set before the callbacks are installed, read by them. */
	struct rte_ring *ring;
	struct rte_mempool *copies; /* the callbacks' */
	struct rte_mempool *blocks; /* the writer's */
	struct rte_bpf *filter;

	pthread_t writer;
	bool joinable;
	uint32_t stop; /* enum stop_request */
	rte_pcapng_t *out;
	uint64_t start_ns, end_ns;           /* CLOCK_REALTIME, for the file */
	uint64_t start_mono_ns, deadline_ns; /* CLOCK_MONOTONIC */
	uint64_t writer_nombuf;              /* rte_pcapng_copy() found its pool empty */
	uint64_t last_tsc;                   /* of the last packet written */
	bool full;                           /* a limit reached or a write failed: write no more */
	struct pcl_capture_status st;
} cap = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Queues of port index pi with a callback: RX and TX queues pair up, by number. */
static unsigned int
nq(unsigned int pi)
{
	return RTE_MAX(cap.nrxq[pi], cap.ntxq[pi]);
}

static uint64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- the callbacks, on the worker lcores ---- */

/* Copies the packets the filter keeps and queues them for the writer. */
static void
copy_burst(unsigned int pi, uint16_t queue, struct rte_mbuf **pkts, uint16_t n,
	   enum rte_pcapng_direction dir)
{
	struct cap_queue *q = &queues[pi][queue];
	struct rte_mbuf *dup[CAP_BURST];
	uint64_t keep[CAP_BURST];
	uint64_t tsc = rte_get_tsc_cycles();
	uint16_t done, chunk, i, k;
	unsigned int sent;

	for (done = 0; done < n; done += chunk) {
		chunk = (uint16_t)RTE_MIN(n - done, CAP_BURST);
		if (cap.filter != NULL)
			rte_bpf_exec_burst(cap.filter, (void **)(pkts + done), keep, chunk);
		for (i = 0, k = 0; i < chunk; i++) {
			struct cap_meta *meta;
			struct rte_mbuf *m;

			/* pcap's convention: a filter returns 0 for a packet it rejects. */
			if (cap.filter != NULL && keep[i] == 0) {
				q->filtered++;
				continue;
			}
			q->matched++;
			m = rte_pktmbuf_copy(pkts[done + i], cap.copies, 0, UINT32_MAX);
			if (m == NULL) {
				q->nombuf++;
				continue;
			}
			meta = rte_mbuf_to_priv(m);
			meta->tsc = tsc;
			meta->port = cap.ports[pi];
			meta->queue = queue;
			meta->dir = (uint8_t)dir;
			dup[k++] = m;
		}
		sent = rte_ring_enqueue_burst(cap.ring, (void **)dup, k, NULL);
		q->ring_full += k - sent;
		rte_pktmbuf_free_bulk(dup + sent, k - sent);
	}
}

/* arg is the port's index in cap.ports. */
static uint16_t
capture_rx(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n, uint16_t max,
	   void *arg)
{
	RTE_SET_USED(port);
	RTE_SET_USED(max);
	/* Called on every poll, empty ones too. */
	if (n != 0)
		copy_burst((unsigned int)(uintptr_t)arg, queue, pkts, n, RTE_PCAPNG_DIRECTION_IN);
	return n;
}

/* TX packets are recorded as handed to the driver, before it may refuse some. */
static uint16_t
capture_tx(uint16_t port, uint16_t queue, struct rte_mbuf **pkts, uint16_t n, void *arg)
{
	RTE_SET_USED(port);
	if (n != 0)
		copy_burst((unsigned int)(uintptr_t)arg, queue, pkts, n, RTE_PCAPNG_DIRECTION_OUT);
	return n;
}

/* ---- the writer, a control thread ---- */

static volatile uint64_t *
vol(uint64_t *p)
{
	return (volatile uint64_t *)p;
}

/* Records why the capture ends; the first reason stays. */
static void
end(const char *fmt, const char *detail)
{
	if (cap.st.reason[0] == '\0')
		snprintf(cap.st.reason, sizeof(cap.st.reason), fmt, detail);
}

/* Ends the capture at a limit or a failure: what is still queued is not written. */
static void
full(const char *fmt, const char *detail)
{
	end(fmt, detail);
	cap.full = true;
}

/* Formats and writes copies, within the limits; frees them all. */
static void
write_burst(struct rte_mbuf **in, unsigned int n)
{
	const struct pcl_capture_opts *o = &cap.st.opts;
	struct rte_mbuf *out[CAP_BURST];
	uint64_t bytes = 0;
	unsigned int i, k = 0;

	for (i = 0; i < n; i++) {
		const struct cap_meta *meta = rte_mbuf_to_priv(in[i]);
		struct rte_mbuf *b;

		if (cap.full || cap.st.packets + k == o->max_packets) {
			*vol(&cap.st.not_written) += 1;
			continue;
		}
		/*
		 * Copies from two workers may reach the ring a little out of
		 * order; the file keeps time order, and 22.11's converter must
		 * never see a time before its base (pcapng_clock_init).
		 */
		cap.last_tsc = RTE_MAX(cap.last_tsc, meta->tsc);
		b = rte_pcapng_copy(meta->port, meta->queue, in[i], cap.blocks, o->snaplen,
				    cap.last_tsc, (enum rte_pcapng_direction)meta->dir);
		if (b == NULL) {
			*vol(&cap.writer_nombuf) += 1;
			continue;
		}
		if (cap.st.bytes + bytes + b->pkt_len > o->max_bytes) {
			full("%s", "bytes");
			*vol(&cap.st.not_written) += 1;
			rte_pktmbuf_free(b);
			continue;
		}
		bytes += b->pkt_len;
		out[k++] = b;
	}
	rte_pktmbuf_free_bulk(in, n);
	if (k == 0)
		return;
	if (rte_pcapng_write_packets(cap.out, out, (uint16_t)k) < 0) {
		full("write failed: %s", rte_strerror(rte_errno));
		*vol(&cap.st.not_written) += k;
	} else {
		*vol(&cap.st.packets) += k;
		*vol(&cap.st.bytes) += bytes;
		if (cap.st.packets == o->max_packets)
			full("%s", "packets");
	}
	rte_pktmbuf_free_bulk(out, k);
}

/* Adds the counters of port index pi's queues to st. */
static void
add_port(unsigned int pi, struct pcl_capture_status *st)
{
	unsigned int q;

	for (q = 0; q < nq(pi); q++) {
		st->matched += *vol(&queues[pi][q].matched);
		st->filtered += *vol(&queues[pi][q].filtered);
		st->ring_full += *vol(&queues[pi][q].ring_full);
		st->nombuf += *vol(&queues[pi][q].nombuf);
	}
}

/* Sums every queue's counters, and the writer's, into st. */
static void
sum_queues(struct pcl_capture_status *st)
{
	unsigned int pi;

	st->matched = st->filtered = st->ring_full = 0;
	st->nombuf = *vol(&cap.writer_nombuf);
	for (pi = 0; pi < cap.nports; pi++)
		add_port(pi, st);
}

static void
free_resources(void)
{
	rte_bpf_destroy(cap.filter);
	rte_ring_free(cap.ring);
	rte_mempool_free(cap.copies);
	rte_mempool_free(cap.blocks);
}

static uint64_t
loops(unsigned int i)
{
	return ((const volatile struct pcl_stats *)&cap.workers[i]->stats)->loops;
}

/*
 * Waits until no worker can still be in a removed callback. DPDK unlinks a
 * callback at once, but a worker already past the link may still call it,
 * and reads the next link after it, until its RX or TX burst returns; DPDK
 * leaves it to the application to wait before freeing. A worker counts a
 * loop after its bursts: two more loops of every worker close the window.
 * Returns false if a worker made no progress for CAP_GRACE_S.
 */
static bool
grace(void)
{
	uint64_t seen[PCL_MAX_WORKERS];
	uint64_t deadline = clock_ns(CLOCK_MONOTONIC) + CAP_GRACE_S * 1000000000ull;
	unsigned int i;

	if (cap.workers_stopped)
		return true;
	for (i = 0; i < cap.nworkers; i++)
		seen[i] = loops(i);
	for (i = 0; i < cap.nworkers; i++)
		while (loops(i) - seen[i] < 2) {
			if (clock_ns(CLOCK_MONOTONIC) > deadline)
				return false;
			usleep(100);
		}
	return true;
}

/*
 * Ends the capture: no new copies, the ring drained into the file, the
 * statistics block written, the file closed, the resources freed.
 */
static void
finish(void)
{
	struct pcl_capture_status *st = &cap.st;
	struct rte_mbuf *in[CAP_BURST];
	char comment[128];
	unsigned int pi, q, n;
	bool quiet;

	for (pi = 0; pi < cap.nports; pi++)
		for (q = 0; q < nq(pi); q++) {
			if (queues[pi][q].rx_cb != NULL)
				rte_eth_remove_rx_callback(cap.ports[pi], q, queues[pi][q].rx_cb);
			if (queues[pi][q].tx_cb != NULL)
				rte_eth_remove_tx_callback(cap.ports[pi], q, queues[pi][q].tx_cb);
		}
	quiet = grace();
	for (pi = 0; pi < cap.nports; pi++)
		for (q = 0; q < nq(pi); q++) {
			if (quiet) {
				rte_free((void *)(uintptr_t)queues[pi][q].rx_cb);
				rte_free((void *)(uintptr_t)queues[pi][q].tx_cb);
			}
			queues[pi][q].rx_cb = queues[pi][q].tx_cb = NULL;
		}
	while ((n = rte_ring_dequeue_burst(cap.ring, (void **)in, CAP_BURST, NULL)) > 0)
		write_burst(in, n);
	sum_queues(st);
	cap.end_ns = clock_ns(CLOCK_REALTIME);
	snprintf(comment, sizeof(comment), "portcullis capture ended: %s", st->reason);
	for (pi = 0; pi < cap.nports; pi++) {
		struct pcl_capture_status port = {0};

		add_port(pi, &port);
		/* ifrecv: every packet the callbacks saw; ifdrop: copies lost for want of room. */
		rte_pcapng_write_stats(cap.out, cap.ports[pi], comment, cap.start_ns, cap.end_ns,
				       port.matched + port.filtered, port.ring_full + port.nombuf);
	}
	rte_pcapng_close(cap.out);
	cap.out = NULL;
	if (quiet)
		free_resources();
	else
		PCL_LOG(WARNING,
			"capture: a worker made no progress for %u s; the capture's "
			"ring and pools stay allocated",
			CAP_GRACE_S);
	cap.filter = NULL;
	cap.ring = NULL;
	cap.copies = cap.blocks = NULL;
	PCL_LOG(NOTICE,
		"capture to %s ended (%s): %" PRIu64 " packets, %" PRIu64 " bytes written; %" PRIu64
		" filtered out, %" PRIu64 " dropped (ring full %" PRIu64 ", no mbuf %" PRIu64
		"), %" PRIu64 " not written (after the end)",
		st->opts.path, st->reason, st->packets, st->bytes, st->filtered,
		st->ring_full + st->nombuf, st->ring_full, st->nombuf, st->not_written);
	__atomic_store_n(&st->state, PCL_CAPTURE_DONE, __ATOMIC_RELEASE);
}

static void *
writer_main(void *arg)
{
	static const char *const why[] = {[STOP_USER] = "stop", [STOP_EXIT] = "exit"};
	struct rte_mbuf *in[CAP_BURST];
	unsigned int n;
	uint32_t stop;

	RTE_SET_USED(arg);
	while (cap.st.reason[0] == '\0') {
		stop = __atomic_load_n(&cap.stop, __ATOMIC_ACQUIRE);
		if (stop != STOP_NONE)
			end("%s", why[stop]);
		else if (clock_ns(CLOCK_MONOTONIC) >= cap.deadline_ns)
			end("%s", "seconds");
		n = rte_ring_dequeue_burst(cap.ring, (void **)in, CAP_BURST, NULL);
		if (n > 0)
			write_burst(in, n);
		else if (cap.st.reason[0] == '\0')
			usleep(1000);
	}
	finish();
	return NULL;
}

/* ---- control: start, stop, status ---- */

/* Compiles a libpcap filter into an rte_bpf program; NULL for "". */
static int
load_filter(const struct pcl_capture_opts *o, char *err, size_t errlen)
{
	struct bpf_program bf;
	struct rte_bpf_prm *prm;
	pcap_t *pcap;

	if (o->filter[0] == '\0')
		return 0;
	pcap = pcap_open_dead(DLT_EN10MB, (int)o->snaplen);
	if (pcap == NULL) {
		snprintf(err, errlen, "filter: out of memory");
		return -ENOMEM;
	}
	if (pcap_compile(pcap, &bf, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "filter: %s", pcap_geterr(pcap));
		pcap_close(pcap);
		return -EINVAL;
	}
	prm = rte_bpf_convert(&bf);
	pcap_freecode(&bf);
	pcap_close(pcap);
	if (prm == NULL) {
		snprintf(err, errlen, "filter: rte_bpf_convert: %s", rte_strerror(rte_errno));
		return -EINVAL;
	}
	cap.filter = rte_bpf_load(prm);
	rte_free(prm);
	if (cap.filter == NULL) {
		snprintf(err, errlen, "filter: rte_bpf_load: %s", rte_strerror(rte_errno));
		return -EINVAL;
	}
	return 0;
}

/* The filter, ring and pools of a capture. */
static int
alloc_resources(const struct pcl_capture_opts *o, char *err, size_t errlen)
{
	int socket = rte_eth_dev_socket_id(cap.ports[0]);
	char name[RTE_MEMZONE_NAMESIZE];
	int rc;

	if (socket < 0)
		socket = (int)rte_socket_id();
	rc = load_filter(o, err, errlen);
	if (rc != 0)
		return rc;
	/* A new name each time: a capture whose workers stalled keeps its memory. */
	cap.gen++;
	snprintf(name, sizeof(name), "pcl_cap_%u", cap.gen);
	cap.ring = rte_ring_create(name, CAP_RING, socket, RING_F_SC_DEQ);
	cap.copies =
		rte_pktmbuf_pool_create(name, CAP_COPIES, CAP_CACHE,
					RTE_ALIGN(sizeof(struct cap_meta), RTE_MBUF_PRIV_ALIGN),
					(uint16_t)(RTE_PKTMBUF_HEADROOM + cap.frame_max), socket);
	snprintf(name, sizeof(name), "pcl_cap_out_%u", cap.gen);
	/* rte_pcapng_mbuf_size() leaves out the RSS hash option rte_pcapng_copy() may add. */
	cap.blocks = rte_pktmbuf_pool_create(
		name, CAP_BLOCKS, 0, 0,
		(uint16_t)(rte_pcapng_mbuf_size(cap.frame_max) + RTE_CACHE_LINE_SIZE), socket);
	if (cap.ring == NULL || cap.copies == NULL || cap.blocks == NULL) {
		snprintf(err, errlen, "cannot allocate the capture ring and pools: %s",
			 rte_strerror(rte_errno));
		free_resources();
		cap.filter = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int
open_file(const struct pcl_capture_opts *o, char *err, size_t errlen)
{
	struct utsname u;
	char os[sizeof(u.sysname) + sizeof(u.release)] = "";
	char app[64], comment[PCL_CAPTURE_FILTER_MAX + 16];
	int fd, rc;

	/* Root writes it: never follow a link or replace a file. */
	fd = open(o->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s%s", o->path, strerror(errno),
			 errno == EEXIST ? " (a capture never replaces a file)" : "");
		return rc;
	}
	if (uname(&u) == 0)
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	snprintf(app, sizeof(app), "portcullis (%s)", rte_version());
	snprintf(comment, sizeof(comment), "filter: %s", o->filter[0] ? o->filter : "none");
	cap.out = rte_pcapng_fdopen(fd, os, NULL, app, comment);
	if (cap.out == NULL) {
		rc = -(rte_errno ? rte_errno : EIO);
		snprintf(err, errlen, "%s: cannot write the pcapng header", o->path);
		close(fd);
		unlink(o->path);
		return rc;
	}
	return 0;
}

/* Joins the writer of a capture that has ended. Lock held. */
static void
reap(void)
{
	if (cap.joinable) {
		pthread_join(cap.writer, NULL);
		cap.joinable = false;
	}
}

/* Installs the callbacks on every queue of every port, the counters at 0. */
static int
start_callbacks(char *err, size_t errlen)
{
	unsigned int pi, q;

	for (pi = 0; pi < cap.nports; pi++) {
		void *arg = (void *)(uintptr_t)pi;
		uint16_t port = cap.ports[pi];

		for (q = 0; q < nq(pi); q++) {
			struct cap_queue *c = &queues[pi][q];

			c->matched = c->filtered = c->ring_full = c->nombuf = 0;
		}
		for (q = 0; q < cap.nrxq[pi]; q++) {
			queues[pi][q].rx_cb =
				rte_eth_add_rx_callback(port, (uint16_t)q, capture_rx, arg);
			if (queues[pi][q].rx_cb == NULL)
				goto fail;
		}
		for (q = 0; q < cap.ntxq[pi]; q++) {
			queues[pi][q].tx_cb =
				rte_eth_add_tx_callback(port, (uint16_t)q, capture_tx, arg);
			if (queues[pi][q].tx_cb == NULL)
				goto fail;
		}
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot add a callback to port %u queue %u: %s", cap.ports[pi], q,
		 rte_strerror(rte_errno));
	return -rte_errno;
}

int
pcl_capture_start(const struct pcl_capture_opts *o, char *err, size_t errlen)
{
	int rc;

	pthread_mutex_lock(&cap.lock);
	if (!cap.ready) {
		snprintf(err, errlen, "capture is not available (not initialised, or stopping)");
		rc = -ENODEV;
		goto out;
	}
	if (__atomic_load_n(&cap.st.state, __ATOMIC_ACQUIRE) == PCL_CAPTURE_RUNNING) {
		snprintf(err, errlen, "a capture to %s is running; stop it first",
			 cap.st.opts.path);
		rc = -EBUSY;
		goto out;
	}
	reap();
	rc = alloc_resources(o, err, errlen);
	if (rc != 0)
		goto out;
	rc = open_file(o, err, errlen);
	if (rc != 0) {
		free_resources();
		cap.filter = NULL;
		goto out;
	}
	memset(&cap.st, 0, sizeof(cap.st));
	cap.st.opts = *o;
	cap.st.state = PCL_CAPTURE_RUNNING;
	cap.writer_nombuf = 0;
	cap.full = false;
	cap.stop = STOP_NONE;
	cap.start_ns = clock_ns(CLOCK_REALTIME);
	cap.start_mono_ns = clock_ns(CLOCK_MONOTONIC);
	cap.last_tsc = rte_get_tsc_cycles();
	cap.deadline_ns = cap.start_mono_ns + (uint64_t)o->max_seconds * 1000000000u;
	rc = start_callbacks(err, errlen);
	if (rc == 0) {
		rc = rte_ctrl_thread_create(&cap.writer, "pcl-capture", NULL, writer_main, NULL);
		if (rc != 0)
			snprintf(err, errlen, "cannot start the writer thread: %s", strerror(-rc));
	}
	if (rc != 0) {
		end("%s", "failed to start");
		finish();
		unlink(o->path);
		cap.st.state = PCL_CAPTURE_OFF;
		goto out;
	}
	cap.joinable = true;
	PCL_LOG(NOTICE,
		"capture to %s started: filter '%s', at most %" PRIu64 " packets, %" PRIu64
		" bytes, %u s, snaplen %u",
		o->path, o->filter, o->max_packets, o->max_bytes, o->max_seconds, o->snaplen);
out:
	pthread_mutex_unlock(&cap.lock);
	return rc;
}

/* Asks the writer to end the capture and waits until it has. Lock held. */
static void
stop_locked(enum stop_request why)
{
	if (__atomic_load_n(&cap.st.state, __ATOMIC_ACQUIRE) == PCL_CAPTURE_RUNNING)
		__atomic_store_n(&cap.stop, why, __ATOMIC_RELEASE);
	reap();
}

/* A copy of the status, the running capture's counters summed now. Lock held. */
static void
status_locked(struct pcl_capture_status *st)
{
	enum pcl_capture_state state = __atomic_load_n(&cap.st.state, __ATOMIC_ACQUIRE);

	*st = cap.st;
	st->state = state;
	if (state != PCL_CAPTURE_RUNNING) {
		st->elapsed_ms =
			state == PCL_CAPTURE_DONE ? (cap.end_ns - cap.start_ns) / 1000000u : 0;
		return;
	}
	/* The writer may be writing reason and counters: show only what is settled. */
	st->reason[0] = '\0';
	st->packets = *vol(&cap.st.packets);
	st->bytes = *vol(&cap.st.bytes);
	st->not_written = *vol(&cap.st.not_written);
	sum_queues(st);
	st->elapsed_ms = (clock_ns(CLOCK_MONOTONIC) - cap.start_mono_ns) / 1000000u;
}

int
pcl_capture_stop(struct pcl_capture_status *st)
{
	int rc = 0;

	pthread_mutex_lock(&cap.lock);
	stop_locked(STOP_USER);
	status_locked(st);
	if (st->state == PCL_CAPTURE_OFF)
		rc = -ENOENT;
	pthread_mutex_unlock(&cap.lock);
	return rc;
}

void
pcl_capture_status(struct pcl_capture_status *st)
{
	pthread_mutex_lock(&cap.lock);
	status_locked(st);
	pthread_mutex_unlock(&cap.lock);
}

/* ---- telemetry ---- */

static void
add_status(struct rte_tel_data *d, const struct pcl_capture_status *st)
{
	static const char *const states[] = {
		[PCL_CAPTURE_OFF] = "off",
		[PCL_CAPTURE_RUNNING] = "running",
		[PCL_CAPTURE_DONE] = "done",
	};

	rte_tel_data_add_dict_string(d, "state", states[st->state]);
	if (st->state == PCL_CAPTURE_OFF)
		return;
	rte_tel_data_add_dict_string(d, "path", st->opts.path);
	rte_tel_data_add_dict_string(d, "filter", st->opts.filter);
	if (st->state == PCL_CAPTURE_DONE)
		rte_tel_data_add_dict_string(d, "reason", st->reason);
	rte_tel_data_add_dict_u64(d, "packets", st->packets);
	rte_tel_data_add_dict_u64(d, "bytes", st->bytes);
	rte_tel_data_add_dict_u64(d, "matched", st->matched);
	rte_tel_data_add_dict_u64(d, "filtered", st->filtered);
	rte_tel_data_add_dict_u64(d, "ring_full", st->ring_full);
	rte_tel_data_add_dict_u64(d, "nombuf", st->nombuf);
	rte_tel_data_add_dict_u64(d, "not_written", st->not_written);
	rte_tel_data_add_dict_u64(d, "elapsed_ms", st->elapsed_ms);
	rte_tel_data_add_dict_u64(d, "max_packets", st->opts.max_packets);
	rte_tel_data_add_dict_u64(d, "max_bytes", st->opts.max_bytes);
	rte_tel_data_add_dict_u64(d, "max_seconds", st->opts.max_seconds);
	rte_tel_data_add_dict_u64(d, "snaplen", st->opts.snaplen);
}

/* /portcullis/capture[,status] | ,start,SPEC | ,stop; a failure is {"error": "..."}. */
static int
capture_cb(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct pcl_capture_status st;
	struct pcl_capture_opts o;
	char err[RTE_TEL_MAX_STRING_LEN];
	int rc = 0;

	RTE_SET_USED(cmd);
	rte_tel_data_start_dict(d);
	if (params == NULL || params[0] == '\0' || strcmp(params, "status") == 0) {
		pcl_capture_status(&st);
	} else if (strcmp(params, "stop") == 0) {
		rc = pcl_capture_stop(&st);
		if (rc != 0)
			snprintf(err, sizeof(err), "no capture was started");
	} else if (strncmp(params, "start,", 6) == 0) {
		rc = pcl_capture_parse(params + 6, &o, err, sizeof(err));
		if (rc == 0)
			rc = pcl_capture_start(&o, err, sizeof(err));
		if (rc == 0)
			pcl_capture_status(&st);
	} else {
		rc = -EINVAL;
		snprintf(err, sizeof(err),
			 "unknown request '%.40s': start,PATH[,...], stop or status", params);
	}
	if (rc != 0) {
		PCL_LOG(WARNING, "/portcullis/capture: %s", err);
		rte_tel_data_add_dict_string(d, "error", err);
		return 0;
	}
	add_status(d, &st);
	return 0;
}

/* ---- life cycle ---- */

/*
 * DPDK 22.11's rte_pcapng takes its TSC-to-time base at its first
 * conversion, inside the call, after the caller read the TSC it passes: the
 * difference comes out negative, wraps, and moves the base 2^64 cycles
 * ahead, so every capture of the process is dated 2251 (DPDK Bugzilla 1291,
 * fixed upstream in 2026). A first conversion of a time slightly ahead sets
 * a sound base before any packet is stamped, for dpdk-dumpcap's captures
 * too (pdump's callbacks run in this process). rte_pcapng_copy() is the one
 * call that takes a time, so it gets a throwaway packet.
 */
static void
pcapng_clock_init(uint16_t port)
{
	struct rte_mempool *mp;
	struct rte_mbuf *m, *c = NULL;
	char *data;

	mp = rte_pktmbuf_pool_create("pcl_pcapng_clock", 3, 0, 0, RTE_PKTMBUF_HEADROOM + 256,
				     SOCKET_ID_ANY);
	if (mp == NULL)
		goto fail;
	m = rte_pktmbuf_alloc(mp);
	data = m ? rte_pktmbuf_append(m, RTE_ETHER_MIN_LEN) : NULL;
	if (data != NULL) {
		memset(data, 0, RTE_ETHER_MIN_LEN);
		/* 100 ms ahead: the library reads the TSC well before then. */
		c = rte_pcapng_copy(port, 0, m, mp, UINT32_MAX,
				    rte_get_tsc_cycles() + rte_get_tsc_hz() / 10,
				    RTE_PCAPNG_DIRECTION_UNKNOWN);
	}
	rte_pktmbuf_free(c);
	rte_pktmbuf_free(m);
	rte_mempool_free(mp);
	if (c != NULL)
		return;
fail:
	PCL_LOG(WARNING, "cannot set the pcapng clock: captures may be dated 2251");
}

int
pcl_capture_init(const uint16_t *ports, unsigned int nports, struct pcl_worker *const *workers,
		 unsigned int n)
{
	struct rte_eth_dev_info info;
	unsigned int pi;
	uint16_t mtu;
	int rc;

	if (nports == 0 || nports > PCL_MAX_IFS)
		return -EINVAL;
	pthread_mutex_lock(&cap.lock);
	cap.frame_max = 0;
	for (pi = 0; pi < nports; pi++) {
		rc = rte_eth_dev_info_get(ports[pi], &info);
		if (rc != 0) {
			pthread_mutex_unlock(&cap.lock);
			return rc;
		}
		if (rte_eth_dev_get_mtu(ports[pi], &mtu) != 0)
			mtu = RTE_ETHER_MTU;
		cap.ports[pi] = ports[pi];
		cap.nrxq[pi] = info.nb_rx_queues;
		cap.ntxq[pi] = info.nb_tx_queues;
		/* Room for two VLAN tags a driver may put back. */
		cap.frame_max =
			RTE_MAX(cap.frame_max, mtu + RTE_ETHER_HDR_LEN + 2u * RTE_VLAN_HLEN);
	}
	cap.nports = nports;
	cap.workers = workers;
	cap.nworkers = n;
	cap.workers_stopped = false;
	cap.ready = true;
	pthread_mutex_unlock(&cap.lock);

	pcapng_clock_init(ports[0]);
	if (rte_pdump_init() != 0)
		PCL_LOG(WARNING, "packet-dump service not started (%s): dpdk-dumpcap cannot attach",
			rte_strerror(rte_errno));
	else if (!rte_eal_has_hugepages())
		PCL_LOG(INFO, "no huge pages: dpdk-dumpcap cannot attach; capture with "
			      "/portcullis/capture (docs/capture.md)");
	return rte_telemetry_register_cmd(
		"/portcullis/capture", capture_cb,
		"Packet capture to pcapng: ,start,PATH[,packets=N,bytes=N,seconds=N,snaplen=N,"
		"filter=EXPR] | ,stop | ,status");
}

void
pcl_capture_fini(void)
{
	pthread_mutex_lock(&cap.lock);
	if (cap.ready) {
		/* The workers have stopped: no callback can be running. */
		cap.workers_stopped = true;
		stop_locked(STOP_EXIT);
		rte_pdump_uninit();
		cap.ready = false;
	}
	pthread_mutex_unlock(&cap.lock);
}
