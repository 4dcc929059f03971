/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/secret.c: comparing and wiping secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/secret.h"

static void
test_secret_eq_compares_whole_strings(void **state)
{
	assert_true(pz_secret_eq("abc", "abc"));
	assert_true(pz_secret_eq("", ""));
	assert_false(pz_secret_eq("abc", "abd"));
	assert_false(pz_secret_eq("abc", "ab"));
	assert_false(pz_secret_eq("ab", "abc"));
	assert_false(pz_secret_eq("", "a"));
}

/* A missing secret (a device-flow account has no `state`) matches
 * nothing, and comparing with it is not a crash. */
static void
test_secret_eq_null_matches_nothing(void **state)
{
	assert_false(pz_secret_eq(NULL, "x"));
	assert_false(pz_secret_eq("x", NULL));
	assert_false(pz_secret_eq(NULL, ""));
	assert_false(pz_secret_eq(NULL, NULL));
}

static void
test_secret_free_and_dup_take_null(void **state)
{
	char *s = pz_strdup("token");

	assert_string_equal(s, "token");
	pz_secret_free(s);
	pz_secret_free(NULL);
	assert_null(pz_strdup(NULL));
	assert_null(pz_strndup(NULL, 3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secret_eq_compares_whole_strings),
		cmocka_unit_test(test_secret_eq_null_matches_nothing),
		cmocka_unit_test(test_secret_free_and_dup_take_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
