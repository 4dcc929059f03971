/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * A main() for the fuzzers without libFuzzer: every file named on the
 * command line (every file in it, for a directory) is read whole into a
 * buffer of exactly its size and given to LLVMFuzzerTestOneInput() once.
 * `make fuzz-replay`, part of `make check`, links it with each fuzzer built
 * with the normal compiler and flags (the sanitizers under SANITIZE=1) and
 * runs it over the fuzzer's committed corpus, so a seed or saved crash that
 * fails again is noticed without clang.
 *
 * Each input runs in a child of its own, so a failure of any kind (a
 * CHECK's trap, a sanitizer's report, a leak found at exit, a hang past
 * REPLAY_TIMEOUT_S) is pinned on the file that caused it, and the rest
 * still run.  What a child writes to stderr (the daemon's log, a
 * sanitizer's report) is shown only if it failed, or always with
 * FUZZ_REPLAY_VERBOSE set.
 *   build/fuzz-replay/fuzz_config tests/fuzz/corpus/fuzz_config
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Inputs take milliseconds, even sanitized: one still running after this
 * long is stuck. */
#define REPLAY_TIMEOUT_S	30

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a fuzzer, as with libFuzzer. */
int	LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int	  verbose;	/* FUZZ_REPLAY_VERBOSE */
static FILE	 *errlog;	/* the current child's stderr */
static int	  g_argc;
static char	**g_argv;

/* Show what the child wrote to stderr. */
static void
show_log(void)
{
	char buf[4096];
	size_t n;

	fflush(errlog);
	rewind(errlog);
	while ((n = fread(buf, 1, sizeof(buf), errlog)) > 0)
		fwrite(buf, 1, n, stderr);
}

static uint8_t *
read_file(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf = NULL;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL || fstat(fileno(fp), &st) == -1)
		goto fail;
	/* Exactly the input's size, so reading past it is caught. */
	*len = (size_t)st.st_size;
	if ((buf = malloc(*len > 0 ? *len : 1)) == NULL ||
	    fread(buf, 1, *len, fp) != *len)
		goto fail;
	fclose(fp);
	return buf;
fail:
	fprintf(stderr, "replay: %s: %s\n", path,
	    errno != 0 ? strerror(errno) : "short read");
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return NULL;
}

/* Run one input in a child; 0 if it passed. */
static int
run_file(const char *path)
{
	uint8_t *buf;
	size_t len;
	pid_t pid;
	int status;

	errno = 0;
	if ((buf = read_file(path, &len)) == NULL)
		return -1;
	if (ftruncate(fileno(errlog), 0) == -1)
		rewind(errlog);
	rewind(errlog);
	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "replay: fork: %s\n", strerror(errno));
		free(buf);
		return -1;
	}
	if (pid == 0) {
		/* A hang is a failure too (SIGALRM). */
		alarm(REPLAY_TIMEOUT_S);
		dup2(fileno(errlog), STDERR_FILENO);
		if (LLVMFuzzerInitialize != NULL)
			LLVMFuzzerInitialize(&g_argc, &g_argv);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		/* exit(), not _exit(): atexit handlers and leak checks run. */
		exit(0);
	}
	free(buf);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		if (verbose)
			show_log();
		return 0;
	}
	show_log();
	if (WIFSIGNALED(status))
		fprintf(stderr, "replay: %s: FAILED (signal %d, %s)\n", path,
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		fprintf(stderr, "replay: %s: FAILED (exit status %d)\n", path,
		    WEXITSTATUS(status));
	return -1;
}

static int
skip_dot(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Every file of a directory, in name order; the number that failed. */
static int
run_dir(const char *path, int *count)
{
	struct dirent **ents;
	char *p;
	int i, n, failed = 0;

	if ((n = scandir(path, &ents, skip_dot, alphasort)) == -1) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (asprintf(&p, "%s/%s", path, ents[i]->d_name) == -1)
			failed++;
		else {
			failed += run_file(p) == -1;
			free(p);
		}
		(*count)++;
		free(ents[i]);
	}
	free(ents);
	return failed;
}

int
main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	struct stat st;
	int i, count = 0, failed = 0;

	name = name != NULL ? name + 1 : argv[0];
	if (argc < 2) {
		fprintf(stderr, "usage: %s file-or-directory ...\n", name);
		return 2;
	}
	g_argc = argc;
	g_argv = argv;
	verbose = getenv("FUZZ_REPLAY_VERBOSE") != NULL;
	if ((errlog = tmpfile()) == NULL) {
		fprintf(stderr, "replay: tmpfile: %s\n", strerror(errno));
		return 1;
	}
	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			failed += run_dir(argv[i], &count);
		else {
			failed += run_file(argv[i]) == -1;
			count++;
		}
	}
	fclose(errlog);
	if (failed > 0) {
		fprintf(stderr, "%s: %d of %d inputs FAILED\n", name, failed,
		    count);
		return 1;
	}
	printf("%s: %d inputs replayed\n", name, count);
	return 0;
}
