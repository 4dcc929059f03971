/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for the git credential helper's input parsing
 * (helpers/git/gitcred.c, gitcred_daemon.c, gitcred_remote.c).  Byte 0
 * says what the rest is: even, git's credential description, read by
 * gitcred_read() from a stream; odd, the JSON of the daemon's details:
 * reply, for gitcred_daemon_parse().
 *
 * Checks the promises gitcred.h makes against an independent reading of
 * git's protocol (git-credential(1)): key=value lines up to a blank line
 * or the end, CR LF a line end too, the last value of a key wins,
 * capability[] a list an empty value resets, other keys ignored; a line
 * without '=' or with a NUL refused.  No value read holds a LF (or a
 * NUL); gitcred_format() writes back exactly "key=value\n" what git
 * would read as the same value and refuses a CR or LF; a remote served
 * is https, or http on a loopback host; a details: reply parsed gives
 * printable lines and leaves the token alone when refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/err.h"
#include "helpers/git/gitcred.h"
#include "helpers/git/gitcred_daemon.h"
#include "helpers/git/gitcred_remote.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

#define NKEYS	7
static const char *const keys[NKEYS] = {
	"protocol", "host", "path", "username", "password", "authtype",
	"credential",
};

static char **
slot(struct gitcred *c, size_t i)
{
	char **s[NKEYS] = {
		&c->protocol, &c->host, &c->path, &c->username, &c->password,
		&c->authtype, &c->credential,
	};

	return s[i];
}

/* What git's protocol says the description is: the model. */
struct model {
	const char	*val[NKEYS];	/* into the input; NULL unset */
	size_t		 len[NKEYS];
	unsigned	 caps;
	int		 url;		/* a url= line: values not modelled */
	int		 fails;		/* the input must be refused */
};

static void
model_read(const char *in, size_t size, struct model *m)
{
	const char *line = in, *nl, *eq;
	size_t len, klen, i;

	memset(m, 0, sizeof(*m));
	while (line < in + size) {
		nl = memchr(line, '\n', (size_t)(in + size - line));
		len = nl != NULL ? (size_t)(nl - line) :
		    (size_t)(in + size - line);
		if (len >= GITCRED_LINE_MAX) {
			m->fails = 1;
			return;
		}
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			return;
		if (memchr(line, '\0', len) != NULL ||
		    (eq = memchr(line, '=', len)) == NULL) {
			m->fails = 1;
			return;
		}
		klen = (size_t)(eq - line);
		for (i = 0; i < NKEYS; i++)
			if (strlen(keys[i]) == klen &&
			    memcmp(line, keys[i], klen) == 0) {
				m->val[i] = eq + 1;
				m->len[i] = len - klen - 1;
			}
		if (klen == 12 && memcmp(line, "capability[]", 12) == 0) {
			if (len - klen - 1 == 0)
				m->caps = 0;
			else if (len - klen - 1 == 8 &&
			    memcmp(eq + 1, "authtype", 8) == 0)
				m->caps |= GITCRED_CAP_AUTHTYPE;
		}
		if (klen == 3 && memcmp(line, "url", 3) == 0) {
			/* git's url= drops all that came before. */
			m->url = 1;
			m->caps = 0;
			for (i = 0; i < NKEYS; i++)
				m->val[i] = NULL;
		}
		if (nl == NULL)
			return;
		line = nl + 1;
	}
}

/* Written back with gitcred_format(), read again the same. */
static void
check_format(const char *key, const char *value)
{
	struct pz_buf out = PZ_BUF_INIT;
	struct gitcred back = GITCRED_INIT;
	struct pz_err err;
	size_t i, klen = strlen(key), vlen = strlen(value);

	CHECK(pz_buf_puts(&out, "x") == 0);
	if (strpbrk(value, "\r\n") != NULL) {
		CHECK(gitcred_format(&out, key, value, &err) == -1);
		CHECK(out.len == 1);
		pz_buf_clear(&out);
		return;
	}
	CHECK(gitcred_format(&out, key, value, &err) == 0);
	CHECK(out.len == 1 + klen + 1 + vlen + 1);
	CHECK(memcmp(out.data + 1, key, klen) == 0);
	CHECK(out.data[1 + klen] == '=');
	CHECK(memcmp(out.data + 2 + klen, value, vlen) == 0);
	CHECK(out.data[out.len - 1] == '\n');
	CHECK(memchr(out.data + 1, '\n', out.len - 2) == NULL);
	/* What git reads from that line is the value. */
	CHECK(gitcred_parse_line(&back, out.data + 1, out.len - 2, &err) == 0);
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i], key) == 0) {
			CHECK(*slot(&back, i) != NULL);
			CHECK(strcmp(*slot(&back, i), value) == 0);
		}
	gitcred_clear(&back);
	pz_buf_clear(&out);
}

static void
check_remote(const struct gitcred *c)
{
	const char *h;

	if (!gitcred_remote_served(c))
		return;
	CHECK(c->protocol != NULL && c->host != NULL && c->host[0] != '\0');
	CHECK(strcasecmp(c->protocol, "https") == 0 ||
	    strcasecmp(c->protocol, "http") == 0);
	if (strcasecmp(c->protocol, "http") != 0)
		return;
	/* http only on this machine. */
	h = c->host;
	CHECK(gitcred_remote_loopback(h));
	CHECK(strncasecmp(h, "localhost", 9) == 0 ||
	    strncmp(h, "127.", 4) == 0 || h[0] == '[');
	if (h[0] == '[')
		CHECK(strchr(h, ']') != NULL);
	else if (strncasecmp(h, "localhost", 9) == 0)
		CHECK(strchr(".:", h[9]) != NULL);
	else
		CHECK(strspn(h, "0123456789.:") == strlen(h));
}

static void
check_description(const char *in, size_t size)
{
	struct gitcred c = GITCRED_INIT;
	struct pz_err err;
	struct model m;
	FILE *fp;
	size_t i;
	int r;

	if ((fp = fmemopen((void *)(uintptr_t)in, size, "r")) == NULL)
		return;
	err.msg[0] = '\0';
	r = gitcred_read(&c, fp, &err);
	fclose(fp);
	model_read(in, size, &m);
	CHECK(r == 0 || r == -1);
	if (r == -1) {
		CHECK(err.msg[0] != '\0');
		/* Only url= may fail beyond what the model refuses. */
		CHECK(m.fails || m.url);
		gitcred_clear(&c);
		return;
	}
	CHECK(!m.fails);
	if (!m.url)
		CHECK(c.caps == m.caps);
	for (i = 0; i < NKEYS; i++) {
		const char *v = *slot(&c, i);

		if (v != NULL)
			CHECK(strchr(v, '\n') == NULL);
		if (m.url)
			continue;
		if (m.val[i] == NULL)
			CHECK(v == NULL);
		else {
			CHECK(v != NULL && strlen(v) == m.len[i]);
			CHECK(memcmp(v, m.val[i], m.len[i]) == 0);
		}
	}
	for (i = 0; i < NKEYS; i++)
		if (*slot(&c, i) != NULL)
			check_format(keys[i], *slot(&c, i));
	check_remote(&c);
	gitcred_clear(&c);
	for (i = 0; i < NKEYS; i++)
		CHECK(*slot(&c, i) == NULL);
	CHECK(c.caps == 0);
}

static void
check_line(const char *s)
{
	size_t i;

	CHECK(s != NULL && s[0] != '\0');
	for (i = 0; s[i] != '\0'; i++)
		CHECK((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

static void
check_details(const char *in, size_t size)
{
	struct gitcred_token t = GITCRED_TOKEN_INIT;
	struct pz_err err;
	char *acct, *tok;

	if ((acct = strdup("before")) == NULL ||
	    (tok = strdup("old-token")) == NULL) {
		free(acct);
		return;
	}
	t.account = acct;
	t.token = tok;
	t.expires = 42;
	err.msg[0] = '\0';
	if (gitcred_daemon_parse(in, size, &t, &err) == 0) {
		check_line(t.account);
		check_line(t.token);
		CHECK(t.expires >= 0);
	} else {
		CHECK(err.msg[0] != '\0');
		CHECK(t.account == acct && t.token == tok && t.expires == 42);
		CHECK(strcmp(acct, "before") == 0 &&
		    strcmp(tok, "old-token") == 0);
	}
	gitcred_daemon_token_clear(&t);
	CHECK(t.account == NULL && t.token == NULL && t.expires == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		check_details((const char *)data + 1, size - 1);
	else
		check_description((const char *)data + 1, size - 1);
	return 0;
}
