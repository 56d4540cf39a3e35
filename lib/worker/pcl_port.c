/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "base/pcl_log.h"
#include "net/pcl_steer.h"
#include "worker/pcl_port.h"

/* Longest RSS key a device may want. */
#define PCL_RSS_KEY_MAX 64

#define PCL_MBUF_CACHE 256

uint16_t
pcl_port_mbuf_room(const struct pcl_port_conf *conf)
{
	/* One segment per frame: the TCP engine writes a whole segment into one mbuf. */
	return (uint16_t)RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
				 (uint32_t)(conf->mtu + RTE_ETHER_HDR_LEN + RTE_PKTMBUF_HEADROOM));
}

struct rte_mempool *
pcl_port_mempool(const struct pcl_port_conf *conf, unsigned int lcore)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	int socket = rte_lcore_to_socket_id(lcore);

	snprintf(name, sizeof(name), "pcl_mbuf_%u", lcore);
	return rte_pktmbuf_pool_create(name, conf->mbufs, PCL_MBUF_CACHE, 0,
				       pcl_port_mbuf_room(conf),
				       socket == SOCKET_ID_ANY ? 0 : socket);
}

/*
 * Asks for symmetric RSS over IPv4/TCP when the device has it, and over
 * IPv6/TCP too where it can (a 36-byte tuple reads 288 bits of a 40-byte
 * key, which every such device has); false without IPv4/TCP. A device
 * without IPv6/TCP hashing leaves IPv6 frames unhashed, and software steers
 * them (pcl_worker's owner()).
 */
static bool
rss_conf(const struct rte_eth_dev_info *info, uint8_t *key, struct rte_eth_conf *conf)
{
	uint64_t hf = info->flow_type_rss_offloads &
		      (RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV6_TCP);
	uint8_t len = info->hash_key_size ? info->hash_key_size : PCL_RSS_KEY_LEN;
	unsigned int i;

	if (!(hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) || len > PCL_RSS_KEY_MAX || info->reta_size == 0 ||
	    info->reta_size > PCL_RETA_MAX || !rte_is_power_of_2(info->reta_size))
		return false;
	/* Longer keys continue the pattern: the hash of a 12-byte tuple is unchanged. */
	for (i = 0; i < len; i++)
		key[i] = pcl_rss_key[i % 2];
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH & info->rx_offload_capa;
	conf->rx_adv_conf.rss_conf.rss_key = key;
	conf->rx_adv_conf.rss_conf.rss_key_len = len;
	conf->rx_adv_conf.rss_conf.rss_hf = hf;
	return true;
}

/*
 * The largest MTU the device takes, as ethdev's configure checks it: its
 * max_mtu, and its largest frame less the overhead it implies. net_tap of
 * DPDK 22.11 says 1522-byte frames (MTU 1500); 23.03 lifted that.
 */
static uint32_t
dev_max_mtu(const struct rte_eth_dev_info *info)
{
	uint32_t overhead = info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu
				    ? info->max_rx_pktlen - info->max_mtu
				    : RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;

	return RTE_MIN((uint32_t)info->max_mtu, info->max_rx_pktlen - overhead);
}

/* Points RETA entry i at queue i % nq, as pcl_steer does. */
static int
reta_program(uint16_t port, uint16_t reta_size, uint16_t nq)
{
	struct rte_eth_rss_reta_entry64 reta[PCL_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE] = {0};
	unsigned int i;

	for (i = 0; i < reta_size; i++) {
		reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
			(uint16_t)(i % nq);
	}
	return rte_eth_dev_rss_reta_update(port, reta, reta_size);
}

/* The TX offloads that sum what we send (IPv4 header, TCP over either family). */
#define TX_CSUM (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_TCP_CKSUM)

/*
 * The TX checksum offloads to enable: both or none, since the engine
 * writes a segment for one or the other. net_tap advertises them but sums
 * in its PMD, on our core, with rte_raw_cksum: slower than our own sums
 * (pcl_csum.h), so a tap port keeps the software path.
 */
static uint64_t
tx_csum_offloads(const struct rte_eth_dev_info *info)
{
	if ((info->tx_offload_capa & TX_CSUM) != TX_CSUM ||
	    strcmp(info->driver_name, "net_tap") == 0)
		return 0;
	return TX_CSUM;
}

/*
 * Chained frames (a body by reference, lib/net/pcl_ref.h), where the device
 * takes them and its driver reads frames with the CPU: a virtual device
 * (tap, memif, ring). One that DMAs would need the body at an IOVA it can
 * reach, in DPDK memory; it is malloc()ed.
 */
static uint64_t
tx_chain_offloads(const struct rte_eth_dev_info *info)
{
	if (!(info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS) ||
	    strcmp(rte_bus_name(rte_dev_bus(info->device)), "vdev") != 0)
		return 0;
	return RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
}

/* Whether the started port has every TX offload of want on. */
static bool
tx_offloads_on(uint16_t port, uint64_t want)
{
	struct rte_eth_conf conf;

	return rte_eth_dev_conf_get(port, &conf) == 0 && (conf.txmode.offloads & want) == want;
}

bool
pcl_port_tx_csum(uint16_t port)
{
	return tx_offloads_on(port, TX_CSUM);
}

bool
pcl_port_tx_chain(uint16_t port)
{
	return tx_offloads_on(port, RTE_ETH_TX_OFFLOAD_MULTI_SEGS);
}

int
pcl_port_start(uint16_t port, uint16_t nq, const struct pcl_port_conf *pc,
	       struct rte_mempool *const *mps, struct pcl_port_rss *rss)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	/* port.queues may ask for more pairs than workers; the extra ones stay idle. */
	uint16_t nconf = (uint16_t)RTE_MAX(pc->queues, (uint32_t)nq);
	uint16_t rxd = pc->rx_desc, txd = pc->tx_desc, q;
	uint64_t want = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	uint8_t key[PCL_RSS_KEY_MAX];
	bool rss_on = false;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		PCL_LOG(ERR, "port %u: cannot read device info: %s", port, rte_strerror(-rc));
		return rc;
	}
	if (nconf > info.max_rx_queues || nconf > info.max_tx_queues) {
		PCL_LOG(ERR,
			"port %u (%s): %u RX/TX queue pairs wanted (%s), but the device has at "
			"most %u RX and %u TX queues; %s",
			port, info.driver_name, nconf,
			pc->queues ? "port.queues" : "one per worker lcore", info.max_rx_queues,
			info.max_tx_queues,
			pc->queues ? "lower port.queues" : "use fewer worker lcores in -l");
		return -EINVAL;
	}
	if (pc->mtu > dev_max_mtu(&info)) {
		PCL_LOG(ERR,
			"port %u (%s): port.mtu %u is above the device's largest MTU, %u; lower it",
			port, info.driver_name, pc->mtu, dev_max_mtu(&info));
		return -EINVAL;
	}
	conf.rxmode.mtu = pc->mtu;
	conf.rxmode.offloads = want & info.rx_offload_capa;
	conf.txmode.offloads = tx_csum_offloads(&info) | tx_chain_offloads(&info);
	if (nconf > 1)
		rss_on = rss_conf(&info, key, &conf);
	rc = rte_eth_dev_configure(port, nconf, nconf, &conf);
	if (rc != 0 && rss_on) {
		PCL_LOG(NOTICE, "port %u (%s): RSS refused (%s); steering in software", port,
			info.driver_name, rte_strerror(-rc));
		rss_on = false;
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		conf.rxmode.offloads = want & info.rx_offload_capa;
		memset(&conf.rx_adv_conf, 0, sizeof(conf.rx_adv_conf));
		rc = rte_eth_dev_configure(port, nconf, nconf, &conf);
	}
	if (rc != 0) {
		PCL_LOG(ERR, "port %u (%s): configure failed: %s", port, info.driver_name,
			rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	if (rc != 0) {
		PCL_LOG(ERR, "port %u (%s): cannot use %u RX / %u TX descriptors: %s", port,
			info.driver_name, pc->rx_desc, pc->tx_desc, rte_strerror(-rc));
		return rc;
	}
	for (q = 0; q < nconf; q++) {
		int socket = rte_eth_dev_socket_id(port);

		rc = rte_eth_rx_queue_setup(port, q, rxd, socket, NULL, mps[q % nq]);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(port, q, txd, socket, NULL);
		if (rc != 0) {
			PCL_LOG(ERR, "port %u queue %u: setup failed: %s", port, q,
				rte_strerror(-rc));
			return rc;
		}
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0) {
		PCL_LOG(ERR, "port %u (%s): start failed: %s", port, info.driver_name,
			rte_strerror(-rc));
		return rc;
	}
	if (rss_on && (rc = reta_program(port, info.reta_size, nq)) != 0) {
		PCL_LOG(NOTICE, "port %u (%s): RETA not programmable (%s); steering in software",
			port, info.driver_name, rte_strerror(-rc));
		rss_on = false;
	}
	/* Only a RETA that skips the idle queues keeps traffic off them. */
	if (nconf > nq && !rss_on) {
		PCL_LOG(ERR,
			"port %u (%s): port.queues %u for %u workers needs programmable RSS, "
			"which the device lacks; set port.queues = 0",
			port, info.driver_name, nconf, nq);
		pcl_port_stop(port);
		return -ENOTSUP;
	}
	PCL_LOG(INFO, "port %u (%s): TX checksums %s", port, info.driver_name,
		conf.txmode.offloads ? "by the device" : "in software");
	if (nconf > 1)
		PCL_LOG(INFO, "port %u (%s): %u queues for %u workers, %s", port, info.driver_name,
			nconf, nq,
			rss_on ? "symmetric RSS (software agrees, no hops)"
			       : "no usable RSS (software steering)");
	if (rss != NULL) {
		rss->on = rss_on;
		rss->reta_size = rss_on ? info.reta_size : PCL_RETA_DEFAULT;
	}
	return 0;
}

void
pcl_port_stop(uint16_t port)
{
	int rc = rte_eth_dev_stop(port);

	if (rc != 0)
		PCL_LOG(WARNING, "port %u: stop failed: %s", port, rte_strerror(-rc));
	rc = rte_eth_dev_close(port);
	if (rc != 0)
		PCL_LOG(WARNING, "port %u: close failed: %s", port, rte_strerror(-rc));
}
