/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "pcl_log.h"
#include "pcl_port.h"

#define PCL_MBUF_CACHE 256

struct rte_mempool *
pcl_port_mempool(const struct pcl_config *cfg, unsigned int lcore)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	uint32_t room = RTE_MAX((uint32_t)RTE_MBUF_DEFAULT_BUF_SIZE,
				(uint32_t)(cfg->mtu + RTE_ETHER_HDR_LEN + RTE_PKTMBUF_HEADROOM));
	int socket = rte_lcore_to_socket_id(lcore);

	snprintf(name, sizeof(name), "pcl_mbuf_%u", lcore);
	return rte_pktmbuf_pool_create(name, cfg->mbufs, PCL_MBUF_CACHE, 0, (uint16_t)room,
				       socket == SOCKET_ID_ANY ? 0 : socket);
}

int
pcl_port_start(uint16_t port, uint16_t nq, const struct pcl_config *cfg,
	       struct rte_mempool *const *mps)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	uint16_t rxd = cfg->rx_desc, txd = cfg->tx_desc, q;
	uint64_t want = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0) {
		PCL_LOG(ERR, "port %u: cannot read device info: %s", port, rte_strerror(-rc));
		return rc;
	}
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		PCL_LOG(ERR, "port %u (%s): %u queues wanted, the device has %u RX / %u TX", port,
			info.driver_name, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	conf.rxmode.mtu = cfg->mtu;
	conf.rxmode.offloads = want & info.rx_offload_capa;
	rc = rte_eth_dev_configure(port, nq, nq, &conf);
	if (rc != 0) {
		PCL_LOG(ERR, "port %u (%s): configure failed: %s", port, info.driver_name,
			rte_strerror(-rc));
		return rc;
	}
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	if (rc != 0)
		return rc;
	for (q = 0; q < nq; q++) {
		int socket = rte_eth_dev_socket_id(port);

		rc = rte_eth_rx_queue_setup(port, q, rxd, socket, NULL, mps[q]);
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
	return 0;
}

void
pcl_port_stop(uint16_t port)
{
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
}
