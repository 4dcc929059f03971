/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The device authorization response (RFC 8628 section 3.2): what the
 * provider answers when a headless client asks to start the device flow.
 */
#ifndef PZ_DEVICE_H
#define PZ_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* RFC 8628 3.2: poll every 5 seconds unless told otherwise. */
#define PZ_DEVICE_INTERVAL_DEFAULT	5

struct pz_device_resp {
	char	*device_code;		/* secret: wiped on clear */
	char	*user_code;
	char	*verification_uri;	/* also accepted as verification_url */
	char	*verification_uri_complete;	/* NULL if not sent */
	int64_t	 expires_in;		/* seconds */
	int64_t	 interval;		/* seconds */
};

#define PZ_DEVICE_RESP_INIT	{ NULL, NULL, NULL, NULL, 0, 0 }

/* Parse a device authorization response.  Returns 0, or -1 with a message
 * for people in err (the provider's error and error_description if it sent
 * them). */
int	pz_device_parse(long http_status, const char *body, size_t len,
	    struct pz_device_resp *out, struct pz_err *err);
void	pz_device_resp_clear(struct pz_device_resp *r);

#endif
