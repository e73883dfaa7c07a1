/*
 * httpfront_gate: the policy a request meets between its arrival and its
 * handler, free of evhttp (the request object reads the wire for it).
 *
 * In order: routing (404; 405 with Allow; OPTIONS on a known path is a
 * CORS preflight, answered 204 without authentication), the body (413
 * over max_body_bytes; on JSON routes 415 without application/json and
 * 400 for malformed JSON), the credential the route accepts (401 when
 * the caller is unknown, 403 when known but refused), the rate limit of
 * the route's class (429), then the request deadline and the handler.
 *
 * Rate limits (ratelim.c) are keyed by principal or client address
 * (clientip.c).  With Redis (rlshared.c) the verdict may come later: the
 * request then waits for it, at most redis_timeout_ms, and goes on in
 * rq_rl_verdict where it stopped (enum rl_then).  An answer given before
 * the limiter ran (a 401 say) still takes a token, by client address
 * when no principal is known: the request object asks gate_answer_check
 * before sending.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apierr.h"
#include "auth.h"
#include "clientip.h"
#include "conf.h"
#include "httpfront_gate.h"
#include "httpfront_reply.h"
#include "httpfront_rq_internal.h"
#include "json.h"
#include "jwtcache.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "ratelim.h"
#include "rlshared.h"
#include "router.h"
#include "util.h"
#include "websess.h"

/* The rate-limit classes of ratelim.h are the route classes. */
_Static_assert(RC_DEFAULT == 0 && RC_AUTH == 1 && RC_TOKEN == 2 &&
    RC_CREATE == 3 && RL_NCLASSES == 4, "classes follow enum route_class");

#define RL_KEY_LEN	(IDENTITY_MAX + 8)

/* What follows a rate-limit verdict that comes later (from Redis). */
enum rl_then {
	RL_THEN_HANDLER,	/* the route's handler runs */
	RL_THEN_REPLY,		/* the reply held in the rq is sent */
	RL_THEN_AUTH		/* the credential is checked (rq_precheck) */
};

static int	rq_rate_limit(struct rq *, enum rl_then);
static void	rq_route_checked(struct rq *);
static void	rq_arm_handler_deadline(struct rq *);

/*
 * --- rate limits ---
 */

/*
 * The bucket key: the API key's name, the user's identity, else the
 * client's address; prefixed so that no name can pose as another kind.
 */
static int
rq_rl_key(struct rq *rq, char *buf, size_t len)
{
	uint8_t addr[16];
	char ip[CLIENTIP_KEY_MAX];

	/* The key records the principal's source (auth.h). */
	if (principal_rl_key(&rq->who, buf, len) == -1) {
		if (rq_client_addr(rq, addr) == -1)
			return -1;
		clientip_key(addr, ip, sizeof(ip));
		snprintf(buf, len, "a:%s", ip);
	}
	return 0;
}

static void
rq_rl_headers(struct rq *rq, const struct rl_verdict *v)
{
	char n[16];

	/* A request charged twice (rq_precheck) tells of the last bucket. */
	if (rq->rl_unverified) {
		rq_unset_header(rq, "X-RateLimit-Limit");
		rq_unset_header(rq, "X-RateLimit-Remaining");
		rq_unset_header(rq, "X-RateLimit-Reset");
	}
	snprintf(n, sizeof(n), "%u", v->limit);
	rq_set_header(rq, "X-RateLimit-Limit", n);
	snprintf(n, sizeof(n), "%u", v->remaining);
	rq_set_header(rq, "X-RateLimit-Remaining", n);
	snprintf(n, sizeof(n), "%u", v->reset_s);
	rq_set_header(rq, "X-RateLimit-Reset", n);
}

/* Tells rq its verdict: 0 when allowed (the X-RateLimit headers
 * added), -1 when answered 429. */
static int
rq_rl_apply(struct rq *rq, const struct rl_verdict *v)
{
	struct rq_front *front = rq->front;
	char n[16];

	metrics_gauge_set(front->gate->metrics, MG_RATELIMIT_ENTRIES,
	    (int64_t)ratelim_size(front->rl));
	rq_rl_headers(rq, v);
	if (v->allowed)
		return 0;
	metrics_ratelimited(front->gate->metrics, rq->rl_class);
	snprintf(n, sizeof(n), "%u", v->retry_after_s);
	rq_set_header(rq, "Retry-After", n);
	rq->retry_after = v->retry_after_s;
	rq_reply_error(rq, E_RATE_LIMITED, "too many requests (%s), retry in "
	    "%u s", ratelim_class_name(rq->rl_class), v->retry_after_s);
	return -1;
}

/* The shared verdict came: the request goes on where it stopped. */
static void
rq_rl_verdict(void *arg, const struct rl_verdict *v)
{
	struct rq *rq = arg;

	rq->rl_op = NULL;
	if (rq_rl_apply(rq, v) == -1)
		return;
	if (rq->rl_then == RL_THEN_AUTH)
		rq_route_checked(rq);
	else if (rq->rl_then == RL_THEN_HANDLER) {
		rq_arm_handler_deadline(rq);
		rq->match.route->handler(rq);
	} else
		rq_finish(rq, rq->held_status, rq->held_ctype, rq->held_data,
		    rq->held_len);
}

/*
 * Applies the limit of the route's class to rq, once: 0 when allowed (the
 * X-RateLimit headers added), -1 when answered 429, 1 when the verdict
 * comes later from Redis (rq_rl_verdict then goes on with then).
 * Requests that matched no route, and classes without a limit, are not
 * limited.
 */
static int
rq_rate_limit(struct rq *rq, enum rl_then then)
{
	struct rq_front *front = rq->front;
	const struct route *r = rq->match.route;
	const struct rl_limit *lim;
	struct rl_verdict v;
	char key[RL_KEY_LEN];
	unsigned int rc;

	if (rq->rl_done)
		return 0;
	rq->rl_done = 1;
	/* A path no route matches (404, 405) is in the default class, so
	 * probing for routes is throttled too; a CORS preflight never is. */
	if (r == NULL && strcmp(rq->method_name, "OPTIONS") == 0)
		return 0;
	rc = r != NULL ? (unsigned int)r->rclass : (unsigned int)RC_DEFAULT;
	if (rc >= RL_NCLASSES || rq->req == NULL)
		return 0;
	lim = &rq_gate(rq)->conf->rate_limits[rc];
	if (lim->count == 0)
		return 0;
	if (rq_rl_key(rq, key, sizeof(key)) == -1) {
		log_warn("request %s: no client address to rate-limit by",
		    rq->id);
		return 0;
	}
	rq->rl_class = rc;
	rq->rl_then = then;
	if (rlshared_take(rq_gate(rq)->rls, front->rl, rc, key, lim,
	    util_mono_ms(), &v, rq_rl_verdict, rq, &rq->rl_op) == 1)
		return 1;
	return rq_rl_apply(rq, &v);
}

/* Applies the limit to an answer given before the limiter ran. */
int
gate_answer_check(struct rq *rq, int status, const char *ctype,
    const char *data, size_t len)
{
	int r;

	/* The caller's data lives until we return: copied only to wait. */
	if ((r = rq_rate_limit(rq, RL_THEN_REPLY)) != 1)
		return r;
	rq->held_status = status;
	rq->held_ctype = ctype != NULL ? xstrdup(ctype) : NULL;
	rq->held_data = xmalloc(len + 1);
	if (len > 0)
		memcpy(rq->held_data, data, len);
	rq->held_data[len] = '\0';
	rq->held_len = len;
	return 1;
}

/* --- body, credential, route --- */

/* 1 when the Content-Type's media type is application/json. */
static int
content_type_is_json(const char *ct)
{
	static const char want[] = "application/json";
	size_t n;

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, sizeof(want) - 1) != 0)
		return 0;
	ct += sizeof(want) - 1;
	n = strspn(ct, " \t");
	return ct[n] == '\0' || ct[n] == ';';
}

/* Takes the body; answers 413 and returns -1 when it is over the cap. */
static int
rq_check_body(struct rq *rq)
{
	long long max = rq_gate(rq)->conf->max_body_bytes;

	if (rq_take_body(rq, max) == 0)
		return 0;
	rq_reply_error(rq, E_PAYLOAD_TOO_LARGE,
	    "request body is larger than %lld bytes", max);
	return -1;
}

/* Checks the Content-Type and parses the JSON body; replies on error. */
static int
rq_parse_json(struct rq *rq)
{
	enum json_err err;

	if (!content_type_is_json(rq_header(rq, "Content-Type"))) {
		rq_reply_error(rq, E_UNSUPPORTED_MEDIA_TYPE,
		    "Content-Type must be application/json");
		return -1;
	}
	if (rq->bodylen == 0) {
		rq_reply_error(rq, E_INVALID_INPUT, "request body is required");
		return -1;
	}
	rq->json = json_parse_strict(rq->body, rq->bodylen, 1, &err);
	if (rq->json == NULL) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s", json_err_string(err));
		return -1;
	}
	return 0;
}

/*
 * AUTH_PERSON_OPT without Bearer or key: a valid web-login session is its
 * person (AUTHN_FORBIDDEN without its CSRF header, as always); any other
 * cookie, or none, leaves the request anonymous.
 */
static enum auth_outcome
rq_who_optional(struct rq *rq, const char **why)
{
	const char *cookie = rq_header(rq, "Cookie");
	enum auth_outcome r;

	if (cookie == NULL)
		return AUTHN_OK;
	r = websess_authenticate(rq_gate(rq)->conf, cookie,
	    rq_header(rq, WEBSESS_CSRF_HEADER), 1, util_wall_s(), &rq->who,
	    why);
	if (r == AUTHN_UNKNOWN) {
		memset(&rq->who, 0, sizeof(rq->who));
		rq->who.kind = P_ANONYMOUS;
		return AUTHN_OK;
	}
	return r;
}

/*
 * Fills rq->who as the route asks, or says why not in *why.  Where a user
 * JWT is accepted, a Bearer header is one even with an X-API-Key beside
 * it, so a bad token is refused rather than passed over for the key.
 */
static enum auth_outcome
rq_who(struct rq *rq, const char **why)
{
	const struct conf *c = rq_gate(rq)->conf;
	const char *bearer = rq_header(rq, "Authorization");
	const char *key = rq_header(rq, "X-API-Key");

	switch (rq->match.route->auth) {
	case AUTH_USER_OR_KEY:
		if (rq->who_cached)
			return AUTHN_OK;
		if (auth_is_bearer(bearer)) {
			metrics_inc(rq_gate(rq)->metrics,
			    MC_USER_JWT_VERIFICATIONS);
			if (auth_user_jwt_remember(c, rq->front->jwtc, bearer,
			    util_wall_s(), &rq->who, why) == 0)
				return AUTHN_OK;
			auth_guest_explain(c, bearer, util_wall_s(), why);
			return AUTHN_UNKNOWN;
		}
		if (key == NULL) {
			*why = "missing Authorization: Bearer or X-API-Key "
			    "header";
			return AUTHN_UNKNOWN;
		}
		/* FALLTHROUGH */
	case AUTH_API_KEY:
		return auth_api_key(c, key, &rq->who, why) == 0 ? AUTHN_OK :
		    AUTHN_UNKNOWN;
	case AUTH_PERSON:
	case AUTH_PERSON_OPT:
		if (auth_is_bearer(bearer))
			return auth_bearer(c, bearer, util_wall_s(), 1,
			    &rq->who, why) == 0 ? AUTHN_OK : AUTHN_UNKNOWN;
		if (key != NULL)
			return auth_api_key(c, key, &rq->who, why) == 0 ?
			    AUTHN_OK : AUTHN_UNKNOWN;
		if (rq->match.route->auth == AUTH_PERSON_OPT)
			return rq_who_optional(rq, why);
		if (rq_header(rq, "Cookie") == NULL) {
			*why = "missing Authorization: Bearer, X-API-Key or "
			    "session cookie";
			return AUTHN_UNKNOWN;
		}
		/* FALLTHROUGH */
	case AUTH_COOKIE:
		return websess_authenticate(c, rq_header(rq, "Cookie"),
		    rq_header(rq, WEBSESS_CSRF_HEADER),
		    strcmp(rq->method_name, "GET") != 0 &&
		    strcmp(rq->method_name, "HEAD") != 0, util_wall_s(),
		    &rq->who, why);
	case AUTH_NONE:
	case AUTH_WEBHOOK:
		return AUTHN_OK;
	}
	*why = "route has no known authentication";
	return AUTHN_UNKNOWN;
}

/* 401 when the caller is unknown; 403 when known but refused (a session
 * cookie without its CSRF header). */
static int
rq_authenticate(struct rq *rq)
{
	const char *why;

	switch (rq_who(rq, &why)) {
	case AUTHN_OK:
		if (rq->rl_unverified)
			rq->rl_done = 0;	/* now the principal's bucket too */
		return 0;
	case AUTHN_FORBIDDEN:
		rq_reply_error(rq, E_PERMISSION_DENIED, "%s", why);
		return -1;	/* charged once: to the address, if before */
	case AUTHN_UNKNOWN:
		break;
	}
	rq_reply_error(rq, E_UNAUTHORIZED, "%s", why);
	return -1;
}

/*
 * What a credential costs before the rate limit can refuse it.  A user
 * JWT that verified before is taken from the cache, for a hash.  One that
 * did not would cost a signature check: it is first charged to the
 * client address's bucket, so that once an address has used its bucket
 * up, forged tokens get 429 for a hash each.  API keys (a constant-time
 * compare) and cookies (a MAC) are cheap, and charged after, as before.
 * -1 when answered 429, 1 when waiting for Redis's verdict (which then
 * goes on in rq_route_checked).
 */
static int
rq_precheck(struct rq *rq)
{
	const struct conf *c = rq_gate(rq)->conf;
	const char *bearer = rq_header(rq, "Authorization");

	if (rq->match.route->auth != AUTH_USER_OR_KEY ||
	    c->user_keys == NULL || !auth_is_bearer(bearer))
		return 0;
	if (auth_user_jwt_cached(rq->front->jwtc, bearer, util_wall_s(),
	    &rq->who)) {
		metrics_inc(rq_gate(rq)->metrics, MC_USER_JWT_CACHE_HITS);
		rq->who_cached = 1;
		return 0;
	}
	/* rq->who is still anonymous: the address's bucket is charged. */
	rq->rl_unverified = 1;
	return rq_rate_limit(rq, RL_THEN_AUTH);
}

/* Answers a path that exists but not with this method. */
static void
rq_bad_method(struct rq *rq, int allow, int method)
{
	char list[128];

	router_allow_string(allow | M_OPTIONS, list, sizeof(list));
	rq_set_header(rq, "Allow", list);
	if (method == M_OPTIONS) {
		/* A CORS preflight: answered before, and without, auth. */
		snprintf(rq->preflight, sizeof(rq->preflight), "%s", list);
		rq_finish(rq, 204, "text/plain", "", 0);
	} else
		rq_reply_error(rq, E_METHOD_NOT_ALLOWED,
		    "method %s is not allowed here (allowed: %s)",
		    rq->method_name, list);
}

static void
rq_deadline_fired(struct rq *rq)
{
	rq_reply_error(rq, E_UPSTREAM_TIMEOUT,
	    "the request took too long to complete");
}

/* Arms the request deadline; the request ends with 504 when it fires. */
static void
rq_arm_handler_deadline(struct rq *rq)
{
	rq_arm_deadline(rq, rq_gate(rq)->conf->request_timeout_ms,
	    rq_deadline_fired);
}

/* A routed request's body, credential and rate limit, then its
 * handler. */
static void
rq_route_checked(struct rq *rq)
{
	const struct route *route = rq->match.route;

	if ((route->body == BODY_JSON ||
	    (route->body == BODY_JSON_OR_EMPTY && rq->bodylen > 0)) &&
	    rq_parse_json(rq) == -1)
		return;
	if (rq_authenticate(rq) == -1)
		return;
	if (rq_rate_limit(rq, RL_THEN_HANDLER) != 0)
		return;		/* answered 429, or waits for Redis */
	rq_arm_handler_deadline(rq);
	rq->match.route->handler(rq);
}

void
gate_route(struct rq *rq)
{
	const struct route *shape;
	enum router_result r;
	const char *path = rq_path(rq);
	int method, allow;

	method = router_method_from_name(rq->method_name);
	r = router_match(rq->front->routes, rq->front->nroutes, method, path,
	    &rq->match, &allow);
	shape = r == ROUTER_FOUND ? rq->match.route : router_nearest(
	    rq->front->routes, rq->front->nroutes, path);
	rq->envelope = shape != NULL &&
	    shape->envelope == ENVELOPE_VOICE_CHAT;
	switch (r) {
	case ROUTER_NOT_FOUND:
		rq_reply_error(rq, E_NOT_FOUND, "no such route");
		return;
	case ROUTER_BAD_METHOD:
		rq_bad_method(rq, allow, method);
		return;
	case ROUTER_FOUND:
		break;
	}
	if (rq_check_body(rq) == -1)
		return;
	if (rq_precheck(rq) != 0)
		return;		/* answered 429, or waits for Redis */
	rq_route_checked(rq);
}
