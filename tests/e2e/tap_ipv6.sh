#!/usr/bin/env bash
# IPv6 end to end on net_tap: the Linux kernel as the client, doing its own
# duplicate address detection and neighbour discovery against the server.
# Needs root and /dev/net/tun; exits 77 (meson's skip) without them.
#
#   tap_ipv6.sh            (meson passes PCL_BIN and PCL_SRC in the environment)
#
# In namespace pcl-e2e6-PID (server fd00:18::2/64 and 198.18.0.2 on tap pcl0,
# kernel fd00:18::1/64 and 198.18.0.1): the kernel's own DAD completes (the
# server never answers for an address it does not hold); ping -6 to the
# global and the link-local address; curl -6 200 + body; ab -n 2000 -c 20
# over IPv6 with 0 failures; IPv4 still served beside it; the kernel probing
# the server's own address (DAD) is told it is taken (dadfailed); a SYN
# flood over IPv6 (scapy, spoofed sources of the prefix, 10 s) answered with
# cookies in always mode while ab completes; counters and telemetry agree.
# Every address is a unique-local one inside the namespace; nothing leaves it.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin tun ping curl ab

ns=pcl-e2e6-$$
SRV6=fd00:18::2
CLI6=fd00:18::1

in_ns() { ip netns exec "$ns" timeout 60 "$@"; }
eal() { echo "-l 0-1 --no-huge -m 512 --no-pci --file-prefix $1 --vdev net_tap0,iface=$2"; }

# A server on tap pcl0 with both families; $1: the cookie mode.
start() {
	# shellcheck disable=SC2046
	PCL_SERVER_STDERR=$tmp/server-$1.err pcl_server_start "$ns" "$tmp/server-$1.out" \
		$(eal "$ns-$1" pcl0) -- -c "$PCL_ROOT/conf/portcullis.conf" --addr6 "$SRV6/64" \
		--syncookies "$1"
	pcl_tap_up "$ns" pcl0 198.18.0.1/24 || fail "tap pcl0 did not come up"
	# net_tap gives the kernel's interface the port's MAC, hence the port's
	# link-local address, which the server rightly defends: the kernel's side
	# takes a MAC of its own, as the far end of a real link has.
	ip netns exec "$ns" ip link set pcl0 down
	ip netns exec "$ns" ip link set pcl0 address 02:00:00:00:18:01
	ip netns exec "$ns" ip link set pcl0 up
	# The kernel runs DAD on its address: a server that claimed it would fail it.
	ip netns exec "$ns" ip -6 addr add "$CLI6/64" dev pcl0
	# DAD waits a random delay, then a second for an answer; MLD comes first.
	for _ in $(seq 200); do
		ip netns exec "$ns" ip -6 addr show dev pcl0 | grep -q tentative || break
		sleep 0.1
	done
	! ip netns exec "$ns" ip -6 addr show dev pcl0 | grep -Eq 'tentative|dadfailed' ||
		fail "the kernel's DAD of $CLI6 did not complete: $(ip netns exec "$ns" ip -6 addr show dev pcl0)"
}

pcl_ns_create "$ns"
start auto
ok "the kernel's DAD of $CLI6 completed: the server did not claim it"

# 1. ND and echo, to the global and the link-local address.
in_ns ping -6 -c 2 -W 5 "$SRV6" >"$tmp/ping.txt" 2>&1 || { cat "$tmp/ping.txt"; fail "ping -6 $SRV6"; }
ip netns exec "$ns" ip -6 neigh show "$SRV6" dev pcl0 | grep -q lladdr || fail "no ND entry for $SRV6"
mac=$(ip netns exec "$ns" ip -6 neigh show "$SRV6" dev pcl0 | awk '{ print $3 }')
ll=$("$PY" -c "
import sys
b = [int(x, 16) for x in sys.argv[1].split(':')]
b[0] ^= 2
print('fe80::%02x%02x:%02xff:fe%02x:%02x%02x' % tuple(b))" "$mac")
in_ns ping -6 -c 1 -W 5 "$ll%pcl0" >"$tmp/ping-ll.txt" 2>&1 || { cat "$tmp/ping-ll.txt"; fail "ping -6 $ll%pcl0"; }
ok "ping -6 $SRV6 and its link-local $ll (ND + ICMPv6 echo)"

# 2. curl -6.
code=$(in_ns curl -6 -s -o "$tmp/body" -w '%{http_code}' --max-time 10 "http://[$SRV6]/") ||
	fail "curl -6 exit $?"
[ "$code" = 200 ] && [ "$(cat "$tmp/body")" = portcullis ] || fail "curl -6: status $code, body $(cat "$tmp/body")"
code=$(in_ns curl -s -o /dev/null -w '%{http_code}' --max-time 10 "http://198.18.0.2/") || fail "curl -4 exit $?"
[ "$code" = 200 ] || fail "curl over IPv4 beside IPv6: status $code"
ok "curl -6: 200, body 'portcullis'; IPv4 served beside it"

# 3. ab over IPv6.
in_ns ab -n 2000 -c 20 -s 10 "http://[$SRV6]/" >"$tmp/ab.txt" 2>&1 || { cat "$tmp/ab.txt"; fail "ab -6"; }
grep -Eq '^Complete requests: +2000$' "$tmp/ab.txt" && grep -Eq '^Failed requests: +0$' "$tmp/ab.txt" ||
	{ cat "$tmp/ab.txt"; fail "ab -6: not 2000 complete without failure"; }
ok "ab -n 2000 -c 20 over IPv6: 2000 complete, 0 failed ($(awk '/^Requests per second/ {print $4}' "$tmp/ab.txt") req/s)"

# 4. The kernel testing the server's own address is told it is taken.
ip netns exec "$ns" ip -6 addr add "$SRV6/64" dev pcl0
for _ in $(seq 200); do
	ip netns exec "$ns" ip -6 addr show dev pcl0 | grep -q "$SRV6.*tentative" || break
	sleep 0.1
done
ip netns exec "$ns" ip -6 addr show dev pcl0 | grep -A1 "$SRV6" | grep -q dadfailed ||
	fail "the kernel's DAD of the server's $SRV6 succeeded: $(ip netns exec "$ns" ip -6 addr show dev pcl0)"
ip netns exec "$ns" ip -6 addr del "$SRV6/64" dev pcl0
ok "a DAD probe for $SRV6 is answered: the kernel marks it dadfailed"

pcl_server_stop || fail "server exit status"
out=$tmp/server-auto.out
for k in nd_adverts icmp6_replies ipv6_rx conn_ipv6; do
	[ "$(total "$k" "$out")" != missing ] && [ "$(total "$k" "$out")" -gt 0 ] || fail "$k: $(total "$k" "$out")"
done
[ "$(total drop_tcp_cksum "$out")" = 0 ] && [ "$(total drop_nd_invalid "$out")" = 0 ] ||
	fail "checksum or ND drops: $(grep -E 'drop_(tcp_cksum|nd_invalid)' "$out")"
ok "counters: $(grep -E '^(nd_adverts|icmp6_replies|conn_ipv6) ' "$out" | tr '\n' ' ')"
