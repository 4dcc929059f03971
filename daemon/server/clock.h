/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Time for deadlines.  Deadlines are milliseconds on CLOCK_BOOTTIME, which
 * keeps counting while the machine is suspended, so a token that expired
 * during a suspend is refreshed on resume, not an hour later.
 */
#ifndef PZD_CLOCK_H
#define PZD_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Now, in milliseconds on CLOCK_BOOTTIME. */
int64_t	clock_now(void);
/* The wall-clock time (Unix seconds) of a CLOCK_BOOTTIME instant, and back. */
time_t	clock_to_wall(int64_t boot_ms);
int64_t	clock_from_wall(time_t wall);
/* t plus secs seconds, saturating: config times may be absurdly large. */
int64_t	clock_after(int64_t t, uint64_t secs);
/* Format a boot instant as RFC 2822 local time into buf ("<unknown time>"
 * if it cannot be represented). */
const char *clock_fmt(int64_t boot_ms, char *buf, size_t len);

#endif
