/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * A strict URI checker and splitter (RFC 3986 syntax, absolute URIs only)
 * for endpoint and redirect URIs.  It rejects what a browser would quietly
 * repair (spaces, bad percent-escapes, odd IPv4 forms), so that what is
 * checked is exactly what gets sent.  The error texts for the cases
 * pizauth's URL parser also rejects are that parser's.
 */
#ifndef PZ_URI_H
#define PZ_URI_H

#include "core/err.h"

struct pz_uri {
	char	*scheme;	/* lower-cased */
	char	*userinfo;	/* NULL if absent */
	char	*host;		/* lower-cased, IPv6 without brackets; NULL if
				 * there is no authority ("mailto:x") */
	char	*port;		/* digits; NULL if absent or empty */
	char	*path;		/* "" if empty */
	char	*query;		/* without '?'; NULL if absent */
	char	*fragment;	/* without '#'; NULL if absent */
	int	 port_num;	/* the port, or -1 if absent */
	int	 ipv6;		/* host was a bracketed IPv6 address */
	char	*buf_;		/* storage behind the pointers above */
};

#define PZ_URI_INIT	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, 0, \
			  NULL }

/* Split s into u.  Returns 0, or -1 with the reason in err (and u clear). */
int	pz_uri_parse(const char *s, struct pz_uri *u, struct pz_err *err);
void	pz_uri_clear(struct pz_uri *u);
/* The port of u's scheme (80 for http, 443 for https), else -1. */
int	pz_uri_default_port(const struct pz_uri *u);
/* The port u names, else its scheme's, else -1. */
int	pz_uri_effective_port(const struct pz_uri *u);

#endif
