/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Strict absolute-URI checking and splitting (RFC 3986). */
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/uri.h"

static int
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int
is_unreserved(char c)
{
	return is_alpha(c) || is_digit(c) || strchr("-._~", c) != NULL;
}

static int
is_sub_delim(char c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

static char
lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/*
 * Check s[0..len) holds only unreserved and sub-delim characters, the
 * characters in extra, and well-formed percent-escapes.  Returns NULL or
 * the reason.
 */
static const char *
check_chars(const char *s, size_t len, const char *extra, const char *what)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (i + 2 >= len || !is_hex(s[i + 1]) ||
			    !is_hex(s[i + 2]))
				return "invalid percent-encoding";
			i += 2;
			continue;
		}
		if (is_unreserved(s[i]) || is_sub_delim(s[i]))
			continue;
		if (s[i] != '\0' && strchr(extra, s[i]) != NULL)
			continue;
		return what;
	}
	return NULL;
}

/* A dotted-quad IPv4 address, strictly: four decimal parts, no leading
 * zeros, each at most 255. */
static int
ipv4_ok(const char *s, size_t len)
{
	size_t i = 0, parts = 0, digits;
	unsigned v;

	while (parts < 4) {
		v = 0;
		digits = 0;
		while (i < len && is_digit(s[i])) {
			if (digits > 0 && v == 0)
				return 0;
			v = v * 10 + (unsigned)(s[i] - '0');
			if (v > 255)
				return 0;
			digits++;
			i++;
		}
		if (digits == 0)
			return 0;
		parts++;
		if (parts < 4) {
			if (i >= len || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i == len;
}

/* Does the host's last label look like a number (so it must be IPv4)? */
static int
ends_in_number(const char *s, size_t len)
{
	size_t end = len, start;

	if (end > 0 && s[end - 1] == '.')
		end--;
	start = end;
	while (start > 0 && s[start - 1] != '.')
		start--;
	if (start == end)
		return 0;
	while (start < end && is_digit(s[start]))
		start++;
	return start == end;
}

static const char *
check_host(const char *h, size_t len, int *ipv6)
{
	char tmp[64];
	unsigned char addr[16];
	size_t i;

	*ipv6 = 0;
	if (len == 0)
		return "empty host";
	if (h[0] == '[') {
		if (len < 2 || h[len - 1] != ']' || len - 2 >= sizeof(tmp))
			return "invalid IPv6 address";
		memcpy(tmp, h + 1, len - 2);
		tmp[len - 2] = '\0';
		/* inet_pton takes no zone ids, as URLs must not carry them. */
		if (inet_pton(AF_INET6, tmp, addr) != 1)
			return "invalid IPv6 address";
		*ipv6 = 1;
		return NULL;
	}
	for (i = 0; i < len; i++)
		if (!is_alpha(h[i]) && !is_digit(h[i]) &&
		    strchr("-._~", h[i]) == NULL)
			return "invalid domain character";
	if (ends_in_number(h, len) && !ipv4_ok(h, len))
		return "invalid IPv4 address";
	return NULL;
}

static const char *
check_port(const char *p, size_t len, int *num)
{
	size_t i;
	long v = 0;

	*num = -1;
	if (len == 0)
		return NULL;
	for (i = 0; i < len; i++) {
		if (!is_digit(p[i]))
			return "invalid port number";
		v = v * 10 + (p[i] - '0');
		if (v > 65535)
			return "invalid port number";
	}
	*num = (int)v;
	return NULL;
}

/* Copy s[0..len) into the buffer at *w, NUL-terminated; return it. */
static char *
put(char **w, const char *s, size_t len, int fold)
{
	char *r = *w;
	size_t i;

	for (i = 0; i < len; i++)
		r[i] = fold ? lower(s[i]) : s[i];
	r[len] = '\0';
	*w += len + 1;
	return r;
}

int
pz_uri_parse(const char *s, struct pz_uri *u, struct pz_err *err)
{
	const char *p, *auth = NULL, *path, *q = NULL, *frag = NULL, *at;
	const char *host, *port = NULL, *why;
	size_t slen, schlen, authlen = 0, pathlen, qlen = 0, flen = 0;
	size_t hostlen, portlen = 0, i;
	char *w;
	int ipv6 = 0, portnum = -1;

	memset(u, 0, sizeof(*u));
	u->port_num = -1;
	slen = strlen(s);

	/* scheme ":" -- anything else is relative, which we can't use. */
	for (i = 0; i < slen && s[i] != ':'; i++)
		if (strchr("/?#", s[i]) != NULL)
			break;
	if (i == 0 || i == slen || s[i] != ':' || !is_alpha(s[0]))
		return pz_errf(err, "relative URL without a base");
	schlen = i;
	for (i = 1; i < schlen; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) &&
		    strchr("+-.", s[i]) == NULL)
			return pz_errf(err, "relative URL without a base");
	p = s + schlen + 1;

	/* [ "//" authority ] path [ "?" query ] [ "#" fragment ] */
	if (p[0] == '/' && p[1] == '/') {
		auth = p + 2;
		authlen = strcspn(auth, "/?#");
		p = auth + authlen;
	}
	path = p;
	pathlen = strcspn(path, "?#");
	p = path + pathlen;
	if (*p == '?') {
		q = p + 1;
		qlen = strcspn(q, "#");
		p = q + qlen;
	}
	if (*p == '#') {
		frag = p + 1;
		flen = strlen(frag);
	}

	host = auth;
	hostlen = authlen;
	if (auth != NULL) {
		/* userinfo "@": the last '@'; userinfo can't hold one. */
		at = NULL;
		for (i = 0; i < authlen; i++)
			if (auth[i] == '@')
				at = auth + i;
		if (at != NULL) {
			if ((why = check_chars(auth, (size_t)(at - auth), ":",
			    "invalid character in userinfo")) != NULL)
				return pz_errf(err, "%s", why);
			host = at + 1;
			hostlen = authlen - (size_t)(host - auth);
		}
		/* ":" port, unless the colon is inside an IPv6 literal. */
		for (i = hostlen; i > 0; i--) {
			if (host[i - 1] == ']')
				break;
			if (host[i - 1] == ':') {
				port = host + i;
				portlen = hostlen - i;
				hostlen = i - 1;
				break;
			}
		}
		if ((why = check_host(host, hostlen, &ipv6)) != NULL ||
		    (why = check_port(port, portlen, &portnum)) != NULL)
			return pz_errf(err, "%s", why);
	}
	if ((why = check_chars(path, pathlen, ":@/",
	    "invalid character in path")) != NULL ||
	    (q != NULL && (why = check_chars(q, qlen, ":@/?",
	    "invalid character in query")) != NULL) ||
	    (frag != NULL && (why = check_chars(frag, flen, ":@/?",
	    "invalid character in fragment")) != NULL))
		return pz_errf(err, "%s", why);

	/* Every part, each NUL-terminated, fits in slen + 8 bytes. */
	if ((u->buf_ = malloc(slen + 8)) == NULL)
		return pz_errf(err, "out of memory");
	w = u->buf_;
	u->scheme = put(&w, s, schlen, 1);
	if (auth != NULL) {
		if (host != auth)
			u->userinfo = put(&w, auth,
			    (size_t)(host - auth) - 1, 0);
		if (ipv6)
			u->host = put(&w, host + 1, hostlen - 2, 1);
		else
			u->host = put(&w, host, hostlen, 1);
		if (port != NULL && portlen > 0)
			u->port = put(&w, port, portlen, 0);
	}
	u->path = put(&w, path, pathlen, 0);
	if (q != NULL)
		u->query = put(&w, q, qlen, 0);
	if (frag != NULL)
		u->fragment = put(&w, frag, flen, 0);
	u->port_num = portnum;
	u->ipv6 = ipv6;
	return 0;
}

void
pz_uri_clear(struct pz_uri *u)
{
	if (u == NULL)
		return;
	free(u->buf_);
	memset(u, 0, sizeof(*u));
	u->port_num = -1;
}

int
pz_uri_default_port(const struct pz_uri *u)
{
	if (u->scheme == NULL)
		return -1;
	if (strcmp(u->scheme, "http") == 0)
		return 80;
	if (strcmp(u->scheme, "https") == 0)
		return 443;
	return -1;
}

int
pz_uri_effective_port(const struct pz_uri *u)
{
	return u->port_num >= 0 ? u->port_num : pz_uri_default_port(u);
}
