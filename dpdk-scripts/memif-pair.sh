#!/usr/bin/env bash
# portcullis and cps-gen as two DPDK processes joined by net_memif, inside a
# network namespace of their own: the quickest connections-per-second run;
# with -p, through portcullis's SYN proxy to a second portcullis.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h] [-w WORKERS] [-d SECONDS] [-c CONF | -p BACKENDS] [-- CPS-GEN OPTIONS...]

As root, with build/ built (meson setup build && ninja -C build): creates
the namespace pcl-memif-PID, starts portcullis there with CONF (default
conf/memif-bench.conf; its device is replaced by a memif socket in a temp
directory) on WORKERS worker lcores (1 or 2, default 1), runs cps-gen
against it for SECONDS (default 10) with as many queues as workers, prints
cps-gen's per-second lines and summary and the server's totals, then stops
both and removes the namespace.

  -w WORKERS   server workers: 1 (server on core 0, cps-gen on core 1) or 2
               (server on cores 0 and 1, cps-gen sharing core 1)
  -d SECONDS   how long cps-gen opens connections
  -c CONF      server config file
  -p BACKENDS  through the SYN proxy instead (dpdk-scripts/memif-proxy.sh):
               portcullis with a [service:80] of BACKENDS backends (1..64),
               which are the ports 8080.. of a second portcullis (http)
               behind a second memif; one worker each: the proxy on core
               0, the backend instance and cps-gen on core 1
  -- ...       more cps-gen options (build/bench/cps-gen --help), e.g.
               -- --flood 200000   or   -- --close server --rate 100000
USAGE
}

workers=1
secs=10
backends=
root=$(cd "$(dirname "$0")/.." && pwd)
conf=$root/conf/memif-bench.conf
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-w) workers=${2:?-w needs a value}; shift 2 ;;
	-d) secs=${2:?-d needs a value}; shift 2 ;;
	-c) conf=${2:?-c needs a value}; shift 2 ;;
	-p) backends=${2:?-p needs a value}; shift 2 ;;
	--) shift; break ;;
	*) echo "memif-pair: $1: unknown argument (try -h)" >&2; exit 2 ;;
	esac
done
case $workers in
1) lcores='0@0,1@0' ;;
2) lcores='0@0,1@0,2@1' ;;
*) echo "memif-pair: -w: '$workers' is not 1 or 2" >&2; exit 2 ;;
esac
[[ $secs =~ ^[0-9]+$ ]] && [ "$secs" -ge 1 ] && [ "$secs" -le 3600 ] ||
	{ echo "memif-pair: -d: '$secs' is not a number of seconds in 1..3600" >&2; exit 2; }
[ -r "$conf" ] || { echo "memif-pair: -c: cannot read '$conf'" >&2; exit 2; }
if [ -n "$backends" ]; then
	[[ $backends =~ ^[0-9]+$ ]] && [ "$backends" -ge 1 ] && [ "$backends" -le 64 ] ||
		{ echo "memif-pair: -p: '$backends' is not a number of backends in 1..64" >&2; exit 2; }
	[ "$workers" = 1 ] || { echo "memif-pair: -p runs one worker per instance (no -w 2)" >&2; exit 2; }
fi
[ "$(id -u)" -eq 0 ] || { echo "memif-pair: needs root (namespaces, DPDK devices)" >&2; exit 1; }
gen=$root/build/bench/cps-gen
PCL_BIN=$root/build/app/portcullis
for b in "$PCL_BIN" "$gen"; do
	[ -x "$b" ] || { echo "memif-pair: no $b; build first (meson setup build && ninja -C build)" >&2; exit 1; }
done

source "$root/dpdk-scripts/netns.sh"
source "$root/dpdk-scripts/memif-proxy.sh"
ns=pcl-memif-$$
tmp=
pcl_tmpdir tmp
pcl_ns_create "$ns"
if [ -n "$backends" ]; then
	pcl_px_start "$ns" "$tmp" 0@0,1@0 0@1,1@1 "$backends" || exit 1
	addr=$PCL_PX_VIP
	vdev=$PCL_PX_GEN_VDEV
else
	PCL_SERVER_STDERR=$tmp/server.err pcl_server_start "$ns" "$tmp/server.out" --lcores "$lcores" \
		--no-huge -m 1024 --no-pci --file-prefix "$ns" \
		--vdev "net_memif0,role=server,socket=$tmp/memif.sock" -- -c "$conf"
	for _ in $(seq 100); do
		grep -q 'Ctrl-C stops' "$tmp/server.err" && break
		sleep 0.1
	done
	grep -q 'Ctrl-C stops' "$tmp/server.err" || { cat "$tmp/server.err" >&2; echo "memif-pair: the server did not start" >&2; exit 1; }
	addr=$(grep -oE 'serving [0-9.]+' "$tmp/server.err" | head -1 | cut -d' ' -f2)
	vdev="net_memif0,role=client,socket=$tmp/memif.sock"
fi
pcl_prefix "$ns-gen"
ip netns exec "$ns" timeout $((secs + 60)) "$gen" --lcores 0@1 --no-huge -m 512 --no-pci \
	--file-prefix "$ns-gen" --vdev "$vdev" -- \
	--dst "$addr" --duration "$secs" --queues "$workers" "$@" 2> >(grep -v '^EAL\|^TELEMETRY' >&2)
if [ -n "$backends" ]; then
	# The backend instance is killed, not stopped (memif-proxy.sh): its counters first.
	echo "backend totals (non-zero):"
	pcl_px_stats "$ns" backend | /usr/bin/python3 -c 'import json, sys
for k, v in json.load(sys.stdin).items():
    if v and not k.endswith("_per_s"):
        print(f"  {k} {v}")'
	pcl_px_stop
	echo "proxy totals (non-zero):"
	awk 'NF == 2 && $2 != 0 { print "  " $0 }' "$tmp/proxy.out"
else
	pcl_server_stop
	echo "server totals (non-zero):"
	awk 'NF == 2 && $2 != 0 { print "  " $0 }' "$tmp/server.out"
fi
