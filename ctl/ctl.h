/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ikefwdctl: the command-line client of ikefwdd's REST API
 * (docs/api.md, docs/ikefwdctl.md). The command line is parsed into
 * struct ctl_opts, the server to ask is resolved into a struct ctl_target
 * (http.h), and the command runs as one HTTP request.
 */
#ifndef IKEFWD_CTL_H
#define IKEFWD_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "http.h"

/* Exit statuses. */
#define CTL_EXIT_OK 0
#define CTL_EXIT_FAIL 1 /* the server said no, or could not be reached */
#define CTL_EXIT_USAGE 2

#define CTL_DEFAULT_URL "http://127.0.0.1:8080"
#define CTL_DEFAULT_TIMEOUT_MS 10000L

/* Options that only some commands take (struct ctl_command.opts). */
enum {
	CTL_OPT_COOKIE = 1 << 0,
	CTL_OPT_OWNER = 1 << 1,
	CTL_OPT_PHASE = 1 << 2,
	CTL_OPT_OFFSET = 1 << 3,
	CTL_OPT_LIMIT = 1 << 4,
	CTL_OPT_HEX = 1 << 5,
	CTL_OPT_FILE = 1 << 6,
	CTL_OPT_ACTIVE = 1 << 7,
	CTL_OPT_SPI = 1 << 8,
	CTL_OPT_LIFETIME = 1 << 9,
	CTL_OPT_IFACE = 1 << 10, /* receive-packet on an inside interface */
	CTL_OPT_PEER = 1 << 11, /* ts add: the CHILD_SA's IKE peer */
};

struct ctl_command;

struct ctl_opts {
	/* Where the server is; NULL: not given. */
	const char *url;
	const char *unix_socket;
	const char *config;
	const char *token_file;
	const char *cacert;
	bool insecure;
	long timeout_ms;
	bool json; /* print the server's JSON as it came */

	const struct ctl_command *cmd;
	char **words; /* the command's own words, after its name */
	int nr_words;

	/* The command's options, as given (checked by the command). */
	unsigned int given; /* CTL_OPT_* */
	const char *cookie;
	const char *owner;
	const char *phase;
	const char *offset;
	const char *limit;
	const char *hex;
	const char *file;
	const char *active;
	const char *spi;
	const char *lifetime;
	const char *iface;
	const char *peer;
};

/* ctl_parse() results besides 0 and -EINVAL: --help or --version was
 * asked for. */
#define CTL_HELP 1
#define CTL_VERSION 2

/*
 * Parses argv (argv[0] the program) into *o. Global options may come
 * before or after the command. 0, CTL_HELP, CTL_VERSION, or -EINVAL with one line in
 * err (no "ikefwdctl: " prefix). The strings in *o point into argv.
 */
int ctl_parse(int argc, char **argv, struct ctl_opts *o, char *err,
	      size_t errlen);
void ctl_usage(FILE *out);

/*
 * The server to ask, from --url/--unix/--token-file/--cacert/--insecure,
 * else from the [api] section of --config, else CTL_DEFAULT_URL. 0, or a
 * negative errno with one line in err (the configuration file's own
 * message, an unreadable token file).
 */
int ctl_target_resolve(const struct ctl_opts *o, struct ctl_target *t,
		       char *err, size_t errlen);

/* Runs the parsed command: answer on out, one error line on errout.
 * Returns the exit status. */
int ctl_run(const struct ctl_opts *o, FILE *out, FILE *errout);

#endif /* IKEFWD_CTL_H */
