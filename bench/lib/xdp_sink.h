/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Slots of xdp_sink's per-CPU counters (bench/xdp_sink.bpf.c). */
#ifndef IKEFWD_BENCH_XDP_SINK_H
#define IKEFWD_BENCH_XDP_SINK_H

enum {
	SINK_MATCH, /* the expected MACs */
	SINK_OTHER,
	SINK_MAX,
};

#endif /* IKEFWD_BENCH_XDP_SINK_H */
