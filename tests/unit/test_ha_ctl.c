// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwdd's ha-sync segment controller (sync/ha_ctl.c) in two real sync
 * agents on two real data paths (maps pinned on a private bpffs), over
 * loopback in a private network namespace. Each member's "charon" is a
 * FIFO made here with a reader thread that does what the ha plugin's
 * ha_ctl.c does (open, one read of up to 7 bytes, close) and records the
 * commands; the rekey command is a script that records its arguments.
 *
 * One story, in order: member 1 alone takes both segments; member 2 comes
 * up and, join_delay_ms later, takes segment 2 (planned: rekey command);
 * member 2 dies and member 1 takes segment 2 over ("+2" then "*2"); member
 * 2 comes back and gets it again; with member 1's FIFO gone, a takeover
 * waits for it (counted errors, retried) and completes when it is back.
 * Member 1's state through a real API server: GET ha-segments, /metrics.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <curl/curl.h>
#include <jansson.h>

#include "agent.h"
#include "api.h"
#include "config.h"
#include "cunit_main.h"
#include "ikefwd.skel.h"
#include "wire.h"
#include "xdp_harness.h"

#define PORT 17510
#define KEY_HEX \
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
/* Generous for sanitizer builds on a loaded machine; the waits poll. */
#define WAIT_MS 15000
#define DEAD_AFTER_MS 1500
#define JOIN_DELAY_MS 1000
#define LOG_MAX 64

static char dir[] = "/tmp/ikefwd-ha-ctl-XXXXXX";
static char bpffs[600];
static char root[2][700];
static struct harness h[2];
static struct ikefwd_cfg cfg[2];
static struct sync_agent *agent[2];
static bool skipped;

/* ---- a charon's FIFO reader, as the ha plugin reads it ---- */

struct reader {
	char path[700];
	pthread_t thread;
	bool running;
	volatile bool stop, exited;
	pthread_mutex_t lock;
	char log[LOG_MAX][8];
	int n;
};

static struct reader rd[2];

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	while (!r->stop) {
		char buf[8] = { 0 };
		int fd = open(r->path, O_RDONLY); /* waits for a writer */

		if (fd < 0) {
			usleep(10000);
			continue;
		}
		/* ha_ctl.c: read(fifo, buf, sizeof(buf) - 1), one command */
		if (read(fd, buf, sizeof(buf) - 1) > 1 && !r->stop) {
			pthread_mutex_lock(&r->lock);
			if (r->n < LOG_MAX)
				memcpy(r->log[r->n++], buf, sizeof(buf));
			pthread_mutex_unlock(&r->lock);
		}
		close(fd);
	}
	r->exited = true;
	return NULL;
}

/* charon starts: makes the FIFO (as the plugin does) and reads it. */
static int reader_start(int i)
{
	struct reader *r = &rd[i];

	unlink(r->path);
	if (mkfifo(r->path, 0600))
		return -errno;
	r->stop = r->exited = false;
	if (pthread_create(&r->thread, NULL, reader_main, r))
		return -1;
	r->running = true;
	return 0;
}

/* charon stops: nobody reads, and the FIFO is gone (unlinked). */
static void reader_stop(int i)
{
	struct reader *r = &rd[i];

	if (!r->running)
		return;
	r->stop = true;
	/* Wakes a reader waiting in open(); an empty read ends it. */
	while (!r->exited) {
		int fd = open(r->path, O_WRONLY | O_NONBLOCK);

		if (fd >= 0)
			close(fd);
		usleep(1000);
	}
	pthread_join(r->thread, NULL);
	r->running = false;
	unlink(r->path);
}

/* How many commands member i's charon read; the k-th into out. */
static int cmds(int i)
{
	int n;

	pthread_mutex_lock(&rd[i].lock);
	n = rd[i].n;
	pthread_mutex_unlock(&rd[i].lock);
	return n;
}

static const char *cmd_at(int i, int k)
{
	static char out[8];

	pthread_mutex_lock(&rd[i].lock);
	snprintf(out, sizeof(out), "%s", k < rd[i].n ? rd[i].log[k] : "");
	pthread_mutex_unlock(&rd[i].lock);
	return out;
}

/* Whether member i's charon read cmd at or after index from. */
static bool read_since(int i, int from, const char *cmd)
{
	for (int k = from; k < cmds(i); k++)
		if (!strcmp(cmd_at(i, k), cmd))
			return true;
	return false;
}

static int index_of(int i, int from, const char *cmd)
{
	for (int k = from; k < cmds(i); k++)
		if (!strcmp(cmd_at(i, k), cmd))
			return k;
	return -1;
}

/* ---- setup ---- */

static int write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	if (fclose(f))
		return -errno;
	return chmod(path, mode) ? -errno : 0;
}

static int member_cfg(int i)
{
	char path[700], text[8192], err[512];

	snprintf(path, sizeof(path), "%s/m%d.conf", dir, i + 1);
	snprintf(text, sizeof(text),
		 "[cluster]\nmode = ha-sync\nlocal_member = %d\n"
		 "[member 1]\naddress = 127.0.0.1\n"
		 "[member 2]\naddress = 127.0.0.2\n"
		 "[sync]\nport = %d\nkey_file = %s/key\n"
		 "heartbeat_ms = 100\ndead_after_ms = %d\n"
		 "[ha]\nfifo = %s\nrekey_command = %s/rekey.sh m%d\n"
		 "join_delay_ms = %d\n",
		 i + 1, PORT, dir, DEAD_AFTER_MS, rd[i].path, dir, i + 1,
		 JOIN_DELAY_MS);
	if (write_file(path, text, 0600))
		return -1;
	if (ikefwd_cfg_load(path, &cfg[i], err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	return 0;
}

static int start_agent(int i)
{
	char err[512];

	if (sync_agent_start(&agent[i], &cfg[i], root[i], err, sizeof(err))) {
		fprintf(stderr, "agent %d: %s\n", i + 1, err);
		return -1;
	}
	return 0;
}

static void stop_agent(int i)
{
	sync_agent_stop(agent[i]);
	agent[i] = NULL;
}

static int setup_fail(const char *what)
{
	fprintf(stderr, "ha_ctl setup: %s: %s\n", what, strerror(errno));
	return -1;
}

static int suite_init(void)
{
	char path[700], script[2048];
	const char *what = NULL;
	int ret;

	ret = harness_private_lab(dir, bpffs, sizeof(bpffs), &what);
	if (ret > 0) {
		skipped = true;
		return 0;
	}
	if (ret)
		return setup_fail(what);
	snprintf(path, sizeof(path), "%s/key", dir);
	if (write_file(path, KEY_HEX "\n", 0600))
		return setup_fail("key file");
	/* The rekey command: one line per call, the member, the segments
	 * and the configuration it was given; before it, per segment, what
	 * the other member's data path said at that moment (the segment's
	 * holder, read with bpftool from its pinned map): a planned move's
	 * rekey must find the giver's map already pointing at the taker. */
	snprintf(path, sizeof(path), "%s/rekey.sh", dir);
	snprintf(
		script, sizeof(script),
		"#!/bin/sh\nPATH=$PATH:/usr/sbin:/sbin\nm=$1; shift\n"
		"case $m in m1) o=m2 ;; *) o=m1 ;; esac\n"
		"for s in \"$@\"; do\n"
		"  v=$(bpftool -j map lookup pinned %s/$o/ikefwd_segments "
		"key $s 0 0 0 | sed -n 's/.*\"value\":\\[\"0x\\([0-9a-f]*\\)\".*/\\1/p')\n"
		"  echo \"$s ${v:-none}\" >> %s/giver-$m.log\n"
		"done\n"
		"echo \"$* $IKEFWD_CONFIG\" >> %s/rekey-$m.log\n",
		bpffs, dir, dir);
	if (write_file(path, script, 0700))
		return setup_fail("rekey script");
	for (int i = 0; i < 2; i++) {
		struct ikefwd_config c = { .local_member = i + 1,
					   .timeout_sec = 120,
					   .max_member = 2,
					   .mode = IKEFWD_MODE_HA_SYNC,
					   .ha_segments = 2 };
		int err;

		pthread_mutex_init(&rd[i].lock, NULL);
		snprintf(rd[i].path, sizeof(rd[i].path), "%s/charon-m%d.ha",
			 dir, i + 1);
		snprintf(root[i], sizeof(root[i]), "%s/m%d", bpffs, i + 1);
		if (member_cfg(i))
			return setup_fail("config");
		err = harness_open_pinned(&h[i], root[i]);
		if (err) {
			errno = -err;
			return setup_fail("data path");
		}
		if (harness_set_config(&h[i], &c) ||
		    harness_add_member(&h[i], 1, 1, "02:00:00:00:00:01",
				       "02:00:00:00:00:02", USABLE) ||
		    harness_add_member(&h[i], 2, 1, "02:00:00:00:00:02",
				       "02:00:00:00:00:01", USABLE))
			return setup_fail("maps");
		if (reader_start(i))
			return setup_fail("fifo");
	}
	return 0;
}

static void fake_stop(void);

static int suite_clean(void)
{
	char path[700];

	fake_stop();
	for (int i = 0; i < 2; i++) {
		stop_agent(i);
		reader_stop(i);
		if (h[i].skel)
			harness_close(&h[i]);
		snprintf(path, sizeof(path), "%s/m%d.conf", dir, i + 1);
		unlink(path);
		snprintf(path, sizeof(path), "%s/rekey-m%d.log", dir, i + 1);
		unlink(path);
		snprintf(path, sizeof(path), "%s/giver-m%d.log", dir, i + 1);
		unlink(path);
	}
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	snprintf(path, sizeof(path), "%s/key", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rekey.sh", dir);
	unlink(path);
	rmdir(dir);
	return 0;
}

/* ---- what the members did ---- */

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#define wait_until(cond, ms)                                \
	({                                                  \
		uint64_t end_ = mono_ms() + (ms);           \
		bool ok_;                                   \
		while (!(ok_ = (cond)) && mono_ms() < end_) \
			usleep(10000);                      \
		ok_;                                        \
	})

/* Member i's data path: who holds segment s (0: nobody). */
static uint32_t holder(int i, uint32_t s)
{
	struct ikefwd_segment v;

	if (bpf_map_lookup_elem(bpf_map__fd(h[i].skel->maps.ikefwd_segments),
				&s, &v))
		return 0xffffffff;
	return v.member;
}

static bool maps_are(uint32_t s1, uint32_t s2)
{
	return holder(0, 1) == s1 && holder(0, 2) == s2 && holder(1, 1) == s1 &&
	       holder(1, 2) == s2;
}

static struct ha_status status(int i)
{
	struct ha_status st;

	memset(&st, 0, sizeof(st));
	CU_ASSERT(sync_ha_status(agent[i], &st));
	return st;
}

/* The lines of member i's log name (rekey: the rekey command's calls;
 * giver: the other member's holder of each segment as each call began). */
static int log_lines(const char *name, int i, char lines[][256], int max)
{
	char path[700];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s-m%d.log", dir, name, i + 1);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (n < max && fgets(lines[n], 256, f)) {
		lines[n][strcspn(lines[n], "\n")] = '\0';
		n++;
	}
	fclose(f);
	return n;
}

static int rekey_lines(int i, char lines[][256], int max)
{
	return log_lines("rekey", i, lines, max);
}

static int rekey_count(int i)
{
	char lines[16][256];

	return rekey_lines(i, lines, 16);
}

/* The k-th rekey call of member i found the other member's map giving
 * segment seg to member want (bpftool's first value byte). */
static bool giver_saw(int i, int k, unsigned int seg, unsigned int want)
{
	char lines[16][256], expect[32];
	int n = log_lines("giver", i, lines, 16);

	snprintf(expect, sizeof(expect), "%u %02x", seg, want);
	if (k >= n) {
		fprintf(stderr, "giver log of m%d: %d lines\n", i + 1, n);
		return false;
	}
	if (strcmp(lines[k], expect))
		fprintf(stderr, "giver log of m%d line %d: '%s', not '%s'\n",
			i + 1, k, lines[k], expect);
	return !strcmp(lines[k], expect);
}

#define SKIP_IF_NEEDED()                                             \
	do {                                                         \
		if (skipped) {                                       \
			fprintf(stderr, "no privileges: skipped\n"); \
			return;                                      \
		}                                                    \
	} while (0)

/* Member 1 starts alone: dead_after_ms later it is ready and takes every
 * segment, "+1" and "+2" into its FIFO, and its map points at itself. */
static void test_alone_takes_all(void)
{
	struct ha_status st;

	SKIP_IF_NEEDED();
	CU_ASSERT_FATAL(start_agent(0) == 0);
	st = status(0);
	CU_ASSERT_FALSE(st.ready); /* not before dead_after */
	CU_ASSERT_EQUAL(st.segments, 2);
	CU_ASSERT(wait_until(cmds(0) >= 2 && holder(0, 1) == 1 &&
				     holder(0, 2) == 1,
			     WAIT_MS));
	CU_ASSERT_STRING_EQUAL(cmd_at(0, 0), "+1");
	CU_ASSERT_STRING_EQUAL(cmd_at(0, 1), "+2");
	st = status(0);
	CU_ASSERT(st.ready);
	CU_ASSERT_FALSE(st.partner_alive);
	CU_ASSERT_EQUAL(st.stats.takeovers, 0); /* nobody held them */
	CU_ASSERT_EQUAL(st.stats.fifo_writes, 2);
	CU_ASSERT_EQUAL(rekey_count(0), 0);
}

/* Member 2 comes up: it follows member 1 at once, and join_delay_ms after
 * it first heard member 1 it takes segment 2: its "+2", then both maps
 * agree; member 2 rekeys segment 2 (planned move: the rekey command, not
 * "*2"). */
static void test_partner_joins(void)
{
	char lines[16][256], want[800];
	struct ha_status st1, st2;
	uint64_t t0;
	int before = cmds(0);

	SKIP_IF_NEEDED();
	t0 = mono_ms();
	CU_ASSERT_FATAL(start_agent(1) == 0);
	/* Not ready yet: its map points at member 1 for both. */
	CU_ASSERT(wait_until(holder(1, 1) == 1 && holder(1, 2) == 1, WAIT_MS));
	CU_ASSERT(wait_until(maps_are(1, 2) && cmds(1) >= 1, WAIT_MS));
	/* Not before join_delay (measured from our start, later than the
	 * first hearing). */
	CU_ASSERT(mono_ms() - t0 >= JOIN_DELAY_MS);
	CU_ASSERT_EQUAL(cmds(1), 1);
	CU_ASSERT_STRING_EQUAL(cmd_at(1, 0), "+2");
	CU_ASSERT(wait_until(rekey_count(1) == 1, WAIT_MS));
	rekey_lines(1, lines, 16);
	snprintf(want, sizeof(want), "2 %s/m2.conf", dir);
	CU_ASSERT_STRING_EQUAL(lines[0], want);
	/* The rekey began only once member 1's data path sent segment 2 to
	 * member 2: its CREATE_CHILD_SA responses cannot meet member 1's
	 * charon, PASSIVE for segment 2 since member 2's "+2". */
	CU_ASSERT(giver_saw(1, 0, 2, 2));
	/* Member 1 gave segment 2 without a command (member 2's "+2"
	 * reaches its charon through the plugin); on first hearing member 2
	 * it re-asserted what it held then ("+1", and "+2" unless member 2
	 * took it first: a partner's charon may hold segments active when
	 * its ikefwdd starts), nothing else. */
	CU_ASSERT(wait_until(read_since(0, before, "+1"), WAIT_MS));
	for (int k = before; k < cmds(0); k++)
		CU_ASSERT(!strcmp(cmd_at(0, k), "+1") ||
			  !strcmp(cmd_at(0, k), "+2"));
	CU_ASSERT_EQUAL(rekey_count(0), 0);
	st1 = status(0);
	st2 = status(1);
	CU_ASSERT(st1.partner_alive && st1.partner_ready);
	CU_ASSERT(st2.ready && st2.partner_ready);
	CU_ASSERT_EQUAL(st1.stats.handovers_out, 1);
	CU_ASSERT_EQUAL(st2.stats.handovers_in, 1);
	CU_ASSERT(wait_until(status(1).stats.rekeys_started == 1 &&
				     status(1).rekeys_running == 0,
			     WAIT_MS));
	CU_ASSERT_EQUAL(status(1).stats.rekeys_failed, 0);
}

/* Member 2 dies: dead_after_ms later member 1 takes segment 2 over, "+2"
 * then "*2" (rekey: the dead member's sequence numbers are lost), map. */
static void test_takeover(void)
{
	int before = cmds(0), plus, star;

	SKIP_IF_NEEDED();
	stop_agent(1);
	CU_ASSERT(wait_until(holder(0, 2) == 1 && cmds(0) >= before + 2,
			     WAIT_MS));
	plus = index_of(0, before, "+2");
	star = index_of(0, before, "*2");
	CU_ASSERT(plus >= 0 && star > plus);
	CU_ASSERT_EQUAL(holder(0, 1), 1);
	CU_ASSERT_EQUAL(status(0).stats.takeovers, 1);
	CU_ASSERT_FALSE(status(0).partner_alive);
	CU_ASSERT_EQUAL(rekey_count(0), 0); /* "*2" did it */
}

/* Member 2 back: member 1 re-asserts what it holds ("+N": member 2's
 * charon may hold it too); join_delay_ms later member 2 takes segment 2
 * again, planned, with the rekey command. */
static void test_partner_back(void)
{
	int before0 = cmds(0), before1 = cmds(1);
	uint64_t handed = status(0).stats.handovers_out;

	SKIP_IF_NEEDED();
	CU_ASSERT_FATAL(start_agent(1) == 0);
	CU_ASSERT(wait_until(read_since(0, before0, "+1"), WAIT_MS));
	CU_ASSERT(wait_until(maps_are(1, 2) && read_since(1, before1, "+2"),
			     WAIT_MS));
	CU_ASSERT(wait_until(rekey_count(1) == 2, WAIT_MS));
	CU_ASSERT(giver_saw(1, 1, 2, 2));
	CU_ASSERT_EQUAL(status(1).stats.handovers_unconfirmed, 0);
	CU_ASSERT_FALSE(read_since(1, before1, "*2"));
	CU_ASSERT_EQUAL(status(0).stats.handovers_out, handed + 1);
	CU_ASSERT_EQUAL(status(0).stats.takeovers, 1);
}

/* charon is not running on member 1 (no FIFO) when member 2 dies: the
 * "+2" fails, is counted and retried (also while a regular file stands
 * where the FIFO should be); the map waits for charon; once the FIFO is
 * back, "+2", the map, "*2". */
static void test_fifo_missing(void)
{
	uint64_t errors = status(0).stats.fifo_errors;

	SKIP_IF_NEEDED();
	reader_stop(0);
	stop_agent(1);
	CU_ASSERT(
		wait_until(status(0).stats.fifo_errors >= errors + 2, WAIT_MS));
	CU_ASSERT(status(0).fifo_pending > 0);
	CU_ASSERT_EQUAL(holder(0, 2), 2); /* not before charon took it */

	/* A regular file where the FIFO should be takes nothing: still an
	 * error, the command still waiting, the file left empty. */
	{
		uint64_t writes = status(0).stats.fifo_writes;
		struct stat st = { 0 };

		errors = status(0).stats.fifo_errors;
		CU_ASSERT_FATAL(write_file(rd[0].path, "", 0600) == 0);
		CU_ASSERT(wait_until(status(0).stats.fifo_errors >= errors + 2,
				     WAIT_MS));
		CU_ASSERT_EQUAL(status(0).stats.fifo_writes, writes);
		CU_ASSERT(status(0).fifo_pending > 0);
		CU_ASSERT_EQUAL(stat(rd[0].path, &st), 0);
		CU_ASSERT_EQUAL(st.st_size, 0);
		CU_ASSERT_EQUAL(holder(0, 2), 2);
	}

	pthread_mutex_lock(&rd[0].lock);
	rd[0].n = 0;
	pthread_mutex_unlock(&rd[0].lock);
	CU_ASSERT_FATAL(reader_start(0) == 0);
	CU_ASSERT(wait_until(holder(0, 2) == 1 && cmds(0) >= 2, WAIT_MS));
	CU_ASSERT_STRING_EQUAL(cmd_at(0, 0), "+2");
	CU_ASSERT_STRING_EQUAL(cmd_at(0, 1), "*2");
	CU_ASSERT(wait_until(status(0).fifo_pending == 0, WAIT_MS));
	CU_ASSERT_EQUAL(status(0).stats.takeovers, 2);
}

/* ---- the API, a real server on member 1's data path ---- */

static bool ha_status_of(void *ctx, struct ha_status *st)
{
	return sync_ha_status(*(struct sync_agent **)ctx, st);
}

static size_t collect(char *data, size_t size, size_t n, void *ctx)
{
	FILE *f = ctx;

	return fwrite(data, size, n, f);
}

/* GET path from the server on port: the status, the body in *body. */
static long http_get(uint16_t port, const char *path, char **body)
{
	char url[256];
	size_t len = 0;
	long status = -1;
	FILE *f = open_memstream(body, &len);
	CURL *curl = curl_easy_init();

	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
	if (curl_easy_perform(curl) == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(curl);
	fclose(f);
	return status;
}

static json_t *seg_at(json_t *answer, size_t i)
{
	return json_array_get(json_object_get(answer, "segments"), i);
}

/* After test_partner_back: segment 1 on member 1, segment 2 on member 2,
 * one takeover, two handovers out. */
static void test_status_api(void)
{
	struct ikefwd_api_cfg api = { .listen = { .family = AF_INET,
						  .addr = { [10] = 0xff,
							    [11] = 0xff,
							    [12] = 127,
							    [15] = 1 },
						  .text = "127.0.0.1" } };
	struct api_opts o = { .cfg = &api,
			      .pin_root = root[0],
			      .ha_status = ha_status_of,
			      .sync_ctx = &agent[0] };
	struct api_server *srv = NULL;
	char msg[256], *body = NULL;
	json_t *answer, *ctl;
	uint16_t port;

	SKIP_IF_NEEDED();
	CU_ASSERT_FATAL(maps_are(1, 2));
	CU_ASSERT_FATAL(api_start(&o, &srv, msg, sizeof(msg)) == 0);
	port = api_port(srv);

	CU_ASSERT_EQUAL(http_get(port,
				 "/api/v1/cluster/ike-forwarding/ha-segments",
				 &body),
			200);
	answer = json_loads(body ?: "", 0, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(answer, "mode")), "ha-sync");
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(answer, "ha_segments")), 2);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(answer, "segments")),
			2);
	CU_ASSERT_EQUAL(json_integer_value(
				json_object_get(seg_at(answer, 0), "member")),
			1);
	CU_ASSERT(json_is_true(json_object_get(seg_at(answer, 0), "local")));
	CU_ASSERT_EQUAL(json_integer_value(
				json_object_get(seg_at(answer, 1), "member")),
			2);
	CU_ASSERT(json_is_false(json_object_get(seg_at(answer, 1), "local")));
	CU_ASSERT(
		json_is_integer(json_object_get(seg_at(answer, 1), "since_s")));
	ctl = json_object_get(answer, "controller");
	CU_ASSERT(json_is_true(json_object_get(ctl, "ready")));
	CU_ASSERT(json_is_true(json_object_get(ctl, "partner_alive")));
	CU_ASSERT(json_is_true(json_object_get(ctl, "partner_ready")));
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(ctl, "partner")), 2);
	CU_ASSERT_EQUAL(json_integer_value(json_object_get(
				json_object_get(ctl, "counters"), "takeovers")),
			1);
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(
			json_object_get(ctl, "counters"), "handovers_out")),
		2);
	json_decref(answer);
	free(body);
	body = NULL;

	CU_ASSERT_EQUAL(http_get(port, "/metrics", &body), 200);
	CU_ASSERT_PTR_NOT_NULL(strstr(
		body ?: "", "ikefwd_ha_segment_holder{segment=\"1\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(
		body ?: "", "ikefwd_ha_segment_holder{segment=\"2\"} 2\n"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(body ?: "", "\nikefwd_ha_takeovers_total 1\n"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(body ?: "", "\nikefwd_ha_handovers_out_total 2\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(body ?: "", "\nikefwd_ha_ready 1\n"));
	free(body);
	api_stop(srv);
}

/* Something else writes the map (ikefwd attach again, an operator): the
 * controller puts back what it decided, within a second or so. */
static void test_map_audit(void)
{
	struct ikefwd_segment wrong = { .member = 2 };
	uint32_t s = 1;

	SKIP_IF_NEEDED();
	CU_ASSERT_FATAL(holder(0, 1) == 1);
	CU_ASSERT_FATAL(bpf_map_update_elem(
				bpf_map__fd(h[0].skel->maps.ikefwd_segments),
				&s, &wrong, BPF_ANY) == 0);
	CU_ASSERT_EQUAL(holder(0, 1), 2);
	CU_ASSERT(wait_until(holder(0, 1) == 1, WAIT_MS));
}

/* ---- a partner on the wire, without a controller ---- */

/* Sends member's HELLOs from its address every 50 ms, as a real agent
 * would (signed, its own epoch, increasing numbers), with the flags and
 * held mask the test sets: a partner that never confirms, or one whose
 * map the test moves by hand. */
struct fake {
	uint32_t member;
	volatile uint16_t flags, held;
	volatile bool stop;
	int fd;
	uint32_t epoch, seq;
	uint8_t key[SYNC_KEY_LEN];
	pthread_t thread;
};

static struct fake fk;

static uint64_t rt_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };

	inet_pton(AF_INET, f->member == 1 ? "127.0.0.2" : "127.0.0.1",
		  &to.sin_addr);
	while (!f->stop) {
		static struct sync_msg m; /* this thread only */
		uint8_t buf[SYNC_MAX_DGRAM];
		int len;

		memset(&m, 0, sizeof(m));
		m.type = SYNC_HELLO;
		m.sender = f->member;
		m.epoch = f->epoch;
		m.seq = ++f->seq;
		m.flags = f->flags;
		m.ha_held = f->held;
		m.sent_rt_ms = rt_ms();
		len = sync_encode(&m, f->key, buf, sizeof(buf));
		if (len > 0)
			sendto(f->fd, buf, len, 0, (struct sockaddr *)&to,
			       sizeof(to));
		usleep(50000);
	}
	return NULL;
}

/* Member `member` (its agent stopped) speaks again, as a new start. */
static int fake_start(uint32_t member, uint16_t flags, uint16_t held)
{
	struct sockaddr_in me = { .sin_family = AF_INET,
				  .sin_port = htons(PORT) };
	char path[700], err[256];

	memset(&fk, 0, sizeof(fk));
	fk.member = member;
	fk.flags = flags;
	fk.held = held;
	fk.epoch = (uint32_t)(rt_ms() / 10); /* newer than the agent's */
	snprintf(path, sizeof(path), "%s/key", dir);
	if (sync_key_load(path, fk.key, err, sizeof(err)))
		return -1;
	inet_pton(AF_INET, member == 1 ? "127.0.0.1" : "127.0.0.2",
		  &me.sin_addr);
	fk.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fk.fd < 0 || bind(fk.fd, (struct sockaddr *)&me, sizeof(me)) ||
	    pthread_create(&fk.thread, NULL, fake_main, &fk)) {
		if (fk.fd >= 0)
			close(fk.fd);
		fk.fd = -1;
		return -1;
	}
	return 0;
}

static void fake_stop(void)
{
	if (fk.fd < 0 || !fk.member)
		return;
	fk.stop = true;
	pthread_join(fk.thread, NULL);
	close(fk.fd);
	fk.fd = -1;
	fk.member = 0;
}

/* The giver follows the taker's map, not its readiness: member 2 (on the
 * wire only) says it is ready but that its map does not have segment 2
 * yet (its "+2" not read): member 1 keeps segment 2. If member 2 dies
 * then, member 1 takes segment 2 again ("+2", "*2": member 2's "+2" may
 * have reached its charon). Once member 2's HELLO says its map has
 * segment 2, member 1's map follows at once. */
static void test_giver_follows_taker(void)
{
	struct ha_status st;
	int before;
	uint64_t takeovers, out;

	SKIP_IF_NEEDED();
	stop_agent(1);
	CU_ASSERT_FATAL(wait_until(
		holder(0, 2) == 1 && status(0).fifo_pending == 0, WAIT_MS));
	takeovers = status(0).stats.takeovers;
	out = status(0).stats.handovers_out;

	CU_ASSERT_FATAL(fake_start(2, SYNC_F_HA_READY | SYNC_F_HA_HELD, 0) ==
			0);
	CU_ASSERT(wait_until(status(0).partner_ready, WAIT_MS));
	usleep(500000); /* ten of its HELLOs */
	CU_ASSERT_EQUAL(holder(0, 2), 1);
	CU_ASSERT_EQUAL(status(0).stats.handovers_out, out);

	/* Dies while member 1 waits for its map. */
	before = cmds(0);
	fake_stop();
	CU_ASSERT(wait_until(status(0).stats.takeovers == takeovers + 1 &&
				     status(0).fifo_pending == 0,
			     WAIT_MS));
	CU_ASSERT(index_of(0, before, "+2") >= 0 &&
		  index_of(0, before, "*2") > index_of(0, before, "+2"));
	CU_ASSERT_EQUAL(holder(0, 2), 1);

	/* Back, and its map takes segment 2: member 1's follows. */
	CU_ASSERT_FATAL(fake_start(2, SYNC_F_HA_READY | SYNC_F_HA_HELD, 0) ==
			0);
	CU_ASSERT(wait_until(status(0).partner_ready, WAIT_MS));
	usleep(300000);
	CU_ASSERT_EQUAL(holder(0, 2), 1);
	fk.held = 1u << 1; /* segment 2 */
	CU_ASSERT(wait_until(holder(0, 2) == 2, WAIT_MS));
	st = status(0);
	CU_ASSERT_EQUAL(st.stats.handovers_out, out + 1);
	CU_ASSERT_EQUAL(holder(0, 1), 1);
	fake_stop();
	CU_ASSERT(wait_until(holder(0, 2) == 1 && status(0).fifo_pending == 0,
			     WAIT_MS));
}

/* A giver that never confirms (a member that predates SYNC_F_HA_HELD):
 * member 2 takes segment 2 from it all the same, and its rekey runs
 * after the bounded wait (two heartbeats), counted. */
static void test_taker_unconfirmed(void)
{
	int rekeys = rekey_count(1), before = cmds(1);

	SKIP_IF_NEEDED();
	stop_agent(0);
	CU_ASSERT_FATAL(fake_start(1, SYNC_F_HA_READY, 0) == 0);
	CU_ASSERT_FATAL(start_agent(1) == 0);
	/* Not ready: both segments on the ready member 1. */
	CU_ASSERT(wait_until(holder(1, 1) == 1 && holder(1, 2) == 1, WAIT_MS));
	CU_ASSERT(wait_until(holder(1, 2) == 2 && read_since(1, before, "+2"),
			     WAIT_MS));
	CU_ASSERT(wait_until(rekey_count(1) == rekeys + 1, WAIT_MS));
	/* Counted before the command started. */
	CU_ASSERT_EQUAL(status(1).stats.handovers_unconfirmed, 1);
	CU_ASSERT_EQUAL(status(1).stats.handovers_in, 1);
	CU_ASSERT_EQUAL(holder(1, 1), 1);
	fake_stop();
}

int main(void)
{
	static const struct cunit_test tests[] = {
		CUNIT_TEST(test_alone_takes_all),
		CUNIT_TEST(test_partner_joins),
		CUNIT_TEST(test_takeover),
		CUNIT_TEST(test_partner_back),
		CUNIT_TEST(test_status_api),
		CUNIT_TEST(test_fifo_missing),
		CUNIT_TEST(test_map_audit),
		CUNIT_TEST(test_giver_follows_taker),
		CUNIT_TEST(test_taker_unconfirmed),
	};

	return cunit_run_suite("ha_ctl", suite_init, suite_clean, NULL, NULL,
			       tests, ARRAY_SIZE(tests));
}
