/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * tc egress: what this member's IKE daemon sends is the proof that a
 * negotiation is real. When it initiates (an IKE_SA_INIT request or IKEv1
 * first message with no entry), this member becomes the owner before the
 * peer's answers arrive, wherever they land. When it answers a negotiation
 * with a responder SPI, or speaks on an IKE SA the table does not know,
 * the negotiation is promoted into the established table and announced to
 * the cluster. Answers that create no IKE SA (a COOKIE or error notify,
 * responder SPI 0) claim nothing. When it sends on an entry it owns, the
 * entry is refreshed. Never drops.
 */
#ifndef IKEFWD_BPF_EGRESS_H
#define IKEFWD_BPF_EGRESS_H

#include "classify.h"
#include "clock.h"
#include "members.h"
#include "owner.h"

#ifndef EEXIST
#define EEXIST 17
#endif
#ifndef E2BIG
#define E2BIG 7
#endif

/* An existing established entry seen from the sending side. */
static __always_inline void egress_entry(struct ike_ctx *ic,
					 const struct ikefwd_key *key,
					 struct ikefwd_entry *e)
{
	if (e->owner == ic->cfg->local_member) {
		entry_touch(ic, e);
		count(IKEFWD_C_OUT_REFRESHED);
	} else if (entry_expired(ic, e) || !member_usable(ic->cfg, e->owner)) {
		/* We are the one speaking for it now. */
		entry_take_over(ic, key, e, true);
		count(IKEFWD_C_OUT_CLAIMED);
	} else {
		/* Two live members speak for one negotiation: the tables
		 * disagree; the sync agent settles it, not the data path. */
		count(IKEFWD_C_OUT_CONFLICT);
	}
}

/* Creates the established entry key for this member and announces it.
 * BPF_NOEXIST: an entry another CPU or the sync agent wrote first is kept
 * (and looked at as any existing one). The table is a plain hash: when it
 * is full the insert fails and is counted; nothing is pushed out. */
static __always_inline int establish(struct ike_ctx *ic,
				     const struct ikefwd_key *key,
				     const struct ikefwd_entry *val,
				     __u32 ev_type)
{
	struct ikefwd_entry *e;
	long err;

	err = bpf_map_update_elem(&ikefwd_table, key, val, BPF_NOEXIST);
	if (!err) {
		tables_changed();
		publish(ic, key, ev_type, val->owner, 0, val->flags);
		return 0;
	}
	if (err == -EEXIST) {
		e = bpf_map_lookup_elem(&ikefwd_table, key);
		if (e)
			egress_entry(ic, key, e);
		return -EEXIST;
	}
	count(IKEFWD_C_PROMOTE_FULL);
	return -E2BIG;
}

/* This member's IKE daemon holds an IKE SA for ic's cookie (it answered
 * with a responder SPI, or speaks on the SA): the negotiation (cookie, 0)
 * is real. Its half-open claim, if the flood left it, moves over. */
static __always_inline void promote(struct ike_ctx *ic)
{
	__u32 local = ic->cfg->local_member;
	struct ikefwd_entry val = {
		.last_seen_ns = ic->now,
		.created_ns = ic->now,
		.owner = local,
		.flags = IKEFWD_F_PROMOTED | ic->ver_flag,
	};
	struct ikefwd_key p1key = {};
	struct ikefwd_entry *ho;

	__builtin_memcpy(p1key.ispi, ic->key.ispi, sizeof(p1key.ispi));
	ho = bpf_map_lookup_elem(&ikefwd_halfopen, &p1key);
	if (ho) {
		/* First claim time: what the sync agent's conflict rule
		 * compares. */
		val.created_ns = ho->created_ns;
		val.flags |= ho->flags & IKEFWD_F_CLAIMED;
	}
	if (establish(ic, &p1key, &val, IKEFWD_EV_PROMOTE))
		return;
	count(IKEFWD_C_PROMOTED);
	if (ho)
		bpf_map_delete_elem(&ikefwd_halfopen, &p1key);
}

static __always_inline void egress_ike(struct ike_pkt *p)
{
	const struct ikefwd_config *cfg = p->cfg;
	struct ikefwd_key p1key;
	struct ikefwd_entry *e;
	struct ike_ctx ic;

	/* HA and ha-sync modes do not use the table: nothing to claim or
	 * promote (in ha-sync the ha plugin decides who speaks). */
	if (!cfg->local_member || cfg->mode == IKEFWD_MODE_HA ||
	    cfg->mode == IKEFWD_MODE_HA_SYNC)
		return;
	count(IKEFWD_C_OUT_IKE_SEEN);
	ike_ctx_init(&ic, cfg, p->ih, p->major, ikefwd_now());

	e = bpf_map_lookup_elem(&ikefwd_table, &ic.key);
	if (e) {
		egress_entry(&ic, &ic.key, e);
		return;
	}
	if (ic.key.msgid != 0) {
		e = phase1_lookup(&ic, &p1key);
		if (e) {
			/* Every exchange follows (cookie, 0) at ingress: no
			 * entry per msgid is needed. */
			egress_entry(&ic, &p1key, e);
			return;
		}
	}
	if (ic.rspi != 0) {
		promote(&ic);
		return;
	}
	if (starts_negotiation(&ic)) {
		/* We initiate: the answer may land on any member, so the
		 * claim is established and announced at once. Bounded by
		 * what this member's own IKE daemon starts. */
		struct ikefwd_entry val = {
			.last_seen_ns = ic.now,
			.created_ns = ic.now,
			.owner = cfg->local_member,
			.flags = IKEFWD_F_OUTBOUND | ic.ver_flag,
		};

		if (!establish(&ic, &ic.key, &val, IKEFWD_EV_OUTBOUND))
			count(IKEFWD_C_OUT_CLAIMED);
		return;
	}
	/* A COOKIE or error notify (responder SPI 0) to a negotiation we
	 * hold no state for: the answer to a flood creates nothing. */
	count(IKEFWD_C_OUT_STATELESS);
}

#endif /* IKEFWD_BPF_EGRESS_H */
