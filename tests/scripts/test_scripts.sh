#!/usr/bin/env bash
# The operator scripts in dpdk-scripts/: usage, argument checks, dry runs.
# Needs neither root, network namespaces nor huge pages, and changes nothing:
# bind-nic.sh runs only with --dry-run, with stand-ins for dpdk-devbind.py
# and modprobe first on PATH that record any call; hugepages.sh only shows,
# or is refused.
#
#   test_scripts.sh           (meson passes PCL_SRC in the environment)
#
# Checks: every dpdk-scripts/*.sh -h exits 0 and prints "usage"; bad
# arguments to hugepages.sh and bind-nic.sh exit non-zero with one line on
# stderr and nothing on stdout; reserve/release as non-root are refused with
# one line; bind-nic.sh --dry-run bind 0000:00:00.0 prints the dpdk-devbind.py
# command and runs nothing; an interface in use is refused even in a dry run;
# hugepages.sh show and bind-nic.sh status work.
set -euo pipefail

PCL_ROOT=${PCL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
S=$PCL_ROOT/dpdk-scripts
tmp=$(mktemp -d /tmp/pcl-scripts.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0
fail() { echo "FAIL: $*" >&2; failed=$((failed + 1)); }
# ok MSG: prints ok: MSG unless a check failed since the last ok.
seen=0
ok() { [ "$failed" -gt "$seen" ] || echo "ok: $*"; seen=$failed; }

# Stand-ins: should a dry run run anything, the call is recorded and fails.
mkdir "$tmp/bin"
for t in dpdk-devbind.py modprobe; do
	printf '#!/bin/sh\necho "%s $*" >>"%s/calls"\nexit 1\n' "$t" "$tmp" >"$tmp/bin/$t"
	chmod +x "$tmp/bin/$t"
done
stub_path=$tmp/bin:$PATH

# run SCRIPT ARGS...: runs it with the stand-ins first on PATH; sets rc, and
# leaves its stdout and stderr in $tmp/out and $tmp/err.
run() {
	rc=0
	PATH=$stub_path bash "$@" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
}

# 1. -h: exit 0, "usage" in the output.
n=0
for f in "$S"/*.sh; do
	run "$f" -h
	if [ "$rc" -ne 0 ]; then
		fail "${f##*/} -h: exit $rc"
	elif ! grep -qi usage "$tmp/out"; then
		fail "${f##*/} -h: no 'usage' in its output"
	else
		n=$((n + 1))
	fi
done
[ "$n" -ge 7 ] || fail "only $n scripts in $S answered -h (want at least 7)"
ok "-h: $n scripts print their usage and exit 0"

# 2. Bad arguments: non-zero, exactly one line on stderr, nothing on stdout.
# reject SCRIPT ARGS...
reject() {
	local what="${1##*/} ${*:2}"
	run "$@"
	if [ "$rc" -eq 0 ]; then
		fail "$what: exit 0, want non-zero"
	elif [ -s "$tmp/out" ]; then
		fail "$what: printed on stdout: $(head -n 2 "$tmp/out")"
	elif [ "$(wc -l <"$tmp/err")" -ne 1 ]; then
		fail "$what: want one line on stderr, got $(wc -l <"$tmp/err"): $(head -n 3 "$tmp/err")"
	else
		return 0
	fi
	return 1
}
n=0
while read -r -a a; do
	reject "$S/hugepages.sh" "${a[@]}" && n=$((n + 1))
done <<'CASES'
frob
reserve abc
reserve 0
reserve -5
reserve 12x
reserve 99999999
reserve 16 3M
reserve 16 2Q
reserve 16 2M extra
show extra
release extra
--bogus
CASES
reject "$S/hugepages.sh" && n=$((n + 1))
ok "hugepages.sh: $n bad argument lists rejected with one line"
n=0
while read -r -a a; do
	reject "$S/bind-nic.sh" "${a[@]}" && n=$((n + 1))
done <<'CASES'
frob
--bogus status
status extra
bind
bind notapci
bind 0000:00:00.9
bind 0000:00:00.0 bad/driver
bind 0000:00:00.0 vfio-pci extra
unbind
unbind 1:2
unbind 0000:00:00.0 extra
--dry-run bind
--dry-run unbind nope
CASES
reject "$S/bind-nic.sh" && n=$((n + 1))
ok "bind-nic.sh: $n bad argument lists rejected with one line"

# 3. Non-root: reserve and release are refused with one line naming root.
if [ "$(id -u)" -eq 0 ]; then
	asuser=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	command -v setpriv >/dev/null && "${asuser[@]}" test -r "$S/hugepages.sh" || asuser=()
else
	asuser=(env)
fi
if [ ${#asuser[@]} -gt 0 ]; then
	for c in reserve release; do
		rc=0
		(cd /tmp && "${asuser[@]}" env PATH="$stub_path" bash "$S/hugepages.sh" "$c") \
			>"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
		if [ "$rc" -eq 0 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q 'run as root' "$tmp/err"; then
			fail "hugepages.sh $c as non-root: exit $rc, stderr: $(cat "$tmp/err")"
		fi
	done
	rc=0
	(cd /tmp && "${asuser[@]}" env PATH="$stub_path" bash "$S/bind-nic.sh" bind 0000:00:00.0) \
		>"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
	if [ "$rc" -eq 0 ] || [ "$(wc -l <"$tmp/err")" -ne 1 ] || ! grep -q 'root' "$tmp/err"; then
		fail "bind-nic.sh bind as non-root: exit $rc, stderr: $(cat "$tmp/err")"
	fi
	ok "as non-root: hugepages.sh reserve/release and bind-nic.sh bind refused with one line"
else
	echo "skip: the non-root checks (no setpriv, or nobody cannot read $S)"
fi

# 4. bind-nic.sh --dry-run prints the commands and runs none.
drv_before=$(readlink /sys/bus/pci/devices/0000:00:00.0/driver 2>/dev/null || true)
run "$S/bind-nic.sh" --dry-run bind 0000:00:00.0
if [ "$rc" -ne 0 ]; then
	fail "bind-nic.sh --dry-run bind 0000:00:00.0: exit $rc: $(cat "$tmp/err")"
elif ! grep -Eq '^dpdk-devbind.py (--bind[= ]|-b )vfio-pci 0000:00:00.0$' "$tmp/out"; then
	fail "bind-nic.sh --dry-run bind 0000:00:00.0: no dpdk-devbind.py command in: $(cat "$tmp/out")"
else
	ok "bind-nic.sh --dry-run bind 0000:00:00.0 prints: $(grep dpdk-devbind "$tmp/out")"
fi
run "$S/bind-nic.sh" --dry-run bind 00:00.0 uio_pci_generic
grep -Eq '^dpdk-devbind.py (--bind[= ]|-b )uio_pci_generic 0000:00:00.0$' "$tmp/out" ||
	fail "bind-nic.sh --dry-run bind 00:00.0 uio_pci_generic: $(cat "$tmp/out" "$tmp/err")"
run "$S/bind-nic.sh" --dry-run unbind 0000:00:00.0
grep -Eq '^dpdk-devbind.py (--unbind|-u) 0000:00:00.0$' "$tmp/out" ||
	fail "bind-nic.sh --dry-run unbind 0000:00:00.0: $(cat "$tmp/out" "$tmp/err")"
seen=$failed
[ ! -e "$tmp/calls" ] || fail "a dry run ran: $(cat "$tmp/calls")"
[ "$(readlink /sys/bus/pci/devices/0000:00:00.0/driver 2>/dev/null || true)" = "$drv_before" ] ||
	fail "0000:00:00.0 changed driver"
ok "dry runs ran nothing"
rm -f "$tmp/calls"

# 5. An interface in use (the one with the default route, if it is a PCI
# device) is refused, even in a dry run, with one line naming --force.
dev=$(ip route show default 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == "dev") { print $(i + 1); exit } }')
pci=
[ -z "$dev" ] || pci=$(basename "$(readlink -f "/sys/class/net/$dev/device" 2>/dev/null)" 2>/dev/null || true)
# virtio: the interface hangs under virtioN, below the PCI function.
[[ "$pci" =~ ^virtio ]] && pci=$(basename "$(dirname "$(readlink -f "/sys/class/net/$dev/device")")")
if [[ "$pci" =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$ ]]; then
	seen=$failed
	if ! reject "$S/bind-nic.sh" --dry-run bind "$pci" || ! grep -q -- --force "$tmp/err"; then
		fail "bind-nic.sh --dry-run bind $pci ($dev, in use): not refused with a line naming --force"
	fi
	[ ! -e "$tmp/calls" ] || fail "a dry run ran: $(cat "$tmp/calls")"
	ok "bind-nic.sh --dry-run bind $pci ($dev, in use) refused: $(cat "$tmp/err")"
else
	echo "skip: no PCI device carries the default route here"
fi

# 6. hugepages.sh show and bind-nic.sh status (the real tools, read-only).
seen=$failed
if command -v dpdk-hugepages.py >/dev/null; then
	rc=0
	bash "$S/hugepages.sh" show >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -ne 0 ] || ! grep -q 'Pages' "$tmp/out"; then
		fail "hugepages.sh show: exit $rc: $(cat "$tmp/out" "$tmp/err")"
	else
		ok "hugepages.sh show: $(grep -E 'pages: ' "$tmp/out" | tr '\n' ';')"
	fi
else
	echo "skip: no dpdk-hugepages.py (apt-get install dpdk)"
fi
if command -v dpdk-devbind.py >/dev/null; then
	rc=0
	bash "$S/bind-nic.sh" status >"$tmp/out" 2>"$tmp/err" || rc=$?
	if [ "$rc" -ne 0 ] || ! grep -qi 'network' "$tmp/out"; then
		fail "bind-nic.sh status: exit $rc: $(cat "$tmp/out" "$tmp/err")"
	else
		ok "bind-nic.sh status"
	fi
elif [ "${CI:-}" = true ]; then
	fail "no dpdk-devbind.py under CI (apt-get install dpdk)"
else
	echo "skip: no dpdk-devbind.py (apt-get install dpdk)"
fi

# An e2e test that cannot run skips (exit 77), except under CI=true, where it fails.
for ci in "" true; do
	rc=0
	(CI=$ci PCL_ROOT=$PCL_ROOT && source "$PCL_ROOT/tests/e2e/common.sh" && skip "no way") \
		>"$tmp/out" 2>"$tmp/err" || rc=$?
	want=77
	[ "$ci" = true ] && want=1
	[ "$rc" = "$want" ] || fail "e2e skip with CI='$ci': exit $rc, want $want"
done
ok "an e2e skip fails the test under CI=true"

[ "$failed" = 0 ] || exit 1
echo "scripts: all checks passed"
