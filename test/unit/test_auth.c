/*
 * test_auth: user JWTs end to end from the configuration: the user_jwt_*
 * options and the keys conf_load builds from them, then auth_user_jwt on
 * tokens signed here (HS256, any claims): the Bearer form, expiry and
 * not-before within and beyond the leeway, issuer and audience, the sub
 * as identity, the display name, the admin role claim (string or array,
 * under its configured name), and what is refused.  Also auth_api_key.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "b64url.h"
#include "conf.h"
#include "crypto.h"
#include "tap.h"
#include "token.h"
#include "util.h"

#define SECRET	"user-jwt-secret-of-32-characters!!"
#define NOW	1700000000LL
#define ISS	"https://login.urbania.example"
#define AUD	"lkgate"
#define APPKEY	"app-key-0123456789abcdef"

static const char *const *test_env;

static const char *
env_lookup(void *arg, const char *name)
{
	const char *const *e;

	(void)arg;
	for (e = test_env; e != NULL && e[0] != NULL; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

/* The LiveKit settings every configuration needs, then extra, then NULL. */
static struct conf *
load(const char *const *extra, char **err)
{
	static const char *env[64];
	size_t n = 0;

	env[n++] = "LIVEKIT_URL";
	env[n++] = "ws://127.0.0.1:7880";
	env[n++] = "LIVEKIT_API_KEY";
	env[n++] = "APIkey";
	env[n++] = "LIVEKIT_API_SECRET";
	env[n++] = "livekit-secret-0123456789abcdef0123";
	env[n++] = "LKGATE_API_KEYS";
	env[n++] = "app:" APPKEY;
	for (; extra != NULL && *extra != NULL && n + 3 < NELEM(env); extra++)
		env[n++] = *extra;
	env[n] = NULL;
	test_env = env;
	*err = NULL;
	return conf_load(NULL, 0, 0, env_lookup, NULL, err);
}

/* Returns a compact JWS of header and payload MACed with key. */
static char *
sign(const char *header, const char *payload, const char *key)
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char *h, *p, *input, *s, *jwt;

	h = b64url_encode(header, strlen(header));
	p = b64url_encode(payload, strlen(payload));
	input = xasprintf("%s.%s", h, p);
	crypto_hmac_sha256(key, strlen(key), input, strlen(input), mac);
	s = b64url_encode(mac, sizeof(mac));
	jwt = xasprintf("%s.%s", input, s);
	free(h);
	free(p);
	free(input);
	free(s);
	return jwt;
}

/* "Bearer " and an HS256 token of the given claims (JSON members). */
static char *
bearer(const char *claims)
{
	char *payload, *jwt, *h;

	payload = xasprintf("{%s}", claims);
	jwt = sign("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, SECRET);
	h = xasprintf("Bearer %s", jwt);
	free(payload);
	free(jwt);
	return h;
}

/* Claims of a good token: sub, iss, aud, exp now + 600, extra. */
static char *
claims(const char *sub, const char *extra)
{
	return xasprintf("\"sub\":\"%s\",\"iss\":\"" ISS "\",\"aud\":\"" AUD
	    "\",\"exp\":%lld%s%s", sub, NOW + 600, *extra ? "," : "", extra);
}

/* Authenticates header; returns 0 or -1 with the reason in *why. */
static int
try(const struct conf *c, const char *header, struct principal *p,
    const char **why)
{
	*why = NULL;
	return auth_user_jwt(c, header, NOW, p, why);
}

/* Expects a token of the given claims to be refused with want. */
static void
refused(const struct conf *c, const char *cl, const char *want,
    const char *name)
{
	struct principal p;
	const char *why;
	char *h = bearer(cl);

	memset(&p, 0x55, sizeof(p));
	is_int(try(c, h, &p, &why), -1, name);
	is_str(why, want, name);
	ok(p.kind == P_ANONYMOUS && p.name[0] == '\0' && !p.admin,
	    "%s: no principal left behind", name);
	free(h);
}

/* Expects a token of the given claims to be accepted. */
static void
accepted(const struct conf *c, const char *cl, const char *name)
{
	struct principal p;
	const char *why;
	char *h = bearer(cl);

	if (!ok(try(c, h, &p, &why) == 0, "%s", name))
		printf("# %s\n", why);
	free(h);
}

static const char *const full_env[] = {
	"LKGATE_USER_JWT_SECRET", SECRET,
	"LKGATE_USER_JWT_ISSUER", ISS,
	"LKGATE_USER_JWT_AUDIENCE", AUD,
	NULL
};

static void
test_conf_options(void)
{
	static const char *const short_secret[] = {
		"LKGATE_USER_JWT_SECRET", "only-31-characters-long-secret!",
		NULL
	};
	static const char *const same_secret[] = {
		"LKGATE_USER_JWT_SECRET", "livekit-secret-0123456789abcdef0123",
		NULL
	};
	static const char *const leeway[] = {
		"LKGATE_USER_JWT_LEEWAY", "601", NULL
	};
	static const char *const both[] = {
		"LKGATE_USER_JWT_SECRET", SECRET,
		"LKGATE_USER_JWT_SECRET_FILE", "/nonexistent", NULL
	};
	struct conf *c;
	char *err;

	c = load(NULL, &err);
	ok(c != NULL && c->user_keys == NULL,
	    "no user option: no user keys");
	if (c != NULL) {
		is_int(c->user_jwt_leeway, 30, "leeway defaults to 30");
		is_str(c->admin_role_claim, "role",
		    "role claim defaults to role");
		ok(c->user_jwt_issuer == NULL && c->user_jwt_audience == NULL,
		    "issuer and audience unset by default");
	}
	conf_free(c);

	c = load(full_env, &err);
	ok(c != NULL && c->user_keys != NULL && c->user_keys->nkeys == 1 &&
	    c->user_keys->keys[0].alg == TOKEN_HS256,
	    "a secret gives one HS256 key");
	conf_free(c);

	c = load(short_secret, &err);
	ok(c == NULL, "a secret under 32 characters is refused");
	is_str(err, "LKGATE_USER_JWT_SECRET: must be 32-4096 visible ASCII "
	    "characters", "the message names the variable");
	ok(err != NULL && strstr(err, short_secret[1]) == NULL,
	    "and not the value");
	free(err);

	c = load(same_secret, &err);
	ok(c == NULL, "the LiveKit secret as user secret is refused");
	is_str(err, "user_jwt_secret must not be the LiveKit API secret",
	    "same secret: message");
	free(err);

	c = load(leeway, &err);
	ok(c == NULL, "a leeway over 600 is refused");
	is_str(err, "LKGATE_USER_JWT_LEEWAY: 601 is too large (0..600)",
	    "leeway: message");
	free(err);

	c = load(both, &err);
	ok(c == NULL, "secret and secret file together are refused");
	is_str(err, "LKGATE_USER_JWT_SECRET: LKGATE_USER_JWT_SECRET_FILE is "
	    "set too; set only one", "both: message");
	free(err);
}

/* Writes data to a new mode 0600 file; the caller unlinks and frees. */
static char *
write_tmp(const char *data)
{
	char path[] = "/tmp/test_auth.XXXXXX";
	int fd;

	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, data, strlen(data)) != (ssize_t)strlen(data) ||
	    close(fd) == -1) {
		perror("write_tmp");
		exit(99);
	}
	return xstrdup(path);
}

static void
test_conf_files(void)
{
	const char *env[5] = { NULL };
	struct conf *c;
	char *path, *err, *want;

	path = write_tmp(SECRET "\n");
	env[0] = "LKGATE_USER_JWT_SECRET_FILE";
	env[1] = path;
	c = load(env, &err);
	ok(c != NULL && c->user_keys != NULL && c->user_keys->nkeys == 1 &&
	    c->user_keys->keys[0].secretlen == strlen(SECRET),
	    "a secret file gives the HS256 key, without its newline");
	conf_free(c);
	unlink(path);
	free(path);

	path = write_tmp("short-secret\n");
	env[1] = path;
	c = load(env, &err);
	want = xasprintf("LKGATE_USER_JWT_SECRET_FILE: %s: must hold 32-4096 "
	    "visible ASCII characters", path);
	ok(c == NULL, "a short secret in a file is refused");
	is_str(err, want, "short secret file: message");
	free(want);
	free(err);
	unlink(path);
	free(path);

	path = write_tmp("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":"
	    "\"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU\",\"y\":"
	    "\"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0\",\"kid\":\"e\"},"
	    "{\"kty\":\"oct\",\"k\":\"AAAA\"}]}");
	env[0] = "LKGATE_USER_JWT_JWKS_FILE";
	env[1] = path;
	env[2] = "LKGATE_USER_JWT_SECRET";
	env[3] = SECRET;
	c = load(env, &err);
	ok(c != NULL && c->user_keys != NULL && c->user_keys->nkeys == 2,
	    "JWKS file and secret: both keys");
	if (c != NULL && c->user_keys != NULL && c->user_keys->nkeys == 2) {
		is_int(c->user_keys->keys[0].alg, TOKEN_ES256,
		    "JWKS key ES256");
		is_str(c->user_keys->keys[0].kid, "e", "JWKS key's kid");
		is_int(c->user_keys->keys[1].alg, TOKEN_HS256, "secret HS256");
	}
	conf_free(c);
	unlink(path);
	free(path);

	path = write_tmp("{\"keys\":[{\"kty\":\"RSA\",\"e\":\"AQAB\"}]}");
	env[1] = path;
	env[2] = NULL;
	c = load(env, &err);
	want = xasprintf("LKGATE_USER_JWT_JWKS_FILE: %s: keys[0]: has no "
	    "\"n\"", path);
	ok(c == NULL, "a bad JWKS file is refused");
	is_str(err, want, "bad JWKS: message names variable, file and key");
	free(want);
	free(err);
	unlink(path);
	free(path);
}

static void
test_accepted(const struct conf *c)
{
	struct principal p;
	const char *why;
	char *cl, *h, *h2;

	cl = claims("user-42@urbania:fr", "\"name\":\"Zoé Martin\"");
	h = bearer(cl);
	is_int(try(c, h, &p, &why), 0, "a good token is accepted");
	is_int(p.kind, P_USER, "the principal is a user");
	is_str(p.name, "user-42@urbania:fr", "its name is the sub");
	is_str(p.display, "Zoé Martin", "its display name is the name claim");
	is_int(p.admin, 0, "no role: not an admin");
	/* RFC 7235: the scheme is case-insensitive. */
	h2 = xasprintf("bEARER %s", h + 7);
	is_int(try(c, h2, &p, &why), 0, "the scheme in any case");
	free(h2);
	free(h);
	free(cl);
}

static void
test_header_forms(const struct conf *c)
{
	struct principal p;
	const char *why;
	char *cl, *h, *jwt, *bad;

	cl = claims("u1", "");
	h = bearer(cl);
	jwt = h + 7;
	is_int(try(c, jwt, &p, &why), -1, "a bare token is refused");
	is_str(why, "expected Authorization: Bearer <token>", "bare: reason");
	bad = xasprintf("Bearer  %s", jwt);
	is_int(try(c, bad, &p, &why), -1, "two spaces are refused");
	free(bad);
	bad = xasprintf("Bearer %s ", jwt);
	is_int(try(c, bad, &p, &why), -1, "a trailing space is refused");
	free(bad);
	bad = xasprintf("Bearer\t%s", jwt);
	is_int(try(c, bad, &p, &why), -1, "a tab is refused");
	free(bad);
	bad = xasprintf("Basic %s", jwt);
	is_int(try(c, bad, &p, &why), -1, "another scheme is refused");
	free(bad);
	is_int(try(c, "Bearer", &p, &why), -1, "no token is refused");
	is_int(try(c, "Bearer ", &p, &why), -1, "an empty token is refused");
	is_int(try(c, NULL, &p, &why), -1, "no header is refused");
	is_int(try(c, "Bearer garbage", &p, &why), -1, "garbage is refused");
	is_str(why, "token is malformed", "garbage: reason");
	ok(auth_is_bearer("Bearer x") && auth_is_bearer("bearer x") &&
	    auth_is_bearer("Bearer") && !auth_is_bearer("Bearerx") &&
	    !auth_is_bearer("Basic x") && !auth_is_bearer(NULL) &&
	    !auth_is_bearer(""), "auth_is_bearer tells the scheme");
	free(h);
	free(cl);
}

static void
test_times(const struct conf *c)
{
	char *cl;

	cl = xasprintf("\"sub\":\"u\",\"iss\":\"" ISS "\",\"aud\":\"" AUD
	    "\",\"exp\":%lld", NOW - 31);
	refused(c, cl, "token has expired", "expired 31 s ago (leeway 30)");
	free(cl);
	cl = xasprintf("\"sub\":\"u\",\"iss\":\"" ISS "\",\"aud\":\"" AUD
	    "\",\"exp\":%lld", NOW - 29);
	accepted(c, cl, "expired 29 s ago: within the leeway");
	free(cl);
	cl = claims("u", "\"nbf\":1700000031");
	refused(c, cl, "token is not valid yet", "valid in 31 s");
	free(cl);
	cl = claims("u", "\"nbf\":1700000029");
	accepted(c, cl, "valid in 29 s: within the leeway");
	free(cl);
	refused(c, "\"sub\":\"u\",\"iss\":\"" ISS "\",\"aud\":\"" AUD "\"",
	    "token has no expiry", "no exp");
	cl = claims("u", "\"iat\":\"yesterday\"");
	accepted(c, cl, "other claims are not looked at");
	free(cl);
}

static void
test_claims_checked(const struct conf *c)
{
	char *cl;

	cl = xasprintf("\"sub\":\"u\",\"iss\":\"https://evil.example\","
	    "\"aud\":\"" AUD "\",\"exp\":%lld", NOW + 60);
	refused(c, cl, "token issuer is not accepted", "wrong issuer");
	free(cl);
	cl = xasprintf("\"sub\":\"u\",\"aud\":\"" AUD "\",\"exp\":%lld",
	    NOW + 60);
	refused(c, cl, "token issuer is not accepted", "no issuer");
	free(cl);
	cl = xasprintf("\"sub\":\"u\",\"iss\":\"" ISS "\",\"aud\":\"other\","
	    "\"exp\":%lld", NOW + 60);
	refused(c, cl, "token audience is not accepted", "wrong audience");
	free(cl);
	cl = xasprintf("\"sub\":\"u\",\"iss\":\"" ISS "\",\"aud\":[\"x\",\""
	    AUD "\"],\"exp\":%lld", NOW + 60);
	accepted(c, cl, "audience in an array");
	free(cl);
}

static void
test_sub(const struct conf *c)
{
	char *cl, *longsub;

	refused(c, "\"iss\":\"" ISS "\",\"aud\":\"" AUD "\",\"exp\":"
	    "1700000600", "token sub is not a valid identity", "no sub");
	cl = claims("us er", "");
	refused(c, cl, "token sub is not a valid identity", "sub with a space");
	free(cl);
	cl = claims("u/../admin", "");
	refused(c, cl, "token sub is not a valid identity", "sub with '/'");
	free(cl);
	cl = claims("", "");
	refused(c, cl, "token sub is not a valid identity", "empty sub");
	free(cl);
	refused(c, "\"sub\":42,\"iss\":\"" ISS "\",\"aud\":\"" AUD "\","
	    "\"exp\":1700000600", "token sub is not a valid identity",
	    "sub not a string");
	longsub = xmalloc(IDENTITY_MAX + 2);
	memset(longsub, 'a', IDENTITY_MAX + 1);
	longsub[IDENTITY_MAX + 1] = '\0';
	cl = claims(longsub, "");
	refused(c, cl, "token sub is not a valid identity", "sub of 129 bytes");
	free(cl);
	longsub[IDENTITY_MAX] = '\0';
	cl = claims(longsub, "");
	accepted(c, cl, "sub of 128 bytes");
	free(cl);
	free(longsub);
}

/* A sub another source's identities begin with is refused: a JWT may not
 * pose as a web-login user, a guest or an API key. */
static void
test_reserved_sub(const struct conf *c)
{
	static const char *const subs[] = { "oidc:alice", "guest:g1",
	    "key:ops" };
	static const char *const want = "token sub must not begin with "
	    "oidc:, guest: or key: (reserved for other sign-ins)";
	struct principal p;
	const char *why;
	size_t i;
	char *cl, *h;

	for (i = 0; i < NELEM(subs); i++) {
		cl = claims(subs[i], "");
		refused(c, cl, want, subs[i]);
		free(cl);
	}
	cl = claims("OIDC:alice", "");
	accepted(c, cl, "the prefixes are case-sensitive");
	free(cl);
	cl = claims("alice:oidc", "");
	h = bearer(cl);
	is_int(try(c, h, &p, &why), 0, "a colon elsewhere is fine");
	is_str(p.name, "alice:oidc", "a JWT user's identity is its sub");
	is_int(p.source, PS_USER_JWT, "source: user JWT");
	free(h);
	free(cl);
}

/* Web-login users and guests get their source's prefix; rate-limit keys
 * carry the source. */
static void
test_principal_sources(void)
{
	struct principal p;
	char key[PRINCIPAL_KEY_MAX], id[OIDC_SUB_MAX + 2];
	const char *why;
	struct conf *c;
	char *err = NULL;

	is_int(principal_set_user(&p, PS_OIDC, "alice", "Alice"), 0, "oidc");
	is_str(p.name, "oidc:alice", "web login: oidc:<sub>");
	is_str(p.display, "Alice", "web login: display name");
	is_int(p.kind, P_USER, "web login: a user");
	principal_rl_key(&p, key, sizeof(key));
	is_str(key, "o:oidc:alice", "web login: rate-limit key");
	principal_set_user(&p, PS_USER_JWT, "alice", NULL);
	principal_rl_key(&p, key, sizeof(key));
	is_str(key, "u:alice", "user JWT: rate-limit key");
	principal_set_user(&p, PS_GUEST, "g1", NULL);
	is_str(p.name, "guest:g1", "guest: guest:<id>");
	principal_rl_key(&p, key, sizeof(key));
	is_str(key, "g:guest:g1", "guest: rate-limit key");
	memset(id, 'a', OIDC_SUB_MAX);
	id[OIDC_SUB_MAX] = '\0';
	is_int(principal_set_user(&p, PS_OIDC, id, NULL), 0,
	    "web login: a sub of 123 bytes fits");
	is_int((long long)strlen(p.name), IDENTITY_MAX, "in 128 bytes");
	id[OIDC_SUB_MAX] = 'a';
	id[OIDC_SUB_MAX + 1] = '\0';
	is_int(principal_set_user(&p, PS_OIDC, id, NULL), -1,
	    "web login: a sub of 124 bytes does not");
	ok(p.kind == P_ANONYMOUS && p.name[0] == '\0', "nothing left");
	is_int(principal_rl_key(&p, key, sizeof(key)), -1,
	    "anonymous: no principal key");
	if ((c = load(NULL, &err)) == NULL) {
		ok(0, "load: %s", err);
		free(err);
		return;
	}
	is_int(auth_api_key(c, APPKEY, &p, &why), 0, "the app key");
	is_int(p.source, PS_API_KEY, "source: API key");
	principal_rl_key(&p, key, sizeof(key));
	is_str(key, "k:app", "API key: rate-limit key");
	conf_free(c);
}

/* The display name of a token with the given extra claims. */
static void
display_is(const struct conf *c, const char *extra, const char *want,
    const char *name)
{
	struct principal p;
	const char *why;
	char *cl, *h;

	cl = claims("u", extra);
	h = bearer(cl);
	if (try(c, h, &p, &why) == -1)
		ok(0, "%s: accepted (%s)", name, why);
	else
		is_str(p.display, want, name);
	free(h);
	free(cl);
}

static void
test_display(const struct conf *c)
{
	char name[300], *extra;

	display_is(c, "", "", "no name: empty display");
	display_is(c, "\"name\":7", "", "a name that is no string is ignored");
	display_is(c, "\"name\":\"a\\u0007b\"", "",
	    "a name with a control character is ignored");
	memset(name, 'n', 256);
	name[256] = '\0';
	extra = xasprintf("\"name\":\"%s\"", name);
	display_is(c, extra, name, "a name of 256 bytes is kept");
	free(extra);
	name[256] = 'n';
	name[257] = '\0';
	extra = xasprintf("\"name\":\"%s\"", name);
	display_is(c, extra, "", "a name of 257 bytes is ignored");
	free(extra);
}

/* 1 when a token with the given extra claims is an admin's. */
static int
is_admin(const struct conf *c, const char *extra)
{
	struct principal p;
	const char *why;
	char *cl, *h;
	int r;

	cl = claims("u", extra);
	h = bearer(cl);
	r = try(c, h, &p, &why);
	free(h);
	free(cl);
	return r == 0 ? p.admin : -1;
}

static void
test_admin(const struct conf *c)
{
	static const char *const roles_env[] = {
		"LKGATE_USER_JWT_SECRET", SECRET,
		"LKGATE_ADMIN_ROLE_CLAIM", "https://urbania.example/roles",
		NULL
	};
	struct conf *rc;
	char *err;

	is_int(is_admin(c, "\"role\":\"admin\""), 1, "role admin: admin");
	is_int(is_admin(c, "\"role\":[\"user\",\"admin\"]"), 1,
	    "role array holding admin: admin");
	is_int(is_admin(c, "\"role\":\"user\""), 0, "role user: not admin");
	is_int(is_admin(c, "\"role\":\"Admin\""), 0, "role Admin: not admin");
	is_int(is_admin(c, "\"role\":\"administrator\""), 0,
	    "role administrator: not admin");
	is_int(is_admin(c, "\"role\":[\"user\",[\"admin\"]]"), 0,
	    "admin nested deeper: not admin");
	is_int(is_admin(c, "\"role\":{\"admin\":true}"), 0,
	    "role object: not admin");
	is_int(is_admin(c, "\"roles\":[\"admin\"]"), 0,
	    "another claim than the configured one: not admin");

	rc = load(roles_env, &err);
	if (rc == NULL) {
		ok(0, "role claim configured: loads (%s)", err);
		free(err);
		return;
	}
	is_int(is_admin(rc, "\"https://urbania.example/roles\":[\"admin\"]"),
	    1, "configured role claim holding admin: admin");
	is_int(is_admin(rc, "\"role\":\"admin\""), 0,
	    "configured role claim: the role claim no longer counts");
	conf_free(rc);
}

static void
test_refused_tokens(const struct conf *c)
{
	struct principal p;
	const char *why;
	char *cl, *payload, *jwt, *h, *big;

	cl = claims("u", "");
	payload = xasprintf("{%s}", cl);
	jwt = sign("{\"alg\":\"HS256\"}", payload,
	    "some-other-secret-of-32-chars!!!");
	h = xasprintf("Bearer %s", jwt);
	is_int(try(c, h, &p, &why), -1, "another secret: refused");
	is_str(why, "token signature is invalid", "another secret: reason");
	free(h);
	free(jwt);

	jwt = sign("{\"alg\":\"none\"}", payload, SECRET);
	*strrchr(jwt, '.') = '\0';
	h = xasprintf("Bearer %s.", jwt);
	is_int(try(c, h, &p, &why), -1, "alg none: refused");
	is_str(why, "token algorithm is not accepted", "alg none: reason");
	free(h);
	free(jwt);

	jwt = sign("{\"alg\":\"RS256\"}", payload, SECRET);
	h = xasprintf("Bearer %s", jwt);
	is_int(try(c, h, &p, &why), -1, "RS256 with no RSA key: refused");
	free(h);
	free(jwt);

	h = bearer(cl);
	h[strlen(h) / 2] ^= 1;
	is_int(try(c, h, &p, &why), -1, "one bit flipped: refused");
	free(h);

	big = xmalloc(TOKEN_MAX_LEN + 1);
	memset(big, 'a', TOKEN_MAX_LEN);
	big[TOKEN_MAX_LEN] = '\0';
	free(payload);
	payload = xasprintf("{%s,\"pad\":\"%s\"}", cl, big);
	jwt = sign("{\"alg\":\"HS256\"}", payload, SECRET);
	h = xasprintf("Bearer %s", jwt);
	is_int(try(c, h, &p, &why), -1, "a token over 8 KiB: refused");
	is_str(why, "token is too large", "over 8 KiB: reason");
	free(h);
	free(jwt);
	free(big);
	free(payload);
	free(cl);
}

static void
test_no_user_keys(void)
{
	struct principal p;
	const char *why;
	struct conf *c;
	char *err, *cl, *h;

	if ((c = load(NULL, &err)) == NULL)
		exit(99);
	cl = claims("u", "");
	h = bearer(cl);
	is_int(try(c, h, &p, &why), -1, "no user keys: refused");
	is_str(why, "user tokens are not accepted", "no user keys: reason");
	free(h);
	free(cl);

	is_int(auth_api_key(c, APPKEY, &p, &why), 0, "an API key is accepted");
	ok(p.kind == P_API_KEY && strcmp(p.name, "app") == 0 && !p.admin,
	    "as its name, role app");
	is_int(auth_api_key(c, "app-key-0123456789abcdeX", &p, &why), -1,
	    "a wrong API key is refused");
	is_int(auth_api_key(c, NULL, &p, &why), -1, "no API key is refused");
	conf_free(c);
}

int
main(void)
{
	struct conf *c;
	char *err;

	test_conf_options();
	test_conf_files();
	if ((c = load(full_env, &err)) == NULL) {
		ok(0, "the user JWT configuration loads: %s", err);
		free(err);
		return tap_done();
	}
	test_accepted(c);
	test_header_forms(c);
	test_times(c);
	test_claims_checked(c);
	test_sub(c);
	test_reserved_sub(c);
	test_display(c);
	test_admin(c);
	test_refused_tokens(c);
	conf_free(c);
	test_no_user_keys();
	test_principal_sources();
	return tap_done();
}
