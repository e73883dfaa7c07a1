/*
 * Unit tests of router: matching, parameters, percent-decoding, path
 * tricks, 404 versus 405 and the Allow list, the nearest route of a path
 * that matched none.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "router.h"
#include "tap.h"

static void h(struct rq *rq) { (void)rq; }

static void
diag_path(const char *path)
{
	printf("# first path that differs: %s\n", path);
}

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


/* --- the matcher as it was before literal segments were walked in
 * place: the reference the real route table is checked against --- */

static int
ref_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
ref_is_dot(const char *p, size_t len)
{
	return (len == 1 && p[0] == '.') ||
	    (len == 2 && p[0] == '.' && p[1] == '.');
}

static int
ref_decode(const char *seg, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	int hi, lo, c, overlong = 0;

	for (i = 0; i < len; i++) {
		c = (unsigned char)seg[i];
		if (c == '%') {
			if (i + 2 >= len || (hi = ref_hexval(seg[i + 1])) < 0 ||
			    (lo = ref_hexval(seg[i + 2])) < 0)
				return -1;
			c = hi * 16 + lo;
			i += 2;
		}
		if (c == '\0')
			return -1;
		if (o + 1 >= outlen)
			overlong = 1;
		else
			out[o++] = (char)c;
	}
	out[overlong ? 0 : o] = '\0';
	return o == 0 || ref_is_dot(out, o) ? -1 : 0;
}

static size_t
ref_seglen(const char *p)
{
	const char *q = strchr(p, '/');

	return q == NULL ? strlen(p) : (size_t)(q - p);
}

static int
ref_match_pattern(const char *pattern, const char *path,
    struct route_match *m)
{
	size_t pl, sl;

	m->nparams = 0;
	while (*pattern == '/' && *path == '/') {
		pattern++;
		path++;
		pl = ref_seglen(pattern);
		sl = ref_seglen(path);
		if (sl == 0 || ref_is_dot(path, sl))
			return 0;
		if (*pattern == ':') {
			if (m->nparams == ROUTER_MAX_PARAMS ||
			    ref_decode(path, sl, m->params[m->nparams],
			    ROUTER_MAX_PARAM_LEN) == -1)
				return 0;
			m->nparams++;
		} else if (pl != sl || memcmp(pattern, path, sl) != 0)
			return 0;
		pattern += pl;
		path += sl;
	}
	return *pattern == '\0' && *path == '\0';
}

static enum router_result
ref_router_match(const struct route *t, size_t n, int method,
    const char *path, struct route_match *m, int *allow)
{
	struct route_match tmp;
	size_t i;

	*allow = 0;
	if (path[0] != '/')
		return ROUTER_NOT_FOUND;
	for (i = 0; i < n; i++) {
		if (!ref_match_pattern(t[i].pattern, path, &tmp))
			continue;
		if (t[i].method == method ||
		    (method == M_HEAD && t[i].method == M_GET)) {
			*m = tmp;
			m->route = &t[i];
			return ROUTER_FOUND;
		}
		*allow |= t[i].method;
	}
	if (*allow & M_GET)
		*allow |= M_HEAD;
	return *allow != 0 ? ROUTER_BAD_METHOD : ROUTER_NOT_FOUND;
}

static uint64_t rng = 0x2545f4914f6cdd1du;

static uint64_t
next_random(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* A path made from a route's pattern, bent at random: segments cut,
 * doubled, emptied, dotted, a byte changed, parameters filled with
 * escapes, slashes and long runs. */
static void
bent_path(const char *pattern, char *out, size_t outlen)
{
	static const char *fill[] = { "x", "room-1", "a%2Fb", "%41", "%zz",
		".", "..", "", "%00", "abc/def", "eloquence-1", "%2e" };
	static const char bytes[] = "/.:%aZ-_0\\x7f";
	char seg[600];
	size_t o = 0, k;
	const char *p = pattern, *q;

	while (*p != '\0' && o + 300 < outlen) {
		q = strchr(p + 1, '/');
		k = q == NULL ? strlen(p) : (size_t)(q - p);
		memcpy(seg, p, k);
		seg[k] = '\0';
		if (k > 1 && seg[1] == ':')
			snprintf(seg, sizeof(seg), "/%s",
			    next_random() % 9 == 0 ? "" :
			    next_random() % 7 == 0 ? "yyyyyyyyyyyyyyyyyyyyyyyyy"
			    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
			    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
			    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
			    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
			    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy" :
			    fill[next_random() % (sizeof(fill) / sizeof(fill[0]))]);
		switch (next_random() % 12) {
		case 0:		/* dropped */
			seg[0] = '\0';
			break;
		case 1:		/* a byte changed */
			if (strlen(seg) > 1)
				seg[1 + next_random() % (strlen(seg) - 1)] =
				    bytes[next_random() % (sizeof(bytes) - 1)];
			break;
		case 2:		/* cut short */
			seg[1 + next_random() % strlen(seg)] = '\0';
			break;
		default:
			break;
		}
		k = strlen(seg);
		memcpy(out + o, seg, k);
		o += k;
		if (next_random() % 15 == 0)
			out[o++] = '/';		/* an empty segment or a tail */
		p += q == NULL ? strlen(p) : (size_t)(q - p);
	}
	if (next_random() % 10 == 0)
		memcpy(out + o, "/more", 5), o += 5;
	out[o] = '\0';
}

/* The parameters a match set (those past nparams are left as they were). */
static int
same_params(const struct route_match *a, const struct route_match *b)
{
	size_t i;

	for (i = 0; i < a->nparams; i++)
		if (strcmp(a->params[i], b->params[i]) != 0)
			return 0;
	return 1;
}

static void
test_same_as_before(void)
{
	static const int meths[] = { M_GET, M_HEAD, M_POST, M_PUT, M_DELETE,
		M_OPTIONS, M_PATCH };
	struct route_match a, b;
	char path[2048];
	size_t i, found = 0, diff = 0;
	int allow_a, allow_b, meth;
	enum router_result ra, rb;

	for (i = 0; i < 200000; i++) {
		bent_path(routes[next_random() % nroutes].pattern, path,
		    sizeof(path));
		meth = meths[next_random() % 7];
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		ra = router_match(routes, nroutes, meth, path, &a, &allow_a);
		rb = ref_router_match(routes, nroutes, meth, path, &b, &allow_b);
		if (ra != rb || allow_a != allow_b || (ra == ROUTER_FOUND &&
		    (a.route != b.route || a.nparams != b.nparams ||
		    !same_params(&a, &b)))) {
			if (diff++ == 0) {
				diag_path(path);
				printf("# now %d %s allow %d; before %d %s allow %d\n",
				    (int)ra, ra == ROUTER_FOUND ?
				    a.route->pattern : "-", allow_a, (int)rb,
				    rb == ROUTER_FOUND ? b.route->pattern : "-",
				    allow_b);
			}
		}
		found += ra == ROUTER_FOUND;
	}
	ok(diff == 0, "the real route table: 200000 bent paths route as "
	    "before (%zu differ)", diff);
	ok(found > 10000, "and many of them matched a route (%zu)", found);
}

int
main(void)
{
	test_literal_and_params();
	test_not_found();
	test_decoding();
	test_methods();
	test_nearest();
	test_same_as_before();
	return tap_done();
}
