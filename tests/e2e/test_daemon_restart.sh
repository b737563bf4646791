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
e2e_attach_all
# DPD every second while idle: INFORMATIONAL exchanges on 4500, to m2.
E2E_PEER_OPTS="dpd_delay = 1s" e2e_peer_start 2 10.0.1.2
lab_ok "the IKE SA establishes" swan_initiate peer p2 c2 20
LIVE=$(e2e_spi peer p2)
lab_eq "m1 holds it" "$(swan_count m1)" 1

# later NAME: the live IKE SA's later exchanges all reach m1.
later() {
	local name=$1 info c spi
	lab_snap BEFORE
	info=$(e2e_requests m1 INFORMATIONAL)
	sleep 2.5
	lab_ge "$name: DPD reached m1" "$(e2e_requests m1 INFORMATIONAL)" $((info + 1))
	c=$(e2e_requests m1 CREATE_CHILD_SA)
	lab_ok "$name: CHILD_SA rekey" swan_ctl peer --rekey --child c2
	sleep 0.5
	lab_eq "$name: m1 answered it" "$(e2e_requests m1 CREATE_CHILD_SA)" $((c + 1))
	spi=$(e2e_spi peer p2)
	lab_ok "$name: IKE SA rekey" swan_ctl peer --rekey --ike p2
	sleep 0.5
	lab_ok "$name: the IKE SA has new SPIs" \
		test "$(e2e_spi peer p2)" != "$spi"
	sleep 2.5
	# Counted under the new IKE SA's name in m1's log.
	lab_ge "$name: DPD on the new IKE SA reached m1" \
		"$(e2e_requests m1 INFORMATIONAL)" 1
	lab_ok "$name: ping through the tunnel" \
		lab_ns peer ping -c 2 -i 0.2 -W 2 -I 10.10.2.1 "$E2E_INNER"
	lab_snap AFTER
	lab_eq "$name: m2's own stack got none of it" "$(lab_d m2.nft.ike)" 0
	lab_eq "$name: m1 holds the IKE SA, with its CHILD_SA" \
		"$(swan_count m1)" 1
	lab_eq "$name: the peer's IKE SA is up" "$(swan_count peer)" 1
}

later "before any restart"

# restart SIGNAL: ikefwdd on m1 stopped with SIGNAL and started again; the
# tables before and after are compared.
restart() {
	local sig=$1 m
	declare -A tbl
	for m in "${LAB_MEMBERS[@]}"; do
		tbl[$m]=$(e2e_table "$m")
	done
	deaths=$(e2e_sync_stat m2 peer_deaths)
	e2e_daemon_stop m1 "$sig"
	e2e_daemon_start m1
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
