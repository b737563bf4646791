// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "resp.h"

json_t *api_error_json(int status, const char *message)
{
	return json_pack("{s:{s:i, s:s}}", "error", "code", status, "message",
			 message);
}

void resp_json(struct api_resp *r, int status, json_t *body)
{
	json_decref(r->json);
	r->json = body;
	r->status = status;
	r->content_type = API_JSON;
	if (!body) {
		r->status = 500;
		r->json = api_error_json(500, "out of memory");
	}
}

void resp_from_error(struct api_resp *r, const struct api_error *err)
{
	resp_json(r, err->status, api_error_json(err->status, err->message));
	snprintf(r->allow, sizeof(r->allow), "%s", err->allow);
}

int resp_error(struct api_resp *r, int status, const char *fmt, ...)
{
	struct api_error err = { .status = status };
	char msg[sizeof(err.message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Through api_fail for its clean-up of what a client sent. */
	api_fail(&err, status, "%s", msg);
	resp_from_error(r, &err);
	return -1;
}

void resp_conflict(struct api_resp *r, json_t *owner, const char *message)
{
	json_t *body = api_error_json(409, message);

	if (body && owner)
		json_object_set(body, "owner", owner);
	json_decref(owner);
	resp_json(r, 409, body);
}

char *resp_serialize(const struct api_resp *r, size_t *len)
{
	char *body, *out;
	size_t n;

	if (!r->json) {
		body = r->text ? r->text : "";
		n = strlen(body);
		out = malloc(n + 1);
		if (!out)
			return NULL;
		memcpy(out, body, n + 1);
		*len = n;
		return out;
	}
	body = json_dumps(r->json, 0);
	if (!body)
		return NULL;
	n = strlen(body);
	out = realloc(body, n + 2);
	if (!out) {
		free(body);
		return NULL;
	}
	out[n] = '\n';
	out[n + 1] = '\0';
	*len = n + 1;
	return out;
}

void resp_free(struct api_resp *r)
{
	json_decref(r->json);
	free(r->text);
	r->json = NULL;
	r->text = NULL;
}
