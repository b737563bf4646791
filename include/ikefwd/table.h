/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The IKE ownership table (Check Point's SEP_my_IKE_packet): which cluster
 * member manages the negotiation a (initiator cookie/SPI, Message ID) pair
 * belongs to. Pinned as /sys/fs/bpf/ikefwd/ikefwd_table.
 */
#ifndef IKEFWD_TABLE_H
#define IKEFWD_TABLE_H

#include "types.h"

#define IKEFWD_TABLE_DEFAULT_SIZE 65536
/* ikefwd_halfopen: claims of negotiations that have not proved real yet. */
#define IKEFWD_HALFOPEN_DEFAULT_SIZE 16384
#define IKEFWD_DEFAULT_TIMEOUT_SEC 120

/*
 * Table key. The initiator cookie (IKEv1) or SPI (IKEv2) is kept as the 8
 * bytes seen on the wire so that bpftool prints it in wire order; the
 * Message ID is in host order so that it prints as the number operators
 * see in IKE daemon logs. 12 bytes, no padding.
 */
struct ikefwd_key {
	__u8 ispi[8];
	__u32 msgid;
};

/* ikefwd_entry.flags */
enum {
	IKEFWD_F_IKEV1 = 1 << 0, /* learnt from an IKEv1 packet */
	IKEFWD_F_IKEV2 = 1 << 1, /* learnt from an IKEv2 packet */
	IKEFWD_F_PHASE2 = 1 << 2, /* derived from the Phase-1 (msgid 0) entry */
	IKEFWD_F_CLAIMED = 1 << 3, /* created by a claim of the data path */
	IKEFWD_F_OUTBOUND = 1 << 4, /* created when this member sent first */
	IKEFWD_F_STATIC = 1 << 5, /* created by an operator (CLI / API) */
	IKEFWD_F_SYNCED = 1 << 6, /* learnt from a peer over the sync link */
	IKEFWD_F_TAKEOVER = 1 << 7, /* re-homed from a dead or expired owner */
	IKEFWD_F_LABEL = 1 << 8, /* owner read off a member label in an SPI */
	/* An IKE SA the owner's IKE daemon holds, registered by its
	 * integration (API / vici listener): no idle expiry, and it wins
	 * over entries the data path only guessed. */
	IKEFWD_F_REGISTERED = 1 << 9,
	/* Entered the established table when the negotiation proved real
	 * (this member's IKE daemon answered with a responder SPI). */
	IKEFWD_F_PROMOTED = 1 << 10,
};

/*
 * Table value. Times are CLOCK_MONOTONIC nanoseconds as returned by
 * bpf_ktime_get_coarse_ns() (userspace: clock_gettime(CLOCK_MONOTONIC)).
 * last_seen is refreshed in place by the data path, at most once per
 * IKEFWD_REFRESH_NS, so a busy negotiation does not bounce the cache line.
 */
struct ikefwd_entry {
	__u64 last_seen_ns;
	__u64 created_ns;
	__u32 owner; /* member id, 1..IKEFWD_MAX_MEMBERS-1 */
	__u32 flags; /* IKEFWD_F_* */
};

#define IKEFWD_REFRESH_NS 1000000000ULL

/*
 * IP fragments: only the first fragment carries UDP and IKE headers, so the
 * first fragment's decision is remembered for the later ones. Addresses are
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) for IPv4. Pinned as ikefwd_frags.
 */
struct ikefwd_frag_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u32 id; /* IPv4 ID (16 bits) or IPv6 fragment header ID */
	__u32 proto; /* upper-layer protocol */
};

struct ikefwd_frag_val {
	__u64 seen_ns;
	__u32 owner; /* 0: handled locally */
	__u32 pad;
};

#define IKEFWD_FRAG_TABLE_SIZE 8192

/*
 * The optional claim budget ([cluster] claim_budget): claims made in the
 * current one-second window per source prefix (IPv4 /24 as IPv4-mapped
 * IPv6, IPv6 /64; the rest of the address zero). Pinned as ikefwd_budget,
 * an LRU: a prefix that stops sending is forgotten.
 */
struct ikefwd_budget_key {
	__u8 prefix[16];
};

struct ikefwd_budget {
	__u64 window_ns; /* start of the current window */
	__u32 claims; /* claims made in it */
	__u32 pad;
};

#define IKEFWD_BUDGET_TABLE_SIZE 16384
#define IKEFWD_BUDGET_WINDOW_NS 1000000000ULL
/* Linux drops incomplete reassemblies after 30 s (ipfrag_time): so do we. */
#define IKEFWD_FRAG_TIMEOUT_NS (30ULL * 1000000000ULL)

#endif /* IKEFWD_TABLE_H */
