/*
 * httpfront: the HTTP server on evhttp, the only module that includes
 * evhttp's headers, and the request API the handlers use.
 *
 * Each request gets a struct rq.  The front runs, in order: the in-flight
 * cap (503), routing (404, 405 + Allow; OPTIONS is a CORS preflight,
 * answered 204 without authentication), body checks (413, 415, 400 for
 * malformed JSON on JSON routes), authentication (401), the rate limit of
 * the route's class (429), then the route's handler.  An answer given
 * before the rate limit ran (a 401 say) still takes a token, by client
 * address when no principal is known, unless the bucket is empty, in
 * which case the answer is the 429.  Every answer carries the CORS headers
 * its Origin earns (cors.h); each request is counted in the gate's
 * metrics.  A handler answers with exactly one rq_reply_* call, now or
 * later; after it the rq is gone.  If the client's connection closes or the
 * request deadline fires first, the front answers (or drops) the request
 * itself and cancels any LiveKit call the handler started through
 * rq_lk_call: the handler's callback then never runs, and state attached
 * with rq_hold is freed.
 */
#ifndef LKGATE_HTTPFRONT_H
#define LKGATE_HTTPFRONT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "apierr.h"
#include "auth.h"
#include "lkclient.h"
#include "router.h"

struct lkgate;
struct httpfront;
struct rq;

/* Binds conf's listen address.  Returns NULL with *err (caller frees) when
 * the address cannot be bound. */
struct httpfront *httpfront_new(struct lkgate *, const struct route *table,
		    size_t nroutes, char **err);
/* Applies the gate's (reloaded) conf to evhttp's own header and body
 * limits, for connections accepted from now on. */
void		 httpfront_apply_conf(struct httpfront *);
/* Stops accepting connections; requests in flight go on. */
void		 httpfront_stop_accepting(struct httpfront *);
/* Requests received and not yet finished. */
size_t		 httpfront_inflight(const struct httpfront *);
/* Frees; requests still in flight are dropped without a reply. */
void		 httpfront_free(struct httpfront *);

/* --- the request API for handlers --- */

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
 * ownership of body. */
typedef void (*rq_lk_fn)(struct rq *, const struct lk_result *);
void		 rq_lk_call(struct rq *, enum lk_method, const char *room,
		    cJSON *body, rq_lk_fn cb);
void		 rq_lk_probe(struct rq *, rq_lk_fn cb);

/* Answers with body (ownership taken) as JSON. */
void		 rq_reply_json(struct rq *, int status, cJSON *body);
/* Answers with plain text. */
void		 rq_reply_text(struct rq *, int status, const char *text);
/* Answers with len bytes of data (borrowed) as ctype. */
void		 rq_reply_data(struct rq *, int status, const char *ctype,
		    const void *data, size_t len);
/* Adds a header to the coming reply (before any rq_reply_* call). */
void		 rq_set_header(struct rq *, const char *name, const char *value);
/* Answers with the contract's error shape. */
void		 rq_reply_error(struct rq *, enum api_err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Answers a failed LiveKit call: 503/504/502, or notfound when the call
 * said not_found. */
void		 rq_reply_lk_error(struct rq *, const struct lk_result *,
		    enum api_err notfound);

#endif
