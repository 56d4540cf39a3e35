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
# Last, a server with IPv6 alone (no port.addr) serves curl -6 and ab -6 and
# leaves an ARP request for the kernel's old IPv4 peer unanswered; an
# advertisement from another host claiming its address is counted (nd_dup)
# and warned about, and the server serves on.
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

# A server on tap pcl0 with both families; $1: the cookie mode, $2: the
# config (default: conf/portcullis.conf).
start() {
	# shellcheck disable=SC2046
	PCL_SERVER_STDERR=$tmp/server-$1.err pcl_server_start "$ns" "$tmp/server-$1.out" \
		$(eal "$ns-$1" pcl0) -- -c "${2:-$PCL_ROOT/conf/portcullis.conf}" --addr6 "$SRV6/64" \
		--syncookies "$1"
	pcl_tap_up "$ns" pcl0 198.18.0.1/24 || fail "tap pcl0 did not come up"
	# The PMD starts the port after the tap appears; addresses added before
	# that can leave the kernel's DAD stalled.
	for _ in $(seq 150); do
		grep -q 'worker on lcore' "$tmp/server-$1.err" && break
		sleep 0.1
	done
	# The kernel runs DAD on its addresses: a server that claimed one would fail it.
	dad "$CLI6/64" fe80::1/64 ||
		fail "the kernel's DAD of $CLI6 did not complete: $(ip netns exec "$ns" ip -6 addr show dev pcl0;
			ip netns exec "$ns" grep -E 'Neigh|MLD' /proc/net/dev_snmp6/pcl0)"
}

# The kernel's addresses on pcl0 whose DAD has not ended (dadfailed has).
pending() { ip netns exec "$ns" ip -6 addr show dev pcl0 | grep tentative | grep -v dadfailed || true; }

# Adds addresses to the kernel's pcl0 and waits for its DAD to end; 1 when
# one stays tentative. This kernel at times sends no probe for an address
# added right after another and leaves it tentative for good: such an
# address is taken back and added again (DAD starts anew), 4 times at most.
dad() {
	local a try
	for a in "$@"; do ip netns exec "$ns" ip -6 addr add "$a" dev pcl0; done
	for try in 1 2 3 4; do
		# DAD waits a random delay, then a second for an answer.
		for _ in $(seq 50); do
			pending | grep -q . || return 0
			sleep 0.1
		done
		for a in "$@"; do
			pending | grep -q "${a%/*}/" || continue
			ip netns exec "$ns" ip -6 addr del "$a" dev pcl0
			ip netns exec "$ns" ip -6 addr add "$a" dev pcl0
		done
	done
	return 1
}

pcl_ns_create "$ns"
# net_tap gives the kernel's interface the port's MAC, hence the port's own
# link-local address, which the server rightly defends: the kernel side
# makes none from the MAC (changing its MAC races with the PMD, which sets
# it back) and gets fe80::1 instead.
ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.addr_gen_mode=1
start auto
ok "the kernel's DAD of $CLI6 and fe80::1 completed: the server did not claim them"

# 1. ND and echo, to the global and the link-local address.
in_ns ping -6 -c 2 -W 5 "$SRV6" >"$tmp/ping.txt" 2>&1 || { cat "$tmp/ping.txt"; fail "ping -6 $SRV6"; }
ip netns exec "$ns" ip -6 neigh show "$SRV6" dev pcl0 | grep -q lladdr || fail "no ND entry for $SRV6"
mac=$(ip netns exec "$ns" ip -6 neigh show "$SRV6" dev pcl0 | awk '{ print $3 }')
ll=$("$PY" -c "
import ipaddress, sys
b = [int(x, 16) for x in sys.argv[1].split(':')]
b[0] ^= 2
print(ipaddress.IPv6Address(bytes([0xfe, 0x80] + [0] * 6 + b[:3] + [0xff, 0xfe] + b[3:])))" "$mac")
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
dad "$SRV6/64" || true
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

# 5. A SYN flood over IPv6 from spoofed sources of the prefix (scapy, 8 s or
# 200000 frames) while ab completes over IPv6, cookies always: nothing is
# allocated for a SYN, every real client gets through.
start always
cat >"$tmp/flood6.py" <<'PYEOF'
import os, random, sys, time
from scapy.all import Ether, IPv6, TCP, conf, raw
dst_mac, iface, secs, count = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(6)
frames = [raw(Ether(dst=dst_mac, src="02:00:00:00:18:09") /
              IPv6(src="fd00:18::%x:%x" % (rnd.randrange(1, 65535), rnd.randrange(3, 65535)),
                   dst="fd00:18::2") /
              TCP(sport=rnd.randrange(1024, 65535), dport=80, flags="S", seq=rnd.randrange(2**32),
                  options=[("MSS", 1440), ("SAckOK", b""), ("Timestamp", (1, 0)), ("WScale", 7)]))
          for _ in range(512)]
s = conf.L2socket(iface=iface)
sent, end = 0, time.time() + secs
while sent < count and time.time() < end:
    s.send(frames[sent % len(frames)])
    sent += 1
print(sent)
PYEOF
in_ns ping -6 -c 1 -W 5 "$SRV6" >/dev/null || fail "ping -6 before the flood"
mac=$(ip netns exec "$ns" ip -6 neigh show "$SRV6" dev pcl0 | awk '{ print $3 }')
ip netns exec "$ns" timeout 20 "$PY" "$tmp/flood6.py" "$mac" pcl0 8 200000 >"$tmp/flood.out" 2>"$tmp/flood.err" &
flood=$!
sleep 1
in_ns ab -n 1000 -c 10 -s 10 "http://[$SRV6]/" >"$tmp/ab-flood.txt" 2>&1 || { cat "$tmp/ab-flood.txt"; fail "ab -6 under the flood"; }
wait "$flood" || { cat "$tmp/flood.err"; fail "the flood did not run"; }
grep -Eq '^Complete requests: +1000$' "$tmp/ab-flood.txt" && grep -Eq '^Failed requests: +0$' "$tmp/ab-flood.txt" ||
	{ cat "$tmp/ab-flood.txt"; fail "ab -6 under the flood: not 1000 complete without failure"; }
flooded=$(cat "$tmp/flood.out")
pcl_server_stop || fail "server exit status (always)"
out=$tmp/server-always.out
# The tap's queue drops part of the flood before the server sees it; every
# SYN that arrives is answered with a cookie and allocates nothing.
[ "$(total cookie_sent "$out")" -ge 10000 ] && [ "$(total cookie_sent "$out")" = "$(total syn_rx "$out")" ] ||
	fail "cookie_sent $(total cookie_sent "$out"), syn_rx $(total syn_rx "$out") of $flooded flood SYNs"
[ "$(total cookie_ok "$out")" -ge 1000 ] || fail "cookie_ok $(total cookie_ok "$out"), want >= 1000"
[ "$(total halfopen_expired "$out")" = 0 ] || fail "half-open entries in always mode"
ok "SYN flood over IPv6 ($flooded spoofed SYNs sent in 8 s at most): ab -n 1000 over IPv6 0 failed, cookie_sent $(total cookie_sent "$out"), cookie_ok $(total cookie_ok "$out")"

# 6. IPv6 alone: a config without port.addr. IPv6 is served as before; the
# kernel's ARP for 198.18.0.2 finds nobody, and the server counts it.
printf '[port]\naddr6 = %s/64\n[listen]\nports = 80\napp = http\n' "$SRV6" >"$tmp/v6only.conf"
start auto "$tmp/v6only.conf"
grep -q "serving $SRV6/64" "$tmp/server-auto.err" || fail "no 'serving $SRV6/64' line: $(cat "$tmp/server-auto.err")"
code=$(in_ns curl -6 -s -o /dev/null -w '%{http_code}' --max-time 10 "http://[$SRV6]/") || fail "curl -6 (IPv6 only) exit $?"
[ "$code" = 200 ] || fail "curl -6 (IPv6 only): status $code"
in_ns ab -n 1000 -c 10 -s 10 "http://[$SRV6]/" >"$tmp/ab-v6only.txt" 2>&1 || { cat "$tmp/ab-v6only.txt"; fail "ab -6 (IPv6 only)"; }
grep -Eq '^Failed requests: +0$' "$tmp/ab-v6only.txt" && grep -Eq '^Complete requests: +1000$' "$tmp/ab-v6only.txt" ||
	{ cat "$tmp/ab-v6only.txt"; fail "ab -6 (IPv6 only): not 1000 complete without failure"; }
if in_ns curl -s -o /dev/null --max-time 3 "http://198.18.0.2/"; then fail "curl over IPv4 reached a server without port.addr"; fi
# Another host claims the server's address: its advertisement (from that
# address, to all nodes) is counted as nd_dup and warned about, not taken
# for a land attack, and the server goes on serving.
ip netns exec "$ns" timeout 20 "$PY" -c '
import sys
from scapy.all import Ether, IPv6, ICMPv6ND_NA, ICMPv6NDOptDstLLAddr, sendp
other = "02:00:00:00:18:77"
sendp(Ether(dst="33:33:00:00:00:01", src=other) / IPv6(src=sys.argv[1], dst="ff02::1", hlim=255) /
      ICMPv6ND_NA(tgt=sys.argv[1], R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=other),
      iface="pcl0", verbose=False)' "$SRV6" || fail "scapy could not send the advertisement"
for _ in $(seq 30); do
	grep -q 'another host claims port.addr6' "$tmp/server-auto.err" && break
	sleep 0.1
done
grep -q 'another host claims port.addr6 (duplicate address): 1 advertisements' "$tmp/server-auto.err" ||
	fail "no duplicate address warning: $(tail -5 "$tmp/server-auto.err")"
code=$(in_ns curl -6 -s -o /dev/null -w '%{http_code}' --max-time 10 "http://[$SRV6]/") || fail "curl -6 after the claim exit $?"
[ "$code" = 200 ] || fail "curl -6 after the claim: status $code"
pcl_server_stop || fail "server exit status (IPv6 only)"
out=$tmp/server-auto.out
[ "$(total nd_dup "$out")" = 1 ] && [ "$(total drop_bad_src "$out")" = 0 ] ||
	fail "another host's claim: nd_dup $(total nd_dup "$out"), drop_bad_src $(total drop_bad_src "$out")"
[ "$(total drop_arp "$out")" -ge 1 ] && [ "$(total conn_opened "$out")" = "$(total conn_ipv6 "$out")" ] ||
	fail "IPv6 only: drop_arp $(total drop_arp "$out"), conn_opened $(total conn_opened "$out"), conn_ipv6 $(total conn_ipv6 "$out")"
ok "IPv6 alone (no port.addr): curl -6 200, ab -n 1000 over IPv6 0 failed, IPv4 unanswered (drop_arp $(total drop_arp "$out"))"
ok "another host's advertisement of $SRV6: nd_dup 1, warned once, still serving"
