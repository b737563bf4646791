#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Load sharing behind a router that splits IKE by port (nftables fwmark +
# policy routing: UDP 500 to m1, UDP 4500 to m2), the split that breaks an
# IPsec cluster without ikefwd. Crafted IKEv2 and IKEv1 negotiations from
# the peer, a negotiation a member initiates, disagreeing tables, and IP
# fragments: every packet must reach the stack of the member that owns its
# negotiation, and no other.
#
# No sync agent runs here: once the owner's IKE daemon has answered a
# negotiation (a crafted answer sent from the member: its tc egress
# promotes the half-open claim), lab_sync copies the owner's established
# entries to the others, as the sync agent does.
# shellcheck source=tests/integration/lab.sh
. "$(dirname "$0")/lab.sh"
lab_init "$@"
lab_create policy

# Negotiations, by initiator cookie/SPI.
V2=11a2a3a4a5a6a7a8 # IKEv2 from the peer
V1=22b2b3b4b5b6b7b8 # IKEv1 from the peer
OUT=33c2c3c4c5c6c7c8 # IKEv2 initiated by m3
SPLIT=44d2d3d4d5d6d7d8 # tables disagree
FRAG=55e2e3e4e5e6e7e8 # IP-fragmented messages
CTRL=66f2f3f4f5f6f7f8 # the router's split, before ikefwd

lab_log "control: the router splits a negotiation (no ikefwd yet)"
lab_snap BEFORE
lab_send peer "v2-init:500:$CTRL:0" "v2-auth:4500:$CTRL:1"
lab_settle 2
lab_eq "IKE_SA_INIT (500) lands on m1" "$(lab_d m1.nft.ike500)" 1
lab_eq "IKE_AUTH (4500) lands on m2" "$(lab_d m2.nft.ike4500)" 1

lab_attach_all load-sharing

lab_log "IKEv2: IKE_SA_INIT on 500, then IKE_AUTH and later exchanges on 4500"
lab_snap BEFORE
lab_send peer "v2-init:500:$V2:0"
lab_settle 1
lab_eq "IKE_SA_INIT claimed by m1" "$(lab_d m1.claimed)" 1
lab_eq "a half-open claim: not established yet" "$(lab_owner m1 "$V2" 0)" none
lab_stacks "IKE_SA_INIT" 1 0 0
# m1's IKE daemon answers with its SPI: the negotiation is real.
lab_send m1 "v2-init:500:$V2:0:r"
lab_eq "m1's table: m1 owns it" "$(lab_owner m1 "$V2" 0)" 1
lab_sync m1 m2 m3

M1MAC=$(lab_mac m1 eth0)
M2MAC=$(lab_mac m2 eth0)
lab_capture_start v2m1 m1 eth0 udp port 4500
lab_capture_start v2m2 m2 eth0 udp port 4500
lab_rebase
lab_send peer "v2-auth:4500:$V2:1" "v2-child:4500:$V2:2" \
	"v2-info:4500:$V2:3" "v2-init:500:$V2:0"
lab_settle 4
lab_stacks "IKE_AUTH, CREATE_CHILD_SA, INFORMATIONAL, IKE_SA_INIT again" 4 0 0
lab_eq "m1 received the three on 4500" "$(lab_d m1.nft.ike4500)" 3
lab_eq "m2 forwarded the three on 4500" "$(lab_d m2.forwarded)" 3
lab_eq "m2 found them through the Phase-1 entry" "$(lab_d m2.phase2_fallback)" 3
lab_eq "m2 claimed none" "$(lab_d m2.claimed)" 0
lab_eq "m1 handled the retransmitted IKE_SA_INIT locally" "$(lab_d m1.claimed)" 0
lab_eq "m2 made no entry per Message ID" "$(lab_owner m2 "$V2" 1)" none
cap=$(lab_capture_stop v2m1)
lab_eq "capture on m1: 3 frames from m2's MAC to the VIP" \
	"$(grep -c "^[0-9:.]* $M2MAC > $M1MAC.*> $LAB_VIP.4500:" <<<"$cap")" 3
cap=$(lab_capture_stop v2m2)
lab_eq "capture on m2: its stack saw none of them" \
	"$(grep -c "> $LAB_VIP.4500:" <<<"$cap")" 0

lab_log "IKEv1: Main Mode on 500 then 4500, Quick Modes with new Message IDs"
lab_rebase
lab_send peer "v1-main1:500:$V1:0"
# m1's IKE daemon answers Main Mode 1 with its responder cookie.
lab_send m1 "v1-main:500:$V1:0"
lab_send peer "v1-main:500:$V1:0"
lab_settle 2
lab_eq "Main Mode claimed by m1" "$(lab_d m1.claimed)" 1
lab_eq "and promoted by its answer" "$(lab_d m1.promoted)" 1
lab_stacks "Main Mode 1 and 3" 2 0 0
lab_sync m1 m2 m3
lab_rebase
lab_send peer "v1-main:4500:$V1:0" "v1-quick:4500:$V1:0x1d2c3b4a" \
	"v1-quick:4500:$V1:0x1d2c3b4a" "v1-quick:500:$V1:0x5e6f7081" \
	"v1-info:4500:$V1:0x0badcafe"
lab_settle 5
lab_stacks "Main Mode 5, Quick Modes, DPD" 5 0 0
lab_eq "m2 forwarded the four on 4500" "$(lab_d m2.forwarded)" 4
lab_eq "m2: the three with Message IDs resolved through Phase 1" \
	"$(lab_d m2.phase2_fallback)" 3
lab_eq "m1: the Quick Mode on 500 resolved through Phase 1 (and m2's forwards)" \
	"$(lab_d m1.phase2_fallback)" 4
lab_eq "m2 made no entry per Message ID" \
	"$(lab_owner m2 "$V1" 0x1d2c3b4a)" none

lab_log "egress: m3 initiates; the peer's answers land on m1 and m2"
lab_rebase
lab_send m3 "v2-init:500:$OUT:0"
# m3 has sent nothing yet: the frame waits for the router's address to be
# resolved before it reaches tc egress.
out_claimed() { [ "$(lab_d m3.out_claimed)" -ge 1 ]; }
lab_snap_until 20 out_claimed
lab_eq "m3's tc egress claimed the negotiation" "$(lab_d m3.out_claimed)" 1
lab_eq "m3's table: m3 owns it" "$(lab_owner m3 "$OUT" 0)" 3
lab_ok "m3's entry is flagged outbound" \
	grep -q outbound <(lab_ikefwd m3 table get "$OUT" 0)
lab_sync m3 m1 m2
M3MAC=$(lab_mac m3 eth0)
lab_capture_start out m3 eth0 udp
lab_rebase
lab_send peer "v2-init:500:$OUT:0:r"
lab_settle 1
lab_send m3 "v2-auth:4500:$OUT:1"
lab_send peer "v2-auth:4500:$OUT:1:r"
lab_settle 2
lab_stacks "the answers" 0 0 2
cap=$(lab_capture_stop out)
lab_eq "capture on m3: the IKE_SA_INIT answer came from m1's MAC" \
	"$(grep -c "^[0-9:.]* $M1MAC > $M3MAC.*> $LAB_VIP.500:" <<<"$cap")" 1
lab_eq "capture on m3: the IKE_AUTH answer came from m2's MAC" \
	"$(grep -c "^[0-9:.]* $M2MAC > $M3MAC.*> $LAB_VIP.4500:" <<<"$cap")" 1
lab_eq "m1 forwarded the IKE_SA_INIT answer" "$(lab_d m1.forwarded)" 1
lab_eq "m2 forwarded the IKE_AUTH answer" "$(lab_d m2.forwarded)" 1
lab_eq "m3 sent IKE_AUTH on its own negotiation" "$(lab_d m3.out_ike_seen)" 1
lab_eq "m3's table: the negotiation is still m3's" "$(lab_owner m3 "$OUT" 0)" 3
lab_eq "m3 made no entry per Message ID" "$(lab_owner m3 "$OUT" 1)" none

lab_log "disagreeing tables: forwarded once, never bounced back"
lab_ikefwd m1 table add "$SPLIT" 0 2
lab_ikefwd m2 table add "$SPLIT" 0 1
lab_rebase
lab_send peer "v2-auth:4500:$SPLIT:1"
lab_settle 1
lab_eq "m2 forwarded it to m1" "$(lab_d m2.forwarded)" 1
lab_eq "m1's loop guard kept it" "$(lab_d m1.loop_guard)" 1
lab_eq "m1 did not forward it back" "$(lab_d m1.forwarded)" 0
lab_stacks "the disputed packet" 1 0 0

lab_log "IP fragments: a big IKE_AUTH follows its first fragment"
for m in "${LAB_MEMBERS[@]}"; do
	lab_ikefwd "$m" table add "$FRAG" 0 2
done
lab_rebase
# On 500 every fragment reaches m1, which forwards them all to m2.
lab_send peer --size 4000 "v2-auth:500:$FRAG:1"
lab_settle 1
lab_stacks "the fragmented message on 500" 0 1 0
lab_eq "m1 kept its first fragment's decision" "$(lab_d m1.frag_first)" 1
lab_eq "m1 sent the later fragments after it" "$(lab_d m1.frag_followed)" 2
lab_rebase
# On 4500 the router's port match sends only the first fragment to m2:
# the later ones (no UDP header) go to m1 by the main route. m2 forwards
# the first to m1, the owner, where the message is whole again.
lab_ikefwd m1 table del "$FRAG" 0
lab_ikefwd m1 table add "$FRAG" 0 1
lab_ikefwd m2 table del "$FRAG" 0
lab_ikefwd m2 table add "$FRAG" 0 1
lab_send peer --size 4000 "v2-auth:4500:$FRAG:2"
lab_settle 1
lab_stacks "the fragmented message on 4500" 1 0 0
lab_eq "m2 forwarded the first fragment" "$(lab_d m2.forwarded)" 1
# Whether the first fragment (the longer way, through m2) or the later ones
# reach m1 first varies: m1 follows its record or has none.
lab_eq "m1 received the later fragments directly" \
	$(($(lab_d m1.frag_followed) + $(lab_d m1.frag_no_record))) 2
lab_eq "m2 saw no later fragment" "$(lab_d m2.frag_followed)" 0

lab_finish
