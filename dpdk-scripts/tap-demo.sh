#!/usr/bin/env bash
# The demo, on an already built tree: portcullis inside the network
# namespace pcl-demo with conf/portcullis.conf, three requests from the
# kernel's side with curl, the server's counters, then everything stopped
# and removed (or, with -k, kept serving until Ctrl-C).
#
# What it does, step by step (the helpers come from netns.sh):
#   1. pcl_ns_create pcl-demo             ip netns add, lo up; removed at exit
#   2. unless --link tap: a veth pair in the namespace, pcl0 (the kernel's
#      end) and pcl0d (the server's), ethtool -K pcl0 tx off
#   3. pcl_server_start pcl-demo LOG ...  build/app/portcullis -l 0-1 --no-huge
#                                         -m 512 --no-pci --file-prefix pcl-demo
#                                         [--vdev net_af_xdp0,iface=pcl0d]
#                                         -- -c conf/portcullis.conf (net_af_packet
#                                         where af_xdp cannot start)
#   4. pcl_tap_up pcl-demo pcl0 198.18.0.1/24
#                                         wait for pcl0, give the kernel its address
#   5. with --capture FILE: /portcullis/capture,start,FILE,filter=tcp port 80
#   6. curl -si http://198.18.0.2/ three times, from the namespace
#   7. with --capture: /portcullis/capture,stop, and tshark's view of FILE
#   8. build/app/portcullis-stat --file-prefix pcl-demo --once
#   9. SIGINT to the server (it prints its totals), namespace removed
set -euo pipefail

# The fastest link a stock Debian kernel offers a kernel client
# (bench/links.sh, bench/RESULTS.md "Kernel-facing links").
default_link=af_xdp

usage() {
	cat <<USAGE
usage: $0 [-h] [-k | --for SECONDS] [--link LINK] [--capture FILE]

As root, with build/app/portcullis built (meson setup build && ninja -C
build; quickstart.sh does both): creates the network namespace pcl-demo,
runs the server there with conf/portcullis.conf (198.18.0.2/24, HTTP on port
80; the kernel's side of the link, pcl0, gets 198.18.0.1/24), asks it three
times with curl and prints the answers, prints its counters (portcullis-stat
--once), stops it and removes the namespace.

  -k, --keep      keep serving after that until Ctrl-C, showing the server's
                  log (a summary line every 10 s, the totals at the end)
  --for SECONDS   keep serving for SECONDS, then stop (unattended runs)
  --link LINK     how the kernel reaches the server (default $default_link, or
                  af_packet where af_xdp cannot start):
                    tap        net_tap: a tap device, a system call per packet
                    af_packet  net_af_packet on a veth pair (pcl0 / pcl0d)
                    af_xdp     net_af_xdp on a veth pair (pcl0 / pcl0d)
                  bench/links.sh compares them (bench/RESULTS.md)
  --capture FILE  capture the three requests (filter "tcp port 80") into
                  FILE, a pcapng file that must not exist yet, and show it
                  with tshark; open it in Wireshark (docs/capture.md)
  -h, --help      this text

Nothing is configured outside the namespace. The server's log stays in
/tmp/portcullis-demo.*.log.
USAGE
}

die() {
	echo "tap-demo: $*" >&2
	exit "${rc:-2}"
}

serve=0
secs=
link=$default_link
link_given=0
cap=
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-k | --keep) serve=1; shift ;;
	--for) [ $# -ge 2 ] || die "--for: give SECONDS"; secs=$2; serve=1; shift 2 ;;
	--for=*) secs=${1#--for=}; serve=1; shift ;;
	--link) [ $# -ge 2 ] || die "--link: give tap, af_packet or af_xdp"; link=$2; link_given=1; shift 2 ;;
	--link=*) link=${1#--link=}; link_given=1; shift ;;
	--capture) [ $# -ge 2 ] || die "--capture: give FILE"; cap=$2; shift 2 ;;
	--capture=*) cap=${1#--capture=}; shift ;;
	*) die "unknown argument '$1' (try -h)" ;;
	esac
done
if [ -n "$secs" ] && ! [[ "$secs" =~ ^[0-9]+$ ]]; then
	die "--for: expected whole seconds, got '$secs'"
fi
case $link in
tap | af_packet | af_xdp) ;;
*) die "--link: expected tap, af_packet or af_xdp, got '$link'" ;;
esac
if [ -n "$cap" ]; then
	# The server writes it; give it an absolute path, and never an existing file.
	cap=$(realpath -m -- "$cap")
	[ ! -e "$cap" ] || die "--capture: $cap exists; a capture never replaces a file"
	[ -d "$(dirname "$cap")" ] || die "--capture: no directory $(dirname "$cap")"
fi
[ "$(id -u)" -eq 0 ] || rc=1 die "run as root (network namespaces and the server's link need it)"

cd "$(dirname "$0")/.."
PCL_BIN=${PCL_BIN:-$PWD/build/app/portcullis}
STAT=$(dirname "$PCL_BIN")/portcullis-stat
[ -x "$PCL_BIN" ] || rc=1 die "$PCL_BIN is not built (meson setup build && ninja -C build, or run quickstart.sh)"
command -v curl >/dev/null || rc=1 die "curl is missing (dpdk-scripts/install-deps.sh)"
[ "$link" = tap ] || command -v ethtool >/dev/null ||
	rc=1 die "ethtool is missing (dpdk-scripts/install-deps.sh), or use --link tap"
[ -z "$cap" ] || command -v dpdk-telemetry.py >/dev/null ||
	rc=1 die "dpdk-telemetry.py is missing (Debian's dpdk package; dpdk-scripts/install-deps.sh)"
say() { printf '\ntap-demo: %s\n' "$*"; }

ns=pcl-demo
if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
	if [ -n "$(ip netns pids "$ns" 2>/dev/null)" ]; then
		rc=1 die "namespace $ns is in use (another demo running?); stop that one, or remove it with 'ip netns del $ns'"
	fi
	echo "tap-demo: removing the stale, empty namespace $ns"
	ip netns del "$ns"
fi
source dpdk-scripts/netns.sh

log=$(mktemp /tmp/portcullis-demo.XXXXXX.log)
pcl_ns_create "$ns"
if [ "$link" != tap ]; then
	# The veth pair is made in the namespace and goes with it. Its kernel
	# end must fill in TCP checksums itself: left to an offload, they arrive
	# empty and the server drops every segment (drop_tcp_cksum).
	ip -n "$ns" link add pcl0 type veth peer name pcl0d
	ip -n "$ns" link set pcl0d up
	ip netns exec "$ns" ethtool -K pcl0 tx off >/dev/null
fi
# A bound on the server's life in case this script is killed outright.
PCL_SERVER_TIMEOUT=$((${secs:-31536000} + 60))

# start LINK: the server on LINK; succeeds once it says it is ready.
start() {
	local vdev=()
	[ "$1" = tap ] || vdev=(--vdev "net_${1}0,iface=pcl0d")
	say "starting the server in namespace $ns on $1 (log: $log)"
	: >"$log"
	# On tap, the config's port.device makes the tap.
	pcl_server_start "$ns" "$log" -l 0-1 --no-huge -m 512 --no-pci --file-prefix "$ns" \
		"${vdev[@]}" -- -c conf/portcullis.conf
	for _ in $(seq 100); do
		grep -q 'Ctrl-C stops' "$log" && return 0
		kill -0 "$PCL_SERVER_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
if ! start "$link"; then
	# net_af_xdp needs a kernel with XDP sockets and the right to load an
	# XDP program; net_af_packet needs neither.
	if [ "$link" = af_xdp ] && [ "$link_given" = 0 ]; then
		grep -v '^lib\(bpf\|xdp\): ' "$log" | tail -n 3
		echo "tap-demo: net_af_xdp did not start here; trying net_af_packet (--link picks one)"
		pcl_server_stop >/dev/null 2>&1 || true
		link=af_packet
	fi
	start "$link" || { cat "$log" >&2; exit 1; }
fi
pcl_tap_up "$ns" pcl0 198.18.0.1/24 || { cat "$log" >&2; exit 1; }
# The server's startup lines, up to the one that says it is ready. libbpf's
# and libxdp's notices (no BPF file system in the namespace, a section they
# skip) are harmless; the log keeps them.
shown=$(stat -c %s "$log")
head -c "$shown" "$log" | grep -v '^lib\(bpf\|xdp\): '

# telemetry CMD: one telemetry request, shown with its reply.
telemetry() {
	echo "\$ echo '$1' | dpdk-telemetry.py -f $ns"
	echo "$1" | dpdk-telemetry.py -f "$ns"
}

if [ -n "$cap" ]; then
	say "capturing the requests into $cap:"
	telemetry "/portcullis/capture,start,$cap,filter=tcp port 80"
fi
say "asking it three times with curl from the kernel side:"
for i in 1 2 3; do
	echo "\$ ip netns exec $ns curl -si http://198.18.0.2/    # $i of 3"
	if ! ip netns exec "$ns" timeout 15 curl -si --max-time 10 http://198.18.0.2/; then
		echo "tap-demo: curl got no answer; the server log follows" >&2
		cat "$log" >&2
		exit 1
	fi
done
if [ -n "$cap" ]; then
	say "the capture, stopped (the file is complete once stop answers):"
	telemetry "/portcullis/capture,stop"
	# The server writes it as root, mode 0600; hand it to whoever ran sudo.
	[ -z "${SUDO_USER:-}" ] || chown "$SUDO_USER:" "$cap"
	if command -v tshark >/dev/null; then
		echo "\$ tshark -r $cap"
		tshark -r "$cap" 2>/dev/null
	fi
	echo "tap-demo: open $cap in Wireshark (wireshark $cap) for every field"
fi

if [ -x "$STAT" ]; then
	say "its counters, those above 0 (portcullis-stat --file-prefix $ns --once, which prints JSON):"
	if ! json=$("$STAT" --file-prefix "$ns" --once); then
		echo "tap-demo: portcullis-stat failed" >&2
	elif [ -x /usr/bin/python3 ]; then
		/usr/bin/python3 -c '
import json, sys
s = json.loads(sys.stdin.read())["stats"]
for k, v in s.items():
    if v and not k.endswith("_per_s"):
        print(f"  {k:<28} {v}")' <<<"$json"
	else
		echo "$json"
	fi
else
	echo "tap-demo: no $STAT in this build; the totals come when the server stops"
fi

if [ "$serve" = 1 ]; then
	cat <<MSG

tap-demo: portcullis serves http://198.18.0.2/ inside namespace $ns. From another shell, try:
  ip netns exec $ns curl http://198.18.0.2/
  ip netns exec $ns ab -n 1000 -c 10 http://198.18.0.2/
  ip netns exec $ns ping -c 3 198.18.0.2
  build/app/portcullis-stat --file-prefix $ns          (live counters)
  dpdk-telemetry.py -f $ns          (then /portcullis/stats, /portcullis/conns)
MSG
	if [ -n "$secs" ]; then
		echo "tap-demo: serving for $secs s, then stopping (summary lines every 10 s):"
	else
		echo "tap-demo: serving until Ctrl-C (summary lines every 10 s):"
	fi
	# From here on the server's log is shown as it grows: a summary line every
	# stats.log_interval_s, the final totals at the end.
	shown=$(stat -c %s "$log")
	tail -c +$((shown + 1)) -f --pid "$PCL_SERVER_PID" "$log" &
	tail_pid=$!
	stop=0
	trap 'stop=1' INT TERM
	if [ -n "$secs" ]; then
		end=$((SECONDS + secs))
		while [ "$stop" = 0 ] && [ "$SECONDS" -lt "$end" ] && kill -0 "$PCL_SERVER_PID" 2>/dev/null; do
			sleep 1 || true
		done
	else
		while [ "$stop" = 0 ] && kill -0 "$PCL_SERVER_PID" 2>/dev/null; do
			wait "$PCL_SERVER_PID" 2>/dev/null || true
		done
	fi
fi

rc=0
if kill -0 "$PCL_SERVER_PID" 2>/dev/null; then
	say "stopping the server (SIGINT)"
	pcl_server_stop || rc=1
else
	srv_rc=0
	wait "$PCL_SERVER_PID" 2>/dev/null || srv_rc=$?
	echo "tap-demo: the server exited by itself (exit code $srv_rc)" >&2
	rc=1
fi
if [ "$serve" = 1 ]; then
	wait "$tail_pid" 2>/dev/null || true
elif [ ! -x "$STAT" ]; then
	tail -c +$((shown + 1)) "$log"
fi
echo "tap-demo: removing namespace $ns (the server log, with its final totals, stays in $log)"
exit "$rc"
