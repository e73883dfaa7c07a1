/*
 * jwks: turns a JSON Web Key Set into verification keys for token_verify.
 *
 * A key set usually comes from the identity provider that signs the
 * app's user JWTs, and may list keys lkgate has no use for (encryption
 * keys, other curves, RS512): those are skipped and reported, so that one
 * extra key does not stop lkgate.  A key that claims to be one we use but
 * is broken, or a document that is not a key set, is an error instead:
 * the operator meant it and should hear about it at start-up, not through
 * every user's 401.  The algorithm of each key is fixed here, from its
 * type, so a token can never choose how its key is used.
 */
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "json.h"
#include "jwks.h"
#include "token.h"
#include "util.h"

#define QUOTE_MAX	64	/* bytes of a kid, kty or alg quoted back */

enum jwk_result { JWK_OK, JWK_SKIP, JWK_ERR };

/* Appends a zeroed key to ks and returns it. */
static struct token_key *
keyset_append(struct token_keyset *ks)
{
	struct token_key *k;

	ks->keys = xrealloc(ks->keys, (ks->nkeys + 1) * sizeof(*ks->keys));
	k = &ks->keys[ks->nkeys++];
	memset(k, 0, sizeof(*k));
	return k;
}

/*
 * Reads the string member name of o into *out (NULL when absent).
 * Returns -1 with *why set when it is not a string, or absent and
 * required.
 */
static int
member(const cJSON *o, const char *name, int required, const char **out,
    char **why)
{
	*out = NULL;
	switch (json_get_string(o, name, out)) {
	case JG_OK:
		return 0;
	case JG_ABSENT:
		if (!required)
			return 0;
		*why = xasprintf("has no \"%s\"", name);
		return -1;
	case JG_WRONG_TYPE:
		break;
	}
	*why = xasprintf("\"%s\" is not a string", name);
	return -1;
}

/* Reads the required base64url member name of o as bytes (caller frees). */
static int
member_bytes(const cJSON *o, const char *name, unsigned char **out,
    size_t *outlen, char **why)
{
	const char *s;

	*out = NULL;
	if (member(o, name, 1, &s, why) == -1)
		return -1;
	if (b64url_decode(s, strlen(s), out, outlen) == -1) {
		*why = xasprintf("\"%s\" is not base64url", name);
		return -1;
	}
	return 0;
}

/* Checks that "alg", when present, is want: the one we pin the key to. */
static enum jwk_result
alg_check(const cJSON *o, const char *want, char **why)
{
	const char *alg;

	if (member(o, "alg", 0, &alg, why) == -1)
		return JWK_ERR;
	if (alg == NULL || strcmp(alg, want) == 0)
		return JWK_OK;
	*why = xasprintf("alg \"%.*s\" is not supported", QUOTE_MAX, alg);
	return JWK_SKIP;
}

static enum jwk_result
jwk_rsa(const cJSON *o, struct token_key *k, char **why)
{
	unsigned char *n = NULL, *e = NULL;
	size_t nlen = 0, elen = 0;
	enum jwk_result r;

	if ((r = alg_check(o, "RS256", why)) != JWK_OK)
		return r;
	if (member_bytes(o, "n", &n, &nlen, why) == 0 &&
	    member_bytes(o, "e", &e, &elen, why) == 0 &&
	    (k->pk = crypto_pk_from_rsa(n, nlen, e, elen)) == NULL)
		*why = xstrdup("is not a valid RSA public key of at least "
		    "2048 bits");
	free(n);
	free(e);
	if (k->pk == NULL)
		return JWK_ERR;
	k->alg = TOKEN_RS256;
	return JWK_OK;
}

static enum jwk_result
jwk_ec(const cJSON *o, struct token_key *k, char **why)
{
	unsigned char *x = NULL, *y = NULL;
	size_t xlen = 0, ylen = 0;
	const char *crv;
	enum jwk_result r;

	if (member(o, "crv", 1, &crv, why) == -1)
		return JWK_ERR;
	if (strcmp(crv, "P-256") != 0) {
		*why = xasprintf("crv \"%.*s\" is not supported", QUOTE_MAX,
		    crv);
		return JWK_SKIP;
	}
	if ((r = alg_check(o, "ES256", why)) != JWK_OK)
		return r;
	if (member_bytes(o, "x", &x, &xlen, why) == 0 &&
	    member_bytes(o, "y", &y, &ylen, why) == 0 &&
	    (k->pk = crypto_pk_from_p256(x, xlen, y, ylen)) == NULL)
		*why = xstrdup("is not a point of P-256");
	free(x);
	free(y);
	if (k->pk == NULL)
		return JWK_ERR;
	k->alg = TOKEN_ES256;
	return JWK_OK;
}

/*
 * Reads one member of "keys" into k.  JWK_SKIP and JWK_ERR come with *why
 * set (the caller frees): why the key is skipped, or what is wrong.
 */
static enum jwk_result
jwk_one(const cJSON *o, struct token_key *k, char **why)
{
	const char *kty, *use, *kid;
	enum jwk_result r;

	if (!cJSON_IsObject(o)) {
		*why = xstrdup("is not an object");
		return JWK_ERR;
	}
	if (member(o, "kty", 1, &kty, why) == -1 ||
	    member(o, "use", 0, &use, why) == -1 ||
	    member(o, "kid", 0, &kid, why) == -1)
		return JWK_ERR;
	if (use != NULL && strcmp(use, "sig") != 0) {
		*why = xasprintf("use \"%.*s\" is not \"sig\"", QUOTE_MAX, use);
		return JWK_SKIP;
	}
	if (strcmp(kty, "RSA") != 0 && strcmp(kty, "EC") != 0) {
		*why = xasprintf("kty \"%.*s\" is not supported", QUOTE_MAX,
		    kty);
		return JWK_SKIP;
	}
	/* A private key in a file of public keys is a leak waiting. */
	if (cJSON_GetObjectItemCaseSensitive(o, "d") != NULL) {
		*why = xstrdup("holds a private key (\"d\"); give public keys "
		    "only");
		return JWK_ERR;
	}
	r = strcmp(kty, "RSA") == 0 ? jwk_rsa(o, k, why) : jwk_ec(o, k, why);
	if (r == JWK_OK && kid != NULL)
		k->kid = xstrdup(kid);
	return r;
}

/* The kid of member o of "keys", or NULL. */
static const char *
jwk_kid(const cJSON *o)
{
	const char *kid;

	if (!cJSON_IsObject(o) || json_get_string(o, "kid", &kid) != JG_OK)
		return NULL;
	return kid;
}

/* Adds each usable key of the array keys to ks; 0, or -1 with *err. */
static int
jwks_add_keys(struct token_keyset *ks, const cJSON *keys, jwks_skip_fn skip,
    void *arg, char **err)
{
	const cJSON *o;
	struct token_key k;
	const char *kid;
	char *why;
	size_t i = 0;
	enum jwk_result r;

	cJSON_ArrayForEach(o, keys) {
		memset(&k, 0, sizeof(k));
		why = NULL;
		if ((r = jwk_one(o, &k, &why)) == JWK_OK &&
		    ks->nkeys == JWKS_MAX_KEYS) {
			token_key_clear(&k);
			why = xasprintf("is one key too many (at most %d)",
			    JWKS_MAX_KEYS);
			r = JWK_ERR;
		}
		kid = jwk_kid(o);
		if (r == JWK_OK)
			*keyset_append(ks) = k;
		else if (r == JWK_SKIP && skip != NULL)
			skip(arg, i, kid, why);
		else if (r == JWK_ERR)
			*err = kid == NULL ?
			    xasprintf("keys[%zu]: %s", i, why) :
			    xasprintf("keys[%zu] (kid \"%.*s\"): %s", i,
			    QUOTE_MAX, kid, why);
		free(why);
		if (r == JWK_ERR)
			return -1;
		i++;
	}
	return 0;
}

struct token_keyset *
jwks_parse(const char *text, size_t len, jwks_skip_fn skip, void *arg,
    char **err)
{
	struct token_keyset *ks;
	const cJSON *keys;
	cJSON *root;
	enum json_err jerr;

	*err = NULL;
	if ((root = json_parse_strict(text, len, 1, &jerr)) == NULL) {
		*err = xasprintf("not a JWKS: %s", json_err_string(jerr));
		return NULL;
	}
	if (json_get_array(root, "keys", &keys) != JG_OK) {
		*err = xstrdup("not a JWKS: no \"keys\" array");
		cJSON_Delete(root);
		return NULL;
	}
	ks = xcalloc(1, sizeof(*ks));
	if (jwks_add_keys(ks, keys, skip, arg, err) == 0 && ks->nkeys == 0)
		*err = xstrdup("holds no usable signing key (RS256 or ES256)");
	cJSON_Delete(root);
	if (*err != NULL) {
		jwks_free(ks);
		return NULL;
	}
	return ks;
}

struct token_keyset *
jwks_load_file(const char *path, jwks_skip_fn skip, void *arg, char **err)
{
	struct token_keyset *ks;
	char *buf, *msg;
	size_t len = 0;

	*err = NULL;
	if (util_read_file(path, JWKS_FILE_MAX, UTIL_READ_REGULAR, &buf, &len,
	    NULL, NULL, err) == -1)
		return NULL;
	if ((ks = jwks_parse(buf, len, skip, arg, &msg)) == NULL) {
		*err = xasprintf("%s: %s", path, msg);
		free(msg);
	}
	free(buf);
	return ks;
}

void
jwks_add_secret(struct token_keyset **ks, const void *secret, size_t len)
{
	struct token_key *k;

	if (*ks == NULL)
		*ks = xcalloc(1, sizeof(**ks));
	k = keyset_append(*ks);
	k->alg = TOKEN_HS256;
	k->secret = xmalloc(len > 0 ? len : 1);
	memcpy(k->secret, secret, len);
	k->secretlen = len;
	k->hmac = crypto_hmac_key_new(secret, len);
}

void
jwks_free(struct token_keyset *ks)
{
	size_t i;

	if (ks == NULL)
		return;
	for (i = 0; i < ks->nkeys; i++)
		token_key_clear(&ks->keys[i]);
	free(ks->keys);
	free(ks);
}
