// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <stdlib.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"

#define COUNTER_NAME(id, name, help) [IKEFWD_C_##id] = name,
#define COUNTER_HELP(id, name, help) [IKEFWD_C_##id] = help,
const char *const ikefwd_counter_name[IKEFWD_C_MAX] = { IKEFWD_COUNTER_LIST(
	COUNTER_NAME) };
const char *const ikefwd_counter_help[IKEFWD_C_MAX] = { IKEFWD_COUNTER_LIST(
	COUNTER_HELP) };

int counters_read(int fd, uint64_t out[IKEFWD_C_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;

	if (ncpu <= 0)
		return ncpu ?: -EINVAL;
	vals = calloc(ncpu, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (uint32_t c = 0; c < IKEFWD_C_MAX; c++) {
		out[c] = 0;
		if (bpf_map_lookup_elem(fd, &c, vals)) {
			int err = -errno;

			free(vals);
			return err;
		}
		for (int i = 0; i < ncpu; i++)
			out[c] += vals[i];
	}
	free(vals);
	return 0;
}
