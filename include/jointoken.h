/*
 * jointoken: the participant access tokens lkgate hands to clients, with
 * the grants the official SDKs give a normal participant: roomJoin for one
 * room, publish, subscribe and data allowed.  Pure: time comes in.
 */
#ifndef LKGATE_JOINTOKEN_H
#define LKGATE_JOINTOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct conf;

struct join_request {
	const char	*room;		/* required */
	const char	*identity;	/* required */
	const char	*name;		/* NULL: none */
	const char	*metadata;	/* NULL: none */
	const cJSON	*attributes;	/* object of strings, or NULL */
	const char	*room_config;	/* the roomConfig claim as JSON text
					   (roomcfg_claim), or NULL */
};

/* Returns a signed token (caller frees) valid for conf->token_ttl seconds
 * from now, and its expiry in *expires_at. */
char	*jointoken_sign(const struct conf *, const struct join_request *,
	    int64_t now, int64_t *expires_at);

/*
 * Returns the answer of the token routes (caller frees):
 * {"token","url","room_name","identity","expires_at","server_url",
 *  "participant_token"}; takes ownership of token.
 */
cJSON	*jointoken_answer(const struct conf *, const struct join_request *,
	    char *token, int64_t expires_at);

/* The same answer as JSON text, byte for byte what json_print makes of
 * jointoken_answer's tree, but with no tree: the token routes' hot path.
 * Returns it NUL-terminated (caller frees) and its length in *len; takes
 * ownership of token, which must be a compact JWS as jointoken_sign makes
 * (base64url and dots: copied without JSON escaping). */
char	*jointoken_answer_text(const struct conf *,
	    const struct join_request *, char *token, int64_t expires_at,
	    size_t *len);

#endif
