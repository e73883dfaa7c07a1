/*
 * redisurl: LKGATE_REDIS_URL into its parts (see include/redisurl.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "redisurl.h"
#include "util.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes n bytes of s; NULL when an escape is bad, a byte is
 * not visible ASCII or the result is empty or too long. */
static char *
decode(const char *s, size_t n)
{
	char *out, *o;
	size_t i;
	int hi, lo;

	if (n == 0 || n > REDISURL_SECRET_MAX * 3)
		return NULL;
	o = out = xmalloc(n + 1);
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			if (i + 2 >= n)
				goto bad;
			hi = hexval((unsigned char)s[i + 1]);
			lo = hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else if (s[i] > ' ' && s[i] < 0x7f)
			*o++ = s[i];
		else
			goto bad;
	}
	*o = '\0';
	if ((size_t)(o - out) > REDISURL_SECRET_MAX)
		goto bad;
	return out;
bad:
	explicit_bzero(out, n + 1);
	free(out);
	return NULL;
}

/* A decimal number of 1-5 digits in [min, max] ending at end. */
static int
number(const char *s, const char *end, int min, int max, int *out)
{
	long v = 0;

	if (s == end || end - s > 5)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int
valid_host(const char *s, size_t n, int bracketed)
{
	size_t i;

	if (n == 0 || n > REDISURL_HOST_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (isalnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '.')
			continue;
		if (bracketed && (s[i] == ':' || isxdigit((unsigned char)s[i])))
			continue;
		return 0;
	}
	return 1;
}

static int
fail(struct redis_url *u, char **why, const char *msg)
{
	redisurl_clear(u);
	*why = xstrdup(msg);
	return -1;
}

/* user:password@ (either may be empty; "password@" alone is a password,
 * as redis-cli reads it). */
static int
parse_userinfo(const char *s, size_t n, struct redis_url *u, char **why)
{
	const char *colon = memchr(s, ':', n);
	size_t ulen;

	if (colon == NULL) {
		if ((u->password = decode(s, n)) == NULL)
			return fail(u, why, "the password in the URL must be "
			    "1-512 visible ASCII characters (percent-encoded "
			    "where needed)");
		return 0;
	}
	ulen = (size_t)(colon - s);
	if (ulen > 0 && (u->user = decode(s, ulen)) == NULL)
		return fail(u, why, "the user name in the URL must be 1-512 "
		    "visible ASCII characters (percent-encoded where needed)");
	if (n - ulen - 1 > 0 &&
	    (u->password = decode(colon + 1, n - ulen - 1)) == NULL)
		return fail(u, why, "the password in the URL must be 1-512 "
		    "visible ASCII characters (percent-encoded where needed)");
	return 0;
}

/* host[:port] or [v6][:port], ending at end. */
static int
parse_hostport(const char *s, const char *end, struct redis_url *u,
    char **why)
{
	const char *h = s, *hend, *p = NULL;
	int bracketed = 0;

	if (*s == '[') {
		bracketed = 1;
		h = s + 1;
		if ((hend = memchr(h, ']', (size_t)(end - h))) == NULL)
			return fail(u, why, "an IPv6 host must be closed by ]");
		if (hend + 1 < end) {
			if (hend[1] != ':')
				return fail(u, why, "only :port may follow "
				    "an [IPv6] host");
			p = hend + 2;
		}
	} else {
		hend = memchr(s, ':', (size_t)(end - s));
		if (hend == NULL)
			hend = end;
		else
			p = hend + 1;
	}
	if (!valid_host(h, (size_t)(hend - h), bracketed))
		return fail(u, why, "the host must be a name or an address of "
		    "1-255 characters");
	u->host = xstrndup(h, (size_t)(hend - h));
	u->port = REDISURL_DEFAULT_PORT;
	if (p != NULL && number(p, end, 1, 65535, &u->port) == -1)
		return fail(u, why,
		    "the port must be a number from 1 to 65535");
	return 0;
}

static int
parse_tcp(const char *s, struct redis_url *u, char **why)
{
	const char *at, *q, *slash, *end = s + strlen(s);

	slash = strchr(s, '/');
	if (strpbrk(s, "?#") != NULL)
		return fail(u, why, "no query or fragment is understood after "
		    "the database number");
	/* The password may hold '/' or '@' when percent-encoded only; the
	 * last '@' before the path ends the credentials. */
	at = NULL;
	for (q = s; q < (slash != NULL ? slash : end); q++)
		if (*q == '@')
			at = q;
	if (at != NULL) {
		if (parse_userinfo(s, (size_t)(at - s), u, why) == -1)
			return -1;
		s = at + 1;
	}
	if (parse_hostport(s, slash != NULL ? slash : end, u, why) == -1)
		return -1;
	if (slash != NULL && slash[1] != '\0' &&
	    number(slash + 1, end, 0, REDISURL_DB_MAX, &u->db) == -1)
		return fail(u, why, "the database after / must be a number "
		    "from 0 to 65535");
	return 0;
}

static int
parse_unix(const char *s, struct redis_url *u, char **why)
{
	const char *q = strchr(s, '?');
	size_t n = q != NULL ? (size_t)(q - s) : strlen(s);
	size_t i;

	/* unix:///path is the same socket as unix:/path. */
	if (strncmp(s, "//", 2) == 0) {
		s += 2;
		n -= 2;
	}
	if (n < 2 || s[0] != '/' || n > REDISURL_PATH_MAX)
		return fail(u, why, "a unix: URL needs an absolute socket path "
		    "of at most 107 bytes");
	for (i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f)
			return fail(u, why, "the socket path must be visible "
			    "ASCII");
	u->path = xstrndup(s, n);
	if (q != NULL && (strncmp(q, "?db=", 4) != 0 ||
	    number(q + 4, q + strlen(q), 0, REDISURL_DB_MAX, &u->db) == -1))
		return fail(u, why, "a unix: URL takes only ?db=N, N from 0 to "
		    "65535");
	return 0;
}

int
redisurl_parse(const char *text, struct redis_url *u, char **why)
{
	memset(u, 0, sizeof(*u));
	*why = NULL;
	if (strncmp(text, "redis://", 8) == 0)
		return parse_tcp(text + 8, u, why);
	if (strncmp(text, "rediss://", 9) == 0) {
		u->tls = 1;
		return parse_tcp(text + 9, u, why);
	}
	if (strncmp(text, "unix:", 5) == 0)
		return parse_unix(text + 5, u, why);
	return fail(u, why, "must start with redis://, rediss:// or unix:");
}

void
redisurl_clear(struct redis_url *u)
{
	if (u == NULL)
		return;
	if (u->password != NULL)
		explicit_bzero(u->password, strlen(u->password));
	free(u->password);
	free(u->user);
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
}

char *
redisurl_target(const struct redis_url *u)
{
	if (u->path != NULL)
		return xasprintf("unix:%s", u->path);
	if (strchr(u->host, ':') != NULL)
		return xasprintf("[%s]:%d", u->host, u->port);
	return xasprintf("%s:%d", u->host, u->port);
}
