/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Remote traffic selectors (include/ikefwd/selector.h): the longest
 * registered prefix covering a packet's destination, shared by the inside
 * steering and the leak guard so that both read the tries the same way.
 */
#ifndef IKEFWD_BPF_SELECTOR_H
#define IKEFWD_BPF_SELECTOR_H

#include "clock.h"
#include "hot.h"
#include "maps.h"
#include "parsing.h"

/* Destinations that never belong to a tunnel, even under a 0.0.0.0/0 or
 * ::/0 selector: multicast, broadcast and link-local stay on the link
 * (neighbour discovery, DHCP, routing protocols). */
static __always_inline bool ts_link_scope4(const __u8 *a)
{
	return (a[0] & 0xf0) == 0xe0 || (a[0] == 169 && a[1] == 254) ||
	       *(const __u32 *)a == 0xffffffff;
}

static __always_inline bool ts_link_scope6(const __u8 *a)
{
	return a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80);
}

/* Whether a registration covers the destination of the IP header at l3
 * (never a link-scope destination); *ts gets its expires_ns, owner and
 * flags. Asks this CPU's cache first (bpf/hot.h): an LPM lookup is a
 * call, and the inside path and the leak guard make it for every
 * packet. Expiry is the caller's test, on the copy. */
static __always_inline bool ts_lookup(const struct l3_info *l3,
				      struct ikefwd_ts *ts)
{
	__u64 now = ikefwd_now();
	struct ikefwd_ts *hit;
	struct hot_ref hot;
	__u32 addr[4];
	bool found;

	if (l3->is_ipv6) {
		const struct ipv6hdr *ip6h = l3->iph;
		struct ikefwd_ts_key6 k6 = { .prefixlen = 128 };

		__builtin_memcpy(k6.addr, &ip6h->daddr, 16);
		if (ts_link_scope6(k6.addr))
			return false;
		__builtin_memcpy(addr, k6.addr, 16);
		if (hot_ts_get(addr, true, now, &hot, &found, ts))
			return found;
		hit = bpf_map_lookup_elem(&ikefwd_ts6, &k6);
		hot_ts_put(&hot, addr, true, hit, hot_until(now, 0));
	} else {
		const struct iphdr *iph = l3->iph;
		struct ikefwd_ts_key4 k4 = { .prefixlen = 32 };

		__builtin_memcpy(k4.addr, &iph->daddr, 4);
		if (ts_link_scope4(k4.addr))
			return false;
		__builtin_memcpy(addr, k4.addr, 4);
		if (hot_ts_get(addr, false, now, &hot, &found, ts))
			return found;
		hit = bpf_map_lookup_elem(&ikefwd_ts4, &k4);
		hot_ts_put(&hot, addr, false, hit, hot_until(now, 0));
	}
	if (!hit)
		return false;
	ts->expires_ns = hit->expires_ns;
	ts->owner = hit->owner;
	ts->flags = hit->flags;
	return true;
}

static __always_inline bool ts_expired(const struct ikefwd_ts *ts)
{
	/* Signed, as bpf/esp.h. */
	return ts->expires_ns && (__s64)(ts->expires_ns - ikefwd_now()) <= 0;
}

#endif /* IKEFWD_BPF_SELECTOR_H */
