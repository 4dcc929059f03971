/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * The XOAUTH2 and OAUTHBEARER client mechanisms.  One step sends the
 * token; the next either ends the exchange (the server said OK) or
 * answers the server's error challenge so that the server can say NO:
 *
 *   STEP_START --(initial response)--> STEP_SENT
 *   STEP_SENT --(empty challenge: success)--> STEP_DONE
 *   STEP_SENT --(error challenge, we answer)--> STEP_REFUSED
 *
 * The token is the daemon's, for the account serving the authentication
 * name (and the server's host); with no daemon or no such account, the
 * application's password is used as the token.
 */
#include <stdio.h>
#include <string.h>

#include "core/secret.h"
#include "plugins/sasl/pzsasl.h"

enum step {
	STEP_START,
	STEP_SENT,
	STEP_DONE,
	STEP_REFUSED,
};

struct pzsasl_ctx {
	enum pzsasl_mech mech;
	enum step	 step;
	int		 use_password;	/* no token from pizauth: the
					 * application's password is it */
	char		*authname;	/* kept across SASL_INTERACT */
	char		*authzid;	/* may be NULL */
	char		*out;		/* our response: holds the token */
	unsigned	 outlen;
	char		 refused[512];	/* why the server said no */
};

/* Each table entry's glob_context says which mechanism it is. */
static const enum pzsasl_mech xoauth2 = PZSASL_XOAUTH2;
static const enum pzsasl_mech oauthbearer = PZSASL_OAUTHBEARER;

/* Only the authentication name is needed up front: the password is asked
 * for only when pizauth has no token for it. */
static const unsigned long required_prompts[] = {
	SASL_CB_AUTHNAME,
	SASL_CB_LIST_END,
};

static char *
sasl_strdup(const sasl_utils_t *utils, const char *s, size_t len)
{
	char *d;

	if ((d = utils->malloc(len + 1)) == NULL)
		return NULL;
	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

static void
sasl_secret_free(const sasl_utils_t *utils, char **s, size_t len)
{
	if (*s == NULL)
		return;
	utils->erasebuffer(*s, (unsigned)len);
	utils->free(*s);
	*s = NULL;
}

/* An error for the application (sasl_errdetail), also logged by libsasl2
 * through the application's log callback. */
static int
fail(const sasl_utils_t *utils, int code, const char *msg)
{
	utils->seterror(utils->conn, 0, "%s", msg);
	return code;
}

static sasl_interact_t *
find_prompt(sasl_interact_t **prompts, unsigned long id)
{
	sasl_interact_t *p;

	if (prompts == NULL || *prompts == NULL)
		return NULL;
	for (p = *prompts; p->id != SASL_CB_LIST_END; p++)
		if (p->id == id)
			return p;
	return NULL;
}

/* A name from the prompts the application filled in, or its callback.
 * SASL_OK with *val (NULL if there is none), SASL_INTERACT if the
 * application wants to be prompted, or an error. */
static int
get_name(const sasl_utils_t *utils, unsigned long id,
    sasl_interact_t **prompts, const char **val, unsigned *len)
{
	sasl_getsimple_t *cb;
	sasl_interact_t *p;
	void *cbctx;
	int r;

	*val = NULL;
	*len = 0;
	if ((p = find_prompt(prompts, id)) != NULL) {
		*val = p->result;
		*len = p->result != NULL ? p->len : 0;
		return SASL_OK;
	}
	r = utils->getcallback(utils->conn, id, (sasl_callback_ft *)&cb,
	    &cbctx);
	if (r == SASL_INTERACT)
		return SASL_INTERACT;
	if (r != SASL_OK || cb == NULL)
		return SASL_OK;
	if (cb(cbctx, id, val, len) != SASL_OK || *val == NULL) {
		*val = NULL;
		*len = 0;
	} else if (*len == 0)
		*len = (unsigned)strlen(*val);
	return SASL_OK;
}

/* The password, as get_name() does for names; *pass is the application's
 * (not to be freed). */
static int
get_password(const sasl_utils_t *utils, sasl_interact_t **prompts,
    const char **pass, unsigned *len)
{
	sasl_getsecret_t *cb;
	sasl_secret_t *secret = NULL;
	sasl_interact_t *p;
	void *cbctx;
	int r;

	*pass = NULL;
	*len = 0;
	if ((p = find_prompt(prompts, SASL_CB_PASS)) != NULL) {
		*pass = p->result;
		*len = p->result != NULL ? p->len : 0;
		return SASL_OK;
	}
	r = utils->getcallback(utils->conn, SASL_CB_PASS,
	    (sasl_callback_ft *)&cb, &cbctx);
	if (r == SASL_INTERACT)
		return SASL_INTERACT;
	if (r != SASL_OK || cb == NULL)
		return SASL_OK;
	if (cb(utils->conn, cbctx, SASL_CB_PASS, &secret) == SASL_OK &&
	    secret != NULL) {
		*pass = (const char *)secret->data;
		*len = (unsigned)secret->len;
	}
	return SASL_OK;
}

/* Prompts for what the application must be asked (an empty prompt
 * string means not wanted). */
static int
make_prompts(const sasl_utils_t *utils, sasl_interact_t **prompts,
    int authname, int user, int pass)
{
	sasl_interact_t *p;
	int n = 1 + authname + user + pass;

	if ((p = utils->malloc(sizeof(*p) * (unsigned)n)) == NULL)
		return fail(utils, SASL_NOMEM, "pizauth: out of memory");
	memset(p, 0, sizeof(*p) * (unsigned)n);
	*prompts = p;
	if (user) {
		p->id = SASL_CB_USER;
		p->challenge = "Authorization Name";
		p->prompt = "Please enter your authorization name";
		p++;
	}
	if (authname) {
		p->id = SASL_CB_AUTHNAME;
		p->challenge = "Authentication Name";
		p->prompt = "Please enter your authentication name";
		p++;
	}
	if (pass) {
		p->id = SASL_CB_PASS;
		p->challenge = "Password";
		p->prompt = "Please enter your password (the access token)";
		p++;
	}
	p->id = SASL_CB_LIST_END;
	return SASL_INTERACT;
}

static void
free_prompts(const sasl_utils_t *utils, sasl_interact_t **prompts)
{
	if (prompts != NULL && *prompts != NULL) {
		utils->free(*prompts);
		*prompts = NULL;
	}
}

/* The authentication name (and authorisation id) into ctx. */
static int
take_names(struct pzsasl_ctx *ctx, const sasl_utils_t *utils,
    sasl_interact_t **prompts)
{
	const char *auth, *user;
	unsigned alen, ulen;
	int ra, ru;

	ra = get_name(utils, SASL_CB_AUTHNAME, prompts, &auth, &alen);
	ru = get_name(utils, SASL_CB_USER, prompts, &user, &ulen);
	if (ra != SASL_OK && ra != SASL_INTERACT)
		return ra;
	if (ra == SASL_INTERACT || ru == SASL_INTERACT) {
		free_prompts(utils, prompts);
		return make_prompts(utils, prompts, ra == SASL_INTERACT,
		    ru == SASL_INTERACT, 0);
	}
	if (auth == NULL || alen == 0)
		return fail(utils, SASL_BADPARAM,
		    "pizauth: no authentication name (user) to find the "
		    "account by");
	if ((ctx->authname = sasl_strdup(utils, auth, alen)) == NULL ||
	    (user != NULL && ulen > 0 &&
	    (ctx->authzid = sasl_strdup(utils, user, ulen)) == NULL))
		return fail(utils, SASL_NOMEM, "pizauth: out of memory");
	return SASL_OK;
}

/* "IP;PORT" (sasl_client_new()'s ipremoteport) -> PORT, or NULL. */
static const char *
remote_port(const sasl_client_params_t *params, char *buf, size_t buflen)
{
	const char *semi, *p;

	if (params->ipremoteport == NULL ||
	    (semi = strrchr(params->ipremoteport, ';')) == NULL)
		return NULL;
	for (p = semi + 1; *p >= '0' && *p <= '9'; p++)
		;
	if (p == semi + 1 || *p != '\0' || (size_t)(p - semi) > buflen)
		return NULL;
	memcpy(buf, semi + 1, (size_t)(p - semi));
	return buf;
}

/* The names the server sees, as libsasl2 wants them recorded. */
static int
canon(struct pzsasl_ctx *ctx, sasl_client_params_t *params,
    sasl_out_params_t *oparams)
{
	int r;

	if (ctx->mech == PZSASL_OAUTHBEARER && ctx->authzid != NULL &&
	    strcmp(ctx->authzid, ctx->authname) != 0) {
		r = params->canon_user(params->utils->conn, ctx->authzid, 0,
		    SASL_CU_AUTHZID, oparams);
		if (r == SASL_OK)
			r = params->canon_user(params->utils->conn,
			    ctx->authname, 0, SASL_CU_AUTHID, oparams);
		return r;
	}
	return params->canon_user(params->utils->conn, ctx->authname, 0,
	    SASL_CU_AUTHID | SASL_CU_AUTHZID, oparams);
}

/* The first step: find the token and send it. */
static int
step_start(struct pzsasl_ctx *ctx, sasl_client_params_t *params,
    sasl_interact_t **prompts, const char **clientout,
    unsigned *clientoutlen, sasl_out_params_t *oparams)
{
	const sasl_utils_t *utils = params->utils;
	struct pz_buf resp = PZ_BUF_INIT;
	struct pzsasl_query q;
	struct pz_err err;
	char portbuf[8], *token = NULL;
	const char *pass;
	unsigned passlen;
	int r;

	if (ctx->authname == NULL &&
	    (r = take_names(ctx, utils, prompts)) != SASL_OK)
		return r;
	q.user = ctx->authname;
	q.host = params->serverFQDN != NULL && *params->serverFQDN != '\0' ?
	    params->serverFQDN : NULL;
	q.port = remote_port(params, portbuf, sizeof(portbuf));

	if (!ctx->use_password) {
		switch (pzsasl_token_get(&q, &token, &err)) {
		case PZSASL_TOKEN:
			break;
		case PZSASL_FALLBACK:
			/* Not ours: as with a PassCmd, the application's
			 * password is the token.  Postfix hides notes: with
			 * its socket named, a mismatch must show. */
			utils->log(utils->conn, pzsasl_socket_pinned() ?
			    SASL_LOG_WARN : SASL_LOG_NOTE, "%s; using the "
			    "application's password as the token", err.msg);
			ctx->use_password = 1;
			break;
		case PZSASL_NOT_YET:
			free_prompts(utils, prompts);
			return fail(utils, SASL_TRYAGAIN, err.msg);
		case PZSASL_FAILED:
			free_prompts(utils, prompts);
			return fail(utils, SASL_FAIL, err.msg);
		}
	}
	if (ctx->use_password) {
		r = get_password(utils, prompts, &pass, &passlen);
		if (r == SASL_INTERACT) {
			free_prompts(utils, prompts);
			return make_prompts(utils, prompts, 0, 0, 1);
		}
		if (pass == NULL || passlen == 0) {
			free_prompts(utils, prompts);
			snprintf(err.msg, sizeof(err.msg), "pizauth: no token "
			    "for user '%s' and no password to use instead",
			    ctx->authname);
			return fail(utils, SASL_BADPARAM, err.msg);
		}
		if ((token = pz_strndup(pass, passlen)) == NULL) {
			free_prompts(utils, prompts);
			return fail(utils, SASL_NOMEM, "pizauth: out of memory");
		}
	}
	free_prompts(utils, prompts);

	r = canon(ctx, params, oparams);
	if (r == SASL_OK && pzsasl_wire_response(ctx->mech, ctx->authzid, &q,
	    token, &resp) == -1)
		r = fail(utils, SASL_BADPARAM, "pizauth: cannot send these "
		    "names");
	pz_secret_free(token);
	if (r == SASL_OK) {
		sasl_secret_free(utils, &ctx->out, ctx->outlen);
		if ((ctx->out = sasl_strdup(utils, resp.data, resp.len)) ==
		    NULL)
			r = fail(utils, SASL_NOMEM, "pizauth: out of memory");
		else
			ctx->outlen = (unsigned)resp.len;
	}
	pz_buf_clear(&resp);
	if (r != SASL_OK)
		return r;
	*clientout = ctx->out;
	*clientoutlen = ctx->outlen;
	ctx->step = STEP_SENT;
	return SASL_CONTINUE;
}

static void
done(sasl_out_params_t *oparams)
{
	oparams->doneflag = 1;
	oparams->mech_ssf = 0;
	oparams->maxoutbuf = 0;
	oparams->encode_context = NULL;
	oparams->encode = NULL;
	oparams->decode_context = NULL;
	oparams->decode = NULL;
	oparams->param_version = 0;
}

int
pzsasl_mech_new(void *glob_context, sasl_client_params_t *params,
    void **conn_context)
{
	const sasl_utils_t *utils = params->utils;
	struct pzsasl_ctx *ctx;

	if ((ctx = utils->malloc(sizeof(*ctx))) == NULL)
		return fail(utils, SASL_NOMEM, "pizauth: out of memory");
	memset(ctx, 0, sizeof(*ctx));
	ctx->mech = *(const enum pzsasl_mech *)glob_context;
	ctx->step = STEP_START;
	*conn_context = ctx;
	return SASL_OK;
}

int
pzsasl_mech_step(void *conn_context, sasl_client_params_t *params,
    const char *serverin, unsigned serverinlen,
    sasl_interact_t **prompt_need, const char **clientout,
    unsigned *clientoutlen, sasl_out_params_t *oparams)
{
	struct pzsasl_ctx *ctx = conn_context;
	const sasl_utils_t *utils = params->utils;

	*clientout = NULL;
	*clientoutlen = 0;
	switch (ctx->step) {
	case STEP_START:
		/* A server-first exchange starts with an empty challenge. */
		return step_start(ctx, params, prompt_need, clientout,
		    clientoutlen, oparams);
	case STEP_SENT:
		sasl_secret_free(utils, &ctx->out, ctx->outlen);
		if (serverin == NULL || serverinlen == 0) {
			/* The server accepted: the application steps once
			 * more with its (empty) success data. */
			ctx->step = STEP_DONE;
			done(oparams);
			return SASL_OK;
		}
		/* An error challenge: answer it (XOAUTH2: empty; RFC 7628:
		 * ^A) so that the server can finish with its NO. */
		pzsasl_wire_server_error(serverin, serverinlen, ctx->refused,
		    sizeof(ctx->refused));
		utils->seterror(utils->conn, 0, "%s", ctx->refused);
		ctx->step = STEP_REFUSED;
		*clientout = ctx->mech == PZSASL_XOAUTH2 ? "" : "\001";
		*clientoutlen = ctx->mech == PZSASL_XOAUTH2 ? 0 : 1;
		return SASL_CONTINUE;
	case STEP_DONE:
		return SASL_OK;
	case STEP_REFUSED:
		break;
	}
	return fail(utils, SASL_BADAUTH, ctx->refused);
}

void
pzsasl_mech_dispose(void *conn_context, const sasl_utils_t *utils)
{
	struct pzsasl_ctx *ctx = conn_context;

	if (ctx == NULL)
		return;
	sasl_secret_free(utils, &ctx->out, ctx->outlen);
	if (ctx->authname != NULL)
		utils->free(ctx->authname);
	if (ctx->authzid != NULL)
		utils->free(ctx->authzid);
	utils->erasebuffer((char *)ctx, sizeof(*ctx));
	utils->free(ctx);
}

sasl_client_plug_t pzsasl_mech_plugins[2] = {
	{
		"XOAUTH2",			/* mech_name */
		0,				/* max_ssf: as PLAIN's */
		SASL_SEC_NOANONYMOUS,		/* security_flags: as PLAIN's */
		SASL_FEAT_WANT_CLIENT_FIRST,	/* features: no authzid */
		required_prompts,		/* required_prompts */
		(void *)&xoauth2,		/* glob_context */
		pzsasl_mech_new,		/* mech_new */
		pzsasl_mech_step,		/* mech_step */
		pzsasl_mech_dispose,		/* mech_dispose */
		NULL,				/* mech_free */
		NULL,				/* idle */
		NULL,				/* spare_fptr1 */
		NULL,				/* spare_fptr2 */
	},
	{
		"OAUTHBEARER",			/* mech_name */
		0,				/* max_ssf: as PLAIN's */
		SASL_SEC_NOANONYMOUS,		/* security_flags: as PLAIN's */
		SASL_FEAT_WANT_CLIENT_FIRST |
		SASL_FEAT_ALLOWS_PROXY,		/* features: a= is the authzid */
		required_prompts,		/* required_prompts */
		(void *)&oauthbearer,		/* glob_context */
		pzsasl_mech_new,		/* mech_new */
		pzsasl_mech_step,		/* mech_step */
		pzsasl_mech_dispose,		/* mech_dispose */
		NULL,				/* mech_free */
		NULL,				/* idle */
		NULL,				/* spare_fptr1 */
		NULL,				/* spare_fptr2 */
	},
};
