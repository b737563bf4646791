#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# HA mode behind the port-splitting router (UDP 500 to m1, 4500 to m2):
# the active member handles all of IKE, wherever the router sends it, and
# the table is not used. A dead active member's packets stay where they
# land; re-attaching with another active member moves everything there.
# shellcheck source=tests/integration/lab.sh
. "$(dirname "$0")/lab.sh"
lab_init "$@"
lab_create policy
lab_attach_all ha 3

V2=a1a2a3a4a5a6a7a8
V1=b1b2b3b4b5b6b7b8

lab_log "every packet of IKEv2 and IKEv1 negotiations goes to m3, the active member"
lab_snap BEFORE
lab_send peer "v2-init:500:$V2:0" "v2-auth:4500:$V2:1" "v2-child:4500:$V2:2" \
	"v1-main1:500:$V1:0" "v1-main:4500:$V1:0" "v1-quick:4500:$V1:0x7a6b5c4d"
lab_settle 6
lab_stacks "IKEv2 and IKEv1" 0 0 6
lab_eq "m1 sent the two on 500 to the active member" "$(lab_d m1.ha_forwarded)" 2
lab_eq "m2 sent the four on 4500 to the active member" "$(lab_d m2.ha_forwarded)" 4
lab_eq "m3 handled all six as the active member" "$(lab_d m3.ha_local)" 6
lab_eq "m3 forwarded nothing" "$(lab_d m3.forwarded)" 0
for m in "${LAB_MEMBERS[@]}"; do
	lab_eq "$m's table stays empty in HA mode" "${AFTER[$m.entries]}" 0
	lab_eq "$m claimed nothing" "$(lab_d "$m.claimed")" 0
done

lab_log "a member that initiates in HA mode does not touch the table"
# The router's address resolved first: otherwise the frame would wait
# for it, and reach tc egress only after the check below.
lab_ok "m1 reaches the router" lab_ns m1 ping -c 1 -W 5 10.0.0.254
lab_rebase
lab_send m1 "v2-init:500:c1c2c3c4c5c6c7c8:0"
sleep 0.2
lab_snap AFTER
lab_eq "m1's tc egress claimed nothing" "$(lab_d m1.out_claimed)" 0
lab_eq "m1's table stays empty" "${AFTER[m1.entries]}" 0

lab_log "the active member is dead (on m1): m1 keeps what it receives"
lab_ikefwd m1 member 3 dead
lab_rebase
lab_send peer "v2-init:500:$V2:0" "v2-auth:4500:$V2:1"
lab_settle 2
lab_stacks "active member dead on m1" 1 0 1
lab_eq "m1 counted the dead owner" "$(lab_d m1.owner_dead)" 1
lab_eq "m2 still forwarded to m3" "$(lab_d m2.ha_forwarded)" 1
lab_ikefwd m1 member 3 alive
lab_rebase
lab_send peer "v2-init:500:$V2:0"
lab_settle 1
lab_stacks "active member alive again" 0 0 1

lab_log "re-attach with m2 active: the configuration moves everything there"
for m in "${LAB_MEMBERS[@]}"; do
	lab_config "$m" ha 2
	lab_ok "re-attach $m with active member 2" \
		lab_ikefwd "$m" attach --config "$LAB_DIR/$m/ikefwd.conf"
done
lab_rebase
lab_send peer "v2-init:500:$V2:0" "v2-auth:4500:$V2:1" "v1-quick:4500:$V1:0x7a6b5c4d"
lab_settle 3
lab_stacks "with m2 active" 0 3 0
lab_eq "m1 sent its packet to m2" "$(lab_d m1.ha_forwarded)" 1
lab_eq "m2 handled all three" "$(lab_d m2.ha_local)" 3

lab_finish
