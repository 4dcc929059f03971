/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Parsing the device authorization response (RFC 8628 3.2). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/device.h"
#include "core/json_secret.h"
#include "core/secret.h"
#include "core/text.h"
#include "core/token.h"

/* A non-empty string member without C0 or C1 controls, copied, or NULL:
 * these strings end up on the user's terminal and in hook environments. */
static char *
string_member(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);
	const char *s = json_string_value(j);
	size_t len = json_string_length(j);

	/* jansson refuses \u0000 (no JSON_ALLOW_NUL): len is the string. */
	if (s == NULL || len == 0 || !pz_text_is_safe(s, len))
		return NULL;
	return strdup(s);
}

/* A positive integer member (providers also send numeric strings), or
 * def. */
static int64_t
int_member(json_t *o, const char *key, int64_t def)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	char *end;
	long long n;

	if (json_is_integer(v) && json_integer_value(v) > 0)
		return json_integer_value(v) > PZ_TOKEN_SECS_MAX ?
		    PZ_TOKEN_SECS_MAX : json_integer_value(v);
	if ((s = json_string_value(v)) != NULL) {
		n = strtoll(s, &end, 10);
		if (*s != '\0' && *end == '\0' && n > 0)
			return n > PZ_TOKEN_SECS_MAX ? PZ_TOKEN_SECS_MAX : n;
	}
	return def;
}

int
pz_device_parse(long http_status, const char *body, size_t len,
    struct pz_device_resp *out, struct pz_err *err)
{
	struct pz_token_resp tr = PZ_TOKEN_RESP_INIT;
	json_t *root, *code;

	memset(out, 0, sizeof(*out));
	root = body != NULL && len <= PZ_TOKEN_BODY_MAX ?
	    json_loadb(body, len, 0, NULL) : NULL;
	/* As in token.c, only a non-empty string is an error code: anything
	 * else would reach pz_token_parse() as a token response. */
	code = json_object_get(root, "error");
	if (http_status < 200 || http_status > 299 || !json_is_object(root) ||
	    (json_is_string(code) && json_string_length(code) > 0)) {
		/* The token module already words errors and bodies well. */
		pz_token_parse(http_status, NULL, body, len, &tr);
		pz_errf(err, "Device authorisation request failed: %s",
		    tr.msg);
		pz_token_resp_clear(&tr);
		pz_json_wipe_decref(root);
		return -1;
	}
	out->device_code = string_member(root, "device_code");
	out->user_code = string_member(root, "user_code");
	if ((out->verification_uri = string_member(root,
	    "verification_uri")) == NULL)
		out->verification_uri = string_member(root,
		    "verification_url");	/* Google's spelling */
	out->verification_uri_complete = string_member(root,
	    "verification_uri_complete");
	out->expires_in = int_member(root, "expires_in", 0);
	out->interval = int_member(root, "interval",
	    PZ_DEVICE_INTERVAL_DEFAULT);
	pz_json_wipe_decref(root);
	/* The user opens this URI (notify hooks may open it for them). */
	if (out->verification_uri != NULL &&
	    strncasecmp(out->verification_uri, "https://", 8) != 0 &&
	    strncasecmp(out->verification_uri, "http://", 7) != 0) {
		pz_device_resp_clear(out);
		return pz_errf(err, "Device authorisation response has a "
		    "verification_uri that is not http or https");
	}
	if (out->verification_uri_complete != NULL &&
	    strncasecmp(out->verification_uri_complete, "https://", 8) != 0 &&
	    strncasecmp(out->verification_uri_complete, "http://", 7) != 0) {
		free(out->verification_uri_complete);
		out->verification_uri_complete = NULL;
	}
	if (out->device_code == NULL || out->user_code == NULL ||
	    out->verification_uri == NULL || out->expires_in <= 0) {
		pz_device_resp_clear(out);
		return pz_errf(err, "Device authorisation response lacks "
		    "device_code, user_code, verification_uri or expires_in");
	}
	return 0;
}

void
pz_device_resp_clear(struct pz_device_resp *r)
{
	pz_secret_free(r->device_code);
	free(r->user_code);
	free(r->verification_uri);
	free(r->verification_uri_complete);
	memset(r, 0, sizeof(*r));
}
