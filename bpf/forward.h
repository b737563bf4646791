/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Forwarding to the owning member: the IP packet is left untouched (the
 * owner holds the same VIP), only the Ethernet header is rewritten for the
 * next hop, and the frame leaves through the devmap slot of the member.
 */
#ifndef IKEFWD_BPF_FORWARD_H
#define IKEFWD_BPF_FORWARD_H

#include "maps.h"
#include "members.h"

/* on_success: the counter a redirect bumps (IKE or ESP). */
static __always_inline int forward_to(struct ethhdr *eth, __u32 owner,
				      enum ikefwd_counter on_success)
{
	struct ikefwd_member *m = member_get(owner);
	__u8 dst[6], src[6];
	long ret;

	if (!m)
		goto fail;
	__builtin_memcpy(dst, eth->h_dest, 6);
	__builtin_memcpy(src, eth->h_source, 6);
	__builtin_memcpy(eth->h_dest, m->mac, 6);
	__builtin_memcpy(eth->h_source, m->src_mac, 6);

	/* Flags 0: an empty devmap slot makes the helper return XDP_ABORTED
	 * instead of XDP_REDIRECT; we then undo the rewrite. */
	ret = bpf_redirect_map(&ikefwd_devmap, owner, 0);
	if (ret == XDP_REDIRECT) {
		count(on_success);
		return XDP_REDIRECT;
	}
	__builtin_memcpy(eth->h_dest, dst, 6);
	__builtin_memcpy(eth->h_source, src, 6);
fail:
	count(IKEFWD_C_REDIRECT_FAIL);
	return XDP_PASS;
}

#endif /* IKEFWD_BPF_FORWARD_H */
