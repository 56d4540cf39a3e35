# Helpers of the capture tests (tap_capture.sh, huge_dumpcap.sh); source
# after common.sh, with ns set to the test's namespace and the server on tap
# pcl0 there.
#
#   tel CMD...             telemetry replies, one JSON line each
#   quiet_ns               no IPv6 in the namespace (router solicitations and
#                          the like would reach the server at random times);
#                          call before the server creates its tap
#   pin_server_mac         one ping, then the server's MAC as a permanent
#                          neighbour: the kernel sends no ARP while we capture
#   capture_noise          traffic a "tcp port 80" filter must leave out:
#                          2 pings (4 ICMP packets), a SYN to closed port 81 and
#                          its RST (6 packets in all)
#   capture_exchange SPORT one HTTP/1.1 GET from 198.18.0.1:SPORT, closed by the
#                          client, between two /portcullis/stats samples
#                          ($tmp/before.json, $tmp/after.json); sets REQ_LEN and
#                          ANS_LEN; returns once the server has closed it
#   capture_verify FILE SPORT COUNT
#                          tests/e2e/capture_check.py check on FILE

tel() { ip netns exec "$ns" timeout 20 "$PY" "$PCL_ROOT/tests/e2e/telemetry.py" "$ns" "$@"; }

quiet_ns() {
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

pin_server_mac() {
	local mac
	ip netns exec "$ns" timeout 10 ping -c 1 -W 5 "$SRV" >/dev/null || fail "ping $SRV"
	mac=$(ip -n "$ns" neigh show "$SRV" dev pcl0 | awk '{ print $3 }')
	[[ "$mac" =~ ^[0-9a-f:]{17}$ ]] || fail "no neighbour entry for $SRV: '$mac'"
	ip -n "$ns" neigh replace "$SRV" lladdr "$mac" dev pcl0 nud permanent
}

capture_noise() {
	local rc=0
	ip netns exec "$ns" timeout 10 ping -c 2 -i 0.2 -W 5 "$SRV" >/dev/null || fail "ping $SRV"
	ip netns exec "$ns" timeout 10 curl -s --max-time 5 "http://$SRV:81/" >/dev/null 2>&1 || rc=$?
	[ "$rc" = 7 ] || fail "curl to closed port 81: exit $rc, want 7 (refused)"
}

capture_exchange() {
	local sport=$1 lens i
	tel /portcullis/stats >"$tmp/before.json" || fail "telemetry"
	lens=$(ip netns exec "$ns" timeout 20 "$PY" "$PCL_ROOT/tests/e2e/capture_check.py" client \
		"$SRV" "$sport") || fail "the client's exchange"
	read -r REQ_LEN ANS_LEN <<<"$lens"
	# The client's last ACK reaches the server after close() returns; then
	# no connection is left but those in TIME_WAIT (earlier ones'; this
	# one's ends in LAST_ACK on the server).
	for i in $(seq 50); do
		[ "$(tel /portcullis/conns | "$PY" -c 'import json, sys
c = json.load(sys.stdin)
print(c["active"] - c["TIME_WAIT"])')" = 0 ] && break
		[ "$i" = 50 ] && fail "the server still holds a connection 5 s after the client closed"
		sleep 0.1
	done
	tel /portcullis/stats >"$tmp/after.json" || fail "telemetry"
}

capture_verify() {
	"$PY" "$PCL_ROOT/tests/e2e/capture_check.py" check "$1" "$2" "$REQ_LEN" "$ANS_LEN" \
		"$tmp/before.json" "$tmp/after.json" "$3" || fail "the capture in $1"
}
