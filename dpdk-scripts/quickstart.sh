#!/usr/bin/env bash
# The quick start: install, build, and run portcullis on a net_tap device
# inside the network namespace pcl-demo with conf/portcullis.conf, show a
# kernel client (curl) getting an answer, and keep serving until Ctrl-C.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h] [--for SECONDS]

As root on Debian 12: installs what is missing (install-deps.sh), builds
(build/), creates the network namespace pcl-demo, runs build/app/portcullis
there on a tap device with conf/portcullis.conf (198.18.0.2/24, HTTP on port
80; the kernel side of the tap, pcl0, gets 198.18.0.1/24), shows curl getting
an answer, and serves until Ctrl-C, which prints the final totals and removes
the namespace.

  --for SECONDS   stop by itself after SECONDS of serving (unattended runs);
                  the environment variable QUICKSTART_SECONDS does the same
  -h, --help      this text
USAGE
}
secs=${QUICKSTART_SECONDS:-}
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--for) [ $# -ge 2 ] || { usage >&2; exit 2; }; secs=$2; shift 2 ;;
	--for=*) secs=${1#--for=}; shift ;;
	*) usage >&2; exit 2 ;;
	esac
done
if [ -n "$secs" ] && ! [[ "$secs" =~ ^[0-9]+$ ]]; then
	echo "quickstart: --for: expected whole seconds, got '$secs'" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "quickstart: run as root (DPDK and namespaces need it)" >&2; exit 1; }

cd "$(dirname "$0")/.."
say() { printf '\nquickstart: %s\n' "$*"; }

say "installing what is missing"
bash dpdk-scripts/install-deps.sh
say "building (build/)"
[ -f build/meson-private/coredata.dat ] || meson setup build >/dev/null
ninja -C build >/dev/null

ns=pcl-demo
if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
	if [ -n "$(ip netns pids "$ns" 2>/dev/null)" ]; then
		echo "quickstart: namespace $ns is in use (another quick start running?);" \
			"stop that one, or remove it with 'ip netns del $ns'" >&2
		exit 1
	fi
	echo "quickstart: removing the stale, empty namespace $ns"
	ip netns del "$ns"
fi
source dpdk-scripts/netns.sh

log=$(mktemp /tmp/portcullis-demo.XXXXXX.log)
pcl_ns_create "$ns"
# A bound on the server's life in case this script is killed outright.
PCL_SERVER_TIMEOUT=$((${secs:-31536000} + 60))
say "starting the server in namespace $ns (log: $log)"
pcl_server_start "$ns" "$log" -l 0-1 --no-huge -m 512 --no-pci --file-prefix "$ns" \
	-- -c conf/portcullis.conf
if ! pcl_tap_up "$ns" pcl0 198.18.0.1/24; then
	cat "$log" >&2
	exit 1
fi
# The server's startup lines, up to the one that says it is ready.
for _ in $(seq 50); do
	grep -q 'Ctrl-C stops' "$log" && break
	sleep 0.1
done
shown=$(stat -c %s "$log")
head -c "$shown" "$log"

say "asking it with curl from the kernel side:"
echo "\$ ip netns exec $ns curl -si http://198.18.0.2/"
if ! ip netns exec "$ns" timeout 15 curl -si --max-time 10 http://198.18.0.2/; then
	echo "quickstart: curl got no answer; the server log follows" >&2
	cat "$log" >&2
	exit 1
fi
cat <<MSG

quickstart: portcullis serves http://198.18.0.2/ inside namespace $ns. From another shell, try:
  ip netns exec $ns curl http://198.18.0.2/
  ip netns exec $ns ab -n 1000 -c 10 http://198.18.0.2/
  ip netns exec $ns ping -c 3 198.18.0.2
  dpdk-telemetry.py -f $ns          (then /portcullis/stats, /portcullis/conns)
MSG
if [ -n "$secs" ]; then
	echo "quickstart: serving for $secs s, then stopping (summary lines every 10 s):"
else
	echo "quickstart: serving until Ctrl-C (summary lines every 10 s):"
fi

# From here on the server's log is shown as it grows: a summary line every
# stats.log_interval_s, the final totals at the end.
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
rc=0
if kill -0 "$PCL_SERVER_PID" 2>/dev/null; then
	echo
	echo "quickstart: stopping the server (SIGINT); final totals:"
	pcl_server_stop || rc=1
else
	srv_rc=0
	wait "$PCL_SERVER_PID" 2>/dev/null || srv_rc=$?
	echo "quickstart: the server exited by itself (exit code $srv_rc)" >&2
	rc=1
fi
wait "$tail_pid" 2>/dev/null || true
echo "quickstart: removing namespace $ns (the server log stays in $log)"
exit "$rc"
