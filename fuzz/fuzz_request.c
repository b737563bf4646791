// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * libFuzzer target over what the API does with a request before touching
 * anything (api/request.h): routing, the head checks, the query string and
 * JSON body parsers, the frame codecs, the bearer token check, the error
 * body, and the IKE header walk of receive-packet on every frame that
 * parses. The input is a request in four lines and a body:
 *
 *	METHOD\nREQUEST-TARGET\nCONTENT-TYPE\nAUTHORIZATION\nBODY...
 *
 * (missing lines take defaults; an empty CONTENT-TYPE or AUTHORIZATION
 * line means no such header). Beyond "no crash, no leak, no undefined
 * behaviour" it checks what the server relies on: a refusal has one of the
 * statuses of docs/api.md and a printable message that makes a JSON error
 * body; an accepted request has an operation and arguments in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "codec.h"
#include "frame.h"
#include "ikefwd/member.h"
#include "request.h"
#include "resp.h"

#define FUZZ_TOKEN "fuzz-token.1"

static void check(int cond)
{
	if (!cond)
		__builtin_trap();
}

static void check_refusal(const struct api_error *err)
{
	static const int statuses[] = { 400, 404, 405, 413, 414, 415 };
	struct api_resp r = {};
	size_t len, i;
	char *body;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (err->status == statuses[i])
			break;
	check(i < sizeof(statuses) / sizeof(statuses[0]));
	check(err->message[0] != '\0');
	for (const char *p = err->message; *p; p++)
		check(*p >= 0x20 && *p <= 0x7e);
	check((err->status == 405) == (err->allow[0] != '\0'));

	resp_from_error(&r, err);
	check(r.json && r.status == err->status);
	body = resp_serialize(&r, &len);
	check(body && len > 0 && body[len - 1] == '\n');
	free(body);
	resp_free(&r);
}

static void check_call(const struct api_call *call)
{
	const struct api_args *a = &call->args;
	struct ikefwd_key key;

	check(call->op < OP__MAX);
	check(a->limit >= 1 && a->limit <= API_LIMIT_MAX);
	if (a->have & ARG(OWNER))
		check(a->owner >= 1 && a->owner < IKEFWD_MAX_MEMBERS);
	if (a->have & ARG(PHASE))
		check(a->phase == 1 || a->phase == 2);
	if (call->op != OP_RECEIVE_PACKET)
		return;
	check(a->frame_len >= API_FRAME_MIN && a->frame_len <= API_FRAME_MAX);
	frame_ike_key(a->frame, a->frame_len, 500, 4500, &key);
	frame_ike_key(a->frame, a->frame_len, 4500, 500, &key);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct api_auth auth = { .token = FUZZ_TOKEN,
					.len = sizeof(FUZZ_TOKEN) - 1,
					.reads = true };
	const char *line[4] = { "GET", API_BASE "health", "", "" };
	struct api_call *call = malloc(sizeof(*call));
	char *copy = malloc(size + 1), *p = copy, *end = copy + size;
	struct api_error err;
	struct api_req req;
	uint8_t *bin = malloc(size / 2 + 1);

	if (!call || !copy || !bin)
		goto out;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (int i = 0; i < 4; i++) {
		char *nl = memchr(p, '\n', end - p);

		if (!nl)
			break;
		*nl = '\0';
		line[i] = p;
		p = nl + 1;
	}
	req = (struct api_req){
		.method = line[0],
		.uri = line[1],
		.content_type = line[2][0] ? line[2] : NULL,
		.body = p,
		.body_len = end - p,
	};

	if (api_parse(&req, call, &err))
		check_refusal(&err);
	else
		check_call(call);
	if (!api_route(req.method, req.uri, &call->op, &err))
		api_auth_check(&auth, call->op, false,
			       line[3][0] ? line[3] : NULL);

	/* The codecs on their own, on the body as it came. */
	check(hex_decode(req.body, req.body_len, bin, size / 2 + 1) <=
	      (long)(size / 2 + 1));
	check(base64_decode(req.body, req.body_len, bin, size / 2 + 1) <=
	      (long)(size / 2 + 1));
out:
	free(bin);
	free(copy);
	free(call);
	return 0;
}
