#!/usr/bin/env bash
# End to end: SYN cookies against the Linux kernel's TCP stack on net_tap, in
# namespaces this test creates. Needs root, /dev/net/tun and hping3; exits 77
# (meson's skip) without root or tun.
#
#   tap_cookies.sh            (meson passes PCL_BIN and PCL_SRC in the environment)
#
# 1. auto (the default): hping3 floods spoofed SYNs for 10 s while ab runs
#    2000 requests; ab sees no failure, the server switched to cookies,
#    sent and validated them, dropped no SYN, and still answers afterwards.
# 2. always: ab against a server that never allocates before the third ACK;
#    every connection was opened from a cookie and none was ever half-open.
# 3. off, with a 64-entry SYN backlog: a 3 s flood fills it; the drops are
#    counted, the control thread logs them at most once a second and then
#    that they stopped, and once the half-open entries expire curl is served.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
pcl_e2e_begin tun ab hping3 curl

# start NAME ARGS...: a server in a fresh namespace NAME, kernel side on pcl0;
# $CONF replaces conf/portcullis.conf.
start() {
	local ns=$1
	shift
	pcl_ns_create "$ns"
	PCL_SERVER_STDERR=$tmp/$ns.err pcl_server_start "$ns" "$tmp/$ns.out" \
		-l 0-1 --no-huge -m 512 --no-pci --file-prefix "$ns" --vdev net_tap0,iface=pcl0 \
		-- -c "${CONF:-$PCL_ROOT/conf/portcullis.conf}" "$@"
	pcl_tap_up "$ns" pcl0 198.18.0.1/24 || fail "$ns: tap pcl0 did not come up"
}

# ab_ok NS N C: N requests, C at a time, all complete, none failed.
ab_ok() {
	ip netns exec "$1" timeout 120 ab -n "$2" -c "$3" -s 20 "http://$SRV/" >"$tmp/ab-$1.txt" 2>&1 ||
		{ cat "$tmp/ab-$1.txt"; fail "$1: ab exit $?"; }
	grep -Eq "^Complete requests: +$2\$" "$tmp/ab-$1.txt" || { cat "$tmp/ab-$1.txt"; fail "$1: ab incomplete"; }
	grep -Eq '^Failed requests: +0$' "$tmp/ab-$1.txt" || { cat "$tmp/ab-$1.txt"; fail "$1: ab failures"; }
	! grep -q '^Non-2xx responses' "$tmp/ab-$1.txt" || fail "$1: ab non-2xx"
}

# 1. auto under a spoofed SYN flood.
ns=pcl-e2e-ck-$$
start "$ns"
# Bounded twice: 10 s and 5 M packets. Replies to the spoofed sources die in
# this namespace, which does not forward.
ip netns exec "$ns" timeout 10 hping3 -S --flood --rand-source -c 5000000 -p 80 "$SRV" \
	>"$tmp/hping.out" 2>&1 &
flood=$!
sleep 1
ab_ok "$ns" 2000 20
wait "$flood" || true
code=$(ip netns exec "$ns" timeout 10 curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$SRV/") ||
	fail "curl after the flood: exit $?"
[ "$code" = 200 ] || fail "curl after the flood: status $code"
pcl_server_stop || fail "auto: the server did not exit 0 on SIGINT"
out=$tmp/$ns.out
sent=$(total cookie_sent "$out")
good=$(total cookie_ok "$out")
syns=$(total syn_rx "$out")
[ "$(total cookie_episodes "$out")" -ge 1 ] || fail "auto: cookies never switched on"
grep -q 'SYN cookies on' "$tmp/$ns.err" || fail "auto: the switch was not logged"
[ "$sent" -ge 1000 ] || fail "auto: only $sent cookies sent"
[ "$good" -ge 1 ] || fail "auto: no cookie validated"
[ "$(total drop_syn_backlog "$out")" = 0 ] || fail "auto: SYNs dropped at the backlog"
[ "$(total drop_table_full "$out")" = 0 ] || fail "auto: the connection pool ran out"
[ "$(total http_requests "$out")" -ge 2001 ] || fail "auto: $(total http_requests "$out") requests answered"
ok "auto: $syns SYNs in a 10 s flood, $sent cookies sent, $good validated, ab 2000/2000, no SYN dropped"

# 2. always: every connection from a cookie, nothing half-open, ever.
ns=pcl-e2e-cka-$$
start "$ns" --syncookies always
ab_ok "$ns" 500 10
pcl_server_stop || fail "always: the server did not exit 0 on SIGINT"
out=$tmp/$ns.out
opened=$(total conn_opened "$out")
[ "$opened" -ge 500 ] || fail "always: $opened connections opened"
[ "$(total cookie_ok "$out")" = "$opened" ] || fail "always: cookie_ok $(total cookie_ok "$out") != opened $opened"
[ "$(total cookie_sent "$out")" = "$(total synack_tx "$out")" ] || fail "always: a SYN-ACK without a cookie"
[ "$(total halfopen_expired "$out")" = 0 ] && [ "$(total halfopen_reset "$out")" = 0 ] ||
	fail "always: a half-open entry existed"
ok "always: ab 500/500, $opened connections all opened from cookies"

# 3. off with a small backlog: exhausted, logged, recovered.
ns=pcl-e2e-cko-$$
sed -e 's/^syn_backlog = .*/syn_backlog = 64/' -e 's/^rto_ms = .*/rto_ms = 200/' \
	-e 's/^synack_retries = .*/synack_retries = 1/' "$PCL_ROOT/conf/portcullis.conf" >"$tmp/off.conf"
CONF=$tmp/off.conf start "$ns" --syncookies off
t0=$SECONDS
ip netns exec "$ns" timeout 3 hping3 -S --flood --rand-source -c 3000000 -p 80 "$SRV" \
	>"$tmp/hping-off.out" 2>&1 || true
# The pressure ends once the tap has delivered the last queued flood SYN and
# the last half-open entries expired 600 ms later (200 + 400 ms): the
# control thread says so within a second.
for _ in $(seq 150); do
	grep -q 'SYN backlog full: recovered' "$tmp/$ns.err" && break
	sleep 0.1
done
elapsed=$((SECONDS - t0 + 1))
code=$(ip netns exec "$ns" timeout 10 curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://$SRV/") ||
	fail "off: curl after the flood: exit $?"
[ "$code" = 200 ] || fail "off: curl after the flood: status $code"
pcl_server_stop || fail "off: the server did not exit 0 on SIGINT"
out=$tmp/$ns.out err=$tmp/$ns.err
dropped=$(total drop_syn_backlog "$out")
[ "$dropped" -ge 1000 ] || fail "off: only $dropped SYNs dropped at the backlog"
[ "$(total cookie_sent "$out")" = 0 ] || fail "off: cookies were sent"
warned=$(grep -c 'lcore 1: SYN backlog full: [0-9]* SYNs dropped in the last second' "$err" || true)
# One line a second at most, over the flood and the drain of its queued SYNs.
[ "$warned" -ge 1 ] && [ "$warned" -le "$elapsed" ] ||
	fail "off: $warned backlog warnings in about $elapsed s"
grep -q "lcore 1: SYN backlog full: recovered ($dropped SYNs dropped in all)" "$err" ||
	fail "off: no recovery line with $dropped drops: $(grep 'backlog' "$err")"
ok "off: $dropped SYNs dropped at a full backlog, $warned warnings (one a second), recovered, curl served"
