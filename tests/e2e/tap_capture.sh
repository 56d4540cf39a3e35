#!/usr/bin/env bash
# End to end: a --no-huge server captures its own traffic (dpdk-dumpcap
# cannot attach without huge pages) with the telemetry command
# /portcullis/capture, on net_tap in a namespace this test creates. Needs
# root and /dev/net/tun.
#
#   tap_capture.sh            (meson passes PCL_BIN and PCL_SRC in the environment)
#
# Checks: the start-up line that points from dpdk-dumpcap to this command;
# a capture filtered on "tcp port 80" holds exactly one connection's
# handshake, request, answer and teardown, with its numbers, pcapng
# directions and times, and the server's rx/tx counters agree (the ping and
# closed-port noise is counted as filtered, 6); the file is root's, mode
# 0600; a 5-packet bound ends a capture by itself, the file has 5 packets;
# a running capture, an existing file, a relative path and a bad filter are
# refused with one line; a capture still running at SIGINT is completed.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
source "$PCL_ROOT/tests/e2e/capture_common.sh"
pcl_e2e_begin tun ping curl ab tshark

ns=pcl-e2e-cap-$$

pcl_ns_create "$ns"
quiet_ns
PCL_SERVER_STDERR=$tmp/server.err pcl_server_start "$ns" "$tmp/server.out" \
	-l 0-1 --no-huge -m 512 --no-pci --file-prefix "$ns" --vdev net_tap0,iface=pcl0 \
	-- -c "$PCL_ROOT/conf/portcullis.conf"
pcl_tap_up "$ns" pcl0 198.18.0.1/24 || fail "tap pcl0 did not come up"
for _ in $(seq 100); do
	grep -q 'Ctrl-C stops' "$tmp/server.err" && break
	sleep 0.1
done
grep -qx 'portcullis: no huge pages: dpdk-dumpcap cannot attach; capture with /portcullis/capture (docs/capture.md)' \
	"$tmp/server.err" || fail "no start-up line pointing to /portcullis/capture"
pin_server_mac

# 1. One connection, filtered on port 80, checked packet by packet.
wire=$tmp/wire.pcapng
r=$(tel "/portcullis/capture,start,$wire,filter=tcp port 80") || fail "telemetry"
[[ "$r" == '{"state": "running", "path": "'"$wire"'", "filter": "tcp port 80", "packets": 0,'* ]] ||
	fail "start: $r"
capture_noise
capture_exchange 40080
r=$(tel /portcullis/capture,stop) || fail "telemetry"
packets=$("$PY" - "$r" <<'PYEOF'
import json, sys
s = json.loads(sys.argv[1])
assert s["state"] == "done" and s["reason"] == "stop", s
assert s["filtered"] == 6, s  # 4 ICMP, the SYN to port 81 and its RST
assert s["matched"] == s["packets"] and s["ring_full"] == s["nombuf"] == s["not_written"] == 0, s
assert s["bytes"] > 0 and s["max_packets"] == 10000 and s["snaplen"] == 65535, s
print(s["packets"])
PYEOF
) || fail "stop: $r"
capture_verify "$wire" 40080 "$packets"
[ "$(stat -c '%U %a' "$wire")" = "root 600" ] || fail "the file is $(stat -c '%U %a' "$wire"), want root 600"
ok "capture of one connection: $packets packets, 6 filtered out; tshark agrees with the server's counters"

# 2. A packet bound ends the capture by itself.
r=$(tel "/portcullis/capture,start,$tmp/bound.pcapng,packets=5") || fail "telemetry"
ip netns exec "$ns" timeout 30 ab -n 20 -c 1 "http://$SRV/" >"$tmp/ab.txt" 2>&1 ||
	{ cat "$tmp/ab.txt"; fail "ab"; }
for i in $(seq 50); do
	r=$(tel /portcullis/capture) || fail "telemetry"
	[[ "$r" == *'"state": "done"'* ]] && break
	[ "$i" = 50 ] && fail "a 5-packet capture still runs after 20 connections and 5 s: $r"
	sleep 0.1
done
"$PY" - "$r" <<'PYEOF' || fail "bound: $r"
import json, sys
s = json.loads(sys.argv[1])
assert s["reason"] == "packets" and s["packets"] == 5 and s["filtered"] == 0, s
# Copies past the fifth are not written; how many arrive before the
# callbacks are gone depends on the timing.
assert s["matched"] == 5 + s["not_written"], s
PYEOF
n=$(tshark -r "$tmp/bound.pcapng" 2>/dev/null | wc -l)
[ "$n" = 5 ] || fail "the 5-packet capture has $n packets"
ok "packets=5: ended by itself (reason packets), 5 packets in the file"

# 3. Refusals, one line each.
refused() {
	local want=$1 got
	shift
	got=$(tel "$@") || fail "telemetry"
	[ "$got" = "{\"error\": \"$want\"}" ] || fail "$*: '$got', want error '$want'"
}
refused "$wire: File exists (a capture never replaces a file)" "/portcullis/capture,start,$wire"
refused "give the capture file as an absolute path first, got 'x.pcapng'" /portcullis/capture,start,x.pcapng
refused "filter: can't parse filter expression: syntax error" \
	"/portcullis/capture,start,$tmp/bad.pcapng,filter=tcp port"
[ ! -e "$tmp/bad.pcapng" ] || fail "a refused start left $tmp/bad.pcapng"
refused "packets: expected a whole number in 1..100000000, got '0'" \
	"/portcullis/capture,start,$tmp/zero.pcapng,packets=0"
tel "/portcullis/capture,start,$tmp/exit.pcapng" >/dev/null || fail "telemetry"
refused "a capture to $tmp/exit.pcapng is running; stop it first" "/portcullis/capture,start,$tmp/other.pcapng"
ok "refused: existing file, relative path, bad filter, bad bound, a second capture"

# 4. SIGINT with a capture running: the file is completed.
ip netns exec "$ns" timeout 10 curl -s --max-time 5 "http://$SRV/" >/dev/null || fail "curl"
pcl_server_stop || fail "the server did not exit 0 on SIGINT"
line=$(grep "capture to $tmp/exit.pcapng ended" "$tmp/server.err") || fail "no end-of-capture line at exit"
[[ "$line" =~ ended\ \(exit\):\ ([0-9]+)\ packets ]] || fail "end line: $line"
n=$(tshark -r "$tmp/exit.pcapng" 2>/dev/null | wc -l)
# curl has its answer, so SYN, SYN-ACK, ACK, request and answer were seen;
# the FINs may still be on their way at SIGINT.
[ "$n" = "${BASH_REMATCH[1]}" ] && [ "$n" -ge 5 ] || fail "exit capture: $n packets in the file; $line"
tshark -r "$tmp/exit.pcapng" -Y 'frame.number == 1 && tcp.flags == 0x002' 2>/dev/null | grep -q . ||
	fail "exit capture: the first packet is not a SYN"
ok "SIGINT: the running capture ended (exit) with its $n packets in the file"

echo "tap_capture: all checks passed"
