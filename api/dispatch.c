// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "handlers.h"

static api_handler *const handlers[OP__MAX] = {
	[OP_TRACKING_LIST] = ep_tracking_list,
	[OP_TRACKING_ADD] = ep_tracking_add,
	[OP_TRACKING_SET] = ep_tracking_set,
	[OP_TRACKING_DEL] = ep_tracking_del,
	[OP_COOKIE] = ep_cookie,
	[OP_RECEIVE_PACKET] = ep_receive_packet,
	[OP_HA_OWNERSHIP] = ep_ha_ownership,
	[OP_COOKIE_RESOLUTION] = ep_cookie_resolution,
	[OP_TABLE_SEARCH] = ep_table_search,
	[OP_OWNERSHIP_CHECK] = ep_ownership_check,
	[OP_LOCAL_HANDLING] = ep_local_handling,
	[OP_REMOTE_FORWARD] = ep_remote_forward,
	[OP_TAKE_OWNERSHIP] = ep_take_ownership,
	[OP_INITIATE_NEGOTIATION] = ep_initiate_negotiation,
	[OP_TABLE_VERIFICATION] = ep_table_verification,
	[OP_ENTRY_CREATION] = ep_entry_creation,
	[OP_MEMBERS_LIST] = ep_members_list,
	[OP_MEMBERS_SET] = ep_members_set,
	[OP_CONFIG] = ep_config,
	[OP_STATS] = ep_stats,
	[OP_HEALTH] = ep_health,
	[OP_METRICS] = ep_metrics,
	[OP_SA_LIST] = ep_sa_list,
	[OP_SA_ADD] = ep_sa_add,
	[OP_SA_DEL] = ep_sa_del,
	[OP_TS_LIST] = ep_ts_list,
	[OP_TS_ADD] = ep_ts_add,
	[OP_TS_DEL] = ep_ts_del,
	[OP_IKE_SA_LIST] = ep_ike_sa_list,
	[OP_IKE_SA_ADD] = ep_ike_sa_add,
	[OP_IKE_SA_DEL] = ep_ike_sa_del,
	[OP_HA_SEGMENTS] = ep_ha_segments,
	[OP_HA_REPORT] = ep_ha_report,
};

void api_changed(struct api_ctx *c, const struct ikefwd_key *key, bool deleted)
{
	if (c->st->changed)
		c->st->changed(c->st->changed_ctx, key, deleted);
}

void api_sa_changed(struct api_ctx *c, uint32_t spi, bool deleted)
{
	if (c->st->sa_changed)
		c->st->sa_changed(c->st->changed_ctx, spi, deleted);
}

void api_ts_changed(struct api_ctx *c, const struct ikefwd_prefix *p,
		    uint32_t owner, bool deleted)
{
	if (c->st->ts_changed)
		c->st->ts_changed(c->st->changed_ctx, p, owner, deleted);
}

void api_ike_unregistered(struct api_ctx *c, const struct ikefwd_key *key,
			  uint32_t owner)
{
	if (c->st->ike_unregistered)
		c->st->ike_unregistered(c->st->changed_ctx, key, owner);
	else
		api_changed(c, key, true);
}

void api_dispatch(struct api_state *st, const struct api_call *call,
		  struct api_resp *r)
{
	struct api_ctx c = { .st = st };
	uint32_t zero = 0;

	if (call->op >= OP__MAX) {
		resp_error(r, 500, "no handler");
		return;
	}
	c.maps_err = ikefwd_maps_open(st->pin_root, &c.maps, c.maps_msg,
				      sizeof(c.maps_msg));
	/* The health check says itself that the data path is gone. */
	if (c.maps_err && call->op != OP_HEALTH) {
		resp_error(r, 503, "%s", c.maps_msg);
		return;
	}
	if (!c.maps_err && bpf_map_lookup_elem(c.maps.config, &zero, &c.cfg)) {
		resp_error(r, 500, "reading the configuration record: %s",
			   strerror(errno));
		goto out;
	}
	handlers[call->op](&c, &call->args, r);
	/* Whatever a write changed, the data path's caches of the tables
	 * must not outlive it (bpf/hot.h). */
	if (api_op_writes(call->op))
		ikefwd_maps_changed(&c.maps);
out:
	if (!c.maps_err)
		ikefwd_maps_close(&c.maps);
}
