#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# IKEv2 through the split that breaks a load-sharing cluster: the router
# sends UDP 500 to m1 and UDP 4500 to m2, strongSwan's peer forces NAT-T
# (IKE_AUTH on 4500). Without ikefwd the negotiation fails, which proves
# the split is real; with ikefwd on every member it succeeds, every time:
# with the ownership table and the sync link alone, and with SPI labels
# too. Traffic flows through the tunnel (ESP-in-UDP, also sent to m2, is
# steered to m1 by its SPI). The peer's veth keeps its default offloads:
# the frames m2 forwards hold partial checksums that ikefwd completes.
. "$(dirname "$0")/cluster.sh"
e2e_init "$@"
e2e_create
PEER=10.0.1.2
ROUNDS=${E2E_ROUNDS:-5}
e2e_peer_start 2 "$PEER"

e2e_log "without ikefwd: IKE_SA_INIT lands on m1, IKE_AUTH on m2"
lab_snap BEFORE
lab_not "the negotiation fails" swan_initiate peer p2 c2 15
lab_snap AFTER
lab_ge "m1's stack got IKE_SA_INIT on 500" "$(lab_d m1.nft.ike500)" 1
lab_eq "m1's stack got nothing on 4500" "$(lab_d m1.nft.ike4500)" 0
lab_ge "m2's stack got IKE_AUTH on 4500" "$(lab_d m2.nft.ike4500)" 1
lab_ok "m2's charon knows no such IKE SA" \
	grep -q "IKE_SA checkout not successful" "$(swan_log m2)"
lab_eq "no IKE SA on the peer" "$(swan_count peer)" 0
swan_ctl peer --terminate --ike p2 --timeout 5 >/dev/null 2>&1

# rounds NAME: ROUNDS negotiations one after the other, the IKE SA before
# each torn down; every one must establish, on m1.
rounds() {
	local name=$1 ok=0 i t0 ms times=()
	lab_snap BEFORE
	for i in $(seq "$ROUNDS"); do
		swan_ctl peer --terminate --ike p2 --timeout 10 >/dev/null 2>&1
		t0=$(e2e_now_ms)
		if swan_initiate peer p2 c2 20 >"$LAB_DIR/init.log" 2>&1; then
			ok=$((ok + 1))
			times+=("$(($(e2e_now_ms) - t0))")
		else
			times+=("failed")
			sed 's/^/#   /' "$LAB_DIR/init.log" | tail -n 5
		fi
	done
	# m1's listing can lag behind the peer's: polled (20 s at most).
	lab_wait_eq "$name: the IKE SA is on m1" 20 1 swan_count m1
	lab_snap AFTER
	e2e_log "$name: established in ${times[*]} ms"
	lab_eq "$name: established $ROUNDS times out of $ROUNDS" "$ok" "$ROUNDS"
	lab_ge "$name: m2 forwarded IKE to m1" "$(lab_d m2.forwarded)" "$ROUNDS"
	# The peer's veth offloads its checksums (cluster.sh): every IKE
	# frame m2 forwarded held a partial one, which m2 completed.
	if [ "${E2E_PEER_TX_CSUM:-default}" = default ]; then
		lab_eq "$name: m2 completed the checksum of each frame it forwarded" \
			"$(lab_d m2.csum_completed)" "$(lab_d m2.forwarded)"
	fi
	lab_eq "$name: m2 holds no IKE SA" "$(swan_count m2)" 0
	e2e_log "$name: m2 routed IKE_AUTH by the table $(lab_d m2.phase2_fallback) times, by m1's SPI label $(lab_d m2.label_routed) times; m2's own stack got $(lab_d m2.nft.ike4500) of them"
}

# The table alone: the IKE_AUTH is forwarded once m2 has learnt the
# IKE_SA_INIT's claim over the sync link; when it arrives first, m2 claims
# it, its charon drops it, and the retransmission finds the corrected entry.
E2E_SPI_LABELS=no e2e_attach_all
rounds "ikefwd, table and sync only"
e2e_detach_all

# The cluster as configured: IKE SPI labels (an IKE_AUTH carries m1's
# label in its responder SPI) and ESP steering by SPI range.
e2e_attach_all
rounds "ikefwd with SPI labels"
lab_eq "with SPI labels: m2's stack got no IKE" "$(lab_d m2.nft.ike)" 0

e2e_log "traffic through the tunnel (ESP-in-UDP on 4500, sent to m2)"
lab_snap BEFORE
lab_ok "ping 10.20.0.1 from 10.10.2.1 through the tunnel" \
	lab_ns peer ping -c 3 -i 0.2 -W 5 -I 10.10.2.1 "$E2E_INNER"
lab_snap AFTER
lab_ge "m2 steered the ESP to m1 (its SPI is in m1's range)" \
	"$(lab_d m2.esp_forwarded)" 3
e2e_log "m2 completed $(lab_d m2.csum_completed) partial checksums of the ESP-in-UDP it steered"
lab_ge "m1's stack got the ESP" "$(lab_d m1.nft.esp4500)" 3
lab_eq "m2's stack got none" "$(lab_d m2.nft.esp4500)" 0

lab_finish
