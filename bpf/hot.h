/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU caches of the answers of the two hash tables the steering paths
 * read per packet: ikefwd_table (an IKE packet's owner) and ikefwd_sa (an
 * ESP packet's SA).
 *
 * Why: a hash map lookup is a call into the kernel
 * (__htab_map_lookup_elem, which calls memcmp out of line), and where
 * every return goes through a return thunk (AMD guests with the SRSO
 * mitigation) those two calls were the largest cost of an IKE hit and of
 * ESP steering (docs/benchmarks.md, issue 13). An array lookup is inlined
 * by the verifier: no call. Each CPU keeps a direct-mapped array of the
 * answers it got lately; a packet whose key sits in its slot takes the
 * answer from there. A tunnel's ESP stays on one CPU (RSS), so its
 * packets after the first hit; IKE keys repeat far less (retransmissions,
 * fragments, exchanges of one msgid), so there the cache mostly saves the
 * benchmark's repeated frame, and costs a miss a few instructions.
 *
 * A slot is used only while:
 *  - ikefwd_gen (include/ikefwd/gen.h) holds the generation read before
 *    the lookup that filled it: every writer of either table increments
 *    it after writing, so a write is seen by the next packet, on every
 *    CPU;
 *  - the clock is before valid_until: never past the entry's expiry or
 *    the SA's lifetime, and at most IKEFWD_HOT_TTL_NS after the lookup.
 *    That bounds what a write that increments nothing (bpftool by hand)
 *    can leave stale, and keeps a lookup, with its entry_touch(), at
 *    least once a second per key and CPU (an entry's last_seen lags its
 *    traffic by at most two seconds, against a 120 s timeout).
 * The owner's liveness is tested on every hit, as on a table hit; a dead
 * owner sends the packet to the table, which takes the entry over.
 *
 * Programs on one CPU may interrupt one another (a test run is only
 * migration-protected): a slot carries a sequence count, odd while it is
 * written, and a read that saw it odd or changed is a miss.
 */
#ifndef IKEFWD_BPF_HOT_H
#define IKEFWD_BPF_HOT_H

#include "clock.h"
#include "maps.h"
#include "members.h"

#define HOT_BITS 10
#define HOT_SLOTS (1U << HOT_BITS)
#define HOT_MULT 0x9E3779B1U /* Fibonacci hashing: top bits of key * 2^32/phi */

#define hot_barrier() asm volatile("" ::: "memory")

struct hot_ike {
	__u32 seq;
	__u32 owner;
	__u64 gen;
	__u64 valid_until;
	struct ikefwd_key key;
	__u32 counter; /* also counted on a hit; IKEFWD_C_MAX: none */
};

struct hot_esp {
	__u32 seq;
	__u32 spi;
	__u64 gen;
	__u64 valid_until;
	__u32 owner; /* 0: the SPI is not in ikefwd_sa (or has lapsed) */
	__u32 pad;
};

/* Private to the loaded object, never pinned: a new program starts with
 * empty caches. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HOT_SLOTS);
	__type(key, __u32);
	__type(value, struct hot_ike);
} ikefwd_hot_ike SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, HOT_SLOTS);
	__type(key, __u32);
	__type(value, struct hot_esp);
} ikefwd_hot_esp SEC(".maps");

static __always_inline __u64 *tables_gen(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ikefwd_gen, &zero);
}

/* After every write of the data path to ikefwd_table or ikefwd_sa. */
static __always_inline void tables_changed(void)
{
	__u64 *g = tables_gen();

	if (g)
		__sync_fetch_and_add(g, 1);
}

/* A slot and the generation read before the table lookup it may cache. */
struct hot_ref {
	void *slot;
	__u64 gen;
};

static __always_inline __u64 hot_gen_read(void)
{
	__u64 *g = tables_gen();

	return g ? *(volatile __u64 *)g : 0;
}

static __always_inline __u64 hot_until(__u64 now, __u64 limit)
{
	__u64 until = now + IKEFWD_HOT_TTL_NS;

	return limit && (__s64)(limit - until) < 0 ? limit : until;
}

/* The owner cached for key, or 0 (miss: ask the table, then hot_ike_put). */
static __always_inline __u32 hot_ike_get(const struct ikefwd_config *cfg,
					 const struct ikefwd_key *key,
					 __u64 now, struct hot_ref *ref)
{
	const __u32 *w = (const __u32 *)key->ispi;
	__u32 idx = ((w[0] ^ w[1] ^ key->msgid) * HOT_MULT) >> (32 - HOT_BITS);
	volatile struct hot_ike *s;
	__u32 seq, owner, counter;

	ref->gen = hot_gen_read();
	s = bpf_map_lookup_elem(&ikefwd_hot_ike, &idx);
	ref->slot = (void *)s;
	if (!s)
		return 0;
	seq = s->seq;
	if (seq & 1)
		return 0;
	hot_barrier();
	if (s->gen != ref->gen || (__s64)(s->valid_until - now) <= 0 ||
	    *(volatile __u64 *)s->key.ispi != *(const __u64 *)key->ispi ||
	    s->key.msgid != key->msgid)
		return 0;
	owner = s->owner;
	counter = s->counter;
	hot_barrier();
	if (s->seq != seq || !member_usable(cfg, owner))
		return 0;
	if (counter < IKEFWD_C_MAX)
		count(counter);
	return owner;
}

/* Caches owner, the table's answer for key, until valid_until. */
static __always_inline void hot_ike_put(const struct hot_ref *ref,
					const struct ikefwd_key *key,
					__u32 owner, __u64 valid_until,
					__u32 counter)
{
	volatile struct hot_ike *s = ref->slot;

	if (!s)
		return;
	s->seq += 1;
	hot_barrier();
	s->gen = ref->gen;
	s->valid_until = valid_until;
	*(volatile __u64 *)s->key.ispi = *(const __u64 *)key->ispi;
	s->key.msgid = key->msgid;
	s->owner = owner;
	s->counter = counter;
	hot_barrier();
	s->seq += 1;
}

/* 1 and *owner (0: not registered) when spi's answer is cached, else 0
 * (miss: ask ikefwd_sa, then hot_esp_put). */
static __always_inline int hot_esp_get(__u32 spi, __u64 now,
				       struct hot_ref *ref, __u32 *owner)
{
	__u32 idx = (spi * HOT_MULT) >> (32 - HOT_BITS);
	volatile struct hot_esp *s;
	__u32 seq, o;

	ref->gen = hot_gen_read();
	s = bpf_map_lookup_elem(&ikefwd_hot_esp, &idx);
	ref->slot = (void *)s;
	if (!s)
		return 0;
	seq = s->seq;
	if (seq & 1)
		return 0;
	hot_barrier();
	if (s->gen != ref->gen || (__s64)(s->valid_until - now) <= 0 ||
	    s->spi != spi)
		return 0;
	o = s->owner;
	hot_barrier();
	if (s->seq != seq)
		return 0;
	*owner = o;
	return 1;
}

static __always_inline void hot_esp_put(const struct hot_ref *ref, __u32 spi,
					__u32 owner, __u64 valid_until)
{
	volatile struct hot_esp *s = ref->slot;

	if (!s)
		return;
	s->seq += 1;
	hot_barrier();
	s->gen = ref->gen;
	s->valid_until = valid_until;
	s->spi = spi;
	s->owner = owner;
	hot_barrier();
	s->seq += 1;
}

#endif /* IKEFWD_BPF_HOT_H */
