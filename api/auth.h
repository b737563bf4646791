/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bearer token authentication ([api] token_file, auth_reads). Requests on
 * the unix socket are not asked for the token: the socket file's
 * permissions decide who may connect (docs/config.md).
 */
#ifndef IKEFWD_API_AUTH_H
#define IKEFWD_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "request.h"

#define API_TOKEN_MAX 1024

struct api_auth {
	char token[API_TOKEN_MAX + 1]; /* "": no token_file, no checks */
	size_t len;
	bool reads; /* GET needs the token too */
};

/* Reads the first line of path (NULL or "": no authentication). 0 or
 * negative errno with a line in err. */
int api_auth_load(struct api_auth *a, const char *path, bool reads, char *err,
		  size_t errlen);

enum api_auth_result {
	API_AUTH_OK,
	API_AUTH_MISSING, /* no (usable) Authorization header */
	API_AUTH_INVALID, /* a bearer token, not ours */
};

/* authorization: the header's value, or NULL. trusted: the unix socket. */
enum api_auth_result api_auth_check(const struct api_auth *a, enum api_op op,
				    bool trusted, const char *authorization);

#endif /* IKEFWD_API_AUTH_H */
