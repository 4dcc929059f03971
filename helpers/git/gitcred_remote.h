/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Which remotes get a token: https ones, and http ones on this machine
 * (localhost, 127.0.0.0/8, [::1]), where nothing crosses a network in
 * the clear.  Anything else gets nothing, so git moves on to its next
 * helper or asks the user.
 */
#ifndef GITCRED_REMOTE_H
#define GITCRED_REMOTE_H

#include "helpers/git/gitcred.h"

/* Does c describe a remote this helper may hand a token to? */
int	gitcred_remote_served(const struct gitcred *c);
/* Is host, as git sends it (maybe with ":port"), a loopback one? */
int	gitcred_remote_loopback(const char *host);

#endif
