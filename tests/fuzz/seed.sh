#!/usr/bin/env bash
# Regenerates the seed corpus of the fuzz targets from the scenario scripts:
#   tests/fuzz/corpus/conn/SCRIPT.pkt.fz     each script's segments and clock steps
#   tests/fuzz/corpus/frame/SCRIPT.pkt.fz.N  each frame on its own
#
#   tests/fuzz/seed.sh [BUILD_DIR]   (default build; needs its pcl-scenario)
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
runner=$build/tests/scenarios/pcl-scenario
[ -x "$runner" ] || { echo "seed.sh: no $runner; build first (ninja -C $build)" >&2; exit 1; }
out=$root/tests/fuzz/corpus
rm -rf "$out/conn" "$out/frame"
mkdir -p "$out/conn" "$out/frame"
"$runner" --no-huge -m 128 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error \
	--log-level=portcullis:crit -l 0 -- -d "$out/conn" "$root"/tests/scenarios/*.pkt >/dev/null
mv "$out"/conn/*.fz.* "$out/frame/"
echo "seed.sh: $(ls "$out/conn" | wc -l) sequences, $(ls "$out/frame" | wc -l) frames in $out"
