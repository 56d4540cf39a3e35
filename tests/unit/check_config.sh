#!/bin/sh
# --check-config as an operator runs it.
#   check_config.sh examples PORTCULLIS CONF_DIR   every CONF_DIR/*.conf passes
#   check_config.sh broken PORTCULLIS              a broken file fails, and each
#                                                  error is FILE:LINE: section.key: problem,
#                                                  also one between two keys
set -u
usage='usage: check_config.sh examples PORTCULLIS CONF_DIR | broken PORTCULLIS'
mode=${1:?$usage} bin=${2:?$usage}
fail=0

if [ "$mode" = examples ]; then
	n=0
	for f in "${3:?$usage}"/*.conf; do
		n=$((n + 1))
		out=$("$bin" -- -c "$f" --check-config 2>&1) || {
			echo "FAIL $f: $out"
			fail=1
		}
	done
	[ "$n" -gt 0 ] || { echo "FAIL no $3/*.conf"; fail=1; }
	echo "$n config files checked"
	exit $fail
fi

tmp=$(mktemp /tmp/pcl-broken.XXXXXX)
trap 'rm -f "$tmp"' EXIT
cat >"$tmp" <<'CONF'
[port]
addr = 198.18.0.2
[listen]
ports = 80
[listen:80]
[timers]
msl_ms = soon
CONF
if out=$("$bin" -- -c "$tmp" --check-config 2>&1); then
	echo "FAIL: exit 0 for a broken file"
	fail=1
fi
for want in "$tmp:2: port.addr: expected A.B.C.D/LEN, got '198.18.0.2' (needs /LEN, e.g. /24)" \
	"$tmp:5: listen: port 80 given twice" \
	"$tmp:7: timers.msl_ms: 'soon' is not an integer in 1..600000"; do
	case "$out" in
	*"$want"*) ;;
	*)
		echo "FAIL: no '$want' in:"
		echo "$out"
		fail=1
		;;
	esac
done

# expect WANT ARGS...: --check-config with ARGS fails with exactly WANT.
expect() {
	want=$1
	shift
	out=$("$bin" -- "$@" --check-config 2>&1) && { echo "FAIL: exit 0 for $*"; fail=1; }
	[ "$out" = "$want" ] || { echo "FAIL: '$out', want '$want'"; fail=1; }
}
# Between two keys: the line of the one the file set, the first named if both.
cat >"$tmp" <<'CONF'
[port]
addr = 198.18.0.2/24
[timers]
rto_ms = 2000
rto_max_ms = 1000
CONF
expect "portcullis: $tmp:5: timers.rto_max_ms: 1000 is below timers.rto_ms 2000" -c "$tmp"
printf '[port]\naddr = 198.18.0.2/24\n[tables]\nconns = 100\n' >"$tmp"
expect "portcullis: $tmp:4: tables.syn_backlog: 8192 exceeds tables.conns 100" -c "$tmp"
exit $fail
