/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The helper's verbs: get, erase, capability; store does nothing. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/secret.h"
#include "helpers/git/gitcred.h"
#include "helpers/git/gitcred_action.h"
#include "helpers/git/gitcred_daemon.h"
#include "helpers/git/gitcred_remote.h"

#define PROG		"git-credential-pizauth"
/* GitLab requires it for OAuth2 tokens; GitHub and Gitea accept it. */
#define DEFAULT_USERNAME "oauth2"
/* How long an erase waits for the refreshed token, so that git's next
 * attempt gets the new one; and how often it asks. */
#define ERASE_WAIT_MS	5000
#define ERASE_POLL_MS	100

static int
fail(FILE *diag, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", diag);
	va_start(ap, fmt);
	vfprintf(diag, fmt, ap);
	va_end(ap);
	fputc('\n', diag);
	return 1;
}

/* pizauth's own words (`pizauth show`), so users recognise them. */
static void
pending(FILE *diag, const struct pz_buf *url)
{
	if (url->len == 0)
		fprintf(diag, PROG ": Access token unavailable until "
		    "authorised\n");
	else
		fprintf(diag, PROG ": Access token unavailable until "
		    "authorised with URL %s\n", pz_buf_str(url));
}

/* The user name to present: -u, else git's, else the default. */
static const char *
answer_username(const struct gitcred *c, const struct gitcred_opts *o)
{
	if (o->username != NULL)
		return o->username;
	if (c->username != NULL && c->username[0] != '\0')
		return c->username;
	return DEFAULT_USERNAME;
}

/*
 * The user to match accounts by: git's, unless it is the one this helper
 * presents anyway (-u, else "oauth2"): that one comes back with an erase,
 * or from a URL like https://oauth2@gitlab.com/, and names no one.
 */
static const char *
match_user(const struct gitcred *c, const struct gitcred_opts *o)
{
	const char *def = o->username != NULL ? o->username :
	    DEFAULT_USERNAME;

	if (o->account != NULL || c->username == NULL ||
	    c->username[0] == '\0' || strcmp(c->username, def) == 0)
		return NULL;
	return c->username;
}

/* Read git's description: 1 if it is for a remote we serve, 0 if not,
 * -1 (said on diag) if it cannot be read. */
static int
read_request(struct gitcred *c, FILE *in, FILE *diag)
{
	struct pz_err err;

	if (gitcred_read(c, in, &err) == -1) {
		fail(diag, "%s", err.msg);
		return -1;
	}
	return gitcred_remote_served(c);
}

/* The answer to get: a Bearer credential if git can take one and the
 * user wants it, else a user name and password; and the expiry. */
static int
format_answer(struct pz_buf *ans, const struct gitcred *c,
    const struct gitcred_opts *o, const struct gitcred_token *t,
    struct pz_err *err)
{
	char expiry[32];
	int r;

	if (o->bearer && (c->caps & GITCRED_CAP_AUTHTYPE)) {
		/* A capability comes before what depends on it. */
		r = gitcred_format(ans, "capability[]", "authtype", err);
		if (r == 0)
			r = gitcred_format(ans, "authtype", "Bearer", err);
		if (r == 0)
			r = gitcred_format(ans, "credential", t->token, err);
	} else {
		r = gitcred_format(ans, "username", answer_username(c, o),
		    err);
		if (r == 0)
			r = gitcred_format(ans, "password", t->token, err);
	}
	if (r == 0 && t->expires > 0) {
		snprintf(expiry, sizeof(expiry), "%lld", t->expires);
		r = gitcred_format(ans, "password_expiry_utc", expiry, err);
	}
	return r;
}

static int
action_get(const struct gitcred_opts *o, FILE *in, FILE *out, FILE *diag)
{
	struct gitcred c = GITCRED_INIT;
	struct gitcred_token t = GITCRED_TOKEN_INIT;
	struct pz_buf url = PZ_BUF_INIT, ans = PZ_BUF_INIT;
	struct pz_err err;
	int rc = 0;

	switch (read_request(&c, in, diag)) {
	case -1:
		rc = 1;
		/* FALLTHROUGH */
	case 0:
		goto out;
	}
	switch (gitcred_daemon_token(o->sock, o->account, match_user(&c, o),
	    c.host, o->wait, &t, &url, &err)) {
	case GITCRED_TOKEN:
		if (format_answer(&ans, &c, o, &t, &err) == -1)
			rc = fail(diag, "%s", err.msg);
		else if (fwrite(ans.data, 1, ans.len, out) != ans.len)
			rc = fail(diag, "Can't write the answer");
		break;
	case GITCRED_PENDING:
		pending(diag, &url);
		break;
	case GITCRED_NO_ACCOUNT:
		break;
	case GITCRED_FAILED:
		rc = fail(diag, "%s", err.msg);
		break;
	}
out:
	gitcred_clear(&c);
	gitcred_daemon_token_clear(&t);
	pz_buf_clear(&url);
	pz_buf_clear(&ans);
	return rc;
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* After asking for a refresh: wait (bounded) until the daemon hands out
 * another token than old, or none, so git's next attempt gets it. */
static void
wait_refreshed(const struct gitcred_opts *o, const struct gitcred_token *old)
{
	struct timespec pause = { 0, ERASE_POLL_MS * 1000000L };
	struct gitcred_token t = GITCRED_TOKEN_INIT;
	long long deadline = now_ms() + ERASE_WAIT_MS;
	struct pz_buf url = PZ_BUF_INIT;
	struct pz_err err;
	int done;

	do {
		nanosleep(&pause, NULL);
		done = gitcred_daemon_token(o->sock, old->account, NULL, NULL,
		    0, &t, &url, &err) != GITCRED_TOKEN ||
		    !pz_secret_eq(t.token, old->token);
		gitcred_daemon_token_clear(&t);
		pz_buf_clear(&url);
	} while (!done && now_ms() < deadline);
}

/* The server refused a credential: if it is the daemon's current token,
 * that token is bad (revoked, or expired early), so refresh it. */
static int
action_erase(const struct gitcred_opts *o, FILE *in, FILE *out, FILE *diag)
{
	struct gitcred c = GITCRED_INIT;
	struct gitcred_token t = GITCRED_TOKEN_INIT;
	struct pz_buf url = PZ_BUF_INIT;
	const char *refused;
	struct pz_err err;
	int rc = 0;

	switch (read_request(&c, in, diag)) {
	case -1:
		rc = 1;
		/* FALLTHROUGH */
	case 0:
		goto out;
	}
	/* With authtype, git hands back the credential it sent. */
	refused = c.credential != NULL ? c.credential : c.password;
	if (refused == NULL || refused[0] == '\0')
		goto out;
	switch (gitcred_daemon_token(o->sock, o->account, match_user(&c, o),
	    c.host, 0, &t, &url, &err)) {
	case GITCRED_TOKEN:
		break;
	case GITCRED_FAILED:
		rc = fail(diag, "%s", err.msg);
		/* FALLTHROUGH */
	default:
		goto out;
	}
	/* Another password (the user's, another helper's, or a token the
	 * daemon has since replaced) is none of our business. */
	if (!pz_secret_eq(t.token, refused))
		goto out;
	if (gitcred_daemon_refresh(o->sock, t.account, &err) == -1) {
		rc = fail(diag, "%s", err.msg);
		goto out;
	}
	wait_refreshed(o, &t);
out:
	gitcred_clear(&c);
	gitcred_daemon_token_clear(&t);
	pz_buf_clear(&url);
	return rc;
}

/* git-credential(1), "CAPABILITY INPUT/OUTPUT FORMAT". */
static int
action_capability(const struct gitcred_opts *o, FILE *in, FILE *out,
    FILE *diag)
{
	fputs("version 0\n", out);
	if (o->bearer)
		fputs("capability authtype\n", out);
	return 0;
}

static const struct gitcred_action actions[] = {
	{ "capability",	action_capability },	/* what we understand */
	{ "erase",	action_erase },		/* the server refused it */
	{ "get",	action_get },		/* git needs a credential */
	{ "store",	NULL },			/* it worked: nothing to keep */
};

const struct gitcred_action *
gitcred_action_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
		if (strcmp(actions[i].name, name) == 0)
			return actions[i].run != NULL ? &actions[i] : NULL;
	return NULL;
}
