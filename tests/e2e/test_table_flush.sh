#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The ownership table flushed on every member while a tunnel is up (as
# after a reboot of the table, an eviction flood or an operator's flush):
# the IKE SA's later exchanges still reach its owner through the member
# label in its SPIs (the router sends UDP 4500 to m2), and its ESP through
# the owner's SPI range: DPD, a CHILD_SA rekey, an IKE SA rekey (new SPIs
# the data path never saw in clear), DPD on the new IKE SA, and traffic.
E2E_NEED_CTL=1
. "$(dirname "$0")/cluster.sh"
e2e_init "$@"
e2e_create
e2e_attach_all
# DPD every second while idle: INFORMATIONAL exchanges on 4500, to m2.
E2E_PEER_OPTS="dpd_delay = 1s" e2e_peer_start 2 10.0.1.2
lab_ok "the IKE SA establishes" swan_initiate peer p2 c2 20
lab_wait_eq "m1 holds it" 20 1 swan_count m1

e2e_log "every member's table flushed"
for m in "${LAB_MEMBERS[@]}"; do
	lab_ok "flush $m's table" lab_ikefwd "$m" table flush
done
# Each step waits (20 s at most) for charon on m1 to have handled the
# exchange.
lab_snap BEFORE
info=$(e2e_requests m1 INFORMATIONAL)
lab_wait_ge "DPD reached m1" 20 $((info + 1)) e2e_requests m1 INFORMATIONAL
c=$(e2e_requests m1 CREATE_CHILD_SA)
lab_ok "CHILD_SA rekey" swan_ctl peer --rekey --child c2
lab_wait_eq "m1 answered it" 20 $((c + 1)) e2e_requests m1 CREATE_CHILD_SA
spi=$(e2e_spi peer p2)
lab_ok "IKE SA rekey" swan_ctl peer --rekey --ike p2
lab_ok "the IKE SA has new SPIs, on the peer and on m1" \
	lab_wait 20 e2e_rekeyed m1 "$spi"
# Counted under the new IKE SA's name in m1's log.
lab_wait_ge "DPD on the new IKE SA reached m1" 20 1 \
	e2e_requests m1 INFORMATIONAL
lab_ok "ping through the tunnel" \
	lab_ns peer ping -c 3 -i 0.2 -W 5 -I 10.10.2.1 "$E2E_INNER"
lab_snap AFTER
lab_ge "m2 routed IKE by m1's SPI label" "$(lab_d m2.label_routed)" 1
lab_eq "m2 claimed nothing" "$(lab_d m2.claimed)" 0
lab_ge "m2 steered the ESP to m1 by its SPI range" \
	"$(lab_d m2.esp_by_range)" 3
lab_eq "m2's own stack got no IKE" "$(lab_d m2.nft.ike)" 0
lab_eq "m2's own stack got no ESP" "$(lab_d m2.nft.esp4500)" 0
lab_wait_eq "m1 holds the IKE SA" 20 1 swan_count m1
lab_wait_eq "the peer's IKE SA is up" 20 1 swan_count peer

lab_finish
