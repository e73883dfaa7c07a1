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

struct principal {
	enum principal_kind kind;
	int		 admin;
	/* API key: the key's name; user: the identity (sub). */
	char		 name[IDENTITY_MAX + 1];
	/* user: display name, possibly empty. */
	char		 display[257];
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

/* Returns 1 when an Authorization header value names the Bearer scheme
 * (a user JWT, well-formed or not), else 0; NULL is allowed. */
int	auth_is_bearer(const char *header);

#endif
