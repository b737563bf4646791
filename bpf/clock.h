/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The data path's clock: CLOCK_MONOTONIC_COARSE as bpf_ktime_get_coarse_ns()
 * returns it (the time base userspace and the peers share:
 * include/ikefwd/table.h), without a helper call per packet.
 *
 * The helper is a call, and where every return goes through a return thunk
 * (AMD guests with the SRSO mitigation, retpolines) one call costs about a
 * fifth of an IKE hit (docs/benchmarks.md, issue 13). The coarse clock
 * moves only when the timer tick updates the timekeeper, and the same tick
 * advances jiffies (tick_do_update_jiffies64()), which bpf_jiffies64()
 * reads without a call: the verifier inlines it on 64-bit JITs. So the
 * clock is read once per tick, kept with the jiffies of that tick, and a
 * packet of the same tick takes the kept value. A packet that races the
 * tick's update (jiffies already advanced, the timekeeper not yet, or the
 * other way round) keeps the previous tick's value for the rest of the
 * tick: at most one tick (1-10 ms) behind the coarse clock, which itself
 * moves in ticks, against timeouts of seconds.
 */
#ifndef IKEFWD_BPF_CLOCK_H
#define IKEFWD_BPF_CLOCK_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

struct ikefwd_clock {
	__u64 jiffies; /* of the tick in which ns was read */
	__u64 ns;
};

/* One for every CPU and the three programs (global data, .bss: read with
 * no map lookup); written once per tick by the first packet that sees the
 * tick. Static: the data path's own, not in the skeleton. */
static struct ikefwd_clock ikefwd_clock;

static __always_inline __u64 ikefwd_now(void)
{
	volatile struct ikefwd_clock *c = &ikefwd_clock;
	__u64 j = bpf_jiffies64();
	__u64 ns;

	if (c->jiffies == j)
		return c->ns;
	ns = bpf_ktime_get_coarse_ns();
	/* ns first: a reader on another CPU that sees the new jiffies reads
	 * the new ns (stores stay in order on x86; elsewhere it may read the
	 * previous tick's, which is as good). */
	c->ns = ns;
	c->jiffies = j;
	return ns;
}

#endif /* IKEFWD_BPF_CLOCK_H */
