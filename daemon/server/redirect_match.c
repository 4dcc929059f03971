/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Matching a redirect request to an account's redirect URI. */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "core/err.h"
#include "daemon/server/account.h"
#include "daemon/server/authflow.h"
#include "daemon/server/redirect_match.h"

/*
 * Is s a host[:port] as RFC 3986 3.2.2 has it: an IP-literal in brackets,
 * or a reg-name (unreserved, percent-encoded and sub-delims characters,
 * which include an IPv4 address), then perhaps ':' and digits?
 */
static int
host_port(const char *s)
{
	static const char regname[] = "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%!$&'()*+,;=";
	size_t n;

	if (*s == '[') {
		n = strspn(s + 1, "0123456789abcdefABCDEF:.vV");
		if (n == 0 || s[1 + n] != ']')
			return 0;
		s += n + 2;
	} else {
		if ((n = strspn(s, regname)) == 0)
			return 0;
		s += n;
	}
	if (*s == ':')
		s += 1 + strspn(s + 1, "0123456789");
	return *s == '\0';
}

const char *
redirect_host(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	const char *host = NULL;

	TAILQ_FOREACH(kv, h, next) {
		if (strcasecmp(kv->key, "Host") != 0)
			continue;
		if (host != NULL)
			return NULL;
		host = kv->value;
	}
	if (host == NULL || !host_port(host))
		return NULL;
	return host;
}

/* Parse url into a new handle; NULL if it is no URL. */
static CURLU *
parse(const char *url)
{
	CURLU *u;

	if ((u = curl_url()) == NULL)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_PATH_AS_IS) !=
	    CURLUE_OK) {
		curl_url_cleanup(u);
		return NULL;
	}
	return u;
}

/* Are part of a and b equal (case-insensitively if nocase)?  Both absent
 * is equal. */
static int
same_part(CURLU *a, CURLU *b, CURLUPart part, unsigned flags, int nocase)
{
	char *x = NULL, *y = NULL;
	int same;

	curl_url_get(a, part, &x, flags);
	curl_url_get(b, part, &y, flags);
	if (x == NULL || y == NULL)
		same = x == y;
	else
		same = nocase ? strcasecmp(x, y) == 0 : strcmp(x, y) == 0;
	curl_free(x);
	curl_free(y);
	return same;
}

/* Is every key=value of the query of want also in the query of got? */
static int
query_included(CURLU *want, CURLU *got)
{
	struct evkeyvalq wq, gq;
	struct evkeyval *kv, *g;
	char *wqs = NULL, *gqs = NULL;
	int ok = 1;

	TAILQ_INIT(&wq);
	TAILQ_INIT(&gq);
	if (curl_url_get(want, CURLUPART_QUERY, &wqs, 0) != CURLUE_OK)
		return 1;	/* the redirect URI has no query */
	curl_url_get(got, CURLUPART_QUERY, &gqs, 0);
	if (evhttp_parse_query_str(wqs, &wq) == -1 || gqs == NULL ||
	    evhttp_parse_query_str(gqs, &gq) == -1)
		ok = 0;
	TAILQ_FOREACH(kv, &wq, next) {
		if (!ok)
			break;
		ok = 0;
		TAILQ_FOREACH(g, &gq, next)
			if (strcmp(g->key, kv->key) == 0 &&
			    strcmp(g->value, kv->value) == 0)
				ok = 1;
	}
	evhttp_clear_headers(&wq);
	evhttp_clear_headers(&gq);
	curl_free(wqs);
	curl_free(gqs);
	return ok;
}

int
redirect_matches(const struct account *a, int tls, const char *host,
    struct evhttp_request *req)
{
	const char *target = evhttp_request_get_uri(req);
	CURLU *want = NULL, *got = NULL;
	struct pz_err err;
	char *expected, *actual = NULL;
	int ok = 0;

	if ((expected = authflow_redirect_uri(a, &err)) == NULL)
		return 0;
	if (target == NULL || target[0] != '/' ||
	    asprintf(&actual, "%s://%s%s", tls ? "https" : "http", host,
	    target) == -1) {
		actual = NULL;
		goto out;
	}
	if ((want = parse(expected)) == NULL || (got = parse(actual)) == NULL)
		goto out;
	ok = same_part(want, got, CURLUPART_SCHEME, 0, 1) &&
	    same_part(want, got, CURLUPART_HOST, 0, 1) &&
	    same_part(want, got, CURLUPART_PORT, CURLU_DEFAULT_PORT, 0) &&
	    same_part(want, got, CURLUPART_PATH, 0, 0) &&
	    query_included(want, got);
out:
	curl_url_cleanup(want);
	curl_url_cleanup(got);
	free(expected);
	free(actual);
	return ok;
}
