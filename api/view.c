// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>

#include "addr.h"
#include "config.h"
#include "table.h"
#include "view.h"

#define NSEC_PER_SEC 1000000000ULL

/* Every member record, once per request: a table listing names the same
 * few owners thousands of times. */
static void members_load(struct api_ctx *c)
{
	if (c->members_read)
		return;
	memset(c->members, 0, sizeof(c->members));
	for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		struct ikefwd_member *m = &c->members[id];

		if (bpf_map_lookup_elem(c->maps.members, &id, m) || m->id != id)
			memset(m, 0, sizeof(*m));
	}
	c->members_read = true;
}

const struct ikefwd_member *view_member_rec(struct api_ctx *c, uint32_t id)
{
	if (id == 0 || id >= IKEFWD_MAX_MEMBERS)
		return NULL;
	members_load(c);
	return c->members[id].id == id ? &c->members[id] : NULL;
}

int view_registering_owner(struct api_ctx *c, const struct api_args *a,
			   uint32_t *owner, struct api_resp *r)
{
	*owner = (a->have & ARG(OWNER)) ? a->owner : c->cfg.local_member;
	if (!*owner) {
		resp_error(r, 409,
			   "the data path has no local member configured yet: "
			   "give owner");
		return -1;
	}
	if (!view_member_rec(c, *owner)) {
		resp_error(r, 400, "owner: member %u is not configured",
			   *owner);
		return -1;
	}
	return 0;
}

void view_members_changed(struct api_ctx *c)
{
	c->members_read = false;
}

/* IPv4-mapped addresses as dotted quads; an unset (all-zero) one as null. */
static json_t *addr_json(const uint8_t addr[16])
{
	static const uint8_t zero[16];
	char text[INET6_ADDRSTRLEN];

	if (!memcmp(addr, zero, sizeof(zero)))
		return json_null();
	ikefwd_addr_text(addr, text, sizeof(text));
	return json_string(text);
}

static json_t *id_or_null(uint32_t id)
{
	return id ? json_integer(id) : json_null();
}

json_t *view_owner(struct api_ctx *c, uint32_t id)
{
	const struct ikefwd_member *m = view_member_rec(c, id);

	return json_pack("{s:I, s:o}", "member", (json_int_t)id, "address",
			 m ? addr_json(m->addr) : json_null());
}

static json_t *flags_json(uint32_t flags)
{
	json_t *arr = json_array();

	for (int bit = 0; arr && bit < 32; bit++) {
		const char *name = entry_flag_name(1u << bit);

		if (flags & 1u << bit && name)
			json_array_append_new(arr, json_string(name));
	}
	return arr;
}

void view_key_text(const struct ikefwd_key *key, char *out)
{
	cookie_format(key->ispi, out);
	sprintf(out + COOKIE_HEX_LEN, "/%u", key->msgid);
}

json_t *view_entry(struct api_ctx *c, const struct ikefwd_key *key,
		   const struct ikefwd_entry *e)
{
	uint32_t timeout = c->cfg.timeout_sec ?: IKEFWD_DEFAULT_TIMEOUT_SEC;
	uint64_t now = ikefwd_now_ns();
	char cookie[COOKIE_HEX_LEN + 1];

	cookie_format(key->ispi, cookie);
	/* age_s: an entry a peer stamped slightly ahead of our clock is new,
	 * not 584 years old. */
	return json_pack(
		"{s:s, s:I, s:i, s:o, s:b, s:I, s:I, s:o}", "cookie", cookie,
		"msg_id", (json_int_t)key->msgid, "phase", key->msgid ? 2 : 1,
		"owner", view_owner(c, e->owner), "local",
		c->cfg.local_member && e->owner == c->cfg.local_member,
		"remaining_s", (json_int_t)entry_remaining_s(e, now, timeout),
		"age_s",
		(json_int_t)(now > e->created_ns ?
				     (now - e->created_ns) / NSEC_PER_SEC :
				     0),
		"flags", flags_json(e->flags));
}

json_t *view_member(struct api_ctx *c, const struct ikefwd_member *m)
{
	bool local = m->id == c->cfg.local_member;
	bool reachable = local || m->state & IKEFWD_MEMBER_REACHABLE;
	char dev[IF_NAMESIZE], mac[IKEFWD_MAC_TEXT_LEN];
	const char *egress = NULL;

	if (m->ifindex && if_indextoname(m->ifindex, dev))
		egress = dev;
	ikefwd_mac_text(m->mac, mac);
	/* The local member has no next hop; a peer's MAC means something
	 * only once it is resolved. */
	return json_pack(
		"{s:I, s:o, s:b, s:b, s:b, s:s?, s:s?}", "id",
		(json_int_t)m->id, "address", addr_json(m->addr), "local",
		local, "alive", !!(m->state & IKEFWD_MEMBER_ALIVE), "reachable",
		reachable, "egress", egress, "next_hop_mac",
		!local && m->state & IKEFWD_MEMBER_REACHABLE ? mac : NULL);
}

json_t *view_config(const struct ikefwd_config *cfg)
{
	/* The values the data path uses: it reads 0 as the default. */
	return json_pack(
		"{s:s, s:o, s:o, s:I, s:i, s:i, s:o}", "mode",
		ikefwd_mode_name(cfg->mode), "local_member",
		id_or_null(cfg->local_member), "active_member",
		id_or_null(cfg->mode == IKEFWD_MODE_HA ? cfg->active_member :
							 0),
		"timeout_s",
		(json_int_t)(cfg->timeout_sec ?: IKEFWD_DEFAULT_TIMEOUT_SEC),
		"ike_port", cfg->ike_port ?: IKEFWD_IKE_PORT, "natt_port",
		cfg->natt_port ?: IKEFWD_NATT_PORT, "ha_segments",
		id_or_null(cfg->mode == IKEFWD_MODE_HA_SYNC ? cfg->ha_segments :
							      0));
}
