#!/usr/bin/env bash
# How fast a kernel client reaches portcullis over each link the kernel can
# face: net_tap, and net_af_packet and net_af_xdp on a veth pair; nginx on
# the namespace's loopback for reference. Each run inside one network
# namespace this script creates and removes; prints a markdown table.
#
#   bench/links.sh [-d SECONDS] [-r ROUNDS] [-o FILE] [-h]
#
#   -d SECONDS  length of each wrk run (default 5; 1..60)
#   -r ROUNDS   rounds over the links, in turn, each server fresh (default 3;
#               1..20); the table gives the median and the range of the
#               runs during which other processes took at most 10 % of the
#               machine (all runs if none was that quiet)
#   -o FILE     where to record the table (default bench/RESULTS.md; - for
#               nowhere): the lines between "<!-- bench/links.sh: begin -->"
#               and "<!-- bench/links.sh: end -->", under the heading
#               "Kernel-facing links", are replaced; the rest is kept
#
# The load is wrk -t1 -c50 with "Connection: close" (a connection per
# request, the server closing first), the server on core 0 with one worker,
# wrk on core 1, as in bench/run.sh. The kernel side of the veth gets
# "ethtool -K tx off": with checksum offload the kernel hands the veth
# segments whose TCP checksum is not filled in, which a kernel peer accepts
# but portcullis drops (drop_tcp_cksum). Needs root, wrk, nginx, ethtool.
set -euo pipefail

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
secs=5
rounds=3
PCL_ROOT=$(cd "$(dirname "$0")/.." && pwd)
results=$PCL_ROOT/bench/RESULTS.md
while getopts ":d:r:o:h" o; do
	case $o in
	d) secs=$OPTARG ;;
	r) rounds=$OPTARG ;;
	o) results=$OPTARG ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
[[ $secs =~ ^[0-9]+$ ]] && [ "$secs" -ge 1 ] && [ "$secs" -le 60 ] ||
	{ echo "links.sh: -d: '$secs' is not a number of seconds in 1..60" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] ||
	{ echo "links.sh: -r: '$rounds' is not a number of rounds in 1..20" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "links.sh: needs root (namespaces, DPDK devices)" >&2; exit 1; }
for tool in nginx wrk ethtool curl ip timeout taskset meson ninja; do
	command -v $tool >/dev/null ||
		{ echo "links.sh: $tool is missing (dpdk-scripts/install-deps.sh)" >&2; exit 1; }
done

source "$PCL_ROOT/bench/common.sh"
pcl_bench_build
source "$PCL_ROOT/dpdk-scripts/netns.sh"
PY=/usr/bin/python3
tmp=
pcl_tmpdir tmp
ns=pcl-links-$$
pcl_ns_create "$ns"
ip netns exec "$ns" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
# The veth pair lives and dies in the namespace: vk is the kernel's end, vd
# the one the DPDK driver takes.
ip -n "$ns" link add vk type veth peer name vd
ip -n "$ns" link set vd up
ip -n "$ns" link set vk up
ip netns exec "$ns" ethtool -K vk tx off >/dev/null

# A connection per request for several seconds: room for every TIME_WAIT
# entry, so no run ends up in SYN-cookie mode.
cat >"$tmp/links.conf" <<EOF
[tables]
conns = 1048576
syn_backlog = 65536
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
		listen 127.0.0.1:80 backlog=65535;
		location / { return 200 "hello world"; }
	}
}
EOF

# The machine is shared: a run during which other processes took CPU says
# little. busy: jiffies all CPUs spent on anything but idling, less what
# ksoftirqd took (the kernel moving this benchmark's packets; softirqs
# handled inside a process are charged to it); jiffies PID: what one
# process took.
busy() {
	local k=0 p
	for p in $(pgrep '^ksoftirqd/'); do
		k=$((k + $(jiffies "$p")))
	done
	awk -v k="$k" '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 - k }' /proc/stat
}
jiffies() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

# wrk_run NAME URL PID: one wrk run against the server PID; appends
# "conns/s errors others%" to $tmp/NAME.wrk (others%: the share of the
# machine other processes took meanwhile), or why it failed to $tmp/NAME.fail.
wrk_run() {
	local out=$tmp/$1.out rc=0 b0 s0 others TIMEFORMAT='%3U %3S'
	b0=$(busy)
	s0=$(jiffies "$3")
	{ time ip netns exec "$ns" timeout $((secs + 30)) taskset -c 1 wrk -t1 -c50 -d"${secs}s" \
		-H 'Connection: close' "$2" >"$out" 2>&1 || rc=$?; } 2>"$tmp/time"
	others=$(awk -v b=$(($(busy) - b0 - $(jiffies "$3") + s0)) -v hz="$hz" -v s="$secs" \
		-v n="$(nproc)" '{ printf "%.0f", (b - ($1 + $2) * hz) * 100 / (s * hz * n) }' "$tmp/time")
	if [ "$rc" != 0 ]; then
		echo "wrk exited $rc: $(tail -n 2 "$out" | tr '\n' ' ')" >>"$tmp/$1.fail"
		return 0
	fi
	echo "$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$out") $(awk '/Non-2xx|Socket errors/ { e = e $0 } END { print (e ? "yes" : 0) }' "$out") $others" >>"$tmp/$1.wrk"
}

# The pid of the portcullis process timeout(1) started for us.
server_pid() { pgrep -P "$PCL_SERVER_PID" -x portcullis | head -1; }

# link NAME VDEV KIFACE: a fresh portcullis on VDEV (198.18.4.2), the
# kernel's address 198.18.4.1 on KIFACE, a curl, wrk, the server's busy
# cycles per connection (appended to $tmp/NAME.cyc). Fails softly: a link
# that does not work here gets its reason in $tmp/NAME.na.
link() {
	local name=$1 vdev=$2 ifc=$3 srv=$tmp/$1.srv
	[ -s "$tmp/$name.na" ] && return 0
	# Not the last round's log: its "Ctrl-C stops" would be read as this
	# server's, and a SIGINT sent too early is lost.
	rm -f "$srv" "$srv.err"
	PCL_SERVER_STDERR=$srv.err pcl_server_start "$ns" "$srv" --lcores '0@0,1@0' --no-huge \
		-m 1024 --no-pci --file-prefix "$ns-$name" --vdev "$vdev" -- \
		--addr 198.18.4.2/24 --listen 80 -c "$tmp/links.conf"
	for _ in $(seq 150); do
		grep -qs 'Ctrl-C stops' "$srv.err" && break
		kill -0 "$PCL_SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! grep -qs 'Ctrl-C stops' "$srv.err"; then
		{ grep -sv '^lib\(bpf\|xdp\)' "$srv.err" || echo "no output"; } | tail -n 3 | tr '\n' ' ' >"$tmp/$name.na"
		pcl_server_stop >/dev/null 2>&1 || true
		return 0
	fi
	ip -n "$ns" link set "$ifc" up
	ip -n "$ns" addr add 198.18.4.1/24 dev "$ifc"
	if ip netns exec "$ns" timeout 10 curl -sf --max-time 5 http://198.18.4.2/ >/dev/null; then
		wrk_run "$name" http://198.18.4.2/ "$(server_pid)"
	else
		echo "curl got no answer" >"$tmp/$name.na"
	fi
	pcl_server_stop >/dev/null || echo "the server did not stop cleanly" >>"$tmp/$name.fail"
	ip -n "$ns" addr del 198.18.4.1/24 dev "$ifc" 2>/dev/null || true
	[ "$(awk '$1 == "drop_tcp_cksum" { print $2 }' "$srv")" = 0 ] ||
		echo "checksum drops: $(awk '$1 == "drop_tcp_cksum" { print $2 }' "$srv")" >"$tmp/$name.na"
	awk '$1 == "busy_cycles" { b = $2 } $1 == "conn_closed" { c = $2 }
		END { if (c > 0) printf "%.0f\n", b / c }' "$srv" >>"$tmp/$name.cyc"
}

load0=$(cut -d' ' -f1-3 /proc/loadavg)
ip netns exec "$ns" timeout $((rounds * (secs + 30) * 4 + 60)) nginx -c "$tmp/nginx.conf" \
	>"$tmp/nginx.out" 2>&1 &
for r in $(seq "$rounds"); do
	echo "== round $r of $rounds: tap, af_packet, af_xdp, nginx" >&2
	link tap net_tap0,iface=pclk pclk
	link af_packet net_af_packet0,iface=vd vk
	link af_xdp net_af_xdp0,iface=vd vk
	wrk_run nginx http://127.0.0.1/ "$(pgrep -P "$(cat "$tmp/nginx.pid")" | head -1)"
done
kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true

# table: the Markdown rows, from the runs' records in $tmp.
table() {
	"$PY" - "$tmp" <<'PYEOF'
import os, statistics, sys
tmp = sys.argv[1]
rows = [("portcullis, 1 worker", "net_tap (tap device)", "tap"),
        ("portcullis, 1 worker", "net_af_packet on a veth pair", "af_packet"),
        ("portcullis, 1 worker", "net_af_xdp on a veth pair", "af_xdp"),
        ("Linux + nginx, 1 worker", "loopback", "nginx")]
def lines(name, ext):
    p = os.path.join(tmp, f"{name}.{ext}")
    return open(p).read().split("\n") if os.path.exists(p) else []
every = []
for server, link, name in rows:
    na = "".join(lines(name, "na")).strip()
    runs = [l.split() for l in lines(name, "wrk") if l.strip()]
    if na or not runs:
        print(f"| {server} | {link} | n/a: {na or 'no run'} | | | |")
        continue
    cyc = [int(c) for c in lines(name, "cyc") if c.strip()]
    # Runs during which other processes took over 10 % of the machine are
    # left out, unless none is left.
    clean = [i for i, r in enumerate(runs) if int(r[2]) <= 10] or list(range(len(runs)))
    cps = [int(runs[i][0]) for i in clean]
    cyc = [cyc[i] for i in clean if i < len(cyc)]
    fails = [l for l in lines(name, "fail") if l.strip()]
    errs = "none" if all(r[1] == "0" for r in runs) else "HTTP or socket errors"
    if fails:
        errs = f"{len(fails)} run(s) failed: {fails[0]}"
    med = f"{statistics.median(cyc):,.0f}" if cyc else "–"
    print(f"| {server} | {link} | {statistics.median(cps):,.0f} ({min(cps):,}–{max(cps):,}) | "
          f"{len(cps)} of {len(runs)} | {med} | {errs} |")
    every.append(f"- {name}: " + ", ".join(f"{int(r[0]):,} ({r[2]} %)" for r in runs))
print()
print("Every run, conns/s (the share of the machine other processes took meanwhile):")
print()
print("\n".join(every))
PYEOF
}

# The table as Markdown: printed, and recorded in $results.
{
	echo "### $(date -u +%F): bench/links.sh -d $secs -r $rounds"
	echo
	echo "Machine: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1), $(nproc) cores;" \
		"$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r);" \
		"commit $(git -C "$PCL_ROOT" describe --always --dirty 2>/dev/null || echo unknown);" \
		"load average $load0 at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end."
	echo
	echo "wrk -t1 -c50 -H 'Connection: close', $secs s a run; server (one worker) on core 0, wrk on core 1."
	echo
	echo "| server | link | conns/s, median (range) | runs counted | server cycles/conn, median | errors |"
	echo "|---|---|---:|---:|---:|---|"
	table
} >"$tmp/results.md"
echo
cat "$tmp/results.md"
pcl_bench_record links.sh "Kernel-facing links" "$results" "$tmp/results.md"
