/*
 * router: matches a request's method and path against the route table.
 * Pure.  Paths are compared segment by segment before any decoding, so an
 * escaped '/' stays inside its segment; parameters are then
 * percent-decoded, and a decoded NUL or dot segment fails to match rather
 * than being cleaned up.
 */
#include <stdio.h>
#include <string.h>

#include "router.h"

static const struct {
	int		 bit;
	const char	*name;
} methods[] = {
	{ M_GET, "GET" }, { M_HEAD, "HEAD" }, { M_POST, "POST" },
	{ M_PUT, "PUT" }, { M_DELETE, "DELETE" }, { M_OPTIONS, "OPTIONS" },
	{ M_PATCH, "PATCH" },
};

static int
hexval(char c)
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
is_dot_segment(const char *p, size_t len)
{
	return (len == 1 && p[0] == '.') ||
	    (len == 2 && p[0] == '.' && p[1] == '.');
}

/*
 * Decodes the len bytes of seg into out; -1 on a bad escape or a NUL, and
 * on an encoded dot segment ("%2e%2e").  A decoded '/' is data (a LiveKit
 * room name may hold one): the segment was already cut at the real
 * separators.  An overlong result leaves out empty, which no handler
 * takes: the client learns which parameter is wrong (400), not that the
 * path is unknown.
 */
static int
decode_segment(const char *seg, size_t len, char *out, size_t outlen)
{
	size_t i, o = 0;
	int hi, lo, c, overlong = 0;

	for (i = 0; i < len; i++) {
		c = (unsigned char)seg[i];
		if (c == '%') {
			if (i + 2 >= len || (hi = hexval(seg[i + 1])) < 0 ||
			    (lo = hexval(seg[i + 2])) < 0)
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
	return o == 0 || is_dot_segment(out, o) ? -1 : 0;
}

/* Returns the length of the segment starting at p (up to '/' or end). */
static size_t
seglen(const char *p)
{
	const char *q = strchr(p, '/');

	return q == NULL ? strlen(p) : (size_t)(q - p);
}

/* Matches path against pattern, filling m's parameters; 1 on a match. */
/*
 * A literal segment is compared byte by byte as the two are walked, with
 * no look for the segments' ends first: most routes differ from a path
 * within a few bytes, and every request tries routes until one matches.
 * A literal that is empty or a dot segment matches nothing, as the path
 * segment equal to it would be refused.
 */
static int
match_literal(const char **pattern, const char **path)
{
	const char *a = *pattern, *b = *path;

	while (*a != '\0' && *a != '/' && *a == *b) {
		a++;
		b++;
	}
	if ((*a != '\0' && *a != '/') || (*b != '\0' && *b != '/') ||
	    a == *pattern || is_dot_segment(*pattern, (size_t)(a - *pattern)))
		return 0;
	*pattern = a;
	*path = b;
	return 1;
}

static int
match_pattern(const char *pattern, const char *path, struct route_match *m)
{
	size_t sl;

	m->nparams = 0;
	while (*pattern == '/' && *path == '/') {
		pattern++;
		path++;
		if (*pattern != ':') {
			if (!match_literal(&pattern, &path))
				return 0;
			continue;
		}
		sl = seglen(path);
		if (sl == 0 || is_dot_segment(path, sl) ||
		    m->nparams == ROUTER_MAX_PARAMS ||
		    decode_segment(path, sl, m->params[m->nparams],
		    ROUTER_MAX_PARAM_LEN) == -1)
			return 0;
		m->nparams++;
		pattern += seglen(pattern);
		path += sl;
	}
	return *pattern == '\0' && *path == '\0';
}

enum router_result
router_match(const struct route *table, size_t n, int method,
    const char *path, struct route_match *m, int *allow)
{
	struct route_match tmp;
	size_t i;

	*allow = 0;
	if (path[0] != '/')
		return ROUTER_NOT_FOUND;
	for (i = 0; i < n; i++) {
		if (!match_pattern(table[i].pattern, path, &tmp))
			continue;
		if (table[i].method == method ||
		    (method == M_HEAD && table[i].method == M_GET)) {
			*m = tmp;
			m->route = &table[i];
			return ROUTER_FOUND;
		}
		*allow |= table[i].method;
	}
	if (*allow & M_GET)
		*allow |= M_HEAD;
	return *allow != 0 ? ROUTER_BAD_METHOD : ROUTER_NOT_FOUND;
}

/* How many leading segments of path pattern matches. */
static size_t
shared_segments(const char *pattern, const char *path)
{
	size_t pl, sl, n = 0;

	while (*pattern == '/' && *path == '/') {
		pattern++;
		path++;
		pl = seglen(pattern);
		sl = seglen(path);
		if (sl == 0 || (*pattern != ':' &&
		    (pl != sl || memcmp(pattern, path, sl) != 0)))
			break;
		n++;
		pattern += pl;
		path += sl;
	}
	return n;
}

const struct route *
router_nearest(const struct route *table, size_t n, const char *path)
{
	const struct route *best = NULL;
	size_t i, k, most = 1;

	for (i = 0; i < n; i++)
		if ((k = shared_segments(table[i].pattern, path)) > most) {
			most = k;
			best = &table[i];
		}
	return best;
}

void
router_allow_string(int mask, char *buf, size_t len)
{
	size_t i, off = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (!(mask & methods[i].bit))
			continue;
		n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
		    methods[i].name);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
}

int
router_method_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(name, methods[i].name) == 0)
			return methods[i].bit;
	return 0;
}
