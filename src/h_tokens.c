/*
 * h_tokens: POST /api/livekit/token (and the legacy /livekit/token): a
 * participant token for a named room.  Accepts LiveKit's standard
 * token-endpoint fields; `identity` is an alias of `participant_identity`.
 * An API key names the identity; no LiveKit call is needed.
 */
#include <string.h>

#include "conf.h"
#include "fields.h"
#include "handlers.h"
#include "httpfront.h"
#include "jointoken.h"
#include "lkgate.h"
#include "util.h"

#define NAME_MAX_BYTES 256
#define METADATA_MAX_BYTES 65536
#define ATTRIBUTES_MAX_PAIRS 64
#define ATTRIBUTES_MAX_BYTES 65536

/* Reads the identity from participant_identity or its alias identity. */
static int
token_identity(struct rq *rq, const cJSON *body, const char **out)
{
	const char *a = NULL, *b = NULL;

	if (field_string(rq, body, "participant_identity", 0, FR_IDENTITY, 0,
	    &a) == -1 || field_string(rq, body, "identity", 0, FR_IDENTITY, 0,
	    &b) == -1)
		return -1;
	if (a != NULL && b != NULL && strcmp(a, b) != 0) {
		rq_reply_error(rq, E_INVALID_INPUT, "identity and "
		    "participant_identity must be equal when both are given");
		return -1;
	}
	if (a == NULL && b == NULL) {
		rq_reply_error(rq, E_INVALID_INPUT,
		    "participant_identity is required");
		return -1;
	}
	*out = a != NULL ? a : b;
	return 0;
}

void
h_token(struct rq *rq)
{
	const struct conf *c = rq_gate(rq)->conf;
	const cJSON *body = rq_json(rq);
	struct join_request jr = { 0 };
	int64_t exp;
	char *tok;

	if (field_string(rq, body, "room_name", 1, FR_ROOM_NAME, 0,
	    &jr.room) == -1 ||
	    token_identity(rq, body, &jr.identity) == -1 ||
	    field_string(rq, body, "participant_name", 0, FR_TEXT,
	    NAME_MAX_BYTES, &jr.name) == -1 ||
	    field_string(rq, body, "participant_metadata", 0, FR_TEXT,
	    METADATA_MAX_BYTES, &jr.metadata) == -1 ||
	    field_string_map(rq, body, "participant_attributes",
	    ATTRIBUTES_MAX_PAIRS, ATTRIBUTES_MAX_BYTES, &jr.attributes) == -1)
		return;
	tok = jointoken_sign(c, &jr, util_wall_s(), &exp);
	rq_reply_json(rq, 200, jointoken_answer(c, &jr, tok, exp));
}
