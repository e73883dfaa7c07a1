/*
 * lkclient: LiveKit's Twirp RoomService and AgentDispatchService, and its
 * health probe, over upstream.
 *
 * Each call signs a service token carrying only the grant its method
 * needs (livekit-wire.md 1.2, 1.3): roomCreate, roomList, or roomAdmin
 * plus the room.  The two room-independent tokens are cached for 80% of
 * their ten-minute life; per-room tokens are signed per call.  Answers
 * are reduced to an lk_outcome by lk_map_answer(), which understands both
 * Twirp's JSON errors and the plain-text 401s of LiveKit's auth
 * middleware.  Nothing here keeps a pointer into the conf once a call has
 * started, so lkclient_set_conf() may swap it at any time.
 *
 * A read (ListRooms, ListParticipants, GetParticipant, the probe) asked
 * for while the very same read is on its way rides on it: one flight to
 * LiveKit, one answer given to every call waiting on it.  When a class of
 * sixty starts, sixty token requests for one room make one ListRooms, not
 * sixty.  Writes never share.
 *
 * Counting the rooms (lk_count_rooms, for the metrics sampler) is a
 * ListRooms of every room whose answer upstream gives, piece by piece as
 * it arrives, to a counter (roomcount.h) instead of keeping it: with
 * 40,000 rooms the answer is tens of MiB, its tree several times that, and
 * a count needs neither.  A count's flight has a key of its own, which no
 * lk_call makes, so a count and a listing never ride on each other (one
 * wants the counts, the other the answer), and it keeps nothing in the
 * room cache.
 *
 * The room cache keeps LiveKit's answer to a one-room ListRooms (how a
 * user's join is checked) for room_cache_ms, so that the tokens of a busy
 * room cost one look-up a second rather than one each.  Our own writes to
 * a room drop it, as they start and as they end, and so do LiveKit's
 * webhooks (lkclient_forget_room); a look-up of that room on its way
 * meanwhile is neither kept nor joined.  An answer from the cache is
 * given from the loop, as every other answer.  One-room look-ups the
 * cache cannot answer are held back until the end of the loop turn and
 * sent together (lk_gather_fire), each still a flight of its own that
 * later calls join.
 *
 * This file makes the calls: the methods table, the service tokens, the
 * Twirp requests, the room cache's rules (when a room is looked up, held
 * back or renewed, what drops it).  What goes into the cache from an
 * answer is in lkclient_renew.c, the mapping of answers to an lk_outcome
 * in lkclient_map.c and the flights with their waiters in
 * lkclient_share.c; include/lkclient_internal.h says what they share.
 */
#include <sys/queue.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __GLIBC__		/* after a libc header: features.h defines it */
#include <malloc.h>
#endif

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "conf.h"
#include "json.h"
#include "lkcache.h"
#include "lkclient.h"
#include "lkclient_internal.h"
#include "lkgate.h"
#include "log.h"
#include "roomcount.h"
#include "token.h"
#include "upstream.h"
#include "util.h"

#define LK_TOKEN_TTL		600		/* seconds, as the Node SDK */
#define LK_TOKEN_REUSE		(LK_TOKEN_TTL * 8 / 10)
#define LK_PROBE_MAX_RESPONSE	(64 * 1024)
#define LK_PROBE_TIMEOUT_MS	2000
#define LK_ROOM_CACHE_ENTRIES	4096
#define LK_ROOM_CACHE_BYTES	(4 * 1024 * 1024)
#define LK_TRIM_AFTER		(1024 * 1024)	/* answer bytes */
#define LK_TRIM_DELAY_S		1
/* The key of a count's flight: lk_call's keys start with a digit. */
#define LK_COUNT_KEY		"count rooms"

static const struct lk_method_info {
	const char	*service;
	const char	*name;
	enum lk_grant	 grant;
	int		 idempotent;	/* may be resent on a dead connection */
	int		 read;		/* changes nothing: may be shared */
} methods[LK_METHOD_COUNT] = {
	[LK_CREATE_ROOM] =	{ "RoomService", "CreateRoom",
				    GRANT_CREATE, 1, 0 },
	[LK_DELETE_ROOM] =	{ "RoomService", "DeleteRoom",
				    GRANT_CREATE, 1, 0 },
	[LK_LIST_ROOMS] =	{ "RoomService", "ListRooms",
				    GRANT_LIST, 1, 1 },
	[LK_LIST_PARTICIPANTS] = { "RoomService", "ListParticipants",
				    GRANT_ADMIN, 1, 1 },
	[LK_GET_PARTICIPANT] =	{ "RoomService", "GetParticipant",
				    GRANT_ADMIN, 1, 1 },
	[LK_REMOVE_PARTICIPANT] = { "RoomService", "RemoveParticipant",
				    GRANT_ADMIN, 0, 0 },
	[LK_UPDATE_ROOM_METADATA] = { "RoomService", "UpdateRoomMetadata",
				    GRANT_ADMIN, 1, 0 },
	[LK_CREATE_DISPATCH] =	{ "AgentDispatchService", "CreateDispatch",
				    GRANT_ADMIN, 0, 0 },
	/* Setting a name is idempotent: sent twice, the same name. */
	[LK_UPDATE_PARTICIPANT] = { "RoomService", "UpdateParticipant",
				    GRANT_ADMIN, 1, 0 },
	[LK_LIST_DISPATCH] =	{ "AgentDispatchService", "ListDispatch",
				    GRANT_ADMIN, 1, 1 },
};

#define LK_OUTCOME_LABEL(sym, label, text) [sym] = label,
#define LK_OUTCOME_TEXT(sym, label, text) [sym] = text,
const char *const lk_outcome_names[LK_OUTCOME_COUNT] = {
	LK_OUTCOMES(LK_OUTCOME_LABEL)
};
static const char *const outcome_texts[LK_OUTCOME_COUNT] = {
	LK_OUTCOMES(LK_OUTCOME_TEXT)
};
#undef LK_OUTCOME_LABEL
#undef LK_OUTCOME_TEXT

const char *
lk_method_name(enum lk_method m)
{
	if ((unsigned)m >= LK_METHOD_COUNT)
		return "unknown";
	return methods[m].name;
}

const char *
lk_outcome_string(enum lk_outcome o)
{
	if ((unsigned)o >= LK_OUTCOME_COUNT)
		return "unknown outcome";
	return outcome_texts[o];
}

const char *
lk_outcome_name(enum lk_outcome o)
{
	if ((unsigned)o >= LK_OUTCOME_COUNT)
		return "unknown";
	return lk_outcome_names[o];
}

/* --- tokens --- */

static char *
lk_sign(const struct conf *cf, enum lk_grant g, const char *room,
    int64_t now)
{
	struct lk_claims cl;

	memset(&cl, 0, sizeof(cl));
	cl.has_video = 1;	/* no identity: service tokens carry no sub */
	cl.video.can_publish = TRI_ABSENT;
	cl.video.can_subscribe = TRI_ABSENT;
	cl.video.can_publish_data = TRI_ABSENT;
	cl.video.can_update_own_metadata = TRI_ABSENT;
	switch (g) {
	case GRANT_CREATE:
		cl.video.room_create = 1;
		break;
	case GRANT_LIST:
		cl.video.room_list = 1;
		break;
	case GRANT_ADMIN:
		cl.video.room_admin = 1;
		cl.video.room = room;
		break;
	}
	return token_signer_sign(cf->livekit_signer, &cl, now, LK_TOKEN_TTL);
}

static void
lk_forget(char *secret)
{
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
}

static void
lk_cache_drop(struct lkclient *lk)
{
	size_t i;

	for (i = 0; i < NELEM(lk->cache); i++) {
		lk_forget(lk->cache[i].jwt);
		lk->cache[i].jwt = NULL;
	}
}

/* Returns a token for grant g (and room) the caller frees, or NULL. */
static char *
lk_token(struct lkclient *lk, enum lk_grant g, const char *room)
{
	struct lk_cached_token *t;
	int64_t now = util_wall_s();

	if (g == GRANT_ADMIN)
		return lk_sign(lk->conf, g, room, now);
	t = &lk->cache[g];
	/* A clock stepped back also renews it: nbf must not be ahead. */
	if (t->jwt == NULL || now < t->made ||
	    now - t->made >= LK_TOKEN_REUSE) {
		lk_forget(t->jwt);
		t->jwt = lk_sign(lk->conf, g, NULL, now);
		t->made = now;
	}
	return t->jwt != NULL ? xstrdup(t->jwt) : NULL;
}

/* --- calls --- */

/*
 * A large answer (the room list of thousands of rooms) is parsed into as
 * many small blocks, which malloc keeps once freed.  Once large answers
 * stop coming for LK_TRIM_DELAY_S, the free pages go back to the system,
 * so a listing's peak does not stay lkgate's size for good; not after each
 * answer, as a client paging through the list would fault them all in
 * again for the next page.
 */
static void
lk_trim_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static void
lk_give_back_memory(struct lkclient *lk)
{
	struct timeval tv = { LK_TRIM_DELAY_S, 0 };

	if (evtimer_add(lk->trim, &tv) == -1)
		log_warn("lkclient: cannot arm the memory trim timer");
}

static void
lk_log_failure(const struct lk_flight *f, const struct lk_result *res)
{
	/* A missing room or participant is an answer, not a fault. */
	log_event(res->outcome == LK_NOT_FOUND ? LOG_INFO : LOG_WARN,
	    "livekit_call_failed",
	    "method", "s", f->name,
	    "outcome", "s", lk_outcome_name(res->outcome),
	    "http_status", "i", (long long)res->http_status,
	    "twirp_code", "s", res->twirp_code,
	    "msg", "s", res->msg,
	    "elapsed_ms", "i", (long long)res->elapsed_ms,
	    (const char *)NULL);
}

/* --- the room cache --- */

static void	lk_flight_start(struct lk_flight *, const struct lk_method_info *,
		    const char *, const char *);

/* The name a ListRooms body asks for when it is {"names":[name]} and
 * nothing else, else NULL. */
static const char *
lk_one_room(const cJSON *body)
{
	const cJSON *names, *name;

	if (!cJSON_IsObject(body) || (names = body->child) == NULL ||
	    names->next != NULL || names->string == NULL ||
	    strcmp(names->string, "names") != 0 || !cJSON_IsArray(names) ||
	    (name = names->child) == NULL || name->next != NULL ||
	    !cJSON_IsString(name) || name->valuestring == NULL ||
	    name->valuestring[0] == '\0')
		return NULL;
	return name->valuestring;
}

static void
lk_room_forget(struct lkclient *lk, const char *room)
{
	struct lk_flight *f;

	lkcache_drop(lk->rooms, room);
	lk_renew_forget(lk, room);
	/* A look-up on its way may have been answered before the change;
	 * one held back (not sent yet) is answered after it. */
	TAILQ_FOREACH(f, &lk->flights, entry)
		if (!f->write && !f->gathered && f->room != NULL &&
		    strcmp(f->room, room) == 0) {
			f->stale = 1;
			lk_flight_close(f);
		}
}

void
lkclient_forget_room(struct lkclient *lk, const char *room)
{
	if (room != NULL)
		lk_room_forget(lk, room);
}

/*
 * The age from which a kept room still asked for is looked up again: in
 * the second half of its time, so that a slow LiveKit still answers
 * before it runs out, at a point that differs from room to room, so that
 * rooms kept together are not all asked for again together.
 */
static uint64_t
lk_renew_age(uint64_t ttl, const char *room)
{
	return ttl / 2 + lk_bucket(room) * (ttl / 4) / (LK_FLIGHT_BUCKETS - 1);
}

static void	lk_renew_fire(evutil_socket_t, short, void *);
static void	lk_flight_done(void *, const struct up_result *);

/* Gathers room for renewal; a full gathering is asked for first. */
static void
lk_renew_room(struct lkclient *lk, const char *room)
{
	if (lk_renew_ask(lk, room) == -1) {
		lk_renew_fire(-1, 0, lk);
		if (lk_renew_ask(lk, room) == -1)
			fatal("lkclient: a renewal gathered nothing");
	}
}

/*
 * Asks LiveKit again for the kept rooms gathered for renewal
 * (lkclient_renew.c), in one ListRooms with no caller waiting: its answer
 * replaces the kept ones.  A busy room is then never without an answer
 * kept, and its tokens never all wait at once for a look-up when the kept
 * answer runs out.
 */
static void
lk_renew_fire(evutil_socket_t fd, short what, void *arg)
{
	struct lkclient *lk = arg;
	const struct lk_method_info *mi = &methods[LK_LIST_ROOMS];
	struct lk_flight *f;
	char *batch[LK_RENEW_MAX], *text, *jwt;
	size_t n;

	(void)fd;
	(void)what;
	if ((n = lk_renew_take(lk, batch)) == 0)
		return;
	text = lk_names_text(batch, n);
	f = lk_flight_new(lk, mi->name, NULL);
	f->batch = xcalloc(n, sizeof(*f->batch));
	memcpy(f->batch, batch, n * sizeof(*batch));
	f->nbatch = n;
	if ((jwt = lk_token(lk, mi->grant, NULL)) == NULL) {
		/* The kept answers run out; the rooms are looked up then. */
		lk_flight_free(f);
		free(text);
		return;
	}
	lk_flight_start(f, mi, jwt, text);
	lk_forget(jwt);
	free(text);
}

/*
 * Sends the one-room look-ups held back in this loop turn (lk_call), one
 * alone as it was asked for, several on one ListRooms of all their names
 * (the carrier), at most LK_GATHER_MAX a request.  After a quiet second
 * every kept room has run out, and the first tokens asked for in 200 rooms
 * at once would otherwise make 200 requests to LiveKit together, each
 * waiting behind the others.
 */
static void
lk_gather_fire(evutil_socket_t fd, short what, void *arg)
{
	struct lkclient *lk = arg;
	const struct lk_method_info *mi = &methods[LK_LIST_ROOMS];
	struct lk_flight *riders[LK_GATHER_MAX], *f;
	char *names[LK_GATHER_MAX], *text, *jwt;
	size_t i, n;

	(void)fd;
	(void)what;
	if ((n = lk_gather_take(lk, riders)) == 0)
		return;
	if (lk->ngather > 0)
		event_active(lk->gather_ev, EV_TIMEOUT, 1);
	if (n == 1)
		f = riders[0];
	else {
		f = lk_flight_new(lk, mi->name, NULL);
		lk_carry(f, riders, n);
	}
	if ((jwt = lk_token(lk, mi->grant, NULL)) == NULL) {
		log_error("livekit %s: cannot sign a service token", mi->name);
		f->up = upstream_fail(lk->up, "cannot sign a service token",
		    lk_flight_done, f);
		return;
	}
	for (i = 0; i < n; i++)
		names[i] = riders[i]->room;
	text = lk_names_text(names, n);
	lk_flight_start(f, mi, jwt, text);
	lk_forget(jwt);
	free(text);
}

static void
lk_flight_done(void *arg, const struct up_result *r)
{
	struct lk_flight *f = arg;
	struct lk_room *kept = NULL;
	struct lkclient *lk = f->lk;	/* f is gone once answered */
	struct lk_answer a;
	struct lk_result res;

	if (f->count != NULL)
		lk_map_count(r, f->count, &a);
	else if (r->status != UP_OK)
		lk_map_transport(r, &a);
	else if (f->probe)
		lk_map_probe(r->http_status, r->body, r->bodylen, &a);
	else
		lk_map_answer(r->http_status, r->content_type, r->body,
		    r->bodylen, &a);
	memset(&res, 0, sizeof(res));
	res.outcome = a.outcome;
	res.http_status = r->status == UP_OK ? r->http_status : 0;
	res.twirp_code = a.twirp_code;
	res.msg = a.msg;
	res.body = a.body;
	res.elapsed_ms = r->elapsed_ms;
	if (f->count != NULL && res.outcome == LK_OK) {
		res.rooms = f->count->rooms;
		res.participants = f->count->participants;
	}
	if (res.outcome != LK_OK)
		lk_log_failure(f, &res);
	f->up = NULL;
	if (f->room != NULL && f->write)
		lk_room_forget(f->lk, f->room);
	else if (f->room != NULL && res.outcome == LK_OK)
		kept = lk_keep(f, &a, r->bodylen);
	else if (f->batch != NULL && res.outcome == LK_OK)
		lk_renew_keep(f, &a, r->bodylen);
	else if (f->riders != NULL)
		lk_carrier_answer(f, &a, &res, r->bodylen);
	if (kept != NULL) {
		res.body = kept->answer;
		res.kept = kept;
	}
	lk_flight_answer(f, &res);
	lk_room_unref(kept);
	lk_answer_clear(&a);
	if (r->bodylen >= LK_TRIM_AFTER)
		lk_give_back_memory(lk);
}

/* Fails a call from the loop, as every lk_call completes. */
static struct lk_call *
lk_call_fail(struct lkclient *lk, const char *name, const char *why,
    lk_done_fn done, void *arg)
{
	struct lk_flight *f;
	struct lk_call *c;

	log_error("livekit %s: %s", name, why);
	f = lk_flight_new(lk, name, NULL);
	c = lk_wait(f, done, arg);
	f->up = upstream_fail(lk->up, why, lk_flight_done, f);
	return c;
}

static long
lk_min(long long a, long long b)
{
	return (long)(a < b ? a : b);
}

/* A count's sink: each piece of the answer to its counter. */
static int
lk_count_chunk(void *arg, const char *data, size_t len)
{
	struct lk_flight *f = arg;

	return roomcount_feed(f->count, data, len);
}

static void
lk_count_reset(void *arg)
{
	struct lk_flight *f = arg;

	roomcount_init(f->count);
}

/* Starts the Twirp request of method mi with body text on flight f; a
 * count's answer goes to its counter. */
static void
lk_flight_start(struct lk_flight *f, const struct lk_method_info *mi,
    const char *jwt, const char *text)
{
	const struct conf *cf = f->lk->conf;
	struct up_sink sink = { lk_count_chunk, lk_count_reset, f };
	struct up_request rq;
	const char *hdrs[5];
	char *url, *auth;

	url = xasprintf("%s/twirp/livekit.%s/%s", cf->livekit_api_url,
	    mi->service, mi->name);
	auth = xasprintf("Authorization: Bearer %s", jwt);
	hdrs[0] = "Content-Type: application/json";
	hdrs[1] = "Accept: application/json";
	hdrs[2] = "User-Agent: lkgate/" LKGATE_VERSION;
	hdrs[3] = auth;
	hdrs[4] = NULL;
	memset(&rq, 0, sizeof(rq));
	rq.method = "POST";
	rq.url = url;
	rq.headers = hdrs;
	rq.body = text;
	rq.bodylen = strlen(text);
	rq.timeout_ms = (long)cf->upstream_timeout_ms;
	rq.connect_timeout_ms = (long)cf->upstream_connect_timeout_ms;
	rq.max_response = (size_t)cf->upstream_max_response_bytes;
	rq.idempotent = mi->idempotent;
	rq.sink = f->count != NULL ? &sink : NULL;
	f->up = upstream_start(f->lk->up, &rq, lk_flight_done, f);
	lk_forget(auth);
	free(url);
}

struct lk_call *
lk_call(struct lkclient *lk, enum lk_method m, const char *room,
    cJSON *body, lk_done_fn done, void *arg)
{
	const struct lk_method_info *mi;
	struct lk_flight *f;
	struct lk_call *c;
	struct lk_room *kept;
	const char *one;
	char *text, *key = NULL, *jwt, *cache_room = NULL;
	uint64_t ttl, age;
	int look_up = 0;	/* a one-room look-up the cache did not have */

	if ((unsigned)m >= LK_METHOD_COUNT) {
		cJSON_Delete(body);
		return lk_call_fail(lk, "?", "unknown method", done, arg);
	}
	mi = &methods[m];
	if (mi->grant == GRANT_ADMIN && (room == NULL || *room == '\0')) {
		cJSON_Delete(body);
		return lk_call_fail(lk, mi->name, "no room for a per-room call",
		    done, arg);
	}
	if (m == LK_LIST_ROOMS && (ttl = lk_room_ttl(lk)) > 0 &&
	    (one = lk_one_room(body)) != NULL) {
		kept = lkcache_get(lk->rooms, one, util_mono_ms(), ttl, &age);
		if (kept != NULL) {
			if (!kept->renewing && age >= lk_renew_age(ttl, one)) {
				kept->renewing = 1;
				lk_renew_room(lk, one);
			}
			cJSON_Delete(body);
			return lk_hit(lk, mi->name, kept, done, arg);
		}
		cache_room = xstrdup(one);
		look_up = 1;
	}
	if (!mi->read && room != NULL && *room != '\0') {
		lk_room_forget(lk, room);
		cache_room = xstrdup(room);
	}
	text = body != NULL ? json_print(body) : xstrdup("{}");
	cJSON_Delete(body);
	if (mi->read) {
		/* The room is in the key: it is in the per-room grant. */
		key = xasprintf("%d\n%s\n%s", (int)m, room != NULL ? room : "",
		    text);
		if ((f = lk_flight_find(lk, key)) != NULL) {
			free(key);
			free(text);
			free(cache_room);
			return lk_wait(f, done, arg);
		}
	}
	if (look_up) {
		/* Sent with the others of this loop turn (lk_gather_fire). */
		free(text);
		f = lk_flight_new(lk, mi->name, key);
		f->room = cache_room;
		c = lk_wait(f, done, arg);
		lk_gather_add(lk, f);
		return c;
	}
	if ((jwt = lk_token(lk, mi->grant, room)) == NULL) {
		free(key);
		free(text);
		free(cache_room);
		return lk_call_fail(lk, mi->name, "cannot sign a service token",
		    done, arg);
	}
	f = lk_flight_new(lk, mi->name, key);
	f->room = cache_room;
	f->write = !mi->read;
	c = lk_wait(f, done, arg);
	lk_flight_start(f, mi, jwt, text);
	lk_forget(jwt);
	free(text);
	return c;
}

struct lk_call *
lk_count_rooms(struct lkclient *lk, lk_done_fn done, void *arg)
{
	const struct lk_method_info *mi = &methods[LK_LIST_ROOMS];
	struct lk_flight *f;
	struct lk_call *c;
	char *jwt;

	if ((f = lk_flight_find(lk, LK_COUNT_KEY)) != NULL)
		return lk_wait(f, done, arg);
	if ((jwt = lk_token(lk, mi->grant, NULL)) == NULL)
		return lk_call_fail(lk, mi->name, "cannot sign a service token",
		    done, arg);
	f = lk_flight_new(lk, mi->name, xstrdup(LK_COUNT_KEY));
	f->count = xcalloc(1, sizeof(*f->count));
	roomcount_init(f->count);
	c = lk_wait(f, done, arg);
	lk_flight_start(f, mi, jwt, "{}");
	lk_forget(jwt);
	return c;
}

struct lk_call *
lk_probe(struct lkclient *lk, lk_done_fn done, void *arg)
{
	const struct conf *cf = lk->conf;
	struct up_request rq;
	struct lk_flight *f;
	struct lk_call *c;
	const char *hdrs[2];
	char *url;

	if ((f = lk_flight_find(lk, "probe")) != NULL)
		return lk_wait(f, done, arg);
	f = lk_flight_new(lk, "probe", xstrdup("probe"));
	f->probe = 1;
	c = lk_wait(f, done, arg);
	url = xasprintf("%s/", cf->livekit_api_url);
	/* No Authorization: LiveKit's auth middleware runs even for "/". */
	hdrs[0] = "User-Agent: lkgate/" LKGATE_VERSION;
	hdrs[1] = NULL;
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.url = url;
	rq.headers = hdrs;
	rq.timeout_ms = lk_min(cf->upstream_timeout_ms, LK_PROBE_TIMEOUT_MS);
	rq.connect_timeout_ms = lk_min(cf->upstream_connect_timeout_ms,
	    rq.timeout_ms);
	rq.max_response = LK_PROBE_MAX_RESPONSE;
	rq.idempotent = 1;
	f->up = upstream_start(lk->up, &rq, lk_flight_done, f);
	free(url);
	return c;
}

/* 1 when no look-up rides on carrier f any more. */
static int
lk_unridden(const struct lk_flight *f)
{
	size_t i;

	for (i = 0; i < f->nriders; i++)
		if (f->riders[i] != NULL)
			return 0;
	return 1;
}

int
lk_cancel(struct lk_call *c)
{
	struct lk_flight *f, *carrier;
	int sent;

	if (c == NULL || c->in_done)
		return 0;	/* inside its own callback: freed after */
	f = c->flight;
	TAILQ_REMOVE(&f->waiters, c, entry);
	free(c);
	if (!TAILQ_EMPTY(&f->waiters) || f->answering)
		return 0;	/* others still wait for the answer */
	carrier = f->carrier;
	sent = !f->gathered;
	upstream_cancel(f->up);
	lk_flight_free(f);
	if (carrier == NULL)
		return sent;
	if (carrier->answering || !lk_unridden(carrier))
		return 0;	/* the others on its carrier still wait */
	upstream_cancel(carrier->up);
	lk_flight_free(carrier);
	return 1;
}

struct lkclient *
lkclient_new(struct upstream *up, const struct conf *cf)
{
	struct lkclient *lk;
	size_t i;

	lk = xcalloc(1, sizeof(*lk));
	lk->up = up;
	lk->conf = cf;
	TAILQ_INIT(&lk->flights);
	TAILQ_INIT(&lk->hits);
	TAILQ_INIT(&lk->gather);
	for (i = 0; i < LK_FLIGHT_BUCKETS; i++)
		LIST_INIT(&lk->shared[i]);
	lk->rooms = lkcache_new(LK_ROOM_CACHE_ENTRIES, LK_ROOM_CACHE_BYTES,
	    lk_room_unref);
	lk->hit_ev = event_new(upstream_base(up), -1, 0, lk_hits_fire, lk);
	lk->gather_ev = event_new(upstream_base(up), -1, 0, lk_gather_fire,
	    lk);
	if (lk->hit_ev == NULL || lk->gather_ev == NULL)
		fatal("lkclient: event_new failed");
	if ((lk->trim = evtimer_new(upstream_base(up), lk_trim_fire,
	    lk)) == NULL ||
	    (lk->renew_ev = evtimer_new(upstream_base(up), lk_renew_fire,
	    lk)) == NULL)
		fatal("evtimer_new failed");
	return lk;
}

void
lkclient_set_conf(struct lkclient *lk, const struct conf *cf)
{
	/* The key, secret, URL or cache time may have changed. */
	lk_cache_drop(lk);
	lkcache_clear(lk->rooms);
	lk->conf = cf;
}

void
lkclient_free(struct lkclient *lk)
{
	struct lk_flight *f;
	struct lk_call *c;

	if (lk == NULL)
		return;
	while ((f = TAILQ_FIRST(&lk->flights)) != NULL) {
		while ((c = TAILQ_FIRST(&f->waiters)) != NULL) {
			TAILQ_REMOVE(&f->waiters, c, entry);
			free(c);
		}
		upstream_cancel(f->up);
		lk_flight_free(f);
	}
	lk_cache_drop(lk);
	lk_renew_clear(lk);
	event_free(lk->renew_ev);
	lkcache_free(lk->rooms);
	event_free(lk->hit_ev);
	event_free(lk->gather_ev);
	event_free(lk->trim);
	free(lk);
}
