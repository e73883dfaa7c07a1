/*
 * upstream: asynchronous HTTP client, libcurl's multi interface driven by
 * the libevent loop.  The only module that includes curl.h.
 *
 * One struct upstream per process: its multi handle is the keep-alive
 * pool.  Every call has a total timeout, a capped response, and completes
 * exactly once: its done callback runs from the event loop (never from
 * inside upstream_start) unless the call is cancelled first.  A call may
 * instead give a 2xx answer's body to a sink piece by piece as it
 * arrives, for answers too large to hold (struct up_sink).
 */
#ifndef LKGATE_UPSTREAM_H
#define LKGATE_UPSTREAM_H

#include <stddef.h>

struct event_base;
struct upstream;
struct up_call;

enum up_status {
	UP_OK,		/* an HTTP response arrived (any status) */
	UP_REFUSED,	/* could not connect or resolve */
	UP_TIMEOUT,	/* no complete answer within timeout_ms */
	UP_TOO_LARGE,	/* the response body went over max_response */
	UP_ERROR	/* anything else (reset, protocol error, ...) */
};

/* What a done callback gets; valid only during the callback. */
struct up_result {
	enum up_status	 status;
	long		 http_status;	/* when UP_OK */
	const char	*body;		/* NUL-terminated, borrowed; "" when
					   streamed */
	size_t		 bodylen;
	int		 streamed;	/* 1: the body went to the request's
					   sink (a 2xx answer) */
	const char	*content_type;	/* borrowed; NULL when none */
	const char	*error;		/* curl's text when not UP_OK */
	unsigned long	 elapsed_ms;
	int		 retried;	/* 1 when a retry was made */
};

/*
 * A reader of a 2xx answer's body, given each piece as it arrives instead
 * of the body being kept: the memory of such a call does not grow with
 * the answer.  Both functions run from inside upstream (chunk from curl's
 * write callback, reset as an attempt starts): they must not start, cancel
 * or free calls.  arg must live as long as the call.
 */
struct up_sink {
	/* The next len bytes of the body: 0 to go on, -1 to stop the
	 * transfer (the call then completes with UP_ERROR). */
	int		(*chunk)(void *arg, const char *data, size_t len);
	/* An attempt starts (the first, or the retry of an idempotent call
	 * on a fresh connection): forget the pieces given before. */
	void		(*reset)(void *arg);
	void		*arg;
};

/* Borrowed for the duration of upstream_start() only: it copies. */
struct up_request {
	const char	*method;	/* "GET" or "POST" */
	const char	*url;
	const char *const *headers;	/* "Name: value", NULL-terminated */
	const char	*body;		/* POST body, may be NULL */
	size_t		 bodylen;
	long		 timeout_ms;	/* total; required, > 0 */
	long		 connect_timeout_ms;
	size_t		 max_response;	/* body cap in bytes, > 0; not for a
					   body given to sink */
	int		 idempotent;	/* retry once on a stale connection */
	const struct up_sink *sink;	/* NULL: the body is kept; else a
					   2xx answer's body goes to it,
					   with no cap but timeout_ms (other
					   answers are kept, capped) */
};

typedef void (*up_done_fn)(void *arg, const struct up_result *);

/*
 * Returns a client on base; max_conns bounds parallel connections to one
 * host and the size of the keep-alive pool (<= 0: no bound, pool of 16).
 * Calls curl_global_init() itself (reference-counted since curl 7.84), so
 * create it before starting any thread.  NULL with a log line when curl
 * refuses to initialise.
 */
struct upstream	*upstream_new(struct event_base *, long max_conns);
/* Cancels every call (no done callbacks) and frees; base must be alive.
 * Not from inside a done callback.  NULL is allowed. */
void		 upstream_free(struct upstream *);

/* Starts a call; never returns NULL.  A call that cannot start (an
 * invalid request: no URL, a method other than GET or POST, timeout_ms or
 * max_response of 0; or curl refusing) completes with UP_ERROR from the
 * loop.  Done callbacks may start and cancel calls. */
struct up_call	*upstream_start(struct upstream *, const struct up_request *,
		    up_done_fn, void *arg);
/* Returns a call that completes with UP_ERROR and error = why (copied)
 * from the loop: for callers that find they cannot make a request. */
struct up_call	*upstream_fail(struct upstream *, const char *why,
		    up_done_fn, void *arg);
/* Aborts a call that has not completed; its done callback never runs.
 * NULL is allowed; from inside the call's own done callback, a no-op. */
void		 upstream_cancel(struct up_call *);
/* The loop the client runs on (for its users' own timers). */
struct event_base *upstream_base(const struct upstream *);
/* Calls started and not yet completed or cancelled. */
size_t		 upstream_inflight(const struct upstream *);
/* TCP connections opened so far (for tests and metrics). */
unsigned long	 upstream_connects(const struct upstream *);

#endif
