#!/usr/bin/env bash
# Reserves, shows and releases the huge pages DPDK's EAL wants (without them
# portcullis needs --no-huge -m 512). Wraps dpdk-hugepages.py (Debian's dpdk
# package). Touches only /sys/kernel/mm/hugepages (vm.nr_hugepages) and the
# hugetlbfs mount at /dev/hugepages.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h] reserve [N] [SIZE] | show | release

  reserve [N] [SIZE]  set the reservation of SIZE pages to N (default: 256
                      pages of 2M, 512 MB) with dpdk-hugepages.py -p SIZE -r,
                      and mount hugetlbfs at /dev/hugepages if nothing is
                      mounted there. SIZE is one this kernel has (2M, 1G...).
                      On a NUMA machine every node gets N pages.
  show                what is reserved and free, and where hugetlbfs is mounted
                      (dpdk-hugepages.py -s)
  release             set every huge page reservation back to 0
                      (dpdk-hugepages.py -c) and unmount /dev/hugepages if
                      reserve mounted it
  -h, --help          this text

reserve and release need root; show does not. Pages a running DPDK process
holds are returned to the kernel when it exits. A server started after
'reserve' needs no --no-huge:
  ip netns exec NS build/app/portcullis -l 0-1 --no-pci --file-prefix NS -- -c conf/portcullis.conf
USAGE
}

die() {
	echo "hugepages: $*" >&2
	exit "${rc:-2}"
}

MNT=/dev/hugepages
# reserve writes here that it mounted $MNT, so release unmounts only that.
STATE=/run/portcullis-hugepages.mounted
SYSHP=/sys/kernel/mm/hugepages

# The sizes this kernel offers, as "2M 1G".
sizes() {
	local d kb list=()
	for d in "$SYSHP"/hugepages-*kB; do
		[ -d "$d" ] || continue
		kb=${d##*/hugepages-}
		kb=${kb%kB}
		list+=("$(human "$kb")")
	done
	echo "${list[*]}"
}

# human KB: 2048 -> 2M, 1048576 -> 1G.
human() {
	if [ $(($1 % 1048576)) -eq 0 ]; then
		echo "$(($1 / 1048576))G"
	elif [ $(($1 % 1024)) -eq 0 ]; then
		echo "$(($1 / 1024))M"
	else
		echo "$1K"
	fi
}

# size_kb SIZE: 2M -> 2048; empty when SIZE is not a size.
size_kb() {
	local s=${1^^}
	[[ "$s" =~ ^([0-9]{1,7})([KMG])B?$ ]] || return 0
	case ${BASH_REMATCH[2]} in
	K) echo $((10#${BASH_REMATCH[1]})) ;;
	M) echo $((10#${BASH_REMATCH[1]} * 1024)) ;;
	G) echo $((10#${BASH_REMATCH[1]} * 1048576)) ;;
	esac
}

mounted() { awk -v m="$1" '$2 == m && $3 == "hugetlbfs" { f = 1 } END { exit !f }' /proc/mounts; }

need_root() {
	[ "$(id -u)" -eq 0 ] || rc=1 die "$1 needs root: run as root (sudo $0 $1)"
}

need_tool() {
	command -v dpdk-hugepages.py >/dev/null ||
		rc=1 die "dpdk-hugepages.py is missing (apt-get install dpdk, or dpdk-scripts/install-deps.sh)"
}

cmd=${1:-}
case $cmd in
-h | --help) usage; exit 0 ;;
"") die "give a command: reserve, show or release (try -h)" ;;
reserve | show | release) shift ;;
*) die "unknown command '$cmd' (try -h)" ;;
esac

case $cmd in
reserve)
	[ $# -le 2 ] || die "reserve: too many arguments: $* (reserve [N] [SIZE])"
	n=${1:-256}
	size=${2:-2M}
	[[ "$n" =~ ^[0-9]{1,7}$ ]] && [ $((10#$n)) -gt 0 ] ||
		die "reserve: N must be a whole number of pages above 0, got '$n'"
	n=$((10#$n))
	kb=$(size_kb "$size")
	[ -n "$kb" ] && [ -d "$SYSHP/hugepages-${kb}kB" ] ||
		die "reserve: SIZE must be a huge page size of this kernel ($(sizes)), got '$size'"
	size=$(human "$kb")
	need_root reserve
	need_tool
	want_kb=$((n * kb))
	avail_kb=$(awk '$1 == "MemAvailable:" { print $2 }' /proc/meminfo)
	if [ -n "$avail_kb" ] && [ "$want_kb" -gt "$avail_kb" ]; then
		rc=1 die "reserve: $n x $size = $((want_kb / 1024)) MB is more than the $((avail_kb / 1024)) MB of memory available"
	fi
	if ! out=$(dpdk-hugepages.py -p "$size" -r "${want_kb}K" 2>&1); then
		# dpdk-hugepages.py says e.g. "Unable to set pages (100 instead of 256 in ...)":
		# the kernel could not find that many free contiguous pages.
		rc=1 die "reserve: dpdk-hugepages.py -p $size -r ${want_kb}K: $(echo "$out" | tail -n 1)" \
			"(memory too fragmented? try fewer pages, or reserve them at boot: hugepages=N on the kernel command line)"
	fi
	if ! mounted "$MNT"; then
		mkdir -p "$MNT"
		mount -t hugetlbfs -o "pagesize=$size" nodev "$MNT" || rc=1 die "reserve: cannot mount hugetlbfs at $MNT"
		echo "$MNT" >"$STATE"
		echo "hugepages: mounted hugetlbfs (pagesize=$size) at $MNT"
	else
		# The kernel shows pagesize= only for a size other than the default.
		def=$(human "$(awk '$1 == "Hugepagesize:" { print $2 }' /proc/meminfo)")
		has=$(awk -v m="$MNT" -v d="$def" '$2 == m && $3 == "hugetlbfs" {
			p = d; n = split($4, o, ","); for (i = 1; i <= n; i++) if (o[i] ~ /^pagesize=/) p = substr(o[i], 10)
			print p }' /proc/mounts | tail -n 1)
		[ "$has" = "$size" ] ||
			echo "hugepages: note: $MNT is mounted for $has pages; the EAL uses $size pages only from a hugetlbfs mount with pagesize=$size" >&2
	fi
	echo "hugepages: reserved $n pages of $size ($((want_kb / 1024)) MB)"
	;;
show)
	[ $# -eq 0 ] || die "show: takes no arguments, got: $*"
	need_tool
	dpdk-hugepages.py -s
	echo
	for d in "$SYSHP"/hugepages-*kB; do
		[ -d "$d" ] || continue
		kb=${d##*/hugepages-}
		kb=${kb%kB}
		echo "$(human "$kb") pages: $(cat "$d/nr_hugepages") reserved, $(cat "$d/free_hugepages") free"
	done
	;;
release)
	[ $# -eq 0 ] || die "release: takes no arguments, got: $*"
	need_root release
	need_tool
	# A DPDK process leaves its page files (PREFIXmap_N) behind when it exits,
	# and they keep their pages. Remove those nobody holds: a running EAL
	# keeps a lock on each of its own.
	stale=0
	for m in $(awk '$3 == "hugetlbfs" { print $2 }' /proc/mounts); do
		for f in "$m"/*map_*; do
			[ -f "$f" ] || continue
			if flock -n -x "$f" true 2>/dev/null; then
				rm -f "$f" && stale=$((stale + 1))
			fi
		done
	done
	[ "$stale" -eq 0 ] || echo "hugepages: removed $stale page files left by DPDK processes that exited"
	if ! out=$(dpdk-hugepages.py -c 2>&1); then
		used=0
		for d in "$SYSHP"/hugepages-*kB; do
			[ -d "$d" ] && used=$((used + $(cat "$d/nr_hugepages") - $(cat "$d/free_hugepages")))
		done
		[ "$used" -gt 0 ] &&
			rc=1 die "release: $used pages are in use by a running DPDK process; stop it, then release again"
		rc=1 die "release: dpdk-hugepages.py -c: $(echo "$out" | tail -n 1)"
	fi
	if [ -f "$STATE" ] && [ "$(cat "$STATE")" = "$MNT" ]; then
		if mounted "$MNT"; then
			umount "$MNT" 2>/dev/null ||
				rc=1 die "release: cannot unmount $MNT: it is in use (a DPDK process running?)"
			echo "hugepages: unmounted $MNT"
		fi
		rm -f "$STATE"
	fi
	echo "hugepages: released"
	;;
esac
