// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cluster configuration file (docs/config.md), parsed by libinih.
 *
 * libinih calls on_key() once per "key = value" and, when that returns 0,
 * only remembers the line number. To name the file, line, section and key
 * in the one error line we print, on_key() keeps the first message, and
 * libinih reads through read_line(), which counts the lines. read_line()
 * also notices "[section]" lines, because Debian's libinih is built without
 * INI_CALL_HANDLER_ON_NEW_SECTION: a section without keys (a [member N]
 * whose address was forgotten) would otherwise be invisible.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "config.h"
#include "ikefwd/ha_segment.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define __printf(a, b) __attribute__((format(printf, a, b)))

/*
 * Ranges. Below 1024 entries a busy cluster would evict negotiations still
 * in progress; 16M entries already take more than a GiB of kernel memory.
 */
#define TIMEOUT_MAX_SEC 86400
#define TABLE_MIN_SIZE 1024
#define TABLE_MAX_SIZE (16 * 1024 * 1024)
#define HEARTBEAT_MIN_MS 10
#define HEARTBEAT_MAX_MS 60000
#define DEAD_AFTER_MIN_MS 20
#define DEAD_AFTER_MAX_MS 600000
#define JOIN_DELAY_MAX_MS 600000
/* The packaged vici listener's one-shot rekey (integration/strongswan). */
#ifndef IKEFWD_LIBDIR
#define IKEFWD_LIBDIR "/usr/lib/ikefwd"
#endif
#define HA_REKEY_DEFAULT IKEFWD_LIBDIR "/ikefwd-vici.py --rekey-segment"

#define API_DEFAULT_LISTEN "127.0.0.1"
#define API_DEFAULT_PORT 8080
#define SYNC_DEFAULT_PORT 7500
#define HEARTBEAT_DEFAULT_MS 500
#define DEAD_AFTER_DEFAULT_MS 2000

enum section {
	SEC_NONE, /* before the first [section] line */
	SEC_CLUSTER,
	SEC_INTERFACES,
	SEC_MEMBER,
	SEC_API,
	SEC_SYNC,
	SEC_HA,
	SEC_MAX,
};

/* Sections that appear once; [member N] is matched separately. */
static const char *const section_names[SEC_MAX] = {
	[SEC_CLUSTER] = "cluster", [SEC_INTERFACES] = "interfaces",
	[SEC_API] = "api",	   [SEC_SYNC] = "sync",
	[SEC_HA] = "ha",
};

enum key_type {
	KEY_MODE, /* enum ikefwd_mode */
	KEY_XDP_MODE, /* enum ikefwd_xdp_mode */
	KEY_UINT, /* uint16_t or uint32_t (by size), in [min, max] */
	KEY_BOOL, /* bool */
	KEY_PATH, /* char[size], absolute path; empty: not set */
	KEY_LISTEN, /* struct ikefwd_addr_cfg */
	KEY_ADDRESS, /* the address of the [member N] being read */
	KEY_ATTACH, /* interface names, added to ifaces[] */
	KEY_INSIDE, /* interface names, added to inside[] */
	KEY_U64, /* uint64_t, decimal or 0x hex */
	KEY_MEMBER_U64, /* uint64_t of the [member N] being read */
	KEY_MEMBER_SPI, /* uint32_t ESP SPI (256..) of that member */
	KEY_COMMAND, /* char[size]: words, the first an absolute path */
};

struct key {
	enum section section;
	const char *name;
	enum key_type type;
	size_t off; /* of the field in struct ikefwd_cfg */
	size_t size; /* of that field */
	uint32_t min, max; /* KEY_UINT */
};

#define KEY(sec, key, kind, field)                               \
	{                                                        \
		.section = sec, .name = key, .type = kind,       \
		.off = offsetof(struct ikefwd_cfg, field),       \
		.size = sizeof(((struct ikefwd_cfg *)0)->field), \
	}
#define UINT(sec, key, field, lo, hi)                                       \
	{                                                                   \
		.section = sec, .name = key, .type = KEY_UINT,              \
		.off = offsetof(struct ikefwd_cfg, field),                  \
		.size = sizeof(((struct ikefwd_cfg *)0)->field), .min = lo, \
		.max = hi,                                                  \
	}

#define MEMBER(key, kind, field)                                        \
	{                                                               \
		.section = SEC_MEMBER, .name = key, .type = kind,       \
		.off = offsetof(struct ikefwd_member_cfg, field),       \
		.size = sizeof(((struct ikefwd_member_cfg *)0)->field), \
	}

/* Every key of the file; docs/config.md describes each one. */
static const struct key keys[] = {
	KEY(SEC_CLUSTER, "mode", KEY_MODE, mode),
	UINT(SEC_CLUSTER, "local_member", local_member, 1,
	     IKEFWD_CFG_MAX_MEMBERS),
	UINT(SEC_CLUSTER, "active_member", active_member, 1,
	     IKEFWD_CFG_MAX_MEMBERS),
	UINT(SEC_CLUSTER, "timeout", timeout_sec, 1, TIMEOUT_MAX_SEC),
	UINT(SEC_CLUSTER, "table_size", table_size, TABLE_MIN_SIZE,
	     TABLE_MAX_SIZE),
	UINT(SEC_CLUSTER, "halfopen_size", halfopen_size, TABLE_MIN_SIZE,
	     TABLE_MAX_SIZE),
	UINT(SEC_CLUSTER, "claim_budget", claim_budget, 0, 1000000),
	UINT(SEC_CLUSTER, "ha_segments", ha_segments, 1,
	     IKEFWD_HA_SEGMENTS_MAX),
	UINT(SEC_CLUSTER, "ike_port", ike_port, 1, 65535),
	UINT(SEC_CLUSTER, "natt_port", natt_port, 1, 65535),
	KEY(SEC_CLUSTER, "esp_steering", KEY_BOOL, esp_steering),
	KEY(SEC_CLUSTER, "spi_labels", KEY_BOOL, spi_labels),
	KEY(SEC_CLUSTER, "spi_label_mask", KEY_U64, spi_label_mask),
	KEY(SEC_INTERFACES, "attach", KEY_ATTACH, ifaces),
	KEY(SEC_INTERFACES, "xdp_mode", KEY_XDP_MODE, xdp_mode),
	KEY(SEC_INTERFACES, "inside", KEY_INSIDE, inside),
	KEY(SEC_CLUSTER, "leak_guard", KEY_BOOL, leak_guard),
	{ .section = SEC_MEMBER, .name = "address", .type = KEY_ADDRESS },
	MEMBER("spi_label", KEY_MEMBER_U64, spi_label),
	MEMBER("spi_min", KEY_MEMBER_SPI, spi_min),
	MEMBER("spi_max", KEY_MEMBER_SPI, spi_max),
	KEY(SEC_API, "listen", KEY_LISTEN, api.listen),
	UINT(SEC_API, "port", api.port, 1, 65535),
	KEY(SEC_API, "unix_socket", KEY_PATH, api.unix_socket),
	KEY(SEC_API, "token_file", KEY_PATH, api.token_file),
	KEY(SEC_API, "auth_reads", KEY_BOOL, api.auth_reads),
	KEY(SEC_API, "tls_cert", KEY_PATH, api.tls_cert),
	KEY(SEC_API, "tls_key", KEY_PATH, api.tls_key),
	KEY(SEC_SYNC, "listen", KEY_LISTEN, sync.listen),
	UINT(SEC_SYNC, "port", sync.port, 1, 65535),
	KEY(SEC_SYNC, "key_file", KEY_PATH, sync.key_file),
	UINT(SEC_SYNC, "heartbeat_ms", sync.heartbeat_ms, HEARTBEAT_MIN_MS,
	     HEARTBEAT_MAX_MS),
	UINT(SEC_SYNC, "dead_after_ms", sync.dead_after_ms, DEAD_AFTER_MIN_MS,
	     DEAD_AFTER_MAX_MS),
	KEY(SEC_HA, "fifo", KEY_PATH, ha.fifo),
	KEY(SEC_HA, "rekey_command", KEY_COMMAND, ha.rekey_command),
	UINT(SEC_HA, "join_delay_ms", ha.join_delay_ms, 0, JOIN_DELAY_MAX_MS),
};

struct parser {
	const char *path;
	FILE *file;
	struct ikefwd_cfg cfg; /* copied out only if everything checks */

	/* What read_line() has seen. */
	unsigned int line; /* number of the line libinih is parsing */
	bool indented; /* that line starts with a blank */
	bool key_seen; /* a key since the last [section] line */
	unsigned int header_line; /* [section] line not opened yet; 0: none */
	char header[INI_MAX_LINE]; /* its name */
	int read_errno;

	/* The section keys go to. */
	enum section section;
	unsigned int section_line;
	char section_name[INI_MAX_LINE]; /* as written, for messages */
	struct ikefwd_member_cfg *member; /* SEC_MEMBER */
	unsigned int key_line[ARRAY_SIZE(keys)]; /* where set; 0: not yet */
	unsigned int seen_line[SEC_MAX]; /* where each section began */
	unsigned int member_line[IKEFWD_MAX_MEMBERS];

	/* The first error: only that one is reported. */
	bool failed;
	unsigned int err_line; /* 0: about the whole file */
	char msg[512];
};

static void vfail(struct parser *p, unsigned int line, const char *prefix,
		  const char *fmt, va_list ap)
{
	int n;

	if (p->failed)
		return;
	p->failed = true;
	p->err_line = line;
	n = snprintf(p->msg, sizeof(p->msg), "%s", prefix);
	if (n >= 0 && (size_t)n < sizeof(p->msg))
		vsnprintf(p->msg + n, sizeof(p->msg) - n, fmt, ap);
}

/* Records an error (unless one is already recorded); returns 0 for libinih. */
static __printf(3, 4) int fail(struct parser *p, unsigned int line,
			       const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, line, "", fmt, ap);
	va_end(ap);
	return 0;
}

/* An error found by a check of the whole file; returns -EINVAL. */
static __printf(2, 3) int file_fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(p, 0, "", fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An error about key name of the open section, on the current line. */
static __printf(3, 4) int key_fail(struct parser *p, const char *name,
				   const char *fmt, ...)
{
	char prefix[2 * INI_MAX_LINE];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "[%s] %s: ", p->section_name, name);
	va_start(ap, fmt);
	vfail(p, p->line, prefix, fmt, ap);
	va_end(ap);
	return 0;
}

/* An error about the open section, on its [section] line. */
static __printf(2, 3) int section_fail(struct parser *p, const char *fmt, ...)
{
	char prefix[INI_MAX_LINE + 8];
	va_list ap;

	snprintf(prefix, sizeof(prefix), "[%s]: ", p->section_name);
	va_start(ap, fmt);
	vfail(p, p->section_line, prefix, fmt, ap);
	va_end(ap);
	return 0;
}

/*
 * Plain decimal only: strtoul() alone would also take leading blanks, a
 * sign ("-1" wraps to ULONG_MAX) and trailing garbage.
 * Returns 0, -EINVAL (not a number) or -ERANGE.
 */
static int parse_uint(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

/* IPv4 or IPv6 text to the IPv4-mapped layout of struct ikefwd_member. */
/* Decimal or 0x hex, the whole string, no sign. */
static int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	*out = v;
	return 0;
}

static int parse_addr(const char *s, int *family, uint8_t addr[16],
		      char text[INET6_ADDRSTRLEN])
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	uint8_t buf[16];

	if (inet_pton(AF_INET, s, buf + 12) == 1) {
		memcpy(buf, v4mapped, sizeof(v4mapped));
		*family = AF_INET;
		inet_ntop(AF_INET, buf + 12, text, INET6_ADDRSTRLEN);
	} else if (inet_pton(AF_INET6, s, buf) == 1) {
		*family = AF_INET6;
		inet_ntop(AF_INET6, buf, text, INET6_ADDRSTRLEN);
	} else {
		return -EINVAL;
	}
	memcpy(addr, buf, sizeof(buf));
	return 0;
}

/*
 * A member's address identifies it to its peers and is the destination of
 * forwarded packets: it has to be a unicast address of one host.
 */
static const char *member_addr_problem(int family, const uint8_t addr[16])
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[16];

	if (family == AF_INET)
		return addr[12] == 0 || addr[12] >= 224 ?
			       "not a unicast address" :
			       NULL;
	if (!memcmp(addr, zero, 16) || addr[0] == 0xff)
		return "not a unicast address";
	/* Written as IPv6 it would equal an IPv4 member with another family. */
	if (!memcmp(addr, v4mapped, sizeof(v4mapped)))
		return "IPv4-mapped, write the IPv4 address";
	return NULL;
}

/* Linux's dev_valid_name(): what a network interface can be called. */
static bool valid_ifname(const char *name)
{
	return *name && strcmp(name, ".") && strcmp(name, "..") &&
	       !strpbrk(name, "/:");
}

/* attach (outside) or inside: names go to one list, and are in neither
 * twice, because one interface runs one XDP program. */
static int add_ifaces(struct parser *p, const char *name, char *value,
		      bool inside)
{
	struct ikefwd_cfg *cfg = &p->cfg;
	char(*list)[IFNAMSIZ] = inside ? cfg->inside : cfg->ifaces;
	unsigned int *nr = inside ? &cfg->nr_inside : &cfg->nr_ifaces;
	char(*other)[IFNAMSIZ] = inside ? cfg->ifaces : cfg->inside;
	unsigned int nr_other = inside ? cfg->nr_ifaces : cfg->nr_inside;
	char *save, *tok;
	unsigned int i;

	if (!*value)
		return key_fail(p, name, "no interface names");
	for (tok = strtok_r(value, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (strlen(tok) >= IFNAMSIZ)
			return key_fail(
				p, name,
				"interface name longer than %d characters: \"%s\"",
				IFNAMSIZ - 1, tok);
		if (!valid_ifname(tok))
			return key_fail(p, name,
					"not an interface name: \"%s\"", tok);
		for (i = 0; i < *nr; i++)
			if (!strcmp(list[i], tok))
				return key_fail(p, name,
						"interface \"%s\" listed twice",
						tok);
		for (i = 0; i < nr_other; i++)
			if (!strcmp(other[i], tok))
				return key_fail(
					p, name,
					"interface \"%s\" is also in %s: an "
					"interface is inside or outside",
					tok, inside ? "attach" : "inside");
		if (*nr == IKEFWD_CFG_MAX_IFACES)
			return key_fail(p, name, "more than %d interfaces",
					IKEFWD_CFG_MAX_IFACES);
		strcpy(list[(*nr)++], tok);
	}
	return 1;
}

static int parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Stores value (comment already stripped) in the field of key k. */
static int set_key(struct parser *p, const struct key *k, const char *name,
		   char *value)
{
	void *field = (char *)&p->cfg + k->off;
	struct ikefwd_member_cfg *m = p->member;
	struct ikefwd_addr_cfg *a = field;
	const char *problem;
	uint64_t v64;
	uint32_t v;
	int err;

	switch (k->type) {
	case KEY_MODE:
		if (!strcmp(value, "load-sharing"))
			p->cfg.mode = IKEFWD_MODE_LOAD_SHARING;
		else if (!strcmp(value, "ha"))
			p->cfg.mode = IKEFWD_MODE_HA;
		else if (!strcmp(value, "ha-sync"))
			p->cfg.mode = IKEFWD_MODE_HA_SYNC;
		else
			return key_fail(
				p, name,
				"unknown mode (load-sharing, ha or ha-sync): \"%s\"",
				value);
		return 1;
	case KEY_XDP_MODE:
		if (!strcmp(value, "native"))
			p->cfg.xdp_mode = IKEFWD_XDP_NATIVE;
		else if (!strcmp(value, "skb"))
			p->cfg.xdp_mode = IKEFWD_XDP_SKB;
		else if (!strcmp(value, "auto"))
			p->cfg.xdp_mode = IKEFWD_XDP_AUTO;
		else
			return key_fail(
				p, name,
				"unknown XDP mode (native, skb or auto): \"%s\"",
				value);
		return 1;
	case KEY_UINT:
		err = parse_uint(value, k->min, k->max, &v);
		if (err == -EINVAL)
			return key_fail(p, name, "not a number: \"%s\"", value);
		if (err)
			return key_fail(p, name,
					"out of range (%u..%u): \"%s\"", k->min,
					k->max, value);
		if (k->size == sizeof(uint16_t))
			*(uint16_t *)field = v;
		else
			*(uint32_t *)field = v;
		return 1;
	case KEY_BOOL:
		if (parse_bool(value, field))
			return key_fail(
				p, name,
				"not a boolean (yes/no, true/false, on/off, 1/0): \"%s\"",
				value);
		return 1;
	case KEY_PATH:
		/* Relative paths would depend on the daemon's cwd. */
		if (*value && *value != '/')
			return key_fail(p, name, "not an absolute path: \"%s\"",
					value);
		if (strlen(value) >= k->size)
			return key_fail(p, name, "longer than %zu characters",
					k->size - 1);
		strcpy(field, value);
		return 1;
	case KEY_COMMAND:
		/* Run without a shell: a relative first word would depend
		 * on PATH and the daemon's cwd. */
		if (*value && *value != '/')
			return key_fail(
				p, name,
				"the command must start with an absolute path: \"%s\"",
				value);
		if (strlen(value) >= k->size)
			return key_fail(p, name, "longer than %zu characters",
					k->size - 1);
		strcpy(field, value);
		return 1;
	case KEY_LISTEN:
		if (parse_addr(value, &a->family, a->addr, a->text))
			return key_fail(p, name,
					"not an IPv4 or IPv6 address: \"%s\"",
					value);
		return 1;
	case KEY_ADDRESS:
		if (parse_addr(value, &m->family, m->addr, m->addr_text))
			return key_fail(p, name,
					"not an IPv4 or IPv6 address: \"%s\"",
					value);
		problem = member_addr_problem(m->family, m->addr);
		if (problem)
			return key_fail(p, name, "%s: \"%s\"", problem, value);
		return 1;
	case KEY_ATTACH:
	case KEY_INSIDE:
		return add_ifaces(p, name, value, k->type == KEY_INSIDE);
	case KEY_U64:
	case KEY_MEMBER_U64:
		if (parse_u64(value, &v64))
			return key_fail(p, name,
					"not a 64-bit number (decimal or 0x "
					"hex): \"%s\"",
					value);
		*(uint64_t *)(k->type == KEY_U64 ? field : (char *)m + k->off) =
			v64;
		return 1;
	case KEY_MEMBER_SPI:
		/* SPIs 1..255 are reserved by IANA; 0 is never an SPI. */
		if (parse_u64(value, &v64) || v64 < 256 || v64 > UINT32_MAX)
			return key_fail(p, name,
					"not an SPI (256..0xffffffff): \"%s\"",
					value);
		*(uint32_t *)((char *)m + k->off) = v64;
		return 1;
	}
	return key_fail(p, name, "internal error: key type %d", k->type);
}

/* Checks done when a section ends: the next one starts, or the file ends. */
static int close_section(struct parser *p)
{
	if (p->section == SEC_MEMBER && !p->member->family)
		return section_fail(p, "address is not set");
	return 1;
}

static int open_member(struct parser *p, const char *id_text)
{
	struct ikefwd_cfg *cfg = &p->cfg;
	uint32_t id;
	int err;

	err = parse_uint(id_text, 1, IKEFWD_CFG_MAX_MEMBERS, &id);
	if (err == -EINVAL)
		return section_fail(p, "member id not a number: \"%s\"",
				    id_text);
	if (err)
		return section_fail(p, "member id out of range (1..%d): \"%s\"",
				    IKEFWD_CFG_MAX_MEMBERS, id_text);
	if (p->member_line[id])
		return section_fail(p, "duplicate section, first on line %u",
				    p->member_line[id]);
	/* Ids are unique and at most IKEFWD_CFG_MAX_MEMBERS: there is room. */
	p->member_line[id] = p->section_line;
	p->member = &cfg->members[cfg->nr_members++];
	p->member->id = id;
	return 1;
}

/* Keys from now on go to section name, which starts on line. */
static int open_section(struct parser *p, const char *name, unsigned int line)
{
	const char *rest;
	int i;

	if (!close_section(p))
		return 0;
	p->header_line = 0;
	p->section = SEC_NONE;
	p->section_line = line;
	snprintf(p->section_name, sizeof(p->section_name), "%s", name);
	memset(p->key_line, 0, sizeof(p->key_line));

	if (!strncmp(name, "member", 6) && isblank((unsigned char)name[6])) {
		rest = name + 6;
		while (isblank((unsigned char)*rest))
			rest++;
		if (!open_member(p, rest))
			return 0;
		p->section = SEC_MEMBER;
		return 1;
	}
	for (i = 0; i < SEC_MAX; i++) {
		if (!section_names[i] || strcmp(name, section_names[i]))
			continue;
		if (p->seen_line[i])
			return section_fail(
				p, "duplicate section, first on line %u",
				p->seen_line[i]);
		p->seen_line[i] = line;
		p->section = i;
		return 1;
	}
	return section_fail(p, "unknown section");
}

/*
 * libinih (as Debian builds it) takes only ';' for inline comments; the
 * file format also allows '#', under the same rule: at the start of the
 * value or after a blank, so "a#b" stays a value.
 */
static void strip_comment(char *s)
{
	char *c, *end;

	for (c = s; *c; c++) {
		if (*c == '#' && (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			break;
		}
	}
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
}

static int on_key(void *user, const char *section, const char *name,
		  const char *value)
{
	struct parser *p = user;
	char buf[INI_MAX_LINE];
	const struct key *k = NULL;
	size_t i;

	p->key_seen = true;
	/* The first key of a section: libinih's name for it is the truth. */
	if (p->header_line && !open_section(p, section, p->header_line))
		return 0;
	if (p->section == SEC_NONE)
		return fail(p, p->line, "%s: not in a section", name);

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		if (keys[i].section == p->section &&
		    !strcmp(keys[i].name, name)) {
			k = &keys[i];
			break;
		}
	}
	if (!k)
		return key_fail(p, name, "unknown key");

	snprintf(buf, sizeof(buf), "%s", value);
	strip_comment(buf);

	/*
	 * libinih takes an indented line as more of the key above it (as
	 * Python's configparser does): useful for attach only.
	 */
	if (p->key_line[i] && k->type != KEY_ATTACH && k->type != KEY_INSIDE) {
		if (p->indented)
			return key_fail(
				p, name,
				"indented line continues this key: \"%s\"",
				buf);
		return key_fail(p, name, "repeated key (first on line %u)",
				p->key_line[i]);
	}
	if (!p->key_line[i])
		p->key_line[i] = p->line;
	return set_key(p, k, name, buf);
}

/*
 * libinih's line reader (an fgets() that counts). Stops the parse after the
 * first error, and at a line longer than libinih's buffer, which it would
 * otherwise cut short.
 */
static char *read_line(char *buf, int size, void *user)
{
	struct parser *p = user;
	const char *start = buf, *s, *end;
	size_t len;

	if (p->failed)
		return NULL;
	if (!fgets(buf, size, p->file)) {
		if (ferror(p->file))
			p->read_errno = errno ? errno : EIO;
		return NULL;
	}
	p->line++;
	len = strlen(buf);
	if (len == (size_t)size - 1 && buf[len - 1] != '\n' &&
	    getc(p->file) != EOF) {
		fail(p, p->line, "line longer than %d characters", size - 2);
		return NULL;
	}

	if (p->line == 1 && !strncmp(buf, "\xef\xbb\xbf", 3))
		start += 3; /* UTF-8 byte order mark, skipped by libinih too */
	s = start;
	while (isspace((unsigned char)*s))
		s++;
	p->indented = *s && s != start;

	/* Same rule as libinih: an indented line after a key continues it. */
	if (*s != '[' || (p->indented && p->key_seen))
		return buf;
	end = strchr(s, ']');
	if (!end)
		return buf; /* libinih reports the syntax error */
	/* The previous [section] had no key: open it now, for its checks. */
	if (p->header_line && !open_section(p, p->header, p->header_line))
		return NULL;
	snprintf(p->header, sizeof(p->header), "%.*s", (int)(end - s - 1),
		 s + 1);
	p->header_line = p->line;
	p->key_seen = false;
	return buf;
}

static void set_defaults(struct ikefwd_cfg *cfg)
{
	cfg->mode = IKEFWD_MODE_LOAD_SHARING;
	cfg->timeout_sec = IKEFWD_DEFAULT_TIMEOUT_SEC;
	cfg->table_size = IKEFWD_TABLE_DEFAULT_SIZE;
	cfg->halfopen_size = IKEFWD_HALFOPEN_DEFAULT_SIZE;
	cfg->ike_port = IKEFWD_IKE_PORT;
	cfg->natt_port = IKEFWD_NATT_PORT;
	cfg->xdp_mode = IKEFWD_XDP_NATIVE;
	cfg->leak_guard = true;
	cfg->ha_segments = 2;
	parse_addr(API_DEFAULT_LISTEN, &cfg->api.listen.family,
		   cfg->api.listen.addr, cfg->api.listen.text);
	cfg->api.port = API_DEFAULT_PORT;
	cfg->sync.port = SYNC_DEFAULT_PORT;
	cfg->sync.heartbeat_ms = HEARTBEAT_DEFAULT_MS;
	cfg->sync.dead_after_ms = DEAD_AFTER_DEFAULT_MS;
	snprintf(cfg->ha.fifo, sizeof(cfg->ha.fifo), "%s",
		 IKEFWD_HA_FIFO_DEFAULT);
	snprintf(cfg->ha.rekey_command, sizeof(cfg->ha.rekey_command), "%s",
		 HA_REKEY_DEFAULT);
	cfg->ha.join_delay_ms = IKEFWD_HA_JOIN_DELAY_DEFAULT_MS;
}

/* Runs libinih over the file. Returns 0 or a negative errno. */
static int parse(struct parser *p)
{
	int ret;

	p->file = fopen(p->path, "re");
	if (!p->file) {
		ret = -errno;
		fail(p, 0, "cannot open: %s", strerror(-ret));
		return ret;
	}
	ret = ini_parse_stream(read_line, p, on_key, p);
	fclose(p->file);
	if (p->read_errno) {
		p->failed = false; /* a read error beats anything it caused */
		fail(p, 0, "cannot read: %s", strerror(p->read_errno));
		return -p->read_errno;
	}
	if (ret < 0) {
		fail(p, 0, "out of memory");
		return -ENOMEM;
	}
	/* The first error in the file: libinih's own, or ours. */
	if (ret > 0 && (!p->failed || (unsigned int)ret < p->err_line)) {
		p->failed = false;
		fail(p, ret, "syntax error");
	}
	if (!p->failed && p->header_line)
		open_section(p, p->header, p->header_line);
	if (!p->failed)
		close_section(p);
	return p->failed ? -EINVAL : 0;
}

/* ESP ranges must not overlap (an SPI has one owner); labels must be
 * distinct, non-zero under the mask and inside it. */
static int check_spis(struct parser *p)
{
	struct ikefwd_cfg *cfg = &p->cfg;
	const struct ikefwd_member_cfg *a, *b;
	unsigned int i, j;

	for (i = 0; i < cfg->nr_members; i++) {
		a = &cfg->members[i];
		if (!a->spi_min != !a->spi_max)
			return file_fail(
				p,
				"[member %u] spi_min and spi_max go together",
				a->id);
		if (a->spi_min > a->spi_max)
			return file_fail(
				p,
				"[member %u] spi_min 0x%08x is above spi_max 0x%08x",
				a->id, a->spi_min, a->spi_max);
		if (cfg->spi_labels) {
			if (!cfg->spi_label_mask)
				return file_fail(
					p,
					"[cluster] spi_labels needs spi_label_mask");
			if (!(a->spi_label & cfg->spi_label_mask))
				return file_fail(
					p,
					"[member %u] spi_label is not set, or 0 under spi_label_mask",
					a->id);
			if (a->spi_label & ~cfg->spi_label_mask)
				return file_fail(
					p,
					"[member %u] spi_label 0x%016llx has bits outside spi_label_mask",
					a->id,
					(unsigned long long)a->spi_label);
		}
		for (j = i + 1; j < cfg->nr_members; j++) {
			b = &cfg->members[j];
			if (a->spi_min && b->spi_min &&
			    a->spi_min <= b->spi_max &&
			    b->spi_min <= a->spi_max)
				return file_fail(
					p,
					"[member %u] and [member %u] have overlapping SPI ranges",
					a->id, b->id);
			if (cfg->spi_labels && a->spi_label == b->spi_label)
				return file_fail(
					p,
					"[member %u] and [member %u] have the same spi_label",
					a->id, b->id);
		}
	}
	return 0;
}

/* Checks of the file as a whole. Returns 0 or -EINVAL. */
static int check(struct parser *p)
{
	struct ikefwd_cfg *cfg = &p->cfg;
	const struct ikefwd_member_cfg *a, *b;
	unsigned int i, j;
	int local, err;

	if (!cfg->nr_members)
		return file_fail(p, "no [member N] section");
	if (!cfg->local_member)
		return file_fail(p, "[cluster] local_member is not set");
	local = ikefwd_cfg_member(cfg, cfg->local_member);
	if (local < 0)
		return file_fail(p,
				 "local_member %u is not a [member %u] section",
				 cfg->local_member, cfg->local_member);
	if (cfg->mode == IKEFWD_MODE_HA) {
		if (!cfg->active_member)
			return file_fail(
				p,
				"[cluster] active_member is not set (required in ha mode)");
		if (ikefwd_cfg_member(cfg, cfg->active_member) < 0)
			return file_fail(
				p,
				"active_member %u is not a [member %u] section",
				cfg->active_member, cfg->active_member);
	} else if (cfg->active_member) {
		/* Ignoring it would hide a half-finished change of mode. */
		return file_fail(p, "active_member is set but mode is %s",
				 ikefwd_mode_name(cfg->mode));
	}
	/* Like active_member: a [ha] section left behind by a change of
	 * mode would be silently ignored. */
	if (p->seen_line[SEC_HA] && cfg->mode != IKEFWD_MODE_HA_SYNC)
		return file_fail(p, "[ha] on line %u is set but mode is %s",
				 p->seen_line[SEC_HA],
				 ikefwd_mode_name(cfg->mode));
	/* The ha plugin is a two-node protocol (one `remote`). */
	if (cfg->mode == IKEFWD_MODE_HA_SYNC && cfg->nr_members != 2)
		return file_fail(
			p,
			"mode ha-sync needs exactly 2 [member] sections, "
			"found %u",
			cfg->nr_members);
	for (i = 0; i < cfg->nr_members; i++) {
		a = &cfg->members[i];
		for (j = i + 1; j < cfg->nr_members; j++) {
			b = &cfg->members[j];
			if (!memcmp(a->addr, b->addr, sizeof(a->addr)))
				return file_fail(
					p,
					"[member %u] and [member %u] have the same address %s",
					a->id, b->id, a->addr_text);
		}
	}
	err = check_spis(p);
	if (err)
		return err;
	if (cfg->ike_port == cfg->natt_port)
		return file_fail(p, "ike_port and natt_port are both %u",
				 cfg->ike_port);
	if (!*cfg->api.tls_cert != !*cfg->api.tls_key)
		return file_fail(
			p,
			"[api] tls_cert and tls_key go together: %s is not set",
			*cfg->api.tls_cert ? "tls_key" : "tls_cert");
	if (cfg->api.auth_reads && !*cfg->api.token_file)
		return file_fail(p, "[api] auth_reads needs a token_file");
	if (cfg->sync.dead_after_ms <= cfg->sync.heartbeat_ms)
		return file_fail(
			p,
			"[sync] dead_after_ms (%u) must exceed heartbeat_ms (%u)",
			cfg->sync.dead_after_ms, cfg->sync.heartbeat_ms);

	/* Sync runs between the members' unique addresses: ours by default. */
	if (!cfg->sync.listen.family) {
		a = &cfg->members[local];
		cfg->sync.listen.family = a->family;
		memcpy(cfg->sync.listen.addr, a->addr, sizeof(a->addr));
		memcpy(cfg->sync.listen.text, a->addr_text,
		       sizeof(a->addr_text));
	}
	return 0;
}

int ikefwd_cfg_load(const char *path, struct ikefwd_cfg *cfg, char *err,
		    size_t errlen)
{
	struct parser *p;
	int ret;

	/* ~20 KiB with the configuration inside: not for the stack. */
	p = calloc(1, sizeof(*p));
	if (!p) {
		if (errlen)
			snprintf(err, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	p->path = path;
	set_defaults(&p->cfg);
	snprintf(p->cfg.path, sizeof(p->cfg.path), "%s", path);

	ret = parse(p);
	if (!ret)
		ret = check(p);
	if (!ret)
		*cfg = p->cfg;
	else if (errlen && p->err_line)
		snprintf(err, errlen, "%s:%u: %s", path, p->err_line, p->msg);
	else if (errlen)
		snprintf(err, errlen, "%s: %s", path, p->msg);
	free(p);
	return ret;
}

const char *ikefwd_mode_name(enum ikefwd_mode mode)
{
	switch (mode) {
	case IKEFWD_MODE_LOAD_SHARING:
		return "load-sharing";
	case IKEFWD_MODE_HA:
		return "ha";
	case IKEFWD_MODE_HA_SYNC:
		return "ha-sync";
	}
	return "unknown";
}

const char *ikefwd_xdp_mode_name(enum ikefwd_xdp_mode mode)
{
	switch (mode) {
	case IKEFWD_XDP_NATIVE:
		return "native";
	case IKEFWD_XDP_SKB:
		return "skb";
	case IKEFWD_XDP_AUTO:
		return "auto";
	}
	return "unknown";
}

int ikefwd_cfg_member(const struct ikefwd_cfg *cfg, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_members; i++)
		if (cfg->members[i].id == id)
			return i;
	return -1;
}
