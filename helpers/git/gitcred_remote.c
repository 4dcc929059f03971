/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Which remotes get a token. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <string.h>
#include <strings.h>

#include "helpers/git/gitcred_remote.h"

/* The longest host name (253) and then some, for an address to parse. */
#define HOST_MAX	256

/* Is port ("" or digits) what a URL may carry after a ':'? */
static int
port_ok(const char *port)
{
	size_t n = strspn(port, "0123456789");

	return port[n] == '\0' && n <= 5;
}

int
gitcred_remote_loopback(const char *host)
{
	char name[HOST_MAX];
	const char *end, *colon;
	struct in6_addr a6;
	struct in_addr a4;
	size_t len;

	if (host[0] == '[') {
		if ((end = strchr(host, ']')) == NULL ||
		    (end[1] != '\0' && (end[1] != ':' || !port_ok(end + 2))))
			return 0;
		len = (size_t)(end - host - 1);
		if (len >= sizeof(name))
			return 0;
		memcpy(name, host + 1, len);
		name[len] = '\0';
		return inet_pton(AF_INET6, name, &a6) == 1 &&
		    IN6_IS_ADDR_LOOPBACK(&a6);
	}
	if ((colon = strchr(host, ':')) != NULL && !port_ok(colon + 1))
		return 0;
	len = colon != NULL ? (size_t)(colon - host) : strlen(host);
	if (len >= sizeof(name))
		return 0;
	memcpy(name, host, len);
	name[len] = '\0';
	if (strcasecmp(name, "localhost") == 0 ||
	    strcasecmp(name, "localhost.") == 0)
		return 1;
	/* inet_pton() takes dotted decimal only: no "127.1", no octal. */
	return inet_pton(AF_INET, name, &a4) == 1 &&
	    (ntohl(a4.s_addr) >> 24) == 127;
}

int
gitcred_remote_served(const struct gitcred *c)
{
	if (c->protocol == NULL || c->host == NULL || c->host[0] == '\0')
		return 0;
	if (strcasecmp(c->protocol, "https") == 0)
		return 1;
	return strcasecmp(c->protocol, "http") == 0 &&
	    gitcred_remote_loopback(c->host);
}
