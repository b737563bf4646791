// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest XDP program: passes every frame. It is the floor the
 * benchmarks compare ikefwd against, and the program attached to the
 * receiving veth ends in tests, because a veth only accepts redirected
 * frames when its peer side runs XDP (or has GRO on).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* ctx is unused, and the BPF objects build with -Wextra -Werror. */
SEC("xdp")
int xdp_pass(struct xdp_md *ctx __attribute__((unused)))
{
	return XDP_PASS;
}
