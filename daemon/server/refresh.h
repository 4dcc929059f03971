/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Keeping ACTIVE tokens fresh: a refresh is due refresh_before_expiry
 * before the token expires and at least every refresh_at_least; after a
 * transient failure (network, 408, 429, 5xx) it is retried after
 * refresh_retry (or the provider's Retry-After, if longer) and the token is
 * kept; every TRANSIENT_JUDGE_EVERY consecutive transient failures
 * transient_error_if_cmd decides whether they are really transient.  A
 * permanent failure drops the token.
 */
#ifndef PZD_REFRESH_H
#define PZD_REFRESH_H

struct account;

#define TRANSIENT_JUDGE_EVERY	6

/* Arm the account's timer for its next refresh (no-op unless ACTIVE). */
void	refresh_schedule(struct account *a);
/* Refresh now unless a refresh is already under way. */
void	refresh_now(struct account *a);
void	refresh_timer_fired(void *arg);

#endif
