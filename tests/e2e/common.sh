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
