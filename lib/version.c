// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdio.h>

#include "ikefwd_version.h" /* generated at build time: cmake/version.cmake */
#include "version.h"

const char *ikefwd_version(void)
{
	return IKEFWD_VERSION_STRING;
}

void ikefwd_print_version(const char *prog)
{
	printf("%s %s\n", prog, ikefwd_version());
}
