#!/usr/bin/env bash
# End to end on huge pages: the server without --no-huge, and dpdk-dumpcap
# (Debian's dpdk-dev) attached to it as a secondary process, capturing with
# a filter. The path a real NIC takes; every other test runs --no-huge.
# Needs root and /dev/net/tun; reserves 256 huge pages of 2M (512 MB) and
# gives them back at exit, failure included. Where pages cannot be
# reserved it says so and skips (exit 77), but fails when CI=true.
#
#   huge_dumpcap.sh            (meson passes PCL_BIN and PCL_SRC in the environment)
#
# Checks: the server holds huge pages; ab -n 1000 -c 10 without failures;
# dpdk-dumpcap -f "tcp port 80" captures one connection's handshake,
# request, answer and teardown with its numbers, directions and times, the
# server's rx/tx counters agree, and the ping and closed-port noise is left
# out; dumpcap drops nothing and exits 0; SIGINT exits 0; the pages are
# released (the reservation is back to what it was).
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
source "$PCL_ROOT/dpdk-scripts/netns.sh"
source "$PCL_ROOT/tests/e2e/common.sh"
source "$PCL_ROOT/tests/e2e/capture_common.sh"
pcl_e2e_begin tun ping curl ab tshark dpdk-dumpcap dpdk-hugepages.py

ns=pcl-e2e-huge-$$
PAGES=256
SYSHP=/sys/kernel/mm/hugepages/hugepages-2048kB
HP=$PCL_ROOT/dpdk-scripts/hugepages.sh

[ -d "$SYSHP" ] || skip "this kernel has no 2M huge pages ($SYSHP)"
before=$(cat "$SYSHP/nr_hugepages")
free=$(cat "$SYSHP/free_hugepages")
# Give back at exit exactly what was taken: pages this test's server left
# in page files, then the reservation as it was (released if it was none).
pcl_at_exit "for m in \$(awk '\$3 == \"hugetlbfs\" { print \$2 }' /proc/mounts); do rm -f \"\$m/${ns}map_\"*; done"
if [ "$free" -lt "$PAGES" ]; then
	if [ "$before" = 0 ]; then
		pcl_at_exit "'$HP' release >/dev/null || echo 'huge_dumpcap: could not release the huge pages' >&2"
	else
		pcl_at_exit "'$HP' reserve '$before' >/dev/null || echo 'huge_dumpcap: could not restore $before huge pages' >&2"
	fi
	out=$("$HP" reserve $((before - free + PAGES)) 2>&1) ||
		skip "cannot reserve $PAGES huge pages of 2M: $out"
	ok "reserved $PAGES huge pages of 2M (the reservation was $before)"
else
	ok "$free huge pages of 2M are free already; using them, leaving the reservation at $before"
fi
awk '$3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts || skip "no hugetlbfs mounted"

pcl_ns_create "$ns"
quiet_ns
PCL_SERVER_STDERR=$tmp/server.err pcl_server_start "$ns" "$tmp/server.out" \
	-l 0-1 --no-pci --file-prefix "$ns" --vdev net_tap0,iface=pcl0 \
	-- -c "$PCL_ROOT/conf/portcullis.conf"
pcl_tap_up "$ns" pcl0 198.18.0.1/24 || fail "tap pcl0 did not come up"
for _ in $(seq 100); do
	grep -q 'Ctrl-C stops' "$tmp/server.err" && break
	sleep 0.1
done
grep -q 'Ctrl-C stops' "$tmp/server.err" || fail "the server did not start"
! grep -q 'no huge pages' "$tmp/server.err" || fail "the server says it runs without huge pages"
held=$(($(cat "$SYSHP/nr_hugepages") - $(cat "$SYSHP/free_hugepages")))
files=$(for m in $(awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts); do
	ls "$m/${ns}map_"* 2>/dev/null || true
done | wc -l)
[ "$held" -gt 0 ] && [ "$files" -gt 0 ] || fail "the server holds no huge pages ($held in use, $files page files)"
ok "the server runs on huge pages ($held pages of 2M in use)"

ip netns exec "$ns" timeout 60 ab -n 1000 -c 10 -s 10 "http://$SRV/" >"$tmp/ab.txt" 2>&1 ||
	{ cat "$tmp/ab.txt"; fail "ab"; }
grep -Eq '^Complete requests: +1000$' "$tmp/ab.txt" && grep -Eq '^Failed requests: +0$' "$tmp/ab.txt" ||
	{ cat "$tmp/ab.txt"; fail "ab: not 1000 complete without failures"; }
ok "ab -n 1000 -c 10: 1000 complete, 0 failed"
pin_server_mac

# dpdk-dumpcap takes no EAL options, so it cannot be given --no-pci: in its
# own mount namespace (ip netns exec makes one) it gets an empty PCI device
# list, and never looks at this machine's NIC. -p leaves the port's
# promiscuous mode alone (a secondary process cannot set it on a tap).
wire=$tmp/wire.pcapng
ip netns exec "$ns" sh -c 'mount -t tmpfs none /sys/bus/pci/devices &&
	exec timeout -s INT 60 dpdk-dumpcap --file-prefix "$1" -i 0 -p -f "tcp port 80" -w "$2"' \
	sh "$ns" "$wire" >"$tmp/dumpcap.out" 2>"$tmp/dumpcap.err" &
dumpcap=$!
# It prints "Packets captured:" once the server has installed its callbacks.
for i in $(seq 100); do
	grep -qs 'Packets captured:' "$tmp/dumpcap.err" && break
	kill -0 "$dumpcap" 2>/dev/null || fail "dpdk-dumpcap exited: $(cat "$tmp/dumpcap.err")"
	[ "$i" = 100 ] && fail "dpdk-dumpcap did not start capturing within 10 s: $(cat "$tmp/dumpcap.err")"
	sleep 0.1
done
capture_noise
capture_exchange 40081
kill -INT "$dumpcap"
rc=0
wait "$dumpcap" || rc=$?
[ "$rc" = 0 ] || fail "dpdk-dumpcap exited $rc: $(cat "$tmp/dumpcap.err")"
# "Packets received/dropped on interface 'net_tap0': 15/0 (100.0)"
line=$(grep "Packets received/dropped on interface" "$tmp/dumpcap.err") ||
	fail "no summary from dpdk-dumpcap: $(cat "$tmp/dumpcap.err")"
[[ "$line" =~ :\ ([0-9]+)/0\ \( ]] || fail "dpdk-dumpcap dropped packets: $line"
packets=$(tshark -r "$wire" 2>/dev/null | wc -l)
capture_verify "$wire" 40081 "$packets"
ok "dpdk-dumpcap -f 'tcp port 80': $packets packets, none dropped; tshark agrees with the server's counters"

pcl_server_stop || fail "the server did not exit 0 on SIGINT"
# ab may open spare connections it never uses; requests are the exact count.
requests=$(total http_requests "$tmp/server.out")
[ "$requests" = 1001 ] || fail "totals: http_requests $requests, want 1001 (ab 1000 + the captured one)"
ok "SIGINT: exit 0; totals http_requests 1001"

pcl_ns_cleanup
trap - EXIT
now=$(cat "$SYSHP/nr_hugepages")
[ "$now" = "$before" ] || fail "the huge page reservation is $now after the test, was $before"
ok "huge pages given back (reservation $now, as before)"
echo "huge_dumpcap: all checks passed"
