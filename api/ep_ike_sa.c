// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IKE SA endpoint (ike-sa): the IKE SAs a member's IKE daemon holds,
 * registered by its integration (the strongSwan vici listener) as the
 * (initiator SPI, 0) entry of the ownership table with
 * IKEFWD_F_REGISTERED. A rekeyed IKE SA's SPIs only ever travel encrypted,
 * so without this the data path cannot know where its exchanges belong.
 * The conflict rule is lib/table.h's (table_register), the one the sync
 * agent applies too; every change goes to the peers through the hooks.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "table.h"
#include "view.h"

static bool is_registration(const struct ikefwd_key *key,
			    const struct ikefwd_entry *e)
{
	return key->msgid == 0 && (e->flags & IKEFWD_F_REGISTERED);
}

struct ike_select {
	uint32_t owner; /* 0: any */
	struct table_row *rows;
	size_t n, cap;
};

static int select_one(const struct table_row *row, void *ctx)
{
	struct ike_select *s = ctx;

	if (!is_registration(&row->key, &row->e) ||
	    (s->owner && row->e.owner != s->owner))
		return 0;
	if (s->n == s->cap) {
		size_t ncap = s->cap ? 2 * s->cap : 64;
		struct table_row *p = realloc(s->rows, ncap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->rows = p;
		s->cap = ncap;
	}
	s->rows[s->n++] = *row;
	return 0;
}

static int cookie_cmp(const void *a, const void *b)
{
	return memcmp(((const struct table_row *)a)->key.ispi,
		      ((const struct table_row *)b)->key.ispi, 8);
}

static void reply_list(struct api_ctx *c, const struct table_row *rows,
		       size_t n, struct api_resp *r)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr,
				      view_entry(c, &rows[i].key, &rows[i].e));
	resp_json(r, 200,
		  json_pack("{s:I, s:o}", "total", (json_int_t)n, "ike_sas",
			    arr));
}

void ep_ike_sa_list(struct api_ctx *c, const struct api_args *a,
		    struct api_resp *r)
{
	struct ike_select s = { .owner = a->owner };
	struct ikefwd_key key = { .msgid = 0 };
	char cookie[COOKIE_HEX_LEN + 1];
	struct table_row one;
	int err;

	if (a->have & ARG(COOKIE)) {
		memcpy(key.ispi, a->key.ispi, sizeof(key.ispi));
		cookie_format(key.ispi, cookie);
		err = table_get(c->maps.table, &key, &one.e);
		if (err && err != -ENOENT) {
			resp_error(r, 500, "looking up %s: %s", cookie,
				   strerror(-err));
			return;
		}
		if (err || !is_registration(&key, &one.e)) {
			resp_error(r, 404, "no IKE SA registered for cookie %s",
				   cookie);
			return;
		}
		one.key = key;
		reply_list(c, &one, !a->owner || one.e.owner == a->owner, r);
		return;
	}
	err = table_foreach(c->maps.table, select_one, &s);
	if (err) {
		resp_error(r, 500, "reading the table: %s", strerror(-err));
	} else {
		if (s.n)
			qsort(s.rows, s.n, sizeof(*s.rows), cookie_cmp);
		reply_list(c, s.rows, s.n, r);
	}
	free(s.rows);
}

static bool cookie_zero(const uint8_t ispi[8])
{
	static const uint8_t zero[8];

	return !memcmp(ispi, zero, sizeof(zero));
}

void ep_ike_sa_add(struct api_ctx *c, const struct api_args *a,
		   struct api_resp *r)
{
	struct ikefwd_key key = { .msgid = 0 };
	uint32_t owner;
	char cookie[COOKIE_HEX_LEN + 1], msg[160];
	struct ikefwd_entry prev, now;
	bool refreshed;
	int err;

	memcpy(key.ispi, a->key.ispi, sizeof(key.ispi));
	cookie_format(key.ispi, cookie);
	/* The data path never keys anything on a zero SPI (bad_zero_spi). */
	if (cookie_zero(key.ispi)) {
		resp_error(r, 400, "cookie: zero is not an initiator SPI");
		return;
	}
	if (view_registering_owner(c, a, &owner, r))
		return;
	err = table_register(c->maps.table, &key, owner, 0, 0, &prev);
	if (err == -EALREADY) {
		snprintf(msg, sizeof(msg),
			 "cookie %s: a newer registration by member %u stands",
			 cookie, prev.owner);
		resp_conflict(r, view_owner(c, prev.owner), msg);
		return;
	}
	if (err == -E2BIG) {
		resp_error(r, 409, "the established table is full");
		return;
	}
	if (err) {
		resp_error(r, 500, "registering %s: %s", cookie,
			   strerror(-err));
		return;
	}
	api_changed(c, &key, false);
	if (table_get(c->maps.table, &key, &now)) {
		/* Evicted or deleted already: say what was written. */
		now = (struct ikefwd_entry){ .owner = owner,
					     .flags = IKEFWD_F_REGISTERED };
	}
	refreshed = is_registration(&key, &prev) && prev.owner == owner;
	resp_json(r, refreshed ? 200 : 201,
		  json_pack("{s:o, s:o}", "ike_sa", view_entry(c, &key, &now),
			    "replaced",
			    prev.owner && !refreshed ?
				    view_entry(c, &key, &prev) :
				    json_null()));
}

void ep_ike_sa_del(struct api_ctx *c, const struct api_args *a,
		   struct api_resp *r)
{
	struct ikefwd_key key = { .msgid = 0 };
	char cookie[COOKIE_HEX_LEN + 1], msg[160];
	struct ikefwd_entry cur;
	int err;

	memcpy(key.ispi, a->key.ispi, sizeof(key.ispi));
	cookie_format(key.ispi, cookie);
	if ((a->have & ARG(OWNER)) && !view_member_rec(c, a->owner)) {
		resp_error(r, 400, "owner: member %u is not configured",
			   a->owner);
		return;
	}
	err = table_get(c->maps.table, &key, &cur);
	if (err && err != -ENOENT) {
		resp_error(r, 500, "looking up %s: %s", cookie, strerror(-err));
		return;
	}
	if (err || !is_registration(&key, &cur)) {
		resp_error(r, 404, "no IKE SA registered for cookie %s",
			   cookie);
		return;
	}
	if (a->owner && cur.owner != a->owner) {
		snprintf(msg, sizeof(msg),
			 "cookie %s is registered by member %u, not %u", cookie,
			 cur.owner, a->owner);
		resp_conflict(r, view_owner(c, cur.owner), msg);
		return;
	}
	err = table_unregister(c->maps.table, &key, cur.owner);
	if (err == -ENOENT || err == -EPERM) {
		resp_error(r, 409, "cookie %s was re-registered meanwhile",
			   cookie);
		return;
	}
	if (err) {
		resp_error(r, 500, "deleting %s: %s", cookie, strerror(-err));
		return;
	}
	api_ike_unregistered(c, &key, cur.owner);
	resp_json(r, 200, json_pack("{s:i}", "deleted", 1));
}
