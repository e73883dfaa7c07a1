/*
 * auth: turns request credentials into a principal.  API keys are looked
 * up through conf_api_key_match, which compares against every key in
 * constant time, so response timing says nothing about how close a guess
 * was.  User JWTs are verified by token_verify against the keys conf
 * built (the algorithm comes from the key, never from the token); only
 * then are their claims read.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "crypto.h"
#include "json.h"
#include "jwtcache.h"
#include "log.h"
#include "util.h"
#include "token.h"

/* Longest key we even look at; longer values cannot match any key. */
#define API_KEY_MAX 512

int
auth_api_key(const struct conf *conf, const char *header,
    struct principal *p, const char **why)
{
	const struct api_key *k;
	size_t len;

	memset(p, 0, sizeof(*p));
	p->kind = P_ANONYMOUS;
	if (header == NULL || *header == '\0') {
		*why = "missing X-API-Key header";
		return -1;
	}
	len = strnlen(header, API_KEY_MAX + 1);
	if (len > API_KEY_MAX ||
	    (k = conf_api_key_match(conf, header, len)) == NULL) {
		*why = "invalid API key";
		return -1;
	}
	p->kind = P_API_KEY;
	p->source = PS_API_KEY;
	p->admin = k->role == ROLE_ADMIN;
	snprintf(p->name, sizeof(p->name), "%s", k->name);
	return 0;
}

/* The prefix of a source's identities; "" for user JWTs. */
static const char *
source_prefix(enum principal_source source)
{
	switch (source) {
	case PS_OIDC:
		return PRINCIPAL_OIDC_PREFIX;
	case PS_GUEST:
		return PRINCIPAL_GUEST_PREFIX;
	default:
		return "";
	}
}

int
principal_set_user(struct principal *p, enum principal_source source,
    const char *id, const char *display)
{
	const char *pre = source_prefix(source);
	size_t n = strlen(pre);

	memset(p, 0, sizeof(*p));
	p->kind = P_ANONYMOUS;
	if (n + strnlen(id, IDENTITY_MAX + 1) > IDENTITY_MAX)
		return -1;
	snprintf(p->name, sizeof(p->name), "%s%s", pre, id);
	if (!valid_identity(p->name)) {
		memset(p, 0, sizeof(*p));
		return -1;
	}
	p->kind = P_USER;
	p->source = source;
	if (display != NULL)
		snprintf(p->display, sizeof(p->display), "%s", display);
	return 0;
}

int
auth_sub_reserved(const char *sub)
{
	static const char *const reserved[] = { PRINCIPAL_OIDC_PREFIX,
	    PRINCIPAL_GUEST_PREFIX, PRINCIPAL_KEY_PREFIX };
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strncmp(sub, reserved[i], strlen(reserved[i])) == 0)
			return 1;
	return 0;
}

int
principal_rl_key(const struct principal *p, char *buf, size_t len)
{
	char c;

	switch (p->source) {
	case PS_API_KEY:
		c = 'k';
		break;
	case PS_USER_JWT:
		c = 'u';
		break;
	case PS_OIDC:
		c = 'o';
		break;
	case PS_GUEST:
		c = 'g';
		break;
	default:
		return -1;
	}
	snprintf(buf, len, "%c:%s", c, p->name);
	return 0;
}

/* The role that makes a user an admin. */
#define ADMIN_ROLE	"admin"
/* Longest display name kept, in bytes. */
#define DISPLAY_MAX	256

int
auth_is_bearer(const char *header)
{
	return header != NULL && strncasecmp(header, "Bearer", 6) == 0 &&
	    (header[6] == ' ' || header[6] == '\0');
}

/* 1 when the role claim is "admin" or an array holding "admin". */
static int
has_admin_role(const cJSON *claims, const char *claim)
{
	const cJSON *v, *r;

	v = cJSON_GetObjectItemCaseSensitive(claims, claim);
	if (cJSON_IsString(v))
		return strcmp(v->valuestring, ADMIN_ROLE) == 0;
	if (!cJSON_IsArray(v))
		return 0;
	cJSON_ArrayForEach(r, v)
		if (cJSON_IsString(r) &&
		    strcmp(r->valuestring, ADMIN_ROLE) == 0)
			return 1;
	return 0;
}

/* Fills *p from verified claims; -1 with *why when sub is unusable. */
static int
user_from_claims(const struct conf *conf, const cJSON *claims,
    struct principal *p, const char **why)
{
	const char *sub, *name;

	if (json_get_string(claims, "sub", &sub) != JG_OK ||
	    !valid_identity(sub)) {
		*why = "token sub is not a valid identity";
		return -1;
	}
	/* Another source's identities: taking one would pose as its user. */
	if (auth_sub_reserved(sub)) {
		*why = "token sub must not begin with oidc:, guest: or key: "
		    "(reserved for other sign-ins)";
		return -1;
	}
	/* The name is only shown, so a bad one is dropped, not fatal. */
	if (json_get_string(claims, "name", &name) != JG_OK ||
	    !valid_text(name, DISPLAY_MAX))
		name = NULL;
	if (principal_set_user(p, PS_USER_JWT, sub, name) == -1) {
		*why = "token sub is not a valid identity";
		return -1;
	}
	p->admin = has_admin_role(claims, conf->admin_role_claim);
	return 0;
}

/* As auth_user_jwt; *exp gets the token's exp (require_exp holds it). */
static int
user_jwt(const struct conf *conf, const char *header, int64_t now,
    struct principal *p, const char **why, double *exp)
{
	struct token_verify_opts o = {
		.now = now, .leeway = conf->user_jwt_leeway,
		.issuer = conf->user_jwt_issuer,
		.audience = conf->user_jwt_audience, .require_exp = 1,
	};
	const char *jwt;
	cJSON *claims;
	enum token_err e;
	int r;

	memset(p, 0, sizeof(*p));
	p->kind = P_ANONYMOUS;
	if (conf->user_keys == NULL) {
		*why = "user tokens are not accepted";
		return -1;
	}
	if (!auth_is_bearer(header) || header[6] != ' ') {
		*why = "expected Authorization: Bearer <token>";
		return -1;
	}
	jwt = header + 7;
	/* One byte past the cap is enough for token_verify to refuse it. */
	e = token_verify(conf->user_keys, jwt, strnlen(jwt, TOKEN_MAX_LEN + 1),
	    &o, &claims);
	if (e != TOKEN_OK) {
		*why = token_err_string(e);
		return -1;
	}
	r = user_from_claims(conf, claims, p, why);
	if (exp != NULL)
		*exp = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
		    claims, "exp"));
	cJSON_Delete(claims);
	if (r == -1)
		memset(p, 0, sizeof(*p));
	return r;
}

int
auth_user_jwt(const struct conf *conf, const char *header, int64_t now,
    struct principal *p, const char **why)
{
	return user_jwt(conf, header, now, p, why, NULL);
}

/* The cache key of a Bearer header: SHA-256 of all of it. */
static void
cache_key(const char *header, uint8_t key[JWTCACHE_KEY_LEN])
{
	crypto_sha256(header, strnlen(header, TOKEN_MAX_LEN + 8), key);
}

int
auth_user_jwt_cached(struct jwtcache *cache, const char *header,
    int64_t now, struct principal *p)
{
	uint8_t key[JWTCACHE_KEY_LEN];

	if (cache == NULL || !auth_is_bearer(header))
		return 0;
	cache_key(header, key);
	return jwtcache_get(cache, key, now, p);
}

int
auth_user_jwt_remember(const struct conf *conf, struct jwtcache *cache,
    const char *header, int64_t now, struct principal *p, const char **why)
{
	uint8_t key[JWTCACHE_KEY_LEN];
	double exp = 0;

	if (user_jwt(conf, header, now, p, why, &exp) == -1)
		return -1;
	/* Until exp, never past it: the leeway is not stretched further. */
	if (cache != NULL && exp > (double)now && exp < 1e15) {
		cache_key(header, key);
		jwtcache_put(cache, key, (int64_t)exp, now, p);
	}
	return 0;
}

/* --- guests --- */

/* Seconds of clock skew allowed on a guest credential between instances. */
#define GUEST_LEEWAY	30

const char *
auth_guest_username_error(const char *u)
{
	size_t n = strnlen(u, GUEST_USERNAME_MAX + 1), i;

	if (n < GUEST_USERNAME_MIN || n > GUEST_USERNAME_MAX)
		return "username must be 3-32 characters of A-Z a-z 0-9 _ . -";
	for (i = 0; i < n; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') ||
		    (u[i] >= 'A' && u[i] <= 'Z') ||
		    (u[i] >= '0' && u[i] <= '9') ||
		    u[i] == '_' || u[i] == '.' || u[i] == '-'))
			return "username must be 3-32 characters of A-Z a-z "
			    "0-9 _ . -";
	return NULL;
}

const char *
auth_guest_display_error(const char *d)
{
	const char *c;

	if (!valid_text(d, GUEST_DISPLAY_MAX))
		return "display_name must be 1-64 bytes of text (UTF-8, no "
		    "control characters)";
	for (c = d; *c == ' '; c++)
		;
	if (*c == '\0')
		return "display_name must not be empty";
	return NULL;
}

char *
auth_guest_sign(const struct conf *conf, const char *id,
    const char *username, const char *display, int64_t now, int64_t *exp)
{
	const struct token_key *k;
	cJSON *claims;
	char *jwt;

	if (conf->guest_keys == NULL || conf->guest_keys->nkeys == 0)
		fatal("auth_guest_sign: no guest key");
	k = &conf->guest_keys->keys[0];
	*exp = now + conf->guest_ttl;
	claims = json_new_object();
	json_add_string(claims, "iss", GUEST_ISSUER);
	json_add_string(claims, "sub", id);
	json_add_int(claims, "iat", now);
	json_add_int(claims, "nbf", now);
	json_add_int(claims, "exp", *exp);
	json_add_string(claims, "name", display);
	json_add_string(claims, "username", username);
	jwt = token_sign_hs256(k->secret, k->secretlen, claims);
	cJSON_Delete(claims);
	return jwt;
}

/* Fills *p from a guest credential's verified claims. */
static int
guest_from_claims(const cJSON *claims, struct principal *p,
    const char **why)
{
	const char *sub, *name, *username;
	int64_t iat = 0;

	if (json_get_string(claims, "sub", &sub) != JG_OK ||
	    !util_is_uuid(sub) ||
	    json_get_string(claims, "name", &name) != JG_OK ||
	    auth_guest_display_error(name) != NULL ||
	    json_get_string(claims, "username", &username) != JG_OK ||
	    auth_guest_username_error(username) != NULL ||
	    json_get_int64_lax(claims, "iat", &iat) != JG_OK) {
		*why = "guest credential is malformed";
		return -1;
	}
	if (principal_set_user(p, PS_GUEST, sub, name) == -1) {
		*why = "guest credential is malformed";
		return -1;
	}
	snprintf(p->username, sizeof(p->username), "%s", username);
	p->since = iat;
	return 0;
}

/* Verifies jwt (len bytes) as a guest credential. */
static enum token_err
guest_verify(const struct conf *conf, const char *jwt, size_t len,
    int64_t now, cJSON **claims)
{
	struct token_verify_opts o = {
		.now = now, .leeway = GUEST_LEEWAY, .issuer = GUEST_ISSUER,
		.require_exp = 1,
	};

	*claims = NULL;
	if (conf->guest_keys == NULL)
		return TOKEN_NO_KEY;
	return token_verify(conf->guest_keys, jwt, len, &o, claims);
}

/* 1 when a verification error means the signature held (the token is
 * the key's) and a later check failed. */
static int
signed_by_key(enum token_err e)
{
	return e == TOKEN_OK || e == TOKEN_EXPIRED ||
	    e == TOKEN_NOT_YET_VALID || e == TOKEN_NO_EXP ||
	    e == TOKEN_BAD_ISSUER || e == TOKEN_BAD_AUDIENCE;
}

static const char *
guest_err_string(enum token_err e)
{
	switch (e) {
	case TOKEN_EXPIRED:
		return "guest credential has expired: sign up again";
	case TOKEN_NOT_YET_VALID:
		return "guest credential is not valid yet";
	case TOKEN_BAD_ISSUER:
		return "token signed with the guest key must have iss lkgate";
	default:
		return token_err_string(e);
	}
}

/* Fills *p from the verification's outcome and claims (consumed). */
static int
guest_result(enum token_err e, cJSON *claims, struct principal *p,
    const char **why)
{
	int r = -1;

	memset(p, 0, sizeof(*p));
	p->kind = P_ANONYMOUS;
	if (e != TOKEN_OK)
		*why = guest_err_string(e);
	else
		r = guest_from_claims(claims, p, why);
	cJSON_Delete(claims);
	if (r == -1) {
		memset(p, 0, sizeof(*p));
		p->kind = P_ANONYMOUS;
	}
	return r;
}

int
auth_guest_jwt(const struct conf *conf, const char *header, int64_t now,
    struct principal *p, const char **why)
{
	const char *jwt;
	cJSON *claims;
	enum token_err e;

	if (!auth_is_bearer(header) || header[6] != ' ') {
		memset(p, 0, sizeof(*p));
		p->kind = P_ANONYMOUS;
		*why = "expected Authorization: Bearer <token>";
		return -1;
	}
	jwt = header + 7;
	e = guest_verify(conf, jwt, strnlen(jwt, TOKEN_MAX_LEN + 1), now,
	    &claims);
	return guest_result(e, claims, p, why);
}

void
auth_guest_explain(const struct conf *conf, const char *header, int64_t now,
    const char **why)
{
	const char *jwt;
	cJSON *claims;
	enum token_err e;

	if (!auth_is_bearer(header) || header[6] != ' ' || !conf->guest_users)
		return;
	jwt = header + 7;
	e = guest_verify(conf, jwt, strnlen(jwt, TOKEN_MAX_LEN + 1), now,
	    &claims);
	cJSON_Delete(claims);
	if (signed_by_key(e))
		*why = "a guest credential is accepted only on the Voice Chat "
		    "routes (/api/channels, /api/users, /api/advanced/...)";
}

/*
 * Where guests are taken the guest key is tried first, so that a token
 * it signed is never read as a user JWT; elsewhere the user JWT comes
 * first (the token routes' hot path pays nothing for guests) and the
 * guest key only explains a refusal.  With guest_users off no guest key
 * is tried at all.
 */
int
auth_bearer(const struct conf *conf, const char *header, int64_t now,
    int guests, struct principal *p, const char **why)
{
	const char *jwt;
	enum token_err e;
	cJSON *claims;
	size_t len;

	if (!auth_is_bearer(header) || header[6] != ' ' ||
	    conf->guest_keys == NULL || !conf->guest_users)
		return auth_user_jwt(conf, header, now, p, why);
	jwt = header + 7;
	len = strnlen(jwt, TOKEN_MAX_LEN + 1);
	if (!guests) {
		if (auth_user_jwt(conf, header, now, p, why) == 0)
			return 0;
		auth_guest_explain(conf, header, now, why);
		return -1;
	}
	e = guest_verify(conf, jwt, len, now, &claims);
	if (!signed_by_key(e)) {
		cJSON_Delete(claims);
		return auth_user_jwt(conf, header, now, p, why);
	}
	return guest_result(e, claims, p, why);
}
