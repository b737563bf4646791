/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Header parsing around a cursor, in the style of xdp-tools'
 * parsing_helpers.h, but stricter: every read is bounds-checked against
 * data_end (never against a length field from the packet), IPv4 headers with
 * ihl < 5 are rejected and the IPv6 extension-header walk is bounded.
 */
#ifndef IKEFWD_BPF_PARSING_H
#define IKEFWD_BPF_PARSING_H

#include "vmlinux.h"
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8

#define IPPROTO_HOPOPTS_ 0
#define IPPROTO_ROUTING_ 43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_AH_ 51
#define IPPROTO_DSTOPTS_ 60

#define IP_MF 0x2000
#define IP_OFFSET 0x1FFF

/* Enough for hop-by-hop + routing + destination options + fragment. */
#define IKEFWD_MAX_IPV6_EXT 4
#define IKEFWD_MAX_VLAN 2

struct hdr_cursor {
	void *pos;
};

/* What the L3 walk learnt: the upper protocol and the fragment state. */
struct l3_info {
	void *iph; /* struct iphdr or struct ipv6hdr */
	__u32 frag_id;
	__u8 l4proto;
	__u8 is_ipv6;
	__u8 first_frag; /* offset 0 with more fragments to come */
	__u8 later_frag; /* offset != 0: no L4 header here */
};

enum parse_result {
	PARSE_OK = 0,
	PARSE_OTHER = 1, /* not for us: leave by the shortest path */
	PARSE_BAD = 2, /* malformed: counted by the caller */
};

/* Ethernet plus up to two VLAN tags; returns the inner EtherType (network
 * order) or 0 when the frame is too short. */
static __always_inline __be16 parse_ethhdr(struct hdr_cursor *c, void *data_end,
					   struct ethhdr **ethp)
{
	struct ethhdr *eth = c->pos;
	struct vlan_hdr {
		__be16 tci;
		__be16 proto;
	} * vlh;
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > data_end)
		return 0;
	*ethp = eth;
	proto = eth->h_proto;
	vlh = (void *)(eth + 1);

#pragma unroll
	for (i = 0; i < IKEFWD_MAX_VLAN; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vlh + 1) > data_end)
			return 0;
		proto = vlh->proto;
		vlh++;
	}
	c->pos = vlh;
	return proto;
}

static __always_inline enum parse_result
parse_ipv4(struct hdr_cursor *c, void *data_end, struct l3_info *l3)
{
	struct iphdr *iph = c->pos;
	__u32 hlen;
	__u16 frag;

	if ((void *)(iph + 1) > data_end)
		return PARSE_OTHER;
	/* An ihl below 5 would put the L4 header inside the IP header. */
	if (iph->ihl < 5)
		return PARSE_BAD;
	hlen = iph->ihl * 4;
	if (c->pos + hlen > data_end)
		return PARSE_OTHER;

	frag = bpf_ntohs(iph->frag_off);
	l3->iph = iph;
	l3->l4proto = iph->protocol;
	l3->frag_id = bpf_ntohs(iph->id);
	l3->later_frag = (frag & IP_OFFSET) != 0;
	l3->first_frag = !l3->later_frag && (frag & IP_MF);
	c->pos += hlen;
	return PARSE_OK;
}

struct ipv6_ext {
	__u8 nexthdr;
	__u8 hdrlen;
};

struct ipv6_frag {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 id;
};

static __always_inline enum parse_result
parse_ipv6(struct hdr_cursor *c, void *data_end, struct l3_info *l3)
{
	struct ipv6hdr *ip6h = c->pos;
	struct ipv6_ext *ext;
	struct ipv6_frag *fh;
	__u8 nh;
	int i;

	if ((void *)(ip6h + 1) > data_end)
		return PARSE_OTHER;
	l3->iph = ip6h;
	l3->is_ipv6 = 1;
	nh = ip6h->nexthdr;
	c->pos = ip6h + 1;

#pragma unroll
	for (i = 0; i < IKEFWD_MAX_IPV6_EXT; i++) {
		ext = c->pos;
		switch (nh) {
		case IPPROTO_HOPOPTS_:
		case IPPROTO_ROUTING_:
		case IPPROTO_DSTOPTS_:
			if ((void *)(ext + 1) > data_end)
				return PARSE_BAD;
			nh = ext->nexthdr;
			c->pos += (ext->hdrlen + 1) * 8;
			break;
		case IPPROTO_AH_:
			if ((void *)(ext + 1) > data_end)
				return PARSE_BAD;
			nh = ext->nexthdr;
			c->pos += (ext->hdrlen + 2) * 4;
			break;
		case IPPROTO_FRAGMENT_:
			fh = c->pos;
			if ((void *)(fh + 1) > data_end)
				return PARSE_BAD;
			nh = fh->nexthdr;
			l3->frag_id = bpf_ntohl(fh->id);
			l3->later_frag = (bpf_ntohs(fh->frag_off) & ~7) != 0;
			l3->first_frag = !l3->later_frag &&
					 (bpf_ntohs(fh->frag_off) & 1);
			c->pos = fh + 1;
			break;
		default:
			l3->l4proto = nh;
			return PARSE_OK;
		}
	}
	/* Still an extension header after the bound: too long a chain. */
	switch (nh) {
	case IPPROTO_HOPOPTS_:
	case IPPROTO_ROUTING_:
	case IPPROTO_DSTOPTS_:
	case IPPROTO_AH_:
	case IPPROTO_FRAGMENT_:
		return PARSE_BAD;
	}
	l3->l4proto = nh;
	return PARSE_OK;
}

#endif /* IKEFWD_BPF_PARSING_H */
