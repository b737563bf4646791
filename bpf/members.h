/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Member records: who may receive a forwarded packet, and whether a frame
 * was forwarded to us by a peer (the loop guard).
 */
#ifndef IKEFWD_BPF_MEMBERS_H
#define IKEFWD_BPF_MEMBERS_H

#include "maps.h"

#define IKEFWD_MEMBER_USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)

static __always_inline struct ikefwd_member *member_get(__u32 id)
{
	struct ikefwd_member *m;

	if (id == 0 || id >= IKEFWD_MAX_MEMBERS)
		return NULL;
	m = bpf_map_lookup_elem(&ikefwd_members, &id);
	if (!m || m->id != id)
		return NULL;
	return m;
}

/* A peer can take a packet when it is alive and its next hop is known;
 * anything else would send the packet into the void. */
static __always_inline bool member_usable(const struct ikefwd_config *cfg,
					  __u32 id)
{
	struct ikefwd_member *m;

	if (id == cfg->local_member)
		return true;
	m = member_get(id);
	return m && (m->state & IKEFWD_MEMBER_USABLE) == IKEFWD_MEMBER_USABLE &&
	       m->ifindex;
}

static __always_inline bool mac_eq(const __u8 *a, const __u8 *b)
{
	return *(const __u32 *)a == *(const __u32 *)b &&
	       *(const __u16 *)(a + 4) == *(const __u16 *)(b + 4);
}

/* Peers forward by rewriting the Ethernet header only, so a forwarded frame
 * carries the sending member's MAC as its source. Only called on the
 * forwarding path, so the walk costs nothing to packets handled locally. */
static __always_inline bool from_peer(const struct ikefwd_config *cfg,
				      const struct ethhdr *eth)
{
	__u32 last = cfg->max_member ?: IKEFWD_MAX_MEMBERS - 1;
	struct ikefwd_member *m;
	__u32 id;

	for (id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		if (id > last)
			break;
		if (id == cfg->local_member)
			continue;
		m = bpf_map_lookup_elem(&ikefwd_members, &id);
		if (m && m->id == id && mac_eq(m->mac, eth->h_source))
			return true;
	}
	return false;
}

#endif /* IKEFWD_BPF_MEMBERS_H */
