#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ikefwdd restarted on the owner of live IKE SAs, once stopped (SIGTERM)
# and once crashed (SIGKILL), each time started again at once. The data
# path keeps running on its pinned maps meanwhile. After each restart:
#  - every table entry of the live negotiations is still there, on every
#    member, with the same owner, and no member declared the owner dead;
#  - the later exchanges of the live IKE SA still reach the owner through
#    the split (the router sends UDP 4500 to m2): DPD (INFORMATIONAL), a
#    CHILD_SA rekey (CREATE_CHILD_SA), an IKE SA rekey, and DPD on the new
#    IKE SA (new SPIs the data path never saw: m1's label in them routes
#    them); traffic flows through the tunnel.
# (A daemon kept down longer than dead_after_ms: test_owner_outage.sh.)
E2E_NEED_CTL=1
. "$(dirname "$0")/cluster.sh"
e2e_init "$@"
e2e_create
# A restart must stay shorter than dead_after_ms, or the others rightly
# declare m1 dead. A sanitizer build of ikefwdd on a loaded machine takes
# well over the 1 s the other tests use to come up: 5 s here (the test
# logs how long each restart took).
# shellcheck disable=SC2034 # read by cluster.sh (e2e_config)
E2E_DEAD_AFTER_MS=5000
e2e_attach_all
# DPD every second while idle: INFORMATIONAL exchanges on 4500, to m2.
E2E_PEER_OPTS="dpd_delay = 1s" e2e_peer_start 2 10.0.1.2
lab_ok "the IKE SA establishes" swan_initiate peer p2 c2 20
LIVE=$(e2e_spi peer p2)
lab_wait_eq "m1 holds it" 20 1 swan_count m1

# later NAME: the live IKE SA's later exchanges all reach m1. Each step
# waits (20 s at most) for charon on m1 to have handled the exchange.
later() {
	local name=$1 info c spi
	lab_snap BEFORE
	info=$(e2e_requests m1 INFORMATIONAL)
	lab_wait_ge "$name: DPD reached m1" 20 $((info + 1)) \
		e2e_requests m1 INFORMATIONAL
	c=$(e2e_requests m1 CREATE_CHILD_SA)
	lab_ok "$name: CHILD_SA rekey" swan_ctl peer --rekey --child c2
	lab_wait_eq "$name: m1 answered it" 20 $((c + 1)) \
		e2e_requests m1 CREATE_CHILD_SA
	spi=$(e2e_spi peer p2)
	lab_ok "$name: IKE SA rekey" swan_ctl peer --rekey --ike p2
	lab_ok "$name: the IKE SA has new SPIs, on the peer and on m1" \
		lab_wait 20 e2e_rekeyed m1 "$spi"
	# Counted under the new IKE SA's name in m1's log.
	lab_wait_ge "$name: DPD on the new IKE SA reached m1" 20 1 \
		e2e_requests m1 INFORMATIONAL
	lab_ok "$name: ping through the tunnel" \
		lab_ns peer ping -c 2 -i 0.2 -W 5 -I 10.10.2.1 "$E2E_INNER"
	lab_snap AFTER
	lab_eq "$name: m2's own stack got none of it" "$(lab_d m2.nft.ike)" 0
	lab_wait_eq "$name: m1 holds the IKE SA, with its CHILD_SA" 20 1 \
		swan_count m1
	lab_wait_eq "$name: the peer's IKE SA is up" 20 1 swan_count peer
}

later "before any restart"

# restart SIGNAL: ikefwdd on m1 stopped with SIGNAL and started again; the
# tables before and after are compared.
restart() {
	local sig=$1 m t0
	declare -A tbl
	for m in "${LAB_MEMBERS[@]}"; do
		tbl[$m]=$(e2e_table "$m")
	done
	deaths=$(e2e_sync_stat m2 peer_deaths)
	t0=$(e2e_now_ms)
	e2e_daemon_stop m1 "$sig"
	e2e_daemon_start m1
	e2e_log "SIG$sig: ikefwdd on m1 down and up again in $(($(e2e_now_ms) - t0)) ms"
	# Time for the new daemon to do harm (a table cleared, a member
	# declared dead): nothing may change.
	sleep 1
	for m in "${LAB_MEMBERS[@]}"; do
		lab_eq "SIG$sig: every entry $m had is still there, same owner" \
			"$(comm -23 <(sort <<<"${tbl[$m]}") <(e2e_table "$m" | sort))" ""
	done
	lab_eq "SIG$sig: m2 did not declare m1 dead" \
		"$(e2e_sync_stat m2 peer_deaths)" "$deaths"
	lab_eq "SIG$sig: m1 is alive for m2" "$(e2e_alive m2 1)" yes
}

e2e_log "ikefwdd on m1: SIGTERM, started again"
restart TERM
later "after SIGTERM"
e2e_log "ikefwdd on m1: SIGKILL, started again"
restart KILL
later "after SIGKILL"

lab_finish
