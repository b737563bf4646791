/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The JSON shapes of docs/api.md, from the records in the maps. */
#ifndef IKEFWD_API_VIEW_H
#define IKEFWD_API_VIEW_H

#include <jansson.h>

#include "handlers.h"

/* The member's record, or NULL when id is not a configured member. */
const struct ikefwd_member *view_member_rec(struct api_ctx *c, uint32_t id);
/* The member a registration (sa, ts, ike-sa) is for: the request's
 * owner, else the local member; it must be configured. 0, or -1 with
 * the 409 / 400 error written to r. */
int view_registering_owner(struct api_ctx *c, const struct api_args *a,
			   uint32_t *owner, struct api_resp *r);
/* Forget the records read: after writing one. */
void view_members_changed(struct api_ctx *c);

/* {"member": id, "address": "10.0.0.2"}; address null if unknown. */
json_t *view_owner(struct api_ctx *c, uint32_t id);
/* The Entry of docs/api.md. */
json_t *view_entry(struct api_ctx *c, const struct ikefwd_key *key,
		   const struct ikefwd_entry *e);
/* {"id", "address", "local", "alive", "reachable", "egress",
 * "next_hop_mac"}. */
json_t *view_member(struct api_ctx *c, const struct ikefwd_member *m);
/* {"mode", "local_member", "active_member", "timeout_s", "ike_port",
 * "natt_port"}. */
json_t *view_config(const struct ikefwd_config *cfg);
/* "0011223344556677/1", for messages; out: 32 bytes. */
void view_key_text(const struct ikefwd_key *key, char *out);

#endif /* IKEFWD_API_VIEW_H */
