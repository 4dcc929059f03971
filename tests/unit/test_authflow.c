/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for daemon/server/authflow.c: the authorisation URL and the
 * redirect URI, built from a real parsed config. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <event2/event.h>

#include "core/config.h"
#include "core/pkce.h"
#include "daemon/server/account.h"
#include "daemon/server/authflow.h"
#include "daemon/server/hook.h"
#include "daemon/server/log.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"

static const char conf_text[] =
    "account \"work\" {\n"
    "  auth_uri = \"https://login.example.com/authorize?tenant=t1\";\n"
    "  token_uri = \"https://login.example.com/token\";\n"
    "  client_id = \"my id\";\n"
    "  scopes = [\"https://mail.example.com/IMAP\", \"offline_access\"];\n"
    "  auth_uri_fields = {\"login_hint\": \"me@example.com\", \"x\": \"a&b\"};\n"
    "}\n"
    "account \"tls\" {\n"
    "  auth_uri = \"HTTPS://E.Com:443\";\n"
    "  token_uri = \"https://e.com/t\";\n"
    "  client_id = \"c\";\n"
    "  redirect_uri = \"https://localhost/cb\";\n"
    "}\n";

struct fixture {
	struct server	 srv;
	struct account	*work, *tls;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct pz_err err;

	log_init("test", 1, 0);
	f->srv.base = event_base_new();
	f->srv.conf = pz_config_parse(conf_text, sizeof(conf_text) - 1, &err);
	if (f->srv.conf == NULL)
		fail_msg("config: %s", err.msg);
	f->srv.hooks = hooks_new(f->srv.base);
	f->srv.timers = timers_new(f->srv.base);
	f->srv.http_port = 4711;
	f->srv.https_port = 4712;
	f->work = account_new(&f->srv, &f->srv.conf->accounts[0]);
	f->tls = account_new(&f->srv, &f->srv.conf->accounts[1]);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	account_free(f->work);
	account_free(f->tls);
	hooks_free(f->srv.hooks);
	timers_free(f->srv.timers);
	pz_config_free(f->srv.conf);
	event_base_free(f->srv.base);
	free(f);
	return 0;
}

/* The decoded value of query parameter name in url, or NULL. */
static char *
param(const char *url, const char *name)
{
	const char *q = strchr(url, '?'), *p;
	size_t nlen = strlen(name);
	char *raw, *out, *s;
	int outlen;

	for (p = q; p != NULL; p = strchr(p + 1, '&')) {
		if (strncmp(p + 1, name, nlen) == 0 && p[1 + nlen] == '=') {
			raw = strndup(p + 2 + nlen, strcspn(p + 2 + nlen, "&"));
			for (s = raw; *s != '\0'; s++)
				if (*s == '+')
					*s = ' ';
			out = curl_easy_unescape(NULL, raw, 0, &outlen);
			free(raw);
			raw = strdup(out);
			curl_free(out);
			return raw;
		}
	}
	return NULL;
}

static void
assert_param(const char *url, const char *name, const char *want)
{
	char *v = param(url, name);

	if (v == NULL)
		fail_msg("%s missing from %s", name, url);
	assert_string_equal(v, want);
	free(v);
}

static void
test_authflow_url_has_pizauth_parameters(void **state)
{
	struct fixture *f = *state;
	struct pz_err err;
	char want[PZ_PKCE_CHALLENGE_LEN + 1];
	char *challenge;

	assert_int_equal(authflow_start(f->work, &err), 0);
	assert_int_equal(f->work->state, TOK_PENDING);
	assert_true(strncmp(f->work->url,
	    "https://login.example.com/authorize?tenant=t1&", 46) == 0);
	assert_param(f->work->url, "access_type", "offline");
	assert_param(f->work->url, "code_challenge_method", "S256");
	assert_param(f->work->url, "client_id", "my id");
	assert_param(f->work->url, "redirect_uri", "http://localhost:4711/");
	assert_param(f->work->url, "response_type", "code");
	assert_param(f->work->url, "scope",
	    "https://mail.example.com/IMAP offline_access");
	assert_param(f->work->url, "login_hint", "me@example.com");
	assert_param(f->work->url, "x", "a&b");
	assert_param(f->work->url, "state", f->work->state_param);
	/* Byte for byte as pizauth encodes it: upper-case escapes, '+' for
	 * a space, in pizauth's order, auth_uri_fields last. */
	assert_non_null(strstr(f->work->url, "&client_id=my+id&redirect_uri="
	    "http%3A%2F%2Flocalhost%3A4711%2F&response_type=code&state="));
	assert_string_equal(strstr(f->work->url, "&scope="), "&scope="
	    "https%3A%2F%2Fmail.example.com%2FIMAP+offline_access&"
	    "login_hint=me%40example.com&x=a%26b");
	/* The challenge is S256 of the verifier kept for the exchange. */
	assert_int_equal(pz_pkce_challenge(f->work->verifier, want, &err), 0);
	challenge = param(f->work->url, "code_challenge");
	assert_string_equal(challenge, want);
	free(challenge);
	assert_true(strlen(f->work->verifier) >= 43);
	assert_true(strlen(f->work->state_param) >= 43);
}

/* auth_uri as the URL Standard normalises it, as pizauth prints it. */
static void
test_authflow_url_normalises_auth_uri(void **state)
{
	struct fixture *f = *state;
	struct pz_err err;

	assert_int_equal(authflow_start(f->tls, &err), 0);
	assert_true(strncmp(f->tls->url,
	    "https://e.com/?access_type=offline&code_challenge=", 50) == 0);
	assert_null(strchr(f->tls->url, '#'));
}

static void
test_authflow_new_request_replaces_state(void **state)
{
	struct fixture *f = *state;
	struct pz_err err;
	char *first;

	assert_int_equal(authflow_start(f->work, &err), 0);
	first = strdup(f->work->state_param);
	assert_int_equal(authflow_start(f->work, &err), 0);
	assert_string_not_equal(first, f->work->state_param);
	free(first);
}

static void
test_authflow_redirect_uri_takes_listener_port(void **state)
{
	struct fixture *f = *state;
	struct pz_err err;
	char *r;

	r = authflow_redirect_uri(f->tls, &err);
	assert_non_null(r);
	assert_string_equal(r, "https://localhost:4712/cb");
	free(r);
	f->srv.https_port = -1;
	assert_null(authflow_redirect_uri(f->tls, &err));
	assert_non_null(strstr(err.msg, "https"));
	f->srv.https_port = 4712;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authflow_url_has_pizauth_parameters),
		cmocka_unit_test(test_authflow_url_normalises_auth_uri),
		cmocka_unit_test(test_authflow_new_request_replaces_state),
		cmocka_unit_test(test_authflow_redirect_uri_takes_listener_port),
	};

	return cmocka_run_group_tests_name("authflow", tests, setup,
	    teardown);
}
