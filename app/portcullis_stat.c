/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * portcullis-stat [--file-prefix P] [--once] [-i SECONDS] [-n COUNT]
 * portcullis-stat [--file-prefix P] --command LINE
 *
 * Watches a running portcullis through its DPDK telemetry socket: a live,
 * top-like view per worker lcore and per backend, or with --once one sample
 * as JSON; the server never waits for it. --command sends one services
 * command (pcl_lbctl.h) and prints its answer.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "pcl_runtime.h"

#define PROG       "portcullis-stat"
#define MAX_REPLY  (1 << 18)
#define MAX_LCORES 128

static volatile sig_atomic_t stop;

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--file-prefix P] [--once] [-i SECONDS] [-n COUNT]\n"
		   "       " PROG " [--file-prefix P] --command LINE\n"
		   "\n"
		   "  --file-prefix P  the server's EAL --file-prefix (default: rte)\n"
		   "  --once           print one sample as JSON and exit\n"
		   "  -i, --interval S refresh every S seconds (default: 1)\n"
		   "  -n, --count N    stop after N refreshes (default: until Ctrl-C)\n"
		   "  --command LINE   run a services command and print its answer; exit 1 if it\n"
		   "                   failed: backend add|remove|weight|drain|undrain PORT\n"
		   "                   ADDR:PORT [ARG], or reload (docs/load-balancer.md)\n"
		   "  -h, --help\n");
}

/* Connects to the telemetry socket and reads its greeting. Exits with one line on failure. */
static int
attach(const char *prefix)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char buf[4096];
	int fd;

	pcl_runtime_path(sun.sun_path, sizeof(sun.sun_path), prefix, "dpdk_telemetry.v2");
	fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, PROG ": no portcullis with file prefix '%s' is running (%s: %s)\n",
			prefix, sun.sun_path, strerror(errno));
		exit(1);
	}
	if (read(fd, buf, sizeof(buf)) <= 0) {
		fprintf(stderr, PROG ": %s closed the connection\n", sun.sun_path);
		exit(1);
	}
	return fd;
}

/* Sends one command and returns the value of its reply (a new reference), or NULL. */
static json_t *
ask_maybe(int fd, const char *cmd)
{
	static char buf[MAX_REPLY];
	char key[64];
	json_error_t err;
	json_t *root, *v;
	ssize_t n;

	if (write(fd, cmd, strlen(cmd)) < 0 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0) {
		fprintf(stderr, PROG ": the server went away\n");
		exit(1);
	}
	buf[n] = '\0';
	root = json_loads(buf, 0, &err);
	/* The reply is {"<command without params>": value}. */
	snprintf(key, sizeof(key), "%.*s", (int)strcspn(cmd, ","), cmd);
	v = root ? json_object_get(root, key) : NULL;
	if (v != NULL && json_is_null(v))
		v = NULL;
	json_incref(v);
	json_decref(root);
	return v;
}

/* As ask_maybe(), for a command every portcullis answers: exits when it does not. */
static json_t *
ask(int fd, const char *cmd)
{
	json_t *v = ask_maybe(fd, cmd);

	if (v == NULL) {
		fprintf(stderr, PROG ": '%s': no answer (is this a portcullis?)\n", cmd);
		exit(1);
	}
	return v;
}

/* Every backend's figures, keyed "PORT ADDR:P"; NULL for a server without services. */
static json_t *
backends(int fd)
{
	json_t *lines = ask_maybe(fd, "/portcullis/backends"), *all, *v, *line;
	char cmd[160], name[96];
	const char *text;
	size_t i;

	if (lines == NULL)
		return NULL;
	all = json_object();
	json_array_foreach(lines, i, line)
	{
		/* "80 198.18.0.11:8080 up": the name is what comes before the state. */
		text = json_string_value(line);
		if (text == NULL || strrchr(text, ' ') == NULL)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(strrchr(text, ' ') - text), text);
		snprintf(cmd, sizeof(cmd), "/portcullis/backend,%s", name);
		v = ask_maybe(fd, cmd);
		if (v != NULL)
			json_object_set_new(all, name, v);
	}
	json_decref(lines);
	return all;
}

/* One sample: totals and each lcore's counters. */
static json_t *
sample(int fd)
{
	json_t *s = json_object(), *lcores = json_object(), *ids = ask(fd, "/portcullis/lcores"),
	       *b;
	size_t i;
	json_t *id;
	char cmd[64], name[16];

	json_array_foreach(ids, i, id)
	{
		snprintf(cmd, sizeof(cmd), "/portcullis/lcores,%" JSON_INTEGER_FORMAT,
			 json_integer_value(id));
		snprintf(name, sizeof(name), "%" JSON_INTEGER_FORMAT, json_integer_value(id));
		json_object_set_new(lcores, name, ask(fd, cmd));
	}
	json_decref(ids);
	json_object_set_new(s, "stats", ask(fd, "/portcullis/stats"));
	json_object_set_new(s, "lcores", lcores);
	if ((b = backends(fd)) != NULL)
		json_object_set_new(s, "backends", b);
	return s;
}

static uint64_t
get(json_t *o, const char *k)
{
	return (uint64_t)json_integer_value(json_object_get(o, k));
}

/* Per-second change of counter k between two samples of one lcore. */
static uint64_t
rate(json_t *now, json_t *prev, const char *k, double secs)
{
	return prev ? (uint64_t)((double)(get(now, k) - get(prev, k)) / secs) : 0;
}

static uint64_t
drops(json_t *o)
{
	const char *k;
	json_t *v;
	uint64_t d = 0;

	json_object_foreach(o, k, v)
	{
		if (strncmp(k, "drop_", 5) == 0)
			d += (uint64_t)json_integer_value(v);
	}
	return d;
}

/* A line per backend: its state and share, and what went through it per second. */
static void
show_backends(json_t *now, json_t *prev, double secs)
{
	const char *name;
	json_t *b;

	if (now == NULL)
		return;
	printf("\n%-28s %9s %7s %6s %9s %8s %9s %11s %11s\n", "service backend", "state", "weight",
	       "slots", "active", "conns/s", "hs_fail/s", "in bytes/s", "out bytes/s");
	json_object_foreach(now, name, b)
	{
		json_t *p = prev ? json_object_get(prev, name) : NULL;

		printf("%-28s %9s %7" PRIu64 " %6" PRIu64 " %9" PRIu64 " %8" PRIu64 " %9" PRIu64
		       " %11" PRIu64 " %11" PRIu64 "\n",
		       name, json_string_value(json_object_get(b, "state")), get(b, "weight"),
		       get(b, "slots"), get(b, "conns_active"), rate(b, p, "conns", secs),
		       rate(b, p, "hs_rst", secs) + rate(b, p, "hs_timeout", secs),
		       rate(b, p, "bytes_in", secs), rate(b, p, "bytes_out", secs));
	}
}

/*
 * The live view. A proxied connection counts as a connection (accepted,
 * and established once spliced) as a served one does: a front end's
 * figures are not all zeros.
 */
static void
show(json_t *now, json_t *prev, double secs, const char *prefix)
{
	json_t *st = json_object_get(now, "stats"), *lc = json_object_get(now, "lcores");
	const char *id;
	json_t *l;

	printf("\033[H\033[2J" PROG " — %s: %" PRIu64 " conns/s, %" PRIu64
	       " active, cookies %" PRIu64 "/s sent %" PRIu64 "/s ok, drops %" PRIu64 "/s\n"
	       "free: %" PRIu64 " of %" PRIu64 " entries, %" PRIu64 " of %" PRIu64 " mbufs\n\n",
	       prefix, get(st, "conn_opened_per_s") + get(st, "proxy_accepted_per_s"),
	       get(st, "conns_active"), get(st, "cookie_sent_per_s"), get(st, "cookie_ok_per_s"),
	       get(st, "drops_per_s"), get(st, "entries_free"), get(st, "entries"),
	       get(st, "mbufs_free"), get(st, "mbufs"));
	printf("%6s %10s %10s %10s %9s %9s %9s %9s %8s %9s %5s\n", "lcore", "conns/s", "rx pkt/s",
	       "tx pkt/s", "active", "estab", "time_wait", "syn_rcvd", "cookie/s", "drops/s",
	       "busy%");
	json_object_foreach(lc, id, l)
	{
		json_t *p = prev ? json_object_get(json_object_get(prev, "lcores"), id) : NULL;

		printf("%6s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %9" PRIu64 " %9" PRIu64
		       " %9" PRIu64 " %9" PRIu64 " %8" PRIu64 " %9" PRIu64 " %5" PRIu64 "\n",
		       id, rate(l, p, "conn_opened", secs) + rate(l, p, "proxy_accepted", secs),
		       rate(l, p, "rx_pkts", secs), rate(l, p, "tx_pkts", secs),
		       get(l, "conns_active"), get(l, "state_ESTABLISHED") + get(l, "state_PROXY"),
		       get(l, "state_TIME_WAIT"), get(l, "state_SYN_RCVD"),
		       rate(l, p, "cookie_sent", secs),
		       p ? (uint64_t)((double)(drops(l) - drops(p)) / secs) : 0,
		       get(l, "busy_pct"));
	}
	show_backends(json_object_get(now, "backends"), json_object_get(prev, "backends"), secs);
	fflush(stdout);
}

/* --command: one line to the server (backend ..., reload), its one-line answer printed. */
static int
run_command(int fd, const char *line)
{
	char cmd[512];
	json_t *r, *v;
	int rc;

	snprintf(cmd, sizeof(cmd), "/portcullis/command,%s", line);
	r = ask_maybe(fd, cmd);
	if (r == NULL) {
		fprintf(stderr, PROG ": this portcullis has no services to command\n");
		return 1;
	}
	v = json_object_get(r, "reply");
	rc = v == NULL;
	if (v == NULL)
		v = json_object_get(r, "error");
	printf("%s\n", json_string_value(v) ? json_string_value(v) : "?");
	json_decref(r);
	close(fd);
	return rc;
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {{"file-prefix", required_argument, NULL, 'p'},
					     {"once", no_argument, NULL, 'o'},
					     {"interval", required_argument, NULL, 'i'},
					     {"count", required_argument, NULL, 'n'},
					     {"command", required_argument, NULL, 'c'},
					     {"help", no_argument, NULL, 'h'},
					     {NULL, 0, NULL, 0}};
	const char *prefix = "rte", *command = NULL;
	unsigned long interval = 1, count = 0, done = 0;
	bool once = false;
	json_t *prev = NULL, *now;
	char *end;
	int fd, opt;

	while ((opt = getopt_long(argc, argv, "i:n:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			prefix = optarg;
			break;
		case 'o':
			once = true;
			break;
		case 'c':
			command = optarg;
			break;
		case 'i':
		case 'n':
			errno = 0;
			*(opt == 'i' ? &interval : &count) = strtoul(optarg, &end, 10);
			if (errno || *end || (opt == 'i' && interval == 0)) {
				fprintf(stderr,
					PROG ": -%c: expected a positive integer, got '%s'\n", opt,
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	fd = attach(prefix);
	if (command != NULL)
		return run_command(fd, command);
	if (once) {
		now = sample(fd);
		json_dumpf(now, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(now);
		close(fd);
		return 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stop && (count == 0 || done < count)) {
		now = sample(fd);
		show(now, prev, (double)interval, prefix);
		json_decref(prev);
		prev = now;
		if (++done != count)
			sleep((unsigned int)interval);
	}
	json_decref(prev);
	close(fd);
	return 0;
}
