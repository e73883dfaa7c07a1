/*
 * oidc: the pure half of lkgate's OpenID Connect relying party: reading
 * the provider's discovery document and token responses, writing the
 * authorization URL and the token endpoint's form bodies, PKCE, and the
 * checks of an ID token (OpenID Connect Core 3.1.3.7).  No I/O, no clock,
 * no randomness: oidcprov.c fetches, the handlers draw the random values.
 */
#ifndef LKGATE_OIDC_H
#define LKGATE_OIDC_H

#include <stddef.h>
#include <stdint.h>

#include "validate.h"

struct conf;
struct token_keyset;

/* Caps on what the provider sends. */
#define OIDC_DISCOVERY_MAX	(64 * 1024)
#define OIDC_TOKEN_RESPONSE_MAX	(64 * 1024)
#define OIDC_URL_MAX		2048
#define OIDC_NAME_MAX		256	/* a display name, bytes */
#define OIDC_EMAIL_MAX		320
#define OIDC_REFRESH_MAX	2048	/* a longer refresh token is not kept */
#define OIDC_ACCESS_MAX		8192	/* a longer access token is not kept */
#define OIDC_USERINFO_MAX	(64 * 1024)

struct oidc_discovery {
	char		*issuer;
	char		*authorization_endpoint;
	char		*token_endpoint;
	char		*jwks_uri;
	char		*end_session_endpoint;	/* NULL: none */
	char		*revocation_endpoint;	/* RFC 7009; NULL: none */
	char		*userinfo_endpoint;	/* NULL: none */
};

/*
 * Parses len bytes of a discovery document.  It must be a strict JSON
 * object whose "issuer" equals want_issuer exactly (Discovery 4.3) and
 * whose authorization_endpoint, token_endpoint and jwks_uri are http or
 * https URLs of at most OIDC_URL_MAX visible ASCII bytes, https or plain
 * http to a loopback host (valid_secure_url); end_session_endpoint,
 * revocation_endpoint and userinfo_endpoint are kept when they are such
 * URLs too.  Returns 0 and fills
 * *d (release with oidc_discovery_clear), or -1 with *why (caller frees).
 */
int	 oidc_discovery_parse(const char *text, size_t len,
	    const char *want_issuer, struct oidc_discovery *d, char **why);
/* Frees the members; d may be all zero. */
void	 oidc_discovery_clear(struct oidc_discovery *d);

struct oidc_tokens {
	char		*id_token;	/* NULL when absent (refresh) */
	char		*refresh_token;	/* NULL when absent or too long */
	char		*access_token;	/* NULL when too long (for userinfo) */
	char		*token_type;
};

/*
 * Reads a token endpoint's answer (RFC 6749 5.1 and 5.2): with a 200 it
 * must be a strict JSON object with a token_type of "Bearer" (in any
 * case) and an access_token; id_token, refresh_token and access_token
 * are kept when they are strings of visible ASCII (a refresh token over
 * OIDC_REFRESH_MAX bytes or an access token over OIDC_ACCESS_MAX is
 * dropped).  Any other status, or an "error" member,
 * is a refusal: -1 with *why naming the provider's error code (caller
 * frees); *invalid_grant is set when that code is invalid_grant.  Returns
 * 0 and fills *t (release with oidc_tokens_clear).
 */
int	 oidc_token_response_parse(long http_status, const char *text,
	    size_t len, struct oidc_tokens *t, int *invalid_grant, char **why);
void	 oidc_tokens_clear(struct oidc_tokens *t);

/* Percent-encodes s for a query or form (all but A-Z a-z 0-9 - . _ ~);
 * caller frees. */
char	*oidc_urlencode(const char *s);

/* The S256 code challenge of a PKCE verifier: base64url of its SHA-256
 * (RFC 7636 4.2); caller frees. */
char	*oidc_pkce_challenge(const char *verifier);

/*
 * The authorization request URL: the endpoint with response_type=code,
 * client_id, redirect_uri, scope, state, nonce, code_challenge and
 * code_challenge_method=S256, then conf's oidc_auth_params, each
 * percent-encoded.  Caller frees.
 */
char	*oidc_authorize_url(const struct conf *, const char *endpoint,
	    const char *state, const char *nonce, const char *challenge);

/*
 * The form bodies of the token endpoint: the code exchange with its PKCE
 * verifier, and a refresh.  With oidc_client_auth "post" (or no secret)
 * client_id, and the secret when there is one, go in the body; caller
 * frees.
 */
char	*oidc_form_code(const struct conf *, const char *code,
	    const char *verifier);
char	*oidc_form_refresh(const struct conf *, const char *refresh_token);
/* The form body revoking a refresh token (RFC 7009 2.1), with the client
 * as oidc_form_code puts it; caller frees. */
char	*oidc_form_revoke(const struct conf *, const char *refresh_token);
/* The "Authorization: Basic ..." header line for client_secret_basic
 * (RFC 6749 2.3.1: id and secret form-encoded first), or NULL when the
 * secret goes in the body or there is none.  Caller frees. */
char	*oidc_basic_auth(const struct conf *);

struct oidc_user {
	char		 sub[IDENTITY_MAX + 1];
	char		 name[OIDC_NAME_MAX + 1];	/* may be empty */
	char		 email[OIDC_EMAIL_MAX + 1];	/* may be empty */
};

enum oidc_idt {
	OIDC_IDT_OK,
	OIDC_IDT_NO_KEY,	/* no key of the token's kid: refresh JWKS */
	OIDC_IDT_BAD		/* refused; *why says why */
};

/*
 * Checks an ID token of len bytes: its signature with keys (RS256 or
 * ES256), iss equal to issuer, aud holding client_id (azp, required
 * when aud names several, equal to it whenever present), exp after
 * now - leeway, and nonce equal to nonce (NULL: the token's nonce is not
 * checked, as after a refresh).
 * Its sub must be a valid identity of at most OIDC_SUB_MAX bytes (the
 * user is "oidc:<sub>"); name is the "name" claim, else
 * given_name and family_name; email is kept when a plain string.  Fills
 * *u on OIDC_IDT_OK; *why is a static English reason otherwise.
 */
enum oidc_idt oidc_check_id_token(const struct token_keyset *keys,
	    const char *jwt, size_t len, const char *issuer,
	    const char *client_id, const char *nonce, int64_t now,
	    int64_t leeway, struct oidc_user *u, const char **why);

/*
 * Reads a userinfo endpoint's answer (OIDC Core 5.3.2): a 200 with a
 * strict JSON object whose sub equals u->sub exactly (5.3.4: else none of
 * it may be used).  Fills u's name and email where they are empty, read
 * as from an ID token.  Returns 0, or -1 with *why (static) and u
 * unchanged.
 */
int	 oidc_userinfo_merge(long http_status, const char *text, size_t len,
	    struct oidc_user *u, const char **why);

#endif
