/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Cluster members. Pinned as ikefwd_members (array indexed by member id) and
 * ikefwd_devmap (devmap indexed by member id, the member's egress ifindex).
 */
#ifndef IKEFWD_MEMBER_H
#define IKEFWD_MEMBER_H

#include "types.h"

/* Member ids are 1..IKEFWD_MAX_MEMBERS-1; 0 means "nobody". */
#define IKEFWD_MAX_MEMBERS 16

enum {
	IKEFWD_MEMBER_ALIVE = 1 << 0, /* heartbeats seen (or set by operator) */
	IKEFWD_MEMBER_REACHABLE = 1 << 1, /* next hop resolved: mac is valid */
};

struct ikefwd_member {
	__u32 id; /* 0: slot unused */
	__u32 ifindex; /* egress interface towards the member */
	__u8 addr[16]; /* unique address, IPv4-mapped for IPv4 */
	__u8 mac[6]; /* the member's MAC (next hop) on that interface */
	__u8 src_mac[6]; /* our own MAC on that interface */
	__u32 state; /* IKEFWD_MEMBER_* */
	__u64 spi_label; /* this member's IKE SPI label (config.h) */
	__u32 reserved[4]; /* room to grow; see ikefwd_config.reserved */
};

#endif /* IKEFWD_MEMBER_H */
