/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Ownership events published by the data path on the ring buffer
 * ikefwd_events, for the cluster-sync agent: every entry the data path
 * creates or re-homes is announced once.
 */
#ifndef IKEFWD_EVENT_H
#define IKEFWD_EVENT_H

#include "types.h"
#include "table.h"

#define IKEFWD_EVENTS_SIZE (256 * 1024)

enum ikefwd_event_type {
	IKEFWD_EV_CLAIM = 1, /* new negotiation, owner = local member */
	/* 2 and 5 are no longer published (no per-msgid or label entries
	 * since the half-open/established split); kept so that events an
	 * older build left in the pinned ring buffer still read the same. */
	IKEFWD_EV_PHASE2 = 2, /* msgid entry derived from the Phase-1 entry */
	IKEFWD_EV_TAKEOVER = 3, /* expired / dead owner replaced by local */
	IKEFWD_EV_OUTBOUND = 4, /* created by this member sending first */
	IKEFWD_EV_LABEL = 5, /* unknown SA routed by its SPI's member label */
	/* A half-open negotiation proved real (this member's IKE daemon
	 * answered it with a responder SPI): now in the established table. */
	IKEFWD_EV_PROMOTE = 6,
};

struct ikefwd_event {
	__u32 type; /* enum ikefwd_event_type */
	__u32 owner; /* member id now owning the key */
	__u32 prev_owner; /* TAKEOVER: the member replaced, else 0 */
	__u32 flags; /* the entry's IKEFWD_F_* */
	struct ikefwd_key key;
	__u32 pad;
	__u64 ts_ns; /* CLOCK_MONOTONIC */
};

#endif /* IKEFWD_EVENT_H */
