// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static enum log_level max_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	max_level = level;
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	if (level > max_level)
		return;
	vfprintf(stderr, fmt, ap);
}

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

/* A library warning is detail behind our own one-line error: shown with
 * -v; the libraries' info and debug output with -vv. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	vlog(level == LIBBPF_WARN ? LOG_DEBUG : LOG_TRACE, fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	vlog(level == LIBXDP_WARN ? LOG_DEBUG : LOG_TRACE, fmt, ap);
	return 0;
}

void log_hook_libraries(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
