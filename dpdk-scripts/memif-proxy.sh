#!/usr/bin/env bash
# The SYN proxy over net_memif, as three DPDK processes in one namespace:
#
#   cps-gen ──memif──► portcullis proxy ──memif──► portcullis http (backend)
#     (client)          [service:80], full NAT       its ports 8080.. on one address
#
# The proxy's client-facing port (198.18.0.2/24, service port 80) and its
# backend-facing port (198.18.1.1/24, [port:backend]) are both memif servers;
# the backend instance (198.18.1.2/24) and cps-gen connect to them. The
# proxy's backends are the backend instance's ports: one address answers
# ARP for them all, and each port gives the proxy a tuple space of its own
# (the proxy keeps TIME_WAIT on the backend side when the client closes
# first, so one backend port allows 64,512 closes per TIME_WAIT period).
#
#   source dpdk-scripts/netns.sh; source dpdk-scripts/memif-proxy.sh
#   pcl_px_start NS DIR PROXY_LCORES BACKEND_LCORES NBACKENDS [CONF_LINES]
#       starts both instances in NS, with sockets, configs and logs in DIR
#       (DIR/proxy.{out,err}, DIR/backend.{out,err}); CONF_LINES are INI
#       lines added to both configs (e.g. a [tables] section). Returns when
#       both serve and the proxy knows the backend's MAC (else fails). Sets
#       PCL_PX_PROXY and PCL_PX_BACKEND (their pids), PCL_PX_PREFIX (the
#       proxy's EAL prefix; the backend's is PCL_PX_PREFIX-b) and
#       PCL_PX_GEN_VDEV (cps-gen's --vdev); cps-gen's --dst is PCL_PX_VIP.
#   pcl_px_stats NS [proxy|backend]
#       the instance's /portcullis/stats (telemetry) as one JSON line
#   pcl_px_stop
#       stops both so that neither crashes: the backend is frozen (SIGSTOP),
#       the proxy stopped with SIGINT (its totals in DIR/proxy.out, exit 0
#       required), then the backend killed. A memif peer that leaves while
#       the other side polls can crash that side (docs/troubleshooting.md),
#       so read the backend's counters with pcl_px_stats before. Run cps-gen
#       with --hold and release it after this.
#
# Needs PCL_ROOT and the helpers of netns.sh. dpdk-scripts/memif-pair.sh -p
# runs it by hand, bench/run.sh measures it, tests/e2e/memif_proxy.sh tests it.

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
		echo "usage: source $0 (in a bash script, after netns.sh), then call its helpers:"
		sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
	fi
	sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//' >&2
	echo "memif-proxy.sh is meant to be sourced (usage above); dpdk-scripts/memif-pair.sh -p runs it" >&2
	exit 2
fi

PCL_PX_VIP=198.18.0.2
PCL_PX_BACKEND_ADDR=198.18.1.2
PCL_PX_BACKEND_PORT=8080 # the first; NBACKENDS ports from here

pcl__px_wait() { # FILE PATTERN WHAT
	local _
	for _ in $(seq 100); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$1" >&2
	echo "memif-proxy: $3 did not start" >&2
	return 1
}

pcl_px_stats() { # NS proxy|backend
	local prefix=$PCL_PX_PREFIX
	[ "${2:-proxy}" = proxy ] || prefix=$PCL_PX_PREFIX-b
	ip netns exec "$1" timeout 10 /usr/bin/python3 "$PCL_ROOT/tests/e2e/telemetry.py" \
		"$prefix" /portcullis/stats
}

pcl_px_start() {
	local ns=$1 dir=$2 plc=$3 blc=$4 nb=$5 extra=${6:-} i ports=
	PCL_PX_PREFIX=$ns-px
	PCL_PX_GEN_VDEV="net_memif0,role=client,socket=$dir/front.sock"
	{
		echo "[port]"
		echo "device = net_memif0,role=server,socket=$dir/front.sock"
		echo "addr = $PCL_PX_VIP/24"
		echo "[port:backend]"
		echo "device = net_memif1,role=server,socket=$dir/back.sock"
		echo "addr = 198.18.1.1/24"
		echo "[service:80]"
		for ((i = 0; i < nb; i++)); do
			echo "backend = $PCL_PX_BACKEND_ADDR:$((PCL_PX_BACKEND_PORT + i))"
			ports=$ports${ports:+,}$((PCL_PX_BACKEND_PORT + i))
		done
		echo "[stats]"
		echo "prometheus = off"
		printf '%s\n' "$extra"
	} >"$dir/proxy.conf"
	{
		echo "[port]"
		echo "device = net_memif0,role=client,socket=$dir/back.sock"
		echo "addr = $PCL_PX_BACKEND_ADDR/24"
		echo "[listen]"
		echo "ports = $ports"
		echo "app = http"
		echo "[stats]"
		echo "prometheus = off"
		printf '%s\n' "$extra"
	} >"$dir/backend.conf"
	# The proxy creates both sockets, so it starts first.
	PCL_SERVER_STDERR=$dir/proxy.err pcl_server_start "$ns" "$dir/proxy.out" --lcores "$plc" \
		--no-huge -m 512 --no-pci --file-prefix "$PCL_PX_PREFIX" -- -c "$dir/proxy.conf"
	PCL_PX_PROXY=$PCL_SERVER_PID
	pcl__px_wait "$dir/proxy.err" 'Ctrl-C stops' "the proxy" || return 1
	PCL_SERVER_STDERR=$dir/backend.err pcl_server_start "$ns" "$dir/backend.out" --lcores "$blc" \
		--no-huge -m 512 --no-pci --file-prefix "$PCL_PX_PREFIX-b" -- -c "$dir/backend.conf"
	PCL_PX_BACKEND=$PCL_SERVER_PID
	pcl__px_wait "$dir/backend.err" 'Ctrl-C stops' "the backend" || return 1
	# The proxy's worker 0 asks for the backend's MAC once a second.
	for i in $(seq 50); do
		pcl_px_stats "$ns" proxy 2>/dev/null | grep -q '"arp_learned": [1-9]' && return 0
		sleep 0.1
	done
	echo "memif-proxy: the proxy did not learn the backend's MAC within 5 s" >&2
	return 1
}

pcl_px_stop() {
	local rc=0
	kill -STOP "$(pgrep -P "$PCL_PX_BACKEND")" 2>/dev/null || true
	pcl_server_stop "$PCL_PX_PROXY" || rc=1
	kill -KILL "$(pgrep -P "$PCL_PX_BACKEND")" 2>/dev/null || true
	wait "$PCL_PX_BACKEND" 2>/dev/null || true
	pcl_server_stop "$PCL_PX_BACKEND" 2>/dev/null || true
	return $rc
}
