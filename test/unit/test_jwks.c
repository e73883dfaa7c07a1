/*
 * test_jwks: the RFC 7517 appendix A.1 public keys parse (one EC P-256,
 * one RSA) and, with the RFC 7515 A.2 and A.3 keys, verify those tokens;
 * keys lkgate has no use for are skipped with a reason; broken documents
 * and broken keys are refused with a message naming the key; the file
 * wrapper's limits; and HS256 secrets added to a keyset.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64url.h"
#include "crypto.h"
#include "jwks.h"
#include "tap.h"
#include "token.h"
#include "util.h"

/* RFC 7517 A.1, verbatim (its EC key is an encryption key). */
#define A1_EC_X	"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"
#define A1_EC_Y	"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"
#define A1_RSA_N							\
	"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zw" \
	"u1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY" \
	"4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAta" \
	"Sqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTW" \
	"hAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-k" \
	"EgU8awapJzKnqDKgw"
#define A1_EC								\
	"{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A1_EC_X "\"," \
	"\"y\":\"" A1_EC_Y "\",\"use\":\"%s\",\"kid\":\"1\"}"
#define A1_RSA								\
	"{\"kty\":\"RSA\",\"n\":\"" A1_RSA_N "\",\"e\":\"AQAB\"," \
	"\"alg\":\"RS256\",\"kid\":\"2011-04-29\"}"

/* RFC 7515 A.2 (RS256) and A.3 (ES256): tokens and their public keys. */
#define RFC7515_PAYLOAD							\
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6"	\
	"Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
#define RFC7515_NOW	1300819000
static const char a2_jws[] =
    "eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";
#define A2_N								\
	"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx"	\
	"HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs"	\
	"D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH"	\
	"SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV"	\
	"MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8"	\
	"NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ"
static const char a3_jws[] =
    "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q";
#define A3_X	"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
#define A3_Y	"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"

/* The skip reasons reported by the last parse, joined by "|". */
static char skipped[2048];

static void
on_skip(void *arg, size_t i, const char *kid, const char *why)
{
	size_t n = strlen(skipped);

	(void)arg;
	snprintf(skipped + n, sizeof(skipped) - n, "%s%zu:%s:%s",
	    n > 0 ? "|" : "", i, kid != NULL ? kid : "-", why);
}

/* Parses text; returns the keyset, *err holding the message or NULL. */
static struct token_keyset *
parse(const char *text, char **err)
{
	skipped[0] = '\0';
	return jwks_parse(text, strlen(text), on_skip, NULL, err);
}

/* Expects text to be refused with exactly want. */
static void
refused(const char *text, const char *want, const char *name)
{
	struct token_keyset *ks;
	char *err = NULL;

	ks = parse(text, &err);
	ok(ks == NULL, "%s: refused", name);
	is_str(err, want, name);
	jwks_free(ks);
	free(err);
}

static enum token_err
verify(const struct token_keyset *ks, const char *jwt)
{
	struct token_verify_opts o = { RFC7515_NOW, 0, NULL, NULL, 1 };

	return token_verify(ks, jwt, strlen(jwt), &o, NULL);
}

static void
test_rfc7517_a1(void)
{
	struct token_keyset *ks;
	char *text, *err = NULL;

	text = xasprintf("{\"keys\":[" A1_EC ",\n" A1_RSA "]}", "enc");
	ks = parse(text, &err);
	free(text);
	ok(ks != NULL, "A.1 as published parses");
	if (ks == NULL) {
		printf("# %s\n", err);
		free(err);
		return;
	}
	is_int((long long)ks->nkeys, 1, "A.1: one signing key");
	is_int(ks->keys[0].alg, TOKEN_RS256, "A.1: the RSA key is RS256");
	is_str(ks->keys[0].kid, "2011-04-29", "A.1: the RSA key's kid kept");
	is_int(crypto_pk_type(ks->keys[0].pk), CRYPTO_PK_RSA,
	    "A.1: an RSA public key");
	is_str(skipped, "0:1:use \"enc\" is not \"sig\"",
	    "A.1: the encryption key is skipped with its reason");
	jwks_free(ks);

	text = xasprintf("{\"keys\":[" A1_EC ",\n" A1_RSA "]}", "sig");
	ks = parse(text, &err);
	free(text);
	ok(ks != NULL && ks->nkeys == 2, "A.1 with use sig: both keys");
	if (ks != NULL && ks->nkeys == 2) {
		is_int(ks->keys[0].alg, TOKEN_ES256, "A.1: EC key is ES256");
		is_str(ks->keys[0].kid, "1", "A.1: the EC key's kid kept");
		is_int(crypto_pk_type(ks->keys[0].pk), CRYPTO_PK_EC_P256,
		    "A.1: a P-256 public key");
		is_str(skipped, "", "A.1 with use sig: nothing skipped");
	}
	jwks_free(ks);
	free(err);
}

/* Keys from a JWKS verify real tokens, each with its own algorithm. */
static void
test_rfc7515_tokens(void)
{
	struct token_keyset *ks;
	char *err = NULL, *t;

	ks = parse("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"r\",\"n\":\"" A2_N
	    "\",\"e\":\"AQAB\"},{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
	    A3_X "\",\"y\":\"" A3_Y "\",\"use\":\"sig\",\"key_ops\":"
	    "[\"verify\"]}]}", &err);
	ok(ks != NULL && ks->nkeys == 2, "A.2 and A.3 keys parse, alg absent");
	if (ks == NULL) {
		printf("# %s\n", err);
		free(err);
		return;
	}
	is_int(ks->keys[0].alg, TOKEN_RS256, "no alg, kty RSA: RS256");
	is_int(ks->keys[1].alg, TOKEN_ES256, "no alg, kty EC: ES256");
	ok(ks->keys[1].kid == NULL, "no kid: NULL");
	is_int(verify(ks, a2_jws), TOKEN_OK, "RFC 7515 A.2 verifies (RS256)");
	is_int(verify(ks, a3_jws), TOKEN_OK, "RFC 7515 A.3 verifies (ES256)");
	t = xstrdup(a3_jws);
	t[strlen(t) - 3] = t[strlen(t) - 3] == 'A' ? 'B' : 'A';
	is_int(verify(ks, t), TOKEN_BAD_SIGNATURE, "tampered A.3 fails");
	free(t);
	jwks_free(ks);
}

static void
test_skipped(void)
{
	static const char mixed[] = "{\"keys\":[{\"kty\":\"oct\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\""
	    A3_Y "\"}]}";
	struct token_keyset *ks;
	char *err = NULL;

	ks = parse("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-384\",\"x\":\"AA\",\"y\":\"AA\","
	    "\"kid\":\"p384\"},"
	    "{\"kty\":\"RSA\",\"alg\":\"RS512\",\"n\":\"" A2_N "\","
	    "\"e\":\"AQAB\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES384\",\"x\":\""
	    A3_X "\",\"y\":\"" A3_Y "\"},"
	    "{\"kty\":\"RSA\",\"alg\":\"none\",\"n\":\"" A2_N "\","
	    "\"e\":\"AQAB\"},"
	    "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AA\"},"
	    "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X "\",\"y\":\""
	    A3_Y "\",\"kid\":\"good\"}]}", &err);
	ok(ks != NULL && ks->nkeys == 1, "unusable keys skipped, one kept");
	if (ks != NULL && ks->nkeys == 1)
		is_str(ks->keys[0].kid, "good", "the usable key is kept");
	is_str(skipped,
	    "0:-:kty \"oct\" is not supported|"
	    "1:p384:crv \"P-384\" is not supported|"
	    "2:-:alg \"RS512\" is not supported|"
	    "3:-:alg \"ES384\" is not supported|"
	    "4:-:alg \"none\" is not supported|"
	    "5:-:kty \"OKP\" is not supported",
	    "each skipped key reported with its reason");
	jwks_free(ks);
	free(err);
	ks = jwks_parse(mixed, strlen(mixed), NULL, NULL, &err);
	ok(ks != NULL && ks->nkeys == 1, "a NULL skip callback is allowed");
	jwks_free(ks);
	free(err);
}

static void
test_bad_documents(void)
{
	refused("", "not a JWKS: body is not valid JSON", "empty text");
	refused("{\"keys\":[", "not a JWKS: body is not valid JSON",
	    "truncated JSON");
	refused("[]", "not a JWKS: body is not a JSON object",
	    "an array, not an object");
	refused("{}", "not a JWKS: no \"keys\" array", "no keys");
	refused("{\"keys\":{}}", "not a JWKS: no \"keys\" array",
	    "keys not an array");
	refused("{\"keys\":[],\"keys\":[]}",
	    "not a JWKS: body repeats a key within an object",
	    "duplicate member");
	refused("{\"keys\":[]}",
	    "holds no usable signing key (RS256 or ES256)", "empty keys");
	refused("{\"keys\":[{\"kty\":\"oct\",\"k\":\"AAAA\"}]}",
	    "holds no usable signing key (RS256 or ES256)",
	    "only unusable keys");
	ok(strstr(skipped, "oct") != NULL,
	    "the skipped keys are still reported when none is left");
}

static void
test_bad_keys(void)
{
	char *n1024, *text;
	unsigned char *n;
	size_t nlen;

	refused("{\"keys\":[1]}", "keys[0]: is not an object", "a number");
	refused("{\"keys\":[{\"n\":\"AQAB\"}]}", "keys[0]: has no \"kty\"",
	    "no kty");
	refused("{\"keys\":[{\"kty\":1}]}", "keys[0]: \"kty\" is not a string",
	    "kty not a string");
	refused("{\"keys\":[{\"kty\":\"RSA\",\"kid\":7}]}",
	    "keys[0]: \"kid\" is not a string", "kid not a string");
	refused("{\"keys\":[{\"kty\":\"RSA\",\"use\":[\"sig\"]}]}",
	    "keys[0]: \"use\" is not a string", "use not a string");
	refused("{\"keys\":[{\"kty\":\"RSA\",\"alg\":256,\"n\":\"" A2_N
	    "\",\"e\":\"AQAB\"}]}", "keys[0]: \"alg\" is not a string",
	    "alg not a string");
	refused("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k\",\"e\":\"AQAB\"}]}",
	    "keys[0] (kid \"k\"): has no \"n\"", "RSA without n");
	refused("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" A2_N "\"}]}",
	    "keys[0]: has no \"e\"", "RSA without e");
	refused("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" A2_N "\",\"e\":"
	    "\"AQAB==\"}]}", "keys[0]: \"e\" is not base64url",
	    "padded base64");
	refused("{\"keys\":[{\"kty\":\"RSA\",\"n\":\"" A2_N "\",\"e\":"
	    "\"\"}]}", "keys[0]: is not a valid RSA public key of at least "
	    "2048 bits", "empty exponent");
	n = NULL;
	if (b64url_decode(A2_N, strlen(A2_N), &n, &nlen) == -1)
		exit(99);
	n1024 = b64url_encode(n, 128);
	free(n);
	text = xasprintf("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"small\","
	    "\"n\":\"%s\",\"e\":\"AQAB\"}]}", n1024);
	refused(text, "keys[0] (kid \"small\"): is not a valid RSA public key "
	    "of at least 2048 bits", "a 1024-bit modulus");
	free(text);
	free(n1024);
	refused("{\"keys\":[{\"kty\":\"EC\",\"x\":\"" A3_X "\"}]}",
	    "keys[0]: has no \"crv\"", "EC without crv");
	refused("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X
	    "\",\"y\":\"" A1_EC_Y "\"}]}", "keys[0]: is not a point of P-256",
	    "a point off the curve");
	refused("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\","
	    "\"y\":\"" A3_Y "\"}]}", "keys[0]: is not a point of P-256",
	    "a short coordinate");
	refused("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X
	    "\",\"y\":\"" A3_Y "\",\"d\":\"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1"
	    "fCE9-E9LI\"}]}", "keys[0]: holds a private key (\"d\"); give "
	    "public keys only", "a private key");
	refused("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" A3_X
	    "\",\"y\":\"" A3_Y "\"},{\"kty\":\"RSA\",\"kid\":\"second\"}]}",
	    "keys[1] (kid \"second\"): has no \"n\"",
	    "a bad key after a good one");
}

static void
test_too_many(void)
{
	char *text, *t;
	int i;

	text = xstrdup("{\"keys\":[");
	for (i = 0; i <= JWKS_MAX_KEYS; i++) {
		t = xasprintf("%s%s{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\""
		    A3_X "\",\"y\":\"" A3_Y "\"}", text, i > 0 ? "," : "");
		free(text);
		text = t;
	}
	t = xasprintf("%s]}", text);
	free(text);
	refused(t, "keys[64]: is one key too many (at most 64)",
	    "65 keys");
	free(t);
}

/* Writes data to a new file under /tmp; the caller unlinks and frees. */
static char *
write_tmp(const char *data, size_t len)
{
	char path[] = "/tmp/test_jwks.XXXXXX";
	int fd;

	if ((fd = mkstemp(path)) == -1 ||
	    write(fd, data, len) != (ssize_t)len || close(fd) == -1) {
		perror("write_tmp");
		exit(99);
	}
	return xstrdup(path);
}

static void
test_file(void)
{
	struct token_keyset *ks;
	char *path, *err = NULL, *big, *want;
	const char *doc = "{\"keys\":[" A1_RSA "]}";

	path = write_tmp(doc, strlen(doc));
	ks = jwks_load_file(path, NULL, NULL, &err);
	ok(ks != NULL && ks->nkeys == 1 && err == NULL, "a file loads");
	jwks_free(ks);
	unlink(path);
	free(path);

	path = write_tmp("{\"keys\":[]}", 11);
	ks = jwks_load_file(path, NULL, NULL, &err);
	want = xasprintf("%s: holds no usable signing key (RS256 or ES256)",
	    path);
	ok(ks == NULL, "a file without keys is refused");
	is_str(err, want, "the message starts with the path");
	FREE_AND_NULL(err);
	free(want);
	unlink(path);
	free(path);

	/* Valid JSON of exactly the cap loads; one byte more does not. */
	big = xmalloc(JWKS_FILE_MAX + 2);
	memset(big, ' ', JWKS_FILE_MAX + 1);
	memcpy(big, doc, strlen(doc));
	path = write_tmp(big, JWKS_FILE_MAX);
	ks = jwks_load_file(path, NULL, NULL, &err);
	ok(ks != NULL, "a file of exactly 1 MiB loads");
	jwks_free(ks);
	unlink(path);
	free(path);
	path = write_tmp(big, JWKS_FILE_MAX + 1);
	ks = jwks_load_file(path, NULL, NULL, &err);
	want = xasprintf("%s: larger than %d bytes", path, JWKS_FILE_MAX);
	ok(ks == NULL, "a file over 1 MiB is refused");
	is_str(err, want, "over 1 MiB: the message says so");
	FREE_AND_NULL(err);
	free(want);
	unlink(path);
	free(path);
	free(big);

	ks = jwks_load_file("/nonexistent/jwks.json", NULL, NULL, &err);
	ok(ks == NULL, "a missing file is refused");
	is_str(err, "/nonexistent/jwks.json: No such file or directory",
	    "missing file: the message names it");
	FREE_AND_NULL(err);
	ks = jwks_load_file("/tmp", NULL, NULL, &err);
	ok(ks == NULL, "a directory is refused");
	is_str(err, "/tmp: not a regular file", "directory: message");
	free(err);
}

/* HMAC-SHA256 token of a fixed payload, for the secrets below. */
static char *
hs256_token(const char *secret)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	static const char payload[] = "{\"sub\":\"u\",\"exp\":1300819380}";
	unsigned char mac[CRYPTO_SHA256_LEN];
	char *h, *p, *input, *s, *jwt;

	h = b64url_encode(header, strlen(header));
	p = b64url_encode(payload, strlen(payload));
	input = xasprintf("%s.%s", h, p);
	crypto_hmac_sha256(secret, strlen(secret), input, strlen(input), mac);
	s = b64url_encode(mac, sizeof(mac));
	jwt = xasprintf("%s.%s", input, s);
	free(h);
	free(p);
	free(input);
	free(s);
	return jwt;
}

static void
test_add_secret(void)
{
	static const char secret[] = "0123456789abcdef0123456789abcdef";
	struct token_keyset *ks = NULL;
	char *err = NULL, *good, *bad;

	good = hs256_token(secret);
	bad = hs256_token("another-secret-of-32-characters!");
	jwks_add_secret(&ks, secret, strlen(secret));
	ok(ks != NULL && ks->nkeys == 1, "a secret makes a keyset");
	if (ks == NULL)
		return;
	is_int(ks->keys[0].alg, TOKEN_HS256, "the secret is an HS256 key");
	ok(ks->keys[0].kid == NULL, "with no kid");
	is_int(verify(ks, good), TOKEN_OK, "its tokens verify");
	is_int(verify(ks, bad), TOKEN_BAD_SIGNATURE, "others' do not");
	jwks_free(ks);

	ks = parse("{\"keys\":[" A1_RSA "]}", &err);
	if (ks == NULL)
		exit(99);
	jwks_add_secret(&ks, secret, strlen(secret));
	is_int((long long)ks->nkeys, 2, "a secret is added to a JWKS's keys");
	is_int(verify(ks, good), TOKEN_OK, "HS256 verifies beside RS256");
	jwks_free(ks);
	jwks_free(NULL);
	ok(1, "jwks_free(NULL) is a no-op");
	free(good);
	free(bad);
}

int
main(void)
{
	test_rfc7517_a1();
	test_rfc7515_tokens();
	test_skipped();
	test_bad_documents();
	test_bad_keys();
	test_too_many();
	test_file();
	test_add_secret();
	return tap_done();
}
