#!/usr/bin/env bash
# Connections/s against concurrent connections (issue 20, item 3): for each
# count of idle connections, portcullis on one worker holds them open
# (cps-gen --idle) while cps-gen --search finds the highest rate of new
# connections it serves without loss beside them. Over net_memif, inside a
# network namespace this script creates and removes; prints a table and
# records it in bench/RESULTS.md.
#
#   bench/scale.sh [-i COUNTS] [-r RATE] [-u RATE] [-s SECONDS] [-M MB] [-R TRIES]
#                  [-o FILE] [-h]
#
#   -i COUNTS   idle connection counts, comma-separated (default
#               1000,10000,100000,1000000,10000000; each 1..20000000)
#   -r RATE     connections/s while opening the idle ones (default 250000;
#               1000..2000000), --concurrency 1000 at once at most
#   -u RATE     upper bound of each search (default 1200000; 1000..10000000)
#   -s SECONDS  length of each search step (default 1; 1..10)
#   -M MB       memory the server and cps-gen may take together, and
#               pcl-bench alone (default 12288; 512..20480); a count that
#               does not fit is skipped, and the output says so
#   -R TRIES    measure a count up to TRIES times while other processes take
#               more than 15 % of a core during its search (default 3; 1..10)
#   -o FILE     where to record the results (default bench/RESULTS.md; - for
#               nowhere): the lines between "<!-- bench/scale.sh: begin -->"
#               and "<!-- bench/scale.sh: end -->", under the heading
#               "Connections/s against concurrent connections", are replaced
#
# For each count N, a fresh server and cps-gen, as the memif rows of
# bench/run.sh (server on core 0, cps-gen on core 1, --no-huge, strict mode:
# --no-retransmit): the server's tables.conns N + 262144 (the search's
# headroom, as run.sh's), timers.idle_timeout_ms 0 so nothing times the idle
# ones out; cps-gen's --nsrc N / 50000 + 40 addresses, so the search's tuples
# are never the idle ones' and each comes back only after 2 M others. The
# server's busy cycles per connection are those of the search alone: its
# telemetry is read while cps-gen pauses between the phases. Memory: the
# server's resident memory with the N held (all of it: the table is zeroed
# at start), and its connection table's share (tables.conns x 128-byte
# entries, two bucket arrays, the free list); and the CPU other processes
# took meanwhile, which on a shared machine says whether the row measured
# the server or the sharing: above 15 % of a core the count is measured
# again (-R). Before each count, pcl-bench --idle measures the same
# in-process (handshake and close, no link, no generator).
# The defaults take about 8 minutes, more with retries. Needs root.
set -euo pipefail

usage() { sed -n '2,43p' "$0" | sed 's/^# \{0,1\}//'; }
counts=1000,10000,100000,1000000,10000000 fill=250000 upper=1200000 step=1 budget=12288 tries=3
PCL_ROOT=$(cd "$(dirname "$0")/.." && pwd)
results=$PCL_ROOT/bench/RESULTS.md
args="$*" # for the record's heading
source "$PCL_ROOT/bench/common.sh"
while getopts ":i:r:u:s:M:R:o:h" o; do
	case $o in
	i) counts=$OPTARG ;;
	r) fill=$OPTARG ;;
	u) upper=$OPTARG ;;
	s) step=$OPTARG ;;
	M) budget=$OPTARG ;;
	R) tries=$OPTARG ;;
	o) results=$OPTARG ;;
	h) usage; exit 0 ;;
	*) pcl_bench_bad_opt scale.sh "$o" ;;
	esac
done
shift $((OPTIND - 1))
pcl_bench_no_args scale.sh "$@"
in_range() { pcl_bench_in_range scale.sh "$@"; }
IFS=, read -r -a idle_counts <<<"$counts"
[ ${#idle_counts[@]} -gt 0 ] || { echo "scale.sh: -i: no count given" >&2; exit 2; }
for n in "${idle_counts[@]}"; do in_range i "$n" 1 20000000; done
in_range r "$fill" 1000 2000000
in_range u "$upper" 1000 10000000
in_range s "$step" 1 10
in_range M "$budget" 512 20480
in_range R "$tries" 1 10
[ "$(id -u)" -eq 0 ] || { echo "scale.sh: needs root (namespaces, DPDK devices)" >&2; exit 1; }
for tool in ip timeout meson ninja python3; do
	command -v $tool >/dev/null || { echo "scale.sh: $tool is missing" >&2; exit 1; }
done

pcl_bench_build
source "$PCL_ROOT/dpdk-scripts/netns.sh"
PY=/usr/bin/python3
SRV=198.18.0.2 # a /16: up to 402 client addresses from 198.18.0.3 on
NSPORT=50000   # cps-gen's default --sports 10000-59999
# The search's own clients: 40 addresses, 2 M tuples taken in turn, so a
# tuple comes back only after 2 M others, as from real clients: its bucket
# and the entries chained there are not still cached from its last use.
SEARCH_NSRC=40
HEADROOM=262144
CONCURRENCY=1000
SHARED=15 # % of a core other processes may take before a count is measured again
tmp=
pcl_tmpdir tmp
ns=pcl-scale-$$
pcl_ns_create "$ns"
t_start=$SECONDS
pcl_prefix "$ns-pb" # pcl-bench's
load0=$(cut -d' ' -f1-3 /proc/loadavg)

# size N: "conns nsrc server_mb gen_mb table_mb" for N idle connections.
# The server: 128-byte entries, 4-byte free list slots, two bucket arrays
# of a power of two of 4-byte heads (lib/tcp/pcl_tcp.c layout()), 512 MB
# beside (mbufs, memif rings, the TIME_WAIT store). cps-gen: its clients
# (pcl_gen_memsize: a 56-byte slot and 8 bytes each), 512 MB beside.
size() {
	"$PY" - "$1" "$HEADROOM" "$NSPORT" "$CONCURRENCY" "$SEARCH_NSRC" <<'PYEOF'
import math, sys
n, headroom, nsport, conc, search_nsrc = map(int, sys.argv[1:])
conns = n + headroom
table = conns * (128 + 4) + 2 * 4 * (1 << (conns - 1).bit_length())
nsrc = (n + conc) // nsport + search_nsrc
print(conns, nsrc, math.ceil(table / 2**20) + 512, math.ceil(nsrc * nsport * 64 / 2**20) + 512,
      math.ceil(table / 2**20))
PYEOF
}

# stats NAME: the server's busy_cycles and conn_closed now.
stats() {
	timeout 10 "$PY" "$PCL_ROOT/tests/e2e/telemetry.py" "$ns-$1" /portcullis/stats |
		"$PY" -c 'import json, sys; s = json.load(sys.stdin); print(s["busy_cycles"], s["conn_closed"])'
}

# others PID...: the machine's busy jiffies (steal aside) less those of
# PIDs, and the time: what other processes took, on a shared machine.
others() {
	local own=0 pid
	for pid in "$@"; do
		own=$((own + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
	done
	echo "$(($(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 }' /proc/stat) - own)) $(date +%s.%N)"
}

# mem_mb PID: resident memory, huge pages included, in MB.
mem_mb() {
	awk '/^(VmRSS|HugetlbPages):/ { kb += $2 } END { printf "%.0f", kb / 1024 }' "/proc/$1/status"
}

# wait_gen FILE REGEX: until cps-gen's FILE has REGEX (a pause, or the
# summary); exits if cps-gen or the server is gone first.
wait_gen() {
	pcl_bench_wait "$1" "$2" "$gen_pid" "$PCL_SERVER_PID" || {
		tail -n 5 "$tmp/$name.gen.err" "$tmp/$name.srv.err" >&2
		echo "scale.sh: cps-gen or portcullis ($name) ended early" >&2
		exit 1
	}
}

# point: one measurement of count n (the loop's variables): a fresh server
# and cps-gen; sets row, cyc_line (for the model) and busy_others.
point() {
	name=i$n.$try
	echo "== $n idle connections: tables.conns $conns, server -m $srv_mb, cps-gen --nsrc $nsrc -m $gen_mb" >&2
	cat >"$tmp/$name.conf" <<EOF
[tables]
conns = $conns
syn_backlog = 65536
[timers]
idle_timeout_ms = 0
[stats]
log_interval_s = 0
prometheus = off
EOF
	# Bounds: opening the idle ones, the search (20 steps at most), slack.
	life=$((n / fill + 20 * (step + 2) + 120))
	PCL_SERVER_TIMEOUT=$((life + 60))
	pcl_bench_serve "$ns" "$tmp/$name.srv" "$tmp/$name.srv.err" --lcores 0@0,1@0 --no-huge \
		-m "$srv_mb" --no-pci --file-prefix "$ns-$name" \
		--vdev "net_memif0,role=server,socket=$tmp/$name.sock" -- \
		--addr $SRV/16 --listen 80 --app http -c "$tmp/$name.conf" ||
		{ echo "scale.sh: portcullis ($name) did not start" >&2; exit 1; }
	srv_pid=$(pgrep -P "$PCL_SERVER_PID" -x portcullis | head -1)
	pcl_prefix "$ns-g$name"
	# --hold: cps-gen stays connected until the server has stopped (a memif
	# peer leaving can crash the other side: docs/troubleshooting.md).
	ip netns exec "$ns" timeout -k 5 "$life" "$GEN" --lcores 0@1 --no-huge -m "$gen_mb" \
		--no-pci --file-prefix "$ns-g$name" --vdev "net_memif0,role=client,socket=$tmp/$name.sock" \
		-- --dst $SRV --nsrc "$nsrc" --idle "$n" --idle-rate "$fill" --concurrency $CONCURRENCY \
		--search --rate "$upper" --step "$step" --no-retransmit --timeout 1000 --json --quiet \
		--hold >"$tmp/$name.json" 2>"$tmp/$name.gen.err" &
	gen_pid=$!
	wait_gen "$tmp/$name.gen.err" 'open and held after .* the run starts'
	read -r b0 c0 < <(stats "$name")
	fill_s=$(sed -n 's/.*held after \([0-9.]*\) s.*/\1/p' "$tmp/$name.gen.err")
	gpid=$(pgrep -P "$gen_pid" -x cps-gen | head -1)
	read -r j0 t0 < <(others "$srv_pid" "$gpid")
	mem=$(mem_mb "$srv_pid")
	wait_gen "$tmp/$name.gen.err" 'the run is over'
	read -r j1 t1 < <(others "$srv_pid" "$gpid")
	read -r b1 c1 < <(stats "$name")
	busy_others=$("$PY" -c "print(f'{100 * ($j1 - $j0) / $(getconf CLK_TCK) / ($t1 - $t0):.0f}')")
	cyc_line="$n $((b1 - b0)) $((c1 - c0))"
	wait_gen "$tmp/$name.json" '^\{.*\}$'
	pcl_bench_stop || echo "scale.sh: portcullis ($name) did not stop cleanly" >&2
	kill -TERM "$gen_pid" 2>/dev/null || true
	wait "$gen_pid" 2>/dev/null || true
	row=$("$PY" - "$tmp/$name.json" "$n" "$((b1 - b0))" "$((c1 - c0))" "$mem" "$table_mb" \
		"$(pcl_bench_limit "$tmp/$name.json")" "$busy_others % (try $try)" "$fill_s" "$pb" <<'PYEOF'
import json, sys
path, n, busy, closed, mem, table, limit, others, fill_s, pb = sys.argv[1:]
n, busy, closed = int(n), int(busy), int(closed)
g = json.load(open(path))
s = g["search"]
held = f"{g['idle_held']:,}" + ("" if g["idle_held"] == n else f" of {n:,}") + f" ({fill_s} s)"
cyc = f"{busy / closed:,.0f}" if closed else "-"
print(f"| {held} | {s['result_cps']:,} | {limit} | {cyc} | {pb} | {int(mem):,} MB ({int(table):,} MB table) | {others} |")
PYEOF
)
}

rows=()
for n in "${idle_counts[@]}"; do
	read -r conns nsrc srv_mb gen_mb table_mb < <(size "$n")
	if [ $((srv_mb + gen_mb)) -gt "$budget" ]; then
		echo "scale.sh: $n idle: the server ($srv_mb MB) and cps-gen ($gen_mb MB) do not fit in -M $budget MB; skipped" >&2
		rows+=("| $n | skipped: needs $((srv_mb + gen_mb)) MB, more than -M $budget | - | - | - | - | - |")
		continue
	fi
	# The same in-process: pcl-bench's handshake and close beside n held
	# connections, with no link, no generator and no other core involved.
	# About 800 bytes an entry: its workers and the tables of its other cases.
	pb_mb=$(((n + 65536) * 800 / 1048576 + 1024))
	pb=-
	if [ "$pb_mb" -le "$budget" ]; then
		pb=$(timeout 300 "$B/bench/pcl-bench" --no-huge -m "$pb_mb" --no-pci --no-shconf -l 0 \
			--file-prefix "$ns-pb" -- \
			-c "client-first close (stateful)" -i "$n" -t $((n + 65536)) -j |
			"$PY" -c 'import json, sys; print(json.load(sys.stdin)["cases"][0]["cycles"])')
	fi
	for ((try = 1; ; try++)); do
		point
		[ "$busy_others" -gt "$SHARED" ] && [ "$try" -lt "$tries" ] || break
		echo "scale.sh: $n idle: other processes took $busy_others % of a core; again" >&2
	done
	rows+=("$row")
	echo "$cyc_line" >>"$tmp/cycles"
	echo "scale.sh: ${rows[-1]}" >&2
done

# The model for 2 and 4 workers (docs/performance.md): the per-connection
# costs of steering from pcl-bench, added to each count's measured cycles.
echo "== pcl-bench: steering costs" >&2
timeout 120 "$B/bench/pcl-bench" --no-huge -m 512 --no-pci --no-shconf -l 0 --file-prefix "$ns-pb" \
	-- -c close -j \
	>"$tmp/pcl-bench.json"
touch "$tmp/cycles"
"$PY" - "$tmp/pcl-bench.json" "$tmp/cycles" <<'PYEOF' >"$tmp/model.md"
import json, sys
b = json.load(open(sys.argv[1]))
cyc = {c["case"]: c["cycles"] for c in b["cases"]}
one = cyc["handshake + client-first close (stateful)"]
owner = cyc["handshake + close, 2 workers, at the owner"]
hop = cyc["handshake + close, 2 workers, all hop"]
own_d, hop_d, hz = owner - one, hop - owner, b["tsc_hz"]
print(f"Model for more workers (pcl-bench, median of {b['rounds']} rounds: handshake + close "
      f"{one} cycles on 1 worker, {owner} on 2 at the owner, {hop} on 2 with every packet "
      f"hopping): a connection costs a worker the measured 1-worker cycles + {own_d} (the "
      f"owner computed in software) + (N-1)/N x {hop_d} (the hops) without RSS, or + "
      f"{own_d} alone with RSS; N workers, a core each, serve N x {hz / 1e9:.2f} GHz / that.")
print()
print("| idle connections | 1 worker, measured cycles/conn | 2 workers: cycles/conn, conns/s (RSS / no RSS) | 4 workers: cycles/conn, conns/s (RSS / no RSS) |")
print("|---:|---:|---:|---:|")
for line in open(sys.argv[2]):
    n, busy, closed = map(int, line.split())
    if not closed:
        continue
    c1 = busy / closed
    cols = []
    for w in (2, 4):
        rss, sw = c1 + own_d, c1 + own_d + (w - 1) / w * hop_d
        cols.append(f"{rss:,.0f} / {sw:,.0f}: {w * hz / rss / 1e6:.2f} M / {w * hz / sw / 1e6:.2f} M")
    print(f"| {n:,} | {c1:,.0f} | {cols[0]} | {cols[1]} |")
PYEOF

{
	echo "### $(date -u +%F): bench/scale.sh${args:+ $args}"
	echo
	echo "Machine: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores;" \
		"L2 $(lscpu | sed -n 's/^L2 cache: *//p'), L3 $(lscpu | sed -n 's/^L3 cache: *//p');" \
		"$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r);" \
		"commit $(git -C "$PCL_ROOT" describe --always --dirty 2>/dev/null || echo unknown);" \
		"load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end" \
		"($((SECONDS - t_start)) s)."
	echo
	echo "portcullis, 1 worker (core 0), cps-gen on core 1, over memif; the idle connections opened"
	echo "at $fill/s first and held through the search (${step} s steps, upper bound $upper/s,"
	echo "strict mode). Server cycles: its busy cycles per connection closed during the search"
	echo "alone; memory: the server's resident memory with the idle ones held, and its"
	echo "connection table (tables.conns = idle + $HEADROOM entries of 128 B, buckets, free list);"
	echo "pcl-bench: handshake + client-first close in-process beside as many held connections"
	echo "(pcl-bench --idle, median of 5 rounds of 20,000, no GET: compare rows, not columns);"
	echo "others: the CPU other processes took during the search, in % of one core (of $(nproc)):"
	echo "above $SHARED % a count was measured again, up to $tries times (the try kept is shown):"
	echo "a row still above it measures the machine's sharing, not the server."
	echo
	echo "| idle connections held (opened in) | conns/s without loss | limit above it | server cycles/conn | pcl-bench cycles/conn | server memory | others |"
	echo "|---:|---:|---|---:|---:|---:|---:|"
	printf '%s\n' "${rows[@]}"
	echo
	cat "$tmp/model.md"
} >"$tmp/results.md"
echo
cat "$tmp/results.md"
pcl_bench_record scale.sh "Connections/s against concurrent connections (issue 20)" "$results" \
	"$tmp/results.md"
