/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The version every binary reports with --version. */
#ifndef IKEFWD_LIB_VERSION_H
#define IKEFWD_LIB_VERSION_H

/* "0.1.0 (git 4856bc2e1a2b-dirty)", or "0.1.0 (not built from git)". */
const char *ikefwd_version(void);
/* Prints "PROG VERSION" on stdout, for --version. */
void ikefwd_print_version(const char *prog);

#endif /* IKEFWD_LIB_VERSION_H */
