// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Checksum state of redirected frames, on the real compiled data path
 * (BPF_PROG_TEST_RUN). A host sending UDP over veth with tx checksum
 * offload leaves the checksum to "hardware": the field holds only the
 * folded pseudo-header sum (CHECKSUM_PARTIAL). A frame XDP redirects loses
 * that state, so the data path must complete such a checksum, and only
 * such a checksum, and only on frames it redirects (bpf/forward.h). The
 * same holds for the inside's cleartext, UDP and TCP, that xdp_ikefwd_in
 * steers to the CHILD_SA's owner (bpf/inside.h).
 */
#include <CUnit/Basic.h>
#include <linux/bpf.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cunit_main.h"
#include "ikefwd.skel.h"
#include "ikefwd/sa.h"
#include "pktbuild.h"
#include "selector.h"
#include "xdp_harness.h"

#define MAC_ROUTER "02:00:00:00:00:aa"
#define MAC_SELF "02:00:00:00:01:01"
#define MAC_M2 "02:00:00:00:02:02"
#define MAC_SELF_TO_M2 "02:00:00:00:01:02"
#define USABLE (IKEFWD_MEMBER_ALIVE | IKEFWD_MEMBER_REACHABLE)
#define ISPI_PEER 0x2200000000000001ULL /* owned by member 2 */
#define ISPI_LOCAL 0x1100000000000001ULL /* owned here */
#define SPI_PEER 0x2000
#define INSIDE_PEER "10.1.9.9" /* selector owned by member 2 */
#define INSIDE_PEER6 "2001:db8:100::9"
#define INSIDE_LOCAL "10.1.5.7" /* selector owned here */

static struct harness h;

/* A remote traffic selector registered to owner (inside steering). */
static int ts_put(const char *prefix, uint32_t owner)
{
	struct ikefwd_ts_maps m = {
		.fd4 = bpf_map__fd(h.skel->maps.ikefwd_ts4),
		.fd6 = bpf_map__fd(h.skel->maps.ikefwd_ts6),
	};
	struct ikefwd_ts ts = { .owner = owner,
				.flags = IKEFWD_TS_F_REGISTERED };
	struct ikefwd_prefix p;

	if (ikefwd_prefix_parse(prefix, &p))
		return -1;
	return ikefwd_ts_put(&m, &p, &ts);
}

static void setup(void)
{
	struct ikefwd_config cfg = {
		.mode = IKEFWD_MODE_LOAD_SHARING,
		.local_member = 1,
		.timeout_sec = 120,
		.ike_port = 500,
		.natt_port = 4500,
		.flags = IKEFWD_CFG_ESP_STEERING,
	};
	struct ikefwd_sa sa = { .owner = 2, .flags = IKEFWD_SA_F_REGISTERED };
	uint32_t spi = SPI_PEER;

	CU_ASSERT_FATAL(harness_open(&h) == 0);
	CU_ASSERT_FATAL(harness_set_config(&h, &cfg) == 0);
	CU_ASSERT_FATAL(
		harness_add_member(&h, 1, 0, MAC_SELF, MAC_SELF, USABLE) == 0);
	CU_ASSERT_FATAL(harness_add_member(&h, 2, 1, MAC_M2, MAC_SELF_TO_M2,
					   USABLE) == 0);
	CU_ASSERT_FATAL(harness_table_put(&h, ISPI_PEER, 0, 2, 0, 0) == 0);
	CU_ASSERT_FATAL(harness_table_put(&h, ISPI_LOCAL, 0, 1, 0, 0) == 0);
	CU_ASSERT_FATAL(bpf_map_update_elem(bpf_map__fd(h.skel->maps.ikefwd_sa),
					    &spi, &sa, BPF_ANY) == 0);
	CU_ASSERT_FATAL(ts_put("10.1.0.0/16", 2) == 0);
	CU_ASSERT_FATAL(ts_put("10.1.5.7/32", 1) == 0);
	CU_ASSERT_FATAL(ts_put("2001:db8:100::/48", 2) == 0);
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

static uint16_t get16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

static void put16(uint8_t *b, uint16_t v)
{
	b[0] = v >> 8;
	b[1] = v & 0xff;
}

/* One's-complement sum of big-endian words; an odd last byte is padded. */
static uint32_t sum16(const uint8_t *b, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += get16(b + i);
	if (len & 1)
		sum += b[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static uint32_t pseudo_sum(const struct pkt *p)
{
	const uint8_t *ip = p->buf + p->l3_off;
	const uint8_t *udp = p->buf + p->l4_off;
	uint32_t sum = 17 + get16(udp + 4);

	if (p->ip_version == 4)
		return sum + sum16(ip + 12, 8);
	return sum + sum16(ip + 8, 32);
}

/* What the kernel writes before handing a CHECKSUM_PARTIAL skb to veth
 * (udp4_hwcsum, udp6_hwcsum_outgoing): ~csum_tcpudp_magic(..., 0), i.e.
 * the folded pseudo-header sum, not complemented. */
static void make_partial(struct pkt *p)
{
	put16(p->buf + p->l4_off + 6, fold(pseudo_sum(p)));
}

/* True when the UDP checksum of frame buf (laid out as p) verifies. */
static bool udp_csum_ok(const struct pkt *p, const uint8_t *buf)
{
	const uint8_t *udp = buf + p->l4_off;

	return fold(pseudo_sum(p) + sum16(udp, get16(udp + 4))) == 0xffff;
}

struct frame {
	bool ipv6;
	int vlans;
	bool natt;
	uint64_t ispi;
	size_t payload; /* IKE payload bytes */
	bool first_frag;
};

static void build(struct pkt *p, const struct frame *f)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, MAC_ROUTER);
	for (int i = 0; i < f->vlans; i++)
		pkt_vlan(p, PKT_TPID_8021Q, 100 + i);
	if (f->ipv6) {
		pkt_ipv6(p, "2001:db8::10", "2001:db8:1::1");
		pkt_ipv6_ext(p, 0); /* hop-by-hop: UDP further in */
		if (f->first_frag)
			pkt_ipv6_frag(p, 7, 0, true);
	} else {
		pkt_ipv4(p, "192.0.2.10", "198.51.100.1");
		if (f->first_frag)
			pkt_ipv4_frag(p, 7, true, 0);
	}
	pkt_udp(p, f->natt ? 4500 : 500, f->natt ? 4500 : 500);
	if (f->natt)
		pkt_non_esp_marker(p);
	pkt_ike(p, &(struct pkt_ike){
			   .ispi = f->ispi ?: ISPI_PEER,
			   .version = PKT_IKEV2,
			   .exchange = 34,
			   .next_payload = 33,
			   .payload_len = f->payload ?: 64,
		   });
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
}

static int run(const struct pkt *p, struct run_result *r)
{
	CU_ASSERT_FATAL(harness_run(&h, p->buf, p->len, r) == 0);
	return r->retval;
}

/* A partial checksum on a redirected frame comes out complete: the frame
 * is the one pkt_finish() built with its full checksum, new MACs aside. */
static void expect_completed(const struct frame *f)
{
	struct pkt full, partial;
	struct run_result r;

	build(&full, f);
	partial = full;
	make_partial(&partial);
	CU_ASSERT_FATAL(!udp_csum_ok(&partial, partial.buf));
	harness_counters_reset(&h);

	CU_ASSERT_EQUAL(run(&partial, &r), XDP_REDIRECT);
	pkt_mac(MAC_M2, full.buf);
	pkt_mac(MAC_SELF_TO_M2, full.buf + 6);
	CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, full.buf, full.len));
	CU_ASSERT(udp_csum_ok(&full, r.out));
	CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_COMPLETED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_PARTIAL_LEFT), 0);
}

static void test_ipv4_partial_completed(void)
{
	expect_completed(&(struct frame){ 0 });
	expect_completed(&(struct frame){ .natt = true, .vlans = 1 });
}

static void test_ipv6_partial_completed(void)
{
	expect_completed(&(struct frame){ .ipv6 = true });
	expect_completed(
		&(struct frame){ .ipv6 = true, .natt = true, .vlans = 2 });
}

/* Odd lengths pad the last byte; long datagrams take whole 512-byte
 * chunks and a remainder (bpf/forward.h, csum_frame_bytes()). */
static void test_lengths(void)
{
	static const size_t lens[] = {
		1, 3, 63, 476, 477, 480, 991, 1400, 3001
	};

	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		expect_completed(&(struct frame){ .payload = lens[i] });
		expect_completed(
			&(struct frame){ .ipv6 = true, .payload = lens[i] });
	}
}

/* Complete checksums, right or wrong, and IPv4's "no checksum" leave
 * exactly as they came (new MACs aside): a corrupt datagram stays corrupt
 * for the receiver to drop. */
static void test_others_untouched(void)
{
	uint16_t checks[] = { 0, 0x1234 };
	struct run_result r;
	struct pkt p, want;

	build(&p, &(struct frame){ .payload = 100 });
	for (size_t i = 0; i < 3; i++) {
		if (i > 0)
			put16(p.buf + p.l4_off + 6, checks[i - 1]);
		want = p;
		pkt_mac(MAC_M2, want.buf);
		pkt_mac(MAC_SELF_TO_M2, want.buf + 6);
		CU_ASSERT_EQUAL(run(&p, &r), XDP_REDIRECT);
		CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf,
				    want.len));
	}
	CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_COMPLETED), 0);
}

/* Passed locally, the skb keeps CHECKSUM_PARTIAL and the stack finishes
 * the job: the field must stay the pseudo-header sum. */
static void test_local_untouched(void)
{
	struct run_result r;
	struct pkt p;

	build(&p, &(struct frame){ .ispi = ISPI_LOCAL });
	make_partial(&p);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_PASS);
	CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, p.buf, p.len));
	CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_COMPLETED), 0);
}

/* A first fragment carries part of the datagram: its checksum cannot be
 * computed here (and the stack completes checksums before fragmenting). */
static void test_fragment_untouched(void)
{
	struct run_result r;
	struct pkt p, want;

	build(&p, &(struct frame){ .first_frag = true });
	make_partial(&p);
	want = p;
	pkt_mac(MAC_M2, want.buf);
	pkt_mac(MAC_SELF_TO_M2, want.buf + 6);
	CU_ASSERT_EQUAL(run(&p, &r), XDP_REDIRECT);
	CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf, want.len));
	CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_COMPLETED), 0);
}

/* ESP-in-UDP steered to the SA's owner takes the same exit. */
static void test_esp_in_udp_completed(void)
{
	for (int v6 = 0; v6 < 2; v6++) {
		struct pkt full, partial;
		struct run_result r;

		pkt_init(&full);
		pkt_eth(&full, MAC_SELF, MAC_ROUTER);
		if (v6)
			pkt_ipv6(&full, "2001:db8::10", "2001:db8:1::1");
		else
			pkt_ipv4(&full, "192.0.2.10", "198.51.100.1");
		pkt_udp(&full, 4500, 4500);
		pkt_esp_udp(&full, SPI_PEER, 1, 101);
		CU_ASSERT_FATAL(pkt_finish(&full) == 0);
		partial = full;
		make_partial(&partial);
		harness_counters_reset(&h);

		CU_ASSERT_EQUAL(run(&partial, &r), XDP_REDIRECT);
		pkt_mac(MAC_M2, full.buf);
		pkt_mac(MAC_SELF_TO_M2, full.buf + 6);
		CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, full.buf,
				    full.len));
		CU_ASSERT_EQUAL(C(IKEFWD_C_ESP_FORWARDED), 1);
		CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_COMPLETED), 1);
	}
}

/* Inside cleartext: UDP or TCP from a host behind the cluster. */
struct clear {
	bool ipv6;
	bool tcp;
	bool ext; /* IPv4 options / an IPv6 hop-by-hop header before L4 */
	size_t payload;
	size_t pad; /* Ethernet padding after the IP packet */
	const char *dst;
	bool first_frag;
};

static void build_clear(struct pkt *p, const struct clear *c)
{
	pkt_init(p);
	pkt_eth(p, MAC_SELF, MAC_ROUTER);
	if (c->ipv6) {
		pkt_ipv6(p, "fd00:50::10", c->dst ?: INSIDE_PEER6);
		if (c->ext)
			pkt_ipv6_ext(p, 0);
		if (c->first_frag)
			pkt_ipv6_frag(p, 7, 0, true);
	} else {
		pkt_ipv4(p, "192.168.50.10", c->dst ?: INSIDE_PEER);
		if (c->ext)
			pkt_ipv4_options(p, 8);
		if (c->first_frag)
			pkt_ipv4_frag(p, 7, true, 0);
	}
	if (c->tcp)
		pkt_tcp(p, 40000, 443);
	else
		pkt_udp(p, 40000, 53);
	for (size_t i = 0; i < c->payload; i++) {
		uint8_t b = (uint8_t)(i * 7 + 1);

		pkt_bytes(p, &b, 1);
	}
	CU_ASSERT_FATAL(pkt_finish(p) == 0);
	/* Padding (a short frame on the wire) is not part of the segment:
	 * the L4 length comes from the IP header, never the frame's. */
	CU_ASSERT_FATAL(p->len + c->pad <= sizeof(p->buf));
	memset(p->buf + p->len, 0, c->pad);
	p->len += c->pad;
}

/* The L4 bytes and the pseudo-header sum of the frame, as the sender's
 * stack saw them: the length from the IP header (TCP has none of its own,
 * and UDP's equals it here). */
static size_t l4_len(const struct pkt *p)
{
	const uint8_t *ip = p->buf + p->l3_off;

	if (p->ip_version == 4)
		return get16(ip + 2) - (p->l4_off - p->l3_off);
	return get16(ip + 4) + 40 - (p->l4_off - p->l3_off);
}

static uint32_t l4_pseudo(const struct pkt *p)
{
	const uint8_t *ip = p->buf + p->l3_off;
	uint32_t sum = p->l4_proto + l4_len(p);

	if (p->ip_version == 4)
		return sum + sum16(ip + 12, 8);
	return sum + sum16(ip + 8, 32);
}

static int check_off(const struct pkt *p)
{
	return p->l4_off + (p->l4_proto == 6 ? 16 : 6);
}

/* What tcp_v4_send_check() / tcp_v6_send_check() / udp4_hwcsum() leave
 * for the hardware: the folded pseudo-header sum. */
static void make_partial_l4(struct pkt *p)
{
	put16(p->buf + check_off(p), fold(l4_pseudo(p)));
}

static bool l4_csum_ok(const struct pkt *p, const uint8_t *buf)
{
	return fold(l4_pseudo(p) + sum16(buf + p->l4_off, l4_len(p))) == 0xffff;
}

static int run_inside(const struct pkt *p, struct run_result *r)
{
	CU_ASSERT_FATAL(harness_run_inside(&h, p->buf, p->len, r) == 0);
	return r->retval;
}

/* Partial in, redirected to member 2 with the checksum pktbuild computed
 * (the full frame, new MACs aside). */
static void expect_inside_completed(const struct clear *c)
{
	struct pkt full, partial;
	struct run_result r;

	build_clear(&full, c);
	partial = full;
	make_partial_l4(&partial);
	CU_ASSERT_FATAL(l4_csum_ok(&full, full.buf));
	CU_ASSERT_FATAL(!l4_csum_ok(&partial, partial.buf));
	harness_counters_reset(&h);

	CU_ASSERT_EQUAL(run_inside(&partial, &r), XDP_REDIRECT);
	pkt_mac(MAC_M2, full.buf);
	pkt_mac(MAC_SELF_TO_M2, full.buf + 6);
	if (!pkt_equal(stderr, r.out, r.out_len, full.buf, full.len))
		CU_FAIL("inside frame not completed as expected");
	CU_ASSERT(l4_csum_ok(&full, r.out));
	CU_ASSERT_EQUAL(C(IKEFWD_C_INSIDE_FORWARDED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_COMPLETED), 1);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_PARTIAL_LEFT), 0);
}

static void test_inside_udp_tcp_completed(void)
{
	static const size_t lens[] = { 0, 1, 3, 511, 512, 1000, 1401, 3001 };

	for (int v6 = 0; v6 < 2; v6++)
		for (int tcp = 0; tcp < 2; tcp++)
			for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]);
			     i++)
				expect_inside_completed(&(struct clear){
					.ipv6 = v6,
					.tcp = tcp,
					.payload = lens[i],
				});
}

/* IPv4 options and IPv6 extension headers lie between the IP header's
 * length and the segment's; Ethernet padding lies beyond both. */
static void test_inside_l4_length(void)
{
	for (int v6 = 0; v6 < 2; v6++)
		for (int tcp = 0; tcp < 2; tcp++) {
			expect_inside_completed(
				&(struct clear){ .ipv6 = v6,
						 .tcp = tcp,
						 .ext = true,
						 .payload = 33 });
			expect_inside_completed(&(struct clear){ .ipv6 = v6,
								 .tcp = tcp,
								 .payload = 2,
								 .pad = 14 });
		}
}

/* Only a partial checksum of a redirected whole packet changes: complete
 * ones (right or wrong), the owner's own (its skb keeps the partial
 * state), a first fragment, and protocols without such a checksum leave
 * as they came. */
static void test_inside_others_untouched(void)
{
	struct run_result r;
	struct pkt p, want;

	for (int tcp = 0; tcp < 2; tcp++) {
		/* complete, then wrong */
		build_clear(&p, &(struct clear){ .tcp = tcp, .payload = 100 });
		for (int i = 0; i < 2; i++) {
			if (i)
				put16(p.buf + check_off(&p), 0x1234);
			want = p;
			pkt_mac(MAC_M2, want.buf);
			pkt_mac(MAC_SELF_TO_M2, want.buf + 6);
			CU_ASSERT_EQUAL(run_inside(&p, &r), XDP_REDIRECT);
			CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf,
					    want.len));
		}
		/* owned here: passed, still partial */
		build_clear(&p, &(struct clear){ .tcp = tcp,
						 .dst = INSIDE_LOCAL,
						 .payload = 100 });
		make_partial_l4(&p);
		CU_ASSERT_EQUAL(run_inside(&p, &r), XDP_PASS);
		CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, p.buf, p.len));
		/* a first fragment, IPv4 and IPv6 */
		for (int v6 = 0; v6 < 2; v6++) {
			build_clear(&p, &(struct clear){ .ipv6 = v6,
							 .tcp = tcp,
							 .first_frag = true,
							 .payload = 100 });
			make_partial_l4(&p);
			want = p;
			pkt_mac(MAC_M2, want.buf);
			pkt_mac(MAC_SELF_TO_M2, want.buf + 6);
			CU_ASSERT_EQUAL(run_inside(&p, &r), XDP_REDIRECT);
			CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf,
					    want.len));
		}
	}
	/* ICMP: nothing to complete */
	pkt_init(&p);
	pkt_eth(&p, MAC_SELF, MAC_ROUTER);
	pkt_ipv4(&p, "192.168.50.10", INSIDE_PEER);
	pkt_proto(&p, 1);
	pkt_bytes(&p, "\x08\x00\x00\x00ping", 8);
	CU_ASSERT_FATAL(pkt_finish(&p) == 0);
	want = p;
	pkt_mac(MAC_M2, want.buf);
	pkt_mac(MAC_SELF_TO_M2, want.buf + 6);
	CU_ASSERT_EQUAL(run_inside(&p, &r), XDP_REDIRECT);
	CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf, want.len));
	CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_COMPLETED), 0);
	CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_PARTIAL_LEFT), 0);
}

/* A partial checksum whose segment the frame does not hold (an IP length
 * beyond the frame) cannot be completed: counted, forwarded as it is. */
static void test_inside_truncated_left(void)
{
	struct run_result r;
	struct pkt p, want;

	for (int tcp = 0; tcp < 2; tcp++) {
		build_clear(&p, &(struct clear){ .tcp = tcp, .payload = 100 });
		make_partial_l4(&p);
		p.len -= 40; /* the IP header still says 100 more */
		want = p;
		pkt_mac(MAC_M2, want.buf);
		pkt_mac(MAC_SELF_TO_M2, want.buf + 6);
		harness_counters_reset(&h);
		CU_ASSERT_EQUAL(run_inside(&p, &r), XDP_REDIRECT);
		CU_ASSERT(pkt_equal(stderr, r.out, r.out_len, want.buf,
				    want.len));
		CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_COMPLETED), 0);
		CU_ASSERT_EQUAL(C(IKEFWD_C_CSUM_PARTIAL_LEFT), 1);
	}
}

int main(void)
{
	static const struct cunit_test tests[] = {
		CUNIT_TEST(test_ipv4_partial_completed),
		CUNIT_TEST(test_ipv6_partial_completed),
		CUNIT_TEST(test_lengths),
		CUNIT_TEST(test_others_untouched),
		CUNIT_TEST(test_local_untouched),
		CUNIT_TEST(test_fragment_untouched),
		CUNIT_TEST(test_esp_in_udp_completed),
		CUNIT_TEST(test_inside_udp_tcp_completed),
		CUNIT_TEST(test_inside_l4_length),
		CUNIT_TEST(test_inside_others_untouched),
		CUNIT_TEST(test_inside_truncated_left),
	};

	return cunit_run_suite("csum_offload", NULL, NULL, setup, teardown,
			       tests, ARRAY_SIZE(tests));
}
