/*
 * fuzz_route: router_match against lkgate's real route table (routes.c)
 * with any method and request path.  Invariants: a path either matches
 * no pattern under any method or some pattern under every method (found
 * or 405, never 404 for one method and 200 for another); the Allow mask
 * is exactly the methods found; a found route's literal segments are the
 * path's and its parameters are short and not a dot segment (a decoded
 * '/' is data; an overlong one is empty, for the handler to refuse);
 * re-encoding non-empty parameters gives back the same match.
 */
#include <string.h>

#include "fuzz.h"
#include "handlers.h"
#include "router.h"
#include "util.h"

static const int methods[] = {
	M_GET, M_HEAD, M_POST, M_PUT, M_DELETE, M_OPTIONS, M_PATCH
};

/* Builds a path from pattern with each parameter fully percent-encoded. */
static char *
rebuild(const char *pattern, const struct route_match *m)
{
	char *out, *o;
	const char *p;
	size_t i = 0, k, n = strlen(pattern) + 1;

	for (k = 0; k < m->nparams; k++)
		n += 3 * strlen(m->params[k]);
	o = out = xmalloc(n);
	for (p = pattern; *p != '\0'; ) {
		if (*p != ':') {
			*o++ = *p++;
			continue;
		}
		for (k = 0; m->params[i][k] != '\0'; k++)
			o += sprintf(o, "%%%02X",
			    (unsigned char)m->params[i][k]);
		i++;
		p += strcspn(p, "/");
	}
	*o = '\0';
	return out;
}

static void
check_found(const char *path, int method, const struct route_match *m)
{
	struct route_match again;
	const char *p;
	size_t k, want = 0;
	char *re;
	int allow;

	FUZZ_CHECK(m->route->method == method ||
	    (method == M_HEAD && m->route->method == M_GET));
	for (p = m->route->pattern; (p = strchr(p, ':')) != NULL; p++)
		want++;
	FUZZ_CHECK(m->nparams == want && want <= ROUTER_MAX_PARAMS);
	for (k = 0; k < m->nparams; k++) {
		FUZZ_CHECK(strlen(m->params[k]) < ROUTER_MAX_PARAM_LEN);
		FUZZ_CHECK(strcmp(m->params[k], ".") != 0 &&
		    strcmp(m->params[k], "..") != 0);
		if (m->params[k][0] == '\0')
			return;		/* overlong: nothing to re-encode */
	}
	if (want == 0)
		FUZZ_CHECK(strcmp(path, m->route->pattern) == 0);
	re = rebuild(m->route->pattern, m);
	FUZZ_CHECK(router_match(routes, nroutes, method, re, &again,
	    &allow) == ROUTER_FOUND && again.route == m->route);
	for (k = 0; k < m->nparams; k++)
		FUZZ_CHECK(strcmp(again.params[k], m->params[k]) == 0);
	free(re);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct route_match m;
	enum router_result r;
	char *path, allowstr[128];
	int found = 0, bad = 0, allow, allow_seen = -1;
	size_t i;

	path = xstrndup((const char *)data, size);	/* a C string, as
							   evhttp hands it */
	for (i = 0; i < NELEM(methods); i++) {
		r = router_match(routes, nroutes, methods[i], path, &m, &allow);
		switch (r) {
		case ROUTER_FOUND:
			found |= methods[i];
			check_found(path, methods[i], &m);
			break;
		case ROUTER_BAD_METHOD:
			bad |= methods[i];
			FUZZ_CHECK(allow != 0 && !(allow & methods[i]));
			FUZZ_CHECK(allow_seen == -1 || allow == allow_seen);
			allow_seen = allow;
			router_allow_string(allow, allowstr, sizeof(allowstr));
			FUZZ_CHECK(allowstr[0] != '\0');
			break;
		case ROUTER_NOT_FOUND:
			FUZZ_CHECK(allow == 0);
			break;
		}
	}
	/* All or nothing: the path names a resource or it does not. */
	FUZZ_CHECK((found | bad) == 0 ||
	    (found | bad) == (M_GET | M_HEAD | M_POST | M_PUT | M_DELETE |
	    M_OPTIONS | M_PATCH));
	if (allow_seen != -1)
		FUZZ_CHECK((allow_seen & ~M_OPTIONS) == (found & ~M_OPTIONS));
	FUZZ_CHECK(router_match(routes, nroutes, 0, path, &m, &allow) !=
	    ROUTER_FOUND);
	free(path);
	return 0;
}
