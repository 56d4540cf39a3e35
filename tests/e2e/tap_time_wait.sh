#!/usr/bin/env bash
# End to end on net_tap: a server that closes first (ab speaks HTTP/1.0)
# with a small connection table and a smaller TIME_WAIT store keeps
# serving. Before the store, every closed connection held its entry for
# 2 MSL and the 513th connection found the table full.
#
#   tap_time_wait.sh        (meson passes PCL_BIN and PCL_SRC in the environment)
#
# Checks, in namespace pcl-e2e-tw-PID (server 198.18.0.2 on tap pcl0, kernel
# 198.18.0.1): tables.conns = 512 and tables.time_wait = 256; ab -n 3000 -c
# 10 completes with 0 failures; curl then gets its 200; the totals show no
# SYN dropped (drop_table_full 0), every record beyond the store recycled,
# the store full (state_TIME_WAIT 256) and every entry free; the log says
# the store was full, at most once a second.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin tun curl ab

ns=pcl-e2e-tw-$$
in_ns() { ip netns exec "$ns" timeout 60 "$@"; }

cat >"$tmp/tw.conf" <<CONF
[port]
addr = $SRV/24
[tables]
conns = 512
syn_backlog = 256
time_wait = 256
[stats]
prometheus = off
log_interval_s = 0
CONF
pcl_ns_create "$ns"
PCL_SERVER_STDERR=$tmp/server.err pcl_server_start "$ns" "$tmp/server.out" \
	-l 0-1 --no-huge -m 512 --no-pci --file-prefix "$ns" --vdev net_tap0,iface=pcl0 \
	-- -c "$tmp/tw.conf"
pcl_tap_up "$ns" pcl0 198.18.0.1/24 || fail "tap pcl0 did not come up"

in_ns ab -n 3000 -c 10 -s 10 "http://$SRV/" >"$tmp/ab.txt" 2>&1 || { cat "$tmp/ab.txt"; fail "ab exit"; }
grep -Eq '^Complete requests: +3000$' "$tmp/ab.txt" && grep -Eq '^Failed requests: +0$' "$tmp/ab.txt" ||
	{ cat "$tmp/ab.txt"; fail "ab: not 3000 complete without failures"; }
ok "ab -n 3000 -c 10 (HTTP/1.0, the server closes first): 3000 complete, 0 failed"
code=$(in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://$SRV/") || fail "curl exit $?"
[ "$code" = 200 ] || fail "curl after ab: status $code"
ok "curl after ab: 200"
sleep 2 # the control thread's once-a-second exhaustion check

pcl_server_stop || fail "the server did not exit 0 on SIGINT"
out=$tmp/server.out
closed=$(total conn_closed "$out")
[ "$(total drop_table_full "$out")" = 0 ] || fail "drop_table_full $(total drop_table_full "$out")"
[ "$closed" -ge 3001 ] || fail "conn_closed $closed < 3001"
[ "$(total state_TIME_WAIT "$out")" = 256 ] || fail "state_TIME_WAIT $(total state_TIME_WAIT "$out"), want 256"
# ab's 3000 requests are the server-first closes; curl (and any spare
# connection ab opens) closes first itself and leaves no record here.
[ "$(total time_wait_recycled "$out")" = $((3000 - 256)) ] ||
	fail "time_wait_recycled $(total time_wait_recycled "$out"), want 3000 - 256"
[ "$(total time_wait_skipped "$out")" = 0 ] || fail "time_wait_skipped $(total time_wait_skipped "$out")"
[ "$(total entries_free "$out")" = 512 ] || fail "entries_free $(total entries_free "$out"), want 512"
ok "totals: $closed closed, no SYN dropped, 256 TIME_WAIT records, $((3000 - 256)) recycled, every entry free"
# At most one warning a second: ab took well under 10 s here.
lines=$(grep -c 'TIME_WAIT store full: [0-9]* records ended early in the last second' "$tmp/server.err" || true)
[ "$lines" -ge 1 ] && [ "$lines" -le 10 ] || fail "$lines 'TIME_WAIT store full' warnings in the log"
ok "log: $lines 'TIME_WAIT store full' warning(s), one a second at most"
