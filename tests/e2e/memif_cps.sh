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
#   - two generator lcores, one queue each, against two workers, opening
#     5000 connections/s for 2 s whatever the server does (--open-loop):
#     each lcore accounts for its 5000 (opened, missed or not opened on
#     time), only its own flows come back to it (nothing handed over,
#     nothing steered by the server), and opened = completed + failed for
#     each lcore and in total (four pollers on two cores may lose a few:
#     counted, not judged);
#   - a server that stops answering mid-run (frozen with SIGSTOP): cps-gen
#     counts the connections it lost as failures (opened = completed +
#     failed) and still ends on time.
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

# gen NAME LCORES ARGS...: starts cps-gen against server NAME on LCORES in
# the background (pid in gen_pid), in strict mode (over memif any loss is a
# bug), its JSON summary going to $tmp/gen-NAME.json. It runs with --hold:
# after its summary it keeps its memif connected, idle, until released,
# since a peer that leaves while the other side polls can crash that side
# (DPDK 22.11, docs/troubleshooting.md); the server stops first.
gen() {
	local name=$1 lcores=$2
	shift 2
	pcl_prefix "$ns-gen-$name"
	ip netns exec "$ns" timeout 120 "$PCL_GEN" --lcores "$lcores" --no-huge -m 256 --no-pci \
		--file-prefix "$ns-gen-$name" --vdev "net_memif0,role=client,socket=$tmp/$name.sock" \
		-- --dst $SRV --json --quiet --no-retransmit --hold "$@" >"$tmp/gen-$name.json" \
		2>"$tmp/gen-$name.err" &
	gen_pid=$!
}

# summary NAME: waits (60 s at most) for the summary of cps-gen NAME.
summary() { gen_summary "$gen_pid" "$tmp/gen-$1.json" "$tmp/gen-$1.err" 60; }

# release: the server has stopped; cps-gen may go, and must exit 0.
release() { gen_release "$gen_pid"; }

# Two workers on lcores 1 and 2 (cores 0 and 1); the generator shares core 1.
server_up two '0@0,1@0,2@1'
gen two 0@1 --queues 2 --count 20000 --timeout 5000
summary two
tel=$(ip netns exec "$ns" timeout 10 "$PY" "$PCL_ROOT/tests/e2e/telemetry.py" "$ns-two" \
	/portcullis/lcores,1 /portcullis/lcores,2) || fail "telemetry query"
pcl_server_stop || fail "server two did not stop cleanly"
release
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

# Two generator lcores on cores 0 and 1 against two workers.
server_up lc '0@0,1@0,2@1'
gen lc 0@0,1@1 --rate 5000 --open-loop --duration 2 --timeout 3000
summary lc
tel=$(ip netns exec "$ns" timeout 10 "$PY" "$PCL_ROOT/tests/e2e/telemetry.py" "$ns-lc" \
	/portcullis/lcores,1 /portcullis/lcores,2) || fail "telemetry query"
pcl_server_stop || fail "server lc did not stop cleanly"
release
"$PY" - "$tmp/gen-lc.json" "$tel" "$tmp/server-lc.out" <<'PYEOF' || fail "two lcores: $(cat "$tmp/gen-lc.json")"
import json, sys
g = json.load(open(sys.argv[1]))
a, b = (json.loads(l) for l in sys.argv[2].splitlines())
tot = dict(l.split() for l in open(sys.argv[3]) if len(l.split()) == 2)
ws = g["workers"]
assert g["workers_n"] == 2 and [w["queues"] for w in ws] == [[0], [1]], ws
for w in ws:
    assert w["opened"] + w["missed"] + w["behind"] == 5000, ("its share of the schedule", w)
    assert w["completed"] > 0 and w["opened"] == w["completed"] + w["failed"], w
    assert w["handed"] == 0, ("a reply came back on the other lcore's queue", w)
for k in ("opened", "completed", "failed", "missed", "behind"):
    assert g[k] == sum(w[k] for w in ws), k
assert g["opened"] == g["completed"] + g["failed"], g
for s in (a, b):
    assert s["steered_out"] == 0 and s["steered_in"] == 0, "the generator's hash disagrees"
    assert s["conn_opened"] > 0, (a, b)
assert int(tot["conn_opened"]) >= g["completed"], tot
print(f"ok: 2 cps-gen lcores against 2 workers over memif, open loop at 5000/s for 2 s: "
      f"lcore 0 opened {ws[0]['opened']} = {ws[0]['completed']} completed + {ws[0]['failed']} "
      f"failed (missed {ws[0]['missed']}, behind {ws[0]['behind']}), lcore 1 {ws[1]['opened']} = "
      f"{ws[1]['completed']} + {ws[1]['failed']} ({ws[1]['missed']}, {ws[1]['behind']}); "
      f"nothing handed over or steered")
PYEOF

# A server that stops answering while connections are opening: frozen
# rather than stopped, so its memif stays connected while cps-gen polls.
server_up stop '0@0,1@0'
srv=$(pgrep -P "$PCL_SERVER_PID") || fail "no server process under pid $PCL_SERVER_PID"
gen stop 0@1 --duration 6 --timeout 500
sleep 2
kill -STOP "$srv"
start=$(date +%s)
summary stop
[ $(($(date +%s) - start)) -le 8 ] || fail "cps-gen did not end on time"
kill -CONT "$srv"
pcl_server_stop || fail "server stop did not stop cleanly"
release
"$PY" - "$tmp/gen-stop.json" <<'PYEOF' || fail "server frozen: $(cat "$tmp/gen-stop.json")"
import json, sys
g = json.load(open(sys.argv[1]))
assert g["completed"] > 0, "nothing completed before the stop"
assert g["failed"] > 0, "the stop cost nothing?"
assert g["opened"] == g["completed"] + g["failed"], g
assert g["no_synack"] + g["timeout"] + g["rst"] == g["failed"], g
print(f"ok: server frozen mid-run: {g['completed']} completed, {g['failed']} failed "
      f"(no_synack {g['no_synack']}, timeout {g['timeout']}, rst {g['rst']})")
PYEOF
