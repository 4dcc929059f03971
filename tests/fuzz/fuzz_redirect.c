/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for the redirect listener's request matching,
 * daemon/server/redirect_match.c: redirect_host() (one valid Host header)
 * and redirect_matches() (the request comes back to the account's
 * redirect URI: scheme, host, port, path, the URI's own query parameters).
 * The request is built as libevent's evhttp builds it for on_request():
 * the request-target as libevent keeps it (req->uri, req->uri_elems
 * parsed EVHTTP_URI_NONCONFORMANT), the header block through libevent's
 * own header parser (evhttp_parse_headers_, exported by libevent 2.1).
 * The account is the least redirect_matches() reads: a server with its
 * listener ports and a config with redirect_uri.  (The state/code/error
 * lookup of redirect.c's on_request() is static: fuzz_daemon sends
 * whole requests to a real listener.)
 *
 * Input: byte 0 flags: bits 0-1 the redirect URI of a fixed four, bit 2
 * the request came over TLS, bit 3 the listeners are on ports 80 and 443
 * (else 8765 and 8766), bit 4 the redirect URI is the first line of the
 * rest instead, bit 5 the listener of the other scheme is off.  Then the
 * request-target up to a newline, then the header block (a blank line is
 * added at its end).
 *
 * Checks: redirect_host() returns the one Host header, non-empty, and
 * only one made of what RFC 9112's Host (uri-host [":" port]) may hold;
 * else NULL.  A match means: the listener's scheme is the URI's; the
 * target is origin-form; the Host names the URI's host (equal but for
 * case, or both IP literals: no other DNS name is ever taken) and the
 * listener's port (explicitly, or by default); the target's path is the
 * URI's; every key=value of the URI's query is among the target's.
 */
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "core/config.h"
#include "daemon/server/account.h"
#include "daemon/server/redirect_match.h"
#include "daemon/server/server.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* libevent's header parser (http-internal.h): 1 all read, 0 more
 * expected, negative on an error. */
int	evhttp_parse_headers_(struct evhttp_request *, struct evbuffer *);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

static const struct {
	const char	*uri;
	const char	*host;		/* as a Host header names it */
	int		 ip;		/* host is an IP literal */
	const char	*path;
	const char	*query[2];	/* key=value the target must hold */
} fixed[4] = {
	{ "http://localhost/", "localhost", 0, "/", { NULL, NULL } },
	{ "http://127.0.0.1/callback?client=pizauth&x=a%20b", "127.0.0.1",
	    1, "/callback", { "client=pizauth", "x=a b" } },
	{ "https://localhost/cb", "localhost", 0, "/cb", { NULL, NULL } },
	{ "http://[::1]/p/q", "[::1]", 1, "/p/q", { NULL, NULL } },
};

/* RFC 3986 reg-name, IP-literal and port characters. */
static int
host_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("-._~%!$&'()*+,;=:[]", c) != NULL);
}

static void
check_host(struct evhttp_request *req, const char *host)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	struct evkeyval *kv;
	const char *one = NULL;
	int n = 0;
	size_t i;

	TAILQ_FOREACH(kv, h, next)
		if (strcasecmp(kv->key, "Host") == 0) {
			one = kv->value;
			n++;
		}
	if (host == NULL) {
		/* None, several, or one that is not host[:port]. */
		if (n == 1 && one[0] != '\0' &&
		    strpbrk(one, "/?#@\\ \t") == NULL) {
			for (i = 0; one[i] != '\0'; i++)
				if (!host_char((unsigned char)one[i]))
					break;
			CHECK(one[i] != '\0');
		}
		return;
	}
	CHECK(n == 1 && host == one && host[0] != '\0');
	CHECK(strpbrk(host, "/?#@\\ \t") == NULL);
#ifndef FUZZ_REDIRECT_LAX_HOST	/* to look past that known gap */
	for (i = 0; host[i] != '\0'; i++)
		CHECK(host_char((unsigned char)host[i]));
#endif
}

/* Is s made of what an IPv4 or IPv6 literal's spellings are made of? */
static int
ip_literal(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (strchr("0123456789abcdefABCDEFxX.:[]", s[i]) == NULL)
			return 0;
	return len > 0;
}

/* A match, against the URI it matched. */
static void
check_match(int which, int tls, int port, const char *host,
    const char *target)
{
	const char *hp, *colon, *q;
	struct evkeyvalq qs;
	struct evkeyval *kv;
	char *qcopy, *eq;
	size_t hlen, plen, i;
	long p;
	int found;

	CHECK(target[0] == '/');
	CHECK(strncmp(fixed[which].uri, tls ? "https:" : "http:",
	    tls ? 6 : 5) == 0);
	/* host[:port], a bracketed IPv6 address taken whole. */
	if (host[0] == '[' && (hp = strchr(host, ']')) != NULL)
		colon = strchr(hp, ':');
	else
		colon = strrchr(host, ':');
	hlen = colon != NULL ? (size_t)(colon - host) : strlen(host);
	CHECK((hlen == strlen(fixed[which].host) &&
	    strncasecmp(host, fixed[which].host, hlen) == 0) ||
	    (fixed[which].ip && ip_literal(host, hlen)));
	if (colon != NULL && colon[1] != '\0') {
		CHECK(strspn(colon + 1, "0123456789") == strlen(colon + 1));
		p = strtol(colon + 1, NULL, 10);
		CHECK(p == port);
	} else
		CHECK(port == (tls ? 443 : 80));
	/* The path, exactly; then the URI's query among the target's. */
	plen = strcspn(target, "?#");
	CHECK(plen == strlen(fixed[which].path) &&
	    memcmp(target, fixed[which].path, plen) == 0);
	for (i = 0; i < 2 && fixed[which].query[i] != NULL; i++) {
		q = target + plen;
		CHECK(*q == '?');
		TAILQ_INIT(&qs);
		CHECK((qcopy = strndup(q + 1, strcspn(q + 1, "#"))) != NULL);
		CHECK(evhttp_parse_query_str(qcopy, &qs) == 0);
		found = 0;
		eq = strchr(fixed[which].query[i], '=');
		TAILQ_FOREACH(kv, &qs, next)
			if (strlen(kv->key) ==
			    (size_t)(eq - fixed[which].query[i]) &&
			    memcmp(kv->key, fixed[which].query[i],
			    strlen(kv->key)) == 0 &&
			    strcmp(kv->value, eq + 1) == 0)
				found = 1;
		CHECK(found);
		evhttp_clear_headers(&qs);
		free(qcopy);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server srv;
	struct pz_account conf;
	struct account a;
	struct evhttp_request *req = NULL;
	struct evbuffer *buf = NULL;
	const char *p, *end, *nl, *host;
	char *uri = NULL, *target = NULL;
	unsigned flags;
	int which, tls, port, r1, r2;

	if (size < 1)
		return 0;
	flags = data[0];
	p = (const char *)data + 1;
	end = (const char *)data + size;
	which = flags & 3;
	tls = (flags & 4) != 0;
	if (flags & 16) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL || memchr(p, '\0', (size_t)(nl - p)) != NULL)
			return 0;
		if ((uri = strndup(p, (size_t)(nl - p))) == NULL)
			return 0;
		p = nl + 1;
	} else if ((uri = strdup(fixed[which].uri)) == NULL)
		return 0;
	/* The request-target: one word of a request line. */
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		nl = end;
	if ((target = strndup(p, (size_t)(nl - p))) == NULL ||
	    strlen(target) != (size_t)(nl - p) ||
	    strpbrk(target, " \r") != NULL)
		goto out;
	p = nl < end ? nl + 1 : end;

	memset(&srv, 0, sizeof(srv));
	memset(&conf, 0, sizeof(conf));
	memset(&a, 0, sizeof(a));
	srv.http_port = flags & 8 ? 80 : 8765;
	srv.https_port = flags & 8 ? 443 : 8766;
	if (flags & 32) {
		if (tls)
			srv.http_port = -1;
		else
			srv.https_port = -1;
	}
	conf.redirect_uri = uri;
	a.srv = &srv;
	a.conf = &conf;
	port = tls ? srv.https_port : srv.http_port;

	/* As libevent's evhttp_parse_request_line() leaves it. */
	if ((req = evhttp_request_new(NULL, NULL)) == NULL)
		goto out;
	req->kind = EVHTTP_REQUEST;
	req->type = EVHTTP_REQ_GET;
	if ((req->uri = strdup(target)) == NULL ||
	    (req->uri_elems = evhttp_uri_parse_with_flags(req->uri,
	    EVHTTP_URI_NONCONFORMANT)) == NULL)
		goto out;	/* libevent answers 400 itself */
	if ((buf = evbuffer_new()) == NULL ||
	    evbuffer_add(buf, p, (size_t)(end - p)) == -1 ||
	    evbuffer_add(buf, "\r\n\r\n", 4) == -1)
		goto out;
	if (evhttp_parse_headers_(req, buf) != 1)
		goto out;	/* libevent answers 400 itself */

	host = redirect_host(req);
	check_host(req, host);
	if (host == NULL)
		goto out;
	r1 = redirect_matches(&a, tls, host, req);
	r2 = redirect_matches(&a, tls, host, req);
	CHECK(r1 == r2 && (r1 == 0 || r1 == 1));
	if (r1 && !(flags & 16))
		check_match(which, tls, port, host, target);
	if (r1)
		CHECK(port > 0);
out:
	if (req != NULL)
		evhttp_request_free(req);
	if (buf != NULL)
		evbuffer_free(buf);
	free(target);
	free(uri);
	return 0;
}
