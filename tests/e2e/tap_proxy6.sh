#!/usr/bin/env bash
# End to end: the SYN proxy over IPv6, the kernel's TCP stack as the client
# and two nginx IPv6 backends, two-arm, in namespaces this test creates and
# removes. Needs root, /dev/net/tun, nginx, ab, curl and sha256sum.
#
#   tap_proxy6.sh            (meson passes PCL_BIN and PCL_SRC in the environment)
#
# Namespaces (PID = this shell's): pcl-e2e-p6-PID runs portcullis (2
# workers, lcores 0@0,1@0,2@1) on net_tap; tap p6c0 (port 0, our
# fd00:18::2 and 198.18.0.2) is moved into pcl-e2e-p6c-PID, the client
# (fd00:18::1); tap p6b0 (port:backend, our fd00:18:1::1 and 198.18.1.1)
# into pcl-e2e-p6b-PID, where one nginx listens on [fd00:18:1::11]:8080 and
# one on [fd00:18:1::12]:8080. The VIP is [fd00:18::2]:80, a service of
# those two backends. The kernel's addresses skip DAD (tap_ipv6 tests
# that); each side learns the other's MAC by Neighbor Discovery, the
# server asking for the backends' itself.
#
# Checks:
# 1. The backends ping our address on their side; curl -6 through the VIP
#    reaches both; an IPv4 client finds the IPv6 service's port closed.
# 2. ab -n 2000 -c 20 over IPv6 through the VIP with 0 failures, each
#    backend 40-60 % of it, and a 5 MB download whose sha256 matches.
# 3. Prometheus, portcullis-stat --once and a "backend drain" command name
#    the backends [fd00:18:1::1N]:8080. The stopped server's totals: every
#    accepted connection reached a backend and closed (the backends'
#    PassiveOpens agree), both workers proxied, the backends' MACs came by
#    Neighbor Discovery, and nothing failed, reset, redispatched or was
#    dropped but IPv6 chatter and net_tap's reordering.
# Every address is a unique-local one inside the namespaces; nothing
# leaves them.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
source "$PCL_ROOT/tests/e2e/proxy_common.sh"
pcl_e2e_begin tun ab curl nginx sha256sum ss ping

lb=pcl-e2e-p6-$$ cli=pcl-e2e-p6c-$$ be=pcl-e2e-p6b-$$
vip6=fd00:18::2 cli6=fd00:18::1 self6=fd00:18:1::1
# As px_www and px_nginx_start read them: nginx's listen addresses.
backends=("[fd00:18:1::11]" "[fd00:18:1::12]")
requests=2000

for ns in "$lb" "$cli" "$be"; do
	pcl_ns_create "$ns"
	# net_tap gives the kernel's side the port's MAC, hence the port's own
	# link-local address, which the server defends: none from the MAC.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.addr_gen_mode=1 \
		net.ipv6.conf.all.addr_gen_mode=1
done

cat >"$tmp/p6.conf" <<CONF
[port]
device = net_tap0,iface=p6c0
addr = 198.18.0.2/24
addr6 = $vip6/64
[port:backend]
device = net_tap1,iface=p6b0
addr = 198.18.1.1/24
addr6 = $self6/64
[service:80]
backend = ${backends[0]}:8080
backend = ${backends[1]}:8080
[stats]
prometheus = 127.0.0.1:9464
CONF

# up6 NS IF ADDR6...: IF up in NS with the IPv6 addresses given (/64, no
# DAD) and a link-local one from the first's last group.
up6() {
	local ns=$1 ifc=$2 a
	shift 2
	ip -n "$ns" link set "$ifc" up
	ip -n "$ns" addr add "fe80::${1##*:}/64" dev "$ifc" nodad
	for a in "$@"; do
		ip -n "$ns" addr add "$a/64" dev "$ifc" nodad
	done
}

px_server_run "$lb" "$tmp/p6.conf"
ip -n "$lb" link set p6c0 netns "$cli"
ip -n "$lb" link set p6b0 netns "$be"
up6 "$cli" p6c0 "$cli6"
ip -n "$cli" addr add 198.18.0.1/24 dev p6c0
up6 "$be" p6b0 fd00:18:1::11 fd00:18:1::12

# ---- the backends ----
px_www
head -c 5M /dev/urandom >"$tmp/www/big"
want=$(sha256sum <"$tmp/www/big")
px_nginx_start 0
px_nginx_start 1

# ---- 1. the paths, curl -6, and IPv4 turned away ----
for b in fd00:18:1::11 fd00:18:1::12; do
	nsx "$be" ping -6 -q -c 1 -W 5 -I "$b" "$self6" >/dev/null || fail "ping -6 $self6 from $b"
done
nsx "$cli" ping -6 -q -c 1 -W 5 "$vip6" >/dev/null || fail "ping -6 $vip6 from the client"
ok "server up on two workers; the backends and the client ping our IPv6 addresses"
stats0=$(tel /portcullis/stats) || fail "telemetry query"
opens0=$(tcp_mib "$be" PassiveOpens)
reqs=0
px_both_answer "http://[$vip6]/"
ok "curl -6 through [$vip6]:80: both IPv6 backends answered within $reqs connections"
if nsx "$cli" curl -4 -sS --max-time 5 "http://198.18.0.2/" >"$tmp/curl4.out" 2>&1; then
	fail "an IPv4 client was served by the IPv6 service"
fi
# curl (7): refused at once (an RST), not a timeout (28).
grep -Eq '^curl: \(7\)' "$tmp/curl4.out" || fail "IPv4 curl: $(cat "$tmp/curl4.out"), want connection refused"
ok "an IPv4 client finds the IPv6 service's port closed (connection refused)"

# ---- 2. ab and a download over IPv6 ----
ab_ok "$requests" 20 "http://[$vip6]/"
reqs=$((reqs + requests))
ok "ab -n $requests -c 20 over IPv6 through [$vip6]: all complete, 0 failed" \
	"($(awk '/^Requests per second/ { print $4 }' "$tmp/ab.txt") requests/s)"
nsx "$cli" curl -6 -sS --max-time 60 -o "$tmp/got" -w '%{size_download} bytes in %{time_total} s' \
	"http://[$vip6]/big" >"$tmp/download.out" 2>&1 || fail "download: $(cat "$tmp/download.out")"
reqs=$((reqs + 1))
[ "$(sha256sum <"$tmp/got")" = "$want" ] || fail "download: sha256 differs ($(cat "$tmp/download.out"))"
ok "5 MB download over IPv6 through [$vip6]: sha256 matches ($(cat "$tmp/download.out"))"

# ---- 3. names and totals ----
settled
lcores=$(tel /portcullis/lcores,1 /portcullis/lcores,2) || fail "telemetry query"
opens=$(($(tcp_mib "$be" PassiveOpens) - opens0))
all=$(tel /portcullis/backends) || fail "telemetry query"
case $all in
*"80 ${backends[0]}:8080 up"*"80 ${backends[1]}:8080 up"*) ;;
*) fail "telemetry /portcullis/backends: $all" ;;
esac
nsx "$lb" curl -sf --max-time 5 http://127.0.0.1:9464/metrics >"$tmp/metrics.txt" || fail "GET /metrics"
conns=$(awk -F'} ' '/^portcullis_backend_conns_total\{service="80",backend="\[fd00:18:1::1[12]\]:8080"/ { n += $2 }
	END { print n + 0 }' "$tmp/metrics.txt")
[ "$conns" = "$opens" ] || fail "metrics: backend_conns_total $conns, the backends accepted $opens"
STAT=$(dirname "$PCL_BIN")/portcullis-stat
nsx "$lb" "$STAT" --file-prefix "$prefix" --once >"$tmp/stat.json" || fail "portcullis-stat --once: exit $?"
"$PY" -c 'import json, sys; b = json.load(open(sys.argv[1]))["backends"][sys.argv[2]]
sys.exit(b["state"] != "up" or b["conns"] < 800)' "$tmp/stat.json" "80 ${backends[0]}:8080" ||
	fail "portcullis-stat --once: $(cat "$tmp/stat.json")"
nsx "$lb" "$STAT" --file-prefix "$prefix" --command "backend drain 80 ${backends[0]}:8080" >"$tmp/cmd.out" ||
	fail "backend drain: $(cat "$tmp/cmd.out")"
grep -qx "service 80 backend \\${backends[0]%]}\\]:8080: draining" "$tmp/cmd.out" ||
	fail "backend drain: $(cat "$tmp/cmd.out")"
ok "Prometheus, portcullis-stat and the drain command name the backends [fd00:18:1::1N]:8080"
pcl_server_stop || fail "the server did not exit 0 on SIGINT"
out=$tmp/$prefix.out
t() { total "$1" "$out"; }
px_shares "$reqs"
[ "$opens" -ge "$reqs" ] || fail "the backends accepted $opens connections for $reqs requests"
accepted=$(t proxy_accepted)
[ "$accepted" = "$opens" ] && [ "$(t proxy_opened)" = "$opens" ] && [ "$(t proxy_closed)" = "$opens" ] ||
	fail "proxy_accepted $accepted, opened $(t proxy_opened), closed $(t proxy_closed); the backends accepted $opens"
px_zero "$out" proxy_failed proxy_reset proxy_idle proxy_no_backend proxy_no_port state_PROXY \
	state_PROXY_CONNECT backend_rst redispatches drop_ip6_ext drop_addr6_full
[ "$(t nd_learned)" -ge 2 ] && [ "$(t nd_solicits)" -ge 1 ] ||
	fail "nd_solicits $(t nd_solicits), nd_learned $(t nd_learned): the backends' MACs not resolved by ND"
both_proxied "$lcores"
# Drops since the start: only IPv6 chatter (router solicitations, MLD
# reports: drop_icmp6, drop_not_ours), and as in tap_proxy.sh net_tap's
# reordering across the two workers: a steered segment that arrives after
# the close is answered from TIME_WAIT and the client's RST to that is
# ignored (drop_tcp_tw_rst), a late RST finds nothing (drop_tcp_rst_nomatch).
px_no_drops "$stats0" "$out" \
	"drop_icmp6 drop_not_ours drop_nd_not_ours drop_tcp_rst_nomatch drop_tcp_tw_rst"
ok "totals: $accepted accepted = opened = closed = the backends' $opens ($a0 + $a1 requests);" \
	"$(t conn_ipv6) IPv6 entries, $(t nd_solicits) solicitations sent, $(t nd_learned) MACs learned" \
	"by ND; none failed or reset"
