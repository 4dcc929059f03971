/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The keyring side of pizauth-keyring: one Secret Service item of the
 * schema "org.pizauth.Dump" per user and daemon socket, holding a dump as
 * opaque bytes.  libsecret's asynchronous API runs on a private main
 * context, so every wait ends by a deadline; nothing here unlocks, creates
 * a collection or otherwise asks for a prompt.  A locked keyring is
 * reported as such, never mistaken for an empty one.
 */
#ifndef KEYRING_STORE_H
#define KEYRING_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define KEYRING_SCHEMA		"org.pizauth.Dump"
#define KEYRING_LABEL		"pizauth token state"
#define KEYRING_ATTR_USER	"user"
#define KEYRING_ATTR_SOCKET	"socket"

enum keyring_res {
	KEYRING_OK = 0,
	KEYRING_ABSENT,		/* nothing stored (get, delete) */
	KEYRING_LOCKED,		/* the item or its keyring is locked */
	KEYRING_FAIL		/* no bus, no service, timeout, refusal */
};

struct keyring_store;

/* Monotonic milliseconds, the clock deadlines are given in. */
int64_t	keyring_store_now_ms(void);

/*
 * Connect to the session bus and the Secret Service, for the item of
 * (user, socket).  Every call on the store, this one included, gives up at
 * deadline_ms (keyring_store_now_ms() time).  Fails at once, without
 * trying to start a bus, when there is no session bus to connect to.
 * *ksp may be set even on failure: free it with keyring_store_free().
 */
enum keyring_res keyring_store_open(const char *user, const char *socket,
	    int64_t deadline_ms, struct keyring_store **ksp, struct pz_err *err);
void	keyring_store_free(struct keyring_store *ks);

/* The stored bytes, appended to out. */
enum keyring_res keyring_store_get(struct keyring_store *ks,
	    struct pz_buf *out, struct pz_err *err);
/* Store len bytes, replacing what was stored (the item's value is
 * replaced in place; a new item goes to the default keyring). */
enum keyring_res keyring_store_put(struct keyring_store *ks,
	    const void *data, size_t len, struct pz_err *err);
/* Delete the item (every copy, if several exist). */
enum keyring_res keyring_store_delete(struct keyring_store *ks,
	    struct pz_err *err);

#endif
