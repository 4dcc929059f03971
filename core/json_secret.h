/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * jansson trees that held secrets (token responses, dumps): wipe every
 * string in them before jansson frees them.
 */
#ifndef PZ_JSON_SECRET_H
#define PZ_JSON_SECRET_H

#include <jansson.h>

/* Overwrite every string in j (recursively). */
void	pz_json_wipe(json_t *j);
/* pz_json_wipe() then json_decref().  NULL is a no-op. */
void	pz_json_wipe_decref(json_t *j);

#endif
