// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The inbound SA endpoint (sa, api/ep_sa.c, docs/api.md) end to end, in
 * the lab of test_api_lab.h: registrations land in the pinned ikefwd_sa
 * and steer the ESP the loaded program receives; every refusal changes
 * nothing (a snapshot of the maps, SA table included, before and after);
 * listing, filters, lifetimes and deletion; the SA change hook.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "ikefwd/sa.h"
#include "pktbuild.h"
#include "test_api_lab.h"

#define NSEC_PER_SEC 1000000000ULL

static void esp_steering_on(void)
{
	struct ikefwd_config cfg;
	uint32_t zero = 0;

	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.config, &zero, &cfg));
	cfg.flags |= IKEFWD_CFG_ESP_STEERING;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.config, &zero, &cfg, 0));
}

/* Member 2 allocates its SPIs from [0x20000000, 0x2fffffff], member 3
 * from [0x30000000, 0x3fffffff]. */
static void ranges_set(void)
{
	struct ikefwd_spi_range r[2] = {
		{ .min = 0x20000000, .max = 0x2fffffff, .owner = 2 },
		{ .min = 0x30000000, .max = 0x3fffffff, .owner = 3 },
	};
	struct ikefwd_config cfg;
	uint32_t zero = 0;

	for (uint32_t i = 0; i < 2; i++)
		CU_ASSERT_FATAL(
			!bpf_map_update_elem(lab.m.spi_ranges, &i, &r[i], 0));
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.config, &zero, &cfg));
	cfg.nr_spi_ranges = 2;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.config, &zero, &cfg, 0));
}

static int sa_get(uint32_t spi, struct ikefwd_sa *sa)
{
	return bpf_map_lookup_elem(lab.m.sa, &spi, sa) ? -errno : 0;
}

/* Native ESP with spi through receive-packet: its verdict, action and the
 * member that got it (0: nobody). */
static void expect_esp(uint32_t spi, const char *verdict, int owner,
		       const char *counter)
{
	char *body, *o;
	struct reply r;
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_esp(&p, spi, 1, 32);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	body = malloc(2 * p.len + 32);
	CU_ASSERT_FATAL(body != NULL);
	o = body + sprintf(body, "{\"frame_hex\": \"");
	for (size_t i = 0; i < p.len; i++)
		o += sprintf(o, "%02x", p.buf[i]);
	strcpy(o, "\"}");
	CU_ASSERT_EQUAL_FATAL(http_json("POST", "receive-packet", body, &r),
			      200);
	free(body);
	CU_ASSERT_STRING_EQUAL(jstr(&r, "action"), "esp");
	CU_ASSERT_STRING_EQUAL(jstr(&r, "verdict"), verdict);
	if (owner) {
		CU_ASSERT_EQUAL(jint(&r, "owner.member"), owner);
	} else {
		CU_ASSERT(json_is_null(jget(&r, "owner")));
	}
	/* Counters that did not move are not there. */
	CU_ASSERT_EQUAL(json_integer_value(jget(&r, "counters.esp_by_table")),
			strcmp(counter, "esp_unknown") &&
				strcmp(counter, "esp_by_range"));
	CU_ASSERT(json_integer_value(
			  json_object_get(jget(&r, "counters"), counter)) == 1);
	reply_free(&r);
}

static void test_register_and_steer(void)
{
	struct ikefwd_sa sa;
	struct reply r;
	json_t *s;

	lab_reset();
	esp_steering_on();
	expect_esp(0x1000, "XDP_PASS", 0, "esp_unknown");

	/* Owned by a peer: the map holds it, its ESP goes there. */
	CU_ASSERT_EQUAL(http_json("POST", "sa", "{\"spi\": 4096, \"owner\": 2}",
				  &r),
			201);
	CU_ASSERT_EQUAL_FATAL(json_array_size(jget(&r, "sas")), 1);
	s = json_array_get(jget(&r, "sas"), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s, "spi")), 4096);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "spi_hex")),
			       "0x00001000");
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_object_get(s, "owner"), "member")),
			2);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(
				       json_object_get(s, "owner"), "address")),
			       "10.0.0.2");
	CU_ASSERT(json_is_false(json_object_get(s, "local")));
	CU_ASSERT(json_is_null(json_object_get(s, "remaining_s")));
	CU_ASSERT_STRING_EQUAL(json_string_value(json_array_get(
				       json_object_get(s, "flags"), 0)),
			       "registered");
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(sa_get(0x1000, &sa), 0);
	CU_ASSERT_EQUAL(sa.owner, 2);
	CU_ASSERT_EQUAL(sa.flags, IKEFWD_SA_F_REGISTERED);
	CU_ASSERT_EQUAL(sa.expires_ns, 0);
	CU_ASSERT(sa.created_ns > 0);
	CU_ASSERT_EQUAL(lab.sa_changed, 1);
	CU_ASSERT_EQUAL(lab.sa_last_spi, 0x1000);
	expect_esp(0x1000, "XDP_REDIRECT", 2, "esp_forwarded");

	/* Several at once, owner left out: the local member's. */
	CU_ASSERT_EQUAL(http_json("POST", "sa",
				  "{\"spis\": [8192, 4294967295]}", &r),
			201);
	CU_ASSERT_EQUAL(json_array_size(jget(&r, "sas")), 2);
	s = json_array_get(jget(&r, "sas"), 1);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(s, "spi_hex")),
			       "0xffffffff");
	CU_ASSERT(json_is_true(json_object_get(s, "local")));
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(sa_get(0x2000, &sa), 0);
	CU_ASSERT_EQUAL(sa.owner, 1);
	CU_ASSERT_EQUAL_FATAL(sa_get(0xffffffff, &sa), 0);
	CU_ASSERT_EQUAL(sa.owner, 1);
	CU_ASSERT_EQUAL(lab.sa_changed, 3);
	expect_esp(0x2000, "XDP_PASS", 1, "esp_local");

	/* Deleted: the ESP is nobody's again. */
	CU_ASSERT_EQUAL(http_request(&(struct req){ .method = "DELETE",
						    .path = "sa?spi=4096" },
				     &r),
			200);
	CU_ASSERT_EQUAL(jint(&r, "deleted"), 1);
	reply_free(&r);
	CU_ASSERT_EQUAL(sa_get(0x1000, &sa), -ENOENT);
	CU_ASSERT_EQUAL(lab.sa_deleted, 1);
	CU_ASSERT_EQUAL(lab.sa_last_spi, 0x1000);
	expect_esp(0x1000, "XDP_PASS", 0, "esp_unknown");
	CU_ASSERT_EQUAL(http_request(&(struct req){ .method = "DELETE",
						    .path = "sa?spi=4096" },
				     &r),
			404);
	CU_ASSERT(strstr(jstr(&r, "error.message"), "0x00001000") != NULL);
	reply_free(&r);
	CU_ASSERT_EQUAL(lab.sa_deleted, 1);
}

static void test_ranges(void)
{
	struct ikefwd_sa sa;
	struct reply r;

	lab_reset();
	esp_steering_on();
	ranges_set();
	/* Inside the owner's own range: allowed. */
	CU_ASSERT_EQUAL(http_json("POST", "sa",
				  "{\"spi\": 536870913, \"owner\": 2}", &r),
			201);
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(sa_get(0x20000001, &sa), 0);
	CU_ASSERT_EQUAL(sa.owner, 2);
	expect_esp(0x20000001, "XDP_REDIRECT", 2, "esp_forwarded");
	/* An SPI nobody registered: the range decides (another member's
	 * range is refused: test_refusals). */
	expect_esp(0x30000005, "XDP_REDIRECT", 3, "esp_by_range");
}

static void test_list_and_lifetime(void)
{
	struct ikefwd_sa sa;
	struct reply r;
	json_t *s;

	lab_reset();
	CU_ASSERT_EQUAL(http_get("sa", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 0);
	CU_ASSERT_EQUAL(json_array_size(jget(&r, "sas")), 0);
	reply_free(&r);

	CU_ASSERT_EQUAL(http_json("POST", "sa",
				  "{\"spis\": [70000, 300], \"owner\": 3, "
				  "\"lifetime_s\": 60}",
				  &r),
			201);
	s = json_array_get(jget(&r, "sas"), 0);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(s, "remaining_s")),
			60);
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(sa_get(300, &sa), 0);
	CU_ASSERT(sa.expires_ns > sa.created_ns + 59 * NSEC_PER_SEC);
	CU_ASSERT(sa.expires_ns <= sa.created_ns + 60 * NSEC_PER_SEC);
	CU_ASSERT_EQUAL(http_json("POST", "sa", "{\"spi\": 5000, \"owner\": 2}",
				  &r),
			201);
	reply_free(&r);

	/* All, in SPI order. */
	CU_ASSERT_EQUAL(http_get("sa", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 3);
	CU_ASSERT_EQUAL_FATAL(json_array_size(jget(&r, "sas")), 3);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_array_get(jget(&r, "sas"), 0), "spi")),
			300);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_array_get(jget(&r, "sas"), 2), "spi")),
			70000);
	s = json_array_get(jget(&r, "sas"), 0);
	CU_ASSERT(json_integer_value(json_object_get(s, "remaining_s")) >= 59);
	CU_ASSERT(json_integer_value(json_object_get(s, "remaining_s")) <= 60);
	reply_free(&r);

	/* Filters. */
	CU_ASSERT_EQUAL(http_get("sa?owner=3", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 2);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("sa?owner=1", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 0);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("sa?spi=5000", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 1);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_array_get(jget(&r, "sas"), 0), "spi")),
			5000);
	CU_ASSERT(json_is_null(json_object_get(
		json_array_get(jget(&r, "sas"), 0), "remaining_s")));
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("sa?spi=5000&owner=3", &r), 200);
	CU_ASSERT_EQUAL(jint(&r, "total"), 0);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_get("sa?spi=5001", &r), 404);
	reply_free(&r);

	/* An expired registration steers nothing, shows a negative
	 * remaining_s, and a new one replaces it. */
	CU_ASSERT_EQUAL_FATAL(sa_get(300, &sa), 0);
	sa.expires_ns = sa.created_ns;
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.sa, &(uint32_t){ 300 }, &sa,
					     BPF_EXIST));
	CU_ASSERT_EQUAL(http_get("sa?spi=300", &r), 200);
	CU_ASSERT(json_integer_value(json_object_get(
			  json_array_get(jget(&r, "sas"), 0), "remaining_s")) <
		  0);
	reply_free(&r);
	CU_ASSERT_EQUAL(http_json("POST", "sa", "{\"spi\": 300, \"owner\": 2}",
				  &r),
			201);
	reply_free(&r);
	CU_ASSERT_EQUAL_FATAL(sa_get(300, &sa), 0);
	CU_ASSERT_EQUAL(sa.owner, 2);
	CU_ASSERT_EQUAL(sa.expires_ns, 0);
}

struct sa_refusal {
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
	static const struct sa_refusal cases[] = {
		{ "SPI 0", "POST", "sa", "{\"spi\": 0}", NULL, 400,
		  "SPI 0 is not valid", 0 },
		{ "SPI 100", "POST", "sa", "{\"spi\": 100}", NULL, 400,
		  "SPI 100 is reserved", 0 },
		{ "SPI 255 in a list", "POST", "sa", "{\"spis\": [4096, 255]}",
		  NULL, 400, "spis[1]: SPI 255 is reserved", 0 },
		{ "SPI over 32 bits", "POST", "sa", "{\"spi\": 4294967296}",
		  NULL, 400, "spi: give an SPI from 256", 0 },
		{ "SPI negative", "POST", "sa", "{\"spi\": -5}", NULL, 400,
		  "spi: give an SPI", 0 },
		{ "SPI as a string", "POST", "sa", "{\"spi\": \"4096\"}", NULL,
		  400, "spi: give an SPI", 0 },
		{ "spis empty", "POST", "sa", "{\"spis\": []}", NULL, 400,
		  "spis: give an array of 1 to 64", 0 },
		{ "spis not an array", "POST", "sa", "{\"spis\": 4096}", NULL,
		  400, "spis: give an array", 0 },
		{ "spis repeated", "POST", "sa", "{\"spis\": [4096, 4096]}",
		  NULL, 400, "given twice", 0 },
		{ "spi and spis", "POST", "sa",
		  "{\"spi\": 4096, \"spis\": [8192]}", NULL, 400,
		  "give one of spi and spis", 0 },
		{ "neither", "POST", "sa", "{\"owner\": 2}", NULL, 400,
		  "give one of spi and spis", 0 },
		{ "unknown owner", "POST", "sa",
		  "{\"spi\": 4096, \"owner\": 9}", NULL, 400,
		  "owner: member 9 is not configured", 0 },
		{ "owner out of range", "POST", "sa",
		  "{\"spi\": 4096, \"owner\": 16}", NULL, 400,
		  "owner: give a member id", 0 },
		{ "lifetime negative", "POST", "sa",
		  "{\"spi\": 4096, \"lifetime_s\": -1}", NULL, 400,
		  "lifetime_s", 0 },
		{ "unknown field", "POST", "sa",
		  "{\"spi\": 4096, \"msg_id\": 1}", NULL, 400,
		  "unknown field \"msg_id\"", 0 },
		{ "bad JSON", "POST", "sa", "{\"spi\": ", NULL, 400,
		  "malformed JSON", 0 },
		{ "no body", "POST", "sa", NULL, NULL, 400,
		  "needs a JSON object", 0 },
		{ "duplicate", "POST", "sa", "{\"spi\": 1000000, \"owner\": 3}",
		  NULL, 409, "registered already, owned by member 2", 2 },
		{ "duplicate among new ones", "POST", "sa",
		  "{\"spis\": [4096, 8192, 1000000]}", NULL, 409,
		  "SPI 1000000 (0x000f4240) is registered already", 2 },
		{ "inside another member's range", "POST", "sa",
		  "{\"spi\": 805306369, \"owner\": 2}", NULL, 409,
		  "inside member 3's SPI range", 3 },
		{ "inside a range, local owner", "POST", "sa",
		  "{\"spis\": [4096, 536870912]}", NULL, 409,
		  "inside member 2's SPI range", 2 },
		{ "no token", "POST", "sa", "{\"spi\": 4096}", "", 401,
		  "Authorization", 0 },
		{ "delete without token", "DELETE", "sa?spi=1000000", NULL, "",
		  401, "Authorization", 0 },
		{ "delete without spi", "DELETE", "sa", NULL, NULL, 400,
		  "missing query parameter \"spi\"", 0 },
		{ "delete SPI 0", "DELETE", "sa?spi=0", NULL, NULL, 400,
		  "SPI 0 is not valid", 0 },
		{ "delete with owner", "DELETE", "sa?spi=1000000&owner=2", NULL,
		  NULL, 400, "unknown query parameter \"owner\"", 0 },
		{ "delete unknown", "DELETE", "sa?spi=4096", NULL, NULL, 404,
		  "no SA registered for SPI 4096", 0 },
		{ "list hex spi", "GET", "sa?spi=0x1000", NULL, NULL, 400,
		  "spi: give an SPI", 0 },
		{ "PUT", "PUT", "sa", "{\"spi\": 4096}", NULL, 405,
		  "not allowed", 0 },
	};
	struct snapshot before, after;
	struct reply r;

	lab_reset();
	ranges_set();
	CU_ASSERT_EQUAL(http_json("POST", "sa",
				  "{\"spi\": 1000000, \"owner\": 2}", &r),
			201);
	reply_free(&r);
	lab.sa_changed = 0;
	snap_take(&before);
	CU_ASSERT_EQUAL(before.nr_sas, 1);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct sa_refusal *c = &cases[i];
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
	CU_ASSERT_EQUAL(lab.sa_changed, 0);
	CU_ASSERT_EQUAL(lab.sa_deleted, 0);

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
		CU_ASSERT_EQUAL(http_json("POST", "sa", "{\"spi\": 4096}", &r),
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
		{ "sa: register, steer, delete", test_register_and_steer },
		{ "sa: SPI ranges", test_ranges },
		{ "sa: list, filters, lifetime", test_list_and_lifetime },
		{ "sa: refusals change nothing", test_refusals },
	};

	return lab_main("api_sa", tests, ARRAY_SIZE(tests));
}
