/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The device authorization grant (RFC 8628) for accounts with
 * device_auth_uri: ask the provider for a user code, show the user where
 * to enter it, and poll the token endpoint every `interval` seconds
 * (5 more after each slow_down) until the user has authorised, refused, or
 * the code expired.  Everything runs on the event loop.
 */
#ifndef PZD_DEVICE_H
#define PZD_DEVICE_H

#include "core/err.h"

struct account;

/* Start a device authorization request for a (a no-op if one is in
 * flight).  The account turns PENDING when the provider answers. */
int	device_start(struct account *a, struct pz_err *err);
/* Is a device authorization request for a in flight? */
int	device_requesting(const struct account *a);
/* Arm the poll for a PENDING device-flow account. */
void	device_poll_schedule(struct account *a);
void	device_poll_fired(void *arg);

#endif
