#!/usr/bin/env bash
# The kernel-side proof of RFC 9293/5961/6191/1337 behaviour: scapy plays a
# misbehaving client over net_tap (tests/e2e/rfc_cases.py), then hostile
# input (fragments, a source route, martian sources, a land attack, link
# broadcast, all flags, IP options) that must go unanswered and be counted.
# Needs root.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin tun

ns=pcl-rfc-$$
log=$tmp/server.log

pcl_ns_create "$ns"
pcl_server_start "$ns" "$log" -l 0-1 --no-huge -m 512 --no-pci --file-prefix "$ns" \
	--vdev net_tap0,iface=pclr0 -- -c "$PCL_ROOT/conf/portcullis.conf"
pcl_tap_up "$ns" pclr0 198.18.0.1/24 || { cat "$log"; exit 1; }
rc=0
ip netns exec "$ns" timeout 120 "$PY" "$PCL_ROOT/tests/e2e/rfc_cases.py" pclr0 || rc=$?
pcl_server_stop || rc=1
# The hostile inputs were dropped for their own reasons, each counted once.
want="drop_bad_src 6|drop_ip_frag 2|drop_ip_srcroute 1|drop_tcp_flags 1"
got=$(grep -E "^(drop_bad_src|drop_ip_frag|drop_ip_srcroute|drop_tcp_flags) " "$log" | paste -sd'|')
[ "$got" = "$want" ] || { echo "FAIL: hostile drops: '$got', want '$want'"; rc=1; }
# The link-broadcast SYN, among the kernel's own multicast.
[ "$(awk '$1 == "drop_not_ours" { print $2 }' "$log")" -ge 1 ] || { echo "FAIL: drop_not_ours 0"; rc=1; }
[ "$rc" -eq 0 ] || { echo "--- server log"; cat "$log"; }
grep -E '^(challenge_acks|time_wait_reused|drop_tcp_tw_rst) ' "$log" || true
exit $rc
