/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Locating the cache directory, the socket and the config file. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

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

/* $PIZAUTH_SOCKET if set: the path into out, 1; 0 if unset; -1 if bad. */
static int
socket_env(struct pz_buf *out, struct pz_err *err)
{
	struct sockaddr_un sun;
	const char *env = getenv(PZ_SOCKET_ENV);
	size_t len;

	if (!nonempty(env))
		return 0;
	len = strlen(env);
	if (env[0] != '/')
		return pz_errf(err, PZ_SOCKET_ENV " must be an absolute path, "
		    "not %s", env);
	if (env[len - 1] == '/')
		return pz_errf(err, PZ_SOCKET_ENV " names a directory, not a "
		    "socket: %s", env);
	if (len >= sizeof(sun.sun_path))
		return pz_errf(err, PZ_SOCKET_ENV " is too long for a socket "
		    "(%zu bytes, at most %zu): %s", len,
		    sizeof(sun.sun_path) - 1, env);
	if (pz_buf_puts(out, env) == -1)
		return pz_errf(err, "Out of memory");
	return 1;
}

int
pz_paths_socket(struct pz_buf *out, int create, struct pz_err *err)
{
	int r;

	if ((r = socket_env(out, err)) != 0)
		return r == 1 ? 0 : -1;
	if (pz_paths_cache_dir(out, create, err) == -1)
		return -1;
	if (pz_buf_puts(out, "/" PZ_SOCK_NAME) == -1)
		return pz_errf(err, "Out of memory");
	return 0;
}

/* The rules for the directory of a socket $PIZAUTH_SOCKET names. */
static int
socket_dir(const char *sock, struct pz_err *err)
{
	struct stat st;
	char *dir, *slash;
	int r = 0;

	if ((dir = strdup(sock)) == NULL)
		return pz_errf(err, "Out of memory");
	slash = strrchr(dir, '/');
	slash[slash == dir] = '\0';	/* "/x" lives in "/" */
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		r = pz_errf(err, "Can't create %s for " PZ_SOCKET_ENV ": %s",
		    dir, strerror(errno));
	else if (stat(dir, &st) == -1)
		r = pz_errf(err, "Can't use %s for " PZ_SOCKET_ENV ": %s", dir,
		    strerror(errno));
	else if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
		r = pz_errf(err, "%s is not a directory owned by you", dir);
	else if ((st.st_mode & 022) != 0)
		r = pz_errf(err, "%s is writable by others: make it writable "
		    "by you alone (chmod go-w)", dir);
	else if (lstat(sock, &st) == 0 && !S_ISSOCK(st.st_mode))
		r = pz_errf(err, "%s exists and is not a socket", sock);
	free(dir);
	return r;
}

int
pz_paths_server_socket(struct pz_buf *out, struct pz_err *err)
{
	int r;

	if ((r = socket_env(out, err)) == 0)
		return pz_paths_socket(out, 1, err);
	if (r == -1)
		return -1;
	return socket_dir(pz_buf_str(out), err);
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
