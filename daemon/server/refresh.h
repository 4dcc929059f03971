/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Keeping ACTIVE tokens fresh: a refresh is due refresh_before_expiry
 * before the token expires and at least every refresh_at_least, at a point
 * up to a third of refresh_before_expiry earlier drawn for each token;
 * after a transient failure (network, 408, 429, 5xx) it is retried after
 * refresh_retry (or the provider's Retry-After, if longer) plus up to half
 * of refresh_retry, and the token is kept (spread.h says why); every TRANSIENT_JUDGE_EVERY consecutive transient failures
 * transient_error_if_cmd decides whether they are really transient.  A
 * permanent failure drops the token.
 *
 * Unless the user asks for it (`pizauth refresh`), refreshes keep their
 * distance, so that a provider that says expires_in 0, one that fails at
 * once, or a storm of `show`s of an expired token cannot make the daemon
 * refresh in a loop: a failed refresh is not retried within
 * REFRESH_RETRY_MIN_S, and tokens that live less than
 * REFRESH_SHORT_LIFE_S are refreshed no sooner than 1 s after they came,
 * then 2, 4... up to REFRESH_SHORT_MAX_S for each such token in a row.
 */
#ifndef PZD_REFRESH_H
#define PZD_REFRESH_H

struct account;

#define TRANSIENT_JUDGE_EVERY	6
#define REFRESH_RETRY_MIN_S	1
#define REFRESH_SHORT_LIFE_S	10
#define REFRESH_SHORT_MAX_S	60

/* Arm the account's timer for its next refresh (no-op unless ACTIVE). */
void	refresh_schedule(struct account *a);
/* Refresh now unless a refresh is already under way. */
void	refresh_now(struct account *a);
/* Refresh now, or as soon as a short-lived token's distance allows. */
void	refresh_soon(struct account *a);
void	refresh_timer_fired(void *arg);

#endif
