/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Provider discovery: an account's issuer gives the well-known URLs of
 * OpenID Connect Discovery 1.0 and RFC 8414, and the metadata document
 * found there gives the endpoints.  No I/O: the daemon fetches, this
 * module builds the URLs and judges the document.
 */
#ifndef PZ_DISCOVERY_H
#define PZ_DISCOVERY_H

#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"

/* A larger document is refused (Google's and Microsoft's are under 3 KiB). */
#define PZ_METADATA_MAX		(64 * 1024)

/* What a metadata document says; NULL for an absent member. */
struct pz_metadata {
	char	*issuer;			/* as the document names it */
	char	*authorization_endpoint;
	char	*token_endpoint;
	char	*device_authorization_endpoint;
	char	*revocation_endpoint;
};

#define PZ_METADATA_INIT	{ NULL, NULL, NULL, NULL, NULL }

/*
 * The OpenID Connect Discovery URL (ISSUER/.well-known/openid-configuration)
 * into oidc and the RFC 8414 one (https://HOST/.well-known/
 * oauth-authorization-server/PATH) into oauth; either may be NULL, and both
 * are emptied first.  The issuer must be an https URL (http only for a
 * loopback host) without user information, query or fragment.  Returns 0,
 * or -1 with the reason in err and both buffers empty.
 */
int	pz_discovery_urls(const char *issuer, struct pz_buf *oidc,
	    struct pz_buf *oauth, struct pz_err *err);
/*
 * Parse a metadata document fetched for the configured issuer: a JSON
 * object whose issuer is exactly that one (Microsoft's multi-tenant
 * placeholders excepted) and whose endpoints, where present, are https
 * URLs (http only for a loopback host) without fragments.  md is output
 * only.  Returns 0, or -1 with the reason in err and md clear.
 */
int	pz_metadata_parse(const char *body, size_t len, const char *issuer,
	    struct pz_metadata *md, struct pz_err *err);
/* Does md have token_endpoint, and authorization_endpoint if need_auth
 * (code flow) and device_authorization_endpoint if need_device (device
 * flow)?  Returns 0, or -1 naming what is missing. */
int	pz_metadata_require(const struct pz_metadata *md, int need_auth,
	    int need_device, struct pz_err *err);
/* Free md's strings and reset it.  Clearing twice is a no-op. */
void	pz_metadata_clear(struct pz_metadata *md);

#endif
