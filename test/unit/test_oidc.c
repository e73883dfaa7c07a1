/*
 * test_oidc: the pure OpenID Connect pieces: PKCE (RFC 7636 appendix B),
 * percent-encoding, the authorization URL and the token forms with both
 * client authentications, discovery documents, token responses, and the
 * ID-token checks (nonce, audience and azp, issuer, expiry, sub, names)
 * on HS256 tokens built here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "conf.h"
#include "crypto.h"
#include "jwks.h"
#include "oidc.h"
#include "validate.h"
#include "tap.h"
#include "token.h"

#define NOW	1764284400
#define ISS	"https://op.example"
#define SECRET	"an-hs256-secret-for-the-oidc-unit-tests"
/* The conf is filled with literals and never freed with conf_free. */
#define UNCONST(s)	((char *)(uintptr_t)(s))

static struct conf *
conf_with(const char *auth, const char *secret, const char *params)
{
	struct conf *c = calloc(1, sizeof(*c));

	c->oidc_client_id = UNCONST("visio app");
	c->oidc_client_secret = UNCONST(secret);
	c->oidc_redirect_uri = UNCONST("https://v.example/api/auth/callback");
	c->oidc_scopes = UNCONST("openid profile");
	c->oidc_auth_params = UNCONST(params);
	c->oidc_client_auth = UNCONST(auth);
	return c;
}

static void
test_encoding(void)
{
	struct conf *c;
	char *s;

	s = oidc_pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
	is_str(s, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
	    "PKCE S256: RFC 7636 appendix B");
	free(s);
	s = oidc_urlencode("a b/c?d=e&f~g_h.i-j\xc3\xa9");
	is_str(s, "a%20b%2Fc%3Fd%3De%26f~g_h.i-j%C3%A9", "percent-encoding");
	free(s);
	c = conf_with("basic", "s:e cret", "realm=/individu&x");
	s = oidc_authorize_url(c, "https://op.example/auth?prompt=login",
	    "ST", "NO", "CH");
	is_str(s, "https://op.example/auth?prompt=login&response_type=code&"
	    "client_id=visio%20app&redirect_uri=https%3A%2F%2Fv.example%2Fapi"
	    "%2Fauth%2Fcallback&scope=openid%20profile&state=ST&nonce=NO&"
	    "code_challenge=CH&code_challenge_method=S256&realm=%2Findividu&x=",
	    "the authorization URL");
	free(s);
	s = oidc_form_code(c, "co de", "VER");
	is_str(s, "grant_type=authorization_code&code=co%20de&redirect_uri="
	    "https%3A%2F%2Fv.example%2Fapi%2Fauth%2Fcallback&code_verifier=VER",
	    "code form, secret by Basic");
	free(s);
	s = oidc_basic_auth(c);
	/* base64("visio%20app:s%3Ae%20cret") */
	is_str(s, "Authorization: Basic dmlzaW8lMjBhcHA6cyUzQWUlMjBjcmV0",
	    "Basic: id and secret form-encoded first");
	free(s);
	free(c);
	c = conf_with("post", "sec", NULL);
	s = oidc_form_refresh(c, "rt/1");
	is_str(s, "grant_type=refresh_token&refresh_token=rt%2F1&client_id="
	    "visio%20app&client_secret=sec", "refresh form, secret in body");
	free(s);
	s = oidc_form_revoke(c, "rt/1");
	is_str(s, "token=rt%2F1&token_type_hint=refresh_token&client_id="
	    "visio%20app&client_secret=sec", "revocation form (RFC 7009 2.1)");
	free(s);
	ok(oidc_basic_auth(c) == NULL, "no Basic with post");
	free(c);
	c = conf_with("basic", NULL, NULL);
	s = oidc_form_refresh(c, "r");
	is_str(s, "grant_type=refresh_token&refresh_token=r&client_id=visio%20app",
	    "a public client names itself in the body");
	free(s);
	ok(oidc_basic_auth(c) == NULL, "no Basic without a secret");
	free(c);
}

static int
disc(const char *text, struct oidc_discovery *d)
{
	char *why = NULL;
	int r;

	r = oidc_discovery_parse(text, strlen(text), ISS, d, &why);
	free(why);
	return r;
}

static void
test_discovery(void)
{
	struct oidc_discovery d;

	ok(disc("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS
	    "/a\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS
	    "/k\",\"end_session_endpoint\":\"" ISS "/l\",\"x\":[1]}", &d) == 0,
	    "a full document");
	is_str(d.token_endpoint, ISS "/t", "token endpoint");
	is_str(d.end_session_endpoint, ISS "/l", "end-session endpoint");
	ok(d.revocation_endpoint == NULL, "no revocation endpoint named");
	ok(d.userinfo_endpoint == NULL, "no userinfo endpoint named");
	oidc_discovery_clear(&d);
	ok(disc("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS
	    "/a\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS
	    "/k\",\"revocation_endpoint\":\"" ISS "/r\",\"userinfo_endpoint\":"
	    "\"" ISS "/u\"}", &d) == 0,
	    "a document with revocation and userinfo endpoints");
	is_str(d.revocation_endpoint, ISS "/r", "revocation endpoint");
	is_str(d.userinfo_endpoint, ISS "/u", "userinfo endpoint");
	oidc_discovery_clear(&d);
	ok(disc("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS
	    "/a\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS
	    "/k\",\"end_session_endpoint\":\"javascript:x\"}", &d) == 0 &&
	    d.end_session_endpoint == NULL, "an odd optional endpoint is "
	    "dropped");
	oidc_discovery_clear(&d);
	ok(disc("{\"issuer\":\"" ISS "/\",\"authorization_endpoint\":\"" ISS
	    "/a\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS
	    "/k\"}", &d) == -1, "another issuer (a trailing slash) is refused");
	ok(disc("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS
	    "/a\",\"jwks_uri\":\"" ISS "/k\"}", &d) == -1,
	    "no token endpoint");
	ok(disc("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS
	    "/a\",\"token_endpoint\":\"file:///etc/passwd\",\"jwks_uri\":\""
	    ISS "/k\"}", &d) == -1, "a file: URL");
	ok(disc("{\"issuer\":\"" ISS "\",\"issuer\":\"" ISS "\"}", &d) == -1,
	    "a repeated key");
	ok(disc("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS
	    "/a\",\"token_endpoint\":\"http://op.example/t\",\"jwks_uri\":\""
	    ISS "/k\"}", &d) == -1, "a plain-http token endpoint elsewhere "
	    "than on loopback");
	ok(disc("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS
	    "/a\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\""
	    "http://keys.example/k\"}", &d) == -1, "a plain-http jwks_uri");
	ok(disc("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\"" ISS
	    "/a\",\"token_endpoint\":\"" ISS "/t\",\"jwks_uri\":\"" ISS
	    "/k\",\"end_session_endpoint\":\"http://op.example/l\"}", &d) == 0 &&
	    d.end_session_endpoint == NULL, "a plain-http end-session "
	    "endpoint is dropped");
	oidc_discovery_clear(&d);
	ok(disc("{\"issuer\":\"" ISS "\",\"authorization_endpoint\":\""
	    "http://127.0.0.1:9000/a\",\"token_endpoint\":\"http://localhost/t"
	    "\",\"jwks_uri\":\"http://[::1]:9/k\"}", &d) == 0,
	    "plain http to loopback hosts");
	oidc_discovery_clear(&d);
}

static void
test_secure_url(void)
{
	static const char *good[] = { "https://op.example",
	    "HTTPS://op.example/x", "http://127.0.0.1", "http://127.1.2.3:80/x",
	    "http://localhost:8080/cb", "http://LOCALHOST", "http://[::1]:9/",
	    "http://127.0.0.1?x", "http://127.0.0.1#f" };
	static const char *bad[] = { "http://op.example",
	    "http://127.0.0.1.op.example/", "http://127.0.0.1@op.example/",
	    "http://user@127.0.0.1/", "http://128.0.0.1", "http://127.1",
	    "http://127.0.0.256", "http://1127.0.0.1", "http://localhost.op",
	    "http://[::2]/", "http://[::1", "http://", "https://", "ftp://x",
	    "//127.0.0.1", "http://0177.0.0.1x", "" };
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(valid_secure_url(good[i]) == 1, "secure enough: %s",
		    good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(valid_secure_url(bad[i]) == 0, "refused: \"%s\"", bad[i]);
}

static int
tokresp(long status, const char *text, struct oidc_tokens *t, int *grant)
{
	char *why = NULL;
	int r;

	r = oidc_token_response_parse(status, text, strlen(text), t, grant,
	    &why);
	free(why);
	return r;
}

static void
test_token_response(void)
{
	struct oidc_tokens t;
	int grant;

	ok(tokresp(200, "{\"access_token\":\"a\",\"token_type\":\"bearer\","
	    "\"id_token\":\"x.y.z\",\"refresh_token\":\"r\"}", &t, &grant) == 0,
	    "a token response");
	is_str(t.id_token, "x.y.z", "id_token");
	is_str(t.refresh_token, "r", "refresh_token");
	is_str(t.access_token, "a", "access_token, for userinfo");
	oidc_tokens_clear(&t);
	ok(tokresp(400, "{\"error\":\"invalid_grant\"}", &t, &grant) == -1 &&
	    grant == 1, "invalid_grant is told apart");
	ok(tokresp(401, "{\"error\":\"invalid_client\"}", &t, &grant) == -1 &&
	    grant == 0, "invalid_client is not invalid_grant");
	ok(tokresp(200, "{\"error\":\"invalid_grant\"}", &t, &grant) == -1,
	    "an error member with a 200 is a refusal");
	ok(tokresp(200, "{\"access_token\":\"a\",\"token_type\":\"mac\"}", &t,
	    &grant) == -1, "not Bearer");
	ok(tokresp(200, "not json", &t, &grant) == -1, "not JSON");
}

static int
userinfo(long status, const char *text, struct oidc_user *u)
{
	const char *why = NULL;

	return oidc_userinfo_merge(status, text, strlen(text), u, &why);
}

static void
test_userinfo(void)
{
	struct oidc_user u;

	memset(&u, 0, sizeof(u));
	strcpy(u.sub, "lea");
	ok(userinfo(200, "{\"sub\":\"lea\",\"name\":\"L\u00e9a D\","
	    "\"email\":\"l@x.test\"}", &u) == 0, "a userinfo answer");
	is_str(u.name, "L\xc3\xa9" "a D", "its name fills an empty name");
	is_str(u.email, "l@x.test", "its email fills an empty email");
	ok(userinfo(200, "{\"sub\":\"lea\",\"name\":\"Other\",\"email\":"
	    "\"o@x.test\"}", &u) == 0 && strcmp(u.name, "L\xc3\xa9" "a D") == 0 &&
	    strcmp(u.email, "l@x.test") == 0, "what the ID token said stays");
	memset(&u, 0, sizeof(u));
	strcpy(u.sub, "lea");
	ok(userinfo(200, "{\"sub\":\"eve\",\"name\":\"Eve\"}", &u) == -1 &&
	    u.name[0] == '\0', "another sub: nothing is used (OIDC Core "
	    "5.3.4)");
	ok(userinfo(200, "{\"name\":\"Eve\"}", &u) == -1 && u.name[0] == '\0',
	    "no sub: nothing is used");
	ok(userinfo(401, "{\"sub\":\"lea\",\"name\":\"L\"}", &u) == -1 &&
	    u.name[0] == '\0', "an error status");
	ok(userinfo(200, "eyJhbGciOi.x.y", &u) == -1, "a signed (JWT) answer "
	    "is not read");
	ok(userinfo(200, "{\"sub\":\"lea\",\"sub\":\"lea\"}", &u) == -1,
	    "a repeated key");
	ok(userinfo(200, "{\"sub\":\"lea\",\"name\":\"a\\u0007b\"}", &u) == 0 &&
	    u.name[0] == '\0', "a name with a control character is dropped");
}

/* An HS256 JWT of claims (JSON text) under SECRET. */
static char *
jwt(const char *claims)
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char *h, *p, *in, *sig, *out;

	h = b64url_encode("{\"alg\":\"HS256\"}", 15);
	p = b64url_encode(claims, strlen(claims));
	in = malloc(strlen(h) + strlen(p) + 2);
	strcpy(in, h);
	strcat(in, ".");
	strcat(in, p);
	crypto_hmac_sha256(SECRET, strlen(SECRET), in, strlen(in), mac);
	sig = b64url_encode(mac, sizeof(mac));
	out = malloc(strlen(in) + strlen(sig) + 2);
	strcpy(out, in);
	strcat(out, ".");
	strcat(out, sig);
	free(h);
	free(p);
	free(in);
	free(sig);
	return out;
}

static enum oidc_idt
check(const struct token_keyset *ks, const char *claims, const char *nonce,
    struct oidc_user *u, const char **why)
{
	char *t = jwt(claims);
	enum oidc_idt r;

	r = oidc_check_id_token(ks, t, strlen(t), ISS, "app", nonce, NOW, 0,
	    u, why);
	free(t);
	return r;
}

#define GOOD_BASE "\"iss\":\"" ISS "\",\"exp\":1764285000,\"nonce\":\"N\""

static void
test_id_token(void)
{
	struct token_keyset *ks = NULL;
	struct oidc_user u;
	const char *why;

	jwks_add_secret(&ks, SECRET, strlen(SECRET));
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":\"app\",\"sub\":\"u1\","
	    "\"name\":\"L\\u00e9a\",\"email\":\"l@x\"}", "N", &u, &why),
	    OIDC_IDT_OK, "a good token");
	is_str(u.sub, "u1", "sub");
	is_str(u.name, "L\xc3\xa9" "a", "name");
	is_str(u.email, "l@x", "email");
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":\"app\",\"sub\":\"u1\","
	    "\"given_name\":\"Ana\",\"family_name\":\"Roy\"}", "N", &u, &why),
	    OIDC_IDT_OK, "given and family names");
	is_str(u.name, "Ana Roy", "name from given and family names");
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":\"app\",\"sub\":\"u1\"}",
	    "M", &u, &why), OIDC_IDT_BAD, "another nonce");
	is_int(check(ks, "{\"iss\":\"" ISS "\",\"exp\":1764285000,\"aud\":"
	    "\"app\",\"sub\":\"u1\"}", "N", &u, &why), OIDC_IDT_BAD,
	    "no nonce");
	is_int(check(ks, "{\"iss\":\"" ISS "\",\"exp\":1764285000,\"aud\":"
	    "\"app\",\"sub\":\"u1\"}", NULL, &u, &why), OIDC_IDT_OK,
	    "no nonce asked (a refresh)");
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":\"other\",\"sub\":\"u1\"}",
	    "N", &u, &why), OIDC_IDT_BAD, "another audience");
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":[\"app\",\"b\"],\"sub\":\"u1\"}",
	    "N", &u, &why), OIDC_IDT_BAD, "several audiences without azp");
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":[\"app\",\"b\"],\"azp\":\"app\","
	    "\"sub\":\"u1\"}", "N", &u, &why), OIDC_IDT_OK,
	    "several audiences, azp ours");
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":\"app\",\"azp\":\"other\","
	    "\"sub\":\"u1\"}", "N", &u, &why), OIDC_IDT_BAD,
	    "one audience, but azp another party");
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":[\"app\"],\"azp\":\"b\","
	    "\"sub\":\"u1\"}", "N", &u, &why), OIDC_IDT_BAD,
	    "a one-member aud array, azp another party");
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":\"app\",\"azp\":\"app\","
	    "\"sub\":\"u1\"}", "N", &u, &why), OIDC_IDT_OK,
	    "one audience, azp ours");
	is_int(check(ks, "{\"iss\":\"https://evil\",\"exp\":1764285000,\"nonce\":"
	    "\"N\",\"aud\":\"app\",\"sub\":\"u1\"}", "N", &u, &why),
	    OIDC_IDT_BAD, "another issuer");
	is_int(check(ks, "{\"iss\":\"" ISS "\",\"exp\":1764284400,\"nonce\":"
	    "\"N\",\"aud\":\"app\",\"sub\":\"u1\"}", "N", &u, &why),
	    OIDC_IDT_BAD, "expired");
	is_int(check(ks, "{" GOOD_BASE ",\"aud\":\"app\",\"sub\":\"a b\"}", "N",
	    &u, &why), OIDC_IDT_BAD, "a sub that is not an identity");
	jwks_free(ks);
	is_int(check(NULL, "{" GOOD_BASE ",\"aud\":\"app\",\"sub\":\"u1\"}", "N",
	    &u, &why), OIDC_IDT_NO_KEY, "no key: refresh the keys");
}

int
main(void)
{
	test_encoding();
	test_discovery();
	test_secure_url();
	test_token_response();
	test_userinfo();
	test_id_token();
	return tap_done();
}
