/*
 * partoken: a participant token for a named room, from the body's token
 * fields, handed out once the caller may have it.  An app key's check goes
 * by the room's metadata, never by its name alone: a name proves nothing
 * (another backend, or an admin, may make any room), but a name that is
 * not even a session room's is refused without asking LiveKit.  The
 * room_config.agents asked for are seen to (agentdisp.h) only once every
 * check of who may have the token has passed.
 */
#include <stdlib.h>
#include <string.h>

#include "agentdisp.h"
#include "conf.h"
#include "fields.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "partoken.h"
#include "roomcfg.h"
#include "roomaccess.h"
#include "sessmeta.h"
#include "util.h"

#define NAME_MAX_BYTES 256
#define METADATA_MAX_BYTES 65536
#define ATTRIBUTES_MAX_PAIRS 64
#define ATTRIBUTES_MAX_BYTES 65536

/* What a token request asks for; freed with free(). */
struct token_ask {
	struct join_request jr;
	struct roomcfg	 rc;		/* room_config.agents */
};

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
	const char *lk;

	if (partoken_identity(rq, body, &jr->identity) == -1 ||
	    field_string(rq, body, "participant_name", 0, FR_TEXT,
	    NAME_MAX_BYTES, &jr->name) == -1 ||
	    field_string(rq, body, "participant_metadata", 0, FR_TEXT,
	    METADATA_MAX_BYTES, &jr->metadata) == -1 ||
	    field_string_map(rq, body, "participant_attributes",
	    ATTRIBUTES_MAX_PAIRS, ATTRIBUTES_MAX_BYTES, &jr->attributes) == -1)
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

/* Signs the token ask asks for, with its roomConfig claim, and answers
 * with it. */
static void
token_reply(struct rq *rq, void *arg)
{
	const struct conf *c = rq_gate(rq)->conf;
	struct token_ask *ask = arg;
	struct join_request *jr = &ask->jr;
	int64_t exp;
	size_t len;
	char *tok, *text, *claim;

	claim = roomcfg_claim(&ask->rc);
	jr->room_config = claim;
	tok = jointoken_sign(c, jr, util_wall_s(), &exp);
	jr->room_config = NULL;
	free(claim);
	text = jointoken_answer_text(c, jr, tok, exp, &len);
	rq_reply_data(rq, 200, "application/json", text, len);
	free(text);
}

/* The caller may have the token: the agents it asks for first, if any.
 * Does not free arg: agentdisp gets a copy, as the held state arg may
 * live in goes when agentdisp holds its own. */
static void
token_allowed(struct rq *rq, void *arg)
{
	const struct token_ask *ask = arg;
	struct token_ask *copy;

	if (ask->rc.nagents == 0) {
		token_reply(rq, arg);
		return;
	}
	copy = xmalloc(sizeof(*copy));
	memcpy(copy, ask, sizeof(*copy));
	agentdisp_then(rq, copy->jr.room, &copy->rc, token_reply, copy);
}

/* The room f is a session's (by its metadata) and jr's identity is that
 * session's user_id; else 403. */
static int
session_allow(struct rq *rq, struct room_found *f)
{
	const struct token_ask *ask = f->arg;
	const struct join_request *jr = &ask->jr;
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
session_token(struct rq *rq, struct token_ask *ask)
{
	if (!sessmeta_name_is_session(rq_gate(rq)->conf->room_prefix,
	    ask->jr.room)) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "this API key may only "
		    "mint tokens for session rooms; %s is not one", ask->jr.room);
		free(ask);
		return;
	}
	roomaccess_check(rq, ask->jr.room, &session_token_rule, token_allowed,
	    ask);
}

/* Answers with the token of ask once the caller may have it; takes
 * ownership of ask. */
static void
token_answer(struct rq *rq, struct token_ask *ask, int lookup)
{
	const struct principal *p = rq_principal(rq);

	if (p->kind == P_API_KEY && !p->admin) {
		session_token(rq, ask);
		return;
	}
	if (!lookup && p->kind != P_USER) {
		token_allowed(rq, ask);
		free(ask);
		return;
	}
	roomaccess_check(rq, ask->jr.room, &roomaccess_joinable, token_allowed,
	    ask);
}

void
partoken_for_room(struct rq *rq, const char *room, int lookup)
{
	struct token_ask *ask;

	ask = xcalloc(1, sizeof(*ask));
	ask->jr.room = room;
	if (partoken_read(rq, rq_json(rq), &ask->jr) == -1 ||
	    agentdisp_read(rq, rq_json(rq), &ask->rc) == -1) {
		free(ask);
		return;
	}
	token_answer(rq, ask, lookup);
}
