/*
 * test_seal: AES-256-GCM against NIST's GCM test vectors (test cases 13,
 * 14 and 16 of the GCM specification), then sealed JSON: round trips,
 * key rotation, retired keys, purposes, expiry and tampering.
 */
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "json.h"
#include "seal.h"
#include "tap.h"

#define NOW 1764284400

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

struct vector {
	const char *name, *key, *iv, *pt, *aad, *ct, *tag;
};

static const struct vector vectors[] = {
	{ "NIST GCM test case 13 (empty)",
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "", "",
	  "530f8afbc74536b9a963b4f1c4cb738b" },
	{ "NIST GCM test case 14",
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "00000000000000000000000000000000", "",
	  "cea7403d4d606b6e074ec5d3baf39d18",
	  "d0d1c8a799996bf0265b98b5d48ab919" },
	{ "NIST GCM test case 16 (with AAD)",
	  "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
};

static void
check_vector(const struct vector *v)
{
	unsigned char key[32], iv[12], pt[64], aad[32], want[96], got[96];
	unsigned char back[64];
	size_t ptlen, aadlen, ctlen;

	unhex(v->key, key);
	unhex(v->iv, iv);
	ptlen = unhex(v->pt, pt);
	aadlen = unhex(v->aad, aad);
	ctlen = unhex(v->ct, want);
	unhex(v->tag, want + ctlen);
	crypto_gcm_seal(key, iv, aad, aadlen, pt, ptlen, got);
	tap_is_mem(got, ptlen + 16, want, ctlen + 16, v->name);
	ok(crypto_gcm_open(key, iv, aad, aadlen, got, ptlen + 16, back) == 0 &&
	    memcmp(back, pt, ptlen) == 0, "%s: opens back", v->name);
	got[0] ^= 1;
	ok(crypto_gcm_open(key, iv, aad, aadlen, got, ptlen + 16, back) == -1,
	    "%s: a flipped bit is refused", v->name);
	got[0] ^= 1;
	if (aadlen > 0) {
		ok(crypto_gcm_open(key, iv, aad, aadlen - 1, got, ptlen + 16,
		    back) == -1, "%s: other AAD is refused", v->name);
	}
}

static void
test_gcm(void)
{
	unsigned char key[32] = { 0 }, iv[12] = { 0 }, out[16];
	size_t i;

	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		check_vector(&vectors[i]);
	ok(crypto_gcm_open(key, iv, NULL, 0, out, 15, out) == -1,
	    "shorter than a tag is refused");
}

static cJSON *
payload(long long exp)
{
	cJSON *o = json_new_object();

	json_add_string(o, "sub", "alice");
	json_add_int(o, "exp", exp);
	return o;
}

static char *
seal_with(const struct seal_key *k, const char *purpose, long long exp,
    unsigned char nonce_byte)
{
	unsigned char nonce[SEAL_NONCE_LEN];
	cJSON *o = payload(exp);
	char *s;

	memset(nonce, nonce_byte, sizeof(nonce));
	s = seal_json(k, purpose, o, nonce);
	cJSON_Delete(o);
	return s;
}

static enum seal_err
open_with(const struct seal_key *keys, size_t n, const char *purpose,
    const char *text, int64_t now, const char **sub)
{
	static char buf[64];
	const char *s = NULL;
	enum seal_err e;
	cJSON *o;

	e = seal_open(keys, n, purpose, text, strlen(text), now, &o);
	buf[0] = '\0';
	if (e == SEAL_OK && json_get_string(o, "sub", &s) == JG_OK)
		strncpy(buf, s, sizeof(buf) - 1);
	cJSON_Delete(o);
	if (sub != NULL)
		*sub = buf;
	return e;
}

static void
test_seal_rotation(void)
{
	struct seal_key keys[3];
	const char *sub;
	char *a, *b;

	memset(&keys[0], 0x11, sizeof(keys[0]));
	memset(&keys[1], 0x22, sizeof(keys[1]));
	memset(&keys[2], 0x33, sizeof(keys[2]));
	a = seal_with(&keys[0], "session", NOW + 60, 1);
	b = seal_with(&keys[0], "session", NOW + 60, 2);
	ok(strcmp(a, b) != 0, "another nonce, another text");
	is_int(open_with(keys, 1, "session", a, NOW, &sub), SEAL_OK,
	    "opens with its key");
	is_str(sub, "alice", "and gives the object back");
	/* Rotation: a new key in front, the old one behind. */
	is_int(open_with(&keys[1], 2, "session", a, NOW, NULL), SEAL_BAD_KEY,
	    "without its key it does not open");
	{
		struct seal_key rot[2];

		rot[0] = keys[1];
		rot[1] = keys[0];
		is_int(open_with(rot, 2, "session", a, NOW, NULL), SEAL_OK,
		    "an old key still opens after rotation");
	}
	is_int(open_with(&keys[2], 1, "session", a, NOW, NULL), SEAL_BAD_KEY,
	    "a retired key's text is refused");
	is_int(open_with(keys, 1, "login", a, NOW, NULL), SEAL_BAD_KEY,
	    "a text sealed for another purpose is refused");
	is_int(open_with(keys, 1, "session", a, NOW + 60, NULL), SEAL_EXPIRED,
	    "refused once exp is reached");
	is_int(open_with(keys, 1, "session", a, NOW + 59, NULL), SEAL_OK,
	    "open the second before");
	free(a);
	free(b);
}

/* Flips one bit of every byte of the decoded text in turn. */
static void
test_seal_tamper(void)
{
	struct seal_key k;
	unsigned char *raw;
	size_t len, i;
	char *a, *t;
	int refused = 1;

	memset(&k, 0x44, sizeof(k));
	a = seal_with(&k, "session", NOW + 60, 3);
	if (b64url_decode(a, strlen(a), &raw, &len) != 0)
		abort();
	for (i = 0; i < len; i++) {
		raw[i] ^= 0x80;
		t = b64url_encode(raw, len);
		if (open_with(&k, 1, "session", t, NOW, NULL) == SEAL_OK)
			refused = 0;
		free(t);
		raw[i] ^= 0x80;
	}
	ok(refused, "every one-bit change of %zu bytes is refused", len);
	t = b64url_encode(raw, len - 1);
	is_int(open_with(&k, 1, "session", t, NOW, NULL), SEAL_BAD_KEY,
	    "a truncated text is refused");
	free(t);
	is_int(open_with(&k, 1, "session", "", NOW, NULL), SEAL_MALFORMED,
	    "empty is malformed");
	is_int(open_with(&k, 1, "session", "a+b=", NOW, NULL), SEAL_MALFORMED,
	    "not base64url is malformed");
	t = b64url_encode(raw, 20);
	is_int(open_with(&k, 1, "session", t, NOW, NULL), SEAL_MALFORMED,
	    "shorter than a header and tag is malformed");
	free(t);
	raw[0] = 2;
	t = b64url_encode(raw, len);
	is_int(open_with(&k, 1, "session", t, NOW, NULL), SEAL_MALFORMED,
	    "another version is malformed");
	free(t);
	free(raw);
	free(a);
}

/* Plaintexts that decrypt but are not ours: sealed here by hand. */
static void
test_seal_plaintext(void)
{
	static const char *const bad[] = {
		"{\"sub\":\"a\"}", "{\"exp\":\"1\"}", "[1]",
		"{\"exp\":1,\"exp\":2}", "{\"exp\":1.5}",
	};
	unsigned char h[CRYPTO_SHA256_LEN], buf[128], nonce[12] = { 9 };
	unsigned char aad[16];
	struct seal_key k;
	size_t i, n;
	char *t;

	memset(&k, 0x55, sizeof(k));
	crypto_sha256(k.key, sizeof(k.key), h);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = strlen(bad[i]);
		buf[0] = 1;
		buf[1] = h[0];
		memcpy(buf + 2, nonce, 12);
		aad[0] = 1;
		aad[1] = h[0];
		memcpy(aad + 2, "session", 7);
		crypto_gcm_seal(k.key, nonce, aad, 9, bad[i], n, buf + 14);
		t = b64url_encode(buf, 14 + n + 16);
		is_int(open_with(&k, 1, "session", t, NOW, NULL),
		    SEAL_MALFORMED, bad[i]);
		free(t);
	}
}

int
main(void)
{
	test_gcm();
	test_seal_rotation();
	test_seal_tamper();
	test_seal_plaintext();
	return tap_done();
}
