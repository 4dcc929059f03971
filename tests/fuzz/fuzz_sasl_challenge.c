/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * libFuzzer entry point for the SASL plugin's wire formats
 * (plugins/sasl/pzsasl_wire.c, pzsasl_token.c).  Byte 0 % 3 says what the
 * rest is:
 *
 *   0  a server's error challenge for pzsasl_wire_server_error(): byte 1
 *      the size of the message buffer (0: the plugin's 512), then the
 *      challenge.  The message is printable ASCII only, NUL-terminated
 *      within the buffer, bounded, and says the server refused.
 *   1  names for pzsasl_wire_response(): byte 1 the mechanism (bit 0:
 *      OAUTHBEARER) and which names are NULL (bits 1-4: authzid, user,
 *      host, port), then authzid, user, host, port and token separated by
 *      NUL bytes (missing ones empty).  A name with a ^A is refused, and
 *      nothing else is; what is written is the exact XOAUTH2 message, or
 *      an RFC 7628 one (gs2 header with the authzid as a saslname, then
 *      key=value pairs ending in ^A^A) that reads back as the names.
 *   2  the daemon's reply for pzsasl_token_reply(): a token only when it
 *      is a printable line; else a reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/secret.h"
#include "plugins/sasl/pzsasl.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)	do { if (!(c)) __builtin_trap(); } while (0)

/* The longest message: the fixed words and the three fields' buffers. */
#define MSG_BOUND	512

static void
check_server_error(const uint8_t *data, size_t size)
{
	static const char head[] = "pizauth: the server refused the token";
	size_t msglen, i, n;
	char *msg;

	if (size < 1)
		return;
	msglen = data[0] != 0 ? data[0] : 512;
	data++;
	size--;
	/* Exactly msglen bytes, plus a guard the function must not touch. */
	if ((msg = malloc(msglen + 1)) == NULL)
		return;
	memset(msg, 0x55, msglen + 1);
	pzsasl_wire_server_error(size > 0 ? (const char *)data : NULL,
	    (unsigned)size, msg, msglen);
	CHECK(msg[msglen] == 0x55);
	n = strnlen(msg, msglen);
	CHECK(n < msglen);
	CHECK(n < MSG_BOUND);
	for (i = 0; i < n; i++)
		CHECK(msg[i] >= 0x20 && msg[i] < 0x7f);
	/* What it is, as far as the buffer goes. */
	CHECK(strncmp(msg, head, n < sizeof(head) - 1 ? n :
	    sizeof(head) - 1) == 0);
	/* The plugin's own buffer holds the whole of any message. */
	if (msglen == 512)
		CHECK(n > sizeof(head) - 1 && n < 511);
	free(msg);
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

static int
has_a(const char *s)
{
	return s != NULL && strchr(s, '\001') != NULL;
}

/* Does b hold s at *off?  Moves past it. */
static int
take(const struct pz_buf *b, size_t *off, const char *s)
{
	size_t n = strlen(s);

	if (b->len - *off < n || memcmp(b->data + *off, s, n) != 0)
		return 0;
	*off += n;
	return 1;
}

/* A saslname (RFC 5801: ',' and '=' as =2C and =3D) at *off up to the
 * next ',', decoded into out. */
static int
take_saslname(const struct pz_buf *b, size_t *off, struct pz_buf *out)
{
	size_t i = *off;

	while (i < b->len && b->data[i] != ',') {
		if (b->data[i] == '\001' || b->data[i] == '\0')
			return 0;
		if (b->data[i] == '=') {
			if (b->len - i >= 3 && memcmp(b->data + i, "=2C", 3) ==
			    0)
				CHECK(pz_buf_append(out, ",", 1) == 0);
			else if (b->len - i >= 3 &&
			    memcmp(b->data + i, "=3D", 3) == 0)
				CHECK(pz_buf_append(out, "=", 1) == 0);
			else
				return 0;
			i += 3;
		} else
			CHECK(pz_buf_append(out, b->data + i++, 1) == 0);
	}
	if (i == *off)
		return 0;	/* 1*(...) */
	*off = i;
	return 1;
}

/* A key=value pair ending in ^A: key ALPHA only, value as given. */
static int
take_kv(const struct pz_buf *b, size_t *off, const char *key,
    const char *value)
{
	return take(b, off, key) && take(b, off, "=") && take(b, off, value) &&
	    take(b, off, "\001");
}

static void
check_response(const uint8_t *data, size_t size)
{
	struct pzsasl_query q;
	struct pz_buf out = PZ_BUF_INIT, name = PZ_BUF_INIT;
	const char *p, *end, *a;
	char *authzid, *user, *host, *port, *token, *bearer;
	enum pzsasl_mech mech;
	unsigned flags;
	size_t off = 0;
	int r, refuse;

	if (size < 1)
		return;
	flags = data[0];
	mech = flags & 1 ? PZSASL_OAUTHBEARER : PZSASL_XOAUTH2;
	p = (const char *)data + 1;
	end = (const char *)data + size;
	authzid = field(&p, end);
	user = field(&p, end);
	host = field(&p, end);
	port = field(&p, end);
	token = field(&p, end);
	bearer = NULL;
	if (authzid == NULL || user == NULL || host == NULL || port == NULL ||
	    token == NULL)
		goto out;
	q.user = flags & 4 ? NULL : user;
	q.host = flags & 8 ? NULL : host;
	q.port = flags & 16 ? NULL : port;
	a = flags & 2 ? NULL : authzid;

	r = pzsasl_wire_response(mech, a, &q, token, &out);
	CHECK(r == 0 || r == -1);
	if (mech == PZSASL_XOAUTH2) {
		refuse = q.user == NULL || has_a(q.user) || has_a(token);
		CHECK(r == (refuse ? -1 : 0));
		if (r == -1)
			goto out;
		CHECK(take(&out, &off, "user=") && take(&out, &off, q.user) &&
		    take(&out, &off, "\001auth=Bearer ") &&
		    take(&out, &off, token) && take(&out, &off, "\001\001"));
		CHECK(off == out.len);
		goto out;
	}
	/* OAUTHBEARER: a= is the authzid, or else the user. */
	if (a == NULL || *a == '\0')
		a = q.user;
	refuse = has_a(a) || has_a(q.host) || has_a(q.port) || has_a(token);
	CHECK(r == (refuse ? -1 : 0));
	if (r == -1)
		goto out;
	CHECK(take(&out, &off, "n,"));
	if (a != NULL && *a != '\0') {
		CHECK(take(&out, &off, "a="));
		CHECK(take_saslname(&out, &off, &name));
		CHECK(name.len == strlen(a) && memcmp(name.data, a, name.len) ==
		    0);
	}
	CHECK(take(&out, &off, ",\001"));
	if (q.host != NULL)
		CHECK(take_kv(&out, &off, "host", q.host));
	if (q.port != NULL)
		CHECK(take_kv(&out, &off, "port", q.port));
	if ((bearer = malloc(strlen(token) + 8)) == NULL)
		goto out;
	strcpy(bearer, "Bearer ");
	strcat(bearer, token);
	CHECK(take_kv(&out, &off, "auth", bearer));
	CHECK(take(&out, &off, "\001"));
	CHECK(off == out.len);
out:
	free(bearer);
	free(authzid);
	free(user);
	free(host);
	free(port);
	pz_secret_free(token);
	pz_buf_clear(&name);
	pz_buf_clear(&out);
}

static void
check_token_reply(const uint8_t *data, size_t size)
{
	enum pzsasl_source src;
	struct pz_err err;
	char *token = (char *)"not set";
	size_t i;

	err.msg[0] = '\0';
	src = pzsasl_token_reply((const char *)data, size, &token, &err);
	CHECK(src >= PZSASL_TOKEN && src <= PZSASL_FAILED);
	if (src == PZSASL_TOKEN) {
		CHECK(token != NULL && token[0] != '\0');
		for (i = 0; token[i] != '\0'; i++)
			CHECK((unsigned char)token[i] >= 0x20 &&
			    token[i] != 0x7f);
		pz_secret_free(token);
	} else {
		CHECK(token == NULL);
		CHECK(err.msg[0] != '\0');
		CHECK(strnlen(err.msg, sizeof(err.msg)) < sizeof(err.msg));
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check_server_error(data + 1, size - 1);
		break;
	case 1:
		check_response(data + 1, size - 1);
		break;
	default:
		check_token_reply(data + 1, size - 1);
		break;
	}
	return 0;
}
