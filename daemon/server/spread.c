/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Random spread of refreshes and retries (see spread.h). */
#include <stdlib.h>

#include "daemon/server/spread.h"

/* Seconds as milliseconds, saturating: config times are bounded only by
 * what the parser accepts. */
static uint64_t
secs_ms(uint64_t s)
{
	return s > UINT64_MAX / 1000 ? UINT64_MAX : s * 1000;
}

/* floor(span * r / 2^32), give or take one, without overflow. */
static uint64_t
part(uint64_t span, uint32_t r)
{
	return (span >> 32) * r + (((span & 0xffffffffU) * r) >> 32);
}

uint32_t
spread_draw(void)
{
	/* Unpredictability is not needed, only independence between
	 * accounts; arc4random needs no seeding and cannot fail. */
	return arc4random();
}

int64_t
spread_refresh(int64_t obtained, int64_t due, uint64_t rbe_s, uint32_t r)
{
	uint64_t span, life;

	if (due <= obtained)
		return due;
	span = secs_ms(rbe_s) / 3;
	/* Unsigned: the difference of two instants may exceed INT64_MAX. */
	life = ((uint64_t)due - (uint64_t)obtained) / 3;
	if (life < span)
		span = life;
	return due - (int64_t)part(span, r);
}

uint64_t
spread_retry_ms(uint64_t retry_s, int64_t retry_after_s, uint32_t r)
{
	uint64_t base = retry_s, extra;

	/* The provider may ask for more patience, never for less. */
	if (retry_after_s > 0 && (uint64_t)retry_after_s > base)
		base = (uint64_t)retry_after_s;
	base = secs_ms(base);
	extra = part(secs_ms(retry_s) / 2, r);
	return base > UINT64_MAX - extra ? UINT64_MAX : base + extra;
}
