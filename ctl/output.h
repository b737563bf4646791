/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * How ikefwdctl shows the API's answers to people: tables and
 * "name: value" lines, one printer per answer shape of docs/api.md. The
 * --json form is the server's own text and never comes through here.
 */
#ifndef IKEFWD_CTL_OUTPUT_H
#define IKEFWD_CTL_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "http.h"

/* Each returns 0, or -EPROTO when the answer lacks what it must hold. */
int print_entry_page(const json_t *page, FILE *out); /* GET packet-tracking */
int print_entry(const json_t *entry, FILE *out);
int print_cookie_entries(const json_t *answer, FILE *out);
int print_deleted(const json_t *answer, FILE *out);
/* GET/POST/DELETE ike-sa */
int print_ike_sa(const json_t *answer, FILE *out);
int print_verdict(const json_t *answer, FILE *out);
int print_resolution(const json_t *answer, FILE *out);
int print_ownership(const json_t *answer, FILE *out);
int print_exists(const json_t *answer, FILE *out);
int print_members(const json_t *answer, FILE *out);
int print_member(const json_t *member, FILE *out);
int print_config(const json_t *config, FILE *out);
int print_stats(const json_t *answer, FILE *out);
int print_health(const json_t *answer, FILE *out);
int print_segments(const json_t *answer, FILE *out); /* GET ha-segments */

/* "117s", "2m03s", "5h07m", "3d04h"; negative: "expired". */
void duration_format(long long seconds, char *out, size_t len);

/*
 * The one line that tells what went wrong with a non-2xx reply, without
 * the program's prefix: "409: <the server's error.message>", else the
 * status line's reason phrase ("502: Bad Gateway").
 */
void reply_error_line(const struct ctl_reply *r, char *out, size_t len);

#endif /* IKEFWD_CTL_OUTPUT_H */
