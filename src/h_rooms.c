/*
 * h_rooms: the rooms of the Urbania video-call app under
 * /api/livekit/rooms.  lkgate keeps no state: a room is a LiveKit room,
 * and who made it, for which call and for whom is JSON in its metadata
 * (roommeta.h).  Every decision is taken on a fresh ListRooms answer, so
 * any lkgate instance gives the same one.
 *
 * Users (user JWTs) see and join the rooms they created or were invited
 * to, and delete the ones they created; admins (users with the admin role,
 * admin API keys) act on any room.  An app API key may only mint tokens
 * (h_tokens.c): it gets 403 here.  Looking a room up and the join check
 * are roomaccess.c's, the join's token partoken.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fields.h"
#include "handlers.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "metrics.h"
#include "partoken.h"
#include "roomaccess.h"
#include "roommeta.h"
#include "util.h"
#include "validate.h"

#define LIST_LIMIT_DEFAULT 20
#define MAX_PARTICIPANTS_MAX 1000
#define EMPTY_TIMEOUT_MAX 86400

/* --- common steps --- */

/* App API keys may not use the rooms routes; answers 403 for them. */
static int
caller_may_use_rooms(struct rq *rq)
{
	const struct principal *p = rq_principal(rq);

	if (p->kind == P_USER || (p->kind == P_API_KEY && p->admin))
		return 1;
	rq_reply_error(rq, E_PERMISSION_DENIED, "this API key may only "
	    "mint tokens; the rooms routes need a user or an admin key");
	return 0;
}

/*
 * The room name of the path (percent-decoded by the router), or NULL
 * after answering 400.  It only identifies an existing room, so any
 * LiveKit room name will do: admins reach the rooms other backends made.
 */
static const char *
path_room(struct rq *rq)
{
	const char *name = rq_param(rq, 0);

	if (name == NULL || !valid_room_ref(name)) {
		rq_reply_error(rq, E_INVALID_INPUT, "room_name must be 1-%d "
		    "bytes of UTF-8 without control characters", ROOM_REF_MAX);
		return NULL;
	}
	return name;
}

/* --- join: the token route's checks, with a look-up for admins too --- */

void
h_room_join(struct rq *rq)
{
	const char *name;

	if (!caller_may_use_rooms(rq) || (name = path_room(rq)) == NULL)
		return;
	partoken_for_room(rq, name, 1);
}

/* --- create --- */

struct create {
	char		*name;
	char		*meta;		/* the metadata text we sent */
	cJSON		*invited;
};

static void
create_free(void *arg)
{
	struct create *c = arg;

	free(c->name);
	free(c->meta);
	cJSON_Delete(c->invited);
	free(c);
}

/* Reads participants into the array invited, without duplicates. */
static int
read_participants(struct rq *rq, const cJSON *body, cJSON *invited)
{
	const cJSON *list = NULL, *it;
	int i = 0;

	switch (json_get_array(body, "participants", &list)) {
	case JG_ABSENT:
		return 0;
	case JG_WRONG_TYPE:
		rq_reply_error(rq, E_INVALID_INPUT,
		    "participants must be an array of identities");
		return -1;
	case JG_OK:
		break;
	}
	if (cJSON_GetArraySize(list) > ROOMMETA_INVITED_MAX) {
		rq_reply_error(rq, E_INVALID_INPUT, "participants must have at "
		    "most %d identities", ROOMMETA_INVITED_MAX);
		return -1;
	}
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it) || !valid_identity(it->valuestring)) {
			rq_reply_error(rq, E_INVALID_INPUT, "participants[%d] "
			    "must be 1-128 characters of A-Z a-z 0-9 _ . @ : -",
			    i);
			return -1;
		}
		roommeta_invite(invited, it->valuestring);
		i++;
	}
	return 0;
}

static int
read_call_type(struct rq *rq, const cJSON *body, enum call_type *out)
{
	const char *s = NULL;
	int t;

	if (field_string(rq, body, "call_type", 0, FR_TEXT, 16, &s) == -1)
		return -1;
	if (s == NULL) {
		*out = CALL_VIDEO;
		return 0;
	}
	if ((t = call_type_parse(s)) == -1) {
		rq_reply_error(rq, E_INVALID_INPUT,
		    "call_type must be audio or video");
		return -1;
	}
	*out = (enum call_type)t;
	return 0;
}

/* The CreateRoom request for c with the body's settings. */
static cJSON *
create_request(const struct conf *cf, const struct create *c,
    long long max_participants, long long empty_timeout)
{
	cJSON *req;

	req = json_new_object();
	json_add_string(req, "name", c->name);
	json_add_int(req, "empty_timeout", empty_timeout);
	json_add_int(req, "departure_timeout", cf->room_departure_timeout);
	json_add_int(req, "max_participants", max_participants);
	json_add_string(req, "metadata", c->meta);
	return req;
}

static void
room_created(struct rq *rq, const struct lk_result *res)
{
	struct create *c = rq_state(rq);
	const char *meta = "";
	struct roommeta m;
	cJSON *o;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	/* CreateRoom hands back an existing room unchanged: ours only if it
	 * carries exactly the metadata we just sent. */
	json_get_string(res->body, "metadata", &meta);
	if (strcmp(meta, c->meta) != 0 || roommeta_parse(meta, &m) == -1) {
		rq_reply_error(rq, E_CONFLICT, "room %s already exists",
		    c->name);
		return;
	}
	o = json_new_object();
	json_add_item(o, "room", roommeta_room_json(res->body, &m));
	roommeta_clear(&m);
	metrics_inc(rq_gate(rq)->metrics, MC_ROOMS_CREATED);
	rq_reply_json(rq, 201, o);
}

/*
 * 1 (after answering 400) when a chosen name would be a session's room:
 * session routes take an app key, so a room under the session prefix
 * could be read or deleted by any app.
 */
static int
name_is_session(struct rq *rq, const char *name)
{
	const char *prefix = rq_gate(rq)->conf->room_prefix;
	size_t n = strlen(prefix);

	if (name == NULL || n == 0 || strncmp(name, prefix, n) != 0)
		return 0;
	rq_reply_error(rq, E_INVALID_INPUT,
	    "name must not start with %s (the session room prefix)", prefix);
	return 1;
}

/* Reads the body into c and m; the settings into *maxp and *empty. */
static int
create_read(struct rq *rq, struct create *c, struct roommeta *m,
    long long *maxp, long long *empty)
{
	const cJSON *b = rq_json(rq);
	const char *name = NULL;
	enum call_type t;
	char uuid[UUID_STR_LEN];

	if (field_string(rq, b, "name", 0, FR_ROOM_NAME, 0, &name) == -1 ||
	    field_string(rq, b, "title", 0, FR_TEXT, ROOMMETA_TITLE_MAX,
	    &m->title) == -1 ||
	    read_call_type(rq, b, &t) == -1 ||
	    read_participants(rq, b, c->invited) == -1 ||
	    field_int(rq, b, "max_participants", 0, MAX_PARTICIPANTS_MAX,
	    maxp) == -1 ||
	    field_int(rq, b, "empty_timeout", 0, EMPTY_TIMEOUT_MAX,
	    empty) == -1 || name_is_session(rq, name))
		return -1;
	if (name == NULL) {
		util_uuid_random(uuid);
		c->name = xasprintf("room-%s", uuid);
	} else
		c->name = xstrdup(name);
	m->call_type = t;
	return 0;
}

void
h_room_create(struct rq *rq)
{
	const struct conf *cf = rq_gate(rq)->conf;
	const struct principal *p = rq_principal(rq);
	struct roommeta m = { 0 };
	struct create *c;
	long long maxp = cf->room_max_participants;
	long long empty = cf->room_empty_timeout;

	if (!caller_may_use_rooms(rq))
		return;
	c = xcalloc(1, sizeof(*c));
	c->invited = json_new_array();
	rq_hold(rq, c, create_free);
	if (create_read(rq, c, &m, &maxp, &empty) == -1)
		return;
	m.created_by = p->name;
	m.by_api_key = p->kind == P_API_KEY;
	m.invited = c->invited;
	m.created_at = util_wall_s();
	if ((c->meta = roommeta_render(&m)) == NULL) {
		rq_reply_error(rq, E_INVALID_INPUT, "title and participants "
		    "together must fit in %d bytes of room metadata",
		    ROOMMETA_TEXT_MAX);
		return;
	}
	rq_lk_call(rq, LK_CREATE_ROOM, c->name,
	    create_request(cf, c, maxp, empty), room_created);
}

/* --- list --- */

struct list {
	struct roomlist_query q;
	char		 after[ROOM_REF_MAX + 1];
};

/* Reads ?limit, ?cursor, ?call_type and ?all into l->q. */
static int
list_query(struct rq *rq, struct list *l)
{
	const char *s, *why;
	long long n;
	int t;

	l->q.who = rq_principal(rq);
	l->q.limit = LIST_LIMIT_DEFAULT;
	l->q.call_type = CALL_ANY;
	if ((s = rq_query(rq, "limit")) != NULL) {
		if (util_parse_ll(s, 1, ROOMLIST_LIMIT_MAX, &n, &why) == -1) {
			rq_reply_error(rq, E_INVALID_INPUT, "limit must be a "
			    "whole number from 1 to %d", ROOMLIST_LIMIT_MAX);
			return -1;
		}
		l->q.limit = (size_t)n;
	}
	if ((s = rq_query(rq, "cursor")) != NULL) {
		if (roomlist_cursor_parse(s, l->after) == -1) {
			rq_reply_error(rq, E_INVALID_INPUT, "cursor must be a "
			    "next_cursor of an earlier answer");
			return -1;
		}
		l->q.after = l->after;
	}
	if ((s = rq_query(rq, "call_type")) != NULL) {
		if ((t = call_type_parse(s)) == -1) {
			rq_reply_error(rq, E_INVALID_INPUT,
			    "call_type must be audio or video");
			return -1;
		}
		l->q.call_type = (enum call_type)t;
	}
	if ((s = rq_query(rq, "all")) != NULL) {
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0) {
			rq_reply_error(rq, E_INVALID_INPUT,
			    "all must be true or false");
			return -1;
		}
		l->q.own_only = strcmp(s, "false") == 0;
	}
	return 0;
}

static void
rooms_listed(struct rq *rq, const struct lk_result *res)
{
	struct list *l = rq_state(rq);
	const cJSON *rooms = NULL;
	char *next;
	cJSON *o;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	json_get_array(res->body, "rooms", &rooms);
	o = json_new_object();
	json_add_item(o, "rooms", roomlist_page(rooms, &l->q, &next));
	if (next != NULL)
		json_add_string(o, "next_cursor", next);
	else
		json_add_null(o, "next_cursor");
	free(next);
	rq_reply_json(rq, 200, o);
}

void
h_room_list(struct rq *rq)
{
	struct list *l;

	if (!caller_may_use_rooms(rq))
		return;
	l = xcalloc(1, sizeof(*l));
	rq_hold(rq, l, free);
	if (list_query(rq, l) == -1)
		return;
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, json_new_object(), rooms_listed);
}

/* --- get --- */

static void
room_participants(struct rq *rq, const struct lk_result *res)
{
	struct room_found *f = roomaccess_found(rq);
	const cJSON *list = NULL, *p;
	cJSON *o, *room, *arr;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_ROOM_NOT_FOUND);
		return;
	}
	room = roommeta_room_json(f->room, roomaccess_meta(f));
	arr = json_new_array();
	json_get_array(res->body, "participants", &list);
	cJSON_ArrayForEach(p, list)
		json_append(arr, roommeta_participant_json(p));
	json_add_item(room, "participants", arr);
	o = json_new_object();
	json_add_item(o, "room", room);
	rq_reply_json(rq, 200, o);
}

static void
get_found(struct rq *rq, struct room_found *f)
{
	cJSON *req;

	if (!roommeta_may_join(roomaccess_meta(f), rq_principal(rq))) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "you are neither the "
		    "creator of room %s nor invited to it", f->name);
		return;
	}
	roomaccess_keep(f);
	req = json_new_object();
	json_add_string(req, "room", f->name);
	rq_lk_call(rq, LK_LIST_PARTICIPANTS, f->name, req, room_participants);
}

void
h_room_get(struct rq *rq)
{
	const char *name;

	if (!caller_may_use_rooms(rq) || (name = path_room(rq)) == NULL)
		return;
	roomaccess_lookup(rq, name, &roomaccess_any, get_found, NULL, NULL);
}

/* --- delete --- */

static void
room_deleted(struct rq *rq, const struct lk_result *res)
{
	cJSON *o;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_ROOM_NOT_FOUND);
		return;
	}
	o = json_new_object();
	json_add_bool(o, "deleted", 1);
	metrics_inc(rq_gate(rq)->metrics, MC_ROOMS_ENDED);
	rq_reply_json(rq, 200, o);
}

static void
delete_found(struct rq *rq, struct room_found *f)
{
	cJSON *req;

	if (!roommeta_may_delete(roomaccess_meta(f), rq_principal(rq))) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "only the creator of "
		    "room %s or an admin may delete it", f->name);
		return;
	}
	req = json_new_object();
	json_add_string(req, "room", f->name);
	rq_lk_call(rq, LK_DELETE_ROOM, f->name, req, room_deleted);
}

void
h_room_delete(struct rq *rq)
{
	const char *name;

	if (!caller_may_use_rooms(rq) || (name = path_room(rq)) == NULL)
		return;
	roomaccess_lookup(rq, name, &roomaccess_any, delete_found, NULL,
	    NULL);
}

/* --- leave --- */

static void
participant_removed(struct rq *rq, const struct lk_result *res)
{
	cJSON *o;

	if (res->outcome != LK_OK && res->outcome != LK_NOT_FOUND) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	o = json_new_object();
	json_add_bool(o, "left", res->outcome == LK_OK);
	rq_reply_json(rq, 200, o);
}

/*
 * No lookup first: removing oneself needs no permission, and LiveKit
 * answers not_found both for an absent participant and an absent room,
 * which is {"left":false} either way.
 */
void
h_room_leave(struct rq *rq)
{
	const char *name, *identity;
	cJSON *req;

	if (!caller_may_use_rooms(rq) || (name = path_room(rq)) == NULL ||
	    partoken_identity(rq, rq_json(rq), &identity) == -1)
		return;
	req = json_new_object();
	json_add_string(req, "room", name);
	json_add_string(req, "identity", identity);
	rq_lk_call(rq, LK_REMOVE_PARTICIPANT, name, req, participant_removed);
}
