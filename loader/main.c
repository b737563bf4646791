// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwd: puts the IKE forwarding data path on a gateway's interfaces and
 * inspects it. See docs/ikefwd.md.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "log.h"
#include "version.h"

static const char usage[] =
	"usage: ikefwd [-v] COMMAND [options]\n"
	"       ikefwd --version\n"
	"\n"
	"  attach --config FILE [--iface DEV ...] [--xdp-mode native|skb|auto]\n"
	"  detach (--iface DEV ... | --all) [--purge]\n"
	"  status [--json]\n"
	"  table list [--json]\n"
	"  table get COOKIE MSGID [--json]\n"
	"  table add COOKIE MSGID MEMBER\n"
	"  table del COOKIE MSGID\n"
	"  table flush\n"
	"  member ID alive|dead\n"
	"  watch --config FILE\n"
	"  check-config FILE\n"
	"\n"
	"Common options: --pin-root DIR (default $IKEFWD_PIN_ROOT or\n"
	"/sys/fs/bpf/ikefwd), -v (more detail, twice for library debug).\n"
	"COOKIE is 16 hex digits, MSGID a number (decimal or 0x hex).\n";

int fail(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Through the log, for its journal priority prefix under systemd. */
	pr_warn("ikefwd: %s\n", msg);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "iface", required_argument, NULL, 'i' },
		{ "xdp-mode", required_argument, NULL, 'm' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "purge", no_argument, NULL, 'P' },
		{ "json", no_argument, NULL, 'j' },
		{ "wait-ms", required_argument, NULL, 'w' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	struct opts o = { .wait_ms = 1000 };
	int verbosity = LOG_INFO, c;
	const char *cmd;

	/* Options may come before or after the command and its words. */
	while ((c = getopt_long(argc, argv, "+vh", longopts, NULL)) != -1) {
		if (c == 'v')
			verbosity++;
		else if (c == 'h')
			return fputs(usage, stdout), 0;
		else if (c == 'V')
			return ikefwd_print_version("ikefwd"), 0;
		else
			return fputs(usage, stderr), 2;
	}
	if (optind >= argc)
		return fputs(usage, stderr), 2;
	cmd = argv[optind];
	argc -= optind;
	argv += optind;
	/* 0, not 1: glibc re-initialises getopt, forgetting the '+' (stop at
	 * the first word) of the first pass, so options may follow words. */
	optind = 0;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o.config = optarg;
			break;
		case 'i':
			if (o.nr_ifaces >= 16)
				return fail("at most 16 --iface");
			o.ifaces[o.nr_ifaces++] = optarg;
			break;
		case 'm':
			o.xdp_mode = optarg;
			break;
		case 'p':
			o.pin_root = optarg;
			break;
		case 'a':
			o.all = true;
			break;
		case 'P':
			o.purge = true;
			break;
		case 'j':
			o.json = true;
			break;
		case 'w':
			o.wait_ms = atoi(optarg);
			break;
		case 'v':
			verbosity++;
			break;
		case 'h':
			return fputs(usage, stdout), 0;
		case 'V':
			return ikefwd_print_version("ikefwd"), 0;
		default:
			return fputs(usage, stderr), 2;
		}
	}
	log_set_level(verbosity > LOG_TRACE ? LOG_TRACE : verbosity);
	log_hook_libraries();

	/* argv[optind..] are the command's own words. */
	argc -= optind;
	argv += optind;
	if (!strcmp(cmd, "attach"))
		return cmd_attach(&o);
	if (!strcmp(cmd, "detach"))
		return cmd_detach(&o);
	if (!strcmp(cmd, "status"))
		return cmd_status(&o);
	if (!strcmp(cmd, "table"))
		return cmd_table(&o, argc, argv);
	if (!strcmp(cmd, "member"))
		return cmd_member(&o, argc, argv);
	if (!strcmp(cmd, "watch"))
		return cmd_watch(&o);
	if (!strcmp(cmd, "check-config"))
		return cmd_check_config(&o, argc, argv);
	fprintf(stderr, "ikefwd: unknown command '%s'\n", cmd);
	fputs(usage, stderr);
	return 2;
}
