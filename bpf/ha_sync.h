/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ha-sync mode ([cluster] mode = ha-sync, docs/datapath.md): strongSwan's
 * ha plugin replicates every IKE_SA and CHILD_SA to the other member and
 * makes a peer's SAs active on the member holding the peer's segment, a
 * hash of the peer's address (include/ikefwd/ha_segment.h). It expected
 * CLUSTERIP to deliver each segment's packets to that member; here the
 * data path does: every IKE and ESP packet goes to the holder of the
 * segment of its source address (the peer), from ikefwd_segments. The
 * ownership, half-open and SA tables are neither read nor written: the
 * plugin, not a claim, decides who answers.
 *
 * The one decision, for both IKE and ESP:
 *  - holder is this member, or nobody yet (0): passed to the local stack;
 *  - a peer forwarded the frame to us but the holder is someone else
 *    (the two members' segment maps disagree for a moment): dropped, never
 *    bounced back;
 *  - holder dead or unreachable: passed (the surviving charon takes the
 *    segment over and the controller rewrites the map);
 *  - else redirected to the holder through the usual forward path.
 */
#ifndef IKEFWD_BPF_HA_SYNC_H
#define IKEFWD_BPF_HA_SYNC_H

#include "classify.h"
#include "forward.h"
#include "fragments.h"
#include "maps.h"
#include "members.h"

/* The plugin's segment of the packet's source address, 0 when the
 * configuration holds no valid segment count. IPv6 sources hash as the
 * address 0 (the plugin does so for every IPv6 peer, lib/ha_segment.h). */
static __always_inline __u32 ha_sync_segment(const struct ikefwd_config *cfg,
					     const struct l3_info *l3,
					     void *data_end)
{
	__u32 count = cfg->ha_segments, addr = 0;

	if (count < 1 || count > IKEFWD_HA_SEGMENTS_MAX)
		return 0;
	if (!l3->is_ipv6) {
		const struct iphdr *iph = l3->iph;

		if ((void *)(iph + 1) > data_end)
			return 0;
		addr = bpf_ntohl(iph->saddr);
	}
	return ikefwd_ha_segment_v4(addr, count);
}

/* The member holding segment seg active; 0 when nobody does (yet) or the
 * segment is out of the map's range. */
static __always_inline __u32 ha_sync_holder(__u32 seg)
{
	struct ikefwd_segment *s;

	s = bpf_map_lookup_elem(&ikefwd_segments, &seg);
	return s ? s->member : 0;
}

/* The verdict for a classified IKE or ESP packet from outside (p->cfg set,
 * local_member checked by the caller). */
static __always_inline int ha_sync_deliver(struct ike_pkt *p, void *data_end,
					   __u32 *holderp)
{
	const struct ikefwd_config *cfg = p->cfg;
	__u32 holder;

	holder = ha_sync_holder(ha_sync_segment(cfg, &p->l3, data_end));
	*holderp = holder;
	if (!holder) {
		count(IKEFWD_C_HA_SYNC_UNASSIGNED);
		return XDP_PASS;
	}
	if (holder == cfg->local_member) {
		count(IKEFWD_C_HA_SYNC_LOCAL);
		return XDP_PASS;
	}
	/* The peer sent it to us as the holder; our map says otherwise.
	 * Passing it would hand it to a charon that holds the SA passive,
	 * sending it back could loop: the peer retransmits (IKE) or the
	 * tunnel loses one packet (ESP) while the maps converge. */
	if (from_peer(cfg, p->eth)) {
		count(IKEFWD_C_HA_SYNC_LOOP_GUARD);
		return XDP_DROP;
	}
	if (!member_usable(cfg, holder)) {
		count(IKEFWD_C_HA_SYNC_HOLDER_DOWN);
		return XDP_PASS;
	}
	/* A failed redirect is counted (redirect_fail) and passed. */
	return forward_to(p, holder, IKEFWD_C_HA_SYNC_FORWARDED);
}

/* ha-sync's ingress for a classified IKE (esp false) or ESP packet: the
 * same classification counters as the other modes, then the decision. A
 * first UDP fragment's decision is kept for the later ones
 * (bpf/fragments.h): only it has the UDP header that says IKE or
 * ESP-in-UDP; a dropped one leaves no record, so its later fragments are
 * passed and die in reassembly. Native ESP needs no record: every
 * fragment says protocol 50 and carries the source. */
static __always_inline int ha_sync_ingress(struct ike_pkt *p, void *data_end,
					   bool esp)
{
	__u32 holder;
	int action;

	if (esp) {
		count(p->l3.l4proto == IPPROTO_UDP ? IKEFWD_C_ESP_IN_UDP :
						     IKEFWD_C_ESP_NATIVE);
	} else {
		count(IKEFWD_C_IKE_SEEN);
		count(p->major == 1 ? IKEFWD_C_IKE_V1 : IKEFWD_C_IKE_V2);
	}
	if (!p->cfg->local_member) {
		if (!esp)
			count(IKEFWD_C_UNCONFIGURED);
		return XDP_PASS;
	}
	action = ha_sync_deliver(p, data_end, &holder);
	if (p->l3.first_frag && p->l3.l4proto == IPPROTO_UDP &&
	    action != XDP_DROP)
		frag_remember(&p->l3, data_end,
			      action == XDP_REDIRECT ? holder : 0,
			      bpf_ktime_get_coarse_ns());
	return action;
}

#endif /* IKEFWD_BPF_HA_SYNC_H */
