#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Load sharing behind an ECMP router: one multipath route to the VIP over
# the three members, hashed on L4 (fib_multipath_hash_policy=1), so UDP 500
# and UDP 4500 of one peer are spread independently. Eight peer addresses
# each run an IKEv2 and an IKEv1 negotiation; all packets of a peer's
# negotiations must reach the member that took its first packet.
# shellcheck source=tests/integration/lab.sh
. "$(dirname "$0")/lab.sh"
lab_init "$@"
LAB_PEERS=()
for i in 2 3 4 5 6 7 8 9; do
	LAB_PEERS+=("10.0.1.$i")
done
lab_create ecmp
lab_attach_all load-sharing

spi2() { printf 'e2e2%012x' "$1"; } # IKEv2 SPI of peer 10.0.1.N
spi1() { printf 'e1e1%012x' "$1"; } # IKEv1 cookie of peer 10.0.1.N

lab_log "first packets on 500: each claimed where the hash sends it"
args=()
for a in "${LAB_PEERS[@]}"; do
	o=${a##*.}
	args+=(--from "$a" "v2-init:500:$(spi2 "$o"):0" "v1-main1:500:$(spi1 "$o"):0")
done
lab_snap BEFORE
lab_send peer "${args[@]}"
lab_settle 16
lab_eq "every first packet was claimed once" \
	$(($(lab_d m1.claimed) + $(lab_d m2.claimed) + $(lab_d m3.claimed))) 16

declare -A OWNER=()
for a in "${LAB_PEERS[@]}"; do
	o=${a##*.}
	for m in "${LAB_MEMBERS[@]}"; do
		[ "$(lab_d "$m.nft.p$o")" -gt 0 ] && OWNER[$o]=${OWNER[$o]:-}$m
	done
	lab_eq "peer $a: its first packets reached one member" \
		"${#OWNER[$o]}" 2
	# That member's IKE daemon answers both: the claims are promoted.
	[ "${#OWNER[$o]}" -eq 2 ] && lab_send "${OWNER[$o]}" --to "$a" \
		"v2-init:500:$(spi2 "$o"):0:r" "v1-main:500:$(spi1 "$o"):0"
done
lab_tables
for a in "${LAB_PEERS[@]}"; do
	o=${a##*.}
	lab_eq "peer $a: ${OWNER[$o]} owns its IKEv2 negotiation" \
		"$(lab_owner_of "${OWNER[$o]}" "$(spi2 "$o")" 0)" "${OWNER[$o]#m}"
	lab_eq "peer $a: ${OWNER[$o]} owns its IKEv1 negotiation" \
		"$(lab_owner_of "${OWNER[$o]}" "$(spi1 "$o")" 0)" "${OWNER[$o]#m}"
done
owners=$(printf '%s\n' "${OWNER[@]}" | sort -u | wc -l)
lab_ge "the hash spread the negotiations over several members" "$owners" 2

lab_sync_all

lab_log "the rest on 4500: every packet reaches its negotiation's owner"
args=()
for a in "${LAB_PEERS[@]}"; do
	o=${a##*.}
	args+=(--from "$a" "v2-auth:4500:$(spi2 "$o"):1" "v2-child:4500:$(spi2 "$o"):2"
		"v1-main:4500:$(spi1 "$o"):0" "v1-quick:4500:$(spi1 "$o"):$((0x51000000 + o))"
		"v1-quick:4500:$(spi1 "$o"):$((0x51000000 + o))")
done
lab_rebase
lab_send peer "${args[@]}"
lab_settle 40
for a in "${LAB_PEERS[@]}"; do
	o=${a##*.}
	for m in "${LAB_MEMBERS[@]}"; do
		want=0
		[ "$m" = "${OWNER[$o]}" ] && want=5
		lab_eq "peer $a: $m's stack received $want" "$(lab_d "$m.nft.p$o")" "$want"
	done
done
fwd=$(($(lab_d m1.forwarded) + $(lab_d m2.forwarded) + $(lab_d m3.forwarded)))
lab_log "members forwarded $fwd of the 40 packets on 4500"
lab_ge "the router split some negotiations: members forwarded" "$fwd" 1
lab_eq "nothing was claimed on 4500" \
	$(($(lab_d m1.claimed) + $(lab_d m2.claimed) + $(lab_d m3.claimed))) 0
lab_eq "no loop guard hit: the tables agreed" \
	$(($(lab_d m1.loop_guard) + $(lab_d m2.loop_guard) + $(lab_d m3.loop_guard))) 0

lab_finish
