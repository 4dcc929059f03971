/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* The plugin's one exported symbol: libsasl2 calls it when it loads us. */
#include "plugins/sasl/pzsasl.h"

int
sasl_client_plug_init(const sasl_utils_t *utils, int maxversion,
    int *out_version, sasl_client_plug_t **pluglist, int *plugcount)
{
	if (maxversion < SASL_CLIENT_PLUG_VERSION) {
		utils->seterror(utils->conn, 0, "pizauth: SASL client plugin "
		    "version %d is older than ours (%d)", maxversion,
		    SASL_CLIENT_PLUG_VERSION);
		return SASL_BADVERS;
	}
	*out_version = SASL_CLIENT_PLUG_VERSION;
	*pluglist = pzsasl_mech_plugins;
	*plugcount = (int)(sizeof(pzsasl_mech_plugins) /
	    sizeof(pzsasl_mech_plugins[0]));
	return SASL_OK;
}
