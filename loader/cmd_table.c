// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwd table list|get|add|del|flush: direct operations on the pinned
 * ownership table. Cookies are 16 hex digits, Message IDs numbers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <bpf/bpf.h>
#include <jansson.h>

#include "commands.h"
#include "ikefwd/config.h"
#include "ikefwd/member.h"
#include "pinned.h"
#include "table.h"

struct list_ctx {
	json_t *arr;
	uint64_t now;
	uint32_t timeout;
};

static uint32_t config_timeout(const struct ikefwd_maps *m)
{
	struct ikefwd_config c = {};
	uint32_t zero = 0;

	bpf_map_lookup_elem(m->config, &zero, &c);
	return c.timeout_sec ?: IKEFWD_DEFAULT_TIMEOUT_SEC;
}

static json_t *row_json(const struct table_row *r, uint64_t now,
			uint32_t timeout)
{
	char cookie[COOKIE_HEX_LEN + 1], flags[128];

	cookie_format(r->key.ispi, cookie);
	entry_flags_format(r->e.flags, flags, sizeof(flags));
	return json_pack("{s:s, s:I, s:I, s:I, s:s, s:I}", "cookie", cookie,
			 "msg_id", (json_int_t)r->key.msgid, "owner",
			 (json_int_t)r->e.owner, "remaining_s",
			 (json_int_t)entry_remaining_s(&r->e, now, timeout),
			 "flags", flags, "age_s",
			 (json_int_t)((now - r->e.created_ns) / 1000000000ULL));
}

static void row_print(const struct table_row *r, uint64_t now, uint32_t timeout)
{
	char cookie[COOKIE_HEX_LEN + 1], flags[128], left_text[24];
	int64_t left = entry_remaining_s(&r->e, now, timeout);

	cookie_format(r->key.ispi, cookie);
	entry_flags_format(r->e.flags, flags, sizeof(flags));
	if (left < 0)
		snprintf(left_text, sizeof(left_text), "expired");
	else
		snprintf(left_text, sizeof(left_text), "%llds",
			 (long long)left);
	printf("%-16s  %10u  %5u  %9s  %s\n", cookie, r->key.msgid, r->e.owner,
	       left_text, flags);
}

static int list_one(const struct table_row *r, void *ctx)
{
	struct list_ctx *c = ctx;

	if (c->arr)
		json_array_append_new(c->arr, row_json(r, c->now, c->timeout));
	else
		row_print(r, c->now, c->timeout);
	return 0;
}

static int parse_key(char **argv, struct ikefwd_key *key)
{
	memset(key, 0, sizeof(*key));
	if (cookie_parse(argv[0], key->ispi))
		return fail("cookie '%s': give 16 hex digits", argv[0]);
	if (msgid_parse(argv[1], &key->msgid))
		return fail("message id '%s': give a number from 0 to "
			    "4294967295",
			    argv[1]);
	return 0;
}

static int table_list(const struct ikefwd_maps *m, bool json)
{
	struct list_ctx c = { .now = ikefwd_now_ns(),
			      .timeout = config_timeout(m) };
	int err;

	if (json)
		c.arr = json_array();
	else
		printf("%-16s  %10s  %5s  %9s  %s\n", "COOKIE", "MSGID",
		       "OWNER", "REMAINING", "FLAGS");
	err = table_foreach(m->table, list_one, &c);
	if (err < 0) {
		json_decref(c.arr);
		return fail("reading the table: %s", strerror(-err));
	}
	if (json) {
		json_dumpf(c.arr, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(c.arr);
	}
	return 0;
}

int cmd_table(const struct opts *o, int argc, char **argv)
{
	struct ikefwd_maps m;
	const char *op = argc ? argv[0] : "list";
	struct table_row row;
	uint32_t owner;
	char msg[512];
	int ret = 0, err;

	if (ikefwd_maps_open(ikefwd_pin_root(o->pin_root), &m, msg,
			     sizeof(msg)))
		return fail("%s", msg);

	if (!strcmp(op, "list") && argc <= 1) {
		ret = table_list(&m, o->json);
	} else if (!strcmp(op, "get") && argc == 3) {
		ret = parse_key(argv + 1, &row.key);
		if (ret)
			goto out;
		err = table_get(m.table, &row.key, &row.e);
		if (err == -ENOENT) {
			ret = fail("no entry for %s %s", argv[1], argv[2]);
		} else if (err) {
			ret = fail("lookup: %s", strerror(-err));
		} else if (o->json) {
			json_t *j = row_json(&row, ikefwd_now_ns(),
					     config_timeout(&m));

			json_dumpf(j, stdout, JSON_INDENT(2));
			putchar('\n');
			json_decref(j);
		} else {
			row_print(&row, ikefwd_now_ns(), config_timeout(&m));
		}
	} else if (!strcmp(op, "add") && argc == 4) {
		ret = parse_key(argv + 1, &row.key);
		if (ret)
			goto out;
		if (member_id_parse(argv[3], &owner)) {
			ret = fail("member '%s': give an id from 1 to %d",
				   argv[3], IKEFWD_MAX_MEMBERS - 1);
			goto out;
		}
		err = table_add(m.table, &row.key, owner, IKEFWD_F_STATIC);
		if (err == -EEXIST)
			ret = fail("%s %s has an entry already (del it first)",
				   argv[1], argv[2]);
		else if (err)
			ret = fail("add: %s", strerror(-err));
	} else if (!strcmp(op, "del") && argc == 3) {
		ret = parse_key(argv + 1, &row.key);
		if (ret)
			goto out;
		err = table_del(m.table, &row.key);
		if (err == -ENOENT)
			ret = fail("no entry for %s %s", argv[1], argv[2]);
		else if (err)
			ret = fail("del: %s", strerror(-err));
	} else if (!strcmp(op, "flush") && argc == 1) {
		err = table_flush(m.table);
		if (err < 0)
			ret = fail("flush: %s", strerror(-err));
		else
			printf("flushed %d entries\n", err);
	} else {
		ret = fail("usage: table list|get COOKIE MSGID|add COOKIE "
			   "MSGID MEMBER|del COOKIE MSGID|flush");
	}
out:
	/* add, del and flush: the data path's cached answers go too. */
	if (strcmp(op, "list") && strcmp(op, "get"))
		ikefwd_maps_changed(&m);
	ikefwd_maps_close(&m);
	return ret;
}
