#!/usr/bin/env bash
# Builds portcullis and runs every benchmark on this machine, each inside
# network namespaces it creates and removes, then prints markdown tables and
# records them, with the date and the machine, in bench/RESULTS.md.
#
#   bench/run.sh [-d SECONDS] [-s SECONDS] [-o FILE] [-h]
#
#   -d SECONDS  length of each fixed-rate run (wrk, the flood; default 5; at most 60)
#   -s SECONDS  length of each cps-gen --search step (default 2; at most 60)
#   -o FILE     where to record the results (default bench/RESULTS.md; - for
#               nowhere): the lines between "<!-- bench/run.sh: begin -->"
#               and "<!-- bench/run.sh: end -->" are replaced, the rest of
#               the file is kept; a file without them gets them at its end
#
# Runs, in order (about 5 minutes with the default lengths):
#   1. pcl-bench: cycles per operation of the real code paths, in-process;
#   2. cps-gen --search against portcullis over net_memif, 1 and 2 workers, 1 closing first:
#      the highest connections/s without loss (strict mode: any loss fails);
#      then the same through portcullis's SYN proxy ([service:80], full NAT)
#      to a second portcullis serving http on 8 backend ports, over a second
#      memif (dpdk-scripts/memif-proxy.sh; proxy on core 0, the backend
#      instance sharing core 1 with cps-gen);
#   3. cps-gen --search against portcullis and against Linux + nginx, each
#      behind the same veth pair that cps-gen drives with net_af_packet, 1
#      server core;
#   4. wrk (a kernel client, Connection: close) against portcullis on
#      net_af_xdp behind a veth pair (the fastest kernel-facing link;
#      bench/links.sh compares net_tap, net_af_packet and net_af_xdp) and
#      against nginx on the namespace's loopback;
#   5. a SYN flood from cps-gen during normal connections, over net_memif.
# Each search row says which side was the limit at the rate above its
# result: the server (or the link) when cps-gen had cycles to spare, else
# cps-gen itself; cps-gen's own busy cycles per connection are beside it.
# Needs root, the packages of dpdk-scripts/install-deps.sh, nginx and wrk.
# Servers and nginx run on core 0, the generators on core 1 (and the proxy's
# backend instance).
set -euo pipefail

usage() { sed -n '2,36p' "$0" | sed 's/^# \{0,1\}//'; }
secs=5 step=2
PCL_ROOT=$(cd "$(dirname "$0")/.." && pwd)
results=$PCL_ROOT/bench/RESULTS.md
while getopts ":d:s:o:h" o; do
	case $o in
	d) secs=$OPTARG ;;
	s) step=$OPTARG ;;
	o) results=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
for v in "d $secs" "s $step"; do
	set -- $v
	[[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge 1 ] && [ "$2" -le 60 ] ||
		{ echo "run.sh: -$1: '$2' is not a number of seconds in 1..60" >&2; exit 2; }
done
[ "$(id -u)" -eq 0 ] || { echo "run.sh: needs root (namespaces, DPDK devices)" >&2; exit 1; }
for tool in nginx wrk ethtool ip timeout meson ninja; do
	command -v $tool >/dev/null ||
		{ echo "run.sh: $tool is missing (apt-get install nginx-light wrk ethtool, or dpdk-scripts/install-deps.sh)" >&2; exit 1; }
done

source "$PCL_ROOT/bench/common.sh"
pcl_bench_build
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/dpdk-scripts/memif-proxy.sh"
PY=/usr/bin/python3
EAL=(--no-huge -m 512 --no-pci)
tmp=
pcl_tmpdir tmp
ns=pcl-bench-$$
pcl_ns_create "$ns"
ip netns exec "$ns" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
ghz=$("$B/bench/pcl-bench" "${EAL[@]}" --no-shconf -l 0 -- -n 1000 -r 1 | sed -n 's/.*TSC \([0-9.]*\) GHz.*/\1/p')
rows=()

# row WHAT SERVER LINK JSON [SERVER_CYCLES_PER_CONN]: one line of the table.
# A search gives its result, the latency at that rate and the limit above
# it; a fixed run its mean rate and failures.
row() {
	rows+=("$("$PY" - "$(pcl_bench_limit "$4")" "$1" "$2" "$3" "$4" "${5:--}" <<'PYEOF'
import json, sys
limit, what, server, link, path, cyc = sys.argv[1:7]
g = json.load(open(path))
s = g.get("search")
if s is None:
    print(f"| {what} | {server} | {link} | {g['cps']:,.0f} | {g['failed']} failed | {cyc} | "
          f"{g['gen_cycles_per_conn']:,.0f} | {g['synack_us_p50']:.0f} / {g['synack_us_p99']:.0f} | "
          f"{g['conn_us_p50']:.0f} / {g['conn_us_p99']:.0f} |")
    sys.exit(0)
at = [st for st in s["steps"] if st["pass"] and st["rate"] == s["result_cps"]]
st = at[-1] if at else {"synack_us_p50": 0, "synack_us_p99": 0, "conn_us_p50": 0,
                        "conn_us_p99": 0, "gen_cycles_per_conn": 0}
print(f"| {what} | {server} | {link} | {s['result_cps']:,} | {limit} | {cyc} | "
      f"{st['gen_cycles_per_conn']:,.0f} | {st['synack_us_p50']:.0f} / {st['synack_us_p99']:.0f} | "
      f"{st['conn_us_p50']:.0f} / {st['conn_us_p99']:.0f} |")
PYEOF
)")
}

# gen NAME VDEV ARGS...: cps-gen on core 1, JSON summary in $tmp/NAME.json;
# ARGS say how long (--duration or --search --step).
gen() {
	local name=$1 vdev=$2
	shift 2
	pcl_prefix "$ns-g$name"
	ip netns exec "$ns" timeout 600 "$GEN" --lcores 0@1 "${EAL[@]}" \
		--file-prefix "$ns-g$name" --vdev "$vdev" -- --json --quiet "$@" \
		>"$tmp/$name.json" 2>"$tmp/$name.err" ||
		{ cat "$tmp/$name.err" >&2; echo "run.sh: cps-gen ($name) failed" >&2; exit 1; }
}

# Searches: over memif in strict mode (any loss there is a bug, not a link's
# doing); through veth with retransmission, as a client on a real link.
MEMIF_SEARCH=(--search --step "$step" --no-retransmit --timeout 1000)
VETH_SEARCH=(--search --step "$step" --timeout 3000)

# server NAME LCORES VDEV ARGS...: portcullis with 1 s stats, in $ns.
server() {
	local name=$1 lcores=$2 vdev=$3
	shift 3
	pcl_bench_serve "$ns" "$tmp/$name.srv" "$tmp/$name.srv.err" \
		--lcores "$lcores" "${EAL[@]}" --file-prefix "$ns-$name" --vdev "$vdev" -- \
		--listen 80 --app http -c "$tmp/bench.conf" "$@" ||
		{ echo "run.sh: portcullis ($name) did not start" >&2; exit 1; }
}

# server_cycles FILE [COUNTER]: busy cycles per connection closed
# (conn_closed, or COUNTER), from the final totals of a stopped server.
server_cycles() {
	awk -v k="${2:-conn_closed}" '$1 == "busy_cycles" { b = $2 } $1 == k { c = $2 }
		END { if (c > 0) printf "%.0f", b / c; else print "-" }' "$1"
}

TABLES=$'[tables]\nconns = 262144\nsyn_backlog = 65536'
cat >"$tmp/bench.conf" <<EOF
$TABLES
[stats]
prometheus = off
EOF
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
worker_cpu_affinity 01;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err warn;
worker_rlimit_nofile 200000;
events { worker_connections 100000; multi_accept on; }
http {
	access_log off;
	server {
		listen 198.18.0.1:80 backlog=65535;
		listen 127.0.0.1:80 backlog=65535;
		location / { return 200 "hello world"; }
	}
}
EOF

echo "== pcl-bench" >&2
"$B/bench/pcl-bench" "${EAL[@]}" --no-shconf -l 0 >"$tmp/pcl-bench.txt"

echo "== memif: 1 and 2 workers" >&2
server m1 '0@0,1@0' "net_memif0,role=server,socket=$tmp/m1.sock" --addr 198.18.0.2/24
gen m1 "net_memif0,role=client,socket=$tmp/m1.sock" --dst 198.18.0.2 --concurrency 1000 \
	"${MEMIF_SEARCH[@]}"
pcl_server_stop
row "GET + client close" "portcullis, 1 worker" "memif" "$tmp/m1.json" "$(server_cycles "$tmp/m1.srv")"
# HTTP/1.0: the server closes first and keeps TIME_WAIT (its default store
# of records, recycling the oldest when full); 64 addresses of clients, so
# no tuple comes back while its record lives. bench/time_wait.sh runs it
# past 2·MSL with a store for every record.
server mc '0@0,1@0' "net_memif0,role=server,socket=$tmp/mc.sock" --addr 198.18.0.2/24
gen mc "net_memif0,role=client,socket=$tmp/mc.sock" --dst 198.18.0.2 --concurrency 1000 \
	--close server --nsrc 64 "${MEMIF_SEARCH[@]}"
pcl_server_stop
row "GET + server close (HTTP/1.0)" "portcullis, 1 worker" "memif" "$tmp/mc.json" "$(server_cycles "$tmp/mc.srv")"
server m2 '0@0,1@0,2@1' "net_memif0,role=server,socket=$tmp/m2.sock" --addr 198.18.0.2/24
gen m2 "net_memif0,role=client,socket=$tmp/m2.sock" --dst 198.18.0.2 --concurrency 1000 --queues 2 \
	"${MEMIF_SEARCH[@]}"
pcl_server_stop
row "GET + client close" "portcullis, 2 workers (cores shared with cps-gen)" "memif" \
	"$tmp/m2.json" "$(server_cycles "$tmp/m2.srv")"

echo "== memif: through the SYN proxy to a second portcullis" >&2
mkdir "$tmp/px"
pcl_px_start "$ns" "$tmp/px" '0@0,1@0' '0@1,1@1' 8 "$TABLES" || exit 1
gen px "$PCL_PX_GEN_VDEV" --dst "$PCL_PX_VIP" --concurrency 1000 "${MEMIF_SEARCH[@]}"
# The backend instance is killed, not stopped (memif-proxy.sh): its figures first.
bcyc=$(pcl_px_stats "$ns" backend | "$PY" -c 'import json, sys; s = json.load(sys.stdin)
print("%.0f" % (s["busy_cycles"] / s["conn_closed"]) if s["conn_closed"] else "-")')
pcl_px_stop
row "proxied GET + client close" \
	"portcullis SYN proxy, 1 worker (core 0) → portcullis http, 1 worker, 8 backend ports (core 1, shared with cps-gen)" \
	"memif, two arms" "$tmp/px.json" "proxy $(server_cycles "$tmp/px/proxy.out" proxy_closed), backend $bcyc"

echo "== veth + af_packet: portcullis and Linux + nginx" >&2
ip -n "$ns" link add vg type veth peer name vs
ip -n "$ns" link set vg up
ip -n "$ns" link set vs up
server vp '0@0,1@0' net_af_packet0,iface=vs --addr 198.18.0.1/24
gen vp net_af_packet0,iface=vg --dst 198.18.0.1 --src 198.18.0.100 --nsrc 4 --concurrency 200 \
	"${VETH_SEARCH[@]}"
pcl_server_stop
row "GET + client close" "portcullis, 1 worker" "veth, af_packet" "$tmp/vp.json" "$(server_cycles "$tmp/vp.srv")"
ip -n "$ns" addr add 198.18.0.1/24 dev vs
ip netns exec "$ns" timeout $((secs + 600)) nginx -c "$tmp/nginx.conf" >"$tmp/nginx.out" 2>&1 &
sleep 1
ngx=$(cat "$tmp/nginx.pid")
wpid=$(pgrep -P "$ngx" | head -1)
# nginx's CPU: its worker's user + system time, plus the softirq time of every
# core (where the kernel's TCP work on received packets is accounted).
cpu() { awk '{ print $14 + $15 }' "/proc/$wpid/stat"; }
softirq() { awk '$1 == "cpu" { print $8 }' /proc/stat; }
c0=$(cpu)
s0=$(softirq)
gen vn net_af_packet0,iface=vg --dst 198.18.0.1 --src 198.18.0.100 --nsrc 4 --concurrency 200 \
	"${VETH_SEARCH[@]}"
ticks=$(($(cpu) - c0 + $(softirq) - s0))
ncyc=$("$PY" -c "import json; g = json.load(open('$tmp/vn.json')); \
print(f'{$ticks / $(getconf CLK_TCK) * $ghz * 1e9 / max(g[\"completed\"], 1):.0f} (approx.)')")
row "GET + client close" "Linux + nginx, 1 worker" "veth, af_packet" "$tmp/vn.json" "$ncyc"

echo "== wrk, Connection: close" >&2
# A veth pair of its own; the kernel's end fills in its TCP checksums, which
# it would otherwise leave to an offload, and portcullis would drop.
ip -n "$ns" link add wk type veth peer name wd
ip -n "$ns" link set wd up
ip -n "$ns" link set wk up
ip netns exec "$ns" ethtool -K wk tx off >/dev/null
server wt '0@0,1@0' net_af_xdp0,iface=wd --addr 198.18.2.2/24
ip -n "$ns" addr add 198.18.2.1/24 dev wk
wrk_row() {
	local out=$tmp/wrk-$1.txt
	ip netns exec "$ns" timeout $((secs + 30)) taskset -c 1 wrk -t1 -c50 -d"${secs}s" \
		-H 'Connection: close' "$3" >"$out" 2>&1 || { cat "$out" >&2; exit 1; }
	rows+=("| wrk -c50, Connection: close | $2 | $4 | $(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$out") | $(awk '/Non-2xx|Socket errors/ { e = e $0 } END { print (e ? e : 0) }' "$out") failed | - | - | - | - |")
}
wrk_row pcl "portcullis, 1 worker" http://198.18.2.2/ "kernel client, veth, af_xdp"
pcl_server_stop
wrk_row ngx "Linux + nginx, 1 worker" http://127.0.0.1/ "kernel client, loopback"
kill "$ngx" 2>/dev/null || true

echo "== SYN flood during normal connections" >&2
server fl '0@0,1@0' "net_memif0,role=server,socket=$tmp/fl.sock" --addr 198.18.0.2/24
gen fl "net_memif0,role=client,socket=$tmp/fl.sock" --dst 198.18.0.2 --concurrency 200 \
	--flood 300000 --duration "$secs" --timeout 1000
pcl_server_stop
fl_cyc=$(server_cycles "$tmp/fl.srv")
row "GET + client close, during a 300k SYN/s flood" "portcullis, 1 worker" "memif" "$tmp/fl.json" "$fl_cyc"
flood=$("$PY" -c "import json; g = json.load(open('$tmp/fl.json')); \
print(f'{g[\"flood_sent\"] / g[\"seconds\"]:,.0f} spoofed SYNs/s sent, {g[\"flood_synack\"] / g[\"seconds\"]:,.0f} cookie SYN-ACKs/s back')")

# The results as Markdown: printed, and recorded in $results.
{
	echo "### $(date -u +%F): bench/run.sh -d $secs -s $step"
	echo
	echo "Machine: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores," \
		"TSC $ghz GHz; $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r);" \
		"commit $(git -C "$PCL_ROOT" describe --always --dirty 2>/dev/null || echo unknown)."
	echo
	cat "$tmp/pcl-bench.txt"
	echo
	echo "Connections (servers on core 0, clients on core 1). cps-gen rows: the highest"
	echo "rate without loss (--search, ${step} s steps), the limit at the step above it, and"
	echo "the latency and cps-gen cycles at that rate; the flood and wrk rows: ${secs} s runs."
	echo "The proxied row's server cycles are the proxy's per proxied connection and the"
	echo "backend instance's per connection (its core shared with cps-gen, so inflated)."
	echo
	echo "| workload | server | link | conns/s | limit / failures | server cycles/conn | cps-gen cycles/conn | SYN-ACK p50 / p99 us | connection p50 / p99 us |"
	echo "|---|---|---|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "SYN flood: $flood."
} >"$tmp/results.md"
echo
cat "$tmp/results.md"
pcl_bench_record run.sh "" "$results" "$tmp/results.md"
