# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# shellcheck shell=bash
#
# The integration lab: a VPN peer, a load-sharing router and three cluster
# members in network namespaces, each member running the real ikefwd on its
# outside interface. Sourced by tests/integration/test_*.sh:
#
#	. "$(dirname "$0")/lab.sh"
#	lab_init "$@"		# re-runs the script in a private sandbox
#	lab_create policy	# or: ecmp
#	...checks...
#	lab_finish		# "N passed, M failed", exit status
#
#   peer (eth0 10.0.1.2/24, more addresses with LAB_PEERS)
#     |
#   rt   eth0 10.0.1.1/24 | eth1 10.0.0.254/24
#     |    policy: UDP 4500 to the VIP marked by nftables, fwmark -> table
#     |            100 -> m2; everything else -> m1
#     |    ecmp:   one multipath route over m1, m2, m3, L4 hash
#   sw   br0: ports rt, m1, m2, m3 (the members' shared segment, also the
#     |       link forwarded IKE travels over)
#   m1, m2, m3: eth0 10.0.0.N/24, the VIP 192.0.2.1/32 on lo, default route
#       via rt; nftables counters of the IKE each one's stack receives;
#       a private bpffs at $LAB_DIR/mN/bpf for ikefwd's pins and libxdp.
#
# Sandbox: the script runs inside `unshare -m -n --propagation private`,
# with a tmpfs on /run/netns (ip netns add never touches the host's) and a
# tmpfs on $LAB_DIR (configs, captures, bpffs mounts). When it ends, the
# namespaces, attachments and pins go with it, even after a crash; the
# EXIT trap still detaches, stops what it started (by PID) and deletes the
# namespaces, so a run leaves nothing behind in any case.
#
# Environment: IKEFWD (the ikefwd binary, required); IKEFWD_LAB_VERBOSE=1
# echoes every command the lab runs in a namespace.

LAB_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_PY=/usr/bin/python3
LAB_VIP=192.0.2.1
LAB_MEMBERS=(m1 m2 m3)
# The peer's addresses: the first sends by default; the ECMP test uses more
# (one negotiation each) so that the L4 hash spreads them.
LAB_PEERS=(10.0.1.2)
LAB_PEER=10.0.1.2
LAB_PASSED=0
LAB_FAILED=0
LAB_PIDS=()
LAB_CREATED=0
# Counter snapshots (lab_snap), compared by lab_d.
declare -A BEFORE=() AFTER=()

lab_log() { printf '# [%3d s] %s\n' $((SECONDS - ${LAB_T0:-0})) "$*"; }

# lab_init "$@": call first. Outside the sandbox it checks what the lab
# needs and runs the calling script again inside one; inside, it mounts the
# private filesystems and installs the cleanup trap.
lab_init() {
	if [ "${IKEFWD_LAB_INSIDE:-}" != 1 ]; then
		local dir rc=0 tool

		if [ "$(id -u)" -ne 0 ]; then
			echo "SKIP: needs root (network namespaces, BPF)"
			exit 77
		fi
		if [ -z "${IKEFWD:-}" ] || [ ! -x "$IKEFWD" ]; then
			echo "IKEFWD must name the ikefwd binary" >&2
			exit 2
		fi
		for tool in ip nft tc tcpdump ethtool unshare "$LAB_PY"; do
			command -v "$tool" >/dev/null ||
				{ echo "missing $tool" >&2; exit 2; }
		done
		"$LAB_PY" -c 'import scapy' 2>/dev/null ||
			{ echo "missing python3-scapy" >&2; exit 2; }
		dir=$(mktemp -d /tmp/ikefwd-lab.XXXXXX)
		# /run/netns must exist to be mounted over; ip netns add would
		# create it anyway.
		mkdir -p /run/netns
		IKEFWD_LAB_INSIDE=1 LAB_DIR=$dir IKEFWD=$(realpath "$IKEFWD") \
			unshare -m -n --propagation private -- "$0" "$@" || rc=$?
		rmdir "$dir" 2>/dev/null || rm -rf "$dir"
		exit "$rc"
	fi
	set -u
	mount -t tmpfs none /run/netns
	mount -t tmpfs none "$LAB_DIR"
	trap lab_cleanup EXIT
	trap 'exit 130' INT TERM
	LAB_T0=$SECONDS
}

# ip netns exec, echoed with IKEFWD_LAB_VERBOSE=1.
lab_ns() {
	[ "${IKEFWD_LAB_VERBOSE:-}" = 1 ] && echo "+ [$1] ${*:2}" >&2
	ip netns exec "$@"
}

# lab_veth NS1 DEV1 NS2 DEV2: a veth pair between two namespaces.
lab_veth() {
	ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	ip -n "$1" link set "$2" up
	ip -n "$3" link set "$4" up
}

# lab_create policy|ecmp: the whole topology (see the top of this file),
# without ikefwd. LAB_PEERS may list more peer addresses first.
lab_create() {
	local mode=$1 ns m n a

	set -e
	for ns in peer rt sw "${LAB_MEMBERS[@]}"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	LAB_CREATED=1

	lab_veth peer eth0 rt eth0
	for a in "${LAB_PEERS[@]}"; do
		ip -n peer addr add "$a/24" dev eth0
	done
	ip -n peer route add default via 10.0.1.1

	ip -n sw link add br0 type bridge
	ip -n sw link set br0 up
	lab_veth rt eth1 sw rt
	ip -n sw link set rt master br0
	ip -n rt addr add 10.0.1.1/24 dev eth0
	ip -n rt addr add 10.0.0.254/24 dev eth1
	lab_ns rt sysctl -qw net.ipv4.ip_forward=1

	n=0
	for m in "${LAB_MEMBERS[@]}"; do
		n=$((n + 1))
		lab_veth sw "$m" "$m" eth0
		ip -n sw link set "$m" master br0
		# A frame ikefwd redirects out of a member's eth0 is delivered
		# into the bridge port only if that port runs NAPI: GRO on.
		lab_ns sw ethtool -K "$m" gro on
		ip -n "$m" addr add "10.0.0.$n/24" dev eth0
		ip -n "$m" addr add "$LAB_VIP/32" dev lo
		ip -n "$m" route add default via 10.0.0.254
		lab_ns "$m" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.eth0.rp_filter=0
		lab_member_nft "$m"
		mkdir -p "$LAB_DIR/$m/bpf"
		mount -t bpf bpf "$LAB_DIR/$m/bpf"
	done

	case $mode in
	policy)
		# IKE_SA_INIT (500) to m1, NAT-T (4500) to m2: the split that
		# breaks a cluster without ikefwd.
		ip -n rt route add "$LAB_VIP/32" via 10.0.0.1
		ip -n rt route add "$LAB_VIP/32" via 10.0.0.2 table 100
		ip -n rt rule add fwmark 1 lookup 100
		lab_ns rt nft -f - <<-EOF
			table ip lb {
				chain pre {
					type filter hook prerouting priority mangle;
					ip daddr $LAB_VIP udp dport 4500 meta mark set 1
				}
			}
		EOF
		;;
	ecmp)
		lab_ns rt sysctl -qw net.ipv4.fib_multipath_hash_policy=1
		# A fixed seed makes the spread the same on every run (the
		# sysctl exists since Linux 6.11).
		lab_ns rt sysctl -qw net.ipv4.fib_multipath_hash_seed=1 \
			2>/dev/null || true
		ip -n rt route add "$LAB_VIP/32" nexthop via 10.0.0.1 \
			nexthop via 10.0.0.2 nexthop via 10.0.0.3
		;;
	*)
		echo "lab_create: policy or ecmp" >&2
		return 2
		;;
	esac
	set +e
}

# What reached a member's own stack: nftables counters in its input hook,
# per port and per peer address (pN: from 10.0.1.N). Counted, then
# dropped, so no ICMP port unreachable answers the lab's test packets.
lab_member_nft() {
	local m=$1 a o rules="" counters=""

	for a in "${LAB_PEERS[@]}"; do
		o=${a##*.}
		counters+="counter p$o {}"$'\n'
		rules+="ip saddr $a udp dport { 500, 4500 } counter name p$o"$'\n'
	done
	lab_ns "$m" nft -f - <<-EOF
		table inet lab {
			counter ike {}
			counter ike500 {}
			counter ike4500 {}
			$counters
			chain input {
				type filter hook input priority filter;
				$rules
				udp dport { 500, 4500 } counter name ike
				udp dport 500 counter name ike500
				udp dport 4500 counter name ike4500
				udp dport { 500, 4500 } drop
			}
		}
	EOF
}

# lab_config M load-sharing|ha [ACTIVE]: writes $LAB_DIR/M/ikefwd.conf,
# the same file for every member but local_member. LAB_CONFIG_EXTRA holds
# more [cluster] lines.
lab_config() {
	local m=$1 mode=$2 active=${3:-} n

	{
		echo "[cluster]"
		echo "mode = $mode"
		echo "local_member = ${m#m}"
		[ -n "$active" ] && echo "active_member = $active"
		[ -n "${LAB_CONFIG_EXTRA:-}" ] && echo "$LAB_CONFIG_EXTRA"
		echo "[interfaces]"
		echo "attach = eth0"
		echo "xdp_mode = native"
		for n in 1 2 3; do
			echo "[member $n]"
			echo "address = 10.0.0.$n"
		done
	} >"$LAB_DIR/$m/ikefwd.conf"
}

# lab_ikefwd M ARGS...: ikefwd in member M, with M's private bpffs.
lab_ikefwd() {
	local m=$1
	shift
	lab_ns "$m" env IKEFWD_PIN_ROOT="$LAB_DIR/$m/bpf/ikefwd" \
		LIBXDP_BPFFS="$LAB_DIR/$m/bpf" "$IKEFWD" "$@"
}

# lab_attach_all load-sharing|ha [ACTIVE]: configure and attach every
# member (in parallel: loading BPF is the slow part); a failure ends the
# test (nothing after it would mean anything).
lab_attach_all() {
	local m pids=() i=0 failed=()

	for m in "${LAB_MEMBERS[@]}"; do
		lab_config "$m" "$@"
		lab_ikefwd "$m" attach --config "$LAB_DIR/$m/ikefwd.conf" \
			>"$LAB_DIR/$m/attach.log" 2>&1 &
		pids+=($!)
	done
	for m in "${LAB_MEMBERS[@]}"; do
		wait "${pids[i++]}" || failed+=("$m")
	done
	for m in "${failed[@]}"; do
		lab_fail_check "attach on $m" "$(cat "$LAB_DIR/$m/attach.log")"
	done
	[ ${#failed[@]} -eq 0 ] || lab_finish
}

# lab_send NS [--from ADDR] [--to ADDR] [--size N] PKT...: crafted IKE
# (see ike.py) sent from namespace NS. From the peer it goes from
# LAB_PEER to the VIP, from a member from the VIP to LAB_PEER, unless
# --from / --to say otherwise (each --from starts a new source: one run can
# send from several peer addresses).
lab_send() {
	local ns=$1 from=$LAB_VIP to=$LAB_PEER
	shift
	if [ "$ns" = peer ]; then
		from=$LAB_PEER
		to=$LAB_VIP
	fi
	lab_ns "$ns" "$LAB_PY" "$LAB_LIB/ike.py" send --from "$from" \
		--to "$to" "$@"
}

# lab_snap VAR: every member's ikefwd counters, table size and nftables
# counters into the associative array VAR, as VAR[m1.forwarded],
# VAR[m1.entries], VAR[m1.nft.ike4500], ... (0 where ikefwd is not
# attached).
lab_snap() {
	local -n _snap=$1
	local m k v pids=()

	# The members in parallel: ikefwd runs are slow in sanitizer builds.
	for m in "${LAB_MEMBERS[@]}"; do
		{
			echo "{\"member\": \"$m\"}"
			lab_ikefwd "$m" status --json 2>/dev/null
			lab_ns "$m" nft -j list counters table inet lab
		} >"$LAB_DIR/snap.$m" &
		pids+=($!)
	done
	wait "${pids[@]}"
	_snap=()
	while IFS='=' read -r k v; do
		_snap["$k"]=$v
	done < <(for m in "${LAB_MEMBERS[@]}"; do
		cat "$LAB_DIR/snap.$m"
	done | "$LAB_PY" "$LAB_LIB/ike.py" flatten)
}

# lab_rebase: BEFORE becomes AFTER, for a next step that starts where the
# last lab_settle ended (saves a snapshot when nothing moved in between).
lab_rebase() {
	local k
	BEFORE=()
	for k in "${!AFTER[@]}"; do
		BEFORE[$k]=${AFTER[$k]}
	done
}

# lab_d KEY: KEY's change between the snapshots BEFORE and AFTER.
lab_d() {
	echo $((${AFTER[$1]:-0} - ${BEFORE[$1]:-0}))
}

# lab_nft_total: IKE packets received by all members' stacks so far.
lab_nft_total() {
	local m
	for m in "${LAB_MEMBERS[@]}"; do
		lab_ns "$m" nft list counter inet lab ike
	done | awk '$1 == "packets" { n += $2 } END { print n + 0 }'
}

# lab_settle N: waits (LAB_SETTLE_S, 10 s, at most) until N more IKE
# packets than in BEFORE have reached the members' stacks, then leaves the
# counters in AFTER. Later arrivals would be a bug too: a short extra wait
# lets them show. (The wait reads nftables only: ikefwd runs are slow in
# sanitizer builds.)
LAB_SETTLE_S=10
lab_arrived() { [ "$(lab_nft_total)" -ge "$1" ]; }
lab_settle() {
	local want=$1 m base=0

	for m in "${LAB_MEMBERS[@]}"; do
		base=$((base + ${BEFORE[$m.nft.ike]:-0}))
	done
	lab_wait_every 0.05 "$LAB_SETTLE_S" lab_arrived $((base + want))
	sleep 0.1
	lab_snap AFTER
}

# lab_snap_until SECONDS COMMAND...: snapshots AFTER until COMMAND (which
# reads it, through lab_d) succeeds or SECONDS have passed; its status.
# For counters of work another process or the kernel finishes after the
# test's own command has returned (a frame held back by neighbour
# resolution, an exchange charon completes after the peer's side).
lab_snap_until() {
	local secs=$1
	shift
	lab_wait "$secs" lab_snapped "$@"
}
lab_snapped() { lab_snap AFTER && "$@"; }

# lab_sync FROM TO...: copies the entries member FROM owns into the tables
# of the others, as the sync agent of a later issue will. Existing entries
# are left alone.
lab_sync() {
	local from=$1 cookie msgid owner to
	shift
	lab_ikefwd "$from" table list --json |
		"$LAB_PY" "$LAB_LIB/ike.py" entries "${from#m}" >"$LAB_DIR/sync"
	while read -r cookie msgid owner; do
		for to in "$@"; do
			lab_ikefwd "$to" table add "$cookie" "$msgid" "$owner" \
				2>/dev/null || true
		done
	done <"$LAB_DIR/sync"
}

# lab_sync_all: every member's own entries to every other member.
lab_sync_all() {
	local m o others

	for m in "${LAB_MEMBERS[@]}"; do
		others=()
		for o in "${LAB_MEMBERS[@]}"; do
			[ "$o" != "$m" ] && others+=("$o")
		done
		lab_sync "$m" "${others[@]}"
	done
}

# lab_owner M COOKIE MSGID: the owner of an entry in M's table, or "none".
lab_owner() {
	lab_ikefwd "$1" table get "$2" "$3" --json 2>/dev/null |
		"$LAB_PY" -c 'import json,sys; print(json.load(sys.stdin)["owner"])' \
			2>/dev/null || echo none
}

# lab_tables: every member's table into $LAB_DIR/M.table ('COOKIE MSGID
# OWNER FLAGS' lines), for lab_owner_of: one ikefwd run per member instead
# of one per lookup.
lab_tables() {
	local m
	for m in "${LAB_MEMBERS[@]}"; do
		lab_ikefwd "$m" table list --json |
			"$LAB_PY" "$LAB_LIB/ike.py" canon >"$LAB_DIR/$m.table"
	done
}

# lab_owner_of M COOKIE MSGID: as lab_owner, from lab_tables' copy.
lab_owner_of() {
	awk -v c="$2" -v i="$(($3))" '$1 == c && $2 == i { o = $3 }
		END { print o == "" ? "none" : o }' "$LAB_DIR/$1.table"
}

# lab_stacks NAME N1 N2 N3: checks how many IKE packets each member's stack
# received between BEFORE and AFTER.
lab_stacks() {
	local name=$1 n m
	shift
	for m in "${LAB_MEMBERS[@]}"; do
		n=$1
		shift
		lab_eq "$name: $m's stack received $n" "$(lab_d "$m.nft.ike")" "$n"
	done
}

# lab_capture_start NAME NS DEV [FILTER...]: tcpdump in the background,
# into $LAB_DIR/NAME.pcap; returns when it listens. --immediate-mode: with
# the default ring buffer timeout, frames still in an unfinished block
# are lost when the capture is stopped.
lab_capture_start() {
	local name=$1 ns=$2 dev=$3
	shift 3
	# ip itself, not lab_ns: a backgrounded function is a subshell whose
	# PID is not tcpdump's.
	ip netns exec "$ns" tcpdump -i "$dev" -nn -U --immediate-mode -Z root \
		-w "$LAB_DIR/$name.pcap" "$@" 2>"$LAB_DIR/$name.log" &
	LAB_PIDS+=($!)
	eval "LAB_CAP_$name=$!"
	lab_wait_every 0.05 20 grep -q "listening on" "$LAB_DIR/$name.log" ||
		lab_abort "tcpdump $name did not start: $(cat "$LAB_DIR/$name.log")"
}

# lab_capture_stop NAME: stops the capture and prints it (tcpdump -e -nn:
# one line per frame, with the Ethernet addresses).
lab_capture_stop() {
	local name=$1 pid
	eval "pid=\$LAB_CAP_$name"
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	lab_forget_pid "$pid"
	tcpdump -r "$LAB_DIR/$name.pcap" -e -nn 2>/dev/null
}

lab_forget_pid() {
	local keep=() p
	for p in "${LAB_PIDS[@]}"; do
		[ "$p" != "$1" ] && keep+=("$p")
	done
	LAB_PIDS=("${keep[@]}")
}

# lab_mac NS DEV: an interface's MAC address.
lab_mac() {
	ip -n "$1" -br link show dev "$2" | awk '{print $3}'
}

# lab_clean NS DEV: true when no XDP program and no clsact qdisc are left
# on the interface.
lab_clean() {
	! ip -n "$1" -d link show dev "$2" | grep -q 'prog/xdp' &&
		! tc -n "$1" qdisc show dev "$2" | grep -q clsact
}

# --- waiting ----------------------------------------------------------------
# State another process is still producing (charon's SAs, what a sync
# agent announces, counters of frames in flight, a neighbour being
# resolved) is polled up to a deadline, never slept for: a poll returns as
# soon as the state is there, so a generous deadline costs nothing when
# the machine is fast and keeps a loaded one (sanitizer builds, 2 cores
# shared with other jobs) from failing good code. A fixed sleep stays only
# where a test gives something the time to go wrong (nothing may arrive)
# or where the duration is the scenario (an outage of 3 s).

# lab_now_ms: a clock in milliseconds (no fork: bash's EPOCHREALTIME).
lab_now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# lab_wait_every STEP SECONDS COMMAND...: true as soon as COMMAND succeeds
# (tried every STEP seconds), false when it still fails after SECONDS.
lab_wait_every() {
	local step=$1 deadline=$(($(lab_now_ms) + $2 * 1000))
	shift 2
	while :; do
		"$@" && return 0
		[ "$(lab_now_ms)" -ge "$deadline" ] && return 1
		sleep "$step"
	done
}

# lab_wait SECONDS COMMAND...: lab_wait_every, every 0.1 s.
lab_wait() {
	lab_wait_every 0.1 "$@"
}

# lab_wait_eq NAME SECONDS WANT COMMAND...: lab_eq NAME on COMMAND's
# output, once it is WANT or when SECONDS have passed (a failure shows the
# last output). For a value that converges (a count rising to its total),
# not for one that must never move: that is lab_eq after the state it
# depends on has settled.
lab_wait_eq() {
	local name=$1 t0 deadline want=$3 got
	t0=$(lab_now_ms)
	deadline=$((t0 + $2 * 1000))
	shift 3
	while :; do
		got=$("$@")
		[ "$got" = "$want" ] && break
		[ "$(lab_now_ms)" -ge "$deadline" ] && break
		sleep 0.1
	done
	lab_waited "$t0" "$name"
	lab_eq "$name" "$got" "$want"
}

# lab_waited T0 NAME: notes how long a check waited, when it was long
# enough (over 0.3 s) to show how late what it waited for was.
lab_waited() {
	local ms=$(($(lab_now_ms) - $1))
	[ "$ms" -gt 300 ] && lab_log "waited $ms ms for: $2"
	return 0
}

# lab_wait_ge NAME SECONDS MIN COMMAND...: lab_ge NAME on COMMAND's output,
# once it is at least MIN or when SECONDS have passed.
lab_wait_ge() {
	local name=$1 t0 deadline min=$3 got
	t0=$(lab_now_ms)
	deadline=$((t0 + $2 * 1000))
	shift 3
	while :; do
		got=$("$@")
		[ "${got:-0}" -ge "$min" ] 2>/dev/null && break
		[ "$(lab_now_ms)" -ge "$deadline" ] && break
		sleep 0.1
	done
	lab_waited "$t0" "$name"
	lab_ge "$name" "${got:-0}" "$min"
}

# --- results ---------------------------------------------------------------

lab_pass() {
	LAB_PASSED=$((LAB_PASSED + 1))
	echo "ok - $1"
}

lab_fail_check() {
	LAB_FAILED=$((LAB_FAILED + 1))
	echo "FAIL - $1${2:+: $2}"
}

# lab_eq NAME GOT WANT
lab_eq() {
	if [ "$2" = "$3" ]; then
		lab_pass "$1"
	else
		lab_fail_check "$1" "got '$2', want '$3'"
	fi
}

# lab_ge NAME GOT MIN
lab_ge() {
	if [ "$2" -ge "$3" ]; then
		lab_pass "$1"
	else
		lab_fail_check "$1" "got $2, want at least $3"
	fi
}

# lab_ok NAME COMMAND...: passes when the command succeeds. Its output
# goes to $LAB_DIR/last.log (the next check may read it), and is shown
# when it fails.
lab_ok() {
	local name=$1
	shift
	if "$@" >"$LAB_DIR/run.log" 2>&1; then
		lab_pass "$name"
	else
		lab_fail_check "$name" "'$*' failed"
		sed 's/^/#   /' "$LAB_DIR/run.log"
	fi
	mv "$LAB_DIR/run.log" "$LAB_DIR/last.log"
}

# lab_not NAME COMMAND...: passes when the command fails (output as
# lab_ok's).
lab_not() {
	local name=$1
	shift
	if "$@" >"$LAB_DIR/run.log" 2>&1; then
		lab_fail_check "$name" "'$*' succeeded"
		sed 's/^/#   /' "$LAB_DIR/run.log"
	else
		lab_pass "$name"
	fi
	mv "$LAB_DIR/run.log" "$LAB_DIR/last.log"
}

# lab_abort MESSAGE: a failure the rest of the test cannot continue after.
lab_abort() {
	lab_fail_check "$1"
	lab_finish
}

lab_finish() {
	echo "# $((SECONDS - LAB_T0)) s"
	echo "$LAB_PASSED passed, $LAB_FAILED failed"
	[ "$LAB_FAILED" -eq 0 ] && [ "$LAB_PASSED" -gt 0 ]
	exit
}

# lab_stop_pid PID: SIGTERM, then up to 10 s for it to go, then SIGKILL,
# saying on stderr what would not stop and where it waited. An unbounded
# wait let one process that ignored SIGTERM hold a passed test until
# ctest's timeout (e2e_flood_port, once, after all its checks passed).
lab_stop_pid() {
	local p=$1 i state

	kill "$p" 2>/dev/null || return 0
	for ((i = 0; i < 100; i++)); do
		state=$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)
		# Gone, or our exited child waiting to be reaped.
		if [ -z "$state" ] || [ "$state" = Z ]; then
			wait "$p" 2>/dev/null
			return 0
		fi
		sleep 0.1
	done
	echo "# cleanup: PID $p ($(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)) still there 10 s after SIGTERM, state $state, waiting in $(cat "/proc/$p/wchan" 2>/dev/null): SIGKILL" >&2
	sed 's/^/#   /' "/proc/$p/stack" >&2 2>/dev/null
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}

# The EXIT trap: detach in every member, stop what we started (by PID),
# delete the namespaces, unmount. The sandbox would drop all of it anyway;
# doing it here also proves that detach works on the way out.
lab_cleanup() {
	local rc=$? m p ns

	set +e
	for p in "${LAB_PIDS[@]}"; do
		lab_stop_pid "$p"
	done
	if [ "$LAB_CREATED" = 1 ]; then
		for m in "${LAB_MEMBERS[@]}"; do
			mountpoint -q "$LAB_DIR/$m/bpf" || continue
			lab_ikefwd "$m" detach --all --purge >/dev/null 2>&1
			umount "$LAB_DIR/$m/bpf"
		done
		for ns in $(ip netns list | awk '{print $1}'); do
			ip netns del "$ns"
		done
	fi
	umount "$LAB_DIR" 2>/dev/null
	umount /run/netns 2>/dev/null
	exit "$rc"
}
