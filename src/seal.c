/*
 * seal: JSON objects sealed with AES-256-GCM for a client to carry (see
 * seal.h).  Nothing here keeps state: a sealed cookie is the whole of a
 * session, which is what lets lkgate run without a database.
 */
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "seal.h"
#include "util.h"

#define SEAL_VERSION	1
#define SEAL_HDR_LEN	(2 + SEAL_NONCE_LEN)
#define PURPOSE_MAX	64
/* "exp" is checked to be a sane time, not any number. */
#define EXP_MAX		((int64_t)1 << 40)

static unsigned char
key_id(const struct seal_key *k)
{
	unsigned char h[CRYPTO_SHA256_LEN];

	crypto_sha256(k->key, sizeof(k->key), h);
	return h[0];
}

/* The additional data: version, key id and purpose. */
static size_t
seal_aad(unsigned char id, const char *purpose,
    unsigned char out[2 + PURPOSE_MAX])
{
	size_t n = strlen(purpose);

	if (n > PURPOSE_MAX)
		fatal("seal: purpose \"%s\" is too long", purpose);
	out[0] = SEAL_VERSION;
	out[1] = id;
	memcpy(out + 2, purpose, n);
	return 2 + n;
}

char *
seal_json(const struct seal_key *key, const char *purpose, const cJSON *obj,
    const unsigned char nonce[SEAL_NONCE_LEN])
{
	unsigned char aad[2 + PURPOSE_MAX], *buf;
	char *pt, *text;
	size_t aadlen, len, total;

	pt = json_print(obj);
	len = strlen(pt);
	total = SEAL_HDR_LEN + len + CRYPTO_GCM_TAG_LEN;
	buf = xmalloc(total);
	buf[0] = SEAL_VERSION;
	buf[1] = key_id(key);
	memcpy(buf + 2, nonce, SEAL_NONCE_LEN);
	aadlen = seal_aad(buf[1], purpose, aad);
	crypto_gcm_seal(key->key, nonce, aad, aadlen, pt, len,
	    buf + SEAL_HDR_LEN);
	explicit_bzero(pt, len);
	free(pt);
	text = b64url_encode(buf, total);
	free(buf);
	return text;
}

/* Parses an opened plaintext: a strict JSON object with a sane "exp". */
static enum seal_err
seal_parse(const unsigned char *pt, size_t len, int64_t now, cJSON **out)
{
	enum json_err jerr;
	long long exp;
	cJSON *o;

	o = json_parse_strict((const char *)pt, len, 1, &jerr);
	if (o == NULL)
		return SEAL_MALFORMED;
	if (json_get_int(o, "exp", 0, EXP_MAX, &exp) != JG_OK) {
		cJSON_Delete(o);
		return SEAL_MALFORMED;
	}
	if (exp <= now) {
		cJSON_Delete(o);
		return SEAL_EXPIRED;
	}
	*out = o;
	return SEAL_OK;
}

/* Tries each key of the text's id; 0 with the plaintext in pt. */
static int
seal_try_keys(const struct seal_key *keys, size_t n, const char *purpose,
    const unsigned char *buf, size_t len, unsigned char *pt)
{
	unsigned char aad[2 + PURPOSE_MAX];
	size_t aadlen, i;

	aadlen = seal_aad(buf[1], purpose, aad);
	for (i = 0; i < n; i++) {
		if (key_id(&keys[i]) != buf[1])
			continue;
		if (crypto_gcm_open(keys[i].key, buf + 2, aad, aadlen,
		    buf + SEAL_HDR_LEN, len - SEAL_HDR_LEN, pt) == 0)
			return 0;
	}
	return -1;
}

enum seal_err
seal_open(const struct seal_key *keys, size_t n, const char *purpose,
    const char *text, size_t len, int64_t now, cJSON **out)
{
	unsigned char *buf = NULL, *pt = NULL;
	enum seal_err err = SEAL_MALFORMED;
	size_t blen, ptlen;

	*out = NULL;
	if (text == NULL || len == 0 || len > SEAL_TEXT_MAX ||
	    b64url_decode(text, len, &buf, &blen) == -1)
		goto out;
	if (blen < SEAL_HDR_LEN + CRYPTO_GCM_TAG_LEN || buf[0] != SEAL_VERSION)
		goto out;
	ptlen = blen - SEAL_HDR_LEN - CRYPTO_GCM_TAG_LEN;
	pt = xmalloc(ptlen + 1);
	err = SEAL_BAD_KEY;
	if (seal_try_keys(keys, n, purpose, buf, blen, pt) == -1)
		goto out;
	err = seal_parse(pt, ptlen, now, out);
	explicit_bzero(pt, ptlen);
out:
	free(pt);
	free(buf);
	return err;
}

const char *
seal_err_string(enum seal_err e)
{
	switch (e) {
	case SEAL_OK:
		return "ok";
	case SEAL_MALFORMED:
		return "sealed text is malformed";
	case SEAL_BAD_KEY:
		return "sealed text does not open with any key";
	case SEAL_EXPIRED:
		return "sealed text has expired";
	}
	return "?";
}
