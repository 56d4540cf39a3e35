#!/usr/bin/env bash
# Installs what portcullis needs to build, test and demo on Debian 12.
# Idempotent: only missing packages are installed. Run as root.
set -euo pipefail

pkgs=(
	# build
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk dpdk-dev libjemalloc-dev libcriterion-dev libsodium-dev libinih-dev libmicrohttpd-dev libjansson-dev
	libpcap-dev # capture filters: pcap_compile, then rte_bpf_convert
	clang-format clang
	# tests and demos
	iproute2 iputils-ping procps curl apache2-utils python3 python3-scapy tshark hping3 prometheus valgrind
	nginx-light
	# benchmarks (bench/run.sh, bench/links.sh); ethtool turns off checksum
	# offload on a veth a DPDK driver faces (bench/links.sh says why)
	wrk ethtool
)

usage() {
	cat <<USAGE
usage: $0 [-h]

Installs the Debian 12 packages portcullis needs to build, test and demo,
only those missing (checked with dpkg-query); run as root when some are:
  ${pkgs[*]}
USAGE
}
case ${1:-} in
-h | --help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

missing=()
for p in "${pkgs[@]}"; do
	installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: everything is installed"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -q
# nginx is for tests/e2e/tap_proxy.sh and bench/run.sh, which start their
# own inside namespaces: keep the package from starting one in this
# machine's namespace.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get install -y -q --no-install-recommends "${missing[@]}"

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if [ ${#still[@]} -gt 0 ]; then
	echo "install-deps: still missing after apt-get install: ${still[*]}" >&2
	exit 1
fi
echo "install-deps: done"
