/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The subcommands of the ikefwd command; each returns the exit status. */
#ifndef IKEFWD_LOADER_COMMANDS_H
#define IKEFWD_LOADER_COMMANDS_H

#include <stdbool.h>

struct opts {
	const char *config;
	const char *pin_root;
	const char *ifaces[16];
	int nr_ifaces;
	const char *xdp_mode;
	bool all;
	bool purge;
	bool json;
	int wait_ms;
};

int cmd_attach(const struct opts *o);
int cmd_detach(const struct opts *o);
int cmd_status(const struct opts *o);
int cmd_table(const struct opts *o, int argc, char **argv);
int cmd_member(const struct opts *o, int argc, char **argv);
int cmd_check_config(const struct opts *o, int argc, char **argv);
int cmd_watch(const struct opts *o);

/* "ikefwd: <msg>" on stderr; returns 1 (the exit status of a failure). */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* IKEFWD_LOADER_COMMANDS_H */
