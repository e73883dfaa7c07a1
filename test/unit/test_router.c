/*
 * Unit tests of router: matching, parameters, percent-decoding, path
 * tricks, 404 versus 405 and the Allow list, the nearest route of a path
 * that matched none.
 */
#include <string.h>

#include "router.h"
#include "tap.h"

static void h(struct rq *rq) { (void)rq; }

static const struct route table[] = {
	{ .method = M_GET, .pattern = "/health",
	    .name = "health", .auth = AUTH_NONE,
	    .rclass = RC_DEFAULT, .body = BODY_ANY,
	    .handler = h },
	{ .method = M_POST, .pattern = "/api/sessions",
	    .name = "create", .auth = AUTH_API_KEY,
	    .rclass = RC_CREATE, .body = BODY_JSON,
	    .handler = h },
	{ .method = M_GET, .pattern = "/api/sessions/:id",
	    .name = "get", .auth = AUTH_API_KEY,
	    .rclass = RC_DEFAULT, .body = BODY_ANY,
	    .handler = h },
	{ .method = M_DELETE, .pattern = "/api/sessions/:id",
	    .name = "del", .auth = AUTH_API_KEY,
	    .rclass = RC_DEFAULT, .body = BODY_ANY,
	    .handler = h },
	{ .method = M_POST, .pattern = "/api/session/:id/end",
	    .name = "end", .auth = AUTH_API_KEY,
	    .rclass = RC_DEFAULT, .body = BODY_ANY,
	    .handler = h },
};

static enum router_result
match(int method, const char *path, struct route_match *m, int *allow)
{
	return router_match(table, sizeof(table) / sizeof(table[0]), method,
	    path, m, allow);
}

static void
test_literal_and_params(void)
{
	struct route_match m;
	int allow;

	is_int(match(M_GET, "/health", &m, &allow), ROUTER_FOUND, "literal");
	is_str(m.route->name, "health", "literal route");
	is_int(match(M_GET, "/api/sessions/abc", &m, &allow), ROUTER_FOUND,
	    "parameter");
	is_str(m.route->name, "get", "parameter route by method");
	is_int((long long)m.nparams, 1, "one parameter");
	is_str(m.params[0], "abc", "parameter value");
	is_int(match(M_DELETE, "/api/sessions/x", &m, &allow), ROUTER_FOUND,
	    "same path, other method");
	is_str(m.route->name, "del", "DELETE route");
	is_int(match(M_POST, "/api/session/s1/end", &m, &allow), ROUTER_FOUND,
	    "parameter in the middle");
	is_str(m.params[0], "s1", "middle parameter value");
	is_int(match(M_HEAD, "/health", &m, &allow), ROUTER_FOUND,
	    "HEAD matches GET routes");
}

static void
test_not_found(void)
{
	static const char *const paths[] = { "/", "/healthz", "/health/",
	    "//health", "/api/sessions/", "/api/sessions//", "/api/sessions/a/b",
	    "/api/sessions/.", "/api/sessions/..", "/API/sessions",
	    "/api/%73essions", "health", "" };
	struct route_match m;
	size_t i;
	int allow;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		is_int(match(M_GET, paths[i], &m, &allow), ROUTER_NOT_FOUND,
		    paths[i]);
}

static void
test_decoding(void)
{
	struct route_match m;
	char longp[400];
	int allow;

	is_int(match(M_GET, "/api/sessions/a%20b", &m, &allow), ROUTER_FOUND,
	    "escaped space");
	is_str(m.params[0], "a b", "decoded parameter");
	is_int(match(M_GET, "/api/sessions/a%2Fb", &m, &allow),
	    ROUTER_FOUND, "an encoded slash stays in its segment");
	is_str(m.params[0], "a/b", "as a byte of the parameter");
	is_int(match(M_GET, "/api/sessions/a%2Fb/c", &m, &allow),
	    ROUTER_NOT_FOUND, "and does not move the real separators");
	is_int(match(M_GET, "/api/sessions/R%C3%A9union%20d%27%C3%A9quipe", &m,
	    &allow), ROUTER_FOUND, "UTF-8 escapes");
	is_str(m.params[0], "R\xc3\xa9union d'\xc3\xa9quipe", "decoded bytes");
	is_int(match(M_GET, "/api/sessions/a%00b", &m, &allow),
	    ROUTER_NOT_FOUND, "encoded NUL refused");
	is_int(match(M_GET, "/api/sessions/%2e%2E", &m, &allow),
	    ROUTER_NOT_FOUND, "encoded dot-dot refused");
	is_int(match(M_GET, "/api/sessions/.%2e", &m, &allow),
	    ROUTER_NOT_FOUND, "half-encoded dot-dot refused");
	is_int(match(M_GET, "/api/sessions/%2e", &m, &allow),
	    ROUTER_NOT_FOUND, "encoded dot refused");
	is_int(match(M_GET, "/api/sessions/%2e%2e%2e", &m, &allow),
	    ROUTER_FOUND, "three dots are a name");
	is_int(match(M_GET, "/api/sessions/a%2", &m, &allow),
	    ROUTER_NOT_FOUND, "truncated escape refused");
	is_int(match(M_GET, "/api/sessions/a%zz", &m, &allow),
	    ROUTER_NOT_FOUND, "bad hex refused");
	memset(longp, 'a', sizeof(longp));
	memcpy(longp, "/api/sessions/", 14);
	longp[14 + 256] = '\0';
	is_int(match(M_GET, longp, &m, &allow), ROUTER_FOUND,
	    "a 256-byte parameter (LiveKit's longest room name)");
	is_int((long long)strlen(m.params[0]), 256, "kept whole");
	longp[14 + 256] = 'a';
	longp[14 + 257] = '\0';
	is_int(match(M_GET, longp, &m, &allow), ROUTER_FOUND,
	    "a 257-byte parameter matches");
	is_str(m.params[0], "", "as nothing, which handlers refuse");
	longp[14 + 257] = 'a';
	longp[sizeof(longp) - 1] = '\0';
	is_int(match(M_GET, longp, &m, &allow), ROUTER_FOUND,
	    "so does a longer one");
	is_str(m.params[0], "", "as nothing too");
	is_int(match(M_GET, "/api/sessions/%2e%2e", &m, &allow),
	    ROUTER_NOT_FOUND, "a dot segment still never matches");
}

static void
test_methods(void)
{
	struct route_match m;
	char buf[128];
	int allow;

	is_int(match(M_PUT, "/api/sessions/x", &m, &allow), ROUTER_BAD_METHOD,
	    "405 for a known path");
	router_allow_string(allow, buf, sizeof(buf));
	is_str(buf, "GET, HEAD, DELETE", "Allow lists the path's methods");
	is_int(match(M_GET, "/api/sessions", &m, &allow), ROUTER_BAD_METHOD,
	    "GET on a POST route");
	router_allow_string(allow, buf, sizeof(buf));
	is_str(buf, "POST", "Allow: POST");
	is_int(router_method_from_name("DELETE"), M_DELETE, "method by name");
	is_int(router_method_from_name("BREW"), 0, "unknown method");
}

static void
test_nearest(void)
{
	const struct route *r;
	size_t n = sizeof(table) / sizeof(table[0]);

	r = router_nearest(table, n, "/api/sessions/x/more");
	ok(r != NULL && strcmp(r->name, "get") == 0,
	    "nearest: three shared segments");
	r = router_nearest(table, n, "/api/sessions");
	ok(r != NULL && strcmp(r->name, "create") == 0,
	    "nearest: the first of equals");
	r = router_nearest(table, n, "/api/session/s1/stop");
	ok(r != NULL && strcmp(r->name, "end") == 0,
	    "nearest: through a parameter");
	ok(router_nearest(table, n, "/api/other") == NULL,
	    "nearest: one shared segment is not a family");
	ok(router_nearest(table, n, "/health/x") == NULL,
	    "nearest: nor is a lone first segment");
	ok(router_nearest(table, n, "/") == NULL, "nearest: the root");
}

int
main(void)
{
	test_literal_and_params();
	test_not_found();
	test_decoding();
	test_methods();
	test_nearest();
	return tap_done();
}
