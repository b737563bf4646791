// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "args.h"
#include "codec.h"
#include "ikefwd/config.h"
#include "ikefwd/member.h"
#include "table.h"

enum kind {
	K_COOKIE, /* 16 hex digits */
	K_U32, /* 0..2^32-1 */
	K_MEMBER, /* a member id, 1..IKEFWD_MAX_MEMBERS-1 */
	K_PHASE, /* 1 or 2 */
	K_LIMIT, /* 1..API_LIMIT_MAX */
	K_TRUE, /* only true: a switch */
	K_BOOL,
	K_MODE, /* "ha" or "load-sharing" */
	K_HEX, /* a frame */
	K_BASE64, /* a frame */
	K_SPI, /* API_SPI_MIN..2^32-1 */
	K_SPIS, /* a JSON array of 1..API_SPIS_MAX K_SPI, no repeats */
	K_PREFIX, /* "10.1.0.0/16", "2001:db8::/48": a network */
	K_PREFIXES, /* a JSON array of 1..API_PREFIXES_MAX K_PREFIX */
	K_IFACE, /* an interface name */
	K_ADDR, /* one IPv4 or IPv6 address, no prefix length */
};

static const struct {
	const char *name;
	enum kind kind;
} descs[ARG__MAX] = {
	[ARG_COOKIE] = { "cookie", K_COOKIE },
	[ARG_MSG_ID] = { "msg_id", K_U32 },
	[ARG_OWNER] = { "owner", K_MEMBER },
	[ARG_MEMBER] = { "member", K_MEMBER },
	[ARG_ID] = { "id", K_MEMBER },
	[ARG_PHASE] = { "phase", K_PHASE },
	[ARG_OFFSET] = { "offset", K_U32 },
	[ARG_LIMIT] = { "limit", K_LIMIT },
	[ARG_FLUSH] = { "flush", K_TRUE },
	[ARG_ALIVE] = { "alive", K_BOOL },
	[ARG_MODE] = { "mode", K_MODE },
	[ARG_ACTIVE_MEMBER] = { "active_member", K_MEMBER },
	[ARG_FRAME_HEX] = { "frame_hex", K_HEX },
	[ARG_FRAME_BASE64] = { "frame_base64", K_BASE64 },
	[ARG_SPI] = { "spi", K_SPI },
	[ARG_SPIS] = { "spis", K_SPIS },
	[ARG_LIFETIME_S] = { "lifetime_s", K_U32 },
	[ARG_PREFIX] = { "prefix", K_PREFIX },
	[ARG_PREFIXES] = { "prefixes", K_PREFIXES },
	[ARG_IFACE] = { "iface", K_IFACE },
	[ARG_PEER] = { "peer", K_ADDR },
	[ARG_ESTABLISHED] = { "established", K_U32 },
	[ARG_PASSIVE] = { "passive", K_U32 },
};

const char *args_name(enum api_arg arg)
{
	return arg < ARG__MAX ? descs[arg].name : "?";
}

/* The argument called name among the allowed ones, or -1. */
static int arg_find(const char *name, uint32_t allowed)
{
	for (int i = 0; i < ARG__MAX; i++)
		if (allowed & 1u << i && !strcmp(name, descs[i].name))
			return i;
	return -1;
}

/* What a valid value looks like, as the message of a refused one. */
static int bad_value(enum api_arg arg, struct api_error *err)
{
	const char *name = descs[arg].name;

	switch (descs[arg].kind) {
	case K_COOKIE:
		return api_fail(err, 400, "%s: give 16 hex digits", name);
	case K_U32:
		return api_fail(err, 400, "%s: give a number from 0 to %u",
				name, UINT32_MAX);
	case K_MEMBER:
		return api_fail(err, 400, "%s: give a member id from 1 to %d",
				name, IKEFWD_MAX_MEMBERS - 1);
	case K_PHASE:
		return api_fail(err, 400, "%s: give 1 or 2", name);
	case K_LIMIT:
		return api_fail(err, 400, "%s: give a number from 1 to %d",
				name, API_LIMIT_MAX);
	case K_TRUE:
		return api_fail(err, 400, "%s: give true", name);
	case K_BOOL:
		return api_fail(err, 400, "%s: give true or false", name);
	case K_MODE:
		return api_fail(err, 400, "%s: give \"ha\" or \"load-sharing\"",
				name);
	case K_HEX:
		return api_fail(err, 400,
				"%s: give the frame as an even number of hex "
				"digits",
				name);
	case K_BASE64:
		return api_fail(
			err, 400,
			"%s: give the frame in padded base64 (RFC 4648)", name);
	case K_SPI:
		return api_fail(err, 400, "%s: give an SPI from %d to %u", name,
				API_SPI_MIN, UINT32_MAX);
	case K_SPIS:
		return api_fail(err, 400,
				"%s: give an array of 1 to %d SPIs (%d to %u)",
				name, API_SPIS_MAX, API_SPI_MIN, UINT32_MAX);
	case K_PREFIX:
		return api_fail(err, 400,
				"%s: give a network as ADDRESS/LENGTH (IPv4 or "
				"IPv6)",
				name);
	case K_PREFIXES:
		return api_fail(err, 400,
				"%s: give an array of 1 to %d networks "
				"(ADDRESS/LENGTH)",
				name, API_PREFIXES_MAX);
	case K_IFACE:
		return api_fail(err, 400, "%s: give an interface name", name);
	case K_ADDR:
		return api_fail(err, 400,
				"%s: give an IPv4 or IPv6 address (no /LENGTH)",
				name);
	}
	return api_fail(err, 400, "%s: bad value", name);
}

static void set_u32(struct api_args *a, enum api_arg arg, uint32_t v)
{
	switch (arg) {
	case ARG_MSG_ID:
		a->key.msgid = v;
		break;
	case ARG_OWNER:
		a->owner = v;
		break;
	case ARG_MEMBER:
		a->member = v;
		break;
	case ARG_ID:
		a->id = v;
		break;
	case ARG_PHASE:
		a->phase = v;
		break;
	case ARG_OFFSET:
		a->offset = v;
		break;
	case ARG_LIMIT:
		a->limit = v;
		break;
	case ARG_ACTIVE_MEMBER:
		a->active_member = v;
		break;
	case ARG_LIFETIME_S:
		a->lifetime_s = v;
		break;
	case ARG_ESTABLISHED:
		a->established = v;
		break;
	case ARG_PASSIVE:
		a->passive = v;
		break;
	default:
		break;
	}
}

/* A switch (K_TRUE) is only ever turned on: "flush=false" would read as
 * a request to do something. */
static int set_bool(struct api_args *a, enum api_arg arg, bool v,
		    struct api_error *err)
{
	if (descs[arg].kind == K_TRUE && !v)
		return bad_value(arg, err);
	if (arg == ARG_FLUSH)
		a->flush = v;
	else if (arg == ARG_ALIVE)
		a->alive = v;
	return 0;
}

/* One SPI: what (a name, "spis[2]") and why it is refused, if it is. */
static int check_spi(const char *what, bool negative, uint64_t v,
		     struct api_error *err)
{
	if (negative || v > UINT32_MAX)
		return api_fail(err, 400, "%s: give an SPI from %d to %u", what,
				API_SPI_MIN, UINT32_MAX);
	if (v == 0)
		return api_fail(err, 400,
				"%s: SPI 0 is not valid (give %d to %u)", what,
				API_SPI_MIN, UINT32_MAX);
	if (v < API_SPI_MIN)
		return api_fail(err, 400,
				"%s: SPI %u is reserved (1 to 255, RFC 4303); "
				"give %d to %u",
				what, (uint32_t)v, API_SPI_MIN, UINT32_MAX);
	return 0;
}

static int set_spis(struct api_args *a, json_t *arr, struct api_error *err)
{
	char what[32];
	size_t i, j;
	json_t *v;

	if (!json_is_array(arr) || !json_array_size(arr) ||
	    json_array_size(arr) > API_SPIS_MAX)
		return bad_value(ARG_SPIS, err);
	json_array_foreach(arr, i, v)
	{
		json_int_t n = json_is_integer(v) ? json_integer_value(v) : -1;

		snprintf(what, sizeof(what), "spis[%zu]", i);
		if (check_spi(what, n < 0, n < 0 ? 0 : (uint64_t)n, err))
			return -1;
		for (j = 0; j < i; j++)
			if (a->spis[j] == (uint32_t)n)
				return api_fail(
					err, 400,
					"spis: SPI %u (0x%08x) is given "
					"twice",
					(uint32_t)n, (uint32_t)n);
		a->spis[i] = n;
	}
	a->nr_spis = json_array_size(arr);
	return 0;
}

/* One prefix: what (a name, "prefixes[2]") and why it is refused. */
static int check_prefix(const char *what, const char *text, size_t len,
			struct ikefwd_prefix *out, struct api_error *err)
{
	int ret = strlen(text) == len ? ikefwd_prefix_parse(text, out) :
					-EINVAL;

	if (ret == -EDOM)
		return api_fail(err, 400,
				"%s: \"%.64s\" has bits set after the prefix "
				"length: give the network",
				what, text);
	if (ret)
		return api_fail(err, 400,
				"%s: \"%.64s\" is not a network (give "
				"ADDRESS/LENGTH, IPv4 or IPv6)",
				what, text);
	return 0;
}

static int set_prefixes(struct api_args *a, json_t *arr, struct api_error *err)
{
	char what[32];
	size_t i, j;
	json_t *v;

	if (!json_is_array(arr) || !json_array_size(arr) ||
	    json_array_size(arr) > API_PREFIXES_MAX)
		return bad_value(ARG_PREFIXES, err);
	json_array_foreach(arr, i, v)
	{
		snprintf(what, sizeof(what), "prefixes[%zu]", i);
		if (!json_is_string(v))
			return api_fail(err, 400,
					"%s: give a network as ADDRESS/LENGTH",
					what);
		if (check_prefix(what, json_string_value(v),
				 json_string_length(v), &a->prefixes[i], err))
			return -1;
		for (j = 0; j < i; j++)
			if (!ikefwd_prefix_cmp(&a->prefixes[j],
					       &a->prefixes[i]))
				return api_fail(err, 400,
						"prefixes: \"%.64s\" is given "
						"twice",
						json_string_value(v));
	}
	a->nr_prefixes = json_array_size(arr);
	return 0;
}

/* A number of a numeric kind, range-checked for it. */
static int set_number(struct api_args *a, enum api_arg arg, bool negative,
		      uint64_t v, struct api_error *err)
{
	uint64_t min = 0, max = UINT32_MAX;

	switch (descs[arg].kind) {
	case K_MEMBER:
		min = 1;
		max = IKEFWD_MAX_MEMBERS - 1;
		break;
	case K_PHASE:
		min = 1;
		max = 2;
		break;
	case K_LIMIT:
		min = 1;
		max = API_LIMIT_MAX;
		break;
	case K_U32:
		break;
	case K_SPI:
		if (check_spi(descs[arg].name, negative, v, err))
			return -1;
		a->spis[0] = v;
		a->nr_spis = 1;
		return 0;
	default:
		return bad_value(arg, err);
	}
	if (negative || v < min || v > max)
		return bad_value(arg, err);
	set_u32(a, arg, v);
	return 0;
}

static int set_frame(struct api_args *a, enum api_arg arg, const char *text,
		     size_t len, struct api_error *err)
{
	long n = descs[arg].kind == K_HEX ?
			 hex_decode(text, len, a->frame, sizeof(a->frame)) :
			 base64_decode(text, len, a->frame, sizeof(a->frame));

	if (n == -EINVAL)
		return bad_value(arg, err);
	if (n == -E2BIG || n < API_FRAME_MIN)
		return api_fail(err, 400,
				"%s: give a frame of %d to %d bytes (%s)",
				descs[arg].name, API_FRAME_MIN, API_FRAME_MAX,
				n == -E2BIG ? "too long" : "too short");
	a->frame_len = n;
	return 0;
}

/* Everything that arrives as a string: from the query string, and the
 * string-typed fields of a body. */
static int set_text(struct api_args *a, enum api_arg arg, const char *text,
		    size_t len, struct api_error *err)
{
	switch (descs[arg].kind) {
	case K_COOKIE:
		if (strlen(text) != len || cookie_parse(text, a->key.ispi))
			return bad_value(arg, err);
		return 0;
	case K_MODE:
		if (!strcmp(text, "ha"))
			a->mode = IKEFWD_MODE_HA;
		else if (!strcmp(text, "load-sharing"))
			a->mode = IKEFWD_MODE_LOAD_SHARING;
		else
			return bad_value(arg, err);
		return 0;
	case K_HEX:
	case K_BASE64:
		return set_frame(a, arg, text, len, err);
	case K_PREFIX:
		if (check_prefix(descs[arg].name, text, len, &a->prefixes[0],
				 err))
			return -1;
		a->nr_prefixes = 1;
		return 0;
	case K_IFACE:
		/* As the kernel's dev_valid_name(). */
		if (strlen(text) != len || !len || len >= IF_NAMESIZE ||
		    !strcmp(text, ".") || !strcmp(text, "..") ||
		    strpbrk(text, "/: \t\n"))
			return bad_value(arg, err);
		memcpy(a->iface, text, len + 1);
		return 0;
	case K_ADDR:
		if (strlen(text) != len)
			return bad_value(arg, err);
		if (inet_pton(AF_INET, text, a->peer) == 1)
			a->peer_family = AF_INET;
		else if (inet_pton(AF_INET6, text, a->peer) == 1)
			a->peer_family = AF_INET6;
		else
			return bad_value(arg, err);
		return 0;
	default:
		return bad_value(arg, err);
	}
}

/* Decimal digits only, as in JSON: no sign, no 0x, no blanks. 19 digits
 * cannot overflow 64 bits, and more are out of every range anyway. */
static int parse_decimal(const char *text, uint64_t *v)
{
	size_t n = strlen(text);

	if (n == 0 || n > 19 || strspn(text, "0123456789") != n)
		return -EINVAL;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v * 10 + (text[i] - '0');
	return 0;
}

static int set_query_value(struct api_args *a, enum api_arg arg,
			   const char *text, size_t len, struct api_error *err)
{
	uint64_t v;

	switch (descs[arg].kind) {
	case K_U32:
	case K_MEMBER:
	case K_PHASE:
	case K_LIMIT:
	case K_SPI:
		if (parse_decimal(text, &v))
			return bad_value(arg, err);
		return set_number(a, arg, false, v, err);
	case K_TRUE:
	case K_BOOL:
		if (!strcmp(text, "true"))
			return set_bool(a, arg, true, err);
		if (!strcmp(text, "false"))
			return set_bool(a, arg, false, err);
		return bad_value(arg, err);
	default:
		return set_text(a, arg, text, len, err);
	}
}

/* %XX and '+' (a blank, as in forms) decoded into out (size > len). -1 for
 * a broken escape, or an escape of NUL: no argument contains one. */
static long pct_decode(const char *s, size_t len, char *out)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++) {
		int hi, lo;

		if (s[i] == '+') {
			out[n++] = ' ';
			continue;
		}
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if (i + 2 >= len)
			return -1;
		hi = s[i + 1];
		lo = s[i + 2];
		hi = hi >= '0' && hi <= '9' ? hi - '0' :
		     hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 :
		     hi >= 'A' && hi <= 'F' ? hi - 'A' + 10 :
					      -1;
		lo = lo >= '0' && lo <= '9' ? lo - '0' :
		     lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 :
		     lo >= 'A' && lo <= 'F' ? lo - 'A' + 10 :
					      -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -1;
		out[n++] = hi << 4 | lo;
		i += 2;
	}
	out[n] = '\0';
	return n;
}

int args_from_query(const char *query, uint32_t allowed, struct api_args *a,
		    struct api_error *err)
{
	char name[API_URI_MAX + 1], value[API_URI_MAX + 1];

	while (*query) {
		size_t len = strcspn(query, "&"), name_len;
		const char *eq = memchr(query, '=', len);
		long vlen = 0;
		int arg;

		/* Empty pieces ("a=1&&b=2", a trailing '&') are nothing. */
		if (len == 0) {
			query++;
			continue;
		}
		if (len > API_URI_MAX)
			return api_fail(err, 414,
					"request target over %d bytes",
					API_URI_MAX);
		name_len = eq ? (size_t)(eq - query) : len;
		if (pct_decode(query, name_len, name) < 0 ||
		    (eq && (vlen = pct_decode(eq + 1, len - name_len - 1,
					      value)) < 0))
			return api_fail(err, 400,
					"query string: bad %%-encoding");
		if (!eq)
			value[0] = '\0';

		arg = arg_find(name, allowed);
		if (arg < 0)
			return api_fail(err, 400,
					"unknown query parameter \"%.32s\"",
					name);
		if (a->have & 1u << arg)
			return api_fail(err, 400,
					"query parameter \"%s\" given twice",
					descs[arg].name);
		if (set_query_value(a, arg, value, vlen, err))
			return -1;
		a->have |= 1u << arg;
		query += len;
	}
	return 0;
}

static int set_json(struct api_args *a, enum api_arg arg, json_t *v,
		    struct api_error *err)
{
	json_int_t n;

	switch (descs[arg].kind) {
	case K_U32:
	case K_MEMBER:
	case K_PHASE:
	case K_LIMIT:
	case K_SPI:
		/* 1.0 is a real, not an integer: refused as a wrong type. */
		if (!json_is_integer(v))
			return bad_value(arg, err);
		n = json_integer_value(v);
		return set_number(a, arg, n < 0, n < 0 ? 0 : (uint64_t)n, err);
	case K_TRUE:
	case K_BOOL:
		if (!json_is_boolean(v))
			return bad_value(arg, err);
		return set_bool(a, arg, json_is_true(v), err);
	case K_SPIS:
		return set_spis(a, v, err);
	case K_PREFIXES:
		return set_prefixes(a, v, err);
	default:
		if (!json_is_string(v))
			return bad_value(arg, err);
		return set_text(a, arg, json_string_value(v),
				json_string_length(v), err);
	}
}

int args_from_json(const char *body, size_t len, uint32_t allowed,
		   struct api_args *a, struct api_error *err)
{
	const char *name;
	json_error_t jerr;
	json_t *root, *v;
	int arg, ret = 0;

	root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return api_fail(err, 400,
				"malformed JSON: %.120s (line %d, column %d)",
				jerr.text, jerr.line, jerr.column);
	if (!json_is_object(root)) {
		ret = api_fail(err, 400,
			       "the request body must be a JSON object");
		goto out;
	}
	json_object_foreach(root, name, v)
	{
		arg = arg_find(name, allowed);
		if (arg < 0) {
			ret = api_fail(err, 400, "unknown field \"%.32s\"",
				       name);
			goto out;
		}
		ret = set_json(a, arg, v, err);
		if (ret)
			goto out;
		a->have |= 1u << arg;
	}
out:
	json_decref(root);
	return ret;
}
