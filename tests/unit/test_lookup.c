/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for core/lookup.c: the adapters' token request and reply. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/lookup.h"

static void
test_lookup_request_forms(void **state)
{
	static const struct {
		struct pz_lookup	 q;
		int			 rc;
		const char		*want;
	} cases[] = {
		{ { "work", "ignored", "ignored", NULL, 0, 1 }, 0,
		    "token_details:withurl 0\naccount=work" },
		{ { NULL, "me@x.org", "imap.x.org", "993", 30, 0 }, 0,
		    "showtoken_match:withurl 30\nuser=me@x.org\n"
		    "host=imap.x.org:993" },
		/* A port after an IPv6 address would read as part of it. */
		{ { NULL, NULL, "[::1]:993", "993", 0, 0 }, 0,
		    "showtoken_match:withurl 0\nhost=[::1]:993" },
		{ { NULL, "u", NULL, NULL, 0, 1 }, 0,
		    "token_details:withurl 0\nuser=u" },
		/* Nothing names an account; values no line can carry. */
		{ { NULL, NULL, NULL, NULL, 0, 0 }, 1, "" },
		{ { NULL, "u\naccount=other", NULL, NULL, 0, 0 }, 1, "" },
		{ { "", NULL, NULL, NULL, 0, 0 }, 1, "" },
		{ { NULL, "u", "", NULL, 0, 0 }, 1, "" },
	};
	struct pz_buf b = PZ_BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pz_lookup_request(&cases[i].q, &b),
		    cases[i].rc);
		assert_string_equal(pz_buf_str(&b), cases[i].want);
		pz_buf_clear(&b);
	}
}

static void
test_lookup_request_refuses_overlong_values(void **state)
{
	char big[PZ_LOOKUP_VALUE_MAX + 1];
	struct pz_lookup q = { NULL, big, NULL, NULL, 0, 0 };
	struct pz_buf b = PZ_BUF_INIT;

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(pz_lookup_request(&q, &b), 1);
	big[PZ_LOOKUP_VALUE_MAX - 1] = '\0';
	assert_int_equal(pz_lookup_request(&q, &b), 0);
	pz_buf_clear(&b);
	/* A host and its port go as one value, which must fit too (found by
	 * fuzz_control: crash-lookup-request-host-port-256). */
	q.user = "alice";
	q.host = big;
	q.port = "993";
	big[252] = '\0';
	assert_int_equal(pz_lookup_request(&q, &b), 1);
	big[251] = '\0';
	assert_int_equal(pz_lookup_request(&q, &b), 0);
	assert_non_null(strstr(pz_buf_str(&b), ":993"));
	pz_buf_clear(&b);
}

static void
test_lookup_parse_kinds(void **state)
{
	static const struct {
		const char		*reply;
		enum pz_lookup_kind	 kind;
		const char		*token, *account, *text;
		long long		 expires;
	} cases[] = {
		{ "details:{\"account\":\"w\",\"access_token\":\"T\","
		    "\"expires\":1700000000}", PZ_LOOKUP_TOKEN, "T", "w", NULL,
		    1700000000 },
		{ "details:{\"account\":\"w\",\"access_token\":\"T\"}",
		    PZ_LOOKUP_TOKEN, "T", "w", NULL, 0 },
		{ "access_token:T0K", PZ_LOOKUP_TOKEN, "T0K", NULL, NULL, 0 },
		{ "pending:https://p/a", PZ_LOOKUP_PENDING, NULL, NULL,
		    "https://p/a", 0 },
		{ "pending:", PZ_LOOKUP_PENDING, NULL, NULL, "", 0 },
		/* A lookup's pending: names the account on its own line,
		 * perhaps followed by a line for people. */
		{ "pending:https://p/a\naccount=work", PZ_LOOKUP_PENDING,
		    NULL, "work", "https://p/a", 0 },
		{ "pending:https://p/a\naccount=my mail\nfix client_id",
		    PZ_LOOKUP_PENDING, NULL, "my mail", "https://p/a", 0 },
		{ "pending:https://p/a\nfix client_id", PZ_LOOKUP_PENDING,
		    NULL, NULL, "https://p/a", 0 },
		{ "pending:\naccount=", PZ_LOOKUP_PENDING, NULL, NULL, "", 0 },
		{ "pending:u\naccount=a\001b", PZ_LOOKUP_PENDING, NULL, NULL,
		    "u", 0 },
		{ "nomatch:No account lists user 'u'", PZ_LOOKUP_NOMATCH,
		    NULL, NULL, "No account lists user 'u'", 0 },
		{ "ambiguous:Several accounts match; name one of: a b",
		    PZ_LOOKUP_AMBIGUOUS, NULL, NULL,
		    "Several accounts match; name one of: a b", 0 },
		{ "error:Access token has expired", PZ_LOOKUP_ERROR, NULL,
		    NULL, "Access token has expired", 0 },
		/* Tokens must be one printable line; JSON must be whole. */
		{ "access_token:T\nX", PZ_LOOKUP_MALFORMED, NULL, NULL, NULL,
		    0 },
		{ "access_token:", PZ_LOOKUP_MALFORMED, NULL, NULL, NULL, 0 },
		{ "details:{\"account\":\"w\",\"access_token\":\"T\\u0001\"}",
		    PZ_LOOKUP_MALFORMED, NULL, NULL, NULL, 0 },
		{ "details:{\"account\":\"w\"}", PZ_LOOKUP_MALFORMED, NULL,
		    NULL, NULL, 0 },
		{ "details:{\"account\":\"w\",\"account\":\"x\","
		    "\"access_token\":\"T\"}", PZ_LOOKUP_MALFORMED, NULL, NULL,
		    NULL, 0 },
		{ "details:[1]", PZ_LOOKUP_MALFORMED, NULL, NULL, NULL, 0 },
		{ "scheduled:", PZ_LOOKUP_MALFORMED, NULL, NULL, NULL, 0 },
		{ "no colon", PZ_LOOKUP_MALFORMED, NULL, NULL, NULL, 0 },
	};
	struct pz_lookup_reply r = PZ_LOOKUP_REPLY_INIT;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(pz_lookup_parse(cases[i].reply,
		    strlen(cases[i].reply), &r), cases[i].kind);
		assert_int_equal(r.kind, cases[i].kind);
		if (cases[i].token != NULL)
			assert_string_equal(r.token, cases[i].token);
		else
			assert_null(r.token);
		if (cases[i].account != NULL)
			assert_string_equal(r.account, cases[i].account);
		else
			assert_null(r.account);
		if (cases[i].text != NULL) {
			assert_int_equal(r.textlen, strlen(cases[i].text));
			assert_memory_equal(r.text, cases[i].text, r.textlen);
		}
		assert_int_equal(r.expires, cases[i].expires);
		pz_lookup_reply_clear(&r);
	}
	assert_int_equal(pz_lookup_parse(NULL, 0, &r), PZ_LOOKUP_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_request_forms),
		cmocka_unit_test(test_lookup_request_refuses_overlong_values),
		cmocka_unit_test(test_lookup_parse_kinds),
	};

	return cmocka_run_group_tests_name("lookup", tests, NULL, NULL);
}
