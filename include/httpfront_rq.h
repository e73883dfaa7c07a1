/*
 * httpfront_rq: the request API, what a handler sees of its request.  The
 * request object behind it (src/httpfront_rq.c) is one of the two files
 * that include evhttp; handlers reach this header through httpfront.h.
 *
 * Ownership: every string returned is borrowed and lives as long as the
 * request; a request ends with exactly one rq_finish() (through the
 * replies of httpfront_reply.h, for handlers), after which the rq is
 * freed and nothing may touch it.  No function here fails: a request
 * whose peer is gone answers NULL headers and drops replies.
 */
#ifndef LKGATE_HTTPFRONT_RQ_H
#define LKGATE_HTTPFRONT_RQ_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "lkclient.h"

struct lkgate;
struct principal;
struct rq;

struct lkgate	*rq_gate(const struct rq *);
/* The request id (the client's sane X-Request-Id or a fresh UUID). */
const char	*rq_id(const struct rq *);
/* The i-th path parameter, percent-decoded. */
const char	*rq_param(const struct rq *, size_t i);
/* A request header (case-insensitive name), or NULL. */
const char	*rq_header(const struct rq *, const char *name);
/* A query parameter, decoded, or NULL.  Only the first occurrence. */
const char	*rq_query(const struct rq *, const char *name);
/* The raw body and its length (may be empty, never NULL). */
const char	*rq_body(const struct rq *, size_t *len);
/* On routes with a JSON body: the parsed object, borrowed; NULL when the
 * route's body is BODY_JSON_OR_EMPTY and the body is empty. */
const cJSON	*rq_json(const struct rq *);
const struct principal *rq_principal(const struct rq *);

/* Attaches state freed with free_fn when the request finishes (one at a
 * time; a second call replaces and frees the first). */
void		 rq_hold(struct rq *, void *state, void (*free_fn)(void *));
void		*rq_state(const struct rq *);

/* Calls LiveKit on the request's behalf: cb(rq, result) runs once unless
 * the request finishes first, in which case the call is cancelled.  Takes
 * ownership of body.  One at a time: a second while one is out is a fatal
 * error. */
typedef void (*rq_lk_fn)(struct rq *, const struct lk_result *);
void		 rq_lk_call(struct rq *, enum lk_method, const char *room,
		    cJSON *body, rq_lk_fn cb);
void		 rq_lk_probe(struct rq *, rq_lk_fn cb);

/* The most LiveKit calls one request may have out at once. */
#define RQ_LK_MAX	8

/*
 * As rq_lk_call, but several may be out together, up to RQ_LK_MAX (a
 * fatal error beyond, or while an rq_lk_call is out): cb(rq, tag, result)
 * runs once for each, in the order LiveKit answers, unless the request
 * finishes first.  However the request finishes (an answer given from one
 * of these callbacks, the deadline, the client gone), every call still
 * out is cancelled then and no callback runs after.  Takes ownership of
 * body; tag is the caller's, given back.
 */
typedef void (*rq_lk_each_fn)(struct rq *, size_t tag,
		    const struct lk_result *);
void		 rq_lk_call_each(struct rq *, enum lk_method,
		    const char *room, cJSON *body, rq_lk_each_fn cb,
		    size_t tag);

/* Adds a header to the coming reply (before any rq_reply_* call). */
void		 rq_set_header(struct rq *, const char *name, const char *value);

/*
 * For the replies (httpfront_reply.c), which see the request only through
 * these, so that the fuzz harness's fake request object can stand in for
 * this one.  Handlers answer with rq_reply_* instead.
 */
/* Ends the request: sends status with len bytes of data (borrowed) as
 * ctype, unless the gate takes the answer over first (a 429), then frees
 * the rq.  status 0: the peer is gone, nothing is sent.  Once only; a
 * second call does nothing. */
void		 rq_finish(struct rq *, int status, const char *ctype,
		    const char *data, size_t len);
/* 1 when errors take the Voice Chat app's envelope (the route's shape). */
int		 rq_envelope(const struct rq *);
/* The Retry-After of the 429 being answered, in seconds; 0 otherwise. */
unsigned int	 rq_retry_after(const struct rq *);

#endif
