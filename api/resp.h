/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A response as the handlers build it, and the one shape of every error:
 * {"error": {"code": 404, "message": "..."}}.
 */
#ifndef IKEFWD_API_RESP_H
#define IKEFWD_API_RESP_H

#include <stddef.h>

#include <jansson.h>

#include "request.h"

#define API_JSON "application/json"
#define API_PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"

struct api_resp {
	int status;
	json_t *json; /* the body, or NULL for text */
	char *text; /* a text body (malloc'd), when json is NULL */
	const char *content_type;
	char allow[48]; /* 405: the Allow header */
	const char *www_authenticate; /* 401: the challenge */
};

/* {"error": {"code": status, "message": message}}. */
json_t *api_error_json(int status, const char *message);

/* Sets the body (taking the reference). A NULL body (jansson out of
 * memory) becomes a 500. */
void resp_json(struct api_resp *r, int status, json_t *body);
/* An error with a printf message; returns -1 for "return resp_error()". */
int resp_error(struct api_resp *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void resp_from_error(struct api_resp *r, const struct api_error *err);
/* 409 for a key that has an entry: the error, plus who owns it. */
void resp_conflict(struct api_resp *r, json_t *owner, const char *message);

/* The body as sent, ending in a newline; malloc'd (MHD frees it). NULL
 * when out of memory. */
char *resp_serialize(const struct api_resp *r, size_t *len);
void resp_free(struct api_resp *r);

#endif /* IKEFWD_API_RESP_H */
