/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * IP fragments of IKE messages (large IKE_AUTH with certificates, large
 * IKE_SA_INIT key exchanges): only the first fragment has the UDP and IKE
 * headers, so its decision is remembered under (source, destination, ID,
 * protocol) and the later fragments follow it to the same member.
 */
#ifndef IKEFWD_BPF_FRAGMENTS_H
#define IKEFWD_BPF_FRAGMENTS_H

#include "maps.h"
#include "parsing.h"

static __always_inline void frag_key_fill(struct ikefwd_frag_key *k,
					  const struct l3_info *l3,
					  void *data_end)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->id = l3->frag_id;
	k->proto = l3->l4proto;
	if (l3->is_ipv6) {
		struct ipv6hdr *ip6h = l3->iph;

		if ((void *)(ip6h + 1) > data_end)
			return;
		__builtin_memcpy(k->saddr, &ip6h->saddr, 16);
		__builtin_memcpy(k->daddr, &ip6h->daddr, 16);
	} else {
		struct iphdr *iph = l3->iph;

		if ((void *)(iph + 1) > data_end)
			return;
		/* IPv4-mapped, so both families share one key layout. */
		k->saddr[10] = k->saddr[11] = 0xff;
		k->daddr[10] = k->daddr[11] = 0xff;
		__builtin_memcpy(&k->saddr[12], &iph->saddr, 4);
		__builtin_memcpy(&k->daddr[12], &iph->daddr, 4);
	}
}

/* owner 0: the fragments stay here. */
static __always_inline void
frag_remember(const struct l3_info *l3, void *data_end, __u32 owner, __u64 now)
{
	struct ikefwd_frag_key k;
	struct ikefwd_frag_val v = { .seen_ns = now, .owner = owner };

	frag_key_fill(&k, l3, data_end);
	bpf_map_update_elem(&ikefwd_frags, &k, &v, BPF_ANY);
	count(IKEFWD_C_FRAG_FIRST);
}

/* The owner the first fragment went to, 0 to keep it here, or -1 when there
 * is no live record. */
static __always_inline long frag_recall(const struct l3_info *l3,
					void *data_end, __u64 now)
{
	struct ikefwd_frag_key k;
	struct ikefwd_frag_val *v;

	frag_key_fill(&k, l3, data_end);
	v = bpf_map_lookup_elem(&ikefwd_frags, &k);
	if (!v || (__s64)(now - v->seen_ns) > (__s64)IKEFWD_FRAG_TIMEOUT_NS)
		return -1;
	return v->owner;
}

#endif /* IKEFWD_BPF_FRAGMENTS_H */
