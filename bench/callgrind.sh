#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The regression guard of the packet path: instructions per operation of
# each pcl-bench connection case under callgrind, against a budget per case
# (bench/callgrind-budget.txt). Run it before merging a change to the hot
# path; it is not a test of any suite, because it needs valgrind and a
# minute, and instruction counts say nothing about the change's cycles.
#
#   bench/callgrind.sh [-B BUILD] [-n N] [-c SUBSTRING] [-f FILE] [-o OPTION] [-s] [-u] [-h]
#
# Each case runs in a callgrind of its own that collects pcl_bench_timed(),
# the work pcl-bench times and nothing else, and prints per case the
# instructions per operation, the budget and the difference. Exit status 1
# when a case is over its budget (or has none), 2 on an error.
#
#   -B BUILD      the build to use (default build-prof: configured here as a
#                 release build with -g, the same code as build/ with line
#                 information for -s; built if needed)
#   -n N          operations per case (2000)
#   -c SUBSTRING  only the cases whose name contains it
#   -f FILE       the budget file (bench/callgrind-budget.txt)
#   -o OPTION     one more pcl-bench option for every case (repeatable), e.g.
#                 -o --tx-offload to count a lever's path against the budgets
#   -s            also where each case's instructions go: parse, lookup,
#                 state machine, PRF, app, output, TX, worker, other (the
#                 bench's clock reads, libc)
#   -u            write the measured figures (plus 1 %) as the new budgets
#   -h            this text
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build-prof
n=2000
filter=
budget=$here/bench/callgrind-budget.txt
stages=0
update=0
extra=()

usage() {
	sed -n '/^# The regression/,/^#   -h/p' "$0" | sed 's/^# \{0,1\}//'
}

while getopts B:n:c:f:o:suh opt; do
	case $opt in
	B) build=$(realpath -m "$OPTARG") ;;
	n) n=$OPTARG ;;
	c) filter=$OPTARG ;;
	f) budget=$OPTARG ;;
	o) extra+=("$OPTARG") ;;
	s) stages=1 ;;
	u) update=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done

for tool in valgrind callgrind_annotate meson ninja; do
	command -v "$tool" >/dev/null || { echo "callgrind.sh: $tool is needed" >&2; exit 2; }
done
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$here" -Dbuildtype=release -Dc_args=-g -Dtests=false -De2e=false \
		>/dev/null || { echo "callgrind.sh: meson setup $build failed" >&2; exit 2; }
fi
ninja -C "$build" bench/pcl-bench >/dev/null || { echo "callgrind.sh: the build failed" >&2; exit 2; }

bench=$build/bench/pcl-bench
eal=(--no-huge -m 256 --no-pci --no-shconf --file-prefix "pcl-cg-$$" -l 0 --log-level=lib.*:error)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -t cases < <("$bench" "${eal[@]}" -- --list ${filter:+-c "$filter"} 2>/dev/null)
[ ${#cases[@]} -gt 0 ] || { echo "callgrind.sh: no case matches '$filter'" >&2; exit 2; }

# The budget of a case, or nothing.
budget_of() {
	[ -f "$budget" ] || return 0
	awk -F'\t' -v c="$1" '!/^#/ && $2 == c { print $1 }' "$budget"
}

# Where the instructions went, from the self cost of each file:function
# (inlined code keeps its own file, so the table's hash counts as lookup
# inside the engine's function). Prints one "stage<TAB>count" per stage.
stages_of() {
	callgrind_annotate --inclusive=no --threshold=100 --show-percs=no "$1" 2>/dev/null |
		awk '
		/^ *[0-9,]+ +[^ ]+:[^ ]+/ {
			n = $1; gsub(",", "", n); where = $2
			split(where, p, ":"); file = p[1]; fn = p[2]
			if (fn ~ /^(pcl_pkt_parse|pcl_pkt_parse6|pcl_opt_parse|parse_)/)
				st = "parse"
			else if (fn ~ /siphash|^pcl_prf/ || file ~ /pcl_siphash\.h$/)
				st = "PRF"
			else if (file ~ /(rte_jhash|pcl_table|pcl_tuple|pcl_tw|pcl_addr6)\.[ch]$/)
				st = "lookup"
			else if (file ~ /lib\/app\// || file ~ /pcl_sndq\.h$/ || fn ~ /^(pcl_tcp_send|pcl_sndq_)/)
				st = "app"
			else if (file ~ /(pcl_out|pcl_opt|rte_ip|pcl_csum|pcl_xlate)\.[ch]$/ ||
				 fn ~ /^(pcl_out_|send_|synack_out|emit|output|reply_rst|tw_ack|pcl_tcp_emit|pcl_opt_build)/)
				st = "output"
			else if (file ~ /(pcl_txq|rte_mbuf|rte_mempool|rte_memcpy|rte_lcore)\.h$/ || fn ~ /^rte_pktmbuf/)
				st = "TX"
			else if (file ~ /(pcl_worker|pcl_steer|rte_ring|pcl_stats)/ || fn ~ /^pcl_worker_/)
				st = "worker"
			else if (file ~ /lib\/(tcp|lb)\// || fn ~ /^(pcl_tcp|pcl_wheel|pcl_table|pcl_tw|pcl_cookie|pcl_isn)/)
				st = "state machine"
			else
				st = "other"
			sum[st] += n
		}
		END { for (s in sum) printf "%s\t%d\n", s, sum[s] }'
}

order=(parse lookup "state machine" PRF app output TX worker other)
over=0
out=()
printf '%-44s %10s %10s %8s\n' "case (instructions per operation)" measured budget delta
for c in "${cases[@]}"; do
	f=$tmp/cg.$RANDOM
	valgrind --tool=callgrind --callgrind-out-file="$f" --toggle-collect=pcl_bench_timed \
		"$bench" "${eal[@]}" -- -n "$n" -r 1 -c "$c" "${extra[@]}" >/dev/null 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; echo "callgrind.sh: '$c' failed" >&2; exit 2; }
	total=$(awk '/^(summary|totals):/ { print $2; exit }' "$f")
	per=$(( (total + n / 2) / n ))
	b=$(budget_of "$c")
	if [ -z "$b" ]; then
		printf '%-44s %10d %10s %8s\n' "$c" "$per" - "no budget"
		over=1
	else
		d=$(( per - b ))
		printf '%-44s %10d %10d %+7.1f%%%s\n' "$c" "$per" "$b" \
			"$(awk -v d="$d" -v b="$b" 'BEGIN { print 100 * d / b }')" \
			"$([ "$d" -gt 0 ] && echo '  OVER')"
		[ "$d" -le 0 ] || over=1
	fi
	out+=("$(( (per * 101 + 99) / 100 ))	$c")
	if [ "$stages" = 1 ]; then
		stages_of "$f" >"$tmp/st"
		for s in "${order[@]}"; do
			v=$(awk -F'\t' -v s="$s" '$1 == s { print $2 }' "$tmp/st")
			[ -n "$v" ] && [ "$v" -gt 0 ] || continue
			printf '    %-40s %10d %9.1f%%\n' "$s" $(( (v + n / 2) / n )) \
				"$(awk -v v="$v" -v t="$total" 'BEGIN { print 100 * v / t }')"
		done
	fi
	rm -f "$f"
done

if [ "$update" = 1 ]; then
	{
		echo "# Instructions per operation of each pcl-bench case under callgrind, with 1 %"
		echo "# headroom: the budgets of bench/callgrind.sh (-u rewrites this file)."
		echo "# Lower a budget when a change makes a case cheaper; raise one only with the"
		echo "# reason in the commit message."
		printf '%s\n' "${out[@]}"
	} >"$budget"
	echo "budgets written to $budget"
	exit 0
fi
exit $over
