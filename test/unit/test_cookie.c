/*
 * test_cookie: finding one cookie in a Cookie header (strict about ours,
 * lenient about the others) and building Set-Cookie headers.
 */
#include <stdlib.h>
#include <string.h>

#include "cookie.h"
#include "tap.h"

static const char *
find(const char *h, const char *name, enum cookie_res *r)
{
	static char buf[256];
	const char *v;
	size_t n;

	*r = cookie_find(h, h != NULL ? strlen(h) : 0, name, &v, &n);
	if (*r != COOKIE_FOUND)
		return NULL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

static void
check(const char *h, const char *name, enum cookie_res want_r,
    const char *want_v, const char *what)
{
	enum cookie_res r;
	const char *v = find(h, name, &r);

	is_int(r, want_r, what);
	if (want_r == COOKIE_FOUND)
		is_str(v, want_v, what);
}

static void
test_find(void)
{
	char big[COOKIE_HEADER_MAX + 2];

	check("sid=abc", "sid", COOKIE_FOUND, "abc", "a lone cookie");
	check("a=1; sid=abc; b=2", "sid", COOKIE_FOUND, "abc",
	    "among others");
	check("a=1;sid=abc", "sid", COOKIE_FOUND, "abc", "without the space");
	check("a=1;  sid=abc  ; b", "sid", COOKIE_FOUND, "abc",
	    "blanks around it");
	check("sid=\"abc\"", "sid", COOKIE_FOUND, "abc", "quoted");
	check("sid=", "sid", COOKIE_FOUND, "", "empty value");
	check("xsid=1; sidx=2; SID=3", "sid", COOKIE_ABSENT, NULL,
	    "names compare exactly");
	check("", "sid", COOKIE_ABSENT, NULL, "empty header");
	check(NULL, "sid", COOKIE_ABSENT, NULL, "no header");
	check("a=b c; sid=ok; junk; =x; d=\"\xc3", "sid", COOKIE_FOUND,
	    "ok", "a byte above 0x7e in another cookie is ignored");
	check("name=Zo\xc3\xab; sid=ok", "sid", COOKIE_FOUND, "ok",
	    "another cookie's UTF-8 value does not lock us out");
	check("sid=o\xc3\xabk", "sid", COOKIE_MALFORMED, NULL,
	    "a byte above 0x7e in ours is malformed");
	check("a=\x7f; sid=ok", "sid", COOKIE_MALFORMED, NULL,
	    "a DEL anywhere is malformed");
	check("a=b c; sid=ok; junk; =x; d={\"j\":1}", "sid", COOKIE_FOUND,
	    "ok", "other cookies' oddities are ignored");
	check("sid=a; sid=b", "sid", COOKIE_DUPLICATE, NULL,
	    "twice is refused");
	check("sid=a b", "sid", COOKIE_MALFORMED, NULL, "a space in ours");
	check("sid=a,b", "sid", COOKIE_MALFORMED, NULL, "a comma in ours");
	check("sid=a\\b", "sid", COOKIE_MALFORMED, NULL, "a backslash");
	check("sid=\"a", "sid", COOKIE_MALFORMED, NULL, "an open quote");
	check("sid=a\"b\"", "sid", COOKIE_MALFORMED, NULL, "an inner quote");
	check("sid=a\r\nX: y", "sid", COOKIE_MALFORMED, NULL, "a CR LF");
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "sid=", 4);
	big[sizeof(big) - 1] = '\0';
	check(big, "sid", COOKIE_MALFORMED, NULL, "over the length cap");
	{
		const char h[] = "sid=ab\0cd";
		const char *v;
		size_t n;

		is_int(cookie_find(h, sizeof(h) - 1, "sid", &v, &n),
		    COOKIE_MALFORMED, "a NUL byte is malformed");
	}
}

static void
test_build(void)
{
	struct cookie_attrs a = { "/", 3600, 1, 1, COOKIE_LAX };
	char *s;

	s = cookie_build("sid", "abc", &a);
	is_str(s, "sid=abc; Path=/; Max-Age=3600; HttpOnly; Secure; "
	    "SameSite=Lax", "a session cookie");
	free(s);
	a.max_age = 0;
	a.http_only = 0;
	a.secure = 0;
	a.path = "/api/auth";
	a.samesite = COOKIE_STRICT;
	s = cookie_build("t", "", &a);
	is_str(s, "t=; Path=/api/auth; Max-Age=0; SameSite=Strict",
	    "a cleared cookie");
	free(s);
	a.max_age = -1;
	a.path = NULL;
	a.samesite = COOKIE_LAX;
	s = cookie_build("t", "v", &a);
	is_str(s, "t=v; Path=/; SameSite=Lax", "no Max-Age, default path");
	free(s);
	ok(cookie_build("a b", "v", &a) == NULL, "a bad name is refused");
	ok(cookie_build("a", "v;w", &a) == NULL, "a bad value is refused");
	a.path = "/x;Domain=evil";
	ok(cookie_build("a", "v", &a) == NULL, "a bad path is refused");
	a.path = NULL;
	{
		char *v = malloc(COOKIE_SET_MAX + 1);

		memset(v, 'v', COOKIE_SET_MAX);
		v[COOKIE_SET_MAX] = '\0';
		ok(cookie_build("a", v, &a) == NULL, "over 4 KB is refused");
		free(v);
	}
}

int
main(void)
{
	test_find();
	test_build();
	return tap_done();
}
