#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# IKEv1 Main Mode + Quick Mode through the router's split (UDP 500 to m1,
# 4500 to m2): Main Mode starts on 500 and moves to 4500 at its fifth
# message (NAT-T forced), Quick Mode and every later exchange run on 4500
# with Message IDs of their own. Without ikefwd the negotiation fails;
# with it Phase 1 and Phase 2 complete on m1, and a second Quick Mode
# (CHILD_SA rekey, a new Message ID) reaches m1 too.
. "$(dirname "$0")/cluster.sh"
e2e_init "$@"
e2e_create
PEER=10.0.1.3
ROUNDS=${E2E_ROUNDS:-3}
e2e_peer_start 1 "$PEER"

e2e_log "without ikefwd: Main Mode 1-4 on m1, Main Mode 5 on m2"
lab_snap BEFORE
lab_not "the negotiation fails" swan_initiate peer p3 c3 15
lab_snap AFTER
lab_ge "m1's stack got Main Mode on 500" "$(lab_d m1.nft.ike500)" 2
lab_eq "m1's stack got nothing on 4500" "$(lab_d m1.nft.ike4500)" 0
lab_ge "m2's stack got Main Mode 5 on 4500" "$(lab_d m2.nft.ike4500)" 1
lab_ok "m2's charon knows no such IKE SA" \
	grep -q "IKE_SA checkout not successful" "$(swan_log m2)"
lab_eq "no IKE SA on the peer" "$(swan_count peer)" 0
swan_ctl peer --terminate --ike p3 --timeout 5 >/dev/null 2>&1

e2e_attach_all
e2e_log "with ikefwd: $ROUNDS Main Mode + Quick Mode negotiations"
ok=0
lab_snap BEFORE
for i in $(seq "$ROUNDS"); do
	t0=$(e2e_now_ms)
	if swan_initiate peer p3 c3 20 >"$LAB_DIR/init.log" 2>&1; then
		ok=$((ok + 1))
		e2e_log "round $i: established in $(($(e2e_now_ms) - t0)) ms"
	else
		e2e_log "round $i: failed after $(($(e2e_now_ms) - t0)) ms"
		sed 's/^/#   /' "$LAB_DIR/init.log" | tail -n 5
	fi
	[ "$i" -lt "$ROUNDS" ] &&
		swan_ctl peer --terminate --ike p3 --timeout 10 >/dev/null 2>&1
done
# The initiator is done at Quick Mode 2, the responder (m1) only once
# Quick Mode 3 reached it (through m2), and the IKE SAs of the earlier
# rounds go with IKEv1's unanswered DELETE: m1's count is polled (20 s at
# most) before the counters are read.
lab_wait_eq "m1 holds the IKEv1 SA with its CHILD_SA" 20 1 swan_count m1
lab_snap AFTER
lab_eq "established $ROUNDS times out of $ROUNDS" "$ok" "$ROUNDS"
lab_eq "the peer's IKE SA is IKEv1" \
	"$(swan_sas peer | awk '$1 == "p3" { print $3 }')" 1
lab_eq "m2 holds none" "$(swan_count m2)" 0
lab_ge "m2 forwarded Main Mode 5/6 and Quick Mode to m1" \
	"$(lab_d m2.forwarded)" "$((ROUNDS * 3))"
# Main Mode 5 keeps Message ID 0: until m2 learns m1's claim it is
# claimed by m2 and lost (then retransmitted), unless the member label in
# m1's responder cookie routes it.
e2e_log "Main Mode 5 that reached m2's own stack: $(lab_d m2.nft.ike)"

e2e_log "a second Quick Mode: the CHILD_SA rekeyed, under a new Message ID"
# m1 has the new CHILD_SA once Quick Mode 3 (through m2) reached it.
children() { grep -c "CHILD_SA net{[0-9]*} established" "$(swan_log m1)"; }
qm=$(grep -c "parsed QUICK_MODE request" "$(swan_log m1)")
kids=$(children)
lab_snap BEFORE
lab_ok "swanctl --rekey --child c3" \
	swan_ctl peer --rekey --child c3
lab_wait_ge "m1 established the new CHILD_SA" 20 $((kids + 1)) children
lab_snap AFTER
lab_ge "m2 found the new Message ID through Phase 1" \
	"$(lab_d m2.phase2_fallback)" 1
lab_eq "m2's stack got none of it" "$(lab_d m2.nft.ike)" 0
lab_ge "m1 answered a Quick Mode" \
	"$(grep -c "parsed QUICK_MODE request" "$(swan_log m1)")" $((qm + 1))
lab_wait_eq "m1 still holds one IKE SA with its CHILD_SA" 20 1 swan_count m1

lab_finish
