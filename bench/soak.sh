#!/usr/bin/env bash
# A soak: portcullis under normal connections and floods for a while, then a
# check that it gave back everything it took.
#
#   bench/soak.sh [-d SECONDS] [-r CPS] [-f PER_S] [-w WORKERS] [-h]
#
#   -d SECONDS  length of the load (default 60, 3..3600)
#   -r CPS      normal connections opened per second (default 20000, 1..1000000)
#   -f PER_S    spoofed segments per second, SYN, RST and ACK in turn
#               (default 30000, 0..1000000; 0 = no flood)
#   -w WORKERS  server worker lcores: 1 (core 0) or 2 (cores 0 and 1) (default 2)
#
# portcullis and cps-gen run as two DPDK processes over net_memif inside a
# network namespace this script creates and removes; the server on core 0
# (and core 1 with -w 2), cps-gen on core 1. One cps-gen makes the whole
# load: HTTP GETs, the client closing first and the server closing first
# (HTTP/1.0, TIME_WAIT on the server) in turn, and a flood of spoofed SYNs,
# RSTs and bare ACKs in turn (--close mix --flood-kind mix). Every 10 s a
# line shows the server's gauges. The server runs with short timers
# (TIME_WAIT 200 ms, SYN-ACK and FIN retries from 100 ms, idle 2 s) so that
# it drains in seconds. Then the script checks:
#   - conns_active returns to 0 (waiting up to 30 s);
#   - entries_free == entries: no connection entry leaked;
#   - mbufs_free == its value before the load: no mbuf leaked;
#   - conn_opened == the connections that ended, and every half-open entry
#     was established or ended (the accounting is explained below);
#   - cps-gen: opened == completed + failed;
#   - each flood kind reached the server; both processes exit cleanly;
# prints a summary and exits 1 naming the failed checks (2: bad usage).
# Needs root. Environment: PCL_BIN, PCL_GEN (default build/app/portcullis,
# build/bench/cps-gen; build them first with ninja -C build).
set -euo pipefail

usage() { sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; }
secs=60 rate=20000 flood=30000 workers=2
while getopts ":d:r:f:w:h" o; do
	case $o in
	d) secs=$OPTARG ;;
	r) rate=$OPTARG ;;
	f) flood=$OPTARG ;;
	w) workers=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || { echo "soak.sh: unexpected argument '$1' (try -h)" >&2; exit 2; }
# in_range OPT VALUE LO HI: refuses what is not a whole number in LO..HI.
in_range() {
	[[ $2 =~ ^[0-9]+$ ]] && [ "${#2}" -le 7 ] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
		{ echo "soak.sh: -$1: '$2' is not a number in $3..$4" >&2; exit 2; }
}
in_range d "$secs" 3 3600
in_range r "$rate" 1 1000000
in_range f "$flood" 0 1000000
in_range w "$workers" 1 2
[ "$(id -u)" -eq 0 ] || { echo "soak.sh: needs root (namespaces, DPDK devices)" >&2; exit 1; }

PCL_ROOT=$(cd "$(dirname "$0")/.." && pwd)
PCL_BIN=${PCL_BIN:-$PCL_ROOT/build/app/portcullis}
PCL_GEN=${PCL_GEN:-$PCL_ROOT/build/bench/cps-gen}
for b in "$PCL_BIN" "$PCL_GEN"; do
	[ -x "$b" ] || { echo "soak.sh: $b is not built (ninja -C build)" >&2; exit 1; }
done
# The server's life is bounded too: the load, the drain and some slack.
PCL_SERVER_TIMEOUT=$((secs * 2 + 120))
source "$PCL_ROOT/dpdk-scripts/netns.sh"
PY=/usr/bin/python3
SRV=198.18.0.2
EAL=(--no-huge -m 256 --no-pci)
tmp=
pcl_tmpdir tmp
ns=pcl-soak-$$
pcl_ns_create "$ns"
srv_prefix=$ns-srv
gen_prefix=$ns-gen
pcl_prefix "$gen_prefix"

# Short timers, so everything the load leaves behind ends within seconds:
# TIME_WAIT is 2 * msl_ms; a half-open entry lives rto_ms * (1 + 2 + 4);
# a connection whose client vanished is closed after idle_timeout_ms and
# dropped after `retries` FINs. A low cookie threshold makes the SYN flood
# switch cookies on and off, so both SYN paths take part.
cat >"$tmp/soak.conf" <<EOF
[timers]
msl_ms = 100
rto_ms = 100
rto_max_ms = 400
synack_retries = 2
retries = 3
idle_timeout_ms = 2000
[tables]
conns = 32768
syn_backlog = 4096
[syncookies]
mode = auto
threshold = 256
[stats]
log_interval_s = 10
prometheus = off
EOF

# die MSG: the reason, the end of the server's log, exit 1.
die() {
	echo "soak.sh: $*" >&2
	tail -n 20 "$tmp/server.err" >&2
	exit 1
}

# stats: the server's /portcullis/stats as one JSON line.
stats() {
	ip netns exec "$ns" timeout 10 "$PY" "$PCL_ROOT/tests/e2e/telemetry.py" "$srv_prefix" \
		/portcullis/stats
}

# gauge NAME: one field of a stats line on stdin.
gauge() { "$PY" -c "import json, sys; print(json.load(sys.stdin)['$1'])"; }

lcores=0@0,1@0
[ "$workers" = 1 ] || lcores=0@0,1@0,2@1
PCL_SERVER_STDERR=$tmp/server.err pcl_server_start "$ns" "$tmp/server.out" --lcores "$lcores" \
	"${EAL[@]}" --file-prefix "$srv_prefix" --vdev "net_memif0,role=server,socket=$tmp/memif.sock" \
	-- --addr $SRV/24 --listen 80 --app http --config "$tmp/soak.conf"
for _ in $(seq 100); do
	grep -q 'Ctrl-C stops' "$tmp/server.err" && break
	sleep 0.1
done
grep -q 'Ctrl-C stops' "$tmp/server.err" || die "portcullis did not start"
# The start values: the server is up and idle.
stats >"$tmp/start.json"

# memif: a memif peer that leaves while the other side polls can crash it
# (DPDK 22.11's PMD unmaps the rings under the RX path). So one cps-gen runs
# the whole load, and --hold keeps it connected but idle after its summary
# until the server has stopped.
echo "soak: $secs s, $workers worker(s), $rate connections/s, $flood spoofed segments/s" >&2
# Strict mode and today's 1 s timeout: over memif any loss is a bug, and a
# connection stuck at the end must not hold the summary back.
args=(--close mix --no-retransmit --timeout 1000)
[ "$flood" = 0 ] || args+=(--flood "$flood" --flood-kind mix)
ip netns exec "$ns" timeout -k 5 $((secs + 120)) "$PCL_GEN" --lcores 0@1 "${EAL[@]}" \
	--file-prefix "$gen_prefix" --vdev "net_memif0,role=client,socket=$tmp/memif.sock" \
	-- --dst $SRV --duration "$secs" --rate "$rate" --queues "$workers" --json --hold \
	"${args[@]}" >"$tmp/gen.out" 2>"$tmp/gen.err" &
gen_pid=$!
# The server's gauges every 10 s until cps-gen's summary (its JSON line, whole).
t0=$SECONDS
next=10
while ! grep -q '^{.*}$' "$tmp/gen.out"; do
	kill -0 "$PCL_SERVER_PID" 2>/dev/null || die "portcullis died during the load"
	kill -0 "$gen_pid" 2>/dev/null || die "cps-gen ended without a summary: $(tail -n 5 "$tmp/gen.err")"
	sleep 1
	[ $((SECONDS - t0)) -ge "$next" ] || continue
	next=$((next + 10))
	stats >"$tmp/now.json" || continue
	"$PY" - "$tmp/now.json" $((SECONDS - t0)) <<'PYEOF' >&2
import json, sys
s = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:>5} s: {s['conn_opened_per_s']} connections/s, {s['conns_active']} active, "
      f"entries free {s['entries_free']}/{s['entries']}, mbufs free {s['mbufs_free']}/{s['mbufs']}, "
      f"drops/s {s['drops_per_s']}")
PYEOF
done
grep '^{.*}$' "$tmp/gen.out" >"$tmp/gen.json"

# Drain: wait (30 s at most) for the server to let go of everything.
start_mbufs=$(gauge mbufs_free <"$tmp/start.json")
for ((t = 0; t < 60; t++)); do
	stats >"$tmp/end.json" || die "portcullis does not answer telemetry"
	[ "$(gauge conns_active <"$tmp/end.json")" = 0 ] &&
		[ "$(gauge entries_free <"$tmp/end.json")" = "$(gauge entries <"$tmp/end.json")" ] &&
		[ "$(gauge mbufs_free <"$tmp/end.json")" = "$start_mbufs" ] && break
	sleep 0.5
done
echo "drained in about $((t / 2)) s" >&2
stopped=1
pcl_server_stop || stopped=0
# The server is gone: cps-gen may leave.
kill -TERM "$gen_pid" 2>/dev/null || true
gen_rc=0
wait "$gen_pid" || gen_rc=$?
[ "$gen_rc" = 0 ] || cat "$tmp/gen.err" >&2

"$PY" - "$tmp" "$stopped" "$gen_rc" "$flood" "$secs" "$workers" <<'PYEOF'
import json, sys

tmp, stopped, gen_rc, flood, secs, workers = sys.argv[1], *map(int, sys.argv[2:])
start = json.load(open(f"{tmp}/start.json"))
end = json.load(open(f"{tmp}/end.json"))
gen = json.load(open(f"{tmp}/gen.json"))
srv = {k: end[k] - start[k] for k in end if isinstance(end[k], int) and not k.endswith("_per_s")}

# Every connection that reached ESTABLISHED (conn_opened) ends in exactly
# one of these (lib/tcp/pcl_tcp.c, conn_close): conn_closed (the FIN exchange,
# counted when TIME_WAIT begins), conn_reset, conn_timeout (FIN_WAIT_2
# idle), conn_retry_limit, conn_aborted. idle_closes is not among them: it
# sends our FIN, and the connection then ends as one of the five.
ENDED = ("conn_closed", "conn_reset", "conn_timeout", "conn_retry_limit", "conn_aborted")
ended = sum(srv[k] for k in ENDED)
# Half-open entries are made by stateful SYNs (syn_rx less cookie_sent and
# drop_syn_backlog) and by valid cookie ACKs (cookie_ok), less those that
# found the pool empty (drop_table_full); each becomes ESTABLISHED
# (conn_opened) or ends as halfopen_expired or halfopen_reset.
made = (srv["syn_rx"] - srv["cookie_sent"] - srv["drop_syn_backlog"] + srv["cookie_ok"]
        - srv["drop_table_full"])
gone = srv["conn_opened"] + srv["halfopen_expired"] + srv["halfopen_reset"]

checks = [
    ("conns_active returns to 0", end["conns_active"] == 0, f"{end['conns_active']} active"),
    ("no entry leaked: entries_free == entries", end["entries_free"] == end["entries"],
     f"{end['entries_free']} of {end['entries']} free"),
    ("no mbuf leaked: mbufs_free back to its start value", end["mbufs_free"] == start["mbufs_free"],
     f"{end['mbufs_free']} free, {start['mbufs_free']} at the start"),
    ("server: conn_opened == the connections that ended", srv["conn_opened"] == ended,
     f"{srv['conn_opened']} opened, {ended} ended"),
    ("server: every half-open entry ended or was established", made == gone,
     f"{made} made, {gone} established or ended"),
    ("cps-gen: opened == completed + failed", gen["opened"] == gen["completed"] + gen["failed"],
     f"{gen['opened']} opened, {gen['completed']} completed, {gen['failed']} failed"),
    ("the server stops cleanly on SIGINT", stopped == 1, "exit 0 within 5 s"),
    ("cps-gen exits cleanly", gen_rc == 0, f"exit {gen_rc}"),
]
if flood:
    checks += [
        ("the SYN flood reached the server", gen["flood_syn"] > 0 and srv["syn_rx"] > gen["opened"],
         f"{gen['flood_syn']} sent, syn_rx {srv['syn_rx']}"),
        ("the RST flood reached the server", gen["flood_rst"] > 0 and srv["drop_tcp_rst_nomatch"] > 0,
         f"{gen['flood_rst']} sent, drop_tcp_rst_nomatch {srv['drop_tcp_rst_nomatch']}"),
        ("the ACK flood was answered by RSTs", gen["flood_ack"] > 0 and gen["flood_rst_back"] > 0,
         f"{gen['flood_ack']} sent, {gen['flood_rst_back']} RSTs back"),
    ]

drops = {k[5:]: v for k, v in srv.items() if k.startswith("drop_") and v}
print(f"""
## Soak: {secs} s, {workers} worker(s)

| figure | value |
| --- | ---: |
| connections opened / completed / failed (cps-gen) | {gen['opened']:,} / {gen['completed']:,} / {gen['failed']:,} |
| connections per second (mean) | {gen['cps']:,.0f} |
| SYN-ACK latency p50 / p99 / max, µs | {gen['synack_us_p50']:,.0f} / {gen['synack_us_p99']:,.0f} / {gen['synack_us_max']:,.0f} |
| failures by kind | {', '.join(f"{k} {gen[k]}" for k in ('no_synack', 'rst', 'timeout', 'bad_response'))} |
| spoofed SYN / RST / ACK sent | {gen['flood_syn']:,} / {gen['flood_rst']:,} / {gen['flood_ack']:,} |
| back to spoofed addresses: SYN-ACKs / RSTs | {gen['flood_synack']:,} / {gen['flood_rst_back']:,} |
| server conn_opened = ended | {srv['conn_opened']:,} = {' + '.join(f"{srv[k]:,}" for k in ENDED)} ({', '.join(ENDED)}) |
| half-open entries expired / reset | {srv['halfopen_expired']:,} / {srv['halfopen_reset']:,} |
| SYN cookies sent / ok / bad, episodes | {srv['cookie_sent']:,} / {srv['cookie_ok']:,} / {srv['cookie_bad']:,}, {srv['cookie_episodes']} |
| RSTs sent, challenge ACKs | {srv['rst_tx']:,}, {srv['challenge_acks']:,} |
| drops | {', '.join(f"{k} {v:,}" for k, v in drops.items()) or 'none'} |
| final conns_active | {end['conns_active']} |
| final entries free / total | {end['entries_free']:,} / {end['entries']:,} |
| final mbufs free / at the start / total | {end['mbufs_free']:,} / {start['mbufs_free']:,} / {end['mbufs']:,} |
""")
failed = [c for c in checks if not c[1]]
for name, good, detail in checks:
    print(f"{'ok' if good else 'FAIL'}: {name} ({detail})")
if failed:
    print(f"soak FAILED: {'; '.join(c[0] for c in failed)}", file=sys.stderr)
    sys.exit(1)
print("soak passed: nothing leaked")
PYEOF
