/*
 * websess: the cookies of the web login, sealed with seal.h under
 * conf's cookie_keys.  Pure: the time and the random values come in.
 *
 * Three cookies, all Path=/ and SameSite=Lax, Secure unless
 * cookie_secure is false, and then named with the "__Host-" prefix too
 * (so no sibling domain can set them):
 *  - the session (HttpOnly): the user, its expiry, the CSRF token and the
 *    refresh token, sealed for "session";
 *  - the login transaction (HttpOnly, ten minutes): state, nonce, PKCE
 *    verifier and where to go afterwards, sealed for "login", and cleared
 *    at the callback, so that a state is good once;
 *  - the CSRF token (readable by the page's script): state-changing
 *    requests authenticated by the session must send it back in the
 *    X-CSRF-Token header, equal to this cookie and to the token sealed in
 *    the session (a double submit bound to the session).
 */
#ifndef LKGATE_WEBSESS_H
#define LKGATE_WEBSESS_H

#include <stddef.h>
#include <stdint.h>

#include "auth.h"
#include "oidc.h"
#include "seal.h"

struct conf;

/* Random values are 32 bytes in base64url: 43 characters. */
#define WEBSESS_RANDOM_BYTES	32
#define WEBSESS_RANDOM_LEN	43
#define WEBSESS_RETURN_MAX	512
#define WEBSESS_LOGIN_TTL	600
#define WEBSESS_CSRF_HEADER	"X-CSRF-Token"

enum websess_cookie { WC_SESSION, WC_LOGIN, WC_CSRF };

struct websess {
	struct oidc_user user;
	int64_t		 exp;
	char		 csrf[WEBSESS_RANDOM_LEN + 1];
	char		 refresh[OIDC_REFRESH_MAX + 1];	/* "": none */
};

struct weblogin {
	char		 state[WEBSESS_RANDOM_LEN + 1];
	char		 nonce[WEBSESS_RANDOM_LEN + 1];
	char		 verifier[WEBSESS_RANDOM_LEN + 1];
	char		 return_to[WEBSESS_RETURN_MAX + 1];
	int64_t		 exp;
};

/* The cookie's name under conf ("__Host-lkgate_session" or
 * "lkgate_session", ...); static. */
const char	*websess_cookie_name(const struct conf *, enum websess_cookie);

/* base64url of WEBSESS_RANDOM_BYTES bytes from rnd, into out. */
void		 websess_random_text(const unsigned char
		    rnd[WEBSESS_RANDOM_BYTES], char out[WEBSESS_RANDOM_LEN + 1]);

/*
 * The Set-Cookie value that sets cookie which to value for max_age
 * seconds (0: clears it; value "" then).  Caller frees.  NULL when the
 * result would be over 4 KB.
 */
char		*websess_set_cookie(const struct conf *, enum websess_cookie,
		    const char *value, long long max_age);

/* Seals s (or l) with conf's first key and the given nonce; caller
 * frees.  The session's refresh token is left out when the cookie would
 * otherwise be over 4 KB. */
char		*websess_seal(const struct conf *, const struct websess *s,
		    const unsigned char nonce[SEAL_NONCE_LEN]);
char		*weblogin_seal(const struct conf *, const struct weblogin *l,
		    const unsigned char nonce[SEAL_NONCE_LEN]);

/*
 * Opens the session (or login) cookie of a Cookie header (NULL: none) at
 * time now.  Returns 0 and fills *s, or -1 with *why, a static English
 * reason ("no session", "session has expired", ...).  A login without a
 * state, nonce or PKCE verifier is refused.
 */
int		 websess_open(const struct conf *, const char *cookie_header,
		    int64_t now, struct websess *s, const char **why);
int		 weblogin_open(const struct conf *, const char *cookie_header,
		    int64_t now, struct weblogin *l, const char **why);

/*
 * Authenticates a request by its session cookie: AUTHN_OK and *p a P_USER
 * of source PS_OIDC (name "oidc:" and the sub, display the name, never an
 * admin); AUTHN_UNKNOWN when there is no valid session (answer 401);
 * AUTHN_FORBIDDEN when unsafe (a method other than GET and HEAD) and the
 * X-CSRF-Token header (csrf_header, NULL: absent) does not equal both the
 * CSRF cookie and the session's token (answer 403).  *why is a static
 * English reason.
 */
enum auth_outcome websess_authenticate(const struct conf *,
		    const char *cookie_header, const char *csrf_header,
		    int unsafe, int64_t now, struct principal *p,
		    const char **why);

/* 1 when s may be a login's return path: a relative path ("/" then no
 * '/' or '\'), visible ASCII, at most WEBSESS_RETURN_MAX bytes. */
int		 websess_return_ok(const char *s);

#endif
