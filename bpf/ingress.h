/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * XDP ingress: decide the owner of a classified IKE packet and deliver it
 * locally or to that owner.
 */
#ifndef IKEFWD_BPF_INGRESS_H
#define IKEFWD_BPF_INGRESS_H

#include "classify.h"
#include "forward.h"
#include "fragments.h"
#include "members.h"
#include "owner.h"

/* Pass to the local stack, or redirect to a peer: the single exit of every
 * classified IKE packet. */
static __always_inline int deliver(const struct ikefwd_config *cfg,
				   struct ike_pkt *p, __u32 owner)
{
	int action;

	if (owner == cfg->local_member)
		goto local;
	/* Whatever our table says, a frame a peer forwarded to us stays: two
	 * members with different views must not bounce it between them. */
	if (from_peer(cfg, p->eth)) {
		count(IKEFWD_C_LOOP_GUARD);
		goto local;
	}
	action = forward_to(p, owner, IKEFWD_C_FORWARDED);
	if (action == XDP_REDIRECT)
		return action;
local:
	count(IKEFWD_C_LOCAL);
	return XDP_PASS;
}

static __always_inline __u32 ha_owner(const struct ikefwd_config *cfg)
{
	__u32 active = cfg->active_member;

	if (active == 0 || active == cfg->local_member) {
		count(IKEFWD_C_HA_LOCAL);
		return cfg->local_member;
	}
	if (!member_usable(cfg, active)) {
		count(IKEFWD_C_OWNER_DEAD);
		count(IKEFWD_C_HA_LOCAL);
		return cfg->local_member;
	}
	count(IKEFWD_C_HA_FORWARDED);
	return active;
}

static __always_inline int ingress_ike(struct ike_pkt *p, void *data_end)
{
	const struct ikefwd_config *cfg = p->cfg;
	struct ike_ctx ic;
	__u32 owner;
	int action;

	count(IKEFWD_C_IKE_SEEN);
	count(p->major == 1 ? IKEFWD_C_IKE_V1 : IKEFWD_C_IKE_V2);
	if (!cfg->local_member) {
		count(IKEFWD_C_UNCONFIGURED);
		return XDP_PASS;
	}

	ike_ctx_init(&ic, cfg, p->ih, p->major, bpf_ktime_get_coarse_ns());
	ic.l3 = &p->l3;
	ic.data_end = data_end;
	if (cfg->mode == IKEFWD_MODE_HA)
		owner = ha_owner(cfg);
	else
		owner = resolve_owner(&ic);

	action = deliver(cfg, p, owner);
	if (p->l3.first_frag)
		frag_remember(&p->l3, data_end,
			      action == XDP_REDIRECT ? owner : 0, ic.now);
	return action;
}

/* A fragment after the first: no UDP header, so follow the first. */
static __always_inline int ingress_later_frag(struct ike_pkt *p, void *data_end)
{
	const struct ikefwd_config *cfg = config_get();
	long owner;

	if (!cfg || !cfg->local_member)
		return XDP_PASS;
	owner = frag_recall(&p->l3, data_end, bpf_ktime_get_coarse_ns());
	if (owner < 0) {
		count(IKEFWD_C_FRAG_NO_RECORD);
		return XDP_PASS;
	}
	count(IKEFWD_C_FRAG_FOLLOWED);
	if (owner == 0 || !member_usable(cfg, owner))
		return XDP_PASS;
	return forward_to(p, owner, IKEFWD_C_FORWARDED);
}

#endif /* IKEFWD_BPF_INGRESS_H */
