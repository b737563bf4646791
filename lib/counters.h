/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The data path's per-CPU counters, summed, with their names. */
#ifndef IKEFWD_LIB_COUNTERS_H
#define IKEFWD_LIB_COUNTERS_H

#include <stdint.h>

#include "ikefwd/counters.h"

extern const char *const ikefwd_counter_name[IKEFWD_C_MAX];
extern const char *const ikefwd_counter_help[IKEFWD_C_MAX];

/* Sums every CPU's slot of each counter into out. 0 or negative errno. */
int counters_read(int fd, uint64_t out[IKEFWD_C_MAX]);

#endif /* IKEFWD_LIB_COUNTERS_H */
