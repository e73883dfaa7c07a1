/*
 * test_guest: guest credentials from the configuration (guest_users,
 * guest_ttl, guest_key and their checks), then auth_guest_sign,
 * auth_guest_jwt and auth_bearer at injected times: what a guest is, its
 * expiry, the iss check, other keys, a token signed with the guest key
 * that poses as a user JWT, a user JWT that poses as a guest, and where
 * guests are refused.  Also the sign-up field checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "b64url.h"
#include "conf.h"
#include "crypto.h"
#include "tap.h"
#include "token.h"
#include "util.h"

#define NOW		1700000000LL
#define USER_SECRET	"user-jwt-secret-of-32-characters!!"
#define GUEST_KEY	"guest-credential-key-of-32-chars-at-least"
#define OTHER_KEY	"some-other-key-of-thirty-two-characters-x"
#define GID		"3f1c2a8e-5b7d-4c1e-9a2b-6d8e0f1a2b3c"

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
	env[n++] = "LKGATE_USER_JWT_SECRET";
	env[n++] = USER_SECRET;
	for (; extra != NULL && *extra != NULL && n + 3 < NELEM(env); extra++)
		env[n++] = *extra;
	env[n] = NULL;
	test_env = env;
	*err = NULL;
	return conf_load(NULL, 0, 0, env_lookup, NULL, err);
}

/* "Bearer " and the HS256 JWT of payload under key (caller frees). */
static char *
bearer(const char *payload, const char *key)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	unsigned char mac[CRYPTO_SHA256_LEN];
	char *h, *p, *input, *s, *out;

	h = b64url_encode(header, strlen(header));
	p = b64url_encode(payload, strlen(payload));
	input = xasprintf("%s.%s", h, p);
	crypto_hmac_sha256(key, strlen(key), input, strlen(input), mac);
	s = b64url_encode(mac, sizeof(mac));
	out = xasprintf("Bearer %s.%s", input, s);
	free(h);
	free(p);
	free(input);
	free(s);
	return out;
}

static void
test_options(void)
{
	static const char *const same_user[] = { "LKGATE_GUEST_KEY",
	    USER_SECRET, NULL };
	static const char *const same_lk[] = { "LKGATE_GUEST_KEY",
	    "livekit-secret-0123456789abcdef0123", NULL };
	static const char *const short_key[] = { "LKGATE_GUEST_KEY", "short",
	    NULL };
	static const char *const ttl[] = { "LKGATE_GUEST_TTL", "59", NULL };
	struct conf *c;
	char *err;

	c = load(NULL, &err);
	ok(c != NULL, "loads without guest options");
	if (c != NULL) {
		is_int(c->guest_users, 0, "guest_users is off by default");
		is_int(c->guest_ttl, 86400, "guest_ttl is 24 h by default");
		ok(c->guest_keys == NULL, "no guest key: main makes one");
		conf_free(c);
	}
	c = load(same_user, &err);
	ok(c == NULL && err != NULL && strcasestr(err, "guest_key") != NULL,
	    "guest_key equal to user_jwt_secret is refused: %s", err);
	free(err);
	c = load(same_lk, &err);
	ok(c == NULL && err != NULL && strcasestr(err, "guest_key") != NULL,
	    "guest_key equal to the LiveKit secret is refused");
	free(err);
	c = load(short_key, &err);
	ok(c == NULL && err != NULL && strcasestr(err, "guest_key") != NULL,
	    "a guest_key under 32 characters is refused: %s", err);
	free(err);
	c = load(ttl, &err);
	ok(c == NULL && err != NULL && strcasestr(err, "guest_ttl") != NULL,
	    "guest_ttl below 60 is refused: %s", err);
	free(err);
}

static void
test_fields(void)
{
	ok(auth_guest_username_error("john_doe") == NULL, "john_doe");
	ok(auth_guest_username_error("a.b-c") == NULL, "a.b-c");
	ok(auth_guest_username_error("ab") != NULL, "2 characters");
	ok(auth_guest_username_error(
	    "abcdefghijklmnopqrstuvwxyz0123456") != NULL, "33 characters");
	ok(auth_guest_username_error("john doe") != NULL, "a space");
	ok(auth_guest_username_error("jo:hn") != NULL, "a colon");
	ok(strstr(auth_guest_username_error("x"), "username") != NULL,
	    "the message names username");
	ok(auth_guest_display_error("John Doe") == NULL, "John Doe");
	ok(auth_guest_display_error("Léa") == NULL, "UTF-8");
	ok(auth_guest_display_error("") != NULL, "empty");
	ok(auth_guest_display_error("   ") != NULL, "blank");
	ok(auth_guest_display_error("a\tb") != NULL, "a control character");
	ok(auth_guest_display_error("\xff") != NULL, "not UTF-8");
	ok(strstr(auth_guest_display_error(""), "display_name") != NULL,
	    "the message names display_name");
}

static void
test_round_trip(const struct conf *c)
{
	struct principal p;
	const char *why = "";
	char *tok, *hdr;
	int64_t exp;

	tok = auth_guest_sign(c, GID, "john_doe", "John Doe", NOW, &exp);
	is_int(exp, NOW + 7200, "expires after guest_ttl");
	hdr = xasprintf("Bearer %s", tok);
	ok(auth_guest_jwt(c, hdr, NOW, &p, &why) == 0, "verifies: %s", why);
	is_int(p.kind, P_USER, "a user");
	is_int(p.source, PS_GUEST, "of source guest");
	is_str(p.name, "guest:" GID, "identity guest:<id>");
	is_str(p.display, "John Doe", "display name");
	is_str(p.username, "john_doe", "username");
	is_int(p.since, NOW, "signed up at iat");
	is_int(p.admin, 0, "never an admin");
	ok(auth_bearer(c, hdr, NOW + 7200 + 29, 1, &p, &why) == 0 &&
	    p.source == PS_GUEST, "auth_bearer takes it within the leeway");
	ok(auth_bearer(c, hdr, NOW + 7200 + 31, 1, &p, &why) == -1 &&
	    strstr(why, "expired") != NULL, "expired: %s", why);
	ok(auth_bearer(c, hdr, NOW, 0, &p, &why) == -1 &&
	    strstr(why, "Voice Chat") != NULL && p.kind == P_ANONYMOUS,
	    "refused where guests are not taken: %s", why);
	ok(auth_user_jwt(c, hdr, NOW, &p, &why) == -1,
	    "never a user JWT");
	free(hdr);
	free(tok);
}

static void
test_refused(const struct conf *c)
{
	static const struct {
		const char *payload, *key, *why, *name;
	} v[] = {
		{ "{\"iss\":\"lkgate\",\"sub\":\"" GID "\",\"iat\":1700000000,"
		  "\"exp\":1700000600,\"name\":\"M\",\"username\":\"mal\"}",
		  OTHER_KEY, "signature", "another key" },
		{ "{\"iss\":\"other\",\"sub\":\"" GID "\",\"iat\":1700000000,"
		  "\"exp\":1700000600,\"name\":\"M\",\"username\":\"mal\"}",
		  GUEST_KEY, "iss lkgate", "another iss" },
		{ "{\"sub\":\"alice\",\"exp\":1700000600}",
		  GUEST_KEY, "iss lkgate", "a user JWT's shape under the guest "
		  "key" },
		{ "{\"iss\":\"lkgate\",\"sub\":\"alice\",\"iat\":1700000000,"
		  "\"exp\":1700000600,\"name\":\"M\",\"username\":\"mal\"}",
		  GUEST_KEY, "malformed", "a sub that is no UUID" },
		{ "{\"iss\":\"lkgate\",\"sub\":\"" GID "\",\"iat\":1700000000,"
		  "\"exp\":1700000600,\"username\":\"mal\"}",
		  GUEST_KEY, "malformed", "no name" },
		{ "{\"iss\":\"lkgate\",\"sub\":\"" GID "\",\"iat\":1700000000,"
		  "\"name\":\"M\",\"username\":\"mal\"}",
		  GUEST_KEY, "expiry", "no exp" },
	};
	struct principal p;
	const char *why;
	size_t i;
	char *h;

	for (i = 0; i < NELEM(v); i++) {
		h = bearer(v[i].payload, v[i].key);
		why = "";
		ok(auth_bearer(c, h, NOW, 1, &p, &why) == -1 &&
		    strstr(why, v[i].why) != NULL && p.kind == P_ANONYMOUS,
		    "%s: %s", v[i].name, why);
		free(h);
	}
	/* A user JWT with the guest claims is its user, not a guest. */
	h = bearer("{\"iss\":\"lkgate\",\"sub\":\"carl\",\"exp\":1700000600,"
	    "\"name\":\"Carl\",\"username\":\"carl\"}", USER_SECRET);
	ok(auth_bearer(c, h, NOW, 1, &p, &why) == 0 &&
	    p.source == PS_USER_JWT && strcmp(p.name, "carl") == 0,
	    "a user JWT stays a user JWT");
	free(h);
}

static void
test_guests_off(void)
{
	static const char *const env[] = { "LKGATE_GUEST_KEY", GUEST_KEY,
	    NULL };
	struct principal p;
	const char *why = "";
	struct conf *c;
	char *err, *tok, *hdr;
	int64_t exp;

	if ((c = load(env, &err)) == NULL) {
		ok(0, "loads: %s", err);
		free(err);
		return;
	}
	tok = auth_guest_sign(c, GID, "john_doe", "John", NOW, &exp);
	hdr = xasprintf("Bearer %s", tok);
	ok(auth_bearer(c, hdr, NOW, 1, &p, &why) == -1 &&
	    p.kind == P_ANONYMOUS, "guest_users off: refused");
	free(hdr);
	free(tok);
	conf_free(c);
}

int
main(void)
{
	static const char *const env[] = { "LKGATE_GUEST_USERS", "true",
	    "LKGATE_GUEST_KEY", GUEST_KEY, "LKGATE_GUEST_TTL", "7200", NULL };
	struct conf *c;
	char *err;

	test_options();
	test_fields();
	if ((c = load(env, &err)) == NULL) {
		ok(0, "the guest configuration loads: %s", err);
		free(err);
		return tap_done();
	}
	test_round_trip(c);
	test_refused(c);
	conf_free(c);
	test_guests_off();
	return tap_done();
}
