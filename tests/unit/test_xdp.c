// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Table-driven tests of the real compiled XDP data path through
 * BPF_PROG_TEST_RUN: each case builds a frame, runs it, and checks the
 * verdict, the output bytes, the table and ring-buffer side effects and the
 * counters.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cunit_main.h"
#include "ikefwd.skel.h"
#include "pktbuild.h"
#include "xdp_harness.h"

#define NS 1000000000LL

#define MAC_ROUTER "02:00:00:00:00:aa" /* the load-sharing router */
#define MAC_SELF "02:00:00:00:01:01" /* member 1, the one under test */
#define MAC_M2 "02:00:00:00:02:02"
#define MAC_M3 "02:00:00:00:03:03"
#define MAC_SELF_TO_M2 "02:00:00:00:01:02" /* our egress towards member 2 */
#define MAC_SELF_TO_M3 "02:00:00:00:01:03"

#define LOCAL 1
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)

static struct harness h;

/* What a frame looks like; zero means the common default. */
struct frame {
	bool ipv6;
	int vlans; /* 0..3 tags */
	bool natt; /* UDP 4500 with the non-ESP marker */
	uint16_t dport; /* overrides 500 / 4500 */
	uint8_t version; /* default IKEv2 */
	uint8_t exchange;
	bool flags_set; /* write ike_flags; default: IKEv2 Initiator */
	uint8_t ike_flags;
	uint64_t ispi;
	uint64_t rspi;
	uint32_t msgid;
	const char *src_mac; /* default: the router */
	const char *src; /* source address; default 192.0.2.10 / 2001:db8::10 */
	int ipv4_ihl; /* > 5: options */
	int ipv6_exts; /* hop-by-hop / routing / dest-opts headers */
	int frag; /* 1: first fragment, 2: a later one (no UDP) */
	uint32_t frag_id;
};

static void build(struct pkt *p, const struct frame *f)
{
	static const uint8_t ext_types[] = { 0, 43, 60, 60, 60, 60 };
	bool later = f->frag == 2;
	uint16_t dport = f->dport ?: (f->natt ? 4500 : 500);

	pkt_init(p);
	pkt_eth(p, MAC_SELF, f->src_mac ?: MAC_ROUTER);
	for (int i = 0; i < f->vlans; i++)
		pkt_vlan(p,
			 i == 0 && f->vlans > 1 ? PKT_TPID_8021AD :
						  PKT_TPID_8021Q,
			 100 + i);
	if (f->ipv6) {
		pkt_ipv6(p, f->src ?: "2001:db8::10", "2001:db8:1::1");
		for (int i = 0; i < f->ipv6_exts; i++)
			pkt_ipv6_ext(p, ext_types[i]);
		if (f->frag)
			pkt_ipv6_frag(p, f->frag_id, later ? 100 : 0, true);
	} else {
		pkt_ipv4(p, f->src ?: "192.0.2.10", "198.51.100.1");
		if (f->ipv4_ihl > 5)
			pkt_ipv4_options(p, f->ipv4_ihl);
		if (f->frag)
			pkt_ipv4_frag(p, f->frag_id, true, later ? 100 : 0);
	}
	if (later) {
		pkt_proto(p, 17);
		pkt_bytes(p, "later fragment bytes", 20);
	} else {
		pkt_udp(p, f->natt ? 4500 : 500, dport);
		if (f->natt)
			pkt_non_esp_marker(p);
		pkt_ike(p, &(struct pkt_ike){
				   .ispi = f->ispi ?: 0x1122334455667788ULL,
				   .rspi = f->rspi,
				   .next_payload = 33,
				   .version = f->version ?: PKT_IKEV2,
				   .exchange = f->exchange ?: 34,
				   .flags = f->flags_set ? f->ike_flags :
					    f->version == PKT_IKEV1 ? 0 :
								      0x08,
				   .msgid = f->msgid,
				   .payload_len = 64,
			   });
	}
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

static struct ikefwd_config cfg_ls(void)
{
	return (struct ikefwd_config){
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = LOCAL,
		.timeout_sec = 120,
		.ike_port = 500,
		.natt_port = 4500,
	};
}

/* A fresh data path per test: no state leaks from one case to the next.
 * Table sizes 0: the object's defaults. */
static void setup_sized(uint32_t table_size, uint32_t halfopen_size)
{
	struct ikefwd_config cfg = cfg_ls();

	CU_ASSERT_FATAL(harness_open_sized(&h, table_size, halfopen_size) == 0);
	CU_ASSERT_FATAL(harness_set_config(&h, &cfg) == 0);
	CU_ASSERT_FATAL(
		harness_add_member(&h, 1, 0, MAC_SELF, MAC_SELF, USABLE) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, 2, 1, MAC_M2, MAC_SELF_TO_M2,
					   USABLE) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, 3, 1, MAC_M3, MAC_SELF_TO_M3,
					   USABLE) == 0);
	harness_counters_reset(&h);
}

static void setup(void)
{
	setup_sized(0, 0);
}

static void teardown(void)
{
	harness_close(&h);
}

/* The same data path with small tables, for floods and full tables. */
static void reopen_sized(uint32_t table_size, uint32_t halfopen_size)
{
	harness_close(&h);
	setup_sized(table_size, halfopen_size);
}

static int run(const struct pkt *p, struct run_result *r)
{
	CU_ASSERT_FATAL(harness_run(&h, p->buf, p->len, r) == 0);
	return r->retval;
}

/* XDP_PASS: the frame leaves exactly as it came. */
static void expect_pass_untouched(const struct pkt *p)
{
	struct run_result r;

	CU_ASSERT_EQUAL(run(p, &r), XDP_PASS);
	CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, p->buf, p->len));
}

/* XDP_REDIRECT to a member: only the Ethernet addresses change. */
static void expect_forward(const struct pkt *p, const char *dst,
			   const char *src)
{
	struct run_result r;
	struct pkt want = *p;

	CU_ASSERT_EQUAL(run(p, &r), XDP_REDIRECT);
	pkt_mac(dst, want.buf);
	pkt_mac(src, want.buf + 6);
	CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf, want.len));
}

/* The owner this member records, established entries first, as the
 * data path looks them up; 0: no state at all. */
static uint32_t owner_of(uint64_t ispi, uint32_t msgid)
{
	struct ikefwd_entry e;

	if (!harness_table_get(&h, ispi, msgid, &e) ||
	    !harness_halfopen_get(&h, ispi, msgid, &e))
		return e.owner;
	return 0;
}

static bool established(uint64_t ispi, uint32_t msgid)
{
	struct ikefwd_entry e;

	return harness_table_get(&h, ispi, msgid, &e) == 0;
}

static bool halfopen(uint64_t ispi, uint32_t msgid)
{
	struct ikefwd_entry e;

	return harness_halfopen_get(&h, ispi, msgid, &e) == 0;
}

/* This member's IKE daemon answers on ispi (tc egress): rspi 0 is a COOKIE
 * or error notify, anything else an answer that creates an IKE SA. */
static void daemon_answers(uint64_t ispi, uint8_t version, uint8_t exchange,
			   uint64_t rspi)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, MAC_ROUTER, MAC_SELF);
	pkt_ipv4(&p, "198.51.100.1", "192.0.2.10");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = ispi,
				       .rspi = rspi,
				       .version = version,
				       .exchange = exchange,
				       .flags = version == PKT_IKEV2 ? 0x20 : 0,
				       .payload_len = 32 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL(harness_run_egress(&h, p.buf, p.len), 0);
}

static uint64_t C(enum ikefwd_counter c)
{
	return harness_counter(&h, c);
}

/* ---- Load Sharing: the table algorithm ---- */

static void test_claim_new_negotiation(void)
{
	struct ikefwd_entry e;
	struct pkt p;
	uint8_t spi[8];
	uint64_t t0 = harness_now_ns();

	build(&p, &(struct frame){ .ispi = 0xa1 });
	expect_pass_untouched(&p);

	/* A half-open claim: in ikefwd_halfopen, not announced. */
	CU_ASSERT_FATAL(harness_halfopen_get(&h, 0xa1, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, LOCAL);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_CLAIMED | IKEFWD_F_IKEV2);
	/* Coarse clock: within a tick of ours. */
	CU_ASSERT(e.created_ns + 20000000 >= t0);
	CU_ASSERT(e.last_seen_ns == e.created_ns);
	CU_ASSERT_EQUAL(harness_halfopen_count(&h), 1);
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);

	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_SEEN), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_V2), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 0);
	CU_ASSERT_EQUAL(harness_events(&h), 0);

	/* The retransmission is a hit: no second claim. */
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HALFOPEN_HIT), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 2);
	CU_ASSERT_EQUAL(harness_events(&h), 0);

	/* The IKE daemon answers with its SPI: promoted, announced once,
	 * with the claim's time (what the sync agent's first-claim rule
	 * compares). */
	daemon_answers(0xa1, PKT_IKEV2, 34, 0x5151);
	CU_ASSERT_FATAL(harness_table_get(&h, 0xa1, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, LOCAL);
	CU_ASSERT_EQUAL(e.flags,
			IKEFWD_F_CLAIMED | IKEFWD_F_PROMOTED | IKEFWD_F_IKEV2);
	CU_ASSERT(e.created_ns + 20000000 >= t0);
	CU_ASSERT(!halfopen(0xa1, 0));
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTED), 1);
	CU_ASSERT_EQUAL_FATAL(harness_events(&h), 1);
	ispi_bytes(0xa1, spi);
	CU_ASSERT_EQUAL(h.ev[0].type, IKEFWD_EV_PROMOTE);
	CU_ASSERT_EQUAL(h.ev[0].owner, LOCAL);
	CU_ASSERT_EQUAL(h.ev[0].prev_owner, 0);
	CU_ASSERT(memcmp(h.ev[0].key.ispi, spi, 8) == 0);
	CU_ASSERT_EQUAL(h.ev[0].key.msgid, 0);

	/* IKE_AUTH follows the established entry. */
	build(&p, &(struct frame){ .ispi = 0xa1,
				   .rspi = 0x5151,
				   .msgid = 1,
				   .natt = true,
				   .exchange = 35 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PHASE2_FALLBACK), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 1);
}

static void test_hit_local(void)
{
	struct pkt p;

	CU_ASSERT(harness_table_put(&h, 0xb1, 7, LOCAL, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xb1, .msgid = 7, .natt = true });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 0);
	CU_ASSERT_EQUAL(harness_table_count(&h), 1);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
}

static void test_hit_peer_forwards(void)
{
	struct pkt p;

	CU_ASSERT(harness_table_put(&h, 0xb2, 0, 2, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xb2 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 0);
	CU_ASSERT_EQUAL(owner_of(0xb2, 0), 2);
	CU_ASSERT_EQUAL(harness_events(&h), 0);

	CU_ASSERT(harness_table_put(&h, 0xb3, 0, 3, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xb3, .natt = true });
	expect_forward(&p, MAC_M3, MAC_SELF_TO_M3);
}

/* The seed's typical split: IKE_SA_INIT claimed by a peer, IKE_AUTH (msgid
 * 1, port 4500) lands here and must follow the msgid-0 entry. */
static void test_phase2_fallback_forwards(void)
{
	struct ikefwd_entry p1, e;
	struct pkt p;

	CU_ASSERT(harness_table_put(&h, 0xc1, 0, 2, 5 * NS, 0) == 0);
	build(&p,
	      &(struct frame){
		      .ispi = 0xc1, .msgid = 1, .natt = true, .exchange = 35 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);

	/* No entry per msgid: every exchange is decided by (cookie, 0), so
	 * msgids sprayed on a known cookie create nothing. */
	CU_ASSERT(harness_table_get(&h, 0xc1, 1, &e) == -ENOENT);
	CU_ASSERT_EQUAL(harness_table_count(&h), 1);
	CU_ASSERT_EQUAL(harness_halfopen_count(&h), 0);
	/* The Phase-1 entry is refreshed: the IKE SA stays reachable. */
	CU_ASSERT_FATAL(harness_table_get(&h, 0xc1, 0, &p1) == 0);
	CU_ASSERT(harness_now_ns() - p1.last_seen_ns < 2 * NS);
	CU_ASSERT_EQUAL(p1.owner, 2);

	CU_ASSERT_EQUAL(C(IKEFWD_C_PHASE2_FALLBACK), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 0);
	CU_ASSERT_EQUAL(harness_events(&h), 0);

	/* Next packet of the exchange: the same decision. */
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PHASE2_FALLBACK), 2);
}

/* IKEv1: Main Mode (msgid 0) claims, Quick Mode (random msgid) follows. */
static void test_ikev1_main_and_quick_mode(void)
{
	struct ikefwd_entry e;
	struct pkt p;

	build(&p, &(struct frame){
			  .ispi = 0xd1, .version = PKT_IKEV1, .exchange = 2 });
	expect_pass_untouched(&p);
	CU_ASSERT_FATAL(harness_halfopen_get(&h, 0xd1, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_CLAIMED | IKEFWD_F_IKEV1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_V1), 1);

	/* Main Mode message 2 (responder cookie) promotes it. */
	daemon_answers(0xd1, PKT_IKEV1, 2, 0xd1d1);
	CU_ASSERT_FATAL(harness_table_get(&h, 0xd1, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.flags,
			IKEFWD_F_CLAIMED | IKEFWD_F_PROMOTED | IKEFWD_F_IKEV1);

	build(&p, &(struct frame){ .ispi = 0xd1,
				   .rspi = 0xd1d1,
				   .version = PKT_IKEV1,
				   .exchange = 32,
				   .msgid = 0x9a3bc4d1,
				   .natt = true });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PHASE2_FALLBACK), 1);
	CU_ASSERT(!established(0xd1, 0x9a3bc4d1));

	/* Quick Mode of a Phase 1 owned by member 3 goes there. */
	CU_ASSERT(harness_table_put(&h, 0xd2, 0, 3, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xd2,
				   .version = PKT_IKEV1,
				   .exchange = 32,
				   .msgid = 0x12345678 });
	expect_forward(&p, MAC_M3, MAC_SELF_TO_M3);
	CU_ASSERT_EQUAL(owner_of(0xd2, 0x12345678), 0);
}

/* A msgid != 0 with no Phase-1 entry at all is a negotiation this member
 * has never seen, and that does not start here: handled here, nothing
 * claimed (a flood of made-up SPIs leaves no state). */
static void test_unknown_phase2_not_claimed(void)
{
	struct pkt p;

	build(&p,
	      &(struct frame){
		      .ispi = 0xd3, .rspi = 0x77, .msgid = 4, .exchange = 35 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(owner_of(0xd3, 4), 0);
	CU_ASSERT_EQUAL(owner_of(0xd3, 0), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_UNCLAIMED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PHASE2_FALLBACK), 0);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
}

/* ---- expiry and refresh ---- */

static void test_expired_entry_taken_over(void)
{
	struct ikefwd_entry e;
	struct pkt p;

	CU_ASSERT(harness_table_put(&h, 0xe1, 0, 2, 121 * NS, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xe1 });
	expect_pass_untouched(&p);
	CU_ASSERT_FATAL(harness_table_get(&h, 0xe1, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, LOCAL);
	CU_ASSERT(e.flags & IKEFWD_F_TAKEOVER);
	CU_ASSERT(harness_now_ns() - e.last_seen_ns < 2 * NS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_EXPIRED), 1);
	CU_ASSERT_EQUAL_FATAL(harness_events(&h), 1);
	CU_ASSERT_EQUAL(h.ev[0].type, IKEFWD_EV_TAKEOVER);
	CU_ASSERT_EQUAL(h.ev[0].prev_owner, 2);
	CU_ASSERT_EQUAL(h.ev[0].owner, LOCAL);

	/* 119 s idle is still alive. */
	CU_ASSERT(harness_table_put(&h, 0xe2, 0, 2, 119 * NS, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xe2 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_EXPIRED), 1);
}

static void test_timeout_is_configurable(void)
{
	struct ikefwd_config cfg = cfg_ls();
	struct pkt p;

	cfg.timeout_sec = 10;
	CU_ASSERT(harness_set_config(&h, &cfg) == 0);
	CU_ASSERT(harness_table_put(&h, 0xe3, 0, 2, 11 * NS, 0) == 0);
	CU_ASSERT(harness_table_put(&h, 0xe4, 0, 2, 9 * NS, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xe3 });
	expect_pass_untouched(&p);
	build(&p, &(struct frame){ .ispi = 0xe4 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(owner_of(0xe3, 0), LOCAL);
	CU_ASSERT_EQUAL(owner_of(0xe4, 0), 2);
}

/* A hit refreshes last_seen in place, but at most once a second. */
static void test_refresh_in_place(void)
{
	struct ikefwd_entry before, after;
	struct pkt p;

	CU_ASSERT(harness_table_put(&h, 0xe5, 0, LOCAL, 60 * NS, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xe5 });
	expect_pass_untouched(&p);
	CU_ASSERT_FATAL(harness_table_get(&h, 0xe5, 0, &after) == 0);
	CU_ASSERT(harness_now_ns() - after.last_seen_ns < 2 * NS);
	CU_ASSERT(after.created_ns + 59 * NS < harness_now_ns());

	CU_ASSERT(harness_table_put(&h, 0xe6, 0, LOCAL, NS / 10, 0) == 0);
	CU_ASSERT_FATAL(harness_table_get(&h, 0xe6, 0, &before) == 0);
	build(&p, &(struct frame){ .ispi = 0xe6 });
	expect_pass_untouched(&p);
	CU_ASSERT_FATAL(harness_table_get(&h, 0xe6, 0, &after) == 0);
	CU_ASSERT_EQUAL(after.last_seen_ns, before.last_seen_ns);
}

static uint64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* The data path's clock (bpf/clock.h) is the coarse clock read once per
 * tick: a claim carries what CLOCK_MONOTONIC_COARSE read around it (at
 * most a tick behind; 20 ms covers HZ 100 twice), and its stamps move on
 * with the ticks: a cache that stopped refreshing would keep the first. */
static void test_clock_is_the_coarse_clock(void)
{
	uint64_t first = 0, t0, t1;
	struct ikefwd_entry e;
	struct pkt p;

	for (uint64_t i = 0; i < 3; i++) {
		t0 = coarse_ns();
		build(&p, &(struct frame){ .ispi = 0xc10c0 + i });
		expect_pass_untouched(&p);
		t1 = coarse_ns();
		CU_ASSERT_FATAL(harness_halfopen_get(&h, 0xc10c0 + i, 0, &e) ==
				0);
		CU_ASSERT(e.created_ns + 20000000 >= t0);
		CU_ASSERT(e.created_ns <= t1);
		if (i == 0)
			first = e.created_ns;
		usleep(50000); /* several ticks at any HZ */
	}
	CU_ASSERT(e.created_ns >= first + 80000000);
}

/* ---- member liveness ---- */

static void test_dead_owner_taken_over(void)
{
	static const uint32_t states[] = { 0, IKEFWD_MEMBER_ALIVE,
					   IKEFWD_MEMBER_REACHABLE };
	struct pkt p;

	for (unsigned int i = 0; i < 3; i++) {
		uint64_t spi = 0xf0 + i;

		CU_ASSERT(harness_add_member(&h, 2, 1, MAC_M2, MAC_SELF_TO_M2,
					     states[i]) == 0);
		CU_ASSERT(harness_table_put(&h, spi, 0, 2, 0, 0) == 0);
		build(&p, &(struct frame){ .ispi = spi });
		expect_pass_untouched(&p);
		CU_ASSERT_EQUAL(owner_of(spi, 0), LOCAL);
	}
	CU_ASSERT_EQUAL(C(IKEFWD_C_OWNER_DEAD), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 0);

	/* An owner id with no member record at all. */
	CU_ASSERT(harness_table_put(&h, 0xf9, 0, 9, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xf9 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(owner_of(0xf9, 0), LOCAL);
}

static void test_phase2_of_dead_owner(void)
{
	struct pkt p;

	CU_ASSERT(harness_add_member(&h, 2, 1, MAC_M2, MAC_SELF_TO_M2,
				     IKEFWD_MEMBER_REACHABLE) == 0);
	CU_ASSERT(harness_table_put(&h, 0xf5, 0, 2, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xf5, .msgid = 3, .natt = true });
	expect_pass_untouched(&p);
	/* The IKE SA is re-homed here, announced; no msgid entry. */
	CU_ASSERT_EQUAL(owner_of(0xf5, 0), LOCAL);
	CU_ASSERT_EQUAL(owner_of(0xf5, 3), 0);
	CU_ASSERT_EQUAL_FATAL(harness_events(&h), 1);
	CU_ASSERT_EQUAL(h.ev[0].type, IKEFWD_EV_TAKEOVER);
}

static void test_redirect_failure_restores_frame(void)
{
	struct pkt p;

	/* Usable member, but its devmap slot is empty: the helper fails. */
	CU_ASSERT(harness_add_member(&h, 4, 0, "02:00:00:00:04:04", MAC_SELF,
				     USABLE) == 0);
	CU_ASSERT(harness_table_put(&h, 0xf6, 0, 4, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xf6 });
	/* ifindex 0 makes the member unusable: taken over, not forwarded. */
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OWNER_DEAD), 1);

	/* ifindex set in the record but not in the devmap. */
	struct ikefwd_member m = { .id = 5, .ifindex = 1, .state = USABLE };
	uint32_t id = 5;

	pkt_mac("02:00:00:00:05:05", m.mac);
	CU_ASSERT(bpf_map_update_elem(bpf_map__fd(h.skel->maps.ikefwd_members),
				      &id, &m, BPF_ANY) == 0);
	CU_ASSERT(harness_table_put(&h, 0xf7, 0, 5, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xf7 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_REDIRECT_FAIL), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 2);
}

/* ---- loop guard ---- */

static void test_loop_guard(void)
{
	struct pkt p;

	/* Member 2 forwarded this to us; our (stale) table names member 3. */
	CU_ASSERT(harness_table_put(&h, 0x71, 0, 3, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0x71, .src_mac = MAC_M2 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOOP_GUARD), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 0);
	CU_ASSERT_EQUAL(owner_of(0x71, 0), 3);

	/* A forwarded frame with no entry here: handled and claimed. */
	build(&p, &(struct frame){ .ispi = 0x72, .src_mac = MAC_M3 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(owner_of(0x72, 0), LOCAL);
}

/* ---- HA mode ---- */

static void test_ha_mode(void)
{
	struct ikefwd_config cfg = cfg_ls();
	struct pkt p;

	cfg.mode = IKEFWD_MODE_HA;
	cfg.active_member = 2;
	CU_ASSERT(harness_set_config(&h, &cfg) == 0);
	/* Everything goes to the active member, whatever the table says. */
	CU_ASSERT(harness_table_put(&h, 0x81, 0, LOCAL, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0x81 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	build(&p, &(struct frame){ .ispi = 0x82, .natt = true, .msgid = 9 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_FORWARDED), 2);
	/* HA mode does not touch the table. */
	CU_ASSERT_EQUAL(harness_table_count(&h), 1);
	CU_ASSERT_EQUAL(harness_events(&h), 0);

	/* This member active: everything stays. */
	cfg.active_member = LOCAL;
	CU_ASSERT(harness_set_config(&h, &cfg) == 0);
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_LOCAL), 1);

	/* Active member dead: handled here rather than lost. */
	cfg.active_member = 3;
	CU_ASSERT(harness_set_config(&h, &cfg) == 0);
	CU_ASSERT(harness_add_member(&h, 3, 1, MAC_M3, MAC_SELF_TO_M3, 0) == 0);
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_HA_LOCAL), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OWNER_DEAD), 1);
}

/* ---- encapsulations ---- */

static void test_vlan_tags(void)
{
	struct pkt p;

	CU_ASSERT(harness_table_put(&h, 0x91, 0, 2, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0x91, .vlans = 1 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	build(&p, &(struct frame){ .ispi = 0x91, .vlans = 2, .natt = true });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 2);

	/* A third tag is beyond what we parse: not classified. */
	build(&p, &(struct frame){ .ispi = 0x91, .vlans = 3 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_SEEN), 2);
}

static void test_ipv6(void)
{
	struct pkt p;

	build(&p, &(struct frame){ .ipv6 = true, .ispi = 0x61 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(owner_of(0x61, 0), LOCAL);

	CU_ASSERT(harness_table_put(&h, 0x62, 0, 2, 0, 0) == 0);
	build(&p,
	      &(struct frame){
		      .ipv6 = true, .ispi = 0x62, .msgid = 1, .natt = true });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);

	/* Hop-by-hop, routing and destination options are walked. */
	build(&p,
	      &(struct frame){
		      .ipv6 = true, .ispi = 0x62, .msgid = 2, .ipv6_exts = 3 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PHASE2_FALLBACK), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_SEEN), 3);

	/* A chain longer than the bound: counted, untouched. */
	build(&p,
	      &(struct frame){ .ipv6 = true, .ispi = 0x63, .ipv6_exts = 5 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_BAD_IPV6_EXT), 1);
	CU_ASSERT_EQUAL(owner_of(0x63, 0), 0);
}

static void test_ipv4_options_and_bad_ihl(void)
{
	struct pkt p;

	build(&p, &(struct frame){ .ispi = 0x41, .ipv4_ihl = 8 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(owner_of(0x41, 0), LOCAL);

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_ipv4_force_ihl(&p, 3);
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = 0x42, .version = PKT_IKEV2 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_BAD_IPV4_IHL), 1);
	CU_ASSERT_EQUAL(owner_of(0x42, 0), 0);
}

/* ---- port 4500 without IKE ---- */

static void test_natt_non_ike(void)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 4500, 4500);
	pkt_esp_udp(&p, 0xc0ffee01, 1, 64);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_IN_UDP), 1);

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 4500, 4500);
	pkt_natt_keepalive(&p);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_NATT_KEEPALIVE), 1);

	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_SEEN), 0);
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
}

/* ---- malformed IKE: untouched, counted by reason, nothing learnt ---- */

struct malformed_case {
	const char *name;
	struct pkt_ike ike;
	bool natt;
	size_t truncate_to; /* bytes of IKE (incl. marker) kept, 0: all */
	enum ikefwd_counter reason;
};

static void test_malformed(void)
{
	static const struct malformed_case cases[] = {
		{ "length below 28",
		  { .ispi = 1,
		    .version = PKT_IKEV2,
		    .length_set = true,
		    .length = 27 },
		  false,
		  0,
		  IKEFWD_C_BAD_LENGTH },
		{ "version 3",
		  { .ispi = 1, .version = 0x30 },
		  false,
		  0,
		  IKEFWD_C_BAD_VERSION },
		{ "version 0",
		  { .ispi = 1, .version = 0x00 },
		  true,
		  0,
		  IKEFWD_C_BAD_VERSION },
		{ "zero initiator SPI",
		  { .ispi = 0, .version = PKT_IKEV1 },
		  false,
		  0,
		  IKEFWD_C_BAD_ZERO_SPI },
		{ "header cut at 20 bytes",
		  { .ispi = 1, .version = PKT_IKEV2 },
		  false,
		  20,
		  IKEFWD_C_BAD_TRUNCATED },
		{ "NAT-T: header cut after the marker",
		  { .ispi = 1, .version = PKT_IKEV2 },
		  true,
		  10,
		  IKEFWD_C_BAD_TRUNCATED },
		{ "NAT-T: marker cut",
		  { .ispi = 1, .version = PKT_IKEV2 },
		  true,
		  2,
		  IKEFWD_C_BAD_TRUNCATED },
	};

	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct malformed_case *mc = &cases[i];
		uint16_t port = mc->natt ? 4500 : 500;
		struct pkt p;

		harness_counters_reset(&h);
		pkt_init(&p);
		pkt_eth(&p, MAC_SELF, MAC_ROUTER);
		pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
		pkt_udp(&p, port, port);
		if (mc->natt)
			pkt_non_esp_marker(&p);
		pkt_ike(&p, &mc->ike);
		CU_ASSERT_FATAL(pkt_finish(&p) == 0);
		if (mc->truncate_to)
			CU_ASSERT_FATAL(
				pkt_truncate(&p, p.l4_off + 8 +
							 mc->truncate_to) == 0);
		expect_pass_untouched(&p);
		if (harness_counter(&h, mc->reason) != 1)
			fprintf(stderr, "case '%s': reason not counted\n",
				mc->name);
		CU_ASSERT_EQUAL(harness_counter(&h, mc->reason), 1);
		CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_IKE_SEEN), 0);
		CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	}
}

/* ---- what is not IKE leaves untouched and uncounted ---- */

static void test_not_ike(void)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_tcp(&p, 500, 500);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_pass_untouched(&p);

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 500, 53);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = 1, .version = PKT_IKEV2 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_pass_untouched(&p);

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv6(&p, "2001:db8::10", "2001:db8:1::1");
	pkt_esp(&p, 0x1000, 1, 64);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_pass_untouched(&p);

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ethertype(&p, 0x0806);
	pkt_bytes(&p, "arp-ish payload of some length..", 32);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	expect_pass_untouched(&p);

	for (int c = 0; c < IKEFWD_C_MAX; c++)
		CU_ASSERT_EQUAL(harness_counter(&h, c), 0);
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
}

static void test_ports_configurable(void)
{
	struct ikefwd_config cfg = cfg_ls();
	struct pkt p;

	cfg.ike_port = 1500;
	cfg.natt_port = 14500;
	CU_ASSERT(harness_set_config(&h, &cfg) == 0);
	build(&p, &(struct frame){ .ispi = 0x51 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(owner_of(0x51, 0), 0);
	build(&p, &(struct frame){ .ispi = 0x51, .dport = 1500 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(owner_of(0x51, 0), LOCAL);
	build(&p,
	      &(struct frame){ .ispi = 0x52, .natt = true, .dport = 14500 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(owner_of(0x52, 0), LOCAL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_SEEN), 2);
}

static void test_unconfigured_passes(void)
{
	struct ikefwd_config cfg = cfg_ls();
	struct pkt p;

	cfg.local_member = 0;
	CU_ASSERT(harness_set_config(&h, &cfg) == 0);
	build(&p, &(struct frame){ .ispi = 0x53 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_UNCONFIGURED), 1);
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
}

/* ---- IP fragments follow the first fragment ---- */

static void fragments(bool ipv6)
{
	struct pkt p;

	CU_ASSERT(harness_table_put(&h, 0x31, 0, 2, 0, 0) == 0);
	build(&p,
	      &(struct frame){
		      .ipv6 = ipv6, .ispi = 0x31, .frag = 1, .frag_id = 77 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FRAG_FIRST), 1);

	build(&p, &(struct frame){ .ipv6 = ipv6, .frag = 2, .frag_id = 77 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FRAG_FOLLOWED), 1);

	/* Another datagram's later fragment: no record, stays here. */
	build(&p, &(struct frame){ .ipv6 = ipv6, .frag = 2, .frag_id = 78 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FRAG_NO_RECORD), 1);

	/* A locally handled first fragment keeps its followers here. */
	build(&p,
	      &(struct frame){
		      .ipv6 = ipv6, .ispi = 0x32, .frag = 1, .frag_id = 79 });
	expect_pass_untouched(&p);
	build(&p, &(struct frame){ .ipv6 = ipv6, .frag = 2, .frag_id = 79 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FRAG_FOLLOWED), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 2);
}

static void test_fragments_ipv4(void)
{
	fragments(false);
}

static void test_fragments_ipv6(void)
{
	fragments(true);
}

/* Every configured IKE packet ends as exactly one of local / forwarded. */
static void test_outcome_accounting(void)
{
	struct pkt p;

	CU_ASSERT(harness_table_put(&h, 0x21, 0, 2, 0, 0) == 0);
	for (uint64_t spi = 0x20; spi < 0x24; spi++) {
		build(&p, &(struct frame){ .ispi = spi });
		run(&p, &(struct run_result){ 0 });
		build(&p,
		      &(struct frame){ .ispi = spi, .msgid = 1, .natt = true });
		run(&p, &(struct run_result){ 0 });
	}
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_SEEN), 8);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL) + C(IKEFWD_C_FORWARDED), 8);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), 2);
}

/* ---- what claims: only the first message of a negotiation ---- */

struct claim_case {
	const char *name;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint64_t rspi;
	uint32_t msgid;
	bool claims;
};

static void test_what_claims(void)
{
	static const struct claim_case cases[] = {
		{ "v2 IKE_SA_INIT request", PKT_IKEV2, 34, 0x08, 0, 0, true },
		{ "v2 IKE_SA_INIT request, V bit", PKT_IKEV2, 34, 0x18, 0, 0,
		  true },
		{ "v2 IKE_SA_INIT, no flags", PKT_IKEV2, 34, 0x00, 0, 0,
		  false },
		{ "v2 IKE_SA_INIT, I and R", PKT_IKEV2, 34, 0x28, 0, 0, false },
		{ "v2 IKE_SA_INIT response", PKT_IKEV2, 34, 0x20, 0x99, 0,
		  false },
		{ "v2 IKE_SA_INIT response, rspi 0 (COOKIE)", PKT_IKEV2, 34,
		  0x20, 0, 0, false },
		{ "v2 IKE_SA_INIT request, rspi set", PKT_IKEV2, 34, 0x08, 0x99,
		  0, false },
		{ "v2 IKE_SA_INIT request, msgid 1", PKT_IKEV2, 34, 0x08, 0, 1,
		  false },
		{ "v2 IKE_AUTH request", PKT_IKEV2, 35, 0x08, 0x99, 1, false },
		{ "v2 IKE_AUTH, rspi 0, msgid 0", PKT_IKEV2, 35, 0x08, 0, 0,
		  false },
		{ "v2 IKE_AUTH response", PKT_IKEV2, 35, 0x20, 0x99, 1, false },
		{ "v2 CREATE_CHILD_SA request", PKT_IKEV2, 36, 0x08, 0x99, 2,
		  false },
		{ "v2 CREATE_CHILD_SA response", PKT_IKEV2, 36, 0x20, 0x99, 2,
		  false },
		{ "v2 INFORMATIONAL (DPD)", PKT_IKEV2, 37, 0x00, 0x99, 3,
		  false },
		{ "v2 INFORMATIONAL, rspi 0, msgid 0", PKT_IKEV2, 37, 0x08, 0,
		  0, false },
		{ "v1 Main Mode, 1st message", PKT_IKEV1, 2, 0, 0, 0, true },
		{ "v1 Aggressive Mode, 1st message", PKT_IKEV1, 4, 0, 0, 0,
		  true },
		{ "v1 Main Mode, later message", PKT_IKEV1, 2, 0x01, 0x99, 0,
		  false },
		{ "v1 Main Mode, msgid set", PKT_IKEV1, 2, 0, 0, 7, false },
		{ "v1 Aggressive Mode, 2nd message", PKT_IKEV1, 4, 0, 0x99, 0,
		  false },
		{ "v1 Quick Mode", PKT_IKEV1, 32, 0x01, 0x99, 0x1234, false },
		{ "v1 Informational (DPD)", PKT_IKEV1, 5, 0x01, 0x99, 0x55,
		  false },
		{ "v1 Informational, rcookie 0", PKT_IKEV1, 5, 0, 0, 0, false },
		{ "v1 Transaction (Mode-Config)", PKT_IKEV1, 6, 0x01, 0x99,
		  0x66, false },
		{ "v1 Base exchange", PKT_IKEV1, 1, 0, 0, 0, false },
	};
	uint64_t spi = 0x7000;

	for (int natt = 0; natt < 2; natt++) {
		for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]);
		     i++) {
			const struct claim_case *c = &cases[i];
			struct pkt p;
			bool got;

			harness_counters_reset(&h);
			spi++;
			build(&p, &(struct frame){ .ispi = spi,
						   .rspi = c->rspi,
						   .version = c->version,
						   .exchange = c->exchange,
						   .flags_set = true,
						   .ike_flags = c->flags,
						   .msgid = c->msgid,
						   .natt = natt });
			expect_pass_untouched(&p);
			got = halfopen(spi, c->msgid);
			if (got != c->claims)
				fprintf(stderr, "case '%s' port %d: %s\n",
					c->name, natt ? 4500 : 500,
					got ? "claimed" : "not claimed");
			CU_ASSERT_EQUAL(got, c->claims);
			CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), c->claims);
			CU_ASSERT_EQUAL(C(IKEFWD_C_UNCLAIMED), !c->claims);
			CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 1);
		}
	}
	/* Nothing is established or announced by an ingress packet. */
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
}

/* With SPI labels an unknown IKE SA goes to the member its SPI names, and
 * still leaves no state; a first message is claimed whatever its SPI. */
static void test_label_routes_without_state(void)
{
	struct ikefwd_config cfg = cfg_ls();
	struct ikefwd_member m = { .id = 3, .ifindex = 1, .state = USABLE };
	uint32_t id = 3;
	struct pkt p;

	cfg.flags = IKEFWD_CFG_SPI_LABELS;
	cfg.spi_label_mask = 0xff00000000000000ULL;
	CU_ASSERT(harness_set_config(&h, &cfg) == 0);
	pkt_mac(MAC_M3, m.mac);
	pkt_mac(MAC_SELF_TO_M3, m.src_mac);
	m.spi_label = 0x0300000000000000ULL;
	CU_ASSERT(bpf_map_update_elem(bpf_map__fd(h.skel->maps.ikefwd_members),
				      &id, &m, BPF_ANY) == 0);

	build(&p, &(struct frame){ .ispi = 0x1234,
				   .rspi = 0x0300000000000042ULL,
				   .msgid = 2,
				   .exchange = 36,
				   .natt = true });
	expect_forward(&p, MAC_M3, MAC_SELF_TO_M3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LABEL_ROUTED), 1);
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	CU_ASSERT_EQUAL(harness_halfopen_count(&h), 0);

	build(&p, &(struct frame){ .ispi = 0x0300000000000043ULL });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LABEL_ROUTED), 1);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
}

/* The daemon answered a negotiation whose half-open claim a flood evicted:
 * its answer alone proves the negotiation real. */
static void test_promotion_without_claim(void)
{
	struct ikefwd_entry e;

	daemon_answers(0xa2, PKT_IKEV2, 34, 0xa2a2);
	CU_ASSERT_FATAL(harness_table_get(&h, 0xa2, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, LOCAL);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_PROMOTED | IKEFWD_F_IKEV2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTED), 1);
	CU_ASSERT_EQUAL_FATAL(harness_events(&h), 1);
	CU_ASSERT_EQUAL(h.ev[0].type, IKEFWD_EV_PROMOTE);

	/* The daemon speaks again (retransmission): a refresh, no event. */
	daemon_answers(0xa2, PKT_IKEV2, 34, 0xa2a2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_REFRESHED), 1);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
}

/* COOKIE and error notifies (responder SPI 0) create no IKE SA: they claim
 * and promote nothing, so a flood's answers cost no state and no sync. */
static void test_stateless_answers_claim_nothing(void)
{
	struct pkt p;

	build(&p, &(struct frame){ .ispi = 0xa5 });
	expect_pass_untouched(&p);
	daemon_answers(0xa5, PKT_IKEV2, 34, 0);
	daemon_answers(0xa6, PKT_IKEV2, 34, 0);
	daemon_answers(0xa7, PKT_IKEV1, 5, 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_STATELESS), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CLAIMED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTED), 0);
	CU_ASSERT(halfopen(0xa5, 0));
	CU_ASSERT_EQUAL(harness_halfopen_count(&h), 1);
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
}

/* An IKE SA registered by its owner's IKE daemon does not idle-expire; if
 * its owner dies it is taken over, and the registration does not carry. */
static void test_registered_never_expires(void)
{
	struct ikefwd_entry e;
	struct pkt p;

	CU_ASSERT(harness_table_put(&h, 0xa8, 0, 2, 100000 * NS,
				    IKEFWD_F_REGISTERED) == 0);
	build(&p, &(struct frame){ .ispi = 0xa8, .msgid = 9, .rspi = 1 });
	expect_forward(&p, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_EXPIRED), 0);

	CU_ASSERT(harness_add_member(&h, 2, 1, MAC_M2, MAC_SELF_TO_M2, 0) == 0);
	expect_pass_untouched(&p);
	CU_ASSERT_FATAL(harness_table_get(&h, 0xa8, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, LOCAL);
	CU_ASSERT(!(e.flags & IKEFWD_F_REGISTERED));
	CU_ASSERT_EQUAL(C(IKEFWD_C_OWNER_DEAD), 1);
}

/* The optional claim budget: claims per second and source prefix (IPv4
 * /24, IPv6 /64); first messages over it are handled here with no state;
 * a new second starts a new budget. */
static void test_claim_budget(void)
{
	static const struct {
		const char *src;
		bool ipv6, claims;
	} cases[] = {
		{ "192.0.2.10", false, true },
		{ "192.0.2.10", false, true },
		{ "192.0.2.77", false, true },
		{ "192.0.2.10", false, false },
		{ "192.0.2.200", false, false },
		{ "198.18.0.1", false, true },
		{ "2001:db8::10", true, true },
		{ "2001:db8::20", true, true },
		{ "2001:db8::30", true, true },
		{ "2001:db8::40", true, false },
		{ "2001:db8:0:1::1", true, true },
	};
	struct ikefwd_config cfg = cfg_ls();
	uint64_t spi = 0xb0d0;
	struct pkt p;

	cfg.claim_budget = 3;
	CU_ASSERT(harness_set_config(&h, &cfg) == 0);
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		build(&p, &(struct frame){ .ispi = ++spi,
					   .src = cases[i].src,
					   .ipv6 = cases[i].ipv6 });
		expect_pass_untouched(&p);
		if (halfopen(spi, 0) != cases[i].claims)
			fprintf(stderr, "budget case %u (%s): %s\n", i,
				cases[i].src,
				cases[i].claims ? "not claimed" : "claimed");
		CU_ASSERT_EQUAL(halfopen(spi, 0), cases[i].claims);
	}
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 8);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIM_OVER_BUDGET), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 11);

	/* Retransmissions of a claim are hits, not claims: not budgeted. */
	build(&p, &(struct frame){ .ispi = 0xb0d1 });
	expect_pass_untouched(&p);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIM_OVER_BUDGET), 3);

	/* The next second, the prefix may claim again. */
	usleep(1100000);
	build(&p, &(struct frame){ .ispi = 0xb0ff });
	expect_pass_untouched(&p);
	CU_ASSERT(halfopen(0xb0ff, 0));
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIM_OVER_BUDGET), 3);
}

#define SMALL_TABLE 1024
#define N_ESTABLISHED 512

/* A spoofed IKE_SA_INIT flood of 10x both tables: every established
 * negotiation keeps its owner, each of its packets still goes there, and
 * a negotiation started during the flood is promoted when answered. */
static void test_flood_keeps_established(void)
{
	const uint32_t flood = 10 * SMALL_TABLE;
	struct run_result r;
	struct pkt p;
	int kept = 0, routed = 0;

	reopen_sized(SMALL_TABLE, SMALL_TABLE);
	for (uint32_t i = 0; i < N_ESTABLISHED; i++)
		CU_ASSERT_FATAL(harness_table_put(&h, 0xe5000000 + i, 0,
						  2 + i % 2, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xbeef });
	expect_pass_untouched(&p);

	build(&p, &(struct frame){ .ispi = 1 });
	for (uint32_t i = 0; i < flood; i++) {
		uint8_t *ispi = p.buf + p.ike_off;

		ispi_bytes(0xf1000000ULL + i, ispi);
		run(&p, &r);
	}
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), flood + 1);
	CU_ASSERT(harness_halfopen_count(&h) <= SMALL_TABLE);
	CU_ASSERT_EQUAL(harness_table_count(&h), N_ESTABLISHED);
	CU_ASSERT_EQUAL(harness_events(&h), 0);

	harness_counters_reset(&h);
	for (uint32_t i = 0; i < N_ESTABLISHED; i++) {
		uint32_t want = 2 + i % 2;

		kept += owner_of(0xe5000000 + i, 0) == want;
		build(&p, &(struct frame){ .ispi = 0xe5000000 + i,
					   .rspi = 7,
					   .msgid = 5,
					   .exchange = 36,
					   .natt = true });
		if (run(&p, &r) == XDP_REDIRECT &&
		    !memcmp(r.out,
			    want == 2 ? "\x02\0\0\0\x02\x02" :
					"\x02\0\0\0\x03\x03",
			    6))
			routed++;
	}
	CU_ASSERT_EQUAL(kept, N_ESTABLISHED);
	CU_ASSERT_EQUAL(routed, N_ESTABLISHED);
	CU_ASSERT_EQUAL(C(IKEFWD_C_FORWARDED), N_ESTABLISHED);

	/* Started before the flood, answered after it. */
	daemon_answers(0xbeef, PKT_IKEV2, 34, 0xbeefbeef);
	CU_ASSERT(established(0xbeef, 0));
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTED), 1);
}

/* A full established table refuses a promotion (counted) and keeps every
 * entry it has; the negotiation stays half-open, handled here. */
static void test_full_established_table(void)
{
	struct ikefwd_entry e;
	struct pkt p;
	int intact = 0;

	reopen_sized(SMALL_TABLE, SMALL_TABLE);
	for (uint32_t i = 0; i < SMALL_TABLE; i++)
		CU_ASSERT_FATAL(
			harness_table_put(&h, 0xe6000000 + i, 0, 2, 0, 0) == 0);
	build(&p, &(struct frame){ .ispi = 0xc0de });
	expect_pass_untouched(&p);
	daemon_answers(0xc0de, PKT_IKEV2, 34, 0x1111);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTE_FULL), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTED), 0);
	CU_ASSERT(halfopen(0xc0de, 0));
	CU_ASSERT(!established(0xc0de, 0));

	/* Nor can this member's own initiation push anything out. */
	harness_counters_reset(&h);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
	pkt_init(&p);
	pkt_eth(&p, MAC_ROUTER, MAC_SELF);
	pkt_ipv4(&p, "198.51.100.1", "192.0.2.10");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = 0xc0df,
				       .version = PKT_IKEV2,
				       .exchange = 34,
				       .flags = 0x08 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL(harness_run_egress(&h, p.buf, p.len), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTE_FULL), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CLAIMED), 0);
	CU_ASSERT_EQUAL(harness_events(&h), 0);

	CU_ASSERT_EQUAL(harness_table_count(&h), SMALL_TABLE);
	for (uint32_t i = 0; i < SMALL_TABLE; i++)
		intact += !harness_table_get(&h, 0xe6000000 + i, 0, &e) &&
			  e.owner == 2;
	CU_ASSERT_EQUAL(intact, SMALL_TABLE);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		CUNIT_TEST(test_claim_new_negotiation),
		CUNIT_TEST(test_hit_local),
		CUNIT_TEST(test_hit_peer_forwards),
		CUNIT_TEST(test_phase2_fallback_forwards),
		CUNIT_TEST(test_ikev1_main_and_quick_mode),
		CUNIT_TEST(test_unknown_phase2_not_claimed),
		CUNIT_TEST(test_what_claims),
		CUNIT_TEST(test_label_routes_without_state),
		CUNIT_TEST(test_promotion_without_claim),
		CUNIT_TEST(test_stateless_answers_claim_nothing),
		CUNIT_TEST(test_registered_never_expires),
		CUNIT_TEST(test_claim_budget),
		CUNIT_TEST(test_flood_keeps_established),
		CUNIT_TEST(test_full_established_table),
		CUNIT_TEST(test_expired_entry_taken_over),
		CUNIT_TEST(test_timeout_is_configurable),
		CUNIT_TEST(test_refresh_in_place),
		CUNIT_TEST(test_clock_is_the_coarse_clock),
		CUNIT_TEST(test_dead_owner_taken_over),
		CUNIT_TEST(test_phase2_of_dead_owner),
		CUNIT_TEST(test_redirect_failure_restores_frame),
		CUNIT_TEST(test_loop_guard),
		CUNIT_TEST(test_ha_mode),
		CUNIT_TEST(test_vlan_tags),
		CUNIT_TEST(test_ipv6),
		CUNIT_TEST(test_ipv4_options_and_bad_ihl),
		CUNIT_TEST(test_natt_non_ike),
		CUNIT_TEST(test_malformed),
		CUNIT_TEST(test_not_ike),
		CUNIT_TEST(test_ports_configurable),
		CUNIT_TEST(test_unconfigured_passes),
		CUNIT_TEST(test_fragments_ipv4),
		CUNIT_TEST(test_fragments_ipv6),
		CUNIT_TEST(test_outcome_accounting),
	};

	return cunit_run_suite("xdp_datapath", NULL, NULL, setup, teardown,
			       tests, ARRAY_SIZE(tests));
}
