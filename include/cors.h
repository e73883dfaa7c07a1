/*
 * cors: which Cross-Origin Resource Sharing headers an answer carries.
 * Pure: decides from the configuration and the request's Origin; the
 * front adds the headers.
 *
 * An Origin listed exactly in cors_origins is echoed, with
 * Access-Control-Allow-Credentials: true and Vary: Origin.  Any other
 * origin, when "*" is listed, gets "*" and never the credentials header
 * (browsers refuse the pair, and it would hand every site the user's
 * cookies).  An origin not allowed gets no CORS header at all.
 */
#ifndef LKGATE_CORS_H
#define LKGATE_CORS_H

#include <stddef.h>

struct conf;

#define CORS_MAX_HEADERS 8

/* Request headers a browser may send, and response headers it may read. */
#define CORS_ALLOW_HEADERS \
	"Authorization, Content-Type, X-API-Key, Idempotency-Key, " \
	"X-Request-Id, X-CSRF-Token"
#define CORS_EXPOSE_HEADERS \
	"X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, " \
	"X-RateLimit-Reset, Retry-After"
#define CORS_MAX_AGE "600"

struct cors_header {
	const char	*name;
	const char	*value;		/* borrowed: static, origin, methods */
};

/*
 * Fills out with the CORS headers of an answer to a request carrying
 * Origin origin (NULL: none) and returns how many.  methods, for a
 * preflight (OPTIONS) answer, lists the path's methods ("GET, POST"); NULL
 * otherwise.  The values borrow origin and methods.
 */
size_t	cors_headers(const struct conf *, const char *origin,
	    const char *methods, struct cors_header out[CORS_MAX_HEADERS]);

#endif
