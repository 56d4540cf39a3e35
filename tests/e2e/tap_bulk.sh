#!/usr/bin/env bash
# End to end on net_tap: large answers to the kernel's TCP stack. A 1 MB body
# sent to ten clients at once overflows the tap's queue unless the sender
# paces itself (congestion control) and repairs losses from duplicate ACKs
# and SACK blocks rather than its retransmission timer.
#
#   tap_bulk.sh             (meson passes PCL_BIN and PCL_SRC in the environment)
#   PCL_BULK_N=200          requests (default 200)
#
# Checks, in namespace pcl-e2e-bulk-PID (server 198.18.0.2 on tap pcl0,
# kernel 198.18.0.1), with http.body_size = 1048576: ab -n 200 -c 10
# completes without a failed request; every byte went out; the server
# retransmitted less than 2% of the packets it sent, and at most one
# request in four saw its retransmission timer fire. That with the default
# port.tap_rx = poll (the tap's descriptors without O_ASYNC: no signal per
# frame), then the same for a quarter of the requests with port.tap_rx =
# signal (with O_ASYNC). Prints the throughput and the counts
# (bench/RESULTS.md keeps the figures; the test checks no timing, the VM
# being too noisy for that).
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin tun ab ping

ns=pcl-e2e-bulk-$$
n=${PCL_BULK_N:-200}
body=1048576
pcl_ns_create "$ns"

# "yes" when a tap file descriptor of the server asks for a signal per frame
# (O_ASYNC, what net_tap sets for its RX trigger), else "no".
tap_signals() {
	local p f flags
	for p in $(ip netns pids "$ns"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = portcullis ] || continue
		for f in /proc/"$p"/fd/*; do
			[ "$(readlink "$f")" = /dev/net/tun ] || continue
			flags=$(awk '/^flags/ {print $2}' "/proc/$p/fdinfo/${f##*/}")
			((8#$flags & 8#20000)) && { echo yes; return; }
		done
	done
	echo no
}

# bulk TAP_RX REQUESTS: a fresh server with port.tap_rx = TAP_RX serves
# ab -n REQUESTS -c 10 of the body; the checks of the header.
bulk() {
	local mode=$1 n=$2 out=$tmp/server-$1.out
	local tx segs rexmits rto rate secs want

	cat >"$tmp/bulk.conf" <<CONF
[port]
addr = $SRV/24
tap_rx = $mode
[http]
body_size = $body
[stats]
prometheus = off
log_interval_s = 0
CONF
	PCL_SERVER_STDERR=$tmp/server-$mode.err pcl_server_start "$ns" "$out" \
		-l 0-1 --no-huge -m 512 --no-pci --file-prefix "$ns-$mode" \
		--vdev net_tap0,iface=pcl0 -- -c "$tmp/bulk.conf"
	pcl_tap_up "$ns" pcl0 198.18.0.1/24 || fail "$mode: tap pcl0 did not come up"

	# The kernel learns our MAC first: ab gives up on a connection whose ARP fails.
	ip netns exec "$ns" timeout 10 ping -c 1 -W 5 "$SRV" >/dev/null || fail "$mode: ping $SRV"
	want=no
	[ "$mode" = signal ] && want=yes
	[ "$(tap_signals)" = $want ] || fail "$mode: the tap's O_ASYNC is not '$want'"
	ip netns exec "$ns" timeout 120 ab -n "$n" -c 10 -s 30 "http://$SRV/" >"$tmp/ab.txt" 2>&1 ||
		{ cat "$tmp/ab.txt"; fail "$mode: ab exit"; }
	grep -Eq "^Complete requests: +$n\$" "$tmp/ab.txt" &&
		grep -Eq '^Failed requests: +0$' "$tmp/ab.txt" ||
		{ cat "$tmp/ab.txt"; fail "$mode: ab: not $n complete without failures"; }
	rate=$(awk '/^Transfer rate/ {print $3}' "$tmp/ab.txt")
	secs=$(awk '/^Time taken for tests/ {print $5}' "$tmp/ab.txt")
	ok "tap_rx = $mode: ab -n $n -c 10 of a $body-byte body: $n complete, 0 failed in $secs s ($rate KB/s)"

	pcl_server_stop || fail "$mode: the server did not exit 0 on SIGINT"
	tx=$(total data_tx_bytes "$out")
	segs=$(total tx_pkts "$out")
	rexmits=$(total rexmits "$out")
	rto=$(total rto_timeouts "$out")
	echo "bulk ($mode): requests $n, data_tx_bytes $tx, tx_pkts $segs, rexmits $rexmits," \
		"rto_timeouts $rto, fast_rexmits $(total fast_rexmits "$out"), recoveries $(total recoveries "$out")"
	[ "$tx" -ge $((n * body)) ] || fail "$mode: data_tx_bytes $tx < $n x $body"
	[ $((rexmits * 50)) -lt "$segs" ] || fail "$mode: rexmits $rexmits: 2% or more of $segs segments"
	[ $((rto * 4)) -le "$n" ] || fail "$mode: rto_timeouts $rto: more than one request in four"
	ok "tap_rx = $mode: retransmitted $rexmits of $segs segments; the timer fired $rto times"
}

bulk poll "$n"
# net_tap's per-frame signal (port.tap_rx = signal), on a quarter of the load.
bulk signal $(((n + 3) / 4))
echo "tap_bulk: all checks passed"
