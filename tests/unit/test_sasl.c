/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Unit tests for plugins/sasl: the mechanisms driven through a fake
 * sasl_utils_t (allocation, callbacks, prompts, errors, log) against a
 * fake daemon, the wire formats and the daemon's replies.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/buf.h"
#include "core/secret.h"
#include "plugins/sasl/pzsasl.h"
#include "tests/unit/fake_daemon.h"

/* --- the fake libsasl2 ----------------------------------------------------- */

static struct {
	int		 allocs;	/* live allocations */
	int		 erased;	/* erasebuffer calls */
	char		 error[1024];	/* the last seterror */
	char		 log[4096];	/* every log line */
	const char	*authname;	/* NULL: prompt for it */
	const char	*user;		/* NULL: no callback */
	const char	*pass;		/* NULL: prompt for it */
	int		 has_pass;	/* is there a SASL_CB_PASS at all? */
	int		 pass_asked;	/* times the callback was called */
	sasl_secret_t	*secret;
} fake;

static void *
fake_malloc(size_t n)
{
	fake.allocs++;
	return malloc(n);
}

static void *
fake_calloc(size_t n, size_t m)
{
	fake.allocs++;
	return calloc(n, m);
}

static void *
fake_realloc(void *p, size_t n)
{
	if (p == NULL)
		fake.allocs++;
	return realloc(p, n);
}

static void
fake_free(void *p)
{
	if (p != NULL)
		fake.allocs--;
	free(p);
}

static void
fake_erasebuffer(char *p, unsigned len)
{
	fake.erased++;
	pz_wipe(p, len);
}

static void
fake_seterror(sasl_conn_t *conn, unsigned flags, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake.error, sizeof(fake.error), fmt, ap);
	va_end(ap);
}

static void
fake_log(sasl_conn_t *conn, int level, const char *fmt, ...)
{
	size_t n = strlen(fake.log);
	va_list ap;

	/* The level first: what an application shows depends on it. */
	snprintf(fake.log + n, sizeof(fake.log) - n, "<%d>", level);
	n = strlen(fake.log);
	va_start(ap, fmt);
	vsnprintf(fake.log + n, sizeof(fake.log) - n, fmt, ap);
	va_end(ap);
	n = strlen(fake.log);
	snprintf(fake.log + n, sizeof(fake.log) - n, "\n");
}

static int
cb_simple(void *ctx, int id, const char **result, unsigned *len)
{
	*result = id == SASL_CB_AUTHNAME ? fake.authname : fake.user;
	*len = (unsigned)strlen(*result);
	return SASL_OK;
}

static int
cb_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	size_t len = strlen(fake.pass);

	fake.pass_asked++;
	free(fake.secret);
	fake.secret = malloc(sizeof(*fake.secret) + len);
	fake.secret->len = len;
	memcpy(fake.secret->data, fake.pass, len + 1);
	*psecret = fake.secret;
	return SASL_OK;
}

/* As libsasl2: SASL_INTERACT for a callback the application handles by
 * prompts, SASL_FAIL for one it does not have. */
static int
fake_getcallback(sasl_conn_t *conn, unsigned long id, sasl_callback_ft *proc,
    void **ctx)
{
	*ctx = NULL;
	switch (id) {
	case SASL_CB_AUTHNAME:
		if (fake.authname == NULL)
			return SASL_INTERACT;
		*proc = (sasl_callback_ft)(void (*)(void))cb_simple;
		return SASL_OK;
	case SASL_CB_USER:
		if (fake.user == NULL)
			return SASL_FAIL;
		*proc = (sasl_callback_ft)(void (*)(void))cb_simple;
		return SASL_OK;
	case SASL_CB_PASS:
		if (!fake.has_pass)
			return SASL_FAIL;
		if (fake.pass == NULL)
			return SASL_INTERACT;
		*proc = (sasl_callback_ft)(void (*)(void))cb_pass;
		return SASL_OK;
	}
	return SASL_FAIL;
}

static int
fake_canon_user(sasl_conn_t *conn, const char *in, unsigned len,
    unsigned flags, sasl_out_params_t *oparams)
{
	if (flags & SASL_CU_AUTHID) {
		oparams->authid = in;
		oparams->alen = (unsigned)strlen(in);
	}
	if (flags & SASL_CU_AUTHZID) {
		oparams->user = in;
		oparams->ulen = (unsigned)strlen(in);
	}
	return SASL_OK;
}

static sasl_utils_t utils;
static sasl_client_params_t params;
static sasl_out_params_t oparams;

/* A fresh fake: the given names, a password callback. */
static void
fake_reset(const char *authname, const char *user, const char *pass)
{
	free(fake.secret);
	memset(&fake, 0, sizeof(fake));
	fake.authname = authname;
	fake.user = user;
	fake.pass = pass;
	fake.has_pass = 1;
	memset(&utils, 0, sizeof(utils));
	utils.conn = (sasl_conn_t *)&utils;
	utils.malloc = fake_malloc;
	utils.calloc = fake_calloc;
	utils.realloc = fake_realloc;
	utils.free = fake_free;
	utils.erasebuffer = fake_erasebuffer;
	utils.seterror = fake_seterror;
	utils.log = fake_log;
	utils.getcallback = fake_getcallback;
	memset(&params, 0, sizeof(params));
	params.utils = &utils;
	params.service = "imap";
	params.serverFQDN = "imap.example.com";
	params.ipremoteport = "192.0.2.1;993";
	params.canon_user = fake_canon_user;
	memset(&oparams, 0, sizeof(oparams));
}

static void
fake_done(void)
{
	assert_int_equal(fake.allocs, 0);
	free(fake.secret);
	fake.secret = NULL;
}

#define ASK_U	"token_details:withurl 0\nuser=u@example.com\n" \
		"host=imap.example.com:993"
#define DETAILS	"details:{\"account\":\"work\",\"access_token\":\"T0K\"," \
		"\"expires\":1}"

/* --- driving the mechanism ---------------------------------------------------- */

/* mech_new for the nth table entry. */
static void *
mech_new(int nth)
{
	void *ctx = NULL;

	assert_int_equal(pzsasl_mech_plugins[nth].mech_new(
	    pzsasl_mech_plugins[nth].glob_context, &params, &ctx), SASL_OK);
	assert_non_null(ctx);
	return ctx;
}

static int
step(void *ctx, const char *in, unsigned inlen, sasl_interact_t **prompts,
    const char **out, unsigned *outlen)
{
	return pzsasl_mech_step(ctx, &params, in, inlen, prompts, out, outlen,
	    &oparams);
}

/* The exchange succeeds: the step after the server's OK ends it. */
static void
assert_server_ok_ends(void *ctx)
{
	const char *out = "x";
	unsigned outlen = 1;

	assert_int_equal(step(ctx, "", 0, NULL, &out, &outlen), SASL_OK);
	assert_null(out);
	assert_int_equal(outlen, 0);
	assert_int_equal(oparams.doneflag, 1);
	/* Another step (isync steps with NULL after OK) does not fail. */
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen), SASL_OK);
}

static void
test_sasl_xoauth2_sends_the_daemons_token(void **state)
{
	static const char want[] =
	    "user=u@example.com\001auth=Bearer T0K\001\001";
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	fake_reset("u@example.com", NULL, "password");
	fake_daemon_start(&d, ASK_U, DETAILS);
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen),
	    SASL_CONTINUE);
	assert_int_equal(outlen, sizeof(want) - 1);
	assert_memory_equal(out, want, outlen);
	assert_int_equal(fake.pass_asked, 0);
	assert_string_equal(oparams.authid, "u@example.com");
	assert_server_ok_ends(ctx);
	pzsasl_mech_dispose(ctx, &utils);
	fake_daemon_stop(&d);
	assert_null(strstr(fake.log, "T0K"));
	assert_true(fake.erased > 0);
	fake_done();
}

static void
test_sasl_oauthbearer_sends_authzid_host_and_port(void **state)
{
	static const char want[] = "n,a=boss=2Cinc,\001host=imap.example.com"
	    "\001port=993\001auth=Bearer T0K\001\001";
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	fake_reset("u@example.com", "boss,inc", "password");
	fake_daemon_start(&d, ASK_U, DETAILS);
	ctx = mech_new(1);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen),
	    SASL_CONTINUE);
	assert_int_equal(outlen, sizeof(want) - 1);
	assert_memory_equal(out, want, outlen);
	assert_string_equal(oparams.user, "boss,inc");
	assert_string_equal(oparams.authid, "u@example.com");
	assert_server_ok_ends(ctx);
	pzsasl_mech_dispose(ctx, &utils);
	fake_daemon_stop(&d);
	fake_done();
}

static void
test_sasl_server_error_challenge_answered_then_fails(void **state)
{
	static const char challenge[] =
	    "{\"status\":\"401\",\"schemes\":\"bearer\",\"scope\":\"mail\"}";
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	int nth;
	void *ctx;

	for (nth = 0; nth < 2; nth++) {
		fake_reset("u@example.com", NULL, "password");
		fake_daemon_start(&d, ASK_U, DETAILS);
		ctx = mech_new(nth);
		assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen),
		    SASL_CONTINUE);
		assert_int_equal(step(ctx, challenge, sizeof(challenge) - 1,
		    NULL, &out, &outlen), SASL_CONTINUE);
		/* XOAUTH2 answers with nothing, OAUTHBEARER with ^A. */
		assert_non_null(out);
		assert_int_equal(outlen, nth == 0 ? 0 : 1);
		if (nth == 1)
			assert_int_equal(out[0], '\001');
		assert_string_equal(fake.error, "pizauth: the server refused "
		    "the token (status 401, scope mail, schemes bearer)");
		/* The server then says NO; a further step fails cleanly. */
		assert_int_equal(step(ctx, "", 0, NULL, &out, &outlen),
		    SASL_BADAUTH);
		assert_null(out);
		assert_int_equal(oparams.doneflag, 0);
		pzsasl_mech_dispose(ctx, &utils);
		fake_daemon_stop(&d);
		fake_done();
	}
}

static void
test_sasl_unauthorised_account_fails_with_url(void **state)
{
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	fake_reset("u@example.com", NULL, "password");
	fake_daemon_start(&d, ASK_U, "pending:https://p.example/auth?state=s");
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen),
	    SASL_TRYAGAIN);
	assert_null(out);
	assert_string_equal(fake.error, "pizauth: Access token unavailable "
	    "until authorised with URL https://p.example/auth?state=s");
	/* Not a password: the account is pizauth's. */
	assert_int_equal(fake.pass_asked, 0);
	pzsasl_mech_dispose(ctx, &utils);
	fake_daemon_stop(&d);
	fake_done();
}

static void
test_sasl_unauthorised_account_is_named(void **state)
{
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	fake_reset("u@example.com", NULL, "password");
	fake_daemon_start(&d, ASK_U, "pending:https://p.example/a\n"
	    "account=relay\nfix client_id");
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen),
	    SASL_TRYAGAIN);
	assert_string_equal(fake.error, "pizauth: account 'relay': Access "
	    "token unavailable until authorised with URL https://p.example/a");
	pzsasl_mech_dispose(ctx, &utils);
	fake_daemon_stop(&d);
	fake_done();
}

/* $PIZAUTH_SOCKET names the socket (Postfix's smtp(8) in its chroot): it
 * is asked there, whatever $XDG_RUNTIME_DIR says. */
static void
test_sasl_pizauth_socket_is_honoured(void **state)
{
	static const char want[] = "user=u@example.com\001auth=Bearer "
	    "T0K\001\001";
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	fake_reset("u@example.com", NULL, "PW");
	fake_daemon_start(&d, ASK_U, "details:{\"account\":\"w\","
	    "\"access_token\":\"T0K\"}");
	assert_int_equal(setenv("PIZAUTH_SOCKET", d.sock, 1), 0);
	assert_int_equal(setenv("XDG_RUNTIME_DIR", "/nonexistent", 1), 0);
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen),
	    SASL_CONTINUE);
	assert_int_equal(outlen, sizeof(want) - 1);
	assert_memory_equal(out, want, outlen);
	assert_int_equal(fake.pass_asked, 0);
	pzsasl_mech_dispose(ctx, &utils);
	unsetenv("PIZAUTH_SOCKET");
	fake_daemon_stop(&d);
	fake_done();
}

/* Nothing at $PIZAUTH_SOCKET: the application was set up for pizauth, so
 * this fails (Postfix defers the mail) with a message its log shows, not
 * a note it hides before trying the password. */
static void
test_sasl_pizauth_socket_without_server_fails_visibly(void **state)
{
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	char path[sizeof(d.sock) + 8], want[512];
	void *ctx;

	fake_reset("u@example.com", NULL, "PW-T0K");
	fake_daemon_start(&d, NULL, NULL);
	snprintf(path, sizeof(path), "%s.none", d.sock);
	assert_int_equal(setenv("PIZAUTH_SOCKET", path, 1), 0);
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen), SASL_FAIL);
	snprintf(want, sizeof(want), "pizauth: pizauth authenticator not "
	    "running or not responding (no server at %s, from PIZAUTH_SOCKET): "
	    "start the pizauth server", path);
	assert_string_equal(fake.error, want);
	assert_int_equal(fake.pass_asked, 0);
	/* A relative path is refused, also as a failure. */
	pzsasl_mech_dispose(ctx, &utils);
	assert_int_equal(setenv("PIZAUTH_SOCKET", "run/pizauth.sock", 1), 0);
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen), SASL_FAIL);
	assert_string_equal(fake.error, "pizauth: PIZAUTH_SOCKET must be an "
	    "absolute path, not run/pizauth.sock");
	assert_int_equal(fake.pass_asked, 0);
	pzsasl_mech_dispose(ctx, &utils);
	unsetenv("PIZAUTH_SOCKET");
	fake_daemon_stop(&d);
	fake_done();
}

/* With $PIZAUTH_SOCKET set (Postfix), an account that does not match
 * still falls back to the password (the fallback token), but says why at
 * a level Postfix logs. */
static void
test_sasl_pinned_nomatch_warns(void **state)
{
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	fake_reset("u@example.com", NULL, "PW");
	fake_daemon_start(&d, ASK_U, "nomatch:No account lists user "
	    "'u@example.com' host 'imap.example.com:993'");
	assert_int_equal(setenv("PIZAUTH_SOCKET", d.sock, 1), 0);
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen),
	    SASL_CONTINUE);
	assert_int_equal(fake.pass_asked, 1);
	assert_non_null(strstr(fake.log, "<3>pizauth: No account lists user "
	    "'u@example.com' host 'imap.example.com:993'; using the "
	    "application's password as the token"));
	pzsasl_mech_dispose(ctx, &utils);
	unsetenv("PIZAUTH_SOCKET");
	fake_daemon_stop(&d);
	fake_done();
}

static void
test_sasl_several_accounts_fail_without_guessing(void **state)
{
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	fake_reset("u@example.com", NULL, "password");
	fake_daemon_start(&d, ASK_U, "ambiguous:Several accounts match; name one of: "
	    "a b");
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen), SASL_FAIL);
	assert_string_equal(fake.error,
	    "pizauth: Several accounts match; name one of: a b");
	assert_int_equal(fake.pass_asked, 0);
	pzsasl_mech_dispose(ctx, &utils);
	fake_daemon_stop(&d);
	fake_done();
}

static void
test_sasl_no_daemon_uses_password_callback(void **state)
{
	static const char want[] = "user=u@example.com\001auth=Bearer "
	    "PW-T0K\001\001";
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	fake_reset("u@example.com", NULL, "PW-T0K");
	fake_daemon_start(&d, NULL, NULL);
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen),
	    SASL_CONTINUE);
	assert_int_equal(outlen, sizeof(want) - 1);
	assert_memory_equal(out, want, outlen);
	assert_int_equal(fake.pass_asked, 1);
	assert_non_null(strstr(fake.log, "not running"));
	assert_null(strstr(fake.log, "PW-T0K"));
	assert_server_ok_ends(ctx);
	pzsasl_mech_dispose(ctx, &utils);
	fake_daemon_stop(&d);
	fake_done();
}

/* A daemon that is there but does not answer (busy, or stopped with
 * SIGSTOP) is not a missing one: the plugin fails after its bound rather
 * than falling back to the password. */
static void
test_sasl_silent_daemon_fails_after_bound(void **state)
{
	struct pzsasl_query q = { "u@example.com", "imap.example.com", "993" };
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct fake_daemon d;
	struct pz_err err;
	struct timespec t0, t1;
	char *token = NULL;
	int lfd;

	fake_daemon_start(&d, NULL, NULL);
	/* Listening, so connections are taken, but never accepted. */
	strcpy(sun.sun_path, d.sock);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(pzsasl_token_get(&q, &token, &err), PZSASL_FAILED);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_null(token);
	assert_string_equal(err.msg,
	    "pizauth: no answer from the daemon within 10 seconds");
	assert_true(t1.tv_sec - t0.tv_sec >= PZSASL_TIMEOUT_MS / 1000 - 1);
	close(lfd);
	fake_daemon_stop(&d);
}

static void
test_sasl_no_match_prompts_for_names_then_password(void **state)
{
	static const char want[] = "user=u@example.com\001auth=Bearer "
	    "typed\001\001";
	sasl_interact_t *prompts = NULL;
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	/* Everything by prompts, as isync and imtest do. */
	fake_reset(NULL, NULL, NULL);
	fake_daemon_start(&d, ASK_U, "nomatch:No account lists user "
	    "'u@example.com' host 'imap.example.com:993'");
	ctx = mech_new(0);
	assert_int_equal(step(ctx, NULL, 0, &prompts, &out, &outlen),
	    SASL_INTERACT);
	assert_non_null(prompts);
	assert_int_equal(prompts[0].id, SASL_CB_AUTHNAME);
	assert_int_equal(prompts[1].id, SASL_CB_LIST_END);
	prompts[0].result = "u@example.com";
	prompts[0].len = 13;

	assert_int_equal(step(ctx, NULL, 0, &prompts, &out, &outlen),
	    SASL_INTERACT);
	assert_non_null(prompts);
	assert_int_equal(prompts[0].id, SASL_CB_PASS);
	assert_int_equal(prompts[1].id, SASL_CB_LIST_END);
	/* A note, as before, unless $PIZAUTH_SOCKET is set (below). */
	assert_non_null(strstr(fake.log, "<4>pizauth: No account lists user"));
	prompts[0].result = "typed";
	prompts[0].len = 5;

	/* The daemon is not asked again (its one answer is spent). */
	assert_int_equal(step(ctx, NULL, 0, &prompts, &out, &outlen),
	    SASL_CONTINUE);
	assert_null(prompts);
	assert_int_equal(outlen, sizeof(want) - 1);
	assert_memory_equal(out, want, outlen);
	pzsasl_mech_dispose(ctx, &utils);
	fake_daemon_stop(&d);
	fake_done();
}

static void
test_sasl_no_token_and_no_password_fails(void **state)
{
	const char *out;
	unsigned outlen;
	struct fake_daemon d;
	void *ctx;

	fake_reset("u@example.com", NULL, NULL);
	fake.has_pass = 0;
	fake_daemon_start(&d, NULL, NULL);
	ctx = mech_new(1);
	assert_int_equal(step(ctx, NULL, 0, NULL, &out, &outlen),
	    SASL_BADPARAM);
	assert_string_equal(fake.error, "pizauth: no token for user "
	    "'u@example.com' and no password to use instead");
	pzsasl_mech_dispose(ctx, &utils);
	fake_daemon_stop(&d);
	fake_done();
}

static void
test_sasl_plug_init_offers_both_without_raising_ssf(void **state)
{
	sasl_client_plug_t *list;
	int version, count;

	fake_reset("u", NULL, NULL);
	assert_int_equal(sasl_client_plug_init(&utils,
	    SASL_CLIENT_PLUG_VERSION - 1, &version, &list, &count),
	    SASL_BADVERS);
	assert_int_equal(sasl_client_plug_init(&utils,
	    SASL_CLIENT_PLUG_VERSION, &version, &list, &count), SASL_OK);
	assert_int_equal(version, SASL_CLIENT_PLUG_VERSION);
	assert_int_equal(count, 2);
	assert_string_equal(list[0].mech_name, "XOAUTH2");
	assert_string_equal(list[1].mech_name, "OAUTHBEARER");
	/* PLAIN's strength and flags: libsasl2 prefers a mechanism only for
	 * more of either, so we never take over the choice. */
	assert_int_equal(list[0].max_ssf, 0);
	assert_int_equal(list[1].max_ssf, 0);
	assert_int_equal(list[0].security_flags, SASL_SEC_NOANONYMOUS);
	assert_int_equal(list[1].security_flags, SASL_SEC_NOANONYMOUS);
	fake_done();
}

static const struct {
	const char		*reply;
	enum pzsasl_source	 src;
	const char		*want;	/* token, or message */
} replies[] = {
	{ DETAILS, PZSASL_TOKEN, "T0K" },
	{ "pending:https://p/a", PZSASL_NOT_YET, "pizauth: Access token "
	  "unavailable until authorised with URL https://p/a" },
	{ "nomatch:No account lists user 'x'", PZSASL_FALLBACK,
	  "pizauth: No account lists user 'x'" },
	{ "ambiguous:Several accounts match; name one of: a b", PZSASL_FAILED,
	  "pizauth: Several accounts match; name one of: a b" },
	{ "error:Access token has expired and refreshing has not yet "
	  "succeeded", PZSASL_FAILED, "pizauth: Access token has expired "
	  "and refreshing has not yet succeeded" },
	{ "details:{\"access_token\":\"a\\u0001b\"}", PZSASL_FAILED,
	  "pizauth: malformed response from the daemon" },
	{ "details:[]", PZSASL_FAILED,
	  "pizauth: malformed response from the daemon" },
	{ "ok:", PZSASL_FAILED, "pizauth: malformed response from the daemon" },
	{ "", PZSASL_FAILED, "pizauth: malformed response from the daemon" },
};

static void
test_sasl_token_replies_classified(void **state)
{
	struct pz_err err;
	char *token;
	size_t i;

	for (i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		assert_int_equal(pzsasl_token_reply(replies[i].reply,
		    strlen(replies[i].reply), &token, &err), replies[i].src);
		if (replies[i].src == PZSASL_TOKEN) {
			assert_string_equal(token, replies[i].want);
			pz_secret_free(token);
		} else {
			assert_null(token);
			assert_string_equal(err.msg, replies[i].want);
		}
	}
}

static void
test_sasl_token_request_refuses_injection(void **state)
{
	struct pzsasl_query nl = { "u\naccount=other", NULL, NULL };
	struct pzsasl_query v6 = { "u", "::1", "993" };
	struct pzsasl_query nohost = { "u", NULL, "993" };
	struct pz_buf req = PZ_BUF_INIT;

	assert_int_equal(pzsasl_token_request(&nl, &req), -1);
	pz_buf_clear(&req);
	assert_int_equal(pzsasl_token_request(&v6, &req), 0);
	assert_string_equal(pz_buf_str(&req),
	    "token_details:withurl 0\nuser=u\nhost=::1");
	pz_buf_clear(&req);
	assert_int_equal(pzsasl_token_request(&nohost, &req), 0);
	assert_string_equal(pz_buf_str(&req), "token_details:withurl 0\nuser=u");
	pz_buf_clear(&req);
}

static const struct {
	const char	*in;
	const char	*want;
} server_errors[] = {
	{ "{\"status\":\"invalid_token\",\"scope\":\"mail\"}",
	  "pizauth: the server refused the token (status invalid_token, "
	  "scope mail)" },
	{ "{}", "pizauth: the server refused the token (status unknown)" },
	{ "not json\r\n\001", "pizauth: the server refused the token: "
	  "not json???" },
};

static void
test_sasl_wire_server_error_readable(void **state)
{
	char msg[512];
	size_t i;

	for (i = 0; i < sizeof(server_errors) / sizeof(server_errors[0]);
	    i++) {
		pzsasl_wire_server_error(server_errors[i].in,
		    (unsigned)strlen(server_errors[i].in), msg, sizeof(msg));
		assert_string_equal(msg, server_errors[i].want);
	}
}

static void
test_sasl_wire_refuses_ctrl_a_in_names(void **state)
{
	struct pzsasl_query q = { "u\001x", NULL, NULL };
	struct pz_buf out = PZ_BUF_INIT;

	assert_int_equal(pzsasl_wire_response(PZSASL_XOAUTH2, NULL, &q, "T",
	    &out), -1);
	pz_buf_clear(&out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sasl_xoauth2_sends_the_daemons_token),
		cmocka_unit_test(test_sasl_oauthbearer_sends_authzid_host_and_port),
		cmocka_unit_test(test_sasl_server_error_challenge_answered_then_fails),
		cmocka_unit_test(test_sasl_unauthorised_account_fails_with_url),
		cmocka_unit_test(test_sasl_unauthorised_account_is_named),
		cmocka_unit_test(test_sasl_pizauth_socket_is_honoured),
		cmocka_unit_test(
		    test_sasl_pizauth_socket_without_server_fails_visibly),
		cmocka_unit_test(test_sasl_pinned_nomatch_warns),
		cmocka_unit_test(test_sasl_several_accounts_fail_without_guessing),
		cmocka_unit_test(test_sasl_no_daemon_uses_password_callback),
		cmocka_unit_test(test_sasl_silent_daemon_fails_after_bound),
		cmocka_unit_test(test_sasl_no_match_prompts_for_names_then_password),
		cmocka_unit_test(test_sasl_no_token_and_no_password_fails),
		cmocka_unit_test(test_sasl_plug_init_offers_both_without_raising_ssf),
		cmocka_unit_test(test_sasl_token_replies_classified),
		cmocka_unit_test(test_sasl_token_request_refuses_injection),
		cmocka_unit_test(test_sasl_wire_server_error_readable),
		cmocka_unit_test(test_sasl_wire_refuses_ctrl_a_in_names),
	};

	return cmocka_run_group_tests_name("sasl", tests, NULL, NULL);
}
