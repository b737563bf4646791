// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The ha plugin's segment function (include/ikefwd/ha_segment.h,
 * lib/ha_segment.h) against the decisions of the real plugin: the vectors
 * in tests/unit/ha_segment_vectors.txt are what strongSwan 5.9.8's ha
 * plugin did with these addresses and SPIs in the lab
 * (scripts/ha-segment-vectors.sh, tests/e2e/test_ha_sync.sh).
 */
#include <CUnit/Basic.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cunit_main.h"
#include "ha_segment.h"
#include "ikefwd/ha_segment.h"

static void check_line(const char *line, unsigned int *ike, unsigned int *spi)
{
	char kind[8], addr[64], spi_hex[16];
	unsigned int count, want;
	struct in_addr in;
	int got;

	if (sscanf(line, "%7s", kind) != 1 || kind[0] == '#')
		return;
	if (!strcmp(kind, "ike")) {
		CU_ASSERT_EQUAL_FATAL(
			sscanf(line, "ike %63s %u %u", addr, &count, &want), 3);
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, addr, &in), 1);
		got = ikefwd_ha_segment(AF_INET, &in, count);
		(*ike)++;
	} else {
		CU_ASSERT_STRING_EQUAL_FATAL(kind, "spi");
		CU_ASSERT_EQUAL_FATAL(sscanf(line, "spi %63s %15s %u %u", addr,
					     spi_hex, &count, &want),
				      4);
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET, addr, &in), 1);
		/* swanctl prints SPIs as numbers: host order. */
		got = ikefwd_ha_segment_spi(
			AF_INET, &in, htonl(strtoul(spi_hex, NULL, 16)), count);
		(*spi)++;
	}
	if (got != (int)want)
		fprintf(stderr, "\n  %s: got %d", line, got);
	CU_ASSERT_EQUAL(got, (int)want);
}

/* Every decision the plugin was seen to make, both variants. */
static void test_plugin_vectors(void)
{
	unsigned int ike = 0, spi = 0;
	char line[256];
	FILE *f;

	f = fopen(IKEFWD_HA_VECTORS, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		check_line(line, &ike, &spi);
	}
	fclose(f);
	/* 32 peers with 16 segments and 16 with 2; two SPIs per CHILD_SA. */
	CU_ASSERT_EQUAL(ike, 48);
	CU_ASSERT_EQUAL(spi, 96);
}

/*
 * Segment 1 holds the lowest hashes, segment count the highest, each an
 * equal slice of the 32-bit range.
 */
static void test_scaling(void)
{
	for (__u32 n = 1; n <= IKEFWD_HA_SEGMENTS_MAX; n++) {
		CU_ASSERT_EQUAL(ikefwd_ha_hash_segment(0, n), 1);
		CU_ASSERT_EQUAL(ikefwd_ha_hash_segment(0xffffffff, n), n);
	}
	CU_ASSERT_EQUAL(ikefwd_ha_hash_segment(0x7fffffff, 2), 1);
	CU_ASSERT_EQUAL(ikefwd_ha_hash_segment(0x80000000, 2), 2);
	CU_ASSERT_EQUAL(ikefwd_ha_hash_segment(0x0fffffff, 16), 1);
	CU_ASSERT_EQUAL(ikefwd_ha_hash_segment(0x10000000, 16), 2);
}

/* One segment: everything in it. */
static void test_one_segment(void)
{
	struct in_addr in = { .s_addr = htonl(0x0a000108) };

	for (__u32 a = 0; a < 1000; a++) {
		in.s_addr = htonl(0x0a000000 + a * 7919);
		CU_ASSERT_EQUAL(ikefwd_ha_segment(AF_INET, &in, 1), 1);
	}
}

/*
 * The plugin hashes 0 for an IPv6 peer: all IPv6 peers share the segment
 * of 0.0.0.0, whatever their address.
 */
static void test_ipv6(void)
{
	static const char *const v6[] = { "2001:db8::1", "2001:db8::2",
					  "fe80::1", "::ffff:10.0.1.8" };
	struct in_addr zero = { 0 };
	struct in6_addr in6;

	for (size_t i = 0; i < ARRAY_SIZE(v6); i++) {
		CU_ASSERT_EQUAL_FATAL(inet_pton(AF_INET6, v6[i], &in6), 1);
		for (unsigned int n = 1; n <= IKEFWD_HA_SEGMENTS_MAX; n++)
			CU_ASSERT_EQUAL(ikefwd_ha_segment(AF_INET6, &in6, n),
					ikefwd_ha_segment(AF_INET, &zero, n));
	}
}

/* Counts the plugin cannot have, families it does not know. */
static void test_bad_input(void)
{
	struct in_addr in = { .s_addr = htonl(0x0a000108) };

	CU_ASSERT_EQUAL(ikefwd_ha_segment(AF_INET, &in, 0), -EINVAL);
	CU_ASSERT_EQUAL(ikefwd_ha_segment(AF_INET, &in, 17), -EINVAL);
	CU_ASSERT_EQUAL(ikefwd_ha_segment_spi(AF_INET, &in, 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(ikefwd_ha_segment(AF_UNIX, &in, 2), -EINVAL);
	CU_ASSERT(ikefwd_ha_segment(AF_INET, &in, 16) >= 1);
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "the plugin's own decisions", test_plugin_vectors },
		{ "hash onto segments", test_scaling },
		{ "one segment", test_one_segment },
		{ "IPv6 peers share one segment", test_ipv6 },
		{ "bad count, bad family", test_bad_input },
	};

	return cunit_run_suite("ha_segment", NULL, NULL, NULL, NULL, tests,
			       ARRAY_SIZE(tests));
}
