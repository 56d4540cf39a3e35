#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test suite: first the
# normal build (warnings are errors), then the unit, worker and scenario
# suites again under AddressSanitizer and UBSan. Ends with one line
# "tests: N passed, N failed" (", N skipped" when some were). CI runs exactly
# this (.ci/run) with CI=true, where a skipped test counts as failed.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h]

As root on Debian 12 (what is missing gets installed; see install-deps.sh):
  1. build/       meson setup -Dwerror=true; meson test, every suite
                  (unit, worker, scenario, scripts, e2e; e2e needs root and /dev/net/tun)
  2. build-asan/  -Db_sanitize=address,undefined -Dbuildtype=debug -De2e=false;
                  meson test --suite unit --suite worker --suite scenario,
                  LeakSanitizer on, UBSan halting on the first error
  3. build-fuzz/  CC=clang -Dfuzz=true; meson test --suite fuzz (each libFuzzer
                  target from the seed corpus, 200k runs or 60 s) and
                  --suite fuzz-regressions (tests/fuzz/README.md)
Prints "tests: N passed, N failed" at the end, counted from the three runs'
meson-logs/testlog.json, and exits 1 if anything failed.
USAGE
}
case ${1:-} in
-h | --help) usage; exit 0 ;;
"") ;;
*) usage >&2; exit 2 ;;
esac
[ $# -le 1 ] || { usage >&2; exit 2; }

cd "$(dirname "$0")/.."
PY=/usr/bin/python3 # the system one, not whatever python3 is first on PATH

bash dpdk-scripts/install-deps.sh

# setup DIR OPTIONS...: configure DIR, or reconfigure it with OPTIONS.
setup() {
	local dir=$1
	shift
	if [ -f "$dir/meson-private/coredata.dat" ]; then
		meson setup --reconfigure "$dir" "$@"
	elif [ -e "$dir" ]; then
		meson setup --wipe "$dir" "$@"
	else
		meson setup "$dir" "$@"
	fi
}

# run DIR MESON-TEST-ARGS...: build DIR and run its tests. A build that fails
# leaves no testlog.json, which the summary counts as a failure.
run() {
	local dir=$1
	shift
	rm -f "$dir/meson-logs/testlog.json"
	echo
	echo "=== $dir: meson test $*"
	ninja -C "$dir" || { echo "test.sh: the build in $dir failed" >&2; return 1; }
	meson test -C "$dir" --print-errorlogs "$@"
}

status=0
echo "=== build/: configure"
setup build -Dwerror=true >/dev/null
run build --num-processes 2 || status=1

echo "=== build-asan/: configure"
setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
	-Dwerror=true -De2e=false >/dev/null
# Leak checking stays on: DPDK's own allocations do not trip it (the EAL is
# cleaned up on exit). UBSan stops a test at its first finding.
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=1:print_summary=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:print_summary=1 \
	run build-asan --num-processes 2 --suite unit --suite worker --suite scenario || status=1

echo "=== build-fuzz/: configure (clang, libFuzzer)"
CC=clang setup build-fuzz -Dfuzz=true -Dtests=false -De2e=false -Db_sanitize=address,undefined \
	-Db_lundef=false -Dbuildtype=debug -Doptimization=1 >/dev/null
run build-fuzz --suite fuzz --suite fuzz-regressions || status=1

echo
"$PY" - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json \
	build-fuzz/meson-logs/testlog.json <<'PY' || status=1
import json, os, sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    if not os.path.exists(path):
        print(f"test.sh: no {path}: that build or test run did not finish", file=sys.stderr)
        failed += 1
        continue
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            r = t["result"]
            if r in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif r == "SKIP" and os.environ.get("CI") == "true":
                failed += 1
                print(f"test.sh: SKIP under CI=true counts as a failure: {t.get('name')}",
                      file=sys.stderr)
            elif r == "SKIP":
                skipped += 1
            else:
                failed += 1
                print(f"test.sh: {r}: {t.get('name')} ({os.path.dirname(os.path.dirname(path))})",
                      file=sys.stderr)
print(f"tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
sys.exit(1 if failed else 0)
PY
exit $status
