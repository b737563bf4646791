// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The remote traffic selector endpoint (ts, api/ep_ts.c, docs/api.md) end
 * to end, in the lab of test_api_lab.h: registrations land in the pinned
 * LPM tries and steer what the loaded inside program receives (asked
 * through receive-packet with iface); the newest registration of a prefix
 * wins; a removal naming another owner or SPI is refused; every refusal
 * changes nothing (map snapshots before and after); the change hook; in
 * ha-sync mode the segment of the registration's peer.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "ikefwd/ha_segment.h"
#include "ikefwd/iface.h"
#include "pktbuild.h"
#include "selector.h"
#include "test_api_lab.h"

/* lo, recorded as an inside interface the loader attached. */
static void lo_inside(void)
{
	struct ikefwd_iface rec = { .ifindex = LOOPBACK_IFINDEX,
				    .xdp_mode = IKEFWD_IFACE_SKB,
				    .flags = IKEFWD_IFACE_INSIDE,
				    .name = "lo" };
	uint32_t key = LOOPBACK_IFINDEX;

	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.ifaces, &key, &rec, 0));
}

static int ts_read(const char *prefix, struct ikefwd_ts *ts)
{
	struct ikefwd_ts_maps m = { lab.m.ts4, lab.m.ts6 };
	struct ikefwd_prefix p;

	CU_ASSERT_FATAL(ikefwd_prefix_parse(prefix, &p) == 0);
	return ikefwd_ts_get(&m, &p, ts);
}

/* Cleartext to dst through receive-packet on iface; returns the status. */
static long inside_frame(const char *iface, const char *dst, struct reply *r)
{
	char body[512], *o;
	struct pkt p;
	long status;

	CU_ASSERT_FATAL(pkt_cleartext(&p, MAC_SELF, MAC_ROUTER, dst) == 0);
	o = body + sprintf(body, "{%s%s%s\"frame_hex\": \"",
			   iface ? "\"iface\": \"" : "", iface ?: "",
			   iface ? "\", " : "");
	for (size_t i = 0; i < p.len; i++)
		o += sprintf(o, "%02x", p.buf[i]);
	strcpy(o, "\"}");
	status = http_json("POST", "receive-packet", body, r);
	return status;
}

static void expect_inside(const char *dst, const char *verdict,
			  const char *action, int owner)
{
	struct reply r;

	CU_ASSERT_EQUAL_FATAL(inside_frame("lo", dst, &r), 200);
	if (strcmp(jstr(&r, "action"), action) ||
	    strcmp(jstr(&r, "verdict"), verdict))
		fprintf(stderr, "\n  %s: %s\n", dst, r.body);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), action);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), verdict);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "side"), "inside");
	if (owner) {
		CU_ASSERT_EQUAL(jint(&r, "owner.member"), owner);
	} else {
		CU_ASSERT(json_is_null(jget(&r, "owner")));
	}
	reply_free(&r);
}

static void test_register_and_steer(void)
{
	struct ikefwd_ts ts;
	struct reply r;
	json_t *s;

	lab_reset();
	lo_inside();
	expect_inside("10.1.2.3", "XDP_PASS", "inside_no_match", 0);

	CU_ASSERT_EQUAL(http_json("POST", "ts",
				  "{\"prefix\": \"10.1.0.0/16\", \"owner\": 2, "
				  "\"spi\": 3221225473, \"lifetime_s\": 600}",
				  &r),
			201);
	CU_ASSERT_EQUAL_FATAL(json_array_size(jget(&r, "selectors")), 1);
	s = json_array_get(jget(&r, "selectors"), 0);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "prefix")),
			       "10.1.0.0/16");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_object_get(s, "owner"), "member")),
			2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s, "spi")),
			3221225473LL);
	CU_ASSERT(json_integer_value(json_object_get(s, "remaining_s")) >=
			  599 &&
		  json_integer_value(json_object_get(s, "remaining_s")) <= 600);
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(ts_read("10.1.0.0/16", &ts), 0);
	CU_ASSERT_EQUAL(ts.owner, 2);
	CU_ASSERT_EQUAL(ts.spi, 0xc0000001);
	CU_ASSERT_EQUAL(ts.flags, IKEFWD_TS_F_REGISTERED);
	CU_ASSERT(ts.expires_ns > 0);
	CU_ASSERT_EQUAL(lab.ts_changed, 1);
	CU_ASSERT_EQUAL(lab.ts_last_owner, 2);
	expect_inside("10.1.2.3", "XDP_REDIRECT", "inside_forwarded", 2);

	/* Several, owner left out: the local member's; IPv6 too. */
	CU_ASSERT_EQUAL(http_json("POST", "ts",
				  "{\"prefixes\": [\"10.1.2.0/24\", "
				  "\"2001:db8:100::/48\"]}",
				  &r),
			201);
	reply_free(&r);
	CU_ASSERT_EQUAL(lab.ts_changed, 3);
	expect_inside("10.1.2.3", "XDP_PASS", "inside_local", 1);
	expect_inside("10.1.3.3", "XDP_REDIRECT", "inside_forwarded", 2);
	expect_inside("2001:db8:100::5", "XDP_PASS", "inside_local", 1);

	/* The tunnel moves to member 3: its registration replaces ours. */
	CU_ASSERT_EQUAL(http_json("POST", "ts",
				  "{\"prefix\": \"10.1.2.0/24\", \"owner\": 3}",
				  &r),
			201);
	reply_free(&r);
	expect_inside("10.1.2.3", "XDP_REDIRECT", "inside_forwarded", 3);

	/* Member 3 dies: its selectors drop, they do not leak. */
	member_put(3, "10.0.0.3", MAC_M3, MAC_SELF_TO_M3, 0, LOOPBACK_IFINDEX);
	expect_inside("10.1.2.3", "XDP_DROP", "inside_owner_dead", 0);

	/* /metrics counts them per owner. */
	CU_ASSERT_EQUAL(http_get("/metrics", &r), 200);
	CU_ASSERT(r.body &&
		  strstr(r.body, "ikefwd_selectors{member=\"1\"} 1\n"));
	CU_ASSERT(r.body &&
		  strstr(r.body, "ikefwd_selectors{member=\"2\"} 1\n"));
	CU_ASSERT(r.body &&
		  strstr(r.body, "ikefwd_selectors{member=\"3\"} 1\n"));
	CU_ASSERT(r.body &&
		  strstr(r.body, "ikefwd_inside_owner_dead_total 1\n"));
	reply_free(&r);

	/* Listing, filters. */
	CU_ASSERT_EQUAL(http_get("ts", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 3);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(
			json_array_get(jget(&r, "selectors"), 2), "prefix")),
		"2001:db8:100::/48");
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("ts?owner=2", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 1);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("ts?prefix=10.1.2.0%2F24", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 1);
	reply_free(&r);

	/* Removal: the owner's own, then by anyone. */
	CU_ASSERT_EQUAL(http_json("DELETE", "ts?prefix=10.1.2.0/24&owner=3",
				  NULL, &r),
			200);
	reply_free(&r);
	CU_ASSERT_EQUAL(lab.ts_deleted, 1);
	CU_ASSERT_EQUAL(ts_read("10.1.2.0/24", &ts), -ENOENT);
	CU_ASSERT_EQUAL(http_json("DELETE",
				  "ts?prefix=10.1.0.0/16&spi=3221225473", NULL,
				  &r),
			200);
	reply_free(&r);
	expect_inside("10.1.2.3", "XDP_PASS", "inside_no_match", 0);
	CU_ASSERT_EQUAL(lab.ts_deleted, 2);
}

/* An IKE_SA_INIT from src through receive-packet on the outside. */
static long outside_ike(const char *src, struct reply *r)
{
	char body[1024], *o;
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, src, "198.51.100.1");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = 0x5151515151515151ULL,
				       .next_payload = 33,
				       .version = PKT_IKEV2,
				       .exchange = 34,
				       .flags = 0x08,
				       .payload_len = 32 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	o = body + sprintf(body, "{\"frame_hex\": \"");
	for (size_t i = 0; i < p.len; i++)
		o += sprintf(o, "%02x", p.buf[i]);
	strcpy(o, "\"}");
	return http_json("POST", "receive-packet", body, r);
}

static json_t *first_selector(const struct reply *r)
{
	return json_array_get(jget(r, "selectors"), 0);
}

static void mode_set(uint32_t mode, uint32_t ha_segments)
{
	struct ikefwd_config cfg;
	uint32_t zero = 0;

	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.config, &zero, &cfg));
	cfg.mode = mode;
	cfg.ha_segments = ha_segments;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.config, &zero, &cfg, 0));
}

static void segment_set(uint32_t seg, uint32_t member)
{
	struct ikefwd_segment s = { .member = member };

	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.segments, &seg, &s, 0));
}

/* "peer": in ha-sync mode its ha plugin segment (as the real plugin
 * placed 10.0.1.8 and 10.0.1.10 with segment_count 2,
 * unit/ha_segment_vectors.txt) is stored with the selector and steers its
 * cleartext; in load-sharing it is accepted and stores nothing. A bad
 * peer changes nothing in either mode. */
static void test_peer_segment(void)
{
	struct snapshot before, after;
	struct ikefwd_ts ts;
	struct reply r;

	lab_reset();
	lo_inside();
	CU_ASSERT_EQUAL(http_json("POST", "ts",
				  "{\"prefix\": \"10.1.0.0/16\", \"owner\": 1, "
				  "\"peer\": \"10.0.1.10\"}",
				  &r),
			201);
	CU_ASSERT(json_is_null(json_object_get(first_selector(&r), "segment")));
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(ts_read("10.1.0.0/16", &ts), 0);
	CU_ASSERT_EQUAL(ts.flags, IKEFWD_TS_F_REGISTERED);

	mode_set(IKEFWD_MODE_HA_SYNC, 2);
	segment_set(1, 1);
	segment_set(2, 2);
	CU_ASSERT_EQUAL(http_json("POST", "ts",
				  "{\"prefix\": \"10.1.0.0/16\", \"owner\": 1, "
				  "\"peer\": \"10.0.1.10\"}",
				  &r),
			201);
	CU_ASSERT_EQUAL(json_integer_value(
				json_object_get(first_selector(&r), "segment")),
			2);
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(ts_read("10.1.0.0/16", &ts), 0);
	CU_ASSERT_EQUAL(ts.flags,
			IKEFWD_TS_F_REGISTERED | 2 << IKEFWD_TS_SEGMENT_SHIFT);
	CU_ASSERT_EQUAL(ts.owner, 1);
	/* Registered here, but member 2 holds segment 2. */
	expect_inside("10.1.2.3", "XDP_REDIRECT", "inside_forwarded", 2);

	/* receive-packet names ha-sync's outcomes for the peer's IKE. */
	CU_ASSERT_EQUAL(outside_ike("10.0.1.10", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), "XDP_REDIRECT");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "ha_sync_forwarded");
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 2);
	reply_free(&r);
	CU_ASSERT_EQUAL(outside_ike("10.0.1.8", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), "XDP_PASS");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "ha_sync_local");
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 1);
	CU_ASSERT(json_is_null(jget(&r, "entry")));
	reply_free(&r);
	segment_set(2, 0);
	CU_ASSERT_EQUAL(outside_ike("10.0.1.10", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "ha_sync_unassigned");
	CU_ASSERT(json_is_null(jget(&r, "owner")));
	reply_free(&r);
	segment_set(2, 2);

	CU_ASSERT_EQUAL(http_json("POST", "ts",
				  "{\"prefixes\": [\"10.2.0.0/16\", "
				  "\"2001:db8:200::/48\"], \"owner\": 2, "
				  "\"peer\": \"10.0.1.8\"}",
				  &r),
			201);
	reply_free(&r);
	expect_inside("10.2.2.3", "XDP_PASS", "inside_local", 1);
	expect_inside("2001:db8:200::1", "XDP_PASS", "inside_local", 1);

	/* Every IPv6 peer: the segment of address 0. */
	CU_ASSERT_EQUAL(http_json("POST", "ts",
				  "{\"prefix\": \"10.3.0.0/16\", "
				  "\"peer\": \"2001:db8::77\"}",
				  &r),
			201);
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(ts_read("10.3.0.0/16", &ts), 0);
	CU_ASSERT_EQUAL(ikefwd_ts_segment(ts.flags),
			ikefwd_ha_segment_v4(0, 2));

	/* The listing shows them. */
	CU_ASSERT_EQUAL(http_get("ts?prefix=10.2.0.0%2F16", &r), 200);
	CU_ASSERT_EQUAL(json_integer_value(
				json_object_get(first_selector(&r), "segment")),
			1);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("/metrics", &r), 200);
	CU_ASSERT(r.body &&
		  strstr(r.body, "ikefwd_inside_by_segment_total 3\n"));
	reply_free(&r);

	/* A bad peer in ha-sync mode: refused, nothing written. */
	lab.ts_changed = 0;
	snap_take(&before);
	CU_ASSERT_EQUAL(http_json("POST", "ts",
				  "{\"prefix\": \"10.1.0.0/16\", \"owner\": 2, "
				  "\"peer\": \"10.0.1.300\"}",
				  &r),
			400);
	CU_ASSERT(strstr(jstr(&r, "error.message"), "peer: give an") != NULL);
	reply_free(&r);
	snap_take(&after);
	CU_ASSERT(snap_same(&before, &after));
	CU_ASSERT_EQUAL(lab.ts_changed, 0);
	mode_set(IKEFWD_MODE_LOAD_SHARING, 2);
}

/* Without iface, receive-packet asks the outside program, as before. */
static void test_receive_outside(void)
{
	struct reply r;

	lab_reset();
	CU_ASSERT_EQUAL(inside_frame(NULL, "10.1.2.3", &r), 200);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "not_ike");
	CU_ASSERT(jget(&r, "side") == NULL);
	reply_free(&r);
}

struct refusal {
	const char *name;
	const char *method;
	const char *path;
	const char *body;
	const char *token; /* NULL: the lab's */
	long status;
	const char *message; /* a part of it */
	int owner; /* of a 409 body; 0: none expected */
};

static void test_refusals(void)
{
	static const struct refusal cases[] = {
		{ "not a prefix", "POST", "ts", "{\"prefix\": \"10.1/16\"}",
		  NULL, 400, "is not a network", 0 },
		{ "host bits", "POST", "ts", "{\"prefix\": \"10.1.0.1/16\"}",
		  NULL, 400, "bits set after the prefix length", 0 },
		{ "length over 32", "POST", "ts",
		  "{\"prefix\": \"10.1.0.0/33\"}", NULL, 400,
		  "is not a network", 0 },
		{ "length over 128", "POST", "ts",
		  "{\"prefix\": \"2001:db8::/129\"}", NULL, 400,
		  "is not a network", 0 },
		{ "a name", "POST", "ts", "{\"prefix\": \"lan/24\"}", NULL, 400,
		  "is not a network", 0 },
		{ "prefix a number", "POST", "ts", "{\"prefix\": 10}", NULL,
		  400, "prefix: give a network", 0 },
		{ "prefixes empty", "POST", "ts", "{\"prefixes\": []}", NULL,
		  400, "prefixes: give an array of 1 to 64", 0 },
		{ "prefixes repeated", "POST", "ts",
		  "{\"prefixes\": [\"10.2.0.0/16\", \"10.2.0.0/16\"]}", NULL,
		  400, "given twice", 0 },
		{ "bad one in a list", "POST", "ts",
		  "{\"prefixes\": [\"10.2.0.0/16\", \"10.3.0.1/16\"]}", NULL,
		  400, "prefixes[1]", 0 },
		{ "prefix and prefixes", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"prefixes\": "
		  "[\"10.3.0.0/16\"]}",
		  NULL, 400, "give one of prefix and prefixes", 0 },
		{ "neither", "POST", "ts", "{\"owner\": 2}", NULL, 400,
		  "give one of prefix and prefixes", 0 },
		{ "unknown owner", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"owner\": 9}", NULL, 400,
		  "owner: member 9 is not configured", 0 },
		{ "owner out of range", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"owner\": 16}", NULL, 400,
		  "owner: give a member id", 0 },
		{ "SPI reserved", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"spi\": 7}", NULL, 400,
		  "SPI 7 is reserved", 0 },
		{ "lifetime negative", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"lifetime_s\": -1}", NULL,
		  400, "lifetime_s", 0 },
		{ "unknown field", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"port\": 80}", NULL, 400,
		  "unknown field \"port\"", 0 },
		{ "bad JSON", "POST", "ts", "{\"prefix\": ", NULL, 400,
		  "malformed JSON", 0 },
		{ "no token", "POST", "ts", "{\"prefix\": \"10.2.0.0/16\"}", "",
		  401, "Authorization", 0 },
		{ "delete without token", "DELETE", "ts?prefix=10.1.0.0/16",
		  NULL, "", 401, "Authorization", 0 },
		{ "delete without prefix", "DELETE", "ts", NULL, NULL, 400,
		  "missing query parameter \"prefix\"", 0 },
		{ "delete unknown", "DELETE", "ts?prefix=10.9.0.0/16", NULL,
		  NULL, 404, "no selector registered for 10.9.0.0/16", 0 },
		{ "delete a longer one", "DELETE", "ts?prefix=10.1.7.0/24",
		  NULL, NULL, 404, "no selector registered", 0 },
		{ "delete another owner's", "DELETE",
		  "ts?prefix=10.1.0.0/16&owner=1", NULL, NULL, 409,
		  "registered to member 2 now, not 1", 2 },
		{ "delete another SA's", "DELETE",
		  "ts?prefix=10.1.0.0/16&spi=4096", NULL, NULL, 409,
		  "registered for SPI 0x00002000 now, not 0x00001000", 2 },
		{ "list bad prefix", "GET", "ts?prefix=10.1.0.1/16", NULL, NULL,
		  400, "bits set after", 0 },
		{ "list unknown", "GET", "ts?prefix=10.9.0.0/16", NULL, NULL,
		  404, "no selector registered", 0 },
		{ "PUT", "PUT", "ts", "{\"prefix\": \"10.2.0.0/16\"}", NULL,
		  405, "not allowed", 0 },
		{ "peer not an address", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"peer\": \"10.0.1\"}", NULL,
		  400, "peer: give an IPv4 or IPv6 address", 0 },
		{ "peer a prefix", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"peer\": \"10.0.1.0/24\"}",
		  NULL, 400, "peer: give an IPv4 or IPv6 address", 0 },
		{ "peer a number", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"peer\": 167772418}", NULL,
		  400, "peer: give an IPv4 or IPv6 address", 0 },
		{ "peer empty", "POST", "ts",
		  "{\"prefix\": \"10.2.0.0/16\", \"peer\": \"\"}", NULL, 400,
		  "peer: give an IPv4 or IPv6 address", 0 },
		{ "peer on delete", "DELETE",
		  "ts?prefix=10.1.0.0/16&peer=10.0.1.8", NULL, NULL, 400,
		  "unknown query parameter \"peer\"", 0 },
		{ "receive on unknown iface", "POST", "receive-packet",
		  "{\"iface\": \"nosuch0\", \"frame_hex\": "
		  "\"0200000001010200000000aa0800\"}",
		  NULL, 404, "no interface nosuch0", 0 },
		{ "receive on bad iface name", "POST", "receive-packet",
		  "{\"iface\": \"a/b\", \"frame_hex\": "
		  "\"0200000001010200000000aa0800\"}",
		  NULL, 400, "iface: give an interface name", 0 },
	};
	struct snapshot before, after;
	struct reply r;

	lab_reset();
	CU_ASSERT_EQUAL(http_json("POST", "ts",
				  "{\"prefix\": \"10.1.0.0/16\", \"owner\": 2, "
				  "\"spi\": 8192}",
				  &r),
			201);
	reply_free(&r);
	lab.ts_changed = 0;
	snap_take(&before);
	CU_ASSERT_EQUAL(before.nr_ts, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct refusal *c = &cases[i];
		long status = http_request(&(struct req){ .method = c->method,
							  .path = c->path,
							  .body = c->body,
							  .token = c->token },
					   &r);
		const char *msg = jstr(&r, "error.message");

		if (status != c->status || !msg || !strstr(msg, c->message))
			fprintf(stderr, "\n  %s: %ld %s\n", c->name, status,
				r.body);
		CU_ASSERT_EQUAL(status, c->status);
		CU_ASSERT(msg && strstr(msg, c->message));
		if (c->owner)
			CU_ASSERT_EQUAL(jint(&r, "owner.member"), c->owner);
		reply_free(&r);
		snap_take(&after);
		if (!snap_same(&before, &after))
			fprintf(stderr, "\n  %s changed the maps\n", c->name);
		CU_ASSERT(snap_same(&before, &after));
	}
	CU_ASSERT_EQUAL(lab.ts_changed, 0);
	CU_ASSERT_EQUAL(lab.ts_deleted, 0);

	/* Not attached on lo: receive-packet refuses the iface. */
	CU_ASSERT_EQUAL(inside_frame("lo", "10.1.2.3", &r), 404);
	CU_ASSERT(strstr(jstr(&r, "error.message"), "not attached") != NULL);
	reply_free(&r);

	/* No local member: an owner must be given. */
	{
		struct ikefwd_config cfg;
		uint32_t zero = 0;

		CU_ASSERT_FATAL(
			!bpf_map_lookup_elem(lab.m.config, &zero, &cfg));
		cfg.local_member = 0;
		CU_ASSERT_FATAL(
			!bpf_map_update_elem(lab.m.config, &zero, &cfg, 0));
		snap_take(&before);
		CU_ASSERT_EQUAL(http_json("POST", "ts",
					  "{\"prefix\": \"10.2.0.0/16\"}", &r),
				409);
		CU_ASSERT(strstr(jstr(&r, "error.message"), "give owner") !=
			  NULL);
		reply_free(&r);
		snap_take(&after);
		CU_ASSERT(snap_same(&before, &after));
	}
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "ts: register, steer, move, delete",
		  test_register_and_steer },
		{ "receive-packet without iface", test_receive_outside },
		{ "ts: the peer's segment (ha-sync)", test_peer_segment },
		{ "ts: refusals change nothing", test_refusals },
	};

	return lab_main("api_ts", tests, ARRAY_SIZE(tests));
}
