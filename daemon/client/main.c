/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth: the command-line client.  Finds the subcommand and runs it. */
#include <stdio.h>
#include <string.h>

#include "daemon/client/client.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_dump_entry,
	&cmd_info_entry,
	&cmd_refresh_entry,
	&cmd_restore_entry,
	&cmd_reload_entry,
	&cmd_revoke_entry,
	&cmd_server_entry,
	&cmd_show_entry,
	&cmd_shutdown_entry,
	&cmd_status_entry,
};

#define NCMDS (sizeof(cmd_table) / sizeof(cmd_table[0]))

static void
print_usage(FILE *f)
{
	size_t i;

	fputs("Usage:\n", f);
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  pizauth %s%s%s\n", cmd_table[i]->name,
		    *cmd_table[i]->usage ? " " : "", cmd_table[i]->usage);
}

int
client_usage(void)
{
	print_usage(stderr);
	return 1;
}

int
main(int argc, char **argv)
{
	size_t i;

	if (argc < 2)
		return client_usage();
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		print_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("pizauth %s\n", PZ_VERSION);
		return 0;
	}
	for (i = 0; i < NCMDS; i++) {
		if (strcmp(argv[1], cmd_table[i]->name) == 0)
			return cmd_table[i]->exec(argc - 1, argv + 1);
	}
	return client_usage();
}
