/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Keeping the daemon's memory to what it uses (see memory.h). */
#include <stdlib.h>	/* defines __GLIBC__ where it applies */
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "daemon/server/memory.h"

/* Blocks this large or larger get their own mapping, unmapped on free. */
#define LARGE_BLOCK	(128 * 1024)

void
memory_init(void)
{
#ifdef __GLIBC__
	/*
	 * glibc raises its mmap threshold to the size of any mapped block
	 * that is freed, and its trim threshold to twice that: after the
	 * first large configuration or status reply, every later one would
	 * come from the heap and stay in it for good.  Setting the
	 * thresholds fixes them.
	 */
	mallopt(M_MMAP_THRESHOLD, LARGE_BLOCK);
	mallopt(M_TRIM_THRESHOLD, LARGE_BLOCK);
#endif
}

void
memory_trim(void)
{
#ifdef __GLIBC__
	/* Also returns free pages in the middle of the heap, which parsing
	 * leaves below what the daemon keeps. */
	malloc_trim(0);
#endif
}
