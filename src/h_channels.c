/*
 * h_channels: the Voice Chat app's channels under /api/channels and its
 * read-only audio routes.  A channel is a LiveKit room (chanmeta.h);
 * lkgate keeps no table of them, so every answer comes from a fresh
 * ListRooms (and ListParticipants for who is in it).  Joining hands out a
 * LiveKit token: the client then connects to LiveKit, which replaced the
 * app's WebSocket relay (/ws answers 410 saying so).
 *
 * Every answer is in the app's envelope: chan_reply (chan.h) for
 * successes, and the routes' ENVELOPE_VOICE_CHAT for every error (the
 * front's own too).
 * Callers are persons (AUTH_PERSON) and admin keys; an app key gets 403.
 * A private channel is, to whoever may not see it, a channel that does
 * not exist (404), so that its existence does not leak.
 */
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "chanmeta.h"
#include "conf.h"
#include "fields.h"
#include "handlers.h"
#include "httpfront.h"
#include "jointoken.h"
#include "json.h"
#include "lkgate.h"
#include "log.h"
#include "metrics.h"
#include "partoken.h"
#include "roomaccess.h"
#include "roommeta.h"
#include "util.h"

#define PAGE_MAX	100000
#define LIMIT_DEFAULT	20
#define USERS_BOUND	1000000

/* --- one channel, looked up (roomaccess.h) --- */

struct chan_ctx;
typedef void (*chan_next_fn)(struct rq *, struct chan_ctx *);

/* The look-up's arg: what the channel's steps need. */
struct chan_ctx {
	char		 id[UUID_STR_LEN];
	char		*room;		/* prefix + id */
	const cJSON	*info;		/* the room from ListRooms, kept by
					   the look-up */
	struct chanmeta	 meta;
	chan_next_fn	 next;
};

static int	chan_visible(struct rq *, struct room_found *);
static void	chan_absent(struct rq *, const struct room_found *);

/* A channel is there for the caller only when it is one (its metadata a
 * channel's) and the caller may see it; else it is 404 like an absent
 * one. */
static const struct room_rule chan_rule = {
	.notfound = E_CHANNEL_NOT_FOUND,
	.noun = "channel",
	.allow = chan_visible,
	.absent = chan_absent,
};

static void
chan_ctx_free(void *arg)
{
	struct chan_ctx *x = arg;

	chanmeta_clear(&x->meta);
	free(x->room);
	free(x);
}

/* The channel of this request, for the callback of a LiveKit call made
 * after the look-up. */
static struct chan_ctx *
chan_ctx_of(const struct rq *rq)
{
	return roomaccess_found(rq)->arg;
}

static void
chan_not_found(struct rq *rq, const char *id)
{
	rq_reply_error(rq, E_CHANNEL_NOT_FOUND, "channel %s not found", id);
}

static void
chan_absent(struct rq *rq, const struct room_found *f)
{
	const struct chan_ctx *x = f->arg;

	chan_not_found(rq, x->id);
}

static int
chan_visible(struct rq *rq, struct room_found *f)
{
	struct chan_ctx *x = f->arg;
	const char *meta = NULL;

	json_get_string(f->room, "metadata", &meta);
	if (chanmeta_parse(meta, &x->meta) == -1 ||
	    !chanmeta_may_see(&x->meta, rq_principal(rq))) {
		chan_not_found(rq, x->id);
		return -1;
	}
	return 0;
}

static void
chan_found(struct rq *rq, struct room_found *f)
{
	struct chan_ctx *x = f->arg;

	roomaccess_keep(f);
	x->info = f->room;
	x->next(rq, x);
}

/* The channel id of the path, or NULL after answering 400. */
static const char *
path_id(struct rq *rq)
{
	const char *id = rq_param(rq, 0);

	if (id == NULL || !util_is_uuid(id)) {
		rq_reply_error(rq, E_INVALID_INPUT, "id must be a channel id "
		    "(a lowercase UUID)");
		return NULL;
	}
	return id;
}

/* Looks up the path's channel (404 when absent or not the caller's to
 * see), then calls next with it. */
static void
chan_lookup(struct rq *rq, chan_next_fn next)
{
	struct chan_ctx *x;
	const char *id;

	if (!chan_caller_ok(rq) || (id = path_id(rq)) == NULL)
		return;
	x = xcalloc(1, sizeof(*x));
	memcpy(x->id, id, sizeof(x->id));
	x->room = xasprintf("%s%s", rq_gate(rq)->conf->channel_prefix, id);
	x->next = next;
	roomaccess_lookup(rq, x->room, &chan_rule, chan_found, x,
	    chan_ctx_free);
}

/* Asks LiveKit who is in x's room; cb gets the answer. */
static void
chan_participants(struct rq *rq, struct chan_ctx *x, rq_lk_fn cb)
{
	cJSON *req;

	req = json_new_object();
	json_add_string(req, "room", x->room);
	rq_lk_call(rq, LK_LIST_PARTICIPANTS, x->room, req, cb);
}

/* --- GET /api/channels/{id} --- */

static void
get_participants(struct rq *rq, const struct lk_result *res)
{
	struct chan_ctx *x = chan_ctx_of(rq);
	const cJSON *list = NULL, *p;
	cJSON *o, *users;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_CHANNEL_NOT_FOUND);
		return;
	}
	o = chanmeta_channel_json(x->id, x->info, &x->meta);
	users = json_new_array();
	json_get_array(res->body, "participants", &list);
	cJSON_ArrayForEach(p, list)
		if (chanmeta_is_user(p))
			json_append(users, chanmeta_user_json(p, 0));
	json_add_item(o, "users", users);
	chan_reply(rq, 200, o);
}

static void
get_found(struct rq *rq, struct chan_ctx *x)
{
	chan_participants(rq, x, get_participants);
}

void
h_channel_get(struct rq *rq)
{
	chan_lookup(rq, get_found);
}

/* --- statistics --- */

static void
stats_answer(struct rq *rq, const struct lk_result *res, int detailed)
{
	struct chan_ctx *x = chan_ctx_of(rq);
	const cJSON *list = NULL;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_CHANNEL_NOT_FOUND);
		return;
	}
	json_get_array(res->body, "participants", &list);
	chan_reply(rq, 200, chanmeta_stats_json(x->id, x->info, list,
	    util_wall_s(), detailed));
}

static void
audio_stats_participants(struct rq *rq, const struct lk_result *res)
{
	stats_answer(rq, res, 0);
}

static void
statistics_participants(struct rq *rq, const struct lk_result *res)
{
	stats_answer(rq, res, 1);
}

static void
audio_stats_found(struct rq *rq, struct chan_ctx *x)
{
	chan_participants(rq, x, audio_stats_participants);
}

static void
statistics_found(struct rq *rq, struct chan_ctx *x)
{
	chan_participants(rq, x, statistics_participants);
}

void
h_channel_audio_stats(struct rq *rq)
{
	chan_lookup(rq, audio_stats_found);
}

void
h_channel_statistics(struct rq *rq)
{
	chan_lookup(rq, statistics_found);
}

/* --- DELETE /api/channels/{id} --- */

static void
chan_deleted(struct rq *rq, const struct lk_result *res)
{
	struct chan_ctx *x = chan_ctx_of(rq);
	cJSON *o;

	if (res->outcome == LK_NOT_FOUND) {
		chan_not_found(rq, x->id);
		return;
	}
	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_CHANNEL_NOT_FOUND);
		return;
	}
	metrics_inc(rq_gate(rq)->metrics, MC_ROOMS_ENDED);
	o = json_new_object();
	json_add_string(o, "id", x->id);
	json_add_bool(o, "deleted", 1);
	chan_reply(rq, 200, o);
}

static void
delete_found(struct rq *rq, struct chan_ctx *x)
{
	cJSON *req;

	if (!chanmeta_may_delete(&x->meta, rq_principal(rq))) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "only the creator of "
		    "channel %s or an admin may delete it", x->id);
		return;
	}
	req = json_new_object();
	json_add_string(req, "room", x->room);
	rq_lk_call(rq, LK_DELETE_ROOM, x->room, req, chan_deleted);
}

void
h_channel_delete(struct rq *rq)
{
	chan_lookup(rq, delete_found);
}

/* --- POST /api/channels/{id}/join and /leave --- */

static void
join_found(struct rq *rq, struct chan_ctx *x)
{
	const struct conf *c = rq_gate(rq)->conf;
	const struct principal *p = rq_principal(rq);
	struct join_request jr = { 0 };
	int64_t exp;
	char *tok;
	cJSON *o;

	if (chanmeta_is_full(&x->meta, x->info)) {
		rq_reply_error(rq, E_CHANNEL_FULL, "channel %s is full (%lld "
		    "of %lld users)", x->id, chanmeta_users(x->info),
		    x->meta.max_users);
		return;
	}
	if (partoken_identity(rq, rq_json(rq), &jr.identity) == -1)
		return;
	jr.room = x->room;
	if (chanmeta_is_person(p) && p->display[0] != '\0')
		jr.name = p->display;
	tok = jointoken_sign(c, &jr, util_wall_s(), &exp);
	o = json_new_object();
	json_add_string(o, "token", tok);
	json_add_string(o, "url", c->livekit_url);
	json_add_string(o, "channel_id", x->id);
	json_add_string(o, "room_name", x->room);
	json_add_string(o, "identity", jr.identity);
	json_add_int(o, "expires_at", exp);
	free(tok);
	chan_reply(rq, 200, o);
}

void
h_channel_join(struct rq *rq)
{
	chan_lookup(rq, join_found);
}

static void
participant_removed(struct rq *rq, const struct lk_result *res)
{
	cJSON *o;

	if (res->outcome != LK_OK && res->outcome != LK_NOT_FOUND) {
		rq_reply_lk_error(rq, res, E_CHANNEL_NOT_FOUND);
		return;
	}
	o = json_new_object();
	json_add_string(o, "channel_id", rq_param(rq, 0));
	json_add_bool(o, "left", res->outcome == LK_OK);
	chan_reply(rq, 200, o);
}

/*
 * No lookup first: removing oneself needs no permission, and LiveKit
 * answers not_found both for an absent participant and an absent room,
 * which is {"left":false} either way.
 */
void
h_channel_leave(struct rq *rq)
{
	const char *id, *identity;
	char *room;
	cJSON *req;

	if (!chan_caller_ok(rq) || (id = path_id(rq)) == NULL ||
	    partoken_identity(rq, rq_json(rq), &identity) == -1)
		return;
	room = xasprintf("%s%s", rq_gate(rq)->conf->channel_prefix, id);
	rq_hold(rq, room, free);
	req = json_new_object();
	json_add_string(req, "room", room);
	json_add_string(req, "identity", identity);
	rq_lk_call(rq, LK_REMOVE_PARTICIPANT, room, req, participant_removed);
}

/* --- POST /api/channels --- */

/*
 * What a create sent.  Until LiveKit confirmed the room as ours, freeing
 * this deletes the room (a detached DeleteRoom): a create that timed out
 * or whose client went away leaves no channel behind.
 */
struct create {
	struct lkclient	*lk;
	char		 id[UUID_STR_LEN];
	char		*room;
	char		*meta;
	cJSON		*invited;
	int		 sent;
	int		 settled;	/* ours and answered, or not ours */
};

/* Owns nothing: a call cancelled at shutdown then leaks nothing. */
static void
undo_done(void *arg, const struct lk_result *res)
{
	(void)arg;
	if (res->outcome != LK_OK && res->outcome != LK_NOT_FOUND)
		log_warn("undoing a channel create: DeleteRoom: %s; LiveKit "
		    "closes the room after channel_empty_timeout",
		    lk_outcome_string(res->outcome));
}

static void
create_free(void *arg)
{
	struct create *c = arg;
	cJSON *req;

	if (c->sent && !c->settled) {
		log_info("undoing the create of channel room %s", c->room);
		req = json_new_object();
		json_add_string(req, "room", c->room);
		lk_call(c->lk, LK_DELETE_ROOM, c->room, req, undo_done, NULL);
	}
	free(c->room);
	free(c->meta);
	cJSON_Delete(c->invited);
	free(c);
}

static void
chan_created(struct rq *rq, const struct lk_result *res)
{
	struct create *c = rq_state(rq);
	const char *meta = "";
	struct chanmeta m;
	cJSON *o;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	/* CreateRoom hands back an existing room unchanged: ours only if it
	 * carries exactly the metadata we just sent. */
	json_get_string(res->body, "metadata", &meta);
	if (strcmp(meta, c->meta) != 0 || chanmeta_parse(meta, &m) == -1) {
		c->settled = 1;
		rq_reply_error(rq, E_CONFLICT, "channel %s already exists",
		    c->id);
		return;
	}
	c->settled = 1;
	o = chanmeta_channel_json(c->id, res->body, &m);
	json_add_item(o, "users", json_new_array());
	chanmeta_clear(&m);
	metrics_inc(rq_gate(rq)->metrics, MC_ROOMS_CREATED);
	chan_reply(rq, 201, o);
}

/* Reads "invited" into the array c->invited, without duplicates. */
static int
read_invited(struct rq *rq, const cJSON *body, cJSON *invited)
{
	const cJSON *list = NULL, *it;
	int i = 0;

	switch (json_get_array(body, "invited", &list)) {
	case JG_ABSENT:
		return 0;
	case JG_WRONG_TYPE:
		rq_reply_error(rq, E_INVALID_INPUT,
		    "invited must be an array of user ids");
		return -1;
	case JG_OK:
		break;
	}
	if (cJSON_GetArraySize(list) > CHAN_INVITED_MAX) {
		rq_reply_error(rq, E_INVALID_INPUT, "invited must have at most "
		    "%d user ids", CHAN_INVITED_MAX);
		return -1;
	}
	cJSON_ArrayForEach(it, list) {
		if (!cJSON_IsString(it) || !valid_identity(it->valuestring)) {
			rq_reply_error(rq, E_INVALID_INPUT, "invited[%d] must "
			    "be 1-128 characters of A-Z a-z 0-9 _ . @ : -", i);
			return -1;
		}
		roommeta_invite(invited, it->valuestring);
		i++;
	}
	return 0;
}

/* Reads the body into m (strings borrowed from the body). */
static int
create_read(struct rq *rq, struct create *c, struct chanmeta *m)
{
	const cJSON *b = rq_json(rq);

	if (field_string(rq, b, "name", 1, FR_TEXT, CHAN_NAME_MAX,
	    &m->name) == -1 ||
	    field_string(rq, b, "description", 0, FR_TEXT,
	    CHAN_DESCRIPTION_MAX, &m->description) == -1 ||
	    field_int(rq, b, "max_users", 1, CHAN_MAX_USERS,
	    &m->max_users) == -1 ||
	    field_bool(rq, b, "is_private", &m->is_private) == -1 ||
	    read_invited(rq, b, c->invited) == -1)
		return -1;
	if (*m->name == '\0') {
		rq_reply_error(rq, E_INVALID_INPUT, "name must not be empty");
		return -1;
	}
	return 0;
}

void
h_channel_create(struct rq *rq)
{
	const struct conf *cf = rq_gate(rq)->conf;
	const struct principal *p = rq_principal(rq);
	struct chanmeta m = { 0 };
	struct create *c;
	cJSON *req;

	if (!chan_caller_ok(rq))
		return;
	c = xcalloc(1, sizeof(*c));
	c->lk = rq_gate(rq)->lk;
	c->invited = json_new_array();
	rq_hold(rq, c, create_free);
	m.description = "";
	m.max_users = cf->channel_max_users;
	if (create_read(rq, c, &m) == -1)
		return;
	util_uuid_random(c->id);
	c->room = xasprintf("%s%s", cf->channel_prefix, c->id);
	m.created_by = p->name;
	m.by_api_key = p->kind == P_API_KEY;
	m.created_at = util_wall_s();
	m.invited = c->invited;
	c->meta = chanmeta_render(&m);
	req = json_new_object();
	json_add_string(req, "name", c->room);
	json_add_int(req, "empty_timeout", cf->channel_empty_timeout);
	json_add_int(req, "departure_timeout", cf->channel_empty_timeout);
	json_add_int(req, "max_participants", m.max_users);
	json_add_string(req, "metadata", c->meta);
	c->sent = 1;
	rq_lk_call(rq, LK_CREATE_ROOM, c->room, req, chan_created);
}

/* --- the lists --- */

struct list {
	struct chanlist_query q;
	size_t		 page, limit;
	int		 paged;
};

static void
list_rooms(struct rq *rq, const struct lk_result *res)
{
	struct list *l = rq_state(rq);
	const cJSON *rooms = NULL;
	struct chanlist cl;
	cJSON *o, *pagination;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	json_get_array(res->body, "rooms", &rooms);
	chanlist_collect(rooms, &l->q, &cl);
	if (!l->paged) {
		chan_reply(rq, 200, chanlist_json(&cl));
		chanlist_free(&cl);
		return;
	}
	o = json_new_object();
	json_add_bool(o, "success", 1);
	json_add_item(o, "data", chanlist_page(&cl, l->page, l->limit,
	    &pagination));
	json_add_item(o, "pagination", pagination);
	chanlist_free(&cl);
	rq_reply_json(rq, 200, o);
}

static struct list *
list_new(struct rq *rq)
{
	struct list *l;

	l = xcalloc(1, sizeof(*l));
	rq_hold(rq, l, free);
	l->q.who = rq_principal(rq);
	l->q.prefix = rq_gate(rq)->conf->channel_prefix;
	l->q.scope = CL_VISIBLE;
	l->q.min_users = l->q.max_users = -1;
	l->page = 1;
	l->limit = LIMIT_DEFAULT;
	return l;
}

void
h_channel_list(struct rq *rq)
{
	if (!chan_caller_ok(rq))
		return;
	list_new(rq);
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, json_new_object(), list_rooms);
}

/* Reads the whole-number query parameter key in [min, max] into *out. */
static int
query_int(struct rq *rq, const char *key, long long min, long long max,
    long long *out)
{
	const char *s = rq_query(rq, key), *why;

	if (s == NULL)
		return 0;
	if (util_parse_ll(s, min, max, out, &why) == -1) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be a whole number "
		    "from %lld to %lld", key, min, max);
		return -1;
	}
	return 0;
}

/* Reads the seed's filters and paging into l. */
static int
search_query(struct rq *rq, struct list *l)
{
	long long page = 1, limit = LIMIT_DEFAULT;
	const char *s;

	if (query_int(rq, "page", 1, PAGE_MAX, &page) == -1 ||
	    query_int(rq, "limit", 1, CHANLIST_LIMIT_MAX, &limit) == -1 ||
	    query_int(rq, "min_users", 0, USERS_BOUND, &l->q.min_users) == -1 ||
	    query_int(rq, "max_users", 0, USERS_BOUND, &l->q.max_users) == -1)
		return -1;
	if ((s = rq_query(rq, "name")) != NULL) {
		if (!valid_text(s, CHAN_NAME_MAX)) {
			rq_reply_error(rq, E_INVALID_INPUT, "name must be at "
			    "most %d bytes of text", CHAN_NAME_MAX);
			return -1;
		}
		l->q.name = s;
	}
	l->q.scope = CL_PUBLIC;
	if ((s = rq_query(rq, "include_private")) != NULL) {
		if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0) {
			rq_reply_error(rq, E_INVALID_INPUT,
			    "include_private must be true or false");
			return -1;
		}
		if (strcmp(s, "true") == 0)
			l->q.scope = CL_VISIBLE;
	}
	l->page = (size_t)page;
	l->limit = (size_t)limit;
	l->paged = 1;
	return 0;
}

void
h_channel_search(struct rq *rq)
{
	struct list *l;

	if (!chan_caller_ok(rq))
		return;
	l = list_new(rq);
	if (search_query(rq, l) == -1)
		return;
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, json_new_object(), list_rooms);
}

/* --- audio and the WebSocket that is no more --- */

/*
 * What LiveKit clients publish: Opus, whose RTP clock is always 48 kHz,
 * decoded to 16-bit PCM in 10 ms frames (480 samples) by WebRTC; the
 * channels, bitrate, DTX and RED the operator configured.  WebRTC adapts
 * its jitter buffer itself: no latency target to give.
 */
void
h_audio_config(struct rq *rq)
{
	const struct conf *c = rq_gate(rq)->conf;
	cJSON *o;

	if (!chan_caller_ok(rq))
		return;
	o = json_new_object();
	json_add_string(o, "codec", "opus");
	json_add_int(o, "sample_rate", 48000);
	json_add_int(o, "channels", c->audio_channels);
	json_add_int(o, "bit_depth", 16);
	json_add_int(o, "buffer_size", 480);
	json_add_null(o, "latency_target_ms");
	json_add_int(o, "bitrate", c->audio_bitrate);
	json_add_bool(o, "dtx", (int)c->audio_dtx);
	json_add_bool(o, "red", (int)c->audio_red);
	chan_reply(rq, 200, o);
}

/*
 * PUT /api/advanced/audio/config and POST .../reset: the configuration
 * is the operator's.  An empty Allow: the resource allows no method, as
 * RFC 9110 10.2.1 puts it for one "disabled by configuration".
 */
void
h_audio_config_fixed(struct rq *rq)
{
	rq_set_header(rq, "Allow", "");
	rq_reply_error(rq, E_METHOD_NOT_ALLOWED, "the audio configuration is "
	    "set in lkgate.conf (audio_channels, audio_bitrate, audio_dtx, "
	    "audio_red) and reloaded on SIGHUP; read it with GET "
	    "/api/audio/config");
}

void
h_ws_gone(struct rq *rq)
{
	rq_reply_error(rq, E_GONE, "the WebSocket relay is gone: join a "
	    "channel with POST /api/channels/{id}/join and connect to "
	    "LiveKit at the url it answers, with its token");
}
