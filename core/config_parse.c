/* SPDX-License-Identifier: Apache-2.0 OR MIT */
/*
 * pizauth.conf syntax: the grammar as a small automaton, and error
 * recovery that reports what pizauth's parser reports.
 *
 * pizauth's grammar nests at most three deep, so its language is regular
 * and an automaton over tokens recognises exactly the prefixes its LR
 * parser accepts; a syntax error is therefore found at the same lexeme.
 * pizauth then searches for the cheapest repair sequences (CPCT+, from
 * Diekmann and Tratt, "Don't Panic!"): inserting or deleting a token costs
 * 1, shifting one costs nothing, a sequence succeeds once it is followed by
 * three shifts or reaches the end of a valid file, and an insert never
 * follows a delete.  Of the cheapest, it keeps those that let parsing go
 * furthest, drops trailing shifts, removes duplicates, puts those that
 * insert a STRING last, then shorter first, applies the first and goes on.
 * We do the same.  Where pizauth's order is unspecified (it is, among
 * equals) ours is by repair kind and token, and a work budget stands in for
 * pizauth's half-second time budget, so that output is reproducible.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config_lex.h"
#include "core/config_p.h"

/* States of the automaton; comments show what has just been read. */
enum st {
	ST_TOP,		/* start, or a complete top-level item; EOF accepts */
	ST_G_EQ_S,	/* global key taking "string" */
	ST_G_EQ_T,	/* global key taking a time */
	ST_G_EQ_L,	/* global key taking "string" or none */
	ST_G_VAL_S,	/* ... = */
	ST_G_VAL_T,
	ST_G_VAL_L,
	ST_G_SEMI,	/* global value */
	ST_A_NAME,	/* account */
	ST_A_OPEN,	/* account "name" */
	ST_A_BODY,	/* account "name" { ... */
	ST_F_EQ_S,	/* account key taking "string" */
	ST_F_EQ_T,	/* account key taking a time */
	ST_F_EQ_LIST,	/* account key taking ["a", ...] */
	ST_F_EQ_MAP,	/* account key taking {"k": "v", ...} */
	ST_F_VAL_S,	/* ... = */
	ST_F_VAL_T,
	ST_F_SEMI,	/* account value */
	ST_L_OPEN,	/* list key = */
	ST_L_FIRST,	/* [ */
	ST_L_AFTER,	/* [ ... "s" */
	ST_L_NEXT,	/* [ ... , */
	ST_M_OPEN,	/* map key = */
	ST_M_FIRST,	/* { */
	ST_M_COLON,	/* { ... "k" */
	ST_M_VAL,	/* { ... "k": */
	ST_M_AFTER,	/* { ... "k": "v" */
	ST_M_NEXT,	/* { ... , */
	ST__COUNT
};

#define NO_ST		0xff

#define PARSE_AT_LEAST	3	/* shifts that make a repair a success */
#define TRY_PARSE_AT_MOST 250	/* how far candidates are tried */
#define MAX_WORK	200000	/* search nodes per file */
#define MAX_SEQS	1000	/* repair sequences kept per error */
#define MAX_MSG		4096	/* what fits in a struct pz_err */

enum pz_vk
pz_cfg_global_key(enum pz_tk kind)
{
	switch (kind) {
	case PZ_TK_AUTH_ERROR_CMD:
	case PZ_TK_AUTH_NOTIFY_CMD:
	case PZ_TK_ERROR_NOTIFY_CMD:
	case PZ_TK_NOT_TRANSIENT_ERROR_IF:
	case PZ_TK_STARTUP_CMD:
	case PZ_TK_TOKEN_EVENT_CMD:
	case PZ_TK_TRANSIENT_ERROR_IF_CMD:
		return PZ_VK_STRING;
	case PZ_TK_AUTH_NOTIFY_INTERVAL:
	case PZ_TK_REFRESH_AT_LEAST:
	case PZ_TK_REFRESH_BEFORE_EXPIRY:
	case PZ_TK_REFRESH_RETRY:
		return PZ_VK_TIME;
	case PZ_TK_HTTP_LISTEN:
	case PZ_TK_HTTPS_LISTEN:
		return PZ_VK_LISTEN;
	default:
		return PZ_VK_BAD;
	}
}

enum pz_vk
pz_cfg_account_key(enum pz_tk kind)
{
	switch (kind) {
	case PZ_TK_AUTH_URI:
	case PZ_TK_CLIENT_ID:
	case PZ_TK_CLIENT_SECRET:
	case PZ_TK_DEVICE_AUTH_URI:
	case PZ_TK_FLOW:
	case PZ_TK_ISSUER:
	case PZ_TK_LOGIN_HINT:
	case PZ_TK_NOT_TRANSIENT_ERROR_IF:
	case PZ_TK_REDIRECT_URI:
	case PZ_TK_REVOKE_URI:
	case PZ_TK_TOKEN_URI:
		return PZ_VK_STRING;
	case PZ_TK_REFRESH_AT_LEAST:
	case PZ_TK_REFRESH_BEFORE_EXPIRY:
	case PZ_TK_REFRESH_RETRY:
		return PZ_VK_TIME;
	case PZ_TK_HOSTS:
	case PZ_TK_SCOPES:
	case PZ_TK_USERS:
		return PZ_VK_LIST;
	case PZ_TK_AUTH_URI_FIELDS:
		return PZ_VK_MAP;
	default:
		return PZ_VK_BAD;
	}
}

/*
 * May recovery suggest inserting kind?  Only tokens of pizauth 1.1.0's own
 * grammar, so that a file gets the suggestions pizauth would make; our
 * extension keys and the retired not_transient_error_if are never offered.
 */
static int
insertable(enum pz_tk kind)
{
	switch (kind) {
	case PZ_TK_EOF:
	case PZ_TK_INT:
	case PZ_TK_UNMATCHED:
	case PZ_TK_DEVICE_AUTH_URI:
	case PZ_TK_FLOW:
	case PZ_TK_HOSTS:
	case PZ_TK_ISSUER:
	case PZ_TK_NOT_TRANSIENT_ERROR_IF:
	case PZ_TK_REVOKE_URI:
	case PZ_TK_USERS:
		return 0;
	default:
		return 1;
	}
}

/* pizauth's %avoid_insert: sequences inserting these are listed last. */
static int
avoid_insert(enum pz_tk kind)
{
	return kind == PZ_TK_STRING || kind == PZ_TK_INT;
}

/* The state after reading t in state s, or NO_ST if t can't come next. */
static uint8_t
step(uint8_t s, enum pz_tk t)
{
	switch (s) {
	case ST_TOP:
		if (t == PZ_TK_ACCOUNT)
			return ST_A_NAME;
		switch (pz_cfg_global_key(t)) {
		case PZ_VK_STRING: return ST_G_EQ_S;
		case PZ_VK_TIME: return ST_G_EQ_T;
		case PZ_VK_LISTEN: return ST_G_EQ_L;
		default: return NO_ST;
		}
	case ST_G_EQ_S:
		return t == PZ_TK_EQ ? ST_G_VAL_S : NO_ST;
	case ST_G_EQ_T:
		return t == PZ_TK_EQ ? ST_G_VAL_T : NO_ST;
	case ST_G_EQ_L:
		return t == PZ_TK_EQ ? ST_G_VAL_L : NO_ST;
	case ST_G_VAL_S:
		return t == PZ_TK_STRING ? ST_G_SEMI : NO_ST;
	case ST_G_VAL_T:
		return t == PZ_TK_TIME ? ST_G_SEMI : NO_ST;
	case ST_G_VAL_L:
		return t == PZ_TK_STRING || t == PZ_TK_NONE ? ST_G_SEMI : NO_ST;
	case ST_G_SEMI:
		return t == PZ_TK_SEMI ? ST_TOP : NO_ST;
	case ST_A_NAME:
		return t == PZ_TK_STRING ? ST_A_OPEN : NO_ST;
	case ST_A_OPEN:
		return t == PZ_TK_LBRACE ? ST_A_BODY : NO_ST;
	case ST_A_BODY:
		if (t == PZ_TK_RBRACE)
			return ST_TOP;
		switch (pz_cfg_account_key(t)) {
		case PZ_VK_STRING: return ST_F_EQ_S;
		case PZ_VK_TIME: return ST_F_EQ_T;
		case PZ_VK_LIST: return ST_F_EQ_LIST;
		case PZ_VK_MAP: return ST_F_EQ_MAP;
		default: return NO_ST;
		}
	case ST_F_EQ_S:
		return t == PZ_TK_EQ ? ST_F_VAL_S : NO_ST;
	case ST_F_EQ_T:
		return t == PZ_TK_EQ ? ST_F_VAL_T : NO_ST;
	case ST_F_EQ_LIST:
		return t == PZ_TK_EQ ? ST_L_OPEN : NO_ST;
	case ST_F_EQ_MAP:
		return t == PZ_TK_EQ ? ST_M_OPEN : NO_ST;
	case ST_F_VAL_S:
		return t == PZ_TK_STRING ? ST_F_SEMI : NO_ST;
	case ST_F_VAL_T:
		return t == PZ_TK_TIME ? ST_F_SEMI : NO_ST;
	case ST_F_SEMI:
		return t == PZ_TK_SEMI ? ST_A_BODY : NO_ST;
	case ST_L_OPEN:
		return t == PZ_TK_LBRACK ? ST_L_FIRST : NO_ST;
	case ST_L_FIRST:
		/* The grammar's empty list lets a comma come first. */
		if (t == PZ_TK_STRING)
			return ST_L_AFTER;
		if (t == PZ_TK_COMMA)
			return ST_L_NEXT;
		return t == PZ_TK_RBRACK ? ST_F_SEMI : NO_ST;
	case ST_L_AFTER:
		if (t == PZ_TK_COMMA)
			return ST_L_NEXT;
		return t == PZ_TK_RBRACK ? ST_F_SEMI : NO_ST;
	case ST_L_NEXT:
		return t == PZ_TK_STRING ? ST_L_AFTER : NO_ST;
	case ST_M_OPEN:
		return t == PZ_TK_LBRACE ? ST_M_FIRST : NO_ST;
	case ST_M_FIRST:
		if (t == PZ_TK_STRING)
			return ST_M_COLON;
		if (t == PZ_TK_COMMA)
			return ST_M_NEXT;
		return t == PZ_TK_RBRACE ? ST_F_SEMI : NO_ST;
	case ST_M_COLON:
		return t == PZ_TK_COLON ? ST_M_VAL : NO_ST;
	case ST_M_VAL:
		return t == PZ_TK_STRING ? ST_M_AFTER : NO_ST;
	case ST_M_AFTER:
		if (t == PZ_TK_COMMA)
			return ST_M_NEXT;
		return t == PZ_TK_RBRACE ? ST_F_SEMI : NO_ST;
	case ST_M_NEXT:
		return t == PZ_TK_STRING ? ST_M_COLON : NO_ST;
	default:
		return NO_ST;
	}
}

enum rk { RK_INSERT, RK_DELETE, RK_SHIFT };

/* One repair: an inserted token kind, or the lexeme deleted or shifted. */
struct repair {
	uint8_t		 kind;		/* enum rk */
	uint8_t		 tok;		/* RK_INSERT: enum pz_tk */
	uint32_t	 laidx;		/* RK_DELETE, RK_SHIFT: the lexeme */
};

struct seq {
	struct repair	*r;
	size_t		 n;
	int		 avoid;		/* inserts a STRING */
};

/* A search node: a parser configuration reached at some cost. */
struct node {
	uint32_t	 laidx;
	uint32_t	 edges;		/* first incoming edge + 1, or 0 */
	uint8_t		 st;
	uint8_t		 trail;		/* trailing shifts, at most 3 */
	uint8_t		 enddel;	/* last repair was a delete */
};

/* How a node was reached: from a node, by one repair. */
struct edge {
	uint32_t	 from;
	uint32_t	 next;		/* next incoming edge + 1, or 0 */
	uint8_t		 kind;
	uint8_t		 tok;
};

/* The nodes of one cost: a list and an index for merging equals. */
struct bucket {
	uint32_t	*ids;
	size_t		 n, cap;
	uint32_t	*slots;		/* open addressing: node id + 1 */
	size_t		 nslots;
};

struct search {
	const struct pz_toks *toks;
	struct node	*nodes;
	size_t		 nnodes, capnodes;
	struct edge	*edges;
	size_t		 nedges, capedges;
	size_t		*work;		/* budget left for the whole file */
};

struct parser {
	const char	*text;
	size_t		 len;
	const struct pz_toks *toks;
	struct pz_buf	*errs;
	size_t		 work;
	int		 nerrs;
};

static enum pz_tk
tok_at(const struct pz_toks *toks, size_t laidx)
{
	return laidx < toks->n ? toks->v[laidx].kind : PZ_TK_EOF;
}

/* Make room for element n of the array whose pointer is at pp. */
static int
grow(void *pp, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *v, *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	if (ncap > SIZE_MAX / size || ncap > UINT32_MAX - 1)
		return -1;
	/* memcpy, not a void ** cast: the pointer isn't a void *. */
	memcpy(&v, pp, sizeof(v));
	if ((nv = realloc(v, ncap * size)) == NULL)
		return -1;
	memcpy(pp, &nv, sizeof(nv));
	*cap = ncap;
	return 0;
}

static size_t
node_hash(uint32_t laidx, uint8_t st, uint8_t trail, uint8_t enddel)
{
	uint64_t h = ((uint64_t)laidx << 16) ^ ((uint64_t)st << 8) ^
	    ((uint64_t)trail << 1) ^ enddel;

	h *= 0x9e3779b97f4a7c15ULL;
	return (size_t)(h >> 17);
}

static int
bucket_rehash(struct bucket *b, const struct node *nodes)
{
	size_t nslots = b->nslots ? b->nslots * 2 : 64, i, j;
	const struct node *nd;
	uint32_t *slots;

	if (nslots > SIZE_MAX / sizeof(*slots))
		return -1;
	if ((slots = calloc(nslots, sizeof(*slots))) == NULL)
		return -1;
	for (i = 0; i < b->n; i++) {
		nd = &nodes[b->ids[i]];
		j = node_hash(nd->laidx, nd->st, nd->trail, nd->enddel) &
		    (nslots - 1);
		while (slots[j] != 0)
			j = (j + 1) & (nslots - 1);
		slots[j] = b->ids[i] + 1;
	}
	free(b->slots);
	b->slots = slots;
	b->nslots = nslots;
	return 0;
}

static void
bucket_free(struct bucket *b)
{
	free(b->ids);
	free(b->slots);
	memset(b, 0, sizeof(*b));
}

/*
 * Reach the configuration (st, laidx, trail, enddel) in bucket b from node
 * from by repair (kind, tok): a new node, or one more way into an equal
 * one.  Returns 0, 1 if the work budget is spent, -1 on allocation failure.
 */
static int
reach(struct search *s, struct bucket *b, uint32_t from, uint8_t kind,
    uint8_t tok, uint8_t st, uint32_t laidx, uint8_t trail, uint8_t enddel)
{
	struct node *nd;
	struct edge *e;
	uint32_t id = UINT32_MAX;
	size_t j;

	if (b->n * 2 >= b->nslots && bucket_rehash(b, s->nodes) == -1)
		return -1;
	j = node_hash(laidx, st, trail, enddel) & (b->nslots - 1);
	while (b->slots[j] != 0) {
		nd = &s->nodes[b->slots[j] - 1];
		if (nd->laidx == laidx && nd->st == st && nd->trail == trail &&
		    nd->enddel == enddel) {
			id = b->slots[j] - 1;
			break;
		}
		j = (j + 1) & (b->nslots - 1);
	}
	if (id == UINT32_MAX) {
		if (*s->work == 0)
			return 1;
		(*s->work)--;
		if (grow(&s->nodes, &s->capnodes, s->nnodes,
		    sizeof(*s->nodes)) == -1 ||
		    grow(&b->ids, &b->cap, b->n, sizeof(*b->ids)) == -1)
			return -1;
		id = (uint32_t)s->nnodes++;
		nd = &s->nodes[id];
		nd->laidx = laidx;
		nd->st = st;
		nd->trail = trail;
		nd->enddel = enddel;
		nd->edges = 0;
		b->ids[b->n++] = id;
		b->slots[j] = id + 1;
	}
	if (grow(&s->edges, &s->capedges, s->nedges,
	    sizeof(*s->edges)) == -1)
		return -1;
	e = &s->edges[s->nedges];
	e->from = from;
	e->kind = kind;
	e->tok = tok;
	e->next = s->nodes[id].edges;
	s->nodes[id].edges = (uint32_t)++s->nedges;
	return 0;
}

static int
is_success(const struct search *s, const struct node *nd)
{
	return nd->trail >= PARSE_AT_LEAST ||
	    (nd->st == ST_TOP && nd->laidx == s->toks->n);
}

/* Parse on without repairs from (st, laidx) as pizauth's lr_upto does:
 * until an error, the end of input, or end. */
static size_t
parse_upto(const struct pz_toks *toks, uint8_t st, size_t laidx, size_t end)
{
	uint8_t ns;

	while (laidx != end && laidx < toks->n) {
		if ((ns = step(st, toks->v[laidx].kind)) == NO_ST)
			break;
		st = ns;
		laidx++;
	}
	return laidx;
}

/* Expand node id (of bucket cur) into cur and next. */
static int
expand(struct search *s, struct bucket *cur, struct bucket *next,
    uint32_t id)
{
	struct node nd = s->nodes[id];
	enum pz_tk t, la;
	uint8_t ns;
	int rc;

	if (!nd.enddel) {
		/* Corchuelo et al.: never insert after a delete. */
		for (t = 0; t < PZ_TK__COUNT; t++) {
			if (!insertable(t) || (ns = step(nd.st, t)) == NO_ST)
				continue;
			if ((rc = reach(s, next, id, RK_INSERT, (uint8_t)t, ns,
			    nd.laidx, 0, 0)) != 0)
				return rc;
		}
	}
	if (nd.laidx < s->toks->n &&
	    (rc = reach(s, next, id, RK_DELETE, 0, nd.st, nd.laidx + 1, 0,
	    1)) != 0)
		return rc;
	la = tok_at(s->toks, nd.laidx);
	if (la != PZ_TK_EOF && (ns = step(nd.st, la)) != NO_ST &&
	    (rc = reach(s, cur, id, RK_SHIFT, 0, ns, nd.laidx + 1,
	    nd.trail + 1, 0)) != 0)
		return rc;
	return 0;
}

static void
seqs_free(struct seq *seqs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(seqs[i].r);
	free(seqs);
}

/*
 * Append every repair sequence ending at node id (walking its incoming
 * edges back to the start) to *seqs, at most MAX_SEQS in all.
 */
static int
collect(const struct search *s, uint32_t id, struct repair *path,
    size_t depth, struct seq **seqs, size_t *nseqs, size_t *capseqs)
{
	const struct edge *e;
	struct seq *q;
	size_t i;
	uint32_t ei;

	if (*nseqs >= MAX_SEQS)
		return 0;
	if (s->nodes[id].edges == 0) {
		/* The start: path holds the repairs, last first. */
		if (grow(seqs, capseqs, *nseqs, sizeof(**seqs)) == -1)
			return -1;
		q = &(*seqs)[*nseqs];
		q->n = depth;
		q->avoid = 0;
		if ((q->r = calloc(depth ? depth : 1, sizeof(*q->r))) == NULL)
			return -1;
		for (i = 0; i < depth; i++) {
			q->r[i] = path[depth - 1 - i];
			if (q->r[i].kind == RK_INSERT &&
			    avoid_insert(q->r[i].tok))
				q->avoid = 1;
		}
		(*nseqs)++;
		return 0;
	}
	for (ei = s->nodes[id].edges; ei != 0; ei = e->next) {
		e = &s->edges[ei - 1];
		path[depth].kind = e->kind;
		path[depth].tok = e->tok;
		/* A delete or shift acts on the lexeme its source faces. */
		path[depth].laidx = s->nodes[e->from].laidx;
		if (collect(s, e->from, path, depth + 1, seqs, nseqs,
		    capseqs) == -1)
			return -1;
	}
	return 0;
}

static int
repair_cmp(const struct repair *a, const struct repair *b)
{
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->tok != b->tok)
		return a->tok < b->tok ? -1 : 1;
	if (a->laidx != b->laidx)
		return a->laidx < b->laidx ? -1 : 1;
	return 0;
}

/* pizauth's order (avoided inserts last, then shorter first), then ours. */
static int
seq_cmp(const void *va, const void *vb)
{
	const struct seq *a = va, *b = vb;
	size_t i;
	int c;

	if (a->avoid != b->avoid)
		return a->avoid ? 1 : -1;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	for (i = 0; i < a->n; i++)
		if ((c = repair_cmp(&a->r[i], &b->r[i])) != 0)
			return c;
	return 0;
}

/* Trailing shifts say nothing a reader needs; then drop duplicates. */
static void
simplify(struct seq *seqs, size_t *nseqs)
{
	size_t i, j;

	for (i = 0; i < *nseqs; i++)
		while (seqs[i].n > 0 &&
		    seqs[i].r[seqs[i].n - 1].kind == RK_SHIFT)
			seqs[i].n--;
	qsort(seqs, *nseqs, sizeof(*seqs), seq_cmp);
	for (i = j = 0; i < *nseqs; i++) {
		if (j > 0 && seq_cmp(&seqs[j - 1], &seqs[i]) == 0) {
			free(seqs[i].r);
			continue;
		}
		seqs[j++] = seqs[i];
	}
	*nseqs = j;
}

/*
 * Find the repair sequences for an error at laidx in state st, best
 * first, in *seqs.  *nseqs is 0 if none was found within the budget.
 */
static int
recover(struct parser *p, uint8_t st, size_t laidx, struct seq **seqs,
    size_t *nseqs)
{
	struct search s;
	struct bucket b[2];
	struct repair *path = NULL;
	size_t i, capseqs = 0, far, furthest = 0, maxdepth = 0;
	uint32_t *succ = NULL, id;
	size_t nsucc = 0, capsucc = 0, *reached = NULL;
	int rc = -1, cur = 0, r;

	*seqs = NULL;
	*nseqs = 0;
	memset(&s, 0, sizeof(s));
	memset(b, 0, sizeof(b));
	s.toks = p->toks;
	s.work = &p->work;
	if (laidx > UINT32_MAX - 1 - p->toks->n)
		return 0;
	if (grow(&s.nodes, &s.capnodes, 0, sizeof(*s.nodes)) == -1 ||
	    grow(&b[0].ids, &b[0].cap, 0, sizeof(*b[0].ids)) == -1)
		goto out;
	s.nodes[0].laidx = (uint32_t)laidx;
	s.nodes[0].st = st;
	s.nodes[0].trail = 0;
	s.nodes[0].enddel = 0;
	s.nodes[0].edges = 0;
	s.nnodes = 1;
	b[0].ids[b[0].n++] = 0;
	if (bucket_rehash(&b[0], s.nodes) == -1)
		goto out;

	/* Cost by cost: every node of this cost, then any successes. */
	for (;;) {
		if (b[cur].n == 0) {
			rc = 0;
			goto out;
		}
		for (i = 0; i < b[cur].n; i++) {
			id = b[cur].ids[i];
			if (is_success(&s, &s.nodes[id])) {
				if (grow(&succ, &capsucc, nsucc,
				    sizeof(*succ)) == -1)
					goto out;
				succ[nsucc++] = id;
				continue;
			}
			if ((r = expand(&s, &b[cur], &b[!cur], id)) == -1)
				goto out;
			if (r == 1) {
				rc = 0;
				goto out;
			}
		}
		if (nsucc > 0)
			break;
		bucket_free(&b[cur]);
		cur = !cur;
	}

	/* Keep the successes that let parsing go furthest. */
	if ((reached = calloc(nsucc, sizeof(*reached))) == NULL)
		goto out;
	for (i = 0; i < nsucc; i++) {
		far = parse_upto(p->toks, s.nodes[succ[i]].st,
		    s.nodes[succ[i]].laidx, laidx + TRY_PARSE_AT_MOST);
		reached[i] = far;
		if (far > furthest)
			furthest = far;
	}
	/* A path is at most one repair per node. */
	maxdepth = s.nnodes;
	if ((path = calloc(maxdepth, sizeof(*path))) == NULL)
		goto out;
	for (i = 0; i < nsucc; i++)
		if (reached[i] == furthest && collect(&s, succ[i], path, 0,
		    seqs, nseqs, &capseqs) == -1)
			goto out;
	simplify(*seqs, nseqs);
	rc = 0;
out:
	if (rc == -1) {
		seqs_free(*seqs, *nseqs);
		*seqs = NULL;
		*nseqs = 0;
	}
	free(path);
	free(reached);
	free(succ);
	bucket_free(&b[0]);
	bucket_free(&b[1]);
	free(s.nodes);
	free(s.edges);
	return rc;
}

int
pz_cfg_put_source(struct pz_buf *b, const char *src, size_t len, int nl)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		if (src[i] != '\0' && !(nl && src[i] == '\n'))
			continue;
		if (pz_buf_append(b, src + run, i - run) == -1 ||
		    pz_buf_puts(b, src[i] == '\0' ? "\\0" : "\\n") == -1)
			return -1;
		run = i + 1;
	}
	return pz_buf_append(b, src + run, len - run);
}

static size_t
ndigits(size_t n)
{
	size_t d = 1;

	while (n >= 10) {
		n /= 10;
		d++;
	}
	return d;
}

/* Append "Parsing error at line L column C. ..." as pizauth prints it. */
static int
report(struct parser *p, size_t laidx, const struct seq *seqs, size_t nseqs)
{
	const struct pz_toks *toks = p->toks;
	const struct repair *r;
	size_t off, line, col, i, j, k, end;
	int pad;

	/* At the end, pizauth points just past the last lexeme. */
	if (laidx < toks->n)
		off = toks->v[laidx].start;
	else
		off = toks->n > 0 ? toks->v[toks->n - 1].end : 0;
	pz_lex_line_col(p->text, p->len, off, &line, &col);
	if ((p->nerrs++ > 0 && pz_buf_puts(p->errs, "\n") == -1) ||
	    pz_buf_printf(p->errs, "Parsing error at line %zu column %zu.",
	    line, col) == -1)
		return -1;
	if (nseqs == 0)
		return pz_buf_puts(p->errs, " No repair sequences found.");
	if (pz_buf_puts(p->errs, " Repair sequences found:") == -1)
		return -1;
	for (i = 0; i < nseqs; i++) {
		/* pizauth right-aligns the numbers. */
		pad = (int)(ndigits(nseqs) - ndigits(i + 1) + 1);
		if (pz_buf_printf(p->errs, "\n  %*s%zu: ", pad, "",
		    i + 1) == -1)
			return -1;
		for (j = 0; j < seqs[i].n; j = k) {
			r = &seqs[i].r[j];
			if (j > 0 && pz_buf_puts(p->errs, ", ") == -1)
				return -1;
			k = j + 1;
			if (r->kind == RK_INSERT) {
				if (pz_buf_printf(p->errs, "Insert %s",
				    pz_lex_name(r->tok)) == -1)
					return -1;
				continue;
			}
			/* Deletes of touching lexemes read as one. */
			end = toks->v[r->laidx].end;
			while (r->kind == RK_DELETE && k < seqs[i].n &&
			    seqs[i].r[k].kind == RK_DELETE &&
			    toks->v[seqs[i].r[k].laidx].start == end)
				end = toks->v[seqs[i].r[k++].laidx].end;
			if (pz_buf_puts(p->errs, r->kind == RK_DELETE ?
			    "Delete " : "Shift ") == -1 ||
			    pz_cfg_put_source(p->errs, p->text +
			    toks->v[r->laidx].start,
			    end - toks->v[r->laidx].start, 1) == -1)
				return -1;
		}
	}
	return 0;
}

int
pz_cfg_syntax(const char *text, size_t len, const struct pz_toks *toks,
    struct pz_buf *errs)
{
	struct parser p = { text, len, toks, errs, MAX_WORK, 0 };
	struct seq *seqs;
	size_t laidx = 0, nseqs, i;
	uint8_t st = ST_TOP, ns;

	for (;;) {
		if (laidx == toks->n && st == ST_TOP)
			break;
		ns = step(st, tok_at(toks, laidx));
		if (ns != NO_ST && laidx < toks->n) {
			st = ns;
			laidx++;
			continue;
		}
		if (recover(&p, st, laidx, &seqs, &nseqs) == -1)
			return -1;
		if (report(&p, laidx, seqs, nseqs) == -1) {
			seqs_free(seqs, nseqs);
			return -1;
		}
		if (nseqs == 0)
			break;
		/* Carry on from where the best repair leaves the parse. */
		for (i = 0; i < seqs[0].n; i++) {
			switch (seqs[0].r[i].kind) {
			case RK_INSERT:
				st = step(st, seqs[0].r[i].tok);
				break;
			case RK_DELETE:
				laidx++;
				break;
			default:
				st = step(st, toks->v[laidx++].kind);
				break;
			}
		}
		seqs_free(seqs, nseqs);
		/* Past what a struct pz_err holds, more errors help nobody. */
		if (errs->len > MAX_MSG)
			break;
	}
	return p.nerrs > 0;
}
