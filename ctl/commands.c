// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The command table of ikefwdctl (commands.h). Every key a command sends
 * is checked here first with the same parsers the rest of ikefwd uses
 * (lib/table.h), so a typo is a usage error on this side, never a request
 * the server has to refuse, and cookies go out in their one canonical
 * form (16 lower-case hex digits).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>

#include "commands.h"
#include "config.h"
#include "ha_segment.h"
#include "ikefwd/member.h"
#include "selector.h"
#include "output.h"
#include "table.h"

/* A whole Ethernet frame, as POST receive-packet takes it. */
#define FRAME_MIN 14
#define FRAME_MAX 4096
#define LIST_LIMIT_MAX 1000
/* POST sa: SPIs 256..2^32-1 (1..255 are reserved), 64 in one request. */
#define SPI_MIN 256
#define SPIS_MAX 64
/* POST ts: 64 prefixes in one request. */
#define PREFIXES_MAX 64

static int usage_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_cookie(const char *text, char out[COOKIE_HEX_LEN + 1],
			char *err, size_t errlen)
{
	uint8_t ispi[8];

	if (cookie_parse(text, ispi))
		return usage_err(err, errlen, "cookie '%s': give 16 hex digits",
				 text);
	cookie_format(ispi, out);
	return 0;
}

static int parse_msgid(const char *text, uint32_t *msgid, char *err,
		       size_t errlen)
{
	if (msgid_parse(text, msgid))
		return usage_err(err, errlen,
				 "message id '%s': give a number from 0 to "
				 "4294967295",
				 text);
	return 0;
}

static int parse_member(const char *text, uint32_t *id, char *err,
			size_t errlen)
{
	if (member_id_parse(text, id))
		return usage_err(err, errlen,
				 "member '%s': give an id from 1 to %d", text,
				 IKEFWD_MAX_MEMBERS - 1);
	return 0;
}

/* A whole decimal number in [min, max]. */
static int parse_range(const char *what, const char *text, long min, long max,
		       long *out, char *err, size_t errlen)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (!*text || *end || errno || v < min || v > max)
		return usage_err(err, errlen,
				 "%s '%s': give a number from %ld to %ld", what,
				 text, min, max);
	*out = v;
	return 0;
}

/* The JSON text of a body built with json_pack(); NULL body: -ENOMEM. */
static int set_body(struct ctl_request *req, json_t *body)
{
	if (!body)
		return -ENOMEM;
	req->body = json_dumps(body, JSON_COMPACT);
	json_decref(body);
	return req->body ? 0 : -ENOMEM;
}

static void set_path(struct ctl_request *req, const char *method,
		     const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_path(struct ctl_request *req, const char *method,
		     const char *fmt, ...)
{
	int n = snprintf(req->path, sizeof(req->path), "%s", CTL_API_BASE);
	va_list ap;

	req->method = method;
	va_start(ap, fmt);
	vsnprintf(req->path + n, sizeof(req->path) - n, fmt, ap);
	va_end(ap);
}

/* words[0], words[1]: COOKIE MSGID. */
struct key {
	char cookie[COOKIE_HEX_LEN + 1];
	uint32_t msgid;
};

static int parse_key(char **words, struct key *k, char *err, size_t errlen)
{
	return parse_cookie(words[0], k->cookie, err, errlen) ?:
		       parse_msgid(words[1], &k->msgid, err, errlen);
}

/* GET ENDPOINT?cookie=&msg_id= */
static int build_key_query(const struct ctl_opts *o, struct ctl_request *req,
			   const char *endpoint, char *err, size_t errlen)
{
	struct key k;
	int ret = parse_key(o->words, &k, err, errlen);

	if (ret)
		return ret;
	set_path(req, "GET", "%s?cookie=%s&msg_id=%u", endpoint, k.cookie,
		 k.msgid);
	return 0;
}

/* POST ENDPOINT {"cookie", "msg_id"} */
static int build_key_post(const struct ctl_opts *o, struct ctl_request *req,
			  const char *endpoint, char *err, size_t errlen)
{
	struct key k;
	int ret = parse_key(o->words, &k, err, errlen);

	if (ret)
		return ret;
	set_path(req, "POST", "%s", endpoint);
	return set_body(req, json_pack("{s:s, s:I}", "cookie", k.cookie,
				       "msg_id", (json_int_t)k.msgid));
}

static int build_list(const struct ctl_opts *o, struct ctl_request *req,
		      char *err, size_t errlen)
{
	char query[128] = "", cookie[COOKIE_HEX_LEN + 1];
	size_t n = 0;
	uint32_t owner;
	long v = 0;

	/* Each filter goes out only when given: the server's defaults are
	 * the ones docs/api.md promises. */
	if (o->cookie) {
		if (parse_cookie(o->cookie, cookie, err, errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&cookie=%s",
			      cookie);
	}
	if (o->owner) {
		if (parse_member(o->owner, &owner, err, errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&owner=%u", owner);
	}
	if (o->phase) {
		if (parse_range("phase", o->phase, 1, 2, &v, err, errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&phase=%ld", v);
	}
	if (o->offset) {
		if (parse_range("offset", o->offset, 0, UINT32_MAX, &v, err,
				errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&offset=%ld", v);
	}
	if (o->limit) {
		if (parse_range("limit", o->limit, 1, LIST_LIMIT_MAX, &v, err,
				errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&limit=%ld", v);
	}
	/* The first '&' becomes the '?'. */
	if (n)
		query[0] = '?';
	set_path(req, "GET", "packet-tracking%s", query);
	return 0;
}

/* add / set-owner: COOKIE MSGID MEMBER */
static int build_owned(const struct ctl_opts *o, struct ctl_request *req,
		       const char *method, char *err, size_t errlen)
{
	uint32_t owner;
	struct key k;

	if (parse_key(o->words, &k, err, errlen) ||
	    parse_member(o->words[2], &owner, err, errlen))
		return -EINVAL;
	set_path(req, method, "packet-tracking");
	return set_body(req, json_pack("{s:s, s:I, s:I}", "cookie", k.cookie,
				       "msg_id", (json_int_t)k.msgid, "owner",
				       (json_int_t)owner));
}

static int build_add(const struct ctl_opts *o, struct ctl_request *req,
		     char *err, size_t errlen)
{
	return build_owned(o, req, "POST", err, errlen);
}

static int build_set_owner(const struct ctl_opts *o, struct ctl_request *req,
			   char *err, size_t errlen)
{
	return build_owned(o, req, "PUT", err, errlen);
}

static int build_del(const struct ctl_opts *o, struct ctl_request *req,
		     char *err, size_t errlen)
{
	int ret = build_key_query(o, req, "packet-tracking", err, errlen);

	req->method = "DELETE";
	return ret;
}

static int build_flush(const struct ctl_opts *o, struct ctl_request *req,
		       char *err, size_t errlen)
{
	set_path(req, "DELETE", "packet-tracking?flush=true");
	return 0;
}

static int build_cookie(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	char cookie[COOKIE_HEX_LEN + 1];

	if (parse_cookie(o->words[0], cookie, err, errlen))
		return -EINVAL;
	set_path(req, "GET", "cookie?cookie=%s", cookie);
	return 0;
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

/* --hex: the digits, with any blanks or colons of a pasted dump dropped,
 * as lower case. The frame's length is checked here as the server would. */
static int frame_hex_from_text(const char *text, char **out, char *err,
			       size_t errlen)
{
	size_t n = 0, len = strlen(text);
	char *hex = malloc(len + 1);

	if (!hex)
		return -ENOMEM;
	for (const char *p = text; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == ':')
			continue;
		if (hexval(*p) < 0) {
			free(hex);
			return usage_err(err, errlen,
					 "--hex: '%c' is not a hex digit", *p);
		}
		hex[n++] = *p | 0x20; /* lower case */
	}
	hex[n] = '\0';
	if (n % 2 || n / 2 < FRAME_MIN || n / 2 > FRAME_MAX) {
		free(hex);
		return usage_err(err, errlen,
				 "--hex: give a whole frame, %d to %d bytes "
				 "(an even number of hex digits)",
				 FRAME_MIN, FRAME_MAX);
	}
	*out = hex;
	return 0;
}

/* --file: the raw bytes of a frame, as hex. */
static int frame_hex_from_file(const char *path, char **out, char *err,
			       size_t errlen)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t frame[FRAME_MAX + 1];
	size_t n = 0;
	ssize_t got;
	char *hex;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	/* One byte more than a frame may have, to tell "too long". */
	while (n < sizeof(frame) &&
	       (got = read(fd, frame + n, sizeof(frame) - n)) != 0) {
		if (got < 0) {
			int ret = -errno;

			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			close(fd);
			return ret;
		}
		n += got;
	}
	close(fd);
	if (n < FRAME_MIN || n > FRAME_MAX)
		return usage_err(err, errlen,
				 "%s: %s; a frame is %d to %d bytes", path,
				 n > FRAME_MAX ? "too long" : "too short",
				 FRAME_MIN, FRAME_MAX);
	hex = malloc(2 * n + 1);
	if (!hex)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[frame[i] >> 4];
		hex[2 * i + 1] = digits[frame[i] & 15];
	}
	hex[2 * n] = '\0';
	*out = hex;
	return 0;
}

static int build_receive(const struct ctl_opts *o, struct ctl_request *req,
			 char *err, size_t errlen)
{
	char *hex = NULL;
	int ret;

	if (!o->hex == !o->file)
		return usage_err(err, errlen,
				 "receive-packet: give --hex HEX or "
				 "--file FRAME.bin");
	ret = o->hex ? frame_hex_from_text(o->hex, &hex, err, errlen) :
		       frame_hex_from_file(o->file, &hex, err, errlen);
	if (ret)
		return ret;
	set_path(req, "POST", "receive-packet");
	ret = o->iface ? set_body(req, json_pack("{s:s, s:s}", "frame_hex", hex,
						 "iface", o->iface)) :
			 set_body(req, json_pack("{s:s}", "frame_hex", hex));
	free(hex);
	return ret;
}

static int build_ha(const struct ctl_opts *o, struct ctl_request *req,
		    char *err, size_t errlen)
{
	uint32_t active;

	if (!o->active)
		return usage_err(err, errlen,
				 "ha: give the active member: --active N");
	if (parse_member(o->active, &active, err, errlen))
		return -EINVAL;
	set_path(req, "PUT", "ha-ownership");
	return set_body(req, json_pack("{s:s, s:I}", "mode", "ha",
				       "active_member", (json_int_t)active));
}

static int build_load_sharing(const struct ctl_opts *o, struct ctl_request *req,
			      char *err, size_t errlen)
{
	set_path(req, "PUT", "ha-ownership");
	return set_body(req, json_pack("{s:s}", "mode", "load-sharing"));
}

static int build_resolve(const struct ctl_opts *o, struct ctl_request *req,
			 char *err, size_t errlen)
{
	return build_key_query(o, req, "cookie-resolution", err, errlen);
}

static int build_search(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	return build_key_query(o, req, "table-search", err, errlen);
}

static int build_owner(const struct ctl_opts *o, struct ctl_request *req,
		       char *err, size_t errlen)
{
	return build_key_query(o, req, "ownership-check", err, errlen);
}

static int build_exists(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	return build_key_query(o, req, "table-verification", err, errlen);
}

static int build_local(const struct ctl_opts *o, struct ctl_request *req,
		       char *err, size_t errlen)
{
	return build_key_post(o, req, "local-handling", err, errlen);
}

static int build_take(const struct ctl_opts *o, struct ctl_request *req,
		      char *err, size_t errlen)
{
	return build_key_post(o, req, "take-ownership", err, errlen);
}

static int build_create(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	return build_key_post(o, req, "entry-creation", err, errlen);
}

static int build_forward(const struct ctl_opts *o, struct ctl_request *req,
			 char *err, size_t errlen)
{
	uint32_t member;
	struct key k;

	if (parse_key(o->words, &k, err, errlen) ||
	    parse_member(o->words[2], &member, err, errlen))
		return -EINVAL;
	set_path(req, "POST", "remote-forward");
	return set_body(req, json_pack("{s:s, s:I, s:I}", "cookie", k.cookie,
				       "msg_id", (json_int_t)k.msgid, "member",
				       (json_int_t)member));
}

static int build_initiate(const struct ctl_opts *o, struct ctl_request *req,
			  char *err, size_t errlen)
{
	char cookie[COOKIE_HEX_LEN + 1];
	uint32_t msgid;

	if (parse_cookie(o->words[0], cookie, err, errlen))
		return -EINVAL;
	set_path(req, "POST", "initiate-negotiation");
	/* Without a MSGID the server starts Phase 1 (msg_id 0). */
	if (o->nr_words == 1)
		return set_body(req, json_pack("{s:s}", "cookie", cookie));
	if (parse_msgid(o->words[1], &msgid, err, errlen))
		return -EINVAL;
	return set_body(req, json_pack("{s:s, s:I}", "cookie", cookie, "msg_id",
				       (json_int_t)msgid));
}

static int build_members(const struct ctl_opts *o, struct ctl_request *req,
			 char *err, size_t errlen)
{
	set_path(req, "GET", "members");
	return 0;
}

static int build_member(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	const char *state = o->words[1];
	uint32_t id;

	if (parse_member(o->words[0], &id, err, errlen))
		return -EINVAL;
	if (strcmp(state, "alive") && strcmp(state, "dead"))
		return usage_err(err, errlen,
				 "member: '%s': give alive or dead", state);
	set_path(req, "PUT", "members");
	return set_body(req, json_pack("{s:I, s:b}", "id", (json_int_t)id,
				       "alive", !strcmp(state, "alive")));
}

static int build_config(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	set_path(req, "GET", "config");
	return 0;
}

static int build_stats(const struct ctl_opts *o, struct ctl_request *req,
		       char *err, size_t errlen)
{
	set_path(req, "GET", "stats");
	return 0;
}

static int build_health(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	set_path(req, "GET", "health");
	return 0;
}

/* segments, or segments report ESTABLISHED PASSIVE (the vici listener's
 * count of its charon's IKE_SAs). */
static int build_segments(const struct ctl_opts *o, struct ctl_request *req,
			  char *err, size_t errlen)
{
	long est = 0, pas = 0; /* gcc -O3 cannot see parse_range() set them */

	if (!o->nr_words) {
		set_path(req, "GET", "ha-segments");
		return 0;
	}
	if (o->nr_words != 3 || strcmp(o->words[0], "report"))
		return usage_err(err, errlen,
				 "usage: ikefwdctl segments [report "
				 "ESTABLISHED PASSIVE]");
	if (parse_range("established", o->words[1], 0, UINT32_MAX, &est, err,
			errlen) ||
	    parse_range("passive", o->words[2], 0, UINT32_MAX, &pas, err,
			errlen))
		return -EINVAL;
	set_path(req, "PUT", "ha-segments");
	return set_body(req,
			json_pack("{s:I, s:I}", "established", (json_int_t)est,
				  "passive", (json_int_t)pas));
}

/* The ha plugin's segment of each address, computed here with the one
 * definition of the hash (lib/ha_segment.h) and the configuration's
 * ha_segments (the default without --config): the vici listener asks
 * this rather than hashing a second time. */
static int segment_of(const struct ctl_opts *o, FILE *out, char *err,
		      size_t errlen)
{
	static struct ikefwd_cfg cfg;
	unsigned int count = 2;
	json_t *list = NULL;
	uint8_t addr[16];
	int ret, family;

	if (o->config) {
		ret = ikefwd_cfg_load(o->config, &cfg, err, errlen);
		if (ret)
			return ret == -EINVAL ? -EIO : ret;
		count = cfg.ha_segments;
	}
	for (int i = 0; i < o->nr_words; i++) {
		family = strchr(o->words[i], ':') ? AF_INET6 : AF_INET;
		if (inet_pton(family, o->words[i], addr) != 1)
			return usage_err(err, errlen,
					 "address '%s': give an IPv4 or IPv6 "
					 "address",
					 o->words[i]);
	}
	if (o->json)
		list = json_array();
	for (int i = 0; i < o->nr_words; i++) {
		family = strchr(o->words[i], ':') ? AF_INET6 : AF_INET;
		inet_pton(family, o->words[i], addr);
		ret = ikefwd_ha_segment(family, addr, count);
		if (ret < 0)
			return ret;
		if (list)
			json_array_append_new(
				list, json_pack("{s:s, s:i}", "address",
						o->words[i], "segment", ret));
		else
			fprintf(out, "%s %d\n", o->words[i], ret);
	}
	if (list) {
		json_t *answer = json_pack("{s:i, s:o}", "ha_segments", count,
					   "segments", list);

		json_dumpf(answer, out, JSON_COMPACT);
		fputc('\n', out);
		json_decref(answer);
	}
	return 0;
}

static int build_metrics(const struct ctl_opts *o, struct ctl_request *req,
			 char *err, size_t errlen)
{
	/* Prometheus scrapes the server root, not the API's base path. */
	req->method = "GET";
	snprintf(req->path, sizeof(req->path), "/metrics");
	return 0;
}

/* An SPI, in decimal or as 0x and hex digits. */
static int parse_spi(const char *text, uint32_t *spi, char *err, size_t errlen)
{
	bool hex = !strncasecmp(text, "0x", 2);
	const char *digits = hex ? text + 2 : text;
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(digits, &end, hex ? 16 : 10);
	if (!*digits || *end || errno || *digits == '-' || *digits == '+' ||
	    v < SPI_MIN || v > UINT32_MAX)
		return usage_err(err, errlen,
				 "SPI '%s': give a number from %d to "
				 "4294967295 (or 0x100 to 0xffffffff)",
				 text, SPI_MIN);
	*spi = v;
	return 0;
}

/* sa list [--spi N] [--owner N]: GET sa?spi=&owner= */
static int build_sa_list(const struct ctl_opts *o, struct ctl_request *req,
			 char *err, size_t errlen)
{
	char query[64] = "";
	uint32_t spi, owner;
	size_t n = 0;

	if (o->nr_words != 1)
		return usage_err(err, errlen,
				 "usage: ikefwdctl sa list [--spi N] "
				 "[--owner N]");
	if (o->lifetime)
		return usage_err(err, errlen, "sa list: no option --lifetime");
	if (o->spi) {
		if (parse_spi(o->spi, &spi, err, errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&spi=%u", spi);
	}
	if (o->owner) {
		if (parse_member(o->owner, &owner, err, errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&owner=%u", owner);
	}
	if (n)
		query[0] = '?';
	set_path(req, "GET", "sa%s", query);
	return 0;
}

/* sa add SPI [SPI...] [--owner N] [--lifetime S]: POST sa with "spi" for
 * one, "spis" for more; owner and lifetime_s only when given. */
static int build_sa_add(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	json_t *body, *spis = NULL;
	/* Read only when o->owner / o->lifetime are set, which also sets
	 * them; gcc -O3 cannot see that across the calls in between. */
	uint32_t spi, owner = 0;
	long lifetime = 0;

	if (o->nr_words < 2 || o->nr_words > SPIS_MAX + 1)
		return usage_err(err, errlen,
				 "usage: ikefwdctl sa add SPI [SPI...] "
				 "[--owner N] [--lifetime S] (1 to %d SPIs)",
				 SPIS_MAX);
	if (o->spi)
		return usage_err(err, errlen,
				 "sa add: give the SPIs as words, not --spi");
	if (o->owner && parse_member(o->owner, &owner, err, errlen))
		return -EINVAL;
	if (o->lifetime && parse_range("lifetime", o->lifetime, 0, UINT32_MAX,
				       &lifetime, err, errlen))
		return -EINVAL;
	body = json_object();
	if (!body)
		return -ENOMEM;
	if (o->nr_words > 2) {
		spis = json_array();
		json_object_set_new(body, "spis", spis);
	}
	for (int i = 1; i < o->nr_words; i++) {
		if (parse_spi(o->words[i], &spi, err, errlen)) {
			json_decref(body);
			return -EINVAL;
		}
		if (spis)
			json_array_append_new(spis, json_integer(spi));
		else
			json_object_set_new(body, "spi", json_integer(spi));
	}
	if (o->owner)
		json_object_set_new(body, "owner", json_integer(owner));
	if (o->lifetime)
		json_object_set_new(body, "lifetime_s", json_integer(lifetime));
	set_path(req, "POST", "sa");
	return set_body(req, body);
}

/* sa del SPI: DELETE sa?spi= */
static int build_sa_del(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	uint32_t spi;

	if (o->nr_words != 2)
		return usage_err(err, errlen, "usage: ikefwdctl sa del SPI");
	if (o->spi || o->owner || o->lifetime)
		return usage_err(err, errlen, "sa del: give the SPI only");
	if (parse_spi(o->words[1], &spi, err, errlen))
		return -EINVAL;
	set_path(req, "DELETE", "sa?spi=%u", spi);
	return 0;
}

typedef int (*build_fn)(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen);

/* The list / add / del sub-commands of NAME (sa, ts). */
static int build_sub(const struct ctl_opts *o, struct ctl_request *req,
		     char *err, size_t errlen, const char *name, build_fn list,
		     build_fn add, build_fn del)
{
	const char *sub = o->words[0];

	if (!strcmp(sub, "list"))
		return list(o, req, err, errlen);
	if (!strcmp(sub, "add"))
		return add(o, req, err, errlen);
	if (!strcmp(sub, "del"))
		return del(o, req, err, errlen);
	return usage_err(err, errlen, "%s: '%s': give list, add or del", name,
			 sub);
}

static int build_sa(const struct ctl_opts *o, struct ctl_request *req,
		    char *err, size_t errlen)
{
	return build_sub(o, req, err, errlen, "sa", build_sa_list, build_sa_add,
			 build_sa_del);
}

/* The answers of sa: {"deleted": 1}, or {"sas": [SA...]} (with "total"
 * for a list), one SA a line. */
static int print_sa(const json_t *answer, FILE *out)
{
	const json_t *sas = json_object_get(answer, "sas"), *sa;
	size_t i;

	if (json_object_get(answer, "deleted"))
		return print_deleted(answer, out);
	if (!json_is_array(sas))
		return -EPROTO;
	fprintf(out, "%-10s  %-10s  %-6s  %-15s  %-5s  %-9s  %s\n", "SPI",
		"SPI_HEX", "OWNER", "ADDRESS", "LOCAL", "REMAINING", "FLAGS");
	json_array_foreach(sas, i, sa)
	{
		const json_t *owner = json_object_get(sa, "owner");
		const json_t *addr = json_object_get(owner, "address");
		const json_t *left = json_object_get(sa, "remaining_s");
		const json_t *flags = json_object_get(sa, "flags"), *f;
		char remaining[32] = "-";
		size_t j;

		if (!json_is_integer(json_object_get(sa, "spi")) ||
		    !json_is_string(json_object_get(sa, "spi_hex")) ||
		    !json_is_integer(json_object_get(owner, "member")) ||
		    !json_is_array(flags))
			return -EPROTO;
		if (json_is_integer(left))
			duration_format(json_integer_value(left), remaining,
					sizeof(remaining));
		fprintf(out,
			"%-10" JSON_INTEGER_FORMAT
			"  %-10s  %-6" JSON_INTEGER_FORMAT
			"  %-15s  %-5s  %-9s  ",
			json_integer_value(json_object_get(sa, "spi")),
			json_string_value(json_object_get(sa, "spi_hex")),
			json_integer_value(json_object_get(owner, "member")),
			json_is_string(addr) ? json_string_value(addr) : "-",
			json_is_true(json_object_get(sa, "local")) ? "yes" :
								     "no",
			remaining);
		json_array_foreach(flags, j, f)
			fprintf(out, "%s%s", j ? "," : "",
				json_is_string(f) ? json_string_value(f) : "?");
		fputc('\n', out);
	}
	if (json_is_integer(json_object_get(answer, "total"))) {
		json_int_t total =
			json_integer_value(json_object_get(answer, "total"));

		fprintf(out, "%" JSON_INTEGER_FORMAT " SA%s\n", total,
			total == 1 ? "" : "s");
	}
	return 0;
}

/* A network as the server takes it; checked there too, here for a usage
 * error before anything is sent. */
static int check_prefix(const char *text, char *err, size_t errlen)
{
	struct ikefwd_prefix p;

	if (ikefwd_prefix_parse(text, &p))
		return usage_err(err, errlen,
				 "'%s': give a network as ADDRESS/LENGTH "
				 "(IPv4 or IPv6, no bits after the length)",
				 text);
	return 0;
}

/* ts list [PREFIX] [--owner N]: GET ts?prefix=&owner= */
static int build_ts_list(const struct ctl_opts *o, struct ctl_request *req,
			 char *err, size_t errlen)
{
	char query[128] = "";
	uint32_t owner;
	size_t n = 0;

	if (o->nr_words > 2 || o->spi || o->lifetime || o->peer)
		return usage_err(err, errlen,
				 "usage: ikefwdctl ts list [PREFIX] "
				 "[--owner N]");
	if (o->nr_words == 2) {
		if (check_prefix(o->words[1], err, errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&prefix=%s",
			      o->words[1]);
	}
	if (o->owner) {
		if (parse_member(o->owner, &owner, err, errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&owner=%u", owner);
	}
	if (n)
		query[0] = '?';
	set_path(req, "GET", "ts%s", query);
	return 0;
}

/* The CHILD_SA's IKE peer: one address, as the server takes it. */
static int check_peer(const char *text, char *err, size_t errlen)
{
	uint8_t addr[16];

	if (inet_pton(AF_INET, text, addr) != 1 &&
	    inet_pton(AF_INET6, text, addr) != 1)
		return usage_err(err, errlen,
				 "--peer '%s': give an IPv4 or IPv6 address",
				 text);
	return 0;
}

/* ts add PREFIX [PREFIX...] [--owner N] [--spi N] [--lifetime S]
 * [--peer ADDR] */
static int build_ts_add(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	json_t *body, *list = NULL;
	/* As in build_sa_add: read only when the option set them. */
	uint32_t spi = 0, owner = 0;
	long lifetime = 0;

	if (o->nr_words < 2 || o->nr_words > PREFIXES_MAX + 1)
		return usage_err(err, errlen,
				 "usage: ikefwdctl ts add PREFIX [PREFIX...] "
				 "[--owner N] [--spi N] [--lifetime S] "
				 "[--peer ADDR] (1 to %d prefixes)",
				 PREFIXES_MAX);
	if (o->owner && parse_member(o->owner, &owner, err, errlen))
		return -EINVAL;
	if (o->spi && parse_spi(o->spi, &spi, err, errlen))
		return -EINVAL;
	if (o->lifetime && parse_range("lifetime", o->lifetime, 0, UINT32_MAX,
				       &lifetime, err, errlen))
		return -EINVAL;
	if (o->peer && check_peer(o->peer, err, errlen))
		return -EINVAL;
	for (int i = 1; i < o->nr_words; i++)
		if (check_prefix(o->words[i], err, errlen))
			return -EINVAL;
	body = json_object();
	if (!body)
		return -ENOMEM;
	if (o->nr_words > 2) {
		list = json_array();
		json_object_set_new(body, "prefixes", list);
		for (int i = 1; i < o->nr_words; i++)
			json_array_append_new(list, json_string(o->words[i]));
	} else {
		json_object_set_new(body, "prefix", json_string(o->words[1]));
	}
	if (o->owner)
		json_object_set_new(body, "owner", json_integer(owner));
	if (o->spi)
		json_object_set_new(body, "spi", json_integer(spi));
	if (o->lifetime)
		json_object_set_new(body, "lifetime_s", json_integer(lifetime));
	if (o->peer)
		json_object_set_new(body, "peer", json_string(o->peer));
	set_path(req, "POST", "ts");
	return set_body(req, body);
}

/* ts del PREFIX [--owner N] [--spi N]: DELETE ts?prefix=&owner=&spi= */
static int build_ts_del(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	char query[128];
	uint32_t spi, owner;
	size_t n;

	if (o->nr_words != 2 || o->lifetime || o->peer)
		return usage_err(err, errlen,
				 "usage: ikefwdctl ts del PREFIX [--owner N] "
				 "[--spi N]");
	if (check_prefix(o->words[1], err, errlen))
		return -EINVAL;
	n = snprintf(query, sizeof(query), "prefix=%s", o->words[1]);
	if (o->owner) {
		if (parse_member(o->owner, &owner, err, errlen))
			return -EINVAL;
		n += snprintf(query + n, sizeof(query) - n, "&owner=%u", owner);
	}
	if (o->spi) {
		if (parse_spi(o->spi, &spi, err, errlen))
			return -EINVAL;
		snprintf(query + n, sizeof(query) - n, "&spi=%u", spi);
	}
	set_path(req, "DELETE", "ts?%s", query);
	return 0;
}

static int build_ts(const struct ctl_opts *o, struct ctl_request *req,
		    char *err, size_t errlen)
{
	return build_sub(o, req, err, errlen, "ts", build_ts_list, build_ts_add,
			 build_ts_del);
}

/* {"deleted": 1}, or {"selectors": [...]} (with "total" for a list). */
static int print_ts(const json_t *answer, FILE *out)
{
	const json_t *list = json_object_get(answer, "selectors"), *t;
	size_t i;

	if (json_object_get(answer, "deleted"))
		return print_deleted(answer, out);
	if (!json_is_array(list))
		return -EPROTO;
	fprintf(out, "%-24s  %-6s  %-15s  %-5s  %-10s  %-9s  %-7s  %s\n",
		"PREFIX", "OWNER", "ADDRESS", "LOCAL", "SPI", "REMAINING",
		"SEGMENT", "FLAGS");
	json_array_foreach(list, i, t)
	{
		const json_t *owner = json_object_get(t, "owner");
		const json_t *addr = json_object_get(owner, "address");
		const json_t *left = json_object_get(t, "remaining_s");
		const json_t *spi = json_object_get(t, "spi");
		const json_t *flags = json_object_get(t, "flags"), *f;
		const json_t *segment = json_object_get(t, "segment");
		char remaining[32] = "-", spitext[16] = "-", segtext[16] = "-";
		size_t j;

		if (!json_is_string(json_object_get(t, "prefix")) ||
		    !json_is_integer(json_object_get(owner, "member")) ||
		    !json_is_array(flags))
			return -EPROTO;
		if (json_is_integer(left))
			duration_format(json_integer_value(left), remaining,
					sizeof(remaining));
		if (json_is_integer(spi))
			snprintf(spitext, sizeof(spitext), "0x%08llx",
				 (unsigned long long)json_integer_value(spi));
		/* Older servers send no segment: "-" as for none. */
		if (json_is_integer(segment))
			snprintf(segtext, sizeof(segtext),
				 "%" JSON_INTEGER_FORMAT,
				 json_integer_value(segment));
		fprintf(out,
			"%-24s  %-6" JSON_INTEGER_FORMAT "  %-15s  %-5s  "
			"%-10s  %-9s  %-7s  ",
			json_string_value(json_object_get(t, "prefix")),
			json_integer_value(json_object_get(owner, "member")),
			json_is_string(addr) ? json_string_value(addr) : "-",
			json_is_true(json_object_get(t, "local")) ? "yes" :
								    "no",
			spitext, remaining, segtext);
		json_array_foreach(flags, j, f)
			fprintf(out, "%s%s", j ? "," : "",
				json_is_string(f) ? json_string_value(f) : "?");
		fputc('\n', out);
	}
	if (json_is_integer(json_object_get(answer, "total"))) {
		json_int_t total =
			json_integer_value(json_object_get(answer, "total"));

		fprintf(out, "%" JSON_INTEGER_FORMAT " selector%s\n", total,
			total == 1 ? "" : "s");
	}
	return 0;
}

/* ike-sa list [--cookie C] [--owner N]: GET ike-sa?cookie=&owner=
 * ike-sa add COOKIE [--owner N]: POST ike-sa
 * ike-sa del COOKIE [--owner N]: DELETE ike-sa?cookie=&owner= */
static int build_ike_sa(const struct ctl_opts *o, struct ctl_request *req,
			char *err, size_t errlen)
{
	const char *sub = o->words[0];
	char cookie[COOKIE_HEX_LEN + 1], query[96] = "";
	uint32_t owner = 0;
	size_t n = 0;
	json_t *body;

	if (o->owner && parse_member(o->owner, &owner, err, errlen))
		return -EINVAL;
	if (!strcmp(sub, "list")) {
		if (o->nr_words != 1)
			return usage_err(err, errlen,
					 "usage: ikefwdctl ike-sa list "
					 "[--cookie C] [--owner N]");
		if (o->cookie) {
			if (parse_cookie(o->cookie, cookie, err, errlen))
				return -EINVAL;
			n += snprintf(query + n, sizeof(query) - n,
				      "&cookie=%s", cookie);
		}
		if (owner)
			n += snprintf(query + n, sizeof(query) - n, "&owner=%u",
				      owner);
		if (n)
			query[0] = '?';
		set_path(req, "GET", "ike-sa%s", query);
		return 0;
	}
	if (strcmp(sub, "add") && strcmp(sub, "del"))
		return usage_err(err, errlen,
				 "ike-sa: '%s': give list, add or del", sub);
	if (o->nr_words != 2 || o->cookie)
		return usage_err(
			err, errlen,
			"usage: ikefwdctl ike-sa %s COOKIE [--owner N]", sub);
	if (parse_cookie(o->words[1], cookie, err, errlen))
		return -EINVAL;
	if (!strcmp(sub, "del")) {
		if (owner)
			snprintf(query, sizeof(query), "&owner=%u", owner);
		set_path(req, "DELETE", "ike-sa?cookie=%s%s", cookie, query);
		return 0;
	}
	body = json_pack("{s:s}", "cookie", cookie);
	if (!body)
		return -ENOMEM;
	if (owner)
		json_object_set_new(body, "owner", json_integer(owner));
	set_path(req, "POST", "ike-sa");
	return set_body(req, body);
}

#define LIST_OPTS                                                          \
	(CTL_OPT_COOKIE | CTL_OPT_OWNER | CTL_OPT_PHASE | CTL_OPT_OFFSET | \
	 CTL_OPT_LIMIT)

/* In the order of the usage text: the table first, then the two flows of
 * docs/api.md, then the cluster. */
const struct ctl_command ctl_commands[] = {
	{ "list",
	  "[--cookie C] [--owner N] [--phase 1|2] [--offset N] [--limit N]",
	  "entries of the ownership table", LIST_OPTS, 0, 0, build_list,
	  print_entry_page },
	{ "add", "COOKIE MSGID MEMBER", "add an entry owned by MEMBER", 0, 3, 3,
	  build_add, print_entry },
	{ "set-owner", "COOKIE MSGID MEMBER", "give an entry another owner", 0,
	  3, 3, build_set_owner, print_entry },
	{ "del", "COOKIE MSGID", "delete an entry", 0, 2, 2, build_del,
	  print_deleted },
	{ "flush", "", "delete every entry", 0, 0, 0, build_flush,
	  print_deleted },
	{ "cookie", "COOKIE", "the Phase 1 and Phase 2 entries of a cookie", 0,
	  1, 1, build_cookie, print_cookie_entries },
	{ "receive-packet", "(--hex HEX | --file FRAME.bin) [--iface DEV]",
	  "run a frame through the data path (as arriving on DEV)",
	  CTL_OPT_HEX | CTL_OPT_FILE | CTL_OPT_IFACE, 0, 0, build_receive,
	  print_verdict },
	{ "ha", "--active N", "high availability mode, N the active member",
	  CTL_OPT_ACTIVE, 0, 0, build_ha, print_config },
	{ "load-sharing", "", "load-sharing mode", 0, 0, 0, build_load_sharing,
	  print_config },
	{ "resolve", "COOKIE MSGID",
	  "the entry that decides a packet (exact, else Phase 1)", 0, 2, 2,
	  build_resolve, print_resolution },
	{ "search", "COOKIE MSGID", "the exact entry", 0, 2, 2, build_search,
	  print_entry },
	{ "owner", "COOKIE MSGID", "who owns a negotiation", 0, 2, 2,
	  build_owner, print_ownership },
	{ "local", "COOKIE MSGID", "handle a negotiation on this member", 0, 2,
	  2, build_local, print_entry },
	{ "forward", "COOKIE MSGID MEMBER", "hand a negotiation to MEMBER", 0,
	  3, 3, build_forward, print_entry },
	{ "take", "COOKIE MSGID", "take a new negotiation (409 if owned)", 0, 2,
	  2, build_take, print_entry },
	{ "initiate", "COOKIE [MSGID]",
	  "start a negotiation from here (MSGID 0 if left out)", 0, 1, 2,
	  build_initiate, print_entry },
	{ "exists", "COOKIE MSGID", "whether an entry exists", 0, 2, 2,
	  build_exists, print_exists },
	{ "create", "COOKIE MSGID", "create an entry owned here", 0, 2, 2,
	  build_create, print_entry },
	{ "members", "", "the cluster's members", 0, 0, 0, build_members,
	  print_members },
	{ "member", "ID alive|dead", "mark a member alive or dead", 0, 2, 2,
	  build_member, print_member },
	{ "config", "", "the data path's configuration", 0, 0, 0, build_config,
	  print_config },
	{ "stats", "", "counters and table occupancy", 0, 0, 0, build_stats,
	  print_stats },
	{ "health", "", "whether the daemon and its maps are there", 0, 0, 0,
	  build_health, print_health },
	{ "metrics", "", "the Prometheus text", 0, 0, 0, build_metrics, NULL },
	{ "segments", "[report ESTABLISHED PASSIVE]",
	  "ha-sync: who holds which segment, the controller (report: the "
	  "local charon's IKE_SA counts)",
	  0, 0, 3, build_segments, print_segments },
	{ "segment-of", "ADDR [ADDR...]",
	  "ha-sync: the ha plugin's segment of peer addresses (computed "
	  "here, --config's ha_segments)",
	  0, 1, 256, NULL, NULL },
	{ "sa",
	  "list [--spi N] [--owner N] | add SPI [SPI...] [--owner N] "
	  "[--lifetime S] | del SPI",
	  "inbound SAs: which member gets an SPI's ESP",
	  CTL_OPT_SPI | CTL_OPT_OWNER | CTL_OPT_LIFETIME, 1, SPIS_MAX + 1,
	  build_sa, print_sa },
	{ "ts",
	  "list [PREFIX] [--owner N] | add PREFIX [PREFIX...] [--owner N] "
	  "[--spi N] [--lifetime S] [--peer ADDR] | del PREFIX [--owner N] "
	  "[--spi N]",
	  "remote traffic selectors: which member's CHILD_SA takes inside "
	  "cleartext",
	  CTL_OPT_SPI | CTL_OPT_OWNER | CTL_OPT_LIFETIME | CTL_OPT_PEER, 1,
	  PREFIXES_MAX + 1, build_ts, print_ts },
	{ "ike-sa",
	  "list [--cookie C] [--owner N] | add COOKIE [--owner N] | "
	  "del COOKIE [--owner N]",
	  "IKE SAs registered by the IKE daemon (never idle-expire)",
	  CTL_OPT_COOKIE | CTL_OPT_OWNER, 1, 2, build_ike_sa, print_ike_sa },
};

const size_t ctl_nr_commands = sizeof(ctl_commands) / sizeof(ctl_commands[0]);

const struct ctl_command *ctl_command_find(const char *name)
{
	for (size_t i = 0; i < ctl_nr_commands; i++)
		if (!strcmp(ctl_commands[i].name, name))
			return &ctl_commands[i];
	return NULL;
}

int ctl_local_run(const struct ctl_opts *o, FILE *out, char *err, size_t errlen)
{
	const struct ctl_command *c = o->cmd;

	static const struct {
		const char *name;
		int (*run)(const struct ctl_opts *o, FILE *out, char *err,
			   size_t errlen);
	} runs[] = {
		{ "segment-of", segment_of },
	};

	if (o->nr_words < c->min_words || o->nr_words > c->max_words)
		return usage_err(err, errlen, "usage: ikefwdctl %s%s%s",
				 c->name, c->synopsis[0] ? " " : "",
				 c->synopsis);
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
		if (!strcmp(runs[i].name, c->name))
			return runs[i].run(o, out, err, errlen);
	return -EOPNOTSUPP;
}

int ctl_request_build(const struct ctl_opts *o, struct ctl_request *req,
		      char *err, size_t errlen)
{
	const struct ctl_command *c = o->cmd;

	memset(req, 0, sizeof(*req));
	if (o->nr_words < c->min_words || o->nr_words > c->max_words)
		return usage_err(err, errlen, "usage: ikefwdctl %s%s%s",
				 c->name, c->synopsis[0] ? " " : "",
				 c->synopsis);
	if (!c->build) /* a local command (ctl_local_run) */
		return -EOPNOTSUPP;
	return c->build(o, req, err, errlen);
}

void ctl_request_free(struct ctl_request *req)
{
	free(req->body);
	req->body = NULL;
}
