// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwd data path: keeps every IKE negotiation on the cluster member that
 * manages it.
 *
 * xdp_ikefwd (XDP, ingress) classifies IKEv1/IKEv2 on the IKE and NAT-T
 * ports, looks the negotiation up in the ownership table, and passes it to
 * the local stack, takes ownership of it, or redirects it to the owning
 * member. tc_ikefwd_egress (tc clsact egress) makes this member the owner
 * of the negotiations it initiates, and drops cleartext that escaped a
 * tunnel (the leak guard). xdp_ikefwd_in, on the inside interfaces, steers
 * cleartext to the member holding its CHILD_SA. Everything that is not IKE
 * leaves at the first test that rules it out.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "classify.h"
#include "egress.h"
#include "esp.h"
#include "ha_sync.h"
#include "ingress.h"
#include "inside.h"
#include "leak.h"
#include "maps.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

SEC("xdp")
int xdp_ikefwd(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct ike_pkt p = {};
	enum ikefwd_counter why;
	enum ike_class cls;
	int action;

	cls = ike_classify(&p, data, data_end, false, &why);
	switch (cls) {
	case CLASS_IKE:
	case CLASS_ESP:
		/* ha-sync mode: IKE and ESP alike go by the peer's segment
		 * (bpf/ha_sync.h). */
		if (p.cfg->mode == IKEFWD_MODE_HA_SYNC)
			action =
				ha_sync_ingress(&p, data_end, cls == CLASS_ESP);
		else if (cls == CLASS_IKE)
			action = ingress_ike(&p, data_end);
		else
			action = ingress_esp(&p);
		return forward_finish(ctx, &p, action);
	case CLASS_LATER_FRAG:
		return ingress_later_frag(&p, data_end);
	case CLASS_COUNTED:
		count(why);
		return XDP_PASS;
	default:
		return XDP_PASS;
	}
}

/* The inside interfaces' program: cleartext towards a tunnel goes to the
 * member holding its CHILD_SA (bpf/inside.h). Same object, same maps. */
SEC("xdp")
int xdp_ikefwd_in(struct xdp_md *ctx)
{
	return inside_steer(ctx);
}

SEC("tc")
int tc_ikefwd_egress(struct __sk_buff *skb)
{
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct ike_pkt p = {};
	enum ikefwd_counter why;

	if (leak_guard_blocks(skb))
		return TC_ACT_SHOT;
	/* Malformed outbound packets are our own stack's: not counted. */
	if (ike_classify(&p, data, data_end, true, &why) == CLASS_IKE)
		egress_ike(&p);
	return TC_ACT_OK;
}
