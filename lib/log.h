/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Logging for ikefwd's userspace, in the xdp-tools manner: our own
 * messages at three levels, libbpf's and libxdp's demoted one level so a
 * normal run prints one line per problem, not a wall of library noise.
 */
#ifndef IKEFWD_LOG_H
#define IKEFWD_LOG_H

enum log_level {
	LOG_WARN = 0,
	LOG_INFO = 1,
	LOG_DEBUG = 2, /* -v: also the libraries' warnings */
	LOG_TRACE = 3, /* -vv: also the libraries' own info and debug */
};

/* Messages above this level are dropped. Default LOG_INFO. */
void log_set_level(enum log_level level);
/* Routes libbpf's and libxdp's output through ours, one level down. */
void log_hook_libraries(void);
void log_print(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define pr_warn(...) log_print(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log_print(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log_print(LOG_DEBUG, __VA_ARGS__)

#endif /* IKEFWD_LOG_H */
