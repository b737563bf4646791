/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ha-sync mode: ikefwdd's segment controller (docs/ha-sync.md "The
 * controller"). Runs in the sync agent's thread, on the agent's view of the
 * partner: decides with ha_assign() who holds which of the ha plugin's
 * segments, drives the local charon through the plugin's FIFO, points the
 * data path's ikefwd_segments map, and rekeys what moved.
 *
 * Order of a move: the member taking segment N writes "+N" into its
 * charon's FIFO (charon activates it and tells the partner's charon, which
 * deactivates it), then points its map at itself; after a death "*N"
 * follows (charon rekeys the segment's CHILD_SAs), after a planned move
 * [ha] rekey_command runs with the segment numbers, once the giver's
 * HELLO shows its map no longer has them (or after a bounded wait). The
 * member giving a segment writes nothing and points its map at the taker
 * as soon as the taker's HELLO shows the taker's map has it (its "+N" was
 * read by then); the agent runs the controller as such a HELLO arrives
 * and sends its own at once when what it holds changed.
 * Nothing here blocks for long: a FIFO command waits for charon's reader
 * across ticks, the rekey command runs as a child reaped on later ticks.
 */
#ifndef IKEFWD_SYNC_HA_CTL_H
#define IKEFWD_SYNC_HA_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ha_assign.h"

struct ha_ctl;

/* What the sync agent knows of the partner at a tick. */
struct ha_view {
	bool alive; /* heard within dead_after_ms */
	bool heard; /* heard at least once since this agent started */
	bool ready; /* its last HELLO carried SYNC_F_HA_READY */
	bool restarted; /* a new epoch since the last tick */
	/* Its last HELLO's held segments (bit s for segment s: its map
	 * gives s to itself); held_known false for a member that predates
	 * SYNC_F_HA_HELD. */
	bool held_known;
	uint32_t held;
};

/* segments_fd: the pinned ikefwd_segments map (not owned). 0 or negative
 * errno with a line in err. */
int ha_ctl_create(struct ha_ctl **out, const struct ikefwd_cfg *cfg,
		  int segments_fd, uint64_t now_ms, char *err, size_t errlen);
/* Waits up to 2 s for running rekey commands, then ends them (SIGTERM by
 * pid). */
void ha_ctl_destroy(struct ha_ctl *c);

void ha_ctl_tick(struct ha_ctl *c, uint64_t now_ms, const struct ha_view *v);

/* This member may hold segments: what its HELLO says. */
bool ha_ctl_ready(struct ha_ctl *c);

/* The segments this member's map gives to this member, as the controller
 * last wrote it (bit s for segment s): what its HELLO says. Agent thread
 * only. */
uint32_t ha_ctl_held(struct ha_ctl *c);

/* Thread-safe. */
void ha_ctl_status(struct ha_ctl *c, struct ha_status *st);

#endif /* IKEFWD_SYNC_HA_CTL_H */
