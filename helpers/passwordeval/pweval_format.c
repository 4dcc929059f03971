/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The line pizauth-passwordeval prints: a token or a SASL initial response. */
#include <string.h>

#include "core/b64.h"
#include "core/secret.h"
#include "helpers/passwordeval/pweval.h"

static const struct {
	const char		*name;
	enum pweval_format	 fmt;
} formats[] = {
	{ "oauthbearer", PWEVAL_FMT_OAUTHBEARER },
	{ "token", PWEVAL_FMT_TOKEN },
	{ "xoauth2", PWEVAL_FMT_XOAUTH2 },
};

int
pweval_format_parse(const char *s, enum pweval_format *fmt)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (strcmp(s, formats[i].name) == 0) {
			*fmt = formats[i].fmt;
			return 0;
		}
	return -1;
}

/* A SASL saslname (RFC 5801 section 4): ',' and '=' escaped. */
static int
saslname(struct pz_buf *b, const char *user)
{
	const char *p;
	int r = 0;

	for (p = user; *p != '\0' && r == 0; p++)
		if (*p == ',')
			r = pz_buf_puts(b, "=2C");
		else if (*p == '=')
			r = pz_buf_puts(b, "=3D");
		else
			r = pz_buf_append(b, p, 1);
	return r;
}

/* A value the \x01-separated formats cannot carry. */
static int
unsendable(const char *s)
{
	return s != NULL && strchr(s, '\001') != NULL;
}

int
pweval_format(enum pweval_format fmt, const struct pweval_query *q,
    const char *token, struct pz_buf *out, struct pz_err *err)
{
	struct pz_buf raw = PZ_BUF_INIT;
	int r;

	if (fmt == PWEVAL_FMT_TOKEN) {
		if (pz_buf_puts(out, token) == -1)
			return pz_errf(err, "Out of memory");
		return 0;
	}
	if (unsendable(q->user) || unsendable(q->host))
		return pz_errf(err, "A user or host with a ^A cannot be sent");
	if (fmt == PWEVAL_FMT_XOAUTH2) {
		if (q->user == NULL)
			return pz_errf(err, "-f xoauth2 needs the user (-u)");
		r = pz_buf_printf(&raw, "user=%s\001auth=Bearer %s\001\001",
		    q->user, token);
	} else {
		/* RFC 7628 section 3.1: GS2 header, then key=value pairs. */
		r = pz_buf_puts(&raw, "n,");
		if (r == 0 && q->user != NULL)
			r = pz_buf_puts(&raw, "a=") == -1 ||
			    saslname(&raw, q->user) == -1 ? -1 : 0;
		if (r == 0)
			r = pz_buf_puts(&raw, ",\001");
		if (r == 0 && q->host != NULL)
			r = pz_buf_printf(&raw, "host=%s\001", q->host);
		if (r == 0 && q->port != NULL)
			r = pz_buf_printf(&raw, "port=%s\001", q->port);
		if (r == 0)
			r = pz_buf_printf(&raw, "auth=Bearer %s\001\001", token);
	}
	if (r == 0)
		r = pz_b64_encode(raw.data, raw.len, out);
	pz_buf_clear(&raw);
	return r == -1 ? pz_errf(err, "Out of memory") : 0;
}
