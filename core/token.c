/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Parsing and classifying token endpoint responses. */
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "core/json_secret.h"
#include "core/secret.h"
#include "core/text.h"
#include "core/token.h"

/* Longest token_type quoted back in a message. */
#define TYPE_MAX	32

/* RFC 6749 section 5.2 error codes that say more than "it failed".  Codes
 * not listed here (including RFC 8628's, which the device flow reads from
 * resp->error itself) are permanent. */
static const struct {
	const char		*code;
	enum pz_token_outcome	 outcome;
} error_codes[] = {
	{ "invalid_client",		PZ_TOKEN_CONFIG },
	{ "invalid_grant",		PZ_TOKEN_REAUTH },
	{ "invalid_scope",		PZ_TOKEN_CONFIG },
	{ "server_error",		PZ_TOKEN_TRANSIENT },
	{ "temporarily_unavailable",	PZ_TOKEN_TRANSIENT },
	{ "unauthorized_client",	PZ_TOKEN_CONFIG },
	{ "unsupported_grant_type",	PZ_TOKEN_CONFIG },
};

static void
setmsg(struct pz_token_resp *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
setmsg(struct pz_token_resp *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	pz_text_trim_utf8(r->msg);
}

/* RFC 6749 appendix A.12 and A.17: tokens are 1*VSCHAR.  Anything else
 * would break the one-line interfaces tokens travel through. */
static int
is_vschar_string(const json_t *j)
{
	return pz_text_is_vschar(json_string_value(j), json_string_length(j));
}

/* Parse decimal digits [s, s + len) into *out, clamped to
 * PZ_TOKEN_SECS_MAX.  Returns -1 if there are none or anything else. */
static int
parse_digits(const char *s, size_t len, int64_t *out)
{
	int64_t v = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
		if (v > PZ_TOKEN_SECS_MAX)
			v = PZ_TOKEN_SECS_MAX;
	}
	*out = v;
	return 0;
}

/*
 * expires_in: a non-negative integer, or (as some providers send) a string
 * of digits or an integral real.  Returns -1 if it is none of those.
 */
static int
parse_expires_in(const json_t *j, int64_t *out)
{
	double d;

	if (json_is_integer(j)) {
		if (json_integer_value(j) < 0)
			return -1;
		*out = json_integer_value(j) > PZ_TOKEN_SECS_MAX ?
		    PZ_TOKEN_SECS_MAX : (int64_t)json_integer_value(j);
		return 0;
	}
	if (json_is_real(j)) {
		d = json_real_value(j);
		if (!(d >= 0))
			return -1;
		if (d >= PZ_TOKEN_SECS_MAX) {
			*out = PZ_TOKEN_SECS_MAX;
			return 0;
		}
		if ((double)(int64_t)d != d)
			return -1;
		*out = (int64_t)d;
		return 0;
	}
	if (json_is_string(j))
		return parse_digits(json_string_value(j), json_string_length(j),
		    out);
	return -1;
}

int64_t
pz_token_retry_after(const char *value, time_t now)
{
	/* RFC 9110 section 5.6.7: the preferred form, then the two obsolete
	 * ones, with English names whatever the process's locale. */
	static const char *const fmts[] = {
		"%a, %d %b %Y %H:%M:%S GMT",
		"%A, %d-%b-%y %H:%M:%S GMT",
		"%a %b %e %H:%M:%S %Y",
	};
	char buf[64];
	struct tm tm;
	const char *end;
	int64_t secs = -1;
	locale_t c;
	size_t len, i;
	time_t t;

	if (value == NULL)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	len = strlen(value);
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (parse_digits(value, len, &secs) == 0)
		return secs;
	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, value, len);
	buf[len] = '\0';
	if ((c = newlocale(LC_TIME_MASK, "C", (locale_t)0)) == (locale_t)0)
		return -1;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime_l(buf, fmts[i], &tm, c);
		if (end == NULL || *end != '\0')
			continue;
		if ((t = timegm(&tm)) != (time_t)-1) {
			secs = (int64_t)t - (int64_t)now;
			if (secs < 0)
				secs = 0;
			else if (secs > PZ_TOKEN_SECS_MAX)
				secs = PZ_TOKEN_SECS_MAX;
		}
		break;
	}
	freelocale(c);
	return secs;
}

static enum pz_token_outcome
classify_error(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(error_codes) / sizeof(error_codes[0]); i++)
		if (strcmp(code, error_codes[i].code) == 0)
			return error_codes[i].outcome;
	return PZ_TOKEN_PERMANENT;
}

/*
 * A successful response (RFC 6749 section 5.1).  Every complaint names the
 * field, never its value, except token_type's which is no secret.
 */
static void
parse_success(const json_t *root, struct pz_token_resp *out)
{
	const json_t *at, *tt, *ei, *rt;
	char type[TYPE_MAX];
	int64_t expires_in = -1;

	out->outcome = PZ_TOKEN_PERMANENT;
	if ((at = json_object_get(root, "access_token")) == NULL) {
		setmsg(out, "Token response has no access_token");
		return;
	}
	if (!json_is_string(at) || !is_vschar_string(at)) {
		setmsg(out, "Token response has a malformed access_token");
		return;
	}
	if ((tt = json_object_get(root, "token_type")) == NULL) {
		setmsg(out, "Token response has no token_type");
		return;
	}
	if (!json_is_string(tt)) {
		setmsg(out, "Token response has a malformed token_type");
		return;
	}
	/* RFC 6749 section 7.1: the type is case-insensitive. */
	if (strcasecmp(json_string_value(tt), "Bearer") != 0) {
		pz_text_safe(json_string_value(tt), json_string_length(tt), type,
		    sizeof(type));
		setmsg(out, "Token response has token_type '%s', not 'Bearer'",
		    type);
		return;
	}
	ei = json_object_get(root, "expires_in");
	if (ei != NULL && !json_is_null(ei) &&
	    parse_expires_in(ei, &expires_in) == -1) {
		setmsg(out, "Token response has a malformed expires_in");
		return;
	}
	rt = json_object_get(root, "refresh_token");
	if (rt == NULL)
		out->refresh = PZ_RT_ABSENT;
	else if (!json_is_string(rt) || json_string_length(rt) == 0)
		out->refresh = PZ_RT_CLEARED;
	else if (!is_vschar_string(rt)) {
		setmsg(out, "Token response has a malformed refresh_token");
		return;
	} else
		out->refresh = PZ_RT_SET;

	out->access_token = pz_strdup(json_string_value(at));
	if (out->refresh == PZ_RT_SET)
		out->refresh_token = pz_strdup(json_string_value(rt));
	if (out->access_token == NULL ||
	    (out->refresh == PZ_RT_SET && out->refresh_token == NULL)) {
		pz_secret_free(out->access_token);
		pz_secret_free(out->refresh_token);
		out->access_token = out->refresh_token = NULL;
		out->refresh = PZ_RT_ABSENT;
		out->outcome = PZ_TOKEN_TRANSIENT;
		setmsg(out, "Out of memory");
		return;
	}
	out->expires_in = expires_in;
	out->outcome = PZ_TOKEN_OK;
	setmsg(out, "OK");
}

enum pz_token_outcome
pz_token_parse(long http_status, const char *retry_after, const char *body,
    size_t bodylen, struct pz_token_resp *out)
{
	struct pz_token_resp init = PZ_TOKEN_RESP_INIT;
	char code[PZ_TOKEN_TEXT_MAX], desc[PZ_TOKEN_TEXT_MAX];
	const json_t *jcode = NULL, *jdesc;
	const char *why = NULL, *sep = "";
	json_error_t jerr;
	json_t *root = NULL;
	int transient;

	/* out is output only: whatever it held is not ours to free. */
	*out = init;
	out->retry_after = pz_token_retry_after(retry_after, time(NULL));

	if (body == NULL || bodylen == 0)
		why = "empty";
	else if (bodylen > PZ_TOKEN_BODY_MAX)
		why = "too large";
	else if ((root = json_loadb(body, bodylen, 0, &jerr)) == NULL)
		why = "not JSON";
	else if (!json_is_object(root))
		why = "not a JSON object";
	/* jansson quotes the input near a syntax error. */
	pz_wipe(&jerr, sizeof(jerr));

	/* RFC 6749 section 5.2, which some providers send with a 200. */
	if (json_is_object(root)) {
		jcode = json_object_get(root, "error");
		if (!json_is_string(jcode) || json_string_length(jcode) == 0)
			jcode = NULL;
	}
	if (jcode != NULL) {
		pz_text_safe(json_string_value(jcode), json_string_length(jcode),
		    code, sizeof(code));
		desc[0] = '\0';
		jdesc = json_object_get(root, "error_description");
		if (json_is_string(jdesc))
			pz_text_safe(json_string_value(jdesc),
			    json_string_length(jdesc), desc, sizeof(desc));
		/* Text for people: on allocation failure msg still has it. */
		out->error = strdup(code);
		if (desc[0] != '\0') {
			out->error_description = strdup(desc);
			sep = ": ";
		}
	}

	/* An overloaded server or proxy may say anything in its body. */
	transient = http_status == 408 || http_status == 429 ||
	    (http_status >= 500 && http_status <= 599);
	if (transient) {
		out->outcome = PZ_TOKEN_TRANSIENT;
		if (jcode != NULL)
			setmsg(out, "HTTP %ld: %s%s%s", http_status, code, sep,
			    desc);
		else
			setmsg(out, "HTTP %ld", http_status);
	} else if (jcode != NULL) {
		out->outcome = classify_error(json_string_value(jcode));
		setmsg(out, "%s%s%s", code, sep, desc);
	} else if (http_status >= 200 && http_status <= 299) {
		if (why == NULL)
			parse_success(root, out);
		else {
			/* A captive portal or a proxy's error page: the
			 * provider itself may well be fine. */
			out->outcome = PZ_TOKEN_TRANSIENT;
			setmsg(out, "Malformed token response (%s)", why);
		}
	} else {
		out->outcome = PZ_TOKEN_PERMANENT;
		setmsg(out, "HTTP %ld", http_status);
	}
	pz_json_wipe(root);
	json_decref(root);
	return out->outcome;
}

void
pz_token_resp_clear(struct pz_token_resp *r)
{
	struct pz_token_resp init = PZ_TOKEN_RESP_INIT;

	if (r == NULL)
		return;
	pz_secret_free(r->access_token);
	pz_secret_free(r->refresh_token);
	free(r->error);
	free(r->error_description);
	*r = init;
}

const char *
pz_token_outcome_str(enum pz_token_outcome o)
{
	switch (o) {
	case PZ_TOKEN_OK:
		return "ok";
	case PZ_TOKEN_TRANSIENT:
		return "transient";
	case PZ_TOKEN_REAUTH:
		return "reauth";
	case PZ_TOKEN_CONFIG:
		return "config";
	case PZ_TOKEN_PERMANENT:
		return "permanent";
	}
	return "unknown";
}
