#!/usr/bin/env bash
# Hands a physical NIC to DPDK (or back to the kernel) with dpdk-devbind.py
# (Debian's dpdk package). Refuses to take an interface the kernel is using.
set -euo pipefail

usage() {
	cat <<USAGE
usage: $0 [-h] [--dry-run] [--force] status | bind PCI [DRIVER] | unbind PCI

  status              network devices and their drivers (dpdk-devbind.py --status-dev net)
  bind PCI [DRIVER]   give the device at PCI (0000:01:00.0 or 01:00.0) to DRIVER
                      (default vfio-pci; also uio_pci_generic, igb_uio, or a
                      kernel driver such as ixgbe to give it back), loading
                      the module with modprobe first
  unbind PCI          detach the device from its driver (dpdk-devbind.py -u)
  --dry-run           print the commands instead of running them (no root needed)
  --force             bind or unbind even an interface that is up or has
                      addresses or routes (passes --force to dpdk-devbind.py)
  -h, --help          this text

A NIC bound to a DPDK driver disappears from 'ip link': if it carries this
machine's own traffic (ssh, routes), that traffic stops. Without --force a
device whose interface is up, or has an address or a route, is refused.
Then start the server with the device:
  build/app/portcullis -l 0-1 -a 0000:01:00.0 -- -c conf/portcullis.conf
USAGE
}

die() {
	echo "bind-nic: $*" >&2
	exit "${rc:-2}"
}

dry=0
force=0
args=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	-n | --dry-run) dry=1 ;;
	-f | --force) force=1 ;;
	--) shift; args+=("$@"); break ;;
	-*) die "unknown option '$1' (try -h)" ;;
	*) args+=("$1") ;;
	esac
	shift
done
set -- "${args[@]+"${args[@]}"}"

# pci ADDR: the full form 0000:01:00.0, or nothing when ADDR is not one.
pci() {
	local a=${1,,}
	[[ "$a" =~ ^[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$ ]] && a=0000:$a
	[[ "$a" =~ ^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$ ]] && echo "$a"
	return 0
}

# run CMD...: print it (--dry-run) or run it.
run() {
	if [ "$dry" = 1 ]; then
		echo "$*"
	else
		echo "bind-nic: $*"
		"$@"
	fi
}

need_tool() {
	command -v dpdk-devbind.py >/dev/null ||
		rc=1 die "dpdk-devbind.py is missing (apt-get install dpdk, or dpdk-scripts/install-deps.sh)"
}

# in_use DEV: fails with the reason when the kernel uses an interface of DEV.
in_use() {
	local dev=$1 d ifc why
	# An interface's device link points at the PCI function, or below it
	# (virtio: .../0000:00:03.0/virtio0).
	for d in /sys/class/net/*; do
		[[ "$(readlink -f "$d/device" 2>/dev/null)/" == */"$dev"/* ]] || continue
		ifc=${d##*/}
		why=()
		ip -o link show dev "$ifc" 2>/dev/null | grep -q '[<,]UP[,>]' && why+=("is up")
		[ -n "$(ip -o addr show dev "$ifc" 2>/dev/null)" ] && why+=("has addresses")
		[ -n "$(ip route show dev "$ifc" 2>/dev/null)" ] && why+=("has routes")
		if [ ${#why[@]} -gt 0 ]; then
			echo "$ifc $(printf '%s, ' "${why[@]}" | sed 's/, $//')"
			return 0
		fi
	done
	return 1
}

# check DEV ACTION: the device exists, and the kernel does not use it (or --force).
check() {
	local dev=$1 action=$2 use
	if [ ! -e "/sys/bus/pci/devices/$dev" ]; then
		[ "$dry" = 1 ] || rc=1 die "$dev: no such PCI device here (see: $0 status)"
		echo "bind-nic: $dev: no such PCI device here (dry run: printing the commands anyway)" >&2
		return 0
	fi
	if use=$(in_use "$dev") && [ "$force" = 0 ]; then
		rc=1 die "$dev is ${use%% *}, which ${use#* }: ${action}ing it takes it from the kernel and cuts its traffic (maybe this very session); take it down first (ip link set ${use%% *} down) or pass --force"
	fi
	return 0
}

cmd=${1:-}
case $cmd in
"") die "give a command: status, bind or unbind (try -h)" ;;
status | bind | unbind) shift ;;
*) die "unknown command '$cmd' (try -h)" ;;
esac

case $cmd in
status)
	[ $# -eq 0 ] || die "status: takes no arguments, got: $*"
	need_tool
	dpdk-devbind.py --status-dev net
	;;
bind)
	[ $# -ge 1 ] || die "bind: give the device's PCI address (bind PCI [DRIVER]; see: $0 status)"
	[ $# -le 2 ] || die "bind: too many arguments: $* (bind PCI [DRIVER])"
	dev=$(pci "$1")
	[ -n "$dev" ] || die "bind: expected a PCI address like 0000:01:00.0, got '$1'"
	drv=${2:-vfio-pci}
	[[ "$drv" =~ ^[A-Za-z0-9_-]+$ ]] || die "bind: expected a driver name like vfio-pci, got '$drv'"
	[ "$dry" = 1 ] || [ "$(id -u)" -eq 0 ] || rc=1 die "bind needs root: run as root, or add --dry-run to see the commands"
	[ "$dry" = 1 ] || need_tool
	check "$dev" bind
	if [ "$drv" = vfio-pci ] && [ -z "$(ls -A /sys/kernel/iommu_groups 2>/dev/null)" ] &&
		[ "$(cat /sys/module/vfio/parameters/enable_unsafe_noiommu_mode 2>/dev/null)" != Y ]; then
		echo "bind-nic: note: no IOMMU here; vfio-pci then needs 'modprobe vfio enable_unsafe_noiommu_mode=1', or use uio_pci_generic" >&2
	fi
	[ -d "/sys/bus/pci/drivers/$drv" ] || run modprobe "$drv"
	if [ "$force" = 1 ]; then
		run dpdk-devbind.py --force -b "$drv" "$dev"
	else
		run dpdk-devbind.py -b "$drv" "$dev"
	fi
	;;
unbind)
	[ $# -ge 1 ] || die "unbind: give the device's PCI address (unbind PCI; see: $0 status)"
	[ $# -le 1 ] || die "unbind: too many arguments: $* (unbind PCI)"
	dev=$(pci "$1")
	[ -n "$dev" ] || die "unbind: expected a PCI address like 0000:01:00.0, got '$1'"
	[ "$dry" = 1 ] || [ "$(id -u)" -eq 0 ] || rc=1 die "unbind needs root: run as root, or add --dry-run to see the commands"
	[ "$dry" = 1 ] || need_tool
	check "$dev" unbind
	if [ "$force" = 1 ]; then
		run dpdk-devbind.py --force -u "$dev"
	else
		run dpdk-devbind.py -u "$dev"
	fi
	;;
esac
