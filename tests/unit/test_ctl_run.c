// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The ikefwdctl runner of the ctl tests (test_ctl_run.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "test_ctl_run.h"

#define MAX_ARGS 32

/* All of f, NUL-terminated; f is closed. */
static char *slurp(FILE *f)
{
	char *s;
	long n;

	fflush(f);
	n = ftell(f);
	s = calloc(1, n + 1);
	if (s) {
		rewind(f);
		if (fread(s, 1, n, f) != (size_t)n)
			s[0] = '\0';
	}
	fclose(f);
	return s;
}

void run_ctl(struct run *r, const char *fmt, ...)
{
	char line[8192], words[8192], *argv[MAX_ARGS];
	FILE *out = tmpfile(), *err = tmpfile();
	int argc = 0, status;
	va_list ap;
	pid_t pid;

	CU_ASSERT_FATAL(out && err);
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	memcpy(words, line, sizeof(words));
	argv[argc++] = IKEFWDCTL_BIN;
	for (char *w = strtok(words, " "); w && argc < MAX_ARGS - 1;
	     w = strtok(NULL, " "))
		argv[argc++] = w;
	argv[argc] = NULL;

	pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (!pid) {
		dup2(fileno(out), 1);
		dup2(fileno(err), 2);
		execv(IKEFWDCTL_BIN, argv);
		_exit(127);
	}
	CU_ASSERT_FATAL(waitpid(pid, &status, 0) == pid);
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->out = slurp(out);
	r->err = slurp(err);
	CU_ASSERT_FATAL(r->out && r->err);
	if (getenv("TEST_CTL_VERBOSE"))
		fprintf(stderr, "\n  $ ikefwdctl %s\n  exit %d\n%s%s", line,
			r->status, r->out, r->err);
}

void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void assert_one_line(const struct run *r, const char *want)
{
	char *nl = strchr(r->err, '\n');
	bool good = nl && !nl[1] && !strncmp(r->err, want, strlen(want));

	if (!good)
		fprintf(stderr, "\n  stderr: '%s'\n  want one line: '%s...'\n",
			r->err, want);
	CU_ASSERT(good);
}
