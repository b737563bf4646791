/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What is attached to an interface, and attaching/detaching ikefwd's two
 * programs there: XDP through libxdp (its multi-program dispatcher where
 * the kernel allows it, a single program where it does not) and the tc
 * egress filter through libbpf's clsact helpers.
 */
#ifndef IKEFWD_LOADER_XDP_IFACE_H
#define IKEFWD_LOADER_XDP_IFACE_H

#include <stdbool.h>
#include <stddef.h>

#include <xdp/libxdp.h>

#define IKEFWD_XDP_PROG_NAME "xdp_ikefwd"
/* The inside interfaces' program (bpf/inside.h), from the same object. */
#define IKEFWD_XDP_IN_PROG_NAME "xdp_ikefwd_in"
/* Our tc filter's fixed handle and priority on clsact egress. */
#define IKEFWD_TC_HANDLE 0x1ce
#define IKEFWD_TC_PRIO 0x1ce

enum xdp_owner {
	XDP_NONE, /* nothing attached */
	XDP_OURS, /* xdp_ikefwd, alone or in a dispatcher */
	XDP_FOREIGN, /* another program alone on the interface */
	XDP_SHARED, /* a dispatcher without ikefwd: we can join it */
};

struct xdp_state {
	enum xdp_owner owner;
	enum xdp_attach_mode mode; /* XDP_MODE_NATIVE / _SKB / ... */
	bool dispatcher;
	unsigned int prog_id; /* ours, when owner == XDP_OURS */
	char foreign[64]; /* the other program's name, for messages */
};

int xdp_state_get(int ifindex, struct xdp_state *st);

/* Detaches xdp_ikefwd from the interface, leaving any other program of a
 * shared dispatcher in place. 0 when nothing of ours was attached. */
int xdp_detach_ours(int ifindex);

/* Attaches prog_fd on clsact egress (creating clsact if needed, recorded
 * in *hook_created) or replaces our filter in place. */
int tc_attach_egress(int ifindex, int prog_fd, bool *hook_created);
/* Removes our filter; removes clsact too when we created it. */
int tc_detach_egress(int ifindex, bool destroy_hook);
/* True when our egress filter is there. */
bool tc_egress_attached(int ifindex);

#endif /* IKEFWD_LOADER_XDP_IFACE_H */
