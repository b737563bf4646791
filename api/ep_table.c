// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ownership table's endpoints: listing, lookups by key and by cookie,
 * and the ways an operator creates, re-homes and deletes entries. Entries
 * made here carry IKEFWD_F_STATIC, as those of the ikefwd command do.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "handlers.h"
#include "table.h"
#include "view.h"

#define KEY_TEXT_LEN 32

/* Table order of keys: cookie bytes, then msg_id. */
static int key_cmp(const struct ikefwd_key *a, const struct ikefwd_key *b)
{
	int d = memcmp(a->ispi, b->ispi, sizeof(a->ispi));

	if (d)
		return d;
	return a->msgid < b->msgid ? -1 : a->msgid > b->msgid;
}

static int row_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct table_row *)a)->key,
		       &((const struct table_row *)b)->key);
}

/*
 * The first `keep` matching rows in key order, from an unordered walk: a
 * max-heap of at most `keep` rows (so a page near the start of a big table
 * costs its own size, not the table's), sorted at the end.
 */
struct selection {
	/* filters */
	const uint8_t *ispi; /* NULL: any cookie */
	uint32_t owner; /* 0: any */
	uint32_t phase; /* 0: any */
	uint64_t keep;
	/* results */
	struct table_row *rows;
	size_t n, cap;
	uint64_t total; /* every match, kept or not */
};

static void heap_sift_down(struct table_row *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, top = i;
		struct table_row tmp;

		if (l < n && row_cmp(&h[l], &h[top]) > 0)
			top = l;
		if (r < n && row_cmp(&h[r], &h[top]) > 0)
			top = r;
		if (top == i)
			return;
		tmp = h[i];
		h[i] = h[top];
		h[top] = tmp;
		i = top;
	}
}

static void heap_sift_up(struct table_row *h, size_t i)
{
	while (i > 0 && row_cmp(&h[(i - 1) / 2], &h[i]) < 0) {
		struct table_row tmp = h[i];

		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
}

static int select_one(const struct table_row *row, void *ctx)
{
	struct selection *s = ctx;

	if (s->ispi && memcmp(row->key.ispi, s->ispi, sizeof(row->key.ispi)))
		return 0;
	if (s->owner && row->e.owner != s->owner)
		return 0;
	if (s->phase && (row->key.msgid ? 2 : 1) != s->phase)
		return 0;
	s->total++;
	if (s->keep == 0)
		return 0;
	if (s->n < s->keep) {
		if (s->n == s->cap) {
			size_t cap = s->cap ? 2 * s->cap : 64;
			struct table_row *rows =
				realloc(s->rows, cap * sizeof(*rows));

			if (!rows)
				return -ENOMEM;
			s->rows = rows;
			s->cap = cap;
		}
		s->rows[s->n] = *row;
		heap_sift_up(s->rows, s->n++);
	} else if (row_cmp(row, &s->rows[0]) < 0) {
		s->rows[0] = *row;
		heap_sift_down(s->rows, s->n, 0);
	}
	return 0;
}

static int select_rows(struct api_ctx *c, struct selection *s,
		       struct api_resp *r)
{
	int err = table_foreach(c->maps.table, select_one, s);

	if (err < 0) {
		free(s->rows);
		s->rows = NULL;
		return resp_error(r, 500, "reading the table: %s",
				  strerror(-err));
	}
	if (s->n)
		qsort(s->rows, s->n, sizeof(*s->rows), row_cmp);
	return 0;
}

static json_t *rows_json(struct api_ctx *c, const struct table_row *rows,
			 size_t from, size_t to)
{
	json_t *arr = json_array();

	for (size_t i = from; arr && i < to; i++)
		json_array_append_new(arr,
				      view_entry(c, &rows[i].key, &rows[i].e));
	return arr;
}

void ep_tracking_list(struct api_ctx *c, const struct api_args *a,
		      struct api_resp *r)
{
	struct selection s = {
		.ispi = a->have & ARG(COOKIE) ? a->key.ispi : NULL,
		.owner = a->owner,
		.phase = a->phase,
		.keep = (uint64_t)a->offset + a->limit,
	};

	if (select_rows(c, &s, r))
		return;
	resp_json(r, 200,
		  json_pack("{s:I, s:I, s:I, s:o}", "total",
			    (json_int_t)s.total, "offset",
			    (json_int_t)a->offset, "limit",
			    (json_int_t)a->limit, "entries",
			    rows_json(c, s.rows,
				      a->offset < s.n ? a->offset : s.n, s.n)));
	free(s.rows);
}

void ep_cookie(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	struct selection s = { .ispi = a->key.ispi, .keep = UINT64_MAX };
	char cookie[COOKIE_HEX_LEN + 1];

	cookie_format(a->key.ispi, cookie);
	if (select_rows(c, &s, r))
		return;
	if (s.n == 0)
		resp_error(r, 404, "no entry for cookie %s", cookie);
	else
		resp_json(r, 200,
			  json_pack("{s:s, s:o}", "cookie", cookie, "entries",
				    rows_json(c, s.rows, 0, s.n)));
	free(s.rows);
}

/* The entry as it is now, or -1 with the response set: 404 when there is
 * none. */
static int entry_get(struct api_ctx *c, const struct ikefwd_key *key,
		     struct ikefwd_entry *e, struct api_resp *r)
{
	char text[KEY_TEXT_LEN];
	int err = table_get(c->maps.table, key, e);

	if (!err)
		return 0;
	view_key_text(key, text);
	if (err == -ENOENT)
		return resp_error(r, 404, "no entry for %s", text);
	return resp_error(r, 500, "looking up %s: %s", text, strerror(-err));
}

/* status and the entry as written, read back: the data path may have
 * refreshed it already. */
static void reply_entry(struct api_ctx *c, const struct ikefwd_key *key,
			int status, struct api_resp *r)
{
	struct ikefwd_entry e;

	if (!entry_get(c, key, &e, r))
		resp_json(r, status, view_entry(c, key, &e));
}

static void reply_exists(struct api_ctx *c, const struct ikefwd_key *key,
			 struct api_resp *r)
{
	char text[KEY_TEXT_LEN], msg[96];
	struct ikefwd_entry e;

	view_key_text(key, text);
	if (table_get(c->maps.table, key, &e)) {
		/* Gone again already: still a conflict for this request. */
		snprintf(msg, sizeof(msg), "an entry for %s exists", text);
		resp_conflict(r, json_null(), msg);
		return;
	}
	snprintf(msg, sizeof(msg), "an entry for %s exists, owned by member %u",
		 text, e.owner);
	resp_conflict(r, view_owner(c, e.owner), msg);
}

static int need_member(struct api_ctx *c, const char *field, uint32_t id,
		       bool local_ok, struct api_resp *r)
{
	if (!view_member_rec(c, id))
		return resp_error(r, 400, "%s: member %u is not configured",
				  field, id);
	if (!local_ok && id == c->cfg.local_member)
		return resp_error(r, 400, "%s: member %u is this member", field,
				  id);
	return 0;
}

/* Entries "owned here" need to know who here is. */
static int need_local(struct api_ctx *c, struct api_resp *r)
{
	if (c->cfg.local_member)
		return 0;
	return resp_error(r, 409,
			  "the data path has no local member configured yet");
}

/* Create-only: 201, or 409 with the owner of the entry that exists. */
static void create_entry(struct api_ctx *c, const struct ikefwd_key *key,
			 uint32_t owner, uint32_t flags, struct api_resp *r)
{
	int err = table_add(c->maps.table, key, owner, flags);

	if (err == -EEXIST) {
		reply_exists(c, key, r);
		return;
	}
	if (err) {
		resp_error(r, 500, "writing the table: %s", strerror(-err));
		return;
	}
	api_changed(c, key, false);
	reply_entry(c, key, 201, r);
}

/*
 * Gives key to owner: rewrites the entry in place, keeping its creation
 * time and flags (plus STATIC) and restarting its idle timer, or creates
 * it when create is set. A delete that races with the rewrite is not
 * undone unless create is set.
 */
static int entry_assign(int fd, const struct ikefwd_key *key, uint32_t owner,
			bool create)
{
	struct ikefwd_entry e;
	int err;

	for (int tries = 0; tries < 8; tries++) {
		err = table_get(fd, key, &e);
		if (!err) {
			e.owner = owner;
			e.flags |= IKEFWD_F_STATIC;
			e.last_seen_ns = ikefwd_now_ns();
			err = table_replace(fd, key, &e);
			if (err != -ENOENT)
				return err;
			continue;
		}
		if (err != -ENOENT)
			return err;
		if (!create)
			return -ENOENT;
		err = table_add(fd, key, owner, IKEFWD_F_STATIC);
		if (err != -EEXIST)
			return err;
	}
	return -EAGAIN;
}

static void assign(struct api_ctx *c, const struct ikefwd_key *key,
		   uint32_t owner, bool create, struct api_resp *r)
{
	char text[KEY_TEXT_LEN];
	int err = entry_assign(c->maps.table, key, owner, create);

	view_key_text(key, text);
	if (err == -ENOENT) {
		resp_error(r, 404, "no entry for %s", text);
		return;
	}
	if (err) {
		resp_error(r, 500, "writing %s: %s", text, strerror(-err));
		return;
	}
	api_changed(c, key, false);
	reply_entry(c, key, 200, r);
}

void ep_tracking_add(struct api_ctx *c, const struct api_args *a,
		     struct api_resp *r)
{
	if (!need_member(c, "owner", a->owner, true, r))
		create_entry(c, &a->key, a->owner, IKEFWD_F_STATIC, r);
}

void ep_tracking_set(struct api_ctx *c, const struct api_args *a,
		     struct api_resp *r)
{
	if (!need_member(c, "owner", a->owner, true, r))
		assign(c, &a->key, a->owner, false, r);
}

static void flush(struct api_ctx *c, struct api_resp *r)
{
	struct ikefwd_key key;
	long n = 0;

	/* Always the first key: a walk would restart after each delete. */
	while (!bpf_map_get_next_key(c->maps.table, NULL, &key)) {
		if (bpf_map_delete_elem(c->maps.table, &key)) {
			if (errno == ENOENT)
				continue;
			resp_error(r, 500, "flushing the table: %s",
				   strerror(errno));
			return;
		}
		n++;
		api_changed(c, &key, true);
	}
	resp_json(r, 200, json_pack("{s:I}", "deleted", (json_int_t)n));
}

void ep_tracking_del(struct api_ctx *c, const struct api_args *a,
		     struct api_resp *r)
{
	char text[KEY_TEXT_LEN];
	int err;

	if (a->flush) {
		flush(c, r);
		return;
	}
	view_key_text(&a->key, text);
	err = table_del(c->maps.table, &a->key);
	if (err == -ENOENT) {
		resp_error(r, 404, "no entry for %s", text);
		return;
	}
	if (err) {
		resp_error(r, 500, "deleting %s: %s", text, strerror(-err));
		return;
	}
	api_changed(c, &a->key, true);
	resp_json(r, 200, json_pack("{s:i}", "deleted", 1));
}

void ep_table_search(struct api_ctx *c, const struct api_args *a,
		     struct api_resp *r)
{
	struct ikefwd_entry e;

	if (!entry_get(c, &a->key, &e, r))
		resp_json(r, 200, view_entry(c, &a->key, &e));
}

void ep_ownership_check(struct api_ctx *c, const struct api_args *a,
			struct api_resp *r)
{
	struct ikefwd_entry e;

	if (entry_get(c, &a->key, &e, r))
		return;
	resp_json(r, 200,
		  json_pack("{s:o, s:b}", "owner", view_owner(c, e.owner),
			    "local",
			    c->cfg.local_member &&
				    e.owner == c->cfg.local_member));
}

static json_t *key_json(const struct ikefwd_key *key)
{
	char cookie[COOKIE_HEX_LEN + 1];

	cookie_format(key->ispi, cookie);
	return json_pack("{s:s, s:I}", "cookie", cookie, "msg_id",
			 (json_int_t)key->msgid);
}

/* The entry the data path's lookup finds first for a packet with this key:
 * the exact one, else (msg_id != 0) the negotiation's Phase-1 entry. Only
 * the lookup: whether its owner is still usable the data path decides
 * when a packet comes (POST receive-packet asks it). */
void ep_cookie_resolution(struct api_ctx *c, const struct api_args *a,
			  struct api_resp *r)
{
	struct ikefwd_key p1 = a->key;
	const struct ikefwd_key *found = NULL;
	const char *via = "none";
	char cookie[COOKIE_HEX_LEN + 1];
	struct ikefwd_entry e;
	int err;

	p1.msgid = 0;
	err = table_get(c->maps.table, &a->key, &e);
	if (!err) {
		found = &a->key;
		via = "exact";
	} else if (err == -ENOENT && a->key.msgid != 0) {
		err = table_get(c->maps.table, &p1, &e);
		if (!err) {
			found = &p1;
			via = "phase1";
		}
	}
	if (err && err != -ENOENT) {
		resp_error(r, 500, "looking up: %s", strerror(-err));
		return;
	}
	cookie_format(a->key.ispi, cookie);
	resp_json(r, 200,
		  json_pack("{s:s, s:I, s:s, s:o, s:o}", "cookie", cookie,
			    "msg_id", (json_int_t)a->key.msgid, "resolved_via",
			    via, "key", found ? key_json(found) : json_null(),
			    "entry",
			    found ? view_entry(c, found, &e) : json_null()));
}

void ep_table_verification(struct api_ctx *c, const struct api_args *a,
			   struct api_resp *r)
{
	struct ikefwd_entry e;
	int err = table_get(c->maps.table, &a->key, &e);

	if (err && err != -ENOENT) {
		resp_error(r, 500, "looking up: %s", strerror(-err));
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:b, s:o}", "exists", !err, "entry",
			    err ? json_null() : view_entry(c, &a->key, &e)));
}

void ep_local_handling(struct api_ctx *c, const struct api_args *a,
		       struct api_resp *r)
{
	if (!need_local(c, r))
		assign(c, &a->key, c->cfg.local_member, true, r);
}

void ep_remote_forward(struct api_ctx *c, const struct api_args *a,
		       struct api_resp *r)
{
	if (!need_local(c, r) && !need_member(c, "member", a->member, false, r))
		assign(c, &a->key, a->member, true, r);
}

void ep_take_ownership(struct api_ctx *c, const struct api_args *a,
		       struct api_resp *r)
{
	if (!need_local(c, r))
		create_entry(c, &a->key, c->cfg.local_member,
			     IKEFWD_F_STATIC | IKEFWD_F_CLAIMED, r);
}

/* The outbound flow: this member sends first, so it owns the negotiation
 * (msg_id 0 unless given). */
void ep_initiate_negotiation(struct api_ctx *c, const struct api_args *a,
			     struct api_resp *r)
{
	if (!need_local(c, r))
		create_entry(c, &a->key, c->cfg.local_member,
			     IKEFWD_F_STATIC | IKEFWD_F_OUTBOUND, r);
}

void ep_entry_creation(struct api_ctx *c, const struct api_args *a,
		       struct api_resp *r)
{
	if (!need_local(c, r))
		create_entry(c, &a->key, c->cfg.local_member,
			     IKEFWD_F_STATIC | IKEFWD_F_OUTBOUND, r);
}
