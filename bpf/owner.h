/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ownership decision of Load Sharing mode: exact (cookie, msgid) entry,
 * else the Phase-1 entry (cookie, 0), else take ownership. This is the only
 * place where the owner of an IKE packet is decided.
 */
#ifndef IKEFWD_BPF_OWNER_H
#define IKEFWD_BPF_OWNER_H

#include "classify.h"
#include "maps.h"
#include "members.h"

#define NSEC_PER_SEC 1000000000ULL

struct ike_ctx {
	const struct ikefwd_config *cfg;
	struct ikefwd_key key;
	__u64 rspi; /* responder SPI, host order (0 in a first request) */
	__u64 now;
	__u64 timeout_ns;
	__u32 ver_flag; /* IKEFWD_F_IKEV1 or IKEFWD_F_IKEV2 */
};

static __always_inline void ike_ctx_init(struct ike_ctx *ic,
					 const struct ikefwd_config *cfg,
					 const struct ike_hdr *ih, __u8 major,
					 __u64 now)
{
	ic->cfg = cfg;
	ic->now = now;
	__builtin_memcpy(ic->key.ispi, ih->ispi, sizeof(ic->key.ispi));
	ic->key.msgid = bpf_ntohl(ih->msgid);
	ic->rspi = bpf_be64_to_cpu(*(__u64 *)ih->rspi);
	ic->timeout_ns =
		(__u64)(cfg->timeout_sec ?: IKEFWD_DEFAULT_TIMEOUT_SEC) *
		NSEC_PER_SEC;
	ic->ver_flag = major == 1 ? IKEFWD_F_IKEV1 : IKEFWD_F_IKEV2;
}

static __always_inline void publish(struct ike_ctx *ic,
				    const struct ikefwd_key *key, __u32 type,
				    __u32 owner, __u32 prev, __u32 flags)
{
	struct ikefwd_event ev = {
		.type = type,
		.owner = owner,
		.prev_owner = prev,
		.flags = flags,
		.key = *key,
		.ts_ns = ic->now,
	};

	if (bpf_ringbuf_output(&ikefwd_events, &ev, sizeof(ev), 0))
		count(IKEFWD_C_EVENT_LOST);
}

static __always_inline bool entry_expired(const struct ike_ctx *ic,
					  const struct ikefwd_entry *e)
{
	/* An IKE SA its owner's IKE daemon holds stays reachable however
	 * long it is idle (a long DPD interval); its owner removes it. */
	if (e->flags & IKEFWD_F_REGISTERED)
		return false;
	/* Signed: an entry stamped slightly in the future (by a peer or by
	 * userspace) is fresh, not 584 years old. */
	return (__s64)(ic->now - e->last_seen_ns) > (__s64)ic->timeout_ns;
}

/* Refresh in place and only once per IKEFWD_REFRESH_NS: a map update per
 * packet would cost an LRU update and bounce the entry between CPUs. */
static __always_inline void entry_touch(const struct ike_ctx *ic,
					struct ikefwd_entry *e)
{
	if ((__s64)(ic->now - e->last_seen_ns) > (__s64)IKEFWD_REFRESH_NS)
		e->last_seen_ns = ic->now;
}

/* Re-home an expired entry, or one whose owner is gone, to this member. */
static __always_inline __u32 entry_take_over(struct ike_ctx *ic,
					     const struct ikefwd_key *key,
					     struct ikefwd_entry *e)
{
	__u32 prev = e->owner;
	__u32 local = ic->cfg->local_member;

	e->owner = local;
	e->created_ns = ic->now;
	e->last_seen_ns = ic->now;
	e->flags = (e->flags & IKEFWD_F_PHASE2) | IKEFWD_F_TAKEOVER |
		   IKEFWD_F_CLAIMED | ic->ver_flag;
	publish(ic, key, IKEFWD_EV_TAKEOVER, local, prev, e->flags);
	return local;
}

/* Live entry: its owner. Expired or dead owner: this member takes over. */
static __always_inline __u32 entry_resolve(struct ike_ctx *ic,
					   const struct ikefwd_key *key,
					   struct ikefwd_entry *e)
{
	if (entry_expired(ic, e)) {
		count(IKEFWD_C_EXPIRED);
		return entry_take_over(ic, key, e);
	}
	if (!member_usable(ic->cfg, e->owner)) {
		count(IKEFWD_C_OWNER_DEAD);
		return entry_take_over(ic, key, e);
	}
	entry_touch(ic, e);
	return e->owner;
}

/* Create the entry for key with owner, unless another CPU (or the sync
 * agent) got there first: then that entry wins. */
static __always_inline __u32 entry_insert(struct ike_ctx *ic,
					  const struct ikefwd_key *key,
					  __u32 owner, __u32 flags,
					  __u32 ev_type,
					  enum ikefwd_counter on_new)
{
	struct ikefwd_entry val = {
		.last_seen_ns = ic->now,
		.created_ns = ic->now,
		.owner = owner,
		.flags = flags | ic->ver_flag,
	};
	struct ikefwd_entry *e;

	if (!bpf_map_update_elem(&ikefwd_table, key, &val, BPF_NOEXIST)) {
		if (on_new != IKEFWD_C_MAX)
			count(on_new);
		publish(ic, key, ev_type, owner, 0, val.flags);
		return owner;
	}
	count(IKEFWD_C_CLAIM_RACE);
	e = bpf_map_lookup_elem(&ikefwd_table, key);
	if (e)
		return entry_resolve(ic, key, e);
	/* Inserted and evicted in between: handle it here, untracked. */
	return ic->cfg->local_member;
}

/* The negotiation's msgid-0 entry, whose owner owns every later exchange. */
static __always_inline struct ikefwd_entry *
phase1_lookup(const struct ike_ctx *ic, struct ikefwd_key *p1key)
{
	__builtin_memcpy(p1key->ispi, ic->key.ispi, sizeof(p1key->ispi));
	p1key->msgid = 0;
	return bpf_map_lookup_elem(&ikefwd_table, p1key);
}

/* The member whose label one of the SPIs carries (the responder's first:
 * it is the one a member allocated when it answered), or 0. Each member's
 * IKE daemon labels the SPIs it allocates (strongSwan charon.spi_mask /
 * spi_label), so this survives the loss of the table and covers rekeyed
 * IKE SAs, whose new SPIs the data path never sees in clear. */
static __always_inline __u32 label_owner(const struct ike_ctx *ic)
{
	const struct ikefwd_config *cfg = ic->cfg;
	__u64 mask = cfg->spi_label_mask;
	__u32 last = cfg->max_member ?: IKEFWD_MAX_MEMBERS - 1;
	__u64 spis[2] = { ic->rspi, bpf_be64_to_cpu(*(__u64 *)ic->key.ispi) };
	struct ikefwd_member *m;
	__u32 id;
	int i;

	if (!(cfg->flags & IKEFWD_CFG_SPI_LABELS) || !mask)
		return 0;
	for (i = 0; i < 2; i++) {
		if (!spis[i])
			continue;
		for (id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
			if (id > last)
				break;
			m = member_get(id);
			if (m && (m->spi_label & mask) &&
			    (m->spi_label & mask) == (spis[i] & mask))
				return id;
		}
	}
	return 0;
}

/* A later exchange's entry made before its IKE SA was registered (claimed
 * where a packet landed, or derived from such a claim) is a guess: the
 * registered Phase-1 entry says which member's IKE daemon holds the SA, so
 * the guess follows it. Without this a packet that beat the registration
 * (a rekeyed IKE SA is usable the moment the response leaves) would keep
 * its retransmits on a member that cannot answer them. */
static __always_inline void entry_follow_registered(struct ike_ctx *ic,
						    struct ikefwd_entry *e)
{
	struct ikefwd_key p1key;
	struct ikefwd_entry *p1;
	__u32 prev;

	if (ic->key.msgid == 0 || (e->flags & IKEFWD_F_REGISTERED))
		return;
	p1 = phase1_lookup(ic, &p1key);
	if (!p1 || !(p1->flags & IKEFWD_F_REGISTERED) ||
	    p1->owner == e->owner || !member_usable(ic->cfg, p1->owner))
		return;
	count(IKEFWD_C_REGISTERED_FOLLOW);
	prev = e->owner;
	e->owner = p1->owner;
	e->created_ns = ic->now;
	e->last_seen_ns = ic->now;
	e->flags = IKEFWD_F_PHASE2 | ic->ver_flag;
	publish(ic, &ic->key, IKEFWD_EV_PHASE2, e->owner, prev, e->flags);
}

static __always_inline __u32 resolve_owner(struct ike_ctx *ic)
{
	struct ikefwd_key p1key;
	struct ikefwd_entry *e;
	__u32 owner;

	e = bpf_map_lookup_elem(&ikefwd_table, &ic->key);
	if (e) {
		entry_follow_registered(ic, e);
		return entry_resolve(ic, &ic->key, e);
	}

	if (ic->key.msgid != 0) {
		/* Phase 2 (IKEv1 Quick Mode, DPD, Mode-Config) and every IKEv2
		 * exchange after IKE_SA_INIT go to the member that holds the
		 * negotiation's msgid-0 entry. */
		e = phase1_lookup(ic, &p1key);
		if (e) {
			owner = entry_resolve(ic, &p1key, e);
			count(IKEFWD_C_PHASE2_FALLBACK);
			return entry_insert(ic, &ic->key, owner,
					    IKEFWD_F_PHASE2, IKEFWD_EV_PHASE2,
					    IKEFWD_C_MAX);
		}
	}

	owner = label_owner(ic);
	if (owner && member_usable(ic->cfg, owner))
		return entry_insert(ic, &ic->key, owner, IKEFWD_F_LABEL,
				    IKEFWD_EV_LABEL, IKEFWD_C_LABEL_ROUTED);
	return entry_insert(ic, &ic->key, ic->cfg->local_member,
			    IKEFWD_F_CLAIMED, IKEFWD_EV_CLAIM,
			    IKEFWD_C_CLAIMED);
}

#endif /* IKEFWD_BPF_OWNER_H */
