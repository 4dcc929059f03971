/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * spawn N CMD [ARG...]: run CMD N times, one after the other, and print
 * the median and 99th percentile of the wall time per run as JSON.  In C
 * so the measuring costs nothing next to what it measures.  Each run's
 * stdin is the file SPAWN_STDIN names, else /dev/null.
 */
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	long long *t, start;
	int i, n, status, failures = 0, devnull;
	pid_t pid;

	if (argc < 3 || (n = atoi(argv[1])) <= 0) {
		fprintf(stderr, "usage: spawn N CMD [ARG...]\n");
		return 2;
	}
	if ((t = calloc((size_t)n, sizeof(*t))) == NULL ||
	    (devnull = open("/dev/null", O_WRONLY)) == -1)
		return 2;
	for (i = 0; i < n; i++) {
		start = now_ns();
		if ((pid = fork()) == 0) {
			const char *in = getenv("SPAWN_STDIN");
			int fd = open(in != NULL ? in : "/dev/null", O_RDONLY);

			if (fd != -1)
				dup2(fd, STDIN_FILENO);
			dup2(devnull, STDOUT_FILENO);
			dup2(devnull, STDERR_FILENO);
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (pid == -1 || waitpid(pid, &status, 0) == -1)
			return 2;
		t[i] = now_ns() - start;
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failures++;
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_ll);
	printf("{\"n\": %d, \"failures\": %d, \"median_us\": %.1f, "
	    "\"p99_us\": %.1f}\n", n, failures, t[n / 2] / 1000.0,
	    t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1000.0);
	free(t);
	return 0;
}
