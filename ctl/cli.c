// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The command line of ikefwdctl (ctl.h): options, command, words. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "ctl.h"

enum {
	OPT_URL = 'u',
	OPT_UNIX = 'U',
	OPT_CONFIG = 'c',
	OPT_TOKEN_FILE = 't',
	OPT_JSON = 'j',
	OPT_CACERT = 'C',
	OPT_INSECURE = 'k',
	OPT_TIMEOUT = 'T',
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	/* Command options: 256 + the bit number of their CTL_OPT_*. */
	OPT_CMD = 256,
};

/* Command options, in CTL_OPT_* bit order. */
static const char *const cmd_opt_names[] = {
	"cookie", "owner",  "phase", "offset",	 "limit", "hex",
	"file",	  "active", "spi",   "lifetime", "iface", "peer",
};

static const struct option longopts[] = {
	{ "url", required_argument, NULL, OPT_URL },
	{ "unix", required_argument, NULL, OPT_UNIX },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "insecure", no_argument, NULL, OPT_INSECURE },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "cookie", required_argument, NULL, OPT_CMD + 0 },
	{ "owner", required_argument, NULL, OPT_CMD + 1 },
	{ "phase", required_argument, NULL, OPT_CMD + 2 },
	{ "offset", required_argument, NULL, OPT_CMD + 3 },
	{ "limit", required_argument, NULL, OPT_CMD + 4 },
	{ "hex", required_argument, NULL, OPT_CMD + 5 },
	{ "file", required_argument, NULL, OPT_CMD + 6 },
	{ "active", required_argument, NULL, OPT_CMD + 7 },
	{ "spi", required_argument, NULL, OPT_CMD + 8 },
	{ "lifetime", required_argument, NULL, OPT_CMD + 9 },
	{ "iface", required_argument, NULL, OPT_CMD + 10 },
	{ "peer", required_argument, NULL, OPT_CMD + 11 },
	{}
};

void ctl_usage(FILE *out)
{
	fputs("usage: ikefwdctl [--url URL | --unix PATH] [--config FILE] "
	      "[--token-file FILE]\n"
	      "                 [--version]\n"
	      "                 [--json] [--cacert FILE] [--insecure] "
	      "[--timeout SECONDS]\n"
	      "                 COMMAND ...\n\nCommands:\n",
	      out);
	for (size_t i = 0; i < ctl_nr_commands; i++) {
		const struct ctl_command *c = &ctl_commands[i];

		fprintf(out, "  %s%s%s\n      %s\n", c->name,
			c->synopsis[0] ? " " : "", c->synopsis, c->summary);
	}
	fputs("\nCOOKIE is 16 hex digits, MSGID a number (decimal or 0x hex),\n"
	      "MEMBER and N member ids. The server is --url, else --unix, "
	      "else the\n"
	      "[api] section of --config, else " CTL_DEFAULT_URL ".\n"
	      "Exit status: 0 on success, 1 when the server refused or could "
	      "not be\nreached, 2 for a usage error. See docs/ikefwdctl.md.\n",
	      out);
}

static int usage_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int usage_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* One option from getopt_long(); 0, CTL_HELP, CTL_VERSION or -EINVAL. */
static int take_option(int c, char **argv, struct ctl_opts *o, char *err,
		       size_t errlen)
{
	/* The command options' values, in CTL_OPT_* bit order. */
	const char **const values[] = { &o->cookie,   &o->owner,  &o->phase,
					&o->offset,   &o->limit,  &o->hex,
					&o->file,     &o->active, &o->spi,
					&o->lifetime, &o->iface,  &o->peer };
	char *end;
	long v;

	switch (c) {
	case OPT_URL:
		o->url = optarg;
		return 0;
	case OPT_UNIX:
		o->unix_socket = optarg;
		return 0;
	case OPT_CONFIG:
		o->config = optarg;
		return 0;
	case OPT_TOKEN_FILE:
		o->token_file = optarg;
		return 0;
	case OPT_JSON:
		o->json = true;
		return 0;
	case OPT_CACERT:
		o->cacert = optarg;
		return 0;
	case OPT_INSECURE:
		o->insecure = true;
		return 0;
	case OPT_TIMEOUT:
		errno = 0;
		v = strtol(optarg, &end, 10);
		if (!*optarg || *end || errno || v < 1 || v > 3600)
			return usage_err(err, errlen,
					 "--timeout '%s': give seconds, 1 to "
					 "3600",
					 optarg);
		o->timeout_ms = v * 1000;
		return 0;
	case OPT_HELP:
		return CTL_HELP;
	case OPT_VERSION:
		return CTL_VERSION;
	case ':':
		return usage_err(err, errlen, "%s needs a value",
				 argv[optind - 1]);
	case '?':
		return usage_err(err, errlen, "unknown option '%s'",
				 argv[optind - 1]);
	}
	if (c >= OPT_CMD &&
	    c < OPT_CMD + (int)(sizeof(values) / sizeof(values[0]))) {
		*values[c - OPT_CMD] = optarg;
		o->given |= 1u << (c - OPT_CMD);
		return 0;
	}
	return usage_err(err, errlen, "unknown option '%s'", argv[optind - 1]);
}

int ctl_parse(int argc, char **argv, struct ctl_opts *o, char *err,
	      size_t errlen)
{
	const char *name;
	unsigned int bad;
	int c, ret;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = CTL_DEFAULT_TIMEOUT_MS;
	opterr = 0; /* our own one-line messages, not getopt's */

	/* Options before the command: '+' stops at its name. optind 0, not
	 * 1, makes glibc start afresh (the tests parse many command lines
	 * in one process). */
	optind = 0;
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		ret = take_option(c, argv, o, err, errlen);
		if (ret)
			return ret;
	}
	if (optind >= argc)
		return usage_err(err, errlen, "no command (--help lists them)");
	name = argv[optind];
	o->cmd = ctl_command_find(name);
	if (!o->cmd) {
		if (!strcmp(name, "help"))
			return CTL_HELP;
		return usage_err(err, errlen,
				 "unknown command '%s' (--help lists them)",
				 name);
	}

	/* The command's words, with options anywhere among them. */
	argc -= optind;
	argv += optind;
	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		ret = take_option(c, argv, o, err, errlen);
		if (ret)
			return ret;
	}
	o->words = argv + optind;
	o->nr_words = argc - optind;

	if (o->url && strncmp(o->url, "http://", 7) &&
	    strncmp(o->url, "https://", 8))
		return usage_err(err, errlen,
				 "--url '%s': give http://HOST[:PORT] or "
				 "https://HOST[:PORT]",
				 o->url);
	if (o->url && strlen(o->url) >= sizeof(((struct ctl_target *)0)->url))
		return usage_err(err, errlen, "--url: too long");
	if (o->unix_socket &&
	    (!*o->unix_socket ||
	     strlen(o->unix_socket) >=
		     sizeof(((struct ctl_target *)0)->unix_socket)))
		return usage_err(err, errlen,
				 "--unix: give a socket path of 1 to %zu "
				 "characters",
				 sizeof(((struct ctl_target *)0)->unix_socket) -
					 1);

	bad = o->given & ~o->cmd->opts;
	if (bad)
		return usage_err(err, errlen, "%s: no option --%s", name,
				 cmd_opt_names[__builtin_ctz(bad)]);
	return 0;
}
