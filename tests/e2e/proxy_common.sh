# Helpers of the SYN-proxy tests (tap_proxy.sh, tap_proxy6.sh, tap_lb.sh): the kernel as the
# client, portcullis as a [service] in full NAT, one nginx per backend
# address, each in namespaces of its own. Source after common.sh, once
# pcl_e2e_begin has run.
#
#   px_setup MODE TAG     MODE one-arm|two-arm; sets mode, lb, cli, be, lan
#                         (the namespaces pcl-e2e-TAG{,c,b,l}-PID, made here),
#                         vip (198.18.0.2), net, self (our address toward the
#                         backends), backends (NET.11 and NET.12) and px_conf
#                         ($tmp/px.conf, which px_conf_ports starts)
#   px_conf_ports         writes the [port] sections of $px_conf (fixed MACs)
#   px_server_run PREFIX CONF  portcullis -c CONF on 2 workers (lcores
#                         0@0,1@0,2@1), output in $tmp/PREFIX.out and .err;
#                         returns once its queues are set up (its taps can
#                         move then); sets prefix
#   server_start PREFIX   px_server_run PREFIX $px_conf, its taps moved
#                         where they belong, the backends' MACs known to it
#   px_www [EXTRA]        a www root and an nginx config per backend I (0, 1):
#                         index.html says "backend I", big is $tmp/www/big;
#                         EXTRA, with @I@ for I and @ADDR@ for its address,
#                         is added to the http block
#   px_nginx_start I      starts nginx I in $be, waits (10 s) until it listens
#   px_listening NS ADDR:PORT WHAT   waits (10 s) for a listener, fails naming WHAT
#   nsx NS CMD...         CMD in namespace NS, bounded in time (120 s)
#   tel CMD...            the server's telemetry answers, one JSON line each
#   tcp_mib NS NAME       the Tcp counter NAME of NS's kernel (/proc/net/snmp)
#   ab_ok N C [URL]       ab -n N -c C of URL (the VIP's /): all complete, none
#                         failed, all 2xx (its output in $tmp/ab.txt)
#   ab_check N FILE [RC]  the same of ab's output in FILE (and exit status RC)
#   settled               waits (20 s) until no connection is open at the
#                         client (but TIME_WAIT) or proxied by the server
#   px_both_answer URL    curl URL (at most 20 times) until both backends have
#                         answered; adds the connections to reqs
#   px_shares REQS        the two nginx access logs hold REQS requests, each
#                         40-60 % of them; sets a0 and a1 (their counts)
#   px_zero OUT NAME...   fails unless each counter NAME of the stopped
#                         server's totals OUT is 0
#   both_proxied LCORES   fails unless both workers' stats (two telemetry
#                         lines) show proxied connections and steered packets
#   px_no_drops STATS0 OUT OK  fails if a drop counter of the stopped server's
#                         totals OUT grew since telemetry's STATS0, but the
#                         reasons in OK (space-separated)

# px_setup MODE TAG: see above.
px_setup() {
	local ns ifc
	mode=$1
	lb=pcl-e2e-$2-$$ cli=pcl-e2e-${2}c-$$ be=pcl-e2e-${2}b-$$ lan=pcl-e2e-${2}l-$$
	vip=198.18.0.2
	if [ "$mode" = two-arm ]; then
		net=198.18.1 self=198.18.1.1
	else
		net=198.18.0 self=$vip
	fi
	backends=("$net.11" "$net.12")
	px_conf=$tmp/px.conf
	for ns in "$lb" "$cli" "$be"; do
		pcl_ns_create "$ns"
		# No IPv6 chatter (router solicitations, MLD) for the server to drop.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	done
	[ "$mode" = one-arm ] || return 0
	pcl_ns_create "$lan"
	ip netns exec "$lan" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	# No snooping: the bridge would send IGMP reports the server drops.
	ip -n "$lan" link add br0 type bridge mcast_snooping 0
	ip -n "$lan" link add vc type veth peer name eth1 netns "$cli"
	ip -n "$lan" link add vb type veth peer name eth1 netns "$be"
	for ifc in vc vb; do
		ip -n "$lan" link set "$ifc" master br0
		ip -n "$lan" link set "$ifc" up
	done
	ip -n "$lan" link set br0 up
}

# Fixed MACs, so that a restarted server is found at the same one.
px_conf_ports() {
	cat >"$px_conf" <<CONF
[port]
device = net_tap0,iface=pxc0,mac=02:70:63:6c:00:02
addr = $vip/24
CONF
	[ "$mode" = one-arm ] || cat >>"$px_conf" <<CONF
[port:backend]
device = net_tap1,iface=pxb0,mac=02:70:63:6c:00:03
addr = $self/24
CONF
}

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" timeout 120 "$@"
}

tel() { ip netns exec "$lb" timeout 10 "$PY" "$PCL_ROOT/tests/e2e/telemetry.py" "$prefix" "$@"; }

tcp_mib() {
	ip netns exec "$1" awk -v k="$2" '$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) f[i] = $i; h = 1; next }
		$1 == "Tcp:" { for (i = 2; i <= NF; i++) if (f[i] == k) print $i }' /proc/net/snmp
}

ab_ok() {
	local rc=0
	nsx "$cli" ab -n "$1" -c "$2" -s 20 "${3:-http://$vip/}" >"$tmp/ab.txt" 2>&1 || rc=$?
	ab_check "$1" "$tmp/ab.txt" "$rc"
}

ab_check() {
	[ "${3:-0}" = 0 ] || { cat "$2"; fail "ab exit $3"; }
	grep -Eq "^Complete requests: +$1\$" "$2" || { cat "$2"; fail "ab incomplete"; }
	grep -Eq '^Failed requests: +0$' "$2" || { cat "$2"; fail "ab failures"; }
	! grep -q '^Non-2xx responses' "$2" || { cat "$2"; fail "ab non-2xx"; }
}

# ab may still be retransmitting the FIN of a spare connection it closed
# unused: TIME_WAIT at the client does not count as open.
settled() {
	local st=
	for _ in $(seq 200); do
		if [ "$(ip netns exec "$cli" ss -Htan exclude time-wait exclude listening | wc -l)" = 0 ]; then
			st=$(tel /portcullis/conns) || fail "telemetry query"
			"$PY" -c 'import json, sys; c = json.loads(sys.argv[1]); sys.exit(c["PROXY"] + c["PROXY_CONNECT"] != 0)' \
				"$st" && return 0
		fi
		sleep 0.1
	done
	fail "connections still open 20 s after the load: client" \
		"$(ip netns exec "$cli" ss -Htan exclude time-wait exclude listening | wc -l), server $st"
}

# up NS IF ADDR...: IF up in NS with the addresses given.
up() {
	local ns=$1 ifc=$2 a
	shift 2
	ip -n "$ns" link set "$ifc" up
	for a in "$@"; do
		ip -n "$ns" addr add "$a/24" dev "$ifc"
	done
}

px_server_run() {
	prefix=$1
	PCL_SERVER_STDERR=$tmp/$prefix.err pcl_server_start "$lb" "$tmp/$prefix.out" \
		--lcores '0@0,1@0,2@1' --no-huge -m 512 --no-pci --file-prefix "$prefix" -- -c "$2"
	# The taps move only once the server has set their queues up: a queue
	# is attached by the interface's name in the server's namespace.
	for _ in $(seq 150); do
		grep -q 'Ctrl-C stops' "$tmp/$prefix.err" && break
		kill -0 "$PCL_SERVER_PID" 2>/dev/null || fail "the server exited at start"
		sleep 0.1
	done
	grep -q 'Ctrl-C stops' "$tmp/$prefix.err" || fail "the server did not start within 15 s"
	grep -q 'lcore 1: worker 0' "$tmp/$prefix.err" && grep -q 'lcore 2: worker 1' "$tmp/$prefix.err" ||
		fail "not two workers on lcores 1 and 2"
}

server_start() {
	local b
	px_server_run "$1" "$px_conf"
	if [ "$mode" = two-arm ]; then
		ip -n "$lb" link set pxc0 netns "$cli"
		ip -n "$lb" link set pxb0 netns "$be"
		up "$cli" pxc0 198.18.0.1
		up "$be" pxb0 "${backends[@]}"
	else
		ip -n "$lb" link set pxc0 netns "$lan"
		# net_tap gives the kernel's side the server's MAC: the bridge
		# would keep frames to it for itself.
		ip -n "$lan" link set pxc0 address 02:70:63:6c:00:01
		ip -n "$lan" link set pxc0 master br0
		ip -n "$lan" link set pxc0 up
		if [ "$prefix" = "$lb" ]; then
			up "$cli" eth1 198.18.0.1
			up "$be" eth1 "${backends[@]}"
		fi
	fi
	# Each backend address pings ours: its MAC is learned from its ARP
	# request (one per address: the cache that would spare it is flushed),
	# and the path works both ways.
	for b in "${backends[@]}"; do
		ip -n "$be" neigh flush all
		nsx "$be" ping -q -c 1 -W 5 -I "$b" "$self" >/dev/null || fail "ping $self from $b"
	done
	nsx "$cli" ping -q -c 1 -W 5 "$vip" >/dev/null || fail "ping $vip from the client"
}

px_www() {
	local i extra=${1:-} more
	mkdir -p "$tmp/www"
	for i in 0 1; do
		more=${extra//@I@/$i}
		more=${more//@ADDR@/${backends[$i]}}
		mkdir -p "$tmp/www$i"
		echo "backend $i" >"$tmp/www$i/index.html"
		ln -s "$tmp/www/big" "$tmp/www$i/big"
		cat >"$tmp/nginx$i.conf" <<CONF
daemon off;
user root;
worker_processes 1;
pid $tmp/nginx$i.pid;
error_log $tmp/nginx$i.err warn;
events { worker_connections 1024; }
http {
	access_log $tmp/access$i.log;
	client_body_temp_path $tmp/nginx$i.body;
	server {
		listen ${backends[$i]}:8080;
		root $tmp/www$i;
	}
	$more
}
CONF
	done
}

px_listening() {
	for _ in $(seq 100); do
		ip netns exec "$1" ss -Hltn "src $2" | grep -q LISTEN && return 0
		sleep 0.1
	done
	fail "$3 is not listening on $2"
}

px_nginx_start() {
	ip netns exec "$be" timeout -s INT "$PCL_SERVER_TIMEOUT" nginx -q -p "$tmp" -e "$tmp/nginx$1.err" \
		-c "$tmp/nginx$1.conf" </dev/null >"$tmp/nginx$1.out" 2>&1 &
	px_listening "$be" "${backends[$1]}:8080" "nginx $1"
}

px_both_answer() {
	local n body seen=()
	for n in $(seq 20); do
		body=$(nsx "$cli" curl -sS --max-time 10 "$1") || fail "curl $n: exit $?"
		reqs=$((reqs + 1))
		case $body in
		"backend 0") seen[0]=1 ;;
		"backend 1") seen[1]=1 ;;
		*) fail "curl $n: '$body'" ;;
		esac
		[ "${#seen[@]}" = 2 ] && return 0
	done
	fail "$reqs curls reached only one backend"
}

px_shares() {
	local a
	a0=$(wc -l <"$tmp/access0.log") a1=$(wc -l <"$tmp/access1.log")
	[ $((a0 + a1)) = "$1" ] || fail "access logs: $a0 + $a1 lines, want $1"
	for a in "$a0" "$a1"; do
		[ $((a * 100)) -ge $(($1 * 40)) ] && [ $((a * 100)) -le $(($1 * 60)) ] ||
			fail "uneven shares: backend 0 $a0, backend 1 $a1 of $1"
	done
}

px_zero() {
	local out=$1 k
	shift
	for k; do
		[ "$(total "$k" "$out")" = 0 ] || fail "$k $(total "$k" "$out"), want 0"
	done
}

both_proxied() {
	"$PY" - "$1" <<'PYEOF' || fail "per-lcore stats: $1"
import json, sys
a, b = (json.loads(l) for l in sys.argv[1].splitlines())
for w in (a, b):
    assert w["proxy_opened"] > 0, "a worker proxied nothing"
assert a["steered_out"] + b["steered_out"] > 0, "nothing was steered"
print(f"ok: worker 0 proxied {a['proxy_opened']}, worker 1 {b['proxy_opened']}; "
      f"steered {a['steered_out']} + {b['steered_out']} packets")
PYEOF
}

px_no_drops() {
	local bad
	bad=$("$PY" - "$@" <<'PYEOF'
import json, sys
before = json.loads(sys.argv[1])
after = dict(l.split() for l in open(sys.argv[2]) if len(l.split()) == 2)
ok = set(sys.argv[3].split())
print(" ".join(f"{k} +{int(v) - before[k]}" for k, v in after.items()
               if k.startswith("drop_") and k not in ok and int(v) != before[k]))
PYEOF
) || fail "drop counters"
	[ -z "$bad" ] || fail "drops: $bad"
}
