/*
 * cookie: the Cookie request header and the Set-Cookie response header
 * (RFC 6265).  Pure.
 *
 * Reading is strict about the cookie asked for and lenient about the
 * others: a browser sends every cookie of the host, other apps' included,
 * and one odd cookie of theirs must not lock users out of this one.  The
 * header is split at ';', each piece trimmed of blanks; a piece whose name
 * (the text before its first '=') is the one asked for must have a value
 * of cookie-octets (RFC 6265 4.1.1), optionally in double quotes, and may
 * appear only once: two cookies of one name (one planted by a sibling
 * domain, say) are refused rather than guessed between.
 */
#ifndef LKGATE_COOKIE_H
#define LKGATE_COOKIE_H

#include <stddef.h>

/* Longest Cookie header read, and longest Set-Cookie built. */
#define COOKIE_HEADER_MAX	16384
#define COOKIE_SET_MAX		4096

enum cookie_res {
	COOKIE_FOUND, COOKIE_ABSENT, COOKIE_MALFORMED, COOKIE_DUPLICATE
};

/*
 * Looks up cookie name in len bytes of a Cookie header (header may be
 * NULL: COOKIE_ABSENT).  On COOKIE_FOUND *val points into header (quotes
 * removed) and *vallen is its length; the value may be empty.  A header
 * longer than COOKIE_HEADER_MAX or holding a NUL or control byte is
 * COOKIE_MALFORMED.
 */
enum cookie_res	 cookie_find(const char *header, size_t len,
		    const char *name, const char **val, size_t *vallen);

/* 1 when s is a cookie name (an RFC 7230 token). */
int		 cookie_name_valid(const char *s);
/* 1 when the len bytes of s are cookie-octets. */
int		 cookie_value_valid(const char *s, size_t len);

enum cookie_samesite { COOKIE_LAX, COOKIE_STRICT, COOKIE_NONE };

struct cookie_attrs {
	const char	*path;		/* NULL: "/" */
	long long	 max_age;	/* seconds; 0 expires it now; -1: a
					   session cookie (no Max-Age) */
	int		 http_only;
	int		 secure;
	enum cookie_samesite samesite;
};

/*
 * Returns the Set-Cookie value "name=value; Path=...; Max-Age=N;
 * HttpOnly; Secure; SameSite=Lax" (caller frees), or NULL when name or
 * value is not valid, the path holds ';' or a control byte, or the whole
 * is longer than COOKIE_SET_MAX.
 */
char		*cookie_build(const char *name, const char *value,
		    const struct cookie_attrs *);

#endif
