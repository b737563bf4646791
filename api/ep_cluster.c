// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cluster as the data path sees it: member records (liveness is the
 * one field an operator sets; addresses and next hops come from the
 * loader) and the configuration record (mode and active member). Changes
 * last until the loader writes the records again (ikefwd attach), which
 * restores the configuration file's values.
 */
#include <errno.h>
#include <string.h>

#include <bpf/bpf.h>

#include "handlers.h"
#include "view.h"

void ep_members_list(struct api_ctx *c, const struct api_args *a,
		     struct api_resp *r)
{
	json_t *arr = json_array();

	for (uint32_t id = 1; arr && id < IKEFWD_MAX_MEMBERS; id++) {
		const struct ikefwd_member *m = view_member_rec(c, id);

		if (m)
			json_array_append_new(arr, view_member(c, m));
	}
	resp_json(r, 200, json_pack("{s:o}", "members", arr));
}

void ep_members_set(struct api_ctx *c, const struct api_args *a,
		    struct api_resp *r)
{
	const struct ikefwd_member *cur = view_member_rec(c, a->id);
	struct ikefwd_member m;

	if (!cur) {
		resp_error(r, 404, "no member %u", a->id);
		return;
	}
	m = *cur;
	if (a->alive)
		m.state |= IKEFWD_MEMBER_ALIVE;
	else
		m.state &= ~IKEFWD_MEMBER_ALIVE;
	if (bpf_map_update_elem(c->maps.members, &a->id, &m, BPF_EXIST)) {
		resp_error(r, 500, "writing member %u: %s", a->id,
			   strerror(errno));
		return;
	}
	view_members_changed(c);
	cur = view_member_rec(c, a->id);
	if (!cur) {
		resp_error(r, 404, "no member %u", a->id);
		return;
	}
	resp_json(r, 200, view_member(c, cur));
}

void ep_config(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	resp_json(r, 200, view_config(&c->cfg));
}

void ep_ha_ownership(struct api_ctx *c, const struct api_args *a,
		     struct api_resp *r)
{
	struct ikefwd_config cfg = c->cfg;
	uint32_t zero = 0;

	/* In ha-sync the controller and charon's ha plugin decide who
	 * answers a peer; switching the data path to ha or load-sharing
	 * under them would send peers to members whose charon holds their
	 * SAs only as passive copies. A change of mode is a configuration
	 * change (ikefwd attach), not an API call. */
	if (c->cfg.mode == IKEFWD_MODE_HA_SYNC) {
		resp_error(r, 409,
			   "the cluster runs in ha-sync mode: segments move "
			   "by the controller (GET ha-segments); change "
			   "[cluster] mode and run ikefwd attach");
		return;
	}
	if (a->mode == IKEFWD_MODE_HA &&
	    !view_member_rec(c, a->active_member)) {
		resp_error(r, 400, "active_member: member %u is not configured",
			   a->active_member);
		return;
	}
	cfg.mode = a->mode;
	cfg.active_member = a->mode == IKEFWD_MODE_HA ? a->active_member : 0;
	if (bpf_map_update_elem(c->maps.config, &zero, &cfg, BPF_ANY)) {
		resp_error(r, 500, "writing the configuration record: %s",
			   strerror(errno));
		return;
	}
	c->cfg = cfg;
	resp_json(r, 200, view_config(&cfg));
}
