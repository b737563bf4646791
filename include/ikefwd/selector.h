/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Inside steering: which member holds the CHILD_SA for a remote traffic
 * selector, so that cleartext arriving on an inside interface reaches the
 * member that encrypts it, whichever member the inside router picked.
 *
 * Two LPM tries, one per family (ikefwd_ts4, ikefwd_ts6), keyed by the
 * selector's address prefix: the longest registered prefix covering a
 * destination names its owner. The IKE daemon's integration registers the
 * remote selectors of every CHILD_SA installed on a member (API `ts`); the
 * sync agent replicates them; the newest registration of a prefix wins.
 * Selectors restricted to a protocol or ports are registered by their
 * address range only: the data path steers every packet to those
 * addresses (docs/datapath.md).
 */
#ifndef IKEFWD_SELECTOR_H
#define IKEFWD_SELECTOR_H

#include "types.h"

#define IKEFWD_TS_TABLE_SIZE 16384

/* BPF_MAP_TYPE_LPM_TRIE keys: prefix length in bits, then the address in
 * network order. */
struct ikefwd_ts_key4 {
	__u32 prefixlen; /* 0..32 */
	__u8 addr[4];
};

struct ikefwd_ts_key6 {
	__u32 prefixlen; /* 0..128 */
	__u8 addr[16];
};

enum {
	IKEFWD_TS_F_REGISTERED = 1 << 0, /* by the IKE daemon's integration */
	IKEFWD_TS_F_SYNCED = 1 << 1, /* learnt from a peer */
	IKEFWD_TS_F_STATIC = 1 << 2, /* by an operator */
	/* Bits 8..15: the ha plugin's segment (1..16) of the CHILD_SA's
	 * IKE peer, 0 when unknown. In ha-sync mode the inside program
	 * sends the cleartext to the member holding that segment, not to
	 * the registration's owner: a takeover moves every selector of the
	 * segment at once without rewriting one of them. Computed by the
	 * registering side from the peer's address and ha_segments. */
	IKEFWD_TS_SEGMENT_SHIFT = 8,
	IKEFWD_TS_SEGMENT_MASK = 0xff << IKEFWD_TS_SEGMENT_SHIFT,
};

static inline __u32 ikefwd_ts_segment(__u32 flags)
{
	return (flags & IKEFWD_TS_SEGMENT_MASK) >> IKEFWD_TS_SEGMENT_SHIFT;
}

struct ikefwd_ts {
	__u64 expires_ns; /* CLOCK_MONOTONIC; 0: until deleted */
	__u64 created_ns; /* CLOCK_MONOTONIC of the registration */
	__u32 owner; /* member id holding the CHILD_SA */
	__u32 flags; /* IKEFWD_TS_F_* */
	/* The CHILD_SA's inbound SPI (host order; 0: not given): a removal
	 * naming an SPI only removes the registration of that SA, so that
	 * the down event of a rekeyed-away SA keeps its successor's. */
	__u32 spi;
	/* The key's prefix length, again: an LPM lookup answers with the
	 * longest covering prefix's value, and this says which one it was,
	 * so userspace reads one exact prefix in one lookup. */
	__u32 prefixlen;
};

#endif /* IKEFWD_SELECTOR_H */
