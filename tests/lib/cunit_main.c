// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The one main() of the CUnit test binaries; see cunit_main.h for why.
 */
#include <stdio.h>

#include <CUnit/Basic.h>

#include "cunit_main.h"

int cunit_run_suite(const char *name, CU_InitializeFunc init,
		    CU_CleanupFunc clean, CU_SetUpFunc setup,
		    CU_TearDownFunc teardown, const struct cunit_test *tests,
		    size_t n_tests)
{
	unsigned int failed;
	CU_pSuite suite;
	CU_ErrorCode rc;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	suite = CU_add_suite_with_setup_and_teardown(name, init, clean, setup,
						     teardown);
	if (!suite)
		goto err;
	for (size_t i = 0; i < n_tests; i++)
		if (!CU_add_test(suite, tests[i].name, tests[i].fn))
			goto err;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	/* Not CUE_SUCCESS also when the suite's init failed. */
	rc = CU_basic_run_tests();
	failed = CU_get_number_of_failures() + CU_get_number_of_tests_failed() +
		 CU_get_number_of_suites_failed();
	CU_cleanup_registry();
	return rc != CUE_SUCCESS || failed ? 1 : 0;

err:
	/* A test that was never registered must not pass by not running. */
	fprintf(stderr, "%s: %s\n", name, CU_get_error_msg());
	CU_cleanup_registry();
	return 1;
}
