/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tc egress: the seed's "Outbound IKE Flow". When this member sends IKE for
 * a negotiation the table does not know (it initiates), it becomes the
 * owner before the peer's answers arrive, wherever they land. When it sends
 * on an entry it owns (it answers), the entry is refreshed, so a
 * negotiation it is serving does not expire under it. Never drops.
 */
#ifndef IKEFWD_BPF_EGRESS_H
#define IKEFWD_BPF_EGRESS_H

#include "classify.h"
#include "members.h"
#include "owner.h"

/* An existing entry seen from the sending side. */
static __always_inline void egress_entry(struct ike_ctx *ic,
					 const struct ikefwd_key *key,
					 struct ikefwd_entry *e)
{
	if (e->owner == ic->cfg->local_member) {
		entry_touch(ic, e);
		count(IKEFWD_C_OUT_REFRESHED);
	} else if (entry_expired(ic, e) || !member_usable(ic->cfg, e->owner)) {
		/* We are the one speaking for it now. */
		entry_take_over(ic, key, e);
		count(IKEFWD_C_OUT_CLAIMED);
	} else {
		/* Two live members speak for one negotiation: the tables
		 * disagree; the sync agent settles it, not the data path. */
		count(IKEFWD_C_OUT_CONFLICT);
	}
}

static __always_inline void egress_ike(struct ike_pkt *p)
{
	const struct ikefwd_config *cfg = p->cfg;
	struct ikefwd_key p1key;
	struct ikefwd_entry *e;
	struct ike_ctx ic;

	/* HA mode does not use the table. */
	if (!cfg->local_member || cfg->mode == IKEFWD_MODE_HA)
		return;
	count(IKEFWD_C_OUT_IKE_SEEN);
	ike_ctx_init(&ic, cfg, p->ih, p->major, bpf_ktime_get_coarse_ns());

	e = bpf_map_lookup_elem(&ikefwd_table, &ic.key);
	if (e) {
		egress_entry(&ic, &ic.key, e);
		return;
	}
	if (ic.key.msgid != 0) {
		e = phase1_lookup(&ic, &p1key);
		if (e) {
			egress_entry(&ic, &p1key, e);
			if (e->owner != cfg->local_member)
				return;
			entry_insert(&ic, &ic.key, cfg->local_member,
				     IKEFWD_F_PHASE2 | IKEFWD_F_OUTBOUND,
				     IKEFWD_EV_PHASE2, IKEFWD_C_MAX);
			return;
		}
	}
	entry_insert(&ic, &ic.key, cfg->local_member, IKEFWD_F_OUTBOUND,
		     IKEFWD_EV_OUTBOUND, IKEFWD_C_OUT_CLAIMED);
}

#endif /* IKEFWD_BPF_EGRESS_H */
