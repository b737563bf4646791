#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# The vici listener's one-shot rekey for ikefwdd's ha-sync controller
# ([ha] rekey_command, docs/ha-sync.md "The controller"):
#   ikefwd-vici.py --rekey-segment N
# against a real charon (m1) holding 4 peers' IKE_SAs, two in each of the
# ha plugin's 2 segments (ikefwdctl segment-of with the configuration's
# ha_segments, the plugin's own hash): the CHILD_SAs of segment N's peers
# get new SPIs, the others keep theirs; the exit status says all went
# well; IKEFWD_CONFIG names the configuration as ikefwdd passes it.
# No ha plugin and no ikefwd needed: the rekey is plain vici. Also the
# listener's report of IKE_SA states in ha-sync mode. ~5 s.
#
# Environment: IKEFWDD (checked by the e2e lab) and IKEFWDCTL.
E2E_NEED_CTL=1
. "$(dirname "$0")/cluster.sh"
e2e_init "$@"

LAB_MEMBERS=(m1)
# Two peers in each segment of 2 (tests/unit/ha_segment_vectors.txt).
SEG1=(10.0.1.8 10.0.1.9)
SEG2=(10.0.1.10 10.0.1.16)
VICI_SCRIPT=$(realpath "$E2E_LIB/../../integration/strongswan/ikefwd-vici.py")

lab_create policy || lab_abort "lab_create failed"
# Every peer to m1 (no UDP 4500 split: the policy rule goes).
ip -n rt rule del fwmark 1 lookup 100
e2e_member_nft m1
ip -n m1 addr add "$E2E_INNER/32" dev lo
# mobike = no, as the ha-sync members run (docs/ha-sync.md): with MOBIKE
# the late end of IPv6 DAD on m1's eth0 ("flags changed") sends address
# updates that make both sides rekey every CHILD_SA at once, segment 2's
# included.
e2e_responder_conf | sed 's/^\(\t*\)version = 0$/&\n\1mobike = no/' \
	>"$LAB_DIR/responder.conf"
mkdir -p "$SWAN_DIR/m1"
swan_start m1 m1 "$LAB_DIR/responder.conf" || lab_abort "charon on m1"
swan_load m1 >/dev/null 2>&1 || lab_abort "swanctl --load-all on m1"
e2e_peer_start 2 "${SEG1[@]}" "${SEG2[@]}"
n=0
for a in "${SEG1[@]}" "${SEG2[@]}"; do
	swan_initiate peer "p${a##*.}" "c${a##*.}" 20 >/dev/null 2>&1 &&
		n=$((n + 1))
done
lab_eq "4 peers established with m1" "$n" 4

printf '%s\n' "[cluster]" "mode = ha-sync" "local_member = 1" \
	"ha_segments = 2" "[member 1]" "address = 10.0.0.1" "[member 2]" \
	"address = 10.0.0.2" >"$LAB_DIR/ha.conf"
segs=$("$IKEFWDCTL" --config "$LAB_DIR/ha.conf" segment-of \
	"${SEG1[@]}" "${SEG2[@]}" | awk '{ printf "%s ", $2 }')
lab_eq "segment-of: the plugin's segments of the 4 peers" "$segs" "1 1 2 2 "

# "REMOTE SPI-IN" of every INSTALLED CHILD_SA on m1.
spis() { swan_children m1 | awk '$7 == "INSTALLED" { print $1, $8 }' | sort; }
spis >"$LAB_DIR/before"

# As ikefwdd runs it: the configuration in IKEFWD_CONFIG, the segment
# numbers last.
IKEFWD_CONFIG=$LAB_DIR/ha.conf "$VICI_SCRIPT" \
	--vici "unix://$SWAN_DIR/m1/charon.vici" --ikefwdctl "$IKEFWDCTL" \
	--rekey-segment 1 >"$LAB_DIR/rekey.out" 2>&1
rc=$?
sed 's/^/# /' "$LAB_DIR/rekey.out"
lab_eq "--rekey-segment 1: exit status" "$rc" 0
lab_eq "--rekey-segment 1: two CHILD_SAs rekeyed" \
	"$(grep -c ': rekey CHILD_SA .*: ok$' "$LAB_DIR/rekey.out")" 2

# Segment 1's peers end with one INSTALLED CHILD_SA each, a new one;
# segment 2's keep theirs.
rekeyed() {
	local a old new
	spis >"$LAB_DIR/after"
	for a in "${SEG1[@]}"; do
		old=$(awk -v a="$a" '$1 == a { print $2 }' "$LAB_DIR/before")
		new=$(awk -v a="$a" '$1 == a { print $2 }' "$LAB_DIR/after")
		[ -n "$new" ] && [ "$(wc -l <<<"$new")" = 1 ] &&
			[ "$new" != "$old" ] || return 1
	done
}
lab_ok "segment 1's CHILD_SAs have new SPIs" e2e_wait 20 rekeyed
kept() {
	local a
	for a in "${SEG2[@]}"; do
		[ "$(awk -v a="$a" '$1 == a' "$LAB_DIR/before")" = \
			"$(awk -v a="$a" '$1 == a' "$LAB_DIR/after")" ] || return 1
	done
}
lab_ok "segment 2's CHILD_SAs kept theirs" kept

# The listener's own mode reports charon's IKE_SA states in ha-sync mode
# (ikefwdctl segments report ESTABLISHED PASSIVE) after every list-sas.
# ikefwdd's side of it is test_api's (PUT ha-segments); here ikefwdctl is
# a script that records what the listener asks and says the mode is
# ha-sync (no ikefwdd runs in this lab).
cat >"$LAB_DIR/ctl.sh" <<CTL
#!/bin/sh
echo "\$*" >>"$LAB_DIR/ctl.log"
case "\$*" in
*"--json config") echo '{"mode": "ha-sync", "local_member": 1}' ;;
*"ike-sa list"*) echo '{"total": 0, "ike_sas": []}' ;;
esac
CTL
chmod +x "$LAB_DIR/ctl.sh"
"$VICI_SCRIPT" --vici "unix://$SWAN_DIR/m1/charon.vici" \
	--ikefwdctl "$LAB_DIR/ctl.sh" --config "$LAB_DIR/ha.conf" \
	--resync-s 0.3 >"$LAB_DIR/listener.out" 2>&1 &
LISTENER=$!
LAB_PIDS+=("$LISTENER")
reports() { [ "$(grep -c "segments report" "$LAB_DIR/ctl.log" 2>/dev/null)" -ge 2 ]; }
lab_ok "listener: reports after list-sas" e2e_wait 20 reports
kill "$LISTENER" 2>/dev/null
wait "$LISTENER" 2>/dev/null
lab_forget_pid "$LISTENER"
lab_eq "listener: 4 ESTABLISHED, 0 PASSIVE" \
	"$(grep "segments report" "$LAB_DIR/ctl.log" | sort -u | sed 's/.*segments report //')" \
	"4 0"

# A segment whose peers are all rekeyed already: again, success.
"$VICI_SCRIPT" --vici "unix://$SWAN_DIR/m1/charon.vici" \
	--ikefwdctl "$IKEFWDCTL" --config "$LAB_DIR/ha.conf" \
	--rekey-segment 2 >"$LAB_DIR/rekey2.out" 2>&1
lab_eq "--rekey-segment 2: exit status" "$?" 0
# charon gone: a failure, said in one line.
swan_stop m1
"$VICI_SCRIPT" --vici "unix://$SWAN_DIR/m1/charon.vici" \
	--ikefwdctl "$IKEFWDCTL" --config "$LAB_DIR/ha.conf" \
	--rekey-segment 1 >"$LAB_DIR/rekey3.out" 2>&1
lab_eq "--rekey-segment without charon: exit status" "$?" 1
lab_eq "--rekey-segment without charon: one line" \
	"$(wc -l <"$LAB_DIR/rekey3.out")" 1

lab_finish
