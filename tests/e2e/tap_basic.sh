#!/usr/bin/env bash
# End to end on net_tap: the Linux kernel's TCP stack, as a client inside a
# namespace this test creates, against the server. Needs root and
# /dev/net/tun; exits 77 (skip) without them.
set -euo pipefail

[ "$(id -u)" -eq 0 ] && [ -c /dev/net/tun ] || { echo "skip: needs root and /dev/net/tun"; exit 77; }
PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"

ns=pcl-e2e-$$
ns2=pcl-e2e-echo-$$
tmp=$(mktemp -d)
trap 'pcl_ns_cleanup; rm -rf "$tmp"' EXIT
SRV=198.18.0.2
PY=/usr/bin/python3

fail() {
	echo "FAIL: $*" >&2
	echo "--- server log" >&2
	cat "$tmp"/server*.log >&2 || true
	exit 1
}
ok() { echo "ok: $*"; }

eal() { echo "-l 0-1 --no-huge -m 512 --no-pci --file-prefix $1 --vdev net_tap0,iface=$2"; }

pcl_ns_create "$ns"
# shellcheck disable=SC2046
pcl_server_start "$ns" "$tmp/server.log" $(eal "$ns" pcl0) -- -c "$PCL_ROOT/conf/portcullis.conf"
pcl_tap_up "$ns" pcl0 198.18.0.1/24 || fail "tap did not come up"
in_ns() { ip netns exec "$ns" timeout 60 "$@"; }

# 1. ARP and ICMP echo.
in_ns ping -c 1 -W 2 "$SRV" >/dev/null || fail "ping"
ok "ping (ARP + ICMP echo)"

# 2. curl gets 200 and the body.
code=$(in_ns curl -s -o "$tmp/body" -w '%{http_code}' --max-time 5 "http://$SRV/") || fail "curl"
[ "$code" = 200 ] || fail "curl: status $code"
[ "$(cat "$tmp/body")" = portcullis ] && [ "$(stat -c %s "$tmp/body")" = 11 ] || fail "curl: body"
ok "curl: 200, body 'portcullis\\n'"

# 3. ab: 2000 requests, 20 at a time, no failures.
in_ns ab -n 2000 -c 20 -s 10 "http://$SRV/" >"$tmp/ab.txt" 2>&1 || { cat "$tmp/ab.txt"; fail "ab"; }
grep -Eq '^Complete requests: +2000$' "$tmp/ab.txt" || fail "ab: not 2000 complete"
grep -Eq '^Failed requests: +0$' "$tmp/ab.txt" || fail "ab: failed requests"
ok "ab -n 2000 -c 20: 0 failed"

# 3b. Telemetry counts what happened: curl + 2000 ab requests, and it adds up.
tel=$(/usr/bin/python3 "$PCL_ROOT/tests/e2e/telemetry.py" "$ns" /portcullis/stats /portcullis/conns \
	/portcullis/lcores /portcullis/config) || fail "telemetry query"
/usr/bin/python3 - "$tel" <<'PYEOF' || fail "telemetry: $tel"
import json, sys
stats, conns, lcores, config = (json.loads(l) for l in sys.argv[1].splitlines())
# ab may open a spare connection it never uses, so requests are the exact count.
assert stats["http_requests"] == 2001, stats["http_requests"]
assert stats["conn_opened"] == stats["syn_rx"] == stats["synack_tx"], stats
ended = sum(stats[k] for k in ("conn_closed", "conn_reset", "conn_timeout", "conn_aborted"))
assert stats["conn_opened"] - ended == conns["active"] - conns["SYN_RCVD"], (stats, conns)
assert stats["drop_tcp_cksum"] == 0
assert set(conns) == {"SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "FIN_WAIT_1",
                      "FIN_WAIT_2", "CLOSING", "TIME_WAIT", "active"}, conns
assert conns["active"] == stats["conns_active"]
assert lcores == [1], lcores
assert config["listen/ports"] == "80" and config["listen/app"] == "http", config
PYEOF
ok "telemetry: /portcullis/stats, conns, lcores, config"

# 4. bash /dev/tcp: connect, ask, read, close.
resp=$(in_ns bash -c "exec 3<>/dev/tcp/$SRV/80; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3; exec 3<&-") ||
	fail "/dev/tcp"
[[ "$resp" == "HTTP/1.1 200 OK"* ]] || fail "/dev/tcp: got '$resp'"
ok "bash /dev/tcp connect, request, close"

# 5. HTTP/1.1 keep-alive: two requests on one connection.
in_ns curl -sv --max-time 5 "http://$SRV/" "http://$SRV/" >"$tmp/ka.out" 2>"$tmp/ka.err" || fail "keep-alive curl"
grep -q "Re-using existing connection" "$tmp/ka.err" || fail "keep-alive: connection not reused"
[ "$(grep -c '^< HTTP/1.1 200 OK' "$tmp/ka.err")" = 2 ] || fail "keep-alive: not two 200s"
ok "HTTP/1.1 keep-alive reuses the connection"

# 6. A closed port refuses at once (RST).
rc=0
in_ns curl -s --max-time 5 "http://$SRV:81/" >/dev/null 2>&1 || rc=$?
[ "$rc" = 7 ] || fail "closed port: curl exit $rc, want 7 (connection refused)"
ok "closed port: connection refused"

# 7. Half-close: request, shutdown(SHUT_WR), the whole answer still arrives.
in_ns "$PY" - "$SRV" <<'PYEOF' || fail "half-close"
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=5)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
assert data.startswith(b"HTTP/1.1 200 OK\r\n"), data
assert data.endswith(b"\r\n\r\nportcullis\n"), data
PYEOF
ok "half-close still gets the full answer"

# 8. The echo app, in a second namespace with its own server.
pcl_server_stop || fail "server did not stop cleanly"
grep -Eq '^conn_opened (2[0-9]{3}|[3-9][0-9]{3})$' "$tmp/server.log" || fail "totals: conn_opened < 2000"
grep -q '^drop_tcp_cksum 0$' "$tmp/server.log" || fail "totals: checksum drops"
ok "SIGINT: exit 0 with final totals"

pcl_ns_create "$ns2"
# shellcheck disable=SC2046
pcl_server_start "$ns2" "$tmp/server-echo.log" $(eal "$ns2" pcl1) -- --addr "$SRV/24" --listen 7 --app echo
pcl_tap_up "$ns2" pcl1 198.18.0.1/24 || fail "echo tap did not come up"
out=$(ip netns exec "$ns2" timeout 10 "$PY" - "$SRV" <<'PYEOF'
import socket, sys
s = socket.create_connection((sys.argv[1], 7), timeout=5)
s.sendall(b"hello portcullis")
data = b""
while len(data) < 16:
    data += s.recv(64)
s.close()
print(data.decode())
PYEOF
) || fail "echo"
[ "$out" = "hello portcullis" ] || fail "echo: got '$out'"
pcl_server_stop || fail "echo server did not stop cleanly"
ok "echo app"
echo "tap_basic: all checks passed"
