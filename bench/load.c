/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * load CLIENTS SECONDS SOCKET REQUEST: CLIENTS threads each send REQUEST
 * over a new connection to the control socket, read the whole reply, and
 * go again, for SECONDS.  Prints requests per second and the median and
 * 99th percentile latency as JSON.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES	(1 << 20)

struct worker {
	pthread_t	 thread;
	const char	*path;
	const char	*req;
	long long	 deadline;
	long long	*lat;		/* ns per request */
	size_t		 n;
	size_t		 errors;		/* no or empty reply */
	size_t		 refused;	/* connect failed (backlog full) */
};

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
one_request(const char *path, const char *req)
{
	struct sockaddr_un sun;
	char buf[4096];
	ssize_t r;
	int fd, got = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return -2;
	}
	if (write(fd, req, strlen(req)) != (ssize_t)strlen(req) ||
	    shutdown(fd, SHUT_WR) == -1) {
		close(fd);
		return -1;
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		got += (int)r;
	close(fd);
	return got > 0 ? 0 : -1;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	long long t;

	while ((t = now_ns()) < w->deadline && w->n < MAX_SAMPLES) {
		int r = one_request(w->path, w->req);

		if (r == -2)
			w->refused++;
		else if (r == -1)
			w->errors++;
		else
			w->lat[w->n++] = now_ns() - t;
	}
	return NULL;
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
	struct worker *w;
	long long *all, start, elapsed;
	size_t total = 0, errors = 0, refused = 0, k;
	int i, clients, secs;

	if (argc != 5 || (clients = atoi(argv[1])) <= 0 ||
	    (secs = atoi(argv[2])) <= 0) {
		fprintf(stderr, "usage: load CLIENTS SECONDS SOCKET REQUEST\n");
		return 2;
	}
	if ((w = calloc((size_t)clients, sizeof(*w))) == NULL)
		return 2;
	start = now_ns();
	for (i = 0; i < clients; i++) {
		w[i].path = argv[3];
		w[i].req = argv[4];
		w[i].deadline = start + (long long)secs * 1000000000LL;
		if ((w[i].lat = malloc(MAX_SAMPLES * sizeof(long long))) ==
		    NULL)
			return 2;
		pthread_create(&w[i].thread, NULL, work, &w[i]);
	}
	for (i = 0; i < clients; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].n;
		errors += w[i].errors;
		refused += w[i].refused;
	}
	elapsed = now_ns() - start;
	if ((all = malloc((total + 1) * sizeof(*all))) == NULL)
		return 2;
	for (i = 0, k = 0; i < clients; i++) {
		memcpy(all + k, w[i].lat, w[i].n * sizeof(*all));
		k += w[i].n;
		free(w[i].lat);
	}
	qsort(all, total, sizeof(*all), cmp_ll);
	printf("{\"clients\": %d, \"requests\": %zu, \"errors\": %zu, "
	    "\"refused\": %zu, \"rps\": %.0f, \"p50_us\": %.1f, "
	    "\"p99_us\": %.1f}\n", clients, total, errors, refused,
	    total / (elapsed / 1e9),
	    total ? all[total / 2] / 1000.0 : 0.0,
	    total ? all[(total * 99) / 100] / 1000.0 : 0.0);
	free(all);
	free(w);
	return 0;
}
