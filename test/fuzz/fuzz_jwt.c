/*
 * fuzz_jwt: token_verify, the parser and verifier of inbound JWTs, with
 * an HS256 keyset, an RS256 + ES256 keyset built from the fixed keys of
 * RFC 7515 appendix A, both together, and none.
 *
 * Input: one selector byte, then the token.
 *   bits 0-1  keyset: HS256, RS256+ES256, all, empty
 *   bit 2     sign mode: the rest is "header\n--\npayload" (or just a
 *             payload, under {"alg":"HS256"}), which the harness MACs with
 *             the kid-less HS256 key, so the claims checks are reached
 *   bits 3-4  issuer "joe", audience "aud" checked
 *   bit 5     exp required
 *   bits 6-7  leeway 0, 30 s, 1 day or 100 years
 * Invariants: claims are handed out exactly on TOKEN_OK; an accepted token
 * has three segments, a header alg some key of that alg has, an HS256 MAC
 * recomputed here, and claims that pass the time, issuer and audience
 * checks as re-done here; the answer does not depend on whether claims
 * were asked for.
 */
#include <math.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "fuzz.h"
#include "json.h"
#include "token.h"
#include "util.h"

#define NOW		1300819000	/* before the RFC 7515 exp */
#define SEP		"\n--\n"
#define HS_SECRET	"a-secret-of-some-length-0123456789"

static const char a1_k[] =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4h"
    "cgUuTwjAzZr1Z9CAow";
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
static const char a3_x[] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
static const char a3_y[] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";

/* keys[0..1] HS256 ("hs1", kid-less), keys[2..3] RS256 ("rsa1"), ES256. */
static struct token_key keys[4];
static const struct token_keyset keysets[] = {
	{ keys, 2 }, { keys + 2, 2 }, { keys, 4 }, { NULL, 0 }
};

static unsigned char *
unb64(const char *s, size_t *len)
{
	unsigned char *out;

	if (b64url_decode(s, strlen(s), &out, len) == -1)
		abort();
	return out;
}

static void
init_keys(void)
{
	unsigned char *x, *y;
	size_t xlen, ylen;

	if (keys[0].secret != NULL)
		return;
	keys[0].alg = TOKEN_HS256;
	keys[0].kid = xstrdup("hs1");
	keys[0].secret = unb64(a1_k, &keys[0].secretlen);
	keys[1].alg = TOKEN_HS256;
	keys[1].secret = (unsigned char *)xstrdup(HS_SECRET);
	keys[1].secretlen = strlen(HS_SECRET);
	keys[2].alg = TOKEN_RS256;
	keys[2].kid = xstrdup("rsa1");
	keys[2].pk = crypto_pk_from_pem(a2_pem, strlen(a2_pem));
	x = unb64(a3_x, &xlen);
	y = unb64(a3_y, &ylen);
	keys[3].alg = TOKEN_ES256;
	keys[3].pk = crypto_pk_from_p256(x, xlen, y, ylen);
	free(x);
	free(y);
	FUZZ_CHECK(keys[2].pk != NULL && keys[3].pk != NULL);
}

/* A compact JWS of header and payload text, MACed with HS_SECRET. */
static char *
sign(const char *h, size_t hlen, const char *p, size_t plen)
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char *eh, *ep, *es, *input, *jws;

	eh = b64url_encode(h, hlen);
	ep = b64url_encode(p, plen);
	input = xasprintf("%s.%s", eh, ep);
	crypto_hmac_sha256(HS_SECRET, strlen(HS_SECRET), input, strlen(input),
	    mac);
	es = b64url_encode(mac, sizeof(mac));
	jws = xasprintf("%s.%s", input, es);
	free(eh);
	free(ep);
	free(es);
	free(input);
	return jws;
}

/* The accepted token's signature, checked again from its parts. */
static void
check_signature(const struct token_keyset *ks, const char *t, size_t len)
{
	unsigned char mac[CRYPTO_SHA256_LEN], *text, *sig;
	const char *d1, *d2, *alg;
	size_t textlen, siglen, i;
	enum json_err err;
	cJSON *h;
	int good = 0;

	FUZZ_CHECK((d1 = memchr(t, '.', len)) != NULL);
	FUZZ_CHECK((d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - t))) !=
	    NULL);
	FUZZ_CHECK(memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - t)) == NULL);
	FUZZ_CHECK(b64url_decode(t, (size_t)(d1 - t), &text, &textlen) == 0);
	h = json_parse_strict((char *)text, textlen, 1, &err);
	free(text);
	FUZZ_CHECK(h != NULL && json_get_string(h, "alg", &alg) == JG_OK);
	FUZZ_CHECK(b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - t), &sig,
	    &siglen) == 0);
	for (i = 0; i < ks->nkeys; i++) {
		if (ks->keys[i].alg == TOKEN_HS256 &&
		    strcmp(alg, "HS256") == 0 && siglen == sizeof(mac)) {
			crypto_hmac_sha256(ks->keys[i].secret,
			    ks->keys[i].secretlen, t, (size_t)(d2 - t), mac);
			good |= memcmp(mac, sig, sizeof(mac)) == 0;
		} else if (ks->keys[i].alg == TOKEN_RS256 &&
		    strcmp(alg, "RS256") == 0)
			good |= crypto_verify_rs256(ks->keys[i].pk, t,
			    (size_t)(d2 - t), sig, siglen);
		else if (ks->keys[i].alg == TOKEN_ES256 &&
		    strcmp(alg, "ES256") == 0)
			good |= crypto_verify_es256(ks->keys[i].pk, t,
			    (size_t)(d2 - t), sig, siglen);
	}
	FUZZ_CHECK(good);
	free(sig);
	cJSON_Delete(h);
}

/* The accepted claims, checked again. */
static void
check_claims(const cJSON *c, const struct token_verify_opts *o)
{
	const cJSON *exp, *nbf, *aud, *v;
	const char *iss;
	int found = 0;

	FUZZ_CHECK(cJSON_IsObject(c));
	exp = cJSON_GetObjectItemCaseSensitive(c, "exp");
	nbf = cJSON_GetObjectItemCaseSensitive(c, "nbf");
	if (o->require_exp)
		FUZZ_CHECK(exp != NULL);
	if (exp != NULL)
		FUZZ_CHECK(cJSON_IsNumber(exp) && isfinite(exp->valuedouble) &&
		    (double)o->now - (double)o->leeway < exp->valuedouble);
	if (nbf != NULL)
		FUZZ_CHECK(cJSON_IsNumber(nbf) && isfinite(nbf->valuedouble) &&
		    (double)o->now + (double)o->leeway >= nbf->valuedouble);
	if (o->issuer != NULL)
		FUZZ_CHECK(json_get_string(c, "iss", &iss) == JG_OK &&
		    strcmp(iss, o->issuer) == 0);
	if (o->audience == NULL)
		return;
	aud = cJSON_GetObjectItemCaseSensitive(c, "aud");
	if (cJSON_IsString(aud))
		found = strcmp(aud->valuestring, o->audience) == 0;
	else
		cJSON_ArrayForEach(v, aud)
			found |= cJSON_IsString(v) &&
			    strcmp(v->valuestring, o->audience) == 0;
	FUZZ_CHECK(found);
}

static void
verify(const struct token_keyset *ks, const char *t, size_t len,
    const struct token_verify_opts *o)
{
	enum token_err e, e2;
	cJSON *claims = (cJSON *)&claims;

	e = token_verify(ks, t, len, o, &claims);
	FUZZ_CHECK(token_err_string(e) != NULL);
	FUZZ_CHECK((e == TOKEN_OK) == (claims != NULL));
	e2 = token_verify(ks, t, len, o, NULL);
	FUZZ_CHECK(e == e2);
	if (len > TOKEN_MAX_LEN)
		FUZZ_CHECK(e == TOKEN_TOO_LARGE);
	if (e != TOKEN_OK)
		return;
	check_signature(ks, t, len);
	check_claims(claims, o);
	cJSON_Delete(claims);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int64_t leeways[] = { 0, 30, 86400, 3155760000LL };
	struct token_verify_opts o = { 0 };
	const char *in = (const char *)data + 1, *sep;
	size_t len = size - 1;
	char *t;
	int sel;

	if (size < 1)
		return 0;
	init_keys();
	sel = data[0];
	o.now = NOW;
	o.issuer = sel & 0x08 ? "joe" : NULL;
	o.audience = sel & 0x10 ? "aud" : NULL;
	o.require_exp = (sel & 0x20) != 0;
	o.leeway = leeways[sel >> 6 & 3];
	if (!(sel & 0x04)) {
		verify(&keysets[sel & 3], in, len, &o);
		return 0;
	}
	if ((sep = memmem(in, len, SEP, strlen(SEP))) != NULL)
		t = sign(in, (size_t)(sep - in), sep + strlen(SEP),
		    len - (size_t)(sep - in) - strlen(SEP));
	else
		t = sign("{\"alg\":\"HS256\"}", 15, in, len);
	verify(&keysets[sel & 3], t, strlen(t), &o);
	free(t);
	return 0;
}
