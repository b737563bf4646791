// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <curl/curl.h>

#include "pktbuild.h"
#include "test_api_lab.h"

struct api_lab lab;

void on_changed(void *ctx, const struct ikefwd_key *key, bool deleted)
{
	__atomic_add_fetch(deleted ? &lab.deleted : &lab.changed, 1,
			   __ATOMIC_SEQ_CST);
}

static void on_ike_unregistered(void *ctx, const struct ikefwd_key *key,
				uint32_t owner)
{
	__atomic_add_fetch(&lab.ike_unregistered, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&lab.ike_unreg_owner, owner, __ATOMIC_SEQ_CST);
}

static void on_sa_changed(void *ctx, uint32_t spi, bool deleted)
{
	__atomic_add_fetch(deleted ? &lab.sa_deleted : &lab.sa_changed, 1,
			   __ATOMIC_SEQ_CST);
	__atomic_store_n(&lab.sa_last_spi, spi, __ATOMIC_SEQ_CST);
}

static void on_ts_changed(void *ctx, const struct ikefwd_prefix *p,
			  uint32_t owner, bool deleted)
{
	__atomic_add_fetch(deleted ? &lab.ts_deleted : &lab.ts_changed, 1,
			   __ATOMIC_SEQ_CST);
	__atomic_store_n(&lab.ts_last_owner, owner, __ATOMIC_SEQ_CST);
}

static int loopback_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		err = -errno;
	ifr.ifr_flags |= IFF_UP;
	if (!err && ioctl(fd, SIOCSIFFLAGS, &ifr))
		err = -errno;
	close(fd);
	return err;
}

void member_put(uint32_t id, const char *addr, const char *mac,
		const char *src_mac, uint32_t state, uint32_t ifindex)
{
	struct ikefwd_member m = { .id = id,
				   .ifindex = ifindex,
				   .state = state };

	m.addr[10] = m.addr[11] = 0xff;
	CU_ASSERT_FATAL(inet_pton(AF_INET, addr, m.addr + 12) == 1);
	CU_ASSERT_FATAL(pkt_mac(mac, m.mac) == 0);
	CU_ASSERT_FATAL(pkt_mac(src_mac, m.src_mac) == 0);
	CU_ASSERT_FATAL(!bpf_map_update_elem(lab.m.members, &id, &m, BPF_ANY));
	if (!ifindex) {
		bpf_map_delete_elem(lab.m.devmap, &id);
		return;
	}
	CU_ASSERT_FATAL(
		!bpf_map_update_elem(lab.m.devmap, &id, &ifindex, BPF_ANY));
}

/* Every test starts from this: an empty table, load-sharing, member 1
 * local, members 2 and 3 usable peers reached through lo. */
void lab_reset(void)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = 1,
		.timeout_sec = 120,
		.ike_port = 500,
		.natt_port = 4500,
		.max_member = 3,
	};
	uint32_t zero = 0, spi;

	CU_ASSERT_FATAL(table_flush(lab.m.table) >= 0);
	CU_ASSERT_FATAL(table_flush(lab.m.halfopen) >= 0);
	while (!bpf_map_get_next_key(lab.m.sa, NULL, &spi))
		CU_ASSERT_FATAL(!bpf_map_delete_elem(lab.m.sa, &spi));
	CU_ASSERT_FATAL(
		!bpf_map_update_elem(lab.m.config, &zero, &cfg, BPF_ANY));
	member_put(1, "10.0.0.1", MAC_SELF, MAC_SELF, IKEFWD_MEMBER_ALIVE, 0);
	member_put(2, "10.0.0.2", MAC_M2, MAC_SELF_TO_M2, USABLE,
		   LOOPBACK_IFINDEX);
	member_put(3, "10.0.0.3", MAC_M3, MAC_SELF_TO_M3, USABLE,
		   LOOPBACK_IFINDEX);
	lab.changed = lab.deleted = 0;
	lab.sa_changed = lab.sa_deleted = 0;
	lab.sa_last_spi = 0;
	/* Selectors and the inside interface record of the ts tests. */
	{
		struct ikefwd_ts_maps tm = { lab.m.ts4, lab.m.ts6 };
		struct ikefwd_ts_row *rows = NULL;
		int n = ikefwd_ts_list(&tm, &rows);

		CU_ASSERT_FATAL(n >= 0);
		for (int i = 0; i < n; i++)
			CU_ASSERT_FATAL(!ikefwd_ts_del(&tm, &rows[i].prefix));
		free(rows);
	}
	{
		uint32_t lo = LOOPBACK_IFINDEX;

		bpf_map_delete_elem(lab.m.ifaces, &lo);
	}
	lab.ts_changed = lab.ts_deleted = 0;
	lab.ts_last_owner = 0;
	lab.ike_unregistered = 0;
	lab.ike_unreg_owner = 0;
}

void api_cfg_init(struct ikefwd_api_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen.family = AF_INET;
	cfg->listen.addr[10] = cfg->listen.addr[11] = 0xff;
	cfg->listen.addr[12] = 127;
	cfg->listen.addr[15] = 1;
	strcpy(cfg->listen.text, "127.0.0.1");
}

int start_server(const struct ikefwd_api_cfg *cfg, const char *pin_root,
		 unsigned int timeout_s, struct api_server **srv)
{
	struct api_opts o = {
		.cfg = cfg,
		.pin_root = pin_root,
		.conn_timeout_s = timeout_s,
		.changed = on_changed,
		.sa_changed = on_sa_changed,
		.ts_changed = on_ts_changed,
		.ike_unregistered = on_ike_unregistered,
	};
	char msg[256];
	int err = api_start(&o, srv, msg, sizeof(msg));

	if (err)
		fprintf(stderr, "test_api: api_start: %s\n", msg);
	return err;
}

int write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	ssize_t len = strlen(text);

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != len) {
		close(fd);
		return -EIO;
	}
	return close(fd) ? -errno : 0;
}

static int lab_init(void)
{
	struct ikefwd_api_cfg cfg;
	char msg[256];

	if (unshare(CLONE_NEWNS | CLONE_NEWNET)) {
		fprintf(stderr, "test_api: unshare: %s (needs root)\n",
			strerror(errno));
		return -1;
	}
	/* Nothing mounted from here on propagates to the host. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) || loopback_up())
		return -1;
	/* A tmpfs of our own on the directory: whatever the test writes
	 * there vanishes with the namespace, even when the test crashes. */
	snprintf(lab.dir, sizeof(lab.dir), "/tmp/ikefwd-api-XXXXXX");
	if (!mkdtemp(lab.dir) ||
	    mount("tmpfs", lab.dir, "tmpfs", 0, "mode=0700")) {
		fprintf(stderr, "test_api: %s: %s\n", lab.dir, strerror(errno));
		return -1;
	}
	snprintf(lab.bpffs, sizeof(lab.bpffs), "%s/bpf", lab.dir);
	snprintf(lab.pin_root, sizeof(lab.pin_root), "%s/ikefwd", lab.bpffs);
	snprintf(lab.token_file, sizeof(lab.token_file), "%s/token", lab.dir);
	snprintf(lab.sock, sizeof(lab.sock), "%s/api.sock", lab.dir);
	if (mkdir(lab.bpffs, 0700) ||
	    mount("bpf", lab.bpffs, "bpf", 0, "mode=0700")) {
		fprintf(stderr, "test_api: bpffs: %s\n", strerror(errno));
		return -1;
	}
	if (harness_open_pinned(&lab.h, lab.pin_root)) {
		fprintf(stderr, "test_api: loading the data path failed\n");
		return -1;
	}
	if (ikefwd_maps_open(lab.pin_root, &lab.m, msg, sizeof(msg))) {
		fprintf(stderr, "test_api: %s\n", msg);
		return -1;
	}
	if (write_file(lab.token_file, TOKEN "\n", 0600))
		return -1;

	api_cfg_init(&cfg);
	strcpy(cfg.token_file, lab.token_file);
	strcpy(cfg.unix_socket, lab.sock);
	if (start_server(&cfg, lab.pin_root, TEST_CONN_TIMEOUT_S, &lab.srv))
		return -1;
	lab.port = api_port(lab.srv);
	return 0;
}

int suite_init(void)
{
	return lab_init() ? -1 : 0;
}

int suite_clean(void)
{
	api_stop(lab.srv);
	ikefwd_maps_close(&lab.m);
	harness_close(&lab.h);
	if (lab.bpffs[0])
		umount2(lab.bpffs, MNT_DETACH);
	if (lab.dir[0]) {
		umount2(lab.dir, MNT_DETACH);
		rmdir(lab.dir);
	}
	return 0;
}

int lab_main(const char *suite, const struct cunit_test *tests, size_t n_tests)
{
	int status;

	/* Before any thread: curl_global_init() is not thread-safe. */
	if (curl_global_init(CURL_GLOBAL_ALL))
		return 1;
	status = cunit_run_suite(suite, suite_init, suite_clean, NULL, NULL,
				 tests, n_tests);
	curl_global_cleanup();
	return status;
}

/* ---- HTTP ------------------------------------------------------------- */

struct upload {
	const char *data;
	size_t left;
};

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	char *body = realloc(r->body, r->len + size * n + 1);

	if (!body)
		return 0;
	memcpy(body + r->len, p, size * n);
	r->body = body;
	r->len += size * n;
	r->body[r->len] = '\0';
	return size * n;
}

static void header_value(const char *line, size_t len, const char *name,
			 char *out, size_t outlen)
{
	size_t nlen = strlen(name);

	if (len <= nlen || strncasecmp(line, name, nlen))
		return;
	line += nlen;
	len -= nlen;
	while (len && *line == ' ')
		line++, len--;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	snprintf(out, outlen, "%.*s", (int)len, line);
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;

	header_value(p, size * n, "Allow:", r->allow, sizeof(r->allow));
	header_value(p, size * n, "WWW-Authenticate:", r->www_auth,
		     sizeof(r->www_auth));
	header_value(p, size * n, "Content-Type:", r->ctype, sizeof(r->ctype));
	return size * n;
}

static size_t on_read(char *p, size_t size, size_t n, void *ctx)
{
	struct upload *u = ctx;
	/* Small pieces: a chunked body in many chunks. */
	size_t take = u->left < 1000 ? u->left : 1000;

	if (take > size * n)
		take = size * n;
	memcpy(p, u->data, take);
	u->data += take;
	u->left -= take;
	return take;
}

void reply_free(struct reply *r)
{
	free(r->body);
	json_decref(r->json);
	memset(r, 0, sizeof(*r));
}

long http_request(const struct req *q, struct reply *r)
{
	struct curl_slist *hdrs = NULL;
	struct upload up = { 0 };
	char url[4096], auth[256], ctype[160];
	CURL *c = curl_easy_init();
	CURLcode res;

	memset(r, 0, sizeof(*r));
	r->status = -1;
	CU_ASSERT_FATAL(c != NULL);
	snprintf(url, sizeof(url), "%s://127.0.0.1:%u%s%s",
		 q->cainfo ? "https" : "http", q->port ? q->port : lab.port,
		 q->path[0] == '/' ? "" : BASE, q->path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (q->unix_path)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, q->unix_path);
	if (q->cainfo)
		curl_easy_setopt(c, CURLOPT_CAINFO, q->cainfo);
	if (!strcmp(q->method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	if (q->body && q->chunked) {
		up.data = q->body;
		up.left = q->body_len ? q->body_len : strlen(q->body);
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
		hdrs = curl_slist_append(hdrs, "Transfer-Encoding: chunked");
	} else if (q->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)(q->body_len ? q->body_len :
							    strlen(q->body)));
	}
	if (q->body) {
		snprintf(ctype, sizeof(ctype), "Content-Type: %s",
			 q->ctype ? q->ctype : "application/json");
		hdrs = curl_slist_append(hdrs, ctype);
	}
	if (!q->token || q->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
			 q->token ? q->token : TOKEN);
		hdrs = curl_slist_append(hdrs, auth);
	}
	hdrs = curl_slist_append(hdrs, q->expect ? "Expect: 100-continue" :
						   "Expect:");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	res = curl_easy_perform(c);
	if (res == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	else if (!q->quiet)
		fprintf(stderr, "test_api: %s %s: %s\n", q->method, url,
			curl_easy_strerror(res));
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	if (r->body && !strncmp(r->ctype, "application/json", 16))
		r->json = json_loadb(r->body, r->len, 0, NULL);
	return r->status;
}

long http_get(const char *path, struct reply *r)
{
	return http_request(&(struct req){ .method = "GET", .path = path }, r);
}

long http_json(const char *method, const char *path, const char *body,
	       struct reply *r)
{
	return http_request(
		&(struct req){ .method = method, .path = path, .body = body },
		r);
}

/* A field of the JSON answer. */
json_t *jget(const struct reply *r, const char *dotted)
{
	char name[64];
	json_t *v = r->json;

	while (v && *dotted) {
		size_t n = strcspn(dotted, ".");

		snprintf(name, sizeof(name), "%.*s", (int)n, dotted);
		v = json_object_get(v, name);
		dotted += n + (dotted[n] == '.');
	}
	return v;
}

long long jint(const struct reply *r, const char *dotted)
{
	json_t *v = jget(r, dotted);

	CU_ASSERT(json_is_integer(v));
	return json_integer_value(v);
}

const char *jstr(const struct reply *r, const char *dotted)
{
	const char *s = json_string_value(jget(r, dotted));

	return s ? s : "(none)";
}

/* ---- the table, as the test sees it ---------------------------------- */

struct ikefwd_key key(uint64_t ispi, uint32_t msgid)
{
	struct ikefwd_key k = { .msgid = msgid };

	ispi_bytes(ispi, k.ispi);
	return k;
}

int entry(uint64_t ispi, uint32_t msgid, struct ikefwd_entry *e)
{
	struct ikefwd_key k = key(ispi, msgid);

	return table_get(lab.m.table, &k, e);
}

int halfopen_entry(uint64_t ispi, uint32_t msgid, struct ikefwd_entry *e)
{
	struct ikefwd_key k = key(ispi, msgid);

	return table_get(lab.m.halfopen, &k, e);
}

void entry_add(uint64_t ispi, uint32_t msgid, uint32_t owner)
{
	struct ikefwd_key k = key(ispi, msgid);

	CU_ASSERT_FATAL(table_add(lab.m.table, &k, owner, 0) == 0);
}

static int snap_row(const struct table_row *row, void *ctx)
{
	struct snapshot *s = ctx;

	if (s->n == (int)(sizeof(s->rows) / sizeof(s->rows[0])))
		return -E2BIG;
	s->rows[s->n++] = *row;
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct table_row *)a)->key,
		      &((const struct table_row *)b)->key,
		      sizeof(struct ikefwd_key));
}

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int sa_cmp(const void *a, const void *b)
{
	uint32_t x = ((const struct sa_snap *)a)->spi;
	uint32_t y = ((const struct sa_snap *)b)->spi;

	return x < y ? -1 : x > y;
}

void snap_take(struct snapshot *s)
{
	uint32_t zero = 0;

	memset(s, 0, sizeof(*s));
	CU_ASSERT_FATAL(table_foreach(lab.m.table, snap_row, s) == 0);
	qsort(s->rows, s->n, sizeof(s->rows[0]), row_cmp);
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.config, &zero, &s->cfg));
	for (uint32_t id = 0; id < IKEFWD_MAX_MEMBERS; id++)
		CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.members, &id,
						     &s->members[id]));
	/* The SA table, in SPI order. */
	for (uint32_t spi = 0, *prev = NULL;
	     !bpf_map_get_next_key(lab.m.sa, prev, &spi); prev = &spi) {
		struct sa_snap *x = &s->sas[s->nr_sas];

		CU_ASSERT_FATAL(s->nr_sas < (int)ARRAY_LEN(s->sas));
		x->spi = spi;
		CU_ASSERT_FATAL(!bpf_map_lookup_elem(lab.m.sa, &spi, &x->sa));
		s->nr_sas++;
	}
	qsort(s->sas, s->nr_sas, sizeof(s->sas[0]), sa_cmp);
	/* The selectors, sorted by lib/selector.c. */
	{
		struct ikefwd_ts_maps tm = { lab.m.ts4, lab.m.ts6 };
		struct ikefwd_ts_row *rows = NULL;
		int n = ikefwd_ts_list(&tm, &rows);

		CU_ASSERT_FATAL(n >= 0 && n <= (int)ARRAY_LEN(s->ts));
		if (n > 0)
			memcpy(s->ts, rows, n * sizeof(rows[0]));
		s->nr_ts = n;
		free(rows);
	}
}

bool snap_same(const struct snapshot *a, const struct snapshot *b)
{
	if (a->n != b->n || memcmp(&a->cfg, &b->cfg, sizeof(a->cfg)) ||
	    memcmp(a->members, b->members, sizeof(a->members)) ||
	    a->nr_sas != b->nr_sas ||
	    memcmp(a->sas, b->sas, a->nr_sas * sizeof(a->sas[0])) ||
	    a->nr_ts != b->nr_ts)
		return false;
	for (int i = 0; i < a->nr_ts; i++)
		if (ikefwd_prefix_cmp(&a->ts[i].prefix, &b->ts[i].prefix) ||
		    memcmp(&a->ts[i].ts, &b->ts[i].ts, sizeof(a->ts[i].ts)))
			return false;
	/* Field by field: a table_row has padding between key and entry. */
	for (int i = 0; i < a->n; i++)
		if (memcmp(&a->rows[i].key, &b->rows[i].key,
			   sizeof(a->rows[i].key)) ||
		    memcmp(&a->rows[i].e, &b->rows[i].e, sizeof(a->rows[i].e)))
			return false;
	return true;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}
