# Helpers the SYN proxy's e2e tests share (tap_proxy.sh, tap_proxy6.sh);
# source after common.sh. They read $lb (the server's namespace) and
# $prefix (its EAL file prefix).
#
#   nsx NS CMD...            CMD in namespace NS, bounded in time
#   tel CMD...               the server's telemetry answers, one JSON line each
#   tcp_mib NS NAME          the Tcp counter NAME of NS's kernel (/proc/net/snmp)
#   proxy_server_start CONF  portcullis on 2 workers (lcores 0@0,1@0,2@1) with
#                            config CONF and file prefix $prefix, its output in
#                            $tmp/$prefix.out and .err; returns once its queues
#                            are set up (the taps can move then)
#   both_proxied LCORES      fails unless both workers' stats (two telemetry
#                            lines) show proxied connections; prints them
#   nginx_start NS NAME LISTEN ROOT
#                            nginx in NS serving ROOT on LISTEN (ADDR:PORT,
#                            an IPv6 ADDR in brackets), its access log
#                            $tmp/NAME.access; returns once it listens
#   wait_listen NS LISTEN WHAT  waits (10 s) until something listens on LISTEN in NS
#   new_drops STATS0 OUT OK  the drop counters of the stopped server's totals
#                            OUT that grew since telemetry's STATS0, but the
#                            reasons in OK (space-separated): "name +N ..."

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

proxy_server_start() {
	PCL_SERVER_STDERR=$tmp/$prefix.err pcl_server_start "$lb" "$tmp/$prefix.out" \
		--lcores '0@0,1@0,2@1' --no-huge -m 512 --no-pci --file-prefix "$prefix" -- -c "$1"
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

nginx_start() {
	local ns=$1 name=$2 listen=$3 root=$4
	cat >"$tmp/$name.conf" <<CONF
daemon off;
user root;
worker_processes 1;
pid $tmp/$name.pid;
error_log $tmp/$name.err warn;
events { worker_connections 1024; }
http {
	access_log $tmp/$name.access;
	client_body_temp_path $tmp/$name.body;
	server {
		listen $listen;
		root $root;
	}
}
CONF
	ip netns exec "$ns" timeout -s INT "$PCL_SERVER_TIMEOUT" nginx -q -p "$tmp" -e "$tmp/$name.err" \
		-c "$tmp/$name.conf" </dev/null >"$tmp/$name.out" 2>&1 &
	wait_listen "$ns" "$listen" "nginx $name"
}

wait_listen() {
	for _ in $(seq 100); do
		ip netns exec "$1" ss -Hltn "src $2" | grep -q LISTEN && return 0
		sleep 0.1
	done
	fail "$3 is not listening on $2"
}

both_proxied() {
	"$PY" - "$1" <<'PYEOF' || fail "per-lcore stats: $1"
import json, sys
a, b = (json.loads(l) for l in sys.argv[1].splitlines())
for w in (a, b):
    assert w["proxy_opened"] > 0, "a worker proxied nothing"
print(f"ok: worker 0 proxied {a['proxy_opened']}, worker 1 {b['proxy_opened']}; "
      f"steered {a['steered_out']} + {b['steered_out']} packets")
PYEOF
}

new_drops() {
	"$PY" - "$@" <<'PYEOF'
import json, sys
before = json.loads(sys.argv[1])
after = dict(l.split() for l in open(sys.argv[2]) if len(l.split()) == 2)
ok = set(sys.argv[3].split())
print(" ".join(f"{k} +{int(v) - before[k]}" for k, v in after.items()
               if k.startswith("drop_") and k not in ok and int(v) != before[k]))
PYEOF
}
