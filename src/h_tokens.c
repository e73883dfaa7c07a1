/*
 * h_tokens: POST /api/livekit/token (and the legacy /livekit/token): a
 * participant token for a named room.  Accepts LiveKit's standard
 * token-endpoint fields; `identity` is an alias of `participant_identity`.
 *
 * An admin API key names the identity and may mint for any room name with
 * no LiveKit call.  An app API key ships inside the Eloquence app, so it is
 * public: it gets a token only for a session room, as that session's
 * user_id (session_check_token, which looks the room up).  A user is
 * always their own identity, and gets a token only for a room they may
 * join, which is looked up first (room_check_join, the same check as
 * /api/livekit/rooms/{name}/join).
 */
#include <stdlib.h>
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

/* Reads participant_identity or its alias identity into *out (NULL when
 * both are absent). */
static int
body_identity(struct rq *rq, const cJSON *body, const char **out)
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
	*out = a != NULL ? a : b;
	return 0;
}

int
token_caller_identity(struct rq *rq, const cJSON *body, const char **out)
{
	const struct principal *p = rq_principal(rq);
	const char *id = NULL;

	if (body_identity(rq, body, &id) == -1)
		return -1;
	if (p->kind == P_USER) {
		if (id != NULL && strcmp(id, p->name) != 0) {
			rq_reply_error(rq, E_PERMISSION_DENIED, "a user may "
			    "only act as their own identity");
			return -1;
		}
		*out = p->name;
		return 0;
	}
	if (id == NULL) {
		rq_reply_error(rq, E_INVALID_INPUT,
		    "participant_identity is required");
		return -1;
	}
	*out = id;
	return 0;
}

void
token_reply(struct rq *rq, void *arg)
{
	const struct conf *c = rq_gate(rq)->conf;
	struct token_ask *ask = arg;
	struct join_request *jr = &ask->jr;
	int64_t exp;
	size_t len;
	char *tok, *text, *claim;

	if (ask->rc.nagents > 0 && !ask->agents_done) {
		token_with_agents(rq, ask);
		return;
	}
	claim = roomcfg_claim(&ask->rc);
	jr->room_config = claim;
	tok = jointoken_sign(c, jr, util_wall_s(), &exp);
	jr->room_config = NULL;
	free(claim);
	text = jointoken_answer_text(c, jr, tok, exp, &len);
	rq_reply_data(rq, 200, "application/json", text, len);
	free(text);
}

/* Reads the token fields of the body into ask; a user's display name is
 * the default participant name. */
static int
token_fields(struct rq *rq, const cJSON *body, struct token_ask *ask)
{
	const struct principal *p = rq_principal(rq);
	struct join_request *jr = &ask->jr;
	const char *lk;

	if (token_caller_identity(rq, body, &jr->identity) == -1 ||
	    field_string(rq, body, "participant_name", 0, FR_TEXT,
	    NAME_MAX_BYTES, &jr->name) == -1 ||
	    field_string(rq, body, "participant_metadata", 0, FR_TEXT,
	    METADATA_MAX_BYTES, &jr->metadata) == -1 ||
	    field_string_map(rq, body, "participant_attributes",
	    ATTRIBUTES_MAX_PAIRS, ATTRIBUTES_MAX_BYTES,
	    &jr->attributes) == -1 ||
	    token_room_config(rq, body, &ask->rc) == -1)
		return -1;
	if ((lk = roomcfg_reserved_attribute(jr->attributes)) != NULL) {
		rq_reply_error(rq, E_INVALID_INPUT, "participant_attributes "
		    "key %s: keys beginning with lk. belong to LiveKit", lk);
		return -1;
	}
	if (jr->name == NULL && p->kind == P_USER && p->display[0] != '\0')
		jr->name = p->display;
	return 0;
}

void
token_for_room(struct rq *rq, const char *room, int lookup)
{
	const struct principal *p;
	struct token_ask *ask;

	ask = xcalloc(1, sizeof(*ask));
	ask->jr.room = room;
	if (token_fields(rq, rq_json(rq), ask) == -1) {
		free(ask);
		return;
	}
	p = rq_principal(rq);
	if (p->kind == P_API_KEY && !p->admin) {
		session_check_token(rq, room, ask->jr.identity, token_reply,
		    ask);
		return;
	}
	if (!lookup && p->kind != P_USER) {
		token_reply(rq, ask);
		free(ask);
		return;
	}
	room_check_join(rq, room, token_reply, ask);
}

void
h_token(struct rq *rq)
{
	const char *room = NULL;

	if (field_string(rq, rq_json(rq), "room_name", 1, FR_ROOM_NAME, 0,
	    &room) == -1)
		return;
	token_for_room(rq, room, 0);
}
