/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* git's credential description: reading it as git writes it. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/secret.h"
#include "helpers/git/gitcred.h"

/* The keys that hold one value; the others git may send are ignored. */
static const struct field {
	const char	*key;
	size_t		 off;		/* of the char * in struct gitcred */
	int		 secret;	/* wipe the old value on replacing */
} fields[] = {
	{ "authtype",	offsetof(struct gitcred, authtype),	0 },
	{ "credential",	offsetof(struct gitcred, credential),	1 },
	{ "host",	offsetof(struct gitcred, host),		0 },
	{ "password",	offsetof(struct gitcred, password),	1 },
	{ "path",	offsetof(struct gitcred, path),		0 },
	{ "protocol",	offsetof(struct gitcred, protocol),	0 },
	{ "username",	offsetof(struct gitcred, username),	0 },
};

#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

static char **
field_ptr(struct gitcred *c, const struct field *f)
{
	return (char **)(void *)((char *)c + f->off);
}

void
gitcred_init(struct gitcred *c)
{
	static const struct gitcred blank = GITCRED_INIT;

	*c = blank;
}

void
gitcred_clear(struct gitcred *c)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		pz_secret_free(*field_ptr(c, &fields[i]));
	gitcred_init(c);
}

/* Replace *slot with value (len bytes). */
static int
set_value(char **slot, int secret, const char *value, size_t len,
    struct pz_err *err)
{
	char *v;

	if ((v = pz_strndup(value, len)) == NULL)
		return pz_errf(err, "Out of memory");
	if (secret)
		pz_secret_free(*slot);
	else
		free(*slot);
	*slot = v;
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..len) into *slot as git's url_decode_mem() does: a
 * '%' not followed by two hex digits stays as it is.  A decoded LF or NUL
 * is refused, as git refuses a newline in a URL component. */
static int
set_decoded(char **slot, int secret, const char *s, size_t len,
    struct pz_err *err)
{
	char *out;
	size_t i, n = 0;
	int hi, lo;

	if ((out = malloc(len + 1)) == NULL)
		return pz_errf(err, "Out of memory");
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && len - i >= 3 &&
		    (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			out[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			out[n++] = s[i];
		if (out[n - 1] == '\n' || out[n - 1] == '\0') {
			pz_wipe(out, len + 1);
			free(out);
			return pz_errf(err, "Credential url has a newline or "
			    "NUL in a component");
		}
	}
	out[n] = '\0';
	if (secret)
		pz_secret_free(*slot);
	else
		free(*slot);
	*slot = out;
	return 0;
}

/*
 * url=: as git's credential_from_url(), everything known so far is
 * dropped and the URL's parts set: proto://[user[:pass]@]host[/path].
 * The first '@' and the first ':' after the scheme decide, as in git.
 */
static int
from_url(struct gitcred *c, const char *url, struct pz_err *err)
{
	const char *cp, *at, *colon, *slash, *host, *end, *p;

	gitcred_clear(c);
	if ((cp = strstr(url, "://")) == NULL || cp == url)
		return pz_errf(err, "Credential url has no scheme");
	if (set_value(&c->protocol, 0, url, (size_t)(cp - url), err) == -1)
		return -1;
	cp += 3;
	at = strchr(cp, '@');
	colon = strchr(cp, ':');
	slash = cp + strcspn(cp, "/?#");
	if (at == NULL || slash <= at)
		host = cp;
	else if (colon == NULL || at <= colon) {
		if (set_decoded(&c->username, 0, cp, (size_t)(at - cp),
		    err) == -1)
			return -1;
		host = at + 1;
	} else {
		if (set_decoded(&c->username, 0, cp, (size_t)(colon - cp),
		    err) == -1 || set_decoded(&c->password, 1, colon + 1,
		    (size_t)(at - colon - 1), err) == -1)
			return -1;
		host = at + 1;
	}
	if (set_decoded(&c->host, 0, host, (size_t)(slash - host), err) == -1)
		return -1;
	/* The path without its leading and trailing slashes. */
	for (p = slash; *p == '/'; p++)
		;
	for (end = p + strlen(p); end > p && end[-1] == '/'; end--)
		;
	if (end > p && set_decoded(&c->path, 0, p, (size_t)(end - p), err) ==
	    -1)
		return -1;
	return 0;
}

/* capability[]=VALUE: an empty value resets the list; unknown ones go. */
static void
set_capability(struct gitcred *c, const char *value, size_t len)
{
	if (len == 0)
		c->caps = 0;
	else if (len == 8 && memcmp(value, "authtype", 8) == 0)
		c->caps |= GITCRED_CAP_AUTHTYPE;
}

static int
key_is(const char *key, size_t klen, const char *s)
{
	return strlen(s) == klen && memcmp(key, s, klen) == 0;
}

int
gitcred_parse_line(struct gitcred *c, const char *line, size_t len,
    struct pz_err *err)
{
	const char *eq, *value;
	size_t klen, vlen, i;
	char *url;
	int r;

	/* The protocol has no place for a NUL; git would cut the value
	 * short there, and a shortened host is not one to trust. */
	if (memchr(line, '\0', len) != NULL)
		return pz_errf(err, "Credential line holds a NUL byte");
	if ((eq = memchr(line, '=', len)) == NULL)
		return pz_errf(err, "Credential line without '='");
	klen = (size_t)(eq - line);
	value = eq + 1;
	vlen = len - klen - 1;
	for (i = 0; i < NFIELDS; i++)
		if (key_is(line, klen, fields[i].key))
			return set_value(field_ptr(c, &fields[i]),
			    fields[i].secret, value, vlen, err);
	if (key_is(line, klen, "capability[]"))
		set_capability(c, value, vlen);
	else if (key_is(line, klen, "url")) {
		if ((url = pz_strndup(value, vlen)) == NULL)
			return pz_errf(err, "Out of memory");
		r = from_url(c, url, err);
		pz_secret_free(url);
		return r;
	}
	/*
	 * Anything else (wwwauth[], state[], ephemeral, password_expiry_utc,
	 * oauth_refresh_token, keys of a later git) is ignored, as git's
	 * own helpers do: it future-proofs us.
	 */
	return 0;
}

int
gitcred_read(struct gitcred *c, FILE *fp, struct pz_err *err)
{
	char *line;
	size_t len, used = 0;	/* used: how much of line to wipe */
	int ch, r = 0;

	if ((line = malloc(GITCRED_LINE_MAX)) == NULL)
		return pz_errf(err, "Out of memory");
	for (;;) {
		len = 0;
		while ((ch = getc(fp)) != EOF && ch != '\n') {
			/* With its newline the line would pass git's limit. */
			if (len == GITCRED_LINE_MAX - 1) {
				r = pz_errf(err, "Credential line longer than "
				    "%d bytes", GITCRED_LINE_MAX);
				goto out;
			}
			line[len++] = (char)ch;
			if (len > used)
				used = len;
		}
		if (ch == EOF && ferror(fp)) {
			r = pz_errf(err, "Can't read the credential: %s",
			    strerror(errno));
			break;
		}
		/* git's strbuf_getline() takes CR LF for a line end too. */
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			break;		/* a blank line, or the end */
		if ((r = gitcred_parse_line(c, line, len, err)) == -1 ||
		    ch == EOF)
			break;
	}
out:
	/* Only what lines filled: wiping all 64 KiB cost a quarter of the
	 * helper's instructions and touched sixteen fresh pages. */
	pz_wipe(line, used);
	free(line);
	return r;
}

int
gitcred_format(struct pz_buf *out, const char *key, const char *value,
    struct pz_err *err)
{
	if (strpbrk(value, "\r\n") != NULL)
		return pz_errf(err, "The %s holds a line break", key);
	if (pz_buf_printf(out, "%s=%s\n", key, value) == -1)
		return pz_errf(err, "Out of memory");
	return 0;
}
