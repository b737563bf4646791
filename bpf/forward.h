/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Forwarding to the owning member: the IP packet is left untouched (the
 * owner holds the same VIP), only the Ethernet header is rewritten for the
 * next hop, and the frame leaves through the devmap slot of the member.
 *
 * One exception to "untouched": a UDP or TCP checksum that only holds the
 * pseudo-header sum is completed (ikefwd_l4_csum_complete() below).
 */
#ifndef IKEFWD_BPF_FORWARD_H
#define IKEFWD_BPF_FORWARD_H

#include "classify.h"
#include "maps.h"
#include "members.h"

/* bpf_csum_diff() sums at most 512 bytes per call, in multiples of 4. */
#define CSUM_CHUNK 512
/* 128 chunks: any UDP datagram or TCP segment (64 KiB), linear or
 * multi-buffer. */
#define CSUM_MAX_CHUNKS 128

/* Scratch space for one chunk (and 4 bytes of zero padding): a datagram
 * is copied out chunk by chunk with bpf_xdp_load_bytes(), which also
 * reaches the fragments of a multi-buffer frame. Private to this file,
 * per CPU, never pinned: it holds nothing between two packets. */
struct csum_chunk {
	__u8 b[CSUM_CHUNK + 4];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct csum_chunk);
} ikefwd_csum_scratch SEC(".maps");

static __always_inline __u16 csum_fold32(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* The one's-complement sum of the UDP or TCP pseudo-header (RFC 768, RFC
 * 9293 3.1, RFC 8200 8.1): addresses, protocol, L4 length (len_be, network
 * order). In memory order like every sum here: a one's-complement sum is
 * byte-order independent as long as all words are read the same way. */
static __always_inline __u16 l4_pseudo_sum(void *iph, __u32 is_ipv6, __u8 proto,
					   __be16 len_be, void *data_end)
{
	__u64 sum = bpf_htons(proto) + (__u64)len_be;
	__u32 *a;
	int i;

	if (is_ipv6) {
		struct ipv6hdr *ip6 = iph;

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		a = (__u32 *)&ip6->saddr;
		for (i = 0; i < 8; i++) /* source and destination */
			sum += a[i];
	} else {
		struct iphdr *ip = iph;

		if ((void *)(ip + 1) > data_end)
			return 0;
		sum += ip->saddr;
		sum += ip->daddr;
	}
	return csum_fold32(sum);
}

/* Sum of len bytes from offset off of the frame; -1 if they are not all
 * there. Whole chunks first, then the rest, zero-padded to 4 bytes (RFC
 * 1071: an odd last byte is the first of a word whose second is zero).
 * Sizes are constants or masked, so the verifier sees their bounds. */
static __always_inline int csum_frame_bytes(struct xdp_md *ctx, __u64 off,
					    __u64 len, __u64 *out)
{
	struct csum_chunk *c;
	__u64 sum = 0, rem;
	__u32 zero = 0;
	long s;
	int i;

	c = bpf_map_lookup_elem(&ikefwd_csum_scratch, &zero);
	if (!c)
		return -1;
	for (i = 0; i < CSUM_MAX_CHUNKS; i++) {
		if (len < CSUM_CHUNK)
			break;
		if (bpf_xdp_load_bytes(ctx, off, c->b, CSUM_CHUNK))
			return -1;
		s = bpf_csum_diff(NULL, 0, (__be32 *)c->b, CSUM_CHUNK, 0);
		if (s < 0)
			return -1;
		sum += (__u32)s;
		off += CSUM_CHUNK;
		len -= CSUM_CHUNK;
	}
	if (len >= CSUM_CHUNK)
		return -1;
	rem = len & (CSUM_CHUNK - 1);
	if (rem) {
		if (bpf_xdp_load_bytes(ctx, off, c->b, rem))
			return -1;
		c->b[rem] = 0;
		c->b[rem + 1] = 0;
		c->b[rem + 2] = 0;
		s = bpf_csum_diff(NULL, 0, (__be32 *)c->b, (rem + 3) & ~3ULL,
				  0);
		if (s < 0)
			return -1;
		sum += (__u32)s;
	}
	*out = sum;
	return 0;
}

/*
 * A host that sends UDP or TCP over veth with tx checksum offload on (the
 * default) leaves the checksum to "hardware": the skb is CHECKSUM_PARTIAL
 * and the checksum field holds only the folded pseudo-header sum. A router
 * namespace on the same machine forwards it still partial. Delivered
 * locally, the stack trusts it; redirected by XDP, the frame loses that
 * state and the receiver drops it (UdpInCsumErrors, TCP's bad segments).
 * XDP cannot see ip_summed, so the field itself tells: equal to the
 * pseudo-header sum means "still to be completed". Only then is the
 * segment summed, as the hardware would: over the L4 header and payload
 * with the field as it is (it already holds the pseudo-header part),
 * complemented. Every other frame pays for the pseudo-header sum only.
 *
 * The L4 length in the pseudo-header is UDP's own length field; TCP has
 * none, so it is the IP header's length less the IP header and extension
 * headers before TCP (what the sender's stack used: the segment length).
 *
 * A complete checksum equals the pseudo-header sum by chance once in 65536
 * frames; summing it again yields the same value, so that case is harmless.
 * UDP checksum 0 (IPv4 "none") never equals a pseudo-header sum. Fragments
 * are left alone: the stack completes checksums before it fragments.
 *
 * A global function: verified once, not once per path that forwards. Its
 * input comes in a struct: loaded from memory, the offsets are bounded by
 * the tests below in the registers the verifier tracks (passed as scalar
 * arguments, clang dropped the masks as redundant and the verifier lost
 * the bounds).
 */
struct csum_req {
	__u32 l3_off; /* from the frame start */
	__u32 l4_off;
	__u32 is_ipv6;
	__u32 l4proto; /* IPPROTO_UDP or IPPROTO_TCP; others: untouched */
};

/* The L4 length of a TCP segment from its IP header; 0 if impossible (an
 * IPv6 jumbogram's 0, a length shorter than the headers before TCP). */
static __always_inline __u32 tcp_len_from_ip(void *data, void *data_end,
					     __u32 l3_off, __u32 l4_off,
					     __u32 is_ipv6)
{
	__u32 ip_len, before = l4_off - l3_off;

	if (is_ipv6) {
		struct ipv6hdr *ip6 = data + l3_off;

		if ((void *)(ip6 + 1) > data_end)
			return 0;
		ip_len = bpf_ntohs(ip6->payload_len) + sizeof(*ip6);
	} else {
		struct iphdr *ip = data + l3_off;

		if ((void *)(ip + 1) > data_end)
			return 0;
		ip_len = bpf_ntohs(ip->tot_len);
	}
	return ip_len > before ? ip_len - before : 0;
}

__noinline int ikefwd_l4_csum_complete(struct xdp_md *ctx, struct csum_req *req)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__u32 l3_off, l4_off, check_off, min_len, len;
	__u8 proto;
	__be16 len_be;
	__u16 *check;
	__u64 sum;

	if (!req) /* a global function's pointer may be NULL */
		return 0;
	l3_off = req->l3_off;
	l4_off = req->l4_off;
	proto = req->l4proto;

	/* Headers end well before 512 bytes (parsing.h bounds them); the
	 * masks tell the verifier so. */
	if (l3_off > 511 || l4_off > 511 || l4_off < l3_off)
		return 0;
	l3_off &= 511;
	l4_off &= 511;
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = data + l4_off;

		if ((void *)(udp + 1) > data_end)
			return 0;
		len_be = udp->len;
		check_off = l4_off + __builtin_offsetof(struct udphdr, check);
		min_len = sizeof(*udp);
	} else if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = data + l4_off;

		if ((void *)(tcp + 1) > data_end)
			return 0;
		len = tcp_len_from_ip(data, data_end, l3_off, l4_off,
				      req->is_ipv6);
		len_be = bpf_htons(len);
		check_off = l4_off + __builtin_offsetof(struct tcphdr, check);
		min_len = sizeof(*tcp);
	} else {
		return 0;
	}
	check_off &= 1023;
	check = data + check_off;
	if ((void *)(check + 1) > data_end)
		return 0;
	if (*check !=
	    l4_pseudo_sum(data + l3_off, req->is_ipv6, proto, len_be, data_end))
		return 0;
	len = bpf_ntohs(len_be);
	if (len < min_len || csum_frame_bytes(ctx, l4_off, len, &sum)) {
		count(IKEFWD_C_CSUM_PARTIAL_LEFT);
		return 0;
	}
	/* The helper may have moved nothing, but the verifier forgets packet
	 * bounds across helper calls: check again before the write. */
	data_end = (void *)(long)ctx->data_end;
	data = (void *)(long)ctx->data;
	check = data + check_off;
	if ((void *)(check + 1) > data_end)
		return 0;
	/* UDP sends a zero result as all ones: zero means "no checksum".
	 * TCP's zero is just zero. */
	*check = ~csum_fold32(sum);
	if (proto == IPPROTO_UDP && !*check)
		*check = 0xffff;
	count(IKEFWD_C_CSUM_COMPLETED);
	return 1;
}

/* Whether the UDP or TCP checksum of the segment at l4_off holds only the
 * pseudo-header sum, i.e. was left to offload: the test that
 * ikefwd_l4_csum_complete() makes, made inline first, so that a complete
 * checksum (every frame from a real NIC) costs a few additions, not a
 * function call (issue 13: 10 to 20 ns per redirected datagram on the
 * benchmark machine, where every return goes through a mitigation
 * thunk). Same bounds as there. */
static __always_inline bool l4_csum_partial(void *data, void *data_end,
					    __u32 l3_off, __u32 l4_off,
					    __u32 is_ipv6, __u8 proto)
{
	__be16 len_be, *check;

	if (l3_off > 511 || l4_off > 511 || l4_off < l3_off)
		return false;
	/* Masks the verifier sees: clang folds the tests above into one of
	 * (l3_off | l4_off), which bounds neither, and would drop masks it
	 * proved redundant; the empty asm hides the proof. */
	asm volatile("" : "+r"(l3_off), "+r"(l4_off));
	l3_off &= 511;
	l4_off &= 511;
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = data + l4_off;

		if ((void *)(udp + 1) > data_end)
			return false;
		len_be = udp->len;
		check = &udp->check;
	} else if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = data + l4_off;

		if ((void *)(tcp + 1) > data_end)
			return false;
		len_be = bpf_htons(tcp_len_from_ip(data, data_end, l3_off,
						   l4_off, is_ipv6));
		check = &tcp->check;
	} else {
		return false;
	}
	return *check ==
	       l4_pseudo_sum(data + l3_off, is_ipv6, proto, len_be, data_end);
}

/* Redirect the frame whose Ethernet header is eth to member owner.
 * on_success: the counter a redirect bumps (IKE, ESP or inside). */
static __always_inline int forward_eth_to(struct ethhdr *eth, __u32 owner,
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

static __always_inline int forward_to(struct ike_pkt *p, __u32 owner,
				      enum ikefwd_counter on_success)
{
	return forward_eth_to(p->eth, owner, on_success);
}

/* The last step of every XDP verdict that may have forwarded a UDP
 * datagram (IKE, ESP-in-UDP): one call site, at the program's exit. Only
 * a frame that leaves is touched: one passed locally keeps its
 * CHECKSUM_PARTIAL skb, which must see the field unchanged. */
static __always_inline int forward_finish(struct xdp_md *ctx, struct ike_pkt *p,
					  int action)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct csum_req req;

	if (action != XDP_REDIRECT || !p->l4_off || p->l3.first_frag)
		return action;
	if (!l4_csum_partial(data, data_end, p->l3_off, p->l4_off,
			     p->l3.is_ipv6, IPPROTO_UDP))
		return action;
	req.l3_off = p->l3_off;
	req.l4_off = p->l4_off;
	req.is_ipv6 = p->l3.is_ipv6;
	req.l4proto = IPPROTO_UDP; /* l4_off is set for UDP only */
	ikefwd_l4_csum_complete(ctx, &req);
	return action;
}

#endif /* IKEFWD_BPF_FORWARD_H */
