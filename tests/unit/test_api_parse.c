// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The API's request checks without a server (api/request.h): routing, the
 * order of the refusals, every argument's type and range from a query
 * string and from a body, the frame codecs, the bearer token check and the
 * IKE header walk of receive-packet. test_api runs the same through HTTP
 * on real maps; these pin the exact rules down.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "codec.h"
#include "cunit_main.h"
#include "frame.h"
#include "ikefwd/config.h"
#include "pktbuild.h"
#include "request.h"

#define BASE API_BASE
#define COOKIE "0011223344556677"

static struct api_call call;
static struct api_error err;

/* Parses and returns the status: 0 when accepted. */
static int parse(const char *method, const char *uri, const char *ctype,
		 const char *body)
{
	struct api_req req = {
		.method = method,
		.uri = uri,
		.content_type = ctype,
		.body = body ? body : "",
		.body_len = body ? strlen(body) : 0,
	};

	memset(&err, 0, sizeof(err));
	return api_parse(&req, &call, &err) ? err.status : 0;
}

static int post(const char *path, const char *body)
{
	char uri[256];

	snprintf(uri, sizeof(uri), BASE "%s", path);
	return parse("POST", uri, "application/json", body);
}

static int get(const char *path_and_query)
{
	char uri[4096];

	snprintf(uri, sizeof(uri), BASE "%s", path_and_query);
	return parse("GET", uri, NULL, NULL);
}

static void test_routes(void)
{
	CU_ASSERT_EQUAL(get("health"), 0);
	CU_ASSERT_EQUAL(call.op, OP_HEALTH);
	CU_ASSERT_EQUAL(parse("HEAD", BASE "health", NULL, NULL), 0);
	CU_ASSERT_EQUAL(parse("GET", "/metrics", NULL, NULL), 0);
	CU_ASSERT_EQUAL(call.op, OP_METRICS);
	CU_ASSERT_EQUAL(parse("DELETE", BASE "packet-tracking?flush=true", NULL,
			      NULL),
			0);
	CU_ASSERT_EQUAL(call.op, OP_TRACKING_DEL);

	/* Unknown paths, including near misses. */
	CU_ASSERT_EQUAL(get("nope"), 404);
	CU_ASSERT_EQUAL(get(""), 404);
	CU_ASSERT_EQUAL(get("health/"), 404);
	CU_ASSERT_EQUAL(get("metrics"), 404);
	CU_ASSERT_EQUAL(parse("GET", "/api/v1/cluster/ike-forwarding", NULL,
			      NULL),
			404);
	CU_ASSERT_EQUAL(parse("GET", "/health", NULL, NULL), 404);
	CU_ASSERT_EQUAL(parse("GET", "/metrics/", NULL, NULL), 404);
	CU_ASSERT_EQUAL(parse("GET", BASE "/metrics", NULL, NULL), 404);
	CU_ASSERT_EQUAL(parse("GET", BASE "/health", NULL, NULL), 404);
	CU_ASSERT_EQUAL(parse("GET", "/api/v1/cluster/ike-forwarding/health/x",
			      NULL, NULL),
			404);
	CU_ASSERT_EQUAL(parse("GET", "*", NULL, NULL), 404);
	CU_ASSERT_EQUAL(parse("GET", "", NULL, NULL), 404);

	/* Known path, other method: 405 with every method it has. */
	CU_ASSERT_EQUAL(parse("PATCH", BASE "packet-tracking", NULL, NULL),
			405);
	CU_ASSERT_STRING_EQUAL(err.allow, "GET, HEAD, POST, PUT, DELETE");
	CU_ASSERT_EQUAL(parse("POST", BASE "table-search", NULL, NULL), 405);
	CU_ASSERT_STRING_EQUAL(err.allow, "GET, HEAD");
	CU_ASSERT_EQUAL(parse("GET", BASE "take-ownership", NULL, NULL), 405);
	CU_ASSERT_STRING_EQUAL(err.allow, "POST");
	CU_ASSERT_EQUAL(parse("get", BASE "health", NULL, NULL), 405);
	CU_ASSERT_EQUAL(parse("GET", BASE "members", NULL, NULL), 0);
	CU_ASSERT_EQUAL(parse("DELETE", BASE "members", NULL, NULL), 405);
	CU_ASSERT_STRING_EQUAL(err.allow, "GET, HEAD, PUT");
	/* ha-sync: read-only, no body. */
	CU_ASSERT_EQUAL(get("ha-segments"), 0);
	CU_ASSERT_EQUAL(call.op, OP_HA_SEGMENTS);
	CU_ASSERT_EQUAL(parse("POST", BASE "ha-segments", NULL, NULL), 405);
	CU_ASSERT_STRING_EQUAL(err.allow, "GET, HEAD, PUT");
	CU_ASSERT_EQUAL(parse("PUT", BASE "ha-segments", "application/json",
			      "{\"established\": 3, \"passive\": 4}"),
			0);
	CU_ASSERT_EQUAL(call.op, OP_HA_REPORT);
	CU_ASSERT_EQUAL(call.args.established, 3);
	CU_ASSERT_EQUAL(call.args.passive, 4);
	CU_ASSERT_EQUAL(parse("PUT", BASE "ha-segments", "application/json",
			      "{\"passive\": 4}"),
			400);
	CU_ASSERT_EQUAL(get("ha-segments?segment=1"), 400);

	CU_ASSERT(api_op_writes(OP_TRACKING_DEL));
	CU_ASSERT(!api_op_writes(OP_TRACKING_LIST));
	CU_ASSERT(api_op_takes_body(OP_RECEIVE_PACKET));
	CU_ASSERT(!api_op_takes_body(OP_TRACKING_DEL));
}

static void test_uri_limits(void)
{
	char *uri = malloc(API_URI_MAX + 64);

	CU_ASSERT_FATAL(uri != NULL);
	snprintf(uri, API_URI_MAX + 64, BASE "health?");
	memset(uri + strlen(uri), 'a', API_URI_MAX);
	uri[API_URI_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(parse("GET", uri, NULL, NULL), 414);
	uri[API_URI_MAX] = '\0';
	/* At the limit: routed, then refused for what the query says. */
	CU_ASSERT_EQUAL(parse("GET", uri, NULL, NULL), 400);
	free(uri);

	CU_ASSERT_EQUAL(get("packet-tracking?offset=1&limit=2&phase=1&owner=2&"
			    "cookie=" COOKIE),
			0);
}

static void test_query_args(void)
{
	CU_ASSERT_EQUAL(get("table-search?cookie=" COOKIE "&msg_id=7"), 0);
	CU_ASSERT_EQUAL(call.args.key.msgid, 7);
	CU_ASSERT_EQUAL(call.args.key.ispi[0], 0x00);
	CU_ASSERT_EQUAL(call.args.key.ispi[7], 0x77);
	/* Upper case in, the same key. */
	CU_ASSERT_EQUAL(get("table-search?cookie=AABBCCDDEEFF0011&msg_id=0"),
			0);
	CU_ASSERT_EQUAL(call.args.key.ispi[0], 0xaa);
	/* Percent-encoding and empty pieces. */
	CU_ASSERT_EQUAL(get("table-search?&cookie=%30011223344556677&&msg_id="
			    "4294967295&"),
			0);
	CU_ASSERT_EQUAL(call.args.key.msgid, 4294967295u);

	CU_ASSERT_EQUAL(get("table-search?cookie=" COOKIE), 400);
	CU_ASSERT_STRING_EQUAL(err.message,
			       "missing query parameter \"msg_id\"");
	CU_ASSERT_EQUAL(get("table-search?cookie=" COOKIE "&msg_id=1&x=1"),
			400);
	CU_ASSERT_STRING_EQUAL(err.message, "unknown query parameter \"x\"");
	CU_ASSERT_EQUAL(get("table-search?cookie=" COOKIE
			    "&msg_id=1&cookie=" COOKIE),
			400);
	CU_ASSERT_STRING_EQUAL(err.message,
			       "query parameter \"cookie\" given twice");

	static const char *const bad[] = {
		"table-search?cookie=001122334455667&msg_id=1", /* 15 digits */
		"table-search?cookie=00112233445566778&msg_id=1",
		"table-search?cookie=001122334455667g&msg_id=1",
		"table-search?cookie=&msg_id=1",
		"table-search?cookie&msg_id=1",
		"table-search?cookie=" COOKIE "&msg_id=-1",
		"table-search?cookie=" COOKIE "&msg_id=+1",
		"table-search?cookie=" COOKIE "&msg_id=0x10",
		"table-search?cookie=" COOKIE "&msg_id=4294967296",
		"table-search?cookie=" COOKIE "&msg_id=99999999999999999999999",
		"table-search?cookie=" COOKIE "&msg_id=1%20",
		"table-search?cookie=" COOKIE "&msg_id=",
		"table-search?cookie=" COOKIE "&msg_id=%zz",
		"table-search?cookie=" COOKIE "&msg_id=%4",
		"table-search?cookie=" COOKIE "&msg_id=1%00",
		"packet-tracking?limit=0",
		"packet-tracking?limit=1001",
		"packet-tracking?phase=0",
		"packet-tracking?phase=3",
		"packet-tracking?owner=0",
		"packet-tracking?owner=16",
		"packet-tracking?offset=4294967296",
		"packet-tracking?msg_id=1", /* not a filter of the list */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = get(bad[i]);

		if (status != 400)
			fprintf(stderr, "accepted: %s (%d)\n", bad[i], status);
		CU_ASSERT_EQUAL(status, 400);
	}

	CU_ASSERT_EQUAL(get("packet-tracking"), 0);
	CU_ASSERT_EQUAL(call.args.limit, API_LIMIT_DEFAULT);
	CU_ASSERT_EQUAL(call.args.offset, 0);
	CU_ASSERT_EQUAL(get("packet-tracking?limit=1000&offset=4294967295"), 0);
	CU_ASSERT_EQUAL(call.args.limit, 1000);
	CU_ASSERT_EQUAL(call.args.offset, 4294967295u);
}

static void test_delete_args(void)
{
	static const char *const bad[] = {
		"",
		"?cookie=" COOKIE,
		"?msg_id=1",
		"?flush=false",
		"?flush=1",
		"?flush",
		"?flush=true&cookie=" COOKIE,
		"?flush=true&cookie=" COOKIE "&msg_id=1",
	};
	char uri[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(uri, sizeof(uri), BASE "packet-tracking%s", bad[i]);
		CU_ASSERT_EQUAL(parse("DELETE", uri, NULL, NULL), 400);
	}
	CU_ASSERT_EQUAL(parse("DELETE",
			      BASE "packet-tracking?cookie=" COOKIE "&msg_id=3",
			      NULL, NULL),
			0);
	CU_ASSERT(!call.args.flush);
	CU_ASSERT_EQUAL(call.args.key.msgid, 3);
}

static void test_body_args(void)
{
	CU_ASSERT_EQUAL(post("packet-tracking",
			     "{\"cookie\": \"" COOKIE "\", \"msg_id\": 9, "
			     "\"owner\": 2}"),
			0);
	CU_ASSERT_EQUAL(call.op, OP_TRACKING_ADD);
	CU_ASSERT_EQUAL(call.args.owner, 2);
	CU_ASSERT_EQUAL(call.args.key.msgid, 9);

	/* msg_id defaults to 0 where it is optional. */
	CU_ASSERT_EQUAL(post("initiate-negotiation",
			     "{\"cookie\": \"" COOKIE "\"}"),
			0);
	CU_ASSERT_EQUAL(call.args.key.msgid, 0);
	CU_ASSERT_EQUAL(post("take-ownership", "{\"cookie\": \"" COOKIE "\"}"),
			400);
	CU_ASSERT_STRING_EQUAL(err.message, "missing field \"msg_id\"");

	static const struct {
		const char *path, *body;
	} bad[] = {
		{ "take-ownership", "{" },
		{ "take-ownership", "" },
		{ "take-ownership", "[]" },
		{ "take-ownership", "\"x\"" },
		{ "take-ownership", "null" },
		{ "take-ownership", "{} {}" },
		{ "take-ownership", "{\"cookie\": \"" COOKIE
				    "\", \"msg_id\": 1, \"msg_id\": 2}" },
		{ "take-ownership",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": 1, \"extra\": 2}" },
		{ "take-ownership",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": \"1\"}" },
		{ "take-ownership",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": 1.0}" },
		{ "take-ownership",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": -1}" },
		{ "take-ownership",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": 4294967296}" },
		{ "take-ownership",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": 1e3}" },
		{ "take-ownership",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": null}" },
		{ "take-ownership",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": true}" },
		{ "take-ownership", "{\"cookie\": 1234, \"msg_id\": 1}" },
		{ "take-ownership", "{\"cookie\": \"0011\", \"msg_id\": 1}" },
		{ "take-ownership", "{\"cookie\": \"00112233445566zz\", "
				    "\"msg_id\": 1}" },
		{ "take-ownership",
		  "{\"cookie\": \"00112233\\u00004455667\", \"msg_id\": 1}" },
		{ "remote-forward", "{\"cookie\": \"" COOKIE
				    "\", \"msg_id\": 1, \"member\": 0}" },
		{ "remote-forward", "{\"cookie\": \"" COOKIE
				    "\", \"msg_id\": 1, \"member\": 16}" },
		{ "packet-tracking",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": 1}" },
		{ "packet-tracking",
		  "{\"cookie\": \"" COOKIE "\", \"msg_id\": 1, \"owner\": "
		  "{\"member\": 2}}" },
		{ "receive-packet", "{}" },
		{ "receive-packet", "{\"frame_hex\": \"\"}" },
		{ "receive-packet", "{\"frame_hex\": \"0\"}" },
		{ "receive-packet", "{\"frame_hex\": \"zz\"}" },
		{ "receive-packet", "{\"frame_hex\": "
				    "\"00112233445566778899aabbcc\"}" },
		{ "receive-packet",
		  "{\"frame_base64\": \"AAECAwQFBgcICQoLDA==\"}" },
		{ "receive-packet",
		  "{\"frame_base64\": \"AAECAwQFBgcICQoLDA0\"}" },
		{ "receive-packet",
		  "{\"frame_hex\": \"00112233445566778899aabbccdd\", "
		  "\"frame_base64\": \"AAECAwQFBgcICQoLDA0=\"}" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int status = post(bad[i].path, bad[i].body);

		if (status != 400)
			fprintf(stderr, "accepted: %s %s (%d)\n", bad[i].path,
				bad[i].body, status);
		CU_ASSERT_EQUAL(status, 400);
	}

	CU_ASSERT_EQUAL(post("receive-packet",
			     "{\"frame_hex\": "
			     "\"00112233445566778899AABBccdd\"}"),
			0);
	CU_ASSERT_EQUAL(call.args.frame_len, 14);
	CU_ASSERT_EQUAL(call.args.frame[10], 0xaa);
	CU_ASSERT_EQUAL(post("receive-packet",
			     "{\"frame_base64\": \"AAECAwQFBgcICQoLDA0=\"}"),
			0);
	CU_ASSERT_EQUAL(call.args.frame_len, 14);
	CU_ASSERT_EQUAL(call.args.frame[13], 13);
}

static void test_cluster_args(void)
{
	char uri[128];

	snprintf(uri, sizeof(uri), BASE "ha-ownership");
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json",
			      "{\"mode\": \"ha\", \"active_member\": 2}"),
			0);
	CU_ASSERT_EQUAL(call.args.mode, IKEFWD_MODE_HA);
	CU_ASSERT_EQUAL(call.args.active_member, 2);
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json",
			      "{\"mode\": \"load-sharing\"}"),
			0);
	CU_ASSERT_EQUAL(call.args.mode, IKEFWD_MODE_LOAD_SHARING);
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json",
			      "{\"mode\": \"ha\"}"),
			400);
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json",
			      "{\"mode\": \"load-sharing\", \"active_member\": "
			      "2}"),
			400);
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json",
			      "{\"mode\": \"HA\", \"active_member\": 2}"),
			400);
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json",
			      "{\"active_member\": 2}"),
			400);

	snprintf(uri, sizeof(uri), BASE "members");
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json",
			      "{\"id\": 3, \"alive\": false}"),
			0);
	CU_ASSERT_EQUAL(call.args.id, 3);
	CU_ASSERT(!call.args.alive);
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json",
			      "{\"id\": 3, \"alive\": \"no\"}"),
			400);
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json",
			      "{\"id\": 3, \"alive\": 0}"),
			400);
	CU_ASSERT_EQUAL(parse("PUT", uri, "application/json", "{\"id\": 3}"),
			400);
}

/* The order of refusals: route, then size, then media type, then content. */
static void test_head_checks(void)
{
	char uri[128];

	snprintf(uri, sizeof(uri), BASE "take-ownership");
	CU_ASSERT_EQUAL(parse("POST", uri, "text/plain", "{"), 415);
	CU_ASSERT_EQUAL(parse("POST", uri, NULL, "{}"), 415);
	CU_ASSERT_EQUAL(parse("POST", uri, "application/jsonx", "{}"), 415);
	CU_ASSERT_EQUAL(parse("POST", uri, "application/json-patch+json", "{}"),
			415);
	CU_ASSERT_EQUAL(parse("POST", uri, "APPLICATION/JSON; charset=utf-8",
			      "{\"cookie\": \"" COOKIE "\", \"msg_id\": 1}"),
			0);
	CU_ASSERT_EQUAL(parse("POST", uri, " application/json ",
			      "{\"cookie\": \"" COOKIE "\", \"msg_id\": 1}"),
			0);
	/* No body at all is a missing body, not a media type problem. */
	CU_ASSERT_EQUAL(parse("POST", uri, NULL, NULL), 400);
	/* A body where none goes. */
	CU_ASSERT_EQUAL(parse("GET", BASE "health", "application/json", "{}"),
			400);
	CU_ASSERT_EQUAL(parse("DELETE", BASE "packet-tracking?flush=true",
			      "application/json", "{}"),
			400);

	CU_ASSERT_EQUAL(api_check_head(OP_TAKE_OWNERSHIP, "application/json",
				       true, API_BODY_MAX, &err),
			0);
	CU_ASSERT_EQUAL(api_check_head(OP_TAKE_OWNERSHIP, "application/json",
				       true, API_BODY_MAX + 1, &err),
			-1);
	CU_ASSERT_EQUAL(err.status, 413);
	CU_ASSERT_EQUAL(api_check_head(OP_TAKE_OWNERSHIP, "text/plain", true,
				       API_BODY_MAX + 1, &err),
			-1);
	CU_ASSERT_EQUAL(err.status, 413);
}

/* Messages quote the client: never anything but printable ASCII. */
static void test_messages_are_clean(void)
{
	CU_ASSERT_EQUAL(post("take-ownership", "{\"\xc3\xa9\xe2\x82\xac\": 1}"),
			400);
	for (const char *p = err.message; *p; p++)
		CU_ASSERT(*p >= 0x20 && *p <= 0x7e);
	CU_ASSERT_EQUAL(get("table-search?%01%02%ff=1"), 400);
	for (const char *p = err.message; *p; p++)
		CU_ASSERT(*p >= 0x20 && *p <= 0x7e);
	CU_ASSERT_EQUAL(post("take-ownership", "{\"a\": \"\xff\"}"), 400);
	for (const char *p = err.message; *p; p++)
		CU_ASSERT(*p >= 0x20 && *p <= 0x7e);
}

static void test_codecs(void)
{
	uint8_t out[8];

	CU_ASSERT_EQUAL(hex_decode("", 0, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(hex_decode("0aFf", 4, out, sizeof(out)), 2);
	CU_ASSERT_EQUAL(out[0], 0x0a);
	CU_ASSERT_EQUAL(out[1], 0xff);
	CU_ASSERT_EQUAL(hex_decode("0aF", 3, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(hex_decode("0x00", 4, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(hex_decode("000000000000000000", 18, out, 8), -E2BIG);
	CU_ASSERT_EQUAL(hex_decode("00000000000000000g", 18, out, 8), -EINVAL);

	CU_ASSERT_EQUAL(base64_decode("", 0, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(base64_decode("TWFu", 4, out, sizeof(out)), 3);
	CU_ASSERT(!memcmp(out, "Man", 3));
	CU_ASSERT_EQUAL(base64_decode("TWE=", 4, out, sizeof(out)), 2);
	CU_ASSERT(!memcmp(out, "Ma", 2));
	CU_ASSERT_EQUAL(base64_decode("TQ==", 4, out, sizeof(out)), 1);
	CU_ASSERT_EQUAL(out[0], 'M');
	CU_ASSERT_EQUAL(base64_decode("+/+/", 4, out, sizeof(out)), 3);
	CU_ASSERT_EQUAL(out[0], 0xfb);
	CU_ASSERT_EQUAL(base64_decode("TQ", 2, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(base64_decode("TR==", 4, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(base64_decode("TWF=", 4, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(base64_decode("T===", 4, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(base64_decode("====", 4, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(base64_decode("TQ==TWFu", 8, out, sizeof(out)),
			-EINVAL);
	CU_ASSERT_EQUAL(base64_decode("TW-u", 4, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(base64_decode("TWFu\n", 5, out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(base64_decode("TWFuTWFuTWFu", 12, out, 8), -E2BIG);
}

static void test_auth(void)
{
	struct api_auth a;
	char path[] = "/tmp/ikefwd-token-XXXXXX", msg[256];
	int fd = mkstemp(path);

	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "s3cret.Token-1\nsecond line\n", 27) == 27);
	close(fd);
	CU_ASSERT_EQUAL(api_auth_load(&a, path, false, msg, sizeof(msg)), 0);
	CU_ASSERT_STRING_EQUAL(a.token, "s3cret.Token-1");

	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, false, NULL),
			API_AUTH_MISSING);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, false,
				       "Bearer s3cret.Token-1"),
			API_AUTH_OK);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, false,
				       "bearer   s3cret.Token-1  "),
			API_AUTH_OK);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, false,
				       "Bearer s3cret.Token-"),
			API_AUTH_INVALID);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, false,
				       "Bearer s3cret.Token-12"),
			API_AUTH_INVALID);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, false, "Bearer "),
			API_AUTH_INVALID);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, false,
				       "Basic czNjcmV0"),
			API_AUTH_MISSING);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, false,
				       "Bearers3cret.Token-1"),
			API_AUTH_MISSING);
	/* Reads are open unless auth_reads; the unix socket always is. */
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_STATS, false, NULL), API_AUTH_OK);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, true, NULL),
			API_AUTH_OK);
	a.reads = true;
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_STATS, false, NULL),
			API_AUTH_MISSING);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_METRICS, false,
				       "Bearer s3cret.Token-1"),
			API_AUTH_OK);

	/* Without token_file, nothing is checked. */
	CU_ASSERT_EQUAL(api_auth_load(&a, "", true, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(api_auth_check(&a, OP_TAKE_OWNERSHIP, false, NULL),
			API_AUTH_OK);

	/* Files that hold no usable token. */
	fd = open(path, O_WRONLY | O_TRUNC);
	CU_ASSERT(write(fd, "\nx\n", 3) == 3);
	close(fd);
	CU_ASSERT_EQUAL(api_auth_load(&a, path, false, msg, sizeof(msg)),
			-EINVAL);
	fd = open(path, O_WRONLY | O_TRUNC);
	CU_ASSERT(write(fd, "two words\n", 10) == 10);
	close(fd);
	CU_ASSERT_EQUAL(api_auth_load(&a, path, false, msg, sizeof(msg)),
			-EINVAL);
	unlink(path);
	CU_ASSERT_EQUAL(api_auth_load(&a, path, false, msg, sizeof(msg)),
			-ENOENT);
}

static size_t ike_frame(struct pkt *p, bool ipv6, bool natt, int vlans,
			int exts, uint32_t msgid)
{
	pkt_init(p);
	pkt_eth(p, "02:00:00:00:01:01", "02:00:00:00:00:aa");
	for (int i = 0; i < vlans; i++)
		pkt_vlan(p, i ? PKT_TPID_8021Q : PKT_TPID_8021AD, 10 + i);
	if (ipv6) {
		pkt_ipv6(p, "2001:db8::1", "2001:db8::2");
		for (int i = 0; i < exts; i++)
			pkt_ipv6_ext(p, i == 1 ? 43 : 60);
	} else {
		pkt_ipv4(p, "192.0.2.1", "198.51.100.1");
		if (exts)
			pkt_ipv4_options(p, 5 + exts);
	}
	pkt_udp(p, natt ? 4500 : 500, natt ? 4500 : 500);
	if (natt)
		pkt_non_esp_marker(p);
	pkt_ike(p, &(struct pkt_ike){ .ispi = 0x0102030405060708ULL,
				      .version = PKT_IKEV2,
				      .msgid = msgid });
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
	return p->len;
}

static void test_frame_key(void)
{
	static const uint8_t ispi[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct ikefwd_key key;
	struct pkt p;

	for (int v6 = 0; v6 < 2; v6++)
		for (int natt = 0; natt < 2; natt++)
			for (int vlans = 0; vlans <= 2; vlans++)
				for (int exts = 0; exts <= 3; exts++) {
					size_t len = ike_frame(&p, v6, natt,
							       vlans, exts,
							       0x01020304);

					CU_ASSERT_EQUAL(
						frame_ike_key(p.buf, len, 500,
							      4500, &key),
						0);
					CU_ASSERT(!memcmp(key.ispi, ispi, 8));
					CU_ASSERT_EQUAL(key.msgid, 0x01020304);
					/* Every truncation: nothing found,
					 * nothing read past the end. */
					for (size_t l = 0; l < len; l++)
						CU_ASSERT_EQUAL(
							frame_ike_key(p.buf, l,
								      500, 4500,
								      &key),
							-ENOENT);
				}
	/* Other ports: not IKE. */
	ike_frame(&p, false, false, 0, 0, 1);
	CU_ASSERT_EQUAL(frame_ike_key(p.buf, p.len, 501, 4500, &key), -ENOENT);
	/* A third VLAN tag is not parsed, as in the data path. */
	ike_frame(&p, false, false, 3, 0, 1);
	CU_ASSERT_EQUAL(frame_ike_key(p.buf, p.len, 500, 4500, &key), -ENOENT);
	/* Five extension headers: too long a chain. */
	ike_frame(&p, true, false, 0, 5, 1);
	CU_ASSERT_EQUAL(frame_ike_key(p.buf, p.len, 500, 4500, &key), -ENOENT);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "routes and 404/405", test_routes },
		{ "request target and query limits", test_uri_limits },
		{ "query arguments", test_query_args },
		{ "DELETE packet-tracking arguments", test_delete_args },
		{ "body arguments", test_body_args },
		{ "ha-ownership and members arguments", test_cluster_args },
		{ "413, 415 and bodies where none goes", test_head_checks },
		{ "error messages are printable ASCII",
		  test_messages_are_clean },
		{ "hex and base64", test_codecs },
		{ "bearer token", test_auth },
		{ "IKE header walk of receive-packet", test_frame_key },
	};

	return cunit_run_suite("api_parse", NULL, NULL, NULL, NULL, tests,
			       ARRAY_SIZE(tests));
}
