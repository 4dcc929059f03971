/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * floor_rss: the memory any program pays for the libraries the daemon must
 * use (DESIGN.md: libcurl, libevent, OpenSSL), to measure the daemon's RSS
 * against.  Links them as the daemon does, initialises them (curl_global_init,
 * an event base), prints "ready" and waits to be killed.
 */
#include <stdio.h>
#include <unistd.h>

#include <curl/curl.h>
#include <event2/event.h>

int
main(void)
{
	struct event_base *base;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (base = event_base_new()) == NULL) {
		fprintf(stderr, "floor_rss: can't initialise the libraries\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	pause();
	event_base_free(base);
	curl_global_cleanup();
	return 0;
}
