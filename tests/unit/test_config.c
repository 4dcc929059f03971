/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth.conf: the corpus in tests/conf, and what the API promises. */
#include <sys/stat.h>

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"

#define GOOD_DIR	"tests/conf/good"
#define BAD_DIR		"tests/conf/bad"

#define MINIMAL \
	"account \"x\" {\n" \
	"    auth_uri = \"https://example.com/auth\";\n" \
	"    token_uri = \"https://example.com/token\";\n" \
	"    client_id = \"id\";\n" \
	"}\n"

static char *
slurp(const char *path, size_t *lenp)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap + 1);
			assert_non_null(buf);
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static struct pz_config *
parse_str(const char *s, struct pz_err *err)
{
	memset(err, 0, sizeof(*err));
	return pz_config_parse(s, strlen(s), err);
}

/* Parse s, which must fail, and check the message is exactly want. */
static void
assert_parse_error(const char *s, const char *want)
{
	struct pz_err err;

	assert_null(parse_str(s, &err));
	assert_string_equal(err.msg, want);
}

static void
test_config_good_corpus_loads(void **state)
{
	struct pz_config *conf;
	struct pz_err err;
	struct dirent *de;
	char path[1024];
	DIR *d;
	int n = 0;

	assert_non_null(d = opendir(GOOD_DIR));
	while ((de = readdir(d)) != NULL) {
		if (!has_suffix(de->d_name, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", GOOD_DIR, de->d_name);
		memset(&err, 0, sizeof(err));
		conf = pz_config_load(path, &err);
		if (conf == NULL)
			fail_msg("%s: %s", path, err.msg);
		assert_true(conf->naccounts > 0);
		pz_config_free(conf);
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
}

/* Each tests/conf/bad/NNN-rule.conf fails with NNN-rule.err's text. */
static void
test_config_bad_corpus_matches_expected_errors(void **state)
{
	struct pz_config *conf;
	struct pz_err err;
	struct dirent *de;
	char path[1024], epath[1024], *want;
	size_t wlen;
	DIR *d;
	int n = 0;

	assert_non_null(d = opendir(BAD_DIR));
	while ((de = readdir(d)) != NULL) {
		if (!has_suffix(de->d_name, ".conf"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", BAD_DIR, de->d_name);
		snprintf(epath, sizeof(epath), "%s/%.*s.err", BAD_DIR,
		    (int)(strlen(de->d_name) - 5), de->d_name);
		if ((want = slurp(epath, &wlen)) == NULL)
			fail_msg("%s has no %s", path, epath);
		/* The .err files end with a newline the message lacks. */
		if (wlen > 0 && want[wlen - 1] == '\n')
			want[--wlen] = '\0';
		memset(&err, 0, sizeof(err));
		conf = pz_config_load(path, &err);
		if (conf != NULL)
			fail_msg("%s: accepted", path);
		if (strcmp(err.msg, want) != 0)
			fail_msg("%s:\n--- want\n%s\n--- got\n%s", path, want,
			    err.msg);
		free(want);
		n++;
	}
	closedir(d);
	assert_true(n >= 40);
}

static void
test_config_missing_file_reports_like_pizauth(void **state)
{
	struct pz_err err;

	assert_null(pz_config_load("/nonexistent/pizauth.conf", &err));
	assert_string_equal(err.msg,
	    "Can't read \"/nonexistent/pizauth.conf\": "
	    "No such file or directory (os error 2)");
	assert_null(pz_config_load("/nonexistent/a\"b\\c\n", &err));
	assert_string_equal(err.msg,
	    "Can't read \"/nonexistent/a\\\"b\\\\c\\n\": "
	    "No such file or directory (os error 2)");
}

static void
test_config_directory_is_a_read_error(void **state)
{
	struct pz_err err;

	assert_null(pz_config_load("tests/conf", &err));
	assert_string_equal(err.msg,
	    "Can't read \"tests/conf\": Is a directory (os error 21)");
}

static void
test_config_invalid_utf8_is_a_read_error(void **state)
{
	char path[] = "/tmp/pz_test_config_XXXXXX";
	const char bad[] = "account \"\xff\" {}\n";
	struct pz_err err;
	char want[256];
	int fd;

	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, bad, sizeof(bad) - 1), sizeof(bad) - 1);
	close(fd);
	assert_null(pz_config_load(path, &err));
	snprintf(want, sizeof(want),
	    "Can't read \"%s\": stream did not contain valid UTF-8", path);
	assert_string_equal(err.msg, want);
	unlink(path);

	/* Straight from memory there is no file to name. */
	assert_null(pz_config_parse(bad, sizeof(bad) - 1, &err));
	assert_string_equal(err.msg, "stream did not contain valid UTF-8");
	/* Overlong forms and surrogates aren't UTF-8 either. */
	assert_null(pz_config_parse("\xc0\xaf", 2, &err));
	assert_null(pz_config_parse("\xed\xa0\x80", 3, &err));
}

static void
test_config_defaults_applied(void **state)
{
	struct pz_config *conf;
	const struct pz_account *act;
	struct pz_err err;

	assert_non_null(conf = parse_str(MINIMAL, &err));
	assert_int_equal(conf->auth_notify_interval, 15 * 60);
	assert_int_equal(conf->refresh_at_least, 90 * 60);
	assert_int_equal(conf->refresh_before_expiry, 90);
	assert_int_equal(conf->refresh_retry, 40);
	assert_string_equal(conf->http_listen, "127.0.0.1:0");
	assert_string_equal(conf->https_listen, "127.0.0.1:0");
	assert_null(conf->auth_notify_cmd);
	assert_null(conf->error_notify_cmd);
	assert_null(conf->startup_cmd);
	assert_null(conf->token_event_cmd);
	assert_null(conf->transient_error_if_cmd);
	assert_int_equal(conf->naccounts, 1);
	act = &conf->accounts[0];
	assert_string_equal(act->name, "x");
	assert_string_equal(act->redirect_uri, "http://localhost/");
	assert_null(act->client_secret);
	assert_int_equal(act->nscopes, 0);
	assert_int_equal(act->nauth_uri_fields, 0);
	assert_true(act->refresh_at_least == PZ_TIME_UNSET);
	assert_true(act->refresh_before_expiry == PZ_TIME_UNSET);
	assert_true(act->refresh_retry == PZ_TIME_UNSET);
	assert_null(act->device_auth_uri);
	assert_null(act->revoke_uri);
	assert_int_equal(act->nusers, 0);
	assert_int_equal(act->nhosts, 0);
	pz_config_free(conf);
}

static void
test_config_every_key_is_read(void **state)
{
	struct pz_config *conf;
	const struct pz_account *a;
	struct pz_err err;

	if ((conf = pz_config_load(GOOD_DIR "/everything.conf", &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(conf->error_notify_cmd, "notify-send -t 90000 "
	    "\"pizauth error for $PIZAUTH_ACCOUNT\" \"$PIZAUTH_MSG\"");
	assert_int_equal(conf->auth_notify_interval, 15 * 60);
	assert_string_equal(conf->http_listen, "127.0.0.1:8080");
	assert_string_equal(conf->https_listen, "[::1]:0");
	assert_int_equal(conf->refresh_at_least, 3600);
	assert_int_equal(conf->refresh_before_expiry, 120);
	assert_int_equal(conf->refresh_retry, 30);
	assert_string_equal(conf->startup_cmd,
	    "pizauth restore < ~/.pizauth.dump");
	assert_string_equal(conf->token_event_cmd,
	    "pizauth dump > ~/.pizauth.dump");
	assert_string_equal(conf->transient_error_if_cmd,
	    "! ping -c 1 example.com");
	assert_int_equal(conf->naccounts, 2);

	a = pz_config_account(conf, "gmail");
	assert_non_null(a);
	assert_string_equal(a->client_secret, "sec\\ret\"");
	assert_int_equal(a->nauth_uri_fields, 3);
	assert_string_equal(a->auth_uri_fields[2].key, "prompt");
	assert_string_equal(a->auth_uri_fields[2].val, "select_account");
	assert_string_equal(a->redirect_uri, "http://localhost:8080/");
	assert_int_equal(a->refresh_at_least, 2 * 86400);
	assert_int_equal(a->refresh_before_expiry, 0);
	assert_int_equal(a->refresh_retry, 300);
	assert_int_equal(a->nscopes, 1);
	assert_string_equal(a->scopes[0], "https://mail.google.com/");
	assert_ptr_equal(pz_config_account(conf, "second"), &conf->accounts[1]);
	assert_null(pz_config_account(conf, "third"));
	assert_null(pz_config_account(conf, NULL));
	pz_config_free(conf);
}

static void
test_config_login_hint_becomes_auth_uri_field(void **state)
{
	struct pz_config *conf;
	struct pz_err err;

	if ((conf = pz_config_load(GOOD_DIR "/login-hint.conf", &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_int_equal(conf->accounts[0].nauth_uri_fields, 2);
	assert_string_equal(conf->accounts[0].auth_uri_fields[0].key,
	    "prompt");
	assert_string_equal(conf->accounts[0].auth_uri_fields[1].key,
	    "login_hint");
	assert_string_equal(conf->accounts[0].auth_uri_fields[1].val,
	    "me@example.com");
	pz_config_free(conf);
}

static void
test_config_refresh_times_account_else_global(void **state)
{
	struct pz_config *conf;
	struct pz_err err;
	const char *s =
	    "refresh_at_least = 1s; refresh_before_expiry = 2s;"
	    "refresh_retry = 3s;"
	    "account \"x\" { auth_uri = \"http://a.com\"; client_id = \"b\";"
	    "  token_uri = \"http://d.com\"; refresh_at_least = 4s;"
	    "  refresh_before_expiry = 5s; refresh_retry = 6s; }"
	    "account \"z\" { auth_uri = \"http://a.com\"; client_id = \"b\";"
	    "  token_uri = \"http://d.com\"; }";

	assert_non_null(conf = parse_str(s, &err));
	assert_int_equal(pz_account_refresh_at_least(conf,
	    &conf->accounts[0]), 4);
	assert_int_equal(pz_account_refresh_before_expiry(conf,
	    &conf->accounts[0]), 5);
	assert_int_equal(pz_account_refresh_retry(conf, &conf->accounts[0]), 6);
	assert_int_equal(pz_account_refresh_at_least(conf,
	    &conf->accounts[1]), 1);
	assert_int_equal(pz_account_refresh_before_expiry(conf,
	    &conf->accounts[1]), 2);
	assert_int_equal(pz_account_refresh_retry(conf, &conf->accounts[1]), 3);
	pz_config_free(conf);

	assert_non_null(conf = parse_str(MINIMAL, &err));
	assert_int_equal(pz_account_refresh_at_least(conf,
	    &conf->accounts[0]), PZ_REFRESH_AT_LEAST_DEFAULT);
	assert_int_equal(pz_account_refresh_before_expiry(conf,
	    &conf->accounts[0]), PZ_REFRESH_BEFORE_EXPIRY_DEFAULT);
	assert_int_equal(pz_account_refresh_retry(conf, &conf->accounts[0]),
	    PZ_REFRESH_RETRY_DEFAULT);
	pz_config_free(conf);
}

/* pizauth keeps accounts in a map: the later of two namesakes wins. */
static void
test_config_duplicate_account_replaces_earlier(void **state)
{
	struct pz_config *conf;
	struct pz_err err;
	const char *s =
	    "account \"x\" { auth_uri = \"http://a.com\"; client_id = \"1\";"
	    "  token_uri = \"http://d.com\"; }"
	    "account \"y\" { auth_uri = \"http://a.com\"; client_id = \"2\";"
	    "  token_uri = \"http://d.com\"; }"
	    "account \"x\" { auth_uri = \"http://a.com\"; client_id = \"3\";"
	    "  token_uri = \"http://d.com\"; }"
	    "account \"x\" { auth_uri = \"http://a.com\"; client_id = \"4\";"
	    "  token_uri = \"http://d.com\"; }";

	assert_non_null(conf = parse_str(s, &err));
	assert_int_equal(conf->naccounts, 2);
	/* The winner keeps the first one's place. */
	assert_string_equal(conf->accounts[0].name, "x");
	assert_string_equal(conf->accounts[1].name, "y");
	assert_string_equal(pz_config_account(conf, "x")->client_id, "4");
	assert_string_equal(pz_config_account(conf, "y")->client_id, "2");
	pz_config_free(conf);
}

static void
test_config_text_need_not_be_nul_terminated(void **state)
{
	struct pz_config *conf;
	struct pz_err err;
	size_t len = strlen(MINIMAL);
	char *copy;

	/* Exactly len bytes, so ASan catches a read past them. */
	assert_non_null(copy = malloc(len));
	memcpy(copy, MINIMAL, len);
	assert_non_null(conf = pz_config_parse(copy, len, &err));
	pz_config_free(conf);
	/* A prefix is parsed as just that prefix. */
	assert_null(pz_config_parse(copy, len - 2, &err));
	assert_string_equal(err.msg, "Parsing error at line 4 column 22. "
	    "Repair sequences found:\n   1: Insert }");
	free(copy);
	/* Empty input and NULL text have no accounts. */
	assert_null(pz_config_parse(NULL, 0, &err));
	assert_string_equal(err.msg, "Must specify at least one account");
	assert_null(pz_config_parse("", 0, &err));
	assert_string_equal(err.msg, "Must specify at least one account");
}

static void
test_config_null_err_is_allowed(void **state)
{
	assert_null(pz_config_parse("x", 1, NULL));
	assert_null(pz_config_parse("account \"x\" {}", 14, NULL));
	assert_null(pz_config_load("/nonexistent", NULL));
	pz_config_free(NULL);
}

static void
test_config_columns_count_characters_not_bytes(void **state)
{
	assert_parse_error("// \xc3\xa9\xc3\xa9\n\xe2\x98\x95 account",
	    "Parsing error at line 2 column 1. Repair sequences found:\n"
	    "   1: Delete \xe2\x98\x95, Delete account");
	assert_parse_error("account \"\xc3\xa9\" { client_id = 5s; }",
	    "Parsing error at line 1 column 27. Repair sequences found:\n"
	    "   1: Insert STRING, Delete 5s");
}

static void
test_config_duplicate_key_reports_line_and_column(void **state)
{
	assert_parse_error(
	    "account \"x\" {\n"
	    "  client_id = \"x\";\n"
	    "  client_id = \"x\";\n"
	    "}\n",
	    "Line 3, column 15:\n"
	    "  client_id = \"x\";\n"
	    "Mustn't specify 'client_id' more than once");
}

static void
test_config_string_escapes(void **state)
{
	struct pz_config *conf;
	struct pz_err err;
	const char *s =
	    "startup_cmd = \"a\\\\b\\\"c\nd\";" MINIMAL;

	assert_non_null(conf = parse_str(s, &err));
	assert_string_equal(conf->startup_cmd, "a\\b\"c\nd");
	pz_config_free(conf);
}

static void
test_config_nul_outside_strings_is_a_syntax_error(void **state)
{
	struct pz_err err;
	const char s[] = MINIMAL "\0";

	assert_null(pz_config_parse(s, sizeof(s) - 1, &err));
	assert_string_equal(err.msg, "Parsing error at line 6 column 1. "
	    "Repair sequences found:\n   1: Delete \\0");
}

/* However many errors there are, the message fits and ends cleanly. */
static void
test_config_many_errors_fit_the_buffer(void **state)
{
	struct pz_err err;
	char *s;
	size_t i, n = 3000;

	assert_non_null(s = malloc(n * 3 + 1));
	for (i = 0; i < n; i++)
		memcpy(s + i * 3, "}\xc3\xa9", 3);
	assert_null(pz_config_parse(s, n * 3, &err));
	assert_true(strlen(err.msg) < sizeof(err.msg));
	assert_true(strncmp(err.msg, "Parsing error at line 1 column 1.", 33)
	    == 0);
	free(s);
}

static void
test_config_listen_none(void **state)
{
	struct pz_config *conf;
	struct pz_err err;

	if ((conf = pz_config_load(GOOD_DIR "/https-only.conf", &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_null(conf->http_listen);
	assert_string_equal(conf->https_listen, "127.0.0.1:0");
	pz_config_free(conf);
}

static void
test_config_device_flow_needs_no_auth_uri(void **state)
{
	struct pz_config *conf;
	const struct pz_account *a;
	struct pz_err err;

	if ((conf = pz_config_load(GOOD_DIR "/extensions.conf", &err)) == NULL)
		fail_msg("%s", err.msg);
	a = &conf->accounts[0];
	assert_null(a->auth_uri);
	assert_string_equal(a->device_auth_uri,
	    "https://oauth2.googleapis.com/device/code");
	assert_string_equal(a->revoke_uri,
	    "https://oauth2.googleapis.com/revoke");
	assert_int_equal(a->nusers, 2);
	assert_string_equal(a->users[1], "me");
	assert_int_equal(a->nhosts, 2);
	assert_string_equal(a->hosts[1], "smtp.gmail.com:587");
	pz_config_free(conf);
}

static struct pz_config *
two_accounts(const char *extra_a, const char *extra_b)
{
	char buf[2048];
	struct pz_err err;
	struct pz_config *conf;

	snprintf(buf, sizeof(buf),
	    "account \"a\" { auth_uri = \"https://e.com/a\";"
	    " token_uri = \"https://e.com/t\"; client_id = \"id\"; %s }"
	    "account \"b\" { auth_uri = \"https://e.com/a\";"
	    " token_uri = \"https://e.com/t\"; client_id = \"id\"; %s }",
	    extra_a, extra_b);
	if ((conf = parse_str(buf, &err)) == NULL)
		fail_msg("%s", err.msg);
	return conf;
}

/* Pairs of account bodies that differ in a security-relevant setting. */
static const char *const differ[][2] = {
	{ "client_secret = \"s\";", "" },
	{ "client_secret = \"s\";", "client_secret = \"t\";" },
	{ "scopes = [\"a\"];", "scopes = [\"b\"];" },
	{ "scopes = [\"a\", \"b\"];", "scopes = [\"ab\"];" },
	{ "scopes = [\"a\"];", "" },
	{ "auth_uri_fields = {\"a\": \"bc\"};",
	  "auth_uri_fields = {\"ab\": \"c\"};" },
	{ "auth_uri_fields = {\"a\": \"b\"};", "login_hint = \"b\";" },
	{ "redirect_uri = \"http://localhost:1/\";", "" },
	{ "device_auth_uri = \"https://e.com/d\";", "" },
	{ "revoke_uri = \"https://e.com/r\";", "" },
	{ "issuer = \"https://e.com\";", "" },
	{ "issuer = \"https://e.com\";", "issuer = \"https://e.com/t2\";" },
	{ "issuer = \"https://e.com\";",
	  "issuer = \"https://e.com\"; flow = \"device\";" },
};

/* ... and pairs that differ only where it doesn't matter. */
static const char *const same[][2] = {
	{ "", "" },
	{ "refresh_retry = 5s;", "refresh_at_least = 1d;" },
	{ "users = [\"u\"];", "hosts = [\"h\"];" },
	{ "redirect_uri = \"http://localhost/\";", "" },
	{ "auth_uri_fields = {\"login_hint\": \"b\"};", "login_hint = \"b\";" },
};

/* Fingerprints of accounts without an issuer are those dumps made before
 * issuers existed carry (computed by the code of ad30493): they must
 * not change, or restoring such a dump would drop its tokens. */
static void
test_config_fingerprints_are_stable(void **state)
{
	static const char text[] =
	    "account \"a\" { auth_uri = \"https://e.com/a\"; token_uri = "
	    "\"https://e.com/t\"; client_id = \"id\"; client_secret = \"s\"; "
	    "scopes = [\"x\", \"y\"]; }\n"
	    "account \"d\" { device_auth_uri = \"https://e.com/d\"; "
	    "token_uri = \"https://e.com/t\"; client_id = \"id\"; "
	    "revoke_uri = \"https://e.com/r\"; }\n";
	struct pz_config *conf;
	struct pz_err err;
	char fp[65];

	assert_non_null(conf = parse_str(text, &err));
	assert_int_equal(pz_account_fingerprint(&conf->accounts[0], fp), 0);
	assert_string_equal(fp, "c1e3e83048437712a328e33a85cde7ad"
	    "6d7c8bcd8646a0464884c97402039134");
	assert_int_equal(pz_account_fingerprint(&conf->accounts[1], fp), 0);
	assert_string_equal(fp, "1fbd842281f591c68bbf4c8840e2d628"
	    "ea426961aab36af283f8e112b8035914");
	pz_config_free(conf);
}

/* issuer and flow are read; device_auth_uri still means the device
 * flow. */
static void
test_config_issuer_and_flow(void **state)
{
	static const char text[] =
	    "account \"ms\" { issuer = \"https://login.microsoftonline.com/"
	    "common/v2.0\"; client_id = \"id\"; }\n"
	    "account \"dev\" { issuer = \"https://accounts.google.com\"; "
	    "client_id = \"id\"; flow = \"device\"; }\n"
	    "account \"old\" { device_auth_uri = \"https://e.com/d\"; "
	    "token_uri = \"https://e.com/t\"; client_id = \"id\"; }\n"
	    "account \"mix\" { issuer = \"http://127.0.0.1:8080/realms/x\"; "
	    "token_uri = \"https://e.com/t\"; client_id = \"id\"; "
	    "flow = \"code\"; }\n";
	struct pz_config *conf;
	struct pz_err err;

	if ((conf = parse_str(text, &err)) == NULL)
		fail_msg("%s", err.msg);
	assert_string_equal(conf->accounts[0].issuer,
	    "https://login.microsoftonline.com/common/v2.0");
	assert_null(conf->accounts[0].auth_uri);
	assert_null(conf->accounts[0].token_uri);
	assert_int_equal(conf->accounts[0].flow, PZ_FLOW_CODE);
	assert_int_equal(conf->accounts[1].flow, PZ_FLOW_DEVICE);
	assert_null(conf->accounts[1].device_auth_uri);
	assert_int_equal(conf->accounts[2].flow, PZ_FLOW_DEVICE);
	assert_null(conf->accounts[2].issuer);
	assert_string_equal(conf->accounts[3].token_uri, "https://e.com/t");
	assert_int_equal(conf->accounts[3].flow, PZ_FLOW_CODE);
	pz_config_free(conf);
}

static void
test_config_secure_eq_and_fingerprint(void **state)
{
	struct pz_config *conf;
	char fa[65], fb[65];
	size_t i;

	for (i = 0; i < sizeof(differ) / sizeof(differ[0]); i++) {
		conf = two_accounts(differ[i][0], differ[i][1]);
		if (pz_account_secure_eq(&conf->accounts[0],
		    &conf->accounts[1]))
			fail_msg("secure_eq: '%s' vs '%s'", differ[i][0],
			    differ[i][1]);
		assert_int_equal(pz_account_fingerprint(&conf->accounts[0], fa),
		    0);
		assert_int_equal(pz_account_fingerprint(&conf->accounts[1], fb),
		    0);
		if (strcmp(fa, fb) == 0)
			fail_msg("fingerprint: '%s' vs '%s'", differ[i][0],
			    differ[i][1]);
		pz_config_free(conf);
	}
	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		conf = two_accounts(same[i][0], same[i][1]);
		if (!pz_account_secure_eq(&conf->accounts[0],
		    &conf->accounts[1]))
			fail_msg("!secure_eq: '%s' vs '%s'", same[i][0],
			    same[i][1]);
		assert_int_equal(pz_account_fingerprint(&conf->accounts[0], fa),
		    0);
		assert_int_equal(pz_account_fingerprint(&conf->accounts[1], fb),
		    0);
		assert_string_equal(fa, fb);
		assert_int_equal(strlen(fa), 64);
		assert_int_equal(strspn(fa, "0123456789abcdef"), 64);
		pz_config_free(conf);
	}
}

/* A fixed xorshift, so a failure can be replayed. */
static uint32_t
rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* Any bytes at all give a config or a message, never a crash or leak. */
static void
test_config_garbage_never_crashes(void **state)
{
	static const char *const pieces[] = {
		"account", "\"x\"", "{", "}", "[", "]", ";", "=", ",", ":",
		"auth_uri", "client_id", "token_uri", "scopes", "none",
		"http_listen", "auth_uri_fields", "5m", "\"http://a\"", "\n",
		"//", "\"", "\\", "\0", "\xff", "\xc3\xa9", " ", "99999999999d",
	};
	struct pz_config *conf;
	struct pz_err err;
	char *base, buf[512];
	size_t blen, n, k, i;
	uint32_t seed = 2463534242u;
	int iter;

	base = slurp(GOOD_DIR "/everything.conf", &blen);
	assert_non_null(base);
	for (iter = 0; iter < 3000; iter++) {
		n = 0;
		if (iter % 2 == 0) {
			/* A sentence of grammar pieces. */
			k = rnd(&seed) % 40;
			for (i = 0; i < k; i++) {
				const char *p = pieces[rnd(&seed) %
				    (sizeof(pieces) / sizeof(pieces[0]))];
				size_t pl = p[0] == '\0' ? 1 : strlen(p);

				if (n + pl >= sizeof(buf))
					break;
				memcpy(buf + n, p, pl);
				n += pl;
			}
			conf = pz_config_parse(buf, n, &err);
		} else {
			/* A good config with a few bytes changed. */
			char *m = malloc(blen);

			assert_non_null(m);
			memcpy(m, base, blen);
			k = 1 + rnd(&seed) % 4;
			for (i = 0; i < k; i++)
				m[rnd(&seed) % blen] = (char)rnd(&seed);
			conf = pz_config_parse(m, blen, &err);
			free(m);
		}
		if (conf == NULL)
			assert_true(err.msg[0] != '\0');
		pz_config_free(conf);
	}
	free(base);
}

int
main(void)
{
#define T(f)	cmocka_unit_test(f)
	const struct CMUnitTest tests[] = {
		T(test_config_good_corpus_loads),
		T(test_config_bad_corpus_matches_expected_errors),
		T(test_config_missing_file_reports_like_pizauth),
		T(test_config_directory_is_a_read_error),
		T(test_config_invalid_utf8_is_a_read_error),
		T(test_config_defaults_applied),
		T(test_config_every_key_is_read),
		T(test_config_login_hint_becomes_auth_uri_field),
		T(test_config_refresh_times_account_else_global),
		T(test_config_duplicate_account_replaces_earlier),
		T(test_config_text_need_not_be_nul_terminated),
		T(test_config_null_err_is_allowed),
		T(test_config_columns_count_characters_not_bytes),
		T(test_config_duplicate_key_reports_line_and_column),
		T(test_config_string_escapes),
		T(test_config_nul_outside_strings_is_a_syntax_error),
		T(test_config_many_errors_fit_the_buffer),
		T(test_config_listen_none),
		T(test_config_device_flow_needs_no_auth_uri),
		T(test_config_secure_eq_and_fingerprint),
		T(test_config_fingerprints_are_stable),
		T(test_config_issuer_and_flow),
		T(test_config_garbage_never_crashes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
