/*
 * crypto: the only user of mbedTLS.  HMAC-SHA256, SHA-256, constant-time
 * comparison, RS256 / ES256 signature verification with public keys
 * taken from JWK parameters or PEM, and AES-256-GCM sealing.
 */
#ifndef LKGATE_CRYPTO_H
#define LKGATE_CRYPTO_H

#include <stddef.h>

#define CRYPTO_SHA256_LEN 32

void	crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
	    size_t msglen, unsigned char out[CRYPTO_SHA256_LEN]);

/*
 * An HMAC-SHA256 key prepared once for many messages: the hash states
 * after the inner and outer padded key, which crypto_hmac_sha256 would
 * otherwise recompute (two of the ~9 SHA-256 blocks of a LiveKit token)
 * for every message.  It also keeps the inner state after the first
 * 64-byte block of the last message that had one: a signer's tokens all
 * begin with the same header and issuer, so the next one that begins
 * alike skips that block too.  Each use may change that memo: one thread
 * at a time.  crypto_hmac_key_new never returns NULL;
 * crypto_hmac_key_free wipes it.  Same MACs as crypto_hmac_sha256.
 */
struct crypto_hmac_key;
struct crypto_hmac_key *crypto_hmac_key_new(const void *key, size_t keylen);
void	crypto_hmac_key_free(struct crypto_hmac_key *);
void	crypto_hmac_sha256_with(struct crypto_hmac_key *,
	    const void *msg, size_t msglen,
	    unsigned char out[CRYPTO_SHA256_LEN]);

void	crypto_sha256(const void *msg, size_t len,
	    unsigned char out[CRYPTO_SHA256_LEN]);
/* Returns 1 when the len bytes of a and b are equal; time depends on len
 * only. */
int	crypto_ct_equal(const void *a, const void *b, size_t len);

/* A public key: RSA (for RS256) or EC P-256 (for ES256). */
struct crypto_pk;
enum crypto_pk_type { CRYPTO_PK_RSA, CRYPTO_PK_EC_P256 };

/* From big-endian modulus and exponent bytes; NULL when invalid or the
 * modulus is shorter than 2048 bits. */
struct crypto_pk *crypto_pk_from_rsa(const unsigned char *n, size_t nlen,
	    const unsigned char *e, size_t elen);
/* From the 32-byte big-endian affine coordinates of a P-256 point; NULL
 * when the point is not on the curve. */
struct crypto_pk *crypto_pk_from_p256(const unsigned char *x, size_t xlen,
	    const unsigned char *y, size_t ylen);
/* From a PEM "PUBLIC KEY" (SubjectPublicKeyInfo) block of len bytes; NULL
 * when invalid, not in that form (DER, PKCS#1) or of another type or size
 * (RSA under 2048 bits, curves other than P-256). */
struct crypto_pk *crypto_pk_from_pem(const char *pem, size_t len);
enum crypto_pk_type crypto_pk_type(const struct crypto_pk *);
void	crypto_pk_free(struct crypto_pk *);

/* RSASSA-PKCS1-v1_5 with SHA-256 over msg.  Returns 1 when valid. */
int	crypto_verify_rs256(const struct crypto_pk *, const void *msg,
	    size_t msglen, const unsigned char *sig, size_t siglen);
/* ECDSA P-256 with SHA-256, sig as JWS's raw r||s (64 bytes).  Returns 1
 * when valid. */
int	crypto_verify_es256(const struct crypto_pk *, const void *msg,
	    size_t msglen, const unsigned char *sig, size_t siglen);

/* AES-256-GCM with a 96-bit nonce and a 128-bit tag. */
#define CRYPTO_GCM_KEY_LEN	32
#define CRYPTO_GCM_NONCE_LEN	12
#define CRYPTO_GCM_TAG_LEN	16

/*
 * Encrypts len bytes of pt under key and nonce, authenticating aadlen
 * bytes of aad too, into out: len bytes of ciphertext then the tag, so
 * out holds len + CRYPTO_GCM_TAG_LEN bytes.  A nonce must never be used
 * twice with one key: callers take it from util_random_bytes().
 */
void	crypto_gcm_seal(const unsigned char key[CRYPTO_GCM_KEY_LEN],
	    const unsigned char nonce[CRYPTO_GCM_NONCE_LEN], const void *aad,
	    size_t aadlen, const void *pt, size_t len, unsigned char *out);
/*
 * Checks and decrypts len bytes of ciphertext and tag (as crypto_gcm_seal
 * wrote them) into out (len - CRYPTO_GCM_TAG_LEN bytes).  Returns 0, or -1
 * when len is shorter than a tag or the tag does not verify; out is then
 * wiped.
 */
int	crypto_gcm_open(const unsigned char key[CRYPTO_GCM_KEY_LEN],
	    const unsigned char nonce[CRYPTO_GCM_NONCE_LEN], const void *aad,
	    size_t aadlen, const void *ct, size_t len, unsigned char *out);

#endif
