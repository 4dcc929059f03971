/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth.conf lexer and the position helpers its messages use. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config_lex.h"

/* Keywords, sorted by spelling for bsearch; the kind is the token. */
static const struct keyword {
	const char	*word;
	enum pz_tk	 kind;
} keywords[] = {
	{ "account",			PZ_TK_ACCOUNT },
	{ "auth_error_cmd",		PZ_TK_AUTH_ERROR_CMD },
	{ "auth_notify_cmd",		PZ_TK_AUTH_NOTIFY_CMD },
	{ "auth_notify_interval",	PZ_TK_AUTH_NOTIFY_INTERVAL },
	{ "auth_uri",			PZ_TK_AUTH_URI },
	{ "auth_uri_fields",		PZ_TK_AUTH_URI_FIELDS },
	{ "client_id",			PZ_TK_CLIENT_ID },
	{ "client_secret",		PZ_TK_CLIENT_SECRET },
	{ "device_auth_uri",		PZ_TK_DEVICE_AUTH_URI },
	{ "error_notify_cmd",		PZ_TK_ERROR_NOTIFY_CMD },
	{ "flow",			PZ_TK_FLOW },
	{ "hosts",			PZ_TK_HOSTS },
	{ "http_listen",		PZ_TK_HTTP_LISTEN },
	{ "https_listen",		PZ_TK_HTTPS_LISTEN },
	{ "issuer",			PZ_TK_ISSUER },
	{ "login_hint",			PZ_TK_LOGIN_HINT },
	{ "none",			PZ_TK_NONE },
	{ "not_transient_error_if",	PZ_TK_NOT_TRANSIENT_ERROR_IF },
	{ "redirect_uri",		PZ_TK_REDIRECT_URI },
	{ "refresh_at_least",		PZ_TK_REFRESH_AT_LEAST },
	{ "refresh_before_expiry",	PZ_TK_REFRESH_BEFORE_EXPIRY },
	{ "refresh_retry",		PZ_TK_REFRESH_RETRY },
	{ "revoke_uri",			PZ_TK_REVOKE_URI },
	{ "scopes",			PZ_TK_SCOPES },
	{ "startup_cmd",		PZ_TK_STARTUP_CMD },
	{ "token_event_cmd",		PZ_TK_TOKEN_EVENT_CMD },
	{ "token_uri",			PZ_TK_TOKEN_URI },
	{ "transient_error_if_cmd",	PZ_TK_TRANSIENT_ERROR_IF_CMD },
	{ "users",			PZ_TK_USERS },
};
#define NKEYWORDS	(sizeof(keywords) / sizeof(keywords[0]))

/* What pizauth's syntax errors call each token (its grammar's names). */
static const char *const names[PZ_TK__COUNT] = {
	[PZ_TK_EOF] = "EOF",
	[PZ_TK_TIME] = "<time>[dhms]",
	[PZ_TK_INT] = "INT",
	[PZ_TK_STRING] = "STRING",
	[PZ_TK_EQ] = "=",
	[PZ_TK_COMMA] = ",",
	[PZ_TK_LBRACE] = "{",
	[PZ_TK_RBRACE] = "}",
	[PZ_TK_LBRACK] = "[",
	[PZ_TK_RBRACK] = "]",
	[PZ_TK_SEMI] = ";",
	[PZ_TK_COLON] = ":",
	[PZ_TK_ACCOUNT] = "ACCOUNT",
	[PZ_TK_AUTH_ERROR_CMD] = "AUTH_ERROR_CMD",
	[PZ_TK_AUTH_NOTIFY_CMD] = "AUTH_NOTIFY_CMD",
	[PZ_TK_AUTH_NOTIFY_INTERVAL] = "AUTH_NOTIFY_INTERVAL",
	[PZ_TK_AUTH_URI] = "AUTH_URI",
	[PZ_TK_AUTH_URI_FIELDS] = "AUTH_URI_FIELDS",
	[PZ_TK_CLIENT_ID] = "CLIENT_ID",
	[PZ_TK_CLIENT_SECRET] = "CLIENT_SECRET",
	[PZ_TK_DEVICE_AUTH_URI] = "DEVICE_AUTH_URI",
	[PZ_TK_ERROR_NOTIFY_CMD] = "ERROR_NOTIFY_CMD",
	[PZ_TK_FLOW] = "FLOW",
	[PZ_TK_HOSTS] = "HOSTS",
	[PZ_TK_HTTP_LISTEN] = "HTTP_LISTEN",
	[PZ_TK_HTTPS_LISTEN] = "HTTPS_LISTEN",
	[PZ_TK_ISSUER] = "ISSUER",
	[PZ_TK_LOGIN_HINT] = "LOGIN_HINT",
	[PZ_TK_NONE] = "NONE",
	[PZ_TK_NOT_TRANSIENT_ERROR_IF] = "NOT_TRANSIENT_ERROR_IF",
	[PZ_TK_REDIRECT_URI] = "REDIRECT_URI",
	[PZ_TK_REFRESH_AT_LEAST] = "REFRESH_AT_LEAST",
	[PZ_TK_REFRESH_BEFORE_EXPIRY] = "REFRESH_BEFORE_EXPIRY",
	[PZ_TK_REFRESH_RETRY] = "REFRESH_RETRY",
	[PZ_TK_REVOKE_URI] = "REVOKE_URI",
	[PZ_TK_SCOPES] = "SCOPES",
	[PZ_TK_STARTUP_CMD] = "STARTUP_CMD",
	[PZ_TK_TOKEN_EVENT_CMD] = "TOKEN_EVENT_CMD",
	[PZ_TK_TOKEN_URI] = "TOKEN_URI",
	[PZ_TK_TRANSIENT_ERROR_IF_CMD] = "TRANSIENT_ERROR_IF_CMD",
	[PZ_TK_USERS] = "USERS",
	[PZ_TK_UNMATCHED] = "UNMATCHED",
};

const char *
pz_lex_name(enum pz_tk kind)
{
	return (unsigned)kind < PZ_TK__COUNT ? names[kind] : "?";
}

static int
keyword_cmp(const void *key, const void *elem)
{
	const struct keyword *k = key, *e = elem;
	size_t klen = strlen(k->word), elen = strlen(e->word);
	int c;

	c = memcmp(k->word, e->word, klen < elen ? klen : elen);
	if (c != 0)
		return c;
	return klen < elen ? -1 : klen > elen;
}

enum pz_tk
pz_lex_keyword(const char *s, size_t len)
{
	char buf[32];
	struct keyword k = { buf, PZ_TK_EOF };
	const struct keyword *hit;

	if (len == 0 || len >= sizeof(buf))
		return PZ_TK_EOF;
	memcpy(buf, s, len);
	buf[len] = '\0';
	hit = bsearch(&k, keywords, NKEYWORDS, sizeof(keywords[0]),
	    keyword_cmp);
	return hit != NULL ? hit->kind : PZ_TK_EOF;
}

/* Length of the UTF-8 sequence at p (text already validated). */
static size_t
utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c < 0xe0)
		return 2;
	if (c < 0xf0)
		return 3;
	return 4;
}

int
pz_lex_utf8_valid(const char *text, size_t len)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0, n, k;
	uint32_t cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 2;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 3;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 4;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i < n)
			return 0;
		for (k = 1; k < n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n;
	}
	return 1;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of "([0-9]+)" at s, and in *time whether [dhms] follows. */
static size_t
match_number(const char *s, size_t len, int *time)
{
	size_t i = 0;

	while (i < len && is_digit(s[i]))
		i++;
	*time = i > 0 && i < len && strchr("dhms", s[i]) != NULL &&
	    s[i] != '\0';
	return *time ? i + 1 : i;
}

/* Length of "(?:\\[\\"]|[^"\\])*" with its quotes at s, or 0. */
static size_t
match_string(const char *s, size_t len)
{
	size_t i = 1;

	if (len == 0 || s[0] != '"')
		return 0;
	while (i < len) {
		if (s[i] == '"')
			return i + 1;
		if (s[i] == '\\') {
			if (i + 1 < len &&
			    (s[i + 1] == '\\' || s[i + 1] == '"')) {
				i += 2;
				continue;
			}
			return 0;
		}
		i++;
	}
	return 0;
}

/* Length of the longest keyword that s starts with, and its kind. */
static size_t
match_keyword(const char *s, size_t len, enum pz_tk *kind)
{
	size_t i, best = 0, klen;

	for (i = 0; i < NKEYWORDS; i++) {
		klen = strlen(keywords[i].word);
		if (klen > best && klen <= len &&
		    memcmp(s, keywords[i].word, klen) == 0) {
			best = klen;
			*kind = keywords[i].kind;
		}
	}
	return best;
}

static int
push(struct pz_toks *toks, size_t *cap, enum pz_tk kind, size_t start,
    size_t end)
{
	struct pz_tok *nv;
	size_t ncap;

	if (toks->n == *cap) {
		ncap = *cap ? *cap * 2 : 64;
		if (ncap > SIZE_MAX / sizeof(*nv))
			return -1;
		if ((nv = realloc(toks->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		toks->v = nv;
		*cap = ncap;
	}
	toks->v[toks->n].kind = kind;
	toks->v[toks->n].start = start;
	toks->v[toks->n].end = end;
	toks->n++;
	return 0;
}

static enum pz_tk
punct(char c)
{
	switch (c) {
	case '=': return PZ_TK_EQ;
	case ',': return PZ_TK_COMMA;
	case '{': return PZ_TK_LBRACE;
	case '}': return PZ_TK_RBRACE;
	case '[': return PZ_TK_LBRACK;
	case ']': return PZ_TK_RBRACK;
	case ';': return PZ_TK_SEMI;
	case ':': return PZ_TK_COLON;
	default: return PZ_TK_EOF;
	}
}

int
pz_lex(const char *text, size_t len, struct pz_toks *toks)
{
	size_t i = 0, cap = 0, n, rest;
	enum pz_tk kind;
	int time;

	toks->v = NULL;
	toks->n = 0;
	while (i < len) {
		rest = len - i;
		/* Nothing longer can start with whitespace or a comment. */
		if (strchr(" \t\n\r", text[i]) != NULL && text[i] != '\0') {
			i++;
			continue;
		}
		if (rest >= 2 && text[i] == '/' && text[i + 1] == '/') {
			while (i < len && text[i] != '\n')
				i++;
			continue;
		}
		if (is_digit(text[i])) {
			n = match_number(text + i, rest, &time);
			kind = time ? PZ_TK_TIME : PZ_TK_INT;
		} else if (text[i] == '"' &&
		    (n = match_string(text + i, rest)) > 0)
			kind = PZ_TK_STRING;
		else if ((kind = punct(text[i])) != PZ_TK_EOF)
			n = 1;
		else if ((n = match_keyword(text + i, rest, &kind)) == 0) {
			/* "." matches one character, not one byte. */
			kind = PZ_TK_UNMATCHED;
			n = utf8_len((unsigned char)text[i]);
			if (n > rest)
				n = rest;
		}
		if (push(toks, &cap, kind, i, i + n) == -1) {
			pz_lex_free(toks);
			return -1;
		}
		i += n;
	}
	return 0;
}

void
pz_lex_free(struct pz_toks *toks)
{
	free(toks->v);
	toks->v = NULL;
	toks->n = 0;
}

void
pz_lex_line_bounds(const char *text, size_t len, size_t off, size_t *start,
    size_t *end)
{
	size_t s = off > len ? len : off, e;

	while (s > 0 && text[s - 1] != '\n')
		s--;
	e = s;
	while (e < len && text[e] != '\n')
		e++;
	*start = s;
	*end = e;
}

void
pz_lex_line_col(const char *text, size_t len, size_t off, size_t *line,
    size_t *col)
{
	size_t i, l = 1, c = 1;

	if (off > len)
		off = len;
	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			l++;
			c = 1;
		} else if (((unsigned char)text[i] & 0xc0) != 0x80)
			c++;
	}
	*line = l;
	*col = c;
}
