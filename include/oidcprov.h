/*
 * oidcprov: the OpenID Connect provider as lkgate sees it: its discovery
 * document and its signing keys (JWKS), fetched asynchronously through
 * upstream.c and cached, and the POSTs to its token endpoint.
 *
 * The cache belongs to the configured issuer: when a reload names
 * another, everything cached is dropped and waiters are failed.  The
 * discovery document and the keys are kept for an hour; the keys are
 * fetched again sooner when an ID token names a kid they lack, at most
 * once every OIDCPROV_REFRESH_MIN_MS, so a flood of forged kids cannot
 * turn lkgate into a load generator against the provider.
 */
#ifndef LKGATE_OIDCPROV_H
#define LKGATE_OIDCPROV_H

#include <stddef.h>
#include <stdint.h>

#include "oidc.h"

struct conf;
struct event_base;
struct oidcprov;
struct oidcprov_call;
struct oidcprov_wait;
struct token_keyset;
struct upstream;

#define OIDCPROV_TTL_MS		(3600 * 1000)
#define OIDCPROV_REFRESH_MIN_MS	(30 * 1000)
#define OIDCPROV_JWKS_MAX	(256 * 1024)

enum oidcprov_need {
	OP_DISCOVERY,		/* the discovery document */
	OP_KEYS,		/* that and the keys */
	OP_REFRESH_KEYS		/* that and keys fetched from now on */
};

/* Told once that what was asked for is there (err NULL) or not (err an
 * English reason, borrowed for the call). */
typedef void (*oidcprov_fn)(void *arg, const char *err);

/* Borrows base and up; never returns NULL. */
struct oidcprov	*oidcprov_new(struct event_base *, struct upstream *);
/* Cancels fetches and waiters (no callbacks) and frees; before
 * upstream_free.  NULL is allowed. */
void		 oidcprov_free(struct oidcprov *);

/* The cached discovery document and keys for conf's issuer when fresh,
 * else NULL; valid until control returns to the loop. */
const struct oidc_discovery *oidcprov_discovery(struct oidcprov *,
		    const struct conf *);
const struct token_keyset *oidcprov_keys(struct oidcprov *,
		    const struct conf *);
/* 1 when a refresh of the keys is allowed now (rate limit). */
int		 oidcprov_may_refresh(const struct oidcprov *);

/*
 * Fetches what need asks for unless it is cached and fresh, then calls
 * fn from the loop (never from inside this call), unless cancelled
 * first.  Never returns NULL.
 */
struct oidcprov_wait *oidcprov_load(struct oidcprov *, const struct conf *,
		    enum oidcprov_need, oidcprov_fn fn, void *arg);
/* The callback will not run; NULL is allowed; not from inside it. */
void		 oidcprov_cancel(struct oidcprov_wait *);

/* What the provider answered a call; valid only during the callback. */
struct oidcprov_answer {
	int		 answered;	/* 1: an HTTP response came (any
					   status); 0: none did */
	long		 http_status;	/* when answered */
	const char	*body;		/* NUL-terminated, borrowed */
	size_t		 bodylen;
	const char	*error;		/* when not answered: why, or NULL */
};

/* Told once how a call ended, from the loop (never from inside the call
 * that started it), unless it is cancelled first. */
typedef void (*oidcprov_done_fn)(void *arg, const struct oidcprov_answer *);

/*
 * POSTs form (application/x-www-form-urlencoded) to url, with the client
 * authentication conf asks for, under conf's upstream timeouts and a cap
 * of OIDC_TOKEN_RESPONSE_MAX bytes.  Never resent: a code is good once.
 * Never returns NULL.
 */
struct oidcprov_call *oidcprov_post(struct oidcprov *, const struct conf *,
		    const char *url, const char *form, oidcprov_done_fn,
		    void *arg);

/* GETs a userinfo endpoint with the access token as a Bearer credential
 * (OIDC Core 5.3.1), under conf's upstream timeouts and a cap of
 * OIDC_USERINFO_MAX bytes.  Never returns NULL. */
struct oidcprov_call *oidcprov_userinfo(struct oidcprov *,
		    const struct conf *, const char *url,
		    const char *access_token, oidcprov_done_fn, void *arg);

/* Aborts a call; its callback never runs.  NULL is allowed, and so is a
 * call from inside its own callback (a no-op). */
void		 oidcprov_call_cancel(struct oidcprov_call *);

#endif
