// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ha-sync mode: the assignment of the ha plugin's segments to the ready
 * members and the rule for when a member is ready (lib/ha_assign.h), the
 * pure half of ikefwdd's segment controller (sync/ha_ctl.c).
 */
#include <CUnit/Basic.h>
#include <string.h>

#include "cunit_main.h"
#include "ha_assign.h"

static void test_assign_two(void)
{
	uint32_t out[IKEFWD_HA_SEGMENTS_MAX + 1];
	uint32_t both[] = { 2, 1 }; /* any order: sorted by id */

	CU_ASSERT_EQUAL(ha_assign(both, 2, 2, out), 2);
	CU_ASSERT_EQUAL(out[0], 0);
	CU_ASSERT_EQUAL(out[1], 1);
	CU_ASSERT_EQUAL(out[2], 2);

	/* 16 segments alternate, odd to the lower id. */
	CU_ASSERT_EQUAL(ha_assign(both, 2, 16, out), 2);
	for (unsigned int s = 1; s <= 16; s++)
		CU_ASSERT_EQUAL(out[s], s % 2 ? 1 : 2);

	/* 3 segments: the lower id gets the odd one out. */
	CU_ASSERT_EQUAL(ha_assign(both, 2, 3, out), 2);
	CU_ASSERT_EQUAL(out[1], 1);
	CU_ASSERT_EQUAL(out[2], 2);
	CU_ASSERT_EQUAL(out[3], 1);
}

/* Both members compute the same from the same view, whatever order each
 * lists the members in. */
static void test_assign_same_everywhere(void)
{
	uint32_t a[IKEFWD_HA_SEGMENTS_MAX + 1], b[IKEFWD_HA_SEGMENTS_MAX + 1];
	uint32_t v1[] = { 7, 3 }, v2[] = { 3, 7, 3 };

	CU_ASSERT_EQUAL(ha_assign(v1, 2, 5, a), 2);
	CU_ASSERT_EQUAL(ha_assign(v2, 3, 5, b), 2); /* duplicate ignored */
	CU_ASSERT_EQUAL(memcmp(a, b, 6 * sizeof(a[0])), 0);
	CU_ASSERT_EQUAL(a[1], 3);
	CU_ASSERT_EQUAL(a[2], 7);
}

static void test_assign_alone(void)
{
	uint32_t out[IKEFWD_HA_SEGMENTS_MAX + 1];
	uint32_t one[] = { 2 };

	CU_ASSERT_EQUAL(ha_assign(one, 1, 4, out), 1);
	for (unsigned int s = 1; s <= 4; s++)
		CU_ASSERT_EQUAL(out[s], 2);
}

/* Nobody ready: out untouched, whoever holds a segment keeps it. */
static void test_assign_nobody(void)
{
	uint32_t out[IKEFWD_HA_SEGMENTS_MAX + 1],
		before[IKEFWD_HA_SEGMENTS_MAX + 1];
	uint32_t zero[] = { 0 }, one[] = { 1 };

	memset(out, 0xab, sizeof(out));
	memcpy(before, out, sizeof(out));
	CU_ASSERT_EQUAL(ha_assign(NULL, 0, 2, out), 0);
	CU_ASSERT_EQUAL(ha_assign(zero, 1, 2, out), 0); /* 0 is nobody */
	CU_ASSERT_EQUAL(ha_assign(one, 1, 0, out), 0); /* bad counts */
	CU_ASSERT_EQUAL(ha_assign(one, 1, IKEFWD_HA_SEGMENTS_MAX + 1, out), 0);
	CU_ASSERT_EQUAL(memcmp(out, before, sizeof(out)), 0);
}

/* Heard the partner: ready join_delay later, not before. */
static void test_ready_after_join_delay(void)
{
	struct ha_readiness r;

	ha_readiness_init(&r, 1000, 3000, 1000);
	CU_ASSERT_FALSE(ha_readiness_due(&r, 1100, false));
	CU_ASSERT_FALSE(ha_readiness_due(&r, 1200, true)); /* heard at 1200 */
	/* Alone for dead_after no longer counts once heard. */
	CU_ASSERT_FALSE(ha_readiness_due(&r, 2500, true));
	CU_ASSERT_FALSE(ha_readiness_due(&r, 4199, false));
	CU_ASSERT_TRUE(ha_readiness_due(&r, 4200, false));
	CU_ASSERT_FALSE(ha_readiness_ready(&r)); /* due is not ready */
	ha_readiness_set(&r, 4200);
	CU_ASSERT_TRUE(ha_readiness_ready(&r));
	CU_ASSERT_EQUAL(r.ready_ms, 4200);
	CU_ASSERT_TRUE(ha_readiness_due(&r, 4300, false));
}

/* Nobody heard within dead_after of the start: the first member up takes
 * every segment. */
static void test_ready_alone(void)
{
	struct ha_readiness r;

	ha_readiness_init(&r, 5000, 3000, 1000);
	CU_ASSERT_FALSE(ha_readiness_due(&r, 5999, false));
	CU_ASSERT_TRUE(ha_readiness_due(&r, 6000, false));
	ha_readiness_set(&r, 6000);
	/* The partner turning up later changes nothing: still ready. */
	CU_ASSERT_TRUE(ha_readiness_due(&r, 6100, true));
	CU_ASSERT_TRUE(ha_readiness_ready(&r));
}

/* join_delay_ms = 0: ready as soon as the partner is heard. */
static void test_ready_no_delay(void)
{
	struct ha_readiness r;

	ha_readiness_init(&r, 0, 0, 1000);
	CU_ASSERT_FALSE(ha_readiness_due(&r, 10, false));
	CU_ASSERT_TRUE(ha_readiness_due(&r, 20, true));
}

int main(void)
{
	static const struct cunit_test tests[] = {
		{ "two members share the segments", test_assign_two },
		{ "the same on both members", test_assign_same_everywhere },
		{ "one member takes all", test_assign_alone },
		{ "nobody ready: nothing moves", test_assign_nobody },
		{ "ready join_delay after the partner was heard",
		  test_ready_after_join_delay },
		{ "ready alone after dead_after", test_ready_alone },
		{ "join_delay 0", test_ready_no_delay },
	};

	return cunit_run_suite("ha_assign", NULL, NULL, NULL, NULL, tests,
			       ARRAY_SIZE(tests));
}
