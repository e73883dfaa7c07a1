/*
 * httpfront_gate: what a request must pass before its handler runs, with
 * no evhttp: routing (404, 405 + Allow, the CORS preflight's 204), the
 * body checks (413, 415, 400 for malformed JSON on JSON routes), the
 * choice of authentication by the route (auth.h, websess.h; 401, 403),
 * and the rate-limit policy (ratelim.h, rlshared.h; 429 and the
 * X-RateLimit headers), then the request deadline and the handler.
 *
 * The listener calls gate_route once a request's framing is sound; the
 * request object calls gate_answer_check (through struct rq_front)
 * before any answer goes out.  The gate writes only the fields of
 * struct rq marked "gate" (httpfront_rq_internal.h); it owns nothing
 * beyond them.  Errors are answers: every refusal is an rq_reply_error.
 */
#ifndef LKGATE_HTTPFRONT_GATE_H
#define LKGATE_HTTPFRONT_GATE_H

#include <stddef.h>

struct rq;

/* Routes rq and runs its checks, then its handler; or answers it. */
void	gate_route(struct rq *);
/*
 * An answer given before the rate limit ran still takes a token: 0 when
 * it may go now, else nonzero (answered 429 instead, or the answer is
 * held in the rq until Redis's verdict, then sent).
 */
int	gate_answer_check(struct rq *, int status, const char *ctype,
	    const char *data, size_t len);

#endif
