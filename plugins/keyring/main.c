/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth-keyring: keeps pizauth's dump in the Secret Service keyring. */
#include <stdio.h>
#include <string.h>

#include "plugins/keyring/keyring.h"

static int
usage(FILE *f, int status)
{
	fputs("usage: pizauth-keyring save | restore | clear\n", f);
	return status;
}

int
main(int argc, char **argv)
{
	const struct keyring_verb *verb;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0))
		return usage(stdout, KEYRING_EXIT_OK);
	if (argc == 2 && (strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "--version") == 0)) {
		printf("pizauth-keyring %s\n", PZ_VERSION);
		return KEYRING_EXIT_OK;
	}
	if (argc != 2 || (verb = keyring_verb_find(argv[1])) == NULL)
		return usage(stderr, KEYRING_EXIT_USAGE);
	return verb->run(KEYRING_TIMEOUT_MS);
}
