// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The remote traffic selector endpoint (ts): the prefixes of ikefwd_ts4 /
 * ikefwd_ts6, each registered with the member holding the CHILD_SA that
 * covers it, so that the inside steering sends cleartext to that member
 * (include/ikefwd/selector.h). A tunnel moves between members (reauth, a
 * member's death): a registration therefore replaces whatever holds the
 * prefix, whoever owns it, the newest wins. A removal may name the owner
 * (and the SA's SPI) so that an old owner's late "down" cannot remove the
 * registration of the member the tunnel moved to: that is a 409.
 *
 * In ha-sync mode a registration may name the CHILD_SA's IKE peer: its
 * segment of the ha plugin is stored with the selector, and the inside
 * steering follows the member holding that segment rather than the owner.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ha_segment.h"
#include "handlers.h"
#include "ikefwd/selector.h"
#include "selector.h"
#include "table.h"
#include "view.h"

#define NSEC_PER_SEC 1000000000ULL

static const char *const ts_flag_names[] = { "registered", "synced", "static" };

static struct ikefwd_ts_maps ts_maps(struct api_ctx *c)
{
	return (struct ikefwd_ts_maps){ c->maps.ts4, c->maps.ts6 };
}

static json_t *remaining_json(const struct ikefwd_ts *ts, uint64_t now)
{
	int64_t left = (int64_t)(ts->expires_ns - now);

	if (!ts->expires_ns)
		return json_null();
	if (left > 0)
		return json_integer((left + NSEC_PER_SEC - 1) / NSEC_PER_SEC);
	return json_integer(-((-left + NSEC_PER_SEC - 1) / NSEC_PER_SEC));
}

static json_t *ts_json(struct api_ctx *c, const struct ikefwd_ts_row *row,
		       uint64_t now)
{
	uint32_t segment = ikefwd_ts_segment(row->ts.flags);
	char text[IKEFWD_TS_TEXT_LEN];
	json_t *flags = json_array();

	ikefwd_prefix_text(&row->prefix, text);
	for (size_t i = 0;
	     flags && i < sizeof(ts_flag_names) / sizeof(ts_flag_names[0]); i++)
		if (row->ts.flags & 1u << i)
			json_array_append_new(flags,
					      json_string(ts_flag_names[i]));
	return json_pack(
		"{s:s, s:o, s:b, s:o, s:o, s:o, s:o}", "prefix", text, "owner",
		view_owner(c, row->ts.owner), "local",
		c->cfg.local_member && row->ts.owner == c->cfg.local_member,
		"spi", row->ts.spi ? json_integer(row->ts.spi) : json_null(),
		"remaining_s", remaining_json(&row->ts, now), "flags", flags,
		"segment", segment ? json_integer(segment) : json_null());
}

static void reply(struct api_ctx *c, const struct ikefwd_ts_row *rows, size_t n,
		  int status, bool total, struct api_resp *r)
{
	uint64_t now = ikefwd_now_ns();
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < n; i++)
		json_array_append_new(arr, ts_json(c, &rows[i], now));
	if (total)
		resp_json(r, status,
			  json_pack("{s:I, s:o}", "total", (json_int_t)n,
				    "selectors", arr));
	else
		resp_json(r, status, json_pack("{s:o}", "selectors", arr));
}

void ep_ts_list(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	struct ikefwd_ts_maps m = ts_maps(c);
	struct ikefwd_ts_row *rows = NULL;
	size_t used = 0;
	int n;

	n = ikefwd_ts_list(&m, &rows);
	if (n < 0) {
		resp_error(r, 500, "reading the selectors: %s", strerror(-n));
		return;
	}
	for (int i = 0; i < n; i++) {
		if (a->owner && rows[i].ts.owner != a->owner)
			continue;
		if (a->nr_prefixes &&
		    ikefwd_prefix_cmp(&rows[i].prefix, &a->prefixes[0]))
			continue;
		rows[used++] = rows[i];
	}
	if (a->nr_prefixes && !used && !a->owner) {
		char text[IKEFWD_TS_TEXT_LEN];

		ikefwd_prefix_text(&a->prefixes[0], text);
		resp_error(r, 404, "no selector registered for %s", text);
	} else {
		reply(c, rows, used, 200, true, r);
	}
	free(rows);
}

/* The segment bits of a registration naming its IKE peer: only ha-sync
 * steers by them; elsewhere (and with no peer) the selector has none. */
static uint32_t peer_segment_flags(const struct api_ctx *c,
				   const struct api_args *a)
{
	int seg;

	if (!(a->have & ARG(PEER)) || c->cfg.mode != IKEFWD_MODE_HA_SYNC)
		return 0;
	seg = ikefwd_ha_segment(a->peer_family, a->peer, c->cfg.ha_segments);
	if (seg <= 0)
		return 0;
	return (uint32_t)seg << IKEFWD_TS_SEGMENT_SHIFT &
	       IKEFWD_TS_SEGMENT_MASK;
}

void ep_ts_add(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	struct ikefwd_ts_maps m = ts_maps(c);
	struct ikefwd_ts_row rows[API_PREFIXES_MAX];
	struct ikefwd_ts old[API_PREFIXES_MAX];
	bool had[API_PREFIXES_MAX];
	uint32_t owner;
	uint64_t now = ikefwd_now_ns();
	struct ikefwd_ts ts = { .created_ns = now,
				.flags = IKEFWD_TS_F_REGISTERED };
	uint32_t i;
	int err;

	if (view_registering_owner(c, a, &owner, r))
		return;
	ts.owner = owner;
	ts.flags |= peer_segment_flags(c, a);
	ts.spi = a->nr_spis ? a->spis[0] : 0;
	if (a->lifetime_s)
		ts.expires_ns = now + (uint64_t)a->lifetime_s * NSEC_PER_SEC;
	/* What is there now, to put it back if the request fails half way:
	 * a refused request changes nothing. */
	for (i = 0; i < a->nr_prefixes; i++) {
		err = ikefwd_ts_get(&m, &a->prefixes[i], &old[i]);
		if (err && err != -ENOENT) {
			resp_error(r, 500, "reading the selectors: %s",
				   strerror(-err));
			return;
		}
		had[i] = !err;
	}
	for (i = 0; i < a->nr_prefixes; i++) {
		err = ikefwd_ts_put(&m, &a->prefixes[i], &ts);
		if (!err) {
			rows[i].prefix = a->prefixes[i];
			rows[i].ts = ts;
			continue;
		}
		if (err == -ENOSPC || err == -E2BIG)
			resp_error(r, 409, "the selector table is full (%d)",
				   IKEFWD_TS_TABLE_SIZE);
		else
			resp_error(r, 500, "writing the selectors: %s",
				   strerror(-err));
		while (i--) {
			if (had[i])
				ikefwd_ts_put(&m, &a->prefixes[i], &old[i]);
			else
				ikefwd_ts_del(&m, &a->prefixes[i]);
		}
		return;
	}
	for (i = 0; i < a->nr_prefixes; i++)
		api_ts_changed(c, &a->prefixes[i], owner, false);
	reply(c, rows, a->nr_prefixes, 201, false, r);
}

void ep_ts_del(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	struct ikefwd_ts_maps m = ts_maps(c);
	const struct ikefwd_prefix *p = &a->prefixes[0];
	char text[IKEFWD_TS_TEXT_LEN], msg[200];
	struct ikefwd_ts ts;
	int err;

	ikefwd_prefix_text(p, text);
	err = ikefwd_ts_get(&m, p, &ts);
	if (err == -ENOENT) {
		resp_error(r, 404, "no selector registered for %s", text);
		return;
	}
	if (err) {
		resp_error(r, 500, "reading the selectors: %s", strerror(-err));
		return;
	}
	if (a->have & ARG(OWNER) && ts.owner != a->owner) {
		snprintf(msg, sizeof(msg),
			 "%s is registered to member %u now, not %u", text,
			 ts.owner, a->owner);
		resp_conflict(r, view_owner(c, ts.owner), msg);
		return;
	}
	if (a->nr_spis && ts.spi != a->spis[0]) {
		snprintf(msg, sizeof(msg),
			 "%s is registered for SPI 0x%08x now, not 0x%08x",
			 text, ts.spi, a->spis[0]);
		resp_conflict(r, view_owner(c, ts.owner), msg);
		return;
	}
	err = ikefwd_ts_del(&m, p);
	if (err) {
		resp_error(r, err == -ENOENT ? 404 : 500, "deleting %s: %s",
			   text, strerror(-err));
		return;
	}
	api_ts_changed(c, p, ts.owner, true);
	resp_json(r, 200, json_pack("{s:i}", "deleted", 1));
}
