/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The adapters' token lookup: request and reply. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/ctl.h"
#include "core/json_secret.h"
#include "core/lookup.h"
#include "core/secret.h"

/* Can value go on a line of its own? */
static int
sendable(const char *value)
{
	size_t len = strlen(value);

	return len > 0 && len < PZ_LOOKUP_VALUE_MAX &&
	    strchr(value, '\n') == NULL;
}

int
pz_lookup_request(const struct pz_lookup *q, struct pz_buf *req)
{
	int r;

	if (q->account == NULL && q->user == NULL && q->host == NULL)
		return 1;
	if ((q->account != NULL && !sendable(q->account)) ||
	    (q->account == NULL && ((q->user != NULL && !sendable(q->user)) ||
	    (q->host != NULL && !sendable(q->host)) ||
	    (q->port != NULL && !sendable(q->port)))))
		return 1;
	/* The daemon takes the host and its port as one value. */
	if (q->account == NULL && q->host != NULL && q->port != NULL &&
	    strchr(q->host, ':') == NULL &&
	    strlen(q->host) + 1 + strlen(q->port) >= PZ_LOOKUP_VALUE_MAX)
		return 1;
	r = pz_buf_printf(req, "%s:withurl %u",
	    q->details ? "token_details" : "showtoken_match", q->wait);
	if (r == 0 && q->account != NULL)
		r = pz_buf_printf(req, "\naccount=%s", q->account);
	else {
		if (r == 0 && q->user != NULL)
			r = pz_buf_printf(req, "\nuser=%s", q->user);
		/* A port after an IPv6 address would read as part of it. */
		if (r == 0 && q->host != NULL) {
			if (q->port != NULL && strchr(q->host, ':') == NULL)
				r = pz_buf_printf(req, "\nhost=%s:%s", q->host,
				    q->port);
			else
				r = pz_buf_printf(req, "\nhost=%s", q->host);
		}
	}
	return r == 0 ? 0 : -1;
}

/* A token or account name must be one printable line: it goes on a
 * protocol line, into a SASL message or onto a terminal. */
static int
printable(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static enum pz_lookup_kind
set_kind(struct pz_lookup_reply *out, enum pz_lookup_kind kind)
{
	if (kind != PZ_LOOKUP_TOKEN)
		pz_lookup_reply_clear(out);
	out->kind = kind;
	return kind;
}

enum pz_lookup_kind
pz_lookup_details(const char *json, size_t len, struct pz_lookup_reply *out)
{
	json_t *j, *acct, *tok, *exp;
	enum pz_lookup_kind kind = PZ_LOOKUP_MALFORMED;

	if ((j = json_loadb(json, len, JSON_REJECT_DUPLICATES, NULL)) == NULL)
		return set_kind(out, PZ_LOOKUP_MALFORMED);
	acct = json_object_get(j, "account");
	tok = json_object_get(j, "access_token");
	exp = json_object_get(j, "expires");
	if (json_is_object(j) && json_is_string(acct) && json_is_string(tok) &&
	    printable(json_string_value(acct), json_string_length(acct)) &&
	    printable(json_string_value(tok), json_string_length(tok))) {
		pz_lookup_reply_clear(out);
		out->account = strdup(json_string_value(acct));
		out->token = strdup(json_string_value(tok));
		out->expires = json_is_integer(exp) &&
		    json_integer_value(exp) > 0 ? json_integer_value(exp) : 0;
		kind = out->account != NULL && out->token != NULL ?
		    PZ_LOOKUP_TOKEN : PZ_LOOKUP_NOMEM;
	}
	pz_json_wipe_decref(j);
	return set_kind(out, kind);
}

/* The length of s (len bytes) up to the first c. */
static size_t
strcspn_n(const char *s, size_t len, char c)
{
	const char *e = memchr(s, c, len);

	return e != NULL ? (size_t)(e - s) : len;
}

/*
 * pending:URL, then "account=NAME" on a line of its own, then perhaps a
 * line for people (why authorising again is no cure), neither of which
 * is the URL.
 */
static enum pz_lookup_kind
pending(const char *body, size_t len, struct pz_lookup_reply *out)
{
	static const char key[] = "account=";
	const char *line;
	size_t rest, n;

	out->textlen = strcspn_n(body, len, '\n');
	if (out->textlen == len)
		return out->kind;
	line = body + out->textlen + 1;
	rest = len - out->textlen - 1;
	n = strcspn_n(line, rest, '\n');
	if (n > sizeof(key) - 1 && memcmp(line, key, sizeof(key) - 1) == 0 &&
	    printable(line + sizeof(key) - 1, n - (sizeof(key) - 1)) &&
	    (out->account = pz_strndup(line + sizeof(key) - 1,
	    n - (sizeof(key) - 1))) == NULL)
		return set_kind(out, PZ_LOOKUP_NOMEM);
	return out->kind;
}

enum pz_lookup_kind
pz_lookup_parse(const char *reply, size_t len, struct pz_lookup_reply *out)
{
	static const struct {
		const char		*head;
		enum pz_lookup_kind	 kind;
	} texts[] = {
		{ "pending",	PZ_LOOKUP_PENDING },
		{ "nomatch",	PZ_LOOKUP_NOMATCH },
		{ "ambiguous",	PZ_LOOKUP_AMBIGUOUS },
		{ "error",	PZ_LOOKUP_ERROR },
	};
	struct pz_ctl_msg m;
	size_t i;

	if (pz_ctl_split(reply, len, &m) == -1)
		return set_kind(out, PZ_LOOKUP_MALFORMED);
	if (pz_ctl_head_is(&m, "details"))
		return pz_lookup_details(m.body, m.bodylen, out);
	if (pz_ctl_head_is(&m, "access_token")) {
		pz_lookup_reply_clear(out);
		if (!printable(m.body, m.bodylen))
			return set_kind(out, PZ_LOOKUP_MALFORMED);
		if ((out->token = pz_strndup(m.body, m.bodylen)) == NULL)
			return set_kind(out, PZ_LOOKUP_NOMEM);
		return set_kind(out, PZ_LOOKUP_TOKEN);
	}
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		if (pz_ctl_head_is(&m, texts[i].head)) {
			set_kind(out, texts[i].kind);
			out->text = m.body;
			out->textlen = m.bodylen;
			if (out->kind == PZ_LOOKUP_PENDING)
				return pending(m.body, m.bodylen, out);
			return out->kind;
		}
	}
	return set_kind(out, PZ_LOOKUP_MALFORMED);
}

void
pz_lookup_reply_clear(struct pz_lookup_reply *r)
{
	pz_secret_free(r->token);
	free(r->account);
	r->token = r->account = NULL;
	r->expires = 0;
	r->text = NULL;
	r->textlen = 0;
	r->kind = PZ_LOOKUP_MALFORMED;
}
