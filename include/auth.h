/*
 * auth: who is calling.  Pure: works on header values and a conf.
 */
#ifndef LKGATE_AUTH_H
#define LKGATE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "validate.h"

enum principal_kind { P_ANONYMOUS, P_API_KEY, P_USER };

/* How authenticating a request ended; the failures are negative, so
 * "< 0" is "refused", and -1 is the -1 of the functions below. */
enum auth_outcome {
	AUTHN_OK = 0,
	AUTHN_UNKNOWN = -1,	/* who is calling is not known: 401 */
	AUTHN_FORBIDDEN = -2	/* known, but this request is refused: 403 */
};

/*
 * Where a principal comes from.  Principals of different sources never
 * compare equal, even when their ids are the same string: a user's name
 * below carries its source's prefix except for user JWTs, whose subs may
 * not begin with a reserved prefix (auth_user_jwt refuses them), and API
 * keys are told apart by kind.
 */
enum principal_source { PS_NONE, PS_API_KEY, PS_USER_JWT, PS_OIDC, PS_GUEST };

/* The prefixes of identities no user JWT may claim. */
#define PRINCIPAL_OIDC_PREFIX	"oidc:"
#define PRINCIPAL_GUEST_PREFIX	"guest:"
#define PRINCIPAL_KEY_PREFIX	"key:"
/* Longest web-login sub: "oidc:" and it make an identity. */
#define OIDC_SUB_MAX		(IDENTITY_MAX - 5)
/* A guest's sign-up: username 3-32 bytes of [A-Za-z0-9_.-], display
 * name 1-64 bytes of text. */
#define GUEST_USERNAME_MIN	3
#define GUEST_USERNAME_MAX	32
#define GUEST_DISPLAY_MAX	64
/* The iss of guest credentials; a user JWT never has it accepted as a
 * guest, since it is not signed with the guest key. */
#define GUEST_ISSUER		"lkgate"
/* Longest rate-limit key of a principal, NUL included. */
#define PRINCIPAL_KEY_MAX	(IDENTITY_MAX + 8)

struct principal {
	enum principal_kind kind;
	enum principal_source source;
	int		 admin;
	/*
	 * API key: the key's name.  User: the identity it has in LiveKit
	 * tokens and room metadata: the sub of a user JWT as is, the sub of
	 * a web login as "oidc:<sub>", a guest's id as "guest:<id>".
	 */
	char		 name[IDENTITY_MAX + 1];
	/* user: display name, possibly empty. */
	char		 display[257];
	/* guest: the username it signed up with, and when (Unix seconds);
	 * empty and 0 for other sources. */
	char		 username[GUEST_USERNAME_MAX + 1];
	int64_t		 since;
};

/*
 * Authenticates an X-API-Key header value (NULL: absent) against conf's
 * keys, comparing in constant time.  Returns 0 and fills *p, or -1 with
 * *why set to a static English reason.
 */
int	auth_api_key(const struct conf *, const char *header,
	    struct principal *p, const char **why);

/*
 * Authenticates an Authorization header value (NULL: absent) holding a
 * user JWT: exactly "Bearer " (the scheme in any case, RFC 7235) and the
 * token.  The token must verify against conf->user_keys at time now, with
 * conf's leeway, issuer and audience, and carry `exp`.  Its `sub` is the
 * identity and must be a valid identity; `name`, when a string of valid
 * text of at most 256 bytes, is the display name (else ignored); the user
 * is an admin when the claim named conf->admin_role_claim is the string
 * "admin" or an array holding it.  Returns 0 and fills *p (P_USER), or -1
 * with *why set to a static English reason.
 */
int	auth_user_jwt(const struct conf *, const char *header, int64_t now,
	    struct principal *p, const char **why);

struct jwtcache;

/*
 * User JWTs verified once: cache is a jwtcache of values the size of
 * struct principal, which the caller owns and clears when conf's keys,
 * issuer, audience or role claim change.  auth_user_jwt_cached returns 1
 * and fills *p when the very same header verified before and its token's
 * exp has not passed, else 0 (no signature computed either way).
 * auth_user_jwt_remember is auth_user_jwt that also stores a success
 * until the token's exp.  A NULL cache stores nothing.
 */
int	auth_user_jwt_cached(struct jwtcache *cache, const char *header,
	    int64_t now, struct principal *p);
int	auth_user_jwt_remember(const struct conf *, struct jwtcache *cache,
	    const char *header, int64_t now, struct principal *p,
	    const char **why);

/*
 * Makes *p the user of source (PS_USER_JWT, PS_OIDC or PS_GUEST) whose id
 * at that source is id, with display name display (NULL: none; cut to
 * fit).  Returns -1, with *p anonymous, when id with its source's prefix
 * is not a valid identity.
 */
int	principal_set_user(struct principal *p, enum principal_source source,
	    const char *id, const char *display);

/* 1 when a user JWT's sub begins with a prefix reserved for another
 * source ("oidc:", "guest:", "key:"). */
int	auth_sub_reserved(const char *sub);

/*
 * The rate-limit key of a known principal into buf: its source's letter
 * and name ("k:" API key, "u:" user JWT, "o:" web login, "g:" guest), so
 * that no two sources share a bucket.  -1 for an anonymous principal.
 */
int	principal_rl_key(const struct principal *p, char *buf, size_t len);

/*
 * Guest credentials (the Voice Chat app's guests, conf->guest_users): an
 * HS256 JWT under conf->guest_keys with iss GUEST_ISSUER, sub the guest's
 * id (a UUID), name its display name, username, iat = nbf = the sign-up
 * time, exp that plus conf->guest_ttl.
 *
 * The message of a bad username or display name naming the field, or
 * NULL when fine.
 */
const char *auth_guest_username_error(const char *username);
const char *auth_guest_display_error(const char *display);

/* Signs the credential of the guest id (caller frees); its expiry in
 * *exp.  The fields must have passed the checks above. */
char	*auth_guest_sign(const struct conf *, const char *id,
	    const char *username, const char *display, int64_t now,
	    int64_t *exp);

/*
 * Authenticates an Authorization header value holding a guest credential
 * as auth_user_jwt does a user JWT: 0 and *p the PS_GUEST user
 * "guest:<id>" (never an admin), or -1 with *why.
 */
int	auth_guest_jwt(const struct conf *, const char *header, int64_t now,
	    struct principal *p, const char **why);

/*
 * A Bearer header on a route that takes user JWTs and, when guests is
 * set, guest credentials; with conf->guest_users off it is only ever a
 * user JWT.  A token whose signature holds under the guest key is judged
 * as a guest credential only (its iss must be GUEST_ISSUER: a token
 * signed with the guest key is never a user); any other as a user JWT.
 * Where guests are not taken a guest credential is refused, saying so.
 * Returns as auth_user_jwt.
 */
int	auth_bearer(const struct conf *, const char *header, int64_t now,
	    int guests, struct principal *p, const char **why);

/*
 * After a user JWT was refused where guests are not taken: when the
 * header holds a guest credential (guest_users on), sets *why to say
 * where it is accepted; else leaves *why alone.
 */
void	auth_guest_explain(const struct conf *, const char *header,
	    int64_t now, const char **why);

/* Returns 1 when an Authorization header value names the Bearer scheme
 * (a user JWT, well-formed or not), else 0; NULL is allowed. */
int	auth_is_bearer(const char *header);

#endif
