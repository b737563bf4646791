/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The ownership decision of Load Sharing mode. This is the only place where
 * the owner of an IKE packet is decided:
 *
 *   1. an established entry (cookie, msgid) in ikefwd_table;
 *   2. msgid != 0: the negotiation's established entry (cookie, 0);
 *      msgid 0: a half-open claim (cookie, 0) in ikefwd_halfopen;
 *   3. a packet that starts a negotiation (IKE_SA_INIT request, IKEv1 first
 *      Main/Aggressive Mode message): a half-open claim by this member;
 *   4. anything else: the member label in its SPIs, else handled here,
 *      with no state created (a flood of made-up SPIs leaves nothing).
 *
 * Established entries are made only when a negotiation proves real:
 * egress.h promotes a claim when this member's IKE daemon answers it with a
 * responder SPI, the sync agent writes its peers' promotions, and the IKE
 * daemon's integration registers its IKE SAs.
 */
#ifndef IKEFWD_BPF_OWNER_H
#define IKEFWD_BPF_OWNER_H

#include "classify.h"
#include "hot.h"
#include "maps.h"
#include "members.h"

#define NSEC_PER_SEC 1000000000ULL

#define IKEV1_EXCH_MAIN 2
#define IKEV1_EXCH_AGGRESSIVE 4
#define IKEV2_EXCH_IKE_SA_INIT 34
#define IKEV2_FLAG_I 0x08
#define IKEV2_FLAG_R 0x20
#define IKEV2_PAYLOAD_SKF 53 /* Encrypted and Authenticated Fragment */

struct ike_ctx {
	const struct ikefwd_config *cfg;
	struct ikefwd_key key;
	__u64 rspi; /* responder SPI, host order (0 in a first request) */
	__u64 now;
	__u64 timeout_ns;
	__u32 ver_flag; /* IKEFWD_F_IKEV1 or IKEFWD_F_IKEV2 */
	__u8 exchange;
	__u8 ike_flags; /* the header's flags byte */
	__u8 next_payload;
	/* Ingress only (else NULL): the IP header, for the claim budget. */
	const struct l3_info *l3;
	void *data_end;
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
	ic->exchange = ih->exchange;
	ic->ike_flags = ih->flags;
	ic->next_payload = ih->next_payload;
	ic->l3 = NULL;
	ic->data_end = NULL;
}

/* The first message of a negotiation, the only one that may create state
 * before the IKE daemon has said anything: an IKEv2 IKE_SA_INIT request
 * (RFC 7296 3.1: msgid 0, responder SPI 0, Initiator flag, no Response
 * flag) or an IKEv1 first Main / Aggressive Mode message (responder cookie
 * 0, msgid 0). COOKIE and INVALID_KE retries are IKE_SA_INIT requests too. */
static __always_inline bool starts_negotiation(const struct ike_ctx *ic)
{
	if (ic->key.msgid != 0 || ic->rspi != 0)
		return false;
	if (ic->ver_flag == IKEFWD_F_IKEV1)
		return ic->exchange == IKEV1_EXCH_MAIN ||
		       ic->exchange == IKEV1_EXCH_AGGRESSIVE;
	return ic->exchange == IKEV2_EXCH_IKE_SA_INIT &&
	       (ic->ike_flags & (IKEV2_FLAG_I | IKEV2_FLAG_R)) == IKEV2_FLAG_I;
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
	/* An IKE SA its owner's IKE daemon registered lives until the
	 * daemon deletes it, however quiet it is. */
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

/* Re-home an expired entry, or one whose owner is gone, to this member.
 * Only established entries are announced: a half-open claim is this
 * member's business until it proves real. A registration belonged to the
 * old owner's IKE daemon: it does not carry over. */
static __always_inline __u32 entry_take_over(struct ike_ctx *ic,
					     const struct ikefwd_key *key,
					     struct ikefwd_entry *e,
					     bool established)
{
	__u32 prev = e->owner;
	__u32 local = ic->cfg->local_member;

	e->owner = local;
	e->created_ns = ic->now;
	e->last_seen_ns = ic->now;
	e->flags = (e->flags & (IKEFWD_F_PHASE2 | IKEFWD_F_PROMOTED)) |
		   IKEFWD_F_TAKEOVER | IKEFWD_F_CLAIMED | ic->ver_flag;
	tables_changed();
	if (established)
		publish(ic, key, IKEFWD_EV_TAKEOVER, local, prev, e->flags);
	return local;
}

/* Until when a cached answer taken from e may stand: its expiry
 * (entry_expired()), none for a registration. */
static __always_inline __u64 entry_hot_until(const struct ike_ctx *ic,
					     const struct ikefwd_entry *e)
{
	if (e->flags & IKEFWD_F_REGISTERED)
		return hot_until(ic->now, 0);
	return hot_until(ic->now, e->last_seen_ns + ic->timeout_ns);
}

/* Live entry: its owner. Expired or dead owner: this member takes over. */
static __always_inline __u32 entry_resolve(struct ike_ctx *ic,
					   const struct ikefwd_key *key,
					   struct ikefwd_entry *e,
					   bool established)
{
	if (entry_expired(ic, e)) {
		count(IKEFWD_C_EXPIRED);
		return entry_take_over(ic, key, e, established);
	}
	if (!member_usable(ic->cfg, e->owner)) {
		count(IKEFWD_C_OWNER_DEAD);
		return entry_take_over(ic, key, e, established);
	}
	entry_touch(ic, e);
	return e->owner;
}

/* A half-open claim of the negotiation ic starts, unless another CPU got
 * there first: then that claim wins. Never announced, never replicated:
 * a spoofed IKE_SA_INIT costs one LRU slot here and nothing elsewhere. */
static __always_inline __u32 halfopen_claim(struct ike_ctx *ic)
{
	__u32 local = ic->cfg->local_member;
	struct ikefwd_entry val = {
		.last_seen_ns = ic->now,
		.created_ns = ic->now,
		.owner = local,
		.flags = IKEFWD_F_CLAIMED | ic->ver_flag,
	};
	struct ikefwd_entry *e;

	if (!bpf_map_update_elem(&ikefwd_halfopen, &ic->key, &val,
				 BPF_NOEXIST)) {
		count(IKEFWD_C_CLAIMED);
		return local;
	}
	count(IKEFWD_C_CLAIM_RACE);
	e = bpf_map_lookup_elem(&ikefwd_halfopen, &ic->key);
	if (e)
		return entry_resolve(ic, &ic->key, e, false);
	/* Inserted and evicted in between: handle it here, untracked. */
	return local;
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

/* The optional claim budget: true when the sender's prefix (IPv4 /24,
 * IPv6 /64) has made claim_budget claims in the current second already.
 * Approximate across CPUs (two may take the last claim of a window);
 * what it bounds is a flood from few prefixes, without state per packet. */
static __always_inline bool over_budget(struct ike_ctx *ic)
{
	struct ikefwd_budget_key k = {};
	struct ikefwd_budget fresh = { .window_ns = ic->now, .claims = 1 };
	const struct l3_info *l3 = ic->l3;
	struct ikefwd_budget *b;

	if (!l3 || !l3->iph)
		return false;
	if (l3->is_ipv6) {
		struct ipv6hdr *ip6h = l3->iph;

		if ((void *)(ip6h + 1) > ic->data_end)
			return false;
		__builtin_memcpy(k.prefix, &ip6h->saddr, 8);
	} else {
		struct iphdr *iph = l3->iph;

		if ((void *)(iph + 1) > ic->data_end)
			return false;
		k.prefix[10] = k.prefix[11] = 0xff;
		__builtin_memcpy(&k.prefix[12], &iph->saddr, 3);
	}
	b = bpf_map_lookup_elem(&ikefwd_budget, &k);
	if (!b) {
		bpf_map_update_elem(&ikefwd_budget, &k, &fresh, BPF_ANY);
		return false;
	}
	if (ic->now - b->window_ns >= IKEFWD_BUDGET_WINDOW_NS) {
		b->window_ns = ic->now;
		b->claims = 1;
		return false;
	}
	if (b->claims >= ic->cfg->claim_budget)
		return true;
	__sync_fetch_and_add(&b->claims, 1);
	return false;
}

static __always_inline __u32 resolve_owner(struct ike_ctx *ic)
{
	struct ikefwd_key p1key;
	struct ikefwd_entry *e;
	struct hot_ref hot;
	__u32 owner;

	/* Steps 1 and 2 as this CPU answered them lately (bpf/hot.h), for
	 * IKEv2 fragments (RFC 7383) only: the fragments of one message
	 * share its key and arrive back to back, the one IKE traffic that
	 * repeats keys. Every other exchange brings a new msgid, whose probe
	 * would touch a cold slot for nothing (measured: +40 ns a packet,
	 * docs/benchmarks.md). */
	hot.slot = NULL;
	if (ic->next_payload == IKEV2_PAYLOAD_SKF &&
	    ic->ver_flag == IKEFWD_F_IKEV2) {
		owner = hot_ike_get(ic->cfg, &ic->key, ic->now, &hot);
		if (owner)
			return owner;
	}

	e = bpf_map_lookup_elem(&ikefwd_table, &ic->key);
	if (e) {
		owner = entry_resolve(ic, &ic->key, e, true);
		hot_ike_put(&hot, &ic->key, owner, entry_hot_until(ic, e),
			    IKEFWD_C_MAX);
		return owner;
	}

	if (ic->key.msgid != 0) {
		/* Phase 2 (IKEv1 Quick Mode, DPD, Mode-Config) and every IKEv2
		 * exchange after IKE_SA_INIT go to the member that holds the
		 * negotiation's established msgid-0 entry. No entry is derived
		 * for the msgid: one more lookup per packet, and a peer
		 * spraying msgids on a known cookie creates nothing. */
		e = phase1_lookup(ic, &p1key);
		if (e) {
			count(IKEFWD_C_PHASE2_FALLBACK);
			owner = entry_resolve(ic, &p1key, e, true);
			hot_ike_put(&hot, &ic->key, owner,
				    entry_hot_until(ic, e),
				    IKEFWD_C_PHASE2_FALLBACK);
			return owner;
		}
	} else {
		/* Retransmissions and COOKIE / INVALID_KE retries of a
		 * negotiation claimed here and not answered yet. */
		e = bpf_map_lookup_elem(&ikefwd_halfopen, &ic->key);
		if (e) {
			count(IKEFWD_C_HALFOPEN_HIT);
			return entry_resolve(ic, &ic->key, e, false);
		}
	}

	if (starts_negotiation(ic)) {
		if (ic->cfg->claim_budget && over_budget(ic)) {
			/* The daemon still sees it (and may demand a
			 * COOKIE); only ikefwd keeps no state for it. */
			count(IKEFWD_C_CLAIM_OVER_BUDGET);
			return ic->cfg->local_member;
		}
		return halfopen_claim(ic);
	}

	/* Not a start and unknown: the IKE SA of another member's daemon
	 * (its label says which), or one nobody knows. Routed or handled
	 * here, but it creates no state. */
	owner = label_owner(ic);
	if (owner && member_usable(ic->cfg, owner)) {
		count(IKEFWD_C_LABEL_ROUTED);
		return owner;
	}
	count(IKEFWD_C_UNCLAIMED);
	return ic->cfg->local_member;
}

#endif /* IKEFWD_BPF_OWNER_H */
