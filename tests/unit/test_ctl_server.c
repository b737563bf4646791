// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The built ikefwdctl against the real ikefwdd over real sockets: the data
 * path loaded from its skeleton and pinned on a private bpffs, the daemon
 * started on one configuration file, and ikefwdctl pointed at the same
 * file (so it finds the daemon's unix socket and token as an operator's
 * would) or at its TCP port. Every answer is checked against the pinned
 * maps, which are the truth the server only reports.
 *
 * Needs root (namespaces, bpffs, BPF); without it, exits 77 (skipped).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <CUnit/Basic.h>
#include <bpf/bpf.h>
#include <jansson.h>

#include "cunit_main.h"
#include "ikefwd/member.h"
#include "ikefwd/table.h"
#include "pinned.h"
#include "pktbuild.h"
#include "table.h"
#include "test_ctl_run.h"
#include "xdp_harness.h"

#define API_PORT 8080 /* the default; free in our own network namespace */
#define TOKEN "ctl-server-test-token"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)

#define C1 "0011223344556677"
#define C2 "8899aabbccddeeff"

static char dir[] = "/tmp/ikefwd-test-ctl-server.XXXXXX";
static char bpffs[128], root[160], conf[160], token[160], badtoken[160];
static char url[64];
static struct harness h;
static struct ikefwd_maps maps;
static pid_t daemon_pid;
static bool skipped;

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Member id at 10.0.0.<id>, usable, its next hop on lo. */
static int add_member(uint32_t id)
{
	struct ikefwd_member m;

	if (harness_add_member(&h, id, 1, "02:00:00:00:00:02",
			       "02:00:00:00:00:01", USABLE) ||
	    bpf_map_lookup_elem(maps.members, &id, &m))
		return -1;
	memset(m.addr, 0, sizeof(m.addr));
	m.addr[10] = m.addr[11] = 0xff;
	m.addr[12] = 10;
	m.addr[15] = id;
	return bpf_map_update_elem(maps.members, &id, &m, BPF_ANY);
}

static int setup_fail(const char *what)
{
	fprintf(stderr, "ctl_server setup: %s: %s\n", what, strerror(errno));
	return -1;
}

/* Waits up to 30 s (a sanitizer build starting on a loaded machine) for
 * the daemon's TCP port. */
static int wait_listening(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(API_PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct timespec nap = { .tv_nsec = 20 * 1000 * 1000 };
	char sock[200];

	snprintf(sock, sizeof(sock), "%s/api.sock", dir);

	for (int i = 0; i < 1500; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		int ok = fd >= 0 &&
			 !connect(fd, (struct sockaddr *)&a, sizeof(a));

		if (fd >= 0)
			close(fd);
		/* The unix socket comes with the TCP one. */
		if (ok && !access(sock, F_OK))
			return 0;
		if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid) {
			daemon_pid = 0;
			fprintf(stderr, "ikefwdd exited at start\n");
			return -1;
		}
		nanosleep(&nap, NULL);
	}
	fprintf(stderr, "ikefwdd did not listen on %d\n", API_PORT);
	return -1;
}

static int start_daemon(void)
{
	daemon_pid = fork();
	if (daemon_pid < 0)
		return setup_fail("fork");
	if (!daemon_pid) {
		execl(IKEFWDD_BIN, IKEFWDD_BIN, "--config", conf, "--pin-root",
		      root, (char *)NULL);
		_exit(127);
	}
	return wait_listening();
}

/* A daemon that died in one test fails that test, not every later one:
 * each test starts with a live daemon. */
static void ensure_daemon(void)
{
	int status = -1; /* stays -1 when there was no daemon to wait for */

	if (daemon_pid > 0 && !waitpid(daemon_pid, &status, WNOHANG))
		return;
	fprintf(stderr, "\n  ikefwdd had exited (status %d): restarted\n",
		status);
	CU_FAIL("ikefwdd exited during the previous test");
	CU_ASSERT_FATAL(!start_daemon());
}

static int suite_init(void)
{
	struct ikefwd_config c = { .local_member = 1,
				   .timeout_sec = 120,
				   .max_member = 3 };
	char text[1024], err[256];
	int ret;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET)) {
		if (errno == EPERM) {
			skipped = true;
			return 0;
		}
		return setup_fail("unshare");
	}
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return setup_fail("private mounts");
	if (!mkdtemp(dir))
		return setup_fail("temp dir");
	snprintf(bpffs, sizeof(bpffs), "%s/bpf", dir);
	snprintf(root, sizeof(root), "%s/ikefwd", bpffs);
	if (mkdir(bpffs, 0700) || mount("bpf", bpffs, "bpf", 0, NULL))
		return setup_fail("bpffs");
	if (system("ip link set lo up"))
		return setup_fail("lo up");

	ret = harness_open_pinned(&h, root);
	if (ret) {
		errno = -ret;
		return setup_fail("data path");
	}
	if (ikefwd_maps_open(root, &maps, err, sizeof(err))) {
		fprintf(stderr, "ctl_server setup: %s\n", err);
		return -1;
	}
	if (harness_set_config(&h, &c) || add_member(1) || add_member(2) ||
	    add_member(3))
		return setup_fail("maps");

	/* One file for the daemon and the client, as on a gateway. */
	snprintf(token, sizeof(token), "%s/api.token", dir);
	snprintf(badtoken, sizeof(badtoken), "%s/bad.token", dir);
	snprintf(conf, sizeof(conf), "%s/ikefwd.conf", dir);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", API_PORT);
	snprintf(text, sizeof(text),
		 "[cluster]\nlocal_member = 1\ntimeout = 120\n"
		 "[member 1]\naddress = 10.0.0.1\n"
		 "[member 2]\naddress = 10.0.0.2\n"
		 "[member 3]\naddress = 10.0.0.3\n"
		 "[api]\nport = %d\nunix_socket = %s/api.sock\n"
		 "token_file = %s\n",
		 API_PORT, dir, token);
	if (write_file(conf, text) || write_file(token, TOKEN "\n") ||
	    chmod(token, 0600) || write_file(badtoken, "not-" TOKEN "\n"))
		return setup_fail("files");

	return start_daemon();
}

static int suite_clean(void)
{
	int status;

	if (daemon_pid > 0) {
		kill(daemon_pid, SIGTERM);
		waitpid(daemon_pid, &status, 0);
		/* Its sanitizers report at exit: say so, it is theirs. */
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			fprintf(stderr, "ikefwdd: exit status %d\n", status);
	}
	if (maps.table > 0)
		ikefwd_maps_close(&maps);
	if (h.skel)
		harness_close(&h);
	umount2(bpffs, MNT_DETACH);
	rmdir(bpffs);
	unlink(conf);
	unlink(token);
	unlink(badtoken);
	rmdir(dir);
	return 0;
}

#define SKIP_IF_UNPRIVILEGED()                                       \
	do {                                                         \
		if (skipped) {                                       \
			fprintf(stderr, "no privileges: skipped\n"); \
			return;                                      \
		}                                                    \
		ensure_daemon();                                     \
	} while (0)

/* The entry's owner in the pinned table; 0 when there is none. */
static uint32_t owner_of(const char *cookie, uint32_t msgid)
{
	struct ikefwd_key key = { .msgid = msgid };
	struct ikefwd_entry e;

	CU_ASSERT_FATAL(!cookie_parse(cookie, key.ispi));
	if (table_get(maps.table, &key, &e))
		return 0;
	return e.owner;
}

static void flush_table(void)
{
	CU_ASSERT(table_flush(maps.table) >= 0);
}

/* stdout of a --json run, parsed; NULL (and a failure) if it is not JSON. */
static json_t *json_of(const struct run *r)
{
	json_error_t jerr;
	json_t *j = json_loads(r->out, 0, &jerr);

	if (!j)
		fprintf(stderr, "\n  not JSON (%s): '%s'\n", jerr.text, r->out);
	CU_ASSERT_PTR_NOT_NULL(j);
	return j;
}

static json_int_t int_at(const json_t *j, const char *a, const char *b)
{
	const json_t *v = json_object_get(j, a);

	if (b)
		v = json_object_get(v, b);
	return json_integer_value(v);
}

/* The table through ikefwdctl, over TCP and over the unix socket. */
static void test_table(void)
{
	struct run r;
	json_t *j;

	SKIP_IF_UNPRIVILEGED();
	flush_table();

	/* add: over TCP with --token-file. */
	run_ctl(&r, "--url %s --token-file %s add %s 1 2", url, token, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.err, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, C1 "      1      2      2  "
						"10.0.0.2  no "));
	CU_ASSERT_EQUAL(owner_of(C1, 1), 2);
	run_free(&r);

	/* The same key again: the server's 409, one line, nothing changed. */
	run_ctl(&r, "--url %s --token-file %s add %s 1 3", url, token, C1);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_STRING_EQUAL(r.out, "");
	assert_one_line(&r, "ikefwdctl: 409: ");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, C1));
	CU_ASSERT_EQUAL(owner_of(C1, 1), 2);
	run_free(&r);

	/* From here on, the configuration file: unix socket and token. */
	run_ctl(&r, "--config %s set-owner %s 1 3", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(owner_of(C1, 1), 3);
	run_free(&r);

	run_ctl(&r, "--config %s add %s 0 2", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	run_free(&r);

	run_ctl(&r, "--config %s search %s 1", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "10.0.0.3"));
	run_free(&r);

	run_ctl(&r, "--config %s owner %s 0", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "owner: member 2 (10.0.0.2), remote\n");
	run_free(&r);

	run_ctl(&r, "--config %s exists %s 1", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_NSTRING_EQUAL(r.out, "exists: yes\n", 12);
	run_free(&r);
	run_ctl(&r, "--config %s exists %s 2", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "exists: no\n");
	run_free(&r);

	/* A Phase 2 msg_id without its own entry follows Phase 1. */
	run_ctl(&r, "--config %s resolve %s 9", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_NSTRING_EQUAL(
		r.out, C1 "/9: resolved via phase1 to " C1 "/0\n",
		strlen(C1 "/9: resolved via phase1 to " C1 "/0\n"));
	run_free(&r);

	run_ctl(&r, "--config %s --json cookie %s", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	j = json_of(&r);
	CU_ASSERT_EQUAL(json_array_size(json_object_get(j, "entries")), 2);
	json_decref(j);
	run_free(&r);

	/* list: filters and pages. */
	run_ctl(&r, "--config %s --json list --owner 3", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	j = json_of(&r);
	CU_ASSERT_EQUAL(int_at(j, "total", NULL), 1);
	CU_ASSERT_EQUAL(
		json_integer_value(json_object_get(
			json_array_get(json_object_get(j, "entries"), 0),
			"msg_id")),
		1);
	json_decref(j);
	run_free(&r);
	run_ctl(&r, "--config %s list --limit 1", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(
		strstr(r.out, "entries 1-1 of 2 (--offset 1 for more)\n"));
	run_free(&r);

	run_ctl(&r, "--config %s del %s 1", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "deleted 1 entry\n");
	CU_ASSERT_EQUAL(owner_of(C1, 1), 0);
	run_free(&r);
	run_ctl(&r, "--config %s del %s 1", conf, C1);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 404: ");
	run_free(&r);
	run_ctl(&r, "--config %s search %s 1", conf, C1);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 404: ");
	run_free(&r);

	run_ctl(&r, "--config %s flush", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "deleted 1 entry\n");
	CU_ASSERT_EQUAL(table_count(maps.table), 0);
	run_free(&r);
}

/* Writes need the token; reads do not (auth_reads = no). */
static void test_auth(void)
{
	struct run r;

	SKIP_IF_UNPRIVILEGED();
	flush_table();
	run_ctl(&r, "--url %s --token-file %s add %s 1 2", url, badtoken, C1);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_STRING_EQUAL(r.out, "");
	assert_one_line(&r, "ikefwdctl: 401: ");
	CU_ASSERT_EQUAL(owner_of(C1, 1), 0);
	run_free(&r);

	run_ctl(&r, "--url %s add %s 1 2", url, C1);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 401: ");
	CU_ASSERT_EQUAL(owner_of(C1, 1), 0);
	run_free(&r);

	run_ctl(&r, "--url %s list", url);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "no entries\n");
	run_free(&r);
}

/* The inbound and outbound flows of docs/api.md. */
static void test_flows(void)
{
	struct run r;
	json_t *j;

	SKIP_IF_UNPRIVILEGED();
	flush_table();

	run_ctl(&r, "--config %s take %s 0", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(owner_of(C1, 0), 1);
	run_free(&r);
	/* Taken already: 409, and --json still shows the error object. */
	run_ctl(&r, "--config %s --json take %s 0", conf, C1);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 409: ");
	j = json_of(&r);
	CU_ASSERT_EQUAL(int_at(j, "error", "code"), 409);
	json_decref(j);
	run_free(&r);

	run_ctl(&r, "--config %s forward %s 0 2", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(owner_of(C1, 0), 2);
	run_free(&r);
	/* Not to the local member. */
	run_ctl(&r, "--config %s forward %s 0 1", conf, C1);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 400: ");
	CU_ASSERT_EQUAL(owner_of(C1, 0), 2);
	run_free(&r);

	run_ctl(&r, "--config %s local %s 0", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "10.0.0.1  yes"));
	CU_ASSERT_EQUAL(owner_of(C1, 0), 1);
	run_free(&r);

	/* Outbound: MSGID 0 when left out. */
	run_ctl(&r, "--config %s initiate %s", conf, C2);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(owner_of(C2, 0), 1);
	run_free(&r);
	run_ctl(&r, "--config %s initiate %s 0", conf, C2);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 409: ");
	run_free(&r);
	run_ctl(&r, "--config %s create %s 5", conf, C2);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(owner_of(C2, 5), 1);
	run_free(&r);
	run_ctl(&r, "--config %s create %s 5", conf, C2);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 409: ");
	run_free(&r);
	flush_table();
}

/* A frame of a negotiation member 2 owns goes through the real program. */
static void test_receive_packet(void)
{
	struct pkt_ike ike = { .ispi = 0x0011223344556677ULL,
			       .version = PKT_IKEV2,
			       .exchange = 34,
			       .next_payload = 33,
			       .payload_len = 64 };
	char path[200];
	struct pkt p;
	struct run r;
	json_t *j;
	FILE *f;

	SKIP_IF_UNPRIVILEGED();
	flush_table();
	pkt_init(&p);
	pkt_eth(&p, "02:00:00:00:00:01", "02:00:00:00:00:aa");
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &ike);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	snprintf(path, sizeof(path), "%s/frame.bin", dir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(p.buf, 1, p.len, f);
	fclose(f);

	run_ctl(&r, "--config %s add %s 0 2", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	run_free(&r);
	run_ctl(&r, "--config %s --json receive-packet --file %s", conf, path);
	CU_ASSERT_EQUAL(r.status, 0);
	j = json_of(&r);
	CU_ASSERT_STRING_EQUAL(
		json_string_value(json_object_get(j, "action")) ?: "",
		"forwarded");
	CU_ASSERT_EQUAL(int_at(j, "owner", "member"), 2);
	json_decref(j);
	run_free(&r);
	run_ctl(&r, "--config %s receive-packet --file %s", conf, path);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out,
				      "action:    forwarded\n"
				      "owner:     member 2 (10.0.0.2)\n"));
	run_free(&r);

	/* Too short for a frame: refused here, nothing sent. */
	run_ctl(&r, "--config %s receive-packet --hex 0011", conf);
	CU_ASSERT_EQUAL(r.status, 2);
	run_free(&r);
	unlink(path);
	flush_table();
}

static void test_cluster(void)
{
	static const char ha_lines[] = "mode:           ha\n"
				       "local member:   1\n"
				       "active member:  2\n";
	struct ikefwd_member m;
	uint32_t id = 3;
	struct run r;
	json_t *j;

	SKIP_IF_UNPRIVILEGED();
	run_ctl(&r, "--config %s members", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_NSTRING_EQUAL(r.out, "ID  ADDRESS   LOCAL  ALIVE", 26);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, " 3  10.0.0.3  no     yes"));
	run_free(&r);

	run_ctl(&r, "--config %s member 3 dead", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, " 3  10.0.0.3  no     no "));
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(maps.members, &id, &m));
	CU_ASSERT_FALSE(m.state & IKEFWD_MEMBER_ALIVE);
	run_free(&r);
	run_ctl(&r, "--config %s member 3 alive", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_FATAL(!bpf_map_lookup_elem(maps.members, &id, &m));
	CU_ASSERT(m.state & IKEFWD_MEMBER_ALIVE);
	run_free(&r);
	/* Not a configured member: the server's 404. */
	run_ctl(&r, "--config %s member 9 dead", conf);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 404: ");
	run_free(&r);

	run_ctl(&r, "--config %s ha --active 2", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_NSTRING_EQUAL(r.out, ha_lines, strlen(ha_lines));
	run_free(&r);
	run_ctl(&r, "--config %s load-sharing", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	run_free(&r);
	run_ctl(&r, "--config %s --json config", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	j = json_of(&r);
	CU_ASSERT_STRING_EQUAL(json_string_value(json_object_get(j, "mode")) ?:
									       "",
			       "load-sharing");
	CU_ASSERT_EQUAL(int_at(j, "local_member", NULL), 1);
	json_decref(j);
	run_free(&r);
}

/* Every read answers, and every --json answer is one JSON object. */
static void test_reads(void)
{
	static const char *const reads[] = {
		"list",
		"cookie " C1,
		"resolve " C1 " 1",
		"exists " C1 " 1",
		"members",
		"config",
		"stats",
		"health",
	};
	struct run r;
	json_t *j;

	SKIP_IF_UNPRIVILEGED();
	run_ctl(&r, "--config %s add %s 0 2", conf, C1);
	CU_ASSERT_EQUAL(r.status, 0);
	run_free(&r);
	for (size_t i = 0; i < ARRAY_SIZE(reads); i++) {
		run_ctl(&r, "--url %s --json %s", url, reads[i]);
		if (r.status)
			fprintf(stderr, "\n  %s: %s", reads[i], r.err);
		CU_ASSERT_EQUAL(r.status, 0);
		j = json_of(&r);
		CU_ASSERT(json_is_object(j));
		json_decref(j);
		run_free(&r);

		/* And the table for people does not fail on it. */
		run_ctl(&r, "--url %s %s", url, reads[i]);
		CU_ASSERT_EQUAL(r.status, 0);
		CU_ASSERT_STRING_EQUAL(r.err, "");
		run_free(&r);
	}

	run_ctl(&r, "--url %s health", url);
	CU_ASSERT_NSTRING_EQUAL(r.out, "ok: member 1, up ", 17);
	run_free(&r);
	run_ctl(&r, "--url %s stats", url);
	CU_ASSERT_NSTRING_EQUAL(r.out, "table: 1 of ", 12);
	run_free(&r);
	run_ctl(&r, "--url %s metrics", url);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "ikefwd_table_entries 1\n"));
	run_free(&r);
	flush_table();
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "table: add, 409, set-owner, search, resolve, list, del",
		  test_table },
		{ "token: wrong, missing", test_auth },
		{ "flows: take, forward, local, initiate, create", test_flows },
		{ "receive-packet through the real program",
		  test_receive_packet },
		{ "cluster: members, member, ha, config", test_cluster },
		{ "every read, --json parses", test_reads },
	};
	int status;

	signal(SIGPIPE, SIG_IGN);
	status = cunit_run_suite("ctl_server", suite_init, suite_clean, NULL,
				 NULL, tests, ARRAY_SIZE(tests));
	if (skipped)
		return 77;
	return status;
}
