#!/usr/bin/env bash
# Helpers every test and demo uses to run portcullis inside network
# namespaces it creates, and to remove them again whatever happens.
#
#   source dpdk-scripts/netns.sh
#   pcl_ns_create NAME              ip netns add; removed on exit
#   pcl_server_start NS LOG ARGS... start build/app/portcullis in NS (background)
#   pcl_tap_up NS IFACE ADDR/LEN    wait for the server's tap, give the kernel side ADDR
#   pcl_server_stop                 SIGINT; fails unless it exits 0 within 5 s
#   pcl_ns_cleanup                  kill what runs in our namespaces, delete them
#
# Cleanup runs on EXIT, INT and TERM, so a failing test leaves nothing behind.

PCL_ROOT=${PCL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PCL_BIN=${PCL_BIN:-$PCL_ROOT/build/app/portcullis}
PCL_NAMESPACES=()
PCL_SERVER_PID=
# Bounds a server's life even if a test forgets to stop it.
PCL_SERVER_TIMEOUT=${PCL_SERVER_TIMEOUT:-600}

pcl_ns_create() {
	ip netns add "$1"
	PCL_NAMESPACES+=("$1")
	ip netns exec "$1" ip link set lo up
}

pcl_ns_cleanup() {
	local ns pid
	for ns in "${PCL_NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -INT "$pid" 2>/dev/null || true
		done
	done
	sleep 0.5
	for ns in "${PCL_NAMESPACES[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || true
	done
	PCL_NAMESPACES=()
}

pcl_server_start() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" timeout -s INT "$PCL_SERVER_TIMEOUT" "$PCL_BIN" "$@" >"$log" 2>&1 &
	PCL_SERVER_PID=$!
}

pcl_tap_up() {
	local ns=$1 ifc=$2 addr=$3 i
	for i in $(seq 1 150); do
		if ip netns exec "$ns" ip link show "$ifc" >/dev/null 2>&1; then
			ip netns exec "$ns" ip link set "$ifc" up
			ip netns exec "$ns" ip addr add "$addr" dev "$ifc"
			return 0
		fi
		if [ -n "$PCL_SERVER_PID" ] && ! kill -0 "$PCL_SERVER_PID" 2>/dev/null; then
			echo "netns: the server exited before creating $ifc" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "netns: $ifc did not appear in $ns within 15 s" >&2
	return 1
}

pcl_server_stop() {
	local i rc
	[ -n "$PCL_SERVER_PID" ] || return 0
	# timeout(1) forwards the signal to the server.
	kill -INT "$PCL_SERVER_PID" 2>/dev/null || true
	for i in $(seq 1 50); do
		kill -0 "$PCL_SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$PCL_SERVER_PID" 2>/dev/null; then
		echo "netns: the server did not stop within 5 s" >&2
		return 1
	fi
	rc=0
	wait "$PCL_SERVER_PID" || rc=$?
	PCL_SERVER_PID=
	[ "$rc" -eq 0 ] || { echo "netns: the server exited with $rc" >&2; return 1; }
}

trap pcl_ns_cleanup EXIT
trap 'pcl_ns_cleanup; exit 130' INT TERM

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	[ "${1:-}" = "-h" ] && exit 0
	echo "netns.sh is meant to be sourced" >&2
	exit 2
fi
