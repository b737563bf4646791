/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The arguments of the endpoints, by name, from a query string or a JSON
 * body: each has one type and one range, whichever way it arrives.
 */
#ifndef IKEFWD_API_ARGS_H
#define IKEFWD_API_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "request.h"

/* "cookie", "msg_id", ... */
const char *args_name(enum api_arg arg);

/* query: the text after '?', percent-encoded. allowed: ARG() bits. */
int args_from_query(const char *query, uint32_t allowed, struct api_args *a,
		    struct api_error *err);

/* body: a JSON object; unknown fields, duplicates, wrong types and values
 * out of range are refused. */
int args_from_json(const char *body, size_t len, uint32_t allowed,
		   struct api_args *a, struct api_error *err);

#endif /* IKEFWD_API_ARGS_H */
