#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# 50 peers at once: one charon on the peer with 50 connections, each from
# its own address (10.0.1.8 to 10.0.1.57) with its own identity, all
# initiated together. The router sends the first half's UDP 500 to m1,
# the second half's (10.0.1.32/27) to m3, and with the split every UDP 4500
# to m2: m2 forwards each IKE_AUTH to m1 or m3. Timed three ways:
#   plain:      no port split, no ikefwd (each peer stays on one member)
#   ikefwd:     no port split, ikefwd attached (its cost when idle)
#   split:      the port split, ikefwd attached
. "$(dirname "$0")/cluster.sh"
e2e_init "$@"
e2e_create
N=${E2E_PEERS:-50}
PEERS=()
for i in $(seq 8 $((8 + N - 1))); do
	PEERS+=("10.0.1.$i")
done
WANT_M3=0
for a in "${PEERS[@]}"; do
	[ "${a##*.}" -ge 32 ] && [ "${a##*.}" -le 63 ] && WANT_M3=$((WANT_M3 + 1))
done
WANT_M1=$((N - WANT_M3))
e2e_peer_addrs "${PEERS[@]}"

# restart_members: every member's charon restarted, no IKE SA left.
restart_members() {
	local m
	for m in "${LAB_MEMBERS[@]}"; do
		swan_stop "$m"
		swan_start "$m" "$m" "$SWAN_DIR/$m/swanctl.conf" &&
			swan_load "$m" >/dev/null 2>&1 ||
			lab_abort "charon on $m did not restart"
	done
}

# batch NAME: a fresh peer charon whose connections all start when they
# are loaded (start_action = start: charon runs the 50 negotiations
# concurrently); waits for them, checks that all established and where,
# and reports the time from loading to the last CHILD_SA (polled every
# 0.1 s).
batch() {
	local name=$1 t0 ms n=0
	restart_members
	E2E_CHILD_OPTS="start_action = start" e2e_peer_conf 2 "${PEERS[@]}" \
		>"$LAB_DIR/batch.conf"
	swan_stop peer
	swan_start peer peer "$LAB_DIR/batch.conf" ||
		lab_abort "charon on the peer did not start"
	lab_snap BEFORE
	t0=$(e2e_now_ms)
	swan_load peer >/dev/null 2>&1
	while [ $(($(e2e_now_ms) - t0)) -lt 60000 ]; do
		n=$(swan_count peer)
		[ "$n" -ge "$N" ] && break
		sleep 0.1
	done
	ms=$(($(e2e_now_ms) - t0))
	lab_snap AFTER
	TIMES+=("$name: $n of $N IKE SAs with CHILD_SAs in $ms ms")
	e2e_log "$name: $n of $N in $ms ms"
	lab_eq "$name: the peer holds $N IKE SAs with CHILD_SAs" "$n" "$N" ||
		tail -n 15 "$(swan_log peer)" | sed 's/^/#   /'
	# A responder's listing can lag behind the peer's: read at once,
	# m3 listed 24 or 25 of its 26 in 2 runs of 10 on a loaded
	# machine (always in the first batch), and had them all about a
	# second later. The members' counts are polled too.
	lab_wait_eq "$name: m1 holds $WANT_M1" 30 "$WANT_M1" swan_count m1
	lab_wait_eq "$name: m3 holds $WANT_M3" 30 "$WANT_M3" swan_count m3
	lab_eq "$name: m2 holds none" "$(swan_count m2)" 0
}

TIMES=()
e2e_port_split off
e2e_group_b all
batch "plain"

e2e_attach_all
batch "ikefwd, no split"
lab_eq "ikefwd, no split: nothing forwarded" \
	"$(($(lab_d m1.forwarded) + $(lab_d m2.forwarded) + $(lab_d m3.forwarded)))" 0

e2e_port_split on
e2e_group_b ike
batch "split, ikefwd"
lab_ge "split: m2 forwarded every IKE_AUTH" "$(lab_d m2.forwarded)" "$N"
lab_eq "split: m2's charon established nothing" \
	"$(grep -c "IKE_SA .* established" "$(swan_log m2)")" 0

for t in "${TIMES[@]}"; do
	e2e_log "time: $t"
done
lab_finish
