#!/usr/bin/env bash
# Regenerates the seed corpus of the fuzz targets from the scenario scripts,
# over IPv4 and, as ipv6_*, over IPv6 (the runner's -6):
#   tests/fuzz/corpus/conn/SCRIPT.pkt.fz     each script's segments and clock steps
#   tests/fuzz/corpus/frame/SCRIPT.pkt.fz.N  each frame on its own
# Other files in frame/ stay: nd_* (Neighbor Discovery, echo and IPv6
# extension headers, made with scapy) and inputs the fuzzer found.
#
#   tests/fuzz/seed.sh [BUILD_DIR]   (default build; needs its pcl-scenario)
set -euo pipefail
case ${1:-} in -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
runner=$build/tests/scenarios/pcl-scenario
[ -x "$runner" ] || { echo "seed.sh: no $runner; build first (ninja -C $build)" >&2; exit 1; }
out=$root/tests/fuzz/corpus
rm -rf "$out/conn" "$out/conn6"
mkdir -p "$out/conn" "$out/frame" "$out/conn6"
find "$out/frame" -type f -name '*.pkt.fz.*' -delete # generated; nd_* and found inputs stay
eal=(--no-huge -m 128 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error
	--log-level=portcullis:crit -l 0 --)
"$runner" "${eal[@]}" -d "$out/conn" "$root"/tests/scenarios/*.pkt >/dev/null
# As meson runs them with -6: not the services' (IPv4 only), not the full-MSS ones.
"$runner" "${eal[@]}" -6 -d "$out/conn6" $(ls "$root"/tests/scenarios/*.pkt |
	grep -Ev '/(proxy_|cc_fast_retransmit|cc_sack_recovery|cc_slow_start)') >/dev/null
for f in "$out"/conn6/*; do mv "$f" "$out/conn/ipv6_${f##*/}"; done
rmdir "$out/conn6"
mv "$out"/conn/*.fz.* "$out/frame/"
echo "seed.sh: $(ls "$out/conn" | wc -l) sequences, $(ls "$out/frame" | wc -l) frames in $out"
