/*
 * fuzz_webhook: token_verify_webhook, LiveKit's webhook signature (a bare
 * HS256 JWT whose sha256 claim is the base64 SHA-256 of the body).
 *
 * Input: one selector byte, then "auth\n--\nbody" (no separator: all
 * auth, empty body).
 *   bit 0  sign mode: auth is a claims text that the harness signs with
 *          the webhook secret; "@SHA@" in it becomes the body's real hash
 *   bit 1  leeway 60 s instead of 0
 *   bit 2  the key pair is not configured (api_key NULL)
 * Invariants: an accepted webhook is a three-segment HS256 JWT whose MAC,
 * iss, exp and sha256 hold when re-checked here; a "Bearer " prefix is
 * never accepted; an unconfigured key pair accepts nothing.
 */
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "fuzz.h"
#include "json.h"
#include "token.h"
#include "util.h"

#define NOW		1700000000
#define API_KEY		"APIwebhookfuzz"
#define SECRET		"webhook-secret-of-32-characters!"
#define SEP		"\n--\n"
#define SHA_MARK	"@SHA@"

/* The claims text with every SHA_MARK replaced by the body's hash. */
static char *
expand(const char *c, size_t clen, const char *body, size_t bodylen)
{
	unsigned char h[CRYPTO_SHA256_LEN];
	char *hash, *out, *o;
	const char *p, *end = c + clen, *m;
	size_t n = 0;

	crypto_sha256(body, bodylen, h);
	hash = b64std_encode(h, sizeof(h));
	for (p = c; (m = memmem(p, (size_t)(end - p), SHA_MARK, 5)) != NULL;
	    p = m + 5)
		n++;
	o = out = xmalloc(clen + n * strlen(hash) + 1);
	for (p = c; (m = memmem(p, (size_t)(end - p), SHA_MARK, 5)) != NULL;
	    p = m + 5) {
		memcpy(o, p, (size_t)(m - p));
		o += m - p;
		memcpy(o, hash, strlen(hash));
		o += strlen(hash);
	}
	memcpy(o, p, (size_t)(end - p));
	o += end - p;
	*o = '\0';
	free(hash);
	return out;
}

static char *
sign(const char *claims)
{
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	unsigned char mac[CRYPTO_SHA256_LEN];
	char *eh, *ep, *es, *input, *jws;

	eh = b64url_encode(header, strlen(header));
	ep = b64url_encode(claims, strlen(claims));
	input = xasprintf("%s.%s", eh, ep);
	crypto_hmac_sha256(SECRET, strlen(SECRET), input, strlen(input), mac);
	es = b64url_encode(mac, sizeof(mac));
	jws = xasprintf("%s.%s", input, es);
	free(eh);
	free(ep);
	free(es);
	free(input);
	return jws;
}

/* An accepted webhook, checked again from its parts. */
static void
recheck(const char *a, size_t alen, const char *body, size_t bodylen,
    int64_t leeway)
{
	unsigned char mac[CRYPTO_SHA256_LEN], h[CRYPTO_SHA256_LEN], *text;
	const char *d1, *d2, *iss, *sha;
	const cJSON *exp;
	size_t textlen;
	enum json_err err;
	char *want, *sig;
	cJSON *c;

	FUZZ_CHECK(alen > 0 && a[0] != 'B');
	FUZZ_CHECK((d1 = memchr(a, '.', alen)) != NULL);
	FUZZ_CHECK((d2 = memchr(d1 + 1, '.', alen - (size_t)(d1 + 1 - a))) !=
	    NULL);
	crypto_hmac_sha256(SECRET, strlen(SECRET), a, (size_t)(d2 - a), mac);
	sig = b64url_encode(mac, sizeof(mac));
	FUZZ_CHECK(strlen(sig) == alen - (size_t)(d2 + 1 - a) &&
	    memcmp(sig, d2 + 1, strlen(sig)) == 0);
	free(sig);
	FUZZ_CHECK(b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &text,
	    &textlen) == 0);
	c = json_parse_strict((char *)text, textlen, 1, &err);
	free(text);
	FUZZ_CHECK(c != NULL);
	FUZZ_CHECK(json_get_string(c, "iss", &iss) == JG_OK &&
	    strcmp(iss, API_KEY) == 0);
	exp = cJSON_GetObjectItemCaseSensitive(c, "exp");
	FUZZ_CHECK(cJSON_IsNumber(exp) &&
	    (double)NOW - (double)leeway < exp->valuedouble);
	crypto_sha256(body, bodylen, h);
	want = b64std_encode(h, sizeof(h));
	FUZZ_CHECK(json_get_string(c, "sha256", &sha) == JG_OK &&
	    strcmp(sha, want) == 0);
	free(want);
	cJSON_Delete(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data + 1, *sep, *body = "";
	size_t len = size - 1, authlen = size - 1, bodylen = 0;
	char *signed_auth = NULL, *claims;
	const char *auth = in;
	int64_t leeway;
	enum token_err e;
	int sel;

	if (size < 1)
		return 0;
	sel = data[0];
	leeway = sel & 0x02 ? 60 : 0;
	if ((sep = memmem(in, len, SEP, strlen(SEP))) != NULL) {
		authlen = (size_t)(sep - in);
		body = sep + strlen(SEP);
		bodylen = len - authlen - strlen(SEP);
	}
	if (sel & 0x01) {
		claims = expand(in, authlen, body, bodylen);
		auth = signed_auth = sign(claims);
		authlen = strlen(signed_auth);
		free(claims);
	}
	e = token_verify_webhook(sel & 0x04 ? NULL : API_KEY, SECRET,
	    strlen(SECRET), auth, authlen, body, bodylen, NOW, leeway);
	FUZZ_CHECK(token_err_string(e) != NULL);
	if (sel & 0x04)
		FUZZ_CHECK(e == TOKEN_NO_KEY);
	if (e == TOKEN_OK)
		recheck(auth, authlen, body, bodylen, leeway);
	free(signed_auth);
	return 0;
}
