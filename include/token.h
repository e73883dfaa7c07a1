/*
 * token: JSON Web Tokens.  Signs LiveKit access tokens (HS256, the claim
 * names of livekit/protocol auth/grants.go) and verifies inbound tokens
 * (HS256, RS256, ES256) with the time passed in.  Pure: no clock, no
 * randomness, no I/O.
 */
#ifndef LKGATE_TOKEN_H
#define LKGATE_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Upper bound on the length of a token we accept (header + payload +
 * signature). */
#define TOKEN_MAX_LEN 8192

/* A tri-state for LiveKit's pointer booleans: absent, false or true. */
enum tri { TRI_ABSENT = -1, TRI_FALSE = 0, TRI_TRUE = 1 };

/* The `video` grant.  Plain booleans are emitted only when true; tri-state
 * ones only when not TRI_ABSENT; strings only when non-NULL.  Note that a
 * zero-initialised tri-state is TRI_FALSE, not absent. */
struct lk_video_grant {
	int		 room_create;
	int		 room_list;
	int		 room_record;
	int		 room_admin;
	int		 room_join;
	const char	*room;
	enum tri	 can_publish;
	enum tri	 can_subscribe;
	enum tri	 can_publish_data;
	enum tri	 can_update_own_metadata;
	const char *const *can_publish_sources; /* NULL-terminated, or NULL;
						   omitted when empty */
	int		 hidden;
	int		 recorder;
	int		 agent;
};

struct lk_claims {
	const char	*identity;	/* `sub`; NULL for service tokens */
	const char	*name;		/* NULL: absent */
	const char	*metadata;	/* NULL: absent */
	const char *const *attributes;	/* key, value, ..., NULL; or NULL.
					   Keys distinct; omitted when
					   empty; a NULL value is fatal() */
	const char	*kind;		/* e.g. "standard"; NULL: absent */
	struct lk_video_grant video;
	int		 has_video;	/* 0: no `video` claim at all */
	const char	*room_config;	/* the roomConfig claim: JSON text of
					   an object, written as it is (the
					   caller vouches for it); NULL:
					   absent */
	const char	*sha256;	/* webhook body hash; NULL: absent */
};

/*
 * Returns a compact HS256 JWT (caller frees) with header
 * {"alg":"HS256","typ":"JWT"} and the claims, in this order: iss = api_key
 * (non-NULL), sub, nbf = now, exp = now + ttl, name, metadata, attributes,
 * kind, video, roomConfig, sha256.  The claims pointer may be NULL (iss,
 * nbf and exp only).  The HMAC key is the raw secret bytes.
 */
char	*token_sign_livekit(const char *api_key, const void *secret,
	    size_t secretlen, const struct lk_claims *, int64_t now,
	    int64_t ttl);

/*
 * The same, for a key and secret that sign many tokens: a signer holds a
 * copy of api_key and the secret's HMAC key prepared once (never NULL;
 * free with token_signer_free, which wipes it).  It is immutable, so one
 * signer serves every request: struct conf owns the running one.
 */
struct token_signer;
struct token_signer *token_signer_new(const char *api_key, const void *secret,
	    size_t secretlen);
void	 token_signer_free(struct token_signer *);
char	*token_signer_sign(const struct token_signer *,
	    const struct lk_claims *, int64_t now, int64_t ttl);

/*
 * Returns a compact HS256 JWT (caller frees) with the header
 * {"alg":"HS256","typ":"JWT"} and the object claims as its payload, for
 * tokens lkgate both issues and verifies (guest credentials).
 */
char	*token_sign_hs256(const void *secret, size_t secretlen,
	    const cJSON *claims);

enum token_alg { TOKEN_HS256, TOKEN_RS256, TOKEN_ES256 };

struct crypto_pk;
struct crypto_hmac_key;

/* One verification key.  The algorithm is pinned to the key: a token whose
 * header names another algorithm is refused. */
struct token_key {
	enum token_alg	 alg;
	char		*kid;		/* NULL: matches any kid */
	unsigned char	*secret;	/* HS256 */
	size_t		 secretlen;
	struct crypto_pk *pk;		/* RS256, ES256 */
	struct crypto_hmac_key *hmac;	/* HS256: the secret prepared once
					   (jwks_add_secret); NULL: use
					   secret as it is */
};

struct token_keyset {
	struct token_key *keys;
	size_t		 nkeys;
};

enum token_err {
	TOKEN_OK, TOKEN_MALFORMED, TOKEN_TOO_LARGE, TOKEN_BAD_ALG,
	TOKEN_NO_KEY, TOKEN_BAD_SIGNATURE, TOKEN_EXPIRED, TOKEN_NOT_YET_VALID,
	TOKEN_NO_EXP, TOKEN_BAD_ISSUER, TOKEN_BAD_AUDIENCE, TOKEN_BAD_HASH,
	TOKEN_KID_REQUIRED
};

struct token_verify_opts {
	int64_t		 now;
	int64_t		 leeway;	/* seconds allowed on exp and nbf */
	const char	*issuer;	/* NULL: not checked */
	const char	*audience;	/* NULL: not checked; else `aud` (string
					   or array) must hold it */
	int		 require_exp;
};

/* A short English description, e.g. "token has expired". */
const char *token_err_string(enum token_err);

/*
 * Verifies a compact JWS of len bytes: three base64url segments, a JSON
 * object header whose `alg` is the key's (no "none"), the signature, then
 * exp / nbf / iss / aud.  When the header has a kid only keys with that
 * kid (or with no kid) are tried: none left is TOKEN_NO_KEY, none of the
 * header's alg TOKEN_BAD_ALG.  An RS256 or ES256 token is checked against
 * one public key at most: when more than one key of its alg is left (a
 * token without kid against several keys) it is TOKEN_KID_REQUIRED,
 * without any signature computed.  A "crit" header, a repeated key in header
 * or payload, or an exp / nbf that is not a finite number (null included)
 * is TOKEN_MALFORMED.  The payload is parsed only once the signature
 * holds.  On TOKEN_OK *claims receives the payload object (caller frees
 * with cJSON_Delete); otherwise *claims is NULL.  claims may be NULL.
 */
enum token_err token_verify(const struct token_keyset *, const char *jwt,
	    size_t len, const struct token_verify_opts *, cJSON **claims);

/*
 * Verifies a LiveKit webhook: auth is the raw Authorization header (a bare
 * JWT: a "Bearer " prefix fails like any malformed token), HS256 with
 * secret, `exp` required, `iss` must equal api_key, and the `sha256` claim
 * must equal the standard base64 of SHA-256 over the body bytes (compared
 * in constant time; missing is TOKEN_BAD_HASH).  A NULL api_key or secret
 * is TOKEN_NO_KEY.
 */
enum token_err token_verify_webhook(const char *api_key, const void *secret,
	    size_t secretlen, const char *auth, size_t authlen,
	    const void *body, size_t bodylen, int64_t now, int64_t leeway);

/* Frees the members of a key (not the key itself); NULL members allowed. */
void	 token_key_clear(struct token_key *);

#endif
