/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * portcullis [EAL options] -- [options]
 *
 * Wires the library together: configuration, EAL, port, workers, control
 * thread, signals. Protocol logic lives in lib/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <sodium.h>

#include "pcl_app.h"
#include "pcl_config.h"
#include "pcl_ctrl.h"
#include "pcl_isn.h"
#include "pcl_log.h"
#include "pcl_port.h"
#include "pcl_telemetry.h"
#include "pcl_worker.h"

#define PROG "portcullis"

static volatile bool quit;

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [EAL options] -- [options]\n"
		   "\n"
		   "  -c, --config FILE        INI configuration (see conf/portcullis.conf)\n"
		   "      --addr A.B.C.D/LEN   the server's IPv4 address on the port\n"
		   "      --listen PORT[,PORT] TCP ports to accept connections on\n"
		   "      --app http|echo|discard\n"
		   "                           what to do with a connection's data\n"
		   "      --syncookies off|auto|always\n"
		   "                           SYN-flood defence mode\n"
		   "      --check-config       load and validate the configuration, then exit\n"
		   "  -h, --help               this text\n"
		   "\n"
		   "Options override the config file. Example on a tap device:\n"
		   "  " PROG " -l 0-1 --no-huge -m 512 --no-pci --vdev net_tap0,iface=pcl0 \\\n"
		   "      -- --addr 198.18.0.2/24 --listen 80 --app http\n");
}

enum {
	OPT_ADDR = 256,
	OPT_LISTEN,
	OPT_APP,
	OPT_SYNCOOKIES,
	OPT_CHECK,
};

static const struct option long_opts[] = {
	{"config", required_argument, NULL, 'c'},
	{"addr", required_argument, NULL, OPT_ADDR},
	{"listen", required_argument, NULL, OPT_LISTEN},
	{"app", required_argument, NULL, OPT_APP},
	{"syncookies", required_argument, NULL, OPT_SYNCOOKIES},
	{"check-config", no_argument, NULL, OPT_CHECK},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* The config key each command-line option stands for. */
static const struct {
	int opt;
	const char *name, *section, *key;
} opt_keys[] = {
	{OPT_ADDR, "addr", "port", "addr"},
	{OPT_LISTEN, "listen", "listen", "ports"},
	{OPT_APP, "app", "listen", "app"},
	{OPT_SYNCOOKIES, "syncookies", "syncookies", "mode"},
};

/*
 * Parses our options (argv after "--"): the config file first, then every
 * option on top of it. Exits on any error with one line naming the option.
 */
static void
parse_args(int argc, char **argv, struct pcl_config *cfg, bool *check_only)
{
	const char *config = NULL;
	char err[256];
	int opt, rc;
	size_t i;

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
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": %s: unexpected argument (try --help)\n", argv[optind]);
		exit(2);
	}
	if (config != NULL && pcl_config_load(cfg, config) != 0)
		exit(2);

	optind = 1;
	while ((opt = getopt_long(argc, argv, ":c:h", long_opts, NULL)) != -1) {
		for (i = 0; i < RTE_DIM(opt_keys); i++) {
			if (opt_keys[i].opt != opt)
				continue;
			rc = pcl_config_set(cfg, opt_keys[i].section, opt_keys[i].key, optarg, err,
					    sizeof(err));
			if (rc != 0) {
				/* err reads "section.key: problem"; name the option instead. */
				const char *problem = strchr(err, ':');

				fprintf(stderr, PROG ": --%s%s\n", opt_keys[i].name,
					problem ? problem : err);
				exit(2);
			}
		}
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

static void
on_signal(int sig)
{
	RTE_SET_USED(sig);
	quit = true;
}

static int
worker_main(void *arg)
{
	pcl_worker_loop(arg, &quit);
	return 0;
}

int
main(int argc, char **argv)
{
	static struct pcl_worker worker;
	struct pcl_worker *workers[1] = {&worker};
	struct pcl_config *cfg = malloc(sizeof(*cfg));
	struct pcl_ctrl ctl = {0};
	static struct pcl_secrets secrets;
	struct rte_mempool *mp;
	struct pcl_totals tot;
	bool check_only = false;
	int split = split_args(argc, argv);
	int eal_argc = split;
	char **eal_argv;
	unsigned int lcore;
	uint16_t port;
	char addr[INET_ADDRSTRLEN];
	int rc;

	if (cfg == NULL || sodium_init() < 0) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	pcl_config_defaults(cfg);
	if (split == argc) {
		/* No "--": everything is the EAL's, but --help still helps. */
		if (has_arg(argc, argv, "--help") || has_arg(argc, argv, "-h")) {
			usage(stdout);
			return 0;
		}
		parse_args(1, argv, cfg, &check_only);
	} else {
		/* argv[split] is "--"; hand getopt a vector whose argv[0] is ours. */
		argv[split] = argv[0];
		parse_args(argc - split, argv + split, cfg, &check_only);
	}
	if (check_only) {
		printf(PROG ": configuration OK\n");
		return 0;
	}

	/* A config's device is added to the EAL's unless the command line has one. */
	eal_argv = calloc(eal_argc + 3, sizeof(*eal_argv));
	if (eal_argv == NULL)
		return 1;
	memcpy(eal_argv, argv, eal_argc * sizeof(*eal_argv));
	if (cfg->device[0] && !has_arg(split, argv, "--vdev") && !has_arg(split, argv, "-a")) {
		eal_argv[eal_argc++] = "--vdev";
		eal_argv[eal_argc++] = cfg->device;
	}
	rc = rte_eal_init(eal_argc, eal_argv);
	if (rc < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n", rte_strerror(rte_errno));

	if (rte_eth_dev_count_avail() == 0)
		rte_exit(EXIT_FAILURE, "no port: give one with --vdev (e.g. net_tap0,iface=pcl0), "
				       "port.device in the config, or bind a NIC\n");
	port = (uint16_t)rte_eth_find_next(0);

	lcore = rte_get_next_lcore(-1, 1, 0);
	if (lcore >= RTE_MAX_LCORE)
		lcore = rte_get_main_lcore();
	else if (rte_get_next_lcore(lcore, 1, 0) < RTE_MAX_LCORE)
		PCL_LOG(WARNING, "one worker lcore for now: lcore %u works, others idle", lcore);

	if (pcl_secrets_init(&secrets) != 0)
		rte_exit(EXIT_FAILURE, "cannot read the OS random source\n");
	if (pcl_app_init(cfg) != 0)
		rte_exit(EXIT_FAILURE, "out of memory for the app\n");
	mp = pcl_port_mempool(cfg, lcore);
	if (mp == NULL)
		rte_exit(EXIT_FAILURE, "cannot create the mbuf pool (%u mbufs): %s\n", cfg->mbufs,
			 rte_strerror(rte_errno));
	if (pcl_port_start(port, 1, cfg, &mp) != 0)
		rte_exit(EXIT_FAILURE, "cannot start port %u\n", port);
	if (pcl_worker_init(&worker, cfg, &secrets, mp, port, 0, lcore) != 0)
		rte_exit(EXIT_FAILURE, "cannot allocate tables for %u connections\n", cfg->conns);

	if (pcl_telemetry_register(workers, 1, cfg) != 0)
		PCL_LOG(WARNING, "telemetry commands not registered");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	ctl.workers = workers;
	ctl.nworkers = 1;
	ctl.interval_s = cfg->log_interval_s;
	ctl.secrets = &secrets;
	ctl.isn_rekey_s = cfg->isn_rekey_s;
	ctl.cookie_rekey_s = cfg->cookie_rekey_s;
	if (pcl_ctrl_start(&ctl) != 0)
		rte_exit(EXIT_FAILURE, "cannot start the control thread\n");

	inet_ntop(AF_INET, &cfg->addr, addr, sizeof(addr));
	PCL_LOG(NOTICE, "serving %s on %s/%u", pcl_app_name(cfg->app), addr, cfg->prefix_len);
	for (unsigned int i = 0; i < cfg->nlisten; i++)
		PCL_LOG(NOTICE, "listening on %s:%u", addr, cfg->listen[i]);
	PCL_LOG(NOTICE, "port %u mac " RTE_ETHER_ADDR_PRT_FMT ", syncookies %s, Ctrl-C stops", port,
		RTE_ETHER_ADDR_BYTES(&worker.pkt_ctx.mac), pcl_cookie_mode_name(cfg->syncookies));

	if (lcore == rte_get_main_lcore()) {
		worker_main(&worker);
	} else {
		rte_eal_remote_launch(worker_main, &worker, lcore);
		while (!quit)
			usleep(50 * 1000);
		rte_eal_mp_wait_lcore();
	}

	pcl_ctrl_stop(&ctl);
	pcl_ctrl_totals(workers, 1, &tot);
	PCL_LOG(NOTICE, "stopped; final totals:");
	pcl_ctrl_print_totals(stdout, &tot);
	fflush(stdout);
	pcl_worker_fini(&worker);
	pcl_port_stop(port);
	pcl_app_fini();
	rte_eal_cleanup();
	free(eal_argv);
	free(cfg);
	return 0;
}
