#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# ikefwd attach warns, in one line, when a member's egress is a veth whose
# far end drops redirected frames (no XDP program, GRO off): m1's eth0
# leads to the switch's port "m1" in another namespace. With GRO on there
# (the lab's default) no warning; with GRO off one line naming the far
# end; with an XDP program on the far end no warning again.
# shellcheck source=tests/integration/lab.sh
. "$(dirname "$0")/lab.sh"
lab_init "$@"
lab_create policy
lab_config m1 load-sharing
CONF=$LAB_DIR/m1/ikefwd.conf
XDP_PASS=${IKEFWD_XDP_PASS_OBJ:-$(dirname "$IKEFWD")/../bpf/xdp_pass.bpf.o}

attach_warnings() {
	lab_ikefwd m1 attach --config "$CONF" >"$LAB_DIR/out" 2>"$LAB_DIR/err" ||
		lab_fail_check "attach on m1" "$(cat "$LAB_DIR/err")"
	grep -c "is a veth whose far end" "$LAB_DIR/err" || true
}

lab_log "far end with GRO on (the lab's default)"
lab_eq "no warning" "$(attach_warnings)" 0
lab_ikefwd m1 detach --all >/dev/null 2>&1

lab_log "far end with GRO off and no XDP program"
lab_ns sw ethtool -K m1 gro off
lab_eq "one warning" "$(attach_warnings)" 1
lab_ok "one line naming the egress and the far end ($(grep veth "$LAB_DIR/err"))" \
	grep -q "^ikefwd: warning: member [23]'s egress eth0 is a veth whose far end m1 has no XDP program and GRO off" "$LAB_DIR/err"
lab_ikefwd m1 detach --all >/dev/null 2>&1

lab_log "far end with GRO off but an XDP program"
lab_ns sw ip link set dev m1 xdp obj "$XDP_PASS" sec xdp
lab_eq "no warning" "$(attach_warnings)" 0
lab_ns sw ip link set dev m1 xdp off
lab_ikefwd m1 detach --all >/dev/null 2>&1

lab_finish
