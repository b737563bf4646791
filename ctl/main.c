// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ikefwdctl: the management API of ikefwdd from the command line, one
 * command per endpoint. See docs/ikefwdctl.md.
 */
#include <stdio.h>

#include <curl/curl.h>

#include "ctl.h"
#include "version.h"

int main(int argc, char **argv)
{
	struct ctl_opts o;
	char err[512];
	int ret;

	ret = ctl_parse(argc, argv, &o, err, sizeof(err));
	if (ret == CTL_HELP) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}
	if (ret == CTL_VERSION) {
		ikefwd_print_version("ikefwdctl");
		return CTL_EXIT_OK;
	}
	if (ret) {
		fprintf(stderr, "ikefwdctl: %s\n", err);
		return CTL_EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fputs("ikefwdctl: libcurl would not start\n", stderr);
		return CTL_EXIT_FAIL;
	}
	ret = ctl_run(&o, stdout, stderr);
	curl_global_cleanup();
	/* A closed or full stdout must not pass for success. */
	if (fflush(stdout) && ret == CTL_EXIT_OK) {
		perror("ikefwdctl: stdout");
		ret = CTL_EXIT_FAIL;
	}
	return ret;
}
