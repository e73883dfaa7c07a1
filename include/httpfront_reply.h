/*
 * httpfront_reply: the replies of the request API: JSON, text, bytes, the
 * contract's error body in either shape (apierr.h) and the answer to a
 * failed LiveKit call.  No evhttp: it speaks to the request object only
 * through httpfront_rq.h, so that the fuzz harness links it as it is.
 *
 * Each rq_reply_* call ends the request (rq_finish): exactly one per
 * request, after which the rq is gone.  Ownership: a JSON body is taken;
 * text and data are borrowed.
 */
#ifndef LKGATE_HTTPFRONT_REPLY_H
#define LKGATE_HTTPFRONT_REPLY_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "apierr.h"
#include "lkclient.h"

struct rq;

/* Answers with body (ownership taken) as JSON. */
void		 rq_reply_json(struct rq *, int status, cJSON *body);
/* Answers with plain text. */
void		 rq_reply_text(struct rq *, int status, const char *text);
/* Answers with len bytes of data (borrowed) as ctype. */
void		 rq_reply_data(struct rq *, int status, const char *ctype,
		    const void *data, size_t len);
/* Answers with the contract's error shape (the Voice Chat app's envelope
 * on its routes), with the request id and, on a 429, retry_after. */
void		 rq_reply_error(struct rq *, enum api_err, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));
/* Answers a failed LiveKit call: 503/504/502, or notfound when the call
 * said not_found. */
void		 rq_reply_lk_error(struct rq *, const struct lk_result *,
		    enum api_err notfound);

#endif
