/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One HTTP request to the management API over libcurl: TCP, HTTPS or the
 * daemon's unix socket, with the bearer token. Knows nothing of the API's
 * endpoints or JSON.
 */
#ifndef IKEFWD_CTL_HTTP_H
#define IKEFWD_CTL_HTTP_H

#include <stdbool.h>
#include <stddef.h>

/* Where and how to reach the server. */
struct ctl_target {
	char url[512]; /* server root, no trailing '/': "http://127.0.0.1:8080" */
	char unix_socket[108]; /* "": TCP to url's host */
	char token[512]; /* "": no Authorization header */
	char cacert[4096]; /* "": the system's CA store */
	bool insecure; /* no certificate or host name check */
	long timeout_ms;
	/* Why no token is sent although the configuration names a token
	 * file (unreadable: not root?), to explain a 401. "" otherwise. */
	char token_note[320];
};

struct ctl_reply {
	long status; /* HTTP status code */
	char reason[64]; /* the status line's reason phrase, "" if none */
	char content_type[128];
	char *body; /* NUL-terminated; may be "" */
	size_t len;
};

/*
 * Sends method path_query (from the server root: "/api/v1/...?a=b") with
 * body (JSON text, or NULL for none). 0 with *reply filled whatever the
 * HTTP status; a negative errno when no answer came, with one line in err
 * (libcurl's reason). ctl_reply_free() the reply in both cases.
 */
int ctl_http_request(const struct ctl_target *t, const char *method,
		     const char *path_query, const char *body,
		     struct ctl_reply *reply, char *err, size_t errlen);
void ctl_reply_free(struct ctl_reply *reply);

#endif /* IKEFWD_CTL_HTTP_H */
