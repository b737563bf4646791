/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Runs the built ikefwdctl binary (IKEFWDCTL_BIN, from CMake) for the ctl
 * tests and keeps what it printed: test_ctl.c runs it against a recording
 * endpoint, test_ctl_server.c against the real ikefwdd.
 */
#ifndef IKEFWD_TEST_CTL_RUN_H
#define IKEFWD_TEST_CTL_RUN_H

struct run {
	int status; /* exit status; -1 if it did not exit */
	char *out;
	char *err;
};

/* Runs ikefwdctl with the blank-separated words of the formatted line
 * (no quoting). TEST_CTL_VERBOSE=1 in the environment echoes each run. */
void run_ctl(struct run *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void run_free(struct run *r);

/* Exactly one line on stderr, starting with want. */
void assert_one_line(const struct run *r, const char *want);

#endif /* IKEFWD_TEST_CTL_RUN_H */
