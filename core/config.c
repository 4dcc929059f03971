/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauth.conf: from grammatical tokens to a struct pz_config, with
 * pizauth 1.1.0's checks, in its order, and its messages.  As in pizauth,
 * syntax errors are all reported; past them, the first problem is.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/discovery.h"
#include "core/config_lex.h"
#include "core/config_p.h"
#include "core/err.h"
#include "core/secret.h"
#include "core/uri.h"

#define REDIRECT_URI_DEFAULT	"http://localhost/"
#define LISTEN_DEFAULT		"127.0.0.1:0"

/* Query fields pizauth puts in every authorisation URI itself: letting a
 * config add a second copy would leave the provider to pick one. */
static const char *const reserved_fields[] = {
	"client_id",
	"code_challenge",
	"code_challenge_method",
	"redirect_uri",
	"response_type",
	"state",
};

struct ctx {
	const char		*text;
	size_t			 len;
	const struct pz_toks	*toks;
	size_t			 i;		/* next token */
	struct pz_err		*err;
};

/* Where a value came from, so a later check can point at it. */
struct where {
	int	 set;
	size_t	 off;
};

static const struct pz_tok *
next(struct ctx *c)
{
	return &c->toks->v[c->i++];
}

static const struct pz_tok *
peek(struct ctx *c)
{
	return &c->toks->v[c->i];
}

/* Copy a built message into err, cut at a character boundary. */
int
pz_cfg_set_err(struct pz_err *err, const struct pz_buf *b)
{
	const char *s = pz_buf_str(b);
	size_t n = b->len;

	if (err == NULL)
		return -1;
	if (n >= sizeof(err->msg)) {
		n = sizeof(err->msg) - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(err->msg, s, n);
	err->msg[n] = '\0';
	return -1;
}

int
pz_cfg_oom(struct pz_err *err)
{
	return pz_errf(err, "Out of memory");
}

/* Length of the Unicode White_Space character at s[0..n), or 0. */
static size_t
ws_len(const unsigned char *s, size_t n)
{
	uint32_t cp;

	if (n >= 1 && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n >= 3 && (s[0] == 0xe1 || s[0] == 0xe2 || s[0] == 0xe3)) {
		cp = ((uint32_t)(s[0] & 0x0f) << 12) |
		    ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		if (cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
		    cp == 0x2028 || cp == 0x2029 || cp == 0x202f ||
		    cp == 0x205f || cp == 0x3000)
			return 3;
	}
	return 0;
}

/*
 * "Line L, column C:\n  <the line, trimmed>\n<msg>", pointing at byte
 * offset off: pizauth's error_at_span().  Always returns -1.
 */
static int
error_at(struct ctx *c, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
error_at(struct ctx *c, size_t off, const char *fmt, ...)
{
	struct pz_buf b = PZ_BUF_INIT;
	const unsigned char *t = (const unsigned char *)c->text;
	size_t line, col, s, e, n, k;
	char *msg = NULL;
	va_list ap;
	int len;

	pz_lex_line_col(c->text, c->len, off, &line, &col);
	pz_lex_line_bounds(c->text, c->len, off, &s, &e);
	while (s < e && (n = ws_len(t + s, e - s)) > 0)
		s += n;
	while (e > s) {
		for (k = e - 1; k > s && (t[k] & 0xc0) == 0x80; k--)
			;
		if (ws_len(t + k, e - k) != e - k)
			break;
		e = k;
	}
	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len >= 0 && (msg = malloc((size_t)len + 1)) != NULL) {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)len + 1, fmt, ap);
		va_end(ap);
	}
	if (msg == NULL ||
	    pz_buf_printf(&b, "Line %zu, column %zu:\n  ", line, col) == -1 ||
	    pz_cfg_put_source(&b, c->text + s, e - s, 0) == -1 ||
	    pz_buf_printf(&b, "\n%s", msg) == -1) {
		free(msg);
		pz_buf_clear(&b);
		return pz_cfg_oom(c->err);
	}
	free(msg);
	pz_cfg_set_err(c->err, &b);
	pz_buf_clear(&b);
	return -1;
}

/* "Mustn't specify 'key' more than once", the key spelt as written. */
static int
dup_error(struct ctx *c, const struct pz_tok *key, size_t off)
{
	return error_at(c, off, "Mustn't specify '%.*s' more than once",
	    (int)(key->end - key->start), c->text + key->start);
}

/* The contents of a STRING token, unescaped, in *out. */
static int
unescape(struct ctx *c, const struct pz_tok *t, char **out)
{
	const char *s = c->text + t->start + 1;
	size_t n = t->end - t->start - 2, i, j;
	char *r;

	if ((r = malloc(n + 1)) == NULL)
		return pz_cfg_oom(c->err);
	for (i = j = 0; i < n; i++) {
		if (s[i] == '\0') {
			r[j] = '\0';
			pz_secret_free(r);
			return error_at(c, t->start,
			    "Strings mustn't contain NUL characters");
		}
		/* The lexer let through only \\ and \". */
		if (s[i] == '\\')
			i++;
		r[j++] = s[i];
	}
	r[j] = '\0';
	*out = r;
	return 0;
}

/* A TIME token's value in seconds. */
static int
parse_time(struct ctx *c, const struct pz_tok *t, uint64_t *out)
{
	const char *s = c->text + t->start;
	size_t n = t->end - t->start - 1, i;
	uint64_t v = 0, mul = 1;

	for (i = 0; i < n; i++) {
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return error_at(c, t->start,
			    "Invalid time: number too large to fit in target "
			    "type");
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	switch (s[n]) {
	case 'd': mul = 86400; break;
	case 'h': mul = 3600; break;
	case 'm': mul = 60; break;
	default: mul = 1; break;
	}
	if (v > UINT64_MAX / mul)
		return error_at(c, t->start, "Invalid time: Number too big");
	*out = v * mul;
	return 0;
}

/* Check a URI value: syntax, then what pizauth in C insists on. */
static int
check_uri(struct ctx *c, const struct pz_tok *t, const char *s)
{
	struct pz_uri u = PZ_URI_INIT;
	struct pz_err why;
	int rc = 0;

	/* pizauth 1.1.0's words, in its order: a fragment, then the scheme. */
	if (pz_uri_parse(s, &u, &why) == -1)
		return error_at(c, t->start, "Invalid URI: %s", why.msg);
	if (u.fragment != NULL)
		rc = error_at(c, t->start,
		    "URI fragments ('#...') are not allowed");
	else if (strcmp(u.scheme, "http") != 0 &&
	    strcmp(u.scheme, "https") != 0)
		rc = error_at(c, t->start, "not a valid HTTP or HTTPS URI");
	else if (u.host == NULL || u.host[0] == '\0')
		rc = error_at(c, t->start, "Invalid URI: empty host");
	pz_uri_clear(&u);
	return rc;
}

/* `key = "string";` into *dst, at most once. */
static int
take_string(struct ctx *c, const struct pz_tok *key, char **dst,
    struct where *w, int is_uri)
{
	const struct pz_tok *v;
	char *s;

	next(c);				/* = */
	v = next(c);
	next(c);				/* ; */
	if (w->set)
		return dup_error(c, key, v->start);
	if (unescape(c, v, &s) == -1)
		return -1;
	if (is_uri && check_uri(c, v, s) == -1) {
		free(s);
		return -1;
	}
	*dst = s;
	w->set = 1;
	w->off = v->start;
	return 0;
}

/* `key = 5m;` into *dst, at most once. */
static int
take_time(struct ctx *c, const struct pz_tok *key, uint64_t *dst,
    struct where *w)
{
	const struct pz_tok *v;

	next(c);				/* = */
	v = next(c);
	next(c);				/* ; */
	if (w->set)
		return dup_error(c, key, v->start);
	if (parse_time(c, v, dst) == -1)
		return -1;
	w->set = 1;
	w->off = v->start;
	return 0;
}

static void
strv_free(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* `key = ["a", "b"];`, at most once (pizauth points at the key). */
static int
take_list(struct ctx *c, const struct pz_tok *key, char ***dst, size_t *ndst,
    struct where *w)
{
	const struct pz_tok *t;
	char **v = NULL, **nv, *s;
	size_t n = 0;

	if (w->set)
		return dup_error(c, key, key->start);
	next(c);				/* = */
	next(c);				/* [ */
	while ((t = next(c))->kind != PZ_TK_RBRACK) {
		if (t->kind != PZ_TK_STRING)
			continue;
		if (unescape(c, t, &s) == -1)
			goto fail;
		if ((nv = realloc(v, (n + 1) * sizeof(*v))) == NULL) {
			free(s);
			pz_cfg_oom(c->err);
			goto fail;
		}
		v = nv;
		v[n++] = s;
	}
	next(c);				/* ; */
	*dst = v;
	*ndst = n;
	w->set = 1;
	w->off = key->start;
	return 0;
fail:
	strv_free(v, n);
	return -1;
}

static void
kv_free(struct pz_kv *kv, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].val);
	}
	free(kv);
}

/* auth_uri_fields = {"k": "v", ...};, at most once. */
static int
take_fields(struct ctx *c, const struct pz_tok *key, struct pz_account *act,
    struct where *w)
{
	const struct pz_tok *k, *v;
	struct pz_kv *kv = NULL, *nkv;
	size_t n = 0, i;
	char *ks = NULL, *vs = NULL;

	if (w->set)
		return dup_error(c, key, key->start);
	next(c);				/* = */
	next(c);				/* { */
	while ((k = next(c))->kind != PZ_TK_RBRACE) {
		if (k->kind != PZ_TK_STRING)
			continue;
		next(c);			/* : */
		v = next(c);
		if (unescape(c, k, &ks) == -1 || unescape(c, v, &vs) == -1)
			goto fail;
		for (i = 0; i < sizeof(reserved_fields) /
		    sizeof(reserved_fields[0]); i++)
			if (strcmp(ks, reserved_fields[i]) == 0) {
				error_at(c, k->start, "'%s' is a reserved key",
				    reserved_fields[i]);
				goto fail;
			}
		if ((nkv = realloc(kv, (n + 1) * sizeof(*kv))) == NULL) {
			pz_cfg_oom(c->err);
			goto fail;
		}
		kv = nkv;
		kv[n].key = ks;
		kv[n].val = vs;
		n++;
		ks = vs = NULL;
	}
	next(c);				/* ; */
	act->auth_uri_fields = kv;
	act->nauth_uri_fields = n;
	w->set = 1;
	w->off = key->start;
	return 0;
fail:
	free(ks);
	free(vs);
	kv_free(kv, n);
	return -1;
}

static void
account_clear(struct pz_account *a)
{
	free(a->name);
	free(a->auth_uri);
	kv_free(a->auth_uri_fields, a->nauth_uri_fields);
	free(a->client_id);
	pz_secret_free(a->client_secret);
	free(a->redirect_uri);
	strv_free(a->scopes, a->nscopes);
	free(a->token_uri);
	free(a->device_auth_uri);
	free(a->issuer);
	free(a->revoke_uri);
	strv_free(a->users, a->nusers);
	strv_free(a->hosts, a->nhosts);
	memset(a, 0, sizeof(*a));
}

/* Positions of an account's values, for checks made after the file. */
struct act_where {
	size_t		 off;		/* the `account` keyword */
	struct where	 redirect_uri;
};

/* account "name" { fields } */
static int
take_account(struct ctx *c, struct pz_account *act, struct act_where *aw)
{
	struct where w[PZ_TK__COUNT];
	const struct pz_tok *acct, *key;
	char *login_hint = NULL, *flow = NULL;
	struct pz_err why;
	struct pz_kv *nkv;
	size_t i;
	int rc = -1;

	memset(w, 0, sizeof(w));
	memset(act, 0, sizeof(*act));
	act->refresh_at_least = PZ_TIME_UNSET;
	act->refresh_before_expiry = PZ_TIME_UNSET;
	act->refresh_retry = PZ_TIME_UNSET;
	acct = next(c);
	aw->off = acct->start;
	if (unescape(c, next(c), &act->name) == -1)
		return -1;
	next(c);				/* { */
	while ((key = next(c))->kind != PZ_TK_RBRACE) {
		switch (key->kind) {
		case PZ_TK_AUTH_URI:
			rc = take_string(c, key, &act->auth_uri, &w[key->kind],
			    1);
			break;
		case PZ_TK_AUTH_URI_FIELDS:
			rc = take_fields(c, key, act, &w[key->kind]);
			break;
		case PZ_TK_CLIENT_ID:
			rc = take_string(c, key, &act->client_id,
			    &w[key->kind], 0);
			break;
		case PZ_TK_CLIENT_SECRET:
			rc = take_string(c, key, &act->client_secret,
			    &w[key->kind], 0);
			break;
		case PZ_TK_DEVICE_AUTH_URI:
			rc = take_string(c, key, &act->device_auth_uri,
			    &w[key->kind], 1);
			break;
		case PZ_TK_FLOW:
			rc = take_string(c, key, &flow, &w[key->kind], 0);
			if (rc == 0 && strcmp(flow, "code") != 0 &&
			    strcmp(flow, "device") != 0)
				rc = error_at(c, w[key->kind].off, "flow must "
				    "be \"code\" or \"device\"");
			break;
		case PZ_TK_HOSTS:
			rc = take_list(c, key, &act->hosts, &act->nhosts,
			    &w[key->kind]);
			break;
		case PZ_TK_ISSUER:
			rc = take_string(c, key, &act->issuer, &w[key->kind],
			    1);
			/* Stricter than the other URIs: https unless on
			 * loopback, no query or fragment (RFC 8414 2). */
			if (rc == 0 && pz_discovery_urls(act->issuer, NULL,
			    NULL, &why) == -1)
				rc = error_at(c, w[key->kind].off, "%s",
				    why.msg);
			break;
		case PZ_TK_LOGIN_HINT:
			rc = take_string(c, key, &login_hint, &w[key->kind], 0);
			break;
		case PZ_TK_NOT_TRANSIENT_ERROR_IF:
			rc = error_at(c, key->start, "'not_transient_error_if' "
			    "has been removed: use the global "
			    "'transient_error_if_cmd' (whose exit status has "
			    "the opposite meaning) instead");
			break;
		case PZ_TK_REDIRECT_URI:
			rc = take_string(c, key, &act->redirect_uri,
			    &w[key->kind], 1);
			aw->redirect_uri = w[key->kind];
			break;
		case PZ_TK_REFRESH_AT_LEAST:
			rc = take_time(c, key, &act->refresh_at_least,
			    &w[key->kind]);
			break;
		case PZ_TK_REFRESH_BEFORE_EXPIRY:
			rc = take_time(c, key, &act->refresh_before_expiry,
			    &w[key->kind]);
			break;
		case PZ_TK_REFRESH_RETRY:
			rc = take_time(c, key, &act->refresh_retry,
			    &w[key->kind]);
			break;
		case PZ_TK_REVOKE_URI:
			rc = take_string(c, key, &act->revoke_uri,
			    &w[key->kind], 1);
			break;
		case PZ_TK_SCOPES:
			rc = take_list(c, key, &act->scopes, &act->nscopes,
			    &w[key->kind]);
			break;
		case PZ_TK_TOKEN_URI:
			rc = take_string(c, key, &act->token_uri,
			    &w[key->kind], 1);
			break;
		case PZ_TK_USERS:
			rc = take_list(c, key, &act->users, &act->nusers,
			    &w[key->kind]);
			break;
		default:
			/* The syntax check admits nothing else here. */
			rc = pz_errf(c->err, "Internal error: unexpected "
			    "account key");
			break;
		}
		if (rc == -1)
			goto out;
	}
	rc = -1;

	/* An explicit device endpoint means the device flow, as always. */
	act->flow = act->device_auth_uri != NULL || (flow != NULL &&
	    strcmp(flow, "device") == 0) ? PZ_FLOW_DEVICE : PZ_FLOW_CODE;
	if (flow != NULL && strcmp(flow, "code") == 0 &&
	    act->device_auth_uri != NULL) {
		error_at(c, w[PZ_TK_FLOW].off, "flow is \"code\" but "
		    "device_auth_uri is set");
		goto out;
	}
	/* Endpoints come from the config, or from the issuer's metadata;
	 * without either, name both ways. */
	if (act->issuer == NULL && act->auth_uri == NULL &&
	    act->token_uri == NULL && act->device_auth_uri == NULL) {
		error_at(c, aw->off, "Neither issuer nor auth_uri and "
		    "token_uri specified");
		goto out;
	}
	if (act->issuer == NULL && act->auth_uri == NULL &&
	    act->flow == PZ_FLOW_CODE) {
		error_at(c, aw->off, "auth_uri not specified");
		goto out;
	}
	if (act->issuer == NULL && act->flow == PZ_FLOW_DEVICE &&
	    act->device_auth_uri == NULL) {
		error_at(c, w[PZ_TK_FLOW].off, "flow is \"device\" but "
		    "neither issuer nor device_auth_uri is set");
		goto out;
	}
	if (act->client_id == NULL) {
		error_at(c, aw->off, "client_id not specified");
		goto out;
	}
	if (act->issuer == NULL && act->token_uri == NULL) {
		error_at(c, aw->off, "token_uri not specified");
		goto out;
	}
	if (login_hint != NULL) {
		for (i = 0; i < act->nauth_uri_fields; i++)
			if (strcmp(act->auth_uri_fields[i].key,
			    "login_hint") == 0) {
				error_at(c, aw->off, "Both the 'login_hint' "
				    "attribute and a 'auth_uri_fields' field "
				    "with the name 'login_hint' are specified. "
				    "The 'login_hint' attribute is deprecated "
				    "so remove it.");
				goto out;
			}
		/* The deprecated spelling of auth_uri_fields' login_hint. */
		nkv = realloc(act->auth_uri_fields,
		    (act->nauth_uri_fields + 1) * sizeof(*nkv));
		if (nkv == NULL) {
			pz_cfg_oom(c->err);
			goto out;
		}
		act->auth_uri_fields = nkv;
		nkv[act->nauth_uri_fields].val = login_hint;
		if ((nkv[act->nauth_uri_fields].key =
		    strdup("login_hint")) == NULL) {
			pz_cfg_oom(c->err);
			goto out;
		}
		act->nauth_uri_fields++;
		login_hint = NULL;
	}
	if (act->redirect_uri == NULL &&
	    (act->redirect_uri = strdup(REDIRECT_URI_DEFAULT)) == NULL) {
		pz_cfg_oom(c->err);
		goto out;
	}
	rc = 0;
out:
	free(login_hint);
	free(flow);
	if (rc == -1)
		account_clear(act);
	return rc;
}

/* Append an account (capacity doubles: configs may hold thousands). */
static int
add_account(struct pz_config *conf, struct act_where **aws, size_t *cap,
    struct pz_account *act, const struct act_where *aw)
{
	struct pz_account *na;
	struct act_where *naw;
	size_t ncap;

	if (conf->naccounts == *cap) {
		ncap = *cap ? *cap * 2 : 8;
		if ((na = realloc(conf->accounts, ncap * sizeof(*na))) == NULL)
			return -1;
		conf->accounts = na;
		if ((naw = realloc(*aws, ncap * sizeof(*naw))) == NULL)
			return -1;
		*aws = naw;
		*cap = ncap;
	}
	conf->accounts[conf->naccounts] = *act;
	(*aws)[conf->naccounts] = *aw;
	conf->naccounts++;
	return 0;
}

/* The daemon keeps the accounts for its whole life: give back the slack
 * of doubling (up to half the array with thousands of accounts). */
static void
shrink_accounts(struct pz_config *conf)
{
	struct pz_account *na;

	if (conf->naccounts > 0 && (na = realloc(conf->accounts,
	    conf->naccounts * sizeof(*na))) != NULL)
		conf->accounts = na;
}

/* Order account indices by name, then by position. */
static int
cmp_name_pos(const void *x, const void *y, void *arg)
{
	const struct pz_account *acts = arg;
	size_t a = *(const size_t *)x, b = *(const size_t *)y;
	int c = strcmp(acts[a].name, acts[b].name);

	return c != 0 ? c : (a > b) - (a < b);
}

/*
 * pizauth keeps accounts in a map: a later account of the same name
 * replaces the earlier one, which keeps its place.  Sorting makes this
 * O(n log n) for configs with thousands of accounts.
 */
static int
drop_duplicates(struct pz_config *conf, struct act_where *aws)
{
	size_t n = conf->naccounts, *idx, *fate, i, j, k;

	if (n < 2)
		return 0;
	idx = malloc(n * sizeof(*idx));
	fate = malloc(n * sizeof(*fate));	/* SIZE_MAX: gone */
	if (idx == NULL || fate == NULL) {
		free(idx);
		free(fate);
		return -1;
	}
	for (i = 0; i < n; i++)
		idx[i] = fate[i] = i;
	qsort_r(idx, n, sizeof(*idx), cmp_name_pos, conf->accounts);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(conf->accounts[idx[i]].name,
		    conf->accounts[idx[j]].name) == 0; j++)
			;
		if (j - i == 1)
			continue;
		/* The last of the group wins, in the place of the first. */
		account_clear(&conf->accounts[idx[i]]);
		for (k = i + 1; k + 1 < j; k++) {
			account_clear(&conf->accounts[idx[k]]);
			fate[idx[k]] = SIZE_MAX;
		}
		conf->accounts[idx[i]] = conf->accounts[idx[j - 1]];
		aws[idx[i]] = aws[idx[j - 1]];
		fate[idx[j - 1]] = SIZE_MAX;
	}
	for (i = 0, k = 0; i < n; i++) {
		if (fate[i] == SIZE_MAX)
			continue;
		conf->accounts[k] = conf->accounts[i];
		aws[k++] = aws[i];
	}
	conf->naccounts = k;
	free(idx);
	free(fate);
	return 0;
}

/* `http_listen = "addr";` or `= none;`, at most once. */
static int
take_listen(struct ctx *c, const struct pz_tok *key, char **dst,
    struct where *w)
{
	const struct pz_tok *v;

	next(c);				/* = */
	v = next(c);
	next(c);				/* ; */
	if (w->set)
		return dup_error(c, key, v->start);
	free(*dst);
	*dst = NULL;
	if (v->kind == PZ_TK_STRING && unescape(c, v, dst) == -1)
		return -1;
	w->set = 1;
	w->off = v->start;
	return 0;
}

static int
take_global(struct ctx *c, struct pz_config *conf, struct where *w)
{
	const struct pz_tok *key = peek(c);

	c->i++;
	switch (key->kind) {
	case PZ_TK_AUTH_ERROR_CMD:
		return error_at(c, key->start,
		    "'auth_error_cmd' has been renamed to 'error_notify_cmd'");
	case PZ_TK_AUTH_NOTIFY_CMD:
		return take_string(c, key, &conf->auth_notify_cmd,
		    &w[key->kind], 0);
	case PZ_TK_AUTH_NOTIFY_INTERVAL:
		return take_time(c, key, &conf->auth_notify_interval,
		    &w[key->kind]);
	case PZ_TK_ERROR_NOTIFY_CMD:
		return take_string(c, key, &conf->error_notify_cmd,
		    &w[key->kind], 0);
	case PZ_TK_HTTP_LISTEN:
		return take_listen(c, key, &conf->http_listen, &w[key->kind]);
	case PZ_TK_HTTPS_LISTEN:
		return take_listen(c, key, &conf->https_listen, &w[key->kind]);
	case PZ_TK_NOT_TRANSIENT_ERROR_IF:
		return error_at(c, key->start, "'not_transient_error_if' has "
		    "been removed: use 'transient_error_if_cmd' (whose exit "
		    "status has the opposite meaning) instead");
	case PZ_TK_REFRESH_AT_LEAST:
		return take_time(c, key, &conf->refresh_at_least,
		    &w[key->kind]);
	case PZ_TK_REFRESH_BEFORE_EXPIRY:
		return take_time(c, key, &conf->refresh_before_expiry,
		    &w[key->kind]);
	case PZ_TK_REFRESH_RETRY:
		return take_time(c, key, &conf->refresh_retry, &w[key->kind]);
	case PZ_TK_STARTUP_CMD:
		return take_string(c, key, &conf->startup_cmd, &w[key->kind],
		    0);
	case PZ_TK_TOKEN_EVENT_CMD:
		return take_string(c, key, &conf->token_event_cmd,
		    &w[key->kind], 0);
	case PZ_TK_TRANSIENT_ERROR_IF_CMD:
		return take_string(c, key, &conf->transient_error_if_cmd,
		    &w[key->kind], 0);
	default:
		return pz_errf(c->err, "Internal error: unexpected key");
	}
}

/* Does an account's redirect URI have a server to come back to? */
static int
check_listeners(struct ctx *c, const struct pz_config *conf,
    const struct act_where *aws, const struct where *w)
{
	struct pz_uri u = PZ_URI_INIT;
	struct pz_err why;
	const struct act_where *aw;
	size_t i;
	int https;

	if (conf->http_listen == NULL && conf->https_listen == NULL)
		return error_at(c, w[PZ_TK_HTTP_LISTEN].off >
		    w[PZ_TK_HTTPS_LISTEN].off ? w[PZ_TK_HTTP_LISTEN].off :
		    w[PZ_TK_HTTPS_LISTEN].off,
		    "Cannot set both http_listen and https_listen to "
		    "'none'");
	for (i = 0; i < conf->naccounts; i++) {
		aw = &aws[i];
		/* The device flow never redirects: no listener needed. */
		if (conf->accounts[i].device_auth_uri != NULL &&
		    !aw->redirect_uri.set)
			continue;
		if (pz_uri_parse(conf->accounts[i].redirect_uri, &u,
		    &why) == -1)
			return pz_errf(c->err, "Invalid URI: %s", why.msg);
		https = strcmp(u.scheme, "https") == 0;
		pz_uri_clear(&u);
		if (https && conf->https_listen == NULL)
			return error_at(c, aw->redirect_uri.set ?
			    aw->redirect_uri.off : aw->off, "Account %s has an "
			    "'https' redirect but the HTTPS server is set to "
			    "'none'", conf->accounts[i].name);
		if (!https && conf->http_listen == NULL)
			return error_at(c, aw->redirect_uri.set ?
			    aw->redirect_uri.off : aw->off, "Account %s has an "
			    "'http' redirect but the HTTP server is set to "
			    "'none'", conf->accounts[i].name);
	}
	return 0;
}

static int
build(struct ctx *c, struct pz_config *conf)
{
	struct where w[PZ_TK__COUNT];
	struct act_where *aws = NULL, aw;
	struct pz_account act;
	size_t cap = 0;
	int rc = -1;

	memset(w, 0, sizeof(w));
	while (c->i < c->toks->n) {
		if (peek(c)->kind == PZ_TK_ACCOUNT) {
			memset(&aw, 0, sizeof(aw));
			if (take_account(c, &act, &aw) == -1)
				goto out;
			if (add_account(conf, &aws, &cap, &act, &aw) == -1) {
				account_clear(&act);
				pz_cfg_oom(c->err);
				goto out;
			}
		} else if (take_global(c, conf, w) == -1)
			goto out;
	}
	if (drop_duplicates(conf, aws) == -1) {
		pz_cfg_oom(c->err);
		goto out;
	}
	shrink_accounts(conf);
	if (conf->naccounts == 0) {
		pz_errf(c->err, "Must specify at least one account");
		goto out;
	}
	if (!w[PZ_TK_HTTP_LISTEN].set &&
	    (conf->http_listen = strdup(LISTEN_DEFAULT)) == NULL) {
		pz_cfg_oom(c->err);
		goto out;
	}
	if (!w[PZ_TK_HTTPS_LISTEN].set &&
	    (conf->https_listen = strdup(LISTEN_DEFAULT)) == NULL) {
		pz_cfg_oom(c->err);
		goto out;
	}
	if (check_listeners(c, conf, aws, w) == -1)
		goto out;
	rc = 0;
out:
	free(aws);
	return rc;
}

struct pz_config *
pz_config_parse(const char *text, size_t len, struct pz_err *err)
{
	struct pz_config *conf = NULL;
	struct pz_toks toks = { NULL, 0 };
	struct pz_buf errs = PZ_BUF_INIT;
	struct ctx c;
	int rc;

	if (text == NULL)
		len = 0;
	if (len > 0 && !pz_lex_utf8_valid(text, len)) {
		pz_errf(err, "stream did not contain valid UTF-8");
		return NULL;
	}
	if (pz_lex(text, len, &toks) == -1) {
		pz_cfg_oom(err);
		return NULL;
	}
	if ((rc = pz_cfg_syntax(text, len, &toks, &errs)) != 0) {
		if (rc == -1)
			pz_cfg_oom(err);
		else
			pz_cfg_set_err(err, &errs);
		goto fail;
	}
	if ((conf = calloc(1, sizeof(*conf))) == NULL) {
		pz_cfg_oom(err);
		goto fail;
	}
	conf->auth_notify_interval = PZ_AUTH_NOTIFY_INTERVAL_DEFAULT;
	conf->refresh_at_least = PZ_REFRESH_AT_LEAST_DEFAULT;
	conf->refresh_before_expiry = PZ_REFRESH_BEFORE_EXPIRY_DEFAULT;
	conf->refresh_retry = PZ_REFRESH_RETRY_DEFAULT;
	c.text = text;
	c.len = len;
	c.toks = &toks;
	c.i = 0;
	c.err = err;
	if (build(&c, conf) == -1)
		goto fail;
	pz_buf_clear(&errs);
	pz_lex_free(&toks);
	return conf;
fail:
	pz_config_free(conf);
	pz_buf_clear(&errs);
	pz_lex_free(&toks);
	return NULL;
}

void
pz_config_free(struct pz_config *conf)
{
	size_t i;

	if (conf == NULL)
		return;
	free(conf->auth_notify_cmd);
	free(conf->error_notify_cmd);
	free(conf->http_listen);
	free(conf->https_listen);
	free(conf->startup_cmd);
	free(conf->token_event_cmd);
	free(conf->transient_error_if_cmd);
	for (i = 0; i < conf->naccounts; i++)
		account_clear(&conf->accounts[i]);
	free(conf->accounts);
	free(conf);
}

