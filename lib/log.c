// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"

static enum log_level max_level = LOG_INFO;
/* -1: not decided yet; 0: plain; 1: with "<N>" priority prefixes. */
static int journal = -1;

/* Under systemd, stderr is a stream to the journal and JOURNAL_STREAM
 * names its device:inode (systemd.exec(5)); a child whose stderr was
 * redirected inherits the variable but not the stream, hence the check. */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2)
		return false;
	if (fstat(2, &st))
		return false;
	return st.st_dev == (dev_t)dev && st.st_ino == (ino_t)ino;
}

/* The sd-daemon(3) prefix journald turns into the line's priority:
 * warning 4, info 6, debug 7 (syslog's numbers). */
static const char *journal_prefix(enum log_level level)
{
	if (journal < 0)
		journal = stderr_is_journal();
	if (!journal)
		return "";
	switch (level) {
	case LOG_WARN:
		return "<4>";
	case LOG_INFO:
		return "<6>";
	default:
		return "<7>";
	}
}

void log_set_level(enum log_level level)
{
	max_level = level;
}

static void vlog(enum log_level level, const char *fmt, va_list ap)
{
	if (level > max_level)
		return;
	fputs(journal_prefix(level), stderr);
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
