/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* What XOAUTH2 and OAUTHBEARER send, and what a refusing server says. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "core/sasl_msg.h"
#include "plugins/sasl/pzsasl.h"

int
pzsasl_wire_response(enum pzsasl_mech mech, const char *authzid,
    const struct pzsasl_query *q, const char *token, struct pz_buf *out)
{
	if (mech == PZSASL_XOAUTH2)
		return pz_sasl_xoauth2(q->user, token, out);
	/* Always a=, as RFC 7628 servers such as dovecot expect. */
	return pz_sasl_oauthbearer(authzid != NULL && *authzid != '\0' ?
	    authzid : q->user, q->host, q->port, token, out);
}

/* Copy s into dst (dstlen bytes) keeping printable ASCII only. */
static void
printable(char *dst, size_t dstlen, const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < dstlen; i++)
		dst[n++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	dst[n] = '\0';
}

void
pzsasl_wire_server_error(const char *in, unsigned len, char *msg,
    size_t msglen)
{
	char status[64], scope[256], schemes[64];
	const char *s;
	json_t *j;

	status[0] = scope[0] = schemes[0] = '\0';
	j = json_loadb(in, len, 0, NULL);
	if (j == NULL || !json_is_object(j)) {
		json_decref(j);
		printable(scope, sizeof(scope), in, len > 200 ? 200 : len);
		snprintf(msg, msglen, "pizauth: the server refused the "
		    "token: %s", scope);
		return;
	}
	if ((s = json_string_value(json_object_get(j, "status"))) != NULL)
		printable(status, sizeof(status), s, strlen(s));
	if ((s = json_string_value(json_object_get(j, "scope"))) != NULL)
		printable(scope, sizeof(scope), s, strlen(s));
	if ((s = json_string_value(json_object_get(j, "schemes"))) != NULL)
		printable(schemes, sizeof(schemes), s, strlen(s));
	json_decref(j);
	snprintf(msg, msglen, "pizauth: the server refused the token "
	    "(status %s%s%s%s%s)", *status ? status : "unknown",
	    *scope ? ", scope " : "", scope, *schemes ? ", schemes " : "",
	    schemes);
}
