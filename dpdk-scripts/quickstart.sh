#!/usr/bin/env bash
# The quick start: install, build, and run the demo (tap-demo.sh): portcullis
# behind a veth pair (net_af_xdp) inside the network namespace pcl-demo
# with conf/portcullis.conf, a kernel client (curl) getting answers, and
# serving until Ctrl-C.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h] [--for SECONDS]

As root on Debian 12: installs what is missing (install-deps.sh), builds
(build/), then runs tap-demo.sh --keep: creates the network namespace
pcl-demo, runs build/app/portcullis there behind a veth pair (net_af_xdp)
with conf/portcullis.conf (198.18.0.2/24, HTTP on port 80; the kernel's end
of the pair, pcl0, gets 198.18.0.1/24), shows curl getting answers and the
server's counters, and serves until Ctrl-C, which prints the final totals
and removes the namespace.

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

# The rest is the demo (tap-demo.sh): namespace, server, curl, counters.
say "running the demo (tap-demo.sh)"
if [ -n "$secs" ]; then
	exec bash dpdk-scripts/tap-demo.sh --for "$secs"
fi
exec bash dpdk-scripts/tap-demo.sh --keep
