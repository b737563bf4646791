#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Forged and replayed sync datagrams change nothing. An attacker on the
# members' segment (namespace "evil", 10.0.0.66, on the same bridge) sends
# m2 datagrams with m1's source address: m1's own UPDATEs and heartbeats
# captured earlier and sent again (one of them would re-create entries an
# operator has deleted since), a captured UPDATE with its owner changed
# under the old tag, an UPDATE signed with a key that is not the
# cluster's, and one signed with the right key but from an address that is
# no member's. Each is counted by the receiver's sync agent and dropped;
# the tables stay as they were and the live IKE SA keeps working. Last, a
# control: the same datagram from m1's address under the cluster key, as
# m1's first update after a restart, is applied, so the refusals are not a
# format error of the test's own.
E2E_NEED_CTL=1
. "$(dirname "$0")/cluster.sh"
e2e_init "$@"
e2e_create
e2e_attach_all
# Scapy warns on stderr about the sandbox's address-less lo: quiet.
sm() { "$LAB_PY" "$E2E_LIB/sync_msg.py" "$@" 2>/dev/null; }

# The attacker's foothold on the members' segment.
ip netns add evil
ip -n evil link set lo up
lab_veth sw evil evil eth0
ip -n sw link set evil master br0
ip -n evil addr add 10.0.0.66/24 dev eth0

e2e_peer_start 2 10.0.1.2 10.0.1.4
e2e_capture_start sync m2 eth0 udp port "$E2E_SYNC_PORT" and src host 10.0.0.1
lab_ok "the live IKE SA (p2) establishes" swan_initiate peer p2 c2 20
lab_ok "a second one (p4) establishes" swan_initiate peer p4 c4 20
LIVE=$(e2e_spi peer p2)
GONE=$(e2e_spi peer p4)
# captured COOKIE...: m1's UPDATEs announcing each COOKIE's claim, and two
# heartbeats, are in the capture so far (tcpdump -U writes each frame as
# it comes; m1's agent sends when it gets to it).
captured() {
	local c pcap=$LAB_DIR/sync.pcap
	[ "$(sm hellos "$pcap" | wc -l)" -ge 2 ] || return 1
	for c in "$@"; do
		[ "$(sm updates "$pcap" "$c" | wc -l)" -ge 1 ] || return 1
	done
}
lab_ok "m1's announcements of both claims are captured" \
	lab_wait 20 captured "$LIVE" "$GONE"
e2e_capture_stop sync >/dev/null
# Everything m1 sends from now on: its current update number, at the end.
e2e_capture_start later m2 eth0 udp port "$E2E_SYNC_PORT" and src host 10.0.0.1
live_owner() { e2e_entries m2 "$LIVE" | awk '$1 == 0 { print $2 }'; }
lab_wait_eq "m2 learnt p2's negotiation from m1" 20 1 live_owner

e2e_log "an operator deletes p4's entries on m1; m2 follows"
swan_ctl peer --terminate --ike p4 --timeout 10 >/dev/null 2>&1
e2e_entries m1 "$GONE" | while read -r msgid _; do
	e2e_ctl m1 del "$GONE" "$msgid" >/dev/null
done
gone_on_m2() { [ -z "$(e2e_entries m2 "$GONE")" ]; }
lab_ok "p4's entries are gone from m2 too" e2e_wait 20 gone_on_m2

# inject NAME STAT HEX...: sends the datagrams from evil with m1's address;
# checks that m2's STAT counter rose and that no table changed.
inject() {
	local name=$1 stat=$2 before m
	shift 2
	declare -A tbl
	for m in "${LAB_MEMBERS[@]}"; do
		tbl[$m]=$(e2e_table "$m")
	done
	before=$(e2e_sync_stat m2 "$stat")
	lab_ns evil "$LAB_PY" "$E2E_LIB/sync_msg.py" send 10.0.0.1 10.0.0.2 "$@" \
		2>/dev/null
	# Once counted, each datagram was handled: the tables are compared
	# after that.
	lab_wait_ge "$name: m2 counted it ($stat)" 20 $((before + $#)) \
		e2e_sync_stat m2 "$stat"
	for m in "${LAB_MEMBERS[@]}"; do
		lab_eq "$name: $m's table unchanged" "$(e2e_table "$m")" "${tbl[$m]}"
	done
}

pcap=$LAB_DIR/sync.pcap
mapfile -t updates < <(sm updates "$pcap" "$GONE")
mapfile -t hellos < <(sm hellos "$pcap")
mapfile -t live < <(sm updates "$pcap" "$LIVE")
lab_ge "captured m1's UPDATE announcing p4's claim" "${#updates[@]}" 1
lab_ge "captured m1's heartbeats" "${#hellos[@]}" 2
lab_ge "captured m1's UPDATE announcing p2's claim" "${#live[@]}" 1
[ "${#updates[@]}" -ge 1 ] && [ "${#hellos[@]}" -ge 2 ] &&
	[ "${#live[@]}" -ge 1 ] || lab_abort "nothing to replay"

e2e_log "replayed UPDATEs: they would re-create p4's entries"
inject "replayed UPDATE" rx_replayed "${updates[@]}"
lab_eq "p4's entries stay deleted on m2" "$(e2e_entries m2 "$GONE")" ""

e2e_log "replayed heartbeats"
inject "replayed heartbeat" rx_replayed "${hellos[0]}" "${hellos[1]}"

e2e_log "a captured UPDATE with p2's owner changed to m2, under the old tag"
inject "tampered UPDATE" rx_bad_tag "$(sm tamper "${live[0]}" 2)"

e2e_log "an UPDATE handing p2 to m2, signed with another key"
openssl rand -hex 32 >"$LAB_DIR/evil.key"
inject "UPDATE under a foreign key" rx_bad_tag \
	"$(sm forge --pcap "$pcap" "$LAB_DIR/evil.key" 1 "$LIVE" 0 2)"

e2e_log "the same UPDATE under the cluster key, from an address no member has"
forged=$(sm forge --pcap "$pcap" "$LAB_DIR/sync.key" 1 "$LIVE" 0 2)
before=$(e2e_sync_stat m2 rx_unknown_member)
tbl=$(e2e_table m2)
lab_ns evil "$LAB_PY" "$E2E_LIB/sync_msg.py" send 10.0.0.66 10.0.0.2 "$forged" \
	2>/dev/null
lab_wait_ge "m2 counted it (rx_unknown_member)" 20 $((before + 1)) \
	e2e_sync_stat m2 rx_unknown_member
lab_eq "m2's table unchanged" "$(e2e_table m2)" "$tbl"

e2e_log "the live IKE SA still works, on m1"
lab_eq "m2 still names m1 the owner of p2" \
	"$(e2e_entries m2 "$LIVE" | awk '$1 == 0 { print $2 }')" 1
lab_ok "ping through p2's tunnel" \
	lab_ns peer ping -c 2 -i 0.2 -W 5 -I 10.10.2.1 "$E2E_INNER"
lab_snap BEFORE
c=$(e2e_requests m1 CREATE_CHILD_SA)
lab_ok "p2's CHILD_SA rekeys (CREATE_CHILD_SA on 4500, via m2)" \
	swan_ctl peer --rekey --child c2
lab_wait_eq "m1 answered the rekey" 20 $((c + 1)) e2e_requests m1 CREATE_CHILD_SA
lab_snap AFTER
lab_ge "m2 forwarded the rekey to m1" "$(lab_d m2.forwarded)" 1
lab_eq "m2's stack got no IKE" "$(lab_d m2.nft.ike)" 0
lab_wait_eq "p2 is established on m1" 20 1 swan_count m1

# The control: the datagrams above were well formed. Signed with the
# cluster key, from m1's address, as m1's first update after a restart
# (its next update number would race with m1's own refreshes), the same
# kind of datagram is applied (it hands p4's old cookie to m3).
e2e_capture_stop later >/dev/null
sm forge --restart --pcap "$LAB_DIR/later.pcap" "$LAB_DIR/sync.key" 1 "$GONE" 0 3 \
	>"$LAB_DIR/control.hex"
lab_ns evil "$LAB_PY" "$E2E_LIB/sync_msg.py" send 10.0.0.1 10.0.0.2 \
	"$(cat "$LAB_DIR/control.hex")" 2>/dev/null
control() { [ "$(e2e_entries m2 "$GONE")" = "0 3" ]; }
lab_ok "control: m2 applies a genuine-looking update" e2e_wait 20 control

lab_finish
