#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The cluster as one system: every member runs ikefwdd with the sync agent
# over the members' link, behind the port-splitting router (UDP 500 to m1,
# 4500 to m2). Without any table seeding, the IKE_AUTH of a negotiation m1
# claimed and answered (its promotion is what sync announces) reaches m1; a member whose daemon dies is declared dead, its
# negotiations re-homed and nothing forwarded into it; when it returns it
# is alive again, the tables agree again (its own claims, kept in its
# pinned table, win back); ikefwd watch follows a changed
# neighbour without a re-attach.
# shellcheck source=tests/integration/lab.sh
. "$(dirname "$0")/lab.sh"
lab_init "$@"
lab_create policy
[ -x "${IKEFWDD:-}" ] || lab_abort "IKEFWDD is not set to the ikefwdd binary"

"$LAB_PY" -c 'import os; print(os.urandom(32).hex())' >"$LAB_DIR/sync.key"
declare -A DAEMON

# lab_attach_all's configuration plus a [sync] section on the link.
for m in "${LAB_MEMBERS[@]}"; do
	lab_config "$m" load-sharing
	printf '[sync]\nkey_file = %s\nheartbeat_ms = 100\ndead_after_ms = 800\n' \
		"$LAB_DIR/sync.key" >>"$LAB_DIR/$m/ikefwd.conf"
	lab_ok "attach $m" lab_ikefwd "$m" attach --config "$LAB_DIR/$m/ikefwd.conf"
done

# Not through lab_ns: a backgrounded shell function is a subshell, and its
# PID would not be the daemon's (killing it would orphan the daemon).
start_daemon() {
	local m=$1
	ip netns exec "$m" env IKEFWD_PIN_ROOT="$LAB_DIR/$m/bpf/ikefwd" \
		"$IKEFWDD" --config "$LAB_DIR/$m/ikefwd.conf" \
		>>"$LAB_DIR/$m/ikefwdd.log" 2>&1 &
	DAEMON[$m]=$!
	LAB_PIDS+=($!)
}

stop_daemon() {
	kill "${DAEMON[$1]}"
	wait "${DAEMON[$1]}" 2>/dev/null
	lab_forget_pid "${DAEMON[$1]}"
}

# alive M ID: "true" or "false", member ID's alive flag in M's data path.
alive() {
	lab_ikefwd "$1" status --json | "$LAB_PY" -c '
import json, sys
for m in json.load(sys.stdin)["members"]:
    if m["id"] == int(sys.argv[1]):
        print("true" if m["alive"] else "false")' "$2"
}

# wait_for WHAT SECONDS CMD...: passes as soon as CMD succeeds (polled
# every 0.1 s), fails when it still does not after SECONDS.
wait_for() {
	local what=$1 secs=$2
	shift 2
	if lab_wait "$secs" "$@" >/dev/null 2>&1; then
		lab_pass "$what"
	else
		lab_fail_check "$what" "not within $secs s"
	fi
}

# api_up M: M's daemon answers on its API (127.0.0.1:8080 in M's netns).
api_up() {
	lab_ns "$1" curl -sf -o /dev/null \
		http://127.0.0.1:8080/api/v1/cluster/ike-forwarding/stats
}

for m in "${LAB_MEMBERS[@]}"; do
	start_daemon "$m"
done
for m in "${LAB_MEMBERS[@]}"; do
	wait_for "$m's daemon is up" 30 api_up "$m"
done

lab_log "IKE_SA_INIT on 500 (m1 claims), IKE_AUTH on 4500 (lands on m2)"
V2=d1d2d3d4d5d6d7d8
lab_snap BEFORE
lab_send peer "v2-init:500:$V2:0"
# m1's IKE daemon answers: promoted, and that is what the others hear.
lab_send m1 "v2-init:500:$V2:0:r"
owned_everywhere() {
	local m
	for m in m2 m3; do
		[ "$(lab_owner "$m" "$V2" 0)" = 1 ] || return 1
	done
}
wait_for "m1's claim reaches m2 and m3 over sync" 20 owned_everywhere
lab_send peer "v2-auth:4500:$V2:1" "v2-child:4500:$V2:2"
lab_settle 3
lab_stacks "the whole negotiation" 3 0 0
lab_eq "m2 forwarded IKE_AUTH and CREATE_CHILD_SA to m1" \
	"$(lab_d m2.forwarded)" 2
lab_eq "m2 claimed nothing" "$(lab_d m2.claimed)" 0

lab_log "m1's daemon dies: m2 and m3 declare it dead and re-home its negotiation"
stop_daemon m1
dead_on() { [ "$(alive "$1" 1)" = false ]; }
wait_for "m2 marks member 1 dead" 20 dead_on m2
wait_for "m3 marks member 1 dead" 20 dead_on m3
# An agent re-homes before it clears the alive flag: the tables are
# final.
lab_tables
o2=$(lab_owner_of m2 "$V2" 0)
o3=$(lab_owner_of m3 "$V2" 0)
lab_eq "m2 and m3 re-home it to the same member" "$o2" "$o3"
lab_not "not to member 1" test "$o2" = 1
lab_rebase
lab_send peer "v2-info:4500:$V2:3"
lab_settle 1
lab_eq "nothing reached m1's stack" "$(lab_d m1.nft.ike)" 0
lab_eq "m2 forwarded nothing to m1" "$(lab_d m2.forwarded)" "$((o2 == 3 ? 1 : 0))"

lab_log "a new negotiation still works while m1 is away"
V3=e1e2e3e4e5e6e7e8
lab_rebase
lab_send peer "v2-init:500:$V3:0"
lab_send m1 "v2-init:500:$V3:0:r"
lab_settle 1
lab_eq "m1's data path still claims without its daemon" "$(lab_d m1.claimed)" 1
owned_by_m1_on_m2() { [ "$(lab_owner m2 "$V3" 0)" = 1 ]; }
lab_log "m1 comes back"
start_daemon m1
alive_on() { [ "$(alive "$1" 1)" = true ]; }
wait_for "m2 sees member 1 alive again" 20 alive_on m2
wait_for "m3 sees member 1 alive again" 20 alive_on m3
wait_for "m1's claim made while away reaches m2 (resync)" 20 owned_by_m1_on_m2
# m1's data path and table lived on (only its daemon died): its earlier
# claim wins again, on every member.
back_to_m1() {
	local m
	for m in "${LAB_MEMBERS[@]}"; do
		[ "$(lab_owner "$m" "$V2" 0)" = 1 ] || return 1
	done
}
wait_for "every member agrees m1 owns its negotiation again" 20 back_to_m1

lab_log "a forged sync datagram changes nothing"
lab_ns m3 "$LAB_PY" - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.0.0.3", 0))
pkt = b"IKFS\x01\x02\x00\x00" + b"\x00\x00\x00\x01" + b"\x00" * 24 + b"\x00" * 32
s.sendto(pkt, ("10.0.0.2", 7500))
PY
counted_forged() {
	lab_ns m2 curl -s \
		http://127.0.0.1:8080/api/v1/cluster/ike-forwarding/stats |
		"$LAB_PY" -c 'import json,sys; s=json.load(sys.stdin)["sync"]; assert s["rx_bad_tag"] + s["rx_bad_length"] >= 1'
}
wait_for "m2 counted it as forged" 20 counted_forged

lab_log "ikefwd watch follows a changed neighbour"
ip netns exec m2 env IKEFWD_PIN_ROOT="$LAB_DIR/m2/bpf/ikefwd" "$IKEFWD" watch \
	--config "$LAB_DIR/m2/ikefwd.conf" >"$LAB_DIR/watch.log" 2>&1 &
WATCH=$!
LAB_PIDS+=($WATCH)
sleep 0.5
ip -n m2 neigh replace 10.0.0.1 lladdr 02:00:00:00:99:01 dev eth0 nud permanent
mac_is_new() {
	lab_ikefwd m2 status --json | grep -q '"next_hop_mac": "02:00:00:00:99:01"'
}
wait_for "m2's member record for m1 has the new MAC" 20 mac_is_new
kill "$WATCH"
wait "$WATCH" 2>/dev/null
lab_forget_pid "$WATCH"

lab_finish
