/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/text.c: outside text made safe for terminals. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/text.h"

#define SAFE(in, want) do {						\
	char out_[64];							\
	pz_text_safe(in, sizeof(in) - 1, out_, sizeof(out_));		\
	assert_string_equal(out_, want);				\
} while (0)

static void
test_text_safe_replaces_controls(void **state)
{
	SAFE("plain words", "plain words");
	/* C0: ESC [ 3 1 m, BEL, NUL, newline. */
	SAFE("\x1b[31mred\x07", "?[31mred?");
	SAFE("a\0b\nc", "a?b?c");
	SAFE("del\x7f", "del?");
	/* C1 as UTF-8 (CSI U+009B, OSC U+009D, U+0080): one '?' each. */
	SAFE("\xc2\x9b" "31m\xc2\x9d" "0;t\xc2\x80", "?31m?0;t?");
	/* Raw C1 bytes are malformed UTF-8. */
	SAFE("\x9b" "31m", "?31m");
	/* Well-formed text beyond ASCII is kept, from U+00A0 on. */
	SAFE("caf\xc3\xa9 \xc2\xa0 \xe2\x98\x83 \xf0\x9f\x98\x80",
	    "caf\xc3\xa9 \xc2\xa0 \xe2\x98\x83 \xf0\x9f\x98\x80");
	/* Overlong, truncated and surrogate-free junk. */
	SAFE("\xc0\xaf" "x", "??x");
	SAFE("x\xe2\x98", "x??");
	SAFE("\xff", "?");
}

static void
test_text_safe_cuts_at_character_boundary(void **state)
{
	char out[6];

	pz_text_safe("ab\xe2\x98\x83" "cd", 7, out, sizeof(out));
	assert_string_equal(out, "ab\xe2\x98\x83");
	pz_text_safe("abcd\xe2\x98\x83", 7, out, sizeof(out));
	assert_string_equal(out, "abcd");
	pz_text_safe("abcdefgh", 8, out, 1);
	assert_string_equal(out, "");
}

static void
test_text_is_safe(void **state)
{
	assert_true(pz_text_is_safe("https://example.com/device", 26));
	assert_true(pz_text_is_safe("ABCD-EFGH", 9));
	assert_true(pz_text_is_safe("\xc3\xa9t\xc3\xa9", 5));
	assert_true(pz_text_is_safe("", 0));
	assert_false(pz_text_is_safe("AB\x1b" "CD", 5));
	assert_false(pz_text_is_safe("AB\xc2\x9b" "CD", 6));
	assert_false(pz_text_is_safe("AB\xc2\x85", 4));	/* NEL */
	assert_false(pz_text_is_safe("AB\x9b", 3));
	assert_false(pz_text_is_safe("AB\x7f", 3));
	assert_false(pz_text_is_safe("AB\0CD", 5));
	assert_false(pz_text_is_safe("\xe2\x98", 2));
}

static void
test_text_is_vschar(void **state)
{
	assert_true(pz_text_is_vschar("ya29.a0-_~+/=", 13));
	assert_true(pz_text_is_vschar(" ", 1));
	assert_false(pz_text_is_vschar("", 0));
	assert_false(pz_text_is_vschar("tok\x1b", 4));
	assert_false(pz_text_is_vschar("tok\n", 4));
	assert_false(pz_text_is_vschar("t\xc3\xa9", 3));
	assert_false(pz_text_is_vschar("tok\x7f", 4));
}

static void
test_text_trim_utf8(void **state)
{
	char a[] = "ab\xe2\x98", b[] = "ab\xe2\x98\x83", c[] = "ab\xc3";

	pz_text_trim_utf8(a);
	pz_text_trim_utf8(b);
	pz_text_trim_utf8(c);
	assert_string_equal(a, "ab");
	assert_string_equal(b, "ab\xe2\x98\x83");
	assert_string_equal(c, "ab");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_safe_replaces_controls),
		cmocka_unit_test(test_text_safe_cuts_at_character_boundary),
		cmocka_unit_test(test_text_is_safe),
		cmocka_unit_test(test_text_is_vschar),
		cmocka_unit_test(test_text_trim_utf8),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
