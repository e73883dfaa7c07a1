/*
 * test_websess: the web login's cookies: names under cookie_secure, the
 * session and login round trips, rotation, the refresh token dropped
 * when the cookie would pass 4 KB, the login without a PKCE verifier,
 * websess_authenticate (401 and the CSRF 403), and return paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "seal.h"
#include "tap.h"
#include "websess.h"

#define NOW 1764284400

static struct seal_key keys[2];
static struct conf conf;

static void
setup(void)
{
	memset(&keys[0], 0x61, sizeof(keys[0]));
	memset(&keys[1], 0x62, sizeof(keys[1]));
	conf.cookie_keys = keys;
	conf.ncookie_keys = 2;
	conf.cookie_secure = 1;
}

static struct websess
session(void)
{
	struct websess s;

	memset(&s, 0, sizeof(s));
	strcpy(s.user.sub, "lea.dupont");
	strcpy(s.user.name, "L\xc3\xa9" "a Dupont");
	strcpy(s.user.email, "lea@example.test");
	s.exp = NOW + 600;
	memset(s.csrf, 'c', WEBSESS_RANDOM_LEN);
	strcpy(s.refresh, "rt-1");
	return s;
}

/* "NAME=VALUE" of cookie which, sealed from s. */
static char *
cookie_of(enum websess_cookie which, const char *value)
{
	char *h = malloc(strlen(value) + 64);

	sprintf(h, "%s=%s", websess_cookie_name(&conf, which), value);
	return h;
}

static void
test_names(void)
{
	char *s;

	is_str(websess_cookie_name(&conf, WC_SESSION), "__Host-lkgate_session",
	    "Secure cookies get the __Host- prefix");
	s = websess_set_cookie(&conf, WC_CSRF, "abc", 60);
	is_str(s, "__Host-lkgate_csrf=abc; Path=/; Max-Age=60; Secure; "
	    "SameSite=Lax", "the CSRF cookie is readable by the page");
	free(s);
	conf.cookie_secure = 0;
	is_str(websess_cookie_name(&conf, WC_LOGIN), "lkgate_login",
	    "plain names without Secure");
	s = websess_set_cookie(&conf, WC_SESSION, "", 0);
	is_str(s, "lkgate_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
	    "clearing the session cookie");
	free(s);
	conf.cookie_secure = 1;
}

static void
test_session(void)
{
	unsigned char nonce[SEAL_NONCE_LEN] = { 7 };
	struct websess s = session(), got;
	const char *why;
	char *v, *h, *h2;

	v = websess_seal(&conf, &s, nonce);
	h = cookie_of(WC_SESSION, v);
	ok(websess_open(&conf, h, NOW, &got, &why) == 0, "a session opens");
	is_str(got.user.sub, "lea.dupont", "sub");
	is_str(got.user.name, s.user.name, "name");
	is_str(got.refresh, "rt-1", "refresh token");
	is_int(got.exp, NOW + 600, "expiry");
	ok(websess_open(&conf, h, NOW + 600, &got, &why) == -1 &&
	    strcmp(why, "session has expired") == 0, "refused once expired");
	/* Rotation: the old key second still opens, alone it is retired. */
	conf.cookie_keys = &keys[1];
	conf.ncookie_keys = 1;
	ok(websess_open(&conf, h, NOW, &got, &why) == -1,
	    "a retired key's session is refused");
	conf.cookie_keys = keys;
	conf.ncookie_keys = 2;
	ok(websess_open(&conf, "a=b", NOW, &got, &why) == -1 &&
	    strstr(why, "no session") != NULL, "no cookie: no session");
	h2 = malloc(2 * strlen(h) + 3);
	sprintf(h2, "%s; %s", h, h);
	ok(websess_open(&conf, h2, NOW, &got, &why) == -1,
	    "two session cookies are refused");
	free(h2);
	free(h);
	free(v);
	/* A refresh token that would take the cookie over 4 KB is dropped. */
	/* Quotes double in JSON: the largest session there can be. */
	memset(s.refresh, 'r', OIDC_REFRESH_MAX);
	memset(s.user.name, '"', OIDC_NAME_MAX);
	memset(s.user.email, '"', OIDC_EMAIL_MAX);
	v = websess_seal(&conf, &s, nonce);
	h = cookie_of(WC_SESSION, v);
	ok(websess_open(&conf, h, NOW, &got, &why) == 0 &&
	    got.refresh[0] == '\0', "an oversized refresh token is dropped");
	h2 = websess_set_cookie(&conf, WC_SESSION, v, 600);
	ok(h2 != NULL && strlen(h2) <= 4096, "the cookie stays under 4 KB");
	free(h2);
	free(h);
	free(v);
}

static void
test_login(void)
{
	unsigned char nonce[SEAL_NONCE_LEN] = { 9 };
	struct weblogin l, got;
	const char *why;
	char *v, *h;

	memset(&l, 0, sizeof(l));
	memset(l.state, 's', WEBSESS_RANDOM_LEN);
	memset(l.nonce, 'n', WEBSESS_RANDOM_LEN);
	memset(l.verifier, 'v', WEBSESS_RANDOM_LEN);
	strcpy(l.return_to, "/room/1");
	l.exp = NOW + WEBSESS_LOGIN_TTL;
	v = weblogin_seal(&conf, &l, nonce);
	h = cookie_of(WC_LOGIN, v);
	ok(weblogin_open(&conf, h, NOW, &got, &why) == 0, "a login opens");
	ok(strcmp(got.verifier, l.verifier) == 0 &&
	    strcmp(got.return_to, "/room/1") == 0, "with its verifier and path");
	{
		struct websess s;

		free(h);
		h = cookie_of(WC_SESSION, v);
		ok(websess_open(&conf, h, NOW, &s, &why) == -1,
		    "a login cookie is no session");
	}
	free(h);
	free(v);
	l.verifier[0] = '\0';
	v = weblogin_seal(&conf, &l, nonce);
	h = cookie_of(WC_LOGIN, v);
	ok(weblogin_open(&conf, h, NOW, &got, &why) == -1 &&
	    strcmp(why, "login has no PKCE verifier") == 0,
	    "a login without a verifier is refused");
	free(h);
	free(v);
}

static void
test_authenticate(void)
{
	unsigned char nonce[SEAL_NONCE_LEN] = { 3 };
	struct websess s = session();
	struct principal p;
	const char *why;
	char csrf[WEBSESS_RANDOM_LEN + 1], *v, h[4096];

	memset(csrf, 'c', WEBSESS_RANDOM_LEN);
	csrf[WEBSESS_RANDOM_LEN] = '\0';
	v = websess_seal(&conf, &s, nonce);
	snprintf(h, sizeof(h), "__Host-lkgate_session=%s; __Host-lkgate_csrf=%s",
	    v, csrf);
	is_int(websess_authenticate(&conf, h, NULL, 0, NOW, &p, &why),
	    AUTHN_OK, "GET needs no CSRF header");
	ok(p.kind == P_USER && !p.admin &&
	    strcmp(p.name, "oidc:lea.dupont") == 0 && p.source == PS_OIDC &&
	    strcmp(p.display, s.user.name) == 0,
	    "a P_USER of source PS_OIDC, identity oidc:<sub>");
	is_int(websess_authenticate(&conf, h, csrf, 1, NOW, &p, &why),
	    AUTHN_OK, "POST with the header");
	is_int(websess_authenticate(&conf, h, NULL, 1, NOW, &p, &why),
	    AUTHN_FORBIDDEN, "POST without the header");
	is_int(websess_authenticate(&conf, h, "c", 1, NOW, &p, &why),
	    AUTHN_FORBIDDEN, "POST with a short header");
	snprintf(h, sizeof(h), "__Host-lkgate_session=%s", v);
	is_int(websess_authenticate(&conf, h, csrf, 1, NOW, &p, &why),
	    AUTHN_FORBIDDEN, "POST without the CSRF cookie");
	is_int(websess_authenticate(&conf, NULL, csrf, 1, NOW, &p, &why),
	    AUTHN_UNKNOWN, "no cookie at all: 401");
	free(v);
	/* A sub too long for "oidc:<sub>" (an older cookie): no principal. */
	memset(s.user.sub, 's', IDENTITY_MAX);
	s.user.sub[IDENTITY_MAX] = '\0';
	v = websess_seal(&conf, &s, nonce);
	snprintf(h, sizeof(h), "__Host-lkgate_session=%s", v);
	is_int(websess_authenticate(&conf, h, NULL, 0, NOW, &p, &why),
	    AUTHN_UNKNOWN, "a sub of 128 bytes: 401");
	is_str(why, "session user id is too long", "and why");
	ok(p.kind == P_ANONYMOUS, "no principal left behind");
	free(v);
}

static void
test_return(void)
{
	ok(websess_return_ok("/"), "/");
	ok(websess_return_ok("/room/1?x=2#y"), "a path with query");
	ok(!websess_return_ok("//evil.example"), "protocol-relative");
	ok(!websess_return_ok("/\\evil.example"), "backslash");
	ok(!websess_return_ok("https://evil.example"), "absolute");
	ok(!websess_return_ok("/a b"), "a space");
	ok(!websess_return_ok(""), "empty");
}

int
main(void)
{
	setup();
	test_names();
	test_session();
	test_login();
	test_authenticate();
	test_return();
	return tap_done();
}
