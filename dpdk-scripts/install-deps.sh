#!/usr/bin/env bash
# Installs what portcullis needs to build, test and demo on Debian 12.
# Idempotent: only missing packages are installed. Run as root.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h]
Installs the Debian packages portcullis needs (build, tests, demos).
Only missing packages are installed; run as root.
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
[ $# -eq 0 ] || { usage >&2; exit 2; }

pkgs=(build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk dpdk-dev libjemalloc-dev libcriterion-dev libsodium-dev libinih-dev
	iproute2 iputils-ping procps curl apache2-utils python3 python3-scapy tshark hping3
	clang-format)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
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
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
