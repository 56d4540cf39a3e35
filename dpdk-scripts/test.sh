#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test suite: first the
# normal build (warnings are errors), then the unit, worker and scenario
# suites again under AddressSanitizer and UBSan. Ends with one line
# "tests: N passed, N failed". CI runs exactly this (.ci/run).
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h]
Installs dependencies (as root), builds build/ and build-asan/, runs all
test suites, and prints "tests: N passed, N failed".
USAGE
}
[ "${1:-}" = "-h" ] && { usage; exit 0; }
[ $# -eq 0 ] || { usage >&2; exit 2; }

cd "$(dirname "$0")/.."
bash dpdk-scripts/install-deps.sh

setup() { # DIR ARGS...
	local dir=$1
	shift
	if [ -d "$dir" ]; then
		meson setup --reconfigure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

status=0
setup build -Dwerror=true
ninja -C build
meson test -C build --print-errorlogs --num-processes 2 || status=1

# DPDK's own libraries are not instrumented; leak checking stays on.
setup build-asan -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined \
	-Db_lundef=false -De2e=false
ninja -C build-asan
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --print-errorlogs --num-processes 2 \
	--suite unit --suite worker --suite scenario || status=1

/usr/bin/python3 - build/meson-logs/testlog.json build-asan/meson-logs/testlog.json <<'PY'
import json, sys
counts = {}
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            r = json.loads(line)["result"]
            counts[r] = counts.get(r, 0) + 1
passed = counts.pop("OK", 0) + counts.pop("EXPECTEDFAIL", 0)
skipped = counts.pop("SKIP", 0)
failed = sum(counts.values())
print(f"tests: {passed} passed, {failed} failed" + (f", {skipped} skipped" if skipped else ""))
PY
exit $status
