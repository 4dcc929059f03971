/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The helper's verbs, as git names them: get (a token), erase (the server
 * refused one: refresh it if it is the daemon's current token), capability
 * (what this helper understands).  store and anything else do nothing: the
 * daemon keeps the token, and no token is ever written anywhere.
 */
#ifndef GITCRED_ACTION_H
#define GITCRED_ACTION_H

#include <stdio.h>

/* What the command line says. */
struct gitcred_opts {
	const char	*sock;		/* the daemon's socket */
	const char	*account;	/* -a: NULL to match by host and user */
	const char	*username;	/* -u: NULL for git's, else "oauth2" */
	unsigned	 wait;		/* -w: seconds to wait for the user */
	int		 bearer;	/* --bearer */
};

struct gitcred_action {
	const char	*name;
	/* Reads git's description from in, writes the answer to out and
	 * messages for people to diag; returns the exit status. */
	int		(*run)(const struct gitcred_opts *o, FILE *in,
			    FILE *out, FILE *diag);
};

/* The action called name, or NULL (to be ignored, as git's helpers do). */
const struct gitcred_action *gitcred_action_find(const char *name);

#endif
