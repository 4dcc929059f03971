/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Random spread of refreshes and retries.  Accounts that an outage, a
 * start-up or a restore made due together would otherwise refresh in the
 * same second for ever, and the next fault would catch all of them at
 * once.  Both computations are pure: the caller draws the random number
 * (spread_draw()); r/2^32 is the fraction of the allowed spread taken.
 */
#ifndef PZD_SPREAD_H
#define PZD_SPREAD_H

#include <stdint.h>

/* A uniformly random 32-bit number. */
uint32_t	spread_draw(void);
/*
 * When to refresh a token obtained at `obtained` whose refresh is due at
 * `due` (boot ms): up to a third of refresh_before_expiry (rbe_s seconds)
 * earlier, and no earlier than two thirds of the way from obtained to due;
 * never later than due.
 */
int64_t		spread_refresh(int64_t obtained, int64_t due, uint64_t rbe_s,
		    uint32_t r);
/*
 * How long (ms) to wait before retrying after a transient failure: the
 * longer of refresh_retry (retry_s) and the provider's Retry-After
 * (retry_after_s, < 0 if none), plus up to half of refresh_retry.
 */
uint64_t	spread_retry_ms(uint64_t retry_s, int64_t retry_after_s,
		    uint32_t r);

#endif
