/*
 * oidc: discovery documents, token responses, authorization URLs, token
 * request forms, PKCE and ID-token checks of the OpenID Connect login
 * (see oidc.h).  Everything the provider sends is capped, parsed
 * strictly (json.c) and copied out, so the caller never holds a cJSON of
 * the provider's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "b64url.h"
#include "conf.h"
#include "crypto.h"
#include "json.h"
#include "oidc.h"
#include "token.h"
#include "util.h"
#include "validate.h"

/* --- reading what the provider sends --- */

/* 1 when s is an http or https URL of visible ASCII, at most max bytes. */
static int
is_http_url(const char *s, size_t max)
{
	size_t i, n;

	if (strncmp(s, "https://", 8) == 0)
		n = 8;
	else if (strncmp(s, "http://", 7) == 0)
		n = 7;
	else
		return 0;
	if (s[n] == '\0' || s[n] == '/')
		return 0;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
		    i >= max)
			return 0;
	return 1;
}

/* Copies the URL member key of o into *out; -1 with *why when required
 * and absent, or present and not an http(s) URL. */
static int
take_url(const cJSON *o, const char *key, int required, char **out,
    char **why)
{
	const char *s = NULL;

	switch (json_get_string(o, key, &s)) {
	case JG_ABSENT:
		if (!required)
			return 0;
		*why = xasprintf("discovery document has no %s", key);
		return -1;
	case JG_WRONG_TYPE:
		*why = xasprintf("discovery document: %s is not a string", key);
		return -1;
	case JG_OK:
		break;
	}
	if (!is_http_url(s, OIDC_URL_MAX)) {
		if (!required)
			return 0;	/* an odd optional endpoint is unused */
		*why = xasprintf("discovery document: %s is not an http(s) "
		    "URL", key);
		return -1;
	}
	if (!valid_secure_url(s)) {
		if (!required)
			return 0;
		*why = xasprintf("discovery document: %s is plain http to "
		    "a host that is not loopback: https is required", key);
		return -1;
	}
	*out = xstrdup(s);
	return 0;
}

int
oidc_discovery_parse(const char *text, size_t len, const char *want_issuer,
    struct oidc_discovery *d, char **why)
{
	enum json_err jerr;
	const char *iss = NULL;
	cJSON *o;
	int r = -1;

	memset(d, 0, sizeof(*d));
	if (len > OIDC_DISCOVERY_MAX) {
		*why = xstrdup("discovery document is too large");
		return -1;
	}
	if ((o = json_parse_strict(text, len, 1, &jerr)) == NULL) {
		*why = xasprintf("discovery document: %s", json_err_string(jerr));
		return -1;
	}
	if (json_get_string(o, "issuer", &iss) != JG_OK ||
	    strcmp(iss, want_issuer) != 0) {
		*why = xstrdup("discovery document names another issuer");
		goto out;
	}
	d->issuer = xstrdup(iss);
	if (take_url(o, "authorization_endpoint", 1,
	    &d->authorization_endpoint, why) == -1 ||
	    take_url(o, "token_endpoint", 1, &d->token_endpoint, why) == -1 ||
	    take_url(o, "jwks_uri", 1, &d->jwks_uri, why) == -1 ||
	    take_url(o, "end_session_endpoint", 0, &d->end_session_endpoint,
	    why) == -1 ||
	    take_url(o, "revocation_endpoint", 0, &d->revocation_endpoint,
	    why) == -1 ||
	    take_url(o, "userinfo_endpoint", 0, &d->userinfo_endpoint,
	    why) == -1)
		goto out;
	r = 0;
out:
	cJSON_Delete(o);
	if (r == -1)
		oidc_discovery_clear(d);
	return r;
}

void
oidc_discovery_clear(struct oidc_discovery *d)
{
	free(d->issuer);
	free(d->authorization_endpoint);
	free(d->token_endpoint);
	free(d->jwks_uri);
	free(d->end_session_endpoint);
	free(d->revocation_endpoint);
	free(d->userinfo_endpoint);
	memset(d, 0, sizeof(*d));
}

/* The refusal of a token endpoint: its error code, when it gave one. */
static void
token_refusal(long status, const cJSON *o, int *invalid_grant, char **why)
{
	const char *code = NULL;

	if (o != NULL && json_get_string(o, "error", &code) == JG_OK &&
	    valid_text(code, 64)) {
		*invalid_grant = strcmp(code, "invalid_grant") == 0;
		*why = xasprintf("the provider refused: %s (HTTP %ld)", code,
		    status);
	} else
		*why = xasprintf("the provider answered HTTP %ld", status);
}

/* Copies a token member when it is a string of visible ASCII. */
static int
take_token(const cJSON *o, const char *key, size_t max, char **out)
{
	const char *s = NULL;
	size_t i;

	if (json_get_string(o, key, &s) != JG_OK)
		return -1;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
		    i >= max)
			return -1;
	if (i == 0)
		return -1;
	*out = xstrdup(s);
	return 0;
}

int
oidc_token_response_parse(long http_status, const char *text, size_t len,
    struct oidc_tokens *t, int *invalid_grant, char **why)
{
	enum json_err jerr;
	const char *type = NULL, *at = NULL;
	cJSON *o = NULL;

	memset(t, 0, sizeof(*t));
	*invalid_grant = 0;
	if (len <= OIDC_TOKEN_RESPONSE_MAX)
		o = json_parse_strict(text, len, 1, &jerr);
	if (http_status != 200 || (o != NULL &&
	    cJSON_GetObjectItemCaseSensitive(o, "error") != NULL)) {
		token_refusal(http_status, o, invalid_grant, why);
		cJSON_Delete(o);
		return -1;
	}
	if (o == NULL) {
		*why = xstrdup("the token endpoint's answer is not a JSON "
		    "object");
		return -1;
	}
	if (json_get_string(o, "token_type", &type) != JG_OK ||
	    strcasecmp(type, "Bearer") != 0 ||
	    json_get_string(o, "access_token", &at) != JG_OK) {
		*why = xstrdup("the token endpoint's answer has no Bearer "
		    "access_token");
		cJSON_Delete(o);
		return -1;
	}
	t->token_type = xstrdup("Bearer");
	take_token(o, "id_token", TOKEN_MAX_LEN, &t->id_token);
	take_token(o, "refresh_token", OIDC_REFRESH_MAX, &t->refresh_token);
	take_token(o, "access_token", OIDC_ACCESS_MAX, &t->access_token);
	cJSON_Delete(o);
	return 0;
}

void
oidc_tokens_clear(struct oidc_tokens *t)
{
	if (t->refresh_token != NULL)
		explicit_bzero(t->refresh_token, strlen(t->refresh_token));
	if (t->access_token != NULL)
		explicit_bzero(t->access_token, strlen(t->access_token));
	free(t->id_token);
	free(t->refresh_token);
	free(t->access_token);
	free(t->token_type);
	memset(t, 0, sizeof(*t));
}

/* --- writing requests --- */

char *
oidc_urlencode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;
	char *out, *o;

	o = out = xmalloc(strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~')
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o = '\0';
	return out;
}

char *
oidc_pkce_challenge(const char *verifier)
{
	unsigned char h[CRYPTO_SHA256_LEN];

	crypto_sha256(verifier, strlen(verifier), h);
	return b64url_encode(h, sizeof(h));
}

/* Appends "&key=value" (value percent-encoded) to *s. */
static void
add_param(char **s, const char *key, const char *value)
{
	char *v, *t;

	v = oidc_urlencode(value);
	t = xasprintf("%s%s%s=%s", *s, **s == '\0' ? "" : "&", key, v);
	free(v);
	free(*s);
	*s = t;
}

/* Appends the k=v&k2=v2 text of the configuration, each value encoded. */
static void
add_extra_params(char **s, const char *form)
{
	char *copy, *p, *save = NULL, *eq;

	copy = xstrdup(form);
	for (p = strtok_r(copy, "&", &save); p != NULL;
	    p = strtok_r(NULL, "&", &save)) {
		if ((eq = strchr(p, '=')) != NULL)
			*eq++ = '\0';
		add_param(s, p, eq != NULL ? eq : "");
	}
	free(copy);
}

char *
oidc_authorize_url(const struct conf *c, const char *endpoint,
    const char *state, const char *nonce, const char *challenge)
{
	char *q = xstrdup(""), *url;

	add_param(&q, "response_type", "code");
	add_param(&q, "client_id", c->oidc_client_id);
	add_param(&q, "redirect_uri", c->oidc_redirect_uri);
	add_param(&q, "scope", c->oidc_scopes);
	add_param(&q, "state", state);
	add_param(&q, "nonce", nonce);
	add_param(&q, "code_challenge", challenge);
	add_param(&q, "code_challenge_method", "S256");
	if (c->oidc_auth_params != NULL)
		add_extra_params(&q, c->oidc_auth_params);
	url = xasprintf("%s%c%s", endpoint,
	    strchr(endpoint, '?') != NULL ? '&' : '?', q);
	free(q);
	return url;
}

/* Whether the client authenticates in the form body. */
static int
secret_in_body(const struct conf *c)
{
	return c->oidc_client_secret == NULL ||
	    strcmp(c->oidc_client_auth, "post") == 0;
}

static void
add_client(char **s, const struct conf *c)
{
	if (!secret_in_body(c))
		return;
	add_param(s, "client_id", c->oidc_client_id);
	if (c->oidc_client_secret != NULL)
		add_param(s, "client_secret", c->oidc_client_secret);
}

char *
oidc_form_code(const struct conf *c, const char *code, const char *verifier)
{
	char *s = xstrdup("");

	add_param(&s, "grant_type", "authorization_code");
	add_param(&s, "code", code);
	add_param(&s, "redirect_uri", c->oidc_redirect_uri);
	add_param(&s, "code_verifier", verifier);
	add_client(&s, c);
	return s;
}

char *
oidc_form_refresh(const struct conf *c, const char *refresh_token)
{
	char *s = xstrdup("");

	add_param(&s, "grant_type", "refresh_token");
	add_param(&s, "refresh_token", refresh_token);
	add_client(&s, c);
	return s;
}

char *
oidc_form_revoke(const struct conf *c, const char *refresh_token)
{
	char *s = xstrdup("");

	add_param(&s, "token", refresh_token);
	add_param(&s, "token_type_hint", "refresh_token");
	add_client(&s, c);
	return s;
}

char *
oidc_basic_auth(const struct conf *c)
{
	char *id, *secret, *pair, *b64, *line;

	if (secret_in_body(c))
		return NULL;
	id = oidc_urlencode(c->oidc_client_id);
	secret = oidc_urlencode(c->oidc_client_secret);
	pair = xasprintf("%s:%s", id, secret);
	b64 = b64std_encode(pair, strlen(pair));
	line = xasprintf("Authorization: Basic %s", b64);
	explicit_bzero(secret, strlen(secret));
	explicit_bzero(pair, strlen(pair));
	explicit_bzero(b64, strlen(b64));
	free(id);
	free(secret);
	free(pair);
	free(b64);
	return line;
}

/* --- the ID token --- */

/* aud names client_id (token_verify checked that); when it names several,
 * azp must be client_id, and an azp present anyway must be it too (Core
 * 3.1.3.7, steps 4 and 5): a token issued to another party is not ours. */
static int
audience_ok(const cJSON *claims, const char *client_id)
{
	const cJSON *aud = cJSON_GetObjectItemCaseSensitive(claims, "aud");
	const char *azp = NULL;

	switch (json_get_string(claims, "azp", &azp)) {
	case JG_OK:
		return strcmp(azp, client_id) == 0;
	case JG_WRONG_TYPE:
		return 0;
	case JG_ABSENT:
		break;
	}
	return !(cJSON_IsArray(aud) && cJSON_GetArraySize(aud) > 1);
}

/* Copies a claim that is valid text of at most max bytes, else "". */
static void
copy_text(const cJSON *claims, const char *key, char *out, size_t max)
{
	const char *s = NULL;

	out[0] = '\0';
	if (json_get_string(claims, key, &s) == JG_OK && valid_text(s, max))
		memcpy(out, s, strlen(s) + 1);
}

/* Fills u from the claims; -1 when sub is not a valid identity. */
static int
user_from_claims(const cJSON *claims, struct oidc_user *u)
{
	char given[OIDC_NAME_MAX / 2], family[OIDC_NAME_MAX / 2];
	const char *sub = NULL;

	memset(u, 0, sizeof(*u));
	/* The user's identity will be "oidc:<sub>" (auth.h). */
	if (json_get_string(claims, "sub", &sub) != JG_OK ||
	    !valid_identity(sub) || strlen(sub) > OIDC_SUB_MAX)
		return -1;
	memcpy(u->sub, sub, strlen(sub) + 1);
	copy_text(claims, "name", u->name, OIDC_NAME_MAX);
	if (u->name[0] == '\0') {
		copy_text(claims, "given_name", given, sizeof(given) - 1);
		copy_text(claims, "family_name", family, sizeof(family) - 1);
		snprintf(u->name, sizeof(u->name), "%s%s%s", given,
		    given[0] != '\0' && family[0] != '\0' ? " " : "", family);
	}
	copy_text(claims, "email", u->email, OIDC_EMAIL_MAX);
	return 0;
}

/* The checks after the signature, issuer, audience and expiry. */
static enum oidc_idt
check_claims(const cJSON *claims, const char *client_id, const char *nonce,
    struct oidc_user *u, const char **why)
{
	const char *got = NULL;

	if (!audience_ok(claims, client_id)) {
		*why = "ID token's azp is not ours, or it names several "
		    "audiences without azp";
		return OIDC_IDT_BAD;
	}
	if (nonce != NULL && (json_get_string(claims, "nonce", &got) !=
	    JG_OK || strlen(got) != strlen(nonce) ||
	    !crypto_ct_equal(got, nonce, strlen(nonce)))) {
		*why = "ID token nonce does not match the login's";
		return OIDC_IDT_BAD;
	}
	if (user_from_claims(claims, u) == -1) {
		*why = "ID token sub is not 1-123 characters of A-Z a-z 0-9 "
		    "_ . @ : -";
		return OIDC_IDT_BAD;
	}
	return OIDC_IDT_OK;
}

enum oidc_idt
oidc_check_id_token(const struct token_keyset *keys, const char *jwt,
    size_t len, const char *issuer, const char *client_id,
    const char *nonce, int64_t now, int64_t leeway, struct oidc_user *u,
    const char **why)
{
	struct token_verify_opts opts = { 0 };
	enum token_err e;
	enum oidc_idt r;
	cJSON *claims = NULL;

	opts.now = now;
	opts.leeway = leeway;
	opts.issuer = issuer;
	opts.audience = client_id;
	opts.require_exp = 1;
	/* The provider's keys are asymmetric: an HS256 token is refused. */
	e = token_verify(keys, jwt, len, &opts, &claims);
	if (e == TOKEN_NO_KEY) {
		*why = "no key of the provider's matches the ID token";
		return OIDC_IDT_NO_KEY;
	}
	if (e != TOKEN_OK) {
		*why = token_err_string(e);
		return OIDC_IDT_BAD;
	}
	r = check_claims(claims, client_id, nonce, u, why);
	cJSON_Delete(claims);
	return r;
}

int
oidc_userinfo_merge(long http_status, const char *text, size_t len,
    struct oidc_user *u, const char **why)
{
	struct oidc_user got;
	enum json_err jerr;
	cJSON *o;
	int r;

	if (http_status != 200) {
		*why = "the userinfo endpoint answered an error";
		return -1;
	}
	if (len > OIDC_USERINFO_MAX ||
	    (o = json_parse_strict(text, len, 1, &jerr)) == NULL) {
		*why = "the userinfo answer is not a JSON object";
		return -1;
	}
	r = user_from_claims(o, &got);
	cJSON_Delete(o);
	if (r == -1 || strcmp(got.sub, u->sub) != 0) {
		*why = "the userinfo answer is about another user";
		return -1;
	}
	if (u->name[0] == '\0')
		memcpy(u->name, got.name, sizeof(u->name));
	if (u->email[0] == '\0')
		memcpy(u->email, got.email, sizeof(u->email));
	return 0;
}
