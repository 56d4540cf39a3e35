#!/usr/bin/env bash
# Helpers every test and demo uses to run portcullis inside network
# namespaces it creates, and to remove them again whatever happens.
#
#   source dpdk-scripts/netns.sh
#   pcl_ns_create NAME              ip netns add NAME (lo up); removed on exit
#   pcl_server_start NS LOG ARGS... start portcullis ARGS in NS in the background
#                                   (stdout and stderr to LOG, or stderr to
#                                   $PCL_SERVER_STDERR if set); sets PCL_SERVER_PID
#   pcl_tap_up NS IFACE ADDR/LEN    wait (15 s) for the server's tap, set it up,
#                                   give the kernel side ADDR/LEN
#   pcl_server_stop [PID]           SIGINT; fails unless it exits 0 within 5 s
#   pcl_ns_cleanup                  SIGINT, then SIGKILL, what runs in our
#                                   namespaces; delete them and the EAL runtime
#                                   dirs of our servers and of pcl_prefix
#   pcl_prefix NAME                 the EAL --file-prefix of another DPDK process
#                                   (a load generator): its runtime dir goes too
#   pcl_at_exit COMMAND             also run COMMAND (eval) at cleanup
#   pcl_tmpdir VAR                  VAR=a new /tmp directory, removed at cleanup
#   pcl_ns_supported                succeeds if namespaces can be created here
#
# Cleanup runs on EXIT, INT and TERM, so a failing test leaves nothing behind;
# should the shell be killed outright, a watcher process removes the
# namespaces and kills what runs in them within a second or two.
# Give every namespace and EAL --file-prefix a unique name (add $$) so tests
# can run side by side. Environment: PCL_BIN (default build/app/portcullis),
# PCL_SERVER_TIMEOUT (seconds before a forgotten server gets SIGINT, 600).

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	if [ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ]; then
		echo "usage: source $0 (in a bash script), then call its helpers:"
		sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
	fi
	sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//' >&2
	echo "netns.sh is meant to be sourced (usage above)" >&2
	exit 2
fi

PCL_ROOT=${PCL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
PCL_BIN=${PCL_BIN:-$PCL_ROOT/build/app/portcullis}
# Bounds a server's life even if a test forgets to stop it.
PCL_SERVER_TIMEOUT=${PCL_SERVER_TIMEOUT:-600}
PCL_NAMESPACES=()
PCL_SERVER_PIDS=()
PCL_SERVER_PID=
PCL_PREFIXES=()
PCL_AT_EXIT=()
PCL_STATE=
PCL__FAST=0

# Records a namespace, EAL prefix or temp dir in a state file a reaper watches:
# should this shell die without running its traps (SIGKILL, e.g. a test
# runner's timeout), the reaper removes what the file lists.
pcl__record() { # ns|prefix|tmpdir NAME
	case $2 in "" | . | .. | */* | *[[:space:]]*) return 0 ;; esac
	if [ -z "$PCL_STATE" ]; then
		PCL_STATE=$(mktemp /tmp/pcl-netns.XXXXXX)
		# shellcheck disable=SC2016
		setsid bash -c '
			while kill -0 "$1" 2>/dev/null; do sleep 1; done
			[ -f "$2" ] || exit 0
			while read -r kind name; do
				[ "$kind" = ns ] && for pid in $(ip netns pids "$name" 2>/dev/null); do kill -KILL "$pid"; done
			done <"$2"
			sleep 0.5
			while read -r kind name; do
				[ -n "$name" ] || continue
				case $kind in
				ns) ip netns del "$name" ;;
				prefix) rm -rf "/var/run/dpdk/$name" ;;
				tmpdir) rm -rf "/tmp/$name" ;;
				esac
			done <"$2"
			rm -f "$2"' pcl-reaper "$$" "$PCL_STATE" </dev/null >/dev/null 2>&1 &
	fi
	echo "$1 $2" >>"$PCL_STATE"
}

pcl_ns_create() {
	local ns=${1:?pcl_ns_create NAME}
	ip netns add "$ns" || { echo "netns: cannot create namespace $ns" >&2; return 1; }
	PCL_NAMESPACES+=("$ns")
	pcl__record ns "$ns"
	ip netns exec "$ns" ip link set lo up
}

# Succeeds when this machine lets us create network namespaces.
pcl_ns_supported() {
	local probe=pcl-probe-$$-$RANDOM
	ip netns add "$probe" 2>/dev/null || return 1
	ip netns del "$probe"
}

pcl_prefix() {
	local prefix=${1:?pcl_prefix NAME}
	PCL_PREFIXES+=("$prefix")
	grep -qx "prefix $prefix" "$PCL_STATE" 2>/dev/null || pcl__record prefix "$prefix"
}

pcl_at_exit() {
	PCL_AT_EXIT+=("$1")
}

# pcl_tmpdir VAR: makes a directory /tmp/pcl-*, stores its path in VAR, and
# removes it at cleanup.
pcl_tmpdir() {
	local d
	d=$(mktemp -d /tmp/pcl-tmp.XXXXXX)
	printf -v "$1" %s "$d"
	pcl__record tmpdir "${d#/tmp/}"
	pcl_at_exit "rm -rf '$d'"
}

# Prints the pids of every process in our namespaces.
pcl__ns_pids() {
	local ns
	for ns in "${PCL_NAMESPACES[@]}"; do
		ip netns pids "$ns" 2>/dev/null || true
	done
}

# Sends SIG to everything in our namespaces, then waits up to TENTHS/10 s for
# them to be gone. Returns 0 when none is left.
pcl__ns_signal_wait() {
	local sig=$1 tenths=$2 pid i
	for pid in $(pcl__ns_pids); do
		kill -"$sig" "$pid" 2>/dev/null || true
	done
	for ((i = 0; i < tenths; i++)); do
		[ -z "$(pcl__ns_pids)" ] && return 0
		sleep 0.1
	done
	[ -z "$(pcl__ns_pids)" ]
}

pcl_ns_cleanup() {
	local ns pid prefix hook
	if [ ${#PCL_NAMESPACES[@]} -gt 0 ]; then
		# SIGINT lets a server print its totals; SIGKILL whatever ignores it.
		# After a signal, be quick: a test runner allows little time.
		{ [ "$PCL__FAST" = 0 ] && pcl__ns_signal_wait INT 50; } || pcl__ns_signal_wait KILL 30 ||
			echo "netns: processes left in ${PCL_NAMESPACES[*]}: $(pcl__ns_pids | tr '\n' ' ')" >&2
	fi
	for pid in "${PCL_SERVER_PIDS[@]}"; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	for ns in "${PCL_NAMESPACES[@]}"; do
		ip netns del "$ns" 2>/dev/null || echo "netns: cannot delete namespace $ns" >&2
	done
	# EAL leaves its runtime directory behind; ours are unique, so remove them.
	for prefix in "${PCL_PREFIXES[@]}"; do
		[ -n "$prefix" ] && rm -rf "/var/run/dpdk/$prefix"
	done
	for hook in "${PCL_AT_EXIT[@]}"; do
		eval "$hook" || true
	done
	[ -z "$PCL_STATE" ] || rm -f "$PCL_STATE"
	PCL_STATE=
	PCL_NAMESPACES=()
	PCL_SERVER_PIDS=()
	PCL_SERVER_PID=
	PCL_PREFIXES=()
	PCL_AT_EXIT=()
}

pcl_server_start() {
	local ns=${1:?pcl_server_start NS LOG ARGS...} log=${2:?pcl_server_start NS LOG ARGS...}
	local prev=
	local a
	shift 2
	if [ ! -x "$PCL_BIN" ]; then
		echo "netns: $PCL_BIN is not built (ninja -C build)" >&2
		return 1
	fi
	for a in "$@"; do
		[ "$a" = -- ] && break
		case $a in
		--file-prefix=*) pcl_prefix "${a#--file-prefix=}" ;;
		*) [ "$prev" = --file-prefix ] && pcl_prefix "$a" ;;
		esac
		prev=$a
	done
	# timeout(1) forwards our SIGINT to the server and bounds its life; -k
	# kills it if it ignores the SIGINT.
	if [ -n "${PCL_SERVER_STDERR:-}" ]; then
		ip netns exec "$ns" timeout -k 10 -s INT "$PCL_SERVER_TIMEOUT" "$PCL_BIN" "$@" \
			</dev/null >"$log" 2>"$PCL_SERVER_STDERR" &
	else
		ip netns exec "$ns" timeout -k 10 -s INT "$PCL_SERVER_TIMEOUT" "$PCL_BIN" "$@" \
			</dev/null >"$log" 2>&1 &
	fi
	PCL_SERVER_PID=$!
	PCL_SERVER_PIDS+=("$PCL_SERVER_PID")
}

pcl_tap_up() {
	local ns=${1:?pcl_tap_up NS IFACE ADDR/LEN} ifc=${2:?pcl_tap_up NS IFACE ADDR/LEN}
	local addr=${3:?pcl_tap_up NS IFACE ADDR/LEN}
	local deadline=$((SECONDS + 15))
	while ! ip netns exec "$ns" ip link show "$ifc" >/dev/null 2>&1; do
		if [ -n "$PCL_SERVER_PID" ] && ! kill -0 "$PCL_SERVER_PID" 2>/dev/null; then
			echo "netns: the server exited before creating $ifc in $ns" >&2
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "netns: $ifc did not appear in $ns within 15 s" >&2
			return 1
		fi
		sleep 0.1
	done
	ip netns exec "$ns" ip link set "$ifc" up
	ip netns exec "$ns" ip addr add "$addr" dev "$ifc"
}

pcl_server_stop() {
	local pid=${1:-$PCL_SERVER_PID} i rc=0 p
	local keep=()
	[ -n "$pid" ] || return 0
	kill -INT "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "netns: the server (pid $pid) did not stop within 5 s of SIGINT; killing it" >&2
		kill -KILL "$pid" 2>/dev/null || true
		rc=1
	fi
	wait "$pid" 2>/dev/null || rc=$?
	for p in "${PCL_SERVER_PIDS[@]}"; do
		[ "$p" = "$pid" ] || keep+=("$p")
	done
	PCL_SERVER_PIDS=("${keep[@]}")
	[ "$pid" = "$PCL_SERVER_PID" ] && PCL_SERVER_PID=
	if [ "$rc" -ne 0 ]; then
		echo "netns: the server (pid $pid) exited with $rc" >&2
		return 1
	fi
}

pcl__on_exit() {
	local rc=$?
	trap - EXIT
	trap '' INT TERM # cleanup is bounded (about 10 s); let it finish
	pcl_ns_cleanup
	exit "$rc"
}

trap pcl__on_exit EXIT
trap 'PCL__FAST=1; exit 130' INT
trap 'PCL__FAST=1; exit 143' TERM
