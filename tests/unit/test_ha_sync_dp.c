// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ha-sync mode's data path on the real compiled object (bpf/ha_sync.h):
 * IKE and ESP from a peer go to the member holding the peer's segment in
 * ikefwd_segments, inside cleartext to the holder of its selector's
 * segment; nothing touches the ownership, half-open or SA tables. The
 * peers' segments are those strongSwan's ha plugin decided in the lab
 * (unit/ha_segment_vectors.txt), so the expectations do not come from the
 * function under test.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cunit_main.h"
#include "ikefwd.skel.h"
#include "ikefwd/ha_segment.h"
#include "ikefwd/sa.h"
#include "pktbuild.h"
#include "selector.h"
#include "xdp_harness.h"

#define MAC_ROUTER "02:00:00:00:00:aa"
#define MAC_SELF "02:00:00:00:01:01"
#define MAC_M2 "02:00:00:00:02:02"
#define MAC_SELF_TO_M2 "02:00:00:00:01:02"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define LOCAL 1
#define PEER 2

/* From unit/ha_segment_vectors.txt, segment_count 2: the plugin put
 * 10.0.1.8 and 10.0.1.9 in segment 1, 10.0.1.10 and 10.0.1.16 in 2. */
#define IN_SEG1 "10.0.1.8"
#define IN_SEG1_B "10.0.1.9"
#define IN_SEG2 "10.0.1.10"
#define IN_SEG2_B "10.0.1.16"
#define V6_PEER "2001:db8::10"
#define GW4 "198.51.100.1"
#define GW6 "2001:db8:1::1"

static struct harness h;

static struct ikefwd_config cfg_mode(uint32_t mode, uint32_t segments)
{
	return (struct ikefwd_config){
		.mode = mode,
		.local_member = LOCAL,
		.max_member = 2,
		.timeout_sec = 120,
		.ha_segments = segments,
	};
}

static int seg_put(uint32_t seg, uint32_t member)
{
	struct ikefwd_segment s = { .member = member,
				    .changed_ns = harness_now_ns() };

	return bpf_map_update_elem(bpf_map__fd(h.skel->maps.ikefwd_segments),
				   &seg, &s, BPF_ANY);
}

static void setup(void)
{
	struct ikefwd_config c = cfg_mode(IKEFWD_MODE_HA_SYNC, 2);

	CU_ASSERT_FATAL(harness_open(&h) == 0);
	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, LOCAL, 0, MAC_SELF, MAC_SELF,
					   USABLE) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, PEER, 1, MAC_M2, MAC_SELF_TO_M2,
					   USABLE) == 0);
	CU_ASSERT_FATAL(seg_put(1, LOCAL) == 0);
	CU_ASSERT_FATAL(seg_put(2, PEER) == 0);
	harness_counters_reset(&h);
}

static void teardown(void)
{
	harness_close(&h);
}

static uint64_t C(enum ikefwd_counter c)
{
	return harness_counter(&h, c);
}

enum kind {
	IKE2_500,
	IKE2_4500,
	IKE1_500,
	ESP_NATIVE,
	ESP_UDP,
};

struct frame {
	enum kind kind;
	const char *src; /* the peer; default IN_SEG2 */
	const char *src_mac; /* default: the router */
	int frag; /* 1: first fragment, 2: a later one */
	uint16_t frag_id;
};

static void build(struct pkt *p, const struct frame *f)
{
	const char *src = f->src ?: IN_SEG2;
	bool v6 = strchr(src, ':');
	bool later = f->frag == 2;
	uint8_t proto = f->kind == ESP_NATIVE ? 50 : 17;

	pkt_init(p);
	pkt_eth(p, MAC_SELF, f->src_mac ?: MAC_ROUTER);
	if (v6) {
		pkt_ipv6(p, src, GW6);
		if (f->frag)
			pkt_ipv6_frag(p, f->frag_id, later ? 100 : 0, true);
	} else {
		pkt_ipv4(p, src, GW4);
		if (f->frag)
			pkt_ipv4_frag(p, f->frag_id, true, later ? 100 : 0);
	}
	if (later) {
		pkt_proto(p, proto);
		pkt_bytes(p, "later fragment bytes", 20);
		CU_ASSERT_FATAL(pkt_finish(p) == 0);
		return;
	}
	switch (f->kind) {
	case ESP_NATIVE:
		pkt_esp(p, 0xc1000001, 9, 64);
		break;
	case ESP_UDP:
		pkt_udp(p, 4500, 4500);
		pkt_esp_udp(p, 0xc1000001, 9, 64);
		break;
	default:
		pkt_udp(p, f->kind == IKE2_4500 ? 4500 : 500,
			f->kind == IKE2_4500 ? 4500 : 500);
		if (f->kind == IKE2_4500)
			pkt_non_esp_marker(p);
		/* A first message with no state anywhere: what load-sharing
		 * would claim. */
		pkt_ike(p, &(struct pkt_ike){
				   .ispi = 0x1122334455667788ULL,
				   .next_payload = 33,
				   .version = f->kind == IKE1_500 ? PKT_IKEV1 :
								    PKT_IKEV2,
				   .exchange = f->kind == IKE1_500 ? 2 : 34,
				   .flags = f->kind == IKE1_500 ? 0 : 0x08,
				   .payload_len = 64,
			   });
	}
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

/* Runs f through xdp_ikefwd: the verdict; a redirected frame must have
 * left for member 2 with only its MACs changed (the UDP checksums pktbuild
 * writes are complete, so nothing else moves), a passed or dropped one
 * untouched. */
static int run(const struct frame *f)
{
	struct run_result r;
	struct pkt p, want;

	build(&p, f);
	want = p;
	CU_ASSERT_FATAL(harness_run(&h, p.buf, p.len, &r) == 0);
	if (r.retval == XDP_REDIRECT) {
		pkt_mac(MAC_M2, want.buf);
		pkt_mac(MAC_SELF_TO_M2, want.buf + 6);
	}
	CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf, want.len));
	return r.retval;
}

/* No claim, no half-open entry, no announcement, no SA lookup. */
static void assert_no_table_use(void)
{
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	CU_ASSERT_EQUAL(harness_halfopen_count(&h), 0);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_UNCLAIMED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_BY_TABLE), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_BY_RANGE), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_UNKNOWN), 0);
}

/* Every IPv4 peer the plugin placed, through the compiled program: each
 * goes where its recorded segment's holder is, for segment_count 2 and 16
 * (one segment held by the peer member, every other one here). */
static void test_plugin_vectors(void)
{
	unsigned int n2 = 0, n16 = 0, count, seg, s;
	char line[256], kind[8], addr[64];
	struct ikefwd_config c;
	FILE *f;

	f = fopen(IKEFWD_HA_VECTORS, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%7s %63s %u %u", kind, addr, &count, &seg) !=
			    4 ||
		    strcmp(kind, "ike"))
			continue;
		c = cfg_mode(IKEFWD_MODE_HA_SYNC, count);
		CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
		for (s = 1; s <= IKEFWD_HA_SEGMENTS_MAX; s++)
			CU_ASSERT_FATAL(seg_put(s, s == seg ? PEER : LOCAL) ==
					0);
		if (run(&(struct frame){ .kind = IKE2_500, .src = addr }) !=
		    XDP_REDIRECT)
			fprintf(stderr, "\n  %s: not sent to segment %u", addr,
				seg);
		/* And back here once the segment is ours. */
		CU_ASSERT_FATAL(seg_put(seg, LOCAL) == 0);
		CU_ASSERT_EQUAL(
			run(&(struct frame){ .kind = IKE2_500, .src = addr }),
			XDP_PASS);
		if (count == 2)
			n2++;
		else if (count == 16)
			n16++;
	}
	fclose(f);
	CU_ASSERT(n2 >= 16);
	CU_ASSERT(n16 >= 32);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), n2 + n16);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOCAL), n2 + n16);
	assert_no_table_use();
}

/* IKEv2 on 500 and 4500, IKEv1: by the source's segment, never claimed. */
static void test_ike(void)
{
	static const enum kind kinds[] = { IKE2_500, IKE2_4500, IKE1_500 };

	for (size_t i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(run(&(struct frame){ .kind = kinds[i],
						     .src = IN_SEG2 }),
				XDP_REDIRECT);
		CU_ASSERT_EQUAL(run(&(struct frame){ .kind = kinds[i],
						     .src = IN_SEG2_B }),
				XDP_REDIRECT);
		CU_ASSERT_EQUAL(run(&(struct frame){ .kind = kinds[i],
						     .src = IN_SEG1 }),
				XDP_PASS);
		CU_ASSERT_EQUAL(run(&(struct frame){ .kind = kinds[i],
						     .src = IN_SEG1_B }),
				XDP_PASS);
	}
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_SEEN), 12);
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_V1), 4);
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_V2), 8);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), 6);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOCAL), 6);
	/* The load-sharing outcomes stay untouched. */
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 0);
	assert_no_table_use();
}

/* ESP, native and in UDP, with esp_steering off: by the source's segment.
 * An SA registration naming this member for the SPI changes nothing. */
static void test_esp(void)
{
	struct ikefwd_sa sa = { .owner = LOCAL };
	uint32_t spi = 0xc1000001;

	CU_ASSERT_FATAL(bpf_map_update_elem(bpf_map__fd(h.skel->maps.ikefwd_sa),
					    &spi, &sa, BPF_ANY) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE }),
			XDP_REDIRECT);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_UDP }), XDP_REDIRECT);
	CU_ASSERT_EQUAL(
		run(&(struct frame){ .kind = ESP_NATIVE, .src = IN_SEG1 }),
		XDP_PASS);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_UDP, .src = IN_SEG1 }),
			XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_NATIVE), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_IN_UDP), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOCAL), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_FORWARDED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_LOCAL), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_SEEN), 0);
	assert_no_table_use();
}

/* The plugin hashes every IPv6 peer as the address 0: all of them are in
 * that one segment, whatever their address. */
static void test_ipv6(void)
{
	uint32_t s0 = ikefwd_ha_segment_v4(0, 2), other = 3 - s0;
	static const enum kind kinds[] = { IKE2_500, IKE2_4500, ESP_NATIVE,
					   ESP_UDP };

	CU_ASSERT_FATAL(seg_put(s0, PEER) == 0);
	CU_ASSERT_FATAL(seg_put(other, LOCAL) == 0);
	for (size_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(run(&(struct frame){ .kind = kinds[i],
						     .src = V6_PEER }),
				XDP_REDIRECT);
		CU_ASSERT_EQUAL(
			run(&(struct frame){ .kind = kinds[i],
					     .src = "2001:db8:ff::77" }),
			XDP_REDIRECT);
	}
	CU_ASSERT_FATAL(seg_put(s0, LOCAL) == 0);
	CU_ASSERT_FATAL(seg_put(other, PEER) == 0);
	for (size_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(run(&(struct frame){ .kind = kinds[i],
						     .src = V6_PEER }),
				XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), 8);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOCAL), 4);
	assert_no_table_use();
}

/* A fragmented IKE message: the first fragment goes by the segment, the
 * later ones follow it (they have no UDP header to say IKE). Native ESP
 * fragments say protocol 50 in every fragment and go by the source. */
static void fragments(const char *seg2_src, const char *seg1_src)
{
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500,
					     .src = seg2_src,
					     .frag = 1,
					     .frag_id = 41 }),
			XDP_REDIRECT);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500,
					     .src = seg2_src,
					     .frag = 2,
					     .frag_id = 41 }),
			XDP_REDIRECT);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_4500,
					     .src = seg1_src,
					     .frag = 1,
					     .frag_id = 42 }),
			XDP_PASS);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_4500,
					     .src = seg1_src,
					     .frag = 2,
					     .frag_id = 42 }),
			XDP_PASS);
	/* A UDP later fragment without its first: not known to be IKE. */
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500,
					     .src = seg2_src,
					     .frag = 2,
					     .frag_id = 43 }),
			XDP_PASS);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE,
					     .src = seg2_src,
					     .frag = 1,
					     .frag_id = 44 }),
			XDP_REDIRECT);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE,
					     .src = seg2_src,
					     .frag = 2,
					     .frag_id = 44 }),
			XDP_REDIRECT);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE,
					     .src = seg1_src,
					     .frag = 2,
					     .frag_id = 45 }),
			XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FRAG_FIRST), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FRAG_FOLLOWED), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FRAG_NO_RECORD), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 1); /* the followed one */
	/* IKE first, ESP first and later: by segment. */
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOCAL), 2);
	assert_no_table_use();
}

static void test_fragments_ipv4(void)
{
	fragments(IN_SEG2, IN_SEG1);
}

static void test_fragments_ipv6(void)
{
	uint32_t s0 = ikefwd_ha_segment_v4(0, 2);

	/* The segment of every IPv6 peer held by the peer member, then
	 * (for the "here" half) by this one: run the halves apart. */
	CU_ASSERT_FATAL(seg_put(s0, PEER) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500,
					     .src = V6_PEER,
					     .frag = 1,
					     .frag_id = 51 }),
			XDP_REDIRECT);
	/* The map changes between the fragments: the datagram stays
	 * together. */
	CU_ASSERT_FATAL(seg_put(s0, LOCAL) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500,
					     .src = V6_PEER,
					     .frag = 2,
					     .frag_id = 51 }),
			XDP_REDIRECT);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE,
					     .src = V6_PEER,
					     .frag = 2,
					     .frag_id = 52 }),
			XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FRAG_FIRST), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FRAG_FOLLOWED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOCAL), 1);
}

/* Dead, unreachable, no next hop at all, nobody yet: passed, counted. */
static void test_holder_states(void)
{
	CU_ASSERT_FATAL(harness_add_member(&h, PEER, 1, MAC_M2, MAC_SELF_TO_M2,
					   IKEFWD_MEMBER_REACHABLE) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500 }), XDP_PASS);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE }), XDP_PASS);
	CU_ASSERT_FATAL(harness_add_member(&h, PEER, 1, MAC_M2, MAC_SELF_TO_M2,
					   IKEFWD_MEMBER_ALIVE) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_UDP }), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_HOLDER_DOWN), 3);

	/* Nobody holds segment 2 yet. */
	CU_ASSERT_FATAL(harness_add_member(&h, PEER, 1, MAC_M2, MAC_SELF_TO_M2,
					   USABLE) == 0);
	CU_ASSERT_FATAL(seg_put(2, 0) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_4500 }), XDP_PASS);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_UDP }), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_UNASSIGNED), 2);

	/* A holder with no member record, and one whose devmap slot is
	 * empty (the redirect helper fails: the frame is restored). */
	CU_ASSERT_FATAL(seg_put(2, 7) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500 }), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_HOLDER_DOWN), 4);
	{
		struct ikefwd_member m = { .id = 5,
					   .ifindex = 1,
					   .state = USABLE };
		uint32_t id = 5;

		pkt_mac("02:00:00:00:05:05", m.mac);
		CU_ASSERT_FATAL(
			bpf_map_update_elem(
				bpf_map__fd(h.skel->maps.ikefwd_members), &id,
				&m, BPF_ANY) == 0);
	}
	CU_ASSERT_FATAL(seg_put(2, 5) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE }), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_REDIRECT_FAIL), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), 0);
	assert_no_table_use();
}

/* The controller rewrites a segment: the very next packet follows. */
static void test_segment_change(void)
{
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500 }), XDP_REDIRECT);
	CU_ASSERT_FATAL(seg_put(2, LOCAL) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500 }), XDP_PASS);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE }), XDP_PASS);
	CU_ASSERT_EQUAL(
		run(&(struct frame){ .kind = IKE2_500, .src = IN_SEG1 }),
		XDP_PASS);
	CU_ASSERT_FATAL(seg_put(1, PEER) == 0);
	CU_ASSERT_EQUAL(
		run(&(struct frame){ .kind = IKE2_500, .src = IN_SEG1 }),
		XDP_REDIRECT);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_UDP, .src = IN_SEG1 }),
			XDP_REDIRECT);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOCAL), 3);
}

/* A frame member 2 redirected to us: kept if we hold the segment (or
 * nobody does), dropped if our map names someone else; never bounced. */
static void test_loop_guard(void)
{
	CU_ASSERT_EQUAL(
		run(&(struct frame){ .kind = IKE2_500, .src_mac = MAC_M2 }),
		XDP_DROP);
	CU_ASSERT_EQUAL(
		run(&(struct frame){ .kind = ESP_NATIVE, .src_mac = MAC_M2 }),
		XDP_DROP);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500,
					     .src = IN_SEG1,
					     .src_mac = MAC_M2 }),
			XDP_PASS);
	CU_ASSERT_FATAL(seg_put(2, 0) == 0);
	CU_ASSERT_EQUAL(
		run(&(struct frame){ .kind = ESP_UDP, .src_mac = MAC_M2 }),
		XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOOP_GUARD), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOCAL), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_UNASSIGNED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOOP_GUARD), 0);
}

/* ---- inside ---- */

static int ts_put(const char *prefix, uint32_t owner, uint32_t segment)
{
	return harness_ts_put(&h, prefix, owner,
			      segment << IKEFWD_TS_SEGMENT_SHIFT, 0);
}

static int run_inside(const char *dst, const char *src_mac)
{
	struct run_result r;
	struct pkt p, want;

	CU_ASSERT_FATAL(
		pkt_cleartext(&p, MAC_SELF, src_mac ?: MAC_ROUTER, dst) == 0);
	want = p;
	CU_ASSERT_FATAL(harness_run_inside(&h, p.buf, p.len, &r) == 0);
	if (r.retval == XDP_REDIRECT) {
		pkt_mac(MAC_M2, want.buf);
		pkt_mac(MAC_SELF_TO_M2, want.buf + 6);
	}
	CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf, want.len));
	return r.retval;
}

/* A selector carrying its peer's segment follows the segment's holder,
 * whatever member registered it; one without a segment keeps its owner. */
static void test_inside_by_segment(void)
{
	/* Registered by this member (owner 1), peer in segment 2. */
	CU_ASSERT_FATAL(ts_put("10.1.0.0/16", LOCAL, 2) == 0);
	CU_ASSERT_FATAL(ts_put("10.2.0.0/16", PEER, 1) == 0);
	CU_ASSERT_FATAL(ts_put("2001:db8:100::/48", LOCAL, 2) == 0);
	/* No segment: today's owner logic. */
	CU_ASSERT_FATAL(ts_put("10.3.0.0/16", PEER, 0) == 0);
	CU_ASSERT_FATAL(ts_put("10.4.0.0/16", LOCAL, 0) == 0);

	CU_ASSERT_EQUAL(run_inside("10.1.2.3", NULL), XDP_REDIRECT);
	CU_ASSERT_EQUAL(run_inside("2001:db8:100::9", NULL), XDP_REDIRECT);
	CU_ASSERT_EQUAL(run_inside("10.2.2.3", NULL), XDP_PASS);
	CU_ASSERT_EQUAL(run_inside("10.3.2.3", NULL), XDP_REDIRECT);
	CU_ASSERT_EQUAL(run_inside("10.4.2.3", NULL), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_BY_SEGMENT), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_FORWARDED), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_LOCAL), 2);

	/* Takeover: one map write moves every selector of segment 2. */
	CU_ASSERT_FATAL(seg_put(2, LOCAL) == 0);
	CU_ASSERT_FATAL(seg_put(1, PEER) == 0);
	CU_ASSERT_EQUAL(run_inside("10.1.2.3", NULL), XDP_PASS);
	CU_ASSERT_EQUAL(run_inside("2001:db8:100::9", NULL), XDP_PASS);
	CU_ASSERT_EQUAL(run_inside("10.2.2.3", NULL), XDP_REDIRECT);
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_BY_SEGMENT), 6);

	/* Nobody holds segment 1 yet: passed. */
	CU_ASSERT_FATAL(seg_put(1, 0) == 0);
	CU_ASSERT_EQUAL(run_inside("10.2.2.3", NULL), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_SEGMENT_UNASSIGNED), 1);

	/* Holder dead: fails closed, as a dead owner does. */
	CU_ASSERT_FATAL(seg_put(1, PEER) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, PEER, 1, MAC_M2, MAC_SELF_TO_M2,
					   IKEFWD_MEMBER_REACHABLE) == 0);
	CU_ASSERT_EQUAL(run_inside("10.2.2.3", NULL), XDP_DROP);
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_OWNER_DEAD), 1);

	/* Forwarded by member 2 although member 2 holds the segment. */
	CU_ASSERT_FATAL(harness_add_member(&h, PEER, 1, MAC_M2, MAC_SELF_TO_M2,
					   USABLE) == 0);
	CU_ASSERT_EQUAL(run_inside("10.2.2.3", MAC_M2), XDP_DROP);
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_LOOP_GUARD), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_FORWARDED), 4);
}

/* In load-sharing mode the segment bits of a registration mean nothing. */
static void test_inside_segment_ignored_in_load_sharing(void)
{
	struct ikefwd_config c = cfg_mode(IKEFWD_MODE_LOAD_SHARING, 2);

	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	CU_ASSERT_FATAL(ts_put("10.1.0.0/16", LOCAL, 2) == 0);
	CU_ASSERT_FATAL(ts_put("10.2.0.0/16", PEER, 1) == 0);
	CU_ASSERT_EQUAL(run_inside("10.1.2.3", NULL), XDP_PASS);
	CU_ASSERT_EQUAL(run_inside("10.2.2.3", NULL), XDP_REDIRECT);
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_BY_SEGMENT), 0);
}

/* ---- tc egress ---- */

static int send_out(uint64_t ispi, uint64_t rspi, bool response,
		    const char *dst)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, MAC_ROUTER, MAC_SELF);
	pkt_ipv4(&p, GW4, dst);
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = ispi,
				       .rspi = rspi,
				       .version = PKT_IKEV2,
				       .flags = response ? 0x20 : 0x08,
				       .exchange = 34,
				       .payload_len = 32 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	return harness_run_egress(&h, p.buf, p.len);
}

/* What this member's charon sends claims and promotes nothing: the plugin
 * decides who answers. The leak guard still holds. */
static void test_egress(void)
{
	struct pkt p;

	CU_ASSERT_EQUAL(send_out(0x51, 0, false, IN_SEG2), TC_ACT_OK);
	CU_ASSERT_EQUAL(send_out(0x52, 0x99, true, IN_SEG1), TC_ACT_OK);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_IKE_SEEN), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CLAIMED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTED), 0);
	assert_no_table_use();

	CU_ASSERT_FATAL(ts_put("10.1.0.0/16", LOCAL, 2) == 0);
	pkt_init(&p);
	pkt_eth(&p, MAC_ROUTER, MAC_SELF);
	pkt_ipv4(&p, GW4, "10.1.2.3");
	pkt_udp(&p, 40000, 53);
	pkt_bytes(&p, "cleartext", 9);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL(harness_run_egress(&h, p.buf, p.len), TC_ACT_SHOT);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LEAK_BLOCKED), 1);
}

/* ---- the other modes ignore the segment map ---- */

static void test_load_sharing_unaffected(void)
{
	struct ikefwd_config c = cfg_mode(IKEFWD_MODE_LOAD_SHARING, 2);

	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	/* Segment 2 is member 2's, yet a first message is claimed here and
	 * ESP (steering off) is not looked at. */
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500 }), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 1);
	CU_ASSERT_EQUAL(harness_halfopen_count(&h), 1);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE }), XDP_PASS);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_UDP }), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_NATIVE), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_IN_UDP), 1); /* counted, not steered */
	/* A later native ESP fragment stays unclassified outside ha-sync. */
	CU_ASSERT_EQUAL(run(&(struct frame){
				.kind = ESP_NATIVE, .frag = 2, .frag_id = 9 }),
			XDP_PASS);
	/* tc egress claims again. */
	CU_ASSERT_EQUAL(send_out(0x61, 0, false, IN_SEG2), TC_ACT_OK);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CLAIMED), 1);

	/* HA mode: the active member, not the segment. */
	c = cfg_mode(IKEFWD_MODE_HA, 2);
	c.active_member = LOCAL;
	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500 }), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_LOCAL), 1);

	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_LOCAL), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_UNASSIGNED), 0);
}

/* A configuration without a valid segment count: nobody's segment. */
static void test_bad_segment_count(void)
{
	struct ikefwd_config c = cfg_mode(IKEFWD_MODE_HA_SYNC, 0);

	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500 }), XDP_PASS);
	c.ha_segments = 17;
	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_NATIVE }), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_UNASSIGNED), 2);
	/* Unconfigured (no local member): passed before any decision. */
	c = cfg_mode(IKEFWD_MODE_HA_SYNC, 2);
	c.local_member = 0;
	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = IKE2_500 }), XDP_PASS);
	CU_ASSERT_EQUAL(run(&(struct frame){ .kind = ESP_UDP }), XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_UNCONFIGURED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_SYNC_FORWARDED), 0);
}

#ifdef IKEFWD_BIN
/* `ikefwd status` reads the segment map of a pinned data path: loaded
 * here with every map pinned on a bpffs of this process's own mount
 * namespace, on a tmpfs that goes with it. */
static char *status_of(const char *pin_root)
{
	char cmd[512], *out = NULL;
	size_t len = 0, n;
	char buf[4096];
	FILE *p, *o;

	snprintf(cmd, sizeof(cmd), "%s status --pin-root %s", IKEFWD_BIN,
		 pin_root);
	p = popen(cmd, "r");
	o = open_memstream(&out, &len);
	if (!p || !o)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		fwrite(buf, 1, n, o);
	pclose(p);
	fclose(o);
	return out;
}

static void test_status(void)
{
	char dir[] = "/tmp/ikefwd-hasync-XXXXXX", bpffs[64], pin_root[96];
	struct ikefwd_config c = cfg_mode(IKEFWD_MODE_HA_SYNC, 2);
	struct harness hp = {};
	struct ikefwd_segment s = { .member = LOCAL };
	bool mounted = false, fs = false;
	uint32_t seg = 1;
	char *out = NULL;
	int fd;

	/* Nothing mounted here propagates to the host. */
	CU_ASSERT_FATAL(unshare(CLONE_NEWNS) == 0);
	CU_ASSERT_FATAL(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
	CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
	if (mount("tmpfs", dir, "tmpfs", 0, "mode=0700"))
		goto out;
	mounted = true;
	snprintf(bpffs, sizeof(bpffs), "%s/bpf", dir);
	snprintf(pin_root, sizeof(pin_root), "%s/ikefwd", bpffs);
	if (mkdir(bpffs, 0700) || mount("bpf", bpffs, "bpf", 0, "mode=0700"))
		goto out;
	fs = true;
	if (harness_open_pinned(&hp, pin_root))
		goto out;
	CU_ASSERT_FATAL(harness_set_config(&hp, &c) == 0);
	fd = bpf_map__fd(hp.skel->maps.ikefwd_segments);
	CU_ASSERT(bpf_map_update_elem(fd, &seg, &s, BPF_ANY) == 0);

	out = status_of(pin_root);
	CU_ASSERT_PTR_NOT_NULL(out);
	if (out && !strstr(out, "segments (ha-sync, 2):\n"
				"   1 member 1 (local)\n"
				"   2 nobody yet\n"))
		fprintf(stderr, "\n%s", out);
	CU_ASSERT(out && strstr(out, "segments (ha-sync, 2):\n"
				     "   1 member 1 (local)\n"
				     "   2 nobody yet\n"));
	free(out);

	seg = 2;
	s.member = PEER;
	CU_ASSERT(bpf_map_update_elem(fd, &seg, &s, BPF_ANY) == 0);
	out = status_of(pin_root);
	CU_ASSERT(out && strstr(out, "   2 member 2\n"));
	free(out);

	/* Other modes have no segments to show. */
	c.mode = IKEFWD_MODE_LOAD_SHARING;
	CU_ASSERT(harness_set_config(&hp, &c) == 0);
	out = status_of(pin_root);
	CU_ASSERT(out && strstr(out, "mode: load-sharing") &&
		  !strstr(out, "segments"));
	free(out);
	out = NULL;
out:
	CU_ASSERT(fs);
	harness_close(&hp);
	if (fs)
		umount2(bpffs, MNT_DETACH);
	if (mounted)
		umount2(dir, MNT_DETACH);
	rmdir(dir);
}
#endif

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "the plugin's peers go to their segment's holder",
		  test_plugin_vectors },
		{ "IKEv2 on 500 and 4500, IKEv1", test_ike },
		{ "ESP native and in UDP, steering off", test_esp },
		{ "IPv6 peers: the segment of address 0", test_ipv6 },
		{ "fragments (IPv4)", test_fragments_ipv4 },
		{ "fragments (IPv6), map change between them",
		  test_fragments_ipv6 },
		{ "holder dead, unreachable, unassigned, redirect failed",
		  test_holder_states },
		{ "a segment change takes effect on the next packet",
		  test_segment_change },
		{ "loop guard", test_loop_guard },
		{ "inside: by segment, fallback to owner",
		  test_inside_by_segment },
		{ "inside: segment ignored in load-sharing",
		  test_inside_segment_ignored_in_load_sharing },
		{ "tc egress claims nothing, leak guard holds", test_egress },
		{ "load-sharing and ha ignore the segment map",
		  test_load_sharing_unaffected },
		{ "bad segment count, unconfigured", test_bad_segment_count },
#ifdef IKEFWD_BIN
		{ "ikefwd status shows the segment map", test_status },
#endif
	};

	return cunit_run_suite("ha_sync_dp", NULL, NULL, setup, teardown, tests,
			       ARRAY_SIZE(tests));
}
