/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Duplicate address detection of port.addr6 through the real worker: the
 * probe it queues (pcl_worker_dad), another host's defence of the address
 * counted as nd_dup and nothing answered, and the once-a-second warning.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>
#include <rte_ip.h>
#include <rte_log.h>

#include "harness.h"
#include "ctl/pcl_pressure.h"
#include "net/pcl_out.h"

static const uint8_t server6[16] = {0xfd, 0, 0, 0x18, [15] = 2};

static struct th t;

static void
teardown(void)
{
	th_teardown(&t);
}

static void
with_addr6(struct pcl_config *c)
{
	char err[256];

	cr_assert_eq(pcl_config_set(c, "port", "addr6", "fd00:18::2/64", err, sizeof(err)), 0, "%s",
		     err);
}

TH_TWEAKED_SUITE(dad, with_addr6(c));

Test(dad, a_defence_of_our_address_is_counted_and_logged)
{
	static const uint8_t unspecified[16];
	static const struct rte_ether_addr other = {{0x02, 0, 0, 0, 0, 0x99}};
	uint16_t port = t.w.ifs[0].port;
	struct pcl_pressure pressure = {0};
	char logbuf[1024] = "";
	const struct rte_ipv6_hdr *ip;
	const uint8_t *icmp;
	struct rte_mbuf *m;
	FILE *logf;

	/* The harness's interface has no device, which pcl_worker_dad skips: as if it had. */
	t.w.ifs[0].port = 0;
	cr_assert_eq(pcl_worker_dad(&t.w), 1);
	t.w.ifs[0].port = port;
	m = th_raw_reply(&t);
	cr_assert_not_null(m);
	ip = rte_pktmbuf_mtod_offset(m, const struct rte_ipv6_hdr *, PCL_L2_LEN);
	icmp = (const uint8_t *)(ip + 1);
	cr_expect_arr_eq(ip->src_addr, unspecified, 16, "a probe comes from ::");
	cr_expect_eq(icmp[0], 135);
	cr_expect_arr_eq(icmp + 8, server6, 16, "for port.addr6");
	cr_expect_eq(m->data_len, PCL_L2_LEN + PCL_IP6_LEN + 24, "without a link-layer option");

	/* Another host holds the address: its answer (RFC 4861 7.2.4) comes back. */
	pcl_out_nd_na(&other, m, PCL_L2_LEN + PCL_IP6_LEN);
	th_send_mbuf(&t, m);
	cr_expect_eq(t.w.stats.nd_dup, 1);
	cr_expect_eq(t.w.stats.drop[PCL_DROP_bad_src], 0, "not taken for a land attack");
	cr_expect_null(th_raw_reply(&t), "nothing answered");

	logf = fmemopen(logbuf, sizeof(logbuf) - 1, "w");
	cr_assert_not_null(logf);
	rte_openlog_stream(logf);
	cr_expect_eq(pcl_pressure_check(&pressure, &t.w.stats, 0), 1);
	rte_openlog_stream(NULL);
	fclose(logf);
	cr_expect(strstr(logbuf, "another host claims port.addr6 (duplicate address): 1 "
				 "advertisements in the last second") != NULL,
		  "%s", logbuf);
}
