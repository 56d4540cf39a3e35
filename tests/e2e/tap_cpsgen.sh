#!/usr/bin/env bash
# End to end: cps-gen over net_tap against the Linux kernel's TCP stack (a
# Python HTTP server) in a namespace this test creates: the generator loads
# any TCP server, not only portcullis. Needs root and /dev/net/tun.
#
#   tap_cpsgen.sh   (meson passes PCL_GEN and PCL_SRC in the environment)
#
# Checks: 300 connections from two client addresses, server-first close
# (HTTP/1.0), all complete (so the generator answered the kernel's ARP for
# both); a closed port is counted as rst, each connection once; over IPv6
# (--dst [fd00:18::1]:8082), 200 connections from two client addresses
# complete (the generator found the kernel by ND and answered its ND).
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin tun

ns=pcl-e2e-cg-$$
pcl_ns_create "$ns"

mkdir -p "$tmp/www"
echo hello >"$tmp/www/index.html"
# All addresses of the namespace: the tap and its address appear later.
ip netns exec "$ns" timeout 120 "$PY" -m http.server 8080 --bind 0.0.0.0 \
	--directory "$tmp/www" >"$tmp/http.err" 2>&1 &
# And one on the IPv6 addresses, for the IPv6 case.
ip netns exec "$ns" timeout 120 "$PY" -m http.server 8082 --bind :: \
	--directory "$tmp/www" >"$tmp/http6.err" 2>&1 &
for _ in $(seq 50); do
	ip netns exec "$ns" ss -ltn | grep -q ':8080 ' && ip netns exec "$ns" ss -ltn | grep -q ':8082 ' &&
		break
	sleep 0.1
done

# gen NAME ARGS...: cps-gen on a tap of its own; the kernel side is 198.18.0.1.
gen() {
	local name=$1
	shift
	pcl_prefix "$ns-$name"
	ip netns exec "$ns" timeout 120 "$PCL_GEN" -l 0 --no-huge -m 256 --no-pci \
		--file-prefix "$ns-$name" --vdev "net_tap0,iface=cg$name" -- --dst 198.18.0.1 \
		--src 198.18.0.100 --nsrc 2 --json --quiet "$@" >"$tmp/$name.json" 2>"$tmp/$name.err" &
	local pid=$!
	pcl_tap_up "$ns" "cg$name" 198.18.0.1/24 || fail "tap cg$name did not come up"
	# IPv6 cases: the kernel's address without DAD (tap_ipv6 tests DAD), so
	# it answers the generator's first solicitation.
	[ "$name" != c ] || ip netns exec "$ns" ip -6 addr add fd00:18::1/64 dev "cg$name" nodad
	wait "$pid" || fail "cps-gen $name: exit $? $(cat "$tmp/$name.err")"
}

# At most 4 at once: http.server listens with a backlog of 5, and a full
# accept queue makes the kernel drop third ACKs (cps-gen would send them
# again, but a second later; this test wants no loss).
gen a --dst 198.18.0.1:8080 --close server --count 300 --concurrency 4 --timeout 5000
"$PY" - "$tmp/a.json" <<'PYEOF' || fail "kernel server: $(cat "$tmp/a.json")"
import json, sys
g = json.load(open(sys.argv[1]))
assert g["opened"] == 300 and g["completed"] == 300 and g["failed"] == 0, g
print(f"ok: cps-gen over net_tap against the kernel + Python http.server: 300 of 300 "
      f"connections from 2 addresses completed (HTTP/1.0, server-first close)")
PYEOF
gen b --dst 198.18.0.1:8081 --count 50 --concurrency 10
"$PY" - "$tmp/b.json" <<'PYEOF' || fail "closed port: $(cat "$tmp/b.json")"
import json, sys
g = json.load(open(sys.argv[1]))
assert g["rst"] == 50 and g["completed"] == 0 and g["failed"] == 50, g
print("ok: a closed kernel port: 50 connections, 50 counted as rst")
PYEOF
gen c --dst '[fd00:18::1]:8082' --src fd00:18::100 --close server --count 200 --concurrency 4 \
	--timeout 5000
"$PY" - "$tmp/c.json" <<'PYEOF' || fail "IPv6: $(cat "$tmp/c.json")"
import json, sys
g = json.load(open(sys.argv[1]))
assert g["opened"] == 200 and g["completed"] == 200 and g["failed"] == 0, g
print("ok: cps-gen over IPv6 against the kernel: 200 of 200 connections from 2 addresses "
      "completed (ND both ways)")
PYEOF
