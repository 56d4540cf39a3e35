#!/usr/bin/env bash
# What the benchmark scripts (run.sh, links.sh, time_wait.sh, scale.sh)
# share; meant to be sourced, with PCL_ROOT set (the server helpers after
# dpdk-scripts/netns.sh).
#
#   pcl_bench_build
#       builds build/ (configuring it when new) and sets B, PCL_BIN and GEN.
#   pcl_bench_record NAME HEADING RESULTS MD
#       replaces the block of bench/NAME in RESULTS (its lines between
#       "<!-- bench/NAME: begin -->" and "<!-- bench/NAME: end -->") with
#       the file MD; a file without the block gets it at its end, under
#       "## HEADING" when HEADING is not empty. RESULTS "-": nowhere.
#   pcl_bench_bad_opt PROG O
#       after getopts (its optstring led by ":") put O ("?" or ":") in the
#       variable: says what is wrong with -$OPTARG and exits 2.
#   pcl_bench_no_args PROG ARGS...
#       exits 2, naming the first, when any argument is left after the options.
#   pcl_bench_in_range PROG OPT VALUE LO HI
#       exits 2 with "PROG: -OPT: ..." unless VALUE is a whole number in LO..HI.
#   pcl_bench_limit JSON
#       what limited a cps-gen --search (its --json summary in the file JSON)
#       at the rate above its result, as a line; nothing for a run without
#       a search.
#   pcl_bench_serve NS OUT ERR ARGS...
#       portcullis ARGS in NS (pcl_server_start: stdout to OUT, stderr to
#       ERR), then up to 60 s for it to serve; fails, ERR printed, if it
#       exits or does not serve by then.
#   pcl_bench_stop
#       SIGINT to the server, then up to 60 s to exit (freeing a table of
#       gigabytes takes longer than pcl_server_stop's 5 s), then
#       pcl_server_stop.
#   pcl_bench_wait FILE REGEX PID...
#       until a line of FILE matches REGEX (grep -E); fails as soon as one
#       of the PIDs is gone.

pcl_bench_build() {
	B=$PCL_ROOT/build
	[ -d "$B" ] || meson setup "$B" "$PCL_ROOT" >/dev/null
	ninja -C "$B" >/dev/null
	PCL_BIN=$B/app/portcullis
	GEN=$B/bench/cps-gen
}

pcl_bench_record() {
	local name=$1 heading=$2 results=$3 md=$4
	[ "$results" != - ] || return 0
	if [ -n "$heading" ] && ! grep -qx "<!-- bench/$name: begin -->" "$results" 2>/dev/null; then
		printf '\n## %s\n\n' "$heading" >>"$results"
	fi
	/usr/bin/python3 "$PCL_ROOT/docs/md_block.py" --append "$results" \
		"<!-- bench/$name: begin -->" "<!-- bench/$name: end -->" <"$md"
	echo "$name: recorded in $results" >&2
}

pcl_bench_bad_opt() {
	if [ "$2" = : ]; then
		echo "$1: -$OPTARG needs a value (try -h)" >&2
	else
		echo "$1: unknown option -$OPTARG (try -h)" >&2
	fi
	exit 2
}

pcl_bench_no_args() {
	[ $# -le 1 ] || { echo "$1: unexpected argument '$2' (try -h)" >&2; exit 2; }
}

pcl_bench_in_range() {
	[[ $3 =~ ^[0-9]+$ ]] && [ "${#3}" -le 9 ] && [ "$3" -ge "$4" ] && [ "$3" -le "$5" ] ||
		{ echo "$1: -$2: '$3' is not a number in $4..$5" >&2; exit 2; }
}

pcl_bench_limit() {
	/usr/bin/python3 - "$1" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1])).get("search")
if s is None:
    pass
elif s["upper_passed"]:
    print("not reached: the upper bound passed")
else:
    bad = [x for x in s["steps"] if x["rate"] == s["failed_at"]][-1]
    print(f"{s['limit']} (at {s['failed_at']:,}/s: {100 * bad['lost'] / bad['offered']:.2f} % "
          f"lost, cps-gen {100 * bad['gen_busy']:.0f} % busy)")
PYEOF
}

pcl_bench_serve() {
	local ns=$1 out=$2 err=$3
	shift 3
	PCL_SERVER_STDERR=$err pcl_server_start "$ns" "$out" "$@"
	for _ in $(seq 600); do
		grep -q 'Ctrl-C stops' "$err" 2>/dev/null && return 0
		kill -0 "$PCL_SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$err" >&2
	return 1
}

pcl_bench_stop() {
	kill -INT "$PCL_SERVER_PID" 2>/dev/null || true
	for _ in $(seq 600); do
		kill -0 "$PCL_SERVER_PID" 2>/dev/null || break
		sleep 0.1
	done
	pcl_server_stop
}

pcl_bench_wait() {
	local file=$1 re=$2 pid
	shift 2
	until grep -Eq "$re" "$file" 2>/dev/null; do
		for pid in "$@"; do
			kill -0 "$pid" 2>/dev/null || return 1
		done
		sleep 0.1
	done
}
