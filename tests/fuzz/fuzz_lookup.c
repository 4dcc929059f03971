/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for core/lookup.c's pz_lookup_parse(): the
 * daemon's reply to an adapter (access_token:TOKEN, details:{json},
 * pending:URL with an optional "account=NAME" line and a line for people,
 * nomatch:, ambiguous:, error:).  The input is the reply, whole.  Checks
 * the promises lookup.h makes whatever the reply: the kind follows the
 * head, tokens and account names are printable lines, text points into
 * the reply, and a reply struct reused without a clear (as the adapters
 * never do, but may) ends up as a fresh one would.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/lookup.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

/* A token or account name: one non-empty printable line. */
static void
check_line(const char *s)
{
	size_t i;

	CHECK(s != NULL && s[0] != '\0');
	for (i = 0; s[i] != '\0'; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static int
printable(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return len > 0;
}

static int
head_is(const char *reply, size_t headlen, const char *s)
{
	return strlen(s) == headlen && memcmp(reply, s, headlen) == 0;
}

/* What r says of reply (len bytes), against an independent reading. */
static void
check_reply(const char *reply, size_t len, enum pz_lookup_kind k,
    const struct pz_lookup_reply *r)
{
	const char *colon = memchr(reply, ':', len), *body, *nl, *line;
	size_t headlen, bodylen, rest, n;

	CHECK(k == r->kind);
	CHECK(k >= PZ_LOOKUP_TOKEN && k <= PZ_LOOKUP_NOMEM);
	CHECK(r->expires >= 0);
	if (k != PZ_LOOKUP_TOKEN) {
		CHECK(r->token == NULL);
		CHECK(r->expires == 0);
	}
	if (k != PZ_LOOKUP_TOKEN && k != PZ_LOOKUP_PENDING)
		CHECK(r->account == NULL);
	if (r->account != NULL)
		check_line(r->account);
	if (r->text != NULL) {
		/* Text points into the reply, after the head. */
		CHECK(colon != NULL);
		CHECK(r->text == colon + 1);
		CHECK(r->textlen <= len - (size_t)(r->text - reply));
	} else
		CHECK(r->textlen == 0);
	if (k == PZ_LOOKUP_NOMEM)
		return;		/* allocation failed: nothing else to say */
	if (colon == NULL) {
		CHECK(k == PZ_LOOKUP_MALFORMED);
		CHECK(r->text == NULL && r->account == NULL);
		return;
	}
	headlen = (size_t)(colon - reply);
	body = colon + 1;
	bodylen = len - headlen - 1;
	if (head_is(reply, headlen, "access_token")) {
		CHECK(k == (printable(body, bodylen) ? PZ_LOOKUP_TOKEN :
		    PZ_LOOKUP_MALFORMED));
		if (k == PZ_LOOKUP_TOKEN) {
			check_line(r->token);
			CHECK(strlen(r->token) == bodylen &&
			    memcmp(r->token, body, bodylen) == 0);
			CHECK(r->account == NULL && r->expires == 0);
			CHECK(r->text == NULL);
		}
	} else if (head_is(reply, headlen, "details")) {
		CHECK(k == PZ_LOOKUP_TOKEN || k == PZ_LOOKUP_MALFORMED);
		CHECK(r->text == NULL);
		if (k == PZ_LOOKUP_TOKEN) {
			check_line(r->token);
			check_line(r->account);
		} else
			CHECK(r->account == NULL);
	} else if (head_is(reply, headlen, "pending")) {
		CHECK(k == PZ_LOOKUP_PENDING);
		/* The URL: the first line of the body. */
		CHECK(r->text == body);
		nl = memchr(body, '\n', bodylen);
		CHECK(r->textlen == (nl != NULL ? (size_t)(nl - body) :
		    bodylen));
		CHECK(memchr(r->text, '\n', r->textlen) == NULL);
		/* The account: the second line, if it is account=NAME. */
		if (nl == NULL) {
			CHECK(r->account == NULL);
			return;
		}
		line = nl + 1;
		rest = bodylen - (size_t)(line - body);
		nl = memchr(line, '\n', rest);
		n = nl != NULL ? (size_t)(nl - line) : rest;
		if (n > 8 && memcmp(line, "account=", 8) == 0 &&
		    printable(line + 8, n - 8)) {
			CHECK(r->account != NULL);
			CHECK(strlen(r->account) == n - 8 &&
			    memcmp(r->account, line + 8, n - 8) == 0);
		} else
			CHECK(r->account == NULL);
	} else if (head_is(reply, headlen, "nomatch") ||
	    head_is(reply, headlen, "ambiguous") ||
	    head_is(reply, headlen, "error")) {
		CHECK(k == (head_is(reply, headlen, "nomatch") ?
		    PZ_LOOKUP_NOMATCH : head_is(reply, headlen, "ambiguous") ?
		    PZ_LOOKUP_AMBIGUOUS : PZ_LOOKUP_ERROR));
		CHECK(r->text == body && r->textlen == bodylen);
	} else {
		CHECK(k == PZ_LOOKUP_MALFORMED);
		CHECK(r->text == NULL);
	}
}

static int
str_eq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/* Do two replies say the same? */
static void
check_same(const struct pz_lookup_reply *a, const struct pz_lookup_reply *b)
{
	CHECK(a->kind == b->kind);
	CHECK(str_eq(a->token, b->token));
	CHECK(str_eq(a->account, b->account));
	CHECK(a->expires == b->expires);
	CHECK(a->textlen == b->textlen);
	CHECK((a->text == NULL) == (b->text == NULL));
	if (a->text != NULL)
		CHECK(memcmp(a->text, b->text, a->textlen) == 0);
}

static void
check_cleared(const struct pz_lookup_reply *r)
{
	CHECK(r->kind == PZ_LOOKUP_MALFORMED);
	CHECK(r->token == NULL && r->account == NULL && r->text == NULL);
	CHECK(r->expires == 0 && r->textlen == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pz_lookup_reply fresh = PZ_LOOKUP_REPLY_INIT;
	struct pz_lookup_reply reused = PZ_LOOKUP_REPLY_INIT;
	static const char *dirty[] = {
		("details:{\"account\":\"a\",\"access_token\":\"t\","
		    "\"expires\":7}"),
		"pending:https://x/\naccount=b\nwhy",
		"access_token:tok",
		"error:no",
	};
	const char *reply = (const char *)data;
	enum pz_lookup_kind k;
	size_t i, half;

	k = pz_lookup_parse(reply, size, &fresh);
	check_reply(reply, size, k, &fresh);

	/* The same reply into a struct left set by each kind of reply. */
	for (i = 0; i < sizeof(dirty) / sizeof(dirty[0]); i++) {
		pz_lookup_parse(dirty[i], strlen(dirty[i]), &reused);
		k = pz_lookup_parse(reply, size, &reused);
		check_reply(reply, size, k, &reused);
		if (k != PZ_LOOKUP_NOMEM && fresh.kind != PZ_LOOKUP_NOMEM)
			check_same(&fresh, &reused);
	}
	/* And parsed again over itself, then a shorter piece of it. */
	k = pz_lookup_parse(reply, size, &reused);
	check_reply(reply, size, k, &reused);
	half = size / 2;
	k = pz_lookup_parse(reply, half, &reused);
	check_reply(reply, half, k, &reused);

	/* Clear is idempotent and leaves an initialised struct. */
	pz_lookup_reply_clear(&reused);
	check_cleared(&reused);
	pz_lookup_reply_clear(&reused);
	check_cleared(&reused);
	pz_lookup_reply_clear(&fresh);
	check_cleared(&fresh);

	/* The whole input as the JSON of a details: reply. */
	k = pz_lookup_details(reply, size, &fresh);
	CHECK(k == fresh.kind);
	CHECK(k == PZ_LOOKUP_TOKEN || k == PZ_LOOKUP_MALFORMED ||
	    k == PZ_LOOKUP_NOMEM);
	if (k == PZ_LOOKUP_TOKEN) {
		check_line(fresh.token);
		check_line(fresh.account);
		CHECK(fresh.expires >= 0);
		CHECK(fresh.text == NULL);
	} else if (k == PZ_LOOKUP_MALFORMED)
		check_cleared(&fresh);
	pz_lookup_reply_clear(&fresh);
	return 0;
}
