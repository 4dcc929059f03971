/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/form.c: the URL Standard's form serialisation, as
 * pizauth's URLs and token requests have it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/form.h"

static const struct {
	const char	*value;
	const char	*encoded;
} vectors[] = {
	{ "", "" },
	{ "code", "code" },
	/* What pizauth's authorisation URLs carry. */
	{ "http://localhost:8765/", "http%3A%2F%2Flocalhost%3A8765%2F" },
	{ "openid https://mail.example.com/",
	  "openid+https%3A%2F%2Fmail.example.com%2F" },
	/* The four punctuation bytes that stay, and '~', which does not. */
	{ "*-._~", "*-._%7E" },
	/* Bytes that would change the meaning of the query. */
	{ "a&b=c+d%e#f?g", "a%26b%3Dc%2Bd%25e%23f%3Fg" },
	/* UTF-8 goes byte by byte; control bytes too. */
	{ "\xc3\xa9\x01\x7f", "%C3%A9%01%7F" },
};

static void
test_form_encodes_like_the_url_standard(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;
	char want[128];
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		assert_int_equal(pz_form_append(&b, "k", vectors[i].value), 0);
		snprintf(want, sizeof(want), "k=%s", vectors[i].encoded);
		assert_string_equal(pz_buf_str(&b), want);
		pz_buf_clear(&b);
	}
}

static void
test_form_joins_pairs_with_ampersands(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;

	assert_int_equal(pz_form_append(&b, "grant_type", "refresh_token"), 0);
	assert_int_equal(pz_form_append(&b, "refresh_token", "a/b c"), 0);
	assert_int_equal(pz_form_append(&b, "odd name", ""), 0);
	assert_string_equal(pz_buf_str(&b), "grant_type=refresh_token&"
	    "refresh_token=a%2Fb+c&odd+name=");
	pz_buf_clear(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_form_encodes_like_the_url_standard),
		cmocka_unit_test(test_form_joins_pairs_with_ampersands),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
