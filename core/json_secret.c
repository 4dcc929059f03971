/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* Wiping jansson trees that held secrets. */
#include "core/json_secret.h"
#include "core/secret.h"

/* jansson bounds nesting depth on parsing, so the recursion is bounded. */
void
pz_json_wipe(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_string(j)) {
		/* jansson owns a private copy; nothing else reads it. */
		pz_wipe((char *)json_string_value(j), json_string_length(j));
	} else if (json_is_object(j)) {
		json_object_foreach(j, key, v)
			pz_json_wipe(v);
	} else if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			pz_json_wipe(v);
	}
}

void
pz_json_wipe_decref(json_t *j)
{
	if (j == NULL)
		return;
	pz_json_wipe(j);
	json_decref(j);
}
