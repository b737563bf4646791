/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map of the data path, declared once. All are pinned by name, so
 * that with the loader's pin root they live at /sys/fs/bpf/ikefwd/<name>,
 * keep their state across userspace restarts and program upgrades, and
 * carry BTF for `bpftool map dump`.
 */
#ifndef IKEFWD_BPF_MAPS_H
#define IKEFWD_BPF_MAPS_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

#include "ikefwd/config.h"
#include "ikefwd/counters.h"
#include "ikefwd/event.h"
#include "ikefwd/gen.h"
#include "ikefwd/ha_segment.h"
#include "ikefwd/iface.h"
#include "ikefwd/member.h"
#include "ikefwd/sa.h"
#include "ikefwd/selector.h"
#include "ikefwd/table.h"

/* Established negotiations: (initiator cookie/SPI, Message ID) -> owning
 * member, for negotiations that proved real (this member's IKE daemon
 * answered with a responder SPI, a peer's sync announcement, an operator
 * or the IKE daemon's registration). A plain hash, not LRU: nothing a
 * packet does can push an entry out; entries leave by expiry sweep or
 * deletion, and when the table is full a promotion fails (promote_full). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IKEFWD_TABLE_DEFAULT_SIZE);
	__type(key, struct ikefwd_key);
	__type(value, struct ikefwd_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_table SEC(".maps");

/* Half-open negotiations: this member's claims of IKE_SA_INIT requests /
 * IKEv1 first messages its IKE daemon has not answered yet. LRU: a flood
 * of spoofed negotiations evicts only its own kind, never an established
 * entry; local to this member, never replicated. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IKEFWD_HALFOPEN_DEFAULT_SIZE);
	__type(key, struct ikefwd_key);
	__type(value, struct ikefwd_entry);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_halfopen SEC(".maps");

/* Claims per source prefix and second, when [cluster] claim_budget is set. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IKEFWD_BUDGET_TABLE_SIZE);
	__type(key, struct ikefwd_budget_key);
	__type(value, struct ikefwd_budget);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_budget SEC(".maps");

/* First IP fragment's decision, for the fragments that follow it. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IKEFWD_FRAG_TABLE_SIZE);
	__type(key, struct ikefwd_frag_key);
	__type(value, struct ikefwd_frag_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IKEFWD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, struct ikefwd_member);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_members SEC(".maps");

/* Member id -> egress ifindex, the target of bpf_redirect_map(). */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP);
	__uint(max_entries, IKEFWD_MAX_MEMBERS);
	__type(key, __u32);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_devmap SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ikefwd_config);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IKEFWD_C_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_counters SEC(".maps");

/* Ownership events for the cluster-sync agent. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IKEFWD_EVENTS_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_events SEC(".maps");

/* Inbound ESP SA (SPI, host order) -> owning member: registrations. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IKEFWD_SA_TABLE_SIZE);
	__type(key, __u32);
	__type(value, struct ikefwd_sa);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_sa SEC(".maps");

/* Stateless SPI ranges, one per member (config.nr_spi_ranges used). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IKEFWD_MAX_SPI_RANGES);
	__type(key, __u32);
	__type(value, struct ikefwd_spi_range);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_spi_ranges SEC(".maps");

/* Written by the loader only: what it attached, for later runs. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IKEFWD_MAX_IFACES);
	__type(key, __u32);
	__type(value, struct ikefwd_iface);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_ifaces SEC(".maps");

/* Remote traffic selectors -> member holding the CHILD_SA, per family
 * (include/ikefwd/selector.h). LPM tries must not be preallocated. */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, IKEFWD_TS_TABLE_SIZE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ikefwd_ts_key4);
	__type(value, struct ikefwd_ts);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_ts4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, IKEFWD_TS_TABLE_SIZE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct ikefwd_ts_key6);
	__type(value, struct ikefwd_ts);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_ts6 SEC(".maps");

/* ha-sync mode: segment -> the member holding it active. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IKEFWD_HA_SEGMENTS_MAX + 1);
	__type(key, __u32);
	__type(value, struct ikefwd_segment);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_segments SEC(".maps");

/* Incremented after every write to ikefwd_table, ikefwd_sa or the
 * selector tries (include/ikefwd/gen.h); userspace increments it through
 * mmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ikefwd_gen SEC(".maps");

static __always_inline void count(enum ikefwd_counter idx)
{
	__u32 key = idx;
	__u64 *v = bpf_map_lookup_elem(&ikefwd_counters, &key);

	if (v)
		*v += 1;
}

#endif /* IKEFWD_BPF_MAPS_H */
