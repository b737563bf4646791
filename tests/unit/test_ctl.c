// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwdctl (ctl/): what each command line asks the server, how answers
 * are shown, which server and token it picks, and the built binary itself
 * over real sockets (TCP, unix, TLS) against an HTTP endpoint in this
 * process that records every request and answers what the test says. The
 * run against the real ikefwdd is tests/unit/test_ctl_server.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <CUnit/Basic.h>
#include <jansson.h>
#include <microhttpd.h>

#include "commands.h"
#include "ctl.h"
#include "cunit_main.h"
#include "output.h"
#include "test_ctl_run.h"

#define MAX_ARGS 32

static char tmpdir[] = "/tmp/ikefwd-test-ctl.XXXXXX";

/* Splits line at blanks into argv (argv[0] "ikefwdctl"); line is kept. */
static int split(char *line, char **argv)
{
	int argc = 0;

	argv[argc++] = "ikefwdctl";
	for (char *w = strtok(line, " "); w && argc < MAX_ARGS - 1;
	     w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;
	return argc;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

/* ---- Command lines to requests ---- */

struct request_case {
	const char *line;
	const char *method;
	const char *path; /* after CTL_API_BASE, unless it starts with '/' */
	const char *body; /* NULL: none */
};

static const struct request_case request_cases[] = {
	{ "list", "GET", "packet-tracking", NULL },
	{ "list --cookie 0011223344556677 --owner 2 --phase 2 --offset 100 "
	  "--limit 1000",
	  "GET",
	  "packet-tracking?cookie=0011223344556677&owner=2&phase=2&offset=100"
	  "&limit=1000",
	  NULL },
	/* Options among or before the words, upper-case cookies. */
	{ "--json list --limit 5 --cookie AABBCCDDEEFF0011", "GET",
	  "packet-tracking?cookie=aabbccddeeff0011&limit=5", NULL },
	{ "add 0011223344556677 1 2", "POST", "packet-tracking",
	  "{\"cookie\":\"0011223344556677\",\"msg_id\":1,\"owner\":2}" },
	{ "set-owner 0011223344556677 0x10 3", "PUT", "packet-tracking",
	  "{\"cookie\":\"0011223344556677\",\"msg_id\":16,\"owner\":3}" },
	{ "del 0011223344556677 4294967295", "DELETE",
	  "packet-tracking?cookie=0011223344556677&msg_id=4294967295", NULL },
	{ "flush", "DELETE", "packet-tracking?flush=true", NULL },
	{ "cookie 0011223344556677", "GET", "cookie?cookie=0011223344556677",
	  NULL },
	{ "receive-packet --hex 02:00:00:00:01:01:02:00:00:00:00:AA:08:00",
	  "POST", "receive-packet",
	  "{\"frame_hex\":\"0200000001010200000000aa0800\"}" },
	{ "receive-packet --iface lan0 --hex "
	  "02:00:00:00:01:01:02:00:00:00:00:AA:08:00",
	  "POST", "receive-packet",
	  "{\"frame_hex\":\"0200000001010200000000aa0800\",\"iface\":"
	  "\"lan0\"}" },
	{ "ha --active 2", "PUT", "ha-ownership",
	  "{\"mode\":\"ha\",\"active_member\":2}" },
	{ "load-sharing", "PUT", "ha-ownership",
	  "{\"mode\":\"load-sharing\"}" },
	{ "resolve 0011223344556677 5", "GET",
	  "cookie-resolution?cookie=0011223344556677&msg_id=5", NULL },
	{ "search 0011223344556677 0", "GET",
	  "table-search?cookie=0011223344556677&msg_id=0", NULL },
	{ "owner 0011223344556677 1", "GET",
	  "ownership-check?cookie=0011223344556677&msg_id=1", NULL },
	{ "local 0011223344556677 1", "POST", "local-handling",
	  "{\"cookie\":\"0011223344556677\",\"msg_id\":1}" },
	{ "forward 0011223344556677 1 3", "POST", "remote-forward",
	  "{\"cookie\":\"0011223344556677\",\"msg_id\":1,\"member\":3}" },
	{ "take 0011223344556677 0", "POST", "take-ownership",
	  "{\"cookie\":\"0011223344556677\",\"msg_id\":0}" },
	{ "initiate 0011223344556677", "POST", "initiate-negotiation",
	  "{\"cookie\":\"0011223344556677\"}" },
	{ "initiate 0011223344556677 7", "POST", "initiate-negotiation",
	  "{\"cookie\":\"0011223344556677\",\"msg_id\":7}" },
	{ "exists 0011223344556677 1", "GET",
	  "table-verification?cookie=0011223344556677&msg_id=1", NULL },
	{ "create 0011223344556677 1", "POST", "entry-creation",
	  "{\"cookie\":\"0011223344556677\",\"msg_id\":1}" },
	{ "members", "GET", "members", NULL },
	{ "member 2 dead", "PUT", "members", "{\"id\":2,\"alive\":false}" },
	{ "member 3 alive", "PUT", "members", "{\"id\":3,\"alive\":true}" },
	{ "config", "GET", "config", NULL },
	{ "stats", "GET", "stats", NULL },
	{ "health", "GET", "health", NULL },
	{ "metrics", "GET", "/metrics", NULL },
	{ "segments", "GET", "ha-segments", NULL },
	{ "segments report 12 0", "PUT", "ha-segments",
	  "{\"established\":12,\"passive\":0}" },
	{ "sa list", "GET", "sa", NULL },
	{ "sa list --spi 0x1000 --owner 2", "GET", "sa?spi=4096&owner=2",
	  NULL },
	{ "sa add 4096", "POST", "sa", "{\"spi\":4096}" },
	{ "sa add 0xC0000001 300 --owner 3 --lifetime 3600", "POST", "sa",
	  "{\"spis\":[3221225473,300],\"owner\":3,\"lifetime_s\":3600}" },
	{ "sa del 0xffffffff", "DELETE", "sa?spi=4294967295", NULL },
	{ "ts list", "GET", "ts", NULL },
	{ "ts list 10.1.0.0/16 --owner 2", "GET",
	  "ts?prefix=10.1.0.0/16&owner=2", NULL },
	{ "ts add 10.1.0.0/16", "POST", "ts", "{\"prefix\":\"10.1.0.0/16\"}" },
	{ "ts add 10.1.0.0/16 2001:db8::/48 --owner 3 --spi 0xc0000001 "
	  "--lifetime 3600",
	  "POST", "ts",
	  "{\"prefixes\":[\"10.1.0.0/16\",\"2001:db8::/48\"],\"owner\":3,"
	  "\"spi\":3221225473,\"lifetime_s\":3600}" },
	{ "ts add 10.1.0.0/16 --peer 192.0.2.7", "POST", "ts",
	  "{\"prefix\":\"10.1.0.0/16\",\"peer\":\"192.0.2.7\"}" },
	{ "ts add 10.1.0.0/16 --owner 2 --peer 2001:db8::7", "POST", "ts",
	  "{\"prefix\":\"10.1.0.0/16\",\"owner\":2,\"peer\":\"2001:db8::7\"}" },
	{ "ts del 10.1.0.0/16 --owner 2 --spi 4096", "DELETE",
	  "ts?prefix=10.1.0.0/16&owner=2&spi=4096", NULL },
	{ "ike-sa list", "GET", "ike-sa", NULL },
	{ "ike-sa list --cookie 00112233AABBCCDD --owner 2", "GET",
	  "ike-sa?cookie=00112233aabbccdd&owner=2", NULL },
	{ "ike-sa add 00112233aabbccdd", "POST", "ike-sa",
	  "{\"cookie\":\"00112233aabbccdd\"}" },
	{ "ike-sa add 00112233aabbccdd --owner 3", "POST", "ike-sa",
	  "{\"cookie\":\"00112233aabbccdd\",\"owner\":3}" },
	{ "ike-sa del 00112233aabbccdd", "DELETE",
	  "ike-sa?cookie=00112233aabbccdd", NULL },
	{ "ike-sa del 00112233aabbccdd --owner 2", "DELETE",
	  "ike-sa?cookie=00112233aabbccdd&owner=2", NULL },
};

static void test_requests(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(request_cases); i++) {
		const struct request_case *c = &request_cases[i];
		char line[512], *argv[MAX_ARGS], err[256] = "", want[256];
		struct ctl_request req;
		struct ctl_opts o;
		int argc, ret;

		snprintf(line, sizeof(line), "%s", c->line);
		argc = split(line, argv);
		ret = ctl_parse(argc, argv, &o, err, sizeof(err));
		if (!ret)
			ret = ctl_request_build(&o, &req, err, sizeof(err));
		if (ret) {
			fprintf(stderr, "\n  %s: %d %s\n", c->line, ret, err);
			CU_FAIL("command line refused");
			continue;
		}
		snprintf(want, sizeof(want), "%s%s",
			 c->path[0] == '/' ? "" : CTL_API_BASE, c->path);
		CU_ASSERT_STRING_EQUAL(req.method, c->method);
		CU_ASSERT_STRING_EQUAL(req.path, want);
		if (c->body && req.body) {
			CU_ASSERT_STRING_EQUAL(req.body, c->body);
		} else {
			CU_ASSERT_PTR_EQUAL(req.body, c->body);
		}
		ctl_request_free(&req);
	}
}

/* Every command of the table has a case above: a new endpoint without a
 * test fails here. (Commands that ask no server, build NULL, have their
 * own test: test_segment_of.) */
static void test_every_command_covered(void)
{
	for (size_t i = 0; i < ctl_nr_commands; i++) {
		const char *name = ctl_commands[i].name;
		size_t n = strlen(name);
		bool found = !ctl_commands[i].build;

		for (size_t j = 0; j < ARRAY_SIZE(request_cases) && !found; j++)
			found = !strncmp(request_cases[j].line, name, n) &&
				(request_cases[j].line[n] == ' ' ||
				 !request_cases[j].line[n]);
		if (!found)
			fprintf(stderr, "\n  no request case for %s\n", name);
		CU_ASSERT(found);
	}
}

struct usage_case {
	const char *line;
	const char *err; /* the whole line, without "ikefwdctl: " */
};

static const struct usage_case usage_cases[] = {
	{ "", "no command (--help lists them)" },
	{ "frobnicate", "unknown command 'frobnicate' (--help lists them)" },
	{ "--bogus list", "unknown option '--bogus'" },
	{ "list --limit", "--limit needs a value" },
	{ "list --hex 00", "list: no option --hex" },
	{ "--cookie 0011223344556677 stats", "stats: no option --cookie" },
	{ "list --limit 0", "limit '0': give a number from 1 to 1000" },
	{ "list --limit 1001", "limit '1001': give a number from 1 to 1000" },
	{ "list --phase 3", "phase '3': give a number from 1 to 2" },
	{ "list --offset -1",
	  "offset '-1': give a number from 0 to 4294967295" },
	{ "list --owner 0", "member '0': give an id from 1 to 15" },
	{ "list --cookie 00112233", "cookie '00112233': give 16 hex digits" },
	{ "list extra", "usage: ikefwdctl list [--cookie C] [--owner N] "
			"[--phase 1|2] [--offset N] [--limit N]" },
	{ "add 0011223344556677 1",
	  "usage: ikefwdctl add COOKIE MSGID MEMBER" },
	{ "add 001122334455667g 1 2",
	  "cookie '001122334455667g': give 16 hex digits" },
	{ "add 0011223344556677 4294967296 2",
	  "message id '4294967296': give a number from 0 to 4294967295" },
	{ "add 0011223344556677 1 16", "member '16': give an id from 1 to 15" },
	{ "del 0011223344556677 x",
	  "message id 'x': give a number from 0 to 4294967295" },
	{ "flush now", "usage: ikefwdctl flush" },
	{ "receive-packet",
	  "receive-packet: give --hex HEX or --file FRAME.bin" },
	{ "receive-packet --hex 00 --file /dev/null",
	  "receive-packet: give --hex HEX or --file FRAME.bin" },
	{ "receive-packet --hex 0011zz", "--hex: 'z' is not a hex digit" },
	{ "receive-packet --hex 001122",
	  "--hex: give a whole frame, 14 to 4096 bytes (an even number of "
	  "hex digits)" },
	{ "ha", "ha: give the active member: --active N" },
	{ "ha --active x", "member 'x': give an id from 1 to 15" },
	{ "initiate", "usage: ikefwdctl initiate COOKIE [MSGID]" },
	{ "member 2 sleepy", "member: 'sleepy': give alive or dead" },
	{ "--url ftp://host stats",
	  "--url 'ftp://host': give http://HOST[:PORT] or https://HOST[:PORT]" },
	{ "--timeout 0 stats", "--timeout '0': give seconds, 1 to 3600" },
	{ "sa", "usage: ikefwdctl sa list [--spi N] [--owner N] | add SPI "
		"[SPI...] [--owner N] [--lifetime S] | del SPI" },
	{ "sa show", "sa: 'show': give list, add or del" },
	{ "sa add", "usage: ikefwdctl sa add SPI [SPI...] [--owner N] "
		    "[--lifetime S] (1 to 64 SPIs)" },
	{ "sa add 100", "SPI '100': give a number from 256 to 4294967295 (or "
			"0x100 to 0xffffffff)" },
	{ "sa add 0", "SPI '0': give a number from 256 to 4294967295 (or "
		      "0x100 to 0xffffffff)" },
	{ "sa add 4096 --owner 16", "member '16': give an id from 1 to 15" },
	{ "sa add 4096 --lifetime -1",
	  "lifetime '-1': give a number from 0 to 4294967295" },
	{ "sa add 4096 --spi 4096",
	  "sa add: give the SPIs as words, not --spi" },
	{ "sa list --lifetime 5", "sa list: no option --lifetime" },
	{ "sa list 4096", "usage: ikefwdctl sa list [--spi N] [--owner N]" },
	{ "sa del", "usage: ikefwdctl sa del SPI" },
	{ "ts show", "ts: 'show': give list, add or del" },
	{ "ts add 10.1.0.1/16",
	  "'10.1.0.1/16': give a network as "
	  "ADDRESS/LENGTH (IPv4 or IPv6, no bits after the length)" },
	{ "ts list 10.1.0.0/16 10.2.0.0/16",
	  "usage: ikefwdctl ts list [PREFIX] [--owner N]" },
	{ "ts del 10.1.0.0/16 --lifetime 5",
	  "usage: ikefwdctl ts del PREFIX [--owner N] [--spi N]" },
	{ "ts add 10.1.0.0/16 --peer 10.0.1",
	  "--peer '10.0.1': give an IPv4 or IPv6 address" },
	{ "ts add 10.1.0.0/16 --peer 10.0.1.0/24",
	  "--peer '10.0.1.0/24': give an IPv4 or IPv6 address" },
	{ "ts list --peer 10.0.1.8",
	  "usage: ikefwdctl ts list [PREFIX] [--owner N]" },
	{ "ts del 10.1.0.0/16 --peer 10.0.1.8",
	  "usage: ikefwdctl ts del PREFIX [--owner N] [--spi N]" },
	{ "sa add 4096 --peer 10.0.1.8", "sa: no option --peer" },
	{ "ts add 10.1.0.0/16 --spi 7", "SPI '7': give a number from 256 to "
					"4294967295 (or 0x100 to 0xffffffff)" },
	{ "sa del 4096 --owner 2", "sa del: give the SPI only" },
	{ "sa del 0x1g", "SPI '0x1g': give a number from 256 to 4294967295 (or "
			 "0x100 to 0xffffffff)" },
	{ "list --spi 4096", "list: no option --spi" },
	{ "ike-sa", "usage: ikefwdctl ike-sa list [--cookie C] [--owner N] | "
		    "add COOKIE [--owner N] | del COOKIE [--owner N]" },
	{ "ike-sa show", "ike-sa: 'show': give list, add or del" },
	{ "ike-sa add", "usage: ikefwdctl ike-sa add COOKIE [--owner N]" },
	{ "ike-sa del 00112233aabbccdd --cookie 00112233aabbccdd",
	  "usage: ikefwdctl ike-sa del COOKIE [--owner N]" },
	{ "ike-sa add 0011", "cookie '0011': give 16 hex digits" },
	{ "ike-sa add 00112233aabbccdd --owner 0",
	  "member '0': give an id from 1 to 15" },
	{ "ike-sa add 00112233aabbccdd --lifetime 5",
	  "ike-sa: no option --lifetime" },
	{ "ike-sa list 00112233aabbccdd",
	  "usage: ikefwdctl ike-sa list [--cookie C] [--owner N]" },
	{ "ike-sa list --cookie xyz", "cookie 'xyz': give 16 hex digits" },
	{ "segments list", "usage: ikefwdctl segments [report ESTABLISHED "
			   "PASSIVE]" },
	{ "segments report 1", "usage: ikefwdctl segments [report ESTABLISHED "
			       "PASSIVE]" },
	{ "segments report x 1",
	  "established 'x': give a number from 0 to 4294967295" },
	{ "segments report 1 2x",
	  "passive '2x': give a number from 0 to 4294967295" },
	{ "--unix= stats",
	  "--unix: give a socket path of 1 to 107 characters" },
};

static void test_usage_errors(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(usage_cases); i++) {
		const struct usage_case *c = &usage_cases[i];
		char line[512], *argv[MAX_ARGS], err[256] = "";
		struct ctl_request req = {};
		struct ctl_opts o;
		int argc, ret;

		snprintf(line, sizeof(line), "%s", c->line);
		argc = split(line, argv);
		ret = ctl_parse(argc, argv, &o, err, sizeof(err));
		if (!ret)
			ret = ctl_request_build(&o, &req, err, sizeof(err));
		ctl_request_free(&req);
		if (ret != -EINVAL || strcmp(err, c->err))
			fprintf(stderr, "\n  '%s': %d '%s'\n  want '%s'\n",
				c->line, ret, err, c->err);
		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT_STRING_EQUAL(err, c->err);
	}
}

static void test_help(void)
{
	char line[] = "--help", line2[] = "help", *argv[MAX_ARGS], err[64];
	struct ctl_opts o;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	CU_ASSERT_EQUAL(ctl_parse(split(line, argv), argv, &o, err,
				  sizeof(err)),
			CTL_HELP);
	CU_ASSERT_EQUAL(ctl_parse(split(line2, argv), argv, &o, err,
				  sizeof(err)),
			CTL_HELP);
	/* The usage names every command. */
	f = open_memstream(&text, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	ctl_usage(f);
	fclose(f);
	for (size_t i = 0; i < ctl_nr_commands; i++) {
		char want[64];

		snprintf(want, sizeof(want), "\n  %s", ctl_commands[i].name);
		CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	}
	free(text);
}

/* --file: the frame's bytes go out as hex; sizes are checked here. */
static void test_frame_file(void)
{
	char path[128], line[256], *argv[MAX_ARGS], err[256] = "";
	uint8_t frame[4097];
	struct ctl_request req;
	struct ctl_opts o;
	json_t *body;
	FILE *f;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = i;
	snprintf(path, sizeof(path), "%s/frame.bin", tmpdir);
	for (size_t len = 13; len <= 4097; len++) {
		bool good = len >= 14 && len <= 4096;
		const char *hex;
		int ret;

		/* The edges and a few in between. */
		if (len > 15 && len < 4095 && len != 1500)
			continue;
		f = fopen(path, "w");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		fwrite(frame, 1, len, f);
		fclose(f);
		snprintf(line, sizeof(line), "receive-packet --file %s", path);
		CU_ASSERT_EQUAL_FATAL(ctl_parse(split(line, argv), argv, &o,
						err, sizeof(err)),
				      0);
		ret = ctl_request_build(&o, &req, err, sizeof(err));
		CU_ASSERT_EQUAL(ret, good ? 0 : -EINVAL);
		if (!good) {
			CU_ASSERT_PTR_NOT_NULL(strstr(
				err, len < 14 ? "too short" : "too long"));
			ctl_request_free(&req);
			continue;
		}
		body = json_loads(req.body, 0, NULL);
		hex = json_string_value(json_object_get(body, "frame_hex"));
		CU_ASSERT_PTR_NOT_NULL_FATAL(hex);
		CU_ASSERT_EQUAL(strlen(hex), 2 * len);
		CU_ASSERT_NSTRING_EQUAL(hex, "000102030405060708090a0b0c0d",
					28);
		json_decref(body);
		ctl_request_free(&req);
	}
	unlink(path);

	/* A missing file is a failure (exit 1), not a usage error. */
	snprintf(line, sizeof(line), "receive-packet --file %s/none.bin",
		 tmpdir);
	CU_ASSERT_EQUAL_FATAL(
		ctl_parse(split(line, argv), argv, &o, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ctl_request_build(&o, &req, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "none.bin: No such file"));
	ctl_request_free(&req);
}

/* ---- Answers shown to people ---- */

#define ENTRY_1                                                            \
	"{\"cookie\": \"0011223344556677\", \"msg_id\": 1, \"phase\": 2, " \
	"\"owner\": {\"member\": 2, \"address\": \"10.0.0.2\"}, "          \
	"\"local\": false, \"remaining_s\": 117, \"age_s\": 3, "           \
	"\"flags\": [\"phase2\", \"ikev2\"]}"
#define ENTRY_0                                                            \
	"{\"cookie\": \"0011223344556677\", \"msg_id\": 0, \"phase\": 1, " \
	"\"owner\": {\"member\": 1, \"address\": \"fd00::1\"}, "           \
	"\"local\": true, \"remaining_s\": -2, \"age_s\": 3725, "          \
	"\"flags\": []}"

/* Columns are as wide as their widest cell, so the tables of ENTRY_1,
 * ENTRY_0 and both differ in spacing. */
#define TABLE_1                                                               \
	"COOKIE            MSGID  PHASE  OWNER  ADDRESS   LOCAL  REMAINING  " \
	"AGE  FLAGS\n"                                                        \
	"0011223344556677      1      2      2  10.0.0.2  no         1m57s  " \
	" 3s  phase2,ikev2\n"
#define TABLE_0                                                              \
	"COOKIE            MSGID  PHASE  OWNER  ADDRESS  LOCAL  REMAINING  " \
	"  AGE  FLAGS\n"                                                     \
	"0011223344556677      0      1      1  fd00::1  yes      expired  " \
	"1h02m  -\n"
#define HEAD_BOTH                                                             \
	"COOKIE            MSGID  PHASE  OWNER  ADDRESS   LOCAL  REMAINING  " \
	"  AGE  FLAGS\n"
#define ROW_BOTH_1                                                            \
	"0011223344556677      1      2      2  10.0.0.2  no         1m57s  " \
	"   3s  phase2,ikev2\n"
#define ROW_BOTH_0                                                            \
	"0011223344556677      0      1      1  fd00::1   yes      expired  " \
	"1h02m  -\n"

struct print_case {
	const char *name;
	ctl_print_fn print;
	const char *json;
	int ret;
	const char *text;
};

static const struct print_case print_cases[] = {
	{ "entry", print_entry, ENTRY_1, 0, TABLE_1 },
	{ "page of all", print_entry_page,
	  "{\"total\": 2, \"offset\": 0, \"limit\": 100, \"entries\": "
	  "[" ENTRY_1 ", " ENTRY_0 "]}",
	  0, HEAD_BOTH ROW_BOTH_1 ROW_BOTH_0 },
	{ "page of more", print_entry_page,
	  "{\"total\": 5, \"offset\": 2, \"limit\": 1, \"entries\": "
	  "[" ENTRY_1 "]}",
	  0, TABLE_1 "entries 3-3 of 5 (--offset 3 for more)\n" },
	{ "empty page", print_entry_page,
	  "{\"total\": 0, \"offset\": 0, \"limit\": 100, \"entries\": []}", 0,
	  "no entries\n" },
	{ "page past the end", print_entry_page,
	  "{\"total\": 4, \"offset\": 10, \"limit\": 100, \"entries\": []}", 0,
	  "no entries\n4 entries, none from offset 10\n" },
	{ "page without entries", print_entry_page, "{\"total\": 0}", -EPROTO,
	  "" },
	{ "cookie", print_cookie_entries,
	  "{\"cookie\": \"0011223344556677\", \"entries\": [" ENTRY_0
	  ", " ENTRY_1 "]}",
	  0, HEAD_BOTH ROW_BOTH_0 ROW_BOTH_1 },
	{ "deleted 1", print_deleted, "{\"deleted\": 1}", 0,
	  "deleted 1 entry\n" },
	{ "deleted 7", print_deleted, "{\"deleted\": 7}", 0,
	  "deleted 7 entries\n" },
	{ "deleted what", print_deleted, "{\"gone\": 7}", -EPROTO, "" },
	{ "forwarded", print_verdict,
	  "{\"verdict\": \"XDP_REDIRECT\", \"action\": \"forwarded\", "
	  "\"owner\": {\"member\": 2, \"address\": \"10.0.0.2\"}, "
	  "\"entry\": " ENTRY_1 ", \"counters\": {\"rx_ike\": 1, "
	  "\"rx_esp\": 0, \"forwarded\": 1}}",
	  0,
	  "verdict:   XDP_REDIRECT\n"
	  "action:    forwarded\n"
	  "owner:     member 2 (10.0.0.2)\n"
	  "counters:  rx_ike +1, forwarded +1\n" TABLE_1 },
	{ "malformed", print_verdict,
	  "{\"verdict\": \"XDP_PASS\", \"action\": \"malformed\", "
	  "\"reason\": \"bad_length\", \"owner\": null, \"entry\": null, "
	  "\"counters\": {}}",
	  0,
	  "verdict:   XDP_PASS\n"
	  "action:    malformed (bad_length)\n"
	  "owner:     none\n"
	  "counters:  -\n" },
	{ "resolved", print_resolution,
	  "{\"cookie\": \"0011223344556677\", \"msg_id\": 9, "
	  "\"resolved_via\": \"phase1\", \"key\": {\"cookie\": "
	  "\"0011223344556677\", \"msg_id\": 0}, \"entry\": " ENTRY_0 "}",
	  0,
	  "0011223344556677/9: resolved via phase1 to 0011223344556677/0\n" TABLE_0 },
	{ "not resolved", print_resolution,
	  "{\"cookie\": \"0011223344556677\", \"msg_id\": 9, "
	  "\"resolved_via\": \"none\", \"key\": null, \"entry\": null}",
	  0,
	  "0011223344556677/9: not resolved (no entry for it or its Phase 1)\n" },
	{ "owner remote", print_ownership,
	  "{\"owner\": {\"member\": 2, \"address\": \"10.0.0.2\"}, "
	  "\"local\": false}",
	  0, "owner: member 2 (10.0.0.2), remote\n" },
	{ "owner local", print_ownership,
	  "{\"owner\": {\"member\": 1, \"address\": \"10.0.0.1\"}, "
	  "\"local\": true}",
	  0, "owner: member 1 (10.0.0.1), local (this member)\n" },
	{ "exists", print_exists, "{\"exists\": true, \"entry\": " ENTRY_1 "}",
	  0, "exists: yes\n" TABLE_1 },
	{ "exists not", print_exists, "{\"exists\": false, \"entry\": null}", 0,
	  "exists: no\n" },
	{ "members", print_members,
	  "{\"members\": [{\"id\": 1, \"address\": \"10.0.0.1\", "
	  "\"local\": true, \"alive\": true, \"reachable\": true, "
	  "\"egress\": null, \"next_hop_mac\": null}, {\"id\": 12, "
	  "\"address\": \"10.0.0.12\", \"local\": false, \"alive\": false, "
	  "\"reachable\": true, \"egress\": \"eth1\", "
	  "\"next_hop_mac\": \"02:00:00:00:0c:0c\"}]}",
	  0,
	  "ID  ADDRESS    LOCAL  ALIVE  REACHABLE  EGRESS  NEXT-HOP\n"
	  " 1  10.0.0.1   yes    yes    yes        -       -\n"
	  "12  10.0.0.12  no     no     yes        eth1    02:00:00:00:0c:0c\n" },
	{ "member", print_member,
	  "{\"id\": 2, \"address\": \"10.0.0.2\", \"local\": false, "
	  "\"alive\": false, \"reachable\": false, \"egress\": \"eth1\", "
	  "\"next_hop_mac\": null}",
	  0,
	  "ID  ADDRESS   LOCAL  ALIVE  REACHABLE  EGRESS  NEXT-HOP\n"
	  " 2  10.0.0.2  no     no     no         eth1    -\n" },
	{ "config", print_config,
	  "{\"mode\": \"ha\", \"local_member\": 1, \"active_member\": 2, "
	  "\"timeout_s\": 120, \"ike_port\": 500, \"natt_port\": 4500}",
	  0,
	  "mode:           ha\n"
	  "local member:   1\n"
	  "active member:  2\n"
	  "timeout:        120s\n"
	  "IKE port:       500\n"
	  "NAT-T port:     4500\n" },
	{ "config load-sharing", print_config,
	  "{\"mode\": \"load-sharing\", \"local_member\": 3, "
	  "\"active_member\": 0, \"timeout_s\": 60, \"ike_port\": 500, "
	  "\"natt_port\": 4500}",
	  0,
	  "mode:           load-sharing\n"
	  "local member:   3\n"
	  "active member:  -\n"
	  "timeout:        60s\n"
	  "IKE port:       500\n"
	  "NAT-T port:     4500\n" },
	{ "config ha-sync", print_config,
	  "{\"mode\": \"ha-sync\", \"local_member\": 2, "
	  "\"active_member\": null, \"timeout_s\": 120, \"ike_port\": 500, "
	  "\"natt_port\": 4500, \"ha_segments\": 2}",
	  0,
	  "mode:           ha-sync\n"
	  "local member:   2\n"
	  "active member:  -\n"
	  "timeout:        120s\n"
	  "IKE port:       500\n"
	  "NAT-T port:     4500\n"
	  "ha segments:    2\n" },
	{ "stats", print_stats,
	  "{\"counters\": {\"rx_ike\": 12, \"forwarded\": 3, "
	  "\"loop_guard\": 0}, \"table\": {\"entries\": 2, "
	  "\"capacity\": 65536}}",
	  0,
	  "table: 2 of 65536 entries\n\n"
	  "COUNTER     VALUE\n"
	  "rx_ike         12\n"
	  "forwarded       3\n"
	  "loop_guard      0\n" },
	{ "health", print_health,
	  "{\"status\": \"ok\", \"local_member\": 1, \"uptime_s\": 90061}", 0,
	  "ok: member 1, up 1d01h\n" },
	{ "health without status", print_health, "{}", -EPROTO, "" },
	{ "segments", print_segments,
	  "{\"mode\": \"ha-sync\", \"ha_segments\": 2, \"local_member\": 1, "
	  "\"segments\": [{\"segment\": 1, \"member\": 1, \"local\": true, "
	  "\"since_s\": 125}, {\"segment\": 2, \"member\": null, "
	  "\"local\": false, \"since_s\": null}], \"controller\": "
	  "{\"ready\": true, \"ready_s\": 130, \"partner\": 2, "
	  "\"partner_alive\": false, \"partner_ready\": false, \"fifo\": "
	  "\"/run/charon.ha\", \"fifo_pending\": 0, \"rekeys_running\": 0, "
	  "\"counters\": {\"takeovers\": 1, \"fifo_writes\": 12}}}",
	  0,
	  "mode:         ha-sync, 2 segments\n"
	  "this member:  1, ready\n"
	  "partner:      2, dead, not ready\n"
	  "fifo:         /run/charon.ha, 0 pending\n"
	  "\n"
	  "SEGMENT  MEMBER  LOCAL  SINCE\n"
	  "      1       1  yes    2m05s\n"
	  "      2       -  no     -\n"
	  "\n"
	  "COUNTER      VALUE\n"
	  "takeovers        1\n"
	  "fifo_writes     12\n" },
	{ "segments without a controller", print_segments,
	  "{\"mode\": \"load-sharing\", \"ha_segments\": 0, "
	  "\"local_member\": 3, \"segments\": [], \"controller\": null}",
	  0,
	  "mode:         load-sharing, 0 segments\n"
	  "this member:  3, no controller\n"
	  "\n"
	  "SEGMENT  MEMBER  LOCAL  SINCE\n" },
	{ "segments without mode", print_segments, "{\"segments\": []}",
	  -EPROTO, "" },
	{ "segments report", print_segments,
	  "{\"established\": 12, \"passive\": 4, \"reported_s\": 0}", 0,
	  "charon:       12 established, 4 passive\n" },
	{ "segments with charon's counts", print_segments,
	  "{\"mode\": \"ha-sync\", \"ha_segments\": 1, \"local_member\": 2, "
	  "\"segments\": [{\"segment\": 1, \"member\": 2, \"local\": true, "
	  "\"since_s\": 3}], \"controller\": null, \"charon\": "
	  "{\"established\": 7, \"passive\": 9, \"reported_s\": 61}}",
	  0,
	  "mode:         ha-sync, 1 segments\n"
	  "this member:  2, no controller\n"
	  "charon:       7 established, 9 passive (1m01s ago)\n"
	  "\n"
	  "SEGMENT  MEMBER  LOCAL  SINCE\n"
	  "      1       2  yes    3s\n" },
	{ "not an object", print_entry, "[1]", -EPROTO, "" },
	{ "ike-sa list", print_ike_sa,
	  "{\"total\": 1, \"ike_sas\": [" ENTRY_1 "]}", 0,
	  TABLE_1 "1 IKE SA\n" },
	{ "ike-sa add", print_ike_sa,
	  "{\"ike_sa\": " ENTRY_1 ", \"replaced\": null}", 0, TABLE_1 },
	{ "ike-sa add over a guess", print_ike_sa,
	  "{\"ike_sa\": " ENTRY_1 ", \"replaced\": " ENTRY_1 "}", 0,
	  TABLE_1 "replaced:\n" TABLE_1 },
	{ "ike-sa del", print_ike_sa, "{\"deleted\": 1}", 0,
	  "deleted 1 entry\n" },
	{ "ike-sa list without total", print_ike_sa, "{\"ike_sas\": []}",
	  -EPROTO, "" },
};

/* sa's printer: a list (with its total) and a registration. */
static void test_sa_printer(void)
{
	static const char *const answers[] = {
		"{\"total\": 2, \"sas\": [{\"spi\": 4096, \"spi_hex\": "
		"\"0x00001000\", \"owner\": {\"member\": 2, \"address\": "
		"\"10.0.0.2\"}, \"local\": false, \"remaining_s\": 3600, "
		"\"flags\": [\"registered\"]}, {\"spi\": 4294967295, "
		"\"spi_hex\": \"0xffffffff\", \"owner\": {\"member\": 1, "
		"\"address\": null}, \"local\": true, \"remaining_s\": null, "
		"\"flags\": [\"registered\", \"synced\"]}]}",
		"{\"sas\": []}",
		"{\"deleted\": 1}",
		"{\"sas\": [{\"spi\": 4096}]}",
	};
	static const char *const texts[] = {
		"SPI         SPI_HEX     OWNER   ADDRESS          LOCAL  "
		"REMAINING  FLAGS\n"
		"4096        0x00001000  2       10.0.0.2         no     1h00m   "
		"   registered\n"
		"4294967295  0xffffffff  1       -                yes    -        "
		"  registered,synced\n"
		"2 SAs\n",
		"SPI         SPI_HEX     OWNER   ADDRESS          LOCAL  "
		"REMAINING  FLAGS\n",
		"deleted 1 entry\n",
		NULL,
	};
	const struct ctl_command *sa = ctl_command_find("sa");

	CU_ASSERT_PTR_NOT_NULL_FATAL(sa);
	for (size_t i = 0; i < ARRAY_SIZE(answers); i++) {
		json_t *answer = json_loads(answers[i], 0, NULL);
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		int ret;

		CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		ret = sa->print(answer, f);
		fclose(f);
		CU_ASSERT_EQUAL(ret, texts[i] ? 0 : -EPROTO);
		if (texts[i] && strcmp(text, texts[i]))
			fprintf(stderr, "\n  got:\n%s  want:\n%s", text,
				texts[i]);
		if (texts[i])
			CU_ASSERT_STRING_EQUAL(text, texts[i]);
		free(text);
		json_decref(answer);
	}
}

/* ts's printer: the segment of a registration naming its peer (ha-sync),
 * "-" for none and for a server that sends no segment. */
static void test_ts_printer(void)
{
	static const char *const answers[] = {
		"{\"total\": 2, \"selectors\": [{\"prefix\": \"10.1.0.0/16\", "
		"\"owner\": {\"member\": 2, \"address\": \"10.0.0.2\"}, "
		"\"local\": false, \"spi\": 3221225473, \"remaining_s\": null, "
		"\"flags\": [\"registered\"], \"segment\": 2}, {\"prefix\": "
		"\"2001:db8::/48\", \"owner\": {\"member\": 1, \"address\": "
		"null}, \"local\": true, \"spi\": null, \"remaining_s\": 60, "
		"\"flags\": [\"registered\", \"synced\"], \"segment\": null}]}",
		"{\"selectors\": [{\"prefix\": \"10.2.0.0/16\", \"owner\": "
		"{\"member\": 1, \"address\": null}, \"local\": true, \"spi\": "
		"null, \"remaining_s\": null, \"flags\": []}]}",
		"{\"selectors\": [{\"prefix\": \"10.2.0.0/16\"}]}",
	};
	static const char *const texts[] = {
		"PREFIX                    OWNER   ADDRESS          LOCAL  SPI  "
		"       REMAINING  SEGMENT  FLAGS\n"
		"10.1.0.0/16               2       10.0.0.2         no     "
		"0xc0000001  -          2        registered\n"
		"2001:db8::/48             1       -                yes    -   "
		"        1m00s      -        registered,synced\n"
		"2 selectors\n",
		"PREFIX                    OWNER   ADDRESS          LOCAL  SPI  "
		"       REMAINING  SEGMENT  FLAGS\n"
		"10.2.0.0/16               1       -                yes    -   "
		"        -          -        \n",
		NULL,
	};
	const struct ctl_command *ts = ctl_command_find("ts");

	CU_ASSERT_PTR_NOT_NULL_FATAL(ts);
	for (size_t i = 0; i < ARRAY_SIZE(answers); i++) {
		json_t *answer = json_loads(answers[i], 0, NULL);
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		int ret;

		CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		ret = ts->print(answer, f);
		fclose(f);
		CU_ASSERT_EQUAL(ret, texts[i] ? 0 : -EPROTO);
		if (texts[i] && strcmp(text, texts[i]))
			fprintf(stderr, "\n  got:\n%s  want:\n%s", text,
				texts[i]);
		if (texts[i])
			CU_ASSERT_STRING_EQUAL(text, texts[i]);
		free(text);
		json_decref(answer);
	}
}

static void test_printers(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(print_cases); i++) {
		const struct print_case *c = &print_cases[i];
		json_error_t jerr;
		json_t *answer = json_loads(c->json, 0, &jerr);
		char *text = NULL;
		size_t len = 0;
		FILE *f;
		int ret;

		if (!answer)
			fprintf(stderr, "\n  %s: %s\n", c->name, jerr.text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(answer);
		f = open_memstream(&text, &len);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		ret = c->print(answer, f);
		fclose(f);
		json_decref(answer);
		if (ret != c->ret || (!ret && strcmp(text, c->text)))
			fprintf(stderr, "\n  %s: %d\n%s  want:\n%s", c->name,
				ret, text, c->text);
		CU_ASSERT_EQUAL(ret, c->ret);
		if (!ret)
			CU_ASSERT_STRING_EQUAL(text, c->text);
		free(text);
	}
}

static void test_durations(void)
{
	static const struct {
		long long s;
		const char *text;
	} cases[] = {
		{ -1, "expired" },   { 0, "0s" },	 { 59, "59s" },
		{ 60, "1m00s" },     { 3599, "59m59s" }, { 3600, "1h00m" },
		{ 86399, "23h59m" }, { 86400, "1d00h" }, { 200000, "2d07h" },
	};
	char out[24];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		duration_format(cases[i].s, out, sizeof(out));
		CU_ASSERT_STRING_EQUAL(out, cases[i].text);
	}
}

static void test_error_lines(void)
{
	static const struct {
		long status;
		const char *reason;
		const char *body;
		const char *line;
	} cases[] = {
		{ 409, "Conflict",
		  "{\"error\": {\"code\": 409, \"message\": \"0011223344556677/0 "
		  "is owned by member 2 (10.0.0.2)\"}, \"owner\": {}}",
		  "409: 0011223344556677/0 is owned by member 2 (10.0.0.2)" },
		/* The server's words, even on one line when they are not. */
		{ 400, "Bad Request",
		  "{\"error\": {\"code\": 400, \"message\": \"bad\\nhex\"}}",
		  "400: bad hex" },
		{ 502, "Bad Gateway", "<html>proxy</html>",
		  "502: Bad Gateway" },
		{ 500, "", "", "500: HTTP error" },
		{ 404, "Not Found", "{\"error\": {\"message\": \"\"}}",
		  "404: Not Found" },
	};
	char line[256];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct ctl_reply r = { .status = cases[i].status,
				       .body = (char *)cases[i].body,
				       .len = strlen(cases[i].body) };

		snprintf(r.reason, sizeof(r.reason), "%s", cases[i].reason);
		reply_error_line(&r, line, sizeof(line));
		CU_ASSERT_STRING_EQUAL(line, cases[i].line);
	}
}

/* ---- Which server, which token ---- */

#define CONF_HEAD \
	"[cluster]\nlocal_member = 1\n[member 1]\naddress = 10.0.0.1\n"

static int resolve_line(const char *args, struct ctl_target *t, char *err,
			size_t errlen)
{
	char line[1024], *argv[MAX_ARGS];
	struct ctl_opts o;
	int ret;

	snprintf(line, sizeof(line), "%s stats", args);
	ret = ctl_parse(split(line, argv), argv, &o, err, errlen);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	return ctl_target_resolve(&o, t, err, errlen);
}

static void test_target_defaults(void)
{
	char err[512] = "", args[256], token[128];
	struct ctl_target t;

	CU_ASSERT_EQUAL(resolve_line("", &t, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(t.url, "http://127.0.0.1:8080");
	CU_ASSERT_STRING_EQUAL(t.unix_socket, "");
	CU_ASSERT_STRING_EQUAL(t.token, "");
	CU_ASSERT_EQUAL(t.timeout_ms, CTL_DEFAULT_TIMEOUT_MS);

	/* The base path pasted with the URL is dropped. */
	CU_ASSERT_EQUAL(resolve_line("--url https://gw1:8443/api/v1/cluster/"
				     "ike-forwarding/ --cacert /x.pem "
				     "--insecure --timeout 3",
				     &t, err, sizeof(err)),
			0);
	CU_ASSERT_STRING_EQUAL(t.url, "https://gw1:8443");
	CU_ASSERT_STRING_EQUAL(t.cacert, "/x.pem");
	CU_ASSERT(t.insecure);
	CU_ASSERT_EQUAL(t.timeout_ms, 3000);

	CU_ASSERT_EQUAL(
		resolve_line("--unix /run/x.sock", &t, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(t.unix_socket, "/run/x.sock");
	CU_ASSERT_STRING_EQUAL(t.url, "http://localhost");

	/* The first line of the token file, without its line end. */
	snprintf(token, sizeof(token), "%s/token", tmpdir);
	write_file(token, "s3cret-token\r\nsecond line\n");
	snprintf(args, sizeof(args), "--token-file %s", token);
	CU_ASSERT_EQUAL(resolve_line(args, &t, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(t.token, "s3cret-token");

	/* A token file named on the command line must be readable. */
	snprintf(args, sizeof(args), "--token-file %s/none", tmpdir);
	CU_ASSERT_EQUAL(resolve_line(args, &t, err, sizeof(err)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/none: No such file"));
	unlink(token);
}

static void test_target_config(void)
{
	static const struct {
		const char *api; /* the [api] section's lines */
		const char *url;
		const char *unix_socket;
		const char *cacert;
	} cases[] = {
		{ "", "http://127.0.0.1:8080", "", "" },
		{ "listen = 10.1.2.3\nport = 9000\n", "http://10.1.2.3:9000",
		  "", "" },
		{ "listen = 0.0.0.0\n", "http://127.0.0.1:8080", "", "" },
		{ "listen = ::\nport = 8443\ntls_cert = /etc/c.pem\n"
		  "tls_key = /etc/k.pem\n",
		  "https://[::1]:8443", "", "/etc/c.pem" },
		{ "listen = fd00::7\n", "http://[fd00::7]:8080", "", "" },
		/* The unix socket wins: local tools are what it is for. */
		{ "port = 9000\nunix_socket = /run/ikefwd/api.sock\n",
		  "http://localhost", "/run/ikefwd/api.sock", "" },
	};
	char conf[128], text[1024], args[512], err[512];
	struct ctl_target t;

	snprintf(conf, sizeof(conf), "%s/ikefwd.conf", tmpdir);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(text, sizeof(text), CONF_HEAD "[api]\n%s",
			 cases[i].api);
		write_file(conf, text);
		snprintf(args, sizeof(args), "--config %s", conf);
		err[0] = '\0';
		CU_ASSERT_EQUAL(resolve_line(args, &t, err, sizeof(err)), 0);
		if (strcmp(t.url, cases[i].url))
			fprintf(stderr, "\n  %s: %s %s\n", cases[i].api, t.url,
				err);
		CU_ASSERT_STRING_EQUAL(t.url, cases[i].url);
		CU_ASSERT_STRING_EQUAL(t.unix_socket, cases[i].unix_socket);
		CU_ASSERT_STRING_EQUAL(t.cacert, cases[i].cacert);
	}

	/* The command line beats the file. */
	snprintf(args, sizeof(args),
		 "--config %s --url http://10.9.9.9:1 --cacert /mine.pem",
		 conf);
	CU_ASSERT_EQUAL(resolve_line(args, &t, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(t.url, "http://10.9.9.9:1");
	CU_ASSERT_STRING_EQUAL(t.unix_socket, "");
	CU_ASSERT_STRING_EQUAL(t.cacert, "/mine.pem");

	/* A broken file: its loader's own line. */
	write_file(conf, CONF_HEAD "[api]\nport = http\n");
	snprintf(args, sizeof(args), "--config %s", conf);
	CU_ASSERT_NOT_EQUAL(resolve_line(args, &t, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ikefwd.conf:6: [api] port:"));
	unlink(conf);
}

/* segment-of asks no server: the plugin's segments of addresses, with
 * the configuration's ha_segments (tests/unit/ha_segment_vectors.txt has
 * the real plugin's decisions for these addresses with 16 and 2). */
static void test_segment_of(void)
{
	char conf[128];
	struct run r;

	snprintf(conf, sizeof(conf), "%s/ha.conf", tmpdir);
	write_file(conf, "[cluster]\nmode = ha-sync\nlocal_member = 1\n"
			 "ha_segments = 16\n[member 1]\naddress = 10.0.0.1\n"
			 "[member 2]\naddress = 10.0.0.2\n");
	/* No server anywhere near: --url points at nothing. */
	run_ctl(&r,
		"--url http://127.0.0.1:1 --config %s segment-of "
		"10.0.1.8 10.0.1.9 10.0.1.10",
		conf);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "10.0.1.8 5\n10.0.1.9 8\n10.0.1.10 9\n");
	run_free(&r);

	/* Without --config: ikefwd's default, 2. */
	run_ctl(&r, "--url http://127.0.0.1:1 --json segment-of 10.0.1.10 "
		    "2001:db8::1");
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out,
			       "{\"ha_segments\":2,\"segments\":[{\"address\":"
			       "\"10.0.1.10\",\"segment\":2},{\"address\":"
			       "\"2001:db8::1\",\"segment\":1}]}\n");
	run_free(&r);

	run_ctl(&r, "segment-of 10.0.1.300");
	CU_ASSERT_EQUAL(r.status, 2);
	assert_one_line(&r, "ikefwdctl: address '10.0.1.300': give an IPv4 "
			    "or IPv6 address");
	run_free(&r);
	run_ctl(&r, "segment-of");
	CU_ASSERT_EQUAL(r.status, 2);
	assert_one_line(&r, "ikefwdctl: usage: ikefwdctl segment-of ADDR "
			    "[ADDR...]");
	run_free(&r);
	unlink(conf);
}

/* The configuration's token file: read when it can be; when it cannot
 * (not root), reads still work and a 401 will say why. */
static void test_target_config_token(void)
{
	char conf[128], token[128], text[1024], args[256], err[512];
	struct ctl_target t;

	snprintf(conf, sizeof(conf), "%s/ikefwd.conf", tmpdir);
	snprintf(token, sizeof(token), "%s/api.token", tmpdir);
	snprintf(text, sizeof(text), CONF_HEAD "[api]\ntoken_file = %s\n",
		 token);
	write_file(conf, text);
	write_file(token, "from-config\n");
	snprintf(args, sizeof(args), "--config %s", conf);
	CU_ASSERT_EQUAL(resolve_line(args, &t, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(t.token, "from-config");
	CU_ASSERT_STRING_EQUAL(t.token_note, "");

	unlink(token);
	CU_ASSERT_EQUAL(resolve_line(args, &t, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(t.token, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(t.token_note, "api.token: No such file"));
	unlink(conf);
}

/* ---- The binary over real sockets ---- */

/*
 * An HTTP endpoint in this process (libmicrohttpd, its own thread): it
 * answers every request with the status and body the test set, and keeps
 * what the last request carried.
 */
struct endpoint {
	struct MHD_Daemon *daemon;
	char url[64]; /* http(s)://127.0.0.1:PORT */
	char sock_path[108]; /* unix socket, when it listens on one */
	pthread_mutex_t lock;

	/* What to answer. */
	unsigned int status;
	const char *content_type;
	const char *answer;

	/* The last request. */
	int requests;
	char method[16];
	char path[512]; /* with the query, as the server decoded it */
	char auth[600];
	char req_type[128];
	char expect[64];
	char *body;
};

static struct endpoint ep;

struct upload {
	char *data;
	size_t len;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind,
			       const char *key, const char *value)
{
	char *path = cls;
	size_t n = strlen(path);

	snprintf(path + n, sizeof(ep.path) - n, "%c%s=%s",
		 strchr(path, '?') ? '&' : '?', key, value ? value : "");
	return MHD_YES;
}

static void copy_header(struct MHD_Connection *c, const char *name, char *out,
			size_t len)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);

	snprintf(out, len, "%s", v ? v : "");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *data,
				  size_t *data_size, void **state)
{
	struct upload *u = *state;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (!u) {
		u = calloc(1, sizeof(*u));
		*state = u;
		return u ? MHD_YES : MHD_NO;
	}
	if (*data_size) {
		char *p = realloc(u->data, u->len + *data_size + 1);

		if (!p)
			return MHD_NO;
		memcpy(p + u->len, data, *data_size);
		u->data = p;
		u->len += *data_size;
		u->data[u->len] = '\0';
		*data_size = 0;
		return MHD_YES;
	}

	pthread_mutex_lock(&ep.lock);
	ep.requests++;
	snprintf(ep.method, sizeof(ep.method), "%s", method);
	snprintf(ep.path, sizeof(ep.path), "%s", url);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, ep.path);
	copy_header(c, MHD_HTTP_HEADER_AUTHORIZATION, ep.auth, sizeof(ep.auth));
	copy_header(c, MHD_HTTP_HEADER_CONTENT_TYPE, ep.req_type,
		    sizeof(ep.req_type));
	copy_header(c, MHD_HTTP_HEADER_EXPECT, ep.expect, sizeof(ep.expect));
	free(ep.body);
	ep.body = u->data;
	u->data = NULL;
	resp = MHD_create_response_from_buffer(
		strlen(ep.answer), (void *)ep.answer, MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				ep.content_type);
	ret = MHD_queue_response(c, ep.status, resp);
	pthread_mutex_unlock(&ep.lock);
	MHD_destroy_response(resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *state;

	if (u)
		free(u->data);
	free(u);
	*state = NULL;
}

/* A throw-away certificate for 127.0.0.1 and localhost (EC P-256, valid
 * 2000 to 2100 so no clock makes it expire), its own trust anchor. */
static const char tls_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPnfIOnPy5/Idkh6i\n"
	"i95vAgKUEU21TNUHbvEfmWJckY+hRANCAARBwl8h8hMM5Ra/ndA0dNVTn3nog2Mi\n"
	"KCW4mILgfiKp5jAAmMdlNtMcm4OjMBW6kAuTODoH81sGDdimbAlCNOvz\n"
	"-----END PRIVATE KEY-----\n";
static const char tls_cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBdDCCARqgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAkxMjcuMC4w\n"
	"LjEwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM\n"
	"CTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABEHCXyHyEwzlFr+d\n"
	"0DR01VOfeeiDYyIoJbiYguB+IqnmMACYx2U20xybg6MwFbqQC5M4OgfzWwYN2KZs\n"
	"CUI06/OjWzBZMBoGA1UdEQQTMBGHBH8AAAGCCWxvY2FsaG9zdDAPBgNVHRMBAf8E\n"
	"BTADAQH/MAsGA1UdDwQEAwIChDAdBgNVHQ4EFgQUr0/zCnyUpg4A4kkSUNEsT3Dk\n"
	"pJQwCgYIKoZIzj0EAwIDSAAwRQIgJ/7Jl1vkZ8iBmwW8N3HhxAxDoYlplB/TfzaV\n"
	"DfrST2ICIQDb8G4Anp51VGXN5Ah0qdCtTRbLm2GRgC126L8kxMOmEg==\n"
	"-----END CERTIFICATE-----\n";

/* A listening socket: TCP on 127.0.0.1 (any port), or unix at path. */
static int listen_socket(const char *path, char *url, size_t len, bool tls)
{
	struct sockaddr_in in = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	socklen_t alen = sizeof(in);
	int fd;

	fd = socket(path ? AF_UNIX : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (path) {
		snprintf(un.sun_path, sizeof(un.sun_path), "%s", path);
		if (bind(fd, (struct sockaddr *)&un, sizeof(un)))
			goto fail;
	} else if (bind(fd, (struct sockaddr *)&in, sizeof(in)) ||
		   getsockname(fd, (struct sockaddr *)&in, &alen)) {
		goto fail;
	}
	if (listen(fd, 16))
		goto fail;
	snprintf(url, len, "%s://127.0.0.1:%u", tls ? "https" : "http",
		 ntohs(in.sin_port));
	return fd;
fail:
	close(fd);
	return -errno;
}

/* Starts the endpoint; unix: on a socket in tmpdir instead of TCP. */
static void endpoint_start(bool unix_socket, bool tls)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
	int fd;

	ep.status = 200;
	ep.content_type = "application/json";
	ep.answer = "{}";
	ep.sock_path[0] = '\0';
	if (unix_socket)
		snprintf(ep.sock_path, sizeof(ep.sock_path), "%s/api.sock",
			 tmpdir);
	fd = listen_socket(unix_socket ? ep.sock_path : NULL, ep.url,
			   sizeof(ep.url), tls);
	CU_ASSERT_FATAL(fd >= 0);
	if (tls)
		flags |= MHD_USE_TLS;
	ep.daemon = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, NULL,
		MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, NULL,
		tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, tls_key,
		MHD_OPTION_HTTPS_MEM_CERT, tls_cert, MHD_OPTION_END);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ep.daemon);
}

static void endpoint_stop(void)
{
	MHD_stop_daemon(ep.daemon);
	ep.daemon = NULL;
	if (ep.sock_path[0])
		unlink(ep.sock_path);
	free(ep.body);
	ep.body = NULL;
	ep.requests = 0;
}

static void endpoint_answer(unsigned int status, const char *content_type,
			    const char *answer)
{
	pthread_mutex_lock(&ep.lock);
	ep.status = status;
	ep.content_type = content_type;
	ep.answer = answer;
	pthread_mutex_unlock(&ep.lock);
}

#define WIRE_ENTRY                                                           \
	"{\"cookie\":\"0011223344556677\",\"msg_id\":1,\"phase\":2,"         \
	"\"owner\":{\"member\":2,\"address\":\"10.0.0.2\"},\"local\":false," \
	"\"remaining_s\":120,\"age_s\":0,\"flags\":[\"static\"]}"

static void test_wire_success(void)
{
	char token[128];
	struct run r;

	snprintf(token, sizeof(token), "%s/token", tmpdir);
	write_file(token, "t0k3n\n");
	endpoint_start(false, false);
	endpoint_answer(201, "application/json", WIRE_ENTRY);
	run_ctl(&r, "--url %s --token-file %s add 0011223344556677 1 2", ep.url,
		token);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.err, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "0011223344556677      1"));
	CU_ASSERT_EQUAL(ep.requests, 1);
	CU_ASSERT_STRING_EQUAL(ep.method, "POST");
	CU_ASSERT_STRING_EQUAL(ep.path, CTL_API_BASE "packet-tracking");
	CU_ASSERT_STRING_EQUAL(ep.auth, "Bearer t0k3n");
	CU_ASSERT_STRING_EQUAL(ep.req_type, "application/json");
	CU_ASSERT_STRING_EQUAL(
		ep.body,
		"{\"cookie\":\"0011223344556677\",\"msg_id\":1,\"owner\":2}");
	run_free(&r);

	/* A read: query string, no body, no token without a token file. */
	endpoint_answer(200, "application/json",
			"{\"total\":1,\"offset\":0,\"limit\":100,\"entries\":"
			"[" WIRE_ENTRY "]}");
	run_ctl(&r, "list --url %s --owner 2 --phase 2", ep.url);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(ep.method, "GET");
	CU_ASSERT_STRING_EQUAL(ep.path,
			       CTL_API_BASE "packet-tracking?owner=2&phase=2");
	CU_ASSERT_STRING_EQUAL(ep.auth, "");
	CU_ASSERT_STRING_EQUAL(ep.body ? ep.body : "", "");
	CU_ASSERT_NSTRING_EQUAL(r.out, "COOKIE ", 7);
	run_free(&r);

	/* --json: the server's text as it came. */
	run_ctl(&r, "--json --url %s list", ep.url);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "{\"total\":1,\"offset\":0,\"limit\":100,"
				      "\"entries\":[" WIRE_ENTRY "]}\n");
	run_free(&r);

	/* Metrics are text, shown as they are. */
	endpoint_answer(200, "text/plain; version=0.0.4",
			"ikefwd_rx_ike_total 3\nikefwd_table_entries 1\n");
	run_ctl(&r, "metrics --url %s", ep.url);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(ep.path, "/metrics");
	CU_ASSERT_STRING_EQUAL(
		r.out, "ikefwd_rx_ike_total 3\nikefwd_table_entries 1\n");
	run_free(&r);
	endpoint_stop();
	unlink(token);
}

static void test_wire_errors(void)
{
	static const char conflict[] =
		"{\"error\":{\"code\":409,\"message\":\"0011223344556677/0 is "
		"owned by member 2 (10.0.0.2)\"},\"owner\":{\"member\":2,"
		"\"address\":\"10.0.0.2\"}}";
	struct run r;

	endpoint_start(false, false);
	endpoint_answer(409, "application/json", conflict);
	run_ctl(&r, "--url %s take 0011223344556677 0", ep.url);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_STRING_EQUAL(r.out, "");
	assert_one_line(&r, "ikefwdctl: 409: 0011223344556677/0 is owned by "
			    "member 2 (10.0.0.2)\n");
	run_free(&r);

	/* With --json the error object goes to stdout as well. */
	run_ctl(&r, "--url %s --json take 0011223344556677 0", ep.url);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_NSTRING_EQUAL(r.out, conflict, strlen(conflict));
	assert_one_line(&r, "ikefwdctl: 409: ");
	run_free(&r);

	/* Not our server: the reason phrase. */
	endpoint_answer(502, "text/html", "<html>bad gateway</html>");
	run_ctl(&r, "--url %s --json health", ep.url);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_STRING_EQUAL(r.out, "");
	assert_one_line(&r, "ikefwdctl: 502: Bad Gateway\n");
	run_free(&r);

	/* 2xx that is not what it should be. */
	endpoint_answer(200, "text/plain", "hello");
	run_ctl(&r, "--url %s health", ep.url);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 200: the answer is not JSON (see it "
			    "with --json)\n");
	run_free(&r);
	endpoint_answer(200, "application/json", "{\"entries\": 3}");
	run_ctl(&r, "--url %s list", ep.url);
	CU_ASSERT_EQUAL(r.status, 1);
	assert_one_line(&r, "ikefwdctl: 200: answer not understood (see it "
			    "with --json)\n");
	run_free(&r);

	/* A usage error asks nothing. */
	ep.requests = 0;
	run_ctl(&r, "--url %s del 0011 1", ep.url);
	CU_ASSERT_EQUAL(r.status, 2);
	assert_one_line(&r, "ikefwdctl: cookie '0011': give 16 hex digits\n");
	CU_ASSERT_EQUAL(ep.requests, 0);
	run_free(&r);
	endpoint_stop();

	/* Nobody listening. */
	run_ctl(&r, "--url %s health", ep.url);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "Couldn't connect"));
	assert_one_line(&r, "ikefwdctl: http://127.0.0.1:");
	run_free(&r);
}

/* A 401 where the configuration's token file could not be read. */
static void test_wire_token_note(void)
{
	char conf[128], text[512];
	struct run r;

	endpoint_start(false, false);
	endpoint_answer(401, "application/json",
			"{\"error\":{\"code\":401,\"message\":\"missing or "
			"wrong bearer token\"}}");
	snprintf(conf, sizeof(conf), "%s/ikefwd.conf", tmpdir);
	snprintf(text, sizeof(text),
		 CONF_HEAD "[api]\nport = %s\ntoken_file = %s/gone.token\n",
		 strrchr(ep.url, ':') + 1, tmpdir);
	write_file(conf, text);
	run_ctl(&r, "--config %s flush", conf);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_STRING_EQUAL(ep.method, "DELETE");
	CU_ASSERT_STRING_EQUAL(ep.auth, "");
	assert_one_line(&r, "ikefwdctl: 401: missing or wrong bearer token (no "
			    "token sent: token file ");
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "gone.token: No such file"));
	run_free(&r);
	endpoint_stop();
	unlink(conf);
}

static void test_wire_unix(void)
{
	char conf[128], text[512], token[128];
	struct run r;

	endpoint_start(true, false);
	endpoint_answer(200, "application/json",
			"{\"status\":\"ok\",\"local_member\":1,"
			"\"uptime_s\":5}");
	run_ctl(&r, "--unix %s health", ep.sock_path);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "ok: member 1, up 5s\n");
	CU_ASSERT_STRING_EQUAL(ep.path, CTL_API_BASE "health");
	run_free(&r);

	/* Found through the configuration, token and all. */
	snprintf(conf, sizeof(conf), "%s/ikefwd.conf", tmpdir);
	snprintf(token, sizeof(token), "%s/api.token", tmpdir);
	snprintf(text, sizeof(text),
		 CONF_HEAD "[api]\nunix_socket = %s\ntoken_file = %s\n",
		 ep.sock_path, token);
	write_file(conf, text);
	write_file(token, "unix-token");
	endpoint_answer(200, "application/json",
			"{\"id\":2,\"address\":\"10.0.0.2\",\"local\":false,"
			"\"alive\":false,\"reachable\":true,\"egress\":null,"
			"\"next_hop_mac\":null}");
	run_ctl(&r, "--config %s member 2 dead", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(ep.method, "PUT");
	CU_ASSERT_STRING_EQUAL(ep.auth, "Bearer unix-token");
	CU_ASSERT_STRING_EQUAL(ep.body, "{\"id\":2,\"alive\":false}");
	run_free(&r);
	endpoint_stop();

	run_ctl(&r, "--config %s health", conf);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "connect: No such file"));
	assert_one_line(&r, "ikefwdctl: /tmp/");
	run_free(&r);
	unlink(conf);
	unlink(token);
}

static void test_wire_tls(void)
{
	char cert[128], conf[128], text[512];
	struct run r;

	snprintf(cert, sizeof(cert), "%s/cert.pem", tmpdir);
	write_file(cert, tls_cert);
	endpoint_start(false, true);
	endpoint_answer(200, "application/json", "{\"deleted\":3}");

	run_ctl(&r, "--url %s --cacert %s flush", ep.url, cert);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(r.out, "deleted 3 entries\n");
	run_free(&r);

	/* Unknown issuer: refused, in one line. */
	ep.requests = 0;
	run_ctl(&r, "--url %s flush", ep.url);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_EQUAL(ep.requests, 0);
	assert_one_line(&r, "ikefwdctl: https://127.0.0.1:");
	run_free(&r);

	run_ctl(&r, "--url %s --insecure flush", ep.url);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(ep.requests, 1);
	run_free(&r);

	/* From the configuration: https, and its certificate trusted. */
	snprintf(conf, sizeof(conf), "%s/ikefwd.conf", tmpdir);
	snprintf(text, sizeof(text),
		 CONF_HEAD "[api]\nport = %s\ntls_cert = %s\n"
			   "tls_key = /unused.key\n",
		 strrchr(ep.url, ':') + 1, cert);
	write_file(conf, text);
	run_ctl(&r, "--config %s flush", conf);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_EQUAL(ep.requests, 2);
	run_free(&r);
	endpoint_stop();
	unlink(conf);
	unlink(cert);
}

/* A whole 4096-byte frame goes out in one request, without waiting for a
 * "100 Continue". */
static void test_wire_big_frame(void)
{
	char path[128];
	uint8_t frame[4096];
	struct run r;
	FILE *f;

	memset(frame, 0xab, sizeof(frame));
	snprintf(path, sizeof(path), "%s/frame.bin", tmpdir);
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fwrite(frame, 1, sizeof(frame), f);
	fclose(f);
	endpoint_start(false, false);
	endpoint_answer(200, "application/json",
			"{\"verdict\":\"XDP_PASS\",\"action\":\"not_ike\","
			"\"owner\":null,\"entry\":null,\"counters\":{}}");
	run_ctl(&r, "--url %s receive-packet --file %s", ep.url, path);
	CU_ASSERT_EQUAL(r.status, 0);
	CU_ASSERT_STRING_EQUAL(ep.expect, "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ep.body);
	CU_ASSERT_EQUAL(strlen(ep.body), strlen("{\"frame_hex\":\"\"}") + 8192);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.out, "action:    not_ike\n"));
	run_free(&r);
	endpoint_stop();
	unlink(path);
}

/* A server that accepts but never answers: --timeout ends the wait. */
static void test_wire_timeout(void)
{
	char url[64];
	struct run r;
	int fd = listen_socket(NULL, url, sizeof(url), false);

	CU_ASSERT_FATAL(fd >= 0);
	run_ctl(&r, "--url %s --timeout 1 stats", url);
	CU_ASSERT_EQUAL(r.status, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.err, "timed out"));
	assert_one_line(&r, "ikefwdctl: http://127.0.0.1:");
	run_free(&r);
	close(fd);
}

static int make_tmpdir(void)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void)
{
	return rmdir(tmpdir);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "command lines to requests", test_requests },
		{ "every command has a request case",
		  test_every_command_covered },
		{ "usage errors: exact lines", test_usage_errors },
		{ "--help", test_help },
		{ "receive-packet --file", test_frame_file },
		{ "answers shown to people", test_printers },
		{ "sa answers shown to people", test_sa_printer },
		{ "ts answers shown to people", test_ts_printer },
		{ "durations", test_durations },
		{ "error lines", test_error_lines },
		{ "server and token: command line", test_target_defaults },
		{ "server and token: [api] of --config", test_target_config },
		{ "token file of --config", test_target_config_token },
		{ "binary: success, --json, metrics", test_wire_success },
		{ "binary: errors, one line each", test_wire_errors },
		{ "binary: 401 says why no token", test_wire_token_note },
		{ "binary: unix socket", test_wire_unix },
		{ "binary: TLS", test_wire_tls },
		{ "binary: 4096-byte frame", test_wire_big_frame },
		{ "binary: --timeout", test_wire_timeout },
		{ "binary: segment-of, no server", test_segment_of },
	};

	/* A dead endpoint must fail the test, not kill it. */
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&ep.lock, NULL);
	return cunit_run_suite("ctl", make_tmpdir, remove_tmpdir, NULL, NULL,
			       tests, ARRAY_SIZE(tests));
}
