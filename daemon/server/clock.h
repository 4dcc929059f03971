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

/*
 * An instant may lie before boot: a token restored after a reboot was
 * obtained, and may have expired, before it.  Such instants are negative
 * and are simply in the past; nothing treats a negative value as special.
 * Arithmetic on instants saturates, so no input (a config's times, a
 * provider's expires_in, a dump's dates) can overflow, and never yields
 * CLOCK_UNSET, which stands for "no instant" (an unknown expiry, no retry
 * planned, never notified).
 */
#define CLOCK_UNSET	INT64_MIN
#define CLOCK_MIN	(INT64_MIN + 1)
#define CLOCK_MAX	INT64_MAX

/* Now, in milliseconds on CLOCK_BOOTTIME. */
int64_t	clock_now(void);
/* The wall-clock time (Unix seconds) of a CLOCK_BOOTTIME instant, and back. */
time_t	clock_to_wall(int64_t boot_ms);
int64_t	clock_from_wall(time_t wall);
/* t plus (after) or minus (before) secs seconds, or plus ms milliseconds,
 * saturating at CLOCK_MIN and CLOCK_MAX. */
int64_t	clock_after(int64_t t, uint64_t secs);
int64_t	clock_before(int64_t t, uint64_t secs);
int64_t	clock_add_ms(int64_t t, int64_t ms);
/* The instant halfway from a to b (a <= b), without overflow. */
int64_t	clock_mid(int64_t a, int64_t b);
/* Format a boot instant as RFC 2822 local time into buf ("<unknown time>"
 * if it cannot be represented). */
const char *clock_fmt(int64_t boot_ms, char *buf, size_t len);

#endif
