#!/usr/bin/env bash
# End to end: cps-gen --search over net_tap against the Linux kernel's TCP
# stack, in a namespace this test creates. The server is a Python loop that
# accepts at most 400 connections a second (backlog 64), so the search has
# a knee to find: above it the accept queue overflows, the kernel drops
# SYNs and cps-gen must retransmit them (a loss), below it nothing is lost.
# Needs root and /dev/net/tun.
#
#   tap_search.sh   (meson passes PCL_GEN and PCL_SRC in the environment)
#
# Checks: every step's figures add up (lost = offered - completed on time
# without a retransmission; pass exactly when lost is 0); the rates tried are the
# binary search's; the result is the highest rate that passed, and every
# failed rate is above it; the upper bound (2000/s) failed; each failed
# step's limit follows from its figures (the generator when it was busy or
# fell behind with the port taking everything, else the server); the
# totals add up (opened = completed + failed, in total and for
# the one worker); connections retransmitted are counted, none is counted
# as a failure.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin tun

ns=pcl-e2e-search-$$
pcl_ns_create "$ns"

cat >"$tmp/server.py" <<'PYEOF'
import socket, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(64)
resp = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello"
gap, due = 1 / 400, time.monotonic()
while True:
    c, _ = s.accept()
    # cps-gen resets what it gave up on (a step's end, a failure): carry on.
    try:
        c.recv(4096)
        c.sendall(resp)
    except OSError:
        pass
    c.close()
    due = max(due + gap, time.monotonic() - gap)
    time.sleep(max(0, due - time.monotonic()))
PYEOF
ip netns exec "$ns" timeout 120 "$PY" "$tmp/server.py" >"$tmp/server.err" 2>&1 &
for _ in $(seq 50); do
	ip netns exec "$ns" ss -ltn | grep -q ':8080 ' && break
	sleep 0.1
done

pcl_prefix "$ns-gen"
ip netns exec "$ns" timeout 120 "$PCL_GEN" -l 0 --no-huge -m 256 --no-pci \
	--file-prefix "$ns-gen" --vdev net_tap0,iface=cgs -- --dst 198.18.0.1:8080 \
	--src 198.18.0.100 --nsrc 2 --search --rate 2000 --step 1 --precision 0.2 \
	--timeout 2000 --resp-size 5 --json --quiet >"$tmp/gen.json" 2>"$tmp/gen.err" &
gen_pid=$!
pcl_tap_up "$ns" cgs 198.18.0.1/24 || fail "tap cgs did not come up"
wait "$gen_pid" || fail "cps-gen: exit $? $(cat "$tmp/gen.err")"

"$PY" - "$tmp/gen.json" <<'PYEOF' || fail "search: $(cat "$tmp/gen.json")"
import json, sys
g = json.load(open(sys.argv[1]))
s = g["search"]
steps = s["steps"]
assert s["probe"] is None, "--rate given: no probe"
lo, hi = 0, 2000
for i, st in enumerate(steps):
    assert st["rate"] == (2000 if i == 0 else (lo + hi) // 2), (i, st, lo, hi)
    assert st["offered"] == st["rate"], st  # 1 s steps
    assert st["completed"] <= st["offered"], st
    assert st["lost"] == st["offered"] - (st["completed"] - st["rtx_conns"] - st["late"]), st
    assert st["pass"] == (st["lost"] == 0), st
    gen = st["gen_busy"] >= 0.9 or (st["behind"] > 0 and not st["port_stalled"])
    assert st["limit"] == ("none" if st["pass"] else "generator" if gen else "server"), st
    if st["pass"]:
        lo = st["rate"]
    else:
        hi = st["rate"]
passed = [st["rate"] for st in steps if st["pass"]]
failed = [st["rate"] for st in steps if not st["pass"]]
assert not steps[0]["pass"], "a 400/s server kept up with 2000/s?"
assert passed, "no rate passed"
assert s["result_cps"] == max(passed) == lo, (s, passed)
assert min(failed) > s["result_cps"], (failed, s)
assert (hi - lo) <= 0.2 * hi or len(steps) == 20, (lo, hi)
assert not s["upper_passed"] and s["failed_at"] == min(failed), s
assert s["limit"] == [st["limit"] for st in steps if st["rate"] == min(failed)][-1], s
assert sum(st["rtx_conns"] for st in steps) > 0, "the overflowing steps retransmitted"
assert g["rtx_syn"] + g["rtx_req"] + g["rtx_fin"] > 0, g
assert g["opened"] == g["completed"] + g["failed"], g
w = g["workers"]
assert len(w) == 1 and w[0]["opened"] == w[0]["completed"] + w[0]["failed"], w
assert w[0]["opened"] == g["opened"] and w[0]["completed"] == g["completed"], (w, g)
assert g["bad_response"] == 0, "a response of another size than 5"
print(f"ok: search against the kernel (a 400/s Python server) over net_tap: {len(steps)} steps, "
      f"highest rate without loss {s['result_cps']}/s, failed at {min(failed)}/s ({s['limit']}); "
      f"{g['opened']} opened = {g['completed']} completed + {g['failed']} failed, "
      f"{g['rtx_syn']} SYNs retransmitted")
PYEOF
