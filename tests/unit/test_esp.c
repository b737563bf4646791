// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ESP steering and IKE SPI labels on the real compiled data path: ESP (in
 * UDP and native) goes to the member owning its inbound SA, found in the SA
 * table or by SPI range; an unknown IKE SA is routed by the member label in
 * its SPIs instead of being claimed.
 */
#include <CUnit/Basic.h>
#include <errno.h>
#include <linux/bpf.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cunit_main.h"
#include "ikefwd.skel.h"
#include "ikefwd/sa.h"
#include "pktbuild.h"
#include "xdp_harness.h"

#define NS 1000000000LL
#define MAC_ROUTER "02:00:00:00:00:aa"
#define MAC_SELF "02:00:00:00:01:01"
#define MAC_M2 "02:00:00:00:02:02"
#define MAC_M3 "02:00:00:00:03:03"
#define MAC_SELF_TO_M2 "02:00:00:00:01:02"
#define MAC_SELF_TO_M3 "02:00:00:00:01:03"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define LABEL_MASK 0xff00000000000000ULL

static struct harness h;

static struct ikefwd_config cfg(uint32_t flags)
{
	return (struct ikefwd_config){
		.local_member = 1,
		.timeout_sec = 120,
		.max_member = 3,
		.flags = flags,
		.nr_spi_ranges = 2,
		.spi_label_mask = LABEL_MASK,
	};
}

static int add_label(uint32_t id, const char *mac, const char *src,
		     uint64_t label, uint32_t state)
{
	struct ikefwd_member m = {
		.id = id, .ifindex = 1, .state = state, .spi_label = label
	};
	uint32_t ifindex = 1;

	pkt_mac(mac, m.mac);
	pkt_mac(src, m.src_mac);
	if (bpf_map_update_elem(bpf_map__fd(h.skel->maps.ikefwd_members), &id,
				&m, BPF_ANY))
		return -1;
	return bpf_map_update_elem(bpf_map__fd(h.skel->maps.ikefwd_devmap), &id,
				   &ifindex, BPF_ANY);
}

static void setup(void)
{
	struct ikefwd_config c =
		cfg(IKEFWD_CFG_ESP_STEERING | IKEFWD_CFG_SPI_LABELS);
	struct ikefwd_spi_range r0 = { 0xc0000000, 0xcfffffff, 3, 0 };
	struct ikefwd_spi_range r1 = { 0xd0000000, 0xdfffffff, 1, 0 };
	int fd;
	__u32 i = 0;

	CU_ASSERT_FATAL(harness_open(&h) == 0);
	CU_ASSERT_FATAL(harness_set_config(&h, &c) == 0);
	CU_ASSERT_FATAL(add_label(1, MAC_SELF, MAC_SELF, 0x0100000000000000ULL,
				  USABLE) == 0);
	CU_ASSERT_FATAL(add_label(2, MAC_M2, MAC_SELF_TO_M2,
				  0x0200000000000000ULL, USABLE) == 0);
	CU_ASSERT_FATAL(add_label(3, MAC_M3, MAC_SELF_TO_M3,
				  0x0300000000000000ULL, USABLE) == 0);
	fd = bpf_map__fd(h.skel->maps.ikefwd_spi_ranges);
	CU_ASSERT_FATAL(bpf_map_update_elem(fd, &i, &r0, BPF_ANY) == 0);
	i = 1;
	CU_ASSERT_FATAL(bpf_map_update_elem(fd, &i, &r1, BPF_ANY) == 0);
	harness_counters_reset(&h);
}

static void teardown(void)
{
	harness_close(&h);
}

static int sa_put(uint32_t spi, uint32_t owner, int64_t expires_in_ns)
{
	return harness_sa_put(&h, spi, owner, expires_in_ns);
}

static void esp_frame(struct pkt *p, uint32_t spi, bool in_udp, bool ipv6,
		      const char *src_mac)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, src_mac ?: MAC_ROUTER);
	if (ipv6)
		pkt_ipv6(p, "2001:db8::10", "2001:db8:1::1");
	else
		pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
	if (in_udp) {
		pkt_udp(p, 4500, 4500);
		pkt_esp_udp(p, spi, 7, 100);
	} else {
		pkt_esp(p, spi, 7, 100);
	}
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

static void ike_frame(struct pkt *p, uint64_t ispi, uint64_t rspi,
		      uint32_t msgid)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
	pkt_udp(p, 4500, 4500);
	pkt_non_esp_marker(p);
	pkt_ike(p, &(struct pkt_ike){ .ispi = ispi,
				      .rspi = rspi,
				      .version = PKT_IKEV2,
				      .exchange = 35,
				      .msgid = msgid,
				      .payload_len = 40 });
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

static void expect(const struct pkt *p, int verdict, const char *dst,
		   const char *src)
{
	struct run_result r;
	struct pkt want = *p;

	CU_ASSERT_FATAL(harness_run(&h, p->buf, p->len, &r) == 0);
	CU_ASSERT_EQUAL(r.retval, verdict);
	if (verdict == XDP_REDIRECT) {
		pkt_mac(dst, want.buf);
		pkt_mac(src, want.buf + 6);
	}
	CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf, want.len));
}

static uint64_t C(enum ikefwd_counter c)
{
	return harness_counter(&h, c);
}

static void test_registered_sa_steered(void)
{
	struct pkt p;

	CU_ASSERT(sa_put(0x1000, 2, 0) == 0);
	esp_frame(&p, 0x1000, true, false, NULL);
	expect(&p, XDP_REDIRECT, MAC_M2, MAC_SELF_TO_M2);
	esp_frame(&p, 0x1000, false, false, NULL);
	expect(&p, XDP_REDIRECT, MAC_M2, MAC_SELF_TO_M2);
	esp_frame(&p, 0x1000, false, true, NULL);
	expect(&p, XDP_REDIRECT, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_FORWARDED), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_BY_TABLE), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_IN_UDP), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_NATIVE), 2);
	/* ESP never touches the IKE table or its counters. */
	CU_ASSERT_EQUAL(C(IKEFWD_C_IKE_SEEN), 0);
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);

	/* Owned here: passed. */
	CU_ASSERT(sa_put(0x1001, 1, 0) == 0);
	esp_frame(&p, 0x1001, true, false, NULL);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_LOCAL), 1);
}

static void test_ranges(void)
{
	struct pkt p;

	esp_frame(&p, 0xc0001234, true, false, NULL);
	expect(&p, XDP_REDIRECT, MAC_M3, MAC_SELF_TO_M3);
	esp_frame(&p, 0xcfffffff, false, false, NULL);
	expect(&p, XDP_REDIRECT, MAC_M3, MAC_SELF_TO_M3);
	esp_frame(&p, 0xd0000000, false, false, NULL);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_BY_RANGE), 3);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_LOCAL), 1);

	/* A registration overrides the ranges. */
	CU_ASSERT(sa_put(0xc0000001, 2, 0) == 0);
	esp_frame(&p, 0xc0000001, false, false, NULL);
	expect(&p, XDP_REDIRECT, MAC_M2, MAC_SELF_TO_M2);

	/* Outside every range and table: stays, counted. */
	esp_frame(&p, 0x0badf00d, false, false, NULL);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_UNKNOWN), 1);
}

static void test_expired_registration(void)
{
	struct pkt p;

	CU_ASSERT(sa_put(0x2000, 2, -NS) == 0);
	esp_frame(&p, 0x2000, true, false, NULL);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_UNKNOWN), 1);
	CU_ASSERT(sa_put(0x2001, 2, 60 * NS) == 0);
	esp_frame(&p, 0x2001, true, false, NULL);
	expect(&p, XDP_REDIRECT, MAC_M2, MAC_SELF_TO_M2);
}

/* The SA's keys are on its owner: a dead owner's ESP stays here, and
 * nothing is re-homed. */
static void test_dead_owner_and_loop_guard(void)
{
	struct ikefwd_sa sa;
	struct pkt p;
	uint32_t spi = 0x3000;

	CU_ASSERT(sa_put(spi, 2, 0) == 0);
	CU_ASSERT(add_label(2, MAC_M2, MAC_SELF_TO_M2, 0x0200000000000000ULL,
			    IKEFWD_MEMBER_REACHABLE) == 0);
	esp_frame(&p, spi, true, false, NULL);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_OWNER_DEAD), 1);
	CU_ASSERT(bpf_map_lookup_elem(bpf_map__fd(h.skel->maps.ikefwd_sa), &spi,
				      &sa) == 0);
	CU_ASSERT_EQUAL(sa.owner, 2);

	/* Forwarded to us by member 3 while our table names member 2. */
	CU_ASSERT(add_label(2, MAC_M2, MAC_SELF_TO_M2, 0x0200000000000000ULL,
			    USABLE) == 0);
	esp_frame(&p, spi, false, false, MAC_M3);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LOOP_GUARD), 1);
}

static void test_steering_off(void)
{
	struct ikefwd_config c = cfg(0);
	struct pkt p;

	CU_ASSERT(harness_set_config(&h, &c) == 0);
	CU_ASSERT(sa_put(0x4000, 2, 0) == 0);
	esp_frame(&p, 0x4000, true, false, NULL);
	expect(&p, XDP_PASS, NULL, NULL);
	esp_frame(&p, 0x4000, false, false, NULL);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_IN_UDP), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_NATIVE), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_FORWARDED), 0);
}

/* No entry, but the responder SPI carries member 2's label: routed there,
 * neither claimed nor remembered (the label is the state). */
static void test_label_routing(void)
{
	struct ikefwd_entry e;
	struct pkt p;

	ike_frame(&p, 0x5566778899aabbccULL, 0x02aabbccddeeff00ULL, 1);
	expect(&p, XDP_REDIRECT, MAC_M2, MAC_SELF_TO_M2);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LABEL_ROUTED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 0);
	CU_ASSERT(harness_table_get(&h, 0x5566778899aabbccULL, 1, &e) ==
		  -ENOENT);
	CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	CU_ASSERT_EQUAL(harness_halfopen_count(&h), 0);

	/* Member 3 initiated (its label in the initiator SPI), no
	 * responder SPI yet. */
	ike_frame(&p, 0x0311111111111111ULL, 0, 0);
	expect(&p, XDP_REDIRECT, MAC_M3, MAC_SELF_TO_M3);
	/* Our own label: ours, after a table loss. */
	ike_frame(&p, 0x4444444444444444ULL, 0x0122222222222222ULL, 3);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LABEL_ROUTED), 3);

	/* No member's label: handled here; it starts no negotiation, so
	 * nothing is claimed. */
	ike_frame(&p, 0x7777777777777777ULL, 0x0933333333333333ULL, 2);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_UNCLAIMED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CLAIMED), 0);
}

static void test_label_of_dead_member_stays(void)
{
	struct pkt p;

	CU_ASSERT(add_label(2, MAC_M2, MAC_SELF_TO_M2, 0x0200000000000000ULL,
			    IKEFWD_MEMBER_REACHABLE) == 0);
	ike_frame(&p, 0x5656565656565656ULL, 0x02bbbbbbbbbbbbbbULL, 1);
	expect(&p, XDP_PASS, NULL, NULL);
	CU_ASSERT_EQUAL(C(IKEFWD_C_UNCLAIMED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_LABEL_ROUTED), 0);

	/* Labels off: the same packet is simply handled here. */
	{
		struct ikefwd_config c = cfg(IKEFWD_CFG_ESP_STEERING);

		CU_ASSERT(harness_set_config(&h, &c) == 0);
		CU_ASSERT(add_label(2, MAC_M2, MAC_SELF_TO_M2,
				    0x0200000000000000ULL, USABLE) == 0);
		ike_frame(&p, 0x5757575757575757ULL, 0x02bbbbbbbbbbbbbbULL, 1);
		expect(&p, XDP_PASS, NULL, NULL);
		CU_ASSERT_EQUAL(C(IKEFWD_C_UNCLAIMED), 2);
		CU_ASSERT_EQUAL(harness_table_count(&h), 0);
	}
}

int main(void)
{
	static const struct cunit_test tests[] = {
		CUNIT_TEST(test_registered_sa_steered),
		CUNIT_TEST(test_ranges),
		CUNIT_TEST(test_expired_registration),
		CUNIT_TEST(test_dead_owner_and_loop_guard),
		CUNIT_TEST(test_steering_off),
		CUNIT_TEST(test_label_routing),
		CUNIT_TEST(test_label_of_dead_member_stays),
	};

	return cunit_run_suite("esp_and_labels", NULL, NULL, setup, teardown,
			       tests, ARRAY_SIZE(tests));
}
