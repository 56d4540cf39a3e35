#!/usr/bin/env bash
# End to end: the SYN proxy (a [service:80] in full NAT) between the
# kernel's TCP stack as the client and two nginx backends, in namespaces
# this test creates and removes. Needs root, /dev/net/tun, nginx, ab,
# hping3 and curl.
#
#   tap_proxy.sh one-arm|two-arm   (meson passes PCL_BIN and PCL_SRC in the environment)
#
# Namespaces (PID = this shell's): pcl-e2e-px-PID runs portcullis (2
# workers, lcores 0@0,1@0,2@1) on net_tap; pcl-e2e-pxc-PID is the client
# (198.18.0.1), pcl-e2e-pxb-PID the backends (one nginx per address, port
# 8080). The VIP is 198.18.0.2:80.
#   two-arm: tap pxc0 (port 0) is moved into the client's namespace, tap
#     pxb0 (port:backend, our address 198.18.1.1) into the backends'
#     (198.18.1.11 and .12).
#   one-arm: tap pxc0 is moved into pcl-e2e-pxl-PID, where a bridge joins
#     it to veth pairs toward the client and the backends (198.18.0.11 and
#     .12): both on port 0.
#
# Checks:
# 1. Each backend address pings ours (its MAC learned); curl through the
#    VIP reaches both backends.
# 2. With a 10 s spoofed SYN flood (hping3 --rand-source) at the VIP:
#    ab -n 20000 -c 50 with 0 failures and each backend 40-60 % of the
#    requests; meanwhile a 100 MB download whose sha256 matches, and a
#    100 MB upload to a second service (port 81, a Python backend that
#    hashes what it gets) whose sha256 matches.
# 3. The backends accepted (TcpPassiveOpens) exactly the connections the
#    proxy accepted, opened and closed, no fewer than the client's requests
#    and no more than its connection attempts: no spoofed SYN reached a
#    backend. Both workers proxied. The stopped server's totals: nothing
#    failed, reset, redispatched, held or still open, and no drop but those
#    the flood and net_tap's reordering explain.
# 4. A restarted server picks the same local ports toward the backends,
#    which still hold many of those tuples in TIME_WAIT and answer our SYN
#    with an old ACK: ab -n 1000 -c 20 still completes without a failure
#    (RFC 9293 3.10.7.3: an RST, and the SYN again).
# 5. Restarted with two local addresses toward the backends (.20 and .21 on
#    their subnet): ab -n 1500 -c 20 completes; the backends resolved both
#    by ARP (their neighbour tables hold our MAC for each) and hold
#    TIME_WAIT toward all three of our addresses; one-arm, the client's
#    connection to a local address is refused (an RST); two-arm, so is a
#    connection from the backends' side to our address there.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"

mode=${1:-}
case $mode in
one-arm | two-arm) ;;
*)
	echo "usage: $0 one-arm|two-arm" >&2
	exit 2
	;;
esac
pcl_e2e_begin tun ab hping3 curl nginx sha256sum ss
source "$PCL_ROOT/tests/e2e/proxy_common.sh"

px_setup "$mode" px
requests=20000

# ---- the server ----
px_conf_ports
cat >>"$px_conf" <<CONF
[service:80]
backend = ${backends[0]}:8080
backend = ${backends[1]}:8080
[service:81]
backend = ${backends[0]}:9000
[stats]
prometheus = off
CONF

# ---- the backends: one nginx per address, each with its own access log ----
px_www
head -c 100M /dev/urandom >"$tmp/www/big"
want=$(sha256sum <"$tmp/www/big")

# Port 81 is a service too, with one backend that hashes what it is sent.
cat >"$tmp/upload.py" <<'PY'
import hashlib, http.server, sys

class Hash(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        n, h = int(self.headers["Content-Length"]), hashlib.sha256()
        while n:
            b = self.rfile.read(min(n, 1 << 16))
            if not b:
                break
            h.update(b)
            n -= len(b)
        body = f"{h.hexdigest()}  -\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

http.server.HTTPServer((sys.argv[1], 9000), Hash).serve_forever()
PY

server_start "$lb"
ip netns exec "$be" timeout -s INT "$PCL_SERVER_TIMEOUT" "$PY" "$tmp/upload.py" "${backends[0]}" \
	</dev/null >"$tmp/upload.err" 2>&1 &
for i in 0 1; do
	px_nginx_start "$i"
done
px_listening "$be" "${backends[0]}:9000" "the upload server"
ok "$mode: server up on two workers, two nginx backends, pings both ways"
# The drops so far (ARP probes into taps not yet up) do not count.
stats0=$(tel /portcullis/stats) || fail "telemetry query"
opens0=$(tcp_mib "$be" PassiveOpens) tries0=$(tcp_mib "$cli" ActiveOpens)
reqs=0 # requests answered

# ---- 1. curl: both backends answer through the VIP ----
px_both_answer "http://$vip/"
ok "curl through $vip: both backends answered within $reqs connections"

# ---- 2. ab, a download and an upload under a spoofed SYN flood ----
# Bounded twice: 10 s and 5 M packets, only to the VIP. The SYN-ACKs to the
# spoofed sources die in the client's namespace, which does not forward.
nsx "$cli" timeout 10 hping3 -S --flood --rand-source -c 5000000 -p 80 "$vip" >"$tmp/hping.out" 2>&1 &
flood=$!
sleep 1
nsx "$cli" curl -sS --max-time 100 -o "$tmp/got" -w '%{size_download} bytes in %{time_total} s\n' \
	"http://$vip/big" >"$tmp/download.out" 2>&1 &
download=$!
nsx "$cli" curl -sS --max-time 100 -T "$tmp/www/big" "http://$vip:81/big" >"$tmp/upload.out" 2>&1 &
upload=$!
ab_ok "$requests" 50
reqs=$((reqs + requests))
ok "ab -n $requests -c 50 through $vip under a SYN flood: all complete, 0 failed"
wait "$download" || fail "download: curl exit $?: $(cat "$tmp/download.out")"
reqs=$((reqs + 1))
got=$(sha256sum <"$tmp/got")
[ "$got" = "$want" ] || fail "download: sha256 $got, want $want ($(cat "$tmp/download.out"))"
rm -f "$tmp/got"
ok "100 MB download through $vip meanwhile: sha256 matches ($(cat "$tmp/download.out"))"
wait "$upload" || fail "upload: curl exit $?: $(cat "$tmp/upload.out")"
[ "$(cat "$tmp/upload.out")" = "$want" ] || fail "upload: the backend got sha256 $(cat "$tmp/upload.out"), want $want"
ok "100 MB upload through $vip:81 meanwhile: the backend's sha256 matches"
wait "$flood" || true

# ---- 3. the backends saw the client's connections only, shared evenly ----
settled
lcores=$(tel /portcullis/lcores,1 /portcullis/lcores,2) || fail "telemetry query"
opens=$(($(tcp_mib "$be" PassiveOpens) - opens0)) tries=$(($(tcp_mib "$cli" ActiveOpens) - tries0))
pcl_server_stop || fail "the server did not exit 0 on SIGINT"
out=$tmp/$lb.out
t() { total "$1" "$out"; }

# ab opens up to -c connections more than it has requests for and closes
# them unused at the end, some before their handshake completed: what the
# client opened lies between its requests and its connection attempts.
[ "$opens" -ge "$reqs" ] && [ "$opens" -le "$tries" ] ||
	fail "the backends accepted $opens connections for $reqs requests, $tries attempted"
px_shares "$reqs"
ok "the backends accepted $opens connections, no more than the client's $tries attempts" \
	"(no spoofed one); its $reqs requests went $a0 to backend 0, $a1 to backend 1"

both_proxied "$lcores"

# Each connection the proxy accepted reached a backend once, and closed.
accepted=$(t proxy_accepted) opened=$(t proxy_opened) closed=$(t proxy_closed)
[ "$accepted" = "$opens" ] || fail "proxy_accepted $accepted, the backends accepted $opens"
[ "$opened" = "$opens" ] || fail "proxy_opened $opened, the backends accepted $opens"
[ "$closed" = "$opens" ] || fail "proxy_closed $closed, want $opens"
[ "$accepted" = $((closed + $(t proxy_reset) + $(t proxy_idle) + $(t proxy_failed) + \
	$(t state_PROXY_CONNECT) + $(t state_PROXY))) ] ||
	fail "accepted $accepted != closed + reset + idle + failed + connecting + spliced"
px_zero "$out" proxy_failed proxy_reset proxy_idle proxy_no_backend proxy_no_port state_PROXY \
	state_PROXY_CONNECT held backend_rst backend_unreachable redispatches
[ "$(t syn_rx)" -gt $((opens + 10000)) ] && [ "$(t cookie_sent)" -ge 10000 ] ||
	fail "syn_rx $(t syn_rx), cookie_sent $(t cookie_sent): the flood did not arrive"
# Drops since the network was up: none but those the flood and reordering
# explain. Spoofed sources include martians (drop_bad_src); the flood can
# fill a steering ring (drop_steer_full); net_tap hands a connection's
# first segments to a queue by hash but the later ones to the queue of the
# worker that answered, so a steered segment can arrive after the close:
# TIME_WAIT answers it, the client's RST to that is ignored (drop_tcp_tw_rst);
# and the client answers a SYN-ACK for a connection ab gave up before its
# handshake ended with an RST that finds nothing (drop_tcp_rst_nomatch).
px_no_drops "$stats0" "$out" "drop_bad_src drop_steer_full drop_tcp_tw_rst drop_tcp_rst_nomatch"
ok "totals: $accepted accepted = $opened opened = $closed closed, none failed or reset;" \
	"$(t syn_rx) SYNs, $(t cookie_sent) cookies; drops: $(t drop_bad_src) martian sources," \
	"$(t drop_steer_full) steering, $(t drop_tcp_tw_rst) RSTs in TIME_WAIT"

# ---- 4. a restart: our local ports again, in TIME_WAIT at the backends ----
server_start "$lb-2"
tw=$(ip netns exec "$be" ss -Htan state time-wait | wc -l)
opens0=$(tcp_mib "$be" PassiveOpens)
ab_ok 1000 20
settled
opens=$(($(tcp_mib "$be" PassiveOpens) - opens0))
pcl_server_stop || fail "the restarted server did not exit 0 on SIGINT"
out=$tmp/$lb-2.out
accepted=$(t proxy_accepted)
[ "$accepted" = "$opens" ] && [ "$(t proxy_closed)" = "$opens" ] ||
	fail "after the restart: the backends accepted $opens, proxy_accepted $accepted, proxy_closed $(t proxy_closed)"
for k in proxy_failed proxy_reset redispatches; do
	[ "$(t "$k")" = 0 ] || fail "after the restart: $k $(t "$k"), want 0"
done
# About a quarter of the tuples meet a TIME_WAIT that rejects the SYN (the
# same backend as before, and a TSval or sequence number not above the old
# connection's): if none did, this part tested nothing.
[ "$(t rst_tx)" -gt 0 ] && [ "$(t backend_syn_retries)" -gt 0 ] ||
	fail "after the restart: no backend answered a SYN with an old ACK"
ok "restarted with $tw connections in TIME_WAIT at the backends: ab -n 1000 -c 20 complete," \
	"$(t backend_syn_retries) SYNs sent again, $(t rst_tx) RSTs"

# ---- 5. local addresses toward the backends ----
laddrs=("$net.20" "$net.21")
sed "/^addr = $self\/24\$/a local_addrs = ${laddrs[0]}-${laddrs[1]}" "$px_conf" >"$tmp/px-laddr.conf"
grep -q "^local_addrs = " "$tmp/px-laddr.conf" || fail "no local_addrs line in $tmp/px-laddr.conf"
px_conf=$tmp/px-laddr.conf
server_start "$lb-3"
ab_ok 1500 20
# refused WHO ADDR: WHO's connection to our ADDR:80 must get an RST (curl exit 7).
refused_from() {
	local rc=0
	nsx "$1" curl -sS --max-time 5 -o /dev/null "http://$2/" 2>"$tmp/curl-refused.err" || rc=$?
	[ "$rc" = 7 ] || fail "curl from $1 to $2: exit $rc, want 7 (refused): $(cat "$tmp/curl-refused.err")"
}
if [ "$mode" = one-arm ]; then
	refused_from "$cli" "${laddrs[0]}"
	refused="; a client's connection to ${laddrs[0]} refused"
else
	# The backends' port serves no client: not on its own address either.
	refused_from "$be" "$self"
	refused="; a connection from the backends' side to $self:80 refused"
fi
settled
for a in "${laddrs[@]}"; do
	ip -n "$be" neigh show "$a" | grep -qi "lladdr 02:70:63:6c:00:0[23]" ||
		fail "the backends did not resolve our local address $a: $(ip -n "$be" neigh show "$a")"
done
for a in "$self" "${laddrs[@]}"; do
	n=$(ip netns exec "$be" ss -Htan state time-wait dst "$a" | wc -l)
	[ "$n" -gt 0 ] || fail "no TIME_WAIT at the backends toward our address $a"
done
pcl_server_stop || fail "the server with local addresses did not exit 0 on SIGINT"
out=$tmp/$lb-3.out
for k in proxy_failed proxy_reset proxy_no_port redispatches; do
	[ "$(t "$k")" = 0 ] || fail "with local addresses: $k $(t "$k"), want 0"
done
[ "$(t rst_closed_port)" -ge 1 ] ||
	fail "with local addresses: rst_closed_port $(t rst_closed_port)"
ok "local addresses ${laddrs[0]}-${laddrs[1]}: ab -n 1500 -c 20 complete, the backends resolved" \
	"both by ARP and hold TIME_WAIT toward all three of our addresses$refused"
