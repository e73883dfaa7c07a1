/*
 * h_users: the Voice Chat app's users, which are principals, not rows
 * (userobj.h).  POST /api/users signs a guest up (guest_users): a new
 * UUID and a guest credential (auth.h) the app then sends as Bearer; a
 * person who is signed in already gets its own user object.  Every other
 * user is one LiveKit shows in a channel the caller may see, so the
 * look-ups walk those channels: ListRooms, then ListParticipants of each
 * channel someone is in (ListRooms counts them: an empty channel costs no
 * call), then act on the matches (RemoveParticipant, UpdateParticipant).
 *
 * Both steps make up to WALK_WIDTH calls at once (rq_lk_call_each) and
 * take the answers in channel order (fanout.h), so that thousands of
 * channels fit in the request deadline and the answer is the one a walk
 * of one call at a time would give, whatever order LiveKit answers in.
 * A failure is answered when its turn comes, the first in channel order,
 * and starts no more calls; the writes of the channels after it that
 * were already on their way may have been made, as were those before it.
 * However the request ends first (its deadline; its connection closing,
 * which evhttp 2.1 tells only when the answer is written), the front
 * cancels the calls still out and none of their answers is looked at.
 *
 * Every answer is in the app's envelope, as on the channel routes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chan.h"
#include "chanmeta.h"
#include "conf.h"
#include "fanout.h"
#include "fields.h"
#include "handlers.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "log.h"
#include "userobj.h"
#include "util.h"

#define PAGE_MAX	100000
#define LIMIT_DEFAULT	20
#define LIMIT_MAX	100

/* Answers {"success":true,"user":user} (ownership taken), as the seed's
 * POST /api/users does; token too when not NULL. */
static void
user_reply(struct rq *rq, int status, cJSON *user, const char *token,
    int64_t expires_at)
{
	cJSON *o;

	o = json_new_object();
	json_add_bool(o, "success", 1);
	json_add_item(o, "user", user);
	if (token != NULL) {
		json_add_string(o, "token", token);
		json_add_int(o, "expires_at", expires_at);
	}
	rq_reply_json(rq, status, o);
}

/* --- POST /api/users --- */

static void
guest_sign_up(struct rq *rq)
{
	const struct conf *c = rq_gate(rq)->conf;
	const cJSON *b = rq_json(rq);
	const char *username, *display, *why;
	struct principal g;
	char id[UUID_STR_LEN], *tok;
	int64_t now = util_wall_s(), exp;

	if (!c->guest_users) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "guest sign-up is "
		    "closed (guest_users is off): sign in with the app's "
		    "login and send its token as Authorization: Bearer");
		return;
	}
	if (b == NULL) {
		rq_reply_error(rq, E_INVALID_INPUT, "request body is required: "
		    "{\"username\",\"display_name\"}");
		return;
	}
	if (field_string(rq, b, "username", 1, FR_TEXT, GUEST_USERNAME_MAX,
	    &username) == -1 || field_string(rq, b, "display_name", 1,
	    FR_TEXT, GUEST_DISPLAY_MAX, &display) == -1)
		return;
	if ((why = auth_guest_username_error(username)) != NULL ||
	    (why = auth_guest_display_error(display)) != NULL) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s", why);
		return;
	}
	util_uuid_random(id);
	if (principal_set_user(&g, PS_GUEST, id, display) == -1)
		fatal("a guest id is not an identity");
	snprintf(g.username, sizeof(g.username), "%s", username);
	g.since = now;
	tok = auth_guest_sign(c, id, username, display, now, &exp);
	log_info("guest %s signed up as %s", g.name, username);
	user_reply(rq, 201, userobj_of_principal(&g), tok, exp);
	free(tok);
}

void
h_user_create(struct rq *rq)
{
	const struct principal *p = rq_principal(rq);

	switch (p->kind) {
	case P_ANONYMOUS:
		guest_sign_up(rq);
		return;
	case P_API_KEY:
		rq_reply_error(rq, E_PERMISSION_DENIED, "an API key is not a "
		    "user: sign up without credentials, or with a user's");
		return;
	case P_USER:
		user_reply(rq, 200, userobj_of_principal(p), NULL, 0);
		return;
	}
}

/* --- the walk through the channels the caller may see --- */

/*
 * The LiveKit calls a walk has out at once: 300 channels at 20 ms a call
 * take 0.75 s instead of 6, while one request still takes only a few of
 * upstream_max_connections and of LiveKit's attention.
 */
#define WALK_WIDTH	8

_Static_assert(WALK_WIDTH <= RQ_LK_MAX && WALK_WIDTH <= FANOUT_WIDTH_MAX,
    "a walk's calls fit in a request and in a fanout");

enum walk_op { W_GET, W_LIST, W_DELETE, W_RENAME };

/* ListParticipants of each channel, then the writes on the matches. */
enum walk_phase { WP_LOOK, WP_ACT };

struct hit {
	char		*room;
	char		*channel;	/* the channel id, into room */
	char		*identity;
	int		 rank;		/* userobj_names */
};

/* An answer taken later, in item order: slot item % WALK_WIDTH. */
struct walk_slot {
	enum lk_outcome	 outcome;
	cJSON		*kept;		/* WP_LOOK: the participants wanted */
};

struct walk {
	enum walk_op	 op;
	enum walk_phase	 phase;
	char		*path;		/* the user id of the route */
	char		*name;		/* W_RENAME: the new display name */
	char		**rooms;	/* channels someone is in */
	size_t		 nrooms;
	cJSON		*users;		/* W_LIST: user objects */
	cJSON		*first;		/* the best match's ParticipantInfo */
	struct hit	*hits;
	size_t		 nhits;
	int		 best;
	size_t		*todo;		/* WP_ACT: the hits of the best rank */
	size_t		 ntodo;
	cJSON		*done;		/* channel ids acted on */
	enum userobj_sort key;
	int		 desc;
	size_t		 page, limit;
	struct fanout	 fo;
	struct walk_slot slot[WALK_WIDTH];
};

static void
walk_free(void *arg)
{
	struct walk *w = arg;
	size_t i;

	for (i = 0; i < w->nrooms; i++)
		free(w->rooms[i]);
	for (i = 0; i < w->nhits; i++) {
		free(w->hits[i].room);
		free(w->hits[i].identity);
	}
	for (i = 0; i < WALK_WIDTH; i++)
		cJSON_Delete(w->slot[i].kept);
	free(w->rooms);
	free(w->hits);
	free(w->todo);
	free(w->path);
	free(w->name);
	cJSON_Delete(w->users);
	cJSON_Delete(w->first);
	cJSON_Delete(w->done);
	free(w);
}

static struct walk *
walk_new(struct rq *rq, enum walk_op op)
{
	struct walk *w;

	w = xcalloc(1, sizeof(*w));
	w->op = op;
	w->users = json_new_array();
	w->done = json_new_array();
	w->page = 1;
	w->limit = LIMIT_DEFAULT;
	if (rq_param(rq, 0) != NULL && op != W_LIST)
		w->path = xstrdup(rq_param(rq, 0));
	rq_hold(rq, w, walk_free);
	return w;
}

static void	walk_pump(struct rq *);
static void	walk_done(struct rq *);
static void	act_answer(struct rq *, struct walk *);

/* The user object of identity in w->users, added when absent. */
static cJSON *
list_user(struct walk *w, const cJSON *participant)
{
	const char *identity = "";
	cJSON *u;

	json_get_string(participant, "identity", &identity);
	cJSON_ArrayForEach(u, w->users) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(u,
		    "identity");

		if (cJSON_IsString(v) && strcmp(v->valuestring, identity) == 0)
			return u;
	}
	u = userobj_of_participant(participant);
	json_append(w->users, u);
	return u;
}

static void
add_hit(struct walk *w, const char *room, const char *identity, int rank,
    const cJSON *participant)
{
	struct hit *h;
	size_t plen;

	w->hits = xrealloc(w->hits, (w->nhits + 1) * sizeof(*w->hits));
	h = &w->hits[w->nhits++];
	h->room = xstrdup(room);
	plen = strlen(room) - (UUID_STR_LEN - 1);
	h->channel = h->room + plen;
	h->identity = xstrdup(identity);
	h->rank = rank;
	if (rank > w->best) {
		w->best = rank;
		cJSON_Delete(w->first);
		if ((w->first = cJSON_Duplicate(participant, 1)) == NULL)
			fatal("cJSON_Duplicate failed");
	}
}

/* Of a ListParticipants answer, a copy of the participants the walk
 * wants: the users (W_LIST), or those the path names. */
static cJSON *
wanted_participants(const struct walk *w, const cJSON *body)
{
	const cJSON *list = NULL, *p;
	const char *identity;
	cJSON *kept, *c;

	kept = json_new_array();
	json_get_array(body, "participants", &list);
	cJSON_ArrayForEach(p, list) {
		if (!chanmeta_is_user(p) || json_get_string(p, "identity",
		    &identity) != JG_OK)
			continue;
		if (w->op != W_LIST && userobj_names(w->path, identity) == 0)
			continue;
		if ((c = cJSON_Duplicate(p, 1)) == NULL)
			fatal("cJSON_Duplicate failed");
		json_append(kept, c);
	}
	return kept;
}

/* Takes item i of the look-ups (channel w->rooms[i]), in order: -1 when
 * it answered the request (LiveKit failed), which is then gone. */
static int
look_take(struct rq *rq, struct walk *w, size_t i)
{
	struct walk_slot *s = &w->slot[i % WALK_WIDTH];
	const char *room = w->rooms[i], *identity, *chan;
	struct lk_result failed = { 0 };
	cJSON *kept = s->kept, *p, *u, *chans;

	s->kept = NULL;
	/* A channel that closed meanwhile has no one in it. */
	if (s->outcome != LK_OK && s->outcome != LK_NOT_FOUND) {
		failed.outcome = s->outcome;
		rq_reply_lk_error(rq, &failed, E_USER_NOT_FOUND);
		return -1;
	}
	chan = room + strlen(room) - (UUID_STR_LEN - 1);
	cJSON_ArrayForEach(p, kept) {
		json_get_string(p, "identity", &identity);
		if (w->op == W_LIST) {
			u = list_user(w, p);
			chans = cJSON_GetObjectItemCaseSensitive(u, "channels");
			json_append(chans, json_new_string(chan));
		} else
			add_hit(w, room, identity, userobj_names(w->path,
			    identity), p);
	}
	cJSON_Delete(kept);
	return 0;
}

/* Takes item i of the writes (hit w->todo[i]), in order: -1 when it
 * answered the request. */
static int
act_take(struct rq *rq, struct walk *w, size_t i)
{
	struct walk_slot *s = &w->slot[i % WALK_WIDTH];
	struct lk_result failed = { 0 };

	/* Gone meanwhile: nothing left to remove or rename there. */
	if (s->outcome == LK_OK)
		json_append(w->done,
		    json_new_string(w->hits[w->todo[i]].channel));
	else if (s->outcome != LK_NOT_FOUND) {
		failed.outcome = s->outcome;
		rq_reply_lk_error(rq, &failed, E_USER_NOT_FOUND);
		return -1;
	}
	return 0;
}

/* An answer of item i, in whatever order: kept in its slot until its
 * turn; a failure stops the walk from starting more. */
static void
walk_answered(struct rq *rq, size_t i, const struct lk_result *res)
{
	struct walk *w = rq_state(rq);
	struct walk_slot *s = &w->slot[i % WALK_WIDTH];

	s->outcome = res->outcome;
	if (w->phase == WP_LOOK && res->outcome == LK_OK)
		s->kept = wanted_participants(w, res->body);
	fanout_answered(&w->fo, i, res->outcome != LK_OK &&
	    res->outcome != LK_NOT_FOUND);
	walk_pump(rq);
}

/* Starts the call of item i of the current phase. */
static void
walk_call(struct rq *rq, struct walk *w, size_t i)
{
	const struct hit *h;
	cJSON *req;

	req = json_new_object();
	if (w->phase == WP_LOOK) {
		json_add_string(req, "room", w->rooms[i]);
		rq_lk_call_each(rq, LK_LIST_PARTICIPANTS, w->rooms[i], req,
		    walk_answered, i);
		return;
	}
	h = &w->hits[w->todo[i]];
	json_add_string(req, "room", h->room);
	json_add_string(req, "identity", h->identity);
	if (w->op == W_RENAME) {
		json_add_string(req, "name", w->name);
		rq_lk_call_each(rq, LK_UPDATE_PARTICIPANT, h->room, req,
		    walk_answered, i);
	} else
		rq_lk_call_each(rq, LK_REMOVE_PARTICIPANT, h->room, req,
		    walk_answered, i);
}

/*
 * Takes the answers that are next in order, then ends the phase or starts
 * as many calls as the width allows.  Every answer given from here ends
 * the request, which cancels the calls still out.
 */
static void
walk_pump(struct rq *rq)
{
	struct walk *w = rq_state(rq);
	size_t i;

	while (fanout_take(&w->fo, &i))
		if ((w->phase == WP_LOOK ? look_take(rq, w, i) :
		    act_take(rq, w, i)) == -1)
			return;
	if (fanout_done(&w->fo)) {
		if (w->phase == WP_LOOK)
			walk_done(rq);
		else
			act_answer(rq, w);
		return;
	}
	while (fanout_start(&w->fo, &i))
		walk_call(rq, w, i);
}

static void
walk_rooms(struct rq *rq, const struct lk_result *res)
{
	struct walk *w = rq_state(rq);
	const struct conf *c = rq_gate(rq)->conf;
	struct chanlist_query q = { 0 };
	const cJSON *rooms = NULL;
	struct chanlist cl;
	size_t i;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_UPSTREAM_ERROR);
		return;
	}
	json_get_array(res->body, "rooms", &rooms);
	q.who = rq_principal(rq);
	q.prefix = c->channel_prefix;
	q.scope = CL_VISIBLE;
	/* ListRooms counts the participants: an empty channel needs no
	 * ListParticipants. */
	q.min_users = 1;
	q.max_users = -1;
	chanlist_collect(rooms, &q, &cl);
	w->rooms = xcalloc(cl.n + 1, sizeof(*w->rooms));
	for (i = 0; i < cl.n; i++)
		w->rooms[w->nrooms++] = xasprintf("%s%s", c->channel_prefix,
		    cl.v[i].id);
	chanlist_free(&cl);
	w->phase = WP_LOOK;
	fanout_init(&w->fo, w->nrooms, WALK_WIDTH);
	walk_pump(rq);
}

static void
walk_start(struct rq *rq)
{
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, json_new_object(), walk_rooms);
}

/* The matched user's object: its channels are those of the best hits. */
static cJSON *
matched_user(struct walk *w, const char *display)
{
	cJSON *u, *chans;
	size_t i;

	u = userobj_of_participant(w->first);
	if (display != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(u, "display_name",
		    json_new_string(display));
	chans = cJSON_GetObjectItemCaseSensitive(u, "channels");
	for (i = 0; i < w->nhits; i++)
		if (w->hits[i].rank == w->best)
			json_append(chans, json_new_string(w->hits[i].channel));
	return u;
}

/* The identity of the best match: the one acted on. */
static const char *
best_identity(const struct walk *w)
{
	size_t i;

	for (i = 0; i < w->nhits; i++)
		if (w->hits[i].rank == w->best)
			return w->hits[i].identity;
	return "";
}

static void
user_not_found(struct rq *rq, const char *id)
{
	rq_reply_error(rq, E_USER_NOT_FOUND, "user %s not found in any "
	    "channel you may see", id);
}

static void
act_answer(struct rq *rq, struct walk *w)
{
	cJSON *o, *u;

	if (w->op == W_RENAME) {
		u = matched_user(w, w->name);
		json_add_item(u, "renamed_in", w->done);
		w->done = NULL;
		chan_reply(rq, 200, u);
		return;
	}
	o = json_new_object();
	json_add_string(o, "id", w->path);
	json_add_string(o, "identity", best_identity(w));
	json_add_item(o, "removed_from", w->done);
	w->done = NULL;
	chan_reply(rq, 200, o);
}

/* Renames or removes the best matches, WALK_WIDTH at a time. */
static void
act_start(struct rq *rq, struct walk *w)
{
	size_t i;

	w->todo = xcalloc(w->nhits, sizeof(*w->todo));
	for (i = 0; i < w->nhits; i++)
		if (w->hits[i].rank == w->best)
			w->todo[w->ntodo++] = i;
	w->phase = WP_ACT;
	fanout_init(&w->fo, w->ntodo, WALK_WIDTH);
	walk_pump(rq);
}

static void
list_answer(struct rq *rq, struct walk *w)
{
	cJSON *o, *page, *pagination;

	userobj_sort(w->users, w->key, w->desc);
	page = userobj_page(w->users, w->page, w->limit, &pagination);
	w->users = NULL;
	o = json_new_object();
	json_add_bool(o, "success", 1);
	json_add_item(o, "data", page);
	json_add_item(o, "pagination", pagination);
	rq_reply_json(rq, 200, o);
}

/* A caller renaming itself with no live participant. */
static void
rename_self_absent(struct rq *rq, struct walk *w)
{
	cJSON *u;

	u = userobj_of_principal(rq_principal(rq));
	cJSON_ReplaceItemInObjectCaseSensitive(u, "display_name",
	    json_new_string(w->name));
	json_add_item(u, "channels", json_new_array());
	json_add_item(u, "renamed_in", json_new_array());
	chan_reply(rq, 200, u);
}

static void
walk_done(struct rq *rq)
{
	struct walk *w = rq_state(rq);

	if (w->op == W_LIST) {
		list_answer(rq, w);
		return;
	}
	if (w->nhits == 0) {
		if (w->op == W_RENAME &&
		    userobj_is_self(w->path, rq_principal(rq)))
			rename_self_absent(rq, w);
		else
			user_not_found(rq, w->path);
		return;
	}
	if (w->op == W_GET) {
		chan_reply(rq, 200, matched_user(w, NULL));
		return;
	}
	act_start(rq, w);
}

/* The user id of the path, or NULL after answering 400. */
static const char *
path_user(struct rq *rq)
{
	const char *id = rq_param(rq, 0);

	if (id == NULL || !valid_identity(id)) {
		rq_reply_error(rq, E_INVALID_INPUT, "id must be a user id: 1-128 "
		    "characters of A-Z a-z 0-9 _ . @ : -");
		return NULL;
	}
	return id;
}

/* --- GET /api/users/{id} --- */

void
h_user_get(struct rq *rq)
{
	const struct principal *p = rq_principal(rq);
	const char *id;

	if (!chan_caller_ok(rq) || (id = path_user(rq)) == NULL)
		return;
	if (userobj_is_self(id, p)) {
		chan_reply(rq, 200, userobj_of_principal(p));
		return;
	}
	walk_new(rq, W_GET);
	walk_start(rq);
}

/* --- GET /api/advanced/users --- */

/* Reads the whole-number query parameter key in [min, max] into *out. */
static int
query_size(struct rq *rq, const char *key, long long max, size_t *out)
{
	const char *s = rq_query(rq, key), *why;
	long long v;

	if (s == NULL)
		return 0;
	if (util_parse_ll(s, 1, max, &v, &why) == -1) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s must be a whole number "
		    "from 1 to %lld", key, max);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

void
h_user_list(struct rq *rq)
{
	struct walk *w;

	if (!chan_caller_ok(rq))
		return;
	w = walk_new(rq, W_LIST);
	if (query_size(rq, "page", PAGE_MAX, &w->page) == -1 ||
	    query_size(rq, "limit", LIMIT_MAX, &w->limit) == -1)
		return;
	if (userobj_sort_parse(rq_query(rq, "sort_by"), rq_query(rq, "order"),
	    &w->key, &w->desc) == -1) {
		rq_reply_error(rq, E_INVALID_INPUT, "sort_by must be id, "
		    "username or display_name, and order asc or desc");
		return;
	}
	walk_start(rq);
}

/* --- PUT and DELETE /api/advanced/users/{id} --- */

void
h_user_update(struct rq *rq)
{
	const struct principal *p = rq_principal(rq);
	const char *id, *display, *why;
	struct walk *w;

	if (!chan_caller_ok(rq) || (id = path_user(rq)) == NULL)
		return;
	if (!p->admin && !userobj_is_self(id, p)) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "only user %s or an "
		    "admin may rename it", id);
		return;
	}
	if (field_string(rq, rq_json(rq), "display_name", 1, FR_TEXT,
	    GUEST_DISPLAY_MAX, &display) == -1)
		return;
	if ((why = auth_guest_display_error(display)) != NULL) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s", why);
		return;
	}
	w = walk_new(rq, W_RENAME);
	w->name = xstrdup(display);
	walk_start(rq);
}

void
h_user_delete(struct rq *rq)
{
	const char *id;

	if (!rq_principal(rq)->admin) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "only an admin may "
		    "remove a user from the channels");
		return;
	}
	if ((id = path_user(rq)) == NULL)
		return;
	walk_new(rq, W_DELETE);
	walk_start(rq);
}
