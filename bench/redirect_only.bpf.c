// SPDX-License-Identifier: GPL-2.0
/*
 * redirect_only: the least a program can do to forward a frame, one
 * bpf_redirect_map() into a devmap slot. It is the floor xdp_ikefwd's
 * forwarding is compared with, and the live-frames generator of the
 * throughput benchmarks: run with BPF_F_TEST_XDP_LIVE_FRAMES, it pushes the
 * test frame into the veth its slot 0 names.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} redirect_devmap SEC(".maps");

SEC("xdp")
int redirect_only(struct xdp_md *ctx __attribute__((unused)))
{
	return bpf_redirect_map(&redirect_devmap, 0, 0);
}
