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

/* Returns 1 when an Authorization header value names the Bearer scheme
 * (a user JWT, well-formed or not), else 0; NULL is allowed. */
int	auth_is_bearer(const char *header);

#endif
