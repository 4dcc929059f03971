/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauth-keyring's verbs: `save` moves the daemon's dump into the keyring,
 * `restore` moves it back, `clear` deletes it.  Each returns the exit
 * status documented in pizauth-keyring(1) and writes at most one line to
 * stderr.  save asks the daemon before it opens the keyring, so a daemon
 * that is not running never costs the stored dump.
 */
#ifndef KEYRING_H
#define KEYRING_H

/* Exit statuses. */
#define KEYRING_EXIT_OK		0	/* done (or, restore/clear: nothing stored) */
#define KEYRING_EXIT_USAGE	1	/* bad arguments */
#define KEYRING_EXIT_DAEMON	2	/* pizauth not running, or it refused */
#define KEYRING_EXIT_KEYRING	3	/* no bus, no Secret Service, timeout */
#define KEYRING_EXIT_LOCKED	4	/* the keyring is locked */

/* The whole run, daemon and keyring together, ends within this. */
#define KEYRING_TIMEOUT_MS	(10 * 1000)

struct keyring_verb {
	const char	*name;
	int		(*run)(int timeout_ms);	/* returns the exit status */
};

/* The verb called name, or NULL. */
const struct keyring_verb *keyring_verb_find(const char *name);

int	keyring_save(int timeout_ms);
int	keyring_restore(int timeout_ms);
int	keyring_clear(int timeout_ms);

#endif
