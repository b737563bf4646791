/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The generation of the steering tables, pinned as ikefwd_gen: one __u64
 * (an mmap-able array of one element) that every writer of ikefwd_table,
 * ikefwd_sa, ikefwd_ts4 or ikefwd_ts6 increments after its write, the data
 * path and userspace alike. The data path keeps per-CPU caches of what it
 * looked up in those tables (bpf/hot.h); an answer is used only while the
 * generation is the one read before its lookup, so a write is seen by the
 * next packet.
 *
 * A write that does not increment it (bpftool map update by hand) is seen
 * within IKEFWD_HOT_TTL_NS, the longest a cached answer lives.
 */
#ifndef IKEFWD_GEN_H
#define IKEFWD_GEN_H

#include "types.h"

#define IKEFWD_HOT_TTL_NS 1000000000ULL

#endif /* IKEFWD_GEN_H */
