/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauth.conf lexer: turns text into tokens with the rules and tie-breaks
 * of pizauth 1.1.0's config.l (longest match, earliest rule on a tie, one
 * UNMATCHED token per character nothing else matches), so that syntax
 * errors land on the same lexemes.  Also the position helpers every config
 * message needs: columns count characters, not bytes, as pizauth's do.
 */
#ifndef PZ_CONFIG_LEX_H
#define PZ_CONFIG_LEX_H

#include <stddef.h>

/* Token kinds.  The order is the order repairs are listed in on a tie. */
enum pz_tk {
	PZ_TK_EOF,		/* the parser's end; never lexed */
	PZ_TK_TIME,
	PZ_TK_INT,
	PZ_TK_STRING,
	PZ_TK_EQ,
	PZ_TK_COMMA,
	PZ_TK_LBRACE,
	PZ_TK_RBRACE,
	PZ_TK_LBRACK,
	PZ_TK_RBRACK,
	PZ_TK_SEMI,
	PZ_TK_COLON,
	/* Keywords, sorted: pz_lex_keyword() searches them. */
	PZ_TK_ACCOUNT,
	PZ_TK_AUTH_ERROR_CMD,
	PZ_TK_AUTH_NOTIFY_CMD,
	PZ_TK_AUTH_NOTIFY_INTERVAL,
	PZ_TK_AUTH_URI,
	PZ_TK_AUTH_URI_FIELDS,
	PZ_TK_CLIENT_ID,
	PZ_TK_CLIENT_SECRET,
	PZ_TK_DEVICE_AUTH_URI,	/* extension */
	PZ_TK_ERROR_NOTIFY_CMD,
	PZ_TK_FLOW,		/* extension */
	PZ_TK_HOSTS,		/* extension */
	PZ_TK_HTTP_LISTEN,
	PZ_TK_HTTPS_LISTEN,
	PZ_TK_ISSUER,		/* extension */
	PZ_TK_LOGIN_HINT,
	PZ_TK_NONE,
	PZ_TK_NOT_TRANSIENT_ERROR_IF,	/* removed in 0.3; kept to say so */
	PZ_TK_REDIRECT_URI,
	PZ_TK_REFRESH_AT_LEAST,
	PZ_TK_REFRESH_BEFORE_EXPIRY,
	PZ_TK_REFRESH_RETRY,
	PZ_TK_REVOKE_URI,	/* extension */
	PZ_TK_SCOPES,
	PZ_TK_STARTUP_CMD,
	PZ_TK_TOKEN_EVENT_CMD,
	PZ_TK_TOKEN_URI,
	PZ_TK_TRANSIENT_ERROR_IF_CMD,
	PZ_TK_USERS,		/* extension */
	PZ_TK_UNMATCHED,	/* a character no rule matches */
	PZ_TK__COUNT
};

struct pz_tok {
	enum pz_tk	 kind;
	size_t		 start;		/* byte offsets into the text */
	size_t		 end;
};

struct pz_toks {
	struct pz_tok	*v;
	size_t		 n;
};

/* Is text valid UTF-8 (as Rust's str demands: no overlongs, surrogates or
 * code points past U+10FFFF)? */
int		 pz_lex_utf8_valid(const char *text, size_t len);
/* Split valid UTF-8 text into tokens, dropping whitespace and comments.
 * Returns 0, or -1 on allocation failure. */
int		 pz_lex(const char *text, size_t len, struct pz_toks *toks);
void		 pz_lex_free(struct pz_toks *toks);
/* The name pizauth's messages give a token kind ("ACCOUNT", ";", ...). */
const char	*pz_lex_name(enum pz_tk kind);
/* The keyword spelt by s[0..len), or PZ_TK_EOF if none. */
enum pz_tk	 pz_lex_keyword(const char *s, size_t len);

/* 1-based line and character column of byte offset off. */
void		 pz_lex_line_col(const char *text, size_t len, size_t off,
		    size_t *line, size_t *col);
/* The bounds of the line holding byte offset off, without its newline. */
void		 pz_lex_line_bounds(const char *text, size_t len, size_t off,
		    size_t *start, size_t *end);

#endif
