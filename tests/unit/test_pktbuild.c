// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Checks the test packet builder against hand-written frame layouts, so a
 * data-path test failure is never the builder's fault. Checksums are checked
 * with a separate, deliberately naive routine rather than pktbuild's own.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "cunit_main.h"
#include "pktbuild.h"

#define MAC_A "02:00:00:00:00:01"
#define MAC_B "02:00:00:00:00:02"

/* RFC 1071: data that carries a correct checksum sums to 0xffff. */
static uint16_t naive_sum(const uint8_t *pseudo, size_t plen, const uint8_t *b,
			  size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < plen; i += 2)
		sum += pseudo[i] * 256 + pseudo[i + 1];
	for (i = 0; i < n; i++)
		sum += i % 2 ? b[i] : b[i] * 256;
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Checks the UDP checksum of p through its IPv4 or IPv6 pseudo-header. */
static void assert_udp_csum(const struct pkt *p)
{
	const uint8_t *ip = p->buf + p->l3_off, *udp = p->buf + p->l4_off;
	size_t n = p->len - p->l4_off;
	uint8_t ph[40] = { 0 };
	size_t plen;

	if ((ip[0] >> 4) == 4) {
		memcpy(ph, ip + 12, 8);
		ph[9] = 17;
		ph[10] = n >> 8;
		ph[11] = n;
		plen = 12;
	} else {
		memcpy(ph, ip + 8, 32);
		ph[34] = n >> 8;
		ph[35] = n;
		ph[39] = 17;
		plen = 40;
	}
	CU_ASSERT_EQUAL(naive_sum(ph, plen, udp, n), 0xffff);
}

static bool same(const struct pkt *p, const uint8_t *want, size_t want_len)
{
	return pkt_equal(stderr, p->buf, p->len, want, want_len);
}

static void test_ipv4_udp_ike(void)
{
	static const uint8_t want[] = {
		/* Ethernet */
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
		/* IPv4: total 60, TTL 64, UDP, checksum zeroed below */
		0x45, 0, 0, 60, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51,
		100, 1,
		/* UDP 500 -> 500, length 40, checksum zeroed below */
		0x01, 0xf4, 0x01, 0xf4, 0, 40, 0, 0,
		/* IKE: ispi, rspi, np 33, v2, IKE_SA_INIT, I, msgid 0, len 32 */
		1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0, 33, 0x20, 34,
		0x08, 0, 0, 0, 0, 0, 0, 0, 32,
		/* payload pattern */
		0, 1, 2, 3
	};
	struct pkt p, c;

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv4(&p, "192.0.2.1", "198.51.100.1");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = 0x0102030405060708,
				       .next_payload = 33,
				       .version = PKT_IKEV2,
				       .exchange = 34,
				       .flags = 0x08,
				       .payload_len = 4 });
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	CU_ASSERT_EQUAL(p.l3_off, 14);
	CU_ASSERT_EQUAL(p.l4_off, 34);
	CU_ASSERT_EQUAL(p.ike_off, 42);

	CU_ASSERT_EQUAL(naive_sum(NULL, 0, p.buf + 14, 20), 0xffff);
	assert_udp_csum(&p);

	c = p;
	memset(c.buf + 14 + 10, 0, 2);
	memset(c.buf + 34 + 6, 0, 2);
	CU_ASSERT(same(&c, want, sizeof(want)));
}

static void test_vlan_ipv6_natt(void)
{
	struct pkt p;
	const uint8_t *b = p.buf;

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_vlan(&p, PKT_TPID_8021AD, 100);
	pkt_vlan(&p, PKT_TPID_8021Q, 200);
	pkt_ipv6(&p, "2001:db8::1", "2001:db8::2");
	pkt_udp(&p, 4500, 4500);
	pkt_non_esp_marker(&p);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = 9,
				       .version = PKT_IKEV1,
				       .msgid = 0xa1b2c3d4 });
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);

	/* 88a8 / VID 100, 8100 / VID 200, then IPv6 */
	CU_ASSERT(b[12] == 0x88 && b[13] == 0xa8 && b[14] == 0 && b[15] == 100);
	CU_ASSERT(b[16] == 0x81 && b[17] == 0x00 && b[18] == 0 && b[19] == 200);
	CU_ASSERT(b[20] == 0x86 && b[21] == 0xdd);
	CU_ASSERT_EQUAL(p.l3_off, 22);
	CU_ASSERT_EQUAL(b[22], 0x60);
	CU_ASSERT(b[26] == 0 && b[27] == 8 + 4 + 28); /* payload length */
	CU_ASSERT_EQUAL(b[28], 17);
	CU_ASSERT_EQUAL(b[29], 64);
	CU_ASSERT(b[30] == 0x20 && b[31] == 0x01 && b[45] == 1 && b[61] == 2);
	CU_ASSERT_EQUAL(p.l4_off, 62);
	CU_ASSERT(b[62] == 0x11 && b[63] == 0x94 && b[66] == 0 && b[67] == 40);
	CU_ASSERT(!memcmp(b + 70, "\0\0\0\0", 4));
	CU_ASSERT_EQUAL(p.ike_off, 74);
	CU_ASSERT(b[81] == 9 && b[91] == PKT_IKEV1);
	CU_ASSERT(!memcmp(b + 94, "\xa1\xb2\xc3\xd4\0\0\0\x1c", 8));
	CU_ASSERT_EQUAL(p.len, 102);
	assert_udp_csum(&p);
}

static void test_ipv6_ext_chain(void)
{
	struct pkt p;
	const uint8_t *b = p.buf;

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv6(&p, "fe80::1", "ff02::1");
	pkt_ipv6_ext(&p, 0);
	pkt_ipv6_ext(&p, 43);
	pkt_ipv6_ext(&p, 60);
	pkt_ipv6_frag(&p, 0x11223344, 0, true);
	pkt_udp(&p, 500, 500);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);

	CU_ASSERT_EQUAL(b[14 + 6], 0); /* IPv6 -> hop-by-hop */
	CU_ASSERT_EQUAL(b[54], 43); /* hop-by-hop -> routing */
	CU_ASSERT(b[55] == 0 && b[56] == 1 && b[57] == 4); /* 8 bytes, PadN */
	CU_ASSERT_EQUAL(b[62], 60); /* routing -> destination options */
	CU_ASSERT(b[63] == 0 && b[64] == 0 && b[65] == 0); /* type 0, left 0 */
	CU_ASSERT_EQUAL(b[70], 44); /* destination options -> fragment */
	CU_ASSERT_EQUAL(b[78], 17); /* fragment -> UDP */
	CU_ASSERT(!memcmp(b + 80, "\x00\x01\x11\x22\x33\x44", 6)); /* M, id */
	CU_ASSERT_EQUAL(p.l4_off, 86);
	CU_ASSERT(b[18] == 0 && b[19] == 32 + 8); /* payload length */

	/* A later fragment: no UDP header, the protocol is set by hand. */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv6(&p, "fe80::1", "ff02::1");
	pkt_ipv6_frag(&p, 7, 185, false);
	pkt_proto(&p, 17);
	pkt_bytes(&p, "abcd", 4);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	CU_ASSERT(b[20] == 44 && b[54] == 17);
	CU_ASSERT(b[56] == (185 << 3) >> 8 && b[57] == ((185 << 3) & 0xff));
	CU_ASSERT_EQUAL(p.l4_off, -1);
}

static void test_ipv4_options_frag_ihl(void)
{
	struct pkt p;
	const uint8_t *ip = p.buf + 14;

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2");
	pkt_ipv4_options(&p, 7);
	pkt_ipv4_frag(&p, 0xbeef, true, 3);
	pkt_udp(&p, 500, 500);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	CU_ASSERT_EQUAL(ip[0], 0x47);
	CU_ASSERT(!memcmp(ip + 20, "\1\1\1\1\1\1\1\1", 8));
	CU_ASSERT(ip[4] == 0xbe && ip[5] == 0xef && ip[6] == 0x20 &&
		  ip[7] == 3);
	CU_ASSERT(ip[2] == 0 && ip[3] == 28 + 8);
	CU_ASSERT_EQUAL(p.l4_off, 14 + 28);
	CU_ASSERT_EQUAL(naive_sum(NULL, 0, ip, 28), 0xffff);

	/* A bogus ihl is written as asked; the checksum stays valid. */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2");
	pkt_ipv4_force_ihl(&p, 3);
	pkt_udp(&p, 500, 500);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	CU_ASSERT_EQUAL(ip[0], 0x43);
	CU_ASSERT_EQUAL(naive_sum(NULL, 0, ip, 20), 0xffff);
}

static void test_other_payloads(void)
{
	struct pkt p;
	const uint8_t *b = p.buf;

	/* ESP-in-UDP and NAT keepalive on 4500, raw ESP, TCP. */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2");
	pkt_udp(&p, 4500, 4500);
	pkt_esp_udp(&p, 0x1000, 1, 16);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	CU_ASSERT(!memcmp(b + 42, "\0\0\x10\0\0\0\0\1\0\1\2", 11));
	CU_ASSERT_EQUAL(p.len, 42 + 8 + 16);
	assert_udp_csum(&p);

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2");
	pkt_udp(&p, 4500, 4500);
	pkt_natt_keepalive(&p);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	CU_ASSERT(p.len == 43 && b[42] == 0xff && b[39] == 9);
	assert_udp_csum(&p);

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2");
	pkt_esp(&p, 0xdeadbeef, 5, 0);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	CU_ASSERT(b[23] == 50 &&
		  !memcmp(b + 34, "\xde\xad\xbe\xef\0\0\0\5", 8));

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv6(&p, "::1", "::2");
	pkt_tcp(&p, 500, 500);
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	CU_ASSERT(b[20] == 6 && b[54 + 12] == 0x50 && p.len == 74);
}

static void test_misuse_truncate_mac(void)
{
	uint8_t mac[6], big[PKT_MAX] = { 0 };
	struct pkt p;

	/* The first error sticks and is what pkt_finish() reports. */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	CU_ASSERT_EQUAL(pkt_udp(&p, 1, 2), -EINVAL);
	CU_ASSERT_EQUAL(pkt_ipv4(&p, "10.0.0.1", "10.0.0.2"), -EINVAL);
	CU_ASSERT_EQUAL(pkt_finish(&p), -EINVAL);

	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	CU_ASSERT_EQUAL(pkt_bytes(&p, big, sizeof(big)), -EMSGSIZE);
	CU_ASSERT_EQUAL(pkt_finish(&p), -EMSGSIZE);

	pkt_init(&p);
	CU_ASSERT_EQUAL(pkt_eth(&p, "02:00:00:00:00", MAC_A), -EINVAL);

	/* Truncation keeps the header's length fields as finished. */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = 1,
				       .version = PKT_IKEV2,
				       .length_set = true,
				       .length = 3 });
	CU_ASSERT_EQUAL(pkt_truncate(&p, 40), -EINVAL); /* not finished */
	pkt_init(&p);
	pkt_eth(&p, MAC_B, MAC_A);
	pkt_ipv4(&p, "10.0.0.1", "10.0.0.2");
	pkt_udp(&p, 500, 500);
	pkt_ike(&p, &(struct pkt_ike){ .ispi = 1,
				       .version = PKT_IKEV2,
				       .length_set = true,
				       .length = 3 });
	CU_ASSERT_EQUAL_FATAL(pkt_finish(&p), 0);
	CU_ASSERT(!memcmp(p.buf + 42 + 24, "\0\0\0\3", 4));
	CU_ASSERT_EQUAL(pkt_truncate(&p, 40), 0);
	CU_ASSERT(p.len == 40 && p.buf[38] == 0 && p.buf[39] == 36);
	CU_ASSERT_EQUAL(pkt_udp(&p, 1, 2), -EBUSY);

	CU_ASSERT_EQUAL(pkt_mac("0a:1B:2c:3D:4e:5F", mac), 0);
	CU_ASSERT(!memcmp(mac, "\x0a\x1b\x2c\x3d\x4e\x5f", 6));
	CU_ASSERT_EQUAL(pkt_mac("0a:1b:2c:3d:4e:5f:", mac), -EINVAL);
	CU_ASSERT_EQUAL(pkt_mac("0a:1b:2c:3d:4e", mac), -EINVAL);
	CU_ASSERT_EQUAL(pkt_mac("0a:1b:2c:3d:4e:5g", mac), -EINVAL);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "IPv4/UDP/IKE byte layout", test_ipv4_udp_ike },
		{ "QinQ/IPv6/NAT-T IKE", test_vlan_ipv6_natt },
		{ "IPv6 extension chain", test_ipv6_ext_chain },
		{ "IPv4 options, fragment, bogus ihl",
		  test_ipv4_options_frag_ihl },
		{ "ESP, keepalive, TCP", test_other_payloads },
		{ "misuse, truncate, MAC parsing", test_misuse_truncate_mac },
	};

	return cunit_run_suite("pktbuild", NULL, NULL, NULL, NULL, tests,
			       ARRAY_SIZE(tests));
}
