// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Answers shown to people (output.h). Printers are lenient about what they
 * only display (a missing field shows as "-") and strict about what gives
 * the answer its shape (an entry list without "entries" is -EPROTO): a
 * newer server may add fields, but must not be mistaken for an empty one.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"

#define CELL_MAX 64
#define MAX_COLS 10

/* One cell's text; longer values are cut. */
typedef char cell_t[CELL_MAX];

/* A table of text cells printed in aligned columns, two blanks apart. */
struct text_table {
	unsigned int ncols;
	const char *const *head;
	unsigned int right; /* bit per column: right-aligned (numbers) */
	unsigned int nrows, cap;
	cell_t *cells;
};

/* A new row of empty cells; NULL when out of memory. */
static cell_t *table_row(struct text_table *t)
{
	if (t->nrows == t->cap) {
		unsigned int cap = t->cap ? 2 * t->cap : 16;
		void *p = realloc(t->cells, (size_t)cap * t->ncols * CELL_MAX);

		if (!p)
			return NULL;
		t->cells = p;
		t->cap = cap;
	}
	memset(t->cells[t->nrows * t->ncols], 0, t->ncols * CELL_MAX);
	return &t->cells[t->nrows++ * t->ncols];
}

static void table_print(const struct text_table *t, FILE *out)
{
	size_t width[MAX_COLS];

	for (unsigned int c = 0; c < t->ncols; c++) {
		width[c] = strlen(t->head[c]);
		for (unsigned int r = 0; r < t->nrows; r++) {
			size_t n = strlen(t->cells[r * t->ncols + c]);

			if (n > width[c])
				width[c] = n;
		}
	}
	for (int r = -1; r < (int)t->nrows; r++) {
		for (unsigned int c = 0; c < t->ncols; c++) {
			const char *s = r < 0 ? t->head[c] :
						t->cells[r * t->ncols + c];
			bool last = c + 1 == t->ncols;

			if (t->right & (1u << c))
				fprintf(out, "%*s", (int)width[c], s);
			else if (last)
				fputs(s, out); /* no trailing blanks */
			else
				fprintf(out, "%-*s", (int)width[c], s);
			fputs(last ? "\n" : "  ", out);
		}
	}
}

static void table_free(struct text_table *t)
{
	free(t->cells);
	t->cells = NULL;
}

/* Field text for display: strings as they are, numbers in decimal,
 * booleans as yes/no, missing or null as "-". */
static void field_text(const json_t *obj, const char *key, char *out,
		       size_t len)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_string(v))
		snprintf(out, len, "%s", json_string_value(v));
	else if (json_is_integer(v))
		snprintf(out, len, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(out, len, "%s", json_is_true(v) ? "yes" : "no");
	else
		snprintf(out, len, "-");
}

static const char *str_or(const json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : dflt;
}

void duration_format(long long s, char *out, size_t len)
{
	if (s < 0)
		snprintf(out, len, "expired");
	else if (s < 60)
		snprintf(out, len, "%llds", s);
	else if (s < 3600)
		snprintf(out, len, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(out, len, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, len, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
}

static void duration_field(const json_t *obj, const char *key, char *out,
			   size_t len)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v))
		duration_format(json_integer_value(v), out, len);
	else
		snprintf(out, len, "-");
}

/* "member 2 (10.0.0.2)", or "none" for a null owner. */
static void owner_text(const json_t *owner, char *out, size_t len)
{
	char id[24], addr[64];

	if (!json_is_object(owner)) {
		snprintf(out, len, "none");
		return;
	}
	field_text(owner, "member", id, sizeof(id));
	field_text(owner, "address", addr, sizeof(addr));
	/* For display: a long address may be cut, and that is fine. */
	if (snprintf(out, len, "member %s (%s)", id, addr) >= (int)len)
		out[len - 1] = '\0';
}

/* "0011223344556677/1" */
static void key_text(const json_t *obj, const char *cookie_key,
		     const char *msgid_key, char *out, size_t len)
{
	char msgid[24];

	field_text(obj, msgid_key, msgid, sizeof(msgid));
	snprintf(out, len, "%s/%s", str_or(obj, cookie_key, "-"), msgid);
}

static const char *const entry_head[] = { "COOKIE",    "MSGID",	  "PHASE",
					  "OWNER",     "ADDRESS", "LOCAL",
					  "REMAINING", "AGE",	  "FLAGS" };
/* MSGID, PHASE, OWNER, REMAINING and AGE are numbers. */
#define ENTRY_RIGHT (1u << 1 | 1u << 2 | 1u << 3 | 1u << 6 | 1u << 7)

static void flags_text(const json_t *flags, char *out, size_t len)
{
	size_t used = 0;
	size_t i;
	json_t *f;

	out[0] = '\0';
	json_array_foreach(flags, i, f)
	{
		int n;

		if (!json_is_string(f))
			continue;
		n = snprintf(out + used, len - used, "%s%s", used ? "," : "",
			     json_string_value(f));
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += n;
	}
	if (!used)
		snprintf(out, len, "-");
}

static int entry_row(struct text_table *t, const json_t *e)
{
	cell_t *row;
	const json_t *owner;

	if (!json_is_object(e))
		return -EPROTO;
	row = table_row(t);
	if (!row)
		return -ENOMEM;
	owner = json_object_get(e, "owner");
	field_text(e, "cookie", row[0], CELL_MAX);
	field_text(e, "msg_id", row[1], CELL_MAX);
	field_text(e, "phase", row[2], CELL_MAX);
	field_text(owner, "member", row[3], CELL_MAX);
	field_text(owner, "address", row[4], CELL_MAX);
	field_text(e, "local", row[5], CELL_MAX);
	duration_field(e, "remaining_s", row[6], CELL_MAX);
	duration_field(e, "age_s", row[7], CELL_MAX);
	flags_text(json_object_get(e, "flags"), row[8], CELL_MAX);
	return 0;
}

/* One table of entries; an empty array prints "no entries". */
static int print_entry_array(const json_t *entries, FILE *out)
{
	struct text_table t = { .ncols = 9,
				.head = entry_head,
				.right = ENTRY_RIGHT };
	const json_t *e;
	size_t i;
	int err;

	if (!json_is_array(entries))
		return -EPROTO;
	if (!json_array_size(entries)) {
		fputs("no entries\n", out);
		return 0;
	}
	json_array_foreach(entries, i, e)
	{
		err = entry_row(&t, e);
		if (err) {
			table_free(&t);
			return err;
		}
	}
	table_print(&t, out);
	table_free(&t);
	return 0;
}

int print_entry(const json_t *entry, FILE *out)
{
	struct text_table t = { .ncols = 9,
				.head = entry_head,
				.right = ENTRY_RIGHT };
	int err = entry_row(&t, entry);

	if (!err)
		table_print(&t, out);
	table_free(&t);
	return err;
}

int print_entry_page(const json_t *page, FILE *out)
{
	const json_t *entries = json_object_get(page, "entries");
	json_int_t total, offset;
	size_t shown;
	int err;

	err = print_entry_array(entries, out);
	if (err)
		return err;
	total = json_integer_value(json_object_get(page, "total"));
	offset = json_integer_value(json_object_get(page, "offset"));
	shown = json_array_size(entries);
	/* Say when this is one page of more, and how to get the next. */
	if (shown && (json_int_t)shown < total)
		fprintf(out,
			"entries %" JSON_INTEGER_FORMAT "-%" JSON_INTEGER_FORMAT
			" of %" JSON_INTEGER_FORMAT
			" (--offset %" JSON_INTEGER_FORMAT " for more)\n",
			offset + 1, offset + (json_int_t)shown, total,
			offset + (json_int_t)shown);
	else if (!shown && total > 0)
		fprintf(out,
			"%" JSON_INTEGER_FORMAT
			" entries, none from offset %" JSON_INTEGER_FORMAT "\n",
			total, offset);
	return 0;
}

int print_cookie_entries(const json_t *answer, FILE *out)
{
	return print_entry_array(json_object_get(answer, "entries"), out);
}

int print_deleted(const json_t *answer, FILE *out)
{
	const json_t *n = json_object_get(answer, "deleted");

	if (!json_is_integer(n))
		return -EPROTO;
	fprintf(out, "deleted %" JSON_INTEGER_FORMAT " %s\n",
		json_integer_value(n),
		json_integer_value(n) == 1 ? "entry" : "entries");
	return 0;
}

/* The answers of ike-sa: {"deleted": 1}; {"ike_sa": Entry, "replaced":
 * Entry|null} (add); {"total": n, "ike_sas": [Entry...]} (list). */
int print_ike_sa(const json_t *answer, FILE *out)
{
	const json_t *one = json_object_get(answer, "ike_sa");
	const json_t *replaced = json_object_get(answer, "replaced");
	const json_t *total = json_object_get(answer, "total");
	int err;

	if (json_object_get(answer, "deleted"))
		return print_deleted(answer, out);
	if (one) {
		err = print_entry(one, out);
		if (!err && json_is_object(replaced)) {
			fputs("replaced:\n", out);
			err = print_entry(replaced, out);
		}
		return err;
	}
	if (!json_is_integer(total))
		return -EPROTO;
	err = print_entry_array(json_object_get(answer, "ike_sas"), out);
	if (!err)
		fprintf(out, "%" JSON_INTEGER_FORMAT " IKE SA%s\n",
			json_integer_value(total),
			json_integer_value(total) == 1 ? "" : "s");
	return err;
}

/* "name +delta, ..." for the counters that moved. */
static void counter_deltas(const json_t *counters, FILE *out)
{
	const char *name;
	bool any = false;
	json_t *v;

	json_object_foreach((json_t *)counters, name, v)
	{
		if (!json_is_integer(v) || !json_integer_value(v))
			continue;
		fprintf(out, "%s%s %+" JSON_INTEGER_FORMAT, any ? ", " : "",
			name, json_integer_value(v));
		any = true;
	}
	if (!any)
		fputc('-', out);
	fputc('\n', out);
}

int print_verdict(const json_t *answer, FILE *out)
{
	const json_t *entry = json_object_get(answer, "entry");
	const char *reason = str_or(answer, "reason", NULL);
	char owner[96];

	if (!json_is_string(json_object_get(answer, "verdict")))
		return -EPROTO;
	owner_text(json_object_get(answer, "owner"), owner, sizeof(owner));
	fprintf(out, "verdict:   %s\n", str_or(answer, "verdict", "-"));
	fprintf(out, "action:    %s%s%s%s\n", str_or(answer, "action", "-"),
		reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
	fprintf(out, "owner:     %s\n", owner);
	if (json_is_string(json_object_get(answer, "side")))
		fprintf(out, "side:      %s\n", str_or(answer, "side", "-"));
	fputs("counters:  ", out);
	counter_deltas(json_object_get(answer, "counters"), out);
	if (json_is_object(entry))
		return print_entry(entry, out);
	return 0;
}

int print_resolution(const json_t *answer, FILE *out)
{
	const json_t *key = json_object_get(answer, "key");
	const json_t *entry = json_object_get(answer, "entry");
	char asked[64], found[64];

	if (!json_is_string(json_object_get(answer, "resolved_via")))
		return -EPROTO;
	key_text(answer, "cookie", "msg_id", asked, sizeof(asked));
	if (json_is_object(key)) {
		key_text(key, "cookie", "msg_id", found, sizeof(found));
		fprintf(out, "%s: resolved via %s to %s\n", asked,
			str_or(answer, "resolved_via", "-"), found);
	} else {
		fprintf(out,
			"%s: not resolved (no entry for it or its "
			"Phase 1)\n",
			asked);
	}
	if (json_is_object(entry))
		return print_entry(entry, out);
	return 0;
}

int print_ownership(const json_t *answer, FILE *out)
{
	const json_t *local = json_object_get(answer, "local");
	char owner[96];

	if (!json_is_boolean(local))
		return -EPROTO;
	owner_text(json_object_get(answer, "owner"), owner, sizeof(owner));
	fprintf(out, "owner: %s, %s\n", owner,
		json_is_true(local) ? "local (this member)" : "remote");
	return 0;
}

int print_exists(const json_t *answer, FILE *out)
{
	const json_t *exists = json_object_get(answer, "exists");
	const json_t *entry = json_object_get(answer, "entry");

	if (!json_is_boolean(exists))
		return -EPROTO;
	fprintf(out, "exists: %s\n", json_is_true(exists) ? "yes" : "no");
	if (json_is_object(entry))
		return print_entry(entry, out);
	return 0;
}

static const char *const member_head[] = { "ID",      "ADDRESS",   "LOCAL",
					   "ALIVE",   "REACHABLE", "EGRESS",
					   "NEXT-HOP" };

static int member_row(struct text_table *t, const json_t *m)
{
	cell_t *row;

	if (!json_is_object(m))
		return -EPROTO;
	row = table_row(t);
	if (!row)
		return -ENOMEM;
	field_text(m, "id", row[0], CELL_MAX);
	field_text(m, "address", row[1], CELL_MAX);
	field_text(m, "local", row[2], CELL_MAX);
	field_text(m, "alive", row[3], CELL_MAX);
	field_text(m, "reachable", row[4], CELL_MAX);
	field_text(m, "egress", row[5], CELL_MAX);
	field_text(m, "next_hop_mac", row[6], CELL_MAX);
	return 0;
}

static int print_member_array(const json_t *members, FILE *out)
{
	struct text_table t = { .ncols = 7, .head = member_head, .right = 1 };
	const json_t *m;
	size_t i;
	int err = 0;

	if (!json_is_array(members))
		return -EPROTO;
	json_array_foreach(members, i, m)
	{
		err = member_row(&t, m);
		if (err)
			break;
	}
	if (!err)
		table_print(&t, out);
	table_free(&t);
	return err;
}

int print_members(const json_t *answer, FILE *out)
{
	return print_member_array(json_object_get(answer, "members"), out);
}

int print_member(const json_t *member, FILE *out)
{
	struct text_table t = { .ncols = 7, .head = member_head, .right = 1 };
	int err = member_row(&t, member);

	if (!err)
		table_print(&t, out);
	table_free(&t);
	return err;
}

int print_config(const json_t *config, FILE *out)
{
	const json_t *active = json_object_get(config, "active_member");
	char local[24], timeout[24], ike[24], natt[24], act[24];

	if (!json_is_string(json_object_get(config, "mode")))
		return -EPROTO;
	field_text(config, "local_member", local, sizeof(local));
	field_text(config, "timeout_s", timeout, sizeof(timeout));
	field_text(config, "ike_port", ike, sizeof(ike));
	field_text(config, "natt_port", natt, sizeof(natt));
	/* 0 is "nobody": load-sharing mode has no active member. */
	if (json_is_integer(active) && json_integer_value(active))
		field_text(config, "active_member", act, sizeof(act));
	else
		snprintf(act, sizeof(act), "-");
	fprintf(out, "mode:           %s\n", str_or(config, "mode", "-"));
	fprintf(out, "local member:   %s\n", local);
	fprintf(out, "active member:  %s\n", act);
	fprintf(out, "timeout:        %ss\n", timeout);
	fprintf(out, "IKE port:       %s\n", ike);
	fprintf(out, "NAT-T port:     %s\n", natt);
	/* Only in ha-sync mode (null otherwise): older servers lack it. */
	if (json_is_integer(json_object_get(config, "ha_segments"))) {
		field_text(config, "ha_segments", act, sizeof(act));
		fprintf(out, "ha segments:    %s\n", act);
	}
	return 0;
}

int print_stats(const json_t *answer, FILE *out)
{
	static const char *const head[] = { "COUNTER", "VALUE" };
	struct text_table t = { .ncols = 2, .head = head, .right = 1u << 1 };
	const json_t *counters = json_object_get(answer, "counters");
	const json_t *table = json_object_get(answer, "table");
	char entries[24], capacity[24];
	const char *name;
	json_t *v;

	if (!json_is_object(counters) || !json_is_object(table))
		return -EPROTO;
	field_text(table, "entries", entries, sizeof(entries));
	field_text(table, "capacity", capacity, sizeof(capacity));
	fprintf(out, "table: %s of %s entries\n\n", entries, capacity);
	json_object_foreach((json_t *)counters, name, v)
	{
		cell_t *row = table_row(&t);

		if (!row) {
			table_free(&t);
			return -ENOMEM;
		}
		snprintf(row[0], CELL_MAX, "%s", name);
		snprintf(row[1], CELL_MAX, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	}
	table_print(&t, out);
	table_free(&t);
	return 0;
}

int print_health(const json_t *answer, FILE *out)
{
	const json_t *up = json_object_get(answer, "uptime_s");
	char member[24], uptime[24];

	if (!json_is_string(json_object_get(answer, "status")))
		return -EPROTO;
	field_text(answer, "local_member", member, sizeof(member));
	if (json_is_integer(up))
		duration_format(json_integer_value(up), uptime, sizeof(uptime));
	else
		snprintf(uptime, sizeof(uptime), "-");
	fprintf(out, "%s: member %s, up %s\n", str_or(answer, "status", "-"),
		member, uptime);
	return 0;
}

/* GET ha-segments: the segments as the data path steers them, then the
 * controller's state and counters. */
int print_segments(const json_t *answer, FILE *out)
{
	static const char *const head[] = { "SEGMENT", "MEMBER", "LOCAL",
					    "SINCE" };
	struct text_table t = { .ncols = 4, .head = head, .right = 3 };
	const json_t *segs = json_object_get(answer, "segments");
	const json_t *ctl = json_object_get(answer, "controller");
	char count[24], local[24], partner[24], pending[24];
	const char *name;
	const json_t *s;
	json_t *v;
	size_t i;

	/* PUT ha-segments: the report as kept. */
	if (json_is_integer(json_object_get(answer, "established")) &&
	    !json_object_get(answer, "mode")) {
		field_text(answer, "established", count, sizeof(count));
		field_text(answer, "passive", pending, sizeof(pending));
		fprintf(out, "charon:       %s established, %s passive\n",
			count, pending);
		return 0;
	}
	if (!json_is_string(json_object_get(answer, "mode")) ||
	    !json_is_array(segs))
		return -EPROTO;
	field_text(answer, "ha_segments", count, sizeof(count));
	field_text(answer, "local_member", local, sizeof(local));
	fprintf(out, "mode:         %s, %s segments\n",
		str_or(answer, "mode", "-"), count);
	if (json_is_object(ctl)) {
		field_text(ctl, "partner", partner, sizeof(partner));
		field_text(ctl, "fifo_pending", pending, sizeof(pending));
		fprintf(out, "this member:  %s, %s\n", local,
			json_is_true(json_object_get(ctl, "ready")) ?
				"ready" :
				"not ready");
		fprintf(out, "partner:      %s, %s, %s\n", partner,
			json_is_true(json_object_get(ctl, "partner_alive")) ?
				"alive" :
				"dead",
			json_is_true(json_object_get(ctl, "partner_ready")) ?
				"ready" :
				"not ready");
		fprintf(out, "fifo:         %s, %s pending\n",
			str_or(ctl, "fifo", "-"), pending);
	} else {
		fprintf(out, "this member:  %s, no controller\n", local);
	}
	if (json_is_object(json_object_get(answer, "charon"))) {
		const json_t *ch = json_object_get(answer, "charon");
		char est[24], pas[24], ago[24];

		field_text(ch, "established", est, sizeof(est));
		field_text(ch, "passive", pas, sizeof(pas));
		duration_field(ch, "reported_s", ago, sizeof(ago));
		fprintf(out,
			"charon:       %s established, %s passive (%s ago)\n",
			est, pas, ago);
	}
	json_array_foreach(segs, i, s)
	{
		cell_t *row = table_row(&t);

		if (!row) {
			table_free(&t);
			return -ENOMEM;
		}
		field_text(s, "segment", row[0], CELL_MAX);
		field_text(s, "member", row[1], CELL_MAX);
		field_text(s, "local", row[2], CELL_MAX);
		duration_field(s, "since_s", row[3], CELL_MAX);
	}
	fputc('\n', out);
	table_print(&t, out);
	table_free(&t);
	if (!json_is_object(json_object_get(ctl, "counters")))
		return 0;
	fputc('\n', out);
	t = (struct text_table){ .ncols = 2,
				 .head = (const char *const[]){ "COUNTER",
								"VALUE" },
				 .right = 1u << 1 };
	json_object_foreach(json_object_get(ctl, "counters"), name, v)
	{
		cell_t *row = table_row(&t);

		if (!row) {
			table_free(&t);
			return -ENOMEM;
		}
		snprintf(row[0], CELL_MAX, "%s", name);
		snprintf(row[1], CELL_MAX, "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
	}
	table_print(&t, out);
	table_free(&t);
	return 0;
}

void reply_error_line(const struct ctl_reply *r, char *out, size_t len)
{
	json_t *body = json_loadb(r->body ? r->body : "", r->len, 0, NULL);
	const json_t *error = json_object_get(body, "error");
	const char *msg = json_string_value(json_object_get(error, "message"));

	if (msg && *msg)
		snprintf(out, len, "%ld: %s", r->status, msg);
	else if (r->reason[0])
		snprintf(out, len, "%ld: %s", r->status, r->reason);
	else
		snprintf(out, len, "%ld: HTTP error", r->status);
	/* One line, whatever the server put in its message. */
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	json_decref(body);
}
