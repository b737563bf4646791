/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ha-sync mode: which member holds which of the ha plugin's segments, and
 * when a member may hold any (docs/ha-sync.md "The controller"). Pure
 * functions of what each member knows: both members compute the same
 * assignment from the same view without talking about it.
 */
#ifndef IKEFWD_LIB_HA_ASSIGN_H
#define IKEFWD_LIB_HA_ASSIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "ikefwd/ha_segment.h"

/*
 * The ready members (ids, any order, duplicates ignored) share count
 * segments: segment s goes to the ((s - 1) % n)-th of them by increasing
 * id. Writes out[1..count] (out[0] = 0) and returns n; with nobody ready
 * (or count outside 1..IKEFWD_HA_SEGMENTS_MAX) returns 0 and leaves out
 * alone: whoever holds a segment keeps it.
 */
unsigned int ha_assign(const uint32_t *ready, unsigned int nr_ready,
		       unsigned int count,
		       uint32_t out[IKEFWD_HA_SEGMENTS_MAX + 1]);

/*
 * A member is ready to hold segments once its charon can have the state:
 * join_delay_ms after it first heard its partner (the plugin's resync has
 * had that long to re-send the IKE_SAs and rekey the CHILD_SAs), or, when
 * it heard nobody, dead_after_ms after its start (the first member up
 * takes every segment). Once ready it stays ready.
 */
struct ha_readiness {
	uint64_t start_ms; /* monotonic; set by ha_readiness_init */
	uint64_t heard_ms; /* the partner first heard; 0: never */
	uint64_t ready_ms; /* 0: not ready yet */
	uint32_t join_delay_ms;
	uint32_t dead_after_ms;
};

void ha_readiness_init(struct ha_readiness *r, uint64_t now_ms,
		       uint32_t join_delay_ms, uint32_t dead_after_ms);

/* Whether the time has come at now_ms; partner_heard: the partner was
 * heard (at least once) since the start. Does not mark it ready: the
 * caller may want more (charon's FIFO open) and calls ha_readiness_set. */
bool ha_readiness_due(struct ha_readiness *r, uint64_t now_ms,
		      bool partner_heard);

static inline void ha_readiness_set(struct ha_readiness *r, uint64_t now_ms)
{
	r->ready_ms = now_ms ? now_ms : 1;
}

static inline bool ha_readiness_ready(const struct ha_readiness *r)
{
	return r->ready_ms != 0;
}

/* The controller's state for GET ha-segments and /metrics (filled by the
 * daemon's controller, rendered by the API). */
#define HA_STATS_LIST(X)                                                  \
	X(takeovers, "Segments taken from a dead partner")                \
	X(handovers_in, "Segments taken from a live partner (planned)")   \
	X(handovers_out, "Segments given to a live partner (planned)")    \
	X(fifo_writes, "Commands charon's ha FIFO took")                  \
	X(fifo_errors, "Failed attempts to write charon's ha FIFO")       \
	X(rekeys_started, "Rekey commands started after a planned move")  \
	X(rekeys_failed, "Rekey commands that failed or could not start") \
	X(resyncs_skipped, "*N not written: the partner came back first") \
	X(handovers_unconfirmed,                                          \
	  "Planned moves rekeyed without the giver's confirmation")

struct ha_stats {
#define HA_STAT_FIELD(name, help) uint64_t name;
	HA_STATS_LIST(HA_STAT_FIELD)
#undef HA_STAT_FIELD
};

struct ha_status {
	uint32_t local, partner;
	unsigned int segments; /* ha_segments */
	bool ready; /* this member */
	bool partner_alive;
	bool partner_ready; /* as its last HELLO said */
	uint64_t ready_ms; /* monotonic time this member became ready */
	unsigned int fifo_pending; /* commands waiting for charon's FIFO */
	unsigned int rekeys_running;
	char fifo[4096];
	struct ha_stats stats;
};

#endif /* IKEFWD_LIB_HA_ASSIGN_H */
