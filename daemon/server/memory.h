/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * Keeping the daemon's memory to what it uses: it runs for months and its
 * large allocations (a configuration's text, a status reply for thousands
 * of accounts) are short-lived.  Both are no-ops outside glibc.
 */
#ifndef PZD_MEMORY_H
#define PZD_MEMORY_H

/* Call first: fix malloc's thresholds so large blocks go back to the
 * kernel when freed. */
void	memory_init(void);
/* After (re)loading a configuration: give freed memory back. */
void	memory_trim(void);

#endif
