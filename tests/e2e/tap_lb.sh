#!/usr/bin/env bash
# End to end: the front end's backends at run time (docs/load-balancer.md,
# health checks to per-backend metrics) with the kernel as the client and two
# nginx backends, two-arm, in namespaces this test creates and removes
# (tests/e2e/proxy_common.sh). Needs root, /dev/net/tun, nginx, ab and curl.
#
#   tap_lb.sh kill|link|drain|weight|reload|pp|http   (meson passes PCL_BIN and PCL_SRC)
#
# Service 80 has backends 198.18.1.11:8080 (backend 0) and .12:8080
# (backend 1), tcp checks every 500 ms (250 ms to answer, down after 3
# failures, up after 2 passes) and on_backend_down = reset; services 82 and
# 83 send PROXY protocol v1 and v2 headers to backend 0's ports 8081 and
# 8082, where nginx expects them. Each case starts its own server:
#
# kill    two 100 MB downloads, one through each backend; backend 1's nginx
#         is killed: its download fails, the other keeps its sha256; the
#         backend is down within fall x interval of the kill (telemetry,
#         Prometheus and portcullis-stat say so), and ab afterwards has no
#         failure and sends it nothing. Restarted, it is up with its slots;
#         stopped gracefully during ab, the handshakes it refuses are
#         redispatched: the proxy fails no client.
# link    backend 1 falls silent (its address leaves the link: no RST, no
#         ARP answer): down after its checks time out, its connection reset
#         both ways; back up after rise passes once its address returns.
# drain   backend 1 drained during ab: no failure, no new connection to it
#         beyond those already being picked, its running download finishes
#         with its sha256; undrained, it gets its share again.
# weight  weights 1:3 by portcullis-stat --command, then 3:3 by the
#         telemetry command: the requests follow (slots and access logs).
# reload  SIGHUPs: a bad value and a key that needs a restart change nothing
#         and the log says why (file, line, key, problem); a file without
#         backend 1 removes it, one with it adds it back.
# pp      the client's address and port reach nginx in PROXY protocol v1
#         and v2 headers ($proxy_protocol_addr in its log), for curl and ab.
# http    service 84 checks GET /ready on port 8083: backend 1's file gone
#         (a 404, its TCP fine), it is down within fall x interval; back,
#         up. Every connection the backends accepted was a request or an
#         http check: tcp checks (service 80's, all along) accept none.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"

case=${1:-}
case $case in
kill | link | drain | weight | reload | pp | http) ;;
*)
	echo "usage: $0 kill|link|drain|weight|reload|pp|http" >&2
	exit 2
	;;
esac
pcl_e2e_begin tun ab curl nginx sha256sum ss
source "$PCL_ROOT/tests/e2e/proxy_common.sh"
PCL_STAT=${PCL_STAT:-$(dirname "$PCL_BIN")/portcullis-stat}
[ -x "$PCL_STAT" ] || fail "$PCL_STAT is not built"

px_setup two-arm lb
interval=500 timeout_ms=250 rise=2 fall=3
b0=${backends[0]}:8080 b1=${backends[1]}:8080

px_conf_ports
cat >>"$px_conf" <<CONF
[service:80]
backend = $b0
backend = $b1
check = tcp
check_interval_ms = $interval
check_timeout_ms = $timeout_ms
check_rise = $rise
check_fall = $fall
on_backend_down = reset
[service:82]
backend = ${backends[0]}:8081
proxy_protocol = v1
[service:83]
backend = ${backends[0]}:8082
proxy_protocol = v2
[stats]
prometheus = 127.0.0.1:9464
CONF
# Service 84 (http only): the same backends, each checked with a GET of
# /ready on port 8083.
[ "$case" != http ] || cat >>"$px_conf" <<CONF
[service:84]
backend = $b0
backend = $b1
check = http
check_port = 8083
check_path = /ready
check_interval_ms = $interval
check_timeout_ms = $timeout_ms
check_rise = $rise
check_fall = $fall
CONF
cp "$px_conf" "$tmp/good.conf"

# Each nginx also reads PROXY headers on 8081 and 8082 (services 82 and 83
# use nginx 0's) and logs what they say, and serves service 84's /ready on 8083.
px_www "log_format pp '\$proxy_protocol_addr \$proxy_protocol_port \$remote_addr \$server_port';
	server {
		listen @ADDR@:8081 proxy_protocol;
		listen @ADDR@:8082 proxy_protocol;
		access_log $tmp/pp@I@.log pp;
		root $tmp/www@I@;
	}
	server {
		listen @ADDR@:8083;
		access_log $tmp/ready@I@.log;
		root $tmp/www@I@;
	}"
touch "$tmp/www0/ready" "$tmp/www1/ready"
case $case in kill | link | drain) head -c 100M /dev/urandom >"$tmp/www/big" ;; esac

server_start "$lb"
for i in 0 1; do
	px_nginx_start "$i"
done
px_listening "$be" "${backends[0]}:8082" "nginx 0 (PROXY protocol)"
touch "$tmp/access0.log" "$tmp/access1.log"

# ---- helpers ----

# The service bstate, bfield and wait_state look at.
svc=80

# bstate ADDR:PORT: the state of that backend of service $svc (telemetry).
bstate() {
	local all
	all=$(tel /portcullis/backends) || fail "telemetry query"
	"$PY" -c 'import json, sys
for l in json.loads(sys.argv[1]):
    p, a, s = l.split()
    if p == sys.argv[3] and a == sys.argv[2]:
        print(s)' "$all" "$1" "$svc"
}

# bfield ADDR:PORT KEY: that figure of that backend of service $svc (telemetry).
bfield() {
	local one
	one=$(tel "/portcullis/backend,$svc $1") || fail "telemetry query"
	"$PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$one" "$2"
}

# counter NAME: a counter of the running server's totals (telemetry).
counter() {
	local all
	all=$(tel /portcullis/stats) || fail "telemetry query"
	"$PY" -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$all" "$1"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# wait_state ADDR:PORT STATE SECONDS [T0]: waits until that backend of
# service $svc is in STATE (telemetry asked every 10 ms); sets took to the
# milliseconds from T0 (now_ms; by default, now); fails after SECONDS.
wait_state() {
	local t0=${4:-$(now_ms)} seen
	seen=$(ip netns exec "$lb" timeout $(($3 + 5)) "$PY" "$PCL_ROOT/tests/e2e/telemetry.py" "$prefix" \
		--until "$3" /portcullis/backends "$svc $1 $2") || fail "$1 not $2 within $3 s: $(bstate "$1")"
	took=$((seen - t0))
}

# lbcmd LINE: a command by portcullis-stat; prints its one-line answer.
lbcmd() {
	ip netns exec "$lb" timeout 10 "$PCL_STAT" --file-prefix "$prefix" --command "$1" ||
		fail "portcullis-stat --command '$1': exit $?"
}

lines() { wc -l <"$1"; }

# established ADDR:PORT: connections the backend has established on it.
established() { ip netns exec "$be" ss -Htn state established "src $1" | wc -l; }

# download_via I RATE: starts a download of big (at most RATE bytes/s) that
# goes through backend I, retrying while Maglev picks the other one; sets
# dl (curl's pid) and dl_out (where it writes).
download_via() {
	local i=$1 n0 n1 other=$((1 - $1)) a=${backends[$1]}:8080 o
	o=${backends[$((1 - $1))]}:8080
	for _ in $(seq 10); do
		n0=$(established "$a") n1=$(established "$o")
		dl_out=$tmp/got$i
		# Not through nsx: $! must be timeout(1), which passes our SIGTERM on.
		ip netns exec "$cli" timeout 60 curl -sS --limit-rate "$2" -o "$dl_out" "http://$vip/big" \
			>"$tmp/dl$i.out" 2>&1 &
		dl=$!
		for _ in $(seq 100); do
			[ "$(established "$a")" -gt "$n0" ] && return 0
			[ "$(established "$o")" -gt "$n1" ] && break
			sleep 0.05
		done
		kill "$dl" 2>/dev/null || true
		wait "$dl" 2>/dev/null || true
		# Its connection to the other backend gone, so the counts hold.
		for _ in $(seq 100); do
			[ "$(established "$o")" -le "$n1" ] && break
			sleep 0.05
		done
	done
	fail "10 downloads went to backend $other, none to backend $i"
}

# logged FILE N: waits (5 s) until FILE has N lines: nginx logs a request
# once it has answered it, a moment after ab or curl may have seen the answer.
logged() {
	for _ in $(seq 100); do
		[ "$(lines "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	fail "$1 has $(lines "$1") lines, want $2"
}

# shares N [URL]: ab -n N -c 20 of URL (the VIP's /), all served; sets a0
# and a1 to how many of them each backend's access log gained.
shares() {
	local n0 n1
	n0=$(lines "$tmp/access0.log") n1=$(lines "$tmp/access1.log")
	ab_ok "$1" 20 "${2:-http://$vip/}"
	for _ in $(seq 100); do
		a0=$(($(lines "$tmp/access0.log") - n0)) a1=$(($(lines "$tmp/access1.log") - n1))
		[ $((a0 + a1)) -ge "$1" ] && return 0
		sleep 0.05
	done
	fail "ab's $1 requests, but $a0 + $a1 lines in the access logs"
}

# within X N LO HI: X is between LO and HI per cent of N.
within() { [ $(($1 * 100)) -ge $(($2 * $3)) ] && [ $(($1 * 100)) -le $(($2 * $4)) ]; }

# The states every case starts from: up (the checks sent before nginx
# listened may have failed, and a slow start could take a backend down).
wait_state "$b0" up 10
wait_state "$b1" up 10
ok "$case: server up on two workers, two nginx backends with tcp checks, both up"

case $case in
kill)
	want=$(sha256sum <"$tmp/www/big") slots1=$(bfield "$b1" slots) downs0=$(bfield "$b1" went_down)
	# 100 MB at 20 MB/s: each download lasts about 5 s, long enough to
	# still be running when backend 1 dies a second in.
	download_via 0 20M
	d0=$dl
	download_via 1 20M
	d1=$dl
	# Killed once both are well under way.
	for _ in $(seq 200); do
		[ "$(stat -c %s "$tmp/got1" 2>/dev/null || echo 0)" -ge $((10 << 20)) ] && break
		sleep 0.05
	done
	master=$(cat "$tmp/nginx1.pid")
	t0=$(now_ms)
	# shellcheck disable=SC2046 # its workers' pids, one word each
	kill -KILL "$master" $(ps -o pid= --ppid "$master")
	# New connections avoid it within fall x interval: the third check
	# after the kill fails at most fall x interval after it (each one is
	# refused at once), and the control thread looks every 100 ms.
	wait_state "$b1" down 10 "$t0"
	limit=$((fall * interval + 500))
	[ "$took" -le "$limit" ] || fail "backend 1 down $took ms after the kill, want <= $limit"
	ok "backend 1 killed: down after $took ms (fall x interval = $((fall * interval)) ms)"

	rc=0
	wait "$d1" || rc=$?
	got=$(stat -c %s "$tmp/got1" 2>/dev/null || echo 0)
	[ "$rc" != 0 ] && [ "$got" -lt $((100 << 20)) ] ||
		fail "the download through the dead backend: curl exit $rc, $got bytes: $(cat "$tmp/dl1.out")"
	ok "the download through backend 1 failed: curl exit $rc after $got bytes ($(cat "$tmp/dl1.out"))"
	wait "$d0" || fail "the download through backend 0: curl exit $?: $(cat "$tmp/dl0.out")"
	[ "$(sha256sum <"$tmp/got0")" = "$want" ] || fail "the download through backend 0: sha256 differs"
	ok "the download through backend 0 completed, sha256 matches"

	# The dead backend is down everywhere: telemetry, Prometheus, portcullis-stat.
	downs=$(bfield "$b1" went_down) failed=$(bfield "$b1" checks_failed)
	[ "$downs" = $((downs0 + 1)) ] && [ "$failed" -ge "$fall" ] ||
		fail "backend 1: went_down $downs0 -> $downs, checks_failed $failed"
	nsx "$lb" curl -sS --max-time 5 http://127.0.0.1:9464/metrics >"$tmp/metrics" ||
		fail "GET /metrics: curl exit $?"
	grep -qxF "portcullis_backend_state{service=\"80\",backend=\"$b1\",state=\"down\"} 1" "$tmp/metrics" ||
		fail "Prometheus: $(grep "portcullis_backend_state.*$b1" "$tmp/metrics")"
	ip netns exec "$lb" timeout 10 "$PCL_STAT" --file-prefix "$prefix" --once >"$tmp/stat.json" ||
		fail "portcullis-stat --once: exit $?"
	"$PY" -c 'import json, sys
b = json.load(open(sys.argv[1]))["backends"]
assert b["80 " + sys.argv[2]]["state"] == "down", b
assert b["80 " + sys.argv[3]]["state"] == "up", b' "$tmp/stat.json" "$b1" "$b0" ||
		fail "portcullis-stat --once: $(cat "$tmp/stat.json")"
	ok "backend 1 down in telemetry (went_down $downs0 -> $downs, $failed checks failed), Prometheus and portcullis-stat"

	# From now on no new connection tries it: ab has no failure, and backend
	# 1 sees no handshake (none refused, none moved to backend 0).
	rst1=$(bfield "$b1" hs_rst) conns1=$(bfield "$b1" conns) red=$(counter redispatches)
	shares 2000
	rst1b=$(bfield "$b1" hs_rst) conns1b=$(bfield "$b1" conns) redb=$(counter redispatches)
	[ "$a0" = 2000 ] && [ "$rst1b" = "$rst1" ] && [ "$conns1b" = "$conns1" ] && [ "$redb" = "$red" ] ||
		fail "after the kill: backend 0 served $a0 of 2000, backend 1 refused $((rst1b - rst1))," \
			"accepted $((conns1b - conns1)), redispatches $red -> $redb"
	ok "ab -n 2000 afterwards: 0 failed, all served by backend 0, no handshake tried backend 1"

	# Restarted, it is up after rise passes, with as many slots as before
	# (Maglev gives it back the same ones).
	t0=$(now_ms)
	px_nginx_start 1
	wait_state "$b1" up 10 "$t0"
	[ "$(bfield "$b1" slots)" = "$slots1" ] || fail "back up with $(bfield "$b1" slots) slots, had $slots1"
	ok "nginx 1 restarted: up after $took ms with its $slots1 slots"

	# Stopped gracefully under load (SIGQUIT: nginx finishes the requests it
	# has read, and closing its listener resets the connections still in
	# its accept queue; its port refuses new ones). The proxy loses no
	# client of its own: each refused handshake goes on to backend 0
	# (redispatch), none ends for want of a backend (proxy_failed), and
	# every failed request is a reset backend 1 sent (proxy_reset, passed on).
	red=$(counter redispatches) rst1=$(bfield "$b1" hs_rst) n1=$(lines "$tmp/access1.log")
	resets=$(counter proxy_reset) pfail=$(counter proxy_failed)
	nsx "$cli" ab -r -n 4000 -c 20 -s 20 "http://$vip/" >"$tmp/ab-quit.txt" 2>&1 &
	ab=$!
	logged "$tmp/access1.log" $((n1 + 200))
	kill -QUIT "$(cat "$tmp/nginx1.pid")"
	rc=0
	wait "$ab" || rc=$?
	[ "$rc" = 0 ] || { cat "$tmp/ab-quit.txt"; fail "ab -r: exit $rc"; }
	wait_state "$b1" down 10
	grep -Eq '^Complete requests: +4000$' "$tmp/ab-quit.txt" && ! grep -q '^Non-2xx' "$tmp/ab-quit.txt" ||
		{ cat "$tmp/ab-quit.txt"; fail "ab across the stop: not 4000 complete, or non-2xx answers"; }
	# ab counts a reset request as failing to receive, and again under
	# length and exceptions: the receive count is the requests.
	failed=$(sed -n 's/^ *(Connect: \([0-9]*\), Receive: \([0-9]*\),.*/\1 \2/p' "$tmp/ab-quit.txt")
	failed=${failed:-0 0}
	[ "${failed% *}" = 0 ] || fail "ab across the stop: connections failed: $(grep -A1 '^Failed' "$tmp/ab-quit.txt")"
	failed=${failed#* }
	redb=$(counter redispatches) rst1b=$(bfield "$b1" hs_rst)
	resets=$(($(counter proxy_reset) - resets)) pfail=$(($(counter proxy_failed) - pfail))
	[ "$redb" -gt "$red" ] && [ "$rst1b" -gt "$rst1" ] && [ "$pfail" = 0 ] && [ "$failed" -le "$resets" ] &&
		[ "$failed" -le 20 ] ||
		fail "ab across the stop: $failed failed, $resets reset, $pfail proxy_failed;" \
			"redispatches $red -> $redb, backend 1 refused $rst1 -> $rst1b"
	ok "nginx 1 stopped gracefully during ab -r -n 4000 -c 20: $((rst1b - rst1)) handshakes it refused" \
		"went on to backend 0 ($((redb - red)) redispatches), none failed for want of a backend;" \
		"$failed requests failed, each one a reset from backend 1 ($resets passed on)"
	;;

link)
	dev=pxb0
	failed0=$(bfield "$b1" checks_failed)
	# A download through backend 1 that would take 20 s.
	download_via 1 5M
	reset0=$(counter proxy_backend_down)
	# Backend 1's address leaves its link: whatever is sent to it is
	# dropped (the namespace does not forward), nothing answers.
	t0=$(now_ms)
	ip -n "$be" addr del "${backends[1]}/24" dev "$dev"
	# Down once fall checks in a row timed out: the last one starts at most
	# fall x interval after the address went and times out check_timeout_ms later.
	wait_state "$b1" down 10 "$t0"
	limit=$((fall * interval + timeout_ms + 500))
	[ "$took" -le "$limit" ] || fail "backend 1 down $took ms after it fell silent, want <= $limit"
	failed1=$(bfield "$b1" checks_failed)
	[ $((failed1 - failed0)) -ge "$fall" ] || fail "checks_failed $failed0 -> $failed1, want +$fall"
	ok "backend 1 silent: down after $took ms, $((failed1 - failed0)) checks failed"

	# on_backend_down = reset: its connection, which nothing else would end,
	# is reset at both ends; the client sees a reset, not a stall.
	rc=0
	wait "$dl" || rc=$?
	[ "$rc" = 56 ] || fail "the download through backend 1: curl exit $rc, want 56 (reset): $(cat "$tmp/dl1.out")"
	reset1=$(counter proxy_backend_down)
	[ "$reset1" -gt "$reset0" ] || fail "proxy_backend_down $reset0 -> $reset1"
	ok "its download was reset (curl: $(cat "$tmp/dl1.out")); proxy_backend_down $reset0 -> $reset1"

	shares 500
	[ "$a0" = 500 ] && [ "$a1" = 0 ] || fail "while backend 1 is down: $a0 + $a1 of 500"
	ok "ab -n 500 meanwhile: 0 failed, all served by backend 0"

	# Back: rise passes in a row, the first at most an interval after the
	# address returns (one more if a check was under way, lost).
	ok0=$(bfield "$b1" checks_ok) ups0=$(bfield "$b1" went_up)
	t0=$(now_ms)
	ip -n "$be" addr add "${backends[1]}/24" dev "$dev"
	wait_state "$b1" up 10 "$t0"
	limit=$(((rise + 1) * interval + 500))
	[ "$took" -le "$limit" ] || fail "backend 1 up $took ms after its address returned, want <= $limit"
	ok1=$(bfield "$b1" checks_ok) ups=$(bfield "$b1" went_up)
	[ $((ok1 - ok0)) -ge "$rise" ] && [ "$ups" = $((ups0 + 1)) ] ||
		fail "checks_ok $ok0 -> $ok1, went_up $ups0 -> $ups"
	shares 1000
	within "$a1" 1000 35 65 || fail "backend 1 back: $a1 of 1000"
	ok "address back: up after $took ms ($((ok1 - ok0)) checks passed); ab -n 1000 gives it $a1"
	;;

drain)
	want=$(sha256sum <"$tmp/www/big")
	# A download through backend 1 of about 4 s, then ab.
	download_via 1 25M
	n=4000
	a1=$(lines "$tmp/access1.log")
	nsx "$cli" ab -n "$n" -c 20 -s 20 "http://$vip/" >"$tmp/ab-drain.txt" 2>&1 &
	ab=$!
	# Drain once backend 1 has served a few hundred of ab's requests.
	for _ in $(seq 200); do
		[ "$(lines "$tmp/access1.log")" -ge $((a1 + 300)) ] && break
		sleep 0.05
	done
	at=$(lines "$tmp/access1.log")
	[ "$at" -ge $((a1 + 300)) ] || fail "backend 1 served $((at - a1)) requests in 10 s"
	reply=$(lbcmd "backend drain 80 $b1")
	[ "$reply" = "service 80 backend $b1: draining" ] || fail "drain: '$reply'"
	conns=$(bfield "$b1" conns) at=$(lines "$tmp/access1.log")
	rc=0
	wait "$ab" || rc=$?
	ab_check "$n" "$tmp/ab-drain.txt" "$rc"
	[ "$(bstate "$b1")" = draining ] || fail "backend 1 is $(bstate "$b1")"
	# Only connections whose backend was picked before the new table was
	# in place (at most ab's 20 at a time) still reach backend 1.
	conns2=$(bfield "$b1" conns)
	[ $((conns2 - conns)) -le 20 ] && [ $(($(lines "$tmp/access1.log") - at)) -le 20 ] ||
		fail "after the drain backend 1 accepted $((conns2 - conns)) connections," \
			"served $(($(lines "$tmp/access1.log") - at)) requests"
	ok "ab -n $n with backend 1 drained after $((at - a1)) of its requests: 0 failed;" \
		"$((conns2 - conns)) connections reached it after the drain"

	rc=0
	wait "$dl" || rc=$?
	[ "$rc" = 0 ] && [ "$(sha256sum <"$dl_out")" = "$want" ] ||
		fail "the download through the drained backend: curl exit $rc: $(cat "$tmp/dl1.out")"
	settled
	[ "$(bfield "$b1" conns_active)" = 0 ] || fail "backend 1 still has connections"
	ok "the download through backend 1 finished while it drained, sha256 matches; none left open"

	reply=$(lbcmd "backend undrain 80 $b1")
	[ "$reply" = "service 80 backend $b1: up" ] || fail "undrain: '$reply'"
	shares 1000
	within "$a1" 1000 35 65 || fail "backend 1 undrained: $a1 of 1000"
	ok "undrained: ab -n 1000 gives it $a1"
	;;

weight)
	# weigh VIA ADDR:PORT WEIGHT SHARE N: that backend's weight set by
	# portcullis-stat --command (VIA stat) or the telemetry command (tel);
	# then backend 1 has SHARE % of the slots (Maglev: within 1 %) and of
	# ab -n N's requests (client ports hashed: within 8 %).
	weigh() {
		local line="backend weight 80 $2 $3" r s0 s1
		if [ "$1" = stat ]; then
			r=$(lbcmd "$line")
		else
			r=$(tel "/portcullis/command,$line") || fail "telemetry query"
			r=$("$PY" -c 'import json, sys; print(json.loads(sys.argv[1])["reply"])' "$r") ||
				fail "$line: $r"
		fi
		[ "$r" = "service 80 backend $2: weight $3" ] || fail "$line: '$r'"
		s0=$(bfield "$b0" slots) s1=$(bfield "$b1" slots)
		within "$s1" $((s0 + s1)) $(($4 - 1)) $(($4 + 1)) || fail "$line: slots $s0:$s1"
		shares "$5"
		within "$a1" "$5" $(($4 - 8)) $(($4 + 8)) || fail "$line: backend 0 served $a0, backend 1 $a1"
		ok "$line (by $1): slots $s0:$s1, ab -n $5 served $a0:$a1"
	}
	weigh stat "$b1" 300 75 4000
	weigh tel "$b0" 300 50 2000
	;;

reload)
	pid=$(ps -o pid= --ppid "$PCL_SERVER_PID" | tr -d ' ')
	[ -n "$pid" ] || fail "no server process under $PCL_SERVER_PID"
	# hup WANT: SIGHUP, then the server's next reload line, which must
	# contain WANT.
	hup() {
		local n line
		n=$(grep -c 'portcullis: reload' "$tmp/$prefix.err" || true)
		kill -HUP "$pid"
		for _ in $(seq 100); do
			line=$(grep 'portcullis: reload' "$tmp/$prefix.err" | sed -n "$((n + 1))p")
			[ -n "$line" ] && break
			sleep 0.05
		done
		[[ $line == *"$1"* ]] || fail "after SIGHUP: '$line', want '$1'"
		echo "$line"
	}
	# figures: what a reload must not change when it fails.
	figures() { tel /portcullis/backends "/portcullis/backend,80 $b0" "/portcullis/backend,80 $b1" |
		"$PY" -c 'import json, sys
for l in sys.stdin:
    d = json.loads(l)
    print(d if isinstance(d, list) else [d[k] for k in ("state", "weight", "slots", "went_down")])'; }
	before=$(figures)
	line=$(grep -n "^backend = $b1\$" "$px_conf" | cut -d: -f1)
	sed -i "${line}s/.*/backend = ${backends[1]%.*}.300:8080/" "$px_conf"
	msg=$(hup "reload: $px_conf:$line: service:80.backend: ")
	[[ $msg == *"(nothing changed)" ]] || fail "'$msg' does not say nothing changed"
	[ "$(figures)" = "$before" ] || fail "a bad reload changed the backends: $(figures)"
	shares 1000
	[ "$a0" -gt 0 ] && [ "$a1" -gt 0 ] || fail "after a bad reload: $a0 + $a1"
	ok "SIGHUP with a bad backend line: nothing changed, served $a0 + $a1; the log: ${msg#*portcullis: }"

	cp "$tmp/good.conf" "$px_conf"
	sed -i "s/^check_interval_ms = .*/check_interval_ms = 1000/" "$px_conf"
	msg=$(hup "reload: service:80: keys other than backend changed; they need a restart (nothing changed)")
	[ "$(figures)" = "$before" ] || fail "a refused reload changed the backends: $(figures)"
	ok "SIGHUP with another check interval: refused, nothing changed"

	# A key outside the services (here [timers]) is refused too, by name.
	cp "$tmp/good.conf" "$px_conf"
	printf '[timers]\ntime_wait_ms = 1000\n' >>"$px_conf"
	msg=$(hup "reload: $px_conf: timers.time_wait_ms changed; only backends change without a restart (nothing changed)")
	[ "$(figures)" = "$before" ] || fail "a refused reload changed the backends: $(figures)"
	ok "SIGHUP with another [timers] time_wait_ms: refused by name, nothing changed"

	grep -v "^backend = $b1\$" "$tmp/good.conf" >"$px_conf"
	hup "reload: 0 backends added, 1 removed, 0 reweighted" >/dev/null
	[ "$(bstate "$b1")" = removed ] || fail "backend 1 is $(bstate "$b1") after its line went"
	shares 1000
	[ "$a1" = 0 ] || fail "removed, backend 1 still served $a1"
	cp "$tmp/good.conf" "$px_conf"
	hup "reload: 1 backends added, 0 removed, 0 reweighted" >/dev/null
	wait_state "$b1" up 5
	shares 1000
	within "$a1" 1000 35 65 || fail "added back, backend 1 served $a1 of 1000"
	ok "SIGHUP without backend 1: removed, ab -n 1000 all to backend 0; with it again: up, $a1 of 1000"
	;;

pp)
	# One connection each from a known port: nginx logs the client's
	# address and port from the header, and ours as the peer.
	for v in 1 2; do
		port=$((81 + v)) lport=$((40000 + v)) n=$(lines "$tmp/pp0.log")
		body=$(nsx "$cli" curl -sS --max-time 10 --local-port "$lport" "http://$vip:$port/") ||
			fail "curl :$port: exit $?"
		[ "$body" = "backend 0" ] || fail "curl :$port: '$body'"
		logged "$tmp/pp0.log" $((n + 1))
		want="198.18.0.1 $lport $self $((8080 + v))"
		[ "$(tail -n 1 "$tmp/pp0.log")" = "$want" ] ||
			fail "PROXY v$v: nginx logged '$(tail -n 1 "$tmp/pp0.log")', want '$want'"
		# Many, to see every sequence number shifted right.
		ab_ok 500 10 "http://$vip:$port/"
		logged "$tmp/pp0.log" $((n + 501))
		named=$(tail -n 500 "$tmp/pp0.log" | awk -v c=198.18.0.1 -v s="$self" '$1 == c && $3 == s' | wc -l)
		[ "$named" = 500 ] || fail "PROXY v$v: $named of ab's 500 requests logged with the client's address"
		ok "PROXY protocol v$v (:$port): nginx logs '$want'; ab -n 500: 0 failed, each logged with the client's address"
	done
	;;
http)
	svc=84
	opens0=$(tcp_mib "$be" PassiveOpens) tries0=$(tcp_mib "$cli" ActiveOpens)
	checks0=$(cat "$tmp"/ready?.log | wc -l) reqs0=$(cat "$tmp"/access?.log | wc -l)
	svc=80 tcp0=$(($(bfield "$b0" checks_ok) + $(bfield "$b1" checks_ok))) svc=84
	# The checks as nginx saw them: HTTP/1.0 GETs of /ready, our User-Agent.
	logged "$tmp/ready1.log" "$rise"
	grep -q '"GET /ready HTTP/1.0" 200 0 "-" "portcullis-check"$' "$tmp/ready1.log" ||
		fail "nginx 1 logged no check: $(tail -n 2 "$tmp/ready1.log")"
	wait_state "$b0" up 10
	wait_state "$b1" up 10

	# /ready answers 404 on backend 1: down at the third, whose request
	# is sent at most fall x interval after the file went.
	t0=$(now_ms)
	rm "$tmp/www1/ready"
	wait_state "$b1" down 10 "$t0"
	limit=$((fall * interval + 500))
	[ "$took" -le "$limit" ] || fail "backend 1 down $took ms after /ready went, want <= $limit"
	failed=$(bfield "$b1" checks_failed)
	[ "$failed" -ge "$fall" ] || fail "backend 1: checks_failed $failed"
	grep -q '"GET /ready HTTP/1.0" 404 ' "$tmp/ready1.log" || fail "nginx 1 logged no 404"
	svc=80
	[ "$(bstate "$b1")" = up ] || fail "service 80's backend 1 (tcp checks) is $(bstate "$b1")"
	svc=84
	shares 500 "http://$vip:84/"
	[ "$a1" = 0 ] || fail "service 84 sent $a1 of 500 requests to backend 1, which is down"
	ok "backend 1's /ready gone: service 84 (http) has it down after $took ms, $failed checks failed;" \
		"service 80 (tcp) still up; ab -n 500 through :84 all to backend 0"

	ok0=$(bfield "$b1" checks_ok)
	t0=$(now_ms)
	touch "$tmp/www1/ready"
	wait_state "$b1" up 10 "$t0"
	limit=$(((rise + 1) * interval + 500))
	[ "$took" -le "$limit" ] || fail "backend 1 up $took ms after /ready came back, want <= $limit"
	ok1=$(bfield "$b1" checks_ok)
	[ $((ok1 - ok0)) -ge "$rise" ] || fail "checks_ok $ok0 -> $ok1"
	shares 1000 "http://$vip:84/"
	within "$a1" 1000 35 65 || fail "backend 1 back: $a1 of 1000"
	ok "/ready back: up after $took ms; ab -n 1000 through :84 gives it $a1"

	# The backends' kernel accepted a connection for each http check and
	# each request, and no more than the client attempted (ab opens a few
	# spare ones), give or take a check under way at each end of the count
	# per backend; service 80's tcp checks (SYN, SYN-ACK, RST) add none.
	settled
	opens=$(($(tcp_mib "$be" PassiveOpens) - opens0)) tries=$(($(tcp_mib "$cli" ActiveOpens) - tries0))
	checks=$(($(cat "$tmp"/ready?.log | wc -l) - checks0)) reqs=$(($(cat "$tmp"/access?.log | wc -l) - reqs0))
	svc=80 tcp=$(($(bfield "$b0" checks_ok) + $(bfield "$b1" checks_ok) - tcp0)) svc=84
	[ "$tcp" -gt 4 ] && [ "$opens" -ge $((checks + reqs - 2)) ] && [ "$opens" -le $((checks + tries + 2)) ] ||
		fail "the backends accepted $opens connections for $checks http checks and $reqs requests" \
			"($tries attempted); $tcp tcp checks passed meanwhile"
	ok "the backends accepted $opens connections for $checks http checks and $reqs requests" \
		"($tries attempted); $tcp tcp checks meanwhile added none"
	;;
esac

settled
pcl_server_stop || fail "the server did not exit 0 on SIGINT"
