/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The endpoints' implementations. Each runs on the maps pinned under the
 * pin root, opened for this one request (so that a data path re-attached
 * meanwhile is the one used, never a stale copy), and fills a response.
 */
#ifndef IKEFWD_API_HANDLERS_H
#define IKEFWD_API_HANDLERS_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <stdio.h>

#include "ha_assign.h"
#include "ikefwd/config.h"
#include "ikefwd/member.h"
#include "pinned.h"
#include "request.h"
#include "resp.h"

/* What outlives a request: shared by every connection's thread. */
struct api_state {
	char pin_root[PATH_MAX];
	uint64_t started_ns; /* CLOCK_MONOTONIC */
	/* One receive-packet at a time: the counter deltas of a run must
	 * not include another request's run. */
	pthread_mutex_t packet_lock;
	void (*changed)(void *ctx, const struct ikefwd_key *key, bool deleted);
	void *changed_ctx;
	void (*sa_changed)(void *ctx, uint32_t spi, bool deleted);
	void (*ts_changed)(void *ctx, const struct ikefwd_prefix *p,
			   uint32_t owner, bool deleted);
	void (*ike_unregistered)(void *ctx, const struct ikefwd_key *key,
				 uint32_t owner);
	size_t (*sync_counters)(void *ctx, const char **names, uint64_t *values,
				size_t max);
	void *sync_ctx;
	bool (*ha_status)(void *ctx, struct ha_status *st); /* sync_ctx */
	/* PUT ha-segments: the IKE daemon's IKE_SA states, last report */
	pthread_mutex_t ha_lock;
	bool ha_reported;
	uint32_t ha_established, ha_passive;
	uint64_t ha_reported_ns; /* CLOCK_MONOTONIC */
};

/* One request. */
struct api_ctx {
	struct api_state *st;
	struct ikefwd_maps maps;
	int maps_err; /* 0, or why the maps could not be opened */
	char maps_msg[256];
	struct ikefwd_config cfg; /* the data path's, read at the start */
	bool members_read;
	struct ikefwd_member members[IKEFWD_MAX_MEMBERS]; /* by id */
};

typedef void api_handler(struct api_ctx *c, const struct api_args *a,
			 struct api_resp *r);

/* Runs the operation: opens the maps, calls its handler. */
void api_dispatch(struct api_state *st, const struct api_call *call,
		  struct api_resp *r);

/* Tells whoever listens (the sync agent) that the API changed key. */
void api_changed(struct api_ctx *c, const struct ikefwd_key *key, bool deleted);

/* Likewise for the SA of spi in ikefwd_sa. */
void api_sa_changed(struct api_ctx *c, uint32_t spi, bool deleted);

/* Likewise for the selector p: registered to owner, or owner's removed. */
void api_ts_changed(struct api_ctx *c, const struct ikefwd_prefix *p,
		    uint32_t owner, bool deleted);
/* owner's registration of the IKE SA key is gone (ep_ike_sa.c). */
void api_ike_unregistered(struct api_ctx *c, const struct ikefwd_key *key,
			  uint32_t owner);

/* ep_table.c: the ownership table. */
api_handler ep_tracking_list, ep_tracking_add, ep_tracking_set, ep_tracking_del,
	ep_cookie, ep_cookie_resolution, ep_table_search, ep_ownership_check,
	ep_local_handling, ep_remote_forward, ep_take_ownership,
	ep_initiate_negotiation, ep_table_verification, ep_entry_creation;
/* ep_packet.c */
api_handler ep_receive_packet;
/* ep_ha.c: ha-sync segments (GET ha-segments; the /metrics part). */
api_handler ep_ha_segments, ep_ha_report;
void ha_metrics(struct api_ctx *c, FILE *f);
/* ep_cluster.c: members and the configuration record. */
api_handler ep_members_list, ep_members_set, ep_config, ep_ha_ownership;
/* ep_sa.c: the inbound SA table (ESP steering). */
api_handler ep_sa_list, ep_sa_add, ep_sa_del;
/* ep_ts.c: remote traffic selectors (inside steering). */
api_handler ep_ts_list, ep_ts_add, ep_ts_del;
/* ep_ike_sa.c: IKE SAs registered by the IKE daemon. */
api_handler ep_ike_sa_list, ep_ike_sa_add, ep_ike_sa_del;
/* ep_stats.c */
api_handler ep_stats, ep_health, ep_metrics;

#endif /* IKEFWD_API_HANDLERS_H */
