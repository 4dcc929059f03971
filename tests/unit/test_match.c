/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Unit tests for daemon/server/match.c: which account serves a user and/or
 * a host, over accounts built from a real parsed config. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "core/config.h"
#include "daemon/server/account.h"
#include "daemon/server/hook.h"
#include "daemon/server/log.h"
#include "daemon/server/match.h"
#include "daemon/server/server.h"
#include "daemon/server/timer.h"

#define ENDPOINTS \
    "  auth_uri = \"https://e.com/a\";\n" \
    "  token_uri = \"https://e.com/t\";\n" \
    "  client_id = \"c\";\n"

static const char conf_text[] =
    /* users and hosts, one host with a port. */
    "account \"work\" {\n" ENDPOINTS
    "  users = [\"me@work.example\", \"me\"];\n"
    "  hosts = [\"imap.work.example\", \"smtp.work.example:587\",\n"
    "      \"imap.shared.example\"];\n"
    "}\n"
    /* A user only by login_hint. */
    "account \"gmail\" {\n" ENDPOINTS
    "  auth_uri_fields = {\"prompt\": \"consent\",\n"
    "      \"login_hint\": \"me@gmail.com\"};\n"
    "  hosts = [\"imap.gmail.com\", \"smtp.gmail.com\", "
    "\"imap.shared.example\"];\n"
    "}\n"
    /* Hosts and no users: any user at those hosts. */
    "account \"gitlab\" {\n" ENDPOINTS
    "  hosts = [\"gitlab.com\"];\n"
    "}\n"
    /* Neither users nor hosts: only ever chosen by name. */
    "account \"imap.fastmail.com\" {\n" ENDPOINTS "}\n"
    "account \"alice\" {\n" ENDPOINTS "}\n"
    /* Two accounts serving one user, listing no hosts. */
    "account \"shared1\" {\n" ENDPOINTS
    "  users = [\"both@example.com\"];\n"
    "}\n"
    "account \"shared2\" {\n" ENDPOINTS
    "  auth_uri_fields = {\"login_hint\": \"both@example.com\"};\n"
    "}\n"
    /* IPv6 literals, one with a port. */
    "account \"v6\" {\n" ENDPOINTS
    "  hosts = [\"[::1]\", \"[FE80::1]:993\", \"::2\"];\n"
    "}\n";

static struct server srv;

static int
setup(void **state)
{
	struct pz_err err;
	size_t i;

	log_init("test", 1, 0);
	srv.base = event_base_new();
	srv.conf = pz_config_parse(conf_text, sizeof(conf_text) - 1, &err);
	if (srv.conf == NULL)
		fail_msg("config: %s", err.msg);
	srv.hooks = hooks_new(srv.base);
	srv.timers = timers_new(srv.base);
	srv.http_port = 4711;
	srv.https_port = -1;
	srv.accounts = calloc(srv.conf->naccounts, sizeof(*srv.accounts));
	assert_non_null(srv.accounts);
	for (i = 0; i < srv.conf->naccounts; i++) {
		srv.accounts[i] = account_new(&srv, &srv.conf->accounts[i]);
		assert_non_null(srv.accounts[i]);
	}
	srv.naccounts = srv.conf->naccounts;
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	for (i = 0; i < srv.naccounts; i++)
		account_free(srv.accounts[i]);
	free(srv.accounts);
	hooks_free(srv.hooks);
	timers_free(srv.timers);
	pz_config_free(srv.conf);
	event_base_free(srv.base);
	memset(&srv, 0, sizeof(srv));
	return 0;
}

struct mcase {
	const char	*user;		/* NULL: not given */
	const char	*host;
	const char	*account;	/* NULL: must be rejected */
	const char	*why;		/* rejected only: the whole message */
};

#define NONE_U(u)	"No account lists user '" u "'"
#define NONE_H(h)	"No account lists host '" h "'"
#define NONE_UH(u, h)	"No account lists host '" h "' for user '" u "'"
#define SEVERAL		"Several accounts match; name one of:"

/* Run cases, naming the failing one. */
static void
run_cases(const struct mcase *cases, size_t n)
{
	const struct mcase *c;
	struct account *a;
	char why[256];
	size_t i;

	for (i = 0; i < n; i++) {
		c = &cases[i];
		strcpy(why, "untouched");
		a = match_account(&srv, c->user, c->host, why, sizeof(why));
		if (c->account == NULL) {
			if (a != NULL)
				fail_msg("user '%s' host '%s': matched '%s', "
				    "want none", c->user ? c->user : "(null)",
				    c->host ? c->host : "(null)",
				    account_name(a));
			if (strcmp(why, c->why) != 0)
				fail_msg("user '%s' host '%s': why is '%s', "
				    "want '%s'", c->user ? c->user : "(null)",
				    c->host ? c->host : "(null)", why, c->why);
			continue;
		}
		if (a == NULL || strcmp(account_name(a), c->account) != 0)
			fail_msg("user '%s' host '%s': matched '%s', want "
			    "'%s' (why: %s)", c->user ? c->user : "(null)",
			    c->host ? c->host : "(null)",
			    a ? account_name(a) : "(none)", c->account, why);
	}
}

#define RUN(cases)	run_cases(cases, sizeof(cases) / sizeof(cases[0]))

static void
test_match_user(void **state)
{
	static const struct mcase cases[] = {
		{ "me@work.example", NULL, "work", NULL },
		{ "me", NULL, "work", NULL },			/* users */
		{ "me@gmail.com", NULL, "gmail", NULL },	/* login_hint */
		/* An account's name is never a user. */
		{ "alice", NULL, NULL, NONE_U("alice") },
		{ "gmail", NULL, NULL, NONE_U("gmail") },
		{ "gitlab", NULL, NULL, NONE_U("gitlab") },
		{ "imap.fastmail.com", NULL, NULL, NONE_U("imap.fastmail.com") },
		/* Users compare exactly. */
		{ "Me", NULL, NULL, NONE_U("Me") },
		{ "me@work.example ", NULL, NULL, NONE_U("me@work.example ") },
		{ "consent", NULL, NULL, NONE_U("consent") },	/* not a hint */
		{ "prompt", NULL, NULL, NONE_U("prompt") },
		{ "", NULL, NULL, NONE_U("") },
		{ "nobody", NULL, NULL, NONE_U("nobody") },
	};

	RUN(cases);
}

static void
test_match_host(void **state)
{
	static const struct mcase cases[] = {
		{ NULL, "imap.work.example", "work", NULL },	/* hosts */
		{ NULL, "smtp.gmail.com", "gmail", NULL },
		{ NULL, "gitlab.com", "gitlab", NULL },
		/* An account's name is never a host. */
		{ NULL, "imap.fastmail.com", NULL, NONE_H("imap.fastmail.com") },
		{ NULL, "alice", NULL, NONE_H("alice") },
		{ NULL, "gitlab", NULL, NONE_H("gitlab") },
		{ NULL, "unknown.example", NULL, NONE_H("unknown.example") },
		/* A host is no user. */
		{ NULL, "me@work.example", NULL, NONE_H("me@work.example") },
		/* Nor a prefix or suffix of one. */
		{ NULL, "imap.work.exampl", NULL, NONE_H("imap.work.exampl") },
		{ NULL, "imap.work.example.org", NULL,
		    NONE_H("imap.work.example.org") },
		{ NULL, "", NULL, NONE_H("") },
	};

	RUN(cases);
}

static void
test_match_host_case_insensitive(void **state)
{
	static const struct mcase cases[] = {
		{ NULL, "IMAP.Work.Example", "work", NULL },
		{ NULL, "SMTP.WORK.EXAMPLE:587", "work", NULL },
		{ NULL, "GitLab.COM", "gitlab", NULL },
		{ NULL, "[fe80::1]:993", "v6", NULL },
	};

	RUN(cases);
}

static void
test_match_host_port_ignored_unless_listed(void **state)
{
	static const struct mcase cases[] = {
		{ NULL, "imap.work.example:993", "work", NULL },
		{ NULL, "imap.work.example:143", "work", NULL },
		{ NULL, "imap.gmail.com:993", "gmail", NULL },
		{ NULL, "gitlab.com:443", "gitlab", NULL },
		/* An exact host:port entry matches that port only. */
		{ NULL, "smtp.work.example:587", "work", NULL },
		{ NULL, "smtp.work.example:25", NULL,
		    NONE_H("smtp.work.example:25") },
		{ NULL, "smtp.work.example:5870", NULL,
		    NONE_H("smtp.work.example:5870") },
		/* Only one port is stripped. */
		{ NULL, "imap.work.example:993:1", NULL,
		    NONE_H("imap.work.example:993:1") },
	};

	RUN(cases);
}

/*
 * The attack this rule is for: a git remote https://work@evil.example/
 * (a link, a submodule) names the account and a host of its choosing.
 * Neither the account's name nor its users take a token anywhere but to
 * the hosts it lists.
 */
static void
test_match_user_never_takes_token_to_unlisted_host(void **state)
{
	static const struct mcase cases[] = {
		{ "work", "evil.example", NULL, NONE_UH("work", "evil.example") },
		{ "me@work.example", "evil.example", NULL,
		    NONE_UH("me@work.example", "evil.example") },
		{ "me@gmail.com", "imap.work.example", NULL,
		    NONE_UH("me@gmail.com", "imap.work.example") },
		{ "me@work.example", "imap.gmail.com:993", NULL,
		    NONE_UH("me@work.example", "imap.gmail.com:993") },
		{ "alice", "imap.anything.example", NULL,
		    NONE_UH("alice", "imap.anything.example") },
		{ "both@example.com", "imap.example.com", NULL,
		    NONE_UH("both@example.com", "imap.example.com") },
		{ "gmail", "gmail", NULL, NONE_UH("gmail", "gmail") },
		{ "alice", "alice", NULL, NONE_UH("alice", "alice") },
	};

	RUN(cases);
}

static void
test_match_user_narrows_listed_hosts(void **state)
{
	static const struct mcase cases[] = {
		{ "me@gmail.com", "imap.gmail.com:993", "gmail", NULL },
		{ "me@work.example", "smtp.work.example:587", "work", NULL },
		/* An account that lists users serves only them. */
		{ "other@gmail.com", "imap.gmail.com", NULL,
		    NONE_UH("other@gmail.com", "imap.gmail.com") },
		{ "gmail", "imap.gmail.com", NULL,
		    NONE_UH("gmail", "imap.gmail.com") },
		/* One that lists none serves any user at its hosts. */
		{ "gitlab", "gitlab.com", "gitlab", NULL },
		{ "anyone", "gitlab.com", "gitlab", NULL },
	};

	RUN(cases);
}

static void
test_match_user_disambiguates_host(void **state)
{
	static const struct mcase cases[] = {
		{ "me", "imap.shared.example", "work", NULL },
		{ "me@gmail.com", "IMAP.shared.example:993", "gmail", NULL },
		{ "nobody", "imap.shared.example", NULL,
		    NONE_UH("nobody", "imap.shared.example") },
	};

	RUN(cases);
}

static void
test_match_several_names_them(void **state)
{
	static const struct mcase cases[] = {
		{ NULL, "imap.shared.example", NULL, SEVERAL " work gmail" },
		{ NULL, "imap.shared.example:993", NULL,
		    SEVERAL " work gmail" },
		/* users in one, login_hint in the other. */
		{ "both@example.com", NULL, NULL, SEVERAL " shared1 shared2" },
	};

	RUN(cases);
}

/* What a request says comes back in the message without controls. */
static void
test_match_why_is_safe(void **state)
{
	static const struct mcase cases[] = {
		{ "a\x1b[2Jb", "h\xc2\x9bx", NULL,
		    NONE_UH("a?[2Jb", "h?x") },
	};

	RUN(cases);
}

static void
test_match_ipv6(void **state)
{
	static const struct mcase cases[] = {
		{ NULL, "[::1]", "v6", NULL },
		{ NULL, "[::1]:993", "v6", NULL },
		{ NULL, "[fe80::1]:993", "v6", NULL },
		{ NULL, "[fe80::1]:143", NULL, NONE_H("[fe80::1]:143") },
		{ NULL, "[fe80::1]", NULL, NONE_H("[fe80::1]") },
		{ NULL, "[::2]:993", NULL, NONE_H("[::2]:993") },
		/* A bare IPv6 literal has no port to strip. */
		{ NULL, "::2", "v6", NULL },
		{ NULL, "::1", NULL, NONE_H("::1") },
		{ NULL, "[::1", NULL, NONE_H("[::1") },
	};

	RUN(cases);
}

/* The message is cut to the buffer, never overrun. */
static void
test_match_why_truncated(void **state)
{
	char why[64];
	size_t len;

	for (len = 1; len <= sizeof(why); len++) {
		memset(why, 'x', sizeof(why));
		assert_null(match_account(&srv, "both@example.com", NULL, why,
		    len));
		assert_true(strlen(why) < len);
		assert_true(strncmp(why, SEVERAL " shared1 shared2",
		    len - 1) == 0);
		memset(why, 'x', sizeof(why));
		assert_null(match_account(&srv, "nobody", "h", why, len));
		assert_true(strlen(why) < len);
		assert_true(strncmp(why, NONE_UH("nobody", "h"), len - 1) == 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_user),
		cmocka_unit_test(test_match_host),
		cmocka_unit_test(test_match_host_case_insensitive),
		cmocka_unit_test(test_match_host_port_ignored_unless_listed),
		cmocka_unit_test(
		    test_match_user_never_takes_token_to_unlisted_host),
		cmocka_unit_test(test_match_user_narrows_listed_hosts),
		cmocka_unit_test(test_match_user_disambiguates_host),
		cmocka_unit_test(test_match_why_is_safe),
		cmocka_unit_test(test_match_several_names_them),
		cmocka_unit_test(test_match_ipv6),
		cmocka_unit_test(test_match_why_truncated),
	};

	return cmocka_run_group_tests_name("match", tests, setup, teardown);
}
