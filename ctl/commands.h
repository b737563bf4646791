/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The commands of ikefwdctl, one per endpoint of docs/api.md: how each
 * turns its words into a request, and how its answer is shown to people.
 */
#ifndef IKEFWD_CTL_COMMANDS_H
#define IKEFWD_CTL_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "ctl.h"

#define CTL_API_BASE "/api/v1/cluster/ike-forwarding/"

struct ctl_request {
	const char *method;
	char path[256]; /* from the server root, query included */
	char *body; /* JSON text (malloc), or NULL */
};

/* Shows a 2xx answer to people. 0, or -EPROTO when the answer does not
 * have the shape docs/api.md gives it. */
typedef int (*ctl_print_fn)(const json_t *answer, FILE *out);

struct ctl_command {
	const char *name;
	const char *synopsis; /* what follows the name in the usage */
	const char *summary;
	unsigned int opts; /* CTL_OPT_* the command takes */
	int min_words, max_words;
	/* 0; -EINVAL with one line in err for a usage error (exit 2); any
	 * other negative errno for a failure (exit 1). */
	int (*build)(const struct ctl_opts *o, struct ctl_request *req,
		     char *err, size_t errlen);
	ctl_print_fn print; /* NULL: the answer is text, printed as is */
	/* build NULL: a command that runs here and asks no server
	 * (ctl_local_run). */
};

extern const struct ctl_command ctl_commands[];
extern const size_t ctl_nr_commands;

const struct ctl_command *ctl_command_find(const char *name);

/* Builds o->cmd's request after checking its word count and options. */
int ctl_request_build(const struct ctl_opts *o, struct ctl_request *req,
		      char *err, size_t errlen);
void ctl_request_free(struct ctl_request *req);

/* Runs o->cmd's local part after checking its word count. */
int ctl_local_run(const struct ctl_opts *o, FILE *out, char *err,
		  size_t errlen);

#endif /* IKEFWD_CTL_COMMANDS_H */
