/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The main() of the CUnit test binaries: each tests/unit/test_*.c runs one
 * suite, verbose, and ends with the exit status ctest reads. Every file used
 * to spell out the same registry calls and failure counting, and the copies
 * drifted (some ran an empty suite, and passed, when a test could not be
 * registered). A test file now lists its tests and hands them over:
 *
 *	int main(void)
 *	{
 *		static const struct cunit_test tests[] = {
 *			CUNIT_TEST(test_claim),
 *			{ "dead owner: taken over", test_dead_owner },
 *		};
 *
 *		return cunit_run_suite("xdp_datapath", NULL, NULL, setup,
 *				       teardown, tests, ARRAY_SIZE(tests));
 *	}
 *
 * What a main does besides (library init, skipping with 77) stays in it.
 */
#ifndef IKEFWD_TEST_CUNIT_MAIN_H
#define IKEFWD_TEST_CUNIT_MAIN_H

#include <stddef.h>

#include <CUnit/CUnit.h>

/* The count of a tests[] table (or of any array). */
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

struct cunit_test {
	const char *name; /* as CUnit prints it */
	CU_TestFunc fn;
};

/* A test named after its function. */
#define CUNIT_TEST(f)               \
	{                           \
		.name = #f, .fn = f \
	}

/*
 * Registers the suite @name with the n_tests tests in order and runs it
 * verbose. init/clean run once around the suite, setup/teardown around each
 * test; any of them may be NULL, as in CU_add_suite_with_setup_and_teardown().
 * Returns the exit status: 0 when every test ran and passed, 1 when a test,
 * an assert or the suite's init or clean failed, or nothing could be
 * registered.
 */
int cunit_run_suite(const char *name, CU_InitializeFunc init,
		    CU_CleanupFunc clean, CU_SetUpFunc setup,
		    CU_TearDownFunc teardown, const struct cunit_test *tests,
		    size_t n_tests);

#endif /* IKEFWD_TEST_CUNIT_MAIN_H */
