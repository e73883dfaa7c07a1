/*
 * partoken: a participant token for a named room, from the body's token
 * fields, handed out once the caller may have it.  An app key's check goes
 * by the room's metadata, never by its name alone: a name proves nothing
 * (another backend, or an admin, may make any room), but a name that is
 * not even a session room's is refused without asking LiveKit.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fields.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "partoken.h"
#include "roomaccess.h"
#include "sessmeta.h"
#include "util.h"

#define NAME_MAX_BYTES 256
#define METADATA_MAX_BYTES 65536
#define ATTRIBUTES_MAX_PAIRS 64
#define ATTRIBUTES_MAX_BYTES 65536

static int	session_allow(struct rq *, struct room_found *);

/* An app key's token: a session room, as that session's user_id. */
static const struct room_rule session_token_rule = {
	.notfound = E_ROOM_NOT_FOUND,
	.noun = "session room",
	.allow = session_allow,
};

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
partoken_identity(struct rq *rq, const cJSON *body, const char **out)
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

int
partoken_read(struct rq *rq, const cJSON *body, struct join_request *jr)
{
	const struct principal *p = rq_principal(rq);

	if (partoken_identity(rq, body, &jr->identity) == -1 ||
	    field_string(rq, body, "participant_name", 0, FR_TEXT,
	    NAME_MAX_BYTES, &jr->name) == -1 ||
	    field_string(rq, body, "participant_metadata", 0, FR_TEXT,
	    METADATA_MAX_BYTES, &jr->metadata) == -1 ||
	    field_string_map(rq, body, "participant_attributes",
	    ATTRIBUTES_MAX_PAIRS, ATTRIBUTES_MAX_BYTES, &jr->attributes) == -1)
		return -1;
	if (jr->name == NULL && p->kind == P_USER && p->display[0] != '\0')
		jr->name = p->display;
	return 0;
}

/* Signs the token of jr and answers with it. */
static void
token_reply(struct rq *rq, void *arg)
{
	const struct conf *c = rq_gate(rq)->conf;
	struct join_request *jr = arg;
	int64_t exp;
	size_t len;
	char *tok, *text;

	tok = jointoken_sign(c, jr, util_wall_s(), &exp);
	text = jointoken_answer_text(c, jr, tok, exp, &len);
	rq_reply_data(rq, 200, "application/json", text, len);
	free(text);
}

/* The room f is a session's (by its metadata) and jr's identity is that
 * session's user_id; else 403. */
static int
session_allow(struct rq *rq, struct room_found *f)
{
	const struct join_request *jr = f->arg;
	const char *meta = NULL;
	struct sessmeta m;

	json_get_string(f->room, "metadata", &meta);
	if (sessmeta_parse(rq_gate(rq)->conf->room_prefix, f->name, meta,
	    &m) == -1) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "this API key may only "
		    "mint tokens for session rooms; %s is not one", f->name);
		return -1;
	}
	if (strcmp(m.user_id, jr->identity) != 0) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "this API key may only "
		    "mint tokens as the session's user_id");
		return -1;
	}
	return 0;
}

/* An app key's token, after session_allow. */
static void
session_token(struct rq *rq, struct join_request *jr)
{
	if (!sessmeta_name_is_session(rq_gate(rq)->conf->room_prefix,
	    jr->room)) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "this API key may only "
		    "mint tokens for session rooms; %s is not one", jr->room);
		free(jr);
		return;
	}
	roomaccess_check(rq, jr->room, &session_token_rule, token_reply, jr);
}

void
partoken_answer(struct rq *rq, struct join_request *jr, int lookup)
{
	const struct principal *p = rq_principal(rq);

	if (p->kind == P_API_KEY && !p->admin) {
		session_token(rq, jr);
		return;
	}
	if (!lookup && p->kind != P_USER) {
		token_reply(rq, jr);
		free(jr);
		return;
	}
	roomaccess_check(rq, jr->room, &roomaccess_joinable, token_reply, jr);
}

void
partoken_for_room(struct rq *rq, const char *room, int lookup)
{
	struct join_request *jr;

	jr = xcalloc(1, sizeof(*jr));
	jr->room = room;
	if (partoken_read(rq, rq_json(rq), jr) == -1) {
		free(jr);
		return;
	}
	partoken_answer(rq, jr, lookup);
}
