#!/usr/bin/env bash
# End to end: the server starts from every shipped config file and serves a
# connection, in a namespace this test creates. Configs for a tap serve curl
# on each of their listening ports; the memif one serves cps-gen; the
# physical-NIC one (lb-frontend) runs on a tap given on the command line,
# which replaces the config's device. Needs root and /dev/net/tun.
#
#   conf_smoke.sh   (meson passes PCL_BIN, PCL_GEN and PCL_SRC in the environment)
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin tun

ns=pcl-e2e-conf-$$
pcl_ns_create "$ns"

# conf_get FILE SECTION KEY: a value from an INI file ("" when absent).
conf_get() {
	awk -F' *= *' -v s="[$2]" -v k="$3" '/^\[/ { in_s = ($0 == s) } in_s && $1 == k { print $2; exit }' "$1"
}

# started NAME: waits for the server's "Ctrl-C stops" line.
started() {
	for _ in $(seq 100); do
		grep -q 'Ctrl-C stops' "$tmp/$1.err" && return 0
		sleep 0.1
	done
	fail "$1: the server did not start"
}

n=0
for conf in "$PCL_ROOT"/conf/*.conf; do
	name=$(basename "$conf" .conf)
	n=$((n + 1))
	addr=$(conf_get "$conf" port addr)
	ip=${addr%/*}
	kernel=${ip%.*}.1/${addr#*/}
	device=$(conf_get "$conf" port device)
	if [[ $device == net_memif* ]]; then
		# No -l: the config's [workers] lcores apply.
		PCL_SERVER_STDERR=$tmp/$name.err pcl_server_start "$ns" "$tmp/$name.out" \
			--no-huge -m 1024 --no-pci --file-prefix "$ns-$n" \
			--vdev "net_memif0,role=server,socket=$tmp/$name.sock" -- -c "$conf"
		started "$name"
		lc=$(conf_get "$conf" workers lcores)
		[ -z "$lc" ] || grep -q 'lcore 1: worker 0' "$tmp/$name.err" ||
			fail "$name: workers.lcores = $lc did not give worker 0 on lcore 1"
		pcl_prefix "$ns-g$n"
		# --hold: cps-gen stays connected, idle, after its summary until the
		# server has stopped (common.sh says why).
		ip netns exec "$ns" timeout 60 "$PCL_GEN" -l 1 --no-huge -m 256 --no-pci \
			--file-prefix "$ns-g$n" --vdev "net_memif0,role=client,socket=$tmp/$name.sock" \
			-- --dst "$ip" --count 10 --json --quiet --hold >"$tmp/$name.json" \
			2>"$tmp/$name.gen" &
		gen_pid=$!
		gen_summary "$gen_pid" "$tmp/$name.json" "$tmp/$name.gen" 30
		grep -q '"completed": 10, "failed": 0' "$tmp/$name.json" ||
			fail "$name: $(cat "$tmp/$name.json") $(cat "$tmp/$name.gen")"
		pcl_server_stop || fail "$name: the server did not stop cleanly"
		gen_release "$gen_pid"
		ok "$name.conf: 10 connections from cps-gen over memif"
	else
		PCL_SERVER_STDERR=$tmp/$name.err pcl_server_start "$ns" "$tmp/$name.out" -l 0 \
			--no-huge -m 1024 --no-pci --file-prefix "$ns-$n" \
			--vdev "net_tap0,iface=pcls$n" -- -c "$conf"
		pcl_tap_up "$ns" "pcls$n" "$kernel" || fail "$name: tap pcls$n did not come up"
		started "$name"
		ports=$(grep -oE 'listening on [0-9.]+:[0-9]+' "$tmp/$name.err" | sed 's/.*://')
		[ -n "$ports" ] || fail "$name: no 'listening on' lines"
		for p in $ports; do
			# Any reply proves the handshake; http answers GET, echo and
			# discard take the bytes and the client closes.
			ip netns exec "$ns" timeout 10 bash -c \
				"exec 3<>/dev/tcp/$ip/$p && printf 'GET / HTTP/1.0\r\n\r\n' >&3 && exec 3>&-" ||
				fail "$name: no connection to $ip:$p"
		done
		ok "$name.conf: a connection to each listener ($(echo $ports | tr ' ' ','))"
	fi
	# Stopped already for memif (PCL_SERVER_PID cleared): then a no-op.
	pcl_server_stop || fail "$name: the server did not stop cleanly"
	grep -Eq '^conn_opened [1-9]' "$tmp/$name.out" || fail "$name: no connection opened"
done
[ "$n" -ge 4 ] || fail "only $n config files in conf/"
