/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Variants (-V NAME=OBJECT of xdp_cost and xdp_throughput): the programs of
 * another build's ikefwd.bpf.o, loaded against the maps of this run's own
 * object, so that a change and the code before it (or an ablation build)
 * run in the same rounds of one run, on the same state.
 */
#ifndef IKEFWD_BENCH_VARIANT_H
#define IKEFWD_BENCH_VARIANT_H

#include <bpf/libbpf.h>

#define BENCH_MAX_VARIANTS 4

struct bench_variant {
	const char *name;
	const char *path;
	struct bpf_object *obj;
	int xdp_fd; /* its xdp_ikefwd */
	int inside_fd; /* its xdp_ikefwd_in */
};

/* NAME=OBJECT into v (arg is modified); -EINVAL if malformed. */
int bench_variant_arg(struct bench_variant *v, char *arg);

/* Opens and loads v->path, every map it shares by name with ours taken
 * from ours (a map of another definition makes the load fail: such a
 * variant cannot run on the same state); its internal maps (.rodata,
 * .data, .bss) stay its own. Says why on stderr, prefixed with prog. */
int bench_variant_load(struct bench_variant *v, struct bpf_object *ours,
		       const char *prog);

void bench_variant_close(struct bench_variant *v);

#endif /* IKEFWD_BENCH_VARIANT_H */
