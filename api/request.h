/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What an HTTP request asks for, checked before anything is touched: the
 * method and request target are routed to an operation, the query string
 * and the JSON body are turned into typed arguments, and every rule of
 * docs/api.md that can be checked without the maps is checked here. No
 * sockets and no maps: the fuzzer (fuzz/) and test_api_parse call it
 * directly.
 */
#ifndef IKEFWD_API_REQUEST_H
#define IKEFWD_API_REQUEST_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikefwd/table.h"
#include "selector.h"

#define API_BASE "/api/v1/cluster/ike-forwarding/"
#define API_METRICS_PATH "/metrics"

/* Request bodies above this are refused with 413. */
#define API_BODY_MAX (64 * 1024)
/* A longer request target (path and query) is refused with 414. */
#define API_URI_MAX 2048
/* receive-packet: a whole Ethernet frame. */
#define API_FRAME_MIN 14
#define API_FRAME_MAX 4096
/* GET packet-tracking: page size. */
#define API_LIMIT_DEFAULT 100
#define API_LIMIT_MAX 1000
/* sa: SPIs 1..255 are reserved (RFC 4303), 0 is never an SPI. */
#define API_SPI_MIN 256
/* POST sa: at most this many SPIs in one request. */
#define API_SPIS_MAX 64
/* POST ts: at most this many prefixes in one request. */
#define API_PREFIXES_MAX 64

enum api_method {
	API_GET = 1 << 0,
	API_HEAD = 1 << 1, /* answered as GET, without the body */
	API_POST = 1 << 2,
	API_PUT = 1 << 3,
	API_DELETE = 1 << 4,
};

/* One per (path, method) of docs/api.md. */
enum api_op {
	OP_TRACKING_LIST,
	OP_TRACKING_ADD,
	OP_TRACKING_SET,
	OP_TRACKING_DEL,
	OP_COOKIE,
	OP_RECEIVE_PACKET,
	OP_HA_OWNERSHIP,
	OP_COOKIE_RESOLUTION,
	OP_TABLE_SEARCH,
	OP_OWNERSHIP_CHECK,
	OP_LOCAL_HANDLING,
	OP_REMOTE_FORWARD,
	OP_TAKE_OWNERSHIP,
	OP_INITIATE_NEGOTIATION,
	OP_TABLE_VERIFICATION,
	OP_ENTRY_CREATION,
	OP_MEMBERS_LIST,
	OP_MEMBERS_SET,
	OP_CONFIG,
	OP_STATS,
	OP_HEALTH,
	OP_METRICS,
	OP_SA_LIST,
	OP_SA_ADD,
	OP_SA_DEL,
	/* ts: remote traffic selectors (inside steering) */
	OP_TS_LIST,
	OP_TS_ADD,
	OP_TS_DEL,
	OP_IKE_SA_LIST,
	OP_IKE_SA_ADD,
	OP_IKE_SA_DEL,
	/* ha-sync: who holds which segment, the controller's state */
	OP_HA_SEGMENTS,
	/* ha-sync: the IKE daemon's integration reports its IKE_SA states */
	OP_HA_REPORT,
	OP__MAX
};

/* Every argument any endpoint takes, from the query string or the body. */
enum api_arg {
	ARG_COOKIE,
	ARG_MSG_ID,
	ARG_OWNER,
	ARG_MEMBER,
	ARG_ID,
	ARG_PHASE,
	ARG_OFFSET,
	ARG_LIMIT,
	ARG_FLUSH,
	ARG_ALIVE,
	ARG_MODE,
	ARG_ACTIVE_MEMBER,
	ARG_FRAME_HEX,
	ARG_FRAME_BASE64,
	ARG_SPI,
	ARG_SPIS,
	ARG_LIFETIME_S,
	ARG_PREFIX, /* ts: one selector prefix */
	ARG_PREFIXES, /* ts: 1..API_PREFIXES_MAX of them */
	ARG_IFACE, /* receive-packet: arriving on this interface (inside) */
	ARG_PEER, /* ts: the CHILD_SA's IKE peer (ha-sync: its segment) */
	ARG_ESTABLISHED, /* PUT ha-segments: IKE_SAs ESTABLISHED in charon */
	ARG_PASSIVE, /* and PASSIVE (the ha plugin's copies) */
	ARG__MAX
};

#define ARG(name) (1u << ARG_##name)

struct api_args {
	uint32_t have; /* ARG() bits of the arguments given */
	struct ikefwd_key key; /* cookie and msg_id */
	uint32_t owner;
	uint32_t member;
	uint32_t id;
	uint32_t phase;
	uint32_t offset;
	uint32_t limit;
	uint32_t active_member;
	uint32_t mode; /* enum ikefwd_mode */
	uint32_t lifetime_s;
	uint32_t established, passive; /* PUT ha-segments */
	uint32_t nr_spis; /* spi (one) or spis (1..API_SPIS_MAX) */
	uint32_t spis[API_SPIS_MAX];
	uint32_t nr_prefixes; /* prefix (one) or prefixes */
	struct ikefwd_prefix prefixes[API_PREFIXES_MAX];
	char iface[IF_NAMESIZE];
	int peer_family; /* AF_INET or AF_INET6 when peer is given */
	uint8_t peer[16]; /* network order: struct in_addr / in6_addr */
	bool flush;
	bool alive;
	size_t frame_len;
	uint8_t frame[API_FRAME_MAX];
};

/* A request as it came off the wire; strings NUL-terminated. */
struct api_req {
	const char *method;
	const char *uri; /* the raw request target: path and query */
	const char *content_type; /* NULL: no such header */
	const char *body;
	size_t body_len;
};

struct api_call {
	enum api_op op;
	struct api_args args;
};

/* Why a request is refused: the status and the one-line message of the
 * error body, and for 405 the Allow header. */
struct api_error {
	int status;
	char message[256];
	char allow[48];
};

/* Method and path to an operation: 0, or -1 with a 404, 405 or 414 in
 * *err. Only the path part of uri is looked at. */
int api_route(const char *method, const char *uri, enum api_op *op,
	      struct api_error *err);

bool api_op_takes_body(enum api_op op);
/* POST, PUT and DELETE: what the bearer token guards. */
bool api_op_writes(enum api_op op);
/* "packet-tracking", "/metrics", ...: for logs. */
const char *api_op_path(enum api_op op);

/*
 * What can be refused before the body is read: 413 for a declared length
 * over API_BODY_MAX, 400 for a body on an endpoint that takes none, 415 for
 * a body that is not application/json. has_body: a Content-Length above 0,
 * or a chunked body. 0 or -1 with *err.
 */
int api_check_head(enum api_op op, const char *content_type, bool has_body,
		   uint64_t declared_len, struct api_error *err);

/* Everything: route, head, query string and body. 0 and *call, or -1 with
 * *err; nothing is allocated either way. */
int api_parse(const struct api_req *req, struct api_call *call,
	      struct api_error *err);

/* Printf into err->message with status, -1 for "return api_fail(...)". */
int api_fail(struct api_error *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* IKEFWD_API_REQUEST_H */
