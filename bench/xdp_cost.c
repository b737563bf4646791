// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_cost: the per-packet cost of xdp_ikefwd, path by path, and of the
 * inside program xdp_ikefwd_in (inside steering: an LPM lookup among
 * thousands of selectors), next to an empty XDP program (the floor),
 * measured with BPF_PROG_TEST_RUN on one pinned CPU.
 *
 * Two methods, because repeating one frame cannot measure a path that
 * changes the table:
 *
 *  batch   one frame, repeat = N (default 1,000,000): the kernel's mean time
 *          per run. Honest for every path that leaves the table as it found
 *          it: non-IKE traffic, malformed IKE, table hits.
 *  single  repeat = 1 and a frame with a key never seen before on every
 *          call, K calls (default 4096): the mean of the per-call times
 *          without the slowest 1%. Used for the claim (new SPI) and the
 *          Phase-2 fallback (new Message ID), which insert an entry: with
 *          repeat = N every run after the first would be a plain hit. One
 *          run is timed by two ktime_get_ns() reads and starts with caches
 *          cooled by the syscall, so this method has its own floor and its
 *          own hit control, and its rows are compared with those only.
 *
 * Every case is first run once and must give its expected verdict and move
 * exactly the counters of its path (and the table, for claims); every
 * measurement checks the verdict and the counters again. A benchmark of the
 * wrong path is worthless, so any mismatch aborts.
 *
 * Cases are interleaved round-robin over R rounds (default 7), the first case
 * rotating each round, after one discarded warm-up round, so that noise on
 * this shared machine hits all cases alike. Output: Markdown on stdout.
 *
 * Variants (-V NAME=OBJECT, repeatable): the programs of another build's
 * ikefwd.bpf.o, loaded against this run's maps, each case run with them
 * as well, in the same rounds: a change is compared with the code before
 * it (or an ablation build) in one interleaved run, not across runs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "ikefwd.skel.h"
#include "ikefwd/ha_segment.h"
#include "ikefwd/sa.h"
#include "pinned.h"
#include "pktbuild.h"
#include "selector.h"
#include "variant.h"
#include "xdp_harness.h"
#include "xdp_pass.skel.h"

#define MAX_ROUNDS 51
#define MAX_CALLS 4096 /* one measurement's events fit the ring buffer */

#define MAC_ROUTER "02:00:00:00:00:aa" /* sender of every frame */
#define MAC_SELF "02:00:00:00:01:01" /* member 1, the one measured */
#define MAC_M2 "02:00:00:00:02:02"
#define MAC_SELF_TO_M2 "02:00:00:00:01:02"

#define LOCAL 1
#define PEER 2
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)

/* Seeded table keys; claims take SPIs from ISPI_CLAIM upwards. */
#define ISPI_LOCAL 0x1111111111111111ULL /* (ISPI_LOCAL, 1) -> member 1 */
#define ISPI_PEER 0x2222222222222222ULL /* (ISPI_PEER, 1) -> member 2 */
#define ISPI_P1 0x3333333333333333ULL /* (ISPI_P1, 0) -> member 1 */
#define ISPI_CLAIM 0xc1a1000000000000ULL
#define SEEDED 3

#define C(name) (1ULL << IKEFWD_C_##name)
#define C_IKE (C(IKE_SEEN) | C(IKE_V2))

enum method {
	BATCH,
	SINGLE,
};

enum frame_kind {
	F_TCP,
	F_DNS,
	F_ESP_UDP,
	F_ESP,
	/* ESP with steering on, to member 2: by registration (ikefwd_sa) or
	 * by the member's SPI range (ikefwd_spi_ranges). */
	F_ESP_UDP_SA,
	F_ESP_UDP_RANGE,
	F_ESP_SA,
	F_KEEPALIVE,
	F_IKE_BAD_LENGTH,
	F_IKE_NATT, /* IKEv2 on 4500 after the non-ESP marker */
	/* The same with the UDP checksum left partial (the pseudo-header
	 * sum only), as a local sender on veth hands it over: the data
	 * path completes it when it redirects the frame (bpf/forward.h). */
	F_IKE_NATT_PARTIAL,
	F_IKE_NATT_PARTIAL_1400, /* ... with 1400 bytes of IKE payload */
	F_IKE_INIT, /* IKEv2 IKE_SA_INIT on 500 */
	F_CLEAR, /* cleartext UDP from the inside host to bench_case.dst */
	/* Inside cleartext to bench_case.dst with its checksum left partial
	 * by a sender on veth: xdp_ikefwd_in completes it when it redirects
	 * the frame (bpf/inside.h, bpf/forward.h). */
	F_CLEAR_UDP_PARTIAL, /* 32 bytes of UDP payload */
	F_CLEAR_UDP_PARTIAL_1400,
	F_CLEAR_TCP_PARTIAL, /* 32 bytes of TCP payload */
	F_CLEAR_TCP_PARTIAL_1400,
};

enum key_mode {
	KEY_FIXED,
	KEY_NEW_SPI, /* a fresh SPI per call, msgid 0: a half-open claim */
	KEY_NEW_SPI_NO_STATE, /* a fresh SPI per call, no first message */
	KEY_NEW_MSGID, /* ISPI_P1 with a fresh msgid per call: Phase 2 */
};

struct bench_case {
	const char *name;
	const char *frame_text;
	enum frame_kind frame;
	enum method method;
	bool floor; /* runs xdp_pass instead of xdp_ikefwd */
	bool inside; /* runs xdp_ikefwd_in instead of xdp_ikefwd */
	bool steering; /* IKEFWD_CFG_ESP_STEERING on while it runs */
	/* max_member 0 while it runs: the loop guard walks every member
	 * slot, as it does for a configuration written without it. */
	bool walk_all;
	/* mode = ha-sync (ha_segments 2) while it runs: IKE and ESP go by
	 * the segment of their source (bpf/ha_sync.h). */
	bool ha_sync;
	/* The table generation moves before every call (untimed): every
	 * call misses the lookup caches (bpf/hot.h) and asks the table. */
	bool cold;
	/* IKE frames: an IKEv2 fragment (next payload SKF, RFC 7383), the
	 * only IKE the lookup cache holds; else a whole message (SK). */
	bool fragment;
	const char *src; /* outside frames' source; default 192.0.2.10 */
	const char *dst; /* F_CLEAR: the destination */
	enum key_mode key;
	uint64_t ispi;
	uint32_t msgid;
	int verdict;
	/* Counters that move by exactly one per run; all others stay. */
	uint64_t counters;

	double ns[MAX_ROUNDS]; /* per round: mean (batch), median (single) */
	bool skip; /* left out by -p */
	int variant; /* 0: this build's programs, else -V's (1-based) */
};

/* ESP steered to member 2: a registered SA, and an SA in its SPI range. */
#define SPI_SA 0x2001
#define SPI_RANGE 0x30000005
#define RANGE_MIN 0x30000000
#define RANGE_MAX 0x3fffffff

/* ha-sync rows: peers the ha plugin put in segment 1 (held here) and 2
 * (held by member 2) with segment_count 2 (tests/unit/ha_segment_vectors.txt). */
#define SEG1_PEER "10.0.1.8"
#define SEG2_PEER "10.0.1.10"

static struct bench_case cases[] = {
	{ .name = "floor: empty XDP program",
	  .frame_text = "TCP/IPv4",
	  .frame = F_TCP,
	  .method = BATCH,
	  .floor = true,
	  .verdict = XDP_PASS },
	{ .name = "TCP (not UDP)",
	  .frame_text = "TCP/IPv4",
	  .frame = F_TCP,
	  .method = BATCH,
	  .verdict = XDP_PASS },
	{ .name = "UDP, not IKE (DNS)",
	  .frame_text = "UDP 53",
	  .frame = F_DNS,
	  .method = BATCH,
	  .verdict = XDP_PASS },
	{ .name = "ESP-in-UDP",
	  .frame_text = "UDP 4500, SPI 0x1001",
	  .frame = F_ESP_UDP,
	  .method = BATCH,
	  .verdict = XDP_PASS,
	  .counters = C(ESP_IN_UDP) },
	{ .name = "native ESP",
	  .frame_text = "IP proto 50",
	  .frame = F_ESP,
	  .method = BATCH,
	  .verdict = XDP_PASS },
	{ .name = "NAT-T keepalive",
	  .frame_text = "UDP 4500, 0xFF",
	  .frame = F_KEEPALIVE,
	  .method = BATCH,
	  .verdict = XDP_PASS,
	  .counters = C(NATT_KEEPALIVE) },
	{ .name = "IKE malformed (length 20 < 28)",
	  .frame_text = "UDP 500, IKEv2",
	  .frame = F_IKE_BAD_LENGTH,
	  .method = BATCH,
	  .ispi = ISPI_LOCAL,
	  .verdict = XDP_PASS,
	  .counters = C(BAD_LENGTH) },
	{ .name = "IKE hit, owned here",
	  .frame_text = "UDP 4500, IKE_AUTH msgid 1",
	  .frame = F_IKE_NATT,
	  .method = BATCH,
	  .ispi = ISPI_LOCAL,
	  .msgid = 1,
	  .verdict = XDP_PASS,
	  .counters = C_IKE | C(LOCAL) },
	{ .name = "IKE hit, owned by member 2",
	  .frame_text = "UDP 4500, IKE_AUTH msgid 1",
	  .frame = F_IKE_NATT,
	  .method = BATCH,
	  .ispi = ISPI_PEER,
	  .msgid = 1,
	  .verdict = XDP_REDIRECT,
	  .counters = C_IKE | C(FORWARDED) },
	{ .name = "IKE fragment hit, owned here",
	  .frame_text = "UDP 4500, IKE_AUTH fragment msgid 1",
	  .frame = F_IKE_NATT,
	  .method = BATCH,
	  .fragment = true,
	  .ispi = ISPI_LOCAL,
	  .msgid = 1,
	  .verdict = XDP_PASS,
	  .counters = C_IKE | C(LOCAL) },
	{ .name = "IKE fragment hit, owned by member 2",
	  .frame_text = "UDP 4500, IKE_AUTH fragment msgid 1",
	  .frame = F_IKE_NATT,
	  .method = BATCH,
	  .fragment = true,
	  .ispi = ISPI_PEER,
	  .msgid = 1,
	  .verdict = XDP_REDIRECT,
	  .counters = C_IKE | C(FORWARDED) },
	{ .name = "ESP-in-UDP steered to member 2 (registration)",
	  .frame_text = "UDP 4500, SPI 0x2001 in ikefwd_sa",
	  .frame = F_ESP_UDP_SA,
	  .method = BATCH,
	  .steering = true,
	  .verdict = XDP_REDIRECT,
	  .counters = C(ESP_IN_UDP) | C(ESP_BY_TABLE) | C(ESP_FORWARDED) },
	{ .name = "ESP-in-UDP steered to member 2 (SPI range)",
	  .frame_text = "UDP 4500, SPI 0x30000005 in member 2's range",
	  .frame = F_ESP_UDP_RANGE,
	  .method = BATCH,
	  .steering = true,
	  .verdict = XDP_REDIRECT,
	  .counters = C(ESP_IN_UDP) | C(ESP_BY_RANGE) | C(ESP_FORWARDED) },
	{ .name = "native ESP steered to member 2 (registration)",
	  .frame_text = "IP proto 50, SPI 0x2001 in ikefwd_sa",
	  .frame = F_ESP_SA,
	  .method = BATCH,
	  .steering = true,
	  .verdict = XDP_REDIRECT,
	  .counters = C(ESP_NATIVE) | C(ESP_BY_TABLE) | C(ESP_FORWARDED) },
	{ .name = "IKE hit, owned by member 2, max_member unset (15 slots walked)",
	  .frame_text = "UDP 4500, IKE_AUTH msgid 1",
	  .frame = F_IKE_NATT,
	  .method = BATCH,
	  .walk_all = true,
	  .ispi = ISPI_PEER,
	  .msgid = 1,
	  .verdict = XDP_REDIRECT,
	  .counters = C_IKE | C(FORWARDED) },
	{ .name = "ha-sync: IKE, segment held here",
	  .frame_text = "UDP 4500, IKE_AUTH, from " SEG1_PEER,
	  .frame = F_IKE_NATT,
	  .method = BATCH,
	  .ha_sync = true,
	  .src = SEG1_PEER,
	  .ispi = ISPI_PEER,
	  .msgid = 1,
	  .verdict = XDP_PASS,
	  .counters = C_IKE | C(HA_SYNC_LOCAL) },
	{ .name = "ha-sync: IKE to member 2 (its segment)",
	  .frame_text = "UDP 4500, IKE_AUTH, from " SEG2_PEER,
	  .frame = F_IKE_NATT,
	  .method = BATCH,
	  .ha_sync = true,
	  .src = SEG2_PEER,
	  .ispi = ISPI_LOCAL,
	  .msgid = 1,
	  .verdict = XDP_REDIRECT,
	  .counters = C_IKE | C(HA_SYNC_FORWARDED) },
	{ .name = "ha-sync: ESP-in-UDP, segment held here",
	  .frame_text = "UDP 4500, SPI 0x1001, from " SEG1_PEER,
	  .frame = F_ESP_UDP,
	  .method = BATCH,
	  .ha_sync = true,
	  .src = SEG1_PEER,
	  .verdict = XDP_PASS,
	  .counters = C(ESP_IN_UDP) | C(HA_SYNC_LOCAL) },
	{ .name = "ha-sync: ESP-in-UDP to member 2 (its segment)",
	  .frame_text = "UDP 4500, SPI 0x1001, from " SEG2_PEER,
	  .frame = F_ESP_UDP,
	  .method = BATCH,
	  .ha_sync = true,
	  .src = SEG2_PEER,
	  .verdict = XDP_REDIRECT,
	  .counters = C(ESP_IN_UDP) | C(HA_SYNC_FORWARDED) },
	{ .name = "ha-sync: native ESP, segment held here",
	  .frame_text = "IP proto 50, from " SEG1_PEER,
	  .frame = F_ESP,
	  .method = BATCH,
	  .ha_sync = true,
	  .src = SEG1_PEER,
	  .verdict = XDP_PASS,
	  .counters = C(ESP_NATIVE) | C(HA_SYNC_LOCAL) },
	{ .name = "ha-sync: native ESP to member 2 (its segment)",
	  .frame_text = "IP proto 50, from " SEG2_PEER,
	  .frame = F_ESP,
	  .method = BATCH,
	  .ha_sync = true,
	  .src = SEG2_PEER,
	  .verdict = XDP_REDIRECT,
	  .counters = C(ESP_NATIVE) | C(HA_SYNC_FORWARDED) },
	{ .name = "inside: no selector",
	  .frame_text = "UDP/IPv4 to 10.2.0.1",
	  .frame = F_CLEAR,
	  .dst = "10.2.0.1",
	  .inside = true,
	  .method = BATCH,
	  .verdict = XDP_PASS,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_NO_MATCH) },
	{ .name = "inside: selector owned here (/32 in a /16)",
	  .frame_text = "UDP/IPv4 to 10.1.5.7",
	  .frame = F_CLEAR,
	  .dst = "10.1.5.7",
	  .inside = true,
	  .method = BATCH,
	  .verdict = XDP_PASS,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_LOCAL) },
	{ .name = "inside: selector owned by member 2",
	  .frame_text = "UDP/IPv4 to 10.1.9.9",
	  .frame = F_CLEAR,
	  .dst = "10.1.9.9",
	  .inside = true,
	  .method = BATCH,
	  .verdict = XDP_REDIRECT,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_FORWARDED) },
	{ .name = "inside: IPv6 selector owned by member 2",
	  .frame_text = "UDP/IPv6 to 2001:db8:100::9",
	  .frame = F_CLEAR,
	  .dst = "2001:db8:100::9",
	  .inside = true,
	  .method = BATCH,
	  .verdict = XDP_REDIRECT,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_FORWARDED) },
	{ .name = "floor: empty XDP program",
	  .frame_text = "TCP/IPv4",
	  .frame = F_TCP,
	  .method = SINGLE,
	  .floor = true,
	  .verdict = XDP_PASS },
	{ .name = "IKE hit, owned here (control)",
	  .frame_text = "UDP 4500, IKE_AUTH msgid 1",
	  .frame = F_IKE_NATT,
	  .method = SINGLE,
	  .ispi = ISPI_LOCAL,
	  .msgid = 1,
	  .verdict = XDP_PASS,
	  .counters = C_IKE | C(LOCAL) },
	{ .name = "IKE hit, owned by member 2 (control)",
	  .frame_text = "UDP 4500, IKE_AUTH msgid 1",
	  .frame = F_IKE_NATT,
	  .method = SINGLE,
	  .ispi = ISPI_PEER,
	  .msgid = 1,
	  .verdict = XDP_REDIRECT,
	  .counters = C_IKE | C(FORWARDED) },
	{ .name = "IKE fragment hit, owned here (control)",
	  .frame_text = "UDP 4500, IKE_AUTH fragment msgid 1",
	  .frame = F_IKE_NATT,
	  .method = SINGLE,
	  .fragment = true,
	  .ispi = ISPI_LOCAL,
	  .msgid = 1,
	  .verdict = XDP_PASS,
	  .counters = C_IKE | C(LOCAL) },
	{ .name = "IKE fragment hit, owned here, lookup cache cold",
	  .frame_text = "UDP 4500, IKE_AUTH fragment msgid 1",
	  .frame = F_IKE_NATT,
	  .method = SINGLE,
	  .fragment = true,
	  .cold = true,
	  .ispi = ISPI_LOCAL,
	  .msgid = 1,
	  .verdict = XDP_PASS,
	  .counters = C_IKE | C(LOCAL) },
	{ .name = "IKE fragment hit, owned by member 2 (control)",
	  .frame_text = "UDP 4500, IKE_AUTH fragment msgid 1",
	  .frame = F_IKE_NATT,
	  .method = SINGLE,
	  .fragment = true,
	  .ispi = ISPI_PEER,
	  .msgid = 1,
	  .verdict = XDP_REDIRECT,
	  .counters = C_IKE | C(FORWARDED) },
	{ .name = "IKE fragment hit, owned by member 2, lookup cache cold",
	  .frame_text = "UDP 4500, IKE_AUTH fragment msgid 1",
	  .frame = F_IKE_NATT,
	  .method = SINGLE,
	  .fragment = true,
	  .cold = true,
	  .ispi = ISPI_PEER,
	  .msgid = 1,
	  .verdict = XDP_REDIRECT,
	  .counters = C_IKE | C(FORWARDED) },
	{ .name = "native ESP steered to member 2 (registration) (control)",
	  .frame_text = "IP proto 50, SPI 0x2001 in ikefwd_sa",
	  .frame = F_ESP_SA,
	  .method = SINGLE,
	  .steering = true,
	  .verdict = XDP_REDIRECT,
	  .counters = C(ESP_NATIVE) | C(ESP_BY_TABLE) | C(ESP_FORWARDED) },
	{ .name = "native ESP steered to member 2 (registration), lookup cache cold",
	  .frame_text = "IP proto 50, SPI 0x2001 in ikefwd_sa",
	  .frame = F_ESP_SA,
	  .method = SINGLE,
	  .steering = true,
	  .cold = true,
	  .verdict = XDP_REDIRECT,
	  .counters = C(ESP_NATIVE) | C(ESP_BY_TABLE) | C(ESP_FORWARDED) },
	{ .name = "IKE to member 2, partial UDP checksum completed",
	  .frame_text = "UDP 4500, IKE_AUTH msgid 1",
	  .frame = F_IKE_NATT_PARTIAL,
	  .method = SINGLE,
	  .ispi = ISPI_PEER,
	  .msgid = 1,
	  .verdict = XDP_REDIRECT,
	  .counters = C_IKE | C(FORWARDED) | C(CSUM_COMPLETED) },
	{ .name = "IKE to member 2, partial UDP checksum completed",
	  .frame_text = "UDP 4500, IKE_AUTH msgid 1, 1400 B payload",
	  .frame = F_IKE_NATT_PARTIAL_1400,
	  .method = SINGLE,
	  .ispi = ISPI_PEER,
	  .msgid = 1,
	  .verdict = XDP_REDIRECT,
	  .counters = C_IKE | C(FORWARDED) | C(CSUM_COMPLETED) },
	{ .name = "inside: selector owned by member 2 (control)",
	  .frame_text = "UDP/IPv4 to 10.1.9.9",
	  .frame = F_CLEAR,
	  .dst = "10.1.9.9",
	  .inside = true,
	  .method = SINGLE,
	  .verdict = XDP_REDIRECT,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_FORWARDED) },
	{ .name = "inside to member 2, partial UDP checksum completed",
	  .frame_text = "UDP/IPv4 to 10.1.9.9",
	  .frame = F_CLEAR_UDP_PARTIAL,
	  .dst = "10.1.9.9",
	  .inside = true,
	  .method = SINGLE,
	  .verdict = XDP_REDIRECT,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_FORWARDED) |
		      C(CSUM_COMPLETED) },
	{ .name = "inside to member 2, partial UDP checksum completed",
	  .frame_text = "UDP/IPv4 to 10.1.9.9, 1400 B payload",
	  .frame = F_CLEAR_UDP_PARTIAL_1400,
	  .dst = "10.1.9.9",
	  .inside = true,
	  .method = SINGLE,
	  .verdict = XDP_REDIRECT,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_FORWARDED) |
		      C(CSUM_COMPLETED) },
	{ .name = "inside to member 2, partial TCP checksum completed",
	  .frame_text = "TCP/IPv4 to 10.1.9.9",
	  .frame = F_CLEAR_TCP_PARTIAL,
	  .dst = "10.1.9.9",
	  .inside = true,
	  .method = SINGLE,
	  .verdict = XDP_REDIRECT,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_FORWARDED) |
		      C(CSUM_COMPLETED) },
	{ .name = "inside to member 2, partial TCP checksum completed",
	  .frame_text = "TCP/IPv4 to 10.1.9.9, 1400 B payload",
	  .frame = F_CLEAR_TCP_PARTIAL_1400,
	  .dst = "10.1.9.9",
	  .inside = true,
	  .method = SINGLE,
	  .verdict = XDP_REDIRECT,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_FORWARDED) |
		      C(CSUM_COMPLETED) },
	{ .name = "inside to member 2, partial TCP checksum completed",
	  .frame_text = "TCP/IPv6 to 2001:db8:100::9, 1400 B payload",
	  .frame = F_CLEAR_TCP_PARTIAL_1400,
	  .dst = "2001:db8:100::9",
	  .inside = true,
	  .method = SINGLE,
	  .verdict = XDP_REDIRECT,
	  .counters = C(INSIDE_SEEN) | C(INSIDE_FORWARDED) |
		      C(CSUM_COMPLETED) },
	{ .name = "IKE miss: half-open claim",
	  .frame_text = "UDP 500, IKE_SA_INIT, new SPI per call",
	  .frame = F_IKE_INIT,
	  .method = SINGLE,
	  .key = KEY_NEW_SPI,
	  .verdict = XDP_PASS,
	  .counters = C_IKE | C(CLAIMED) | C(LOCAL) },
	{ .name = "IKE miss, not a first message: no state",
	  .frame_text = "UDP 4500, IKE_AUTH, new SPI per call",
	  .frame = F_IKE_NATT,
	  .method = SINGLE,
	  .key = KEY_NEW_SPI_NO_STATE,
	  .msgid = 1,
	  .verdict = XDP_PASS,
	  .counters = C_IKE | C(UNCLAIMED) | C(LOCAL) },
	{ .name = "IKE Phase-2 fallback",
	  .frame_text = "UDP 4500, new msgid per call, msgid 0 known",
	  .frame = F_IKE_NATT,
	  .method = SINGLE,
	  .key = KEY_NEW_MSGID,
	  .ispi = ISPI_P1,
	  .verdict = XDP_PASS,
	  .counters = C_IKE | C(PHASE2_FALLBACK) | C(LOCAL) },
};

#define N_BASE (sizeof(cases) / sizeof(cases[0]))
#define MAX_VARIANTS BENCH_MAX_VARIANTS

/* What runs: cases, then a copy of its non-floor cases per variant. */
static struct bench_case *all;
static size_t n_all;
#define N_CASES n_all

struct bench {
	struct harness h;
	struct xdp_pass_bpf *floor;
	int halfopen_fd;
	unsigned int rounds;
	uint32_t repeat;
	unsigned int calls;
	int cpu;
	uint64_t next_spi; /* claims: never reused */
	uint32_t next_msgid; /* Phase 2: never reused */
	uint32_t call_ns[MAX_CALLS];
	uint64_t *gen; /* ikefwd_gen, mapped: the cold cases move it */
	struct ikefwd_config cfg; /* as written to ikefwd_config */
	struct bench_variant variants[MAX_VARIANTS];
	int n_variants;
	bool variants_unchecked; /* -X: no counter checks on their rows */
	const char *pattern; /* -p */
};

static const char *const counter_names[] = {
#define COUNTER_NAME(id, name, help) name,
	IKEFWD_COUNTER_LIST(COUNTER_NAME)
#undef COUNTER_NAME
};

static const char *verdict_name(int v)
{
	switch (v) {
	case XDP_ABORTED:
		return "XDP_ABORTED";
	case XDP_DROP:
		return "XDP_DROP";
	case XDP_PASS:
		return "XDP_PASS";
	case XDP_TX:
		return "XDP_TX";
	case XDP_REDIRECT:
		return "XDP_REDIRECT";
	}
	return "?";
}

/* What a kernel sending with checksum offload leaves in an IPv4 UDP
 * checksum: the folded pseudo-header sum (udp4_hwcsum()). */
static void make_partial(struct pkt *p)
{
	const uint8_t *ip = p->buf + p->l3_off;
	uint8_t *udp = p->buf + p->l4_off;
	uint32_t sum = 17 + (udp[4] << 8 | udp[5]);

	for (int i = 12; i < 20; i += 2)
		sum += ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	udp[6] = sum >> 8;
	udp[7] = sum & 0xff;
}

/* The same for inside cleartext, UDP or TCP, IPv4 or IPv6
 * (tcp_v4_send_check() and the like): the folded pseudo-header sum, the
 * L4 length taken from the IP header. */
static void make_partial_l4(struct pkt *p, bool tcp)
{
	const uint8_t *ip = p->buf + p->l3_off;
	uint8_t *l4 = p->buf + p->l4_off;
	uint8_t *check = l4 + (tcp ? 16 : 6);
	bool v6 = (ip[0] >> 4) == 6;
	uint32_t len, sum;

	if (v6)
		len = (ip[4] << 8 | ip[5]) + 40 - (p->l4_off - p->l3_off);
	else
		len = (ip[2] << 8 | ip[3]) - (p->l4_off - p->l3_off);
	sum = (tcp ? 6 : 17) + len;
	for (int i = v6 ? 8 : 12; i < (v6 ? 40 : 20); i += 2)
		sum += ip[i] << 8 | ip[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	check[0] = sum >> 8;
	check[1] = sum & 0xff;
}

static int build_clear(struct pkt *p, const struct bench_case *c)
{
	bool tcp = c->frame == F_CLEAR_TCP_PARTIAL ||
		   c->frame == F_CLEAR_TCP_PARTIAL_1400;
	size_t len = c->frame == F_CLEAR_UDP_PARTIAL_1400 ||
				     c->frame == F_CLEAR_TCP_PARTIAL_1400 ?
			     1400 :
			     32;
	int err;

	if (strchr(c->dst, ':'))
		pkt_ipv6(p, "fd00:50::10", c->dst);
	else
		pkt_ipv4(p, "192.168.50.10", c->dst);
	if (tcp)
		pkt_tcp(p, 40000, 443);
	else
		pkt_udp(p, 40000, 53);
	for (size_t i = 0; i < len; i += 32)
		pkt_bytes(p, "dns query of thirty-two bytes...",
			  len - i < 32 ? len - i : 32);
	err = pkt_finish(p);
	if (!err && c->frame != F_CLEAR)
		make_partial_l4(p, tcp);
	return err;
}

static int build_frame(struct pkt *p, const struct bench_case *c, uint64_t ispi,
		       uint32_t msgid)
{
	bool partial = c->frame == F_IKE_NATT_PARTIAL ||
		       c->frame == F_IKE_NATT_PARTIAL_1400;
	bool natt = c->frame == F_IKE_NATT || partial;
	int err;

	pkt_init(p);
	pkt_eth(p, MAC_SELF, MAC_ROUTER);
	if (c->frame >= F_CLEAR)
		return build_clear(p, c);
	pkt_ipv4(p, c->src ?: "192.0.2.10", "198.51.100.1");
	switch (c->frame) {
	case F_TCP:
		pkt_tcp(p, 40000, 443);
		break;
	case F_DNS:
		pkt_udp(p, 40000, 53);
		pkt_bytes(p, "dns query of thirty-two bytes...", 32);
		break;
	case F_ESP_UDP:
		pkt_udp(p, 4500, 4500);
		pkt_esp_udp(p, 0x1001, 1, 64);
		break;
	case F_ESP:
		pkt_esp(p, 0x1001, 1, 64);
		break;
	case F_ESP_UDP_SA:
	case F_ESP_UDP_RANGE:
		pkt_udp(p, 4500, 4500);
		pkt_esp_udp(p, c->frame == F_ESP_UDP_SA ? SPI_SA : SPI_RANGE, 1,
			    64);
		break;
	case F_ESP_SA:
		pkt_esp(p, SPI_SA, 1, 64);
		break;
	case F_KEEPALIVE:
		pkt_udp(p, 4500, 4500);
		pkt_natt_keepalive(p);
		break;
	case F_CLEAR: /* built above */
	case F_CLEAR_UDP_PARTIAL:
	case F_CLEAR_UDP_PARTIAL_1400:
	case F_CLEAR_TCP_PARTIAL:
	case F_CLEAR_TCP_PARTIAL_1400:
		break;
	case F_IKE_BAD_LENGTH:
	case F_IKE_NATT:
	case F_IKE_NATT_PARTIAL:
	case F_IKE_NATT_PARTIAL_1400:
	case F_IKE_INIT:
		pkt_udp(p, natt ? 4500 : 500, natt ? 4500 : 500);
		if (natt)
			pkt_non_esp_marker(p);
		pkt_ike(p, &(struct pkt_ike){
				   .ispi = ispi,
				   .rspi = natt ? 0x9999999999999999ULL : 0,
				   .next_payload = !natt       ? 33 :
						   c->fragment ? 53 :
								 46,
				   .version = PKT_IKEV2,
				   .exchange = natt ? 35 : 34,
				   .flags = 0x08, /* initiator */
				   .msgid = msgid,
				   .length_set = c->frame == F_IKE_BAD_LENGTH,
				   .length = 20,
				   .payload_len =
					   c->frame == F_IKE_NATT_PARTIAL_1400 ?
						   1400 :
						   64,
			   });
		break;
	}
	err = pkt_finish(p);
	if (!err && partial)
		make_partial(p);
	return err;
}

/* The key of the call-th frame of a case; advances the fresh-key sources. */
static void next_key(struct bench *b, const struct bench_case *c,
		     uint64_t *ispi, uint32_t *msgid)
{
	*ispi = c->ispi;
	*msgid = c->msgid;
	if (c->key == KEY_NEW_SPI || c->key == KEY_NEW_SPI_NO_STATE)
		*ispi = b->next_spi++;
	else if (c->key == KEY_NEW_MSGID)
		*msgid = b->next_msgid++;
}

static int prog_fd(struct bench *b, const struct bench_case *c)
{
	if (c->variant) {
		const struct bench_variant *v = &b->variants[c->variant - 1];

		return c->inside ? v->inside_fd : v->xdp_fd;
	}
	if (c->inside)
		return bpf_program__fd(b->h.skel->progs.xdp_ikefwd_in);
	return c->floor ? bpf_program__fd(b->floor->progs.xdp_pass) :
			  harness_prog_fd(&b->h);
}

static int test_run(int fd, const struct pkt *p, uint32_t repeat, int *retval,
		    uint32_t *ns)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = p->buf,
		    .data_size_in = p->len, .repeat = repeat);

	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	*retval = opts.retval;
	*ns = opts.duration;
	return 0;
}

/* The events of claims and Phase-2 entries, as the sync agent would read
 * them: the ring buffer starts every measurement empty. */
static void drain_events(struct bench *b)
{
	while (harness_events(&b->h) > 0)
		;
}

/* After runs runs of case c: exactly the counters of its path moved, by
 * runs each, and no other counter did. */
static int check_counters(struct bench *b, const struct bench_case *c,
			  uint64_t runs)
{
	int err = 0;

	if (c->floor || (c->variant && b->variants_unchecked))
		return 0;
	for (int i = 0; i < IKEFWD_C_MAX; i++) {
		uint64_t want = (c->counters & (1ULL << i)) ? runs : 0;
		uint64_t got = harness_counter(&b->h, i);

		if (got != want) {
			fprintf(stderr,
				"xdp_cost: %s%s%s%s: counter %s moved by %llu, expected %llu\n",
				c->name, c->variant ? " [" : "",
				c->variant ? b->variants[c->variant - 1].name :
					     "",
				c->variant ? "]" : "", counter_names[i],
				(unsigned long long)got,
				(unsigned long long)want);
			err = -EPROTO;
		}
	}
	return err;
}

static int check_verdict(const struct bench_case *c, int retval)
{
	if (retval == c->verdict)
		return 0;
	fprintf(stderr, "xdp_cost: %s: verdict %s, expected %s\n", c->name,
		verdict_name(retval), verdict_name(c->verdict));
	return -EPROTO;
}

/* Claims leave half-open entries behind: remove them, so that every round
 * runs against the same small tables. (Phase 2 and other misses create
 * nothing.) */
static int forget_keys(struct bench *b, const struct bench_case *c,
		       uint64_t first_spi, uint32_t first_msgid)
{
	uint64_t n = b->next_spi - first_spi;
	struct ikefwd_key k;

	(void)first_msgid;
	if (c->key != KEY_NEW_SPI)
		return 0;
	for (uint64_t i = 0; i < n; i++) {
		memset(&k, 0, sizeof(k));
		ispi_bytes(first_spi + i, k.ispi);
		if (bpf_map_delete_elem(b->halfopen_fd, &k)) {
			fprintf(stderr,
				"xdp_cost: %s: entry %llu of %llu missing: %s\n",
				c->name, (unsigned long long)i,
				(unsigned long long)n, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* ESP steering on for the cases that steer, off for the others (where ESP
 * must leave at the classifier); max_member as the loader writes it (the
 * highest member id) unless the case walks every slot. Written between
 * measurements, untimed. */
static int case_config(struct bench *b, const struct bench_case *c)
{
	uint32_t flags = c->steering ? IKEFWD_CFG_ESP_STEERING : 0;
	uint32_t max_member = c->walk_all ? 0 : PEER;
	uint32_t mode = c->ha_sync ? IKEFWD_MODE_HA_SYNC :
				     IKEFWD_MODE_LOAD_SHARING;

	if (c->floor ||
	    (b->cfg.flags == flags && b->cfg.max_member == max_member &&
	     b->cfg.mode == mode))
		return 0;
	b->cfg.flags = flags;
	b->cfg.max_member = max_member;
	b->cfg.mode = mode;
	return harness_set_config(&b->h, &b->cfg);
}

/* Run once, before any timing: the verdict, the counters, and for the
 * cases that insert, the entry itself. */
static int verify_case(struct bench *b, const struct bench_case *c)
{
	uint64_t spi0 = b->next_spi, ispi;
	uint32_t msg0 = b->next_msgid, msgid, ns;
	struct ikefwd_entry e;
	uint8_t m2[6];
	struct pkt p;
	int err, retval = -1;

	next_key(b, c, &ispi, &msgid);
	err = case_config(b, c) ?: build_frame(&p, c, ispi, msgid);
	if (err)
		return err;
	harness_counters_reset(&b->h);
	/* A variant's redirects: verdict and counters (its frame's MACs are
	 * not looked at). */
	if (c->floor || c->variant || c->verdict != XDP_REDIRECT) {
		err = test_run(prog_fd(b, c), &p, 1, &retval, &ns);
		if (err)
			return err;
	} else {
		struct run_result *res = malloc(sizeof(*res));

		if (!res)
			return -ENOMEM;
		err = c->inside ? harness_run_inside(&b->h, p.buf, p.len, res) :
				  harness_run(&b->h, p.buf, p.len, res);
		retval = res->retval;
		/* Forwarded frames leave with the next hop's address. */
		if (!err && retval == XDP_REDIRECT &&
		    (pkt_mac(MAC_M2, m2) || memcmp(res->out, m2, 6))) {
			fprintf(stderr,
				"xdp_cost: %s: destination MAC not member 2's\n",
				c->name);
			err = -EPROTO;
		}
		free(res);
		if (err)
			return err;
	}
	err = check_verdict(c, retval) ?: check_counters(b, c, 1);
	if (err)
		return err;
	if (c->key == KEY_NEW_SPI) {
		err = harness_halfopen_get(&b->h, ispi, msgid, &e);
		if (err || e.owner != LOCAL || !(e.flags & IKEFWD_F_CLAIMED)) {
			fprintf(stderr, "xdp_cost: %s: no claim made\n",
				c->name);
			return -EPROTO;
		}
	}
	if (c->key != KEY_NEW_SPI && harness_halfopen_count(&b->h)) {
		fprintf(stderr, "xdp_cost: %s: a miss made a claim\n", c->name);
		return -EPROTO;
	}
	drain_events(b);
	err = forget_keys(b, c, spi0, msg0);
	if (err)
		return err;
	if (harness_table_count(&b->h) != SEEDED) {
		fprintf(stderr, "xdp_cost: %s: the table changed\n", c->name);
		return -EPROTO;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * The figure of a single-shot measurement. A mean, not a median: the clock
 * behind one run's duration may tick coarsely (kvm-clock here: ~10 ns), and
 * a median sticks to those ticks while a mean over calls at random phases
 * averages them out. The slowest 1% are dropped first: calls that took an
 * interrupt or a preemption inside their timed window.
 */
static double trimmed_mean(uint32_t *v, unsigned int n)
{
	unsigned int keep = n - n / 100;
	double sum = 0;

	qsort(v, n, sizeof(*v), cmp_u32);
	for (unsigned int i = 0; i < keep; i++)
		sum += v[i];
	return sum / keep;
}

/* One measurement of case c: returns 0 and *ns, or a negative errno. */
static int measure(struct bench *b, const struct bench_case *c, double *ns)
{
	uint64_t spi0 = b->next_spi, ispi;
	uint32_t msg0 = b->next_msgid, msgid, t = 0;
	unsigned int n = c->method == BATCH ? 1 : b->calls;
	uint64_t runs = c->method == BATCH ? b->repeat : b->calls;
	struct pkt p;
	int err, retval = -1;

	err = case_config(b, c);
	if (err)
		return err;
	harness_counters_reset(&b->h);
	for (unsigned int i = 0; i < n; i++) {
		next_key(b, c, &ispi, &msgid);
		/* Built for every call only when the key changes: building is
		 * not timed, but it would still stir the caches. */
		if (i == 0 || c->key != KEY_FIXED) {
			err = build_frame(&p, c, ispi, msgid);
			if (err)
				return err;
		}
		if (c->cold)
			ikefwd_gen_bump(b->gen);
		err = test_run(prog_fd(b, c), &p,
			       c->method == BATCH ? b->repeat : 1, &retval, &t);
		if (err)
			return err;
		err = check_verdict(c, retval);
		if (err)
			return err;
		b->call_ns[i] = t;
	}
	err = check_counters(b, c, runs);
	if (err)
		return err;
	drain_events(b);
	err = forget_keys(b, c, spi0, msg0);
	if (err)
		return err;

	if (c->method == BATCH) {
		*ns = b->call_ns[0];
	} else {
		*ns = trimmed_mean(b->call_ns, n);
	}
	return 0;
}

/* The inside cases' selectors, among many others so that the LPM tries
 * have the depth of a cluster with thousands of tunnels. */
#define TS_FILL4 4096
#define TS_FILL6 1024

static int ts_put(struct bench *b, const char *prefix, uint32_t owner)
{
	struct ikefwd_ts_maps m = {
		bpf_map__fd(b->h.skel->maps.ikefwd_ts4),
		bpf_map__fd(b->h.skel->maps.ikefwd_ts6),
	};
	struct ikefwd_ts ts = { .owner = owner,
				.flags = IKEFWD_TS_F_REGISTERED };
	struct ikefwd_prefix p;

	if (ikefwd_prefix_parse(prefix, &p))
		return -EINVAL;
	return ikefwd_ts_put(&m, &p, &ts);
}

static int seed_selectors(struct bench *b)
{
	char text[64];
	int err = ts_put(b, "10.1.0.0/16", PEER)	  ?:
			  ts_put(b, "10.1.5.7/32", LOCAL) ?:
			  ts_put(b, "2001:db8:100::/48", PEER);

	for (int i = 0; !err && i < TS_FILL4; i++) {
		snprintf(text, sizeof(text), "10.%d.%d.0/24", 128 + i / 256,
			 i % 256);
		err = ts_put(b, text, i % 2 ? PEER : LOCAL);
	}
	for (int i = 0; !err && i < TS_FILL6; i++) {
		snprintf(text, sizeof(text), "2001:db8:%x:%x::/64",
			 0x200 + i / 256, i % 256);
		err = ts_put(b, text, i % 2 ? PEER : LOCAL);
	}
	return err;
}

static int seed_esp(struct bench *b)
{
	struct ikefwd_spi_range r = { RANGE_MIN, RANGE_MAX, PEER, 0 };
	struct ikefwd_sa sa = { .owner = PEER };
	uint32_t spi = SPI_SA, slot = 0;

	if (bpf_map_update_elem(bpf_map__fd(b->h.skel->maps.ikefwd_sa), &spi,
				&sa, BPF_ANY) ||
	    bpf_map_update_elem(bpf_map__fd(b->h.skel->maps.ikefwd_spi_ranges),
				&slot, &r, BPF_ANY))
		return -errno;
	return 0;
}

/* ha-sync rows: segment 1 held here, segment 2 by member 2. */
static int seed_segments(struct bench *b)
{
	int fd = bpf_map__fd(b->h.skel->maps.ikefwd_segments);

	for (uint32_t seg = 1; seg <= 2; seg++) {
		struct ikefwd_segment s = { .member = seg == 1 ? LOCAL : PEER };

		if (bpf_map_update_elem(fd, &seg, &s, BPF_ANY))
			return -errno;
	}
	return 0;
}

static int setup(struct bench *b)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = LOCAL,
		.timeout_sec = 120,
		.ike_port = 500,
		.natt_port = 4500,
		/* As the loader writes it for members 1 and 2 (case_config()). */
		.max_member = PEER,
		/* Used only while ESP steering is on (the steered cases). */
		.nr_spi_ranges = 1,
		/* Used only in ha-sync mode (the ha-sync cases). */
		.ha_segments = 2,
	};
	int err;

	b->cfg = cfg;

	err = harness_open(&b->h);
	if (err) {
		fprintf(stderr, "xdp_cost: cannot load xdp_ikefwd: %s\n",
			strerror(-err));
		return err;
	}
	b->floor = xdp_pass_bpf__open_and_load();
	if (!b->floor) {
		err = -errno;
		fprintf(stderr, "xdp_cost: cannot load xdp_pass: %s\n",
			strerror(-err));
		return err;
	}
	b->halfopen_fd = bpf_map__fd(b->h.skel->maps.ikefwd_halfopen);
	b->gen = ikefwd_gen_map(bpf_map__fd(b->h.skel->maps.ikefwd_gen));
	if (!b->gen) {
		err = -errno;
		fprintf(stderr, "xdp_cost: cannot map ikefwd_gen: %s\n",
			strerror(-err));
		return err;
	}
	/* Member 2's devmap slot is lo: test runs without live frames only
	 * report XDP_REDIRECT, nothing is sent. */
	err = harness_set_config(&b->h, &cfg) ?:
		      harness_add_member(&b->h, LOCAL, 0, MAC_SELF, MAC_SELF, USABLE) ?:
		      harness_add_member(&b->h, PEER, 1, MAC_M2, MAC_SELF_TO_M2, USABLE) ?:
		      harness_table_put(&b->h, ISPI_LOCAL, 1, LOCAL, 0, IKEFWD_F_IKEV2) ?:
		      harness_table_put(&b->h, ISPI_PEER, 1, PEER, 0, IKEFWD_F_IKEV2) ?:
		      harness_table_put(&b->h, ISPI_P1, 0, LOCAL, 0,
					IKEFWD_F_IKEV2);
	if (!err)
		err = seed_selectors(b) ?: seed_esp(b) ?: seed_segments(b);
	if (err)
		fprintf(stderr, "xdp_cost: cannot fill the maps: %s\n",
			strerror(-err));
	return err;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0 || cpu >= CPU_SETSIZE)
		return -EINVAL;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return -errno;
	return 0;
}

static void cpu_model(char *out, size_t len)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256], *v;

	snprintf(out, len, "unknown");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "model name", 10) || !(v = strchr(line, ':')))
			continue;
		v += strspn(v + 1, " \t") + 1;
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, len, "%s", v);
		break;
	}
	fclose(f);
}

static double median_of(const double *v, unsigned int n)
{
	double s[MAX_ROUNDS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static double min_of(const double *v, unsigned int n)
{
	double m = v[0];

	for (unsigned int i = 1; i < n; i++)
		m = v[i] < m ? v[i] : m;
	return m;
}

static double max_of(const double *v, unsigned int n)
{
	double m = v[0];

	for (unsigned int i = 1; i < n; i++)
		m = v[i] > m ? v[i] : m;
	return m;
}

static const struct bench_case *floor_of(enum method m)
{
	for (size_t i = 0; i < N_CASES; i++)
		if (all[i].floor && all[i].method == m)
			return &all[i];
	return NULL;
}

/* Whole numbers as such (the kernel's batch figures), others to 0.1 ns. */
static void print_ns(double v)
{
	printf(v == (double)(long)v ? " %.0f |" : " %.1f |", v);
}

/* What the kernel made of each program: the instructions the verifier
 * walked over all paths (its complexity), the instructions it left after
 * its rewrites (helper inlining included), and the JITed bytes. */
static void print_sizes(const struct bench *b)
{
	const struct bpf_program *progs[] = {
		b->h.skel->progs.xdp_ikefwd,
		b->h.skel->progs.xdp_ikefwd_in,
		b->h.skel->progs.tc_ikefwd_egress,
	};

	printf("\nPrograms as loaded:\n\n| program | verified insns | xlated insns | JITed bytes |\n|---|---:|---:|---:|\n");
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		if (bpf_obj_get_info_by_fd(bpf_program__fd(progs[i]), &info,
					   &len))
			continue;
		printf("| %s | %u | %u | %u |\n", bpf_program__name(progs[i]),
		       info.verified_insns, info.xlated_prog_len / 8,
		       info.jited_prog_len);
	}
	for (int v = 0; v < b->n_variants; v++) {
		int fds[] = { b->variants[v].xdp_fd, b->variants[v].inside_fd };

		for (size_t i = 0; i < 2; i++) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);

			if (bpf_obj_get_info_by_fd(fds[i], &info, &len))
				continue;
			printf("| %s [%s] | %u | %u | %u |\n", info.name,
			       b->variants[v].name, info.verified_insns,
			       info.xlated_prog_len / 8, info.jited_prog_len);
		}
	}
}

/* A case's name in the report, with its variant's. */
static void print_name(const struct bench *b, const struct bench_case *c)
{
	if (c->variant)
		printf("| %s [%s] |", c->name,
		       b->variants[c->variant - 1].name);
	else
		printf("| %s |", c->name);
}

static void print_report(const struct bench *b)
{
	struct utsname u;
	char cpu[128];

	uname(&u);
	cpu_model(cpu, sizeof(cpu));
	printf("## xdp_cost: per-packet cost of xdp_ikefwd\n\n");
	printf("- kernel: %s %s %s\n", u.sysname, u.release, u.version);
	printf("- CPU: %s; %ld online, pinned to CPU %d\n", cpu,
	       sysconf(_SC_NPROCESSORS_ONLN), b->cpu);
	printf("- rounds: %u (after 1 discarded warm-up round), cases interleaved round-robin, the first case rotating each round\n",
	       b->rounds);
	printf("- batch: one frame, repeat = %u; figure = the kernel's mean ns per run (opts.duration, whole ns)\n",
	       b->repeat);
	printf("- single: %u calls with repeat = 1, a new key per call for claim and Phase 2; figure = mean ns per call without the slowest 1%%\n",
	       b->calls);
	printf("- min / median / max: over the rounds' figures; floor = the empty program measured the same way\n");
	for (int v = 0; v < b->n_variants; v++)
		printf("- rows marked [%s]: the programs of %s on the same maps, in the same rounds%s\n",
		       b->variants[v].name, b->variants[v].path,
		       b->variants_unchecked ? "; counters not checked (-X)" :
					       "");
	printf("\n");

	printf("| case | frame | method | verdict | min ns | median ns | max ns | median / floor | median - floor (ns) |\n");
	printf("|---|---|---|---|---:|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < N_CASES; i++) {
		const struct bench_case *c = &all[i];
		double fl = median_of(floor_of(c->method)->ns, b->rounds);
		double med = median_of(c->ns, b->rounds);
		struct pkt p;

		if (c->skip)
			continue;
		build_frame(&p, c, c->ispi ?: ISPI_CLAIM, c->msgid);
		print_name(b, c);
		printf(" %s, %zu B | %s | %s |", c->frame_text, p.len,
		       c->method == BATCH ? "batch" : "single",
		       verdict_name(c->verdict));
		print_ns(min_of(c->ns, b->rounds));
		print_ns(med);
		print_ns(max_of(c->ns, b->rounds));
		printf(" %.2f | %+.1f |\n", med / fl, med - fl);
	}

	printf("\nRaw figures (ns) per round:\n\n| case | method |");
	for (unsigned int r = 0; r < b->rounds; r++)
		printf(" r%u |", r + 1);
	printf("\n|---|---|");
	for (unsigned int r = 0; r < b->rounds; r++)
		printf("---:|");
	printf("\n");
	for (size_t i = 0; i < N_CASES; i++) {
		if (all[i].skip)
			continue;
		print_name(b, &all[i]);
		printf(" %s |", all[i].method == BATCH ? "batch" : "single");
		for (unsigned int r = 0; r < b->rounds; r++)
			print_ns(all[i].ns[r]);
		printf("\n");
	}

	print_sizes(b);

	printf("\nHow to read it:\n\n");
	printf("- Compare a row only with the floor of its own method. Batch rows are the\n"
	       "  steady-state cost of a path with warm caches (the same frame %u\n"
	       "  times); the kernel truncates its mean to whole ns, so differences\n"
	       "  below 1 ns are not resolved. Single rows time one run per syscall: the\n"
	       "  figure includes the kernel's two clock reads around the run and starts\n"
	       "  with caches cooled by the syscall, which is why their floor is higher.\n"
	       "  What matters there is the distance to the single floor and to the\n"
	       "  single hit control.\n",
	       b->repeat);
	printf("- Claim and Phase-2 fallback are single-shot on purpose: with repeat = N\n"
	       "  the first run inserts the entry and the N-1 others are plain hits, so a\n"
	       "  batch figure would be the hit's. Here every call carries a key never seen\n"
	       "  before (claim: a new SPI with msgid 0; Phase 2: a new msgid of a\n"
	       "  negotiation whose msgid-0 entry exists), so every call misses, inserts\n"
	       "  an entry and publishes an event on the ring buffer. The entries are\n"
	       "  deleted and the ring buffer drained between measurements (untimed), so\n"
	       "  every round sees the same %d-entry table and an empty ring buffer (a\n"
	       "  sync agent that keeps up).\n",
	       SEEDED);
	printf("- Inside rows run xdp_ikefwd_in with %d IPv4 /24 and %d IPv6 /64\n"
	       "  selectors registered besides the ones the frames hit (10.1.0.0/16 and\n"
	       "  2001:db8:100::/48 owned by member 2, 10.1.5.7/32 owned here): one LPM\n"
	       "  trie lookup per frame, then pass or the devmap redirect.\n",
	       TS_FILL4, TS_FILL6);
	printf("- Every run's verdict was checked, and after every measurement exactly the\n"
	       "  counters of the expected path had moved, by one per run; the claim and\n"
	       "  Phase-2 entries were each found and deleted. A mismatch aborts the run.\n"
	       "- The member-2 hit returns XDP_REDIRECT into a devmap slot pointing at lo;\n"
	       "  a test run without live frames transmits nothing, so its figure is the\n"
	       "  decision, the loop guard and the Ethernet rewrite, not the transmission.\n"
	       "- The configuration is the loader's for members 1 and 2: max_member = 2, so\n"
	       "  the loop guard reads member 2's record only. The row with max_member\n"
	       "  unset walks all 15 member slots (a configuration written without it).\n"
	       "- ha-sync rows run in mode ha-sync (ha_segments 2; segment 1 held\n"
	       "  here, 2 by member 2) with peers the ha plugin put in those segments\n"
	       "  (" SEG1_PEER ", " SEG2_PEER
	       "): one hash of the source and one array\n"
	       "  lookup, no table, no SA lookup, whatever ESP steering says.\n"
	       "- ESP, inside and IKE fragment batch rows repeat one key, so after\n"
	       "  their first run they are answered by the data path's per-CPU lookup\n"
	       "  caches (bpf/hot.h), as a tunnel's ESP and cleartext are; whole IKE\n"
	       "  messages are never cached (their keys rarely repeat): their rows are\n"
	       "  table lookups. The \"lookup cache cold\" rows move the table\n"
	       "  generation before every call (untimed): each call misses the cache,\n"
	       "  looks the table up and refills the slot, as the first packet after\n"
	       "  a table write does; compare them with their (control) rows.\n"
	       "- ESP steered rows run with ESP steering on (ikefwd_sa holds SPI 0x%x for\n"
	       "  member 2, whose SPI range is 0x%x-0x%x); every other row with it off.\n",
	       SPI_SA, RANGE_MIN, RANGE_MAX);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: xdp_cost [-r ROUNDS] [-n REPEAT] [-k CALLS] [-c CPU] [-p TEXT]\n"
		"                [-V NAME=OBJECT]... [-X]\n"
		"  -r  rounds, 1..%d (default 7)\n"
		"  -n  runs per batch measurement (default 1000000)\n"
		"  -k  calls per single-shot measurement, 1..%d (default %d)\n"
		"  -c  CPU to pin to (default: the last online CPU)\n"
		"  -p  only the cases whose name contains TEXT (and the floors),\n"
		"      e.g. to profile one path with perf\n"
		"  -V  also run every case with the programs of OBJECT (another\n"
		"      build's ikefwd.bpf.o) on this run's maps, rows marked [NAME],\n"
		"      in the same rounds (up to %d variants)\n"
		"  -X  do not check the variants' counters (ablation builds)\n"
		"Needs root (loads BPF programs). Markdown report on stdout.\n",
		MAX_ROUNDS, MAX_CALLS, MAX_CALLS, MAX_VARIANTS);
}

static int parse_args(struct bench *b, int argc, char **argv)
{
	long v;
	int opt;

	b->rounds = 7;
	b->repeat = 1000000;
	b->calls = MAX_CALLS;
	b->cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	while ((opt = getopt(argc, argv, "r:n:k:c:p:V:Xh")) != -1) {
		v = optarg ? strtol(optarg, NULL, 10) : 0;
		switch (opt) {
		case 'r':
			if (v < 1 || v > MAX_ROUNDS)
				return -EINVAL;
			b->rounds = v;
			break;
		case 'n':
			if (v < 1 || v > 100000000)
				return -EINVAL;
			b->repeat = v;
			break;
		case 'k':
			if (v < 1 || v > MAX_CALLS)
				return -EINVAL;
			b->calls = v;
			break;
		case 'c':
			if (v < 0)
				return -EINVAL;
			b->cpu = v;
			break;
		case 'p':
			b->pattern = optarg;
			break;
		case 'V':
			if (b->n_variants == MAX_VARIANTS ||
			    bench_variant_arg(&b->variants[b->n_variants],
					      optarg))
				return -EINVAL;
			b->n_variants++;
			break;
		case 'X':
			b->variants_unchecked = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	return optind == argc ? 0 : -EINVAL;
}

/* cases, then per variant a copy of each case -p keeps (floors are
 * shared: a variant's rows are compared with the same floor). */
static int make_cases(struct bench *b)
{
	size_t n = N_BASE;

	all = calloc(N_BASE * (b->n_variants + 1), sizeof(*all));
	if (!all)
		return -ENOMEM;
	memcpy(all, cases, sizeof(cases));
	for (size_t i = 0; i < N_BASE; i++)
		all[i].skip = b->pattern && !all[i].floor &&
			      !strstr(all[i].name, b->pattern);
	for (int v = 1; v <= b->n_variants; v++)
		for (size_t i = 0; i < N_BASE; i++) {
			if (all[i].floor || all[i].skip)
				continue;
			all[n] = all[i];
			all[n].variant = v;
			n++;
		}
	n_all = n;
	return 0;
}

int main(int argc, char **argv)
{
	static struct bench b;
	double discard;
	int err;

	if (parse_args(&b, argc, argv)) {
		usage(stderr);
		return 2;
	}
	if (make_cases(&b)) {
		fprintf(stderr, "xdp_cost: out of memory\n");
		return 1;
	}
	err = pin_cpu(b.cpu);
	if (err) {
		fprintf(stderr, "xdp_cost: cannot pin to CPU %d: %s\n", b.cpu,
			strerror(-err));
		return 1;
	}
	b.next_spi = ISPI_CLAIM;
	b.next_msgid = 1000;
	err = setup(&b);
	for (int v = 0; v < b.n_variants && !err; v++)
		err = bench_variant_load(&b.variants[v], b.h.skel->obj,
					 "xdp_cost");
	if (err)
		goto out;

	for (size_t i = 0; i < N_CASES && !err; i++)
		if (!all[i].skip)
			err = verify_case(&b, &all[i]);
	/* Round 0 warms caches, the JIT image and the LRU free lists. */
	for (unsigned int r = 0; r <= b.rounds && !err; r++) {
		for (size_t j = 0; j < N_CASES && !err; j++) {
			struct bench_case *c = &all[(r + j) % N_CASES];

			if (c->skip)
				continue;
			err = measure(&b, c, r ? &c->ns[r - 1] : &discard);
		}
	}
	if (!err && harness_table_count(&b.h) != SEEDED) {
		fprintf(stderr, "xdp_cost: entries left in the table\n");
		err = -EPROTO;
	}
	if (!err)
		print_report(&b);
out:
	for (int v = 0; v < b.n_variants; v++)
		bench_variant_close(&b.variants[v]);
	xdp_pass_bpf__destroy(b.floor);
	harness_close(&b.h);
	free(all);
	return err ? 1 : 0;
}
