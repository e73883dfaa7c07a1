/*
 * websess: the session, login and CSRF cookies of the web login (see
 * websess.h).  A session is {"sub","name","email","exp","csrf","rt"} and a
 * login {"state","nonce","pkce","ret","exp"}, each sealed (seal.h) for its
 * own purpose, so neither can pass for the other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "conf.h"
#include "cookie.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "seal.h"
#include "util.h"
#include "validate.h"
#include "websess.h"

#define P_SESSION	"session"
#define P_LOGIN		"login"
#define EXP_MAX		((long long)1 << 40)

static const char *const names[][2] = {
	[WC_SESSION] = { "lkgate_session", "__Host-lkgate_session" },
	[WC_LOGIN] = { "lkgate_login", "__Host-lkgate_login" },
	[WC_CSRF] = { "lkgate_csrf", "__Host-lkgate_csrf" },
};

const char *
websess_cookie_name(const struct conf *c, enum websess_cookie which)
{
	return names[which][c->cookie_secure ? 1 : 0];
}

void
websess_random_text(const unsigned char rnd[WEBSESS_RANDOM_BYTES],
    char out[WEBSESS_RANDOM_LEN + 1])
{
	char *s = b64url_encode(rnd, WEBSESS_RANDOM_BYTES);

	memcpy(out, s, WEBSESS_RANDOM_LEN + 1);
	free(s);
}

char *
websess_set_cookie(const struct conf *c, enum websess_cookie which,
    const char *value, long long max_age)
{
	struct cookie_attrs a;

	memset(&a, 0, sizeof(a));
	a.path = "/";
	a.max_age = max_age;
	a.http_only = which != WC_CSRF;
	a.secure = c->cookie_secure != 0;
	a.samesite = COOKIE_LAX;
	return cookie_build(websess_cookie_name(c, which), value, &a);
}

/* Seals o with the first key; the caller checked there is one. */
static char *
seal_first(const struct conf *c, const char *purpose, const cJSON *o,
    const unsigned char nonce[SEAL_NONCE_LEN])
{
	if (c->ncookie_keys == 0)
		fatal("websess: no cookie key to seal with");
	return seal_json(&c->cookie_keys[0], purpose, o, nonce);
}

static cJSON *
session_json(const struct websess *s, int with_refresh)
{
	cJSON *o = json_new_object();

	json_add_string(o, "sub", s->user.sub);
	json_add_string(o, "name", s->user.name);
	json_add_string(o, "email", s->user.email);
	json_add_int(o, "exp", s->exp);
	json_add_string(o, "csrf", s->csrf);
	if (with_refresh && s->refresh[0] != '\0')
		json_add_string(o, "rt", s->refresh);
	return o;
}

char *
websess_seal(const struct conf *c, const struct websess *s,
    const unsigned char nonce[SEAL_NONCE_LEN])
{
	char *text, *set;
	cJSON *o;
	int with_refresh;

	/* The whole Set-Cookie must fit in 4 KB; a refresh token too long
	 * for it is dropped (the session then cannot be refreshed). */
	for (with_refresh = 1; with_refresh >= 0; with_refresh--) {
		o = session_json(s, with_refresh);
		text = seal_first(c, P_SESSION, o, nonce);
		cJSON_Delete(o);
		set = websess_set_cookie(c, WC_SESSION, text, 1 << 30);
		if (set != NULL) {
			free(set);
			return text;
		}
		free(text);
	}
	fatal("websess: a session without refresh token is over 4 KB");
}

char *
weblogin_seal(const struct conf *c, const struct weblogin *l,
    const unsigned char nonce[SEAL_NONCE_LEN])
{
	char *text;
	cJSON *o;

	o = json_new_object();
	json_add_string(o, "state", l->state);
	json_add_string(o, "nonce", l->nonce);
	json_add_string(o, "pkce", l->verifier);
	json_add_string(o, "ret", l->return_to);
	json_add_int(o, "exp", l->exp);
	text = seal_first(c, P_LOGIN, o, nonce);
	cJSON_Delete(o);
	return text;
}

/* Copies member key, when valid text of 1..max bytes, into out. */
static int
get_text(const cJSON *o, const char *key, char *out, size_t max,
    int required)
{
	const char *s = NULL;

	out[0] = '\0';
	if (json_get_string(o, key, &s) != JG_OK)
		return required ? -1 : 0;
	if (!valid_text(s, max) || (required && s[0] == '\0'))
		return -1;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* Finds and opens one sealed cookie. */
static int
open_cookie(const struct conf *c, enum websess_cookie which,
    const char *purpose, const char *header, int64_t now, cJSON **o,
    const char **why)
{
	const char *v;
	size_t n;

	switch (cookie_find(header, header != NULL ? strlen(header) : 0,
	    websess_cookie_name(c, which), &v, &n)) {
	case COOKIE_ABSENT:
		*why = which == WC_SESSION ? "no session: log in at "
		    "/api/auth/login" : "no login in progress";
		return -1;
	case COOKIE_MALFORMED:
	case COOKIE_DUPLICATE:
		*why = "the Cookie header is malformed or repeats a cookie";
		return -1;
	case COOKIE_FOUND:
		break;
	}
	switch (seal_open(c->cookie_keys, c->ncookie_keys, purpose, v, n, now,
	    o)) {
	case SEAL_OK:
		return 0;
	case SEAL_EXPIRED:
		*why = which == WC_SESSION ? "session has expired" :
		    "login has expired";
		return -1;
	default:
		*why = which == WC_SESSION ? "session cookie is not valid" :
		    "login cookie is not valid";
		return -1;
	}
}

int
websess_open(const struct conf *c, const char *header, int64_t now,
    struct websess *s, const char **why)
{
	long long exp = 0;
	cJSON *o;
	int r;

	memset(s, 0, sizeof(*s));
	if (open_cookie(c, WC_SESSION, P_SESSION, header, now, &o, why) == -1)
		return -1;
	json_get_int(o, "exp", 0, EXP_MAX, &exp);
	s->exp = exp;
	r = get_text(o, "sub", s->user.sub, IDENTITY_MAX, 1);
	if (r == 0 && !valid_identity(s->user.sub))
		r = -1;
	if (r == 0)
		r = get_text(o, "name", s->user.name, OIDC_NAME_MAX, 0) |
		    get_text(o, "email", s->user.email, OIDC_EMAIL_MAX, 0) |
		    get_text(o, "csrf", s->csrf, WEBSESS_RANDOM_LEN, 1) |
		    get_text(o, "rt", s->refresh, OIDC_REFRESH_MAX, 0);
	cJSON_Delete(o);
	if (r != 0) {
		memset(s, 0, sizeof(*s));
		*why = "session cookie is not valid";
		return -1;
	}
	return 0;
}

int
weblogin_open(const struct conf *c, const char *header, int64_t now,
    struct weblogin *l, const char **why)
{
	long long exp = 0;
	cJSON *o;
	int r;

	memset(l, 0, sizeof(*l));
	if (open_cookie(c, WC_LOGIN, P_LOGIN, header, now, &o, why) == -1)
		return -1;
	json_get_int(o, "exp", 0, EXP_MAX, &exp);
	l->exp = exp;
	r = get_text(o, "state", l->state, WEBSESS_RANDOM_LEN, 1) |
	    get_text(o, "nonce", l->nonce, WEBSESS_RANDOM_LEN, 1) |
	    get_text(o, "ret", l->return_to, WEBSESS_RETURN_MAX, 0);
	if (r != 0)
		*why = "login cookie is not valid";
	else if (get_text(o, "pkce", l->verifier, WEBSESS_RANDOM_LEN,
	    1) != 0) {
		*why = "login has no PKCE verifier";
		r = -1;
	}
	cJSON_Delete(o);
	return r == 0 ? 0 : -1;
}

/* The header equals the CSRF cookie and the session's token. */
static int
csrf_ok(const struct conf *c, const char *header, const char *hdr,
    const struct websess *s)
{
	const char *v;
	size_t n, want = strlen(s->csrf);

	if (hdr == NULL || strlen(hdr) != want ||
	    cookie_find(header, strlen(header), websess_cookie_name(c, WC_CSRF),
	    &v, &n) != COOKIE_FOUND || n != want)
		return 0;
	return crypto_ct_equal(hdr, s->csrf, want) &
	    crypto_ct_equal(v, s->csrf, want);
}

enum auth_outcome
websess_authenticate(const struct conf *c, const char *header,
    const char *csrf_header, int unsafe, int64_t now, struct principal *p,
    const char **why)
{
	struct websess s;

	if (websess_open(c, header, now, &s, why) == -1)
		return AUTHN_UNKNOWN;
	if (unsafe && !csrf_ok(c, header, csrf_header, &s)) {
		explicit_bzero(&s, sizeof(s));
		*why = "missing or wrong " WEBSESS_CSRF_HEADER " header (send "
		    "the value of the CSRF cookie)";
		return AUTHN_FORBIDDEN;
	}
	/* "oidc:<sub>": never the identity of a user JWT's sub. */
	if (principal_set_user(p, PS_OIDC, s.user.sub, s.user.name) == -1) {
		explicit_bzero(&s, sizeof(s));
		*why = "session user id is too long";
		return AUTHN_UNKNOWN;
	}
	explicit_bzero(&s, sizeof(s));
	return AUTHN_OK;
}

int
websess_return_ok(const char *s)
{
	size_t i;

	if (s[0] != '/' || s[1] == '/' || s[1] == '\\')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '\\' || i >= WEBSESS_RETURN_MAX)
			return 0;
	return 1;
}
