// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>

#include "ha_assign.h"

unsigned int ha_assign(const uint32_t *ready, unsigned int nr_ready,
		       unsigned int count,
		       uint32_t out[IKEFWD_HA_SEGMENTS_MAX + 1])
{
	uint32_t ids[IKEFWD_HA_SEGMENTS_MAX + 1];
	unsigned int n = 0;

	if (count < 1 || count > IKEFWD_HA_SEGMENTS_MAX)
		return 0;
	/* Sorted and unique, by insertion: at most a handful of ids. */
	for (unsigned int i = 0; i < nr_ready; i++) {
		unsigned int j = 0;

		if (!ready[i])
			continue;
		while (j < n && ids[j] < ready[i])
			j++;
		if (j < n && ids[j] == ready[i])
			continue;
		if (n == sizeof(ids) / sizeof(ids[0]))
			break;
		memmove(&ids[j + 1], &ids[j], (n - j) * sizeof(ids[0]));
		ids[j] = ready[i];
		n++;
	}
	if (!n)
		return 0;
	out[0] = 0;
	for (unsigned int s = 1; s <= count; s++)
		out[s] = ids[(s - 1) % n];
	return n;
}

void ha_readiness_init(struct ha_readiness *r, uint64_t now_ms,
		       uint32_t join_delay_ms, uint32_t dead_after_ms)
{
	memset(r, 0, sizeof(*r));
	r->start_ms = now_ms;
	r->join_delay_ms = join_delay_ms;
	r->dead_after_ms = dead_after_ms;
}

bool ha_readiness_due(struct ha_readiness *r, uint64_t now_ms,
		      bool partner_heard)
{
	if (r->ready_ms)
		return true;
	if (partner_heard && !r->heard_ms)
		r->heard_ms = now_ms ? now_ms : 1;
	if (r->heard_ms)
		return now_ms - r->heard_ms >= r->join_delay_ms;
	return now_ms - r->start_ms >= r->dead_after_ms;
}
