/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Remote traffic selectors as userspace handles them: the text form
 * "10.1.0.0/16" / "2001:db8::/48", and the two pinned LPM tries
 * (include/ikefwd/selector.h) read and written as one table.
 */
#ifndef IKEFWD_LIB_SELECTOR_H
#define IKEFWD_LIB_SELECTOR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikefwd/selector.h"

/* INET6_ADDRSTRLEN + "/128" */
#define IKEFWD_TS_TEXT_LEN (INET6_ADDRSTRLEN + 4)

struct ikefwd_prefix {
	int family; /* AF_INET or AF_INET6 */
	uint8_t plen;
	uint8_t addr[16]; /* IPv4: the first 4 bytes */
};

/* Parses "ADDR/LEN" (or a bare address: a host). 0, -EINVAL (not a
 * prefix) or -EDOM (bits set after the prefix length: not a network). */
int ikefwd_prefix_parse(const char *text, struct ikefwd_prefix *p);
/* Canonical text: "10.1.0.0/16". */
void ikefwd_prefix_text(const struct ikefwd_prefix *p,
			char buf[IKEFWD_TS_TEXT_LEN]);
/* Orders IPv4 before IPv6, then by address, then by length. */
int ikefwd_prefix_cmp(const struct ikefwd_prefix *a,
		      const struct ikefwd_prefix *b);

/* The tries, by family. fd4/fd6 as pinned (ikefwd_ts4, ikefwd_ts6). */
struct ikefwd_ts_maps {
	int fd4, fd6;
};

/* Exact-prefix operations (not longest-match). Return 0 or -errno. */
int ikefwd_ts_get(const struct ikefwd_ts_maps *m, const struct ikefwd_prefix *p,
		  struct ikefwd_ts *ts);
int ikefwd_ts_put(const struct ikefwd_ts_maps *m, const struct ikefwd_prefix *p,
		  const struct ikefwd_ts *ts);
int ikefwd_ts_del(const struct ikefwd_ts_maps *m,
		  const struct ikefwd_prefix *p);

struct ikefwd_ts_row {
	struct ikefwd_prefix prefix;
	struct ikefwd_ts ts;
};

/* Every registration, sorted by ikefwd_prefix_cmp; *rows is malloc()ed
 * (NULL when none). Returns the count or -errno. */
int ikefwd_ts_list(const struct ikefwd_ts_maps *m, struct ikefwd_ts_row **rows);

/* As the data path reads it (bpf/selector.h). */
bool ikefwd_ts_expired(const struct ikefwd_ts *ts, uint64_t now_ns);

#endif /* IKEFWD_LIB_SELECTOR_H */
