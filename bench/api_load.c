// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * api_load: requests per second and latency of the REST API (api/) under
 * a closed-loop load of N keep-alive connections.
 *
 * The real API server (api_start) serves on 127.0.0.1, port 0, in a
 * private network and mount namespace, against the real data path loaded
 * and pinned on a private bpffs (netlab: LAB_MOUNTS), its table filled
 * with E entries. A libcurl multi client, one thread pinned to a CPU,
 * keeps N requests in flight, each connection reused: a request that
 * completes is followed at once by the next on the same handle, until the
 * measurement's time (or count) is up. Endpoints:
 *
 *   GET health                        the floor: no map access
 *   GET table-search?cookie=&msg_id=  one lookup of a random existing key
 *   GET packet-tracking?offset=&limit=100
 *                                     one page at a random offset
 *
 * Every answer is checked (200, and the body of the request's key or page)
 * and the run aborts on the first that is not. Nothing is pinned outside
 * the private bpffs, nothing listens outside the private loopback.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "api.h"
#include "config.h"
#include "netlab.h"
#include "stats.h"
#include "xdp_harness.h"

#define PROG "api_load"
#define BASE "/api/v1/cluster/ike-forwarding/"
#define PIN_ROOT "/sys/fs/bpf/ikefwd"
#define PAGE 100
#define MAX_CONNS 60 /* below API_CONN_LIMIT */
#define MAX_ENTRIES 60000
#define BODY_CAP (512 * 1024)
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)

enum { EP_HEALTH, EP_SEARCH, EP_LIST, N_EP };

static const char *const ep_name[N_EP] = {
	"floor: GET health",
	"GET table-search (random existing key)",
	"GET packet-tracking (limit=100, random offset)",
};

struct conn {
	CURL *c;
	char *body;
	size_t len;
	uint64_t t0;
	uint64_t key; /* table-search: the key asked for */
	unsigned int off; /* packet-tracking: the offset asked for */
	int ep;
};

struct result {
	double rps[BENCH_MAX_ROUNDS];
	double p50[BENCH_MAX_ROUNDS];
	double p99[BENCH_MAX_ROUNDS];
	double max[BENCH_MAX_ROUNDS];
	double srv_us[BENCH_MAX_ROUNDS]; /* server CPU per request */
	double cli_us[BENCH_MAX_ROUNDS]; /* client CPU per request */
	uint64_t reqs;
	uint64_t new_conns;
	double *lat; /* every request of every round, us */
	size_t nlat;
};

struct bench {
	unsigned int rounds, conns, entries, max_reqs;
	double secs;
	int cpu;
	struct harness h;
	struct api_server *srv;
	uint16_t port;
	uint64_t *keys;
	uint64_t rng;
	CURLM *multi;
	struct conn cn[MAX_CONNS];
	char url_base[96];
	struct result res[N_EP];
	struct cpu_share share;
};

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t process_cpu_ns(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000ULL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000ULL;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct conn *c = ctx;

	if (c->len + size * n >= BODY_CAP)
		return 0;
	memcpy(c->body + c->len, p, size * n);
	c->len += size * n;
	c->body[c->len] = '\0';
	return size * n;
}

static void set_url(struct bench *b, struct conn *c, int ep)
{
	char url[256];

	c->ep = ep;
	c->len = 0;
	c->body[0] = '\0';
	switch (ep) {
	case EP_HEALTH:
		snprintf(url, sizeof(url), "%shealth", b->url_base);
		break;
	case EP_SEARCH:
		c->key = b->keys[splitmix(&b->rng) % b->entries];
		snprintf(url, sizeof(url),
			 "%stable-search?cookie=%016llx&msg_id=0", b->url_base,
			 (unsigned long long)c->key);
		break;
	default:
		c->off = splitmix(&b->rng) % (b->entries / PAGE) * PAGE;
		snprintf(url, sizeof(url),
			 "%spacket-tracking?offset=%u&limit=%u", b->url_base,
			 c->off, PAGE);
		break;
	}
	curl_easy_setopt(c->c, CURLOPT_URL, url);
}

/* The answer is the one asked for: cheap checks on every request; the
 * JSON itself was checked once, before (check_endpoints). */
static int check_answer(struct bench *b, struct conn *c, CURLcode rc)
{
	char want[96];
	long status = 0;

	if (rc != CURLE_OK) {
		fprintf(stderr, PROG ": %s: %s\n", ep_name[c->ep],
			curl_easy_strerror(rc));
		return -EIO;
	}
	curl_easy_getinfo(c->c, CURLINFO_RESPONSE_CODE, &status);
	switch (c->ep) {
	case EP_HEALTH:
		snprintf(want, sizeof(want), "{\"status\": \"ok\"");
		break;
	case EP_SEARCH:
		snprintf(want, sizeof(want), "{\"cookie\": \"%016llx\"",
			 (unsigned long long)c->key);
		break;
	default:
		snprintf(want, sizeof(want),
			 "{\"total\": %u, \"offset\": %u, \"limit\": %u",
			 b->entries, c->off, PAGE);
		break;
	}
	if (status != 200 || strncmp(c->body, want, strlen(want))) {
		fprintf(stderr,
			PROG ": %s: status %ld, body %.120s (wanted %s)\n",
			ep_name[c->ep], status, c->body, want);
		return -EPROTO;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank on a sorted array. */
static double pct(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * n + 0.999999);

	if (!n)
		return 0;
	return v[i ? i - 1 : 0];
}

/*
 * One measurement: conns requests in flight on ep for secs seconds (or
 * max_reqs requests); record: into round r of the results.
 */
static int measure(struct bench *b, int ep, double secs, int r)
{
	struct result *res = &b->res[ep];
	uint64_t start, end, last, cpu0, cli0;
	unsigned int started = 0, done = 0, inflight = 0;
	double *lat = r >= 0 ? res->lat + res->nlat : NULL;
	int err = 0;

	cpu0 = process_cpu_ns();
	cli0 = thread_cpu_ns();
	start = last = now_ns();
	end = start + (uint64_t)(secs * 1e9);
	for (unsigned int i = 0; i < b->conns; i++) {
		set_url(b, &b->cn[i], ep);
		b->cn[i].t0 = now_ns();
		curl_multi_add_handle(b->multi, b->cn[i].c);
		started++;
		inflight++;
	}
	while (inflight) {
		struct CURLMsg *msg;
		int running, left;

		if (curl_multi_perform(b->multi, &running) != CURLM_OK)
			return -EIO;
		while ((msg = curl_multi_info_read(b->multi, &left))) {
			struct conn *c;
			long nc = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			last = now_ns();
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
					  (char **)&c);
			curl_multi_remove_handle(b->multi, c->c);
			inflight--;
			err = err ?: check_answer(b, c, msg->data.result);
			if (lat)
				lat[done] = (last - c->t0) / 1e3;
			curl_easy_getinfo(c->c, CURLINFO_NUM_CONNECTS, &nc);
			if (r >= 0)
				res->new_conns += nc;
			done++;
			if (err || last >= end || started >= b->max_reqs)
				continue;
			set_url(b, c, ep);
			c->t0 = now_ns();
			curl_multi_add_handle(b->multi, c->c);
			started++;
			inflight++;
		}
		if (inflight)
			curl_multi_poll(b->multi, NULL, 0, 100, NULL);
	}
	if (err || r < 0)
		return err;

	{
		uint64_t cli = thread_cpu_ns() - cli0;
		uint64_t all = process_cpu_ns() - cpu0;

		qsort(lat, done, sizeof(*lat), cmp_double);
		res->rps[r] = done / ((last - start) / 1e9);
		res->p50[r] = pct(lat, done, 50);
		res->p99[r] = pct(lat, done, 99);
		res->max[r] = lat[done - 1];
		res->cli_us[r] = cli / 1e3 / done;
		res->srv_us[r] = (all > cli ? all - cli : 0) / 1e3 / done;
		res->nlat += done;
		res->reqs += done;
	}
	return 0;
}

static int get_json(struct bench *b, int ep, json_t **out)
{
	struct conn *c = &b->cn[0];
	CURLcode rc;

	set_url(b, c, ep);
	rc = curl_easy_perform(c->c);
	if (check_answer(b, c, rc))
		return -EPROTO;
	*out = json_loads(c->body, 0, NULL);
	if (!*out) {
		fprintf(stderr, PROG ": %s: not JSON: %.120s\n", ep_name[ep],
			c->body);
		return -EPROTO;
	}
	return 0;
}

/* The intended path, checked in full once: each endpoint answers 200 with
 * the JSON its request asks for, from the table this benchmark filled. */
static int check_endpoints(struct bench *b)
{
	json_t *j = NULL, *ents;
	char cookie[17];
	int err;

	err = get_json(b, EP_HEALTH, &j);
	if (!err &&
	    (strcmp(json_string_value(json_object_get(j, "status")) ?: "",
		    "ok") ||
	     json_integer_value(json_object_get(j, "local_member")) != 1))
		err = -EPROTO;
	json_decref(j);
	j = NULL;
	if (!err)
		err = get_json(b, EP_SEARCH, &j);
	snprintf(cookie, sizeof(cookie), "%016llx",
		 (unsigned long long)b->cn[0].key);
	if (!err &&
	    (strcmp(json_string_value(json_object_get(j, "cookie")) ?: "",
		    cookie) ||
	     json_integer_value(json_object_get(j, "msg_id")) != 0 ||
	     !json_integer_value(
		     json_object_get(json_object_get(j, "owner"), "member"))))
		err = -EPROTO;
	json_decref(j);
	j = NULL;
	if (!err)
		err = get_json(b, EP_LIST, &j);
	ents = json_object_get(j, "entries");
	if (!err && ((unsigned int)json_integer_value(
			     json_object_get(j, "total")) != b->entries ||
		     json_array_size(ents) != PAGE ||
		     !json_is_string(json_object_get(json_array_get(ents, 0),
						     "cookie"))))
		err = -EPROTO;
	json_decref(j);
	if (err)
		fprintf(stderr,
			PROG ": the API did not answer as expected: %.200s\n",
			b->cn[0].body);
	return err;
}

static int fill_table(struct bench *b)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = 1,
		.timeout_sec = 3600,
		.ike_port = 500,
		.natt_port = 4500,
		.max_member = 3,
	};
	uint64_t seed = 0x1ce;

	if (harness_set_config(&b->h, &cfg) ||
	    harness_add_member(&b->h, 1, 0, "02:00:00:00:01:01",
			       "02:00:00:00:01:01", IKEFWD_MEMBER_ALIVE) ||
	    harness_add_member(&b->h, 2, 1, "02:00:00:00:02:02",
			       "02:00:00:00:01:02", USABLE) ||
	    harness_add_member(&b->h, 3, 1, "02:00:00:00:03:03",
			       "02:00:00:00:01:03", USABLE))
		return -EIO;
	b->keys = calloc(b->entries, sizeof(*b->keys));
	if (!b->keys)
		return -ENOMEM;
	for (unsigned int i = 0; i < b->entries; i++) {
		b->keys[i] = splitmix(&seed) | 1;
		if (harness_table_put(&b->h, b->keys[i], 0, 1 + i % 3, 0,
				      IKEFWD_F_IKEV2 | IKEFWD_F_CLAIMED))
			return -EIO;
	}
	if (harness_table_count(&b->h) != (int)b->entries) {
		fprintf(stderr, PROG ": table has %d entries, not %u\n",
			harness_table_count(&b->h), b->entries);
		return -EIO;
	}
	return 0;
}

static int setup(struct bench *b)
{
	struct ikefwd_api_cfg cfg = { .listen.family = AF_INET };
	struct api_opts o = { .cfg = &cfg, .pin_root = PIN_ROOT };
	char msg[256];
	int err;

	if (lab_enter(PROG, LAB_MOUNTS))
		return -1;
	err = harness_open_pinned(&b->h, PIN_ROOT);
	if (err) {
		fprintf(stderr, PROG ": loading the data path: %s\n",
			strerror(-err));
		return err;
	}
	err = fill_table(b);
	if (err)
		return err;
	cfg.listen.addr[10] = cfg.listen.addr[11] = 0xff;
	cfg.listen.addr[12] = 127;
	cfg.listen.addr[15] = 1;
	strcpy(cfg.listen.text, "127.0.0.1");
	/* Started before the client pins itself: the server's threads may
	 * run on any CPU. */
	err = api_start(&o, &b->srv, msg, sizeof(msg));
	if (err) {
		fprintf(stderr, PROG ": api_start: %s\n", msg);
		return err;
	}
	b->port = api_port(b->srv);
	snprintf(b->url_base, sizeof(b->url_base), "http://127.0.0.1:%u" BASE,
		 b->port);

	if (curl_global_init(CURL_GLOBAL_DEFAULT))
		return -EIO;
	b->multi = curl_multi_init();
	if (!b->multi)
		return -ENOMEM;
	/* The cache must not shrink while the handles are out of the multi
	 * handle between two requests: keep-alive over the whole run. */
	curl_multi_setopt(b->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  (long)b->conns);
	curl_multi_setopt(b->multi, CURLMOPT_MAXCONNECTS, (long)b->conns);
	for (unsigned int i = 0; i < b->conns; i++) {
		struct conn *c = &b->cn[i];

		c->c = curl_easy_init();
		c->body = malloc(BODY_CAP);
		if (!c->c || !c->body)
			return -ENOMEM;
		curl_easy_setopt(c->c, CURLOPT_PRIVATE, c);
		curl_easy_setopt(c->c, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(c->c, CURLOPT_WRITEDATA, c);
		curl_easy_setopt(c->c, CURLOPT_TIMEOUT, 10L);
		curl_easy_setopt(c->c, CURLOPT_TCP_NODELAY, 1L);
		curl_easy_setopt(c->c, CURLOPT_NOSIGNAL, 1L);
	}
	for (int e = 0; e < N_EP; e++) {
		b->res[e].lat =
			calloc((size_t)b->rounds * b->max_reqs, sizeof(double));
		if (!b->res[e].lat)
			return -ENOMEM;
	}
	return check_endpoints(b);
}

static void teardown(struct bench *b)
{
	for (unsigned int i = 0; i < b->conns; i++) {
		if (b->cn[i].c)
			curl_easy_cleanup(b->cn[i].c);
		free(b->cn[i].body);
	}
	if (b->multi)
		curl_multi_cleanup(b->multi);
	if (b->srv)
		api_stop(b->srv);
	if (b->h.skel)
		harness_close(&b->h);
	for (int e = 0; e < N_EP; e++)
		free(b->res[e].lat);
	free(b->keys);
	curl_global_cleanup();
}

static void print_report(struct bench *b)
{
	struct result *fl = &b->res[EP_HEALTH];
	double fl_rps = stats_median(fl->rps, b->rounds);
	double fl_p50;
	char ours[256];

	qsort(fl->lat, fl->nlat, sizeof(*fl->lat), cmp_double);
	fl_p50 = pct(fl->lat, fl->nlat, 50);
	printf("## api_load: REST requests per second and latency\n\n");
	report_machine();
	printf("- server: the real API (api_start, libmicrohttpd, a thread per connection) on 127.0.0.1 in a private network namespace, no TLS, no token; the real data path pinned on a private bpffs, its table holding %u entries (msgid 0, owners 1-3)\n",
	       b->entries);
	printf("- client: libcurl multi, one thread, %u connections kept alive, a new request on a connection as soon as its answer is in (closed loop); latency = from handing the request to libcurl to its answer complete, as the client saw it\n",
	       b->conns);
	printf("- rounds: %u (after 1 discarded warm-up round of 0.3 s per endpoint), endpoints interleaved round-robin, the first rotating each round; one measurement = %.1f s or %u requests, whichever comes first\n",
	       b->rounds, b->secs, b->max_reqs);
	snprintf(
		ours, sizeof(ours),
		"the client pinned to CPU %d; the server's threads unpinned (any CPU, the client's included)",
		b->cpu);
	report_cpu_share(&b->share, ours);
	printf("\n| endpoint | requests | req/s: min / median / max | req/s / floor (median) | p50 us (pooled) | p99 us (pooled) | max us | p99 us over rounds: min / median / max | p50 / floor p50 | server CPU us per request (median) | client CPU us per request (median) |\n");
	printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (int e = 0; e < N_EP; e++) {
		struct result *r = &b->res[e];
		double rps = stats_median(r->rps, b->rounds);

		qsort(r->lat, r->nlat, sizeof(*r->lat), cmp_double);
		printf("| %s | %llu | %.0f / %.0f / %.0f | %.2f | %.0f | %.0f | %.0f | %.0f / %.0f / %.0f | %.2f | %.1f | %.1f |\n",
		       ep_name[e], (unsigned long long)r->reqs,
		       stats_min(r->rps, b->rounds), rps,
		       stats_max(r->rps, b->rounds), rps / fl_rps,
		       pct(r->lat, r->nlat, 50), pct(r->lat, r->nlat, 99),
		       r->lat[r->nlat - 1], stats_min(r->p99, b->rounds),
		       stats_median(r->p99, b->rounds),
		       stats_max(r->p99, b->rounds),
		       pct(r->lat, r->nlat, 50) / fl_p50,
		       stats_median(r->srv_us, b->rounds),
		       stats_median(r->cli_us, b->rounds));
	}
	printf("\nRaw req/s per round:\n\n| endpoint |");
	for (unsigned int i = 0; i < b->rounds; i++)
		printf(" r%u |", i + 1);
	printf("\n|---|");
	for (unsigned int i = 0; i < b->rounds; i++)
		printf("---:|");
	printf("\n");
	for (int e = 0; e < N_EP; e++) {
		printf("| %s |", ep_name[e]);
		for (unsigned int i = 0; i < b->rounds; i++)
			printf(" %.0f |", b->res[e].rps[i]);
		printf("\n");
	}
	printf("\nHow to read it:\n\n");
	printf("- Compare each endpoint with the health floor of the same run: health\n"
	       "  touches no map, so its figure is HTTP over loopback, libmicrohttpd's\n"
	       "  thread hand-off and the JSON answer; what an endpoint adds on top is\n"
	       "  its map work. table-search is one map lookup plus the member record.\n"
	       "  A packet-tracking page walks the whole table (%u entries) with two\n"
	       "  bpf() calls per entry (get_next_key, lookup: table_foreach), keeping\n"
	       "  the offset + limit first keys in a heap to answer in key order,\n"
	       "  whatever the offset: its cost grows with the table, not the page,\n"
	       "  and the server CPU column shows it. With so few requests per round,\n"
	       "  its p99 is about its max.\n"
	       "- Client and server share the 2 vCPUs: the client's CPU per request\n"
	       "  is in the last column. Server CPU = the process's CPU time minus the\n"
	       "  client thread's, over the measurement. With %u connections in flight,\n"
	       "  latency includes waiting for a CPU: it is a closed loop, so\n"
	       "  p50 x req/s is about the connection count.\n"
	       "- Checked: every answer was 200 with the body of its own request (the\n"
	       "  key asked for; total %u and the offset asked for), and once, in\n"
	       "  full, as JSON before the measurements; a mismatch aborts the run.\n"
	       "  New TCP connections during the measurements: %llu, %llu and %llu\n"
	       "  (health, table-search, packet-tracking): keep-alive held.\n",
	       b->entries, b->conns, b->entries,
	       (unsigned long long)b->res[EP_HEALTH].new_conns,
	       (unsigned long long)b->res[EP_SEARCH].new_conns,
	       (unsigned long long)b->res[EP_LIST].new_conns);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: " PROG
		" [-r ROUNDS] [-n CONNECTIONS] [-e ENTRIES] [-t SECONDS] [-m REQUESTS] [-c CPU]\n"
		"  -r  rounds, 1..%d (default 5)\n"
		"  -n  concurrent keep-alive connections, 1..%d (default 8)\n"
		"  -e  table entries, %d..%d (default 10000)\n"
		"  -t  seconds per measurement, 0.1..10 (default 1)\n"
		"  -m  at most this many requests per measurement (default 100000)\n"
		"  -c  CPU to pin the client to (default: the last online CPU)\n"
		"Needs root (loads BPF programs, private namespaces). Markdown report on stdout.\n",
		BENCH_MAX_ROUNDS, MAX_CONNS, PAGE, MAX_ENTRIES);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	double v;
	int opt;

	b->rounds = 5;
	b->conns = 8;
	b->entries = 10000;
	b->secs = 1;
	b->max_reqs = 100000;
	b->cpu = last_cpu();
	while ((opt = getopt(argc, argv, "r:n:e:t:m:c:h")) != -1) {
		v = optarg ? strtod(optarg, NULL) : 0;
		switch (opt) {
		case 'r':
			if (v < 1 || v > BENCH_MAX_ROUNDS)
				return -EINVAL;
			b->rounds = v;
			break;
		case 'n':
			if (v < 1 || v > MAX_CONNS)
				return -EINVAL;
			b->conns = v;
			break;
		case 'e':
			if (v < PAGE || v > MAX_ENTRIES)
				return -EINVAL;
			b->entries = v;
			break;
		case 't':
			if (v < 0.1 || v > 10)
				return -EINVAL;
			b->secs = v;
			break;
		case 'm':
			if (v < 100 || v > 1000000)
				return -EINVAL;
			b->max_reqs = v;
			break;
		case 'c':
			if (v < 0)
				return -EINVAL;
			b->cpu = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

int main(int argc, char **argv)
{
	static struct bench b;
	int err;

	if (parse_args(&b, argc, argv)) {
		usage(stderr);
		return 2;
	}
	b.rng = 0x5eed;
	err = setup(&b);
	if (!err) {
		err = pin_cpu(b.cpu);
		if (err)
			fprintf(stderr, PROG ": cannot pin to CPU %d: %s\n",
				b.cpu, strerror(-err));
	}
	/* Warm-up, discarded. */
	for (int e = 0; e < N_EP && !err; e++)
		err = measure(&b, e, 0.3, -1);
	for (unsigned int r = 0; r < b.rounds && !err; r++) {
		for (int i = 0; i < N_EP && !err; i++) {
			int e = (i + r) % N_EP;

			cpu_share_begin(&b.share);
			err = measure(&b, e, b.secs, r);
			cpu_share_end(&b.share);
		}
	}
	if (!err)
		print_report(&b);
	teardown(&b);
	return err ? 1 : 0;
}
