/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The interfaces ikefwd is attached to, as the loader recorded them: a hash
 * map (ikefwd_ifaces, ifindex -> record) pinned with the rest, so that any
 * later run (status, detach, an upgrade) knows what it owns. Not read by
 * the data path.
 */
#ifndef IKEFWD_IFACE_H
#define IKEFWD_IFACE_H

#include "types.h"

#define IKEFWD_MAX_IFACES 64
#define IKEFWD_IFNAMSIZ 16

/* How XDP runs on the interface (the configuration's "auto" resolves to
 * one of these at attach time). */
enum ikefwd_iface_mode {
	IKEFWD_IFACE_NATIVE = 1,
	IKEFWD_IFACE_SKB = 2,
};

enum {
	/* The clsact qdisc was created by ikefwd: detach removes it. */
	IKEFWD_IFACE_TC_HOOK_OURS = 1 << 0,
	/* Attached through libxdp's multi-program dispatcher. */
	IKEFWD_IFACE_DISPATCHER = 1 << 1,
	/* An inside interface: xdp_ikefwd_in, no tc egress. */
	IKEFWD_IFACE_INSIDE = 1 << 2,
};

struct ikefwd_iface {
	__u32 ifindex;
	__u32 xdp_mode; /* enum ikefwd_iface_mode */
	__u32 flags;
	__u32 pad;
	__u64 attached_ns; /* CLOCK_REALTIME of the attach */
	char name[IKEFWD_IFNAMSIZ];
};

#endif /* IKEFWD_IFACE_H */
