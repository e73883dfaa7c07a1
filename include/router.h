/*
 * router: the route table and path matching.  Pure: no libevent.
 *
 * A pattern is a path whose segments are literals or ":name" parameters,
 * which match one non-empty segment.  Matching is exact and case-sensitive;
 * a trailing slash, an empty segment, "." or ".." never matches.
 */
#ifndef LKGATE_ROUTER_H
#define LKGATE_ROUTER_H

#include <stddef.h>

#define ROUTER_MAX_PARAMS 4
/* Room names identify rooms by up to 256 bytes (validate.h), plus NUL. */
#define ROUTER_MAX_PARAM_LEN 257

enum http_method {
	M_GET = 1 << 0, M_HEAD = 1 << 1, M_POST = 1 << 2, M_PUT = 1 << 3,
	M_DELETE = 1 << 4, M_OPTIONS = 1 << 5, M_PATCH = 1 << 6
};

/* Who may call a route. */
enum route_auth {
	AUTH_NONE,	/* anyone */
	AUTH_API_KEY,	/* X-API-Key, app or admin */
	AUTH_WEBHOOK,	/* LiveKit's webhook signature, checked by the handler */
	AUTH_USER_OR_KEY, /* "Authorization: Bearer" user JWT, else X-API-Key */
	AUTH_COOKIE,	/* the web login's session cookie (websess.h); methods
			   other than GET and HEAD need the CSRF header too */
	AUTH_PERSON,	/* a person or an admin: "Authorization: Bearer" (a
			   user JWT or, with guest_users on, a guest
			   credential), else X-API-Key, else the web login's
			   session cookie (as AUTH_COOKIE) */
	AUTH_PERSON_OPT	/* as AUTH_PERSON, but a request with none of those
			   goes on anonymous (guest sign-up) */
};

/*
 * Rate-limit class of a route (limits in conf's rate_limits).  RC_NONE is
 * never limited: load balancers' probes, Prometheus and LiveKit's own
 * webhooks come from a few addresses, often, and must not be refused.
 */
enum route_class { RC_DEFAULT, RC_AUTH, RC_TOKEN, RC_CREATE, RC_NONE };

/* What the gate requires of a request's body before the handler runs. */
enum route_body {
	BODY_ANY,		/* nothing: the handler reads it, if at all */
	BODY_JSON,		/* a JSON object, with its Content-Type */
	BODY_JSON_OR_EMPTY	/* that, or no body at all */
};

/*
 * Whose error envelope every error of the route takes, the front's own
 * (401, 413, 429, ...) too, in apierr_body.  A path that matches no route
 * takes that of the nearest (router_nearest).  Rows that leave it out
 * have lkgate's own.
 */
enum route_envelope {
	ENVELOPE_LKGATE,	/* {"error","code",...} */
	ENVELOPE_VOICE_CHAT	/* the Voice Chat app's {"success":false,...} */
};

struct rq;
typedef void (*route_handler)(struct rq *);

struct route {
	int		 method;	/* one M_* bit */
	const char	*pattern;	/* e.g. "/api/sessions/:id" */
	const char	*name;		/* stable label for logs and metrics */
	enum route_auth	 auth;
	enum route_class rclass;
	enum route_body	 body;
	enum route_envelope envelope;
	route_handler	 handler;
};

struct route_match {
	const struct route *route;
	size_t		 nparams;
	char		 params[ROUTER_MAX_PARAMS][ROUTER_MAX_PARAM_LEN];
};

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_BAD_METHOD };

/*
 * Matches method (one M_* bit) and the path part of a request target (no
 * query) against the table of n routes.  Segments are matched before
 * decoding, so "%2F" never splits one; parameters are then
 * percent-decoded, and one holding NUL, or equal to "." or "..", does not
 * match.  One longer than ROUTER_MAX_PARAM_LEN - 1 matches as "", which
 * every handler refuses with a 400 naming it.  A decoded '/' is kept:
 * LiveKit room names may hold one, and each handler checks its
 * parameters against its own character set.  On ROUTER_BAD_METHOD *allow
 * holds the M_* bits the path accepts (OPTIONS excluded).
 */
enum router_result router_match(const struct route *table, size_t n,
		    int method, const char *path, struct route_match *m,
		    int *allow);

/*
 * The route whose pattern shares the most leading segments with path (a
 * parameter shares any segment), at least two; the first such in the
 * table; NULL when none does.  Gives a path that matched no route (or
 * not with this method) the error shape of its family.
 */
const struct route *router_nearest(const struct route *table, size_t n,
		    const char *path);

/* Writes the methods of mask as "GET, POST" into buf (NUL-terminated). */
void		 router_allow_string(int mask, char *buf, size_t len);

/* Returns the M_* bit of a method name, or 0. */
int		 router_method_from_name(const char *);

#endif
