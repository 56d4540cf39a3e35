/* SPDX-License-Identifier: BSD-3-Clause */
/* Addresses of either family as backends and neighbours keep them: parsing, text, prefixes. */
#include <errno.h>
#include <string.h>

#include <criterion/criterion.h>

#include "net/pcl_addr.h"

Test(addr, parse_and_format)
{
	struct pcl_addr a;
	char buf[PCL_ADDR_PORT_STRLEN];
	uint16_t port;

	cr_assert_eq(pcl_addr_parse("198.18.0.11", &a), 0);
	cr_expect(pcl_addr_is4(&a));
	cr_expect_eq(pcl_addr_v4(&a), RTE_BE32(0xc612000b));
	pcl_addr_format(&a, buf, sizeof(buf));
	cr_expect_str_eq(buf, "198.18.0.11");
	cr_assert_eq(pcl_addr_parse("fd00:0:0::011", &a), 0);
	cr_expect(!pcl_addr_is4(&a));
	cr_expect_eq(a.a[0], 0xfd);
	cr_expect_eq(a.a[15], 0x11);
	pcl_addr_format(&a, buf, sizeof(buf));
	cr_expect_str_eq(buf, "fd00::11", "RFC 5952's form");
	cr_expect_eq(pcl_addr_parse("::ffff:1.2.3.4", &a), -EINVAL, "IPv4 in disguise");
	cr_expect_eq(pcl_addr_parse("1.2.3", &a), -EINVAL);
	cr_expect_eq(pcl_addr_parse("", &a), -EINVAL);

	cr_assert_eq(pcl_addr_port_parse("[fd00::11]:8080", &a, &port), 0);
	cr_expect_eq(port, 8080);
	pcl_addr_port_format(&a, port, buf, sizeof(buf));
	cr_expect_str_eq(buf, "[fd00::11]:8080");
	cr_assert_eq(pcl_addr_port_parse("198.18.0.11:80", &a, &port), 0);
	pcl_addr_port_format(&a, port, buf, sizeof(buf));
	cr_expect_str_eq(buf, "198.18.0.11:80");
	pcl_addr_port_format(
		&(struct pcl_addr){.a = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		65535, buf, sizeof(buf));
	cr_expect_str_eq(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535",
			 "the longest fits");
	cr_expect_eq(pcl_addr_port_parse("fd00::11:8080", &a, &port), -EINVAL, "no brackets");
	cr_expect_eq(pcl_addr_port_parse("[198.18.0.11]:80", &a, &port), -EINVAL);
	cr_expect_eq(pcl_addr_port_parse("[fd00::11]8080", &a, &port), -EINVAL);
	cr_expect_eq(pcl_addr_port_parse("[fd00::11]:0", &a, &port), -EINVAL);
	cr_expect_eq(pcl_addr_port_parse("[fd00::11]:65536", &a, &port), -EINVAL);
	cr_expect_eq(pcl_addr_port_parse("[]:80", &a, &port), -EINVAL);
	cr_expect_eq(pcl_addr_port_parse("198.18.0.11:", &a, &port), -EINVAL);
	cr_expect_eq(pcl_addr_port_parse("198.18.0.11", &a, &port), -EINVAL);
}

Test(addr, prefixes)
{
	struct pcl_addr net4, net6, a;

	pcl_addr_parse("198.18.0.2", &net4);
	pcl_addr_parse("fd00:18::2", &net6);
	pcl_addr_parse("198.18.0.200", &a);
	cr_expect(pcl_addr_in(&a, &net4, 24));
	cr_expect(!pcl_addr_in(&a, &net4, 25));
	cr_expect(pcl_addr_in(&a, &net4, 0));
	cr_expect(!pcl_addr_in(&a, &net6, 0), "not of the prefix's family");
	pcl_addr_parse("fd00:18::ffff", &a);
	cr_expect(pcl_addr_in(&a, &net6, 64));
	cr_expect(pcl_addr_in(&a, &net6, 112));
	cr_expect(!pcl_addr_in(&a, &net6, 113));
	cr_expect(!pcl_addr_in(&a, &net4, 0));
	pcl_addr_parse("fd00:19::2", &a);
	cr_expect(pcl_addr_in(&a, &net6, 31));
	cr_expect(!pcl_addr_in(&a, &net6, 32));
	cr_expect(pcl_addr_in(&net6, &net6, 128));
}
