/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The leak guard (tc egress on the outside interfaces): a packet leaving in
 * the clear towards an address inside a registered remote traffic selector
 * is tunnel traffic that escaped its tunnel (this member has no CHILD_SA
 * for it and routed it by its default route): it is dropped and counted
 * (leak_blocked). IKE and ESP (native, and in UDP on the IKE/NAT-T ports)
 * are never touched: that is the tunnel itself. Expired registrations
 * still guard until the sync agent sweeps them. On unless the
 * configuration sets IKEFWD_CFG_NO_LEAK_GUARD ([cluster] leak_guard = no).
 */
#ifndef IKEFWD_BPF_LEAK_H
#define IKEFWD_BPF_LEAK_H

#include "classify.h"
#include "maps.h"
#include "parsing.h"
#include "selector.h"

static __always_inline bool leak_is_ike_port(const struct ikefwd_config *cfg,
					     __u16 port)
{
	return port == (cfg->ike_port ?: IKEFWD_IKE_PORT) ||
	       port == (cfg->natt_port ?: IKEFWD_NATT_PORT);
}

/* True when skb must be dropped. */
static __always_inline bool leak_guard_blocks(struct __sk_buff *skb)
{
	const struct ikefwd_config *cfg = config_get();
	void *data_end = (void *)(long)skb->data_end;
	void *data = (void *)(long)skb->data;
	struct hdr_cursor c = { .pos = data };
	struct l3_info l3 = {};
	struct ikefwd_ts ts;
	struct udphdr *udp;
	struct ethhdr *eth;
	enum parse_result r;
	__be16 proto;

	if (!cfg || !cfg->local_member ||
	    (cfg->flags & IKEFWD_CFG_NO_LEAK_GUARD))
		return false;
	/* No bpf_skb_pull_data(): the stack sends (and forwards) with the
	 * IP header in the linear part, which is all the guard needs; a
	 * UDP header outside it only makes IKE/NAT-T look like cleartext,
	 * and their peers' outer addresses are never inside a selector. */
	proto = parse_ethhdr(&c, data_end, &eth);
	if (proto == bpf_htons(ETH_P_IP))
		r = parse_ipv4(&c, data_end, &l3);
	else if (proto == bpf_htons(ETH_P_IPV6))
		r = parse_ipv6(&c, data_end, &l3);
	else
		return false;
	if (!l3.iph || (r == PARSE_BAD && !l3.is_ipv6))
		return false;
	if (r == PARSE_OK && l3.l4proto == IPPROTO_ESP)
		return false;
	if (r == PARSE_OK && l3.l4proto == IPPROTO_UDP && !l3.later_frag) {
		udp = c.pos;
		if ((void *)(udp + 1) <= data_end &&
		    (leak_is_ike_port(cfg, bpf_ntohs(udp->source)) ||
		     leak_is_ike_port(cfg, bpf_ntohs(udp->dest))))
			return false;
	}
	if (!ts_lookup(&l3, &ts))
		return false;
	count(IKEFWD_C_LEAK_BLOCKED);
	return true;
}

#endif /* IKEFWD_BPF_LEAK_H */
