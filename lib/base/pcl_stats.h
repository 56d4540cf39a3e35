/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PCL_STATS_H
#define PCL_STATS_H

#include <stdint.h>

#include <rte_common.h>

/*
 * Per-lcore counters. Each worker owns one struct pcl_stats and is its only
 * writer; the control thread only reads. Writes are relaxed atomic stores of
 * the incremented value and reads relaxed atomic loads (pcl_stat_add,
 * pcl_stat_read): a reader never sees a torn value, the compiler may not
 * split or cache either, and the worker pays no locked instruction.
 *
 * The lists below are the single source of names and help texts for the log
 * summary, telemetry, Prometheus, the tests and the docs (portcullis
 * --list-counters writes the table in docs/operations.md).
 */

/* Why a received packet was dropped without an answer. */
#define PCL_DROP_REASONS(X)                                                                        \
	X(runt, "frame shorter than its headers")                                                  \
	X(multiseg, "frame spans several mbufs")                                                   \
	X(not_ours, "destination MAC or IP is not ours")                                           \
	X(bad_src, "source no host sends from: multicast, broadcast, zero, loopback, ours")        \
	X(ethertype, "neither IPv4 nor ARP, nor IPv6 with port.addr6")                             \
	X(ip_hdr, "bad IPv4 version, header length or total length")                               \
	X(ip_cksum, "bad IPv4 header checksum")                                                    \
	X(ip_frag, "IPv4 fragment")                                                                \
	X(ip_srcroute, "IPv4 source-route option (RFC 7126)")                                      \
	X(ip_proto, "IPv4 protocol other than TCP or ICMP")                                        \
	X(icmp, "ICMP other than a valid echo request")                                            \
	X(ip6_hdr, "bad IPv6 version or payload length, or an extension header past the end")      \
	X(ip6_ext, "IPv6 extension header a host may not skip: an option it must act on, "         \
		   "hop-by-hop not first, a routing header with segments left, more than 8")       \
	X(ip6_rh0, "IPv6 routing header type 0 (RFC 5095)")                                        \
	X(ip6_frag, "IPv6 fragment")                                                               \
	X(ip6_proto, "IPv6 next header other than TCP or ICMPv6")                                  \
	X(icmp6, "ICMPv6 other than a valid echo request, Neighbor Solicitation or Advertisement") \
	X(nd_invalid, "Neighbor Discovery message failing the RFC 4861 validity checks "           \
		      "(hop limit 255, checksum, code, length, options, DAD source)")              \
	X(nd_not_ours,                                                                             \
	  "Neighbor Solicitation for an address not ours (another host's DAD probe included)")     \
	X(arp, "ARP other than a request for our address or a backend's reply")                    \
	X(tcp_hdr, "bad TCP data offset")                                                          \
	X(tcp_cksum, "bad TCP checksum")                                                           \
	X(tcp_opt, "malformed TCP option")                                                         \
	X(tcp_flags, "impossible TCP flag combination")                                            \
	X(tcp_rst_nomatch, "RST for no connection")                                                \
	X(tcp_noack, "segment without ACK on a synchronized connection")                           \
	X(tcp_unacceptable, "sequence outside the receive window (answered by ACK)")               \
	X(tcp_paws, "timestamp older than the last one (PAWS)")                                    \
	X(tcp_ooo, "out-of-order data (answered by duplicate ACK)")                                \
	X(tcp_bad_ack, "ACK of data never sent (answered by ACK)")                                 \
	X(tcp_tw_rst, "RST in TIME_WAIT, ignored (RFC 1337)")                                      \
	X(table_full, "SYN or cookie ACK dropped: connection pool empty")                          \
	X(addr6_full, "IPv6 SYN or cookie ACK dropped: the worker's IPv6 address table is full")   \
	X(syn_backlog, "SYN dropped: half-open limit reached")                                     \
	X(nombuf, "mbuf pool empty")                                                               \
	X(tx_full, "TX queue full, reply freed")                                                   \
	X(no_neigh, "segment for a backend whose MAC is not known (yet)")                          \
	X(held_full,                                                                               \
	  "client data before the backend answered, beyond the service's held_segments")           \
	X(held_worker_full,                                                                        \
	  "client data before the backend answered, beyond the worker's tables.held")              \
	X(steer_full, "owner's steering ring full, packet freed")

enum pcl_drop {
#define PCL_DROP_ENUM(n, h) PCL_DROP_##n,
	PCL_DROP_REASONS(PCL_DROP_ENUM)
#undef PCL_DROP_ENUM
		PCL_DROP_MAX
};

#define PCL_COUNTERS(X)                                                                            \
	X(rx_pkts, "packets received")                                                             \
	X(rx_bytes, "bytes received")                                                              \
	X(tx_pkts, "packets sent")                                                                 \
	X(tx_bytes, "bytes sent")                                                                  \
	X(arp_replies, "ARP replies sent")                                                         \
	X(arp_requests, "ARP requests sent for backends whose MAC is unknown or old")              \
	X(arp_learned, "ARP requests and replies that gave a backend's MAC")                       \
	X(icmp_replies, "ICMP echo replies sent")                                                  \
	X(ipv6_rx, "IPv6 packets taken in: TCP segments, Neighbor Discovery, echo requests")       \
	X(nd_adverts, "Neighbor Advertisements sent (answers, DAD defences included)")             \
	X(nd_solicits,                                                                             \
	  "Neighbor Solicitations sent: for IPv6 backends whose MAC is unknown or old, and the "   \
	  "duplicate address detection probe of port.addr6 at start")                              \
	X(nd_learned, "Neighbor Advertisements and Solicitations that gave an IPv6 backend's MAC") \
	X(nd_dup,                                                                                  \
	  "Neighbor Advertisements from another host for one of our IPv6 addresses: it is in use " \
	  "twice on the link")                                                                     \
	X(icmp6_replies, "ICMPv6 echo replies sent")                                               \
	X(conn_ipv6, "connection entries made for IPv6 peers (half-open and cookie ones)")         \
	X(syn_rx, "SYNs received for a listening port")                                            \
	X(synack_tx, "SYN-ACKs sent, retransmissions and cookies included")                        \
	X(cookie_sent, "SYN-ACKs carrying a SYN cookie")                                           \
	X(cookie_ok, "ACKs whose SYN cookie validated")                                            \
	X(cookie_bad, "ACKs for no connection with a failed or expired cookie (RST sent)")         \
	X(cookie_episodes, "times auto mode switched SYN cookies on")                              \
	X(conn_opened, "connections that reached ESTABLISHED, cookie ones included")               \
	X(conn_closed, "established connections closed by the FIN exchange")                       \
	X(conn_reset, "established connections closed by an RST from the peer")                    \
	X(conn_timeout, "established connections dropped after FIN_WAIT_2 stayed idle")            \
	X(conn_retry_limit, "established connections dropped at the retransmission limit")         \
	X(conn_aborted, "established connections we reset (send queue out of mbufs)")              \
	X(halfopen_expired, "half-open entries dropped after the SYN-ACK retry limit")             \
	X(halfopen_reset, "half-open entries closed by an RST from the peer")                      \
	X(idle_closes, "established connections we closed for idleness")                           \
	X(time_wait_reused, "TIME_WAIT records ended early by a newer SYN (RFC 6191)")             \
	X(time_wait_recycled, "TIME_WAIT records ended early to make room (store full)")           \
	X(time_wait_skipped, "closing connections that skipped TIME_WAIT (store full, skip)")      \
	X(rst_tx, "RSTs sent")                                                                     \
	X(rst_closed_port, "RSTs sent for a SYN to a port nobody listens on")                      \
	X(challenge_acks, "RFC 5961 challenge ACKs sent")                                          \
	X(challenge_acks_limited, "challenge ACKs suppressed by the rate limit")                   \
	X(dup_acks_tx, "duplicate ACKs sent for unacceptable segments")                            \
	X(rexmits, "segments retransmitted (SYN-ACK, data, FIN)")                                  \
	X(rto_timeouts,                                                                            \
	  "retransmission timeouts with data or a FIN in flight (cwnd to one segment)")            \
	X(recoveries,                                                                              \
	  "fast recoveries entered: three duplicate ACKs, or SACK blocks showing a loss")          \
	X(fast_rexmits, "segments resent in fast recovery, before the timer")                      \
	X(sack_boards_empty,                                                                       \
	  "recoveries of SACK connections without a scoreboard (pool empty): NewReno instead")     \
	X(cwnd_restarts,                                                                           \
	  "congestion windows back to the initial one after idling longer than the RTO")           \
	X(data_rx_bytes, "TCP payload bytes delivered to the application")                         \
	X(data_tx_bytes, "TCP payload bytes sent, retransmissions included")                       \
	X(http_requests, "HTTP requests answered")                                                 \
	X(proxy_accepted, "client handshakes a service completed and handed to a backend")         \
	X(proxy_opened, "proxied connections whose backend answered (spliced)")                    \
	X(proxy_closed, "proxied connections ended by both FINs")                                  \
	X(proxy_reset, "proxied connections ended by an RST from either side")                     \
	X(proxy_idle, "proxied connections reset both ways for idleness")                          \
	X(proxy_failed, "proxied connections no backend took: RST to the client")                  \
	X(proxy_backend_down, "proxied connections reset both ways: their backend went down "      \
			      "(on_backend_down = reset)")                                         \
	X(proxy_no_backend, "proxied connections whose service had no backend with weight")        \
	X(proxy_no_port, "proxied connections that found no free local port toward the backend")   \
	X(backend_syn_retries, "SYNs to backends retransmitted")                                   \
	X(backend_rst, "backends that refused a handshake with an RST")                            \
	X(backend_unreachable, "SYNs not sent: the backend's MAC not known yet")                   \
	X(redispatches, "proxied connections moved to the next backend")                           \
	X(held_segments, "client segments held until the backend answered")                        \
	X(proxy_splits, "proxied segments split in two to fit the receiver's MSS")                 \
	X(proxy_no_ts,                                                                             \
	  "segments to a client without the timestamps it negotiated: no room for the option")     \
	X(steered_out, "packets handed to the worker owning their flow")                           \
	X(steered_in, "packets received from other workers for flows we own")                      \
	X(timer_deferred, "timer passes stopped at the per-iteration budget, expiries left over")  \
	X(loops, "worker loop iterations")                                                         \
	X(busy_loops, "worker loop iterations that received packets")                              \
	X(busy_cycles, "TSC cycles spent in iterations that received packets")

struct pcl_stats {
#define PCL_COUNTER_FIELD(n, h) uint64_t n;
	PCL_COUNTERS(PCL_COUNTER_FIELD)
#undef PCL_COUNTER_FIELD
	uint64_t drop[PCL_DROP_MAX];
} __rte_cache_aligned;

/*
 * What a worker holds right now: connection entries and packet buffers,
 * with how many of each are free. After a load ends both free counts return
 * to where they started (less the mbufs the port keeps posted for RX);
 * anything else is a leak.
 */
#define PCL_RESOURCES(X)                                                                           \
	X(entries, "connection entries in the lcore's pool")                                       \
	X(entries_free, "connection entries free right now")                                       \
	X(mbufs, "packet buffers in the lcore's mempool")                                          \
	X(mbufs_free, "packet buffers free right now")                                             \
	X(held, "client segments held for backends that have not answered yet")

struct pcl_resources {
#define PCL_RESOURCE_FIELD(n, h) uint64_t n;
	PCL_RESOURCES(PCL_RESOURCE_FIELD)
#undef PCL_RESOURCE_FIELD
};

/* Names and help texts, indexed like the struct fields / enum pcl_drop. */
extern const char *const pcl_counter_names[];
extern const char *const pcl_counter_help[];
extern const char *const pcl_drop_names[];
extern const char *const pcl_drop_help[];
extern const char *const pcl_resource_names[];
extern const char *const pcl_resource_help[];
#define PCL_COUNTER_COUNT  (offsetof(struct pcl_stats, drop) / sizeof(uint64_t))
#define PCL_RESOURCE_COUNT (sizeof(struct pcl_resources) / sizeof(uint64_t))

/* Adds n to a counter or gauge that only the calling lcore writes. */
static inline void
pcl_stat_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

#define PCL_STAT_INC(s, name) pcl_stat_add(&(s)->name, 1)

/* Reads a counter or gauge another lcore writes. */
static inline uint64_t
pcl_stat_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

/* The i-th counter of s, in PCL_COUNTERS order. */
static inline uint64_t
pcl_stats_counter(const struct pcl_stats *s, unsigned int i)
{
	return pcl_stat_read((const uint64_t *)s + i);
}

/* The i-th gauge of r, in PCL_RESOURCES order. */
static inline uint64_t
pcl_resource(const struct pcl_resources *r, unsigned int i)
{
	return ((const uint64_t *)r)[i];
}

/* Adds every gauge of src to dst (used to total the lcores). */
static inline void
pcl_resources_add(struct pcl_resources *dst, const struct pcl_resources *src)
{
	unsigned int i;

	for (i = 0; i < PCL_RESOURCE_COUNT; i++)
		((uint64_t *)dst)[i] += pcl_resource(src, i);
}

/* Adds every counter of src to dst (used to total the lcores). */
void pcl_stats_add(struct pcl_stats *dst, const struct pcl_stats *src);

#endif
