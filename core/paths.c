/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Locating the cache directory, the socket and the config file. */
#include <sys/stat.h>

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/paths.h"

/* Create dir 0700 if missing; make sure it is ours and private. */
static int
private_dir(const char *dir, struct pz_err *err)
{
	struct stat st;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return pz_errf(err, "Can't create cache dir: %s",
		    strerror(errno));
	if (lstat(dir, &st) == -1)
		return pz_errf(err, "Can't create cache dir: %s",
		    strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
		return pz_errf(err, "%s is not a directory owned by you", dir);
	if ((st.st_mode & 0777) != 0700 && chmod(dir, 0700) == -1)
		return pz_errf(err,
		    "Can't set permissions for %s to 0700 (octal)", dir);
	return 0;
}

static const char *
username(void)
{
	struct passwd *pw;
	const char *u;

	if ((pw = getpwuid(getuid())) != NULL)
		return pw->pw_name;
	return (u = getenv("USER")) != NULL ? u : "unknown";
}

static int
nonempty(const char *s)
{
	return s != NULL && *s != '\0';
}

int
pz_paths_cache_dir(struct pz_buf *out, int create, struct pz_err *err)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR"), *tmp;

	if (nonempty(xdg)) {
		if (pz_buf_puts(out, xdg) == -1)
			return pz_errf(err, "Out of memory");
	} else {
		tmp = nonempty(getenv("TMPDIR")) ? getenv("TMPDIR") : "/tmp";
		if (pz_buf_printf(out, "%s/runtime-%s", tmp, username()) == -1)
			return pz_errf(err, "Out of memory");
		if (create && private_dir(pz_buf_str(out), err) == -1)
			return -1;
	}
	if (pz_buf_puts(out, "/pizauth") == -1)
		return pz_errf(err, "Out of memory");
	if (create && private_dir(pz_buf_str(out), err) == -1)
		return -1;
	return 0;
}

int
pz_paths_socket(struct pz_buf *out, int create, struct pz_err *err)
{
	if (pz_paths_cache_dir(out, create, err) == -1)
		return -1;
	if (pz_buf_puts(out, "/" PZ_SOCK_NAME) == -1)
		return pz_errf(err, "Out of memory");
	return 0;
}

int
pz_paths_config(const char *opt, int must_exist, struct pz_buf *out,
    struct pz_err *err)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	struct stat st;
	int r;

	if (opt != NULL)
		r = pz_buf_puts(out, opt);
	else if (nonempty(xdg))
		r = pz_buf_printf(out, "%s/" PZ_CONF_NAME, xdg);
	else if (nonempty(home))
		r = pz_buf_printf(out, "%s/.config/" PZ_CONF_NAME, home);
	else
		return pz_errf(err, "Neither $XDG_CONFIG_HOME or $HOME set");
	if (r == -1)
		return pz_errf(err, "Out of memory");
	if (opt == NULL && must_exist &&
	    (stat(pz_buf_str(out), &st) == -1 || !S_ISREG(st.st_mode)))
		return pz_errf(err, "No config file found at %s",
		    pz_buf_str(out));
	return 0;
}
