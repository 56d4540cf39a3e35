#!/usr/bin/env bash
# End to end on net_tap: the Linux kernel's TCP stack, as a client inside a
# namespace this test creates, against the server. Needs root and
# /dev/net/tun; exits 77 (meson's skip) without them.
#
#   tap_basic.sh            (meson passes PCL_BIN and PCL_SRC in the environment)
#
# Checks, in namespace pcl-e2e-PID (server 198.18.0.2 on tap pcl0, kernel
# 198.18.0.1): ping; curl 200 + 11-byte body; ab -n 2000 -c 20 without
# failures; telemetry; bash /dev/tcp; HTTP/1.1 keep-alive; RST from a closed
# port; half-close; SIGINT exit 0 with totals on stdout. Then the echo app in
# a second namespace, pcl-e2e-echo-PID.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin tun ping curl ab promtool

ns=pcl-e2e-$$
ns2=pcl-e2e-echo-$$

# Runs a command in the test's namespace, bounded.
in_ns() { ip netns exec "$ns" timeout 60 "$@"; }
eal() { echo "-l 0-1 --no-huge -m 512 --no-pci --file-prefix $1 --vdev net_tap0,iface=$2"; }

pcl_ns_create "$ns"
# Totals go to stdout, the EAL's and our log lines to stderr; keep them apart.
# shellcheck disable=SC2046
PCL_SERVER_STDERR=$tmp/server.err pcl_server_start "$ns" "$tmp/server.out" $(eal "$ns" pcl0) \
	-- -c "$PCL_ROOT/conf/portcullis.conf"
pcl_tap_up "$ns" pcl0 198.18.0.1/24 || fail "tap pcl0 did not come up"

# 1. ARP and ICMP echo.
in_ns ping -c 1 -W 5 "$SRV" >"$tmp/ping.txt" 2>&1 || { cat "$tmp/ping.txt"; fail "ping $SRV"; }
ip netns exec "$ns" ip neigh show "$SRV" dev pcl0 | grep -q lladdr || fail "no ARP entry for $SRV"
ok "ping (ARP + ICMP echo)"

# 2. curl gets 200 and the body.
code=$(in_ns curl -s -o "$tmp/body" -w '%{http_code}' --max-time 10 "http://$SRV/") || fail "curl exit $?"
[ "$code" = 200 ] || fail "curl: status $code, want 200"
[ "$(cat "$tmp/body")" = portcullis ] && [ "$(stat -c %s "$tmp/body")" = 11 ] ||
	fail "curl: body '$(od -c "$tmp/body" | head -3)', want 'portcullis\\n'"
ok "curl: 200, body 'portcullis\\n' (11 bytes)"

# 3. ab: 2000 requests, 20 at a time, no failures.
in_ns ab -n 2000 -c 20 -s 10 "http://$SRV/" >"$tmp/ab.txt" 2>&1 || { rc=$?; cat "$tmp/ab.txt"; fail "ab exit $rc"; }
grep -Eq '^Complete requests: +2000$' "$tmp/ab.txt" || { cat "$tmp/ab.txt"; fail "ab: not 2000 complete"; }
grep -Eq '^Failed requests: +0$' "$tmp/ab.txt" || { cat "$tmp/ab.txt"; fail "ab: failed requests"; }
! grep -q '^Non-2xx responses' "$tmp/ab.txt" || { cat "$tmp/ab.txt"; fail "ab: non-2xx responses"; }
ok "ab -n 2000 -c 20: 2000 complete, 0 failed ($(awk '/^Requests per second/ {print $4}' "$tmp/ab.txt") req/s)"

# 3b. Telemetry counts what happened: curl + 2000 ab requests, and it adds up.
tel=$(in_ns "$PY" "$PCL_ROOT/tests/e2e/telemetry.py" "$ns" /portcullis/stats /portcullis/conns \
	/portcullis/lcores /portcullis/config) || fail "telemetry query"
"$PY" - "$tel" "$PCL_ROOT/lib/base/pcl_stats.h" <<'PYEOF' || fail "telemetry: $tel"
import json, re, sys
stats, conns, lcores, config = (json.loads(l) for l in sys.argv[1].splitlines())
# Every counter and drop reason pcl_stats.h documents is there, with its rate.
hdr = open(sys.argv[2]).read()
counters = re.findall(r"X\((\w+),", hdr[hdr.index("define PCL_COUNTERS"):hdr.index("struct pcl_stats {")])
drops = re.findall(r"X\((\w+),", hdr[hdr.index("define PCL_DROP_REASONS"):hdr.index("enum pcl_drop")])
assert len(counters) > 30 and len(drops) > 20, (counters, drops)
for k in counters:
    assert k in stats and k + "_per_s" in stats, k
for k in drops:
    assert "drop_" + k in stats, k
assert "drops_per_s" in stats and "conns_active" in stats
assert stats["allocator_resident_bytes"] >= stats["allocator_allocated_bytes"] > 0, stats
# ab may open a spare connection it never uses, so requests are the exact count.
assert stats["http_requests"] == 2001, stats["http_requests"]
assert stats["conn_opened"] == stats["syn_rx"] == stats["synack_tx"], stats
ended = sum(stats[k] for k in ("conn_closed", "conn_reset", "conn_timeout", "conn_retry_limit", "conn_aborted"))
# A TIME_WAIT record is what is left of a closed connection: not open.
assert stats["conn_opened"] - ended == conns["active"] - conns["SYN_RCVD"] - conns["TIME_WAIT"], (stats, conns)
assert stats["drop_tcp_cksum"] == 0
assert set(conns) == {"SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "FIN_WAIT_1",
                      "FIN_WAIT_2", "CLOSING", "PROXY_CONNECT", "PROXY", "TIME_WAIT",
                      "PROBE", "active"}, conns
assert conns["active"] == stats["conns_active"]
# Resource gauges: entries free = pool less the connections alive (TIME_WAIT
# records hold none); mbufs free below the pool by what the port keeps posted for RX.
assert conns["TIME_WAIT"] > 0, conns
assert stats["entries"] == 65536, stats
assert stats["entries_free"] == 65536 - (stats["conns_active"] - conns["TIME_WAIT"]), stats
assert 0 < stats["mbufs_free"] < stats["mbufs"] == 16384, stats
assert lcores == [1], lcores
assert config["listen/ports"] == "80" and config["listen/app"] == "http", config
PYEOF
ok "telemetry: /portcullis/stats, conns, lcores, config"

# 3b'. Prometheus: /metrics on the namespace's loopback, accepted by promtool,
# with the same request count as telemetry.
in_ns curl -sf --max-time 5 http://127.0.0.1:9464/metrics >"$tmp/metrics.txt" || fail "GET /metrics"
promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.txt" 2>&1 ||
	{ cat "$tmp/promtool.txt"; fail "promtool check metrics"; }
grep -qx 'portcullis_http_requests_total{lcore="1"} 2001' "$tmp/metrics.txt" ||
	fail "metrics: $(grep http_requests "$tmp/metrics.txt")"
grep -q '^portcullis_connections{lcore="1",state="TIME_WAIT"} [0-9]' "$tmp/metrics.txt" &&
	grep -q '^portcullis_drops_total{lcore="1",reason="tcp_cksum"} 0$' "$tmp/metrics.txt" &&
	grep -q '^portcullis_entries_free{lcore="1"} [1-9]' "$tmp/metrics.txt" &&
	grep -q '^portcullis_mbufs_free{lcore="1"} [1-9]' "$tmp/metrics.txt" &&
	grep -q '^portcullis_allocator_resident_bytes [1-9]' "$tmp/metrics.txt" || fail "metrics: families missing"
code=$(in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 5 http://127.0.0.1:9464/) || true
[ "$code" = 404 ] || fail "GET / on the metrics port: $code, want 404"
ok "Prometheus /metrics: promtool accepts it; http_requests_total 2001 as in telemetry"

# 3c. A second server with the same file prefix fails at once, saying why.
rc=0
in_ns "$PCL_BIN" -l 0 --no-huge -m 128 --no-pci --file-prefix "$ns" -- --addr "$SRV/24" \
	>"$tmp/second.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "second start with prefix $ns: exit $rc, want 1"
grep -q "^portcullis: file prefix '$ns' is in use by another DPDK process (pid [0-9]*); give this one its own --file-prefix\$" \
	"$tmp/second.out" || fail "second start: '$(cat "$tmp/second.out")'"
ok "a second start with the same --file-prefix: one clear line, exit 1"

# 4. bash /dev/tcp: connect, ask, read to EOF, close.
resp=$(in_ns bash -c "exec 3<>/dev/tcp/$SRV/80; printf 'GET / HTTP/1.0\r\n\r\n' >&3; cat <&3; exec 3<&-") ||
	fail "/dev/tcp exit $?"
[[ "$resp" == "HTTP/1.1 200 OK"* ]] || fail "/dev/tcp: got '$resp'"
[[ "$resp" == *$'\r\n\r\nportcullis' ]] || fail "/dev/tcp: no body in '$resp'"
ok "bash /dev/tcp: connect, HTTP/1.0 request, answer to EOF, close"

# 5. HTTP/1.1 keep-alive: two requests on one connection.
in_ns curl -sv --max-time 10 "http://$SRV/" "http://$SRV/" >"$tmp/ka.out" 2>"$tmp/ka.err" ||
	{ rc=$?; cat "$tmp/ka.err"; fail "keep-alive curl exit $rc"; }
grep -Eq 'Re-using existing connection|Reusing existing connection' "$tmp/ka.err" ||
	{ cat "$tmp/ka.err"; fail "keep-alive: connection not reused"; }
[ "$(grep -c '^< HTTP/1.1 200 OK' "$tmp/ka.err")" = 2 ] || { cat "$tmp/ka.err"; fail "keep-alive: not two 200s"; }
[ "$(cat "$tmp/ka.out")" = $'portcullis\nportcullis' ] || fail "keep-alive: bodies '$(cat "$tmp/ka.out")'"
[ "$(grep -c 'Connected to' "$tmp/ka.err")" = 1 ] || fail "keep-alive: more than one connection"
ok "HTTP/1.1 keep-alive: two 200s on one connection"

# 6. A closed port refuses at once: the server answers the SYN with RST.
rc=0
start=$(date +%s%N)
in_ns curl -s --max-time 5 "http://$SRV:81/" >/dev/null 2>&1 || rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
[ "$rc" = 7 ] || fail "closed port: curl exit $rc, want 7 (connection refused)"
[ "$ms" -lt 2000 ] || fail "closed port: refused only after $ms ms"
ok "closed port 81: connection refused in $ms ms"

# 7. Half-close: request, shutdown(SHUT_WR), the whole answer still arrives.
in_ns "$PY" - "$SRV" <<'PYEOF' || fail "half-close"
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
s.shutdown(socket.SHUT_WR)
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk:
        break
    data += chunk
s.close()
assert data.startswith(b"HTTP/1.1 200 OK\r\n"), data
head, _, body = data.partition(b"\r\n\r\n")
assert body == b"portcullis\n", data
assert b"\r\ncontent-length: 11" in head.lower(), data
PYEOF
ok "half-close: the whole answer and EOF after shutdown(SHUT_WR)"

# SIGINT: exit 0 and the final totals on stdout.
pcl_server_stop || fail "the server did not exit 0 on SIGINT"
out=$tmp/server.out
grep -Eq '^conn_opened [0-9]+$' "$out" || fail "totals: no conn_opened line on stdout"
opened=$(total conn_opened "$out")
[ "$opened" -ge 2000 ] || fail "totals: conn_opened $opened < 2000"
[ "$(total drop_tcp_cksum "$out")" = 0 ] || fail "totals: drop_tcp_cksum $(total drop_tcp_cksum "$out")"
# curl 1 + ab 2000 + /dev/tcp 1 + keep-alive 2 + half-close 1.
[ "$(total http_requests "$out")" = 2005 ] || fail "totals: http_requests $(total http_requests "$out"), want 2005"
[ "$(total rst_closed_port "$out")" -ge 1 ] || fail "totals: rst_closed_port $(total rst_closed_port "$out")"
ok "SIGINT: exit 0; totals conn_opened $opened, http_requests 2005, drop_tcp_cksum 0"

# 8. The echo app on port 7, in a second namespace with its own server.
pcl_ns_create "$ns2"
# shellcheck disable=SC2046
pcl_server_start "$ns2" "$tmp/server-echo.log" $(eal "$ns2" pcl1) \
	-- --addr "$SRV/24" --listen 7 --app echo
pcl_tap_up "$ns2" pcl1 198.18.0.1/24 || fail "echo: tap pcl1 did not come up"
ip netns exec "$ns2" timeout 60 "$PY" - "$SRV" <<'PYEOF' || fail "echo"
import os, socket, sys, threading
for data in (b"hello portcullis", os.urandom(256 * 1024)):
    s = socket.create_connection((sys.argv[1], 7), timeout=10)
    writer = threading.Thread(target=s.sendall, args=(data,))
    writer.start()
    got = b""
    while len(got) < len(data):
        chunk = s.recv(65536)
        assert chunk, f"EOF after {len(got)} of {len(data)} bytes"
        got += chunk
    writer.join()
    s.shutdown(socket.SHUT_WR)
    assert s.recv(1) == b"", "more bytes than were sent, or no EOF"
    s.close()
    assert got == data, f"{len(data)} bytes sent, different bytes back"
PYEOF
pcl_server_stop || fail "echo: the server did not exit 0 on SIGINT"
rx=$(total data_rx_bytes "$tmp/server-echo.log")
[ "$rx" = $((16 + 256 * 1024)) ] && [ "$(total data_tx_bytes "$tmp/server-echo.log")" = "$rx" ] ||
	fail "echo: totals data_rx_bytes $rx, data_tx_bytes $(total data_tx_bytes "$tmp/server-echo.log")"
ok "echo app (--listen 7 --app echo): 16 bytes and 256 KiB back intact"

echo "tap_basic: all checks passed"
