/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Questions asked of a loaded config: accounts, their effective times,
 * and whether two accounts agree on everything security-relevant. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "core/config.h"
#include "core/secret.h"

const struct pz_account *
pz_config_account(const struct pz_config *conf, const char *name)
{
	size_t i;

	if (conf == NULL || name == NULL)
		return NULL;
	for (i = 0; i < conf->naccounts; i++)
		if (strcmp(conf->accounts[i].name, name) == 0)
			return &conf->accounts[i];
	return NULL;
}

uint64_t
pz_account_refresh_at_least(const struct pz_config *conf,
    const struct pz_account *act)
{
	return act->refresh_at_least != PZ_TIME_UNSET ?
	    act->refresh_at_least : conf->refresh_at_least;
}

uint64_t
pz_account_refresh_before_expiry(const struct pz_config *conf,
    const struct pz_account *act)
{
	return act->refresh_before_expiry != PZ_TIME_UNSET ?
	    act->refresh_before_expiry : conf->refresh_before_expiry;
}

uint64_t
pz_account_refresh_retry(const struct pz_config *conf,
    const struct pz_account *act)
{
	return act->refresh_retry != PZ_TIME_UNSET ?
	    act->refresh_retry : conf->refresh_retry;
}

static int
str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static int
strv_eq(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

int
pz_account_secure_eq(const struct pz_account *a, const struct pz_account *b)
{
	size_t i;

	/* If in doubt, compare more: a token kept wrongly may go astray. */
	if (!str_eq(a->auth_uri, b->auth_uri) ||
	    a->nauth_uri_fields != b->nauth_uri_fields ||
	    !str_eq(a->client_id, b->client_id) ||
	    !str_eq(a->redirect_uri, b->redirect_uri) ||
	    !strv_eq(a->scopes, a->nscopes, b->scopes, b->nscopes) ||
	    !str_eq(a->token_uri, b->token_uri) ||
	    !str_eq(a->device_auth_uri, b->device_auth_uri) ||
	    !str_eq(a->revoke_uri, b->revoke_uri) ||
	    !str_eq(a->issuer, b->issuer) || a->flow != b->flow)
		return 0;
	for (i = 0; i < a->nauth_uri_fields; i++)
		if (strcmp(a->auth_uri_fields[i].key,
		    b->auth_uri_fields[i].key) != 0 ||
		    strcmp(a->auth_uri_fields[i].val,
		    b->auth_uri_fields[i].val) != 0)
			return 0;
	if (a->client_secret == NULL || b->client_secret == NULL)
		return a->client_secret == b->client_secret;
	return pz_secret_eq(a->client_secret, b->client_secret);
}

/* Feed one field to the digest: presence, length, bytes, so that no two
 * different accounts serialise alike. */
static int
fp_str(EVP_MD_CTX *md, const char *s)
{
	unsigned char hdr[9];
	uint64_t n = s != NULL ? strlen(s) : 0;
	int i;

	hdr[0] = s != NULL;
	for (i = 0; i < 8; i++)
		hdr[1 + i] = (unsigned char)(n >> (56 - 8 * i));
	if (EVP_DigestUpdate(md, hdr, sizeof(hdr)) != 1)
		return -1;
	if (n > 0 && EVP_DigestUpdate(md, s, (size_t)n) != 1)
		return -1;
	return 0;
}

static int
fp_count(EVP_MD_CTX *md, size_t n)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%zu", n);
	return fp_str(md, buf);
}

int
pz_account_fingerprint(const struct pz_account *act, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	EVP_MD_CTX *md;
	size_t i;
	int rc = -1;

	if ((md = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    fp_str(md, "pizauth-account-fingerprint-v1") == -1 ||
	    fp_str(md, act->auth_uri) == -1 ||
	    fp_count(md, act->nauth_uri_fields) == -1)
		goto out;
	for (i = 0; i < act->nauth_uri_fields; i++)
		if (fp_str(md, act->auth_uri_fields[i].key) == -1 ||
		    fp_str(md, act->auth_uri_fields[i].val) == -1)
			goto out;
	if (fp_str(md, act->client_id) == -1 ||
	    fp_str(md, act->client_secret) == -1 ||
	    fp_str(md, act->redirect_uri) == -1 ||
	    fp_count(md, act->nscopes) == -1)
		goto out;
	for (i = 0; i < act->nscopes; i++)
		if (fp_str(md, act->scopes[i]) == -1)
			goto out;
	if (fp_str(md, act->token_uri) == -1 ||
	    fp_str(md, act->device_auth_uri) == -1 ||
	    fp_str(md, act->revoke_uri) == -1)
		goto out;
	/* The issuer, not the endpoints it publishes, decides where tokens
	 * come from; fed only when set, so that accounts without one keep
	 * the fingerprints their dumps carry.  Without an issuer the flow
	 * follows from device_auth_uri, fed above. */
	if (act->issuer != NULL && (fp_str(md, "issuer") == -1 ||
	    fp_str(md, act->issuer) == -1 ||
	    fp_count(md, (size_t)act->flow) == -1))
		goto out;
	if (EVP_DigestFinal_ex(md, d, &dlen) != 1 || dlen != 32)
		goto out;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 0xf];
	}
	out[64] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	pz_wipe(d, sizeof(d));
	return rc;
}
