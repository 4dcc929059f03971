/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/pkce.c: random base64url strings, S256 challenges. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/err.h"
#include "core/pkce.h"

/* Unpadded base64url length of n bytes. */
static size_t
unpadded(size_t n)
{
	return n / 3 * 4 + (n % 3 == 0 ? 0 : n % 3 + 1);
}

static int
all_b64url(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		    (*s >= '0' && *s <= '9') || *s == '-' || *s == '_'))
			return 0;
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* RFC 7636 appendix B: the verifier is base64url of the 32 octets listed
 * there, and the challenge the one the RFC gives. */
static void
test_pkce_challenge_matches_rfc7636_appendix_b(void **state)
{
	char out[PZ_PKCE_CHALLENGE_LEN + 1];
	struct pz_err err = { "" };

	assert_int_equal(pz_pkce_challenge(
	    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", out, &err), 0);
	assert_string_equal(out, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void
test_pkce_challenge_of_random_verifier_is_43_b64url_chars(void **state)
{
	char v[PZ_B64URL_LEN(PZ_PKCE_VERIFIER_BYTES) + 1];
	char out[PZ_PKCE_CHALLENGE_LEN + 1];
	struct pz_err err = { "" };
	int i;

	for (i = 0; i < 100; i++) {
		assert_int_equal(pz_random_b64url(PZ_PKCE_VERIFIER_BYTES, v,
		    sizeof(v), &err), 0);
		assert_int_equal(pz_pkce_challenge(v, out, &err), 0);
		assert_int_equal(strlen(out), PZ_PKCE_CHALLENGE_LEN);
		assert_true(all_b64url(out));
	}
}

static void
test_pkce_challenge_rejects_verifiers_outside_rfc7636(void **state)
{
	static const char *const bad[] = {
		"",
		"short",
		/* 42 characters: one too few. */
		"abcdefghijabcdefghijabcdefghijabcdefghij12",
		/* 43 characters with a space. */
		"abcdefghijabcdefghijabcdefghijabcdefghij 23",
		/* 43 characters with a '+'. */
		"abcdefghijabcdefghijabcdefghijabcdefghij+23",
		/* 43 characters with UTF-8. */
		"abcdefghijabcdefghijabcdefghijabcdefghij\xc3\xa9",
	};
	char out[PZ_PKCE_CHALLENGE_LEN + 1], longv[130];
	struct pz_err err;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err.msg[0] = '\0';
		assert_int_equal(pz_pkce_challenge(bad[i], out, &err), -1);
		assert_true(err.msg[0] != '\0');
	}
	err.msg[0] = '\0';
	assert_int_equal(pz_pkce_challenge(NULL, out, &err), -1);
	assert_true(err.msg[0] != '\0');

	/* 128 is the longest allowed, 129 too long; the edges of the
	 * alphabet are all allowed. */
	memset(longv, '~', sizeof(longv));
	memcpy(longv, "-._~AZaz09", 10);
	longv[128] = '\0';
	assert_int_equal(pz_pkce_challenge(longv, out, &err), 0);
	longv[128] = 'a';
	longv[129] = '\0';
	assert_int_equal(pz_pkce_challenge(longv, out, &err), -1);
	assert_non_null(strstr(err.msg, "129"));
	/* 43, the shortest allowed. */
	longv[43] = '\0';
	assert_int_equal(pz_pkce_challenge(longv, out, &err), 0);
}

static void
test_pkce_random_has_unpadded_length_for_every_size(void **state)
{
	char buf[256];
	struct pz_err err = { "" };
	size_t n;

	for (n = 0; n <= 150; n++) {
		memset(buf, 'X', sizeof(buf));
		assert_int_equal(pz_random_b64url(n, buf, unpadded(n) + 1,
		    &err), 0);
		assert_int_equal(strlen(buf), unpadded(n));
		assert_true(all_b64url(buf));
		/* Nothing written past the end it was given. */
		assert_int_equal(buf[unpadded(n) + 1], 'X');
	}
}

static void
test_pkce_random_sizes_in_header_are_enough(void **state)
{
	char v[PZ_B64URL_LEN(PZ_PKCE_VERIFIER_BYTES) + 1];
	char s[PZ_B64URL_LEN(PZ_STATE_BYTES) + 1];
	struct pz_err err = { "" };

	assert_int_equal(pz_random_b64url(PZ_PKCE_VERIFIER_BYTES, v,
	    sizeof(v), &err), 0);
	assert_int_equal(strlen(v), 86);
	assert_int_equal(pz_random_b64url(PZ_STATE_BYTES, s, sizeof(s), &err),
	    0);
	assert_int_equal(strlen(s), 43);
}

static void
test_pkce_random_rejects_too_small_buffers(void **state)
{
	char buf[64];
	struct pz_err err;
	size_t n;

	for (n = 1; n <= 40; n++) {
		memset(buf, 'X', sizeof(buf));
		err.msg[0] = '\0';
		assert_int_equal(pz_random_b64url(n, buf, unpadded(n), &err),
		    -1);
		assert_true(err.msg[0] != '\0');
		/* Refused before writing anything. */
		assert_int_equal(buf[0], 'X');
	}
	assert_int_equal(pz_random_b64url(0, buf, 0, &err), -1);
	assert_int_equal(pz_random_b64url(1, NULL, 100, &err), -1);
	/* Sizes whose length would overflow a size_t. */
	assert_int_equal(pz_random_b64url(SIZE_MAX, buf, sizeof(buf), &err),
	    -1);
	assert_int_equal(pz_random_b64url(SIZE_MAX / 4 * 3, buf, sizeof(buf),
	    &err), -1);
	/* And NULL err is allowed. */
	assert_int_equal(pz_random_b64url(10, buf, 2, NULL), -1);
}

static void
test_pkce_random_strings_are_unique(void **state)
{
	enum { N = 2000 };
	char **v;
	struct pz_err err = { "" };
	size_t i;

	v = calloc(N, sizeof(*v));
	assert_non_null(v);
	for (i = 0; i < N; i++) {
		v[i] = malloc(PZ_B64URL_LEN(PZ_STATE_BYTES) + 1);
		assert_non_null(v[i]);
		assert_int_equal(pz_random_b64url(PZ_STATE_BYTES, v[i],
		    PZ_B64URL_LEN(PZ_STATE_BYTES) + 1, &err), 0);
	}
	qsort(v, N, sizeof(*v), cmp_str);
	for (i = 1; i < N; i++)
		assert_string_not_equal(v[i - 1], v[i]);
	for (i = 0; i < N; i++)
		free(v[i]);
	free(v);
}

/* Over many strings every base64url character turns up, '-' and '_'
 * included: the alphabet really is translated, not just filtered. */
static void
test_pkce_random_uses_whole_url_alphabet(void **state)
{
	char buf[PZ_B64URL_LEN(PZ_PKCE_VERIFIER_BYTES) + 1];
	int seen[256] = { 0 }, i, nseen = 0;
	struct pz_err err = { "" };
	const char *p;

	for (i = 0; i < 200; i++) {
		assert_int_equal(pz_random_b64url(PZ_PKCE_VERIFIER_BYTES, buf,
		    sizeof(buf), &err), 0);
		for (p = buf; *p != '\0'; p++)
			seen[(unsigned char)*p] = 1;
	}
	for (i = 0; i < 256; i++)
		nseen += seen[i];
	assert_int_equal(nseen, 64);
	assert_true(seen['-'] && seen['_']);
	assert_false(seen['+'] || seen['/'] || seen['=']);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_pkce_challenge_matches_rfc7636_appendix_b),
		cmocka_unit_test(
		    test_pkce_challenge_of_random_verifier_is_43_b64url_chars),
		cmocka_unit_test(
		    test_pkce_challenge_rejects_verifiers_outside_rfc7636),
		cmocka_unit_test(
		    test_pkce_random_has_unpadded_length_for_every_size),
		cmocka_unit_test(test_pkce_random_sizes_in_header_are_enough),
		cmocka_unit_test(test_pkce_random_rejects_too_small_buffers),
		cmocka_unit_test(test_pkce_random_strings_are_unique),
		cmocka_unit_test(test_pkce_random_uses_whole_url_alphabet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
