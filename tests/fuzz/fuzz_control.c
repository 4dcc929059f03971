/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for the control protocol's parsing: core/ctl.c
 * (pz_ctl_split, pz_ctl_head_is, pz_ctl_body_word), the daemon's
 * echo_safe() (what a reply repeats of a request), and the requests the
 * adapters build with pz_lookup_request() as the daemon reads them.  The
 * daemon's per-command argument parsing (control_token.c's next_word,
 * parse_secs, take_field) is static and needs a running server:
 * fuzz_daemon covers dispatch in process, through the control socket.
 *
 * Byte 0 even: the rest is a message, split and named, its body's words
 * walked as the daemon walks them, echoed back with byte 1 as the echo
 * buffer's size.  Byte 0 odd: byte 1 the lookup's flags (bit 0 details,
 * bits 1-4 account, user, host, port NULL), bytes 2-3 the wait, then
 * account, user, host and port separated by NUL bytes; what
 * pz_lookup_request() sends must be one the daemon takes (lookup.h: every
 * value one line, 1 to PZ_LOOKUP_VALUE_MAX - 1 bytes), or it returns 1.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/ctl.h"
#include "core/lookup.h"
#include "daemon/server/control_p.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

static void
check_msg(const char *buf, size_t len, size_t echolen)
{
	static const char *heads[] = {
		"showtoken", "showtoken_wait", "showtoken_match",
		"token_details", "refresh", "revoke", "reload", "dump",
		"restore", "shutdown", "info", "status", "status_json", "",
	};
	const char *colon = memchr(buf, ':', len), *word, *rest, *sp;
	struct pz_ctl_msg m, b;
	size_t i, wordlen, restlen, n;
	char echo[ECHO_MAX + 2];

	CHECK(pz_ctl_split(NULL, len, &m) == -1);
	if (pz_ctl_split(buf, len, &m) == -1) {
		CHECK(colon == NULL);
		return;
	}
	CHECK(colon != NULL);
	CHECK(m.head == buf && m.headlen == (size_t)(colon - buf));
	CHECK(memchr(m.head, ':', m.headlen) == NULL);
	CHECK(m.body == colon + 1);
	CHECK(m.headlen + 1 + m.bodylen == len);
	for (i = 0; i < sizeof(heads) / sizeof(heads[0]); i++)
		CHECK(pz_ctl_head_is(&m, heads[i]) ==
		    (strlen(heads[i]) == m.headlen &&
		    memcmp(heads[i], buf, m.headlen) == 0));

	/* The body's words, one after another, as "withurl ACCOUNT". */
	b = m;
	for (;;) {
		sp = memchr(b.body, ' ', b.bodylen);
		if (pz_ctl_body_word(&b, &word, &wordlen, &rest, &restlen) ==
		    -1) {
			CHECK(sp == NULL);
			break;
		}
		CHECK(sp != NULL);
		CHECK(word == b.body && wordlen == (size_t)(sp - b.body));
		CHECK(memchr(word, ' ', wordlen) == NULL);
		CHECK(rest == sp + 1 && wordlen + 1 + restlen == b.bodylen);
		CHECK(rest + restlen == buf + len);
		b.body = rest;
		b.bodylen = restlen;
	}

	/* An echo of the body: printable ASCII, bounded, the body's own
	 * bytes where they were printable. */
	memset(echo, 0x55, sizeof(echo));
	echolen = echolen % (sizeof(echo) - 1) + 1;
	echo_safe(echo, echolen, m.body, m.bodylen);
	CHECK(echo[echolen] == 0x55);
	n = strnlen(echo, echolen);
	CHECK(n < echolen && n <= ECHO_MAX && n <= m.bodylen);
	CHECK(n == (m.bodylen < ECHO_MAX ? m.bodylen : ECHO_MAX) ||
	    n == echolen - 1);
	for (i = 0; i < n; i++) {
		CHECK(echo[i] >= 0x20 && echo[i] < 0x7f);
		if ((unsigned char)m.body[i] >= 0x20 && m.body[i] != 0x7f)
			CHECK(echo[i] == m.body[i] ||
			    (unsigned char)m.body[i] >= 0x80);
		else
			CHECK(echo[i] == '?');
	}
}

/* The next NUL-separated field of *p (up to end); "" past the end. */
static char *
field(const char **p, const char *end)
{
	const char *s = *p, *z;
	size_t len;

	if (s >= end)
		return strdup("");
	z = memchr(s, '\0', (size_t)(end - s));
	len = z != NULL ? (size_t)(z - s) : (size_t)(end - s);
	*p = s + len + 1;
	return strndup(s, len);
}

/* Is the line "key=value" with a value the daemon takes?  Then *v, *vlen. */
static int
line_value(const char *line, size_t len, const char *key, const char **v,
    size_t *vlen)
{
	size_t klen = strlen(key);

	if (len <= klen || memcmp(line, key, klen) != 0 || line[klen] != '=')
		return 0;
	*v = line + klen + 1;
	*vlen = len - klen - 1;
	/* control_token.c's take_field(): 1..255 bytes, else Malformed. */
	CHECK(*vlen > 0 && *vlen < PZ_LOOKUP_VALUE_MAX);
	return 1;
}

static int
eq(const char *v, size_t vlen, const char *s)
{
	return s != NULL && strlen(s) == vlen && memcmp(v, s, vlen) == 0;
}

static void
check_request(const uint8_t *data, size_t size)
{
	struct pz_lookup q;
	struct pz_buf req = PZ_BUF_INIT, hp = PZ_BUF_INIT;
	struct pz_ctl_msg m;
	const char *p, *end, *line, *nl, *word, *rest, *v;
	char *account, *user, *host, *port, secs[16];
	size_t wordlen, restlen, len, vlen;
	unsigned flags;
	int r, got_account = 0, got_user = 0, got_host = 0;

	if (size < 3)
		return;
	flags = data[0];
	p = (const char *)data + 3;
	end = (const char *)data + size;
	account = field(&p, end);
	user = field(&p, end);
	host = field(&p, end);
	port = field(&p, end);
	if (account == NULL || user == NULL || host == NULL || port == NULL)
		goto out;
	q.account = flags & 2 ? NULL : account;
	q.user = flags & 4 ? NULL : user;
	q.host = flags & 8 ? NULL : host;
	q.port = flags & 16 ? NULL : port;
	q.wait = (unsigned)(data[1] << 8 | data[2]);
	q.details = flags & 1;

	r = pz_lookup_request(&q, &req);
	CHECK(r == 0 || r == 1);
	if (r == 1) {
		CHECK(req.len == 0);
		goto out;
	}
	CHECK(q.account != NULL || q.user != NULL || q.host != NULL);
	CHECK(req.len > 0 && memchr(req.data, '\0', req.len) == NULL);
	CHECK(pz_ctl_split(req.data, req.len, &m) == 0);
	CHECK(pz_ctl_head_is(&m, q.details ? "token_details" :
	    "showtoken_match"));
	CHECK(pz_ctl_body_word(&m, &word, &wordlen, &rest, &restlen) == 0);
	CHECK(wordlen == 7 && memcmp(word, "withurl", 7) == 0);
	snprintf(secs, sizeof(secs), "%u", q.wait);
	CHECK(restlen > strlen(secs) && memcmp(rest, secs, strlen(secs)) == 0);
	CHECK(rest[strlen(secs)] == '\n');
	/* One key=value line per name, each one the daemon takes. */
	line = rest + strlen(secs) + 1;
	end = req.data + req.len;
	for (; line < end; line = nl + 1) {
		if ((nl = memchr(line, '\n', (size_t)(end - line))) == NULL)
			nl = end;
		len = (size_t)(nl - line);
		if (line_value(line, len, "account", &v, &vlen)) {
			CHECK(q.account != NULL && eq(v, vlen, q.account));
			got_account++;
		} else if (line_value(line, len, "user", &v, &vlen)) {
			CHECK(q.account == NULL && eq(v, vlen, q.user));
			got_user++;
		} else if (line_value(line, len, "host", &v, &vlen)) {
			CHECK(q.account == NULL && q.host != NULL);
			/* host:port, unless host has a ':' of its own. */
			if (q.port != NULL && strchr(q.host, ':') == NULL) {
				CHECK(pz_buf_printf(&hp, "%s:%s", q.host,
				    q.port) == 0);
				CHECK(eq(v, vlen, pz_buf_str(&hp)));
			} else
				CHECK(eq(v, vlen, q.host));
			got_host++;
		} else
			CHECK(0);	/* a line the daemon ignores */
	}
	CHECK(got_account == (q.account != NULL));
	CHECK(got_user == (q.account == NULL && q.user != NULL));
	CHECK(got_host == (q.account == NULL && q.host != NULL));
out:
	free(account);
	free(user);
	free(host);
	free(port);
	pz_buf_clear(&hp);
	pz_buf_clear(&req);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	if (data[0] & 1)
		check_request(data + 1, size - 1);
	else
		check_msg((const char *)data + 2, size - 2, data[1]);
	return 0;
}
