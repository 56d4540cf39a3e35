#!/usr/bin/env bash
# The quick start: install, build, and run portcullis on a net_tap device
# inside the network namespace pcl-demo with conf/portcullis.conf, show a
# kernel client (curl) getting an answer, and keep serving until Ctrl-C.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h] [--for SECONDS]
Runs the server in namespace pcl-demo (198.18.0.2, HTTP on port 80; the
kernel side of the tap is 198.18.0.1) until Ctrl-C, or for SECONDS.
USAGE
}
secs=
while [ $# -gt 0 ]; do
	case $1 in
	-h) usage; exit 0 ;;
	--for) secs=${2:?--for needs seconds}; shift 2 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "quickstart: run as root (DPDK and namespaces need it)" >&2; exit 1; }

cd "$(dirname "$0")/.."
bash dpdk-scripts/install-deps.sh
[ -d build ] || meson setup build >/dev/null
ninja -C build >/dev/null
source dpdk-scripts/netns.sh

ns=pcl-demo
if ip netns list | grep -qw "$ns"; then
	echo "quickstart: namespace $ns exists (another quick start running?); remove it with 'ip netns del $ns'" >&2
	exit 1
fi
log=$(mktemp /tmp/portcullis-demo.XXXXXX.log)
pcl_ns_create "$ns"
PCL_SERVER_TIMEOUT=${secs:-31536000}
pcl_server_start "$ns" "$log" -l 0-1 --no-huge -m 512 --no-pci --file-prefix "$ns" \
	-- -c conf/portcullis.conf
if ! pcl_tap_up "$ns" pcl0 198.18.0.1/24; then
	cat "$log" >&2
	exit 1
fi
echo "quickstart: the server runs in namespace $ns; asking it with curl:"
echo
ip netns exec "$ns" curl -si --max-time 5 http://198.18.0.2/
cat <<MSG

quickstart: portcullis serves http://198.18.0.2/ inside namespace $ns. Try:
  ip netns exec $ns curl http://198.18.0.2/
  ip netns exec $ns ab -n 10000 -c 50 http://198.18.0.2/
Server log: $log (summary every 10 s). Ctrl-C stops it and prints totals.
MSG
tail -n +1 -f "$log" --pid "$PCL_SERVER_PID" &
wait "$PCL_SERVER_PID" || true
