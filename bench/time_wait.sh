#!/usr/bin/env bash
# The sustained server-close case: portcullis closing first (HTTP/1.0) on
# one worker for longer than 2·MSL, so that its TIME_WAIT store fills to
# rate × 2·MSL records and then holds there while the oldest expire. Inside
# a network namespace this script creates and removes; prints a table and
# a summary and records them in bench/RESULTS.md.
#
#   bench/time_wait.sh [-d SECONDS] [-m MSL_MS] [-r RATE] [-u RATE] [-s SECONDS]
#                      [-S] [-M MB] [-o FILE] [-h]
#
#   -d SECONDS  length of the sustained run (default 130: past 2·MSL = 60 s
#               twice with the default MSL; 10..600)
#   -m MSL_MS   the server's timers.msl_ms (default 30000, the server's
#               default); a record lives 2 × MSL_MS (timers.time_wait_ms 0)
#   -r RATE     offer RATE connections/s (open loop) without searching first
#   -u RATE     without -r: the upper bound of the search that picks the rate
#               (default 1100000; the target is 1 M/s)
#   -s SECONDS  length of each search step (default 1; 1..10)
#   -S          strict: cps-gen --no-retransmit, a lost segment fails its
#               connection (default: retransmission on, counted apart)
#   -M MB       memory the TIME_WAIT store and cps-gen's clients may take
#               together (default 7000; 256..16384); when rate × 2·MSL
#               records (32 B each in the server, 64 B of client state each
#               in cps-gen) do not fit, the MSL is shortened to what fits and
#               the output says so
#   -o FILE     where to record the results (default bench/RESULTS.md; - for
#               nowhere): the lines between "<!-- bench/time_wait.sh: begin -->"
#               and "<!-- bench/time_wait.sh: end -->", under the heading
#               "Sustained server close (TIME_WAIT)", are replaced
#
# Two DPDK processes over net_memif, as the memif rows of bench/run.sh: the
# server (main lcore and one worker) on core 0, cps-gen on core 1, both
# --no-huge with -m sized for what they hold. Without -r, a search
# (cps-gen --search --close server, open-loop steps) against a first server
# picks the highest rate without loss. Then a fresh server, its store
# (tables.time_wait) the power of two at or above 1.02 × rate × 2·MSL
# records where memory allows (the index then has a bucket per record), and
# cps-gen opening RATE connections/s, open loop, for SECONDS, with enough
# client tuples (--nsrc addresses of 50,000 ports) that none is reused
# while the server still holds its record. Every second the server's telemetry is sampled:
# connections/s, the state_TIME_WAIT gauge, time_wait_recycled / _skipped /
# _reused, drops, the worker's busy share, the resident memory of both
# processes, and the CPU the server, cps-gen, other processes and the
# hypervisor (steal) took. The summary gives the sustained rate and
# failures, the gauge's plateau against rate × 2·MSL, the memory per record
# and in all, and what limited the rate. Needs root.
set -euo pipefail

usage() { sed -n '2,46p' "$0" | sed 's/^# \{0,1\}//'; }
secs=130 msl=30000 rate= upper=1100000 step=1 strict=0 budget=7000
PCL_ROOT=$(cd "$(dirname "$0")/.." && pwd)
results=$PCL_ROOT/bench/RESULTS.md
args="$*" # for the record's heading
source "$PCL_ROOT/bench/common.sh"
while getopts ":d:m:r:u:s:SM:o:h" o; do
	case $o in
	d) secs=$OPTARG ;;
	m) msl=$OPTARG ;;
	r) rate=$OPTARG ;;
	u) upper=$OPTARG ;;
	s) step=$OPTARG ;;
	S) strict=1 ;;
	M) budget=$OPTARG ;;
	o) results=$OPTARG ;;
	h) usage; exit 0 ;;
	*) pcl_bench_bad_opt time_wait.sh "$o" ;;
	esac
done
shift $((OPTIND - 1))
pcl_bench_no_args time_wait.sh "$@"
in_range() { pcl_bench_in_range time_wait.sh "$@"; }
in_range d "$secs" 10 600
in_range m "$msl" 1 600000
[ -z "$rate" ] || in_range r "$rate" 1000 10000000
in_range u "$upper" 1000 10000000
in_range s "$step" 1 10
in_range M "$budget" 256 16384
[ "$(id -u)" -eq 0 ] || { echo "time_wait.sh: needs root (namespaces, DPDK devices)" >&2; exit 1; }
for tool in ip timeout meson ninja python3; do
	command -v $tool >/dev/null || { echo "time_wait.sh: $tool is missing" >&2; exit 1; }
done

pcl_bench_build
# Bounds each server's life: the search or the run, and slack.
PCL_SERVER_TIMEOUT=$((secs + 300))
source "$PCL_ROOT/dpdk-scripts/netns.sh"
PY=/usr/bin/python3
# A /16: cps-gen's clients, from 198.18.0.3 on, take up to 1,342 addresses,
# and the server drops a segment from its subnet's broadcast address
# (drop_bad_src), which a /24 would put among them.
SRV=198.18.0.2
NSPORT=50000      # cps-gen's default --sports 10000-59999
MAX_TUPLES=67108864 # cps-gen: at most 2^26 client (address, port) pairs
REC_B=32           # a TIME_WAIT record with its index share (docs/time-wait.md)
CLIENT_B=64        # cps-gen's state per client tuple: a 56-byte slot, its map and queue entries
PCL_TW_MAX=134217726 # tables.time_wait at most
tmp=
pcl_tmpdir tmp
ns=pcl-tw-$$
pcl_ns_create "$ns"
load0=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$SECONDS

# fit RATE: the longest MSL (ms, at most $msl) at which RATE × 2·MSL records,
# and 2 % to spare, fit in the memory budget and in cps-gen's client tuples.
fit() {
	"$PY" - "$1" "$msl" "$budget" "$REC_B" "$CLIENT_B" "$MAX_TUPLES" <<'PYEOF'
import sys
rate, msl, budget, rec_b, client_b, max_tuples = map(int, sys.argv[1:])
by_mem = budget * 2**20 / (rec_b + client_b) / (1.02 * rate) * 1000 / 2
by_tuples = max_tuples / (1.02 * rate) * 1000 / 2
print(max(1, min(msl, int(by_mem), int(by_tuples))))
PYEOF
}

# size RATE MSL: "records nsrc server_mb gen_mb" for RATE over a 2·MSL life.
# The store: the power of two at or above 1.02 × the records (its index then
# has a bucket per slot; below a power of two it has half as many, and
# chains twice as long cost the worker more misses: pcl-tw-bench -c), else
# 1.25 × where the budget allows. Client tuples: 1.25 ×, 1.02 × at least
# (fit): a generator that fell behind makes up its opens in a burst.
size() {
	"$PY" - "$1" "$2" "$budget" "$NSPORT" "$MAX_TUPLES" "$REC_B" "$CLIENT_B" "$PCL_TW_MAX" <<'PYEOF'
import math, sys
rate, msl, budget, nsport, max_tuples, rec_b, client_b, tw_max = map(int, sys.argv[1:])
need = rate * 2 * msl / 1000
low = max(1024, math.ceil(1.02 * need))
tuples = min(max_tuples, max(low, math.ceil(1.25 * need)))
nsrc = max(1, min(max_tuples // nsport, math.ceil(tuples / nsport)))
gen_b = nsrc * nsport * client_b
pow2 = 1 << (low - 1).bit_length()
fits = lambda n: n <= tw_max and n * rec_b + gen_b <= budget * 2**20
records = pow2 if fits(pow2) else max(low, min(math.ceil(1.25 * need),
                                               (budget * 2**20 - gen_b) // rec_b, tw_max))
# Beside the store and the clients: connection entries, mbufs, memif rings.
print(records, nsrc, math.ceil(records * rec_b / 2**20) + 512, math.ceil(gen_b / 2**20) + 512)
PYEOF
}

# server NAME RECORDS MSL MB: portcullis on core 0 with a store of RECORDS.
server() {
	local name=$1
	cat >"$tmp/$name.conf" <<EOF
[tables]
conns = 262144
syn_backlog = 65536
time_wait = $2
[timers]
msl_ms = $3
[stats]
log_interval_s = 0
prometheus = off
EOF
	pcl_bench_serve "$ns" "$tmp/$name.srv" "$tmp/$name.srv.err" \
		--lcores 0@0,1@0 --no-huge -m "$4" --no-pci --file-prefix "$ns-$name" \
		--vdev "net_memif0,role=server,socket=$tmp/$name.sock" -- \
		--addr $SRV/16 --listen 80 --app http -c "$tmp/$name.conf" ||
		{ echo "time_wait.sh: portcullis ($name) did not start" >&2; exit 1; }
}

# gen NAME NSRC MB ARGS...: cps-gen on core 1 against server NAME, --hold so
# that it stays connected until the server has stopped (a memif peer leaving
# can crash the other side: docs/troubleshooting.md); its output in
# $tmp/NAME.gen (per-second lines, then the JSON summary). Sets gen_pid.
gen() {
	local name=$1 nsrc=$2 mb=$3
	shift 3
	pcl_prefix "$ns-g$name"
	ip netns exec "$ns" timeout -k 5 $((secs + 600)) "$GEN" --lcores 0@1 --no-huge -m "$mb" \
		--no-pci --file-prefix "$ns-g$name" --vdev "net_memif0,role=client,socket=$tmp/$name.sock" \
		-- --dst $SRV --nsrc "$nsrc" --close server --json --hold "${retx[@]}" "$@" \
		>"$tmp/$name.gen" 2>"$tmp/$name.gen.err" &
	gen_pid=$!
}

# gen_wait NAME: until cps-gen's summary (its JSON line) is out; then the
# server stops, then cps-gen.
gen_wait() {
	pcl_bench_wait "$tmp/$1.gen" '^\{.*\}$' "$gen_pid" "$PCL_SERVER_PID" || {
		tail -n 5 "$tmp/$1.gen.err" "$tmp/$1.srv.err" >&2
		echo "time_wait.sh: cps-gen ($1) or portcullis ended before the summary" >&2
		exit 1
	}
	grep '^{.*}$' "$tmp/$1.gen" >"$tmp/$1.json"
	pcl_bench_stop || echo "time_wait.sh: the server did not stop cleanly" >&2
	kill -TERM "$gen_pid" 2>/dev/null || true
	wait "$gen_pid" 2>/dev/null || true
}

# Over memif nothing is lost on the link: a retransmission repairs a frame
# a side dropped while the other was descheduled; strict mode fails it.
retx=(--timeout 10000)
[ "$strict" = 0 ] || retx=(--no-retransmit --timeout 1000)

# 1. The rate: given, or the highest a search passes.
search_line=
if [ -z "$rate" ]; then
	smsl=$(fit "$upper")
	read -r srec snsrc ssrv_mb _ < <(size "$upper" "$smsl")
	# The search needs tuples for its steps only (20 at most), not a whole life.
	snsrc=$("$PY" -c "import math; print(max(1, min($MAX_TUPLES // $NSPORT, $snsrc, \
math.ceil($upper * $step * 20 / $NSPORT))))")
	sgen_mb=$((snsrc * NSPORT * CLIENT_B / 1048576 + 512))
	echo "== search: upper bound $upper/s, ${step} s steps, store of $srec records" >&2
	server s "$srec" "$smsl" "$ssrv_mb"
	gen s "$snsrc" "$sgen_mb" --search --rate "$upper" --step "$step" --quiet
	gen_wait s
	rate=$("$PY" -c "import json; print(json.load(open('$tmp/s.json'))['search']['result_cps'])")
	[ "$rate" -gt 0 ] || { cat "$tmp/s.gen" >&2; echo "time_wait.sh: no rate passed the search" >&2; exit 1; }
	search_line=$("$PY" - "$tmp/s.json" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))["search"]
if s["upper_passed"]:
    print(f"the search's upper bound, {s['result_cps']:,}/s, passed")
else:
    bad = [x for x in s["steps"] if x["rate"] == s["failed_at"]][-1]
    print(f"the search passed {s['result_cps']:,}/s; at {s['failed_at']:,}/s "
          f"{100 * bad['lost'] / bad['offered']:.2f} % was lost, limit: {s['limit']} "
          f"(cps-gen {100 * bad['gen_busy']:.0f} % busy)")
PYEOF
)
	echo "time_wait.sh: $search_line" >&2
fi

# 2. The sustained run.
rmsl=$(fit "$rate")
msl_note=
[ "$rmsl" = "$msl" ] ||
	msl_note="MSL shortened from $msl to $rmsl ms: $rate/s × 2·MSL records do not fit in -M $budget MB (or in cps-gen's 2^26 client tuples)"
[ -z "$msl_note" ] || echo "time_wait.sh: $msl_note" >&2
read -r rec nsrc srv_mb gen_mb < <(size "$rate" "$rmsl")
echo "== sustained: $rate/s for $secs s, TIME_WAIT $((2 * rmsl)) ms, store of $rec records," \
	"$nsrc client addresses; server -m $srv_mb, cps-gen -m $gen_mb" >&2
server r "$rec" "$rmsl" "$srv_mb"
srv_pid=$(pgrep -P "$PCL_SERVER_PID" -x portcullis | head -1)
gen r "$nsrc" "$gen_mb" --rate "$rate" --open-loop --duration "$secs"
# The sampler: one line a second in $tmp/samples, a table line on stderr,
# until cps-gen's summary is out.
"$PY" - "$ns-r" "$srv_pid" "$gen_pid" "$tmp/samples" "$tmp/r.gen" "$((2 * rmsl))" <<'PYEOF' &
import json, os, re, socket, subprocess, sys, time

prefix, srv_pid, gen_parent, out, gen_out, life_ms = sys.argv[1:]
hz = os.sysconf("SC_CLK_TCK")
ncpu = os.cpu_count()

def connect():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(f"/var/run/dpdk/{prefix}/dpdk_telemetry.v2")
    s.recv(16384)
    return s

def ask(s, cmd):
    s.send(cmd.encode())
    return json.loads(s.recv(1 << 17))[cmd.split(",")[0]]

def status(pid, key):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0

def ticks(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return int(f[11]) + int(f[12])
    except (OSError, IndexError):
        return 0

def busy():
    # The machine's busy and stolen jiffies (a VM's steal: its host gave the
    # time to another guest).
    f = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    return sum(f[0:3]) + f[5] + f[6], f[7]

def cyc_txt(c):
    return "-" if c is None else f"{c:,.0f}"

gen_pid = None
s = connect()
lcores = ask(s, "/portcullis/lcores")
t0 = time.monotonic()
prev = None
print(f"{'t s':>5} {'conns/s':>9} {'TIME_WAIT':>11} {'recycled':>9} {'skipped':>8} "
      f"{'reused':>8} {'drops':>7} {'srv busy':>8} {'cyc/conn':>8} {'srv cpu':>7} {'gen cpu':>7} {'others':>6} "
      f"{'steal':>5} {'srv MB':>7} {'gen MB':>7}", file=sys.stderr)
with open(out, "w") as f:
    k = 0
    while True:
        # The next whole second; after a sample that took longer (the
        # server's control thread descheduled), the one after it.
        k = max(k + 1, int(time.monotonic() - t0) + 1)
        time.sleep(max(0, t0 + k - time.monotonic()))
        if gen_pid is None:
            try:
                gen_pid = int(subprocess.run(["pgrep", "-P", gen_parent, "-x", "cps-gen"],
                                             capture_output=True, text=True).stdout.split()[0])
            except (IndexError, ValueError):
                pass
        t = time.monotonic() - t0
        try:
            st = ask(s, "/portcullis/stats")
            lc = [ask(s, f"/portcullis/lcores,{i}") for i in lcores]
        except (OSError, ValueError, KeyError):
            break
        now = {
            "t": t,
            "closed": st["conn_closed"], "opened": st["conn_opened"],
            "tw": sum(l["state_TIME_WAIT"] for l in lc),
            "recycled": st["time_wait_recycled"], "skipped": st["time_wait_skipped"],
            "reused": st["time_wait_reused"],
            "drops": sum(v for k2, v in st.items() if k2.startswith("drop_") and not k2.endswith("_per_s")),
            "drop_tx_full": st["drop_tx_full"], "drop_nombuf": st["drop_nombuf"],
            "drop_table_full": st["drop_table_full"], "cookie_sent": st["cookie_sent"],
            "conn_reset": st["conn_reset"], "timer_deferred": st["timer_deferred"],
            "busy_pct": sum(l["busy_pct"] for l in lc) / len(lc), "busy_cycles": st["busy_cycles"],
            "srv_rss_mb": status(srv_pid, "VmRSS"), "srv_hwm_mb": status(srv_pid, "VmHWM"),
            "gen_rss_mb": status(gen_pid, "VmRSS") if gen_pid else 0,
            "srv_j": ticks(srv_pid), "gen_j": ticks(gen_pid) if gen_pid else 0,
        }
        now["busy_j"], now["steal_j"] = busy()
        if prev is not None:
            dt = max(now["t"] - prev["t"], 0.001)
            # CPU shares, in % of one core: each poller can take 100.
            share = lambda k: 100 * (now[k] - prev[k]) / (hz * dt)
            now["srv_cpu"], now["gen_cpu"] = share("srv_j"), share("gen_j")
            now["others_cpu"] = max(0.0, share("busy_j") - now["srv_cpu"] - now["gen_cpu"])
            now["steal_cpu"] = share("steal_j")
            now["cps"] = (now["closed"] - prev["closed"]) / dt
            # None when nothing closed: the cycles of a stall are no connection's.
            n = now["closed"] - prev["closed"]
            now["cyc"] = (now["busy_cycles"] - prev["busy_cycles"]) / n if n > 0 else None
            print(f"{now['t']:5.0f} {now['cps']:9,.0f} {now['tw']:11,} {now['recycled']:9,} "
                  f"{now['skipped']:8,} {now['reused']:8,} {now['drops'] - prev['drops']:7,} "
                  f"{now['busy_pct']:7.0f}% {cyc_txt(now['cyc']):>8} {now['srv_cpu']:6.0f}% {now['gen_cpu']:6.0f}% "
                  f"{now['others_cpu']:5.0f}% {now['steal_cpu']:4.0f}% {now['srv_rss_mb']:7,} "
                  f"{now['gen_rss_mb']:7,}", file=sys.stderr)
        f.write(json.dumps(now) + "\n")
        f.flush()
        prev = now
        # Until cps-gen's summary is out (or it is gone): the server is
        # stopped only after the last sample.
        if re.search(r"^\{.*\}$", open(gen_out).read(), re.M):
            break
        try:
            os.kill(int(gen_parent), 0)
        except OSError:
            break
PYEOF
wait $! || true
gen_wait r

# 3. The table and the summary, as Markdown: printed, and recorded.
"$PY" - "$tmp" "$rate" "$secs" "$((2 * rmsl))" "$rec" "$nsrc" "$strict" "$msl_note" \
	"$search_line" <<'PYEOF' >"$tmp/body.md"
import json, statistics, sys

tmp, rate, secs, life_ms, cap, nsrc, strict, msl_note, search_line = sys.argv[1:]
rate, secs, life_ms, cap, nsrc = int(rate), int(secs), int(life_ms), int(cap), int(nsrc)
life = life_ms / 1000
g = json.load(open(f"{tmp}/r.json"))
S = [json.loads(l) for l in open(f"{tmp}/samples") if l.strip()]
# cps-gen's per-second lines: completed and failed connections of each second.
gl = []
for line in open(f"{tmp}/r.gen"):
    w = line.split()
    if len(w) > 3 and w[1] == "cps" and w[0].endswith("s"):
        fails = sum(int(w[i + 1]) for i, x in enumerate(w) if x in ("no_synack", "rst", "timeout", "bad_response"))
        gl.append((float(w[0][:-1]), int(w[2]), fails, int(w[w.index("rtx") + 1])))

w0 = g["workers"][0]
load = [x for x in S[1:] if x["t"] <= secs]
cps = [x["cps"] for x in load]
print(f"cps-gen offered {rate:,} connections/s, open loop, for {secs} s; the server's "
      f"TIME_WAIT lasted {life_ms:,} ms (2·MSL), its store held {cap:,} records; "
      f"{nsrc} client addresses × 50,000 ports; "
      + ("strict mode (--no-retransmit)." if strict == "1" else "retransmission on."))
if msl_note:
    print(f"**{msl_note}.**")
if search_line:
    print(f"The rate: {search_line}.")
print()
# The table: every 10 s, and the last second of the load.
print("| t s | conns/s, server | cps-gen: completed/s, failed, rtx | TIME_WAIT | closed in the 2·MSL before | recycled | drops | worker busy | server cycles/conn | CPU % of a core: server, cps-gen, others, steal | RSS MB: server, cps-gen |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
def closes_within(i):
    # Connections closed in the life before sample i (between samples, by
    # linear interpolation): what the store should hold.
    t = S[i]["t"] - life
    j = max((k for k in range(i + 1) if S[k]["t"] <= t), default=None)
    if j is None:
        return S[i]["closed"]
    a, b = S[j], S[j + 1]
    return round(S[i]["closed"] - a["closed"] - (b["closed"] - a["closed"]) * (t - a["t"]) / (b["t"] - a["t"]))
last = max((i for i, x in enumerate(S) if x["t"] <= secs + 0.5), default=len(S) - 1)
picked = [i for i, x in enumerate(S) if i > 0 and (round(x["t"]) % 10 == 0 or i == last)]
for i in picked:
    x = S[i]
    gs = [y for y in gl if abs(y[0] - x["t"]) < 0.6]
    gtxt = f"{gs[0][1]:,}, {gs[0][2]}, {gs[0][3]}" if gs else "-"
    print(f"| {x['t']:.0f} | {x['cps']:,.0f} | {gtxt} | {x['tw']:,} | {closes_within(i):,} | "
          f"{x['recycled']:,} | {x['drops'] - S[i - 1]['drops']:,} | {x['busy_pct']:.0f} % | "
          f"{'-' if x['cyc'] is None else format(x['cyc'], ',.0f')} | {x['srv_cpu']:.0f}, {x['gen_cpu']:.0f}, {x['others_cpu']:.0f}, {x['steal_cpu']:.0f} | "
          f"{x['srv_rss_mb']:,}, {x['gen_rss_mb']:,} |")
print()
end = S[last]
kinds = ", ".join(f"{k} {g[k]}" for k in ("no_synack", "rst", "timeout", "bad_response"))
near = sum(1 for c in cps if c >= 0.95 * rate)
print(f"- **Sustained rate:** {g['completed'] / g['seconds']:,.0f} connections/s completed on "
      f"average over {g['seconds']:.0f} s ({g['completed']:,} of {g['opened']:,} opened); at the "
      f"server, per second: median {statistics.median(cps):,.0f}, min {min(cps):,.0f}, max "
      f"{max(cps):,.0f}; {near} of {len(cps)} seconds at 95 % of the offered rate or more.")
print(f"- **Failures:** {g['failed']:,} ({kinds}); {g['rtx_conns']:,} connections completed only "
      f"after a retransmission (retransmitted: SYN {g['rtx_syn']:,}, request {g['rtx_req']:,}, "
      f"FIN {g['rtx_fin']:,}); opens missed {g['missed']:,}, made late (behind schedule) "
      f"{g['behind']:,}; server drops {end['drops']:,} (tx full {end['drop_tx_full']:,}, no "
      f"mbuf {end['drop_nombuf']:,}, table full {end['drop_table_full']:,}), SYN cookies sent "
      f"{end['cookie_sent']:,}, connections reset {end['conn_reset']:,}.")
# The plateau: the samples from 2·MSL + 5 s on, while the load lasted.
plat = [i for i, x in enumerate(S) if life + 5 <= x["t"] <= S[last]["t"]]
if plat:
    tw = [S[i]["tw"] for i in plat]
    want = statistics.mean(closes_within(i) for i in plat)
    mean_cps = statistics.mean(S[i]["cps"] for i in plat)
    print(f"- **TIME_WAIT plateau** ({S[plat[0]]['t']:.0f} s to {S[plat[-1]]['t']:.0f} s): "
          f"{statistics.mean(tw):,.0f} records on average ({min(tw):,}–{max(tw):,}); the "
          f"connections closed in the 2·MSL before each sample: {want:,.0f} on average "
          f"({100 * statistics.mean(tw) / want:.1f} %); rate × 2·MSL: {rate:,}/s offered × "
          f"{life:g} s = {rate * life:,.0f}, {mean_cps:,.0f}/s served meanwhile × {life:g} s = "
          f"{mean_cps * life:,.0f}. Recycled {end['recycled']:,}, skipped {end['skipped']:,}, "
          f"reused {end['reused']:,}; timer passes that left expiries for the next "
          f"{end['timer_deferred']:,}.")
else:
    print(f"- **TIME_WAIT:** the load ended before 2·MSL + 5 s, so no plateau: {end['tw']:,} "
          f"records at the end, {closes_within(last):,} connections closed in the 2·MSL before.")
# The store (lib/tcp/pcl_tw.c): a ring of 28-byte records and an index of
# a power of two of 4-byte buckets, at most one per record.
index = 4 * (1 << (cap.bit_length() - 1))
store = 28 * cap + index
written = min(end["closed"], cap)
grow = end["srv_rss_mb"] - S[0]["srv_rss_mb"]
held = statistics.mean(S[i]["tw"] for i in plat) if plat else max(x["tw"] for x in S)
print(f"- **Memory:** the store, {cap:,} records: {store / 2**20:,.0f} MB "
      f"({store / cap:.1f} B per record: the 28-byte record and its index share). The "
      f"server's resident memory grew from {S[0]['srv_rss_mb']:,} MB at the start (the "
      f"index is written at start-up, the ring as records fill it) to {end['srv_rss_mb']:,} MB "
      f"(peak {max(x['srv_hwm_mb'] for x in S):,} MB): {grow * 2**20 / max(written, 1):.1f} B "
      f"per ring slot written ({written:,}); the whole server, {end['srv_rss_mb'] * 2**20 / max(held, 1):.1f} B "
      f"per record held ({held:,.0f}). cps-gen: {max(x['gen_rss_mb'] for x in S):,} MB "
      f"resident for {nsrc * 50000:,} clients.")
def mean(k):
    v = [x[k] for x in load]
    return f"{statistics.mean(v):.0f} % ({min(v):.0f}–{max(v):.0f})"
print(f"- **What limited it:** the server's worker had packets in {mean('busy_pct')} of its "
      f"loops; CPU, in % of one core: the server {mean('srv_cpu')}, cps-gen {mean('gen_cpu')} "
      f"(busy {100 * w0['busy_share']:.0f} % of its loop time, "
      f"{g['gen_cycles_per_conn']:,.0f} cycles per connection), other processes "
      f"{mean('others_cpu')}, stolen by the hypervisor {mean('steal_cpu')}.")
# The server's own cost as the store grows: its busy cycles per connection.
def cyc(xs):
    xs = [x for x in xs if x["cyc"] is not None]
    n = sum(x["cps"] for x in xs)
    return f"{sum(x['cyc'] * x['cps'] for x in xs) / n:,.0f}" if n else "-"
print(f"- **The server's busy cycles per connection:** {cyc([x for x in load if x['t'] <= 10])} "
      f"in the first 10 s, {cyc([S[i] for i in plat]) if plat else '-'} on the plateau.")
PYEOF

{
	echo "### $(date -u +%F): bench/time_wait.sh${args:+ $args}"
	echo
	echo "Machine: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores;" \
		"$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r);" \
		"commit $(git -C "$PCL_ROOT" describe --always --dirty 2>/dev/null || echo unknown);" \
		"load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end" \
		"($((SECONDS - t_start)) s)."
	echo
	cat "$tmp/body.md"
} >"$tmp/results.md"
echo
cat "$tmp/results.md"
pcl_bench_record time_wait.sh "Sustained server close (TIME_WAIT)" "$results" "$tmp/results.md"
