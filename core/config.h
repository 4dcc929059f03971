/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauth.conf: lexing, parsing and validation, with pizauth 1.1.0's grammar
 * and error messages ("Line L, column C:\n  <source line>\n<message>").
 * A loaded config is immutable; reload builds a new one and compares
 * accounts with pz_account_secure_eq() to decide which tokens survive.
 */
#ifndef PZ_CONFIG_H
#define PZ_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Defaults, in seconds, from pizauth.conf(5). */
#define PZ_AUTH_NOTIFY_INTERVAL_DEFAULT	(15 * 60)
#define PZ_REFRESH_AT_LEAST_DEFAULT	(90 * 60)
#define PZ_REFRESH_BEFORE_EXPIRY_DEFAULT 90
#define PZ_REFRESH_RETRY_DEFAULT	40

/* Sentinel for an account time not set, so the global one applies. */
#define PZ_TIME_UNSET			UINT64_MAX

struct pz_kv {
	char	*key;
	char	*val;
};

/* How an account is authorised. */
enum pz_flow {
	PZ_FLOW_CODE,		/* authorization code + PKCE, in a browser */
	PZ_FLOW_DEVICE,		/* RFC 8628 device flow */
};

struct pz_account {
	char		*name;
	char		*auth_uri;		/* NULL with the device flow or
						   an issuer */
	struct pz_kv	*auth_uri_fields;	/* in file order */
	size_t		 nauth_uri_fields;
	char		*client_id;
	char		*client_secret;		/* NULL if absent */
	char		*redirect_uri;		/* default "http://localhost/" */
	char		**scopes;
	size_t		 nscopes;
	char		*token_uri;		/* NULL only with an issuer */
	uint64_t	 refresh_at_least;	/* seconds or PZ_TIME_UNSET */
	uint64_t	 refresh_before_expiry;
	uint64_t	 refresh_retry;

	/* Extensions (new optional keys; a pizauth 1.1.0 file never sets them). */
	char		*device_auth_uri;	/* RFC 8628; NULL if absent */
	char		*issuer;		/* discovery; NULL if absent */
	enum pz_flow	 flow;			/* device with device_auth_uri
						   or flow = "device" */
	char		*revoke_uri;		/* RFC 7009; NULL if absent */
	char		**users;		/* identities this account serves */
	size_t		 nusers;
	char		**hosts;		/* servers its token may go to */
	size_t		 nhosts;
};

struct pz_config {
	char		*auth_notify_cmd;	/* NULL if absent, likewise below */
	uint64_t	 auth_notify_interval;	/* seconds, default applied */
	char		*error_notify_cmd;
	char		*http_listen;		/* NULL means `none` */
	char		*https_listen;		/* NULL means `none` */
	char		*startup_cmd;
	char		*token_event_cmd;
	char		*transient_error_if_cmd;
	uint64_t	 refresh_at_least;	/* global values, defaults applied */
	uint64_t	 refresh_before_expiry;
	uint64_t	 refresh_retry;

	struct pz_account *accounts;		/* in file order */
	size_t		 naccounts;
};

/* Parse text (len bytes, need not be NUL-terminated).  On error returns
 * NULL and fills err with every problem found, joined by newlines. */
struct pz_config *pz_config_parse(const char *text, size_t len,
		    struct pz_err *err);
/* Read and parse a file; a read failure is reported like pizauth does. */
struct pz_config *pz_config_load(const char *path, struct pz_err *err);
void		 pz_config_free(struct pz_config *conf);

/* The account called name, or NULL. */
const struct pz_account *pz_config_account(const struct pz_config *conf,
		    const char *name);

/* Effective per-account times: the account's own value, else the global. */
uint64_t	 pz_account_refresh_at_least(const struct pz_config *conf,
		    const struct pz_account *act);
uint64_t	 pz_account_refresh_before_expiry(const struct pz_config *conf,
		    const struct pz_account *act);
uint64_t	 pz_account_refresh_retry(const struct pz_config *conf,
		    const struct pz_account *act);

/* Do a and b agree on every setting that decides where tokens come from
 * and go to (auth_uri, auth_uri_fields, client_id, client_secret,
 * redirect_uri, scopes, token_uri, and the extensions' endpoints, issuer
 * and flow)?  A token
 * obtained under one is only kept under the other if so. */
int		 pz_account_secure_eq(const struct pz_account *a,
		    const struct pz_account *b);

/* A hex SHA-256 over the same settings pz_account_secure_eq() compares, so a
 * dump can carry "which config produced this token" without the secret.
 * out must hold 65 bytes.  Returns 0 or -1. */
int		 pz_account_fingerprint(const struct pz_account *act,
		    char out[65]);

#endif
