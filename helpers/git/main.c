/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * git-credential-pizauth [-a account] [-u username] [-w secs] [--bearer]
 * get|store|erase|capability: git's credential helper, handing git the
 * access token the pizauth daemon keeps fresh.  git runs it as
 * `git credential-pizauth [options] ACTION`, the action last.
 */
#include <sys/resource.h>

#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/paths.h"
#include "core/secret.h"
#include "helpers/git/gitcred_action.h"

/* `pizauth show -w`'s bound, which the daemon applies too. */
#define WAIT_MAX_S	(24 * 60 * 60)

/* stdio's buffers for stdin and stdout hold the token or the refused
 * password: ours, so they can be wiped. */
static char inbuf[BUFSIZ], outbuf[BUFSIZ];

/* jansson's parser keeps the daemon's reply, token included, in buffers
 * of its own: wipe whatever it gives back. */
static void
wiping_free(void *p)
{
	if (p != NULL) {
		pz_wipe(p, malloc_usable_size(p));
		free(p);
	}
}

static int
usage(void)
{
	fputs("usage: git-credential-pizauth [-a account] [-u username] "
	    "[-w secs] [--bearer] get|store|erase|capability\n", stderr);
	return 1;
}

static int
parse_wait(const char *arg, unsigned *secs)
{
	char *end;
	long n;

	n = strtol(arg, &end, 10);
	if (*arg < '0' || *arg > '9' || *end != '\0' || n < 0 ||
	    n > WAIT_MAX_S)
		return -1;
	*secs = (unsigned)n;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "bearer",	no_argument,	NULL,	'b' },
		{ NULL,		0,		NULL,	0 },
	};
	struct gitcred_opts o = { NULL, NULL, NULL, 0, 0 };
	const struct gitcred_action *act;
	struct pz_buf sock = PZ_BUF_INIT;
	struct rlimit nocore = { 0, 0 };
	struct pz_err err;
	int ch, rc;

	/* '+': options come before the action, as git puts them. */
	while ((ch = getopt_long(argc, argv, "+a:u:w:", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'a':
			o.account = optarg;
			break;
		case 'u':
			o.username = optarg;
			break;
		case 'w':
			if (parse_wait(optarg, &o.wait) == -1)
				return usage();
			break;
		case 'b':
			o.bearer = 1;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1)
		return usage();
	/* A line break would start another field of a request or answer. */
	if ((o.account != NULL && (o.account[0] == '\0' ||
	    strpbrk(o.account, "\r\n") != NULL)) ||
	    (o.username != NULL && (o.username[0] == '\0' ||
	    strpbrk(o.username, "\r\n") != NULL)))
		return usage();
	/* An action of a later git: ignore it, as git's own helpers do. */
	if ((act = gitcred_action_find(argv[optind])) == NULL)
		return 0;
	setrlimit(RLIMIT_CORE, &nocore);
	json_set_alloc_funcs(malloc, wiping_free);
	if (setvbuf(stdin, inbuf, _IOFBF, sizeof(inbuf)) != 0 ||
	    setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf)) != 0) {
		fputs("git-credential-pizauth: can't set up stdio\n", stderr);
		return 1;
	}
	if (pz_paths_socket(&sock, 0, &err) == -1) {
		fprintf(stderr, "git-credential-pizauth: %s\n", err.msg);
		pz_buf_clear(&sock);
		return 1;
	}
	o.sock = pz_buf_str(&sock);
	rc = act->run(&o, stdin, stdout, stderr);
	if (fflush(stdout) == EOF) {
		fputs("git-credential-pizauth: can't write the answer\n",
		    stderr);
		rc = 1;
	}
	pz_wipe(inbuf, sizeof(inbuf));
	pz_wipe(outbuf, sizeof(outbuf));
	pz_buf_clear(&sock);
	return rc;
}
