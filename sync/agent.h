/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The cluster-sync agent: keeps this member's ownership table in step with
 * its peers' over the sync link, and drives each member's alive flag.
 *
 * - Every entry the data path creates or re-homes (ring buffer events) and
 *   every change an operator makes (sync_announce) goes to every peer as a
 *   sequenced UPDATE; receivers apply updates in order, NACK gaps, ACK
 *   progress; the sender resends from a queue, or re-announces its whole
 *   table when a gap is older than the queue (conntrackd's FT-FW, in small).
 * - A peer seen with a new epoch (it started) gets this member's table.
 * - Heartbeats (HELLO) keep peers alive; a peer silent for dead_after_ms is
 *   marked dead in the data path after its negotiations have been re-homed
 *   by rendezvous hashing over the live members: every survivor computes
 *   the same owner without talking.
 * - Conflicting claims for one key: Phase 2 follows Phase 1; else the
 *   earlier claim wins, then the lower member id.
 * - Owners re-announce the entries they keep using, so copies elsewhere do
 *   not expire under a live negotiation; a sweeper deletes expired ones.
 */
#ifndef IKEFWD_SYNC_AGENT_H
#define IKEFWD_SYNC_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ha_assign.h"
#include "ikefwd/table.h"
#include "selector.h"
#include "wire.h"

#define SYNC_STATS_LIST(X)   \
	X(tx_msgs)           \
	X(tx_records)        \
	X(rx_msgs)           \
	X(rx_records)        \
	X(rx_short)          \
	X(rx_bad_magic)      \
	X(rx_bad_length)     \
	X(rx_bad_tag)        \
	X(rx_bad_field)      \
	X(rx_unknown_member) \
	X(rx_replayed)       \
	X(rx_stale)          \
	X(rx_old_epoch)      \
	X(nacks_sent)        \
	X(nacks_received)    \
	X(resent)            \
	X(resyncs)           \
	X(conflicts)         \
	X(rehomed)           \
	X(swept)             \
	X(peer_deaths)       \
	X(peer_joins)        \
	X(rx_table_full)

struct sync_stats {
#define SYNC_STAT_FIELD(name) uint64_t name;
	SYNC_STATS_LIST(SYNC_STAT_FIELD)
#undef SYNC_STAT_FIELD
};

struct sync_agent;

/* Opens the pinned maps under pin_root, binds the sync socket and starts
 * the agent's thread. 0 or negative errno with a line in err. */
int sync_agent_start(struct sync_agent **out, const struct ikefwd_cfg *cfg,
		     const char *pin_root, char *err, size_t errlen);
void sync_agent_stop(struct sync_agent *a);

/* An operator changed (SYNC_OP_SET) or deleted (SYNC_OP_DEL) key in the
 * table: tell the peers. Thread-safe. */
void sync_announce(struct sync_agent *a, const struct ikefwd_key *key,
		   enum sync_op op);

/* owner's registration of the IKE SA key was removed: the peers remove
 * it where that registration stands (a newer one by another member stays).
 * Registrations themselves go with sync_announce(SYNC_OP_SET): the record
 * carries IKEFWD_F_REGISTERED. Thread-safe. */
void sync_announce_unregister(struct sync_agent *a,
			      const struct ikefwd_key *key, uint32_t owner);

/* An SA registration changed (SYNC_OP_SA_SET) or was removed
 * (SYNC_OP_SA_DEL) in ikefwd_sa: tell the peers. Thread-safe. */
void sync_announce_sa(struct sync_agent *a, uint32_t spi, enum sync_op op);

/* A selector was registered to owner (SYNC_OP_TS_SET) or owner's
 * registration removed (SYNC_OP_TS_DEL): tell the peers. Thread-safe. */
void sync_announce_ts(struct sync_agent *a, const struct ikefwd_prefix *p,
		      uint32_t owner, enum sync_op op);

void sync_get_stats(struct sync_agent *a, struct sync_stats *out);

/* ha-sync mode: the segment controller's state (docs/ha-sync.md "The
 * controller"). false: no agent, or not in ha-sync mode. Thread-safe. */
bool sync_ha_status(struct sync_agent *a, struct ha_status *st);

/* The same as name/value pairs (at most max); returns how many. NULL
 * agent: 0. */
size_t sync_stats_list(struct sync_agent *a, const char **names,
		       uint64_t *values, size_t max);

#endif /* IKEFWD_SYNC_AGENT_H */
