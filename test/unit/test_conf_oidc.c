/*
 * test_conf_oidc: the options of the web login: the OpenID Connect trio
 * that goes together, the scopes, the extra authorization parameters,
 * the cookie keys (base64, 32 bytes, several for rotation) and
 * cookie_secure.  The environment is a table handed to conf_load.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "seal.h"
#include "tap.h"

#define KEY_A "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="	/* 0..31 */
#define KEY_B "//////////////////////////////////////////8="

static const char *
lookup(void *arg, const char *name)
{
	const char *const *e;
	size_t n = strlen(name);

	for (e = arg; *e != NULL; e++)
		if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
			return *e + n + 1;
	return NULL;
}

/* Loads a configuration from the base plus the given variables. */
static struct conf *
load(const char *const *vars, char **err)
{
	const char *env[32] = {
		"LIVEKIT_URL=ws://127.0.0.1:7880", "LIVEKIT_API_KEY=k",
		"LIVEKIT_API_SECRET=secret-secret-secret-secret-1234",
	};
	size_t i, n = 3;

	for (i = 0; vars[i] != NULL && n < 31; i++)
		env[n++] = vars[i];
	env[n] = NULL;
	*err = NULL;
	return conf_load(NULL, 0, 0, lookup, (void *)env, err);
}

static void
refused(const char *const *vars, const char *want, const char *what)
{
	struct conf *c;
	char *err;

	c = load(vars, &err);
	ok(c == NULL && err != NULL && strstr(err, want) != NULL,
	    "%s (%s)", what, err != NULL ? err : "accepted");
	conf_free(c);
	free(err);
}

static void
test_defaults(void)
{
	const char *none[] = { NULL };
	struct conf *c;
	char *err;

	c = load(none, &err);
	ok(c != NULL, "no login configured is fine");
	if (c == NULL)
		return;
	ok(c->oidc_issuer == NULL, "no issuer");
	is_str(c->oidc_scopes, "openid profile email", "default scopes");
	is_str(c->oidc_client_auth, "basic", "default client auth");
	is_int(c->session_ttl, 3600, "default session_ttl");
	is_int(c->cookie_secure, 1, "cookies are Secure by default");
	is_int((long long)c->ncookie_keys, 0, "no cookie key");
	conf_free(c);
}

static void
test_full(void)
{
	const char *vars[] = {
		"LKGATE_OIDC_ISSUER=https://login.example.com/realms/x",
		"LKGATE_OIDC_CLIENT_ID=visio",
		"LKGATE_OIDC_CLIENT_SECRET=s3cret",
		"LKGATE_OIDC_REDIRECT_URI=https://v.example.com/api/auth/"
		    "callback",
		"LKGATE_OIDC_SCOPES=openid offline_access",
		"LKGATE_OIDC_AUTH_PARAMS=realm=/individu&ui_locales=fr",
		"LKGATE_OIDC_CLIENT_AUTH=post",
		"LKGATE_COOKIE_KEYS=" KEY_A ", " KEY_B,
		"LKGATE_COOKIE_SECURE=false",
		"LKGATE_SESSION_TTL=600",
		NULL
	};
	unsigned char a[32];
	struct conf *c;
	char *err;
	int i;

	c = load(vars, &err);
	ok(c != NULL, "a full login configuration loads (%s)",
	    err != NULL ? err : "ok");
	if (c == NULL) {
		free(err);
		return;
	}
	is_str(c->oidc_issuer, "https://login.example.com/realms/x", "issuer");
	is_str(c->oidc_client_secret, "s3cret", "secret");
	is_str(c->oidc_auth_params, "realm=/individu&ui_locales=fr",
	    "auth params");
	is_str(c->oidc_client_auth, "post", "client auth");
	is_int(c->cookie_secure, 0, "cookie_secure false");
	is_int(c->session_ttl, 600, "session_ttl");
	is_int((long long)c->ncookie_keys, 2, "two cookie keys, in order");
	for (i = 0; i < 32; i++)
		a[i] = (unsigned char)i;
	ok(c->ncookie_keys == 2 && memcmp(c->cookie_keys[0].key, a, 32) == 0,
	    "the first key decodes to bytes 0..31");
	memset(a, 0xff, sizeof(a));
	ok(c->ncookie_keys == 2 && memcmp(c->cookie_keys[1].key, a, 32) == 0,
	    "the second key decodes to 32 bytes of 0xff");
	conf_free(c);
}

static void
test_refusals(void)
{
	const char *partial[] = { "LKGATE_OIDC_ISSUER=https://l.example.com",
	    "LKGATE_COOKIE_KEYS=" KEY_A, NULL };
	const char *nokeys[] = { "LKGATE_OIDC_ISSUER=https://l.example.com",
	    "LKGATE_OIDC_CLIENT_ID=c",
	    "LKGATE_OIDC_REDIRECT_URI=https://v.example.com/cb", NULL };
	const char *noopenid[] = { "LKGATE_OIDC_ISSUER=https://l.example.com",
	    "LKGATE_OIDC_CLIENT_ID=c", "LKGATE_COOKIE_KEYS=" KEY_A,
	    "LKGATE_OIDC_REDIRECT_URI=https://v.example.com/cb",
	    "LKGATE_OIDC_SCOPES=profile openidx email", NULL };
	const char *shortkey[] = { "LKGATE_COOKIE_KEYS=AAECAwQF", NULL };
	const char *badkey[] = { "LKGATE_COOKIE_KEYS=" KEY_A ",not*base64",
	    NULL };
	const char *reserved[] = { "LKGATE_OIDC_AUTH_PARAMS=realm=x&state=y",
	    NULL };
	const char *badname[] = { "LKGATE_OIDC_AUTH_PARAMS=re alm=x", NULL };
	const char *badbool[] = { "LKGATE_COOKIE_SECURE=no", NULL };
	const char *badscheme[] = { "LKGATE_OIDC_ISSUER=ftp://l.example.com",
	    NULL };
	const char *plainhttp[] = { "LKGATE_OIDC_ISSUER=http://l.example.com",
	    "LKGATE_OIDC_CLIENT_ID=c", "LKGATE_COOKIE_KEYS=" KEY_A,
	    "LKGATE_OIDC_REDIRECT_URI=https://v.example.com/cb", NULL };
	const char *loopback[] = { "LKGATE_OIDC_ISSUER=http://127.0.0.1:9000",
	    "LKGATE_OIDC_CLIENT_ID=c", "LKGATE_COOKIE_KEYS=" KEY_A,
	    "LKGATE_OIDC_REDIRECT_URI=http://127.0.0.1:8083/cb", NULL };
	struct conf *c;
	char *err;

	refused(partial, "go together", "issuer without client and redirect");
	refused(nokeys, "cookie_keys", "a login without cookie keys");
	refused(noopenid, "openid", "scopes without openid");
	refused(shortkey, "32 bytes", "a key of 6 bytes");
	refused(badkey, "entry 2", "a key that is not base64, named");
	refused(reserved, "state is set by lkgate", "a reserved parameter");
	refused(badname, "visible ASCII", "a blank in the parameters");
	refused(badbool, "true or false", "cookie_secure no");
	refused(badscheme, "not a URL", "an ftp issuer");
	refused(plainhttp, "https", "a plain-http issuer not on loopback");
	c = load(loopback, &err);
	ok(c != NULL, "a plain-http issuer on loopback (%s)",
	    c != NULL ? "accepted" : err);
	conf_free(c);
	free(err);
}

int
main(void)
{
	test_defaults();
	test_full();
	test_refusals();
	return tap_done();
}
