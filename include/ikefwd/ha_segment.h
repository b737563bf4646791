/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The segment function of strongSwan's ha plugin (libcharon's
 * plugins/ha/ha_kernel.c), written anew from reading it: which of the
 * plugin's segments (1..count) a peer belongs to. The plugin makes an
 * IKE_SA active on the node that has the segment of the SA's remote
 * address active, and expected the kernel's CLUSTERIP target to deliver
 * that segment's packets to that node with the same hash. In ha-sync mode
 * ikefwd's data path takes CLUSTERIP's place, so it must compute exactly
 * this; both the BPF program and userspace include this one definition.
 *
 * The hash is Bob Jenkins' lookup3 as the Linux kernel has used it since
 * 4.1 (jhash_2words with an initval of 0): the plugin picks that variant
 * whenever charon runs on Linux 4.1 or later ("detected Linux 6.18, using
 * new jhash with updated init values" in its log), and older kernels are
 * out of scope. The first word is the address in host byte order, the
 * second 0 for a peer's segment or an ESP SPI (host order) for the SPI
 * variant the plugin logs for CHILD_SAs. The 32-bit hash is scaled onto
 * the segments ((hash * count) >> 32) + 1, so segment 1 holds the lowest
 * hashes. The plugin takes 0 as the address of every IPv6 peer (all of
 * them share one segment): see lib/ha_segment.h.
 */
#ifndef IKEFWD_HA_SEGMENT_H
#define IKEFWD_HA_SEGMENT_H

#include "types.h"

/* The plugin keeps its segments in a 16-bit mask. */
#define IKEFWD_HA_SEGMENTS_MAX 16

static inline __u32 ikefwd_ha_rol32(__u32 x, unsigned int k)
{
	return (x << k) | (x >> (32 - k));
}

/*
 * jhash_2words(a, b, 0) of Linux >= 4.1: the initval is 0xdeadbeef plus
 * the length in bytes, which the plugin takes as 4 when b is 0 (one word)
 * and 8 otherwise; then lookup3's final mix.
 */
static inline __u32 ikefwd_ha_jhash(__u32 a, __u32 b)
{
	__u32 init = 0xdeadbeef + (b ? 8 : 4);
	__u32 c = init;

	a += init;
	b += init;
	c ^= b;
	c -= ikefwd_ha_rol32(b, 14);
	a ^= c;
	a -= ikefwd_ha_rol32(c, 11);
	b ^= a;
	b -= ikefwd_ha_rol32(a, 25);
	c ^= b;
	c -= ikefwd_ha_rol32(b, 16);
	a ^= c;
	a -= ikefwd_ha_rol32(c, 4);
	b ^= a;
	b -= ikefwd_ha_rol32(a, 14);
	c ^= b;
	c -= ikefwd_ha_rol32(b, 24);
	return c;
}

/* A hash onto segments 1..count. */
static inline __u32 ikefwd_ha_hash_segment(__u32 hash, __u32 count)
{
	return (__u32)(((__u64)hash * count) >> 32) + 1;
}

/*
 * The segment of a peer (IPv4 address in host byte order): where the
 * plugin makes the peer's IKE_SA active. count must be 1..16.
 */
static inline __u32 ikefwd_ha_segment_v4(__u32 addr, __u32 count)
{
	return ikefwd_ha_hash_segment(ikefwd_ha_jhash(addr, 0), count);
}

/* The SPI variant (address and SPI in host byte order). */
static inline __u32 ikefwd_ha_segment_spi_v4(__u32 addr, __u32 spi, __u32 count)
{
	return ikefwd_ha_hash_segment(ikefwd_ha_jhash(addr, spi), count);
}

/*
 * ikefwd_segments (ha-sync mode): segment (1..IKEFWD_HA_SEGMENTS_MAX; slot
 * 0 unused) -> the member holding it active, that is the member whose
 * charon has the segment's IKE_SAs ESTABLISHED rather than PASSIVE.
 * Written by ikefwdd's segment controller (and the loader's initial
 * assignment), read by the data path for every IKE, ESP and inside packet.
 */
struct ikefwd_segment {
	__u32 member; /* 0: nobody yet; packets stay on the member they reach */
	__u32 flags; /* reserved, 0 */
	__u64 changed_ns; /* CLOCK_MONOTONIC of the last change */
};

#endif /* IKEFWD_HA_SEGMENT_H */
