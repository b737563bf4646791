/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ESP steering: the tunnel's traffic goes to the member that owns the
 * inbound SA (the one holding its keys), whichever member the load-sharing
 * router picked. The owner comes from the SA table, else from the SPI
 * ranges; an SA nobody claims stays here.
 */
#ifndef IKEFWD_BPF_ESP_H
#define IKEFWD_BPF_ESP_H

#include "classify.h"
#include "clock.h"
#include "forward.h"
#include "hot.h"
#include "maps.h"
#include "members.h"

static __always_inline __u32 esp_owner(const struct ikefwd_config *cfg,
				       __u32 spi)
{
	__u64 now = ikefwd_now();
	struct ikefwd_spi_range *r;
	struct ikefwd_sa *sa;
	struct hot_ref hot;
	__u32 i, owner;

	/* The SA table's answer, as this CPU got it lately (bpf/hot.h),
	 * an SPI it does not hold included. */
	if (!hot_esp_get(spi, now, &hot, &owner)) {
		__u64 lifetime = 0;

		sa = bpf_map_lookup_elem(&ikefwd_sa, &spi);
		owner = 0;
		if (sa &&
		    (!sa->expires_ns || (__s64)(sa->expires_ns - now) > 0)) {
			owner = sa->owner;
			lifetime = sa->expires_ns;
		}
		hot_esp_put(&hot, spi, owner, hot_until(now, lifetime));
	}
	if (owner) {
		count(IKEFWD_C_ESP_BY_TABLE);
		return owner;
	}
	for (i = 0; i < IKEFWD_MAX_SPI_RANGES; i++) {
		if (i >= cfg->nr_spi_ranges)
			break;
		r = bpf_map_lookup_elem(&ikefwd_spi_ranges, &i);
		if (r && spi >= r->min && spi <= r->max && r->owner) {
			count(IKEFWD_C_ESP_BY_RANGE);
			return r->owner;
		}
	}
	return 0;
}

static __always_inline int ingress_esp(struct ike_pkt *p)
{
	const struct ikefwd_config *cfg = p->cfg;
	__u32 owner;

	count(p->l3.l4proto == IPPROTO_UDP ? IKEFWD_C_ESP_IN_UDP :
					     IKEFWD_C_ESP_NATIVE);
	owner = esp_owner(cfg, p->spi);
	if (!owner) {
		count(IKEFWD_C_ESP_UNKNOWN);
		return XDP_PASS;
	}
	if (owner == cfg->local_member)
		goto local;
	/* Unlike IKE, nobody can take an SA over: its keys are on the
	 * owner. Keep the packet rather than send it into the void. */
	if (!member_usable(cfg, owner)) {
		count(IKEFWD_C_ESP_OWNER_DEAD);
		goto local;
	}
	if (from_peer(cfg, p->eth)) {
		count(IKEFWD_C_LOOP_GUARD);
		goto local;
	}
	if (forward_to(p, owner, IKEFWD_C_ESP_FORWARDED) == XDP_REDIRECT)
		return XDP_REDIRECT;
local:
	count(IKEFWD_C_ESP_LOCAL);
	return XDP_PASS;
}

#endif /* IKEFWD_BPF_ESP_H */
