/* SPDX-License-Identifier: BSD-3-Clause */
/* The capture request /portcullis/capture,start takes: pcl_capture_parse(). */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "ctl/pcl_capture.h"

static struct pcl_capture_opts o;
static char err[256];

/* Parses spec, expecting it to be refused with an error containing want. */
static void
refused(const char *spec, const char *want)
{
	err[0] = '\0';
	cr_expect_eq(pcl_capture_parse(spec, &o, err, sizeof(err)), -EINVAL, "'%s' accepted", spec);
	cr_expect(strstr(err, want) != NULL, "'%s': error '%s' lacks '%s'", spec, err, want);
}

Test(capture, path_alone_gets_the_defaults)
{
	cr_assert_eq(pcl_capture_parse("/tmp/a.pcapng", &o, err, sizeof(err)), 0, "%s", err);
	cr_expect_str_eq(o.path, "/tmp/a.pcapng");
	cr_expect_eq(o.max_packets, 10000);
	cr_expect_eq(o.max_bytes, 64u << 20);
	cr_expect_eq(o.max_seconds, 60);
	cr_expect_eq(o.snaplen, 65535);
	cr_expect_str_eq(o.filter, "");
}

Test(capture, every_option)
{
	cr_assert_eq(pcl_capture_parse("/x,packets=5,bytes=100000,seconds=3,snaplen=96", &o, err,
				       sizeof(err)),
		     0, "%s", err);
	cr_expect_str_eq(o.path, "/x");
	cr_expect_eq(o.max_packets, 5);
	cr_expect_eq(o.max_bytes, 100000);
	cr_expect_eq(o.max_seconds, 3);
	cr_expect_eq(o.snaplen, 96);
}

Test(capture, filter_is_last_and_keeps_its_commas)
{
	cr_assert_eq(pcl_capture_parse("/x,seconds=2,filter=tcp port 80 and (tcp[13] & 2 != 0)", &o,
				       err, sizeof(err)),
		     0, "%s", err);
	cr_expect_str_eq(o.filter, "tcp port 80 and (tcp[13] & 2 != 0)");
	cr_assert_eq(pcl_capture_parse("/x,filter=ether[0:2] = 1,packets=3", &o, err, sizeof(err)),
		     0, "%s", err);
	cr_expect_str_eq(o.filter, "ether[0:2] = 1,packets=3", "text after filter= is the filter");
	cr_expect_eq(o.max_packets, 10000);
}

Test(capture, bounds_are_inclusive)
{
	cr_assert_eq(pcl_capture_parse("/x,packets=100000000,bytes=68719476736,seconds=86400,"
				       "snaplen=16",
				       &o, err, sizeof(err)),
		     0, "%s", err);
	cr_expect_eq(o.max_packets, 100000000);
	cr_expect_eq(o.max_bytes, 64ull << 30);
	cr_expect_eq(o.max_seconds, 86400);
	cr_expect_eq(o.snaplen, 16);
}

Test(capture, bad_paths)
{
	refused("", "absolute path");
	refused("a.pcapng", "absolute path first, got 'a.pcapng'");
	refused(",packets=3", "absolute path");
	refused("packets=3,/x", "absolute path");
}

Test(capture, bad_numbers)
{
	refused("/x,packets=0", "packets: expected a whole number in 1..100000000, got '0'");
	refused("/x,packets=100000001", "packets: expected");
	refused("/x,packets=-1", "got '-1'");
	refused("/x,packets=+5", "got '+5'");
	refused("/x,packets=5k", "got '5k'");
	refused("/x,packets=", "got ''");
	refused("/x,bytes=68719476737", "bytes: expected a whole number in 1..68719476736");
	refused("/x,seconds=86401", "seconds: expected");
	refused("/x,snaplen=15", "snaplen: expected a whole number in 16..65535");
	refused("/x,snaplen=99999999999999999999999", "snaplen: expected");
}

Test(capture, bad_options)
{
	refused("/x,count=3", "unknown option 'count'");
	refused("/x,packets", "unknown option 'packets'");
	refused("/x,,packets=3", "unknown option ''");
	refused("/x,packets=3,packets=4", "packets: given twice");
	refused("/x,packets=3,", "unknown option ''");
}

Test(capture, long_texts)
{
	char spec[PATH_MAX + 600];

	memset(spec, 'a', sizeof(spec));
	spec[0] = '/';
	spec[PATH_MAX] = '\0';
	refused(spec, "the path is longer than 4095 bytes");
	strcpy(spec, "/x,filter=");
	memset(spec + 10, 'a', PCL_CAPTURE_FILTER_MAX);
	spec[10 + PCL_CAPTURE_FILTER_MAX] = '\0';
	refused(spec, "filter: longer than 511 bytes");
	spec[10 + PCL_CAPTURE_FILTER_MAX - 1] = '\0';
	cr_expect_eq(pcl_capture_parse(spec, &o, err, sizeof(err)), 0, "%s", err);
}
