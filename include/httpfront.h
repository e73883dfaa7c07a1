/*
 * httpfront: the HTTP server on evhttp and the request API the handlers
 * use.  Its files (see src/httpfront.c): the listener (httpfront.c) and
 * the request object (httpfront_rq.c), the only two that include evhttp;
 * the gate (httpfront_gate.c) and the replies (httpfront_reply.c).
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
 * itself and cancels every LiveKit call the handler still has out
 * (rq_lk_call, rq_lk_call_each): its callbacks then never run, and state
 * attached with rq_hold is freed.
 */
#ifndef LKGATE_HTTPFRONT_H
#define LKGATE_HTTPFRONT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "apierr.h"
#include "auth.h"
#include "httpfront_reply.h"
#include "httpfront_rq.h"
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

/* The request API for handlers: httpfront_rq.h (the request) and
 * httpfront_reply.h (the answers), included above. */

#endif
