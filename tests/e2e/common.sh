# Helpers every e2e script shares; source after dpdk-scripts/netns.sh.
#
#   pcl_e2e_begin [tun] TOOL...
#                    skips the test (exit 77) without root, without
#                    /dev/net/tun when "tun" is given, or where namespaces
#                    cannot be made, and fails instead when CI=true (a CI
#                    that skips proves nothing); fails when a TOOL is
#                    missing; sets PY
#                    (the system python3), SRV (the server's address), tmp
#                    (a directory removed at cleanup) and PCL_GEN (cps-gen,
#                    unless meson gave it)
#   fail MSG...      prints FAIL: MSG and the server logs in $tmp, exits 1
#   ok MSG...        prints ok: MSG
#   total NAME FILE  a counter from a stopped server's totals ("name value"
#                    lines on its stdout), or "missing"
#   gen_summary PID JSON ERR SECS
#                    waits SECS at most for the summary line of the cps-gen
#                    PID (run with --json --hold) in JSON; fails, with ERR,
#                    when none came
#   gen_release PID  the server has stopped: lets the held cps-gen PID go,
#                    and fails unless it exits 0
#
# A cps-gen on memif runs with --hold and is released only after the server
# stops: a memif peer that leaves while the other side polls can crash that
# side (DPDK 22.11, docs/troubleshooting.md).

fail() {
	local f
	echo "FAIL: $*" >&2
	for f in "$tmp"/*; do
		case ${f##*/} in
		server* | *.err | *.out) [ -s "$f" ] && { echo "--- ${f##*/}"; tail -n 60 "$f"; } >&2 ;;
		esac
	done
	exit 1
}

ok() { echo "ok: $*"; }

# Skips the test, or under CI=true fails it: CI must run every test.
skip() {
	if [ "${CI:-}" = true ]; then
		echo "FAIL: cannot run under CI: $*" >&2
		exit 1
	fi
	echo "skip: $*"
	exit 77
}

total() { awk -v k="$1" '$1 == k && NF == 2 { print $2; found = 1 } END { if (!found) print "missing" }' "$2"; }

gen_summary() {
	local pid=$1 json=$2 err=$3 secs=$4
	for _ in $(seq $((secs * 10))); do
		grep -q '^{.*}$' "$json" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^{.*}$' "$json" 2>/dev/null || fail "no summary from cps-gen: $(cat "$err")"
}

gen_release() {
	local rc=0
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" || rc=$?
	[ "$rc" = 0 ] || fail "cps-gen exit $rc"
}

pcl_e2e_begin() {
	local tool
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	if [ "${1:-}" = tun ]; then
		shift
		[ -c /dev/net/tun ] || skip "needs /dev/net/tun"
	fi
	for tool in ip timeout "$@"; do
		command -v "$tool" >/dev/null ||
			{ echo "FAIL: $tool is missing (dpdk-scripts/install-deps.sh)" >&2; exit 1; }
	done
	PY=/usr/bin/python3 # the system one, not whatever python3 is first on PATH
	[ -x "$PY" ] || { echo "FAIL: $PY is missing" >&2; exit 1; }
	SRV=198.18.0.2
	PCL_GEN=${PCL_GEN:-$PCL_ROOT/build/bench/cps-gen}
	pcl_tmpdir tmp
	pcl_ns_supported || skip "cannot create network namespaces here (ip netns add fails)"
}
