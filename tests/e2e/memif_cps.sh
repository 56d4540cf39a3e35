#!/usr/bin/env bash
# End to end over net_memif: cps-gen (a second DPDK process) plays the
# clients of portcullis, both inside a namespace this test creates.
#
#   memif_cps.sh   (meson passes PCL_BIN, PCL_GEN and PCL_SRC in the environment)
#
# Checks:
#   - two workers: 20000 connections (GET, client-first close) all complete;
#     both workers opened connections; cps-gen sends each flow on the queue
#     the server's symmetric hash gives it, as an RSS NIC would, so nothing
#     is steered; the server's totals match the generator's exactly;
#   - a server stopped mid-run: cps-gen counts the connections it lost as
#     failures (opened = completed + failed) and still ends on time.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin

ns=pcl-e2e-memif-$$
pcl_ns_create "$ns"

# server_up NAME LCORES: portcullis on a memif socket of its own, in $ns.
server_up() {
	PCL_SERVER_STDERR=$tmp/server-$1.err pcl_server_start "$ns" "$tmp/server-$1.out" \
		--lcores "$2" --no-huge -m 512 --no-pci --file-prefix "$ns-$1" \
		--vdev "net_memif0,role=server,socket=$tmp/$1.sock" -- \
		--addr $SRV/24 --listen 80 --app http
	for _ in $(seq 100); do
		grep -q 'Ctrl-C stops' "$tmp/server-$1.err" && return 0
		sleep 0.1
	done
	fail "server $1 did not start"
}

# gen NAME ARGS...: cps-gen against server NAME; JSON summary in $tmp/gen-NAME.json.
gen() {
	local name=$1
	shift
	pcl_prefix "$ns-gen-$name"
	ip netns exec "$ns" timeout 120 "$PCL_GEN" --lcores 0@1 --no-huge -m 256 --no-pci \
		--file-prefix "$ns-gen-$name" --vdev "net_memif0,role=client,socket=$tmp/$name.sock" \
		-- --dst $SRV --json --quiet "$@" >"$tmp/gen-$name.json" 2>"$tmp/gen-$name.err"
}

# Two workers on lcores 1 and 2 (cores 0 and 1); the generator shares core 1.
server_up two '0@0,1@0,2@1'
gen two --queues 2 --count 20000 --timeout 5000 || fail "cps-gen: exit $? $(cat "$tmp/gen-two.err")"
tel=$(ip netns exec "$ns" timeout 10 "$PY" "$PCL_ROOT/tests/e2e/telemetry.py" "$ns-two" \
	/portcullis/lcores,1 /portcullis/lcores,2) || fail "telemetry query"
pcl_server_stop || fail "server two did not stop cleanly"
"$PY" - "$tmp/gen-two.json" "$tel" "$tmp/server-two.out" <<'PYEOF' || fail "two workers: $(cat "$tmp/gen-two.json")"
import json, sys
g = json.load(open(sys.argv[1]))
a, b = (json.loads(l) for l in sys.argv[2].splitlines())
tot = dict(l.split() for l in open(sys.argv[3]) if len(l.split()) == 2)
assert g["opened"] == 20000 and g["completed"] == 20000 and g["failed"] == 0, g
assert g["stray"] == 0 and g["tx_drop"] == 0, g
for w in (a, b):
    assert w["conn_opened"] > 2000, ("a worker got too few connections", a, b)
    assert w["steered_out"] == 0 and w["steered_in"] == 0, "the generator's hash disagrees"
for k in ("conn_opened", "conn_closed", "http_requests"):
    assert int(tot[k]) == 20000, (k, tot[k])
print(f"ok: 2 workers over memif: 20000 connections, 0 failed ({g['cps']:.0f}/s on this machine); "
      f"worker 0 opened {a['conn_opened']}, worker 1 {b['conn_opened']}, nothing steered; "
      f"server opened = closed = requests = 20000")
PYEOF

# A server that stops while connections are opening.
server_up stop '0@0,1@0'
# gen registers its prefix for cleanup, but in the background that happens
# in a subshell: register it here too.
pcl_prefix "$ns-gen-stop"
gen stop --duration 6 --timeout 500 &
gen_pid=$!
sleep 2
pcl_server_stop || fail "server stop did not stop cleanly"
start=$(date +%s)
rc=0
wait "$gen_pid" || rc=$?
[ "$rc" = 0 ] || fail "cps-gen after the server stopped: exit $rc $(cat "$tmp/gen-stop.err")"
[ $(($(date +%s) - start)) -le 8 ] || fail "cps-gen did not end on time"
"$PY" - "$tmp/gen-stop.json" <<'PYEOF' || fail "server stopped: $(cat "$tmp/gen-stop.json")"
import json, sys
g = json.load(open(sys.argv[1]))
assert g["completed"] > 0, "nothing completed before the stop"
assert g["failed"] > 0, "the stop cost nothing?"
assert g["opened"] == g["completed"] + g["failed"], g
assert g["no_synack"] + g["timeout"] + g["rst"] == g["failed"], g
print(f"ok: server stopped mid-run: {g['completed']} completed, {g['failed']} failed "
      f"(no_synack {g['no_synack']}, timeout {g['timeout']}, rst {g['rst']})")
PYEOF
