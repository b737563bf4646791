// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The configuration file loader (lib/config.c): every file is written to
 * a temporary file and loaded as the daemon loads it. A bad file must give
 * exactly one error line naming the line, section and key, and must leave
 * the caller's configuration untouched; good files must come back with
 * every value, defaults included. The shipped example must load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <CUnit/Basic.h>

#include "config.h"
#include "cunit_main.h"

/* Two members, as many files need them after the part under test. */
#define M1 "[member 1]\naddress = 10.0.0.1\n"
#define M2 "[member 2]\naddress = 10.0.0.2\n"
#define LOCAL1 "[cluster]\nlocal_member = 1\n"
/* ha-sync with two members: a [ha] section after it is on line 8. */
#define HASYNC LOCAL1 "mode = ha-sync\n" M1 M2

static char tmpdir[] = "/tmp/ikefwd-test-config.XXXXXX";

/* Writes text to a new file in tmpdir; its name goes to path. */
static int write_conf(const char *text, char *path, size_t len)
{
	size_t n = strlen(text);
	int fd;

	snprintf(path, len, "%s/conf.XXXXXX", tmpdir);
	fd = mkstemp(path);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != (ssize_t)n) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	return 0;
}

/* Loads text as a file; err gets the error line. */
static int load_text(const char *text, struct ikefwd_cfg *cfg, char *err,
		     size_t errlen)
{
	char path[64];
	int ret;

	ret = write_conf(text, path, sizeof(path));
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	ret = ikefwd_cfg_load(path, cfg, err, errlen);
	unlink(path);
	return ret;
}

/* Loads a file that must load; fails the test with its error otherwise. */
static void load_good(const char *text, struct ikefwd_cfg *cfg)
{
	char err[512] = "";
	int ret;

	ret = load_text(text, cfg, err, sizeof(err));
	if (ret)
		fprintf(stderr, "\n  unexpected error %d: %s\n", ret, err);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
}

struct bad_case {
	const char *text;
	const char *err; /* what follows the file name in the error line */
};

static const struct bad_case bad_cases[] = {
	/* libinih's own errors */
	{ LOCAL1 "this line has no equals sign\n", ":3: syntax error" },
	{ "[cluster\nlocal_member = 1\n", ":1: syntax error" },
	{ "[cluster]\n# " /* 200 characters of comment, libinih keeps 198 */
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
	  ":2: line longer than 198 characters" },
	/* the first error in the file wins, whoever finds it */
	{ "[cluster]\ngarbage\ntimeout = x\n", ":2: syntax error" },
	{ "[cluster]\ntimeout = x\ngarbage\n",
	  ":2: [cluster] timeout: not a number: \"x\"" },

	/* ESP ranges and SPI labels */
	{ LOCAL1 "[member 1]\naddress = 10.0.0.1\nspi_min = 255\n",
	  ":5: [member 1] spi_min: not an SPI (256..0xffffffff): \"255\"" },
	{ LOCAL1 "[member 1]\naddress = 10.0.0.1\nspi_min = 0x100\n",
	  ": [member 1] spi_min and spi_max go together" },
	{ LOCAL1 "[member 1]\naddress = 10.0.0.1\nspi_min = 0x2000\n"
		 "spi_max = 0x1000\n",
	  ": [member 1] spi_min 0x00002000 is above spi_max 0x00001000" },
	{ LOCAL1 "[member 1]\naddress = 10.0.0.1\nspi_min = 0x1000\n"
		 "spi_max = 0x1fff\n[member 2]\naddress = 10.0.0.2\n"
		 "spi_min = 0x1fff\nspi_max = 0x2fff\n",
	  ": [member 1] and [member 2] have overlapping SPI ranges" },
	{ LOCAL1 "spi_labels = yes\n" M1,
	  ": [cluster] spi_labels needs spi_label_mask" },
	{ LOCAL1 "spi_labels = yes\nspi_label_mask = 0xff\n" M1,
	  ": [member 1] spi_label is not set, or 0 under spi_label_mask" },
	{ LOCAL1 "spi_labels = yes\nspi_label_mask = 0xff\n" M1
		 "spi_label = 0x101\n",
	  ": [member 1] spi_label 0x0000000000000101 has bits outside "
	  "spi_label_mask" },
	{ LOCAL1 "spi_labels = yes\nspi_label_mask = 0xff\n" M1
		 "spi_label = 1\n" M2 "spi_label = 1\n",
	  ": [member 1] and [member 2] have the same spi_label" },
	{ LOCAL1 "spi_label_mask = 0xfg\n" M1,
	  ":3: [cluster] spi_label_mask: not a 64-bit number (decimal or 0x "
	  "hex): \"0xfg\"" },

	/* sections */
	{ "local_member = 1\n[cluster]\n",
	  ":1: local_member: not in a section" },
	{ LOCAL1 "\n[clutser]\nmode = ha\n", ":4: [clutser]: unknown section" },
	{ "[cluster]\n[bogus]\n" M1, ":2: [bogus]: unknown section" },
	{ "[Cluster]\nlocal_member = 1\n", ":1: [Cluster]: unknown section" },
	{ "[member1]\naddress = 10.0.0.1\n", ":1: [member1]: unknown section" },
	{ LOCAL1 "[cluster]\nmode = ha\n",
	  ":3: [cluster]: duplicate section, first on line 1" },
	{ M1 M2 "[member 1]\naddress = 10.0.0.3\n",
	  ":5: [member 1]: duplicate section, first on line 1" },
	{ M1 "[member 1]\n",
	  ":3: [member 1]: duplicate section, first on line 1" },
	{ "[member 16]\naddress = 10.0.0.1\n",
	  ":1: [member 16]: member id out of range (1..15): \"16\"" },
	{ "[member 0]\naddress = 10.0.0.1\n",
	  ":1: [member 0]: member id out of range (1..15): \"0\"" },
	{ "[member one]\naddress = 10.0.0.1\n",
	  ":1: [member one]: member id not a number: \"one\"" },
	{ "[member 1]\n" LOCAL1, ":1: [member 1]: address is not set" },
	{ LOCAL1 M1 "[member 2]\n", ":5: [member 2]: address is not set" },

	/* keys */
	{ "[cluster]\ntimout = 5\n", ":2: [cluster] timout: unknown key" },
	{ "[api]\nlocal_member = 1\n", ":2: [api] local_member: unknown key" },
	{ "[cluster]\ntimeout = 10\ntimeout = 20\n",
	  ":3: [cluster] timeout: repeated key (first on line 2)" },
	{ "[api]\n  listen = 127.0.0.1\n  port = 8080\n",
	  ":3: [api] listen: indented line continues this key: \"port = 8080\"" },
	{ "[member 1]\naddress = 10.0.0.1\n  [member 2]\n",
	  ":3: [member 1] address: indented line continues this key: \"[member 2]\"" },

	/* numbers */
	{ "[cluster]\ntimeout = 12x\n",
	  ":2: [cluster] timeout: not a number: \"12x\"" },
	{ "[cluster]\ntimeout = \n",
	  ":2: [cluster] timeout: not a number: \"\"" },
	{ "[cluster]\ntimeout = 0x10\n",
	  ":2: [cluster] timeout: not a number: \"0x10\"" },
	{ "[cluster]\nlocal_member = -1\n",
	  ":2: [cluster] local_member: not a number: \"-1\"" },
	{ "[cluster]\ntimeout = 0\n",
	  ":2: [cluster] timeout: out of range (1..86400): \"0\"" },
	{ "[cluster]\ntimeout = 86401\n",
	  ":2: [cluster] timeout: out of range (1..86400): \"86401\"" },
	{ "[cluster]\nclaim_budget = 1000001\n",
	  ":2: [cluster] claim_budget: out of range (0..1000000): \"1000001\"" },
	{ "[cluster]\nhalfopen_size = 100\n",
	  ":2: [cluster] halfopen_size: out of range (1024..16777216): \"100\"" },
	{ "[cluster]\ntable_size = 1023\n",
	  ":2: [cluster] table_size: out of range (1024..16777216): \"1023\"" },
	{ "[cluster]\ntable_size = 99999999999999999999999\n",
	  ":2: [cluster] table_size: out of range (1024..16777216): "
	  "\"99999999999999999999999\"" },
	{ "[cluster]\nlocal_member = 16\n",
	  ":2: [cluster] local_member: out of range (1..15): \"16\"" },
	{ "[cluster]\nike_port = 0\n",
	  ":2: [cluster] ike_port: out of range (1..65535): \"0\"" },
	{ "[sync]\nport = 65536\n",
	  ":2: [sync] port: out of range (1..65535): \"65536\"" },

	/* addresses */
	{ M1 "[member 2]\naddress = 10.0.0.256\n",
	  ":4: [member 2] address: not an IPv4 or IPv6 address: \"10.0.0.256\"" },
	{ "[member 3]\naddress = gw3.example.com\n",
	  ":2: [member 3] address: not an IPv4 or IPv6 address: "
	  "\"gw3.example.com\"" },
	{ "[member 3]\naddress = 224.0.0.5\n",
	  ":2: [member 3] address: not a unicast address: \"224.0.0.5\"" },
	{ "[member 3]\naddress = ::\n",
	  ":2: [member 3] address: not a unicast address: \"::\"" },
	{ "[member 3]\naddress = ::ffff:10.0.0.3\n",
	  ":2: [member 3] address: IPv4-mapped, write the IPv4 address: "
	  "\"::ffff:10.0.0.3\"" },
	{ "[api]\nlisten = localhost\n",
	  ":2: [api] listen: not an IPv4 or IPv6 address: \"localhost\"" },

	/* words */
	{ "[cluster]\nmode = active-active\n",
	  ":2: [cluster] mode: unknown mode (load-sharing, ha or ha-sync): "
	  "\"active-active\"" },
	{ "[interfaces]\nxdp_mode = driver\n",
	  ":2: [interfaces] xdp_mode: unknown XDP mode (native, skb or auto): "
	  "\"driver\"" },
	{ "[api]\nauth_reads = maybe\n",
	  ":2: [api] auth_reads: not a boolean (yes/no, true/false, on/off, "
	  "1/0): \"maybe\"" },

	/* interfaces */
	{ "[interfaces]\nattach = eth0 abcdefghijklmnop\n",
	  ":2: [interfaces] attach: interface name longer than 15 characters: "
	  "\"abcdefghijklmnop\"" },
	{ "[interfaces]\nattach = eth0/1\n",
	  ":2: [interfaces] attach: not an interface name: \"eth0/1\"" },
	{ "[interfaces]\nattach = eth0\nattach = eth1 eth0\n",
	  ":3: [interfaces] attach: interface \"eth0\" listed twice" },
	{ "[interfaces]\nattach =\n",
	  ":2: [interfaces] attach: no interface names" },
	{ "[interfaces]\ninside =\n",
	  ":2: [interfaces] inside: no interface names" },
	{ "[interfaces]\ninside = lan0 lan/1\n",
	  ":2: [interfaces] inside: not an interface name: \"lan/1\"" },
	{ "[interfaces]\ninside = lan0\ninside = lan1 lan0\n",
	  ":3: [interfaces] inside: interface \"lan0\" listed twice" },
	{ "[interfaces]\nattach = eth0\ninside = lan0 eth0\n",
	  ":3: [interfaces] inside: interface \"eth0\" is also in attach: an "
	  "interface is inside or outside" },
	{ "[interfaces]\ninside = lan0\nattach = lan0\n",
	  ":3: [interfaces] attach: interface \"lan0\" is also in inside: an "
	  "interface is inside or outside" },
	{ "[interfaces]\ninside = l0 l1 l2 l3 l4 l5 l6 l7 l8 l9 l10 l11 l12 "
	  "l13 l14 l15 l16\n",
	  ":2: [interfaces] inside: more than 16 interfaces" },
	{ "[cluster]\nleak_guard = sometimes\n",
	  ":2: [cluster] leak_guard: not a boolean (yes/no, true/false, "
	  "on/off, 1/0): \"sometimes\"" },
	{ "[cluster]\nleak_guard = no\nleak_guard = yes\n",
	  ":3: [cluster] leak_guard: repeated key (first on line 2)" },
	{ "[interfaces]\nattach = e0 e1 e2 e3 e4 e5 e6 e7 e8 e9\n"
	  "attach = e10 e11 e12 e13 e14 e15 e16\n",
	  ":3: [interfaces] attach: more than 16 interfaces" },

	/* paths */
	{ "[api]\ntoken_file = api.token\n",
	  ":2: [api] token_file: not an absolute path: \"api.token\"" },
	{ "[api]\nunix_socket = /run/ikefwd/"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\n",
	  ":2: [api] unix_socket: longer than 107 characters" },

	/* checks of the whole file */
	{ LOCAL1, ": no [member N] section" },
	{ M1 "[cluster]\nmode = load-sharing\n",
	  ": [cluster] local_member is not set" },
	{ "[cluster]\nlocal_member = 4\n" M1 M2,
	  ": local_member 4 is not a [member 4] section" },
	{ LOCAL1 "mode = ha\n" M1 M2,
	  ": [cluster] active_member is not set (required in ha mode)" },
	{ LOCAL1 "mode = ha\nactive_member = 3\n" M1 M2,
	  ": active_member 3 is not a [member 3] section" },
	{ LOCAL1 "active_member = 2\n" M1 M2,
	  ": active_member is set but mode is load-sharing" },
	{ LOCAL1 "mode = ha-sync\n" M1,
	  ": mode ha-sync needs exactly 2 [member] sections, found 1" },
	{ LOCAL1 "ha_segments = 17\n" M1 M2,
	  ":3: [cluster] ha_segments: out of range (1..16): \"17\"" },
	/* [ha]: the segment controller's keys, in ha-sync mode only. */
	{ HASYNC "[ha]\nfifo = charon.ha\n",
	  ":9: [ha] fifo: not an absolute path: \"charon.ha\"" },
	{ HASYNC "[ha]\nrekey_command = ikefwd-vici.py --rekey-segment\n",
	  ":9: [ha] rekey_command: the command must start with an absolute "
	  "path: \"ikefwd-vici.py --rekey-segment\"" },
	{ HASYNC "[ha]\njoin_delay_ms = 600001\n",
	  ":9: [ha] join_delay_ms: out of range (0..600000): \"600001\"" },
	{ HASYNC "[ha]\njoin_delay_ms = soon\n",
	  ":9: [ha] join_delay_ms: not a number: \"soon\"" },
	{ HASYNC "[ha]\nsecret = x\n", ":9: [ha] secret: unknown key" },
	{ HASYNC "[ha]\nfifo = /run/charon.ha\n[ha]\n",
	  ":10: [ha]: duplicate section, first on line 8" },
	{ LOCAL1 M1 M2 "[ha]\njoin_delay_ms = 1000\n",
	  ": [ha] on line 7 is set but mode is load-sharing" },
	{ LOCAL1 M1 "[member 2]\naddress = 10.0.0.1\n",
	  ": [member 1] and [member 2] have the same address 10.0.0.1" },
	{ LOCAL1 "[member 2]\naddress = 2001:db8::1\n"
		 "[member 1]\naddress = 2001:DB8:0::1\n",
	  ": [member 2] and [member 1] have the same address 2001:db8::1" },
	{ LOCAL1 "ike_port = 4500\n" M1,
	  ": ike_port and natt_port are both 4500" },
	{ LOCAL1 M1 "[api]\ntls_cert = /etc/ikefwd/api.pem\n",
	  ": [api] tls_cert and tls_key go together: tls_key is not set" },
	{ LOCAL1 M1 "[api]\ntls_key = /etc/ikefwd/api.key\n",
	  ": [api] tls_cert and tls_key go together: tls_cert is not set" },
	{ LOCAL1 M1 "[api]\nauth_reads = yes\n",
	  ": [api] auth_reads needs a token_file" },
	{ LOCAL1 M1 "[sync]\nheartbeat_ms = 500\ndead_after_ms = 500\n",
	  ": [sync] dead_after_ms (500) must exceed heartbeat_ms (500)" },
	{ LOCAL1 M1 "[sync]\nheartbeat_ms = 3000\n",
	  ": [sync] dead_after_ms (2000) must exceed heartbeat_ms (3000)" },
};

static void test_bad_files(void)
{
	static struct ikefwd_cfg cfg, untouched;
	char path[64], err[512], want[600];
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		memset(&cfg, 0xa5, sizeof(cfg));
		untouched = cfg;
		strcpy(err, "(not set)");
		CU_ASSERT_EQUAL_FATAL(
			write_conf(bad_cases[i].text, path, sizeof(path)), 0);
		ret = ikefwd_cfg_load(path, &cfg, err, sizeof(err));
		snprintf(want, sizeof(want), "%s%s", path, bad_cases[i].err);
		if (ret != -EINVAL || strcmp(err, want))
			fprintf(stderr,
				"\n  case %zu: got %d \"%s\"\n  want %d \"%s\"\n",
				i, ret, err, -EINVAL, want);
		CU_ASSERT_EQUAL(ret, -EINVAL);
		CU_ASSERT_STRING_EQUAL(err, want);
		CU_ASSERT(!memcmp(&cfg, &untouched, sizeof(cfg)));
		unlink(path);
	}
}

static void test_unreadable(void)
{
	struct ikefwd_cfg cfg;
	char path[64], err[256], want[320];

	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	CU_ASSERT_EQUAL(ikefwd_cfg_load(path, &cfg, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want),
		 "%s: cannot open: No such file or directory", path);
	CU_ASSERT_STRING_EQUAL(err, want);

	/* fopen() takes a directory; reading it fails. */
	CU_ASSERT_EQUAL(ikefwd_cfg_load(tmpdir, &cfg, err, sizeof(err)),
			-EISDIR);
	snprintf(want, sizeof(want), "%s: cannot read: Is a directory", tmpdir);
	CU_ASSERT_STRING_EQUAL(err, want);

	/* A caller may not want the message. */
	CU_ASSERT_EQUAL(ikefwd_cfg_load(path, &cfg, NULL, 0), -ENOENT);
}

/* The smallest good file: everything else is a default. */
static void test_defaults(void)
{
	/* ::ffff:10.0.0.1 and ::ffff:127.0.0.1 */
	static const uint8_t mapped[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 10, [15] = 1
	};
	static const uint8_t loopback[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 127, [15] = 1
	};
	static struct ikefwd_cfg cfg;
	const struct ikefwd_member_cfg *m = &cfg.members[0];

	load_good(LOCAL1 M1, &cfg);
	CU_ASSERT_EQUAL(cfg.mode, IKEFWD_MODE_LOAD_SHARING);
	CU_ASSERT_EQUAL(cfg.local_member, 1);
	CU_ASSERT_EQUAL(cfg.active_member, 0);
	CU_ASSERT_EQUAL(cfg.timeout_sec, 120);
	CU_ASSERT_EQUAL(cfg.table_size, 65536);
	CU_ASSERT_EQUAL(cfg.halfopen_size, IKEFWD_HALFOPEN_DEFAULT_SIZE);
	CU_ASSERT_EQUAL(cfg.claim_budget, 0);
	CU_ASSERT_EQUAL(cfg.ike_port, 500);
	CU_ASSERT_EQUAL(cfg.natt_port, 4500);

	CU_ASSERT_EQUAL(cfg.nr_members, 1);
	CU_ASSERT_EQUAL(m->id, 1);
	CU_ASSERT_EQUAL(m->family, AF_INET);
	CU_ASSERT(!memcmp(m->addr, mapped, 16));
	CU_ASSERT_STRING_EQUAL(m->addr_text, "10.0.0.1");

	CU_ASSERT_EQUAL(cfg.nr_ifaces, 0);
	CU_ASSERT_EQUAL(cfg.xdp_mode, IKEFWD_XDP_NATIVE);

	CU_ASSERT_EQUAL(cfg.api.listen.family, AF_INET);
	CU_ASSERT(!memcmp(cfg.api.listen.addr, loopback, 16));
	CU_ASSERT_STRING_EQUAL(cfg.api.listen.text, "127.0.0.1");
	CU_ASSERT_EQUAL(cfg.api.port, 8080);
	CU_ASSERT_STRING_EQUAL(cfg.api.unix_socket, "");
	CU_ASSERT_STRING_EQUAL(cfg.api.token_file, "");
	CU_ASSERT_FALSE(cfg.api.auth_reads);
	CU_ASSERT_STRING_EQUAL(cfg.api.tls_cert, "");
	CU_ASSERT_STRING_EQUAL(cfg.api.tls_key, "");

	/* sync listens on the local member's address */
	CU_ASSERT_EQUAL(cfg.sync.listen.family, AF_INET);
	CU_ASSERT(!memcmp(cfg.sync.listen.addr, mapped, 16));
	CU_ASSERT_STRING_EQUAL(cfg.sync.listen.text, "10.0.0.1");
	CU_ASSERT_EQUAL(cfg.sync.port, 7500);
	CU_ASSERT_STRING_EQUAL(cfg.sync.key_file, "");
	CU_ASSERT_EQUAL(cfg.sync.heartbeat_ms, 500);
	CU_ASSERT_EQUAL(cfg.sync.dead_after_ms, 2000);
}

/* Every key set to something other than its default. */
static void test_every_key(void)
{
	static const char text[] = "[cluster]\n"
				   "mode = load-sharing\n"
				   "local_member = 3\n"
				   "timeout = 86400\n"
				   "table_size = 16777216\n"
				   "halfopen_size = 4096\n"
				   "claim_budget = 50\n"
				   "ike_port = 1500\n"
				   "natt_port = 14500\n"
				   "[interfaces]\n"
				   "attach = ens1f0\n"
				   "xdp_mode = auto\n"
				   "[member 3]\n"
				   "address = 192.0.2.3\n"
				   "[member 15]\n"
				   "address = 192.0.2.15\n"
				   "[api]\n"
				   "listen = ::1\n"
				   "port = 443\n"
				   "unix_socket = /run/ikefwd/api.sock\n"
				   "token_file = /etc/ikefwd/api.token\n"
				   "auth_reads = yes\n"
				   "tls_cert = /etc/ikefwd/api.crt\n"
				   "tls_key = /etc/ikefwd/api.key\n"
				   "[sync]\n"
				   "listen = 0.0.0.0\n"
				   "port = 7501\n"
				   "key_file = /etc/ikefwd/sync.key\n"
				   "heartbeat_ms = 100\n"
				   "dead_after_ms = 101\n";
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	static struct ikefwd_cfg cfg;

	load_good(text, &cfg);
	CU_ASSERT_EQUAL(cfg.local_member, 3);
	CU_ASSERT_EQUAL(cfg.timeout_sec, 86400);
	CU_ASSERT_EQUAL(cfg.table_size, 16777216);
	CU_ASSERT_EQUAL(cfg.halfopen_size, 4096);
	CU_ASSERT_EQUAL(cfg.claim_budget, 50);
	CU_ASSERT_EQUAL(cfg.ike_port, 1500);
	CU_ASSERT_EQUAL(cfg.natt_port, 14500);
	CU_ASSERT_EQUAL(cfg.nr_ifaces, 1);
	CU_ASSERT_STRING_EQUAL(cfg.ifaces[0], "ens1f0");
	CU_ASSERT_EQUAL(cfg.xdp_mode, IKEFWD_XDP_AUTO);
	CU_ASSERT_EQUAL(cfg.nr_members, 2);
	CU_ASSERT_EQUAL(ikefwd_cfg_member(&cfg, 3), 0);
	CU_ASSERT_EQUAL(ikefwd_cfg_member(&cfg, 15), 1);
	CU_ASSERT_EQUAL(ikefwd_cfg_member(&cfg, 1), -1);
	CU_ASSERT_EQUAL(ikefwd_cfg_member(&cfg, 0), -1);
	CU_ASSERT_STRING_EQUAL(cfg.members[1].addr_text, "192.0.2.15");

	CU_ASSERT_EQUAL(cfg.api.listen.family, AF_INET6);
	CU_ASSERT(!memcmp(cfg.api.listen.addr, v6_loopback, 16));
	CU_ASSERT_STRING_EQUAL(cfg.api.listen.text, "::1");
	CU_ASSERT_EQUAL(cfg.api.port, 443);
	CU_ASSERT_STRING_EQUAL(cfg.api.unix_socket, "/run/ikefwd/api.sock");
	CU_ASSERT_STRING_EQUAL(cfg.api.token_file, "/etc/ikefwd/api.token");
	CU_ASSERT_TRUE(cfg.api.auth_reads);
	CU_ASSERT_STRING_EQUAL(cfg.api.tls_cert, "/etc/ikefwd/api.crt");
	CU_ASSERT_STRING_EQUAL(cfg.api.tls_key, "/etc/ikefwd/api.key");

	/* an explicit listen address wins over the member's */
	CU_ASSERT_EQUAL(cfg.sync.listen.family, AF_INET);
	CU_ASSERT_STRING_EQUAL(cfg.sync.listen.text, "0.0.0.0");
	CU_ASSERT_EQUAL(cfg.sync.port, 7501);
	CU_ASSERT_STRING_EQUAL(cfg.sync.key_file, "/etc/ikefwd/sync.key");
	CU_ASSERT_EQUAL(cfg.sync.heartbeat_ms, 100);
	CU_ASSERT_EQUAL(cfg.sync.dead_after_ms, 101);
}

static void test_ipv6_member(void)
{
	static const uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x02 };
	static struct ikefwd_cfg cfg;
	const struct ikefwd_member_cfg *m;

	load_good("[cluster]\nlocal_member = 2\n" M1
		  "[member 2]\naddress = 2001:DB8:0::2\n",
		  &cfg);
	CU_ASSERT_EQUAL(cfg.nr_members, 2);
	m = &cfg.members[ikefwd_cfg_member(&cfg, 2)];
	CU_ASSERT_EQUAL(m->family, AF_INET6);
	CU_ASSERT(!memcmp(m->addr, addr, 16));
	CU_ASSERT_STRING_EQUAL(m->addr_text, "2001:db8::2");
	CU_ASSERT_EQUAL(cfg.members[0].family, AF_INET);
	CU_ASSERT_EQUAL(cfg.sync.listen.family, AF_INET6);
	CU_ASSERT_STRING_EQUAL(cfg.sync.listen.text, "2001:db8::2");
}

static void test_ha(void)
{
	static struct ikefwd_cfg cfg;

	load_good(
		"[cluster]\nmode = ha\nlocal_member = 1\nactive_member = 2\n" M1
			M2,
		&cfg);
	CU_ASSERT_EQUAL(cfg.mode, IKEFWD_MODE_HA);
	CU_ASSERT_EQUAL(cfg.local_member, 1);
	CU_ASSERT_EQUAL(cfg.active_member, 2);
	CU_ASSERT_STRING_EQUAL(ikefwd_mode_name(cfg.mode), "ha");
	CU_ASSERT_STRING_EQUAL(ikefwd_mode_name(IKEFWD_MODE_LOAD_SHARING),
			       "load-sharing");
	CU_ASSERT_STRING_EQUAL(ikefwd_mode_name(7), "unknown");
	CU_ASSERT_EQUAL(cfg.ha_segments, 2); /* the default */

	load_good("[cluster]\nmode = ha-sync\nlocal_member = 2\n"
		  "ha_segments = 16\n" M1 M2,
		  &cfg);
	CU_ASSERT_EQUAL(cfg.mode, IKEFWD_MODE_HA_SYNC);
	CU_ASSERT_EQUAL(cfg.ha_segments, 16);
	CU_ASSERT_STRING_EQUAL(ikefwd_mode_name(cfg.mode), "ha-sync");
	/* [ha] defaults: the plugin's FIFO, the packaged vici listener. */
	CU_ASSERT_STRING_EQUAL(cfg.ha.fifo, "/var/run/charon.ha");
	CU_ASSERT_PTR_NOT_NULL(strstr(cfg.ha.rekey_command,
				      "/ikefwd-vici.py --rekey-segment"));
	CU_ASSERT_EQUAL(cfg.ha.rekey_command[0], '/');
	CU_ASSERT_EQUAL(cfg.ha.join_delay_ms, 3000);

	load_good(HASYNC "[ha]\nfifo = /run/strongswan/charon.ha\n"
			 "rekey_command = /usr/local/bin/rekey -v --x=1\n"
			 "join_delay_ms = 0\n",
		  &cfg);
	CU_ASSERT_STRING_EQUAL(cfg.ha.fifo, "/run/strongswan/charon.ha");
	CU_ASSERT_STRING_EQUAL(cfg.ha.rekey_command,
			       "/usr/local/bin/rekey -v --x=1");
	CU_ASSERT_EQUAL(cfg.ha.join_delay_ms, 0);
	/* Empty: no rekey command. */
	load_good(HASYNC "[ha]\nrekey_command =\n", &cfg);
	CU_ASSERT_STRING_EQUAL(cfg.ha.rekey_command, "");
	/* The file's path, for the rekey command's IKEFWD_CONFIG. */
	CU_ASSERT_PTR_NOT_NULL(strstr(cfg.path, "/conf."));
}

/* attach adds up over repeated keys and continuation lines; comments. */
static void test_attach_and_comments(void)
{
	static const char text[] =
		"; a comment\n"
		"# another\n"
		"[interfaces]   # on a section line\n"
		"attach = eth0 eth1\t# two\n"
		"attach = eth2 ; three\n"
		"\teth3   eth4\n"
		"  # an indented comment\n"
		"xdp_mode = skb\n"
		"[cluster]\n"
		"local_member = 1 # inline\n"
		"\n"
		"[member 1]\n"
		"address = 10.0.0.1\n"
		"[sync]\n"
		"key_file = /etc/ikefwd/sync#1.key # '#' after a blank only\n";
	static const char *const want[] = { "eth0", "eth1", "eth2", "eth3",
					    "eth4" };
	static struct ikefwd_cfg cfg;
	size_t i;

	load_good(text, &cfg);
	CU_ASSERT_EQUAL(cfg.nr_inside, 0);
	CU_ASSERT(cfg.leak_guard);
	CU_ASSERT_EQUAL_FATAL(cfg.nr_ifaces, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		CU_ASSERT_STRING_EQUAL(cfg.ifaces[i], want[i]);
	CU_ASSERT_EQUAL(cfg.xdp_mode, IKEFWD_XDP_SKB);
	CU_ASSERT_STRING_EQUAL(ikefwd_xdp_mode_name(cfg.xdp_mode), "skb");
	CU_ASSERT_EQUAL(cfg.local_member, 1);
	CU_ASSERT_STRING_EQUAL(cfg.sync.key_file, "/etc/ikefwd/sync#1.key");
}

/* inside names the LAN side, repeated keys add up; leak_guard turns off. */
static void test_inside(void)
{
	static const char text[] = "[interfaces]\n"
				   "attach = eth0\n"
				   "inside = lan0 lan1\n"
				   "inside = lan2\n"
				   "[cluster]\n"
				   "local_member = 1\n"
				   "leak_guard = no\n"
				   "[member 1]\n"
				   "address = 10.0.0.1\n";
	static const char *const want[] = { "lan0", "lan1", "lan2" };
	static struct ikefwd_cfg cfg;
	size_t i;

	load_good(text, &cfg);
	CU_ASSERT_EQUAL(cfg.nr_ifaces, 1);
	CU_ASSERT_EQUAL_FATAL(cfg.nr_inside, ARRAY_SIZE(want));
	for (i = 0; i < ARRAY_SIZE(want); i++)
		CU_ASSERT_STRING_EQUAL(cfg.inside[i], want[i]);
	CU_ASSERT_FALSE(cfg.leak_guard);
}

/* Every spelling of a boolean, either case. */
static void test_booleans(void)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
		{ "yes", true },    { "no", false }, { "true", true },
		{ "false", false }, { "on", true },  { "off", false },
		{ "1", true },	    { "0", false },  { "YES", true },
		{ "Off", false },
	};
	static struct ikefwd_cfg cfg;
	char text[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		snprintf(text, sizeof(text),
			 LOCAL1 M1 "[api]\ntoken_file = /t\nauth_reads = %s\n",
			 words[i].word);
		load_good(text, &cfg);
		CU_ASSERT_EQUAL(cfg.api.auth_reads, words[i].value);
	}
}

/* Files from Windows editors: a byte order mark and CRLF line ends. */
static void test_bom_crlf(void)
{
	static struct ikefwd_cfg cfg;

	load_good("\xef\xbb\xbf[cluster]\r\nlocal_member = 1\r\n"
		  "[member 1]\r\naddress = 10.0.0.1\r\n",
		  &cfg);
	CU_ASSERT_STRING_EQUAL(cfg.members[0].addr_text, "10.0.0.1");
}

static void test_example(void)
{
	static struct ikefwd_cfg cfg;
	char err[512] = "";
	unsigned int i;
	int ret;

	ret = ikefwd_cfg_load(IKEFWD_EXAMPLE_CONF, &cfg, err, sizeof(err));
	if (ret)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_EQUAL(cfg.mode, IKEFWD_MODE_LOAD_SHARING);
	CU_ASSERT_EQUAL(cfg.local_member, 1);
	CU_ASSERT_EQUAL(cfg.nr_members, 3);
	for (i = 0; i < cfg.nr_members; i++)
		CU_ASSERT_EQUAL(cfg.members[i].id, i + 1);
	CU_ASSERT_EQUAL(cfg.nr_ifaces, 1);
	CU_ASSERT_STRING_EQUAL(cfg.sync.listen.text, "192.168.100.1");
}

/* The ha-sync example loads, with its [ha] section. */
static void test_example_ha_sync(void)
{
	static struct ikefwd_cfg cfg;
	char err[512] = "";
	int ret;

	ret = ikefwd_cfg_load(IKEFWD_EXAMPLE_HA_SYNC_CONF, &cfg, err,
			      sizeof(err));
	if (ret)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_EQUAL_FATAL(ret, 0);
	CU_ASSERT_EQUAL(cfg.mode, IKEFWD_MODE_HA_SYNC);
	CU_ASSERT_EQUAL(cfg.nr_members, 2);
	CU_ASSERT_EQUAL(cfg.ha_segments, 2);
	CU_ASSERT_STRING_EQUAL(cfg.ha.fifo, "/var/run/charon.ha");
	CU_ASSERT_STRING_EQUAL(
		cfg.ha.rekey_command,
		"/usr/lib/ikefwd/ikefwd-vici.py --rekey-segment");
	CU_ASSERT_EQUAL(cfg.ha.join_delay_ms, 3000);
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
		{ "bad files: exact error lines", test_bad_files },
		{ "missing file, directory", test_unreadable },
		{ "defaults", test_defaults },
		{ "every key", test_every_key },
		{ "IPv6 member", test_ipv6_member },
		{ "ha mode", test_ha },
		{ "repeated attach, comments", test_attach_and_comments },
		{ "inside interfaces, leak_guard", test_inside },
		{ "booleans", test_booleans },
		{ "byte order mark, CRLF", test_bom_crlf },
		{ "examples/ikefwd.conf", test_example },
		{ "examples/ikefwd-ha-sync.conf", test_example_ha_sync },
	};

	return cunit_run_suite("config", make_tmpdir, remove_tmpdir, NULL, NULL,
			       tests, ARRAY_SIZE(tests));
}
