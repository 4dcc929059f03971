/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/dump.c: the sealed dump codec. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/dump.h"
#include "core/err.h"

#define FPR_A	"0123456789abcdef0123456789abcdef" \
		"0123456789abcdef0123456789abcdef"
#define FPR_B	"ffffffffffffffffffffffffffffffff" \
		"00000000000000000000000000000000"
/* Magic, nonce and tag. */
#define OVERHEAD	(4 + 12 + 16)

#define ERR_NOT_DUMP	"Dump is not a pizauth dump"
#define ERR_CORRUPT	"Dump is corrupted or was made by a different pizauth"

static void
set_entry(struct pz_dump_entry *e, char *account, const char *fpr,
    char *at, char *rt, int64_t obtained, int64_t expiry)
{
	size_t len = strlen(fpr);

	memset(e, 0, sizeof(*e));
	e->account = account;
	/* The terminating NUL comes from the memset. */
	memcpy(e->fingerprint, fpr, len < 64 ? len : 64);
	e->access_token = at;
	e->refresh_token = rt;
	e->obtained = obtained;
	e->expiry = expiry;
}

static void
assert_entries_equal(const struct pz_dump_entry *a,
    const struct pz_dump_entry *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		assert_string_equal(a[i].account, b[i].account);
		assert_string_equal(a[i].fingerprint, b[i].fingerprint);
		assert_string_equal(a[i].access_token, b[i].access_token);
		if (a[i].refresh_token == NULL)
			assert_null(b[i].refresh_token);
		else
			assert_string_equal(a[i].refresh_token,
			    b[i].refresh_token);
		assert_int_equal(a[i].obtained, b[i].obtained);
		assert_int_equal(a[i].expiry, b[i].expiry);
	}
}

/* Decode must fail with exactly msg (a prefix of it if partial) and leave
 * nothing allocated. */
static void
assert_decode_fails(const void *data, size_t len, const char *msg)
{
	struct pz_dump_entry *ents = (struct pz_dump_entry *)1;
	struct pz_err err = { "" };
	size_t n = 99;

	assert_int_equal(pz_dump_decode(data, len, &ents, &n, &err), -1);
	assert_null(ents);
	assert_int_equal(n, 0);
	assert_true(err.msg[0] != '\0');
	if (msg != NULL)
		assert_string_equal(err.msg, msg);
}

/* Seal plaintext JSON as a dump would be, and expect decode to refuse it
 * with msg. */
static void
assert_sealed_fails(const char *json, const char *msg)
{
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err = { "" };

	assert_int_equal(pz_dump_seal(json, strlen(json), &b, &err), 0);
	assert_decode_fails(b.data, b.len, msg);
	pz_buf_clear(&b);
}

static void
test_dump_round_trip_empty(void **state)
{
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_dump_entry *ents = (struct pz_dump_entry *)1;
	struct pz_err err = { "" };
	size_t n = 99;

	assert_int_equal(pz_dump_encode(NULL, 0, &b, &err), 0);
	assert_true(b.len > OVERHEAD);
	assert_memory_equal(b.data, "PZD1", 4);
	assert_int_equal(pz_dump_decode(b.data, b.len, &ents, &n, &err), 0);
	assert_null(ents);
	assert_int_equal(n, 0);
	pz_dump_entries_free(ents, n);
	pz_buf_clear(&b);
}

static void
test_dump_round_trip_one_with_and_without_refresh_token(void **state)
{
	struct pz_dump_entry in, *out;
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err = { "" };
	size_t n;

	set_entry(&in, "work", FPR_A, "ya29.access", "1//refresh",
	    1700000000, 1700003600);
	assert_int_equal(pz_dump_encode(&in, 1, &b, &err), 0);
	assert_int_equal(pz_dump_decode(b.data, b.len, &out, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_entries_equal(&in, out, 1);
	pz_dump_entries_free(out, n);
	pz_buf_clear(&b);

	set_entry(&in, "personal", FPR_B, "at", NULL, -5, INT64_MAX);
	assert_int_equal(pz_dump_encode(&in, 1, &b, &err), 0);
	assert_int_equal(pz_dump_decode(b.data, b.len, &out, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_entries_equal(&in, out, 1);
	pz_dump_entries_free(out, n);
	pz_buf_clear(&b);
}

static void
test_dump_round_trip_many(void **state)
{
	enum { N = 200 };
	struct pz_dump_entry in[N], *out;
	static char names[N][32], ats[N][2048], rts[N][64];
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err = { "" };
	size_t n, i;

	for (i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "acct-\xc3\xa9-%zu", i);
		/* Long tokens, as Microsoft's JWTs are. */
		memset(ats[i], 'A' + (int)(i % 26), sizeof(ats[i]) - 1);
		ats[i][sizeof(ats[i]) - 1] = '\0';
		snprintf(rts[i], sizeof(rts[i]), "rt\"\\/%zu~", i);
		set_entry(&in[i], names[i], i % 2 ? FPR_A : FPR_B, ats[i],
		    i % 3 ? rts[i] : NULL, (int64_t)i, INT64_MIN + (int64_t)i);
	}
	assert_int_equal(pz_dump_encode(in, N, &b, &err), 0);
	assert_int_equal(pz_dump_decode(b.data, b.len, &out, &n, &err), 0);
	assert_int_equal(n, N);
	assert_entries_equal(in, out, N);
	pz_dump_entries_free(out, n);
	pz_buf_clear(&b);
}

/* Nothing of the plaintext shows through, and no two dumps are alike. */
static void
test_dump_sealed_output_hides_tokens(void **state)
{
	static const char *const hidden[] = {
		"SECRETACCESSTOKEN", "SECRETREFRESHTOKEN", "myaccount",
		"access_token", "refresh_token", "version", "accounts",
		FPR_A,
	};
	struct pz_dump_entry in;
	struct pz_buf a = PZ_BUF_INIT, b = PZ_BUF_INIT;
	struct pz_err err = { "" };
	size_t i;

	set_entry(&in, "myaccount", FPR_A, "SECRETACCESSTOKEN",
	    "SECRETREFRESHTOKEN", 1, 2);
	assert_int_equal(pz_dump_encode(&in, 1, &a, &err), 0);
	assert_int_equal(pz_dump_encode(&in, 1, &b, &err), 0);
	for (i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		assert_null(memmem(a.data, a.len, hidden[i],
		    strlen(hidden[i])));
		/* Not even a fragment of a token. */
		assert_null(memmem(a.data, a.len, hidden[i], 6));
	}
	assert_int_equal(a.len, b.len);
	assert_memory_not_equal(a.data + 4, b.data + 4, a.len - 4);
	pz_buf_clear(&a);
	pz_buf_clear(&b);
}

/* Encode appends; decode reads exactly the bytes it is given. */
static void
test_dump_encode_appends(void **state)
{
	struct pz_dump_entry in, *out;
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err = { "" };
	size_t n;

	set_entry(&in, "a", FPR_A, "t", NULL, 1, 2);
	assert_int_equal(pz_buf_puts(&b, "restore:"), 0);
	assert_int_equal(pz_dump_encode(&in, 1, &b, &err), 0);
	assert_memory_equal(b.data, "restore:PZD1", 12);
	assert_int_equal(pz_dump_decode(b.data + 8, b.len - 8, &out, &n, &err),
	    0);
	assert_int_equal(n, 1);
	pz_dump_entries_free(out, n);
	pz_buf_clear(&b);
}

static void
test_dump_truncation_at_every_length_fails(void **state)
{
	struct pz_dump_entry in[2];
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err = { "" };
	size_t len;

	set_entry(&in[0], "a", FPR_A, "token-a", "refresh-a", 10, 20);
	set_entry(&in[1], "b", FPR_B, "token-b", NULL, 30, 40);
	assert_int_equal(pz_dump_encode(in, 2, &b, &err), 0);
	for (len = 0; len < b.len; len++)
		assert_decode_fails(b.data, len,
		    len == 0 ? "Dump is empty" :
		    len < OVERHEAD ? "Dump is truncated" : ERR_CORRUPT);
	/* And one byte too many. */
	assert_int_equal(pz_buf_append(&b, "", 1), 0);
	assert_decode_fails(b.data, b.len, ERR_CORRUPT);
	pz_buf_clear(&b);
	assert_decode_fails(NULL, 0, "Dump is empty");
	assert_decode_fails(NULL, 10, "Dump is empty");
}

static void
test_dump_every_bit_flip_fails(void **state)
{
	struct pz_dump_entry in;
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err = { "" };
	size_t i;
	int bit;

	set_entry(&in, "acct", FPR_A, "token", "refresh", 10, 20);
	assert_int_equal(pz_dump_encode(&in, 1, &b, &err), 0);
	for (i = 0; i < b.len; i++)
		for (bit = 0; bit < 8; bit++) {
			b.data[i] ^= (char)(1 << bit);
			assert_decode_fails(b.data, b.len,
			    i < 3 ? ERR_NOT_DUMP :
			    i == 3 ? "Dump format is not supported by this "
			    "pizauth" : ERR_CORRUPT);
			b.data[i] ^= (char)(1 << bit);
		}
	pz_buf_clear(&b);
}

static void
test_dump_wrong_magic_fails(void **state)
{
	static const char json[] = "{\"version\":1,\"accounts\":[]}";
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err = { "" };
	char junk[256];

	assert_decode_fails("x", 1, ERR_NOT_DUMP);
	assert_decode_fails(json, strlen(json), ERR_NOT_DUMP);
	assert_decode_fails("access_token:abc", 16, ERR_NOT_DUMP);
	memset(junk, 0, sizeof(junk));
	assert_decode_fails(junk, sizeof(junk), ERR_NOT_DUMP);
	/* A prefix of the magic is a truncated dump, not garbage. */
	assert_decode_fails("PZ", 2, "Dump is truncated");
	memcpy(junk, "PZD2", 4);
	assert_decode_fails(junk, sizeof(junk),
	    "Dump format is not supported by this pizauth");

	/* A valid seal under another magic is still refused: the magic is
	 * authenticated too. */
	assert_int_equal(pz_dump_seal(json, strlen(json), &b, &err), 0);
	b.data[3] = '2';
	assert_decode_fails(b.data, b.len,
	    "Dump format is not supported by this pizauth");
	pz_buf_clear(&b);
}

static void
test_dump_wrong_version_fails(void **state)
{
	assert_sealed_fails("{\"version\":2,\"accounts\":[]}",
	    "Dump version 2 is not supported by this pizauth");
	assert_sealed_fails("{\"version\":0,\"accounts\":[]}",
	    "Dump version 0 is not supported by this pizauth");
	assert_sealed_fails("{\"version\":-1,\"accounts\":[]}",
	    "Dump version -1 is not supported by this pizauth");
	assert_sealed_fails("{\"version\":\"1\",\"accounts\":[]}",
	    "Dump contents are malformed (no version)");
	assert_sealed_fails("{\"version\":1.0,\"accounts\":[]}",
	    "Dump contents are malformed (no version)");
	assert_sealed_fails("{\"accounts\":[]}",
	    "Dump contents are malformed (no version)");
}

static void
test_dump_wrong_types_fail(void **state)
{
#define V	"{\"version\":1,\"accounts\":["
#define ACC	"\"account\":\"a\","
#define FPR	"\"fingerprint\":\"" FPR_A "\","
#define AT	"\"access_token\":\"t\","
#define TIMES	"\"obtained\":1,\"expiry\":2"
	static const struct {
		const char	*json;
		const char	*msg;
	} cases[] = {
		{ "", "Dump contents are malformed" },
		{ "not json", "Dump contents are malformed" },
		{ "[]", "Dump contents are malformed" },
		{ "{\"version\":1,\"accounts\":[]} trailing",
		    "Dump contents are malformed" },
		{ "{\"version\":1,\"version\":1,\"accounts\":[]}",
		    "Dump contents are malformed" },
		{ "{\"version\":1}",
		    "Dump contents are malformed (no accounts)" },
		{ "{\"version\":1,\"accounts\":{}}",
		    "Dump contents are malformed (no accounts)" },
		{ "{\"version\":1,\"accounts\":null}",
		    "Dump contents are malformed (no accounts)" },
		{ V "1]}", "Dump entry 1 is not an object" },
		{ V "{" ACC FPR AT TIMES "},[]]}",
		    "Dump entry 2 is not an object" },
		{ V "{" FPR AT TIMES "}]}",
		    "Dump entry 1: account is missing" },
		{ V "{\"account\":5," FPR AT TIMES "}]}",
		    "Dump entry 1: account is not a string" },
		{ V "{\"account\":\"\"," FPR AT TIMES "}]}",
		    "Dump entry 1: account is empty" },
		{ V "{" ACC AT TIMES "}]}",
		    "Dump entry 1: fingerprint is missing" },
		{ V "{" ACC "\"fingerprint\":\"abc\"," AT TIMES "}]}",
		    "Dump entry 1: fingerprint is malformed" },
		{ V "{" ACC "\"fingerprint\":\"" FPR_A "0\"," AT TIMES "}]}",
		    "Dump entry 1: fingerprint is malformed" },
		{ V "{" ACC "\"fingerprint\":\""
		    "g123456789abcdef0123456789abcdef"
		    "0123456789abcdef0123456789abcdef\"," AT TIMES "}]}",
		    "Dump entry 1: fingerprint is malformed" },
		{ V "{" ACC FPR TIMES "}]}",
		    "Dump entry 1: access_token is missing" },
		{ V "{" ACC FPR "\"access_token\":null," TIMES "}]}",
		    "Dump entry 1: access_token is not a string" },
		{ V "{" ACC FPR AT "\"refresh_token\":null," TIMES "}]}",
		    "Dump entry 1: refresh_token is not a string" },
		{ V "{" ACC FPR AT "\"refresh_token\":[]," TIMES "}]}",
		    "Dump entry 1: refresh_token is not a string" },
		{ V "{" ACC FPR AT "\"expiry\":2}]}",
		    "Dump entry 1: obtained is missing" },
		{ V "{" ACC FPR AT "\"obtained\":\"1\",\"expiry\":2}]}",
		    "Dump entry 1: obtained is not an integer" },
		{ V "{" ACC FPR AT "\"obtained\":1,\"expiry\":2.5}]}",
		    "Dump entry 1: expiry is not an integer" },
		{ V "{" ACC FPR AT "\"obtained\":1}]}",
		    "Dump entry 1: expiry is missing" },
		{ V "{" ACC FPR AT TIMES ",\"account\":\"b\"}]}",
		    "Dump contents are malformed" },
		/* Tokens are held to what a provider's answer must be. */
		{ V "{" ACC FPR "\"access_token\":\"\"," TIMES "}]}",
		    "Dump entry 1: access_token is malformed" },
		{ V "{" ACC FPR "\"access_token\":\"t\\u001b[2J\"," TIMES
		    "}]}", "Dump entry 1: access_token is malformed" },
		{ V "{" ACC FPR "\"access_token\":\"t\\u009b2J\"," TIMES
		    "}]}", "Dump entry 1: access_token is malformed" },
		{ V "{" ACC FPR "\"access_token\":\"t\\nu\"," TIMES "}]}",
		    "Dump entry 1: access_token is malformed" },
		{ V "{" ACC FPR AT "\"refresh_token\":\"r \xc3\xa9\","
		    TIMES "}]}", "Dump entry 1: refresh_token is malformed" },
		{ V "{" ACC FPR AT "\"refresh_token\":\"\"," TIMES "}]}",
		    "Dump entry 1: refresh_token is malformed" },
		{ V "{" ACC FPR AT TIMES "},{" ACC FPR AT TIMES "}]}",
		    "Dump entry 2: account 'a' appears more than once" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_sealed_fails(cases[i].json, cases[i].msg);
#undef V
#undef ACC
#undef FPR
#undef AT
#undef TIMES
}

/* Members a later pizauth may add are ignored. */
static void
test_dump_unknown_members_are_ignored(void **state)
{
	static const char json[] = "{\"version\":1,\"new\":true,\"accounts\":"
	    "[{\"account\":\"a\",\"fingerprint\":\"" FPR_A "\","
	    "\"access_token\":\"t\",\"obtained\":1,\"expiry\":2,"
	    "\"scope\":\"x\"}]}";
	struct pz_dump_entry *out;
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err = { "" };
	size_t n;

	assert_int_equal(pz_dump_seal(json, strlen(json), &b, &err), 0);
	assert_int_equal(pz_dump_decode(b.data, b.len, &out, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(out[0].account, "a");
	assert_null(out[0].refresh_token);
	pz_dump_entries_free(out, n);
	pz_buf_clear(&b);
}

static void
test_dump_encode_rejects_bad_entries(void **state)
{
	struct pz_dump_entry e[2];
	struct pz_buf b = PZ_BUF_INIT;
	struct pz_err err;

	assert_int_equal(pz_buf_puts(&b, "keep"), 0);
	set_entry(&e[0], "ok", FPR_A, "t", NULL, 1, 2);

	set_entry(&e[1], NULL, FPR_A, "t", NULL, 1, 2);
	assert_int_equal(pz_dump_encode(e, 2, &b, &err), -1);
	assert_string_equal(err.msg, "Dump entry 2 has no account name");

	set_entry(&e[1], "", FPR_A, "t", NULL, 1, 2);
	assert_int_equal(pz_dump_encode(e, 2, &b, &err), -1);
	assert_string_equal(err.msg, "Dump entry 2 has no account name");

	set_entry(&e[1], "x", FPR_A, NULL, NULL, 1, 2);
	assert_int_equal(pz_dump_encode(e, 2, &b, &err), -1);
	assert_string_equal(err.msg, "Dump entry 2 has no access token");

	set_entry(&e[1], "x", "abc", "t", NULL, 1, 2);
	assert_int_equal(pz_dump_encode(e, 2, &b, &err), -1);
	assert_string_equal(err.msg,
	    "Dump entry 2 has a malformed fingerprint");

	/* Not NUL-terminated within the array. */
	set_entry(&e[1], "x", FPR_A, "t", NULL, 1, 2);
	memset(e[1].fingerprint, 'a', sizeof(e[1].fingerprint));
	assert_int_equal(pz_dump_encode(e, 2, &b, &err), -1);
	assert_string_equal(err.msg,
	    "Dump entry 2 has a malformed fingerprint");

	set_entry(&e[1], "bad\xff", FPR_A, "t", NULL, 1, 2);
	assert_int_equal(pz_dump_encode(e, 2, &b, &err), -1);
	assert_non_null(strstr(err.msg, "cannot be serialised"));

	set_entry(&e[1], "x", FPR_A, "t", "bad\xc3", 1, 2);
	assert_int_equal(pz_dump_encode(e, 2, &b, &err), -1);
	assert_non_null(strstr(err.msg, "cannot be serialised"));

	assert_int_equal(pz_dump_encode(NULL, 1, &b, &err), -1);

	/* Failures leave out as it was. */
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	pz_buf_clear(&b);
}

static void
test_dump_entries_free_accepts_null(void **state)
{
	pz_dump_entries_free(NULL, 0);
	pz_dump_entries_free(NULL, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dump_round_trip_empty),
		cmocka_unit_test(
		    test_dump_round_trip_one_with_and_without_refresh_token),
		cmocka_unit_test(test_dump_round_trip_many),
		cmocka_unit_test(test_dump_sealed_output_hides_tokens),
		cmocka_unit_test(test_dump_encode_appends),
		cmocka_unit_test(test_dump_truncation_at_every_length_fails),
		cmocka_unit_test(test_dump_every_bit_flip_fails),
		cmocka_unit_test(test_dump_wrong_magic_fails),
		cmocka_unit_test(test_dump_wrong_version_fails),
		cmocka_unit_test(test_dump_wrong_types_fail),
		cmocka_unit_test(test_dump_unknown_members_are_ignored),
		cmocka_unit_test(test_dump_encode_rejects_bad_entries),
		cmocka_unit_test(test_dump_entries_free_accepts_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
