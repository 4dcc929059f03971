/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/* pizauth info [-j]: where pizauth looks for things and what the server is
 * listening on. */
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/ctl_client.h"
#include "core/paths.h"
#include "daemon/client/client.h"

/* Bumped when the JSON changes incompatibly; 2 is pizauth 1.1.0's. */
#define INFO_FORMAT_VERSION	2

struct info_opts {
	int		 json;
	const char	*conf;
};

static void
on_opt(int c, const char *arg, void *ctx)
{
	struct info_opts *o = ctx;

	if (c == 'j')
		o->json = 1;
	else if (c == 'c')
		o->conf = arg;
}

/* The daemon's info object, or NULL when no server answers. */
static json_t *
server_info(void)
{
	struct pz_buf sock = PZ_BUF_INIT, reply = PZ_BUF_INIT;
	struct pz_err err;
	json_t *j = NULL;

	if (pz_paths_socket(&sock, 0, &err) == 0 &&
	    pz_ctl_call(pz_buf_str(&sock), "info:", 5, &reply, 5000, 0,
	    &err) == 0)
		j = json_loadb(pz_buf_str(&reply), reply.len, 0, NULL);
	pz_buf_clear(&sock);
	pz_buf_clear(&reply);
	if (j != NULL && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static const char *
field(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "none";
}

static int
cmd_info(int argc, char **argv)
{
	struct info_opts o = { 0, NULL };
	struct pz_buf cache = PZ_BUF_INIT, conf = PZ_BUF_INIT;
	struct pz_err err;
	json_t *srv, *j;
	char *s;

	if (client_getopt(argc, argv, "jc:", on_opt, &o) != argc)
		return client_usage();
	if (pz_paths_cache_dir(&cache, 1, &err) == -1 ||
	    pz_paths_config(o.conf, 1, &conf, &err) == -1) {
		pz_buf_clear(&cache);
		pz_buf_clear(&conf);
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	srv = server_info();
	if (o.json) {
		j = json_pack("{s:s, s:s, s:s, s:i, s:s, s:b}",
		    "cache_directory", pz_buf_str(&cache),
		    "config_file", pz_buf_str(&conf),
		    "executed_as", "pizauth",
		    "info_format_version", INFO_FORMAT_VERSION,
		    "pizauth_version", PZ_VERSION,
		    "server_running", srv != NULL);
		if (j != NULL && srv != NULL)
			json_object_set(j, "server_info", srv);
		if (j == NULL || (s = json_dumps(j, JSON_COMPACT |
		    JSON_SORT_KEYS)) == NULL) {
			json_decref(j);
			json_decref(srv);
			return client_error("Out of memory");
		}
		puts(s);
		free(s);
		json_decref(j);
	} else {
		printf("pizauth version %s:\n  cache directory: %s\n"
		    "  config file: %s\n", PZ_VERSION, pz_buf_str(&cache),
		    pz_buf_str(&conf));
		if (srv != NULL) {
			printf("server running:\n  HTTP port: %s\n"
			    "  HTTPS port: %s\n", field(srv, "http_port"),
			    field(srv, "https_port"));
			if (json_object_get(srv, "https_pub_key") != NULL)
				printf("  HTTPS public key: %s\n",
				    field(srv, "https_pub_key"));
		} else
			puts("server not running");
	}
	json_decref(srv);
	pz_buf_clear(&cache);
	pz_buf_clear(&conf);
	return 0;
}

const struct cmd_entry cmd_info_entry = { "info", "[-j]", cmd_info };
