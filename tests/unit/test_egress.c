// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The outbound flow (tc egress) on the real compiled object: a member that
 * sends first owns the negotiation, one that answers keeps its entry fresh,
 * and a disagreement with a live peer is counted, not settled here.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <string.h>

#include "cunit_main.h"
#include "pktbuild.h"
#include "xdp_harness.h"

#define NS 1000000000LL
#define LOCAL 1
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define MAC_PEER_GW "02:00:00:00:00:aa"
#define MAC_SELF "02:00:00:00:01:01"

static struct harness h;

struct out_frame {
	uint16_t sport, dport;
	bool natt;
	uint64_t ispi;
	uint64_t rspi;
	uint32_t msgid;
	bool inbound; /* the peer's answer, towards us */
	bool response; /* R flag (default: an Initiator's request) */
};

static void build(struct pkt *p, const struct out_frame *f)
{
	bool natt = f->natt;

	pkt_init(p);
	if (f->inbound) {
		pkt_eth(p, MAC_SELF, MAC_PEER_GW);
		pkt_ipv4(p, "203.0.113.7", "198.51.100.1");
		pkt_udp(p, f->dport ?: (natt ? 4500 : 500),
			f->sport ?: (natt ? 4500 : 500));
	} else {
		pkt_eth(p, MAC_PEER_GW, MAC_SELF);
		pkt_ipv4(p, "198.51.100.1", "203.0.113.7");
		pkt_udp(p, f->sport ?: (natt ? 4500 : 500),
			f->dport ?: (natt ? 4500 : 500));
	}
	if (natt)
		pkt_non_esp_marker(p);
	pkt_ike(p, &(struct pkt_ike){ .ispi = f->ispi,
				      .rspi = f->rspi,
				      .version = PKT_IKEV2,
				      .flags = f->response ? 0x20 : 0x08,
				      .exchange = f->msgid ? 35 : 34,
				      .msgid = f->msgid,
				      .payload_len = 32 });
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

static void setup(void)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = LOCAL,
		.timeout_sec = 120,
		.ike_port = 500,
		.natt_port = 4500,
	};

	CU_ASSERT_FATAL(harness_open(&h) == 0);
	CU_ASSERT_FATAL(harness_set_config(&h, &cfg) == 0);
	CU_ASSERT_FATAL(
		harness_add_member(&h, 1, 0, MAC_SELF, MAC_SELF, USABLE) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, 2, 1, "02:00:00:00:02:02",
					   "02:00:00:00:01:02", USABLE) == 0);
	harness_counters_reset(&h);
}

static void teardown(void)
{
	harness_close(&h);
}

static void send_out(const struct out_frame *f)
{
	struct pkt p;

	build(&p, f);
	CU_ASSERT_EQUAL(harness_run_egress(&h, p.buf, p.len), TC_ACT_OK);
}

static uint32_t owner_of(uint64_t ispi, uint32_t msgid)
{
	struct ikefwd_entry e;

	return harness_table_get(&h, ispi, msgid, &e) ? 0 : e.owner;
}

static uint64_t C(enum ikefwd_counter c)
{
	return harness_counter(&h, c);
}

/* We initiate: the entry exists before the answer, and the answer (which
 * the XDP program sees) is a local hit, not a claim. */
static void test_initiator_owns_answers(void)
{
	struct run_result r;
	struct ikefwd_entry e;
	struct pkt p;

	send_out(&(struct out_frame){ .ispi = 0x501 });
	CU_ASSERT_FATAL(harness_table_get(&h, 0x501, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, LOCAL);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_OUTBOUND | IKEFWD_F_IKEV2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_IKE_SEEN), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CLAIMED), 1);
	CU_ASSERT_EQUAL_FATAL(harness_events(&h), 1);
	CU_ASSERT_EQUAL(h.ev[0].type, IKEFWD_EV_OUTBOUND);
	CU_ASSERT_EQUAL(h.ev[0].owner, LOCAL);

	build(&p, &(struct out_frame){ .ispi = 0x501,
				       .rspi = 0x99,
				       .inbound = true,
				       .response = true });
	CU_ASSERT_FATAL(harness_run(&h, p.buf, p.len, &r) == 0);
	CU_ASSERT_EQUAL(r.retval, XDP_PASS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOCAL), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 0);
}

/* We answer on an entry we own: it is refreshed in place. */
static void test_responder_refreshes(void)
{
	struct ikefwd_entry e;

	CU_ASSERT(harness_table_put(&h, 0x502, 1, LOCAL, 100 * NS, 0) == 0);
	send_out(&(struct out_frame){
		.ispi = 0x502, .msgid = 1, .natt = true, .dport = 31000 });
	CU_ASSERT_FATAL(harness_table_get(&h, 0x502, 1, &e) == 0);
	CU_ASSERT(harness_now_ns() - e.last_seen_ns < 2 * NS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_REFRESHED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CLAIMED), 0);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
}

static void test_conflict_with_live_peer(void)
{
	struct ikefwd_entry before, after;

	CU_ASSERT(harness_table_put(&h, 0x503, 0, 2, 5 * NS, 0) == 0);
	CU_ASSERT_FATAL(harness_table_get(&h, 0x503, 0, &before) == 0);
	send_out(&(struct out_frame){ .ispi = 0x503 });
	CU_ASSERT_FATAL(harness_table_get(&h, 0x503, 0, &after) == 0);
	CU_ASSERT(memcmp(&before, &after, sizeof(before)) == 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CONFLICT), 1);

	/* A new exchange on a peer's IKE SA: conflict, no entry made. */
	send_out(&(struct out_frame){ .ispi = 0x503, .msgid = 6 });
	CU_ASSERT_EQUAL(owner_of(0x503, 6), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CONFLICT), 2);
}

static void test_dead_or_expired_owner_taken_over(void)
{
	CU_ASSERT(harness_table_put(&h, 0x504, 0, 2, 200 * NS, 0) == 0);
	send_out(&(struct out_frame){ .ispi = 0x504 });
	CU_ASSERT_EQUAL(owner_of(0x504, 0), LOCAL);

	CU_ASSERT(harness_add_member(&h, 2, 1, "02:00:00:00:02:02",
				     "02:00:00:00:01:02", 0) == 0);
	CU_ASSERT(harness_table_put(&h, 0x505, 0, 2, 0, 0) == 0);
	send_out(&(struct out_frame){ .ispi = 0x505 });
	CU_ASSERT_EQUAL(owner_of(0x505, 0), LOCAL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CLAIMED), 2);
	CU_ASSERT_EQUAL_FATAL(harness_events(&h), 2);
	CU_ASSERT_EQUAL(h.ev[0].type, IKEFWD_EV_TAKEOVER);
	CU_ASSERT_EQUAL(h.ev[0].prev_owner, 2);
}

/* A new exchange we start on our own IKE SA (rekey, DPD) refreshes the
 * IKE SA's entry; no entry per msgid (ingress follows (cookie, 0)). */
static void test_new_exchange_on_own_sa(void)
{
	struct ikefwd_entry e;

	CU_ASSERT(harness_table_put(&h, 0x506, 0, LOCAL, 50 * NS, 0) == 0);
	send_out(&(struct out_frame){
		.ispi = 0x506, .rspi = 0x66, .msgid = 7, .natt = true });
	CU_ASSERT(harness_table_get(&h, 0x506, 7, &e) == -ENOENT);
	CU_ASSERT_FATAL(harness_table_get(&h, 0x506, 0, &e) == 0);
	CU_ASSERT(harness_now_ns() - e.last_seen_ns < 2 * NS);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_REFRESHED), 1);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
}

/* Our daemon speaks on an IKE SA the table does not know (its entry was
 * deleted, or a rekeyed IKE SA's new SPIs): it holds the SA, so the
 * negotiation (cookie, 0) is established here and announced. */
static void test_unknown_own_sa_promoted(void)
{
	struct ikefwd_entry e;

	send_out(&(struct out_frame){
		.ispi = 0x509, .rspi = 0x99, .msgid = 3, .natt = true });
	CU_ASSERT_FATAL(harness_table_get(&h, 0x509, 0, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, LOCAL);
	CU_ASSERT_EQUAL(e.flags, IKEFWD_F_PROMOTED | IKEFWD_F_IKEV2);
	CU_ASSERT(harness_table_get(&h, 0x509, 3, &e) == -ENOENT);
	CU_ASSERT_EQUAL(C(IKEFWD_C_PROMOTED), 1);
	CU_ASSERT_EQUAL_FATAL(harness_events(&h), 1);
	CU_ASSERT_EQUAL(h.ev[0].type, IKEFWD_EV_PROMOTE);
}

/* Answers that create no IKE SA: COOKIE / error notify with rspi 0. */
static void test_stateless_answer(void)
{
	send_out(&(struct out_frame){ .ispi = 0x50a, .response = true });
	send_out(&(struct out_frame){
		.ispi = 0x50b, .msgid = 1, .natt = true, .response = true });
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_STATELESS), 2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_CLAIMED), 0);
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	CU_ASSERT_EQUAL(harness_halfopen_count(&h), 0);
	CU_ASSERT_EQUAL(harness_events(&h), 0);
}

static void test_only_our_ike_socket(void)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_HA,
		.local_member = LOCAL,
		.active_member = LOCAL,
	};
	struct pkt p;

	/* To port 500 but not from our IKE socket: not ours to claim. */
	send_out(&(struct out_frame){ .ispi = 0x507, .sport = 40000 });
	CU_ASSERT_EQUAL(C(IKEFWD_C_OUT_IKE_SEEN), 0);

	pkt_init(&p);
	pkt_eth(&p, MAC_PEER_GW, MAC_SELF);
	pkt_ipv4(&p, "198.51.100.1", "203.0.113.7");
	pkt_tcp(&p, 500, 500);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL(harness_run_egress(&h, p.buf, p.len), TC_ACT_OK);

	/* HA mode keeps no table. */
	CU_ASSERT(harness_set_config(&h, &cfg) == 0);
	send_out(&(struct out_frame){ .ispi = 0x508 });
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	for (int c = 0; c < IKEFWD_C_MAX; c++)
		CU_ASSERT_EQUAL(harness_counter(&h, c), 0);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		CUNIT_TEST(test_initiator_owns_answers),
		CUNIT_TEST(test_responder_refreshes),
		CUNIT_TEST(test_conflict_with_live_peer),
		CUNIT_TEST(test_dead_or_expired_owner_taken_over),
		CUNIT_TEST(test_new_exchange_on_own_sa),
		CUNIT_TEST(test_unknown_own_sa_promoted),
		CUNIT_TEST(test_stateless_answer),
		CUNIT_TEST(test_only_our_ike_socket),
	};

	return cunit_run_suite("tc_egress", NULL, NULL, setup, teardown, tests,
			       ARRAY_SIZE(tests));
}
