/*
 * test_token: the RFC 7515 appendix A.1-A.3 tokens verify and their
 * tampered forms do not; algorithm pinning ("none", HS256 MACed with an
 * RSA public key); kid choice; time, issuer and audience checks; the exact
 * payload of LiveKit tokens; and LiveKit webhook verification.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "json.h"
#include "tap.h"
#include "token.h"

#define RFC7515_PAYLOAD							\
	"eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6"	\
	"Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
#define RFC7515_NOW	1300819000	/* before the vectors' exp */
#define RFC7515_EXP	1300819380

static const char a1_jws[] =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9." RFC7515_PAYLOAD
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
static const char a1_k[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4h"
    "cgUuTwjAzZr1Z9CAow";
static const char a2_jws[] =
    "eyJhbGciOiJSUzI1NiJ9." RFC7515_PAYLOAD "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7"
    "AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4"
    "BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K"
    "0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqv"
    "hJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrB"
    "p0igcN_IoypGlUPQGe77Rw";
static const char a2_n[] =
    "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddx"
    "HmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMs"
    "D1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSH"
    "SXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdV"
    "MTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8"
    "NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
static const char a2_e[] = "AQAB";
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
static const char a3_jws[] =
    "eyJhbGciOiJFUzI1NiJ9." RFC7515_PAYLOAD "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSA"
    "pmWQxfKTUJqPP3-Kg6NU1Q";
static const char a3_x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
static const char a3_y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

#define SECRET		"a-secret-of-some-length-0123456789"
#define T0		1700000000

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

/* Returns a compact HS256-MACed JWS of header and payload (any JSON). */
static char *
make_jws(const char *header, const char *payload, const void *key,
    size_t keylen)
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char *h, *p, *s, *input, *jws;

	h = b64url_encode(header, strlen(header));
	p = b64url_encode(payload, strlen(payload));
	if (asprintf(&input, "%s.%s", h, p) == -1)
		exit(99);
	crypto_hmac_sha256(key, keylen, input, strlen(input), mac);
	s = b64url_encode(mac, sizeof(mac));
	if (asprintf(&jws, "%s.%s", input, s) == -1)
		exit(99);
	free(h);
	free(p);
	free(s);
	free(input);
	return jws;
}

static struct token_key
hs_key(const char *kid, const void *secret, size_t len)
{
	struct token_key k = { TOKEN_HS256, NULL, NULL, 0, NULL, NULL };

	k.kid = kid ? strdup(kid) : NULL;
	k.secret = malloc(len);
	memcpy(k.secret, secret, len);
	k.secretlen = len;
	return k;
}

static struct token_key
pk_key(enum token_alg alg, struct crypto_pk *pk)
{
	struct token_key k = { alg, NULL, NULL, 0, pk, NULL };

	if (pk == NULL)
		ok(0, "public key for alg %d builds", (int)alg);
	return k;
}

static struct token_key
rsa_key(void)
{
	unsigned char *n, *e;
	size_t nlen, elen;
	struct crypto_pk *pk;

	n = unb64(a2_n, &nlen);
	e = unb64(a2_e, &elen);
	pk = crypto_pk_from_rsa(n, nlen, e, elen);
	free(n);
	free(e);
	return pk_key(TOKEN_RS256, pk);
}

static struct token_key
ec_key(void)
{
	unsigned char *x, *y;
	size_t xlen, ylen;
	struct crypto_pk *pk;

	x = unb64(a3_x, &xlen);
	y = unb64(a3_y, &ylen);
	pk = crypto_pk_from_p256(x, xlen, y, ylen);
	free(x);
	free(y);
	return pk_key(TOKEN_ES256, pk);
}

static void
clear_keys(struct token_key *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		token_key_clear(&keys[i]);
}

/* Verifies jwt and checks that claims are handed out only on success. */
static enum token_err
verify(const struct token_keyset *ks, const char *jwt,
    const struct token_verify_opts *o)
{
	cJSON *claims = (cJSON *)&claims;
	enum token_err e;

	e = token_verify(ks, jwt, strlen(jwt), o, &claims);
	if ((e == TOKEN_OK) != (claims != NULL))
		ok(0, "claims handed out iff TOKEN_OK (%s)",
		    token_err_string(e));
	cJSON_Delete(claims);
	return e;
}

static void
test_rfc7515_hs256(void)
{
	struct token_verify_opts o = { RFC7515_NOW, 0, "joe", NULL, 1 };
	struct token_key k[1];
	struct token_keyset ks = { k, 1 };
	unsigned char *key;
	size_t keylen;
	char *t;
	cJSON *claims = NULL;

	key = unb64(a1_k, &keylen);
	k[0] = hs_key(NULL, key, keylen);
	free(key);
	is_int(token_verify(&ks, a1_jws, strlen(a1_jws), &o, &claims),
	    TOKEN_OK, "RFC 7515 A.1 HS256 verifies");
	ok(cJSON_IsTrue(cJSON_GetObjectItem(claims,
	    "http://example.com/is_root")), "A.1 claims handed out");
	cJSON_Delete(claims);
	t = strdup(a1_jws);
	t[50] = t[50] == 'A' ? 'B' : 'A';
	is_int(verify(&ks, t, &o), TOKEN_BAD_SIGNATURE,
	    "A.1 with one payload byte changed fails");
	strcpy(t, a1_jws);
	t[strlen(t) - 10] = t[strlen(t) - 10] == 'A' ? 'B' : 'A';
	is_int(verify(&ks, t, &o), TOKEN_BAD_SIGNATURE,
	    "A.1 with one signature byte changed fails");
	free(t);
	o.now = RFC7515_EXP;
	is_int(verify(&ks, a1_jws, &o), TOKEN_EXPIRED, "A.1 expired at exp");
	o.leeway = 60;
	is_int(verify(&ks, a1_jws, &o), TOKEN_OK, "A.1 within leeway");
	/* The key prepared once, as jwks_add_secret makes it. */
	o.now = RFC7515_NOW;
	o.leeway = 0;
	k[0].hmac = crypto_hmac_key_new(k[0].secret, k[0].secretlen);
	is_int(verify(&ks, a1_jws, &o), TOKEN_OK,
	    "A.1 verifies with the prepared key");
	t = strdup(a1_jws);
	t[strlen(t) - 10] = t[strlen(t) - 10] == 'A' ? 'B' : 'A';
	is_int(verify(&ks, t, &o), TOKEN_BAD_SIGNATURE,
	    "A.1 with one signature byte changed fails with the prepared key");
	free(t);
	clear_keys(k, 1);
}

static void
test_rfc7515_pk(void)
{
	struct token_verify_opts o = { RFC7515_NOW, 0, "joe", NULL, 1 };
	struct token_key k[3];
	struct token_keyset ks = { k, 3 };
	char *t;

	k[0] = hs_key(NULL, SECRET, strlen(SECRET));
	k[1] = rsa_key();
	k[2] = ec_key();
	is_int(verify(&ks, a2_jws, &o), TOKEN_OK, "RFC 7515 A.2 RS256 ok");
	is_int(verify(&ks, a3_jws, &o), TOKEN_OK, "RFC 7515 A.3 ES256 ok");
	t = strdup(a2_jws);
	t[strlen(t) - 5] = t[strlen(t) - 5] == 'A' ? 'B' : 'A';
	is_int(verify(&ks, t, &o), TOKEN_BAD_SIGNATURE, "A.2 tampered fails");
	free(t);
	t = strdup(a3_jws);
	t[strlen(t) - 5] = t[strlen(t) - 5] == 'A' ? 'B' : 'A';
	is_int(verify(&ks, t, &o), TOKEN_BAD_SIGNATURE,
	    "A.3 tampered signature fails");
	strcpy(t, a3_jws);
	t[30] = t[30] == 'A' ? 'B' : 'A';
	is_int(verify(&ks, t, &o), TOKEN_BAD_SIGNATURE,
	    "A.3 tampered payload fails");
	free(t);
	ks.nkeys = 1;
	is_int(verify(&ks, a2_jws, &o), TOKEN_BAD_ALG,
	    "RS256 token against an HS256-only keyset");
	clear_keys(k, 3);
}

/* Several public keys: a token must name its own, and is then checked
 * against that one only. */
static void
test_kid_required(void)
{
	struct token_verify_opts o = { RFC7515_NOW, 0, "joe", NULL, 1 };
	struct token_key k[4];
	struct token_keyset ks = { k, 4 };

	k[0] = hs_key(NULL, SECRET, strlen(SECRET));
	k[1] = rsa_key();
	k[2] = ec_key();
	k[3] = ec_key();
	is_int(verify(&ks, a3_jws, &o), TOKEN_KID_REQUIRED,
	    "ES256 without kid against two ES256 keys: refused untried");
	is_int(verify(&ks, a2_jws, &o), TOKEN_OK,
	    "RS256 without kid against one RS256 key: tried");
	k[2].kid = strdup("a");
	k[3].kid = strdup("b");
	is_int(verify(&ks, a3_jws, &o), TOKEN_KID_REQUIRED,
	    "ES256 without kid against two keys with kids: refused");
	ks.nkeys = 3;
	is_int(verify(&ks, a3_jws, &o), TOKEN_OK,
	    "ES256 without kid against one ES256 key: tried");
	is_str(token_err_string(TOKEN_KID_REQUIRED), "token names no key (kid) "
	    "and several keys could have signed it", "its message");
	clear_keys(k, 4);
}

static void
test_alg_pinning(void)
{
	struct token_verify_opts o = { T0, 0, NULL, NULL, 0 };
	static const char payload[] = "{\"iss\":\"k\",\"exp\":1700000600}";
	struct token_key k[1];
	struct token_keyset ks = { k, 1 };
	char *t, *none;

	k[0] = pk_key(TOKEN_RS256, crypto_pk_from_pem(a2_pem, strlen(a2_pem)));
	/* The classic confusion: the RSA public key used as an HMAC key. */
	t = make_jws("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, a2_pem,
	    strlen(a2_pem));
	is_int(verify(&ks, t, &o), TOKEN_BAD_ALG,
	    "HS256 MACed with the RSA PEM is refused by an RS256 key");
	free(t);
	clear_keys(k, 1);

	k[0] = hs_key(NULL, SECRET, strlen(SECRET));
	t = make_jws("{\"alg\":\"none\"}", payload, SECRET, strlen(SECRET));
	none = strdup(t);
	strcpy(strrchr(none, '.') + 1, "");
	is_int(verify(&ks, none, &o), TOKEN_BAD_ALG, "alg none, no signature");
	is_int(verify(&ks, t, &o), TOKEN_BAD_ALG, "alg none, with a MAC");
	free(t);
	free(none);
	t = make_jws("{\"alg\":\"HS512\"}", payload, SECRET, strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_BAD_ALG, "alg HS512 refused");
	free(t);
	t = make_jws("{\"alg\":\"hs256\"}", payload, SECRET, strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_BAD_ALG, "alg is case-sensitive");
	free(t);
	t = make_jws("{\"typ\":\"JWT\"}", payload, SECRET, strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_MALFORMED, "missing alg");
	free(t);
	t = make_jws("{\"alg\":1}", payload, SECRET, strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_MALFORMED, "numeric alg");
	free(t);
	clear_keys(k, 1);
}

static void
test_kid(void)
{
	struct token_verify_opts o = { T0, 0, NULL, NULL, 0 };
	static const char payload[] = "{\"exp\":1700000600}";
	struct token_key k[2];
	struct token_keyset ks = { k, 2 };
	char *t;

	k[0] = hs_key("one", "wrong", 5);
	k[1] = hs_key("two", SECRET, strlen(SECRET));
	t = make_jws("{\"alg\":\"HS256\",\"kid\":\"two\"}", payload, SECRET,
	    strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_OK, "kid selects the second key");
	free(t);
	t = make_jws("{\"alg\":\"HS256\"}", payload, SECRET, strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_OK, "no kid: every key is tried");
	free(t);
	t = make_jws("{\"alg\":\"HS256\",\"kid\":\"one\"}", payload, SECRET,
	    strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_BAD_SIGNATURE,
	    "kid limits the keys tried");
	free(t);
	t = make_jws("{\"alg\":\"HS256\",\"kid\":\"six\"}", payload, SECRET,
	    strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_NO_KEY, "unknown kid");
	free(k[1].kid);
	k[1].kid = NULL;
	is_int(verify(&ks, t, &o), TOKEN_OK, "a key without kid matches any");
	free(t);
	t = make_jws("{\"alg\":\"HS256\",\"kid\":7}", payload, SECRET,
	    strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_MALFORMED, "numeric kid");
	free(t);
	ks.nkeys = 0;
	t = make_jws("{\"alg\":\"HS256\"}", payload, SECRET, strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_NO_KEY, "empty keyset");
	free(t);
	clear_keys(k, 2);
}

/* Verifies an HS256 token of payload against SECRET with o. */
static enum token_err
verify_payload(const char *payload, const struct token_verify_opts *o)
{
	struct token_key k[1];
	struct token_keyset ks = { k, 1 };
	enum token_err e;
	char *t;

	k[0] = hs_key(NULL, SECRET, strlen(SECRET));
	t = make_jws("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", payload, SECRET,
	    strlen(SECRET));
	e = verify(&ks, t, o);
	free(t);
	clear_keys(k, 1);
	return e;
}

static void
test_times(void)
{
	struct token_verify_opts o = { T0, 0, NULL, NULL, 1 };

	is_int(verify_payload("{\"nbf\":1699999990,\"exp\":1700000010}", &o),
	    TOKEN_OK, "inside nbf..exp");
	is_int(verify_payload("{\"exp\":1700000000}", &o), TOKEN_EXPIRED,
	    "expired at exp");
	is_int(verify_payload("{\"exp\":1699999970}", &o), TOKEN_EXPIRED,
	    "expired 30 s ago, no leeway");
	is_int(verify_payload("{\"exp\":1700000000.5}", &o), TOKEN_OK,
	    "fractional exp half a second ahead");
	is_int(verify_payload("{\"exp\":1700000600,\"nbf\":1700000030}", &o),
	    TOKEN_NOT_YET_VALID, "nbf 30 s ahead, no leeway");
	is_int(verify_payload("{\"exp\":1700000600,\"nbf\":1700000000}", &o),
	    TOKEN_OK, "nbf = now");
	is_int(verify_payload("{\"iss\":\"x\"}", &o), TOKEN_NO_EXP,
	    "missing exp with require_exp");
	is_int(verify_payload("{\"exp\":\"1700000600\"}", &o), TOKEN_MALFORMED,
	    "string exp");
	is_int(verify_payload("{\"exp\":null}", &o), TOKEN_MALFORMED,
	    "null exp");
	is_int(verify_payload("{\"exp\":1e400}", &o), TOKEN_MALFORMED,
	    "infinite exp");
	is_int(verify_payload("{\"exp\":1700000600,\"nbf\":true}", &o),
	    TOKEN_MALFORMED, "boolean nbf");
	o.leeway = 60;
	is_int(verify_payload("{\"exp\":1699999970}", &o), TOKEN_OK,
	    "expired 30 s ago, 60 s leeway");
	is_int(verify_payload("{\"exp\":1699999940}", &o), TOKEN_EXPIRED,
	    "expired 60 s ago, 60 s leeway");
	is_int(verify_payload("{\"exp\":1700000600,\"nbf\":1700000030}", &o),
	    TOKEN_OK, "nbf 30 s ahead, 60 s leeway");
	is_int(verify_payload("{\"exp\":1700000600,\"nbf\":1700000061}", &o),
	    TOKEN_NOT_YET_VALID, "nbf 61 s ahead, 60 s leeway");
	o.require_exp = 0;
	is_int(verify_payload("{\"iss\":\"x\"}", &o), TOKEN_OK,
	    "missing exp allowed without require_exp");
}

static void
test_iss_aud(void)
{
	struct token_verify_opts o = { T0, 0, "joe", "api", 1 };

	is_int(verify_payload("{\"exp\":1700000600,\"iss\":\"joe\","
	    "\"aud\":\"api\"}", &o), TOKEN_OK, "iss and aud (string) match");
	is_int(verify_payload("{\"exp\":1700000600,\"iss\":\"joe\","
	    "\"aud\":[\"x\",1,\"api\"]}", &o), TOKEN_OK, "aud array holds it");
	is_int(verify_payload("{\"exp\":1700000600,\"iss\":\"eve\","
	    "\"aud\":\"api\"}", &o), TOKEN_BAD_ISSUER, "iss mismatch");
	is_int(verify_payload("{\"exp\":1700000600,\"aud\":\"api\"}", &o),
	    TOKEN_BAD_ISSUER, "iss missing");
	is_int(verify_payload("{\"exp\":1700000600,\"iss\":1,"
	    "\"aud\":\"api\"}", &o), TOKEN_BAD_ISSUER, "iss not a string");
	is_int(verify_payload("{\"exp\":1700000600,\"iss\":\"joe\","
	    "\"aud\":\"apix\"}", &o), TOKEN_BAD_AUDIENCE, "aud mismatch");
	is_int(verify_payload("{\"exp\":1700000600,\"iss\":\"joe\","
	    "\"aud\":[\"x\",\"y\"]}", &o), TOKEN_BAD_AUDIENCE,
	    "aud array without it");
	is_int(verify_payload("{\"exp\":1700000600,\"iss\":\"joe\"}", &o),
	    TOKEN_BAD_AUDIENCE, "aud missing");
	is_int(verify_payload("{\"exp\":1700000000,\"iss\":\"eve\"}", &o),
	    TOKEN_EXPIRED, "time is checked before iss");
}

static void
test_structure(void)
{
	struct token_verify_opts o = { T0, 0, NULL, NULL, 0 };
	struct token_key k[1];
	struct token_keyset ks = { k, 1 };
	char *t, *big;

	k[0] = hs_key(NULL, SECRET, strlen(SECRET));
	t = make_jws("{\"alg\":\"HS256\"}", "{\"a\":1}", SECRET,
	    strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_OK, "a minimal token verifies");
	big = malloc(TOKEN_MAX_LEN + 2);
	strcpy(big, t);
	strcat(big, ".x");
	is_int(token_verify(&ks, big, strlen(t), &o, NULL), TOKEN_OK,
	    "only len bytes are read");
	memset(big, 'A', TOKEN_MAX_LEN + 1);
	big[TOKEN_MAX_LEN + 1] = '\0';
	memcpy(big, t, strlen(t));
	is_int(verify(&ks, big, &o), TOKEN_TOO_LARGE, "over TOKEN_MAX_LEN");
	free(big);
	is_int(verify(&ks, "abc.def", &o), TOKEN_MALFORMED, "two segments");
	is_int(verify(&ks, "a.b.c.d", &o), TOKEN_MALFORMED, "four segments");
	is_int(verify(&ks, "..", &o), TOKEN_MALFORMED, "empty segments");
	is_int(verify(&ks, "", &o), TOKEN_MALFORMED, "empty token");
	is_int(token_verify(&ks, "e30\0.e30.", 9, &o, NULL), TOKEN_MALFORMED,
	    "NUL in a segment");
	is_int(verify(&ks, "eyJhbGciOiJIUzI1NiJ9=.e30.AAAA", &o),
	    TOKEN_MALFORMED, "padded segment");
	is_int(verify(&ks, "bm90IGpzb24.e30.AAAA", &o), TOKEN_MALFORMED,
	    "header is not JSON");
	is_int(verify(&ks, "WzFd.e30.AAAA", &o), TOKEN_MALFORMED,
	    "header is an array");
	free(t);
	t = make_jws("{\"alg\":\"HS256\",\"alg\":\"none\"}", "{}", SECRET,
	    strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_MALFORMED, "duplicate alg in header");
	free(t);
	t = make_jws("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", "{}", SECRET,
	    strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_MALFORMED, "crit header refused");
	free(t);
	t = make_jws("{\"alg\":\"HS256\"}", "{\"iss\":\"a\",\"iss\":\"b\"}",
	    SECRET, strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_MALFORMED,
	    "duplicate claim, even signed");
	free(t);
	t = make_jws("{\"alg\":\"HS256\"}", "[1]", SECRET, strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_MALFORMED, "payload is an array");
	free(t);
	t = make_jws("{\"alg\":\"HS256\"}", "{}", "other", 5);
	is_int(verify(&ks, t, &o), TOKEN_BAD_SIGNATURE, "wrong secret");
	free(t);
	clear_keys(k, 1);
}

/* Returns the decoded payload segment of jwt (caller frees). */
static char *
payload_of(const char *jwt)
{
	const char *p = strchr(jwt, '.') + 1, *q = strchr(p, '.');
	unsigned char *out;
	size_t len;

	if (b64url_decode(p, (size_t)(q - p), &out, &len) != 0)
		return strdup("(undecodable)");
	return (char *)out;
}

static void
check_signed(const struct lk_claims *c, int64_t now, int64_t ttl,
    const char *want, const char *name)
{
	struct token_verify_opts o = { now, 0, "APIkey", NULL, 1 };
	struct token_key k[1];
	struct token_keyset ks = { k, 1 };
	char *t, *p;

	t = token_sign_livekit("APIkey", SECRET, strlen(SECRET), c, now, ttl);
	p = payload_of(t);
	is_str(p, want, name);
	k[0] = hs_key(NULL, SECRET, strlen(SECRET));
	is_int(verify(&ks, t, &o), TOKEN_OK, "our own token verifies");
	clear_keys(k, 1);
	free(p);
	free(t);
}

static void
test_sign_livekit(void)
{
	static const char *const attrs[] = { "k", "v", "k2", "v\"2", NULL };
	static const char *const srcs[] = { "camera", "microphone", NULL };
	static const char *const one_src[] = { "screen_share", NULL };
	struct lk_claims c;
	char *t, *h, *dot;
	unsigned char *hdr;
	size_t hlen;

	memset(&c, 0, sizeof(c));
	c.identity = "alice";
	c.name = "Alice";
	c.metadata = "{\"a\":1}";
	c.attributes = attrs;
	c.kind = "standard";
	c.has_video = 1;
	c.video.room_join = 1;
	c.video.room = "r1";
	c.video.can_publish = TRI_TRUE;
	c.video.can_subscribe = TRI_FALSE;
	c.video.can_publish_data = TRI_ABSENT;
	c.video.can_update_own_metadata = TRI_TRUE;
	c.video.can_publish_sources = srcs;
	check_signed(&c, 1795820412, 600, "{\"iss\":\"APIkey\","
	    "\"sub\":\"alice\",\"nbf\":1795820412,\"exp\":1795821012,"
	    "\"name\":\"Alice\","
	    "\"metadata\":\"{\\\"a\\\":1}\",\"attributes\":{\"k\":\"v\","
	    "\"k2\":\"v\\\"2\"},\"kind\":\"standard\",\"video\":{"
	    "\"roomJoin\":true,\"room\":\"r1\",\"canPublish\":true,"
	    "\"canSubscribe\":false,\"canUpdateOwnMetadata\":true,"
	    "\"canPublishSources\":[\"camera\",\"microphone\"]}}",
	    "join token payload, exact");

	memset(&c, 0, sizeof(c));
	c.has_video = 1;
	c.video = (struct lk_video_grant){ 1, 1, 1, 1, 1, "r", TRI_FALSE,
	    TRI_TRUE, TRI_FALSE, TRI_FALSE, one_src, 1, 1, 1 };
	c.sha256 = "abc=";
	check_signed(&c, T0, 600, "{\"iss\":\"APIkey\",\"nbf\":1700000000,"
	    "\"exp\":1700000600,\"video\":{\"roomCreate\":true,"
	    "\"roomList\":true,\"roomRecord\":true,\"roomAdmin\":true,"
	    "\"roomJoin\":true,\"room\":\"r\",\"canPublish\":false,"
	    "\"canSubscribe\":true,\"canPublishData\":false,"
	    "\"canUpdateOwnMetadata\":false,\"canPublishSources\":"
	    "[\"screen_share\"],\"hidden\":true,\"recorder\":true,"
	    "\"agent\":true},\"sha256\":\"abc=\"}",
	    "every video field, in order");

	memset(&c, 0, sizeof(c));
	c.identity = "bob";
	c.has_video = 1;
	c.video.room_join = 1;
	c.video.can_publish = c.video.can_subscribe = TRI_ABSENT;
	c.video.can_publish_data = c.video.can_update_own_metadata = TRI_ABSENT;
	c.room_config = "{\"agents\":[{\"agentName\":\"a\"}],\"tags\":{}}";
	check_signed(&c, T0, 600, "{\"iss\":\"APIkey\",\"sub\":\"bob\","
	    "\"nbf\":1700000000,\"exp\":1700000600,\"video\":{"
	    "\"roomJoin\":true},\"roomConfig\":{\"agents\":[{\"agentName\":"
	    "\"a\"}],\"tags\":{}}}",
	    "roomConfig written as given, after video");

	memset(&c, 0, sizeof(c));
	c.has_video = 1;
	c.video.room_create = 1;
	c.video.room_list = 1;
	c.video.can_publish = c.video.can_subscribe = TRI_ABSENT;
	c.video.can_publish_data = c.video.can_update_own_metadata = TRI_ABSENT;
	check_signed(&c, 4102444800LL, 600, "{\"iss\":\"APIkey\","
	    "\"nbf\":4102444800,\"exp\":4102445400,\"video\":{"
	    "\"roomCreate\":true,\"roomList\":true}}",
	    "service token; times past 2038 stay integers");
	check_signed(NULL, T0, 60, "{\"iss\":\"APIkey\",\"nbf\":1700000000,"
	    "\"exp\":1700000060}", "no claims: iss, nbf, exp only");

	t = token_sign_livekit("APIkey", SECRET, strlen(SECRET), NULL, T0, 60);
	dot = strchr(t, '.');
	ok(b64url_decode(t, (size_t)(dot - t), &hdr, &hlen) == 0,
	    "header segment decodes");
	h = (char *)hdr;
	is_str(h, "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", "header, exact");
	ok(strchr(t, '=') == NULL && strchr(t, '+') == NULL &&
	    strchr(t, '/') == NULL, "base64url without padding");
	free(hdr);
	free(t);
}

/*
 * Tokens are signed without cJSON: their payload must still be what cJSON
 * prints for the same claims, whatever bytes the strings hold.  The tree
 * here is built the way token.c used to build it.
 */
static void
test_sign_bytes(void)
{
	char all[256], *t, *p, *want;
	const char *srcs[] = { all, "camera", NULL };
	const char *attrs[] = { all, all + 100, "k", "", NULL };
	cJSON *o, *v, *a;
	struct lk_claims c;
	struct token_signer *s;
	size_t i;

	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	memset(&c, 0, sizeof(c));
	c.identity = all + 30;
	c.name = all;
	c.metadata = all + 1;
	c.attributes = attrs;
	c.kind = all + 200;
	c.has_video = 1;
	c.video.room_join = 1;
	c.video.room = all + 7;
	c.video.can_publish = TRI_TRUE;
	c.video.can_subscribe = TRI_FALSE;
	c.video.can_publish_data = TRI_ABSENT;
	c.video.can_update_own_metadata = TRI_ABSENT;
	c.video.can_publish_sources = srcs;
	c.sha256 = all + 254;

	o = json_new_object();
	json_add_string(o, "iss", all + 2);
	json_add_string(o, "sub", c.identity);
	json_add_int(o, "nbf", -5);
	json_add_int(o, "exp", 55);
	json_add_string(o, "name", c.name);
	json_add_string(o, "metadata", c.metadata);
	a = json_new_object();
	json_add_string(a, attrs[0], attrs[1]);
	json_add_string(a, attrs[2], attrs[3]);
	json_add_item(o, "attributes", a);
	json_add_string(o, "kind", c.kind);
	v = json_new_object();
	json_add_bool(v, "roomJoin", 1);
	json_add_string(v, "room", c.video.room);
	json_add_bool(v, "canPublish", 1);
	json_add_bool(v, "canSubscribe", 0);
	a = json_new_array();
	json_append(a, json_new_string(all));
	json_append(a, json_new_string("camera"));
	json_add_item(v, "canPublishSources", a);
	json_add_item(o, "video", v);
	json_add_string(o, "sha256", c.sha256);
	want = json_print(o);
	cJSON_Delete(o);
	/* Longer than the signer's first pass holds (1 KiB): written twice. */
	ok(strlen(want) > 1024, "these claims take the signer's second pass");

	s = token_signer_new(all + 2, SECRET, strlen(SECRET));
	t = token_signer_sign(s, &c, -5, 60);
	p = payload_of(t);
	is_str(p, want, "payload of strings holding bytes 1 to 255, as cJSON "
	    "prints it");
	free(p);
	p = token_sign_livekit(all + 2, SECRET, strlen(SECRET), &c, -5, 60);
	is_str(p, t, "a signer signs as token_sign_livekit does");
	free(p);
	free(t);
	token_signer_free(s);
	free(want);
}

#define WH_BODY		"{\"event\":\"participant_joined\"}"
#define WH_HASH		"XtwN6xj4oqU/5cF0F0rUHPbfbnu+ldnDt0apkYXyhcY="

static enum token_err
webhook(const char *key, const char *secret, const char *auth,
    const char *body, int64_t now)
{
	return token_verify_webhook(key, secret, strlen(secret), auth,
	    strlen(auth), body, strlen(body), now, 60);
}

static void
test_webhook(void)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	struct lk_claims c;
	char *sha, *t, *bearer;

	crypto_sha256(WH_BODY, strlen(WH_BODY), hash);
	sha = b64std_encode(hash, sizeof(hash));
	is_str(sha, WH_HASH, "body hash is standard base64 with padding");
	memset(&c, 0, sizeof(c));
	c.sha256 = sha;
	t = token_sign_livekit("APIkey", SECRET, strlen(SECRET), &c, T0, 300);
	is_int(webhook("APIkey", SECRET, t, WH_BODY, T0 + 10), TOKEN_OK,
	    "webhook verifies");
	is_int(webhook("APIkey", SECRET, t, "{\"event\":\"participant_left\"}",
	    T0 + 10), TOKEN_BAD_HASH, "tampered body");
	is_int(webhook("APIkey", SECRET, t, WH_BODY " ", T0 + 10),
	    TOKEN_BAD_HASH, "body with an extra space");
	if (asprintf(&bearer, "Bearer %s", t) == -1)
		exit(99);
	is_int(webhook("APIkey", SECRET, bearer, WH_BODY, T0 + 10),
	    TOKEN_MALFORMED, "\"Bearer \" prefix refused");
	free(bearer);
	is_int(webhook("APIkey", "other-secret", t, WH_BODY, T0 + 10),
	    TOKEN_BAD_SIGNATURE, "wrong secret");
	is_int(webhook("OtherKey", SECRET, t, WH_BODY, T0 + 10),
	    TOKEN_BAD_ISSUER, "wrong iss");
	is_int(webhook("APIkey", SECRET, t, WH_BODY, T0 + 300 + 61),
	    TOKEN_EXPIRED, "expired beyond leeway");
	is_int(webhook("APIkey", SECRET, t, WH_BODY, T0 + 300 + 30), TOKEN_OK,
	    "expired within leeway");
	free(t);
	c.sha256 = NULL;
	t = token_sign_livekit("APIkey", SECRET, strlen(SECRET), &c, T0, 300);
	is_int(webhook("APIkey", SECRET, t, WH_BODY, T0), TOKEN_BAD_HASH,
	    "no sha256 claim");
	free(t);
	if (asprintf(&t, "{\"iss\":\"APIkey\",\"sha256\":\"%s\"}", sha) == -1)
		exit(99);
	bearer = make_jws("{\"alg\":\"HS256\"}", t, SECRET, strlen(SECRET));
	is_int(webhook("APIkey", SECRET, bearer, WH_BODY, T0), TOKEN_NO_EXP,
	    "webhook without exp");
	free(bearer);
	bearer = make_jws("{\"alg\":\"RS256\"}", t, SECRET, strlen(SECRET));
	is_int(webhook("APIkey", SECRET, bearer, WH_BODY, T0), TOKEN_BAD_ALG,
	    "webhook with another alg");
	free(bearer);
	free(t);
	free(sha);
}

int
main(void)
{
	test_rfc7515_hs256();
	test_rfc7515_pk();
	test_alg_pinning();
	test_kid();
	test_kid_required();
	test_times();
	test_iss_aud();
	test_structure();
	test_sign_livekit();
	test_sign_bytes();
	test_webhook();
	ok(strcmp(token_err_string(TOKEN_EXPIRED), "token has expired") == 0,
	    "error string");
	return tap_done();
}
