#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# attach failures on one member (m1): a missing interface, a bad
# configuration, no bpffs under the pin root, a foreign XDP program, a
# failure after the first interface was attached, and the same for inside
# interfaces (whose attach and detach are checked too). Each gives one line on
# stderr ("ikefwd: ...") and a non-zero exit, and leaves nothing
# half-attached: no XDP program and no clsact qdisc of ours on any
# interface.
# shellcheck source=tests/integration/lab.sh
. "$(dirname "$0")/lab.sh"
lab_init "$@"
lab_create policy
lab_config m1 load-sharing
CONF=$LAB_DIR/m1/ikefwd.conf
XDP_PASS=${IKEFWD_XDP_PASS_OBJ:-$(dirname "$IKEFWD")/../bpf/xdp_pass.bpf.o}

# attach_fails NAME WHAT ARGS...: ikefwd ARGS in m1 must fail with exactly
# one line on stderr, starting with "ikefwd: " and containing WHAT, and
# leave m1's eth0 clean.
attach_fails() {
	local name=$1 what=$2 rc=0 err
	shift 2
	lab_ikefwd m1 "$@" >"$LAB_DIR/out" 2>"$LAB_DIR/err" || rc=$?
	err=$(cat "$LAB_DIR/err")
	lab_ok "$name: non-zero exit" test "$rc" -ne 0
	lab_eq "$name: one line on stderr" "$(wc -l <"$LAB_DIR/err")" 1
	lab_ok "$name: the line says '$what' ($err)" \
		grep -q "^ikefwd: .*$what" "$LAB_DIR/err"
	lab_ok "$name: eth0 has no XDP and no clsact" lab_clean m1 eth0
}

lab_log "a missing interface"
attach_fails "--iface nosuch0" "interface nosuch0 does not exist" \
	attach --config "$CONF" --iface eth0 --iface nosuch0
sed 's/^attach = eth0$/attach = eth0 nosuch0/' "$CONF" >"$LAB_DIR/m1/missing.conf"
attach_fails "attach = eth0 nosuch0" "interface nosuch0 does not exist" \
	attach --config "$LAB_DIR/m1/missing.conf"
lab_not "no map was pinned" test -e "$LAB_DIR/m1/bpf/ikefwd/ikefwd_table"

lab_log "a bad configuration"
sed 's/^mode = .*/mode = active-active/' "$CONF" >"$LAB_DIR/m1/bad.conf"
attach_fails "an unknown mode" "bad.conf:2: \[cluster\] mode" \
	attach --config "$LAB_DIR/m1/bad.conf"
sed '/^\[member 1\]/,/^address/d' "$CONF" >"$LAB_DIR/m1/nolocal.conf"
attach_fails "local_member without its [member]" "nolocal.conf" \
	attach --config "$LAB_DIR/m1/nolocal.conf"
attach_fails "a configuration that does not exist" "nosuch.conf" \
	attach --config "$LAB_DIR/m1/nosuch.conf"
attach_fails "a bad --xdp-mode" "--xdp-mode turbo" \
	attach --config "$CONF" --xdp-mode turbo

lab_log "no bpffs under the pin root"
mkdir -p "$LAB_DIR/plain"
attach_fails "pin root on tmpfs" "not on a BPF filesystem" \
	attach --config "$CONF" --pin-root "$LAB_DIR/plain/ikefwd"
lab_not "nothing was created there" test -e "$LAB_DIR/plain/ikefwd"

lab_log "a foreign XDP program is attached"
if [ -f "$XDP_PASS" ]; then
	ip -n m1 link set dev eth0 xdpdrv obj "$XDP_PASS" sec xdp
	id=$(ip -n m1 -d link show dev eth0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')
	rc=0
	lab_ikefwd m1 attach --config "$CONF" >"$LAB_DIR/out" 2>"$LAB_DIR/err" || rc=$?
	lab_ok "foreign program: non-zero exit" test "$rc" -ne 0
	lab_eq "foreign program: one line on stderr" "$(wc -l <"$LAB_DIR/err")" 1
	lab_ok "foreign program: the line names it ($(cat "$LAB_DIR/err"))" \
		grep -q "^ikefwd: eth0: another XDP program ('xdp_pass')" "$LAB_DIR/err"
	lab_eq "the foreign program is still there" \
		"$(ip -n m1 -d link show dev eth0 | sed -n 's/.*prog\/xdp id \([0-9]*\).*/\1/p')" "$id"
	lab_not "no clsact was added" grep -q clsact <(tc -n m1 qdisc show dev eth0)
	lab_ok "detach --all leaves the foreign program alone" \
		lab_ikefwd m1 detach --all
	lab_ok "detach --iface eth0 leaves it alone too" \
		lab_ikefwd m1 detach --iface eth0
	lab_ok "it is still there" grep -q "prog/xdp id $id " \
		<(ip -n m1 -d link show dev eth0)
	ip -n m1 link set dev eth0 xdpdrv off
else
	lab_fail_check "foreign program: $XDP_PASS is missing (set IKEFWD_XDP_PASS_OBJ)"
fi

lab_log "the second interface fails after the first was attached"
# lo has no native XDP: eth0 is attached first, then lo fails and eth0
# must be rolled back.
sed 's/^attach = eth0$/attach = eth0 lo/' "$CONF" >"$LAB_DIR/m1/lo.conf"
attach_fails "native XDP on lo" "lo: cannot attach XDP" \
	attach --config "$LAB_DIR/m1/lo.conf"
lab_ok "lo has no XDP either" lab_clean m1 lo

lab_log "inside interfaces ([interfaces] inside)"
ip -n m1 link add lan0 type veth peer name lan1
ip -n m1 link set lan0 up
ip -n m1 link set lan1 up
sed 's/^attach = eth0$/attach = eth0\ninside = nosuch1/' "$CONF" >"$LAB_DIR/m1/in-missing.conf"
attach_fails "inside = nosuch1" "interface nosuch1 does not exist" \
	attach --config "$LAB_DIR/m1/in-missing.conf"
sed 's/^attach = eth0$/attach = eth0\ninside = lan0/' "$CONF" >"$LAB_DIR/m1/in.conf"
attach_fails "lan0 given with --iface and as inside" \
	"lan0: given as outside (--iface) and as \[interfaces\] inside" \
	attach --config "$LAB_DIR/m1/in.conf" --iface eth0 --iface lan0
lab_ok "lan0 has no XDP and no clsact" lab_clean m1 lan0
# lo has no native XDP: eth0 is attached, then the inside lo fails.
sed 's/^attach = eth0$/attach = eth0\ninside = lo/' "$CONF" >"$LAB_DIR/m1/in-lo.conf"
attach_fails "native XDP on the inside lo" "lo: cannot attach XDP" \
	attach --config "$LAB_DIR/m1/in-lo.conf"
lab_ok "lo has no XDP either" lab_clean m1 lo
lab_ok "attach with inside = lan0" \
	lab_ikefwd m1 attach --config "$LAB_DIR/m1/in.conf"
lab_ok "lan0 runs xdp_ikefwd_in" \
	grep -q "prog/xdp id [0-9]* name xdp_ikefwd_in" <(ip -n m1 -d link show dev lan0)
lab_not "lan0 has no tc program (no clsact)" grep -q clsact <(tc -n m1 qdisc show dev lan0)
lab_ok "eth0 runs xdp_ikefwd" \
	grep -q "prog/xdp id [0-9]* name xdp_ikefwd " <(ip -n m1 -d link show dev eth0)
lab_ok "status lists lan0 as inside" \
	grep -q "lan0 *inside, native XDP" <(lab_ikefwd m1 status)
lab_ok "status --json: side inside" \
	grep -q '"side": "inside"' <(lab_ikefwd m1 status --json)
lab_ok "detach --all --purge" lab_ikefwd m1 detach --all --purge
lab_ok "lan0 is clean" lab_clean m1 lan0
lab_ok "eth0 is clean" lab_clean m1 eth0

lab_log "after all that, a normal attach works"
lab_ok "attach" lab_ikefwd m1 attach --config "$CONF"
lab_snap BEFORE
lab_send peer "v2-init:500:e0e1e2e3e4e5e6e7:0"
lab_settle 1
lab_eq "m1 claims a negotiation" "$(lab_d m1.claimed)" 1

lab_log "a failed re-attach leaves the running data path as it was"
# The new file asks for HA mode (everything to m2) and lo as well: lo
# fails after eth0 was upgraded.
lab_config m1 ha 2
sed 's/^attach = eth0$/attach = eth0 lo/' "$CONF" >"$LAB_DIR/m1/ha-lo.conf"
lab_config m1 load-sharing
rc=0
lab_ikefwd m1 attach --config "$LAB_DIR/m1/ha-lo.conf" >"$LAB_DIR/out" \
	2>"$LAB_DIR/err" || rc=$?
lab_ok "the re-attach fails" test "$rc" -ne 0
lab_eq "with one line on stderr" "$(wc -l <"$LAB_DIR/err")" 1
lab_ok "eth0 still runs our XDP program" \
	grep -q "prog/xdp id [0-9]* name xdp_ikefwd" <(ip -n m1 -d link show dev eth0)
lab_ok "and our tc egress filter" \
	grep -q "name tc_ikefwd_egres" <(tc -n m1 filter show dev eth0 egress)
lab_ok "lo has no XDP" lab_clean m1 lo
lab_snap BEFORE
lab_send peer "v2-init:500:e0e1e2e3e4e5e6e8:0"
lab_settle 1
lab_eq "m1 still handles IKE" "$(lab_d m1.ike_seen)" 1
lab_eq "m1 still claims in load-sharing mode (the failed file is not applied)" \
	"$(lab_d m1.claimed)/$(lab_d m2.nft.ike)" 1/0
lab_ok "detach --all --purge" lab_ikefwd m1 detach --all --purge
lab_ok "eth0 is clean" lab_clean m1 eth0

lab_finish
