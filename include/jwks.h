/*
 * jwks: the verification keys of user JWTs.  Parses a JSON Web Key Set
 * (RFC 7517) of public signing keys into a struct token_keyset, and adds
 * an HS256 shared secret to a keyset.  Pure except jwks_load_file(),
 * which only reads the file it is given.
 *
 * What a key set yields:
 *  - kty "RSA" with n and e: an RS256 key ("alg" absent or "RS256");
 *  - kty "EC", crv "P-256" with x and y: an ES256 key ("alg" absent or
 *    "ES256");
 *  - "kid", when present, is kept: tokens naming a kid are tried only
 *    against keys of that kid (or of none); where several keys of a
 *    token's alg remain, the token is refused untried.
 * Skipped, each reported to the skip callback with its reason: keys whose
 * "use" is not "sig", of another kty or crv, or pinned to another alg.
 * Errors: malformed JSON, no "keys" array, a key that is not an object or
 * has a member of the wrong type, bad key material (an RSA modulus under
 * 2048 bits, a point off the curve), private key material ("d"), more than
 * JWKS_MAX_KEYS usable keys, or no usable key at all.
 */
#ifndef LKGATE_JWKS_H
#define LKGATE_JWKS_H

#include <stddef.h>

/* Largest JWKS file read. */
#define JWKS_FILE_MAX	(1024 * 1024)
/* Most keys kept (an RS256 or ES256 token is tried against one at most:
 * with several keys, tokens must name theirs with a kid). */
#define JWKS_MAX_KEYS	64

struct token_keyset;

/* Told about a skipped key: its index in "keys", its kid (NULL: none) and
 * why, in English. */
typedef void (*jwks_skip_fn)(void *arg, size_t index, const char *kid,
	    const char *why);

/*
 * Parses len bytes of JWKS text.  Returns a new keyset (free with
 * jwks_free) or NULL with *err set to a message the caller frees; the
 * message names the key by index (and kid) but never quotes key material.
 * skip may be NULL.
 */
struct token_keyset *jwks_parse(const char *text, size_t len,
	    jwks_skip_fn skip, void *arg, char **err);

/* As jwks_parse, from the file at path (at most JWKS_FILE_MAX bytes);
 * messages start with the path. */
struct token_keyset *jwks_load_file(const char *path, jwks_skip_fn skip,
	    void *arg, char **err);

/*
 * Appends an HS256 key holding a copy of the len bytes of secret, with no
 * kid, to *ks; a NULL *ks becomes a new keyset.
 */
void	jwks_add_secret(struct token_keyset **ks, const void *secret,
	    size_t len);

/* Frees a keyset and wipes its secrets; NULL is allowed. */
void	jwks_free(struct token_keyset *);

#endif
