/*
 * h_sessions: the Eloquence voice-coaching sessions.  A session is a
 * LiveKit room named <room_prefix><session_id> whose metadata holds the
 * session; lkgate keeps no state of its own.  Creating one is a single
 * CreateRoom call that also dispatches the profile's agents, so the coach
 * is there when the user joins.
 *
 * These routes take an app API key, which ships inside the app and so is
 * public: they act only on rooms whose metadata is a session's
 * (sessmeta.h), never on a room because of its name alone (the tokens an
 * app key may mint follow the same rule: partoken.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fields.h"
#include "handlers.h"
#include "httpfront.h"
#include "jointoken.h"
#include "json.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "roommeta.h"
#include "sessmeta.h"
#include "util.h"

/* Namespace of name-based session ids (Idempotency-Key). */
#define SESSION_NS "6f1c3a52-8a4e-5b7d-9c2e-1d4f6a8b0c3e"
#define IDEMPOTENCY_KEY_MAX 255
#define GOAL_MAX_BYTES 2000
#define SCENARIO_MAX_BYTES 128

struct session {
	char		 id[UUID_STR_LEN];
	char		*room;
	const char	*user_id;	/* borrowed from the request body */
	const char	*language;
	const char	*scenario_id;
	const char	*goal;
	const char	*profile_name;
	const struct agent_profile *profile;
	int		 multi_agent;
	cJSON		*room_info;	/* the room from ListRooms */
	void		(*next)(struct rq *, struct session *);
};

static void
session_free(void *arg)
{
	struct session *s = arg;

	free(s->room);
	cJSON_Delete(s->room_info);
	free(s);
}

static struct session *
session_new(struct rq *rq, const char *id)
{
	struct session *s;

	s = xcalloc(1, sizeof(*s));
	snprintf(s->id, sizeof(s->id), "%s", id);
	s->room = xasprintf("%s%s", rq_gate(rq)->conf->room_prefix, id);
	rq_hold(rq, s, session_free);
	return s;
}

/* Reads the session id of the path; answers 400 when it is no UUID. */
static struct session *
session_from_path(struct rq *rq)
{
	const char *id = rq_param(rq, 0);

	if (id == NULL || !util_is_uuid(id)) {
		rq_reply_error(rq, E_INVALID_INPUT,
		    "session_id must be a lowercase UUID");
		return NULL;
	}
	return session_new(rq, id);
}

/* The session as stored in the room metadata. */
static cJSON *
session_json(const struct session *s, int64_t created_at)
{
	cJSON *o;

	o = json_new_object();
	json_add_string(o, "session_id", s->id);
	json_add_string(o, "user_id", s->user_id);
#define OPT(k, v) do { if ((v) != NULL) json_add_string(o, k, v); \
	else json_add_null(o, k); } while (0)
	OPT("language", s->language);
	OPT("scenario_id", s->scenario_id);
	OPT("goal", s->goal);
	OPT("agent_profile_id", s->profile_name);
#undef OPT
	json_add_bool(o, "is_multi_agent", s->multi_agent);
	json_add_int(o, "created_at", created_at);
	return o;
}

/* The id of a new session: random, or derived from the caller's key name
 * and Idempotency-Key so that a retried create finds the same room. */
static int
session_id_for(struct rq *rq, char out[UUID_STR_LEN])
{
	const char *ik = rq_header(rq, "Idempotency-Key");
	char *name;
	size_t i, n;

	if (ik == NULL) {
		util_uuid_random(out);
		return 0;
	}
	n = strlen(ik);
	for (i = 0; i < n; i++)
		if (ik[i] < 0x21 || ik[i] > 0x7e)
			break;
	if (n == 0 || n > IDEMPOTENCY_KEY_MAX || i < n) {
		rq_reply_error(rq, E_INVALID_INPUT, "Idempotency-Key must be "
		    "1-255 printable ASCII characters");
		return -1;
	}
	name = xasprintf("%s\n%s", rq_principal(rq)->name, ik);
	if (util_uuid_v5(SESSION_NS, name, strlen(name), out) == -1)
		fatal("bad session namespace");
	free(name);
	return 0;
}

/* Picks the agent profile: the one named, else "default", else none. */
static int
session_profile(struct rq *rq, struct session *s)
{
	const struct conf *c = rq_gate(rq)->conf;

	if (s->profile_name == NULL) {
		s->profile = conf_profile_by_name(c, "default");
		return 0;
	}
	s->profile = conf_profile_by_name(c, s->profile_name);
	if (s->profile == NULL && c->nagent_profiles > 0) {
		rq_reply_error(rq, E_INVALID_INPUT,
		    "agent_profile_id %s is not a configured profile",
		    s->profile_name);
		return -1;
	}
	return 0;
}

static int
session_read_body(struct rq *rq, struct session *s)
{
	const cJSON *b = rq_json(rq);

	if (field_string(rq, b, "user_id", 1, FR_IDENTITY, 0,
	    &s->user_id) == -1 ||
	    field_string(rq, b, "language", 0, FR_LANGUAGE, 0,
	    &s->language) == -1 ||
	    field_string(rq, b, "scenario_id", 0, FR_TEXT, SCENARIO_MAX_BYTES,
	    &s->scenario_id) == -1 ||
	    field_string(rq, b, "goal", 0, FR_TEXT, GOAL_MAX_BYTES,
	    &s->goal) == -1 ||
	    field_string(rq, b, "agent_profile_id", 0, FR_IDENTITY, 0,
	    &s->profile_name) == -1 ||
	    field_bool(rq, b, "is_multi_agent", &s->multi_agent) == -1)
		return -1;
	return session_profile(rq, s);
}

/* The CreateRoom request: room settings, metadata and agents at once. */
static cJSON *
create_room_request(const struct conf *c, const struct session *s,
    const char *meta)
{
	cJSON *req, *agents, *a;
	size_t i;

	req = json_new_object();
	json_add_string(req, "name", s->room);
	json_add_int(req, "empty_timeout", c->room_empty_timeout);
	json_add_int(req, "departure_timeout", c->room_departure_timeout);
	json_add_int(req, "max_participants", c->room_max_participants);
	json_add_string(req, "metadata", meta);
	if (s->profile == NULL)
		return req;
	agents = json_new_array();
	for (i = 0; i < s->profile->nagents; i++) {
		a = json_new_object();
		json_add_string(a, "agent_name", s->profile->agents[i]);
		json_add_string(a, "metadata", meta);
		json_append(agents, a);
	}
	json_add_item(req, "agents", agents);
	return req;
}

/* 1 when room is the session s for its user: a retried create with the
 * same Idempotency-Key must be for the same user, and a room of that name
 * that is no session (made by another backend) is not ours. */
static int
room_is_for_user(const struct conf *c, const cJSON *room,
    const struct session *s)
{
	const char *meta = NULL;
	struct sessmeta m;

	json_get_string(room, "metadata", &meta);
	return sessmeta_parse(c->room_prefix, s->room, meta, &m) == 0 &&
	    strcmp(m.user_id, s->user_id) == 0;
}

static void
session_created(struct rq *rq, const struct lk_result *res)
{
	const struct conf *c = rq_gate(rq)->conf;
	struct session *s = rq_state(rq);
	struct join_request jr = { 0 };
	int64_t exp;
	cJSON *o;
	char *tok;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	if (!room_is_for_user(c, res->body, s)) {
		rq_reply_error(rq, E_CONFLICT, "this Idempotency-Key was used "
		    "for another user's session");
		return;
	}
	jr.room = s->room;
	jr.identity = s->user_id;
	tok = jointoken_sign(c, &jr, util_wall_s(), &exp);
	o = jointoken_answer(c, &jr, tok, exp);
	json_add_string(o, "session_id", s->id);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "server_url");
	cJSON_DeleteItemFromObjectCaseSensitive(o, "participant_token");
	metrics_inc(rq_gate(rq)->metrics, MC_SESSIONS_CREATED);
	metrics_inc(rq_gate(rq)->metrics, MC_ROOMS_CREATED);
	rq_reply_json(rq, 200, o);
}

void
h_session_create(struct rq *rq)
{
	char id[UUID_STR_LEN];
	struct session *s;
	cJSON *meta;
	char *text;

	if (session_id_for(rq, id) == -1)
		return;
	s = session_new(rq, id);
	if (session_read_body(rq, s) == -1)
		return;
	meta = session_json(s, util_wall_s());
	text = json_print(meta);
	cJSON_Delete(meta);
	rq_lk_call(rq, LK_CREATE_ROOM, s->room,
	    create_room_request(rq_gate(rq)->conf, s, text), session_created);
	free(text);
}

/* --- the live session: looked up, and acted on only when its room
 * carries session metadata --- */

typedef void (*session_next_fn)(struct rq *, struct session *);

/* The room of the session, from the ListRooms answer res, or NULL after
 * answering: 404 SESSION_NOT_FOUND when there is no such room or when it
 * is not a session's (a room of that name without session metadata). */
static const cJSON *
session_room(struct rq *rq, const struct session *s,
    const struct lk_result *res)
{
	const cJSON *rooms = NULL, *r;
	const char *meta = NULL;
	struct sessmeta m;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_SESSION_NOT_FOUND);
		return NULL;
	}
	json_get_array(res->body, "rooms", &rooms);
	if ((r = cJSON_GetArrayItem(rooms, 0)) != NULL)
		json_get_string(r, "metadata", &meta);
	if (r == NULL || sessmeta_parse(rq_gate(rq)->conf->room_prefix,
	    s->room, meta, &m) == -1) {
		rq_reply_error(rq, E_SESSION_NOT_FOUND, "session not found");
		return NULL;
	}
	return r;
}

static void
session_listed(struct rq *rq, const struct lk_result *res)
{
	struct session *s = rq_state(rq);
	const cJSON *r;

	if ((r = session_room(rq, s, res)) == NULL)
		return;
	if ((s->room_info = cJSON_Duplicate(r, 1)) == NULL)
		fatal("cJSON_Duplicate failed");
	s->next(rq, s);
}

/* Looks the session's room up, then calls next (after answering 404 when
 * it is no live session). */
static void
session_lookup(struct rq *rq, struct session *s, session_next_fn next)
{
	cJSON *req, *names;

	s->next = next;
	req = json_new_object();
	names = json_new_array();
	json_append(names, json_new_string(s->room));
	json_add_item(req, "names", names);
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, req, session_listed);
}

/* --- delete --- */

static void
session_deleted(struct rq *rq, const struct lk_result *res)
{
	struct session *s = rq_state(rq);
	cJSON *o;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_SESSION_NOT_FOUND);
		return;
	}
	o = json_new_object();
	json_add_string(o, "session_id", s->id);
	json_add_bool(o, "ended", 1);
	metrics_inc(rq_gate(rq)->metrics, MC_SESSIONS_ENDED);
	metrics_inc(rq_gate(rq)->metrics, MC_ROOMS_ENDED);
	rq_reply_json(rq, 200, o);
}

static void
session_delete_found(struct rq *rq, struct session *s)
{
	cJSON *req;

	req = json_new_object();
	json_add_string(req, "room", s->room);
	rq_lk_call(rq, LK_DELETE_ROOM, s->room, req, session_deleted);
}

void
h_session_delete(struct rq *rq)
{
	struct session *s;

	if ((s = session_from_path(rq)) == NULL)
		return;
	session_lookup(rq, s, session_delete_found);
}

/* --- get --- */

/* Copies the session fields of the room metadata into o (null when
 * absent). */
static void
add_session_fields(cJSON *o, const cJSON *room)
{
	static const char *const keys[] = { "user_id", "language",
	    "scenario_id", "goal", "agent_profile_id", "is_multi_agent",
	    "created_at" };
	const char *meta;
	cJSON *m = NULL, *v;
	enum json_err err;
	size_t i;

	if (json_get_string(room, "metadata", &meta) == JG_OK)
		m = json_parse_strict(meta, strlen(meta), 1, &err);
	for (i = 0; i < NELEM(keys); i++) {
		v = m != NULL ? cJSON_GetObjectItemCaseSensitive(m, keys[i]) :
		    NULL;
		if (v != NULL)
			json_add_item(o, keys[i], cJSON_Duplicate(v, 1));
		else
			json_add_null(o, keys[i]);
	}
	cJSON_Delete(m);
}

static void
session_participants(struct rq *rq, const struct lk_result *res)
{
	struct session *s = rq_state(rq);
	const cJSON *list = NULL, *p;
	cJSON *o, *arr;
	long long n = 0;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_SESSION_NOT_FOUND);
		return;
	}
	o = json_new_object();
	json_add_string(o, "session_id", s->id);
	json_add_string(o, "room_name", s->room);
	add_session_fields(o, s->room_info);
	json_get_int(s->room_info, "num_participants", 0, 1000000, &n);
	json_add_int(o, "num_participants", n);
	arr = json_new_array();
	json_get_array(res->body, "participants", &list);
	cJSON_ArrayForEach(p, list)
		json_append(arr, roommeta_participant_json(p));
	json_add_item(o, "participants", arr);
	rq_reply_json(rq, 200, o);
}

static void
session_get_found(struct rq *rq, struct session *s)
{
	cJSON *req;

	req = json_new_object();
	json_add_string(req, "room", s->room);
	rq_lk_call(rq, LK_LIST_PARTICIPANTS, s->room, req,
	    session_participants);
}

void
h_session_get(struct rq *rq)
{
	struct session *s;

	if ((s = session_from_path(rq)) == NULL)
		return;
	session_lookup(rq, s, session_get_found);
}

