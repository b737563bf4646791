/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A frame XDP redirects to a veth is handed to the far end as an
 * xdp_frame, which veth can only take in through NAPI: the far end must
 * have an XDP program attached or GRO on, or veth drops the frame
 * silently. Containers and network emulators often leave both off.
 */
#ifndef IKEFWD_LOADER_VETH_H
#define IKEFWD_LOADER_VETH_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

struct veth_peer {
	char name[IF_NAMESIZE]; /* the far end's name (in its namespace) */
	bool xdp; /* an XDP program is attached to it */
	bool gro; /* GRO is on */
};

/*
 * 1 when ifindex is a veth whose far end has no XDP program and GRO off
 * (*peer filled), 0 when it is not a veth or its far end takes redirected
 * frames, a negative errno when that cannot be told (e.g. the far end is
 * in a namespace without a name under /run/netns).
 */
int veth_peer_drops_redirects(uint32_t ifindex, struct veth_peer *peer);

#endif /* IKEFWD_LOADER_VETH_H */
