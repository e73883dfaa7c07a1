/*
 * seal: small JSON objects sealed for a client to carry (cookies), with
 * AES-256-GCM under one of a few keys.  Pure: the time and the nonce come
 * in.
 *
 * A sealed text is the base64url (no padding) of
 *
 *	version (1 byte, 1) | key id (1 byte) | nonce (12) | ciphertext | tag
 *
 * where the plaintext is the object's compact JSON, which must hold "exp"
 * (Unix seconds), and the additional data is the version, the key id and
 * the purpose (e.g. "session"), so that a text sealed for one purpose
 * never opens as another.  The key id is the first byte of SHA-256 of the
 * key: opening tries only the keys of that id, so rotation costs nothing
 * (the first key seals, every key opens).
 */
#ifndef LKGATE_SEAL_H
#define LKGATE_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "crypto.h"

#define SEAL_KEY_LEN	CRYPTO_GCM_KEY_LEN
#define SEAL_NONCE_LEN	CRYPTO_GCM_NONCE_LEN
/* Longest sealed text opened: a cookie is at most 4 KB. */
#define SEAL_TEXT_MAX	4096

struct seal_key {
	unsigned char	 key[SEAL_KEY_LEN];
};

enum seal_err {
	SEAL_OK, SEAL_MALFORMED, SEAL_BAD_KEY, SEAL_EXPIRED
};

/*
 * Seals obj (which must hold an integer "exp") for purpose under key
 * with the given nonce.  Returns the text (caller frees).
 */
char		*seal_json(const struct seal_key *key, const char *purpose,
		    const cJSON *obj, const unsigned char nonce[SEAL_NONCE_LEN]);

/*
 * Opens len bytes of text sealed for purpose with one of the n keys, at
 * time now.  SEAL_MALFORMED: not a sealed text (bad base64url, too short
 * or long, another version, plaintext that is not a strict JSON object
 * with an integer "exp"); SEAL_BAD_KEY: no key opens it (tampered, other
 * purpose, retired key); SEAL_EXPIRED: "exp" <= now.  On SEAL_OK *out is
 * the object (caller frees with cJSON_Delete), else NULL.
 */
enum seal_err	 seal_open(const struct seal_key *keys, size_t n,
		    const char *purpose, const char *text, size_t len,
		    int64_t now, cJSON **out);

/* "sealed text is malformed", ... */
const char	*seal_err_string(enum seal_err);

#endif
