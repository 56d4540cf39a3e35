# Helpers every e2e script shares; source after dpdk-scripts/netns.sh, with
# $tmp set by pcl_tmpdir.
#
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

total() { awk -v k="$1" '$1 == k && NF == 2 { print $2; found = 1 } END { if (!found) print "missing" }' "$2"; }
