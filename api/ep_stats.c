// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Counters, table fill, liveness of the API and of the data path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "counters.h"
#include "handlers.h"
#include "selector.h"
#include "table.h"
#include "view.h"

static int table_capacity(int fd, uint32_t *cap)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	*cap = info.max_entries;
	return 0;
}

/* Counters, entries and capacity, or -1 with a 500 in r. */
static int read_stats(struct api_ctx *c, uint64_t v[IKEFWD_C_MAX], int *entries,
		      uint32_t *cap, struct api_resp *r)
{
	int err = counters_read(c->maps.counters, v);

	if (err)
		return resp_error(r, 500, "reading the counters: %s",
				  strerror(-err));
	*entries = table_count(c->maps.table);
	if (*entries < 0)
		return resp_error(r, 500, "reading the table: %s",
				  strerror(-*entries));
	err = table_capacity(c->maps.table, cap);
	if (err)
		return resp_error(r, 500, "reading the table's size: %s",
				  strerror(-err));
	return 0;
}

/* The half-open claims (ikefwd_halfopen): an LRU a flood fills; these
 * two gauges and the counters claimed / promoted show an attack. */
static void halfopen_metrics(struct api_ctx *c, FILE *f)
{
	uint32_t cap = 0; /* gcc -O3 cannot see table_capacity() set it */
	int n;

	if (c->maps.halfopen < 0 || table_capacity(c->maps.halfopen, &cap))
		return;
	n = table_count(c->maps.halfopen);
	fprintf(f,
		"# HELP ikefwd_halfopen_entries Half-open claims "
		"(ikefwd_halfopen)\n"
		"# TYPE ikefwd_halfopen_entries gauge\n"
		"ikefwd_halfopen_entries %d\n"
		"# HELP ikefwd_halfopen_capacity Size of the half-open table\n"
		"# TYPE ikefwd_halfopen_capacity gauge\n"
		"ikefwd_halfopen_capacity %u\n",
		n < 0 ? 0 : n, cap);
}

#define SYNC_MAX_COUNTERS 64

/* The sync agent's counters, or null when no agent runs. */
static json_t *sync_json(struct api_ctx *c)
{
	const char *names[SYNC_MAX_COUNTERS];
	uint64_t values[SYNC_MAX_COUNTERS];
	json_t *obj;
	size_t n;

	if (!c->st->sync_counters)
		return json_null();
	n = c->st->sync_counters(c->st->sync_ctx, names, values,
				 SYNC_MAX_COUNTERS);
	if (!n)
		return json_null();
	obj = json_object();
	for (size_t i = 0; obj && i < n; i++)
		json_object_set_new(obj, names[i], json_integer(values[i]));
	return obj;
}

void ep_stats(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	uint64_t v[IKEFWD_C_MAX];
	json_t *counters;
	uint32_t cap;
	int entries;

	if (read_stats(c, v, &entries, &cap, r))
		return;
	counters = json_object();
	for (int i = 0; counters && i < IKEFWD_C_MAX; i++)
		json_object_set_new(counters, ikefwd_counter_name[i],
				    json_integer(v[i]));
	resp_json(r, 200,
		  json_pack("{s:o, s:{s:i, s:I}, s:o}", "counters", counters,
			    "table", "entries", entries, "capacity",
			    (json_int_t)cap, "sync", sync_json(c)));
}

/* Prometheus text exposition format 0.0.4. */
/* Registered remote selectors per owner (inside steering). */
static void metrics_selectors(struct api_ctx *c, FILE *f)
{
	struct ikefwd_ts_maps m = { c->maps.ts4, c->maps.ts6 };
	unsigned int per[IKEFWD_MAX_MEMBERS] = { 0 };
	struct ikefwd_ts_row *rows = NULL;
	int n = ikefwd_ts_list(&m, &rows);

	for (int i = 0; i < n; i++)
		if (rows[i].ts.owner < IKEFWD_MAX_MEMBERS)
			per[rows[i].ts.owner]++;
	free(rows);
	fprintf(f, "# HELP ikefwd_selectors Registered remote traffic "
		   "selectors by owning member\n"
		   "# TYPE ikefwd_selectors gauge\n");
	for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++)
		if (view_member_rec(c, id))
			fprintf(f, "ikefwd_selectors{member=\"%u\"} %u\n", id,
				per[id]);
}

void ep_metrics(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	uint64_t v[IKEFWD_C_MAX];
	size_t len = 0;
	uint32_t cap;
	char *text = NULL;
	int entries;
	FILE *f;

	if (read_stats(c, v, &entries, &cap, r))
		return;
	f = open_memstream(&text, &len);
	if (!f) {
		resp_error(r, 500, "out of memory");
		return;
	}
	for (int i = 0; i < IKEFWD_C_MAX; i++)
		fprintf(f,
			"# HELP ikefwd_%s_total %s\n"
			"# TYPE ikefwd_%s_total counter\n"
			"ikefwd_%s_total %llu\n",
			ikefwd_counter_name[i], ikefwd_counter_help[i],
			ikefwd_counter_name[i], ikefwd_counter_name[i],
			(unsigned long long)v[i]);
	halfopen_metrics(c, f);
	fprintf(f,
		"# HELP ikefwd_table_entries Entries in the ownership table\n"
		"# TYPE ikefwd_table_entries gauge\n"
		"ikefwd_table_entries %d\n"
		"# HELP ikefwd_table_capacity Size of the ownership table\n"
		"# TYPE ikefwd_table_capacity gauge\n"
		"ikefwd_table_capacity %u\n"
		"# HELP ikefwd_member_alive 1 if the member is alive\n"
		"# TYPE ikefwd_member_alive gauge\n",
		entries, cap);
	for (uint32_t id = 1; id < IKEFWD_MAX_MEMBERS; id++) {
		const struct ikefwd_member *m = view_member_rec(c, id);

		if (m)
			fprintf(f, "ikefwd_member_alive{member=\"%u\"} %d\n",
				id, !!(m->state & IKEFWD_MEMBER_ALIVE));
	}
	metrics_selectors(c, f);
	ha_metrics(c, f);
	if (c->st->sync_counters) {
		const char *names[SYNC_MAX_COUNTERS];
		uint64_t values[SYNC_MAX_COUNTERS];
		size_t n = c->st->sync_counters(c->st->sync_ctx, names, values,
						SYNC_MAX_COUNTERS);

		for (size_t i = 0; i < n; i++)
			fprintf(f,
				"# TYPE ikefwd_sync_%s_total counter\n"
				"ikefwd_sync_%s_total %llu\n",
				names[i], names[i],
				(unsigned long long)values[i]);
	}
	if (fclose(f)) {
		free(text);
		resp_error(r, 500, "out of memory");
		return;
	}
	r->status = 200;
	r->text = text;
	r->content_type = API_PROMETHEUS;
}

void ep_health(struct api_ctx *c, const struct api_args *a, struct api_resp *r)
{
	uint64_t up = (ikefwd_now_ns() - c->st->started_ns) / 1000000000ULL;

	if (c->maps_err) {
		resp_json(r, 503,
			  json_pack("{s:s, s:o}", "status", "unavailable",
				    "error",
				    json_pack("{s:i, s:s}", "code", 503,
					      "message", c->maps_msg)));
		return;
	}
	resp_json(r, 200,
		  json_pack("{s:s, s:o, s:I}", "status", "ok", "local_member",
			    c->cfg.local_member ?
				    json_integer(c->cfg.local_member) :
				    json_null(),
			    "uptime_s", (json_int_t)up));
}
