// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The management API's endpoints (api/, docs/api.md) end to end: the real
 * server driven with libcurl on the real data path pinned in the lab
 * (test_api_lab.h). Every endpoint's success paths, checked in the maps
 * themselves; receive-packet through the loaded program; every refusal of
 * docs/api.md with a snapshot of the maps before and after (a refused
 * request changes nothing); the body and request target limits.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "ikefwd/sa.h"
#include "pktbuild.h"
#include "request.h"
#include "test_api_lab.h"

/* ---- reads ------------------------------------------------------------ */

static void test_health_config_stats(void)
{
	struct reply r;

	lab_reset();
	CU_ASSERT_EQUAL(http_get("health", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "status"), "ok");
	CU_ASSERT_EQUAL(jint(&r, "local_member"), 1);
	CU_ASSERT(jint(&r, "uptime_s") >= 0);
	CU_ASSERT_STRING_EQUAL(r.ctype, "application/json");
	reply_free(&r);

	/* HEAD: the GET's status and headers, no body. */
	CU_ASSERT_EQUAL(http_request(&(struct req){ .method = "HEAD",
						    .path = "health" },
				     &r),
			200);
	CU_ASSERT_EQUAL(r.len, 0);
	reply_free(&r);

	CU_ASSERT_EQUAL(http_get("config", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "mode"), "load-sharing");
	CU_ASSERT_EQUAL(jint(&r, "local_member"), 1);
	CU_ASSERT(json_is_null(jget(&r, "active_member")));
	CU_ASSERT_EQUAL(jint(&r, "timeout_s"), 120);
	CU_ASSERT_EQUAL(jint(&r, "ike_port"), 500);
	CU_ASSERT_EQUAL(jint(&r, "natt_port"), 4500);
	reply_free(&r);

	entry_add(K1, 0, 2);
	CU_ASSERT_EQUAL(http_get("stats", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "table.entries"), 1);
	CU_ASSERT_EQUAL(jint(&r, "table.capacity"), IKEFWD_TABLE_DEFAULT_SIZE);
	CU_ASSERT(json_is_integer(jget(&r, "counters.ike_seen")));
	CU_ASSERT(json_is_integer(jget(&r, "counters.bad_length")));
	CU_ASSERT_EQUAL(json_object_size(jget(&r, "counters")), IKEFWD_C_MAX);
	reply_free(&r);
}

static void test_metrics(void)
{
	struct reply r;

	lab_reset();
	entry_add(K1, 0, 2);
	entry_add(K1, 1, 2);
	CU_ASSERT_EQUAL(http_get("/metrics", &r), 200);
	CU_ASSERT(!strncmp(r.ctype, "text/plain; version=0.0.4", 25));
	CU_ASSERT(strstr(r.body, "# TYPE ikefwd_ike_seen_total counter\n") !=
		  NULL);
	CU_ASSERT(strstr(r.body, "\nikefwd_claimed_total ") != NULL);
	CU_ASSERT(strstr(r.body, "\nikefwd_table_entries 2\n") != NULL);
	CU_ASSERT(strstr(r.body, "\nikefwd_table_capacity 65536\n") != NULL);
	CU_ASSERT(strstr(r.body, "\nikefwd_member_alive{member=\"1\"} 1\n") !=
		  NULL);
	CU_ASSERT(strstr(r.body, "\nikefwd_member_alive{member=\"3\"} 1\n") !=
		  NULL);
	CU_ASSERT(strstr(r.body, "member=\"4\"") == NULL);
	reply_free(&r);

	/* Only at the root, not under the base path. */
	CU_ASSERT_EQUAL(http_get("metrics", &r), 404);
	reply_free(&r);
}

static void test_members(void)
{
	struct ikefwd_member m;
	uint32_t id = 3;
	struct reply r;
	json_t *arr, *m2;

	lab_reset();
	CU_ASSERT_EQUAL(http_get("members", &r), 200);
	arr = jget(&r, "members");
	CU_ASSERT_EQUAL_FATAL(json_array_size(arr), 3);
	m2 = json_array_get(arr, 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(m2, "id")), 2);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(m2, "address")), "10.0.0.2");
	CU_ASSERT(json_is_false(json_object_get(m2, "local")));
	CU_ASSERT(json_is_true(json_object_get(m2, "alive")));
	CU_ASSERT(json_is_true(json_object_get(m2, "reachable")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(m2, "egress")),
			       "lo");
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(m2, "next_hop_mac")), MAC_M2);
	CU_ASSERT(
		json_is_true(json_object_get(json_array_get(arr, 0), "local")));
	CU_ASSERT(json_is_null(
		json_object_get(json_array_get(arr, 0), "next_hop_mac")));
	reply_free(&r);

	/* Liveness, written where the data path reads it. */
	CU_ASSERT_EQUAL(http_json("PUT", "members",
				  "{\"id\": 3, \"alive\": false}", &r),
			200);
	CU_ASSERT(json_is_false(jget(&r, "alive")));
	CU_ASSERT_EQUAL(jint(&r, "id"), 3);
	reply_free(&r);
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.members, &id, &m));
	CU_ASSERT_EQUAL(m.state, IKEFWD_MEMBER_REACHABLE);
	CU_ASSERT_EQUAL(http_json("PUT", "members",
				  "{\"alive\": true, \"id\": 3}", &r),
			200);
	reply_free(&r);
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.members, &id, &m));
	CU_ASSERT_EQUAL(m.state, USABLE);
}

static void test_ha_ownership(void)
{
	struct ikefwd_config cfg;
	uint32_t zero = 0;
	struct reply r;

	lab_reset();
	CU_ASSERT_EQUAL(http_json("PUT", "ha-ownership",
				  "{\"mode\": \"ha\", \"active_member\": 2}",
				  &r),
			200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "mode"), "ha");
	CU_ASSERT_EQUAL(jint(&r, "active_member"), 2);
	reply_free(&r);
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.config, &zero, &cfg));
	CU_ASSERT_EQUAL(cfg.mode, IKEFWD_MODE_HA);
	CU_ASSERT_EQUAL(cfg.active_member, 2);
	/* The rest of the record is kept. */
	CU_ASSERT_EQUAL(cfg.local_member, 1);
	CU_ASSERT_EQUAL(cfg.max_member, 3);

	CU_ASSERT_EQUAL(http_get("config", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "mode"), "ha");
	CU_ASSERT(json_is_null(jget(&r, "ha_segments")));
	reply_free(&r);

	CU_ASSERT_EQUAL(http_json("PUT", "ha-ownership",
				  "{\"mode\": \"load-sharing\"}", &r),
			200);
	CU_ASSERT(json_is_null(jget(&r, "active_member")));
	reply_free(&r);
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.config, &zero, &cfg));
	CU_ASSERT_EQUAL(cfg.mode, IKEFWD_MODE_LOAD_SHARING);
	CU_ASSERT_EQUAL(cfg.active_member, 0);
}

/* ha-sync: GET ha-segments reads the segment map; PUT ha-segments keeps
 * the IKE daemon integration's counts (no controller in this lab: that
 * part is test_ha_ctl's). Outside ha-sync mode: no segments, and a report
 * is refused with 409, changing nothing. */
static void test_ha_segments(void)
{
	struct ikefwd_segment seg1 = { .member = 1, .changed_ns = 1 },
			      seg3 = { .member = 2 }, zero_seg = { 0 };
	struct snapshot before, after;
	struct ikefwd_config cfg;
	uint32_t zero = 0, s;
	struct reply r;

	lab_reset();
	CU_ASSERT_EQUAL(http_get("ha-segments", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "mode"), "load-sharing");
	CU_ASSERT_EQUAL(json_array_size(jget(&r, "segments")), 0);
	CU_ASSERT(json_is_null(jget(&r, "controller")));
	CU_ASSERT(json_is_null(jget(&r, "charon")));
	reply_free(&r);
	snap_take(&before);
	CU_ASSERT_EQUAL(http_json("PUT", "ha-segments",
				  "{\"established\": 1, \"passive\": 2}", &r),
			409);
	reply_free(&r);
	snap_take(&after);
	CU_ASSERT(snap_same(&before, &after));

	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.config, &zero, &cfg));
	cfg.mode = IKEFWD_MODE_HA_SYNC;
	cfg.ha_segments = 4;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.config, &zero, &cfg, 0));
	s = 1;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.segments, &s, &seg1, 0));
	s = 3;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.segments, &s, &seg3, 0));

	CU_ASSERT_EQUAL(http_get("ha-segments", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "mode"), "ha-sync");
	CU_ASSERT_EQUAL(jint(&r, "ha_segments"), 4);
	CU_ASSERT_EQUAL(json_array_size(jget(&r, "segments")), 4);
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(
			json_array_get(jget(&r, "segments"), 0), "member")),
		1);
	CU_ASSERT(json_is_true(json_object_get(
		json_array_get(jget(&r, "segments"), 0), "local")));
	CU_ASSERT(json_is_null(json_object_get(
		json_array_get(jget(&r, "segments"), 1), "member")));
	CU_ASSERT(json_is_null(json_object_get(
		json_array_get(jget(&r, "segments"), 1), "since_s")));
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(
			json_array_get(jget(&r, "segments"), 2), "member")),
		2);
	CU_ASSERT(json_is_false(json_object_get(
		json_array_get(jget(&r, "segments"), 2), "local")));
	CU_ASSERT(json_is_null(jget(&r, "charon")));
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("config", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "mode"), "ha-sync");
	CU_ASSERT_EQUAL(jint(&r, "ha_segments"), 4);
	reply_free(&r);

	/* The mode is not the API's to change under the controller. */
	snap_take(&before);
	CU_ASSERT_EQUAL(http_json("PUT", "ha-ownership",
				  "{\"mode\": \"load-sharing\"}", &r),
			409);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.body, "ha-sync"));
	reply_free(&r);
	CU_ASSERT_EQUAL(http_json("PUT", "ha-ownership",
				  "{\"mode\": \"ha\", \"active_member\": 2}",
				  &r),
			409);
	reply_free(&r);
	snap_take(&after);
	CU_ASSERT(snap_same(&before, &after));

	CU_ASSERT_EQUAL(http_json("PUT", "ha-segments",
				  "{\"established\": 5, \"passive\": 3}", &r),
			200);
	CU_ASSERT_EQUAL(jint(&r, "established"), 5);
	CU_ASSERT_EQUAL(jint(&r, "passive"), 3);
	reply_free(&r);
	/* Refused reports keep the last one. */
	CU_ASSERT_EQUAL(http_json("PUT", "ha-segments", "{\"established\": 5}",
				  &r),
			400);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_json("PUT", "ha-segments",
				  "{\"established\": -1, \"passive\": 0}", &r),
			400);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_json("PUT", "ha-segments",
				  "{\"established\": 1, \"passive\": 1, "
				  "\"segment\": 2}",
				  &r),
			400);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("ha-segments", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "charon.established"), 5);
	CU_ASSERT_EQUAL(jint(&r, "charon.passive"), 3);
	reply_free(&r);

	CU_ASSERT_EQUAL(http_get("/metrics", &r), 200);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(r.body, "ikefwd_ha_segment_holder{segment=\"3\"} 2\n"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(r.body, "ikefwd_ha_segment_holder{segment=\"4\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(
		r.body, "ikefwd_ha_charon_ike_sas{state=\"passive\"} 3\n"));
	reply_free(&r);

	for (s = 1; s <= 4; s++)
		bpf_map_update_elem(lab.m.segments, &s, &zero_seg, 0);
	lab_reset();
}

/* ---- the table -------------------------------------------------------- */

static void test_tracking(void)
{
	uint64_t gen0;
	struct ikefwd_entry e;
	struct reply r;
	json_t *arr;

	lab_reset();
	gen0 = *lab.m.gen_mem;
	CU_ASSERT_EQUAL(http_json("POST", "packet-tracking",
				  "{\"cookie\": \"11111111111111AA\", "
				  "\"msg_id\": 0, \"owner\": 2}",
				  &r),
			201);
	/* A write moves the data path's table generation (bpf/hot.h). */
	CU_ASSERT(*lab.m.gen_mem > gen0);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "cookie"), "11111111111111aa");
	CU_ASSERT_EQUAL(jint(&r, "msg_id"), 0);
	CU_ASSERT_EQUAL(jint(&r, "phase"), 1);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 2);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "owner.address"), "10.0.0.2");
	CU_ASSERT(json_is_false(jget(&r, "local")));
	CU_ASSERT(jint(&r, "remaining_s") >= 119);
	CU_ASSERT_EQUAL(jint(&r, "age_s"), 0);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_array_get(jget(&r, "flags"), 0)),
		"static");
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(entry(0x11111111111111aaULL, 0, &e), 0);
	CU_ASSERT_EQUAL(e.owner, 2);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_STATIC);
	CU_ASSERT_EQUAL(lab.changed, 1);

	/* Owner changed in place. */
	CU_ASSERT_EQUAL(http_json("PUT", "packet-tracking",
				  "{\"cookie\": \"11111111111111aa\", "
				  "\"msg_id\": 0, \"owner\": 3}",
				  &r),
			200);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 3);
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(entry(0x11111111111111aaULL, 0, &e), 0);
	CU_ASSERT_EQUAL(e.owner, 3);
	CU_ASSERT_EQUAL(lab.changed, 2);

	/* A list with every filter. */
	entry_add(K1, 0, 1);
	entry_add(K1, 5, 1);
	entry_add(K1, 6, 2);
	entry_add(K2, 0, 2);
	gen0 = *lab.m.gen_mem;
	CU_ASSERT_EQUAL(http_get("packet-tracking", &r), 200);
	CU_ASSERT_EQUAL(*lab.m.gen_mem, gen0); /* reads change nothing */
	CU_ASSERT_EQUAL(jint(&r, "total"), 5);
	CU_ASSERT_EQUAL(jint(&r, "offset"), 0);
	CU_ASSERT_EQUAL(jint(&r, "limit"), 100);
	arr = jget(&r, "entries");
	CU_ASSERT_EQUAL_FATAL(json_array_size(arr), 5);
	/* In key order: cookie, then msg_id. */
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
				       json_array_get(arr, 0), "cookie")),
			       "1111111111111111");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_array_get(arr, 2), "msg_id")),
			6);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
				       json_array_get(arr, 3), "cookie")),
			       "11111111111111aa");
	reply_free(&r);

	CU_ASSERT_EQUAL(http_get("packet-tracking?owner=2", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 2);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("packet-tracking?phase=2", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 2);
	reply_free(&r);
	CU_ASSERT_EQUAL(
		http_get("packet-tracking?cookie=1111111111111111&phase=1", &r),
		200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 1);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("packet-tracking?offset=1&limit=2", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 5);
	arr = jget(&r, "entries");
	CU_ASSERT_EQUAL_FATAL(json_array_size(arr), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_array_get(arr, 0), "msg_id")),
			5);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("packet-tracking?offset=10", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 5);
	CU_ASSERT_EQUAL(json_array_size(jget(&r, "entries")), 0);
	reply_free(&r);

	/* Deletes: one, then everything. */
	CU_ASSERT_EQUAL(
		http_request(&(struct req){ .method = "DELETE",
					    .path = "packet-tracking?cookie="
						    "1111111111111111&"
						    "msg_id=5" },
			     &r),
		200);
	CU_ASSERT_EQUAL(jint(&r, "deleted"), 1);
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(K1, 5, &e), -ENOENT);
	CU_ASSERT_EQUAL(lab.deleted, 1);
	CU_ASSERT_EQUAL(http_request(&(struct req){ .method = "DELETE",
						    .path = "packet-tracking?"
							    "flush=true" },
				     &r),
			200);
	CU_ASSERT_EQUAL(jint(&r, "deleted"), 4);
	reply_free(&r);
	CU_ASSERT_EQUAL(table_count(lab.m.table), 0);
	CU_ASSERT_EQUAL(lab.deleted, 5);
}

/* A page of a big table costs the page, and is the same page whatever
 * order the hash walk gives. */
static void test_tracking_pages(void)
{
	struct reply r;
	char path[128];

	lab_reset();
	for (uint32_t i = 0; i < 500; i++)
		entry_add(K3 + (i % 7), i, 1 + i % 3);
	for (uint32_t off = 0; off < 500; off += 250) {
		snprintf(path, sizeof(path),
			 "packet-tracking?offset=%u&limit=1000", off);
		CU_ASSERT_EQUAL(http_get(path, &r), 200);
		CU_ASSERT_EQUAL(jint(&r, "total"), 500);
		CU_ASSERT_EQUAL(json_array_size(jget(&r, "entries")),
				500 - off);
		reply_free(&r);
	}
	/* Page by page, the union is the whole table in order. */
	json_t *all = json_array();
	for (uint32_t off = 0; off < 500; off += 64) {
		snprintf(path, sizeof(path),
			 "packet-tracking?offset=%u&limit=64", off);
		CU_ASSERT_EQUAL(http_get(path, &r), 200);
		json_array_extend(all, jget(&r, "entries"));
		reply_free(&r);
	}
	CU_ASSERT_EQUAL(json_array_size(all), 500);
	for (size_t i = 1; i < json_array_size(all); i++) {
		json_t *a = json_array_get(all, i - 1),
		       *b = json_array_get(all, i);
		int c = strcmp(json_string_value(json_object_get(a, "cookie")),
			       json_string_value(json_object_get(b, "cookie")));

		CU_ASSERT(c < 0 ||
			  (c == 0 &&
			   json_integer_value(json_object_get(a, "msg_id")) <
				   json_integer_value(
					   json_object_get(b, "msg_id"))));
	}
	json_decref(all);
}

static void test_cookie_and_lookups(void)
{
	struct reply r;

	lab_reset();
	entry_add(K1, 0, 2);
	entry_add(K1, 7, 2);
	entry_add(K1, 9, 3);
	entry_add(K2, 4, 1);

	CU_ASSERT_EQUAL(http_get("cookie?cookie=1111111111111111", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "cookie"), "1111111111111111");
	CU_ASSERT_EQUAL(json_array_size(jget(&r, "entries")), 3);
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(
			json_array_get(jget(&r, "entries"), 2), "msg_id")),
		9);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("cookie?cookie=4444444444444444", &r), 404);
	reply_free(&r);

	CU_ASSERT_EQUAL(
		http_get("table-search?cookie=1111111111111111&msg_id=7", &r),
		200);
	CU_ASSERT_EQUAL(jint(&r, "msg_id"), 7);
	CU_ASSERT_EQUAL(jint(&r, "phase"), 2);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 2);
	reply_free(&r);

	CU_ASSERT_EQUAL(
		http_get("ownership-check?cookie=2222222222222222&msg_id=4",
			 &r),
		200);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 1);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "owner.address"), "10.0.0.1");
	CU_ASSERT(json_is_true(jget(&r, "local")));
	reply_free(&r);
	CU_ASSERT_EQUAL(
		http_get("ownership-check?cookie=2222222222222222&msg_id=5",
			 &r),
		404);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "error.message"),
			       "no entry for 2222222222222222/5");
	CU_ASSERT_EQUAL(jint(&r, "error.code"), 404);
	reply_free(&r);

	/* Exact, through the Phase-1 entry, or nothing. */
	CU_ASSERT_EQUAL(
		http_get("cookie-resolution?cookie=1111111111111111&msg_id=9",
			 &r),
		200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "resolved_via"), "exact");
	CU_ASSERT_EQUAL(jint(&r, "key.msg_id"), 9);
	CU_ASSERT_EQUAL(jint(&r, "entry.owner.member"), 3);
	reply_free(&r);
	CU_ASSERT_EQUAL(
		http_get("cookie-resolution?cookie=1111111111111111&msg_id=8",
			 &r),
		200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "resolved_via"), "phase1");
	CU_ASSERT_EQUAL(jint(&r, "msg_id"), 8);
	CU_ASSERT_EQUAL(jint(&r, "key.msg_id"), 0);
	CU_ASSERT_EQUAL(jint(&r, "entry.owner.member"), 2);
	reply_free(&r);
	CU_ASSERT_EQUAL(
		http_get("cookie-resolution?cookie=2222222222222222&msg_id=8",
			 &r),
		200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "resolved_via"), "none");
	CU_ASSERT(json_is_null(jget(&r, "key")));
	CU_ASSERT(json_is_null(jget(&r, "entry")));
	reply_free(&r);

	CU_ASSERT_EQUAL(
		http_get("table-verification?cookie=1111111111111111&msg_id=0",
			 &r),
		200);
	CU_ASSERT(json_is_true(jget(&r, "exists")));
	CU_ASSERT_EQUAL(jint(&r, "entry.owner.member"), 2);
	reply_free(&r);
	CU_ASSERT_EQUAL(
		http_get("table-verification?cookie=1111111111111111&msg_id=1",
			 &r),
		200);
	CU_ASSERT(json_is_false(jget(&r, "exists")));
	CU_ASSERT(json_is_null(jget(&r, "entry")));
	reply_free(&r);
}

static void test_ownership_ops(void)
{
	struct ikefwd_entry e;
	struct reply r;

	lab_reset();
	/* local-handling: created, then re-homed to us. */
	CU_ASSERT_EQUAL(http_json("POST", "local-handling",
				  "{\"cookie\": \"1111111111111111\", "
				  "\"msg_id\": 3}",
				  &r),
			200);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 1);
	CU_ASSERT(json_is_true(jget(&r, "local")));
	reply_free(&r);
	entry_add(K2, 0, 3);
	CU_ASSERT_EQUAL(entry(K2, 0, &e), 0);
	CU_ASSERT_EQUAL(http_json("POST", "local-handling",
				  "{\"cookie\": \"2222222222222222\", "
				  "\"msg_id\": 0}",
				  &r),
			200);
	reply_free(&r);
	{
		struct ikefwd_entry after;

		CU_ASSERT_EQUAL(entry(K2, 0, &after), 0);
		CU_ASSERT_EQUAL(after.owner, 1);
		/* The same negotiation: its creation time stays. */
		CU_ASSERT_EQUAL(after.created_ns, e.created_ns);
		CU_ASSERT(after.flags & IKEFWD_F_STATIC);
	}

	/* remote-forward: to a peer, never to us or a stranger. */
	CU_ASSERT_EQUAL(http_json("POST", "remote-forward",
				  "{\"cookie\": \"2222222222222222\", "
				  "\"msg_id\": 0, \"member\": 3}",
				  &r),
			200);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 3);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "owner.address"), "10.0.0.3");
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(K2, 0, &e), 0);
	CU_ASSERT_EQUAL(e.owner, 3);
	CU_ASSERT_EQUAL(http_json("POST", "remote-forward",
				  "{\"cookie\": \"2222222222222222\", "
				  "\"msg_id\": 1, \"member\": 2}",
				  &r),
			200);
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(K2, 1, &e), 0);
	CU_ASSERT_EQUAL(e.owner, 2);

	/* take-ownership and the two outbound ones: create-only. */
	CU_ASSERT_EQUAL(http_json("POST", "take-ownership",
				  "{\"cookie\": \"3333333333333333\", "
				  "\"msg_id\": 0}",
				  &r),
			201);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 1);
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(K3, 0, &e), 0);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_STATIC | IKEFWD_F_CLAIMED);

	CU_ASSERT_EQUAL(http_json("POST", "initiate-negotiation",
				  "{\"cookie\": \"3333333333333334\"}", &r),
			201);
	CU_ASSERT_EQUAL(jint(&r, "msg_id"), 0);
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(K3 + 1, 0, &e), 0);
	CU_ASSERT_EQUAL(e.owner, 1);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_STATIC | IKEFWD_F_OUTBOUND);
	CU_ASSERT_EQUAL(http_json("POST", "initiate-negotiation",
				  "{\"cookie\": \"3333333333333334\", "
				  "\"msg_id\": 12}",
				  &r),
			201);
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(K3 + 1, 12, &e), 0);

	CU_ASSERT_EQUAL(http_json("POST", "entry-creation",
				  "{\"cookie\": \"3333333333333335\", "
				  "\"msg_id\": 2}",
				  &r),
			201);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "owner.address"), "10.0.0.1");
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(K3 + 2, 2, &e), 0);

	/* 409 names the owner of the entry that is there. */
	CU_ASSERT_EQUAL(http_json("POST", "take-ownership",
				  "{\"cookie\": \"2222222222222222\", "
				  "\"msg_id\": 0}",
				  &r),
			409);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 3);
	CU_ASSERT_EQUAL(jint(&r, "error.code"), 409);
	reply_free(&r);
	CU_ASSERT_EQUAL(lab.changed, 8);
}

/* ---- receive-packet --------------------------------------------------- */

static void ike_frame(struct pkt *p, uint64_t ispi, uint32_t msgid,
		      const char *src_mac)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, src_mac ? src_mac : MAC_ROUTER);
	pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
	pkt_udp(p, 500, 500);
	pkt_ike(p, &(struct pkt_ike){ .ispi = ispi,
				      .rspi = msgid ? 0x5a5a : 0,
				      .version = PKT_IKEV2,
				      .exchange = msgid ? 35 : 34,
				      .flags = 0x08, /* Initiator */
				      .msgid = msgid,
				      .payload_len = 64 });
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

/* POST receive-packet with the frame in hex (or base64). */
static long rx(const struct pkt *p, bool base64, struct reply *r)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *body = malloc(3 * p->len + 64), *o;
	long status;

	CU_ASSERT_FATAL(body != NULL);
	o = body +
	    sprintf(body, "{\"%s\": \"", base64 ? "frame_base64" : "frame_hex");
	if (!base64) {
		for (size_t i = 0; i < p->len; i++)
			o += sprintf(o, "%02x", p->buf[i]);
	} else {
		for (size_t i = 0; i < p->len; i += 3) {
			uint32_t v = p->buf[i] << 16;
			size_t n = p->len - i < 3 ? p->len - i : 3;

			if (n > 1)
				v |= p->buf[i + 1] << 8;
			if (n > 2)
				v |= p->buf[i + 2];
			*o++ = b64[v >> 18 & 63];
			*o++ = b64[v >> 12 & 63];
			*o++ = n > 1 ? b64[v >> 6 & 63] : '=';
			*o++ = n > 2 ? b64[v & 63] : '=';
		}
	}
	strcpy(o, "\"}");
	status = http_json("POST", "receive-packet", body, r);
	free(body);
	return status;
}

static void expect_rx(const struct pkt *p, const char *verdict,
		      const char *action, int owner)
{
	struct reply r;

	CU_ASSERT_EQUAL_FATAL(rx(p, false, &r), 200);
	if (strcmp(jstr(&r, "action"), action))
		fprintf(stderr, "test_api: expected %s, got %s\n", action,
			r.body);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), verdict);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), action);
	if (owner) {
		CU_ASSERT_EQUAL(jint(&r, "owner.member"), owner);
	} else {
		CU_ASSERT(json_is_null(jget(&r, "owner")));
	}
	reply_free(&r);
}

static void test_receive_packet(void)
{
	struct ikefwd_entry e;
	struct reply r;
	struct pkt p;

	lab_reset();
	/* A new IKE_SA_INIT: claimed here, half-open. */
	ike_frame(&p, K1, 0, NULL);
	CU_ASSERT_EQUAL_FATAL(rx(&p, false, &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), "XDP_PASS");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "claimed");
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 1);
	CU_ASSERT_EQUAL(jint(&r, "entry.owner.member"), 1);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "entry.cookie"), "1111111111111111");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "entry.table"), "halfopen");
	CU_ASSERT_EQUAL(jint(&r, "counters.claimed"), 1);
	CU_ASSERT_EQUAL(jint(&r, "counters.ike_seen"), 1);
	CU_ASSERT_EQUAL(jint(&r, "counters.local"), 1);
	CU_ASSERT(!jget(&r, "reason"));
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(K1, 0, &e), -ENOENT);
	CU_ASSERT_EQUAL(halfopen_entry(K1, 0, &e), 0);
	CU_ASSERT_EQUAL(e.owner, 1);
	CU_ASSERT(e.flags & IKEFWD_F_CLAIMED);
	/* The same frame again: ours now. */
	expect_rx(&p, "XDP_PASS", "local", 1);
	/* And in base64. */
	CU_ASSERT_EQUAL(rx(&p, true, &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "local");
	reply_free(&r);

	/* Owned by a peer: redirected to it. */
	entry_add(K2, 0, 2);
	ike_frame(&p, K2, 0, NULL);
	CU_ASSERT_EQUAL_FATAL(rx(&p, false, &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), "XDP_REDIRECT");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "forwarded");
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 2);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "owner.address"), "10.0.0.2");
	CU_ASSERT_EQUAL(jint(&r, "entry.owner.member"), 2);
	CU_ASSERT_EQUAL(jint(&r, "counters.forwarded"), 1);
	reply_free(&r);

	/* A later exchange of that negotiation follows its Phase-1 entry. */
	ike_frame(&p, K2, 4, NULL);
	expect_rx(&p, "XDP_REDIRECT", "phase2_fallback", 2);
	CU_ASSERT_EQUAL(entry(K2, 4, &e), -ENOENT);
	/* A later exchange of a negotiation nobody knows: handled here,
	 * nothing claimed. */
	ike_frame(&p, K2 + 1, 4, NULL);
	expect_rx(&p, "XDP_PASS", "unclaimed", 1);
	CU_ASSERT_EQUAL(entry(K2 + 1, 4, &e), -ENOENT);

	/* A frame a peer forwarded to us stays here. */
	ike_frame(&p, K2, 0, MAC_M2);
	expect_rx(&p, "XDP_PASS", "loop_guard", 1);

	/* Owner dead: taken over. */
	entry_add(K3, 0, 3);
	CU_ASSERT_EQUAL(http_json("PUT", "members",
				  "{\"id\": 3, \"alive\": false}", &r),
			200);
	reply_free(&r);
	ike_frame(&p, K3, 0, NULL);
	expect_rx(&p, "XDP_PASS", "taken_over", 1);
	CU_ASSERT_EQUAL(entry(K3, 0, &e), 0);
	CU_ASSERT_EQUAL(e.owner, 1);
	CU_ASSERT(e.flags & IKEFWD_F_TAKEOVER);

	/* A usable peer whose devmap slot is empty: the redirect fails and
	 * the frame is handled here. */
	member_put(3, "10.0.0.3", MAC_M3, MAC_SELF_TO_M3, USABLE,
		   LOOPBACK_IFINDEX);
	{
		uint32_t id = 3;

		CU_ASSERT_FATAL(!bpf_map_delete_elem(lab.m.devmap, &id));
	}
	entry_add(K3 + 1, 0, 3);
	ike_frame(&p, K3 + 1, 0, NULL);
	expect_rx(&p, "XDP_PASS", "redirect_failed", 1);

	/* HA mode: everything to the active member. */
	CU_ASSERT_EQUAL(http_json("PUT", "ha-ownership",
				  "{\"mode\": \"ha\", \"active_member\": 2}",
				  &r),
			200);
	reply_free(&r);
	ike_frame(&p, 0x4444444444444444ULL, 0, NULL);
	expect_rx(&p, "XDP_REDIRECT", "forwarded", 2);
	CU_ASSERT_EQUAL(entry(0x4444444444444444ULL, 0, &e), -ENOENT);
}

static void test_receive_packet_not_ike(void)
{
	struct reply r;
	struct pkt p;
	uint32_t zero = 0;
	struct ikefwd_config cfg;

	lab_reset();
	/* TCP: not IKE, no counter moves. */
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_tcp(&p, 40000, 500);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL_FATAL(rx(&p, false, &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), "XDP_PASS");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "not_ike");
	CU_ASSERT(json_is_null(jget(&r, "owner")));
	CU_ASSERT(json_is_null(jget(&r, "entry")));
	CU_ASSERT_EQUAL(json_object_size(jget(&r, "counters")), 0);
	reply_free(&r);

	/* An IKE length below the header's: malformed, and why. */
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = K1,
				       .version = PKT_IKEV2,
				       .length_set = true,
				       .length = 20 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL_FATAL(rx(&p, false, &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "malformed");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "reason"), "bad_length");
	CU_ASSERT_EQUAL(jint(&r, "counters.bad_length"), 1);
	CU_ASSERT(json_is_null(jget(&r, "entry")));
	reply_free(&r);
	CU_ASSERT_EQUAL(table_count(lab.m.table), 0);

	/* NAT-T keepalive and ESP-in-UDP on 4500. */
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 4500, 4500);
	pkt_natt_keepalive(&p);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_rx(&p, "XDP_PASS", "natt_keepalive", 0);
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 4500, 4500);
	pkt_esp_udp(&p, 0x1234, 1, 32);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_rx(&p, "XDP_PASS", "esp_in_udp", 0);

	/* An IKE_SA_INIT on 4500 behind a marker, IPv6 with extension
	 * headers, two VLAN tags: claimed, and the entry found. */
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_vlan(&p, PKT_TPID_8021AD, 10);
	pkt_vlan(&p, PKT_TPID_8021Q, 20);
	pkt_ipv6(&p, "2001:db8::10", "2001:db8:1::1");
	pkt_ipv6_ext(&p, 0);
	pkt_ipv6_ext(&p, 60);
	pkt_udp(&p, 4500, 4500);
	pkt_non_esp_marker(&p);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = K2,
				       .version = PKT_IKEV2,
				       .exchange = 34,
				       .flags = 0x08 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL_FATAL(rx(&p, false, &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "claimed");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "entry.cookie"), "2222222222222222");
	CU_ASSERT_EQUAL(jint(&r, "entry.msg_id"), 0);
	reply_free(&r);

	/* The biggest frame the API takes goes through the program. */
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p,
		&(struct pkt_ike){ .ispi = K3,
				   .version = PKT_IKEV1,
				   .exchange = 2, /* Main Mode */
				   .payload_len = PKT_MAX - 14 - 20 - 8 - 28 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL(p.len, 4096);
	expect_rx(&p, "XDP_PASS", "claimed", 1);

	/* Before configuration, IKE passes untouched. */
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.config, &zero, &cfg));
	cfg.local_member = 0;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.config, &zero, &cfg, 0));
	ike_frame(&p, 0x5555555555555555ULL, 0, NULL);
	expect_rx(&p, "XDP_PASS", "unconfigured", 0);
}

/* With ESP steering the SA table decides; with SPI labels an unknown IKE
 * SA goes to the member its SPI names. */
static void test_receive_packet_esp_and_labels(void)
{
	struct ikefwd_sa sa = { .owner = 2, .flags = IKEFWD_SA_F_STATIC };
	struct ikefwd_member m;
	struct ikefwd_config cfg;
	struct ikefwd_entry e;
	uint32_t zero = 0, spi = 0x2000, id = 3;
	struct reply r;
	struct pkt p;

	lab_reset();
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.config, &zero, &cfg));
	cfg.flags = IKEFWD_CFG_ESP_STEERING | IKEFWD_CFG_SPI_LABELS;
	cfg.spi_label_mask = 0xff00000000000000ULL;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.config, &zero, &cfg, 0));
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.sa, &spi, &sa, 0));
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.members, &id, &m));
	m.spi_label = 0x0300000000000000ULL;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.members, &id, &m, 0));

	/* Native ESP of an SA nobody registered: kept, nobody named. */
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_esp(&p, 0x1000, 1, 32);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL_FATAL(rx(&p, false, &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "esp");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), "XDP_PASS");
	CU_ASSERT_EQUAL(jint(&r, "counters.esp_unknown"), 1);
	CU_ASSERT(json_is_null(jget(&r, "owner")));
	CU_ASSERT(json_is_null(jget(&r, "entry")));
	reply_free(&r);

	/* The registered SA's ESP goes to its owner, native or in UDP. */
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_esp(&p, spi, 1, 32);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_rx(&p, "XDP_REDIRECT", "esp", 2);
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 4500, 4500);
	pkt_esp_udp(&p, spi, 2, 32);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL_FATAL(rx(&p, false, &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "esp_in_udp");
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 2);
	CU_ASSERT_EQUAL(jint(&r, "counters.esp_forwarded"), 1);
	reply_free(&r);

	/* An IKE SA this table never saw, whose SPI carries member 3's
	 * label: sent there, neither claimed nor remembered. */
	ike_frame(&p, 0x03aabbccddeeff00ULL, 1, NULL);
	CU_ASSERT_EQUAL_FATAL(rx(&p, false, &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "label_routed");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), "XDP_REDIRECT");
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 3);
	CU_ASSERT(json_is_null(jget(&r, "entry")));
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(0x03aabbccddeeff00ULL, 1, &e), -ENOENT);
	CU_ASSERT_EQUAL(entry(0x03aabbccddeeff00ULL, 0, &e), -ENOENT);
	bpf_map_delete_elem(lab.m.sa, &spi);
}

/* ---- refusals --------------------------------------------------------- */

struct refusal {
	const char *name;
	struct req q;
	int status;
	const char *allow; /* 405 */
	const char *message; /* a part of it */
};

#define BIG_BODY_LEN (API_BODY_MAX + 1)

/* A request, the status it gets, and a part of its error message. */
#define REFUSE(n, m, p, b, st, msg)                                    \
	{                                                              \
		.name = n, .q = { .method = m, .path = p, .body = b }, \
		.status = st, .message = msg                           \
	}
#define NOT_ALLOWED(n, m, p, allowed)                                      \
	{                                                                  \
		.name = n, .q = { .method = m, .path = p }, .status = 405, \
		.allow = allowed                                           \
	}
#define TO_K(cookie, id) "{\"cookie\": \"" cookie "\", \"msg_id\": " id
#define NEW_KEY TO_K("4444444444444444", "0") "}"

static void test_refusals(void)
{
	static char big[BIG_BODY_LEN + 1];
	static const struct refusal cases[] = {
		REFUSE("malformed JSON", "POST", "take-ownership",
		       "{\"cookie\": ", 400, "malformed JSON"),
		REFUSE("not an object", "POST", "take-ownership", "[1]", 400,
		       "must be a JSON object"),
		REFUSE("empty body", "POST", "take-ownership", "", 400,
		       "needs a JSON object"),
		REFUSE("unknown field", "POST", "take-ownership",
		       TO_K("1111111111111111", "0") ", \"owner\": 1}", 400,
		       "unknown field \"owner\""),
		REFUSE("duplicate field", "POST", "take-ownership",
		       TO_K("1111111111111111", "0") ", \"msg_id\": 1}", 400,
		       "duplicate"),
		REFUSE("msg_id as a string", "POST", "take-ownership",
		       TO_K("1111111111111111", "\"0\"") "}", 400,
		       "msg_id: give a number"),
		REFUSE("msg_id real", "POST", "take-ownership",
		       TO_K("1111111111111111", "0.5") "}", 400, "msg_id"),
		REFUSE("msg_id negative", "POST", "take-ownership",
		       TO_K("1111111111111111", "-1") "}", 400, "msg_id"),
		REFUSE("msg_id too big", "POST", "take-ownership",
		       TO_K("1111111111111111", "4294967296") "}", 400,
		       "msg_id"),
		REFUSE("cookie bad hex", "POST", "take-ownership",
		       TO_K("111111111111111x", "0") "}", 400,
		       "cookie: give 16 hex digits"),
		REFUSE("cookie short", "POST", "take-ownership",
		       TO_K("11111111", "0") "}", 400, "cookie"),
		REFUSE("cookie as a number", "POST", "take-ownership",
		       "{\"cookie\": 1111111111111111, \"msg_id\": 0}", 400,
		       "cookie"),
		REFUSE("owner out of range", "POST", "packet-tracking",
		       TO_K("4444444444444444", "0") ", \"owner\": 16}", 400,
		       "owner: give a member id from 1 to 15"),
		REFUSE("owner not configured", "POST", "packet-tracking",
		       TO_K("4444444444444444", "0") ", \"owner\": 9}", 400,
		       "owner: member 9 is not configured"),
		REFUSE("PUT owner not configured", "PUT", "packet-tracking",
		       TO_K("1111111111111111", "0") ", \"owner\": 9}", 400,
		       "not configured"),
		REFUSE("missing field", "POST", "packet-tracking",
		       TO_K("1111111111111111", "0") "}", 400,
		       "missing field \"owner\""),
		REFUSE("remote-forward to us", "POST", "remote-forward",
		       TO_K("1111111111111111", "0") ", \"member\": 1}", 400,
		       "is this member"),
		REFUSE("remote-forward to a stranger", "POST", "remote-forward",
		       TO_K("4444444444444444", "0") ", \"member\": 7}", 400,
		       "not configured"),
		REFUSE("members: wrong type", "PUT", "members",
		       "{\"id\": 2, \"alive\": \"no\"}", 400,
		       "alive: give true or false"),
		REFUSE("members: unknown member", "PUT", "members",
		       "{\"id\": 9, \"alive\": false}", 404, "no member 9"),
		REFUSE("ha: no active member", "PUT", "ha-ownership",
		       "{\"mode\": \"ha\"}", 400, "needs active_member"),
		REFUSE("ha: active member not configured", "PUT",
		       "ha-ownership",
		       "{\"mode\": \"ha\", \"active_member\": 9}", 400,
		       "not configured"),
		REFUSE("ha: bad mode", "PUT", "ha-ownership",
		       "{\"mode\": \"active\"}", 400, "mode"),
		REFUSE("receive-packet: bad hex", "POST", "receive-packet",
		       "{\"frame_hex\": \"0011223344556677889900112233zz\"}",
		       400, "frame_hex"),
		REFUSE("receive-packet: too short", "POST", "receive-packet",
		       "{\"frame_hex\": \"00112233445566778899001122\"}", 400,
		       "too short"),
		REFUSE("receive-packet: both", "POST", "receive-packet",
		       "{\"frame_hex\": \"0011223344556677889900112233\", "
		       "\"frame_base64\": \"AAECAwQFBgcICQoLDA0=\"}",
		       400, "one of"),
		REFUSE("receive-packet: bad base64", "POST", "receive-packet",
		       "{\"frame_base64\": \"AAECAwQFBgcICQoLDA0\"}", 400,
		       "frame_base64"),
		REFUSE("query: unknown parameter", "GET",
		       "table-search?cookie=1111111111111111&msg_id=0&x=1",
		       NULL, 400, "unknown query parameter \"x\""),
		REFUSE("query: twice", "GET",
		       "table-search?cookie=1111111111111111&msg_id=0&msg_id=1",
		       NULL, 400, "given twice"),
		REFUSE("query: bad number", "GET",
		       "table-search?cookie=1111111111111111&msg_id=1x", NULL,
		       400, "msg_id"),
		REFUSE("query: out of range", "GET",
		       "table-search?cookie=1111111111111111&msg_id=4294967296",
		       NULL, 400, "msg_id"),
		REFUSE("query: bad escape", "GET",
		       "table-search?cookie=1111111111111111&msg_id=%g0", NULL,
		       400, "%-encoding"),
		REFUSE("query: limit", "GET", "packet-tracking?limit=1001",
		       NULL, 400, "limit"),
		REFUSE("query: missing", "GET",
		       "table-search?cookie=1111111111111111", NULL, 400,
		       "missing query parameter \"msg_id\""),
		REFUSE("DELETE without a key", "DELETE", "packet-tracking",
		       NULL, 400, "flush=true"),
		REFUSE("DELETE flush=false", "DELETE",
		       "packet-tracking?flush=false", NULL, 400, "flush"),
		REFUSE("DELETE flush and key", "DELETE",
		       "packet-tracking?flush=true&cookie=1111111111111111&"
		       "msg_id=0",
		       NULL, 400, "not both"),
		REFUSE("a body on a GET", "GET", "stats", "{}", 400,
		       "takes no request body"),
		REFUSE("unknown path", "GET", "table-lookup", NULL, 404,
		       "no such endpoint"),
		REFUSE("the base path", "GET", "", NULL, 404,
		       "no such endpoint"),
		REFUSE("outside the API", "GET", "/index.html", NULL, 404,
		       "no such endpoint"),
		REFUSE("unknown entry", "GET",
		       "table-search?cookie=4444444444444444&msg_id=0", NULL,
		       404, "no entry for 4444444444444444/0"),
		REFUSE("PUT on no entry", "PUT", "packet-tracking",
		       TO_K("4444444444444444", "0") ", \"owner\": 2}", 404,
		       "no entry"),
		REFUSE("DELETE no entry", "DELETE",
		       "packet-tracking?cookie=4444444444444444&msg_id=0", NULL,
		       404, "no entry"),
		NOT_ALLOWED("405 on a read endpoint", "DELETE",
			    "table-search?cookie=1111111111111111&msg_id=0",
			    "GET, HEAD"),
		NOT_ALLOWED("405 with every method", "PATCH", "packet-tracking",
			    "GET, HEAD, POST, PUT, DELETE"),
		NOT_ALLOWED("405 on a write endpoint", "GET", "take-ownership",
			    "POST"),
		NOT_ALLOWED("405 on /metrics", "POST", "/metrics", "GET, HEAD"),
		REFUSE("409 POST packet-tracking", "POST", "packet-tracking",
		       TO_K("1111111111111111", "0") ", \"owner\": 3}", 409,
		       "exists"),
		REFUSE("409 take-ownership", "POST", "take-ownership",
		       TO_K("1111111111111111", "0") "}", 409, "exists"),
		REFUSE("409 initiate-negotiation", "POST",
		       "initiate-negotiation",
		       "{\"cookie\": \"1111111111111111\"}", 409, "exists"),
		REFUSE("409 entry-creation", "POST", "entry-creation",
		       TO_K("1111111111111111", "0") "}", 409, "exists"),
		{ .name = "415 text/plain",
		  .q = { .method = "POST",
			 .path = "take-ownership",
			 .body = NEW_KEY,
			 .ctype = "text/plain" },
		  .status = 415 },
		{ .name = "415 form",
		  .q = { .method = "POST",
			 .path = "take-ownership",
			 .body = NEW_KEY,
			 .ctype = "application/x-www-form-urlencoded" },
		  .status = 415 },
		{ .name = "401 without a token",
		  .q = { .method = "POST",
			 .path = "take-ownership",
			 .body = NEW_KEY,
			 .token = "" },
		  .status = 401 },
		{ .name = "401 wrong token",
		  .q = { .method = "POST",
			 .path = "take-ownership",
			 .body = NEW_KEY,
			 .token = TOKEN "x" },
		  .status = 401 },
		{ .name = "401 before 404 of an entry",
		  .q = { .method = "DELETE",
			 .path = "packet-tracking?cookie=4444444444444444&"
				 "msg_id=0",
			 .token = "" },
		  .status = 401 },
		{ .name = "401 on flush",
		  .q = { .method = "DELETE",
			 .path = "packet-tracking?flush=true",
			 .token = "nope" },
		  .status = 401 },
		{ .name = "413 declared",
		  .q = { .method = "POST",
			 .path = "take-ownership",
			 .body = big,
			 .body_len = BIG_BODY_LEN,
			 .expect = true },
		  .status = 413 },
		{ .name = "413 declared, no 100-continue",
		  .q = { .method = "POST",
			 .path = "take-ownership",
			 .body = big,
			 .body_len = BIG_BODY_LEN },
		  .status = 413 },
		{ .name = "413 chunked",
		  .q = { .method = "POST",
			 .path = "take-ownership",
			 .body = big,
			 .body_len = BIG_BODY_LEN,
			 .chunked = true },
		  .status = 413 },
	};
	struct snapshot *before = malloc(sizeof(*before)),
			*after = malloc(sizeof(*after));
	struct reply r;

	CU_ASSERT_FATAL(before && after);
	/* A valid object, too big: refused for its size alone. */
	memset(big, ' ', BIG_BODY_LEN);
	memcpy(big, "{\"cookie\": \"4444444444444444\", \"msg_id\": 0}", 43);

	lab_reset();
	entry_add(K1, 0, 2);
	entry_add(K2, 3, 3);
	snap_take(before);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct refusal *c = &cases[i];
		long status = http_request(&c->q, &r);

		if (status != c->status)
			fprintf(stderr, "test_api: %s: %ld, expected %d: %s\n",
				c->name, status, c->status,
				r.body ? r.body : "");
		CU_ASSERT_EQUAL(status, c->status);
		/* The one error shape. */
		CU_ASSERT_EQUAL(jint(&r, "error.code"), c->status);
		CU_ASSERT(json_is_string(jget(&r, "error.message")));
		if (c->message &&
		    !strstr(jstr(&r, "error.message"), c->message)) {
			fprintf(stderr, "test_api: %s: message '%s'\n", c->name,
				jstr(&r, "error.message"));
			CU_FAIL("message");
		}
		if (c->allow)
			CU_ASSERT_STRING_EQUAL(r.allow, c->allow);
		if (c->status == 401)
			CU_ASSERT(!strncmp(r.www_auth, "Bearer", 6));
		if (c->status == 409)
			CU_ASSERT_EQUAL(jint(&r, "owner.member"), 2);
		reply_free(&r);

		snap_take(after);
		if (!snap_same(before, after)) {
			fprintf(stderr, "test_api: %s changed the maps\n",
				c->name);
			CU_FAIL("a refused request changed the maps");
			lab_reset();
			entry_add(K1, 0, 2);
			entry_add(K2, 3, 3);
			snap_take(before);
		}
	}
	CU_ASSERT_EQUAL(lab.changed, 0);
	CU_ASSERT_EQUAL(lab.deleted, 0);
	free(before);
	free(after);
}

/* The biggest body taken, and a request target too long. */
static void test_limits(void)
{
	char *body = malloc(API_BODY_MAX + 1), *path = malloc(4096);
	struct reply r;
	long status;

	CU_ASSERT_FATAL(body && path);
	lab_reset();
	memset(body, ' ', API_BODY_MAX);
	memcpy(body, "{\"cookie\": \"4444444444444444\", \"msg_id\": 0}", 43);
	body[API_BODY_MAX] = '\0';
	CU_ASSERT_EQUAL(http_request(&(struct req){ .method = "POST",
						    .path = "take-ownership",
						    .body = body },
				     &r),
			201);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_request(&(struct req){ .method = "POST",
						    .path = "take-ownership",
						    .body = body,
						    .chunked = true },
				     &r),
			409);
	reply_free(&r);

	snprintf(path, 4096, "health?");
	memset(path + 7, 'a', 2100);
	path[2107] = '\0';
	CU_ASSERT_EQUAL(http_get(path, &r), 414);
	reply_free(&r);
	free(body);
	free(path);

	/* A chunked body that goes on and on is cut off, not read forever:
	 * no answer at all, or the 413 if the end came first. */
	body = malloc(3 << 20);
	CU_ASSERT_FATAL(body != NULL);
	memset(body, ' ', 3 << 20);
	body[0] = '{';
	status = http_request(&(struct req){ .method = "POST",
					     .path = "take-ownership",
					     .body = body,
					     .body_len = 3 << 20,
					     .chunked = true,
					     .quiet = true },
			      &r);
	CU_ASSERT(status == -1 || status == 413);
	reply_free(&r);
	free(body);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "health, config, stats", test_health_config_stats },
		{ "Prometheus metrics", test_metrics },
		{ "members: list and liveness", test_members },
		{ "ha-ownership", test_ha_ownership },
		{ "ha-segments", test_ha_segments },
		{ "packet-tracking: add, change, list, delete", test_tracking },
		{ "packet-tracking: pages", test_tracking_pages },
		{ "cookie and the lookups", test_cookie_and_lookups },
		{ "local-handling, remote-forward, take-ownership, "
		  "initiate-negotiation, entry-creation",
		  test_ownership_ops },
		{ "receive-packet: decisions", test_receive_packet },
		{ "receive-packet: not IKE, malformed, other shapes",
		  test_receive_packet_not_ike },
		{ "receive-packet: ESP steering and SPI labels",
		  test_receive_packet_esp_and_labels },
		{ "refusals change nothing", test_refusals },
		{ "body and request target limits", test_limits },
	};

	return lab_main("api", tests, ARRAY_SIZE(tests));
}
