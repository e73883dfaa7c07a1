/*
 * auth: who is calling.  Pure: works on header values and a conf.
 */
#ifndef LKGATE_AUTH_H
#define LKGATE_AUTH_H

#include <stddef.h>

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

#endif
