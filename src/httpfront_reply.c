/*
 * httpfront_reply: the replies of the request API.  A JSON body is
 * printed, an error becomes the contract's body in the shape of its
 * route (apierr_body: the contract's, or the Voice Chat app's envelope)
 * with the request id and a 429's retry_after, and a failed LiveKit call
 * becomes the status its outcome means.  Each ends the request through
 * rq_finish.
 *
 * No evhttp and no struct rq here: the request is seen only through
 * httpfront_rq.h, so that the fuzz harness (test/fuzz/fakerq.c) links
 * this file unchanged over its fake request object.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "apierr.h"
#include "httpfront_reply.h"
#include "httpfront_rq.h"
#include "json.h"
#include "lkclient.h"
#include "util.h"

void
rq_reply_json(struct rq *rq, int status, cJSON *body)
{
	char *text;

	text = json_print(body);
	cJSON_Delete(body);
	rq_finish(rq, status, "application/json", text, strlen(text));
	free(text);
}

void
rq_reply_text(struct rq *rq, int status, const char *text)
{
	rq_finish(rq, status, "text/plain; charset=utf-8", text, strlen(text));
}

void
rq_reply_data(struct rq *rq, int status, const char *ctype, const void *data,
    size_t len)
{
	rq_finish(rq, status, ctype, data, len);
}

static void	rq_verror(struct rq *, enum api_err, const char *, va_list)
	    __attribute__((format(printf, 3, 0)));

static void
rq_verror(struct rq *rq, enum api_err e, const char *fmt, va_list ap)
{
	cJSON *o;
	char *msg;

	msg = xvasprintf(fmt, ap);
	o = apierr_body(e, rq_envelope(rq), msg, rq_id(rq), util_wall_s(),
	    rq_retry_after(rq));
	free(msg);
	rq_reply_json(rq, apierr_status(e), o);
}

void
rq_reply_error(struct rq *rq, enum api_err e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rq_verror(rq, e, fmt, ap);
	va_end(ap);
}

void
rq_reply_lk_error(struct rq *rq, const struct lk_result *res,
    enum api_err notfound)
{
	switch (res->outcome) {
	case LK_NOT_FOUND:
		rq_reply_error(rq, notfound, "%s",
		    notfound == E_SESSION_NOT_FOUND ? "session not found" :
		    notfound == E_ROOM_NOT_FOUND ? "room not found" :
		    "not found");
		break;
	case LK_REFUSED:
	case LK_UNAVAILABLE:
		rq_reply_error(rq, E_UPSTREAM_UNAVAILABLE,
		    "LiveKit is unavailable");
		break;
	case LK_TIMEOUT:
		rq_reply_error(rq, E_UPSTREAM_TIMEOUT,
		    "LiveKit did not answer in time");
		break;
	default:
		rq_reply_error(rq, E_UPSTREAM_ERROR,
		    "LiveKit answered with an error");
		break;
	}
}
