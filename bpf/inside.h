/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside steering (xdp_ikefwd_in, on the interfaces facing the protected
 * networks): cleartext on its way into a tunnel goes to the member holding
 * the CHILD_SA, whichever member the inside router picked. The owner comes
 * from the longest registered remote selector covering the destination:
 *  - no selector: not tunnel traffic, passed untouched;
 *  - owned here: passed (the local IPsec stack encrypts it);
 *  - owned by a usable peer: redirected to it, as IKE and ESP are, with
 *    a UDP or TCP checksum left to offload completed on the way;
 *  - owner dead, unreachable, registration expired, redirect failed, or a
 *    peer forwarded it to us although another member owns it: dropped.
 *    Passing it would let this member's stack route it by its default
 *    route, in the clear: a tunnel's traffic fails closed.
 * In ha-sync mode a registration that carries its IKE peer's segment
 * (include/ikefwd/selector.h) goes to the member holding that segment
 * instead of its owner, so that a takeover moves all of a segment's
 * selectors with one map write; a segment held by nobody yet is passed
 * (both members hold the CHILD_SA, one of them active, and the plugin has
 * not decided which). Registrations without a segment keep the owner.
 */
#ifndef IKEFWD_BPF_INSIDE_H
#define IKEFWD_BPF_INSIDE_H

#include "classify.h"
#include "forward.h"
#include "ha_sync.h"
#include "maps.h"
#include "members.h"
#include "parsing.h"
#include "selector.h"

/* Cleartext redirected to the owner leaves without its skb: a checksum
 * the sender left to offload is completed now (bpf/forward.h). Only whole
 * UDP and TCP packets whose headers parsed: in a fragment, or behind a bad
 * extension chain, the L4 header is not where the cursor points. */
static __always_inline void inside_csum_finish(struct xdp_md *ctx, void *data,
					       struct l3_info *l3,
					       enum parse_result r, void *l4)
{
	struct csum_req req;

	if (r != PARSE_OK || l3->first_frag || l3->later_frag)
		return;
	if (l3->l4proto != IPPROTO_UDP && l3->l4proto != IPPROTO_TCP)
		return;
	req.l3_off = l3->iph - data;
	req.l4_off = l4 - data;
	if (!l4_csum_partial(data, (void *)(long)ctx->data_end, req.l3_off,
			     req.l4_off, l3->is_ipv6, l3->l4proto))
		return;
	req.is_ipv6 = l3->is_ipv6;
	req.l4proto = l3->l4proto;
	ikefwd_l4_csum_complete(ctx, &req);
}

static __always_inline int inside_steer(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor c = { .pos = data };
	const struct ikefwd_config *cfg;
	struct l3_info l3 = {};
	enum parse_result r;
	struct ikefwd_ts ts;
	struct ethhdr *eth;
	__be16 proto;
	__u32 owner;

	proto = parse_ethhdr(&c, data_end, &eth);
	if (proto == bpf_htons(ETH_P_IP))
		r = parse_ipv4(&c, data_end, &l3);
	else if (proto == bpf_htons(ETH_P_IPV6))
		r = parse_ipv6(&c, data_end, &l3);
	else
		return XDP_PASS;
	/* Only the destination is read: a bad extension chain or options
	 * do not hide it, but a header shorter than allowed does. */
	if (r == PARSE_BAD && !l3.is_ipv6) {
		count(IKEFWD_C_BAD_IPV4_IHL);
		return XDP_PASS;
	}
	if (!l3.iph)
		return XDP_PASS;
	cfg = config_get();
	if (!cfg || !cfg->local_member)
		return XDP_PASS;
	count(IKEFWD_C_INSIDE_SEEN);

	if (!ts_lookup(&l3, &ts)) {
		count(IKEFWD_C_INSIDE_NO_MATCH);
		return XDP_PASS;
	}
	owner = ts.owner;
	if (ts_expired(&ts)) {
		count(IKEFWD_C_INSIDE_EXPIRED);
		return XDP_DROP;
	}
	if (cfg->mode == IKEFWD_MODE_HA_SYNC && ikefwd_ts_segment(ts.flags)) {
		count(IKEFWD_C_INSIDE_BY_SEGMENT);
		owner = ha_sync_holder(ikefwd_ts_segment(ts.flags));
		if (!owner) {
			count(IKEFWD_C_INSIDE_SEGMENT_UNASSIGNED);
			return XDP_PASS;
		}
	}
	if (owner == cfg->local_member) {
		count(IKEFWD_C_INSIDE_LOCAL);
		return XDP_PASS;
	}
	if (!member_usable(cfg, owner)) {
		count(IKEFWD_C_INSIDE_OWNER_DEAD);
		return XDP_DROP;
	}
	/* A peer sent it here as the owner; our view says otherwise (a
	 * tunnel moving): bouncing it back could loop, passing it leaks. */
	if (from_peer(cfg, eth)) {
		count(IKEFWD_C_INSIDE_LOOP_GUARD);
		return XDP_DROP;
	}
	if (forward_eth_to(eth, owner, IKEFWD_C_INSIDE_FORWARDED) ==
	    XDP_REDIRECT) {
		inside_csum_finish(ctx, data, &l3, r, c.pos);
		return XDP_REDIRECT;
	}
	count(IKEFWD_C_INSIDE_REDIRECT_FAIL);
	return XDP_DROP;
}

#endif /* IKEFWD_BPF_INSIDE_H */
