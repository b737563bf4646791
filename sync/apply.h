/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the sync agent does to the local table: apply a peer's record
 * (resolving conflicts by the cluster's rules), re-home a dead member's
 * negotiations, sweep expired entries, and list this member's entries for
 * refreshes and resyncs. Separate from the agent's sockets so it can be
 * tested on a real map without a network.
 */
#ifndef IKEFWD_SYNC_APPLY_H
#define IKEFWD_SYNC_APPLY_H

#include <stdbool.h>
#include <stdint.h>

#include "selector.h"
#include "wire.h"

struct sync_table {
	int table_fd;
	int sa_fd; /* ikefwd_sa */
	/* ikefwd_gen, mapped (lib/pinned.h): incremented after every write
	 * to either table; NULL: not (tests of the table logic alone). */
	uint64_t *gen;
	/* ikefwd_ts4/ts6 (remote selectors); NULL: not synced here */
	const struct ikefwd_ts_maps *ts;
	uint32_t local; /* this member's id */
	uint32_t timeout_sec;
};

/* The two clocks: entries hold CLOCK_MONOTONIC ns, the wire carries
 * CLOCK_REALTIME ms, which members share (NTP). */
struct sync_clock {
	uint64_t mono_ns;
	uint64_t rt_ms;
};

void sync_clock_now(struct sync_clock *c);
uint64_t sync_rt_of_mono(const struct sync_clock *c, uint64_t mono_ns);
uint64_t sync_mono_of_rt(const struct sync_clock *c, uint64_t rt_ms);

enum apply_result {
	APPLY_NOOP = 0, /* nothing to change */
	APPLY_CHANGED = 1, /* the local table now agrees with the record */
	APPLY_KEPT = 2, /* ours wins: *answer is what the peers should hear */
	APPLY_CORRECTED = 3, /* Phase 2 follows Phase 1: *answer corrects */
};

/* Applies one record; negative errno on a map failure. */
int sync_apply(const struct sync_table *t, const struct sync_rec *r,
	       const struct sync_clock *now, struct sync_rec *answer);

/* The owner every survivor picks for a negotiation whose owner died:
 * highest rendezvous hash of (cookie, member) over alive_mask (bit per
 * member id). 0 if the mask is empty. */
uint32_t sync_rendezvous(const uint8_t ispi[8], uint32_t alive_mask);

/* Re-homes every entry owned by dead; returns how many. */
int sync_rehome(const struct sync_table *t, uint32_t dead, uint32_t alive_mask);

/* Deletes entries idle longer than the timeout; returns how many. */
int sync_sweep(const struct sync_table *t, const struct sync_clock *now);

/* Calls fn with a SET (since_mono_ns == 0: every live entry this member
 * owns) or REFRESH record (entries this member owns used after
 * since_mono_ns). Returns the number of records or a negative errno. */
int sync_scan_own(const struct sync_table *t, const struct sync_clock *now,
		  uint64_t since_mono_ns,
		  void (*fn)(const struct sync_rec *r, void *ctx), void *ctx);

/* Calls fn with an SA_SET record for every live SA this member owns;
 * returns how many. */
int sync_scan_own_sas(const struct sync_table *t, const struct sync_clock *now,
		      void (*fn)(const struct sync_rec *r, void *ctx),
		      void *ctx);

/* Deletes SA registrations whose lifetime is over; returns how many. */
int sync_sweep_sas(const struct sync_table *t, const struct sync_clock *now);

/* The record that announces SA spi as it is in ikefwd_sa (SYNC_OP_SA_SET)
 * or its deletion (SYNC_OP_SA_DEL); -ENOENT. */
int sync_sa_record_of(const struct sync_table *t, uint32_t spi, enum sync_op op,
		      const struct sync_clock *now, struct sync_rec *r);

/* The record that announces selector p as it is in the tries
 * (SYNC_OP_TS_SET; -ENOENT when absent or expired), or owner's removal of
 * it now (SYNC_OP_TS_DEL). */
int sync_ts_record_of(const struct sync_table *t, const struct ikefwd_prefix *p,
		      enum sync_op op, uint32_t owner,
		      const struct sync_clock *now, struct sync_rec *r);

/* Calls fn with a TS_SET record for every live selector this member owns
 * (a resync); returns how many. */
int sync_scan_own_ts(const struct sync_table *t, const struct sync_clock *now,
		     void (*fn)(const struct sync_rec *r, void *ctx),
		     void *ctx);

/* Deletes selector registrations whose lifetime is over; returns how
 * many. */
int sync_sweep_ts(const struct sync_table *t, const struct sync_clock *now);

/* The record that announces key as it is now in the table; -ENOENT. */
int sync_record_of(const struct sync_table *t, const struct ikefwd_key *key,
		   enum sync_op op, const struct sync_clock *now,
		   struct sync_rec *r);

#endif /* IKEFWD_SYNC_APPLY_H */
