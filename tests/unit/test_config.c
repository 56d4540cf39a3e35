/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "pcl_config.h"

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
Test(config, defaults)
{
	cr_expect_eq(c->mtu, 1500);
	cr_expect_eq(c->nlisten, 1);
	cr_expect_eq(c->listen[0], 80);
	cr_expect_eq(c->app, PCL_APP_HTTP);
	cr_expect_eq(c->syncookies, PCL_COOKIES_AUTO);
	cr_expect_eq(c->cookie_threshold, 1024);
	cr_expect_eq(c->cookie_rekey_s, 600);
	cr_expect_eq(c->msl_ms, 30000);
	cr_expect_eq(c->rto_ms, 1000);
	cr_expect_eq(c->conns, 65536);
	cr_expect_eq(c->addr, 0, "no default address");
}

/* Each kind of key sets its field; out of range and garbage are refused with the key named. */
Test(config, set_values)
{
	cr_expect_eq(set("port", "mtu", "9000"), 0);
	cr_expect_eq(c->mtu, 9000);
	cr_expect_eq(set("timers", "msl_ms", "0x10"), 0);
	cr_expect_eq(c->msl_ms, 16);
	cr_expect_eq(set("port", "mtu", "9001"), -EINVAL);
	cr_expect_str_eq(err, "port.mtu: '9001' is not an integer in 576..9000");
	cr_expect_eq(set("timers", "msl_ms", "-1"), -EINVAL);
	cr_expect_eq(set("timers", "msl_ms", "12abc"), -EINVAL);
	cr_expect_eq(set("timers", "msl_ms", ""), -EINVAL);
	cr_expect_eq(set("port", "device", "net_tap0,iface=x"), 0);
	cr_expect_str_eq(c->device, "net_tap0,iface=x");
	cr_expect_eq(set("syncookies", "mode", "always"), 0);
	cr_expect_eq(c->syncookies, PCL_COOKIES_ALWAYS);
	cr_expect_eq(set("syncookies", "mode", "sometimes"), -EINVAL);
	cr_expect_str_eq(err, "syncookies.mode: 'sometimes' is not one of off|auto|always");
	cr_expect_eq(set("syncookies", "threshold", "0"), -EINVAL);
	cr_expect_eq(set("syncookies", "threshold", "64"), 0);
	cr_expect_eq(c->cookie_threshold, 64);
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
	cr_expect_str_eq(err, "syncookies.rekey_s: 119 is below 120, cookies are valid for up to 68 s");
	set("syncookies", "rekey_s", "0");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), 0, "0 = never rotate: %s", err);
	set("syncookies", "rekey_s", "120");
	set("stats", "prometheus", "localhost:9464");
	cr_expect_eq(pcl_config_finish(c, err, sizeof(err)), -EINVAL);
	cr_expect_str_eq(err, "stats.prometheus: expected A.B.C.D:PORT or off, got 'localhost:9464'");
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
	cr_expect_eq(c->listen_app[80], PCL_APP_ECHO + 1);
	cr_expect_eq(c->listen_app[81], PCL_APP_ECHO + 1);
	cr_expect_eq(c->listen_app[82], 0);
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
	cr_expect_eq(c->msl_ms, 500);
	unlink(p);
	cr_expect_eq(pcl_config_load(c, "/nonexistent/pcl.conf"), -ENOENT);
}

/* Every bad line is reported as FILE:LINE: key: problem, not just the first. */
Test(config, load_reports_every_error)
{
	const char *p;
	char out[1024] = {0};
	FILE *f = tmpfile();
	int saved = dup(2);

	p = write_file("[port]\naddr = 1.2.3.4\n\n[tcp]\nbogus = 1\nwscale = 15\n");
	fflush(stderr);
	dup2(fileno(f), 2);
	cr_expect_eq(pcl_config_load(c, p), -EINVAL);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(f);
	cr_assert_gt(fread(out, 1, sizeof(out) - 1, f), 0);
	fclose(f);
	cr_expect(strstr(out, ":2: port.addr: expected A.B.C.D/LEN") != NULL, "%s", out);
	cr_expect(strstr(out, ":5: tcp.bogus: unknown key") != NULL, "%s", out);
	cr_expect(strstr(out, ":6: tcp.wscale: '15' is not an integer in 0..14") != NULL, "%s",
		  out);
	unlink(p);
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
	pcl_config_foreach(c, collect, out);
	cr_expect(strstr(out, "port.addr=198.18.0.2/24;") != NULL, "%s", out);
	cr_expect(strstr(out, "listen.ports=80,8080;") != NULL, "%s", out);
	cr_expect(strstr(out, "listen.app=http;") != NULL, "%s", out);
	cr_expect(strstr(out, "port.mtu=1500#;") != NULL, "%s", out);
	cr_expect(strstr(out, "timers.msl_ms=30000#;") != NULL, "%s", out);
	cr_expect(strstr(out, "stats.log_interval_s=10#;") != NULL, "%s", out);
}
