// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_sink: the far end of a benchmark's veth. Counts the frames that
 * arrive, apart those that carry the expected destination and source MACs
 * (the frames a forwarder rewrote for this link) from all others, and
 * drops them all, so that what is measured is the sender, not a stack
 * behind the receiver.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "xdp_sink.h"

char LICENSE[] SEC("license") = "GPL";

/* Destination then source MAC of the expected frames; set by userspace
 * through the skeleton (.bss) before the frames flow. */
__u8 sink_macs[12];

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SINK_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sink_counts SEC(".maps");

/* Byte by byte: BPF has no memcmp(), and the frame may be unaligned. */
static __always_inline bool macs_eq(const __u8 *a, const __u8 *b)
{
	__u8 diff = 0;
	int i;

	for (i = 0; i < 12; i++)
		diff |= a[i] ^ b[i];
	return !diff;
}

SEC("xdp")
int xdp_sink(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	__u8 *data = (void *)(long)ctx->data;
	__u32 key = SINK_OTHER;
	__u64 *n;

	if ((void *)(data + 12) <= data_end && macs_eq(data, sink_macs))
		key = SINK_MATCH;
	n = bpf_map_lookup_elem(&sink_counts, &key);
	if (n)
		*n += 1;
	return XDP_DROP;
}
