/*
 * crypto: the only user of mbedTLS.  HMAC-SHA256, SHA-256, constant-time
 * comparison, and RS256 / ES256 signature verification with public keys
 * taken from JWK parameters or PEM.
 */
#ifndef LKGATE_CRYPTO_H
#define LKGATE_CRYPTO_H

#include <stddef.h>

#define CRYPTO_SHA256_LEN 32

void	crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
	    size_t msglen, unsigned char out[CRYPTO_SHA256_LEN]);
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

#endif
