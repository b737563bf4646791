// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The data path's per-CPU caches of ikefwd_table (IKEv2 fragments) and
 * ikefwd_sa (bpf/hot.h) on the real compiled object: a cached answer is really used (a write that
 * moves no generation is not seen at once), and it never outlives what it
 * was taken from: a write that moves the generation, the entry's expiry, an
 * SA's lifetime, the owner's death, a takeover on another CPU, a promotion,
 * a key sharing the slot.
 */
#define _GNU_SOURCE
#include <CUnit/Basic.h>
#include <errno.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cunit_main.h"
#include "ikefwd.skel.h"
#include "ikefwd/sa.h"
#include "pinned.h"
#include "pktbuild.h"
#include "selector.h"
#include "xdp_harness.h"

#define MS 1000000LL
#define MAC_ROUTER "02:00:00:00:00:aa"
#define MAC_SELF "02:00:00:00:01:01"
#define MAC_M2 "02:00:00:00:02:02"
#define MAC_SELF_TO_M2 "02:00:00:00:01:02"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define HOT_MULT 0x9E3779B1U

static struct harness h;
static uint64_t *gen;

static struct ikefwd_config cfg(uint32_t timeout_sec)
{
	return (struct ikefwd_config){
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = 1,
		.timeout_sec = timeout_sec,
		.max_member = 2,
		.flags = IKEFWD_CFG_ESP_STEERING,
		.ike_port = 500,
		.natt_port = 4500,
	};
}

static void setup(void)
{
	struct ikefwd_config c = cfg(120);

	CU_ASSERT_FATAL(harness_open(&h) == 0);
	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	CU_ASSERT_FATAL(
		harness_add_member(&h, 1, 0, MAC_SELF, MAC_SELF, USABLE) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, 2, 1, MAC_M2, MAC_SELF_TO_M2,
					   USABLE) == 0);
	gen = ikefwd_gen_map(bpf_map__fd(h.skel->maps.ikefwd_gen));
	CU_ASSERT_FATAL(gen != NULL);
	harness_counters_reset(&h);
}

static void teardown(void)
{
	ikefwd_gen_unmap(gen);
	gen = NULL;
	harness_close(&h);
}

static int on_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* skf: an IKEv2 fragment (RFC 7383), the IKE the cache holds. */
static void ike_frame(struct pkt *p, uint64_t ispi, uint32_t msgid, bool skf)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
	pkt_udp(p, 4500, 4500);
	pkt_non_esp_marker(p);
	pkt_ike(p, &(struct pkt_ike){ .ispi = ispi,
				      .rspi = 0x77,
				      .next_payload = skf ? 53 : 46,
				      .version = PKT_IKEV2,
				      .exchange = 35,
				      .msgid = msgid,
				      .payload_len = 40 });
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

static void esp_frame(struct pkt *p, uint32_t spi)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
	pkt_esp(p, spi, 7, 100);
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

static int verdict(const struct pkt *p)
{
	struct run_result r;

	if (harness_run(&h, p->buf, p->len, &r))
		return -1;
	return r.retval;
}

/* An IKE_AUTH fragment. */
static int ike(uint64_t ispi, uint32_t msgid)
{
	struct pkt p;

	ike_frame(&p, ispi, msgid, true);
	return verdict(&p);
}

/* A whole (unfragmented) message: never cached. */
static int ike_whole(uint64_t ispi, uint32_t msgid)
{
	struct pkt p;

	ike_frame(&p, ispi, msgid, false);
	return verdict(&p);
}

static int esp(uint32_t spi)
{
	struct pkt p;

	esp_frame(&p, spi);
	return verdict(&p);
}

/* An IKEv1 Quick Mode message whose next payload reads 53. */
static int ike_v1(uint64_t ispi, uint32_t msgid)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.0.2.10", "198.51.100.1");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = ispi,
				       .rspi = 0x77,
				       .next_payload = 53,
				       .version = PKT_IKEV1,
				       .exchange = 32,
				       .msgid = msgid,
				       .payload_len = 40 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	return verdict(&p);
}

/* A write as bpftool by hand would make it: no generation moved. */
static int table_write_raw(uint64_t ispi, uint32_t msgid, uint32_t owner)
{
	struct ikefwd_entry e = { .last_seen_ns = harness_now_ns(),
				  .created_ns = harness_now_ns(),
				  .owner = owner,
				  .flags = IKEFWD_F_STATIC };
	struct ikefwd_key k = { .msgid = msgid };

	ispi_bytes(ispi, k.ispi);
	return bpf_map_update_elem(bpf_map__fd(h.skel->maps.ikefwd_table), &k,
				   &e, BPF_ANY);
}

static int sa_write_raw(uint32_t spi, uint32_t owner, int64_t lifetime_ns)
{
	return harness_sa_put(&h, spi, owner, lifetime_ns);
}

static int member_state(uint32_t id, uint32_t state)
{
	int fd = bpf_map__fd(h.skel->maps.ikefwd_members);
	struct ikefwd_member m;

	if (bpf_map_lookup_elem(fd, &id, &m))
		return -1;
	m.state = state;
	return bpf_map_update_elem(fd, &id, &m, BPF_EXIST);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * MS };

	nanosleep(&ts, NULL);
}

/* The cache answers: a write that moves no generation is not seen, one
 * that does is seen by the next packet. */
static void test_ike_answer_cached_until_generation_moves(void)
{
	CU_ASSERT(table_write_raw(0xa1, 1, 2) == 0);
	CU_ASSERT_EQUAL(ike(0xa1, 1), XDP_REDIRECT);
	CU_ASSERT(table_write_raw(0xa1, 1, 1) == 0);
	CU_ASSERT_EQUAL(ike(0xa1, 1), XDP_REDIRECT);
	ikefwd_gen_bump(gen);
	CU_ASSERT_EQUAL(ike(0xa1, 1), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_FORWARDED), 2);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_LOCAL), 1);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_IKE_SEEN), 3);
}

/* Only fragments are cached: a whole message sees a write at once,
 * generation or not. */
static void test_whole_messages_not_cached(void)
{
	CU_ASSERT(table_write_raw(0xa8, 1, 2) == 0);
	CU_ASSERT_EQUAL(ike_whole(0xa8, 1), XDP_REDIRECT);
	CU_ASSERT(table_write_raw(0xa8, 1, 1) == 0);
	CU_ASSERT_EQUAL(ike_whole(0xa8, 1), XDP_PASS);
	/* IKEv1 (no standard fragments) neither. */
	CU_ASSERT(table_write_raw(0xa9, 1, 2) == 0);
	CU_ASSERT_EQUAL(ike_v1(0xa9, 1), XDP_REDIRECT);
	CU_ASSERT(table_write_raw(0xa9, 1, 1) == 0);
	CU_ASSERT_EQUAL(ike_v1(0xa9, 1), XDP_PASS);
}

/* bpftool by hand: seen within IKEFWD_HOT_TTL_NS (1 s). */
static void test_unannounced_write_seen_within_ttl(void)
{
	int v = -1;

	CU_ASSERT(table_write_raw(0xa2, 1, 2) == 0);
	CU_ASSERT_EQUAL(ike(0xa2, 1), XDP_REDIRECT);
	CU_ASSERT(table_write_raw(0xa2, 1, 1) == 0);
	for (int i = 0; i < 60 && v != XDP_PASS; i++) {
		sleep_ms(50);
		v = ike(0xa2, 1);
	}
	CU_ASSERT_EQUAL(v, XDP_PASS);
}

/* A cached answer ends with the entry's idle expiry, not a second later:
 * the packet after it takes the entry over as without the cache. */
static void test_entry_expiry_not_outlived(void)
{
	struct ikefwd_config c = cfg(1);
	struct ikefwd_entry e;

	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	ikefwd_gen_bump(gen);
	/* 700 ms idle of a 1 s timeout: live for 300 ms more. */
	CU_ASSERT(harness_table_put(&h, 0xa3, 1, 2, 700 * MS, 0) == 0);
	CU_ASSERT_EQUAL(ike(0xa3, 1), XDP_REDIRECT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_EXPIRED), 0);
	sleep_ms(500);
	CU_ASSERT_EQUAL(ike(0xa3, 1), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_EXPIRED), 1);
	CU_ASSERT(harness_table_get(&h, 0xa3, 1, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, 1);
}

/* A cached owner that died: the table takes the entry over, as on a miss. */
static void test_dead_owner_not_cached(void)
{
	struct ikefwd_entry e;

	CU_ASSERT(harness_table_put(&h, 0xa4, 1, 2, 0, 0) == 0);
	CU_ASSERT_EQUAL(ike(0xa4, 1), XDP_REDIRECT);
	CU_ASSERT(member_state(2, IKEFWD_MEMBER_REACHABLE) == 0);
	CU_ASSERT_EQUAL(ike(0xa4, 1), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_OWNER_DEAD), 1);
	CU_ASSERT(harness_table_get(&h, 0xa4, 1, &e) == 0);
	CU_ASSERT_EQUAL(e.owner, 1);
	CU_ASSERT(e.flags & IKEFWD_F_TAKEOVER);
}

/* A takeover by the data path on one CPU reaches the other CPU's cache:
 * entry_take_over() moves the generation. */
static void test_takeover_on_another_cpu(void)
{
	uint64_t before;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "one CPU online: skipped\n");
		return;
	}
	CU_ASSERT(harness_table_put(&h, 0xa5, 1, 2, 0, 0) == 0);
	CU_ASSERT_FATAL(on_cpu(1) == 0);
	CU_ASSERT_EQUAL(ike(0xa5, 1), XDP_REDIRECT);
	CU_ASSERT_FATAL(on_cpu(0) == 0);
	CU_ASSERT(member_state(2, IKEFWD_MEMBER_REACHABLE) == 0);
	before = __atomic_load_n(gen, __ATOMIC_SEQ_CST);
	CU_ASSERT_EQUAL(ike(0xa5, 1), XDP_PASS); /* taken over */
	CU_ASSERT(__atomic_load_n(gen, __ATOMIC_SEQ_CST) > before);
	CU_ASSERT(member_state(2, USABLE) == 0);
	CU_ASSERT_FATAL(on_cpu(1) == 0);
	/* The table says member 1 now; CPU 1 cached member 2. */
	CU_ASSERT_EQUAL(ike(0xa5, 1), XDP_PASS);
	on_cpu(0);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_FORWARDED), 1);
}

/* tc egress's promotion inserts into ikefwd_table: it moves the
 * generation, so an answer cached from the Phase-2 fallback for the same
 * negotiation does not outlive an exact entry written after it. */
static void test_promotion_moves_generation(void)
{
	struct pkt p;
	uint64_t before = __atomic_load_n(gen, __ATOMIC_SEQ_CST);

	pkt_init(&p);
	pkt_eth(&p, MAC_ROUTER, MAC_SELF);
	pkt_ipv4(&p, "198.51.100.1", "192.0.2.10");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = 0xa6,
				       .rspi = 0x66,
				       .version = PKT_IKEV2,
				       .flags = 0x20,
				       .exchange = 34,
				       .msgid = 0,
				       .payload_len = 32 });
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	CU_ASSERT_EQUAL(harness_run_egress(&h, p.buf, p.len), 0);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_PROMOTED), 1);
	CU_ASSERT(__atomic_load_n(gen, __ATOMIC_SEQ_CST) > before);
}

/* Phase-2 answers come from the cache too, and still count as fallbacks. */
static void test_phase2_fallback_counted_on_hits(void)
{
	CU_ASSERT(harness_table_put(&h, 0xa7, 0, 2, 0, 0) == 0);
	CU_ASSERT_EQUAL(ike(0xa7, 9), XDP_REDIRECT);
	CU_ASSERT_EQUAL(ike(0xa7, 9), XDP_REDIRECT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_PHASE2_FALLBACK), 2);
	/* An exact entry written (and announced) after it wins. */
	CU_ASSERT(table_write_raw(0xa7, 9, 1) == 0);
	ikefwd_gen_bump(gen);
	CU_ASSERT_EQUAL(ike(0xa7, 9), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_PHASE2_FALLBACK), 2);
}

/* bpf/hot.h's slot of an IKE key, to build two keys that share one. */
static uint32_t ike_slot(uint64_t ispi, uint32_t msgid)
{
	uint8_t b[8];
	uint32_t w[2];

	ispi_bytes(ispi, b);
	memcpy(w, b, sizeof(w));
	return ((w[0] ^ w[1] ^ msgid) * HOT_MULT) >> (32 - 10);
}

/* Two keys in one slot take turns; each gets its own answer. */
static void test_keys_sharing_a_slot(void)
{
	/* The last SPI byte is the top byte of word 1 (little endian): the
	 * same bit of the msgid cancels it. */
	uint64_t a = 0x0000001000000020ULL, b = 0x0000001000000021ULL;
	uint32_t ma = 0x30, mb = 0x30 ^ 0x01000000;

	CU_ASSERT_FATAL(ike_slot(a, ma) == ike_slot(b, mb));
	CU_ASSERT(table_write_raw(a, ma, 2) == 0);
	CU_ASSERT(table_write_raw(b, mb, 1) == 0);
	ikefwd_gen_bump(gen);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(ike(a, ma), XDP_REDIRECT);
		CU_ASSERT_EQUAL(ike(b, mb), XDP_PASS);
	}
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_FORWARDED), 3);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_LOCAL), 3);

	/* Two negotiations, one msgid, one slot. */
	for (b = a + 1; ike_slot(b, ma) != ike_slot(a, ma); b++)
		;
	CU_ASSERT(table_write_raw(b, ma, 1) == 0);
	ikefwd_gen_bump(gen);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(ike(a, ma), XDP_REDIRECT);
		CU_ASSERT_EQUAL(ike(b, ma), XDP_PASS);
	}

	/* One negotiation, two exchanges in one slot. */
	for (mb = ma + 1; ike_slot(a, mb) != ike_slot(a, ma); mb++)
		;
	CU_ASSERT(table_write_raw(a, mb, 1) == 0);
	ikefwd_gen_bump(gen);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(ike(a, ma), XDP_REDIRECT);
		CU_ASSERT_EQUAL(ike(a, mb), XDP_PASS);
	}
}

/* ESP: registered and unregistered SPIs alike are cached, and a write that
 * moves the generation is seen at once. */
static void test_esp_cached_until_generation_moves(void)
{
	int fd = bpf_map__fd(h.skel->maps.ikefwd_sa);
	uint32_t spi = 0x2001;

	CU_ASSERT(sa_write_raw(spi, 2, 0) == 0);
	CU_ASSERT_EQUAL(esp(spi), XDP_REDIRECT);
	CU_ASSERT(bpf_map_delete_elem(fd, &spi) == 0);
	CU_ASSERT_EQUAL(esp(spi), XDP_REDIRECT);
	ikefwd_gen_bump(gen);
	CU_ASSERT_EQUAL(esp(spi), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_ESP_UNKNOWN), 1);

	/* Not registered, then registered. */
	spi = 0x2002;
	CU_ASSERT_EQUAL(esp(spi), XDP_PASS);
	CU_ASSERT(sa_write_raw(spi, 2, 0) == 0);
	ikefwd_gen_bump(gen);
	CU_ASSERT_EQUAL(esp(spi), XDP_REDIRECT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_ESP_BY_TABLE), 3);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_ESP_UNKNOWN), 2);
}

/* A cached SA ends with its lifetime. */
static void test_sa_lifetime_not_outlived(void)
{
	CU_ASSERT(sa_write_raw(0x2003, 2, 300 * MS) == 0);
	CU_ASSERT_EQUAL(esp(0x2003), XDP_REDIRECT);
	sleep_ms(500);
	CU_ASSERT_EQUAL(esp(0x2003), XDP_PASS);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_ESP_UNKNOWN), 1);
}

/* Selectors written as bpftool would: no generation moved. */
static int ts_write_raw(const char *prefix, uint32_t owner, int64_t lifetime_ns)
{
	return harness_ts_put(&h, prefix, owner, 0, lifetime_ns);
}

static int ts_del_raw(const char *prefix)
{
	struct ikefwd_ts_maps m = { bpf_map__fd(h.skel->maps.ikefwd_ts4),
				    bpf_map__fd(h.skel->maps.ikefwd_ts6) };
	struct ikefwd_prefix p;

	if (ikefwd_prefix_parse(prefix, &p))
		return -1;
	return ikefwd_ts_del(&m, &p);
}

/* Cleartext to dst through the inside program (outbound: the egress
 * program, the leak guard's). */
static int clear(const char *dst, bool outbound)
{
	struct run_result r;
	struct pkt p;

	CU_ASSERT_FATAL(pkt_cleartext(&p, outbound ? MAC_ROUTER : MAC_SELF,
				      outbound ? MAC_SELF : MAC_ROUTER,
				      dst) == 0);
	if (outbound)
		return harness_run_egress(&h, p.buf, p.len);
	if (harness_run_inside(&h, p.buf, p.len, &r))
		return -1;
	return r.retval;
}

static void test_selector_cached_until_generation_moves(void)
{
	CU_ASSERT(ts_write_raw("10.1.0.0/16", 2, 0) == 0);
	CU_ASSERT_EQUAL(clear("10.1.9.9", false), XDP_REDIRECT);
	CU_ASSERT_EQUAL(clear("10.1.9.9", true), TC_ACT_SHOT);
	CU_ASSERT(ts_del_raw("10.1.0.0/16") == 0);
	CU_ASSERT_EQUAL(clear("10.1.9.9", false), XDP_REDIRECT);
	ikefwd_gen_bump(gen);
	CU_ASSERT_EQUAL(clear("10.1.9.9", false), XDP_PASS);
	CU_ASSERT_EQUAL(clear("10.1.9.9", true), TC_ACT_OK);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_NO_MATCH), 1);

	/* No selector, then one (the leak guard caches "none" too). */
	CU_ASSERT_EQUAL(clear("2001:db8:100::9", true), TC_ACT_OK);
	CU_ASSERT(ts_write_raw("2001:db8:100::/48", 2, 0) == 0);
	ikefwd_gen_bump(gen);
	CU_ASSERT_EQUAL(clear("2001:db8:100::9", true), TC_ACT_SHOT);
	CU_ASSERT_EQUAL(clear("2001:db8:100::9", false), XDP_REDIRECT);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_LEAK_BLOCKED), 2);
}

/* A cached selector still expires with its lifetime: cleartext for an SA
 * that lapsed is dropped, not redirected. */
static void test_selector_lifetime_not_outlived(void)
{
	CU_ASSERT(ts_write_raw("10.2.0.0/16", 2, 300 * MS) == 0);
	CU_ASSERT_EQUAL(clear("10.2.0.1", false), XDP_REDIRECT);
	sleep_ms(500);
	CU_ASSERT_EQUAL(clear("10.2.0.1", false), XDP_DROP);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_EXPIRED), 1);
}

/* Destinations sharing a slot: whole IPv6 addresses are compared, and an
 * IPv4 address is not an IPv6 one with the same first word. */
static void test_selector_keys_sharing_a_slot(void)
{
	/* Words 1 and 3 swapped: the same XOR of the four. */
	const char *a = "2001:db8:1::2", *b = "2001:db8:0:2::1:0";
	/* Its words XOR to 10.1.9.9's, and its first is 10.1.9.9. */
	const char *v6 = "a01:909:0:1:0:1::";

	CU_ASSERT(ts_write_raw("2001:db8:1::/48", 2, 0) == 0);
	CU_ASSERT(ts_write_raw("2001:db8::/48", 1, 0) == 0);
	CU_ASSERT(ts_write_raw("10.1.0.0/16", 2, 0) == 0);
	CU_ASSERT(ts_write_raw("a01::/16", 1, 0) == 0);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(clear(a, false), XDP_REDIRECT);
		CU_ASSERT_EQUAL(clear(b, false), XDP_PASS);
		CU_ASSERT_EQUAL(clear("10.1.9.9", false), XDP_REDIRECT);
		CU_ASSERT_EQUAL(clear(v6, false), XDP_PASS);
	}
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_FORWARDED), 6);
	CU_ASSERT_EQUAL(harness_counter(&h, IKEFWD_C_INSIDE_LOCAL), 6);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		CUNIT_TEST(test_ike_answer_cached_until_generation_moves),
		CUNIT_TEST(test_whole_messages_not_cached),
		CUNIT_TEST(test_unannounced_write_seen_within_ttl),
		CUNIT_TEST(test_entry_expiry_not_outlived),
		CUNIT_TEST(test_dead_owner_not_cached),
		CUNIT_TEST(test_takeover_on_another_cpu),
		CUNIT_TEST(test_promotion_moves_generation),
		CUNIT_TEST(test_phase2_fallback_counted_on_hits),
		CUNIT_TEST(test_keys_sharing_a_slot),
		CUNIT_TEST(test_esp_cached_until_generation_moves),
		CUNIT_TEST(test_sa_lifetime_not_outlived),
		CUNIT_TEST(test_selector_cached_until_generation_moves),
		CUNIT_TEST(test_selector_lifetime_not_outlived),
		CUNIT_TEST(test_selector_keys_sharing_a_slot),
	};

	return cunit_run_suite("hot_cache", NULL, NULL, setup, teardown, tests,
			       ARRAY_SIZE(tests));
}
