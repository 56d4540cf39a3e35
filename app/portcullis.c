/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * portcullis [EAL options] -- [options]
 *
 * Wires the library together: configuration, EAL, port, workers, control
 * thread, signals. Protocol logic lives in lib/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include <sodium.h>

#include "pcl_runtime.h"
#include "app/pcl_app.h"
#include "base/pcl_log.h"
#include "ctl/pcl_capture.h"
#include "ctl/pcl_config.h"
#include "ctl/pcl_ctrl.h"
#include "ctl/pcl_doc.h"
#include "ctl/pcl_lbctl.h"
#include "ctl/pcl_prom.h"
#include "ctl/pcl_telemetry.h"
#include "net/pcl_steer.h"
#include "tcp/pcl_isn.h"
#include "worker/pcl_port.h"
#include "worker/pcl_worker.h"

#define PROG "portcullis"

/* Set by the signal handler, read by every worker: a lock-free atomic. */
static bool quit;

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [EAL options] -- [options]\n"
		   "\n"
		   "  -c, --config FILE        INI configuration (see conf/portcullis.conf)\n"
		   "      --addr A.B.C.D/LEN   the server's IPv4 address on the port\n"
		   "      --addr6 ADDR/LEN     its IPv6 address there (dual stack)\n"
		   "      --listen PORT[,PORT] TCP ports to accept connections on\n"
		   "      --app http|echo|discard\n"
		   "                           what to do with a connection's data\n"
		   "      --syncookies off|auto|always\n"
		   "                           SYN-flood defence mode\n"
		   "      --check-config       load and validate the configuration, then exit\n"
		   "      --list-config-keys   print every config key as a Markdown table\n"
		   "      --list-counters      print every counter and gauge as a Markdown table\n"
		   "  -h, --help               this text\n"
		   "\n"
		   "Options override the config file. Example on a tap device:\n"
		   "  " PROG " -l 0-1 --no-huge -m 512 --no-pci --vdev net_tap0,iface=pcl0 \\\n"
		   "      -- --addr 198.18.0.2/24 --listen 80 --app http\n");
}

enum {
	OPT_ADDR = 256,
	OPT_ADDR6,
	OPT_LISTEN,
	OPT_APP,
	OPT_SYNCOOKIES,
	OPT_CHECK,
	OPT_LIST_KEYS,
	OPT_LIST_COUNTERS,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"addr", required_argument, NULL, OPT_ADDR},
	{"addr6", required_argument, NULL, OPT_ADDR6},
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"app", required_argument, NULL, OPT_APP},
	{"syncookies", required_argument, NULL, OPT_SYNCOOKIES},
	{"check-config", no_argument, NULL, OPT_CHECK},
	{"list-config-keys", no_argument, NULL, OPT_LIST_KEYS},
	{"list-counters", no_argument, NULL, OPT_LIST_COUNTERS},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* The config key each command-line option stands for. */
static const struct {
	int opt;
	const char *name, *section, *key;
} opt_keys[] = {
	{OPT_ADDR, "addr", "port", "addr"},
	{OPT_ADDR6, "addr6", "port", "addr6"},
	{OPT_LISTEN, "listen", "listen", "ports"},
	{OPT_APP, "app", "listen", "app"},
	{OPT_SYNCOOKIES, "syncookies", "syncookies", "mode"},
};

/* --list-config-keys and --list-counters: a docs table, then exit. */
static void
list_and_exit(int opt)
{
	int rc = opt == OPT_LIST_KEYS ? pcl_doc_config_keys(stdout) : pcl_doc_counters(stdout);

	if (rc != 0) {
		fprintf(stderr, PROG ": cannot write the table: %s\n", strerror(-rc));
		exit(EXIT_FAILURE);
	}
	exit(0);
}

/*
 * Sets the config keys our options name on top of cfg. Returns 0, or
 * -EINVAL with "--option: problem" in err.
 */
static int
apply_options(int argc, char **argv, struct pcl_config *cfg, char *err, size_t errlen)
{
	char problem[256];
	int opt;
	size_t i;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":c:h", long_opts, NULL)) != -1) {
		for (i = 0; i < RTE_DIM(opt_keys); i++) {
			if (opt_keys[i].opt != opt)
				continue;
			if (pcl_config_set(cfg, opt_keys[i].section, opt_keys[i].key, optarg,
					   problem, sizeof(problem)) != 0) {
				/* problem reads "section.key: problem"; name the option instead. */
				const char *p = strchr(problem, ':');

				snprintf(err, errlen, "--%s%s", opt_keys[i].name, p ? p : problem);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* Where the config came from, for a reload (SIGHUP or the reload command). */
static struct {
	const char *path; /* NULL: no -c */
	int argc;
	char **argv;
} origin;

/*
 * The config file again, our options on top, checked: as at the start.
 * Only services' backends change at run time: a change to any other key
 * (arg: the running config) is refused, not silently ignored.
 */
static int
reload_config(struct pcl_config *out, char *err, size_t errlen, void *arg)
{
	const struct pcl_config *running = arg;
	char what[64];

	pcl_config_defaults(out);
	if (pcl_config_load_err(out, origin.path, err, errlen) != 0 ||
	    apply_options(origin.argc, origin.argv, out, err, errlen) != 0 ||
	    pcl_config_finish(out, err, errlen) != 0)
		return -EINVAL;
	if (pcl_config_changed(running, out, what, sizeof(what))) {
		snprintf(err, errlen, "%s: %s changed; only backends change without a restart",
			 origin.path, what);
		return -EINVAL;
	}
	return 0;
}

/*
 * Parses our options (argv after "--"): the config file first, then every
 * option on top of it. Exits on any error with one line naming the option.
 */
static void
parse_args(int argc, char **argv, struct pcl_config *cfg, bool *check_only)
{
	const char *config = NULL;
	char err[512];
	int opt;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, ":c:h", long_opts, NULL)) != -1) {
		if (opt == 'c') {
			config = optarg;
		} else if (opt == 'h') {
			usage(stdout);
			exit(0);
		} else if (opt == '?') {
			fprintf(stderr, PROG ": %s: unknown option (try --help)\n",
				argv[optind - 1]);
			exit(2);
		} else if (opt == ':') {
			fprintf(stderr, PROG ": %s: missing value\n", argv[optind - 1]);
			exit(2);
		} else if (opt == OPT_CHECK) {
			*check_only = true;
		} else if (opt == OPT_LIST_KEYS || opt == OPT_LIST_COUNTERS) {
			/* Before the config is loaded: the tables show the defaults. */
			list_and_exit(opt);
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": %s: unexpected argument (try --help)\n", argv[optind]);
		exit(2);
	}
	if (config != NULL && pcl_config_load(cfg, config) != 0)
		exit(2);
	origin.path = config;
	origin.argc = argc;
	origin.argv = argv;
	if (apply_options(argc, argv, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		exit(2);
	}
	if (pcl_config_finish(cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		exit(2);
	}
}

/* Splits argv at "--": EAL arguments before, ours after. */
static int
split_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return argc;
}

static bool
has_arg(int argc, char **argv, const char *prefix)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strncmp(argv[i], prefix, strlen(prefix)) == 0)
			return true;
	return false;
}

/* The EAL's --file-prefix (default "rte"). */
static const char *
file_prefix(int argc, char **argv)
{
	const char *p = "rte";
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--file-prefix") == 0 && i + 1 < argc)
			p = argv[++i];
		else if (strncmp(argv[i], "--file-prefix=", 14) == 0)
			p = argv[i] + 14;
	}
	return p;
}

/*
 * A primary DPDK process holds a write lock on its runtime config file; a
 * second one with the same prefix would fail deep in EAL init with a vague
 * message. Say what is wrong before trying.
 */
static void
prefix_free_or_exit(int argc, char **argv)
{
	const char *prefix = file_prefix(argc, argv);
	struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	char path[PATH_MAX];
	int fd;

	if (has_arg(argc, argv, "--in-memory") || has_arg(argc, argv, "--no-shconf"))
		return;
	pcl_runtime_path(path, sizeof(path), prefix, "config");
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return;
	if (fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type != F_UNLCK) {
		fprintf(stderr,
			PROG ": file prefix '%s' is in use by another DPDK process (pid %d); "
			     "give this one its own --file-prefix\n",
			prefix, (int)lk.l_pid);
		exit(EXIT_FAILURE);
	}
	close(fd);
}

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	__atomic_store_n(&quit, true, __ATOMIC_RELAXED);
}

/* Where a SIGHUP asks for a reload (the control thread runs it). */
static bool *hup_target;

static void
on_hup(int sig)
{
	RTE_SET_USED(sig);
	if (hup_target != NULL)
		__atomic_store_n(hup_target, true, __ATOMIC_RELAXED);
}

/*
 * The config's services, with the grace periods their tables are replaced
 * under (every worker lcore may report). Exits when that fails.
 */
static struct pcl_services *
start_services(const struct pcl_config *cfg, unsigned int nports, struct pcl_listeners *listeners)
{
	struct pcl_lb_if ifs[PCL_MAX_IFS];
	struct pcl_services *sv = calloc(1, sizeof(*sv));
	size_t qsize = rte_rcu_qsbr_get_memsize(RTE_MAX_LCORE);

	pcl_config_lb_ifs(cfg, ifs);
	if (sv == NULL ||
	    pcl_services_init(sv, cfg->services, cfg->nservices, ifs, nports, listeners) != 0)
		rte_exit(EXIT_FAILURE, "cannot set the services up (out of memory)\n");
	sv->qsbr = rte_zmalloc("pcl_qsbr", qsize, RTE_CACHE_LINE_SIZE);
	if (sv->qsbr == NULL || rte_rcu_qsbr_init(sv->qsbr, RTE_MAX_LCORE) != 0)
		rte_exit(EXIT_FAILURE, "cannot set the services up (out of DPDK memory)\n");
	return sv;
}

/*
 * Blocks (SIG_BLOCK) or unblocks (SIG_UNBLOCK) the realtime signals in the
 * calling thread. With port.tap_rx = signal, net_tap asks the kernel for a
 * queued realtime signal (F_SETSIG, owner getpid()) for every frame the
 * kernel writes to the tap, so that its RX burst can skip the read() while
 * nothing came. The kernel gives a process-directed signal to a thread
 * that does not block it, preferring the main one: each ACK of a bulk
 * transfer woke the sleeping main thread (and the telemetry one), a
 * context switch on a shared core, charged partly to the worker's own
 * writev (bench/RESULTS.md, tap_bulk: 0.4 s of CPU in a 1.5 s run).
 * Blocked in every thread but the workers, the signal lands on the thread
 * that polls the tap anyway, mostly on the way out of its own system
 * calls. portcullis itself uses none of them.
 */
static void
rt_signals(int how)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(&set, sig);
	pthread_sigmask(how, &set, NULL);
}

static void
on_rt_signal(int sig)
{
	RTE_SET_USED(sig);
}

/*
 * port.tap_rx = poll: net_tap takes the first realtime signal without a
 * handler for its per-frame signal, and polls with read() when the
 * application holds them all. A poll-mode worker spins anyway; the signal
 * cost it 1-2 us of CPU per frame received under load (delivery, the
 * handler, rt_sigreturn: a fifth of the worker's time in tap_bulk), which
 * is more than the empty reads cost (bench/RESULTS.md). So, before the
 * ports are probed, every realtime signal gets a handler that does nothing.
 */
static void
tap_rx_poll(void)
{
	int sig;

	for (sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		signal(sig, on_rt_signal);
}

static int
worker_main(void *arg)
{
	rt_signals(SIG_UNBLOCK);
	pcl_worker_loop(arg, &quit);
	return 0;
}

/* The workers, what each owns, and what they share. */
struct server {
	uint16_t ports[PCL_MAX_IFS]; /* the client-facing port, and the backend-facing one */
	unsigned int nports;
	uint16_t n;
	struct pcl_worker *workers[PCL_MAX_WORKERS];
	unsigned int lcores[PCL_MAX_WORKERS];
	struct rte_mempool *mps[PCL_MAX_WORKERS];
	struct rte_ring *inboxes[PCL_MAX_WORKERS];
	struct pcl_steer steer;
};

/* Packets one worker may have waiting for another (steering). */
#define INBOX_SIZE 4096

/*
 * One worker per worker lcore of -l (the main lcore runs the control thread
 * and startup), or the main lcore alone when it is the only one. Each gets
 * queue pair i of the port, its own mbuf pool and tables; with several, a
 * steering inbox each. Exits with a one-line reason on failure.
 */
static void
start_workers(struct server *srv, const struct pcl_config *cfg, const struct pcl_apps *apps,
	      struct pcl_services *sv, const struct pcl_secrets *secrets)
{
	struct pcl_port_rss rss = {0}, brss = {0};
	unsigned int lcore, i;
	char name[RTE_RING_NAMESIZE], err[256];
	int rc;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (srv->n == PCL_MAX_WORKERS)
			rte_exit(EXIT_FAILURE, "more than %u worker lcores in -l\n",
				 PCL_MAX_WORKERS);
		srv->lcores[srv->n++] = lcore;
	}
	if (srv->n == 0)
		srv->lcores[srv->n++] = rte_get_main_lcore();
	if (pcl_config_check_workers(cfg, srv->n, err, sizeof(err)) != 0) {
		fprintf(stderr, PROG ": %s\n", err);
		rte_eal_cleanup();
		exit(EXIT_FAILURE);
	}
	for (i = 0; i < srv->n; i++) {
		srv->mps[i] = pcl_port_mempool(&cfg->port, srv->lcores[i]);
		if (srv->mps[i] == NULL)
			rte_exit(EXIT_FAILURE, "cannot create the mbuf pool (%u mbufs): %s\n",
				 cfg->port.mbufs, rte_strerror(rte_errno));
	}
	if (pcl_port_start(srv->ports[0], srv->n, &cfg->port, srv->mps, &rss) != 0)
		rte_exit(EXIT_FAILURE, "cannot start port %u for %u workers (see the line above)\n",
			 srv->ports[0], srv->n);
	/* Each worker's queue on the backend port takes buffers from the same pool. */
	if (srv->nports > 1 && pcl_port_start(srv->ports[1], srv->n, &cfg->port, srv->mps, &brss))
		rte_exit(EXIT_FAILURE,
			 "cannot start the backend port %u for %u workers (see the line above)\n",
			 srv->ports[1], srv->n);
	rss.on = rss.on && (srv->nports == 1 || brss.on);
	if (srv->n > 1 && pcl_steer_init(&srv->steer, srv->n, rss.reta_size) != 0)
		rte_exit(EXIT_FAILURE, "steering: bad RETA size %u\n", rss.reta_size);
	for (i = 0; i < srv->n; i++) {
		int socket = (int)rte_lcore_to_socket_id(srv->lcores[i]);
		struct pcl_worker_conf wc =
			pcl_config_worker(cfg, apps, sv, secrets, srv->mps[i], srv->ports,
					  (uint16_t)i, srv->lcores[i]);

		srv->workers[i] = rte_zmalloc_socket("pcl_worker", sizeof(struct pcl_worker),
						     RTE_CACHE_LINE_SIZE, socket);
		if (srv->workers[i] == NULL)
			rte_exit(EXIT_FAILURE, "cannot allocate worker %u\n", i);
		rc = pcl_worker_init(srv->workers[i], &wc);
		if (rc != 0)
			rte_exit(EXIT_FAILURE, "worker %u: %s\n", i,
				 rc == -ENODEV
					 ? "cannot read the port's MAC address"
					 : "cannot allocate tables for tables.conns connections");
		if (srv->n > 1) {
			snprintf(name, sizeof(name), "pcl_inbox_%u", i);
			srv->inboxes[i] = rte_ring_create(name, INBOX_SIZE, socket, RING_F_SC_DEQ);
			if (srv->inboxes[i] == NULL)
				rte_exit(EXIT_FAILURE, "cannot create steering ring %s: %s\n", name,
					 rte_strerror(rte_errno));
		}
		PCL_LOG(NOTICE, "lcore %u: worker %u, port %u queue %u", srv->lcores[i], i,
			srv->ports[0], i);
	}
	for (i = 0; srv->n > 1 && i < srv->n; i++)
		pcl_worker_steer(srv->workers[i], &srv->steer, (uint16_t)i, srv->inboxes, rss.on);
}

/*
 * Launches a worker on each worker lcore and waits until a signal stops
 * them. A worker that cannot be launched stops the others. Returns the exit
 * status.
 */
static int
run_workers(struct server *srv)
{
	unsigned int i;
	int rc;

	for (i = 0; i < srv->n; i++) {
		rc = rte_eal_remote_launch(worker_main, srv->workers[i], srv->lcores[i]);
		if (rc != 0) {
			PCL_LOG(ERR, "lcore %u: cannot launch worker %u: %s", srv->lcores[i], i,
				rte_strerror(-rc));
			__atomic_store_n(&quit, true, __ATOMIC_RELAXED);
			rte_eal_mp_wait_lcore();
			return EXIT_FAILURE;
		}
	}
	while (!__atomic_load_n(&quit, __ATOMIC_RELAXED))
		usleep(50 * 1000);
	rte_eal_mp_wait_lcore();
	return 0;
}

static void
stop_workers(struct server *srv)
{
	unsigned int i;

	for (i = 0; i < srv->n; i++) {
		pcl_worker_fini(srv->workers[i]);
		rte_free(srv->workers[i]);
	}
	for (i = 0; i < srv->nports; i++)
		pcl_port_stop(srv->ports[i]);
	for (i = 0; i < srv->n; i++) {
		/* Packets still in an inbox go back to their pools. */
		struct rte_mbuf *left[PCL_BURST];
		unsigned int k;

		while (srv->inboxes[i] != NULL &&
		       (k = rte_ring_dequeue_burst(srv->inboxes[i], (void **)left, PCL_BURST,
						   NULL)) > 0)
			rte_pktmbuf_free_bulk(left, k);
		rte_ring_free(srv->inboxes[i]);
		rte_mempool_free(srv->mps[i]);
	}
}

int
main(int argc, char **argv)
{
	static struct server srv;
	struct pcl_config *cfg = malloc(sizeof(*cfg));
	struct pcl_ctrl ctl = {0};
	struct pcl_prom prom = {0};
	static struct pcl_secrets secrets;
	static struct pcl_apps apps;
	struct pcl_services *sv = NULL;
	static struct pcl_lbctl lbctl;
	struct pcl_totals tot;
	int status = 0;
	bool check_only = false;
	int split = split_args(argc, argv);
	int eal_argc = split;
	char **eal_argv;
	char addr[INET_ADDRSTRLEN];
	unsigned int i;
	int rc;

	if (cfg == NULL || sodium_init() < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	pcl_config_defaults(cfg);
	if (split == argc) {
		/* No "--": everything is the EAL's, but --help and the lists still answer. */
		if (has_arg(argc, argv, "--help") || has_arg(argc, argv, "-h")) {
			usage(stdout);
			free(cfg);
			return 0;
		}
		if (has_arg(argc, argv, "--list-config-keys"))
			list_and_exit(OPT_LIST_KEYS);
		if (has_arg(argc, argv, "--list-counters"))
			list_and_exit(OPT_LIST_COUNTERS);
		parse_args(1, argv, cfg, &check_only);
	} else {
		/* argv[split] is "--"; hand getopt a vector whose argv[0] is ours. */
		argv[split] = argv[0];
		parse_args(argc - split, argv + split, cfg, &check_only);
	}
	if (check_only) {
		printf(PROG ": configuration OK\n");
		free(cfg);
		return 0;
	}

	/*
	 * A config's device and lcores are added to the EAL's arguments unless
	 * the command line has its own.
	 */
	eal_argv = calloc(eal_argc + 7, sizeof(*eal_argv));
	if (eal_argv == NULL)
		return 1;
	memcpy(eal_argv, argv, eal_argc * sizeof(*eal_argv));
	if (cfg->device[0] && !has_arg(split, argv, "--vdev") && !has_arg(split, argv, "-a")) {
		eal_argv[eal_argc++] = "--vdev";
		eal_argv[eal_argc++] = cfg->device;
		if (cfg->bdevice[0]) {
			eal_argv[eal_argc++] = "--vdev";
			eal_argv[eal_argc++] = cfg->bdevice;
		}
	}
	if (cfg->lcores[0] && !has_arg(split, argv, "-l") && !has_arg(split, argv, "--lcores") &&
	    !has_arg(split, argv, "-c")) {
		eal_argv[eal_argc++] = "--lcores";
		eal_argv[eal_argc++] = cfg->lcores;
	}
	prefix_free_or_exit(eal_argc, eal_argv);
	/* Before the EAL starts any thread: they all inherit the mask. */
	rt_signals(SIG_BLOCK);
	if (cfg->port.tap_rx == PCL_TAP_RX_POLL)
		tap_rx_poll();
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n",
			 rte_errno ? rte_strerror(rte_errno) : "see the EAL lines above");

	if (rte_eth_dev_count_avail() == 0)
		rte_exit(EXIT_FAILURE, "no port: give one with --vdev (e.g. net_tap0,iface=pcl0), "
				       "port.device in the config, or bind a NIC\n");
	srv.nports = pcl_config_nports(cfg);
	srv.ports[0] = (uint16_t)rte_eth_find_next(0);
	srv.ports[1] = (uint16_t)rte_eth_find_next(srv.ports[0] + 1);
	if (srv.nports > 1 && srv.ports[1] >= RTE_MAX_ETHPORTS)
		rte_exit(EXIT_FAILURE,
			 "port:backend: a second port is needed (port:backend.device, "
			 "or a second --vdev or -a)\n");

	if (pcl_secrets_init(&secrets) != 0)
		rte_exit(EXIT_FAILURE, "cannot read the OS random source\n");
	if (pcl_apps_init(&apps, cfg->listeners, cfg->nlisteners) != 0)
		rte_exit(EXIT_FAILURE, "out of memory for the listeners' apps\n");
	if (cfg->nservices > 0) {
		sv = start_services(cfg, srv.nports, &apps.listeners);
		if (pcl_lbctl_init(&lbctl, sv, origin.path ? reload_config : NULL, cfg) != 0)
			rte_exit(EXIT_FAILURE, "cannot start the services' control\n");
		ctl.lb = &lbctl;
	}
	start_workers(&srv, cfg, &apps, sv, &secrets);

	if (pcl_telemetry_register(srv.workers, srv.n, cfg, &ctl.rates, ctl.lb) != 0)
		PCL_LOG(WARNING, "telemetry commands not registered");
	if (pcl_capture_init(srv.ports, srv.nports, srv.workers, srv.n) != 0)
		PCL_LOG(WARNING, "capture command not registered");
	if (cfg->prom_port != 0) {
		rc = pcl_prom_start(&prom, cfg->prom_addr, cfg->prom_port, srv.workers, srv.n,
				    ctl.lb);
		if (rc != 0)
			rte_exit(EXIT_FAILURE, "stats.prometheus: cannot listen on %s: %s\n",
				 cfg->prometheus, strerror(-rc));
		PCL_LOG(NOTICE, "Prometheus metrics on http://%s/metrics", cfg->prometheus);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	hup_target = &ctl.hup;
	signal(SIGHUP, on_hup);
	ctl.workers = srv.workers;
	ctl.nworkers = srv.n;
	ctl.interval_s = cfg->log_interval_s;
	ctl.secrets = &secrets;
	ctl.isn_rekey_s = cfg->isn_rekey_s;
	ctl.cookie_rekey_s = cfg->cookie_rekey_s;
	if (pcl_ctrl_start(&ctl) != 0)
		rte_exit(EXIT_FAILURE, "cannot start the control thread\n");

	if (cfg->addr != 0) {
		inet_ntop(AF_INET, &cfg->addr, addr, sizeof(addr));
		PCL_LOG(NOTICE, "serving %s/%u", addr, cfg->prefix_len);
	} else {
		snprintf(addr, sizeof(addr), "*"); /* IPv6 only: the listeners' lines below */
	}
	if (cfg->prefix6_len != 0) {
		char a6[INET6_ADDRSTRLEN], ll[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, cfg->addr6, a6, sizeof(a6));
		inet_ntop(AF_INET6, srv.workers[0]->ifs[0].ctx.ll6, ll, sizeof(ll));
		PCL_LOG(NOTICE, "serving %s/%u and %s (link-local), same ports", a6,
			cfg->prefix6_len, ll);
	}
	for (i = 0; i < cfg->nlisteners; i++)
		PCL_LOG(NOTICE, "listening on %s:%u, %s", addr, cfg->listeners[i].port,
			pcl_app_name(cfg->listeners[i].app));
	PCL_LOG(NOTICE, "port %u mac " RTE_ETHER_ADDR_PRT_FMT ", syncookies %s, Ctrl-C stops",
		srv.ports[0], RTE_ETHER_ADDR_BYTES(&srv.workers[0]->ifs[0].ctx.mac),
		pcl_cookie_mode_name(cfg->tcp.syncookies));

	if (srv.lcores[0] == rte_get_main_lcore())
		worker_main(srv.workers[0]);
	else
		status = run_workers(&srv);

	pcl_capture_fini();
	pcl_prom_stop(&prom);
	pcl_ctrl_stop(&ctl);
	pcl_ctrl_totals(srv.workers, srv.n, &tot);
	PCL_LOG(NOTICE, "stopped; final totals:");
	pcl_ctrl_print_totals(stdout, &tot);
	fflush(stdout);
	stop_workers(&srv);
	pcl_apps_fini(&apps);
	if (sv != NULL) {
		pcl_lbctl_fini(&lbctl);
		rte_free(sv->qsbr);
		pcl_services_fini(sv);
		free(sv);
	}
	rte_eal_cleanup();
	free(eal_argv);
	free(cfg);
	return status;
}
