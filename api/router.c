// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The endpoints of docs/api.md, one row per (path, method), and the checks
 * that turn a request into an operation with its arguments.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "ikefwd/config.h"
#include "request.h"

struct endpoint {
	const char *path; /* after API_BASE; or absolute, starting with '/' */
	enum api_method method; /* API_GET also answers HEAD */
	uint32_t query; /* ARG() bits the query string may carry */
	uint32_t body; /* ARG() bits the JSON body may carry; 0: no body */
	uint32_t required; /* of those, the ones that must be there */
};

#define KEY (ARG(COOKIE) | ARG(MSG_ID))

#define EP(p, m) .path = p, .method = API_##m

static const struct endpoint endpoints[OP__MAX] = {
	[OP_HA_SEGMENTS] = { EP("ha-segments", GET) },
	[OP_HA_REPORT] = { EP("ha-segments", PUT),
			   .body = ARG(ESTABLISHED) | ARG(PASSIVE),
			   .required = ARG(ESTABLISHED) | ARG(PASSIVE) },
	[OP_TRACKING_LIST] = { EP("packet-tracking", GET),
			       .query = ARG(COOKIE) | ARG(OWNER) | ARG(PHASE) |
					ARG(OFFSET) | ARG(LIMIT) },
	[OP_TRACKING_ADD] = { EP("packet-tracking", POST),
			      .body = KEY | ARG(OWNER),
			      .required = KEY | ARG(OWNER) },
	[OP_TRACKING_SET] = { EP("packet-tracking", PUT),
			      .body = KEY | ARG(OWNER),
			      .required = KEY | ARG(OWNER) },
	[OP_TRACKING_DEL] = { EP("packet-tracking", DELETE),
			      .query = KEY | ARG(FLUSH) },
	[OP_COOKIE] = { EP("cookie", GET), .query = ARG(COOKIE),
			.required = ARG(COOKIE) },
	[OP_RECEIVE_PACKET] = { EP("receive-packet", POST),
				.body = ARG(FRAME_HEX) | ARG(FRAME_BASE64) |
					ARG(IFACE) },
	[OP_HA_OWNERSHIP] = { EP("ha-ownership", PUT),
			      .body = ARG(MODE) | ARG(ACTIVE_MEMBER),
			      .required = ARG(MODE) },
	[OP_COOKIE_RESOLUTION] = { EP("cookie-resolution", GET), .query = KEY,
				   .required = KEY },
	[OP_TABLE_SEARCH] = { EP("table-search", GET), .query = KEY,
			      .required = KEY },
	[OP_OWNERSHIP_CHECK] = { EP("ownership-check", GET), .query = KEY,
				 .required = KEY },
	[OP_LOCAL_HANDLING] = { EP("local-handling", POST), .body = KEY,
				.required = KEY },
	[OP_REMOTE_FORWARD] = { EP("remote-forward", POST),
				.body = KEY | ARG(MEMBER),
				.required = KEY | ARG(MEMBER) },
	[OP_TAKE_OWNERSHIP] = { EP("take-ownership", POST), .body = KEY,
				.required = KEY },
	/* msg_id 0 (the IKE SA) unless given. */
	[OP_INITIATE_NEGOTIATION] = { EP("initiate-negotiation", POST),
				      .body = KEY, .required = ARG(COOKIE) },
	[OP_TABLE_VERIFICATION] = { EP("table-verification", GET), .query = KEY,
				    .required = KEY },
	[OP_ENTRY_CREATION] = { EP("entry-creation", POST), .body = KEY,
				.required = KEY },
	[OP_MEMBERS_LIST] = { EP("members", GET) },
	[OP_MEMBERS_SET] = { EP("members", PUT), .body = ARG(ID) | ARG(ALIVE),
			     .required = ARG(ID) | ARG(ALIVE) },
	[OP_CONFIG] = { EP("config", GET) },
	[OP_STATS] = { EP("stats", GET) },
	[OP_HEALTH] = { EP("health", GET) },
	[OP_METRICS] = { EP(API_METRICS_PATH, GET) },
	[OP_SA_LIST] = { EP("sa", GET), .query = ARG(SPI) | ARG(OWNER) },
	/* One of spi and spis (check_combination). */
	[OP_SA_ADD] = { EP("sa", POST), .body = ARG(SPI) | ARG(SPIS) |
						ARG(OWNER) | ARG(LIFETIME_S) },
	[OP_SA_DEL] = { EP("sa", DELETE), .query = ARG(SPI),
			.required = ARG(SPI) },
	[OP_TS_LIST] = { EP("ts", GET), .query = ARG(PREFIX) | ARG(OWNER) },
	/* One of prefix and prefixes (check_combination). */
	[OP_TS_ADD] = { EP("ts", POST), .body = ARG(PREFIX) | ARG(PREFIXES) |
						ARG(OWNER) | ARG(SPI) |
						ARG(LIFETIME_S) | ARG(PEER) },
	/* owner / spi: remove only that member's (that SA's) registration. */
	[OP_TS_DEL] = { EP("ts", DELETE),
			.query = ARG(PREFIX) | ARG(OWNER) | ARG(SPI),
			.required = ARG(PREFIX) },
	/* IKE SAs registered by the IKE daemon: (cookie, 0) entries. */
	[OP_IKE_SA_LIST] = { EP("ike-sa", GET),
			     .query = ARG(COOKIE) | ARG(OWNER) },
	[OP_IKE_SA_ADD] = { EP("ike-sa", POST),
			    .body = ARG(COOKIE) | ARG(OWNER),
			    .required = ARG(COOKIE) },
	[OP_IKE_SA_DEL] = { EP("ike-sa", DELETE),
			    .query = ARG(COOKIE) | ARG(OWNER),
			    .required = ARG(COOKIE) },
};

static const struct {
	const char *name;
	enum api_method method;
} methods[] = {
	{ "GET", API_GET }, { "HEAD", API_HEAD },     { "POST", API_POST },
	{ "PUT", API_PUT }, { "DELETE", API_DELETE },
};

int api_fail(struct api_error *err, int status, const char *fmt, ...)
{
	va_list ap;

	err->status = status;
	err->allow[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	/* Messages quote what the client sent: keep them printable ASCII,
	 * so they are valid UTF-8 in the JSON error body and safe in logs. */
	for (char *p = err->message; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return -1;
}

const char *api_op_path(enum api_op op)
{
	return op < OP__MAX ? endpoints[op].path : "?";
}

bool api_op_takes_body(enum api_op op)
{
	return op < OP__MAX && endpoints[op].body;
}

bool api_op_writes(enum api_op op)
{
	return op < OP__MAX && endpoints[op].method != API_GET;
}

static enum api_method method_of(const char *name)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(name, methods[i].name))
			return methods[i].method;
	return 0;
}

/* The endpoint name of a path: what follows API_BASE, or the whole path
 * for the absolute rows (/metrics); NULL when it is neither. */
static const char *endpoint_name(const char *path, size_t len, size_t *name_len,
				 bool *absolute)
{
	size_t base = strlen(API_BASE);

	*absolute = len <= base || strncmp(path, API_BASE, base);
	if (!*absolute) {
		*name_len = len - base;
		return path + base;
	}
	*name_len = len;
	return path[0] == '/' ? path : NULL;
}

/* An absolute row matches only an absolute path, and a relative row only
 * a name under API_BASE: neither ".../metrics" nor "...//metrics" is
 * /metrics. */
static bool path_is(const struct endpoint *ep, const char *name, size_t len,
		    bool absolute)
{
	return (ep->path[0] == '/') == absolute && strlen(ep->path) == len &&
	       !strncmp(ep->path, name, len);
}

static void allow_add(char *allow, size_t size, const char *method)
{
	size_t used = strlen(allow);

	snprintf(allow + used, size - used, "%s%s", used ? ", " : "", method);
}

int api_route(const char *method, const char *uri, enum api_op *op,
	      struct api_error *err)
{
	size_t path_len = strcspn(uri, "?"), name_len;
	enum api_method m = method_of(method);
	const char *name;
	char allow[sizeof(err->allow)] = "";
	bool known = false, absolute;

	if (strlen(uri) > API_URI_MAX)
		return api_fail(err, 414, "request target over %d bytes",
				API_URI_MAX);
	name = endpoint_name(uri, path_len, &name_len, &absolute);
	for (int i = 0; name && i < OP__MAX; i++) {
		const struct endpoint *ep = &endpoints[i];

		if (!path_is(ep, name, name_len, absolute))
			continue;
		known = true;
		if (ep->method == m ||
		    (ep->method == API_GET && m == API_HEAD)) {
			*op = i;
			return 0;
		}
		allow_add(allow, sizeof(allow),
			  ep->method == API_GET	 ? "GET, HEAD" :
			  ep->method == API_POST ? "POST" :
			  ep->method == API_PUT	 ? "PUT" :
						   "DELETE");
	}
	if (!known)
		return api_fail(err, 404, "no such endpoint: %.*s",
				(int)(path_len > 128 ? 128 : path_len), uri);
	api_fail(err, 405, "%.16s is not allowed on %.*s (allowed: %s)", method,
		 (int)(path_len > 128 ? 128 : path_len), uri, allow);
	snprintf(err->allow, sizeof(err->allow), "%s", allow);
	return -1;
}

/* "application/json", any case, optionally followed by parameters
 * ("; charset=utf-8"). */
static bool media_is_json(const char *type)
{
	static const char json[] = "application/json";
	const char *rest;

	if (!type)
		return false;
	type += strspn(type, " \t");
	if (strncasecmp(type, json, sizeof(json) - 1))
		return false;
	rest = type + sizeof(json) - 1;
	rest += strspn(rest, " \t");
	return *rest == '\0' || *rest == ';';
}

int api_check_head(enum api_op op, const char *content_type, bool has_body,
		   uint64_t declared_len, struct api_error *err)
{
	if (!has_body)
		return 0;
	if (!api_op_takes_body(op))
		return api_fail(err, 400, "%s takes no request body",
				api_op_path(op));
	if (declared_len > API_BODY_MAX)
		return api_fail(err, 413, "request body over %d bytes",
				API_BODY_MAX);
	if (!media_is_json(content_type))
		return api_fail(err, 415,
				"give the request body as application/json");
	return 0;
}

/* Rules between arguments, which a list of allowed and required ones
 * cannot say. */
static int check_combination(enum api_op op, const struct api_args *a,
			     struct api_error *err)
{
	bool key = a->have & ARG(COOKIE) || a->have & ARG(MSG_ID);
	bool both_keys = (a->have & KEY) == KEY;
	bool hex = a->have & ARG(FRAME_HEX);

	switch (op) {
	case OP_TRACKING_DEL:
		if (a->have & ARG(FLUSH) && key)
			return api_fail(
				err, 400,
				"give cookie and msg_id, or flush=true, "
				"not both");
		if (!(a->have & ARG(FLUSH)) && !both_keys)
			return api_fail(
				err, 400,
				"give cookie and msg_id, or flush=true");
		return 0;
	case OP_RECEIVE_PACKET:
		if (hex == !!(a->have & ARG(FRAME_BASE64)))
			return api_fail(
				err, 400,
				"give one of frame_hex and frame_base64");
		return 0;
	case OP_SA_ADD:
		if (!!(a->have & ARG(SPI)) == !!(a->have & ARG(SPIS)))
			return api_fail(err, 400, "give one of spi and spis");
		return 0;
	case OP_TS_ADD:
		if (!!(a->have & ARG(PREFIX)) == !!(a->have & ARG(PREFIXES)))
			return api_fail(err, 400,
					"give one of prefix and prefixes");
		return 0;
	case OP_HA_OWNERSHIP:
		if (a->mode == IKEFWD_MODE_HA &&
		    !(a->have & ARG(ACTIVE_MEMBER)))
			return api_fail(err, 400,
					"mode \"ha\" needs active_member");
		if (a->mode != IKEFWD_MODE_HA && a->have & ARG(ACTIVE_MEMBER))
			return api_fail(
				err, 400,
				"active_member is only for mode \"ha\"");
		return 0;
	default:
		return 0;
	}
}

int api_parse(const struct api_req *req, struct api_call *call,
	      struct api_error *err)
{
	const struct endpoint *ep;
	const char *query;
	struct api_args *a = &call->args;
	uint32_t missing;

	if (api_route(req->method, req->uri, &call->op, err))
		return -1;
	ep = &endpoints[call->op];
	if (api_check_head(call->op, req->content_type, req->body_len > 0,
			   req->body_len, err))
		return -1;

	memset(a, 0, sizeof(*a));
	a->limit = API_LIMIT_DEFAULT;
	query = strchr(req->uri, '?');
	if (query && args_from_query(query + 1, ep->query, a, err))
		return -1;
	if (ep->body) {
		if (!req->body_len)
			return api_fail(
				err, 400,
				"%s needs a JSON object as request body",
				ep->path);
		if (args_from_json(req->body, req->body_len, ep->body, a, err))
			return -1;
	}

	missing = ep->required & ~a->have;
	if (missing)
		return api_fail(err, 400, "missing %s \"%s\"",
				ep->body ? "field" : "query parameter",
				args_name(__builtin_ctz(missing)));
	return check_combination(call->op, a, err);
}
