/*
 * cookie: reading one cookie out of a Cookie header and writing a
 * Set-Cookie header (see cookie.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "util.h"

static int
is_tchar(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
	    strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* RFC 6265 4.1.1: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E. */
static int
is_cookie_octet(int c)
{
	return c == 0x21 || (c >= 0x23 && c <= 0x2b) ||
	    (c >= 0x2d && c <= 0x3a) || (c >= 0x3c && c <= 0x5b) ||
	    (c >= 0x5d && c <= 0x7e);
}

int
cookie_name_valid(const char *s)
{
	size_t n;

	for (n = 0; s[n] != '\0'; n++)
		if (!is_tchar((unsigned char)s[n]))
			return 0;
	return n > 0;
}

int
cookie_value_valid(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_cookie_octet((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Checks and unquotes the value of the cookie looked for. */
static int
value_take(const char *v, size_t n, const char **val, size_t *vallen)
{
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (!cookie_value_valid(v, n))
		return -1;
	*val = v;
	*vallen = n;
	return 0;
}

/* No control byte (HTAB aside) and no DEL.  Bytes above 0x7e are let
 * through: browsers store and send UTF-8 cookie values, and another app's
 * cookie holding one must not lock users out of ours (whose value must be
 * cookie-octets, checked by value_take). */
static int
header_sane(const char *h, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (((unsigned char)h[i] < 0x20 && h[i] != '\t') ||
		    (unsigned char)h[i] == 0x7f)
			return 0;
	return 1;
}

enum cookie_res
cookie_find(const char *header, size_t len, const char *name,
    const char **val, size_t *vallen)
{
	const char *p, *end, *semi, *eq, *s, *e;
	size_t nlen = strlen(name);
	int found = 0;

	if (header == NULL)
		return COOKIE_ABSENT;
	if (len > COOKIE_HEADER_MAX || !header_sane(header, len))
		return COOKIE_MALFORMED;
	for (p = header, end = header + len; p < end; p = semi + 1) {
		if ((semi = memchr(p, ';', (size_t)(end - p))) == NULL)
			semi = end;
		for (s = p; s < semi && (*s == ' ' || *s == '\t'); s++)
			;
		for (e = semi; e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
			;
		eq = memchr(s, '=', (size_t)(e - s));
		if (eq == NULL || (size_t)(eq - s) != nlen ||
		    memcmp(s, name, nlen) != 0)
			continue;
		if (found++)
			return COOKIE_DUPLICATE;
		if (value_take(eq + 1, (size_t)(e - eq - 1), val, vallen) == -1)
			return COOKIE_MALFORMED;
	}
	return found ? COOKIE_FOUND : COOKIE_ABSENT;
}

static const char *
samesite_name(enum cookie_samesite s)
{
	switch (s) {
	case COOKIE_STRICT:
		return "Strict";
	case COOKIE_NONE:
		return "None";
	case COOKIE_LAX:
		break;
	}
	return "Lax";
}

char *
cookie_build(const char *name, const char *value,
    const struct cookie_attrs *a)
{
	const char *path = a->path != NULL ? a->path : "/";
	char age[32] = "";
	char *s;
	size_t i;

	if (!cookie_name_valid(name) ||
	    !cookie_value_valid(value, strlen(value)))
		return NULL;
	for (i = 0; path[i] != '\0'; i++)
		if ((unsigned char)path[i] < 0x20 || path[i] == ';' ||
		    (unsigned char)path[i] >= 0x7f)
			return NULL;
	if (a->max_age >= 0)
		snprintf(age, sizeof(age), "; Max-Age=%lld", a->max_age);
	s = xasprintf("%s=%s; Path=%s%s%s%s; SameSite=%s", name, value, path,
	    age, a->http_only ? "; HttpOnly" : "", a->secure ? "; Secure" : "",
	    samesite_name(a->samesite));
	if (strlen(s) > COOKIE_SET_MAX) {
		free(s);
		return NULL;
	}
	return s;
}
