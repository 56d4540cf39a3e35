/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "ctl/pcl_config.h"

static struct pcl_config *c;
static char err[256];

static void
setup(void)
{
	c = malloc(sizeof(*c));
	pcl_config_defaults(c);
}

static void
teardown(void)
{
	free(c);
}

TestSuite(config, .init = setup, .fini = teardown);

static int
set(const char *sec, const char *key, const char *val)
{
	err[0] = '\0';
	return pcl_config_set(c, sec, key, val, err, sizeof(err));
}

/* The defaults documented in conf/portcullis.conf. */
/* Which listener (index + 1) the workers would find for port under c. */
static unsigned int
listener_of(uint16_t port)
{
	struct pcl_apps apps;
	unsigned int l;

	cr_assert_eq(pcl_apps_init(&apps, c->listeners, c->nlisteners), 0);
	l = apps.listeners.by_port[port];
	pcl_apps_fini(&apps);
	return l;
}

Test(config, defaults)
{
	cr_expect_eq(c->port.mtu, 1500);
	cr_expect_eq(c->port.queues, 0);
	cr_expect_eq(c->port.tap_rx, PCL_TAP_RX_POLL);
	cr_expect_eq(c->nlisten, 0, "port 80 is filled in by pcl_config_finish()");
	cr_expect_eq(c->app, PCL_APP_HTTP);
	cr_expect_eq(c->tcp.syncookies, PCL_COOKIES_AUTO);
	cr_expect_eq(c->tcp.cookie_threshold, 1024);
	cr_expect_eq(c->cookie_rekey_s, 600);
	cr_expect_eq(c->tcp.msl_ms, 30000);
	cr_expect_eq(c->tcp.rto_ms, 1000);
	cr_expect_eq(c->tcp.conns, 65536);
	cr_expect_eq(c->addr, 0, "no default address");
}

/* Each kind of key sets its field; out of range and garbage are refused with the key named. */
Test(config, set_values)
{
	cr_expect_eq(set("port", "mtu", "9000"), 0);
	cr_expect_eq(c->port.mtu, 9000);
	cr_expect_eq(set("timers", "msl_ms", "0x10"), 0);
	cr_expect_eq(c->tcp.msl_ms, 16);
	cr_expect_eq(set("port", "mtu", "9001"), -EINVAL);
	cr_expect_str_eq(err, "port.mtu: '9001' is not an integer in 576..9000");
	cr_expect_eq(set("timers", "msl_ms", "-1"), -EINVAL);
	cr_expect_eq(set("timers", "msl_ms", "12abc"), -EINVAL);
	cr_expect_eq(set("timers", "msl_ms", ""), -EINVAL);
	cr_expect_eq(set("port", "device", "net_tap0,iface=x"), 0);
	cr_expect_str_eq(c->device, "net_tap0,iface=x");
	cr_expect_eq(set("syncookies", "mode", "always"), 0);
	cr_expect_eq(c->tcp.syncookies, PCL_COOKIES_ALWAYS);
	cr_expect_eq(set("syncookies", "mode", "sometimes"), -EINVAL);
	cr_expect_str_eq(err, "syncookies.mode: 'sometimes' is not one of off|auto|always");
	cr_expect_eq(set("port", "tap_rx", "signal"), 0);
	cr_expect_eq(c->port.tap_rx, PCL_TAP_RX_SIGNAL);
	cr_expect_eq(set("port", "tap_rx", "interrupt"), -EINVAL);
	cr_expect_str_eq(err, "port.tap_rx: 'interrupt' is not one of poll|signal");
	cr_expect_eq(set("syncookies", "threshold", "0"), -EINVAL);
	cr_expect_eq(set("syncookies", "threshold", "64"), 0);
	cr_expect_eq(c->tcp.cookie_threshold, 64);
	cr_expect_eq(set("listen", "app", "gopher"), -EINVAL);
	cr_expect_str_eq(err, "listen.app: 'gopher' is not one of http|echo|discard");
	cr_expect_eq(set("port", "nope", "1"), -ENOENT);
	cr_expect_str_eq(err, "port.nope: unknown key");
}

Test(config, addresses)
{
	cr_expect_eq(set("port", "addr", "198.18.0.2/24"), 0);
	cr_expect_eq(c->addr, htonl(0xc6120002));
	cr_expect_eq(c->prefix_len, 24);
	cr_expect_eq(set("port", "addr", "198.18.0.2"), -EINVAL);
	cr_expect_eq(set("port", "addr", "198.18.0.300/24"), -EINVAL);
	cr_expect_eq(set("port", "addr", "198.18.0.2/33"), -EINVAL);
	cr_expect_eq(set("port", "addr", "198.18.0.2/0"), -EINVAL);
}

Test(config, ports)
{
	cr_expect_eq(set("listen", "ports", "80, 443,8080"), 0);
	cr_expect_eq(c->nlisten, 3);
	cr_expect_eq(c->listen[1], 443);
	cr_expect_eq(set("listen", "ports", "80,80"), -EINVAL);
	cr_expect_eq(set("listen", "ports", "0"), -EINVAL);
	cr_expect_eq(set("listen", "ports", "65536"), -EINVAL);
	cr_expect_eq(set("listen", "ports", ""), -EINVAL);
}

/* Cross-key checks and the derived listener map. */
Test(config, finish)
{
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), -EINVAL, "addr is required");
	set("port", "addr", "198.18.0.2/24");
	set("timers", "rto_max_ms", "100");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), -EINVAL);
	set("timers", "rto_max_ms", "60000");
	set("tables", "syn_backlog", "70000");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), -EINVAL);
	set("tables", "syn_backlog", "100");
	set("syncookies", "rekey_s", "119");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err,
			 "syncookies.rekey_s: 119 is below 120, cookies are valid for up to 68 s");
	set("syncookies", "rekey_s", "0");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), 0, "0 = never rotate: %s", err);
	set("syncookies", "rekey_s", "120");
	set("workers", "lcores", "0@0,1@0,2@1");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	set("workers", "lcores", "0-2; rm -rf /");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "workers.lcores: expected an EAL --lcores list such as 0-2 or "
			      "0@0,1@0,2@1, got '0-2; rm -rf /'");
	set("workers", "lcores", "");
	set("stats", "prometheus", "localhost:9464");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err,
			 "stats.prometheus: expected A.B.C.D:PORT or off, got 'localhost:9464'");
	set("stats", "prometheus", "127.0.0.1:0");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), -EINVAL, "port 0");
	set("stats", "prometheus", "off");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c->prom_port, 0);
	set("stats", "prometheus", "10.1.2.3:9100");
	set("listen", "ports", "80,81");
	set("listen", "app", "echo");
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c->prom_addr, htonl(0x0a010203));
	cr_expect_eq(c->prom_port, 9100);
	cr_expect_eq(c->nlisteners, 2);
	cr_expect_eq(listener_of(80), 1);
	cr_expect_eq(listener_of(81), 2);
	cr_expect_eq(listener_of(82), 0);
	cr_expect_eq(c->listeners[1].app, PCL_APP_ECHO);
}

static const char *
write_file(const char *text)
{
	static char path[] = "/tmp/pcl-config-XXXXXX";
	int fd;

	strcpy(path, "/tmp/pcl-config-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

Test(config, load_file)
{
	const char *p =
		write_file("; comment\n[port]\naddr = 10.1.2.3/16\n[timers]\nmsl_ms = 500\n");

	cr_expect_eq(pcl_config_load(c, p), 0);
	cr_expect_eq(c->addr, htonl(0x0a010203));
	cr_expect_eq(c->tcp.msl_ms, 500);
	unlink(p);
	cr_expect_eq(pcl_config_load(c, "/nonexistent/pcl.conf"), -ENOENT);
}

/*
 * An error between keys names the file line that set one of them; once an
 * option sets the key instead, the line is gone.
 */
Test(config, cross_key_errors_name_the_line)
{
	const char *p = write_file("[port]\naddr = 10.1.2.3/16\n[tables]\nconns = 100\n"
				   "syn_backlog = 200\n");
	char want[512];

	cr_assert_eq(pcl_config_load(c, p), 0);
	cr_expect_neq(pcl_config_finish(c, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:5: tables.syn_backlog: 200 exceeds tables.conns 100", p);
	cr_expect_str_eq(err, want);
	set("tables", "syn_backlog", "300");
	cr_expect_neq(pcl_config_finish(c, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:4: tables.syn_backlog: 300 exceeds tables.conns 100", p);
	cr_expect_str_eq(err, want, "the other key's line");
	set("tables", "conns", "150");
	cr_expect_neq(pcl_config_finish(c, err, sizeof(err)), 0);
	cr_expect_str_eq(err, "tables.syn_backlog: 300 exceeds tables.conns 150");
	unlink(p);
}

/* Held segments are received mbufs: at most half the pool may wait for backends. */
Test(config, held_segments_leave_mbufs_to_receive)
{
	const char *p = write_file("[port]\naddr = 10.1.2.3/16\nmbufs = 2048\n[tables]\n"
				   "held = 1025\n");
	char want[512];

	cr_assert_eq(pcl_config_load(c, p), 0);
	cr_expect_neq(pcl_config_finish(c, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:5: tables.held: 1025 exceeds half of port.mbufs 2048", p);
	cr_expect_str_eq(err, want);
	set("tables", "held", "1024");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	unlink(p);
}

/* Loads text with stderr captured into out; returns what pcl_config_load() did. */
static int
load_errors(const char *text, char *out, size_t len)
{
	const char *p = write_file(text);
	FILE *f = tmpfile();
	int saved = dup(2), rc;
	size_t n;

	cr_assert_not_null(f);
	fflush(stderr);
	dup2(fileno(f), 2);
	rc = pcl_config_load(c, p);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	n = fread(out, 1, len - 1, f);
	out[n] = '\0';
	fclose(f);
	unlink(p);
	return rc;
}

static unsigned int
count_lines(const char *s)
{
	unsigned int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Every bad line is reported as FILE:LINE: section.key: problem, not just the first. */
Test(config, load_reports_every_error)
{
	char out[2048];

	cr_expect_eq(load_errors("mtu = 1500\n"
				 "[port]\n"
				 "addr = 198.18.0.2\n"
				 "mtu = big\n"
				 "mtu = 100\n"
				 "colour = red\n"
				 "this is not ini\n"
				 "[timers\n"
				 "[tcp]\n"
				 "wscale = 15\n"
				 "rcv_wnd = 0x10000\n",
				 out, sizeof(out)),
		     -EINVAL);
	cr_expect(strstr(out, ":1: mtu: before any [section]\n") != NULL, "%s", out);
	cr_expect(strstr(out, ":3: port.addr: expected A.B.C.D/LEN, got '198.18.0.2' (needs "
			      "/LEN, e.g. /24)\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, ":4: port.mtu: 'big' is not an integer in 576..9000\n") != NULL,
		  "non-numeric: %s", out);
	cr_expect(strstr(out, ":5: port.mtu: '100' is not an integer in 576..9000\n") != NULL,
		  "out of range: %s", out);
	cr_expect(strstr(out, ":6: port.colour: unknown key\n") != NULL, "%s", out);
	cr_expect(strstr(out, ":7: syntax error: expected [section] or key = value\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, ":8: syntax error: expected [section] or key = value\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, ":10: tcp.wscale: '15' is not an integer in 0..14\n") != NULL, "%s",
		  out);
	cr_expect_eq(count_lines(out), 8, "each error once, nothing else: %s", out);
	cr_expect_eq(c->tcp.rcv_wnd, 0x10000, "good lines still apply");
}

/* An unknown section is reported once, at its header, not for each of its keys. */
Test(config, unknown_and_bad_sections)
{
	char out[2048];

	cr_expect_eq(load_errors("[bogus]\n"
				 "key = 1\n"
				 "[listen:http]\n"
				 "app = echo\n"
				 "[listen:0]\n"
				 "[listen:65536]\n"
				 "[listen:]\n"
				 "[port]\n"
				 "mtu = 9000\n",
				 out, sizeof(out)),
		     -EINVAL);
	cr_expect(strstr(out, ":1: bogus: unknown section\n") != NULL, "%s", out);
	cr_expect(strstr(out, ":3: listen:http: 'http' is not a port 1..65535\n") != NULL, "%s",
		  out);
	cr_expect(strstr(out, ":5: listen:0: '0' is not a port 1..65535\n") != NULL, "%s", out);
	cr_expect(strstr(out, ":6: listen:65536: '65536' is not a port 1..65535\n") != NULL, "%s",
		  out);
	cr_expect(strstr(out, ":7: listen:: '' is not a port 1..65535\n") != NULL, "%s", out);
	cr_expect_eq(count_lines(out), 5, "%s", out);
	cr_expect_eq(c->nsections, 0);
	cr_expect_eq(c->port.mtu, 9000);
}

/* A port given twice, in ports and/or [listen:PORT] sections, is refused where it repeats. */
Test(config, overlapping_listeners)
{
	char out[2048];

	cr_expect_eq(load_errors("[listen]\n"
				 "ports = 80,81\n"
				 "[listen:81]\n"
				 "app = echo\n"
				 "[listen:8080]\n"
				 "[listen:8080]\n"
				 "[listen]\n"
				 "ports = 443,8080\n"
				 "ports = 443,443\n",
				 out, sizeof(out)),
		     -EINVAL);
	cr_expect(strstr(out, ":3: listen: port 81 given twice\n") != NULL, "%s", out);
	cr_expect(strstr(out, ":6: listen: port 8080 given twice\n") != NULL, "%s", out);
	cr_expect(strstr(out, ":8: listen.ports: port 8080 given twice\n") != NULL, "%s", out);
	cr_expect(strstr(out, ":9: listen.ports: port 443 given twice\n") != NULL, "%s", out);
	cr_expect_eq(count_lines(out), 4, "%s", out);
}

/* [listen:PORT] sections: their own app and body size, or [listen] app and [http] body_size. */
Test(config, listeners)
{
	cr_expect_eq(set("listen", "ports", "80,81"), 0);
	cr_expect_eq(set("listen:8080", "app", "echo"), 0, "a section starts on its first key");
	cr_expect_eq(set("listen:8080", "body_size", "100"), 0);
	cr_expect_eq(pcl_config_section(c, "listen:8081", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(set("listen:8082", "body_size", "1048577"), -EINVAL);
	cr_expect_str_eq(err, "listen:8082.body_size: '1048577' is not an integer in 0..1048576");
	cr_expect_eq(set("listen:8080", "ports", "1"), -ENOENT);
	cr_expect_str_eq(err, "listen:8080.ports: unknown key");
	cr_expect_eq(set("listen:x", "app", "echo"), -EINVAL);
	cr_expect_str_eq(err, "listen:x: 'x' is not a port 1..65535");
	cr_expect_eq(set("bogus", "app", "echo"), -ENOENT);
	cr_expect_str_eq(err, "bogus.app: unknown section");
	cr_expect_eq(set("listen", "app", "discard"), 0, "after the sections: still their default");
	cr_expect_eq(set("http", "body_size", "5"), 0);
	set("port", "addr", "198.18.0.2/24");
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->nlisteners, 5);
	cr_expect_eq(c->listeners[0].port, 80);
	cr_expect_eq(c->listeners[0].app, PCL_APP_DISCARD);
	cr_expect_eq(c->listeners[0].body_size, 5);
	cr_expect_eq(c->listeners[2].port, 8080);
	cr_expect_eq(c->listeners[2].app, PCL_APP_ECHO);
	cr_expect_eq(c->listeners[2].body_size, 100);
	cr_expect_eq(c->listeners[3].port, 8081);
	cr_expect_eq(c->listeners[3].app, PCL_APP_DISCARD);
	cr_expect_eq(c->listeners[3].body_size, 5);
	cr_expect_eq(c->listeners[4].port, 8082, "started by the refused key");
	cr_expect_eq(listener_of(8080), 3);
	cr_expect_eq(listener_of(8083), 0);
}

/* listen:PORT.family: both by default; ipv6 alone needs an IPv6 address to serve. */
Test(config, listener_family)
{
	const char *p = write_file("[port]\naddr = 10.1.2.3/16\n[listen:8080]\napp = echo\n"
				   "family = ipv6\n[listen:8081]\nfamily = ipv4\n");
	char want[512];

	cr_expect_eq(set("listen:8082", "family", "ipv5"), -EINVAL);
	cr_expect_str_eq(err, "listen:8082.family: 'ipv5' is not one of both|ipv4|ipv6");
	cr_assert_eq(pcl_config_load(c, p), 0);
	cr_expect_neq(pcl_config_finish(c, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s:4: listen:8080.family: ipv6 needs port.addr6", p);
	cr_expect_str_eq(err, want);
	cr_expect_eq(set("port", "addr6", "fd00::2/64"), 0);
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(c->nlisteners, 3);
	cr_expect_eq(c->listeners[0].family, PCL_FAMILY_BOTH, "started by the refused key");
	cr_expect_eq(c->listeners[1].family, PCL_FAMILY_IPV6);
	cr_expect_eq(c->listeners[2].family, PCL_FAMILY_IPV4);
	unlink(p);
}

/* Without ports, port 80 is the default only when no [listen:PORT] section names a port. */
Test(config, sections_replace_default_port)
{
	set("port", "addr", "198.18.0.2/24");
	cr_expect_eq(pcl_config_section(c, "listen:80", err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(pcl_config_section(c, "listen:443", err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c->nlisteners, 2);
	cr_expect_eq(c->listeners[0].port, 80);
	cr_expect_eq(c->listeners[1].port, 443);

	pcl_config_defaults(c);
	set("port", "addr", "198.18.0.2/24");
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c->nlisteners, 1);
	cr_expect_eq(listener_of(80), 1);
}

/* port.queues: every worker lcore needs a queue pair of its own. */
Test(config, workers_and_queues)
{
	cr_expect_eq(pcl_config_check_workers(c, 8, err, sizeof(err)), 0, "0: one per worker");
	set("port", "queues", "2");
	cr_expect_eq(pcl_config_check_workers(c, 1, err, sizeof(err)), 0);
	cr_expect_eq(pcl_config_check_workers(c, 2, err, sizeof(err)), 0);
	cr_expect_eq(pcl_config_check_workers(c, 3, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(
		err, "port.queues: 2 queues for 3 workers; every worker needs its own queue pair");
	cr_expect_eq(set("port", "queues", "1025"), -EINVAL);
}

/* Every example in conf/ loads and passes the cross-key checks. */
Test(config, conf_examples_load)
{
	glob_t g;
	size_t i;

	cr_assert_eq(glob(PCL_CONF_DIR "/*.conf", 0, NULL, &g), 0, "no %s/*.conf", PCL_CONF_DIR);
	cr_expect_geq(g.gl_pathc, 4, "portcullis, tap-demo, memif-bench, lb-frontend");
	for (i = 0; i < g.gl_pathc; i++) {
		pcl_config_defaults(c);
		cr_expect_eq(pcl_config_load(c, g.gl_pathv[i]), 0, "%s", g.gl_pathv[i]);
		cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s: %s", g.gl_pathv[i],
			     err);
	}
	globfree(&g);
}

static void
collect(void *arg, const char *section, const char *key, const char *text, const uint64_t *num)
{
	char *out = arg;
	size_t n = strlen(out);

	snprintf(out + n, 4096 - n, "%s.%s=%s%s;", section, key, text, num ? "#" : "");
}

/* foreach visits every key with its value as text, numeric keys marked. */
Test(config, foreach_reports_every_key)
{
	static char out[4096];

	set("port", "addr", "198.18.0.2/24");
	set("listen", "ports", "80,8080");
	set("listen:8081", "body_size", "100");
	pcl_config_foreach(c, collect, out);
	cr_expect(strstr(out, "listen:8081.app=http;listen:8081.body_size=100#;") != NULL, "%s",
		  out);
	cr_expect(strstr(out, "port.addr=198.18.0.2/24;") != NULL, "%s", out);
	cr_expect(strstr(out, "listen.ports=80,8080;") != NULL, "%s", out);
	cr_expect(strstr(out, "listen.app=http;") != NULL, "%s", out);
	cr_expect(strstr(out, "port.mtu=1500#;") != NULL, "%s", out);
	cr_expect(strstr(out, "timers.msl_ms=30000#;") != NULL, "%s", out);
	cr_expect(strstr(out, "stats.log_interval_s=10#;") != NULL, "%s", out);
}

/* What describe saw: every key settable to its default, each with one line of help. */
static void
check_described(void *arg, const char *key, const char *dflt, bool is_value, const char *values,
		const char *help)
{
	unsigned int *n = arg;
	char section[64];
	const char *dot = strrchr(key, '.');

	(*n)++;
	cr_assert(dot != NULL, "%s: no section", key);
	cr_expect(help != NULL && help[0] != '\0' && strchr(help, '\n') == NULL,
		  "%s: help must be one line", key);
	cr_expect(values[0] != '\0' && dflt[0] != '\0', "%s: no values or no default", key);
	snprintf(section, sizeof(section), "%.*s", (int)(dot - key), key);
	if (strcmp(section, "listen:PORT") == 0)
		strcpy(section, "listen:8080");
	if (strcmp(section, "service:PORT") == 0)
		strcpy(section, "service:8081");
	/* A default shown as a value is one the key accepts; a key with one in words is known. */
	if (is_value)
		cr_expect_eq(set(section, dot + 1, dflt), 0, "%s = %s: %s", key, dflt, err);
	else
		cr_expect_neq(set(section, dot + 1, "?"), -ENOENT, "%s: unknown key", key);
}

/* pcl_config_describe (portcullis --list-config-keys) covers every key the loader takes. */
Test(config, describe_every_key)
{
	unsigned int n = 0;

	cr_assert_eq(pcl_config_describe(check_described, &n), 0);
	/*
	 * keys[] (PCL_CONFIG_KEYS bounds them), the two [listen:PORT] keys and
	 * the [service:PORT] keys (each service keeps one line, so no bound there
	 * but this one).
	 */
	cr_expect_gt(n, 2);
	cr_expect_leq(n, PCL_CONFIG_KEYS + 2 + 32);
}

/* A service and its backends, one-arm and two-arm; the runtime tables they make. */
Test(config, services)
{
	const char *p = write_file("[port]\naddr = 198.18.0.2/24\n"
				   "[port:backend]\naddr = 198.18.1.1/24\ndevice = net_tap1\n"
				   "[service:80]\nbackend = 198.18.1.12:8080 weight=50\n"
				   "backend = 198.18.1.11:8080\n"
				   "backend = 198.18.0.13:81 weight=0\n"
				   "table_size = 1009\nseed = 7\nredispatch = 1\n"
				   "[listen:8080]\napp = echo\n");
	struct pcl_lb_if ifs[PCL_MAX_IFS];
	struct pcl_services *sv = calloc(1, sizeof(*sv));
	struct pcl_apps apps;
	const struct pcl_service *s;
	unsigned int i, count[3] = {0};

	cr_assert_eq(pcl_config_load(c, p), 0);
	unlink(p);
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c->nservices, 1);
	cr_expect_eq(c->nlisteners, 1, "no default port 80 listener beside a service");
	cr_expect_eq(pcl_config_nports(c), 2);
	cr_expect_eq(c->services[0].nbackends, 3);
	cr_expect_eq(c->services[0].backends[0].weight, 50);
	cr_expect_eq(c->services[0].backends[1].weight, 100);
	cr_expect_eq(c->services[0].syn_retries, 3, "a default");
	cr_assert_eq(pcl_apps_init(&apps, c->listeners, c->nlisteners), 0);
	pcl_config_lb_ifs(c, ifs);
	cr_assert_not_null(sv);
	cr_assert_eq(pcl_services_init(sv, c->services, c->nservices, ifs, 2, &apps.listeners), 0);
	s = &sv->svc[0];
	cr_expect_eq(apps.listeners.n, 2);
	cr_expect_eq(apps.listeners.by_port[80], 2 | PCL_BY_PORT_ONE_FAMILY, "an IPv4 service");
	cr_expect_eq(apps.listeners.l[1].app_data, s);
	cr_expect_eq(s->vip, RTE_BE32(0xc6120002), "the port's address");
	cr_expect_eq(s->backends[0].ifx, 1, "on port:backend's subnet");
	cr_expect_eq(s->backends[2].ifx, 0, "on port's subnet (one-arm)");
	cr_expect_eq(sv->neigh.n, 3);
	for (i = 0; i < s->table_size; i++)
		count[s->table[i]]++;
	cr_expect_eq(count[2], 0, "weight 0 takes no slot");
	cr_expect(count[0] > 300 && count[0] < 372 && count[1] > 640, "50:100 -> %u:%u", count[0],
		  count[1]);
	pcl_services_fini(sv);
	pcl_apps_fini(&apps);
	free(sv);
}

/* Bad service and backend lines are FILE:LINE errors, each one. */
Test(config, service_errors)
{
	char out[2048];

	cr_expect_eq(load_errors("[port]\naddr = 198.18.0.2/24\n"
				 "[service:0]\n"
				 "[service:80]\n"
				 "backend = 198.18.0.11\n"
				 "backend = 198.18.0.11:0\n"
				 "backend = 198.18.0.x:80\n"
				 "backend = 198.18.0.11:80 weight=heavy\n"
				 "backend = 198.18.0.11:80\n"
				 "backend = 198.18.0.11:80\n"
				 "scheduler = random\n"
				 "vip = 198.18.0\n",
				 out, sizeof(out)),
		     -EINVAL);
	cr_expect(strstr(out, ":3: service:0: '0' is not a port 1..65535\n") != NULL, "%s", out);
	cr_expect(strstr(out, ":5: service:80.backend: expected A.B.C.D:PORT or [IPv6]:PORT (port "
			      "1..65535) [weight=N], got '198.18.0.11'\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, ":6: service:80.backend: expected A.B.C.D:PORT or [IPv6]:PORT (port "
			      "1..65535) [weight=N], got '198.18.0.11:0'\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, ":7: service:80.backend: expected A.B.C.D:PORT or [IPv6]:PORT (port "
			      "1..65535) [weight=N], got '198.18.0.x:80'\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, ":8: service:80.backend: 'weight=heavy' is not weight=N "
			      "(0..1000000)\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, ":10: service:80.backend: '198.18.0.11:80' is given twice\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, ":11: service:80.scheduler: 'random' is not one of maglev\n") != NULL,
		  "%s", out);
	cr_expect(strstr(out, ":12: service:80.vip: '198.18.0' is not an IPv4 address\n") != NULL,
		  "%s", out);
	cr_expect_eq(count_lines(out), 8, "each error once: %s", out);
}

/* Errors between a service's keys, and with the ports, name the section's first line. */
static void
expect_finish_error(const char *text, const char *want_suffix)
{
	const char *p = write_file(text);
	char want[512];

	pcl_config_defaults(c);
	cr_assert_eq(pcl_config_load(c, p), 0, "%s", text);
	cr_expect_neq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", text);
	snprintf(want, sizeof(want), "%s:%s", p, want_suffix);
	cr_expect_str_eq(err, want);
	unlink(p);
}

/* s has want's health and front-end keys (check_path apart: a string). */
#define HEALTH_KEYS(X)                                                                             \
	X(check);                                                                                  \
	X(check_interval_ms);                                                                      \
	X(check_timeout_ms);                                                                       \
	X(check_rise);                                                                             \
	X(check_fall);                                                                             \
	X(check_port);                                                                             \
	X(check_status);                                                                           \
	X(passive_down_ms);                                                                        \
	X(passive_down_max_ms);                                                                    \
	X(on_backend_down);                                                                        \
	X(proxy_protocol)
#define EXPECT_KEY(k) cr_expect_eq(s->k, want->k, "service:%u." #k, s->port)

static void
expect_health_keys(const struct pcl_service_conf *s, const struct pcl_service_conf *want)
{
	HEALTH_KEYS(EXPECT_KEY);
	cr_expect_str_eq(s->check_path, want->check_path, "service:%u", s->port);
}

/* The health and front-end keys of a service (issue 18), and their defaults. */
Test(config, service_health_keys)
{
	static const struct pcl_service_conf given = {
		.check = PCL_CHECK_HTTP,
		.check_interval_ms = 500,
		.check_timeout_ms = 250,
		.check_rise = 2,
		.check_fall = 4,
		.check_port = 8081,
		.check_path = "/healthz?full=1",
		.check_status = 204,
		.on_backend_down = PCL_ON_DOWN_RESET,
		.proxy_protocol = PCL_PP_V2,
	};
	struct pcl_service_conf dflt;
	const char *p = write_file("[port]\naddr = 198.18.0.2/24\n"
				   "[service:80]\nbackend = 198.18.0.11:8080\n"
				   "check = http\ncheck_interval_ms = 500\ncheck_timeout_ms = 250\n"
				   "check_rise = 2\ncheck_fall = 4\ncheck_port = 8081\n"
				   "check_path = /healthz?full=1\ncheck_status = 204\n"
				   "passive_down_ms = 0\npassive_down_max_ms = 0\n"
				   "on_backend_down = reset\nproxy_protocol = v2\n"
				   "[service:81]\nbackend = 198.18.0.11:8080\n");

	cr_assert_eq(pcl_config_load(c, p), 0);
	unlink(p);
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	expect_health_keys(&c->services[0], &given);
	pcl_service_conf_defaults(&dflt, 81);
	expect_health_keys(&c->services[1], &dflt);
	/* GLB's: every 2 s, 1 s to answer, 3 and 3; passive checks on; nothing else. */
	cr_expect(dflt.check == PCL_CHECK_NONE && dflt.check_interval_ms == 2000 &&
			  dflt.check_timeout_ms == 1000 && dflt.check_rise == 3 &&
			  dflt.check_fall == 3 && strcmp(dflt.check_path, "/") == 0 &&
			  dflt.check_status == 200 && dflt.passive_down_ms == 5000 &&
			  dflt.passive_down_max_ms == 60000 &&
			  dflt.on_backend_down == PCL_ON_DOWN_KEEP &&
			  dflt.proxy_protocol == PCL_PP_OFF,
		  "the defaults");
}

Test(config, service_health_key_errors)
{
	static const char *const want[] = {
		":5: service:80.check: 'icmp' is not one of",
		":6: service:80.check_interval_ms: ",
		":7: service:80.check_rise: ",
		":8: service:80.check_status: ",
		":9: service:80.on_backend_down: 'drop' is not one of",
		":10: service:80.proxy_protocol: 'v3' is not one of",
	};
	char out[2048];
	unsigned int k;

	cr_expect_eq(load_errors("[port]\naddr = 198.18.0.2/24\n"
				 "[service:80]\nbackend = 198.18.0.11:80\n"
				 "check = icmp\n"
				 "check_interval_ms = 99\n"
				 "check_rise = 0\n"
				 "check_status = 600\n"
				 "on_backend_down = drop\n"
				 "proxy_protocol = v3\n",
				 out, sizeof(out)),
		     -EINVAL);
	for (k = 0; k < RTE_DIM(want); k++)
		cr_expect(strstr(out, want[k]) != NULL, "no '%s' in %s", want[k], out);
	cr_expect_eq(count_lines(out), RTE_DIM(want), "each error once: %s", out);

	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[service:80]\n"
			    "backend = 198.18.0.11:80\ncheck_timeout_ms = 2000\n",
			    "4: service:80.check_timeout_ms: 2000 is not below check_interval_ms "
			    "2000");
	expect_finish_error(
		"[port]\naddr = 198.18.0.2/24\n[service:80]\n"
		"backend = 198.18.0.11:80\npassive_down_ms = 9000\n"
		"passive_down_max_ms = 8000\n",
		"4: service:80.passive_down_max_ms: 8000 is below passive_down_ms 9000");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[service:80]\n"
			    "backend = 198.18.0.11:80\ncheck_path = healthz\n",
			    "4: service:80.check_path: 'healthz' is not an absolute path without "
			    "spaces");
}

Test(config, service_cross_checks)
{
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[service:80]\nseed = 1\n",
			    "4: service:80: no backend (backend = A.B.C.D:PORT)");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[service:80]\n"
			    "backend = 198.18.0.11:80\ntable_size = 102\n",
			    "4: service:80.table_size: 102 is not a prime above 100 x 1 backends");
	expect_finish_error(
		"[port]\naddr = 198.18.0.2/24\n[service:80]\n"
		"backend = 198.18.0.11:80\nbackend = 198.18.0.12:80\ntable_size = 199\n",
		"4: service:80.table_size: 199 is not a prime above 100 x 2 backends");
	expect_finish_error(
		"[port]\naddr = 198.18.0.2/24\n[service:80]\n"
		"backend = 10.0.0.11:80\n",
		"4: service:80.backend: 10.0.0.11 is on the subnet of neither port.addr "
		"nor port:backend.addr");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[service:80]\n"
			    "backend = 198.18.0.2:80\n",
			    "4: service:80.backend: 198.18.0.2 is our own address");
	expect_finish_error(
		"[port]\naddr = 198.18.0.2/24\n[service:80]\n"
		"backend = 198.18.0.11:80\nvip = 198.18.0.3\n",
		"4: service:80.vip: 198.18.0.3 is not port.addr 198.18.0.2 (one address a "
		"port)");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[listen]\nports = 80\n[service:80]\n"
			    "backend = 198.18.0.11:80\n",
			    "6: service:80: port 80 is a [listen] port too");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[port:backend]\ndevice = net_tap1\n",
			    "4: port:backend.addr: required with port:backend.device");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\naddr6 = fd00:18::2/64\n[service:80]\n"
			    "backend = [fd00:18::11]:80\nbackend = 198.18.0.12:80\n",
			    "5: service:80.backend: 198.18.0.12 is not of the family of the IPv6 "
			    "ones: a service's backends are all IPv4 or all IPv6");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\naddr6 = fd00:18::2/64\n[service:80]\n"
			    "backend = [fd00:18::11]:80\nvip = 198.18.0.2\n",
			    "5: service:80.vip: an IPv6 service's clients connect to port.addr6");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[service:80]\n"
			    "backend = [fd00:18::11]:80\n",
			    "4: service:80.backend: fd00:18::11 is on the subnet of neither "
			    "port.addr6 nor port:backend.addr6");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\naddr6 = fd00:18::2/64\n[service:80]\n"
			    "backend = [fd00:18::2]:80\n",
			    "5: service:80.backend: fd00:18::2 is our own address");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[port:backend]\ndevice = net_tap1\n"
			    "addr = 198.18.1.1/24\naddr6 = fd00:18:1::1/64\n",
			    "6: port:backend.addr6: needs port:backend.addr and port.addr6");
}

/* IPv6 backends: one-arm on port.addr6's subnet, two-arm on port:backend.addr6's. */
Test(config, ipv6_services)
{
	const char *p =
		write_file("[port]\naddr = 198.18.0.2/24\naddr6 = fd00:18::2/64\n"
			   "[port:backend]\ndevice = net_tap1\naddr = 198.18.1.1/24\n"
			   "addr6 = fd00:18:1::1/64\n[service:80]\n"
			   "backend = [fd00:18:1::11]:8080\nbackend = [fd00:18::12]:8080\n");
	struct pcl_lb_if ifs[PCL_MAX_IFS];
	char text[64];

	cr_assert_eq(pcl_config_load(c, p), 0);
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	pcl_config_lb_ifs(c, ifs);
	cr_expect_eq(pcl_lb_if_of(ifs, 2, &c->services[0].backends[0].addr), 1, "behind the arm");
	cr_expect_eq(pcl_lb_if_of(ifs, 2, &c->services[0].backends[1].addr), 0, "one-arm");
	pcl_backend_format(&c->services[0].backends[0], text, sizeof(text));
	cr_expect_str_eq(text, "[fd00:18:1::11]:8080 weight=100");
	unlink(p);
}

/* IPv6 alone: port.addr may go when port.addr6 is set; what needs IPv4 says so. */
Test(config, ipv6_only)
{
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "port.addr: required (A.B.C.D/LEN) unless port.addr6 is set, e.g. "
			      "--addr 198.18.0.2/24");
	cr_assert_eq(set("port", "addr6", "fd00:18::2/64"), 0);
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(c->addr, 0);
	expect_finish_error("[port]\naddr6 = fd00:18::2/64\n[listen:8080]\nfamily = ipv4\n",
			    "4: listen:8080.family: ipv4 needs port.addr");
	expect_finish_error("[port]\naddr6 = fd00:18::2/64\n[service:80]\n"
			    "backend = 0.0.0.11:80\n",
			    "4: service:80.backend: 0.0.0.11 is on the subnet of neither port.addr "
			    "nor port:backend.addr");
}

/* port.local_addrs: addresses and ranges, in order, and what a port's worker is given. */
Test(config, local_addrs)
{
	struct pcl_worker_conf wc;
	struct pcl_lb_if ifs[PCL_MAX_IFS];
	struct pcl_addr a = pcl_addr_from4(RTE_BE32(0xc6120015)); /* 198.18.0.21 */
	static char text[4096];

	cr_assert_eq(set("port", "addr", "198.18.0.2/24"), 0);
	cr_assert_eq(set("port", "local_addrs", "198.18.0.20-198.18.0.22, 198.18.0.30"), 0, "%s",
		     err);
	cr_assert_eq(c->laddrs.n, 4);
	cr_expect_eq(c->laddrs.a[0], RTE_BE32(0xc6120014));
	cr_expect_eq(c->laddrs.a[2], RTE_BE32(0xc6120016));
	cr_expect_eq(c->laddrs.a[3], RTE_BE32(0xc612001e));
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	wc = pcl_config_worker(c, &(struct pcl_apps){0}, NULL, NULL, NULL, (uint16_t[]){0}, 0, 0);
	cr_expect_eq(wc.ifs[0].local.n, 4);
	cr_expect_eq(wc.ifs[0].local.a[3], RTE_BE32(0xc612001e));
	pcl_config_lb_ifs(c, ifs);
	cr_expect(pcl_lb_if_ours(ifs, 1, &a), "a local address is ours: no backend there");
	cr_assert_eq(set("port", "local_addrs", "198.18.0.9"), 0, "%s", err);
	cr_expect_eq(c->laddrs.n, 1, "a new value replaces the list");
	cr_assert_eq(set("port", "local_addrs", "198.18.0.9-198.18.0.9,198.18.0.7"), 0);
	pcl_config_foreach(c, collect, text);
	cr_expect(strstr(text, "port.local_addrs=198.18.0.9,198.18.0.7;port.mtu") != NULL, "%s",
		  text);
	cr_assert_eq(set("port", "local_addrs", "198.18.0.1-198.18.0.64"), 0, "64 at most: %s",
		     err);
	cr_expect_eq(c->laddrs.n, 64);
}

Test(config, local_addrs_errors)
{
	static const struct {
		const char *value, *err;
	} bad[] = {
		{"198.18.0", "port.local_addrs: '198.18.0' is not an IPv4 address"},
		{"198.18.0.20-x", "port.local_addrs: 'x' is not an IPv4 address"},
		{"198.18.0.22-198.18.0.20", "port.local_addrs: range 198.18.0.22-198.18.0.20 goes "
					    "down"},
		{"198.18.0.20,198.18.0.19-198.18.0.21",
		 "port.local_addrs: 198.18.0.20 is given twice"},
		{"198.18.0.1-198.18.0.65", "port.local_addrs: more than 64 addresses"},
		{"0.0.0.0-255.255.255.255", "port.local_addrs: more than 64 addresses"},
		{",", "port.local_addrs: no address given"},
	};
	unsigned int i;

	cr_assert_eq(set("port", "local_addrs", "198.18.0.20"), 0);
	for (i = 0; i < RTE_DIM(bad); i++) {
		cr_expect_eq(set("port", "local_addrs", bad[i].value), -EINVAL, "%s", bad[i].value);
		cr_expect_str_eq(err, bad[i].err);
	}
	cr_expect_eq(c->laddrs.n, 1, "a bad value changes nothing");
	cr_expect_eq(set("port:backend", "local_addrs", "198.18.1"), -EINVAL);
	cr_expect_str_eq(err, "port:backend.local_addrs: '198.18.1' is not an IPv4 address");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\nlocal_addrs = 198.18.1.20\n",
			    "3: port.local_addrs: 198.18.1.20 is not a host address of the subnet "
			    "of port.addr 198.18.0.2/24");
	expect_finish_error(
		"[port]\naddr = 198.18.0.2/24\nlocal_addrs = 198.18.0.250-198.18.0.255\n",
		"3: port.local_addrs: 198.18.0.255 is not a host address of the "
		"subnet of port.addr 198.18.0.2/24");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\nlocal_addrs = 198.18.0.1-198.18.0.3\n",
			    "3: port.local_addrs: 198.18.0.2 is port.addr itself");
	expect_finish_error("[port]\naddr6 = fd00:18::2/64\nlocal_addrs = 198.18.0.3\n",
			    "3: port.local_addrs: needs port.addr");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[port:backend]\ndevice = net_tap1\n"
			    "addr = 198.18.1.1/24\nlocal_addrs = 198.18.0.20\n",
			    "6: port:backend.local_addrs: 198.18.0.20 is not a host address of the "
			    "subnet of port:backend.addr 198.18.1.1/24");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\n[port:backend]\nlocal_addrs = "
			    "198.18.1.20\n",
			    "4: port:backend.local_addrs: needs port:backend.addr");
	expect_finish_error("[port]\naddr = 198.18.0.2/24\nlocal_addrs = 198.18.0.20-198.18.0.21\n"
			    "[service:80]\nbackend = 198.18.0.21:80\n",
			    "5: service:80.backend: 198.18.0.21 is our own address");
}

/* What a reload may not change: every key outside the services, and the listeners. */
Test(config, changed_beyond_services)
{
	const char *base = "[port]\naddr = 198.18.0.2/24\nlocal_addrs = 198.18.0.20\n"
			   "[listen:8080]\napp = echo\n[service:80]\nbackend = 198.18.0.11:80\n";
	struct pcl_config *d = malloc(sizeof(*d));
	const char *p;
	char what[64];

	cr_assert_not_null(d);
	p = write_file(base);
	cr_assert_eq(pcl_config_load(c, p), 0);
	cr_assert_eq(pcl_config_finish(c, err, sizeof(err)), 0, "%s", err);
	pcl_config_defaults(d);
	cr_assert_eq(pcl_config_load(d, p), 0);
	cr_assert_eq(pcl_config_finish(d, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(pcl_config_changed(c, d, what, sizeof(what)), 0, "the same file: %s", what);

	/* A service's backends are what a reload changes. */
	cr_assert_eq(pcl_config_set(d, "service:80", "backend", "198.18.0.12:80", NULL, 0), 0);
	cr_expect_eq(pcl_config_changed(c, d, what, sizeof(what)), 0, "a backend: %s", what);

	cr_assert_eq(pcl_config_set(d, "port", "local_addrs", "198.18.0.21", NULL, 0), 0);
	cr_expect_eq(pcl_config_changed(c, d, what, sizeof(what)), 1);
	cr_expect_str_eq(what, "port.local_addrs");
	cr_assert_eq(pcl_config_set(d, "port", "local_addrs", "198.18.0.20", NULL, 0), 0);

	cr_assert_eq(pcl_config_set(d, "timers", "time_wait_ms", "1000", NULL, 0), 0);
	cr_expect_eq(pcl_config_changed(c, d, what, sizeof(what)), 1);
	cr_expect_str_eq(what, "timers.time_wait_ms");

	pcl_config_defaults(d);
	cr_assert_eq(pcl_config_load(d, p), 0);
	cr_assert_eq(pcl_config_finish(d, err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(d->listeners[0].port, 8080);
	d->listeners[0].app = PCL_APP_HTTP;
	cr_expect_eq(pcl_config_changed(c, d, what, sizeof(what)), 1);
	cr_expect_str_eq(what, "listen:8080");
	free(d);
	unlink(p);
}
