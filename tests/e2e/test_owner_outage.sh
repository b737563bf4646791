#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ikefwdd on the owner of a live IKE SA is down for 3 s, longer than
# dead_after_ms (1 s): m2 and m3 declare m1 dead and take its
# negotiations over (the SA's DPD exchanges that arrive meanwhile reach a
# charon that does not hold it; the peer retransmits). m1's charon and
# data path never stopped, so once its daemon is back:
#  - m1 is alive again and, on every member, the owner of the IKE SA's
#    entries again, and the members' sync agents stop correcting each
#    other;
#  - the SA's later exchanges reach m1 again and the tunnel carries
#    traffic; the peer never lost the SA.
# The IKE SA is rekeyed once first, so that its entries were created by
# the data path's SPI-label routing and learnt by m1 over the sync link,
# as any rekeyed SA's are.
E2E_NEED_CTL=1
. "$(dirname "$0")/cluster.sh"
e2e_init "$@"
e2e_create
e2e_attach_all
# Five retransmissions (16 s) before the peer gives up on an exchange, as
# strongSwan's own default does with longer intervals: the outage must
# not outlast them.
SWAN_RETRANSMIT="5 1 1.4" E2E_PEER_OPTS="dpd_delay = 1s" \
	e2e_peer_start 2 10.0.1.2
lab_ok "the IKE SA establishes" swan_initiate peer p2 c2 20
OLD=$(e2e_spi peer p2)
lab_ok "the IKE SA is rekeyed" swan_ctl peer --rekey --ike p2
lab_ok "the rekey completes on the peer and on m1" \
	lab_wait 20 e2e_rekeyed m1 "$OLD"
LIVE=$(e2e_spi peer p2)
lab_wait_eq "m1 holds it" 20 1 swan_count m1
# phase1_owner M: the owner of the live IKE SA's (cookie, 0) in M's table.
phase1_owner() {
	e2e_entries "$1" "$LIVE" | awk '$1 == 0 { print $2 }'
}
# Its entries, made by the data paths, learnt by every member's agent.
phase1_everywhere() {
	local m
	for m in "${LAB_MEMBERS[@]}"; do
		[ "$(phase1_owner "$m")" = 1 ] || return 1
	done
}
lab_ok "every member names m1 the owner of the IKE SA" \
	lab_wait 20 phase1_everywhere

# conflicts: the conflicting records all members' agents counted.
conflicts() {
	local m n=0
	for m in "${LAB_MEMBERS[@]}"; do
		n=$((n + $(e2e_sync_stat "$m" conflicts)))
	done
	echo "$n"
}

e2e_log "ikefwdd on m1: SIGKILL, down for 3 s"
t0=$(e2e_now_ms)
e2e_daemon_stop m1 KILL
m1_dead() { [ "$(e2e_alive m2 1)" = no ] && [ "$(e2e_alive m3 1)" = no ]; }
lab_ok "m2 and m3 declare m1 dead" e2e_wait 20 m1_dead
e2e_log "m1 declared dead $(($(e2e_now_ms) - t0)) ms after the kill"
taken_over() { [ -n "$(phase1_owner m2)" ] && [ "$(phase1_owner m2)" != 1 ]; }
lab_ok "m2 took the IKE SA's negotiation over" e2e_wait 20 taken_over
# The outage itself: DPD exchanges arrive meanwhile (3 s in all).
left=$((3000 - ($(e2e_now_ms) - t0)))
[ "$left" -gt 0 ] && sleep "$((left / 1000)).$(printf '%03d' $((left % 1000)))"
e2e_daemon_start m1

owner_m1() {
	local m
	for m in "${LAB_MEMBERS[@]}"; do
		[ "$(phase1_owner "$m")" = 1 ] || return 1
	done
	[ "$(e2e_alive m2 1)" = yes ] && [ "$(e2e_alive m3 1)" = yes ]
}
lab_ok "m1 is alive and owns the IKE SA again, on every member" \
	e2e_wait 20 owner_m1
quiet() {
	local n
	n=$(conflicts)
	sleep 1
	[ "$(conflicts)" = "$n" ]
}
lab_ok "the sync link settles (no new conflict for 1 s)" \
	e2e_wait 20 quiet
e2e_log "conflicting records counted by m1, m2, m3: $(for m in \
	"${LAB_MEMBERS[@]}"; do e2e_sync_stat "$m" conflicts; done | tr '\n' ' ')"
for m in "${LAB_MEMBERS[@]}"; do
	e2e_log "$m's entries of the IKE SA (msgid owner): $(e2e_entries "$m" \
		"$LIVE" | sort -n | tr '\n' ' ')"
done

e2e_log "later exchanges"
lab_snap BEFORE
informational() { grep -c "parsed INFORMATIONAL request" "$(swan_log m1)"; }
n=$(informational)
lab_wait_ge "DPD reaches m1 again" 20 $((n + 1)) informational
c=$(e2e_requests m1 CREATE_CHILD_SA)
lab_ok "CHILD_SA rekey" swan_ctl peer --rekey --child c2
lab_wait_eq "m1 answered it" 20 $((c + 1)) e2e_requests m1 CREATE_CHILD_SA
lab_ok "ping through the tunnel" \
	lab_ns peer ping -c 2 -i 0.2 -W 5 -I 10.10.2.1 "$E2E_INNER"
lab_snap AFTER
lab_eq "m2's and m3's stacks got none of it" \
	"$(($(lab_d m2.nft.ike) + $(lab_d m3.nft.ike)))" 0
lab_wait_eq "the peer's IKE SA is up" 20 1 swan_count peer
lab_wait_eq "m1 holds it" 20 1 swan_count m1

lab_finish
