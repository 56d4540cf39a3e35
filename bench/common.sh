#!/usr/bin/env bash
# What the benchmark scripts (run.sh, links.sh, time_wait.sh) share; meant
# to be sourced, with PCL_ROOT set.
#
#   pcl_bench_build
#       builds build/ (configuring it when new) and sets B, PCL_BIN and GEN.
#   pcl_bench_record NAME HEADING RESULTS MD
#       replaces the block of bench/NAME in RESULTS (its lines between
#       "<!-- bench/NAME: begin -->" and "<!-- bench/NAME: end -->") with
#       the file MD; a file without the block gets it at its end, under
#       "## HEADING" when HEADING is not empty. RESULTS "-": nowhere.

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
