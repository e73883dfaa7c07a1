/*
 * test_crypto: RFC 4231 HMAC-SHA256 cases, FIPS 180 SHA-256 of "abc", the
 * RFC 7515 appendix A.2 (RS256) and A.3 (ES256) signatures with their
 * published keys, and the keys and signatures that must be refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "tap.h"

/* RFC 7515 A.2 and A.3 share this payload. */
#define RFC7515_PAYLOAD							\
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6"	\
	"Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
#define A2_INPUT	"eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD
#define A3_INPUT	"eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD

static const char a2_n[] =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx"
    "HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs"
    "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH"
    "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV"
    "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8"
    "NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
static const char a2_e[] = "AQAB";
static const char a2_sig[] =
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";
static const char a3_x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
static const char a3_y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
static const char a3_sig[] =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q";

/* The A.2 and A.3 public keys as SubjectPublicKeyInfo PEM. */
static const char a2_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAofgWCuLjybRlzo0tZWJj\n"
    "NiuSfb4p4fAkd/wWJcyQoTbji9k0l8W26mPddxHmfHQp+Vaw+4qPCJrcS2mJPMEz\n"
    "P1Pt0Bm4d4QlL+yRT+SFd2lZS+pCgNMsD1W/YpRPEwOWvG6b32690r2jZ47soMZo\n"
    "9wGzjb/7OMg0LOL+bSf63kpaSHSXndS5z5rexMdbBYUsLA9e+KXBdQOS+UTo7WTB\n"
    "EMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6/I5IhlJH7aGhyxX\n"
    "FvUK+DWNmoudF8NAco9/h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXp\n"
    "oQIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char a3_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEf83OJ3D2xF1Bg8vub9tLe1gHMzV7\n"
    "6e8Tus9uPHvRVEXH8UTNG72bfocs3+257rn0s2ldbqkLJK2KRiMohYjlrQ==\n"
    "-----END PUBLIC KEY-----\n";
/* A 1024-bit RSA key and a P-384 key: well-formed, but not accepted. */
static const char rsa1024_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDfWqszrJI8zVf+Of18sefTfirS\n"
    "K/piPzquaPiu382CQ5V3lt4h/GttOyt1+Zw52fBMbqZqxxJy6KMIYN9+wktqPIY7\n"
    "oHVZVJyJ6l875+YVnU5vTFV6ARRUk7/6tNKKkmiyRLtxrjNl3eyXTeUwYg2ROku/\n"
    "R6jT8iB/TCwImiA+zwIDAQAB\n"
    "-----END PUBLIC KEY-----\n";
static const char rsa1024_n[] =
    "df5aab33ac923ccd57fe39fd7cb1e7d37e2ad22bfa623f3aae68f8aedfcd8243"
    "957796de21fc6b6d3b2b75f99c39d9f04c6ea66ac71272e8a30860df7ec24b6a"
    "3c863ba07559549c89ea5f3be7e6159d4e6f4c557a01145493bffab4d28a9268"
    "b244bb71ae3365ddec974de530620d913a4bbf47a8d3f2207f4c2c089a203ecf";
static const char p384_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEqbmkeYDPHIesNDKUfW9LivpvVAh+RCh7\n"
    "5FBLpG06KDy3LRZviaRwe4gB9Ruabd911Z9UJIrAtaWwLio6GsJ3j9QL/T75llx2\n"
    "ekTRnPZrajBAX3bHy2CgktJefzp27siR\n"
    "-----END PUBLIC KEY-----\n";

/* Decodes hex into a buffer of at least strlen(hex) / 2 bytes. */
static size_t
unhex(const char *hex, unsigned char *out)
{
	size_t i, n = strlen(hex) / 2;
	char byte[3] = { 0 };

	for (i = 0; i < n; i++) {
		memcpy(byte, hex + 2 * i, 2);
		out[i] = (unsigned char)strtoul(byte, NULL, 16);
	}
	return n;
}

/* Returns the decoded base64url text; the test stops if it is invalid. */
static unsigned char *
unb64(const char *s, size_t *len)
{
	unsigned char *out;

	if (b64url_decode(s, strlen(s), &out, len) != 0) {
		ok(0, "test vector %.16s... decodes", s);
		exit(tap_done());
	}
	return out;
}

static void
check_hmac(const void *key, size_t keylen, const char *msg, size_t msglen,
    const char *want_hex, const char *name)
{
	unsigned char got[CRYPTO_SHA256_LEN], want[CRYPTO_SHA256_LEN];

	struct crypto_hmac_key *hk;
	char pname[128];

	unhex(want_hex, want);
	crypto_hmac_sha256(key, keylen, msg, msglen, got);
	tap_is_mem(got, sizeof(got), want, sizeof(want), name);
	hk = crypto_hmac_key_new(key, keylen);
	crypto_hmac_sha256_with(hk, msg, msglen, got);
	crypto_hmac_key_free(hk);
	snprintf(pname, sizeof(pname), "%s, prepared key", name);
	tap_is_mem(got, sizeof(got), want, sizeof(want), pname);
}

/* A prepared key MACs as crypto_hmac_sha256 does, around the block size
 * for keys and messages alike, and one key serves many messages. */
static void
test_hmac_prepared(void)
{
	unsigned char key[200], msg[300], a[CRYPTO_SHA256_LEN],
	    b[CRYPTO_SHA256_LEN];
	static const size_t klens[] = { 0, 1, 31, 32, 63, 64, 65, 128, 200 };
	static const size_t mlens[] = { 0, 1, 55, 56, 63, 64, 65, 119, 120,
	    300 };
	struct crypto_hmac_key *hk;
	size_t i, j;
	int same = 1;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 7 + 3);
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)(i * 13 + 5);
	for (i = 0; i < sizeof(klens) / sizeof(klens[0]); i++) {
		hk = crypto_hmac_key_new(key, klens[i]);
		for (j = 0; j < sizeof(mlens) / sizeof(mlens[0]); j++) {
			crypto_hmac_sha256(key, klens[i], msg, mlens[j], a);
			crypto_hmac_sha256_with(hk, msg, mlens[j], b);
			same &= memcmp(a, b, sizeof(a)) == 0;
		}
		crypto_hmac_key_free(hk);
	}
	ok(same, "prepared keys of 0 to 200 bytes MAC messages of 0 to "
	    "300 bytes as crypto_hmac_sha256 does");
	hk = crypto_hmac_key_new(NULL, 0);
	crypto_hmac_sha256_with(hk, NULL, 0, a);
	crypto_hmac_sha256("", 0, "", 0, b);
	crypto_hmac_key_free(hk);
	tap_is_mem(a, sizeof(a), b, sizeof(b), "empty key and NULL message");
	crypto_hmac_key_free(NULL);
}

/* The first-block memo of a prepared key: messages one after another
 * that begin alike, or not, in the last byte of the block or the first
 * after it, longer and shorter than a block, MAC as crypto_hmac_sha256
 * does. */
static void
test_hmac_first_block(void)
{
	static const struct {
		size_t	len;
		size_t	flip;	/* the byte changed from the base; 999: none */
	} seq[] = {
		{ 300, 999 }, { 300, 64 }, { 64, 999 }, { 300, 63 },
		{ 300, 999 }, { 10, 999 }, { 300, 999 }, { 65, 0 },
		{ 63, 999 }, { 64, 63 }, { 200, 999 }, { 128, 100 },
	};
	unsigned char key[32], msg[300], a[CRYPTO_SHA256_LEN],
	    b[CRYPTO_SHA256_LEN];
	struct crypto_hmac_key *hk;
	size_t i;
	int same = 1;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (unsigned char)(i * 11 + 1);
	hk = crypto_hmac_key_new(key, sizeof(key));
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		memset(msg, 'm', sizeof(msg));
		if (seq[i].flip < sizeof(msg))
			msg[seq[i].flip] = 'x';
		crypto_hmac_sha256(key, sizeof(key), msg, seq[i].len, a);
		crypto_hmac_sha256_with(hk, msg, seq[i].len, b);
		if (memcmp(a, b, sizeof(a)) != 0) {
			tap_ok(0, "message %zu (%zu bytes, byte %zu changed)",
			    i, seq[i].len, seq[i].flip);
			same = 0;
		}
	}
	crypto_hmac_key_free(hk);
	ok(same, "a prepared key MACs messages that begin alike or not, one "
	    "after another, as crypto_hmac_sha256 does");
}

static void
test_hmac(void)
{
	unsigned char k[131], d[50];
	static const char tc6[] =
	    "Test Using Larger Than Block-Size Key - Hash Key First";
	static const char tc7[] =
	    "This is a test using a larger than block-size key and a larger "
	    "than block-size data. The key needs to be hashed before being "
	    "used by the HMAC algorithm.";
	size_t i;

	memset(k, 0x0b, 20);
	check_hmac(k, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7", "RFC 4231 test case 1");
	check_hmac("Jefe", 4, "what do ya want for nothing?", 28,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	    "RFC 4231 test case 2");
	memset(k, 0xaa, 20);
	memset(d, 0xdd, 50);
	check_hmac(k, 20, (const char *)d, 50, "773ea91e36800e46854db8ebd091"
	    "81a72959098b3ef8c122d9635514ced565fe", "RFC 4231 test case 3");
	for (i = 0; i < 25; i++)
		k[i] = (unsigned char)(i + 1);
	memset(d, 0xcd, 50);
	check_hmac(k, 25, (const char *)d, 50, "82558a389a443c0ea4cc819899f2"
	    "083a85f0faa3e578f8077a2e3ff46729665b", "RFC 4231 test case 4");
	memset(k, 0xaa, 131);
	check_hmac(k, 131, tc6, strlen(tc6), "60e431591ee0b67f0d8a26aacbf5b7"
	    "7f8e0bc6213728c5140546040f0ee37f54", "RFC 4231 test case 6");
	check_hmac(k, 131, tc7, strlen(tc7), "9b09ffa71b942fcb27635fbcd5b0e9"
	    "44bfdc63644f0713938a7f51535c3a35e2", "RFC 4231 test case 7");
}

static void
test_sha256_and_ct(void)
{
	unsigned char got[CRYPTO_SHA256_LEN], want[CRYPTO_SHA256_LEN];

	unhex("ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad", want);
	crypto_sha256("abc", 3, got);
	tap_is_mem(got, sizeof(got), want, sizeof(want), "SHA-256(\"abc\")");
	unhex("e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855", want);
	crypto_sha256(NULL, 0, got);
	tap_is_mem(got, sizeof(got), want, sizeof(want), "SHA-256 of nothing");
	ok(crypto_ct_equal("abcdef", "abcdef", 6), "ct_equal: equal");
	ok(!crypto_ct_equal("abcdef", "abcdeF", 6), "ct_equal: last differs");
	ok(!crypto_ct_equal("xbcdef", "abcdef", 6), "ct_equal: first differs");
	ok(crypto_ct_equal("a", "b", 0), "ct_equal: empty is equal");
}

static struct crypto_pk *
a2_key(void)
{
	unsigned char *n, *e;
	size_t nlen, elen;
	struct crypto_pk *pk;

	n = unb64(a2_n, &nlen);
	e = unb64(a2_e, &elen);
	pk = crypto_pk_from_rsa(n, nlen, e, elen);
	free(n);
	free(e);
	return pk;
}

static void
check_rs256(const struct crypto_pk *pk, const char *name)
{
	unsigned char *sig;
	size_t siglen;
	char input[] = A2_INPUT;

	sig = unb64(a2_sig, &siglen);
	ok(crypto_verify_rs256(pk, input, strlen(input), sig, siglen),
	    "%s: RFC 7515 A.2 signature verifies", name);
	ok(!crypto_verify_es256(pk, input, strlen(input), sig, siglen),
	    "%s: an RSA key never verifies ES256", name);
	ok(!crypto_verify_rs256(pk, input, strlen(input), sig, siglen - 1),
	    "%s: short signature refused", name);
	sig[siglen - 1] ^= 0x01;
	ok(!crypto_verify_rs256(pk, input, strlen(input), sig, siglen),
	    "%s: tampered signature refused", name);
	sig[siglen - 1] ^= 0x01;
	input[strlen(input) - 1] ^= 0x01;
	ok(!crypto_verify_rs256(pk, input, strlen(input), sig, siglen),
	    "%s: tampered message refused", name);
	free(sig);
}

/* The A.2 modulus with its top bit cleared (2047 bits), and with a
 * leading zero byte (still 2048 bits). */
static void
test_rsa_sizes(void)
{
	unsigned char *n, *n0, e[3] = { 0x01, 0x00, 0x01 };
	struct crypto_pk *pk;
	size_t nlen;

	n = unb64(a2_n, &nlen);
	n0 = calloc(1, nlen + 1);
	memcpy(n0 + 1, n, nlen);
	pk = crypto_pk_from_rsa(n0, nlen + 1, e, sizeof(e));
	ok(pk != NULL, "leading zero byte in the modulus accepted");
	crypto_pk_free(pk);
	n[0] &= 0x7f;
	ok(crypto_pk_from_rsa(n, nlen, e, sizeof(e)) == NULL,
	    "2047-bit modulus refused");
	free(n);
	free(n0);
}

static void
test_rsa(void)
{
	struct crypto_pk *pk;
	unsigned char n[128], e[3] = { 0x01, 0x00, 0x01 };
	size_t nlen;

	pk = a2_key();
	ok(pk != NULL && crypto_pk_type(pk) == CRYPTO_PK_RSA,
	    "RFC 7515 A.2 JWK n/e give an RSA key");
	check_rs256(pk, "JWK key");
	crypto_pk_free(pk);

	pk = crypto_pk_from_pem(a2_pem, strlen(a2_pem));
	ok(pk != NULL && crypto_pk_type(pk) == CRYPTO_PK_RSA,
	    "A.2 key from PEM");
	check_rs256(pk, "PEM key");
	crypto_pk_free(pk);

	nlen = unhex(rsa1024_n, n);
	ok(crypto_pk_from_rsa(n, nlen, e, sizeof(e)) == NULL,
	    "1024-bit modulus refused");
	ok(crypto_pk_from_pem(rsa1024_pem, strlen(rsa1024_pem)) == NULL,
	    "1024-bit PEM key refused");
	ok(crypto_pk_from_rsa(n, nlen, e, 0) == NULL, "empty exponent refused");
	ok(crypto_verify_rs256(NULL, "x", 1, n, nlen) == 0, "NULL key refused");
}

static struct crypto_pk *
a3_key(int tweak_y)
{
	unsigned char *x, *y;
	size_t xlen, ylen;
	struct crypto_pk *pk;

	x = unb64(a3_x, &xlen);
	y = unb64(a3_y, &ylen);
	y[ylen - 1] ^= (unsigned char)tweak_y;
	pk = crypto_pk_from_p256(x, xlen, y, ylen);
	free(x);
	free(y);
	return pk;
}

static void
check_es256(const struct crypto_pk *pk, const char *name)
{
	unsigned char *sig, zero[64];
	size_t siglen;
	char input[] = A3_INPUT;

	sig = unb64(a3_sig, &siglen);
	ok(crypto_verify_es256(pk, input, strlen(input), sig, siglen),
	    "%s: RFC 7515 A.3 signature verifies", name);
	ok(!crypto_verify_rs256(pk, input, strlen(input), sig, siglen),
	    "%s: an EC key never verifies RS256", name);
	ok(!crypto_verify_es256(pk, input, strlen(input), sig, 63),
	    "%s: 63-byte signature refused", name);
	sig[5] ^= 0x80;
	ok(!crypto_verify_es256(pk, input, strlen(input), sig, siglen),
	    "%s: tampered r refused", name);
	sig[5] ^= 0x80;
	sig[40] ^= 0x01;
	ok(!crypto_verify_es256(pk, input, strlen(input), sig, siglen),
	    "%s: tampered s refused", name);
	sig[40] ^= 0x01;
	input[0] = 'f';
	ok(!crypto_verify_es256(pk, input, strlen(input), sig, siglen),
	    "%s: tampered message refused", name);
	memset(zero, 0, sizeof(zero));
	ok(!crypto_verify_es256(pk, A3_INPUT, strlen(A3_INPUT), zero, 64),
	    "%s: r = s = 0 refused", name);
	free(sig);
}

static void
test_ec(void)
{
	struct crypto_pk *pk;
	static const unsigned char b32[32];

	pk = a3_key(0);
	ok(pk != NULL && crypto_pk_type(pk) == CRYPTO_PK_EC_P256,
	    "RFC 7515 A.3 x/y give a P-256 key");
	check_es256(pk, "JWK key");
	crypto_pk_free(pk);

	pk = crypto_pk_from_pem(a3_pem, strlen(a3_pem));
	ok(pk != NULL && crypto_pk_type(pk) == CRYPTO_PK_EC_P256,
	    "A.3 key from PEM");
	check_es256(pk, "PEM key");
	crypto_pk_free(pk);

	ok(a3_key(0x01) == NULL, "point off the curve refused");
	ok(crypto_pk_from_p256(b32, 32, b32, 32) == NULL,
	    "point (0, 0) refused");
	ok(crypto_pk_from_p256(b32, 31, b32, 32) == NULL,
	    "31-byte coordinate refused");
	ok(crypto_pk_from_pem(p384_pem, strlen(p384_pem)) == NULL,
	    "P-384 PEM key refused");
}

static void
test_pem_refusals(void)
{
	static const char garbage[] =
	    "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
	char buf[sizeof(a2_pem)];

	ok(crypto_pk_from_pem("", 0) == NULL, "empty PEM refused");
	ok(crypto_pk_from_pem(garbage, strlen(garbage)) == NULL,
	    "garbage PEM refused");
	memcpy(buf, a2_pem, sizeof(buf));
	buf[100] = '\0';
	ok(crypto_pk_from_pem(buf, sizeof(buf) - 1) == NULL,
	    "PEM with a NUL refused");
	ok(crypto_pk_from_pem(a2_pem, strlen(a2_pem) - 30) == NULL,
	    "truncated PEM refused");
	memcpy(buf, a2_pem, sizeof(buf));
	memcpy(buf + 11, "RSA PUBLIC", 10);
	ok(crypto_pk_from_pem(buf, sizeof(buf) - 1) == NULL,
	    "other PEM label refused");
}

int
main(void)
{
	test_hmac();
	test_hmac_prepared();
	test_hmac_first_block();
	test_sha256_and_ct();
	test_rsa();
	test_rsa_sizes();
	test_ec();
	test_pem_refusals();
	return tap_done();
}
