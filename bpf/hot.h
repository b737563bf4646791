/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU caches of the answers of the tables the steering paths read per
 * packet: ikefwd_table (an IKE packet's owner), ikefwd_sa (an ESP
 * packet's SA) and the selector tries ikefwd_ts4/6 (inside cleartext and
 * the leak guard, by destination).
 *
 * Why: a hash map lookup is a call into the kernel
 * (__htab_map_lookup_elem, which calls memcmp out of line), an LPM trie
 * lookup another, and where every return goes through a return thunk (AMD
 * guests with the SRSO mitigation) those calls were the largest cost of an
 * IKE hit, of ESP steering and of inside steering (docs/benchmarks.md,
 * issue 13). An array lookup is inlined by the verifier: no call. Each CPU
 * keeps a direct-mapped array of the answers it got lately; a packet whose
 * key sits in its slot takes the answer from there. A tunnel's ESP and a
 * flow's cleartext stay on one CPU (RSS), so their packets after the first
 * hit. IKE keys repeat only in the fragments of one message: only those
 * use the cache (bpf/owner.h), since a probe that misses a cold slot
 * costs more than a hit saves.
 *
 * A slot is used only while:
 *  - ikefwd_gen (include/ikefwd/gen.h) holds the generation read before
 *    the lookup that filled it: every writer of either table increments
 *    it after writing, so a write is seen by the next packet, on every
 *    CPU;
 *  - the clock is before valid_until: never past the entry's expiry or
 *    the SA's lifetime (a selector's lifetime is tested on the copy), and
 *    at most IKEFWD_HOT_TTL_NS after the lookup.
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

/* Slots per CPU. ESP: a tunnel's SPI for every packet, thousands of
 * tunnels spread over the CPUs by RSS (4096 x 32 bytes per CPU). IKE:
 * fewer keys live at once, and they repeat far less (1024 x 40 bytes). */
#define HOT_IKE_BITS 10
#define HOT_ESP_BITS 12
/* Selectors: inside cleartext and the leak guard, per destination. */
#define HOT_TS_BITS 12
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

struct hot_ts {
	__u32 seq;
	__u8 v6;
	__u8 found; /* 0: no selector covers addr */
	__u16 pad;
	__u64 gen;
	__u64 valid_until;
	__u8 addr[16]; /* IPv4: the first 4 bytes */
	/* What the callers read of the covering registration. */
	__u64 expires_ns;
	__u32 owner;
	__u32 flags;
};

/* Private to the loaded object, never pinned: a new program starts with
 * empty caches. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1U << HOT_IKE_BITS);
	__type(key, __u32);
	__type(value, struct hot_ike);
} ikefwd_hot_ike SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1U << HOT_ESP_BITS);
	__type(key, __u32);
	__type(value, struct hot_esp);
} ikefwd_hot_esp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1U << HOT_TS_BITS);
	__type(key, __u32);
	__type(value, struct hot_ts);
} ikefwd_hot_ts SEC(".maps");

static __always_inline __u64 *tables_gen(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&ikefwd_gen, &zero);
}

/* After every write of the data path to a cached table (only
 * ikefwd_table: the programs never write the others). */
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
	__u32 idx = ((w[0] ^ w[1] ^ key->msgid) * HOT_MULT) >>
		    (32 - HOT_IKE_BITS);
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
	__u32 idx = (spi * HOT_MULT) >> (32 - HOT_ESP_BITS);
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

/* 1 and *ts filled (found: a selector covers addr) when the answer for
 * the destination addr (4 or 16 bytes, 4-byte aligned) is cached, else 0
 * (miss: ask the trie, then hot_ts_put). */
static __always_inline int hot_ts_get(const __u32 *addr, bool v6, __u64 now,
				      struct hot_ref *ref, bool *found,
				      struct ikefwd_ts *ts)
{
	__u32 h = v6 ? addr[0] ^ addr[1] ^ addr[2] ^ addr[3] : addr[0];
	__u32 idx = (h * HOT_MULT) >> (32 - HOT_TS_BITS);
	volatile struct hot_ts *s;
	volatile __u32 *a;
	__u32 seq;

	ref->gen = hot_gen_read();
	s = bpf_map_lookup_elem(&ikefwd_hot_ts, &idx);
	ref->slot = (void *)s;
	if (!s)
		return 0;
	seq = s->seq;
	if (seq & 1)
		return 0;
	hot_barrier();
	a = (volatile __u32 *)s->addr;
	if (s->gen != ref->gen || (__s64)(s->valid_until - now) <= 0 ||
	    s->v6 != v6 || a[0] != addr[0])
		return 0;
	if (v6 && (a[1] != addr[1] || a[2] != addr[2] || a[3] != addr[3]))
		return 0;
	*found = s->found;
	ts->expires_ns = s->expires_ns;
	ts->owner = s->owner;
	ts->flags = s->flags;
	hot_barrier();
	return s->seq == seq;
}

/* ts: the covering registration, or NULL (none). */
static __always_inline void hot_ts_put(const struct hot_ref *ref,
				       const __u32 *addr, bool v6,
				       const struct ikefwd_ts *ts,
				       __u64 valid_until)
{
	volatile struct hot_ts *s = ref->slot;
	volatile __u32 *a;

	if (!s)
		return;
	s->seq += 1;
	hot_barrier();
	a = (volatile __u32 *)s->addr;
	s->gen = ref->gen;
	s->valid_until = valid_until;
	s->v6 = v6;
	a[0] = addr[0];
	if (v6) {
		a[1] = addr[1];
		a[2] = addr[2];
		a[3] = addr[3];
	}
	s->found = ts != NULL;
	s->expires_ns = ts ? ts->expires_ns : 0;
	s->owner = ts ? ts->owner : 0;
	s->flags = ts ? ts->flags : 0;
	hot_barrier();
	s->seq += 1;
}

#endif /* IKEFWD_BPF_HOT_H */
