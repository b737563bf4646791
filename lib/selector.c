// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "selector.h"

int ikefwd_prefix_parse(const char *text, struct ikefwd_prefix *p)
{
	char buf[IKEFWD_TS_TEXT_LEN + 1];
	const char *slash;
	unsigned long len;
	unsigned int max, i;
	char *end;

	memset(p, 0, sizeof(*p));
	if (!text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "%s", text);
	slash = strchr(text, '/');
	if (slash)
		buf[slash - text] = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1) {
		p->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, p->addr) == 1) {
		p->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	len = max;
	if (slash) {
		/* Digits only: no sign, no blanks, no hex. */
		if (slash[1] < '0' || slash[1] > '9')
			return -EINVAL;
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || len > max)
			return -EINVAL;
	}
	p->plen = len;
	/* A network, not a host inside it: what the tries hold is what the
	 * operator reads back. */
	for (i = 0; i < max; i++)
		if (i >= len && (p->addr[i / 8] & (0x80 >> (i % 8))))
			return -EDOM;
	return 0;
}

void ikefwd_prefix_text(const struct ikefwd_prefix *p,
			char buf[IKEFWD_TS_TEXT_LEN])
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family, p->addr, a, sizeof(a));
	snprintf(buf, IKEFWD_TS_TEXT_LEN, "%s/%u", a, p->plen);
}

int ikefwd_prefix_cmp(const struct ikefwd_prefix *a,
		      const struct ikefwd_prefix *b)
{
	int d;

	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	d = memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
	if (d)
		return d;
	return (int)a->plen - (int)b->plen;
}

/* The trie key of p, in buf (large enough for either family). */
static int key_of(const struct ikefwd_ts_maps *m, const struct ikefwd_prefix *p,
		  struct ikefwd_ts_key6 *buf)
{
	memset(buf, 0, sizeof(*buf));
	buf->prefixlen = p->plen;
	if (p->family == AF_INET) {
		memcpy(buf->addr, p->addr, 4);
		return m->fd4;
	}
	if (p->family != AF_INET6)
		return -1;
	memcpy(buf->addr, p->addr, 16);
	return m->fd6;
}

/* An LPM trie's lookup is a longest match: with the prefix's own length
 * in the key it finds the longest registered prefix that covers it and is
 * no longer; that is the prefix itself exactly when the value says so
 * (ikefwd_ts.prefixlen). The kernel has no exact lookup. */
int ikefwd_ts_get(const struct ikefwd_ts_maps *m, const struct ikefwd_prefix *p,
		  struct ikefwd_ts *ts)
{
	struct ikefwd_ts_key6 k;
	int fd = key_of(m, p, &k);

	if (fd < 0)
		return -EBADF;
	if (bpf_map_lookup_elem(fd, &k, ts))
		return -errno;
	return ts->prefixlen == p->plen ? 0 : -ENOENT;
}

int ikefwd_ts_put(const struct ikefwd_ts_maps *m, const struct ikefwd_prefix *p,
		  const struct ikefwd_ts *ts)
{
	struct ikefwd_ts v = *ts;
	struct ikefwd_ts_key6 k;
	int fd = key_of(m, p, &k);

	if (fd < 0)
		return -EBADF;
	v.prefixlen = p->plen;
	return bpf_map_update_elem(fd, &k, &v, BPF_ANY) ? -errno : 0;
}

int ikefwd_ts_del(const struct ikefwd_ts_maps *m, const struct ikefwd_prefix *p)
{
	struct ikefwd_ts_key6 k;
	int fd = key_of(m, p, &k);

	if (fd < 0)
		return -EBADF;
	return bpf_map_delete_elem(fd, &k) ? -errno : 0;
}

static int rows_cmp(const void *a, const void *b)
{
	return ikefwd_prefix_cmp(&((const struct ikefwd_ts_row *)a)->prefix,
				 &((const struct ikefwd_ts_row *)b)->prefix);
}

/* Appends every entry of one trie. */
static int list_one(int fd, int family, struct ikefwd_ts_row **rows, size_t *n,
		    size_t *cap)
{
	struct ikefwd_ts_key6 key, next;
	size_t alen = family == AF_INET ? 4 : 16;
	bool first = true;

	if (fd < 0)
		return 0;
	/* Keys are read in the trie's own size; key6 is large enough. */
	while (!bpf_map_get_next_key(fd, first ? NULL : &key, &next)) {
		struct ikefwd_ts_row *r;

		first = false;
		key = next;
		if (*n == *cap) {
			size_t ncap = *cap ? 2 * *cap : 64;
			struct ikefwd_ts_row *g =
				realloc(*rows, ncap * sizeof(*g));

			if (!g)
				return -ENOMEM;
			*rows = g;
			*cap = ncap;
		}
		r = &(*rows)[*n];
		memset(r, 0, sizeof(*r));
		if (bpf_map_lookup_elem(fd, &key, &r->ts)) {
			if (errno == ENOENT)
				continue;
			return -errno;
		}
		r->prefix.family = family;
		r->prefix.plen = key.prefixlen;
		memcpy(r->prefix.addr, key.addr, alen);
		(*n)++;
	}
	return errno == ENOENT ? 0 : -errno;
}

int ikefwd_ts_list(const struct ikefwd_ts_maps *m, struct ikefwd_ts_row **rows)
{
	size_t n = 0, cap = 0;
	int err;

	*rows = NULL;
	err = list_one(m->fd4, AF_INET, rows, &n, &cap);
	if (!err)
		err = list_one(m->fd6, AF_INET6, rows, &n, &cap);
	if (err) {
		free(*rows);
		*rows = NULL;
		return err;
	}
	if (n)
		qsort(*rows, n, sizeof(**rows), rows_cmp);
	return (int)n;
}

bool ikefwd_ts_expired(const struct ikefwd_ts *ts, uint64_t now_ns)
{
	return ts->expires_ns && (int64_t)(ts->expires_ns - now_ns) <= 0;
}
