/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The line pizauth-passwordeval prints: a token or a SASL initial response. */
#include <string.h>

#include "core/b64.h"
#include "core/secret.h"
#include "core/sasl_msg.h"
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
	if (fmt == PWEVAL_FMT_XOAUTH2 && q->user == NULL)
		return pz_errf(err, "-f xoauth2 needs the user (-u)");
	if (fmt == PWEVAL_FMT_XOAUTH2)
		r = pz_sasl_xoauth2(q->user, token, &raw);
	else
		r = pz_sasl_oauthbearer(q->user, q->host, q->port, token, &raw);
	if (r == -1 && ((q->user != NULL && strchr(q->user, '\001')) ||
	    (q->host != NULL && strchr(q->host, '\001')))) {
		pz_buf_clear(&raw);
		return pz_errf(err, "A user or host with a ^A cannot be sent");
	}
	if (r == 0)
		r = pz_b64_encode(raw.data, raw.len, out);
	pz_buf_clear(&raw);
	return r == -1 ? pz_errf(err, "Out of memory") : 0;
}
