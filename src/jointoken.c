/*
 * jointoken: signs participant tokens and shapes the token routes' answer.
 * The answer carries both lkgate's names (token, url) and LiveKit's
 * standard token-endpoint names (participant_token, server_url) so that
 * LiveKit client SDKs can use the route as their token source directly.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "json.h"
#include "jointoken.h"
#include "token.h"
#include "util.h"

/* Flattens an object of strings into key, value, ..., NULL (borrowed). */
static const char **
flatten_attributes(const cJSON *attrs)
{
	const cJSON *it;
	const char **v;
	size_t n = 0;

	if (attrs == NULL)
		return NULL;
	v = xcalloc((size_t)cJSON_GetArraySize(attrs) * 2 + 1, sizeof(*v));
	cJSON_ArrayForEach(it, attrs) {
		v[n++] = it->string;
		v[n++] = it->valuestring;
	}
	v[n] = NULL;
	return v;
}

char *
jointoken_sign(const struct conf *c, const struct join_request *jr,
    int64_t now, int64_t *expires_at)
{
	struct lk_claims claims = { 0 };
	const char **attrs;
	char *tok;

	claims.identity = jr->identity;
	claims.name = jr->name;
	claims.metadata = jr->metadata;
	claims.has_video = 1;
	claims.video.room_join = 1;
	claims.video.room = jr->room;
	claims.video.can_publish = TRI_TRUE;
	claims.video.can_subscribe = TRI_TRUE;
	claims.video.can_publish_data = TRI_TRUE;
	claims.video.can_update_own_metadata = TRI_ABSENT;
	attrs = flatten_attributes(jr->attributes);
	claims.attributes = attrs;
	claims.room_config = jr->room_config;
	tok = token_signer_sign(c->livekit_signer, &claims, now, c->token_ttl);
	free(attrs);
	*expires_at = now + c->token_ttl;
	return tok;
}

cJSON *
jointoken_answer(const struct conf *c, const struct join_request *jr,
    char *token, int64_t expires_at)
{
	cJSON *o;

	o = json_new_object();
	json_add_string(o, "token", token);
	json_add_string(o, "url", c->livekit_url);
	json_add_string(o, "room_name", jr->room);
	json_add_string(o, "identity", jr->identity);
	json_add_int(o, "expires_at", expires_at);
	json_add_string(o, "server_url", c->livekit_url);
	json_add_string(o, "participant_token", token);
	free(token);
	return o;
}

/* Appends literal text at p; returns the end. */
static char *
put_lit(char *p, const char *s)
{
	size_t n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

/* The length of s quoted.  Exact rather than a bound of 6 bytes a byte:
 * a bound would make the buffer of a 1 kB answer 5 kB, a size malloc
 * serves on its slow path. */
static size_t
quoted_len(const char *s)
{
	return json_quote(NULL, s);
}

/* Appends a compact JWS quoted: base64url segments and dots, which JSON
 * never escapes, so it is copied as it is. */
static char *
put_jws(char *p, const char *jws, size_t n)
{
	*p++ = '"';
	memcpy(p, jws, n);
	p += n;
	*p++ = '"';
	return p;
}

char *
jointoken_answer_text(const struct conf *c, const struct join_request *jr,
    char *token, int64_t expires_at, size_t *len)
{
	/* Every literal piece of the answer, to size the buffer. */
	static const char names[] = "{\"token\":,\"url\":,\"room_name\":,"
	    "\"identity\":,\"expires_at\":,\"server_url\":,"
	    "\"participant_token\":}";
	char *text, *p, *url;
	size_t toklen = strlen(token), urllen;

	/* The token and the URL appear twice. */
	text = xmalloc(sizeof(names) + JSON_INT_MAX_LEN + 2 * (toklen + 2) +
	    2 * quoted_len(c->livekit_url) + quoted_len(jr->room) +
	    quoted_len(jr->identity));
	p = put_lit(text, "{\"token\":");
	p = put_jws(p, token, toklen);
	p = put_lit(p, ",\"url\":");
	url = p;
	p += urllen = json_quote(p, c->livekit_url);
	p = put_lit(p, ",\"room_name\":");
	p += json_quote(p, jr->room);
	p = put_lit(p, ",\"identity\":");
	p += json_quote(p, jr->identity);
	p = put_lit(p, ",\"expires_at\":");
	p += json_int(p, expires_at);
	p = put_lit(p, ",\"server_url\":");
	p = (char *)memcpy(p, url, urllen) + urllen;
	p = put_lit(p, ",\"participant_token\":");
	p = put_jws(p, token, toklen);
	p = put_lit(p, "}");
	*p = '\0';
	*len = (size_t)(p - text);
	free(token);
	return text;
}
