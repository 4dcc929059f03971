/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * dumpshift SECONDS: read a `pizauth dump` on stdin and write it back with
 * every token's obtained and expiry times SECONDS earlier, as a server
 * whose clock was that far behind would have written it.  For tests of
 * restoring tokens obtained before the machine last booted.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/dump.h"
#include "core/err.h"

int
main(int argc, char **argv)
{
	struct pz_buf in = PZ_BUF_INIT, out = PZ_BUF_INIT;
	struct pz_dump_entry *ents;
	struct pz_err err;
	char chunk[4096], *end;
	long long secs;
	size_t i, n, len;

	if (argc != 2 || (secs = strtoll(argv[1], &end, 10), *end != '\0')) {
		fprintf(stderr, "usage: dumpshift SECONDS < dump > dump\n");
		return 2;
	}
	while ((len = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
		if (pz_buf_append(&in, chunk, len) == -1)
			return 1;
	if (pz_dump_decode(in.data, in.len, &ents, &n, &err) == -1) {
		fprintf(stderr, "dumpshift: %s\n", err.msg);
		return 1;
	}
	for (i = 0; i < n; i++) {
		ents[i].obtained -= secs;
		ents[i].expiry -= secs;
	}
	if (pz_dump_encode(ents, n, &out, &err) == -1) {
		fprintf(stderr, "dumpshift: %s\n", err.msg);
		return 1;
	}
	fwrite(out.data, 1, out.len, stdout);
	pz_dump_entries_free(ents, n);
	pz_buf_clear(&in);
	pz_buf_clear(&out);
	return fflush(stdout) == 0 ? 0 : 1;
}
