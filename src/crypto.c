/*
 * crypto: hashing, MACs and public-key signature checks on top of mbedTLS
 * 2.28.  This is the only file that includes mbedTLS headers, so a move to
 * another library (or to mbedTLS 3) touches nothing else.
 *
 * Every public key is validated once, when it is built: RSA moduli must be
 * at least 2048 bits and EC points must lie on P-256.  Verification then
 * only answers yes or no; it never says why, because callers must not
 * treat one kind of bad signature differently from another.  The same
 * goes for AES-GCM: a tag that does not verify is only "no".
 */
#include <stdlib.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/gcm.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "crypto.h"
#include "log.h"
#include "util.h"

#define RSA_MIN_BITS	2048
#define P256_COORD_LEN	32
#define ES256_SIG_LEN	(2 * P256_COORD_LEN)
/* A PEM public key is well under this; anything larger is not one. */
#define PEM_MAX_LEN	16384

/*
 * The mbedTLS context sits behind a pointer: its verify functions take
 * non-const contexts, and our callers hold keys through const pointers.
 */
struct crypto_pk {
	enum crypto_pk_type	 type;
	mbedtls_pk_context	*ctx;
};

void
crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[CRYPTO_SHA256_LEN])
{
	const mbedtls_md_info_t *md;

	/* mbedTLS may memcpy from the pointers even for a length of 0. */
	if (key == NULL)
		key = "";
	if (msg == NULL)
		msg = "";
	if ((md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256)) == NULL ||
	    mbedtls_md_hmac(md, key, keylen, msg, msglen, out) != 0)
		fatal("HMAC-SHA256 failed");
}

void
crypto_sha256(const void *msg, size_t len, unsigned char out[CRYPTO_SHA256_LEN])
{
	if (msg == NULL)
		msg = "";
	if (mbedtls_sha256_ret(msg, len, out, 0) != 0)
		fatal("SHA-256 failed");
}

/* --- HMAC-SHA256 with a prepared key (RFC 2104) --- */

#define HMAC_BLOCK	64	/* SHA-256's block size, HMAC's B */

/* The states after hashing K ^ ipad and K ^ opad: every MAC under the key
 * starts from a copy of them. */
struct crypto_hmac_key {
	mbedtls_sha256_context	inner;
	mbedtls_sha256_context	outer;
	/* The inner state once the first block of the last message at least
	 * a block long was hashed too, and that block. */
	mbedtls_sha256_context	first;
	unsigned char		first_block[HMAC_BLOCK];
	int			have_first;
};

/* Starts ctx and hashes the key block k XORed with pad into it. */
static void
hmac_pad_state(mbedtls_sha256_context *ctx, const unsigned char *k,
    unsigned char pad)
{
	unsigned char b[HMAC_BLOCK];
	size_t i;

	for (i = 0; i < HMAC_BLOCK; i++)
		b[i] = k[i] ^ pad;
	mbedtls_sha256_init(ctx);
	if (mbedtls_sha256_starts_ret(ctx, 0) != 0 ||
	    mbedtls_sha256_update_ret(ctx, b, sizeof(b)) != 0)
		fatal("HMAC-SHA256 key setup failed");
	explicit_bzero(b, sizeof(b));
}

struct crypto_hmac_key *
crypto_hmac_key_new(const void *key, size_t keylen)
{
	struct crypto_hmac_key *hk;
	unsigned char k[HMAC_BLOCK];

	/* K is the key zero-padded to a block, or its hash when longer. */
	memset(k, 0, sizeof(k));
	if (keylen > HMAC_BLOCK)
		crypto_sha256(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);
	hk = xcalloc(1, sizeof(*hk));
	hmac_pad_state(&hk->inner, k, 0x36);
	hmac_pad_state(&hk->outer, k, 0x5c);
	mbedtls_sha256_init(&hk->first);
	explicit_bzero(k, sizeof(k));
	return hk;
}

void
crypto_hmac_key_free(struct crypto_hmac_key *hk)
{
	if (hk == NULL)
		return;
	/* mbedtls_sha256_free zeroes the contexts. */
	mbedtls_sha256_free(&hk->inner);
	mbedtls_sha256_free(&hk->outer);
	mbedtls_sha256_free(&hk->first);
	explicit_bzero(hk->first_block, sizeof(hk->first_block));
	free(hk);
}

/*
 * Starts ctx as the inner hash with as much of msg as a state kept in hk
 * already holds (its first block, when the last message at least a block
 * long began with the same); returns how many bytes of msg that was.
 */
static size_t
hmac_inner_start(struct crypto_hmac_key *hk, mbedtls_sha256_context *ctx,
    const unsigned char *msg, size_t msglen)
{
	if (msglen < HMAC_BLOCK) {
		mbedtls_sha256_clone(ctx, &hk->inner);
		return 0;
	}
	/* Not secret: the key is in neither operand. */
	if (!hk->have_first ||
	    memcmp(msg, hk->first_block, HMAC_BLOCK) != 0) {
		mbedtls_sha256_clone(&hk->first, &hk->inner);
		if (mbedtls_sha256_update_ret(&hk->first, msg, HMAC_BLOCK) != 0)
			fatal("HMAC-SHA256 failed");
		memcpy(hk->first_block, msg, HMAC_BLOCK);
		hk->have_first = 1;
	}
	mbedtls_sha256_clone(ctx, &hk->first);
	return HMAC_BLOCK;
}

/* H(K ^ opad || H(K ^ ipad || msg)), from copies of the prepared states,
 * so that one key may serve any number of callers. */
void
crypto_hmac_sha256_with(struct crypto_hmac_key *hk, const void *msg,
    size_t msglen, unsigned char out[CRYPTO_SHA256_LEN])
{
	mbedtls_sha256_context ctx;
	unsigned char ih[CRYPTO_SHA256_LEN];
	size_t done;

	if (msg == NULL)
		msg = "";
	mbedtls_sha256_init(&ctx);
	done = hmac_inner_start(hk, &ctx, msg, msglen);
	if (mbedtls_sha256_update_ret(&ctx, (const unsigned char *)msg + done,
	    msglen - done) != 0 ||
	    mbedtls_sha256_finish_ret(&ctx, ih) != 0)
		fatal("HMAC-SHA256 failed");
	mbedtls_sha256_clone(&ctx, &hk->outer);
	if (mbedtls_sha256_update_ret(&ctx, ih, sizeof(ih)) != 0 ||
	    mbedtls_sha256_finish_ret(&ctx, out) != 0)
		fatal("HMAC-SHA256 failed");
	mbedtls_sha256_free(&ctx);
	explicit_bzero(ih, sizeof(ih));
}

int
crypto_ct_equal(const void *a, const void *b, size_t len)
{
	return mbedtls_ct_memcmp(a, b, len) == 0;
}

/* Allocates a key whose context is set up for the given mbedTLS type. */
static struct crypto_pk *
pk_new(mbedtls_pk_type_t type)
{
	struct crypto_pk *pk;

	pk = xcalloc(1, sizeof(*pk));
	pk->ctx = xmalloc(sizeof(*pk->ctx));
	mbedtls_pk_init(pk->ctx);
	if (type != MBEDTLS_PK_NONE &&
	    mbedtls_pk_setup(pk->ctx, mbedtls_pk_info_from_type(type)) != 0) {
		crypto_pk_free(pk);
		return NULL;
	}
	return pk;
}

/*
 * Decides whether a loaded key is one we accept, and sets its type.  All
 * constructors end here so the policy lives in one place.
 */
static struct crypto_pk *
pk_accept(struct crypto_pk *pk)
{
	mbedtls_rsa_context *rsa;
	mbedtls_ecp_keypair *ec;

	if (pk == NULL)
		return NULL;
	if ((rsa = mbedtls_pk_rsa(*pk->ctx)) != NULL) {
		/* mbedtls_pk_get_bitlen() rounds RSA up to whole bytes. */
		if (mbedtls_rsa_check_pubkey(rsa) == 0 &&
		    mbedtls_mpi_bitlen(&rsa->N) >= RSA_MIN_BITS) {
			pk->type = CRYPTO_PK_RSA;
			return pk;
		}
	} else if (mbedtls_pk_get_type(pk->ctx) == MBEDTLS_PK_ECKEY &&
	    (ec = mbedtls_pk_ec(*pk->ctx)) != NULL) {
		if (ec->grp.id == MBEDTLS_ECP_DP_SECP256R1 &&
		    mbedtls_ecp_check_pubkey(&ec->grp, &ec->Q) == 0) {
			pk->type = CRYPTO_PK_EC_P256;
			return pk;
		}
	}
	crypto_pk_free(pk);
	return NULL;
}

struct crypto_pk *
crypto_pk_from_rsa(const unsigned char *n, size_t nlen,
    const unsigned char *e, size_t elen)
{
	struct crypto_pk *pk;
	mbedtls_rsa_context *rsa;

	if (n == NULL || nlen == 0 || e == NULL || elen == 0)
		return NULL;
	if ((pk = pk_new(MBEDTLS_PK_RSA)) == NULL)
		return NULL;
	rsa = mbedtls_pk_rsa(*pk->ctx);
	if (rsa == NULL ||
	    mbedtls_rsa_import_raw(rsa, n, nlen, NULL, 0, NULL, 0, NULL, 0,
	    e, elen) != 0 || mbedtls_rsa_complete(rsa) != 0) {
		crypto_pk_free(pk);
		return NULL;
	}
	return pk_accept(pk);
}

struct crypto_pk *
crypto_pk_from_p256(const unsigned char *x, size_t xlen,
    const unsigned char *y, size_t ylen)
{
	struct crypto_pk *pk;
	mbedtls_ecp_keypair *ec;
	unsigned char point[1 + 2 * P256_COORD_LEN];

	if (x == NULL || y == NULL || xlen != P256_COORD_LEN ||
	    ylen != P256_COORD_LEN)
		return NULL;
	/* SEC 1 uncompressed form: 0x04 || X || Y. */
	point[0] = 0x04;
	memcpy(point + 1, x, P256_COORD_LEN);
	memcpy(point + 1 + P256_COORD_LEN, y, P256_COORD_LEN);
	if ((pk = pk_new(MBEDTLS_PK_ECKEY)) == NULL)
		return NULL;
	ec = mbedtls_pk_ec(*pk->ctx);
	if (ec == NULL ||
	    mbedtls_ecp_group_load(&ec->grp, MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_ecp_point_read_binary(&ec->grp, &ec->Q, point,
	    sizeof(point)) != 0) {
		crypto_pk_free(pk);
		return NULL;
	}
	return pk_accept(pk);
}

struct crypto_pk *
crypto_pk_from_pem(const char *pem, size_t len)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	struct crypto_pk *pk;
	char *buf;
	int rc;

	/*
	 * mbedTLS wants PEM NUL-terminated with the NUL counted in the
	 * length, and would also take DER or PKCS#1: insist on the one
	 * documented form.
	 */
	if (pem == NULL || len == 0 || len > PEM_MAX_LEN ||
	    memchr(pem, '\0', len) != NULL ||
	    memmem(pem, len, begin, sizeof(begin) - 1) == NULL)
		return NULL;
	if ((pk = pk_new(MBEDTLS_PK_NONE)) == NULL)
		return NULL;
	buf = xstrndup(pem, len);
	rc = mbedtls_pk_parse_public_key(pk->ctx, (unsigned char *)buf,
	    len + 1);
	free(buf);
	if (rc != 0) {
		crypto_pk_free(pk);
		return NULL;
	}
	return pk_accept(pk);
}

enum crypto_pk_type
crypto_pk_type(const struct crypto_pk *pk)
{
	return pk->type;
}

void
crypto_pk_free(struct crypto_pk *pk)
{
	if (pk == NULL)
		return;
	mbedtls_pk_free(pk->ctx);
	free(pk->ctx);
	free(pk);
}

int
crypto_verify_rs256(const struct crypto_pk *pk, const void *msg,
    size_t msglen, const unsigned char *sig, size_t siglen)
{
	unsigned char hash[CRYPTO_SHA256_LEN];

	/* A signature is exactly as long as the modulus (RFC 8017 8.2.2). */
	if (pk == NULL || pk->type != CRYPTO_PK_RSA || sig == NULL ||
	    siglen != mbedtls_pk_get_len(pk->ctx))
		return 0;
	crypto_sha256(msg, msglen, hash);
	/* The context was set up with PKCS#1 v1.5 padding, mbedTLS's
	 * default for RSA keys, so this is RSASSA-PKCS1-v1_5. */
	return mbedtls_pk_verify(pk->ctx, MBEDTLS_MD_SHA256, hash,
	    sizeof(hash), sig, siglen) == 0;
}

int
crypto_verify_es256(const struct crypto_pk *pk, const void *msg,
    size_t msglen, const unsigned char *sig, size_t siglen)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	mbedtls_ecp_keypair *ec;
	mbedtls_mpi r, s;
	int ok = 0;

	if (pk == NULL || pk->type != CRYPTO_PK_EC_P256 || sig == NULL ||
	    siglen != ES256_SIG_LEN)
		return 0;
	if ((ec = mbedtls_pk_ec(*pk->ctx)) == NULL)
		return 0;
	crypto_sha256(msg, msglen, hash);
	/* JWS carries r || s as fixed-width big-endian (RFC 7518 3.4), not
	 * DER; mbedtls_ecdsa_verify refuses r or s outside [1, n-1]. */
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_mpi_read_binary(&r, sig, P256_COORD_LEN) == 0 &&
	    mbedtls_mpi_read_binary(&s, sig + P256_COORD_LEN,
	    P256_COORD_LEN) == 0 &&
	    mbedtls_ecdsa_verify(&ec->grp, hash, sizeof(hash), &ec->Q, &r,
	    &s) == 0)
		ok = 1;
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	return ok;
}

/* A GCM context keyed with key; fatal() when mbedTLS refuses. */
static void
gcm_init(mbedtls_gcm_context *g, const unsigned char *key)
{
	mbedtls_gcm_init(g);
	if (mbedtls_gcm_setkey(g, MBEDTLS_CIPHER_ID_AES, key,
	    CRYPTO_GCM_KEY_LEN * 8) != 0)
		fatal("AES-256-GCM: cannot set the key");
}

void
crypto_gcm_seal(const unsigned char key[CRYPTO_GCM_KEY_LEN],
    const unsigned char nonce[CRYPTO_GCM_NONCE_LEN], const void *aad,
    size_t aadlen, const void *pt, size_t len, unsigned char *out)
{
	mbedtls_gcm_context g;

	/* As for HMAC: no NULL pointers into mbedTLS, even for 0 bytes. */
	if (aad == NULL)
		aad = "";
	if (pt == NULL)
		pt = "";
	gcm_init(&g, key);
	if (mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, len, nonce,
	    CRYPTO_GCM_NONCE_LEN, aad, aadlen, pt, out, CRYPTO_GCM_TAG_LEN,
	    out + len) != 0)
		fatal("AES-256-GCM encryption failed");
	mbedtls_gcm_free(&g);
}

int
crypto_gcm_open(const unsigned char key[CRYPTO_GCM_KEY_LEN],
    const unsigned char nonce[CRYPTO_GCM_NONCE_LEN], const void *aad,
    size_t aadlen, const void *ct, size_t len, unsigned char *out)
{
	mbedtls_gcm_context g;
	const unsigned char *c = ct;
	size_t n;
	int rc;

	if (ct == NULL || len < CRYPTO_GCM_TAG_LEN)
		return -1;
	if (aad == NULL)
		aad = "";
	n = len - CRYPTO_GCM_TAG_LEN;
	gcm_init(&g, key);
	/* mbedTLS checks the tag in constant time and wipes out on failure. */
	rc = mbedtls_gcm_auth_decrypt(&g, n, nonce, CRYPTO_GCM_NONCE_LEN, aad,
	    aadlen, c + n, CRYPTO_GCM_TAG_LEN, c, out);
	mbedtls_gcm_free(&g);
	if (rc != 0) {
		explicit_bzero(out, n);
		return -1;
	}
	return 0;
}
