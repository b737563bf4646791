#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# A member dies in the middle and comes back. The router sends UDP 500 of
# group A (10.0.1.8-31) to m1, of group B (10.0.1.32/27) to m3, and every
# UDP 4500 to m2. With IKE SAs up on m1 and m3, m3 crashes: its ikefwdd
# and charon are killed (SIGKILL), its ikefwd state is gone (as after a
# reboot), and the router's health check takes it out of the pool; its
# link stays up, so anything still sent to it would show. Then:
#  - m1 and m2 declare m3 dead within dead_after_ms and re-home its
#    negotiations: no table names m3 any more;
#  - new negotiations from both groups succeed;
#  - m3 receives no packet at all: not the new negotiations, not the IKE
#    and ESP of the SAs it used to hold (ESP stays where it lands);
#  - m3 comes back (charon, ikefwd attach, ikefwdd): it is alive again for
#    the others, its empty table is refilled from theirs (resync), and a
#    new negotiation from group B is its own again.
E2E_NEED_CTL=1
. "$(dirname "$0")/cluster.sh"
e2e_init "$@"
e2e_create
A_OLD=(10.0.1.8 10.0.1.9 10.0.1.10 10.0.1.11)
B_OLD=(10.0.1.32 10.0.1.33 10.0.1.34 10.0.1.35)
A_NEW=(10.0.1.12 10.0.1.13 10.0.1.14 10.0.1.15)
B_NEW=(10.0.1.36 10.0.1.37 10.0.1.38 10.0.1.39)
B_BACK=10.0.1.40
e2e_group_b ike
e2e_attach_all
e2e_peer_start 2 "${A_OLD[@]}" "${B_OLD[@]}" "${A_NEW[@]}" "${B_NEW[@]}" \
	"$B_BACK"

# up NAME ADDR...: initiates each address's connection; counts successes.
up() {
	local name=$1 a n=0
	shift
	for a in "$@"; do
		swan_initiate peer "p${a##*.}" "c${a##*.}" 20 >/dev/null 2>&1 &&
			n=$((n + 1))
	done
	lab_eq "$name: $# of $# established" "$n" "$#"
}

# owned_by M ID: how many entries of M's table name member ID.
owned_by() {
	e2e_table "$1" | awk -v id="$2" '$3 == id { n++ } END { print n + 0 }'
}

up "before" "${A_OLD[@]}" "${B_OLD[@]}"
# What the members' charons list and what m3's agent announces follow the
# peer's side: polled (20 s at most).
lab_wait_eq "m1 holds group A's IKE SAs" 20 4 swan_count m1
lab_wait_eq "m3 holds group B's IKE SAs" 20 4 swan_count m3
lab_wait_ge "m1's table names m3 as an owner" 20 4 owned_by m1 3

e2e_log "m3 crashes: ikefwdd and charon killed, its ikefwd state lost"
t0=$(e2e_now_ms)
e2e_daemon_stop m3 KILL
swan_stop m3 KILL
lab_ikefwd m3 detach --all --purge >/dev/null 2>&1
e2e_group_b none
dead() { [ "$(e2e_alive m1 3)" = no ] && [ "$(e2e_alive m2 3)" = no ]; }
lab_ok "m1 and m2 declare m3 dead" e2e_wait 20 dead
e2e_log "m3 declared dead $(($(e2e_now_ms) - t0)) ms after the crash"
# An agent re-homes before it clears the alive flag, and counts after.
lab_eq "m1's table names m3 no more" "$(owned_by m1 3)" 0
lab_eq "m2's table names m3 no more" "$(owned_by m2 3)" 0
lab_wait_ge "m1 re-homed m3's negotiations" 20 1 e2e_sync_stat m1 rehomed

e2e_capture_start dead m3 eth0 udp port 500 or udp port 4500
lab_snap BEFORE
up "after the death" "${A_NEW[@]}" "${B_NEW[@]}"
lab_wait_eq "m1 holds the new ones too" 20 12 swan_count m1
e2e_log "the SAs m3 held: their ESP and IKE still arrive, at m2"
for a in "${B_OLD[@]}"; do
	lab_ns peer ping -c 1 -W 1 -I "10.10.${a##*.}.1" "$E2E_INNER" \
		>/dev/null 2>&1
	swan_ctl peer --rekey --child "c${a##*.}" >/dev/null 2>&1
done
# The rekeys' retransmissions are still on their way: 1 s for anything
# that would reach m3 to show in the capture and counters.
sleep 1
owner_dead_esp() { [ "$(lab_d m2.esp_owner_dead)" -ge 1 ]; }
lab_snap_until 20 owner_dead_esp
lab_ge "m2 kept the dead member's ESP (esp_owner_dead)" \
	"$(lab_d m2.esp_owner_dead)" 1
cap=$(e2e_capture_stop dead)
lab_eq "m3's link carried no IKE or ESP to it" \
	"$(grep -c "> $LAB_VIP\.\(500\|4500\):" <<<"$cap")" 0
lab_eq "m3's stack received nothing" \
	"$(($(lab_d m3.nft.ike) + $(lab_d m3.nft.esp4500)))" 0

e2e_log "m3 comes back"
t0=$(e2e_now_ms)
swan_start m3 m3 "$SWAN_DIR/m3/swanctl.conf" && swan_load m3 >/dev/null 2>&1 ||
	lab_abort "charon on m3 did not restart"
e2e_attach m3
alive() { [ "$(e2e_alive m1 3)" = yes ] && [ "$(e2e_alive m2 3)" = yes ]; }
lab_ok "m1 and m2 see m3 alive again" e2e_wait 20 alive
# m3's table: empty after the purge, then what the others announce.
same() {
	[ -n "$(e2e_table m3)" ] &&
		[ "$(e2e_table m3)" = "$(e2e_table m1)" ] &&
		[ "$(e2e_table m3)" = "$(e2e_table m2)" ]
}
lab_ok "m3's table is resynced: the same as m1's and m2's" e2e_wait 20 same
e2e_log "m3 alive and resynced $(($(e2e_now_ms) - t0)) ms after its restart"
lab_wait_ge "m1 re-announced its table (resyncs)" 20 1 \
	e2e_sync_stat m1 resyncs
e2e_log "m3 has $(e2e_table m3 | wc -l) entries, m1 $(e2e_table m1 | wc -l)"

e2e_group_b ike
lab_snap BEFORE
up "back" "$B_BACK"
lab_snap AFTER
lab_wait_eq "m3 holds the new negotiation" 20 1 swan_count m3
lab_ge "m2 forwarded its IKE_AUTH to m3" "$(lab_d m2.forwarded)" 1

lab_finish
