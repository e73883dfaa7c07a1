/*
 * token: signs LiveKit access tokens and verifies inbound JWTs and LiveKit
 * webhook signatures.
 *
 * Verification runs in a fixed order: size and shape, header, key choice
 * and signature, and only then the payload.  The payload is attacker text
 * until the signature holds, so it is not even parsed before.  The
 * algorithm comes from the key, never from the token: the header's `alg`
 * only has to agree with it, which is what defeats "none" and HS256 tokens
 * MACed with an RSA public key.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "crypto.h"
#include "json.h"
#include "log.h"
#include "token.h"
#include "util.h"

/* The base64url of {"alg":"HS256","typ":"JWT"}, the header of every token
 * we sign (test_token decodes it back). */
#define HS256_HEADER_B64	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"

/* A compact JWS taken apart.  Pointers into the token are borrowed. */
struct jws {
	cJSON		*header;
	enum token_alg	 alg;
	const char	*kid;		/* borrowed from header, or NULL */
	const char	*input;		/* signing input: header "." payload */
	size_t		 inputlen;
	const char	*payload;	/* base64url payload segment */
	size_t		 payloadlen;
	unsigned char	*sig;
	size_t		 siglen;
};

static const char *const token_err_strings[] = {
	[TOKEN_OK] = "ok",
	[TOKEN_MALFORMED] = "token is malformed",
	[TOKEN_TOO_LARGE] = "token is too large",
	[TOKEN_BAD_ALG] = "token algorithm is not accepted",
	[TOKEN_NO_KEY] = "no key matches the token",
	[TOKEN_BAD_SIGNATURE] = "token signature is invalid",
	[TOKEN_EXPIRED] = "token has expired",
	[TOKEN_NOT_YET_VALID] = "token is not valid yet",
	[TOKEN_NO_EXP] = "token has no expiry",
	[TOKEN_BAD_ISSUER] = "token issuer is not accepted",
	[TOKEN_BAD_AUDIENCE] = "token audience is not accepted",
	[TOKEN_BAD_HASH] = "body does not match the token's hash",
	[TOKEN_KID_REQUIRED] =
	    "token names no key (kid) and several keys could have signed it",
};

const char *
token_err_string(enum token_err err)
{
	if ((size_t)err >= NELEM(token_err_strings))
		return "unknown token error";
	return token_err_strings[err];
}

/*
 * The claims of a signed token are written as JSON text straight into the
 * token's buffer, with no cJSON tree: the same bytes cJSON printed for the
 * tree this module used to build (test_token checks them exactly), at a
 * fraction of the allocations.  The writer has a capacity: what does not
 * fit is only counted (overflow set), so that a second pass can write it
 * into a buffer of the exact size; usual claims fit the first one.
 */
/* Claims up to this long are written once, into the stack. */
#define CLAIMS_FIRST_PASS 1024

struct out {
	char	*p;		/* NULL: count only */
	size_t	 cap;		/* bytes p holds */
	size_t	 n;		/* bytes written (or counted) */
	int	 first;		/* the object open has no member yet */
	int	 overflow;	/* n went past cap: only counting now */
};

/* Whether len more bytes may be written; else counting only from now. */
static int
room_for(struct out *o, size_t len)
{
	if (o->p == NULL || o->overflow)
		return 0;
	if (len > o->cap - o->n) {
		o->overflow = 1;
		return 0;
	}
	return 1;
}

static void
put(struct out *o, const char *s, size_t len)
{
	if (room_for(o, len))
		memcpy(o->p + o->n, s, len);
	o->n += len;
}

/* Quoted, s takes at most 6 bytes a byte and its two quotes; when that
 * bound does not fit, its exact length may. */
static void
put_quoted(struct out *o, const char *s)
{
	size_t len = strlen(s), quoted;

	if (o->p != NULL && !o->overflow && len <= (SIZE_MAX - 2) / 6 &&
	    6 * len + 2 <= o->cap - o->n) {
		o->n += json_quote(o->p + o->n, s);
		return;
	}
	quoted = json_quote(NULL, s);
	if (room_for(o, quoted))
		json_quote(o->p + o->n, s);
	o->n += quoted;
}

static void
put_open(struct out *o, char c)
{
	put(o, &c, 1);
	o->first = 1;
}

/* Closing a member's object or array leaves its parent non-empty. */
static void
put_close(struct out *o, char c)
{
	put(o, &c, 1);
	o->first = 0;
}

/* Starts a member named by caller data (an attribute's key): the comma
 * unless first, the name quoted, the colon. */
static void
put_key(struct out *o, const char *key)
{
	if (!o->first)
		put(o, ",", 1);
	o->first = 0;
	put_quoted(o, key);
	put(o, ":", 1);
}

/* The same for one of our claim names: letters only, nothing to escape. */
static void
put_name(struct out *o, const char *name)
{
	if (!o->first)
		put(o, ",\"", 2);
	else
		put(o, "\"", 1);
	o->first = 0;
	put(o, name, strlen(name));
	put(o, "\":", 2);
}

static void
put_bool(struct out *o, const char *name, int val)
{
	put_name(o, name);
	if (val)
		put(o, "true", 4);
	else
		put(o, "false", 5);
}

static void
put_int(struct out *o, const char *name, int64_t val)
{
	char num[JSON_INT_MAX_LEN];

	put_name(o, name);
	put(o, num, json_int(num, val));
}

/* Emits a plain LiveKit boolean: present only when true (omitempty). */
static void
put_flag(struct out *o, const char *name, int val)
{
	if (val)
		put_bool(o, name, 1);
}

/* Emits a pointer boolean: absent, false and true all differ. */
static void
put_tri(struct out *o, const char *name, enum tri val)
{
	if (val != TRI_ABSENT)
		put_bool(o, name, val == TRI_TRUE);
}

static void
put_opt_string(struct out *o, const char *name, const char *val)
{
	if (val == NULL)
		return;
	put_name(o, name);
	put_quoted(o, val);
}

/* `canPublishSources`: omitted when empty. */
static void
put_sources(struct out *o, const char *const *srcs)
{
	const char *const *s;

	if (srcs == NULL || srcs[0] == NULL)
		return;
	put_name(o, "canPublishSources");
	put_open(o, '[');
	for (s = srcs; *s != NULL; s++) {
		if (s != srcs)
			put(o, ",", 1);
		put_quoted(o, *s);
	}
	put_close(o, ']');
}

/* Writes `video` with the member names and order of grants.go. */
static void
put_video(struct out *o, const struct lk_video_grant *g)
{
	put_name(o, "video");
	put_open(o, '{');
	put_flag(o, "roomCreate", g->room_create);
	put_flag(o, "roomList", g->room_list);
	put_flag(o, "roomRecord", g->room_record);
	put_flag(o, "roomAdmin", g->room_admin);
	put_flag(o, "roomJoin", g->room_join);
	put_opt_string(o, "room", g->room);
	put_tri(o, "canPublish", g->can_publish);
	put_tri(o, "canSubscribe", g->can_subscribe);
	put_tri(o, "canPublishData", g->can_publish_data);
	put_tri(o, "canUpdateOwnMetadata", g->can_update_own_metadata);
	put_sources(o, g->can_publish_sources);
	put_flag(o, "hidden", g->hidden);
	put_flag(o, "recorder", g->recorder);
	put_flag(o, "agent", g->agent);
	put_close(o, '}');
}

/* Writes `attributes` from a key, value, ..., NULL list; omitted when
 * empty, as Go's omitempty map. */
static void
put_attributes(struct out *o, const char *const *kv)
{
	if (kv == NULL || kv[0] == NULL)
		return;
	put_name(o, "attributes");
	put_open(o, '{');
	for (; kv[0] != NULL; kv += 2) {
		if (kv[1] == NULL)
			fatal("token attribute %s has no value", kv[0]);
		put_key(o, kv[0]);
		put_quoted(o, kv[1]);
	}
	put_close(o, '}');
}

static void
put_claims(struct out *o, const char *api_key, const struct lk_claims *c,
    int64_t now, int64_t ttl)
{
	put_open(o, '{');
	put_name(o, "iss");
	put_quoted(o, api_key);
	if (c != NULL)
		put_opt_string(o, "sub", c->identity);
	put_int(o, "nbf", now);
	put_int(o, "exp", now + ttl);
	if (c != NULL) {
		put_opt_string(o, "name", c->name);
		put_opt_string(o, "metadata", c->metadata);
		put_attributes(o, c->attributes);
		put_opt_string(o, "kind", c->kind);
		if (c->has_video)
			put_video(o, &c->video);
		if (c->room_config != NULL) {
			put_name(o, "roomConfig");
			put(o, c->room_config, strlen(c->room_config));
		}
		put_opt_string(o, "sha256", c->sha256);
	}
	put_close(o, '}');
}

struct token_signer {
	char			*api_key;
	struct crypto_hmac_key	*mac;
};

struct token_signer *
token_signer_new(const char *api_key, const void *secret, size_t secretlen)
{
	struct token_signer *s;

	if (api_key == NULL)
		fatal("a token signer needs an API key");
	s = xcalloc(1, sizeof(*s));
	s->api_key = xstrdup(api_key);
	s->mac = crypto_hmac_key_new(secret, secretlen);
	return s;
}

void
token_signer_free(struct token_signer *s)
{
	if (s == NULL)
		return;
	crypto_hmac_key_free(s->mac);
	free(s->api_key);
	free(s);
}

/*
 * Lays the token out in one buffer sized by a counting pass: the constant
 * header, the claims written where the end of their base64url text will
 * be and then encoded in place, the MAC of all that, its base64url.
 */
char *
token_signer_sign(const struct token_signer *s, const struct lk_claims *c,
    int64_t now, int64_t ttl)
{
	static const char header[] = HS256_HEADER_B64 ".";
	unsigned char mac[CRYPTO_SHA256_LEN];
	char first[CLAIMS_FIRST_PASS], *claims = first;
	struct out o = { first, sizeof(first), 0, 0, 0 };
	size_t plen, seglen, input, total;
	char *jwt;

	if ((ttl > 0 && now > INT64_MAX - ttl) ||
	    (ttl < 0 && now < INT64_MIN - ttl))
		fatal("token lifetime overflows");
	put_claims(&o, s->api_key, c, now, ttl);
	plen = o.n;
	if (o.overflow) {	/* large claims: again, at their size */
		claims = xmalloc(plen);
		o = (struct out){ claims, plen, 0, 0, 0 };
		put_claims(&o, s->api_key, c, now, ttl);
		if (o.overflow || o.n != plen)
			fatal("token claims changed length while written");
	}
	seglen = b64url_len(plen);
	input = sizeof(header) - 1 + seglen;
	total = input + 1 + b64url_len(sizeof(mac)) + 1;
	jwt = xmalloc(total);
	memcpy(jwt, header, sizeof(header) - 1);
	b64url_encode_to(jwt + sizeof(header) - 1, claims, plen);
	if (claims != first)
		free(claims);
	crypto_hmac_sha256_with(s->mac, jwt, input, mac);
	jwt[input] = '.';
	b64url_encode_to(jwt + input + 1, mac, sizeof(mac));
	jwt[total - 1] = '\0';
	return jwt;
}

char *
token_sign_hs256(const void *secret, size_t secretlen, const cJSON *claims)
{
	unsigned char mac[CRYPTO_SHA256_LEN];
	char *payload, *seg, *input, *sig, *jwt;

	payload = json_print(claims);
	seg = b64url_encode(payload, strlen(payload));
	input = xasprintf("%s.%s", HS256_HEADER_B64, seg);
	crypto_hmac_sha256(secret, secretlen, input, strlen(input), mac);
	sig = b64url_encode(mac, sizeof(mac));
	jwt = xasprintf("%s.%s", input, sig);
	explicit_bzero(mac, sizeof(mac));
	free(payload);
	free(seg);
	free(input);
	free(sig);
	return jwt;
}

char *
token_sign_livekit(const char *api_key, const void *secret, size_t secretlen,
    const struct lk_claims *c, int64_t now, int64_t ttl)
{
	struct token_signer *s;
	char *jwt;

	s = token_signer_new(api_key, secret, secretlen);
	jwt = token_signer_sign(s, c, now, ttl);
	token_signer_free(s);
	return jwt;
}

static void
jws_clear(struct jws *j)
{
	cJSON_Delete(j->header);
	free(j->sig);
	memset(j, 0, sizeof(*j));
}

/* Reads the protected header: a JSON object naming a known alg. */
static enum token_err
jws_header(struct jws *j, const char *seg, size_t len)
{
	static const char *const algs[] = {
		[TOKEN_HS256] = "HS256", [TOKEN_RS256] = "RS256",
		[TOKEN_ES256] = "ES256",
	};
	unsigned char *text;
	size_t textlen, i;
	enum json_err jerr;
	const char *alg;

	if (b64url_decode(seg, len, &text, &textlen) == -1)
		return TOKEN_MALFORMED;
	j->header = json_parse_strict((char *)text, textlen, 1, &jerr);
	free(text);
	if (j->header == NULL ||
	    json_get_string(j->header, "alg", &alg) != JG_OK ||
	    json_get_string(j->header, "kid", &j->kid) == JG_WRONG_TYPE)
		return TOKEN_MALFORMED;
	/* We implement no extension, so any "crit" must be refused
	 * (RFC 7515 4.1.11); that also covers unencoded payloads. */
	if (cJSON_GetObjectItemCaseSensitive(j->header, "crit") != NULL)
		return TOKEN_MALFORMED;
	for (i = 0; i < NELEM(algs); i++)
		if (strcmp(alg, algs[i]) == 0) {
			j->alg = (enum token_alg)i;
			return TOKEN_OK;
		}
	return TOKEN_BAD_ALG;	/* "none", HS384, ... */
}

/* Splits and decodes everything but the payload. */
static enum token_err
jws_parse(const char *jwt, size_t len, struct jws *j)
{
	const char *d1, *d2, *sig;
	size_t siglen;
	enum token_err e;

	memset(j, 0, sizeof(*j));
	if (len > TOKEN_MAX_LEN)
		return TOKEN_TOO_LARGE;
	if (jwt == NULL || (d1 = memchr(jwt, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - jwt))) == NULL)
		return TOKEN_MALFORMED;
	sig = d2 + 1;
	siglen = len - (size_t)(sig - jwt);
	if (d1 == jwt || d2 == d1 + 1 || memchr(sig, '.', siglen) != NULL)
		return TOKEN_MALFORMED;
	if ((e = jws_header(j, jwt, (size_t)(d1 - jwt))) != TOKEN_OK)
		return e;
	/* An empty signature decodes to zero bytes and then fails to verify,
	 * after the alg check has had its say. */
	if (b64url_decode(sig, siglen, &j->sig, &j->siglen) == -1)
		return TOKEN_MALFORMED;
	j->input = jwt;
	j->inputlen = (size_t)(d2 - jwt);
	j->payload = d1 + 1;
	j->payloadlen = (size_t)(d2 - j->payload);
	return TOKEN_OK;
}

static int
hs256_verifies(const void *secret, size_t secretlen, const struct jws *j)
{
	unsigned char mac[CRYPTO_SHA256_LEN];

	if (j->siglen != sizeof(mac))
		return 0;
	crypto_hmac_sha256(secret, secretlen, j->input, j->inputlen, mac);
	return crypto_ct_equal(mac, j->sig, sizeof(mac));
}

/* The same, with the key's padded hash states computed once. */
static int
hs256_verifies_with(struct crypto_hmac_key *hk, const struct jws *j)
{
	unsigned char mac[CRYPTO_SHA256_LEN];

	if (j->siglen != sizeof(mac))
		return 0;
	crypto_hmac_sha256_with(hk, j->input, j->inputlen, mac);
	return crypto_ct_equal(mac, j->sig, sizeof(mac));
}

static int
key_verifies(const struct token_key *k, const struct jws *j)
{
	switch (k->alg) {
	case TOKEN_HS256:
		if (k->hmac != NULL)
			return hs256_verifies_with(k->hmac, j);
		return k->secret != NULL &&
		    hs256_verifies(k->secret, k->secretlen, j);
	case TOKEN_RS256:
		return crypto_verify_rs256(k->pk, j->input, j->inputlen,
		    j->sig, j->siglen);
	case TOKEN_ES256:
		return crypto_verify_es256(k->pk, j->input, j->inputlen,
		    j->sig, j->siglen);
	}
	return 0;
}

/* 1 when k may have signed j: its kid allows it and its alg is j's. */
static int
key_is_candidate(const struct token_key *k, const struct jws *j)
{
	return k->alg == j->alg &&
	    (j->kid == NULL || k->kid == NULL || strcmp(j->kid, k->kid) == 0);
}

/*
 * An RS256 or ES256 signature costs a public-key operation: a token that
 * several such keys could have signed is refused rather than tried
 * against each, so one forged token costs at most one.  HMAC keys are
 * cheap and all tried.
 */
static int
too_many_candidates(const struct token_keyset *ks, const struct jws *j)
{
	size_t i, n = 0;

	if (j->alg == TOKEN_HS256)
		return 0;
	for (i = 0; ks != NULL && i < ks->nkeys; i++)
		if (key_is_candidate(&ks->keys[i], j) && ++n > 1)
			return 1;
	return 0;
}

/*
 * Tries the keys whose kid allows it and whose pinned alg is the header's.
 * The error tells no candidate (NO_KEY) from candidates of another alg
 * only (BAD_ALG) from too many public keys (KID_REQUIRED) from a
 * signature none of them accepts.
 */
static enum token_err
jws_check_keys(const struct token_keyset *ks, const struct jws *j)
{
	const struct token_key *k;
	size_t i, ncand = 0, nalg = 0;

	if (too_many_candidates(ks, j))
		return TOKEN_KID_REQUIRED;
	for (i = 0; ks != NULL && i < ks->nkeys; i++) {
		k = &ks->keys[i];
		if (j->kid != NULL && k->kid != NULL &&
		    strcmp(j->kid, k->kid) != 0)
			continue;
		ncand++;
		if (k->alg != j->alg)
			continue;
		nalg++;
		if (key_verifies(k, j))
			return TOKEN_OK;
	}
	if (ncand == 0)
		return TOKEN_NO_KEY;
	return nalg == 0 ? TOKEN_BAD_ALG : TOKEN_BAD_SIGNATURE;
}

/* Decodes and parses the (authenticated) payload: a JSON object. */
static enum token_err
jws_payload(const struct jws *j, cJSON **out)
{
	unsigned char *text;
	size_t textlen;
	enum json_err jerr;

	if (b64url_decode(j->payload, j->payloadlen, &text, &textlen) == -1)
		return TOKEN_MALFORMED;
	*out = json_parse_strict((char *)text, textlen, 1, &jerr);
	free(text);
	return *out == NULL ? TOKEN_MALFORMED : TOKEN_OK;
}

/* Reads a NumericDate claim (RFC 7519 2: a number, maybe fractional).
 * Anything but a finite number, null included, is malformed. */
static enum token_err
claim_time(const cJSON *claims, const char *name, int *present, double *t)
{
	const cJSON *v;

	*present = 0;
	if ((v = cJSON_GetObjectItemCaseSensitive(claims, name)) == NULL)
		return TOKEN_OK;
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
		return TOKEN_MALFORMED;
	*present = 1;
	*t = v->valuedouble;
	return TOKEN_OK;
}

static enum token_err
check_times(const cJSON *claims, const struct token_verify_opts *o)
{
	double exp = 0, nbf = 0;
	double now = (double)o->now, leeway = (double)o->leeway;
	int has_exp, has_nbf;
	enum token_err e;

	if ((e = claim_time(claims, "exp", &has_exp, &exp)) != TOKEN_OK ||
	    (e = claim_time(claims, "nbf", &has_nbf, &nbf)) != TOKEN_OK)
		return e;
	/* Valid while now < exp (RFC 7519 4.1.4) and now >= nbf. */
	if (has_exp && now - leeway >= exp)
		return TOKEN_EXPIRED;
	if (!has_exp && o->require_exp)
		return TOKEN_NO_EXP;
	if (has_nbf && now + leeway < nbf)
		return TOKEN_NOT_YET_VALID;
	return TOKEN_OK;
}

/* `aud` is a string or an array of strings (RFC 7519 4.1.3). */
static int
audience_has(const cJSON *claims, const char *want)
{
	const cJSON *aud, *v;

	aud = cJSON_GetObjectItemCaseSensitive(claims, "aud");
	if (cJSON_IsString(aud))
		return strcmp(aud->valuestring, want) == 0;
	if (!cJSON_IsArray(aud))
		return 0;
	cJSON_ArrayForEach(v, aud)
		if (cJSON_IsString(v) && strcmp(v->valuestring, want) == 0)
			return 1;
	return 0;
}

static enum token_err
check_claims(const cJSON *claims, const struct token_verify_opts *o)
{
	const char *iss;
	enum token_err e;

	if ((e = check_times(claims, o)) != TOKEN_OK)
		return e;
	if (o->issuer != NULL &&
	    (json_get_string(claims, "iss", &iss) != JG_OK ||
	    strcmp(iss, o->issuer) != 0))
		return TOKEN_BAD_ISSUER;
	if (o->audience != NULL && !audience_has(claims, o->audience))
		return TOKEN_BAD_AUDIENCE;
	return TOKEN_OK;
}

/* Hands the payload to the caller on success, else frees it. */
static enum token_err
finish(enum token_err e, struct jws *j, cJSON *payload, cJSON **claims)
{
	jws_clear(j);
	if (e != TOKEN_OK) {
		cJSON_Delete(payload);
		payload = NULL;
	}
	if (claims != NULL)
		*claims = payload;
	else
		cJSON_Delete(payload);
	return e;
}

enum token_err
token_verify(const struct token_keyset *ks, const char *jwt, size_t len,
    const struct token_verify_opts *o, cJSON **claims)
{
	struct jws j;
	cJSON *payload = NULL;
	enum token_err e;

	if ((e = jws_parse(jwt, len, &j)) == TOKEN_OK &&
	    (e = jws_check_keys(ks, &j)) == TOKEN_OK &&
	    (e = jws_payload(&j, &payload)) == TOKEN_OK)
		e = check_claims(payload, o);
	return finish(e, &j, payload, claims);
}

/* Compares the sha256 claim with base64(SHA-256(body)) in constant
 * time; only the (public) length may end the comparison early. */
static enum token_err
check_body_hash(const cJSON *claims, const void *body, size_t bodylen)
{
	unsigned char hash[CRYPTO_SHA256_LEN];
	const char *claim;
	char *want;
	int same;

	if (json_get_string(claims, "sha256", &claim) != JG_OK)
		return TOKEN_BAD_HASH;
	crypto_sha256(body, bodylen, hash);
	want = b64std_encode(hash, sizeof(hash));
	same = strlen(claim) == strlen(want) &&
	    crypto_ct_equal(claim, want, strlen(want));
	free(want);
	return same ? TOKEN_OK : TOKEN_BAD_HASH;
}

enum token_err
token_verify_webhook(const char *api_key, const void *secret,
    size_t secretlen, const char *auth, size_t authlen, const void *body,
    size_t bodylen, int64_t now, int64_t leeway)
{
	struct token_verify_opts o = {
		.now = now, .leeway = leeway, .issuer = api_key,
		.audience = NULL, .require_exp = 1,
	};
	struct jws j;
	cJSON *payload = NULL;
	enum token_err e;

	if (api_key == NULL || secret == NULL)
		return TOKEN_NO_KEY;
	if ((e = jws_parse(auth, authlen, &j)) == TOKEN_OK &&
	    j.alg != TOKEN_HS256)
		e = TOKEN_BAD_ALG;
	if (e == TOKEN_OK && !hs256_verifies(secret, secretlen, &j))
		e = TOKEN_BAD_SIGNATURE;
	if (e == TOKEN_OK && (e = jws_payload(&j, &payload)) == TOKEN_OK &&
	    (e = check_claims(payload, &o)) == TOKEN_OK)
		e = check_body_hash(payload, body, bodylen);
	return finish(e, &j, payload, NULL);
}

void
token_key_clear(struct token_key *k)
{
	if (k == NULL)
		return;
	free(k->kid);
	if (k->secret != NULL) {
		explicit_bzero(k->secret, k->secretlen);
		free(k->secret);
	}
	crypto_pk_free(k->pk);
	crypto_hmac_key_free(k->hmac);
	memset(k, 0, sizeof(*k));
}
