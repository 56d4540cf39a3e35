#!/usr/bin/env bash
# End to end through the SYN proxy over net_memif: cps-gen, portcullis with a
# [service:80] in full NAT, and a second portcullis serving http on four
# backend ports behind a second memif (dpdk-scripts/memif-proxy.sh), three
# DPDK processes inside a namespace this test creates: bench/run.sh's
# "proxied GET" row, for a fixed count.
#
#   memif_proxy.sh   (meson passes PCL_BIN, PCL_GEN and PCL_SRC in the environment)
#
# Checks, for up to 2000 connections (GET, client-first close) opened within
# 8 s, at most 100 at once, in strict mode (--no-retransmit: memif never
# loses, so any loss is a finding):
#   - cps-gen: opened = completed (at least 200: the backend instance and
#     cps-gen take turns on one core, so a busy machine slows every
#     connection down; 2000 in about 1 s when it is quiet), 0 failed, no
#     stray segment;
#   - the proxy: proxy_accepted = proxy_opened = proxy_closed = opened (its
#     final totals, and its telemetry before the stop), nothing failed,
#     reset or redispatched;
#   - the backend instance: conn_opened = conn_closed = http_requests = opened;
#   - the proxy exits cleanly.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/dpdk-scripts/memif-proxy.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin

N=2000
ns=pcl-e2e-mpx-$$
pcl_ns_create "$ns"
# The proxy on core 0; the backend instance shares core 1 with cps-gen.
pcl_px_start "$ns" "$tmp" '0@0,1@0' '0@1,1@1' 4 || fail "the proxy or its backend did not start"

# cps-gen holds its memif after the summary, so the proxy leaves first.
pcl_prefix "$ns-gen"
ip netns exec "$ns" timeout 60 "$PCL_GEN" --lcores 0@1 --no-huge -m 256 --no-pci \
	--file-prefix "$ns-gen" --vdev "$PCL_PX_GEN_VDEV" -- --dst "$PCL_PX_VIP" --json --quiet \
	--no-retransmit --hold --count $N --concurrency 100 --duration 8 --timeout 8000 \
	>"$tmp/gen.json" 2>"$tmp/gen.err" &
gen_pid=$!
gen_summary "$gen_pid" "$tmp/gen.json" "$tmp/gen.err" 20
# The last ACKs pass the proxy after cps-gen counts its connections complete.
sleep 0.5
pstats=$(pcl_px_stats "$ns" proxy) || fail "telemetry of the proxy"
bstats=$(pcl_px_stats "$ns" backend) || fail "telemetry of the backend"
pcl_px_stop || fail "the proxy did not stop cleanly"
gen_release "$gen_pid"

"$PY" - "$N" "$tmp/gen.json" "$tmp/proxy.out" "$pstats" "$bstats" <<'PYEOF' || fail "$(cat "$tmp/gen.json")"
import json, sys
n = int(sys.argv[1])
g = json.load(open(sys.argv[2]))
n = min(n, g["opened"])
tot = {k: int(v) for k, v in (l.split() for l in open(sys.argv[3]) if len(l.split()) == 2)}
p, b = json.loads(sys.argv[4]), json.loads(sys.argv[5])
assert n >= 200 and g["completed"] == n and g["failed"] == 0, g
assert g["stray"] == 0 and g["tx_drop"] == 0, g
for src, c in (("totals", tot), ("telemetry", p)):
    got = [c.get(k, 0) for k in ("proxy_accepted", "proxy_opened", "proxy_closed")]
    assert got == [n] * 3, (src, "proxy_accepted, proxy_opened, proxy_closed", got)
    bad = {k: c.get(k, 0) for k in ("proxy_failed", "proxy_reset", "proxy_idle", "proxy_no_port",
                                    "redispatches", "backend_rst")}
    assert not any(bad.values()), (src, bad)
got = [b[k] for k in ("conn_opened", "conn_closed", "http_requests")]
assert got == [n] * 3, ("backend conn_opened, conn_closed, http_requests", got)
print(f"ok: {n} connections through the SYN proxy over memif, 0 failed ({g['cps']:.0f}/s); "
      f"proxy accepted = opened = closed = {n}; backend opened = closed = requests = {n}; "
      f"{tot.get('held_segments', 0)} requests held until the backend answered, "
      f"{tot.get('backend_syn_retries', 0)} SYNs to backends retransmitted")
PYEOF
