// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The IKE SA endpoint (ike-sa, api/ep_ike_sa.c, docs/api.md) end to end, in
 * the lab of test_api_lab.h, and the table rules it brings (lib/table.h,
 * bpf/owner.h) through the loaded program (receive-packet runs the real
 * XDP program with BPF_PROG_TEST_RUN):
 *  - a registration is the (cookie, 0) entry with "registered", steering
 *    the IKE SA's exchanges to its owner;
 *  - it never expires by idle time, where a claim of the same age does;
 *  - a packet that beats it creates no state; it replaces any guess (an
 *    established claim) for the key;
 *  - between registrations the newer wins, an older one is refused;
 *  - removal only of the registration of the owner named;
 *  - every refusal changes nothing (map snapshots) and calls no hook.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "pktbuild.h"
#include "test_api_lab.h"

#define NSEC_PER_SEC 1000000000ULL
#define C1 "1111111111111111"

static void ike_frame(struct pkt *p, uint64_t ispi, uint32_t msgid)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
	pkt_udp(p, 500, 500);
	pkt_ike(p, &(struct pkt_ike){ .ispi = ispi,
				      .rspi = 0x99,
				      .version = PKT_IKEV2,
				      .exchange = msgid ? 37 : 36,
				      .msgid = msgid,
				      .payload_len = 64 });
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

/* Runs the frame through the loaded program (receive-packet): the member
 * it went to (owner.member; 0 for none) and the counter that moved. */
static void expect_ike(uint64_t ispi, uint32_t msgid, const char *action,
		       int owner, const char *counter)
{
	struct reply r;
	struct pkt p;
	char *body, *o;

	ike_frame(&p, ispi, msgid);
	body = malloc(2 * p.len + 32);
	CU_ASSERT_FATAL(body != NULL);
	o = body + sprintf(body, "{\"frame_hex\": \"");
	for (size_t i = 0; i < p.len; i++)
		o += sprintf(o, "%02x", p.buf[i]);
	strcpy(o, "\"}");
	CU_ASSERT_EQUAL_FATAL(http_json("POST", "receive-packet", body, &r),
			      200);
	free(body);
	if (strcmp(jstr(&r, "action"), action) ||
	    jint(&r, "owner.member") != owner)
		fprintf(stderr, "\n  %016llx/%u: want %s to %d, got %s\n",
			(unsigned long long)ispi, msgid, action, owner, r.body);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), action);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), owner);
	if (counter) {
		json_t *c = json_object_get(jget(&r, "counters"), counter);

		if (json_integer_value(c) != 1)
			fprintf(stderr, "\n  counter %s: %s\n", counter,
				r.body);
		CU_ASSERT_EQUAL(json_integer_value(c), 1);
	}
	reply_free(&r);
}

static bool has_flag(const json_t *entry, const char *name)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(entry, "flags"), i,
			   f) if (json_is_string(f) &&
				  !strcmp(json_string_value(f),
					  name)) return true;
	return false;
}

static void put_entry(uint64_t ispi, uint32_t msgid, uint32_t owner,
		      uint32_t flags, int64_t age_s, int64_t created_s)
{
	struct ikefwd_key k = key(ispi, msgid);
	uint64_t now = ikefwd_now_ns();
	struct ikefwd_entry e = {
		.owner = owner,
		.flags = flags,
		.last_seen_ns = now - age_s * (int64_t)NSEC_PER_SEC,
		.created_ns = now + created_s * (int64_t)NSEC_PER_SEC,
	};

	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.table, &k, &e, BPF_ANY));
}

static void test_register_and_route(void)
{
	struct ikefwd_entry e;
	struct reply r;
	json_t *s;

	lab_reset();
	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"" C1 "\", \"owner\": 2}", &r),
			201);
	s = jget(&r, "ike_sa");
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "cookie")),
			       C1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s, "msg_id")), 0);
	CU_ASSERT(has_flag(s, "registered"));
	CU_ASSERT(json_is_null(jget(&r, "replaced")));
	reply_free(&r);
	CU_ASSERT_EQUAL(lab.changed, 1);
	CU_ASSERT_FATAL(entry(K1, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, 2);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_REGISTERED);

	/* The local member by default. */
	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"2222222222222222\"}", &r),
			201);
	CU_ASSERT_EQUAL(jint(&r, "ike_sa.owner.member"), 1);
	CU_ASSERT(json_is_true(jget(&r, "ike_sa.local")));
	reply_free(&r);
	/* A claim is not a registration: not listed. */
	entry_add(K3, 0, 3);

	CU_ASSERT_EQUAL(http_get("ike-sa", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 2);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(
			json_array_get(jget(&r, "ike_sas"), 0), "cookie")),
		C1);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("ike-sa?owner=2", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 1);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("ike-sa?owner=3", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 0);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("ike-sa?cookie=" C1, &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 1);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("ike-sa?cookie=3333333333333333", &r), 404);
	reply_free(&r);

	/* Its exchanges go to its owner: the first on the IKE SA (a rekeyed
	 * IKE SA starts at 0) and the later ones through the Phase-1 rule. */
	expect_ike(K1, 0, "forwarded", 2, NULL);
	expect_ike(K1, 4, "phase2_fallback", 2, "phase2_fallback");
}

/* An idle registration stays; an idle claim is taken over. */
static void test_no_idle_expiry(void)
{
	struct ikefwd_entry e;
	struct reply r;

	lab_reset();
	put_entry(K1, 0, 2, IKEFWD_F_REGISTERED | IKEFWD_F_IKEV2, 100000, 0);
	put_entry(K2, 0, 2, IKEFWD_F_CLAIMED | IKEFWD_F_IKEV2, 100000, 0);
	expect_ike(K1, 0, "forwarded", 2, NULL);
	CU_ASSERT_FATAL(entry(K1, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, 2);
	CU_ASSERT(e.flags & IKEFWD_F_REGISTERED);
	/* The same age without the flag: expired, taken over here. */
	expect_ike(K2, 0, "taken_over", 1, "expired");

	/* The API shows a registration's remaining time as never running
	 * down. */
	CU_ASSERT_EQUAL(http_get("ike-sa?cookie=" C1, &r), 200);
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(
			json_array_get(jget(&r, "ike_sas"), 0), "remaining_s")),
		120);
	reply_free(&r);
}

/* A packet on a rekeyed IKE SA that beats the registration creates no
 * state (it does not start a negotiation): handled here. The registration
 * then decides, and replaces an established entry that was only a guess
 * (a claim, an operator's entry) for the key. */
static void test_overrides_guesses(void)
{
	struct reply r;

	lab_reset();
	/* Before: not a start, unknown: handled here, nothing created. */
	expect_ike(K1, 0, "unclaimed", 1, "unclaimed");
	expect_ike(K1, 3, "unclaimed", 1, "unclaimed");
	CU_ASSERT_EQUAL(entry(K1, 0, &(struct ikefwd_entry){ 0 }), -ENOENT);

	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"" C1 "\", \"owner\": 2}", &r),
			201);
	CU_ASSERT(json_is_null(jget(&r, "replaced")));
	reply_free(&r);
	/* The retransmission and every later exchange go to the owner. */
	expect_ike(K1, 0, "forwarded", 2, NULL);
	expect_ike(K1, 3, "phase2_fallback", 2, "phase2_fallback");

	/* An established claim by member 3 for the key: replaced. */
	put_entry(K2, 0, 3, IKEFWD_F_CLAIMED | IKEFWD_F_IKEV2, 0, 0);
	expect_ike(K2, 4, "phase2_fallback", 3, NULL);
	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"2222222222222222\", "
				  "\"owner\": 1}",
				  &r),
			201);
	CU_ASSERT_EQUAL(jint(&r, "replaced.owner.member"), 3);
	CU_ASSERT(has_flag(jget(&r, "replaced"), "claimed"));
	reply_free(&r);
	expect_ike(K2, 4, "phase2_fallback", 1, NULL);
}

/* Between registrations of one cookie the newer wins; the same owner
 * saying it again is a refresh (200). */
static void test_newer_wins(void)
{
	struct snapshot before, after;
	struct ikefwd_entry e;
	struct reply r;

	lab_reset();
	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"" C1 "\", \"owner\": 2}", &r),
			201);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"" C1 "\", \"owner\": 2}", &r),
			200);
	CU_ASSERT(json_is_null(jget(&r, "replaced")));
	reply_free(&r);
	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"" C1 "\", \"owner\": 3}", &r),
			201);
	CU_ASSERT_EQUAL(jint(&r, "replaced.owner.member"), 3 - 1);
	reply_free(&r);
	CU_ASSERT_FATAL(entry(K1, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, 3);

	/* A registration stamped after now (a peer's clock ahead) is newer
	 * than this request: refused, nothing changed. */
	put_entry(K2, 0, 2, IKEFWD_F_REGISTERED, 0, 30);
	lab.changed = 0;
	snap_take(&before);
	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"2222222222222222\", "
				  "\"owner\": 3}",
				  &r),
			409);
	CU_ASSERT(strstr(jstr(&r, "error.message"), "newer registration") !=
		  NULL);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 2);
	reply_free(&r);
	snap_take(&after);
	CU_ASSERT(snap_same(&before, &after));
	CU_ASSERT_EQUAL(lab.changed, 0);
}

static void test_unregister(void)
{
	struct snapshot before, after;
	struct ikefwd_entry e;
	struct reply r;

	lab_reset();
	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"" C1 "\", \"owner\": 2}", &r),
			201);
	reply_free(&r);
	entry_add(K2, 0, 2);

	/* Another member's registration: 409, it stays. */
	snap_take(&before);
	CU_ASSERT_EQUAL(http_json("DELETE", "ike-sa?cookie=" C1 "&owner=3",
				  NULL, &r),
			409);
	CU_ASSERT_EQUAL(jint(&r, "owner.member"), 2);
	reply_free(&r);
	/* A claim is not a registration: 404, it stays. */
	CU_ASSERT_EQUAL(http_json("DELETE", "ike-sa?cookie=2222222222222222",
				  NULL, &r),
			404);
	reply_free(&r);
	snap_take(&after);
	CU_ASSERT(snap_same(&before, &after));
	CU_ASSERT_EQUAL(lab.ike_unregistered, 0);

	CU_ASSERT_EQUAL(http_json("DELETE", "ike-sa?cookie=" C1 "&owner=2",
				  NULL, &r),
			200);
	CU_ASSERT_EQUAL(jint(&r, "deleted"), 1);
	reply_free(&r);
	CU_ASSERT_EQUAL(entry(K1, 0, &e), -ENOENT);
	CU_ASSERT_EQUAL(lab.ike_unregistered, 1);
	CU_ASSERT_EQUAL(lab.ike_unreg_owner, 2);
	CU_ASSERT_EQUAL(http_json("DELETE", "ike-sa?cookie=" C1, NULL, &r),
			404);
	reply_free(&r);

	/* Without owner: whoever's. */
	CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
				  "{\"cookie\": \"" C1 "\", \"owner\": 3}", &r),
			201);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_json("DELETE", "ike-sa?cookie=" C1, NULL, &r),
			200);
	reply_free(&r);
	CU_ASSERT_EQUAL(lab.ike_unreg_owner, 3);
}

struct refusal {
	const char *name, *method, *path, *body, *token;
	long status;
	const char *message;
	int owner; /* owner.member of a 409, 0: not checked */
};

static void test_refusals(void)
{
	static const struct refusal cases[] = {
		{ "no cookie", "POST", "ike-sa", "{\"owner\": 2}", NULL, 400,
		  "missing field \"cookie\"", 0 },
		{ "short cookie", "POST", "ike-sa", "{\"cookie\": \"1111\"}",
		  NULL, 400, "cookie", 0 },
		{ "cookie not hex", "POST", "ike-sa",
		  "{\"cookie\": \"111111111111111g\"}", NULL, 400, "cookie",
		  0 },
		{ "cookie a number", "POST", "ike-sa", "{\"cookie\": 17}", NULL,
		  400, "cookie", 0 },
		{ "zero cookie", "POST", "ike-sa",
		  "{\"cookie\": \"0000000000000000\"}", NULL, 400,
		  "zero is not an initiator SPI", 0 },
		{ "msg_id given", "POST", "ike-sa",
		  "{\"cookie\": \"" C1 "\", \"msg_id\": 1}", NULL, 400,
		  "unknown field \"msg_id\"", 0 },
		{ "unknown owner", "POST", "ike-sa",
		  "{\"cookie\": \"" C1 "\", \"owner\": 9}", NULL, 400,
		  "owner: member 9 is not configured", 0 },
		{ "owner out of range", "POST", "ike-sa",
		  "{\"cookie\": \"" C1 "\", \"owner\": 16}", NULL, 400,
		  "owner: give a member id", 0 },
		{ "owner as a string", "POST", "ike-sa",
		  "{\"cookie\": \"" C1 "\", \"owner\": \"2\"}", NULL, 400,
		  "owner", 0 },
		{ "bad JSON", "POST", "ike-sa", "{\"cookie\": ", NULL, 400,
		  "malformed JSON", 0 },
		{ "no body", "POST", "ike-sa", NULL, NULL, 400,
		  "needs a JSON object", 0 },
		{ "older than the registration there", "POST", "ike-sa",
		  "{\"cookie\": \"2222222222222222\", \"owner\": 3}", NULL, 409,
		  "newer registration by member 2", 2 },
		{ "no token", "POST", "ike-sa", "{\"cookie\": \"" C1 "\"}", "",
		  401, "Authorization", 0 },
		{ "wrong token", "POST", "ike-sa", "{\"cookie\": \"" C1 "\"}",
		  "not-the-token", 401, "", 0 },
		{ "delete without token", "DELETE",
		  "ike-sa?cookie=2222222222222222", NULL, "", 401,
		  "Authorization", 0 },
		{ "delete without cookie", "DELETE", "ike-sa?owner=2", NULL,
		  NULL, 400, "missing query parameter \"cookie\"", 0 },
		{ "delete bad cookie", "DELETE", "ike-sa?cookie=22", NULL, NULL,
		  400, "cookie", 0 },
		{ "delete unknown owner", "DELETE",
		  "ike-sa?cookie=2222222222222222&owner=9", NULL, NULL, 400,
		  "owner: member 9 is not configured", 0 },
		{ "delete another member's", "DELETE",
		  "ike-sa?cookie=2222222222222222&owner=3", NULL, NULL, 409,
		  "registered by member 2, not 3", 2 },
		{ "delete a claim", "DELETE", "ike-sa?cookie=3333333333333333",
		  NULL, NULL, 404, "no IKE SA registered", 0 },
		{ "delete nothing", "DELETE", "ike-sa?cookie=4444444444444444",
		  NULL, NULL, 404, "no IKE SA registered", 0 },
		{ "delete with msg_id", "DELETE",
		  "ike-sa?cookie=2222222222222222&msg_id=0", NULL, NULL, 400,
		  "unknown query parameter \"msg_id\"", 0 },
		{ "list bad owner", "GET", "ike-sa?owner=0", NULL, NULL, 400,
		  "owner", 0 },
		{ "list unknown", "GET", "ike-sa?cookie=3333333333333333", NULL,
		  NULL, 404, "no IKE SA registered", 0 },
		{ "PUT", "PUT", "ike-sa", "{\"cookie\": \"" C1 "\"}", NULL, 405,
		  "not allowed", 0 },
	};
	struct snapshot before, after;
	struct reply r;

	lab_reset();
	/* A registration by member 2 stamped ahead of this clock, and a
	 * claim by member 3. */
	put_entry(K2, 0, 2, IKEFWD_F_REGISTERED, 0, 30);
	put_entry(K3, 0, 3, IKEFWD_F_CLAIMED, 0, 0);
	snap_take(&before);
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
	CU_ASSERT_EQUAL(lab.changed, 0);
	CU_ASSERT_EQUAL(lab.deleted, 0);
	CU_ASSERT_EQUAL(lab.ike_unregistered, 0);

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
		CU_ASSERT_EQUAL(http_json("POST", "ike-sa",
					  "{\"cookie\": \"" C1 "\"}", &r),
				409);
		CU_ASSERT(strstr(jstr(&r, "error.message"), "give owner") !=
			  NULL);
		reply_free(&r);
		snap_take(&after);
		CU_ASSERT(snap_same(&before, &after));
		CU_ASSERT_EQUAL(lab.changed, 0);
	}
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "ike-sa: register, list, route", test_register_and_route },
		{ "ike-sa: no idle expiry", test_no_idle_expiry },
		{ "ike-sa: replaces guesses; later exchanges follow",
		  test_overrides_guesses },
		{ "ike-sa: the newer registration wins", test_newer_wins },
		{ "ike-sa: unregister only the owner's", test_unregister },
		{ "ike-sa: refusals change nothing", test_refusals },
	};

	return lab_main("api_ike_sa", tests, ARRAY_SIZE(tests));
}
