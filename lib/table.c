// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/bpf.h>

#include "ikefwd/member.h"
#include "table.h"

uint64_t ikefwd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cookie_parse(const char *text, uint8_t ispi[8])
{
	if (!text || strlen(text) != COOKIE_HEX_LEN)
		return -EINVAL;
	for (int i = 0; i < 8; i++) {
		int hi = hexval(text[2 * i]), lo = hexval(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		ispi[i] = hi << 4 | lo;
	}
	return 0;
}

void cookie_format(const uint8_t ispi[8], char *out)
{
	for (int i = 0; i < 8; i++)
		sprintf(out + 2 * i, "%02x", ispi[i]);
}

static int parse_u32(const char *text, uint32_t min, uint32_t max,
		     uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (!text || !*text || *text == '-' || *text == '+' || *text == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int msgid_parse(const char *text, uint32_t *msgid)
{
	return parse_u32(text, 0, UINT32_MAX, msgid);
}

int member_id_parse(const char *text, uint32_t *id)
{
	return parse_u32(text, 1, IKEFWD_MAX_MEMBERS - 1, id);
}

int64_t entry_remaining_s(const struct ikefwd_entry *e, uint64_t now,
			  uint32_t timeout_sec)
{
	int64_t idle = (int64_t)(now - e->last_seen_ns);

	if (idle < 0)
		idle = 0;
	return (int64_t)timeout_sec - idle / 1000000000LL;
}

int table_get(int fd, const struct ikefwd_key *key, struct ikefwd_entry *e)
{
	return bpf_map_lookup_elem(fd, key, e) ? -errno : 0;
}

static int table_write(int fd, const struct ikefwd_key *key, uint32_t owner,
		       uint32_t flags, __u64 how)
{
	uint64_t now = ikefwd_now_ns();
	struct ikefwd_entry e = {
		.last_seen_ns = now,
		.created_ns = now,
		.owner = owner,
		.flags = flags,
	};

	return bpf_map_update_elem(fd, key, &e, how) ? -errno : 0;
}

int table_add(int fd, const struct ikefwd_key *key, uint32_t owner,
	      uint32_t flags)
{
	return table_write(fd, key, owner, flags, BPF_NOEXIST);
}

int table_replace(int fd, const struct ikefwd_key *key,
		  const struct ikefwd_entry *e)
{
	return bpf_map_update_elem(fd, key, e, BPF_EXIST) ? -errno : 0;
}

int table_del(int fd, const struct ikefwd_key *key)
{
	return bpf_map_delete_elem(fd, key) ? -errno : 0;
}

#define BATCH 256

/* The walk one key at a time: two system calls per entry. */
static int foreach_by_key(int fd,
			  int (*fn)(const struct table_row *row, void *ctx),
			  void *ctx)
{
	struct ikefwd_key cur, next;
	struct table_row row;
	void *prev = NULL;
	int ret;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		cur = next;
		prev = &cur;
		/* Evicted or deleted since the key walk saw it: skip. */
		if (bpf_map_lookup_elem(fd, &cur, &row.e))
			continue;
		row.key = cur;
		ret = fn(&row, ctx);
		if (ret)
			return ret;
	}
	return errno == ENOENT ? 0 : -errno;
}

int table_foreach(int fd, int (*fn)(const struct table_row *row, void *ctx),
		  void *ctx)
{
	static __thread struct ikefwd_key keys[BATCH];
	static __thread struct ikefwd_entry vals[BATCH];
	/* Hash maps use a bucket index as the batch token. */
	uint64_t token = 0;
	bool first = true, last = false;
	struct table_row row;
	int ret;

	/* A few hundred entries per system call: a 10k-entry table is read
	 * in 40 calls instead of 20,000 (the API lists it for every page). */
	while (!last) {
		__u32 count = BATCH;

		ret = bpf_map_lookup_batch(fd, first ? NULL : &token, &token,
					   keys, vals, &count, NULL);
		if (ret < 0 && errno == ENOENT)
			last = true;
		else if (ret < 0 && first &&
			 (errno == EINVAL || errno == ENOTSUP ||
			  errno == EOPNOTSUPP))
			return foreach_by_key(fd, fn, ctx);
		else if (ret < 0)
			return -errno;
		first = false;
		for (__u32 i = 0; i < count; i++) {
			row.key = keys[i];
			row.e = vals[i];
			ret = fn(&row, ctx);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static int count_one(const struct table_row *row, void *ctx)
{
	(*(int *)ctx)++;
	return 0;
}

int table_count(int fd)
{
	int n = 0, ret = table_foreach(fd, count_one, &n);

	return ret < 0 ? ret : n;
}

int table_flush(int fd)
{
	struct ikefwd_key key;
	int n = 0;

	/* Always delete the first key: deleting while walking with
	 * get_next_key would restart the walk anyway. */
	while (!bpf_map_get_next_key(fd, NULL, &key)) {
		if (bpf_map_delete_elem(fd, &key) && errno != ENOENT)
			return -errno;
		n++;
	}
	return n;
}

static const struct {
	uint32_t bit;
	const char *name;
} flag_names[] = {
	{ IKEFWD_F_IKEV1, "ikev1" },
	{ IKEFWD_F_IKEV2, "ikev2" },
	{ IKEFWD_F_PHASE2, "phase2" },
	{ IKEFWD_F_CLAIMED, "claimed" },
	{ IKEFWD_F_OUTBOUND, "outbound" },
	{ IKEFWD_F_STATIC, "static" },
	{ IKEFWD_F_SYNCED, "synced" },
	{ IKEFWD_F_TAKEOVER, "takeover" },
	{ IKEFWD_F_LABEL, "label" },
	{ IKEFWD_F_REGISTERED, "registered" },
	{ IKEFWD_F_PROMOTED, "promoted" },
};

const char *entry_flag_name(uint32_t bit)
{
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (flag_names[i].bit == bit)
			return flag_names[i].name;
	return NULL;
}

void entry_flags_format(uint32_t flags, char *out, size_t len)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]);
	     i++) {
		if (!(flags & flag_names[i].bit))
			continue;
		used += snprintf(out + used, used < len ? len - used : 0,
				 "%s%s", used ? "," : "", flag_names[i].name);
	}
}
