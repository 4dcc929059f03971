/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The `pizauth dump` codec: tokens as JSON, sealed with ChaCha20-Poly1305. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/buf.h"
#include "core/dump.h"
#include "core/err.h"
#include "core/json_secret.h"
#include "core/secret.h"
#include "core/text.h"

/*
 * A sealed dump is MAGIC || nonce || ciphertext || tag, with MAGIC as the
 * AEAD's associated data.  The plaintext is
 *   {"version":1,"accounts":[{"account":..,"fingerprint":..,
 *    "access_token":..,"refresh_token":..,"obtained":N,"expiry":N}]}
 * with refresh_token left out when there is none.
 */
#define MAGIC		"PZD1"
#define MAGIC_LEN	4
#define NONCE_LEN	12
#define TAG_LEN		16
#define OVERHEAD	(MAGIC_LEN + NONCE_LEN + TAG_LEN)
#define DUMP_VERSION	1
/* Far beyond any real dump, and within EVP's int lengths. */
#define PLAIN_MAX	(64 * 1024 * 1024)
#define FPR_LEN		64

#define ERR_NOT_DUMP	"Dump is not a pizauth dump"
#define ERR_CORRUPT	"Dump is corrupted or was made by a different pizauth"

/*
 * The sealing key.  It is in every copy of the program, so this is not
 * encryption: it keeps tokens from `strings` and `grep` (on disk, in a
 * keyring, in a terminal's scrollback) and makes restore reject anything
 * that is not an intact dump from a compatible pizauth.
 */
static const unsigned char dump_key[32] = {
	0x82, 0x9b, 0x80, 0x76, 0x84, 0xe8, 0x73, 0x54,
	0x85, 0xb1, 0x79, 0x08, 0x5b, 0xcd, 0xf1, 0x52,
	0x11, 0x33, 0xab, 0xc2, 0x61, 0x12, 0x2e, 0xcb,
	0x64, 0x69, 0xbe, 0xdf, 0x34, 0xf6, 0x8e, 0x66,
};

static int
is_fingerprint(const char *s)
{
	size_t i;

	for (i = 0; i < FPR_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') ||
		    (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return s[FPR_LEN] == '\0';
}

int
pz_dump_seal(const void *plain, size_t len, struct pz_buf *out,
    struct pz_err *err)
{
	unsigned char nonce[NONCE_LEN], tag[TAG_LEN], *ct = NULL;
	EVP_CIPHER_CTX *ctx = NULL;
	size_t olen = out->len;
	int n, rv = -1;

	if (len > PLAIN_MAX)
		return pz_errf(err, "Dump is too large");
	if (RAND_bytes(nonce, sizeof(nonce)) != 1)
		return pz_errf(err, "Random number generator failed");
	if ((ct = malloc(len + 1)) == NULL) {
		pz_errf(err, "Out of memory");
		goto done;
	}
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_EncryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL, dump_key,
	    nonce) != 1 ||
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)MAGIC,
	    MAGIC_LEN) != 1 ||
	    (len > 0 && EVP_EncryptUpdate(ctx, ct, &n, plain, (int)len) != 1) ||
	    EVP_EncryptFinal_ex(ctx, ct + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN,
	    tag) != 1) {
		pz_errf(err, "Cannot seal dump: ChaCha20-Poly1305 failed");
		goto done;
	}
	if (pz_buf_append(out, MAGIC, MAGIC_LEN) == -1 ||
	    pz_buf_append(out, nonce, NONCE_LEN) == -1 ||
	    pz_buf_append(out, ct, len) == -1 ||
	    pz_buf_append(out, tag, TAG_LEN) == -1) {
		/* Leave out as it was. */
		if (out->data != NULL) {
			out->len = olen;
			out->data[olen] = '\0';
		}
		pz_errf(err, "Out of memory");
		goto done;
	}
	rv = 0;
done:
	EVP_CIPHER_CTX_free(ctx);
	free(ct);
	return rv;
}

/* Check and decrypt a sealed dump into a new buffer *plain (*plainlen
 * bytes), which the caller must wipe. */
static int
dump_open(const unsigned char *data, size_t len, unsigned char **plain,
    size_t *plainlen, struct pz_err *err)
{
	EVP_CIPHER_CTX *ctx = NULL;
	unsigned char *pt = NULL;
	size_t ctlen;
	int n;

	*plain = NULL;
	*plainlen = 0;
	if (len == 0)
		return pz_errf(err, "Dump is empty");
	/* Compare what there is, so a short prefix of a dump is "truncated". */
	if (memcmp(data, MAGIC, len < MAGIC_LEN - 1 ? len : MAGIC_LEN - 1) != 0)
		return pz_errf(err, ERR_NOT_DUMP);
	if (len >= MAGIC_LEN && data[MAGIC_LEN - 1] != MAGIC[MAGIC_LEN - 1])
		return pz_errf(err, "Dump format is not supported by this "
		    "pizauth");
	if (len < OVERHEAD)
		return pz_errf(err, "Dump is truncated");
	ctlen = len - OVERHEAD;
	if (ctlen > PLAIN_MAX)
		return pz_errf(err, "Dump is too large");
	if ((pt = malloc(ctlen + 1)) == NULL)
		return pz_errf(err, "Out of memory");
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_chacha20_poly1305(), NULL, dump_key,
	    data + MAGIC_LEN) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
	    (void *)(data + len - TAG_LEN)) != 1 ||
	    EVP_DecryptUpdate(ctx, NULL, &n, data, MAGIC_LEN) != 1 ||
	    (ctlen > 0 && EVP_DecryptUpdate(ctx, pt, &n,
	    data + MAGIC_LEN + NONCE_LEN, (int)ctlen) != 1) ||
	    EVP_DecryptFinal_ex(ctx, pt + ctlen, &n) != 1) {
		EVP_CIPHER_CTX_free(ctx);
		pz_wipe(pt, ctlen + 1);
		free(pt);
		return pz_errf(err, ERR_CORRUPT);
	}
	EVP_CIPHER_CTX_free(ctx);
	*plain = pt;
	*plainlen = ctlen;
	return 0;
}

/* One entry as a JSON object, or NULL (with err filled). */
static json_t *
entry_to_json(const struct pz_dump_entry *e, size_t i, struct pz_err *err)
{
	json_t *o;

	if (e->account == NULL || e->account[0] == '\0') {
		pz_errf(err, "Dump entry %zu has no account name", i + 1);
		return NULL;
	}
	if (memchr(e->fingerprint, '\0', sizeof(e->fingerprint)) == NULL ||
	    !is_fingerprint(e->fingerprint)) {
		pz_errf(err, "Dump entry %zu has a malformed fingerprint",
		    i + 1);
		return NULL;
	}
	if (e->access_token == NULL) {
		pz_errf(err, "Dump entry %zu has no access token", i + 1);
		return NULL;
	}
	if ((o = json_object()) == NULL ||
	    json_object_set_new(o, "account", json_string(e->account)) ||
	    json_object_set_new(o, "fingerprint",
	    json_string(e->fingerprint)) ||
	    json_object_set_new(o, "access_token",
	    json_string(e->access_token)) ||
	    (e->refresh_token != NULL && json_object_set_new(o,
	    "refresh_token", json_string(e->refresh_token))) ||
	    json_object_set_new(o, "obtained", json_integer(e->obtained)) ||
	    json_object_set_new(o, "expiry", json_integer(e->expiry))) {
		/* json_string() also fails on text that is not UTF-8. */
		pz_errf(err, "Dump entry %zu cannot be serialised (out of "
		    "memory or not UTF-8)", i + 1);
		pz_json_wipe_decref(o);
		return NULL;
	}
	return o;
}

int
pz_dump_encode(const struct pz_dump_entry *ents, size_t n,
    struct pz_buf *out, struct pz_err *err)
{
	json_t *root, *accounts, *o;
	char *text = NULL;
	size_t i, len = 0;
	int rv = -1;

	if (ents == NULL && n > 0)
		return pz_errf(err, "No dump entries");
	if ((root = json_object()) == NULL ||
	    (accounts = json_array()) == NULL ||
	    json_object_set_new(root, "version", json_integer(DUMP_VERSION)) ||
	    json_object_set_new(root, "accounts", accounts)) {
		pz_errf(err, "Out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		if ((o = entry_to_json(&ents[i], i, err)) == NULL)
			goto done;
		if (json_array_append_new(accounts, o) == -1) {
			pz_errf(err, "Out of memory");
			goto done;
		}
	}
	/* Into our own buffer, so the token-bearing text can be wiped. */
	if ((len = json_dumpb(root, NULL, 0, JSON_COMPACT)) == 0 ||
	    (text = malloc(len)) == NULL ||
	    json_dumpb(root, text, len, JSON_COMPACT) != len) {
		pz_errf(err, "Cannot serialise dump");
		goto done;
	}
	rv = pz_dump_seal(text, len, out, err);
done:
	if (text != NULL) {
		pz_wipe(text, len);
		free(text);
	}
	pz_json_wipe_decref(root);
	return rv;
}

/* A required string member; NULL (with err filled) if missing or not one. */
static const char *
get_string(const json_t *o, const char *key, size_t i, struct pz_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v)) {
		pz_errf(err, "Dump entry %zu: %s is %s", i + 1, key,
		    v == NULL ? "missing" : "not a string");
		return NULL;
	}
	return json_string_value(v);
}

static int
get_time(const json_t *o, const char *key, size_t i, int64_t *out,
    struct pz_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		return pz_errf(err, "Dump entry %zu: %s is %s", i + 1, key,
		    v == NULL ? "missing" : "not an integer");
	*out = json_integer_value(v);
	return 0;
}

static int
entry_from_json(const json_t *o, size_t i, struct pz_dump_entry *e,
    struct pz_err *err)
{
	const char *account, *fpr, *at, *rt = NULL;
	json_t *jrt;

	if (!json_is_object(o))
		return pz_errf(err, "Dump entry %zu is not an object", i + 1);
	if ((account = get_string(o, "account", i, err)) == NULL ||
	    (fpr = get_string(o, "fingerprint", i, err)) == NULL ||
	    (at = get_string(o, "access_token", i, err)) == NULL)
		return -1;
	if ((jrt = json_object_get(o, "refresh_token")) != NULL &&
	    (rt = get_string(o, "refresh_token", i, err)) == NULL)
		return -1;
	if (get_time(o, "obtained", i, &e->obtained, err) == -1 ||
	    get_time(o, "expiry", i, &e->expiry, err) == -1)
		return -1;
	if (account[0] == '\0')
		return pz_errf(err, "Dump entry %zu: account is empty", i + 1);
	/* Tokens are held to what a provider's answer must be: restored, they
	 * go onto the same one-line interfaces.  (jansson refuses \u0000
	 * without JSON_ALLOW_NUL, so strlen() is the whole string.) */
	if (!pz_text_is_vschar(at, strlen(at)))
		return pz_errf(err, "Dump entry %zu: access_token is malformed",
		    i + 1);
	if (rt != NULL && !pz_text_is_vschar(rt, strlen(rt)))
		return pz_errf(err, "Dump entry %zu: refresh_token is "
		    "malformed", i + 1);
	if (!is_fingerprint(fpr))
		return pz_errf(err, "Dump entry %zu: fingerprint is malformed",
		    i + 1);
	memcpy(e->fingerprint, fpr, FPR_LEN + 1);
	if ((e->account = strdup(account)) == NULL ||
	    (e->access_token = strdup(at)) == NULL ||
	    (rt != NULL && (e->refresh_token = strdup(rt)) == NULL))
		return pz_errf(err, "Out of memory");
	return 0;
}

int
pz_dump_decode(const void *data, size_t len, struct pz_dump_entry **ents,
    size_t *n, struct pz_err *err)
{
	struct pz_dump_entry *es = NULL;
	unsigned char *plain;
	json_error_t jerr;
	json_t *root, *version, *accounts;
	size_t plainlen, count = 0, i, j;
	int rv = -1;

	*ents = NULL;
	*n = 0;
	if (data == NULL)
		len = 0;
	if (dump_open(data, len, &plain, &plainlen, err) == -1)
		return -1;
	root = json_loadb((const char *)plain, plainlen, JSON_REJECT_DUPLICATES,
	    &jerr);
	/* Both hold tokens: the text, and jansson's quote of it. */
	pz_wipe(plain, plainlen);
	free(plain);
	pz_wipe(&jerr, sizeof(jerr));

	/* The tag was good, so these mean a pizauth that wrote JSON we do
	 * not understand. */
	if (!json_is_object(root)) {
		pz_errf(err, "Dump contents are malformed");
		goto done;
	}
	version = json_object_get(root, "version");
	if (!json_is_integer(version)) {
		pz_errf(err, "Dump contents are malformed (no version)");
		goto done;
	}
	if (json_integer_value(version) != DUMP_VERSION) {
		pz_errf(err, "Dump version %" JSON_INTEGER_FORMAT " is not "
		    "supported by this pizauth", json_integer_value(version));
		goto done;
	}
	accounts = json_object_get(root, "accounts");
	if (!json_is_array(accounts)) {
		pz_errf(err, "Dump contents are malformed (no accounts)");
		goto done;
	}
	count = json_array_size(accounts);
	if (count > 0 && (es = calloc(count, sizeof(*es))) == NULL) {
		pz_errf(err, "Out of memory");
		goto done;
	}
	for (i = 0; i < count; i++) {
		if (entry_from_json(json_array_get(accounts, i), i, &es[i],
		    err) == -1)
			goto done;
		for (j = 0; j < i; j++)
			if (strcmp(es[j].account, es[i].account) == 0) {
				pz_errf(err, "Dump entry %zu: account '%.64s' "
				    "appears more than once", i + 1,
				    es[i].account);
				goto done;
			}
	}
	*ents = es;
	*n = count;
	es = NULL;
	rv = 0;
done:
	pz_dump_entries_free(es, count);
	pz_json_wipe_decref(root);
	return rv;
}

void
pz_dump_entries_free(struct pz_dump_entry *ents, size_t n)
{
	size_t i;

	if (ents == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(ents[i].account);
		pz_secret_free(ents[i].access_token);
		pz_secret_free(ents[i].refresh_token);
	}
	pz_wipe(ents, n * sizeof(*ents));
	free(ents);
}
