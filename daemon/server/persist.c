/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Dumping and restoring tokens. */
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/dump.h"
#include "core/secret.h"
#include "daemon/server/account.h"
#include "daemon/server/clock.h"
#include "daemon/server/log.h"
#include "daemon/server/persist.h"
#include "daemon/server/server.h"

int
persist_dump(struct server *srv, struct pz_buf *out, struct pz_err *err)
{
	struct pz_dump_entry *ents;
	size_t i, n = 0;
	int rc;

	if ((ents = calloc(srv->naccounts + 1, sizeof(*ents))) == NULL)
		return pz_errf(err, "Out of memory");
	for (i = 0; i < srv->naccounts; i++) {
		struct account *a = srv->accounts[i];
		struct pz_dump_entry *e = &ents[n];

		if (a->state != TOK_ACTIVE)
			continue;
		if (pz_account_fingerprint(a->conf, e->fingerprint) == -1) {
			free(ents);
			return pz_errf(err, "Creating dump failed");
		}
		/* Borrowed pointers: the entries live only in this call. */
		e->account = (char *)account_name(a);
		e->access_token = a->access_token;
		e->refresh_token = a->refresh_token;
		e->obtained = clock_to_wall(a->obtained);
		e->expiry = clock_to_wall(a->expiry);
		n++;
	}
	rc = pz_dump_encode(ents, n, out, err);
	free(ents);
	return rc;
}

int
persist_restore(struct server *srv, const void *data, size_t len,
    struct pz_err *err)
{
	struct pz_dump_entry *ents;
	struct account *a;
	char fp[65];
	size_t i, n;

	if (pz_dump_decode(data, len, &ents, &n, err) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		struct pz_dump_entry *e = &ents[i];

		a = server_account(srv, e->account, strlen(e->account));
		if (a == NULL || a->state == TOK_ACTIVE ||
		    pz_account_fingerprint(a->conf, fp) == -1 ||
		    strcmp(fp, e->fingerprint) != 0) {
			log_debug("restore: entry for '%s' not used",
			    e->account);
			continue;
		}
		log_info("account '%s': token restored", account_name(a));
		account_activate(a, e->access_token, e->refresh_token, 0,
		    clock_from_wall(e->obtained), clock_from_wall(e->expiry),
		    NULL);
		e->access_token = e->refresh_token = NULL;
	}
	pz_dump_entries_free(ents, n);
	return 0;
}
