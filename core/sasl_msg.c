/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* XOAUTH2 and OAUTHBEARER initial client responses. */
#include <string.h>

#include "core/sasl_msg.h"

static int
has_ctrl_a(const char *s)
{
	return s != NULL && strchr(s, '\001') != NULL;
}

/* A SASL saslname (RFC 5801 section 4): ',' and '=' escaped. */
static int
saslname(struct pz_buf *b, const char *name)
{
	const char *p;
	int r = 0;

	for (p = name; *p != '\0' && r == 0; p++)
		if (*p == ',')
			r = pz_buf_puts(b, "=2C");
		else if (*p == '=')
			r = pz_buf_puts(b, "=3D");
		else
			r = pz_buf_append(b, p, 1);
	return r;
}

int
pz_sasl_xoauth2(const char *user, const char *token, struct pz_buf *out)
{
	if (user == NULL || has_ctrl_a(user) || has_ctrl_a(token))
		return -1;
	return pz_buf_printf(out, "user=%s\001auth=Bearer %s\001\001", user,
	    token);
}

int
pz_sasl_oauthbearer(const char *authzid, const char *host, const char *port,
    const char *token, struct pz_buf *out)
{
	int r;

	if (has_ctrl_a(authzid) || has_ctrl_a(host) || has_ctrl_a(port) ||
	    has_ctrl_a(token))
		return -1;
	r = pz_buf_puts(out, "n,");
	if (r == 0 && authzid != NULL && *authzid != '\0')
		r = pz_buf_puts(out, "a=") == -1 ||
		    saslname(out, authzid) == -1 ? -1 : 0;
	if (r == 0)
		r = pz_buf_puts(out, ",\001");
	if (r == 0 && host != NULL)
		r = pz_buf_printf(out, "host=%s\001", host);
	if (r == 0 && port != NULL)
		r = pz_buf_printf(out, "port=%s\001", port);
	if (r == 0)
		r = pz_buf_printf(out, "auth=Bearer %s\001\001", token);
	return r;
}
