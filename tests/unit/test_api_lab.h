/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The lab of the API tests (test_api.c, test_api_server.c): this process in
 * its own mount and network namespaces, a bpffs mounted on a temporary
 * directory no other process sees, the real data path loaded from its
 * skeleton with every map and the XDP program pinned there, and the API
 * server on 127.0.0.1 (its own loopback) and a unix socket. The host's
 * /sys/fs/bpf is never touched. Plus a libcurl client, and snapshots of
 * the maps to prove that a refused request changed nothing.
 */
#ifndef IKEFWD_TEST_API_LAB_H
#define IKEFWD_TEST_API_LAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "api.h"
#include "cunit_main.h"
#include "ikefwd/config.h"
#include "ikefwd/member.h"
#include "ikefwd/sa.h"
#include "pinned.h"
#include "table.h"
#include "xdp_harness.h"

#define TOKEN "t0ken-of-the.api~test"
#define BASE "/api/v1/cluster/ike-forwarding/"

#define MAC_ROUTER "02:00:00:00:00:aa" /* sends the test frames */
#define MAC_SELF "02:00:00:00:01:01" /* member 1, the one under test */
#define MAC_M2 "02:00:00:00:02:02"
#define MAC_M3 "02:00:00:00:03:03"
#define MAC_SELF_TO_M2 "02:00:00:00:01:02"
#define MAC_SELF_TO_M3 "02:00:00:00:01:03"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define LOOPBACK_IFINDEX 1

/* The idle timeout of the test servers: stalled clients are cut off
 * after it. */
#define TEST_CONN_TIMEOUT_S 2

struct api_lab {
	char dir[64]; /* temporary directory for files and the bpffs */
	char bpffs[96];
	char pin_root[128];
	char token_file[128];
	char sock[128];
	struct harness h;
	struct ikefwd_maps m; /* the pinned maps, as the test sees them */
	struct api_server *srv;
	uint16_t port;
	int changed; /* calls of the change hook */
	int deleted;
	int sa_changed; /* calls of the SA change hook */
	int sa_deleted;
	uint32_t sa_last_spi; /* of its last call */
	int ts_changed; /* calls of the selector change hook */
	int ts_deleted;
	uint32_t ts_last_owner; /* of its last call */
	int ike_unregistered; /* calls of the IKE SA unregistration hook */
	uint32_t ike_unreg_owner; /* of its last call */
};

extern struct api_lab lab;

#define K1 0x1111111111111111ULL
#define K2 0x2222222222222222ULL
#define K3 0x3333333333333333ULL

struct req {
	const char *method;
	const char *path; /* after BASE; absolute when it starts with '/' */
	const char *body;
	size_t body_len; /* 0: strlen(body) */
	const char *ctype; /* NULL: application/json with a body; "": none */
	const char *token; /* NULL: TOKEN; "": no Authorization */
	bool chunked;
	bool expect; /* Expect: 100-continue */
	const char *unix_path;
	uint16_t port; /* 0: the lab server */
	const char *cainfo; /* https with this CA */
	bool quiet; /* no message when nothing answers */
};

struct reply {
	long status; /* -1: no answer */
	char *body;
	size_t len;
	char allow[128];
	char www_auth[160];
	char ctype[128];
	json_t *json;
};

struct sa_snap {
	uint32_t spi;
	struct ikefwd_sa sa;
};

/* Everything a request could change: the table, the configuration record,
 * the member records and the SA table. */
struct snapshot {
	struct ikefwd_ts_row ts[256]; /* remote selectors, sorted */
	int nr_ts;
	struct table_row rows[256];
	int n;
	struct sa_snap sas[256];
	int nr_sas;
	struct ikefwd_config cfg;
	struct ikefwd_member members[IKEFWD_MAX_MEMBERS];
};

/* CUnit suite set-up and clean-up: the whole lab. */
int suite_init(void);
int suite_clean(void);

/* The main() of the API tests: their one suite (cunit_main.h) with the lab
 * as its set-up and clean-up, inside libcurl's global state. Returns the
 * exit status. */
int lab_main(const char *suite, const struct cunit_test *tests, size_t n_tests);

/* Every test starts from this: an empty table and SA table, no SPI ranges,
 * load-sharing, member 1 local, members 2 and 3 usable peers reached
 * through lo. */
void lab_reset(void);
void member_put(uint32_t id, const char *addr, const char *mac,
		const char *src_mac, uint32_t state, uint32_t ifindex);

/* A server of the test's own next to the lab's: listen 127.0.0.1, port
 * 0, nothing else set. */
void api_cfg_init(struct ikefwd_api_cfg *cfg);
int start_server(const struct ikefwd_api_cfg *cfg, const char *pin_root,
		 unsigned int timeout_s, struct api_server **srv);
int write_file(const char *path, const char *text, mode_t mode);

/* HTTP: the status, or -1 when nothing answered. */
long http_request(const struct req *q, struct reply *r);
long http_get(const char *path, struct reply *r);
long http_json(const char *method, const char *path, const char *body,
	       struct reply *r);
void reply_free(struct reply *r);
/* A field of the JSON answer by dotted path ("owner.member"). */
json_t *jget(const struct reply *r, const char *dotted);
long long jint(const struct reply *r, const char *dotted);
const char *jstr(const struct reply *r, const char *dotted);

/* The pinned table. */
struct ikefwd_key key(uint64_t ispi, uint32_t msgid);
int entry(uint64_t ispi, uint32_t msgid, struct ikefwd_entry *e);
/* The half-open claim (ikefwd_halfopen), 0 or -ENOENT. */
int halfopen_entry(uint64_t ispi, uint32_t msgid, struct ikefwd_entry *e);
void entry_add(uint64_t ispi, uint32_t msgid, uint32_t owner);
void snap_take(struct snapshot *s);
bool snap_same(const struct snapshot *a, const struct snapshot *b);

uint64_t now_ms(void);

#endif /* IKEFWD_TEST_API_LAB_H */
