/*
 * lkclient: LiveKit's Twirp services (RoomService, AgentDispatchService)
 * and its health probe, over upstream.
 *
 * Each call is POST {api_url}/twirp/livekit.<Service>/<Method> with a JSON
 * body and a fresh service token that carries only the grant that method
 * needs (roomCreate, roomList, or roomAdmin + room), valid for ten
 * minutes.  Twirp JSON errors and LiveKit's plain-text 401s are both
 * understood and reduced to an lk_outcome.  An answer may be at most
 * upstream_max_response_bytes (ListRooms holds every room); a second after
 * the last answer of 1 MiB or more, the memory freed is given back to the
 * system (glibc's malloc_trim).  Counting the rooms (lk_count_rooms) reads
 * the whole list as it arrives and keeps none of it.
 */
#ifndef LKGATE_LKCLIENT_H
#define LKGATE_LKCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct upstream;
struct conf;
struct lkclient;
struct lk_call;
struct lk_room;

enum lk_method {
	LK_CREATE_ROOM, LK_DELETE_ROOM, LK_LIST_ROOMS, LK_LIST_PARTICIPANTS,
	LK_GET_PARTICIPANT, LK_REMOVE_PARTICIPANT, LK_UPDATE_ROOM_METADATA,
	LK_CREATE_DISPATCH, LK_UPDATE_PARTICIPANT, LK_LIST_DISPATCH,
	LK_METHOD_COUNT
};

/*
 * The outcomes of a LiveKit call, the one list of them: symbol, label
 * (logs and the metrics' outcome label), text for people.  LK_CANCELLED
 * is never given to a done callback: it labels a call the request gave up
 * on, for metrics.
 */
#define LK_OUTCOMES(X)							\
	/* 2xx with a JSON object body */				\
	X(LK_OK, "ok", "success")					\
	/* Twirp not_found */						\
	X(LK_NOT_FOUND, "not_found", "not found in LiveKit")		\
	/* LiveKit unreachable: map to 503 */				\
	X(LK_REFUSED, "refused", "LiveKit is unreachable")		\
	/* no answer in time: map to 504 */				\
	X(LK_TIMEOUT, "timeout", "LiveKit did not answer in time")	\
	/* Twirp unavailable: map to 503 */				\
	X(LK_UNAVAILABLE, "unavailable", "LiveKit is unavailable")	\
	/* 401/403 from LiveKit: our key or secret is wrong */		\
	X(LK_REJECTED, "rejected",					\
	    "LiveKit rejected the gateway's API key")			\
	/* any other error or unreadable answer: map to 502 */		\
	X(LK_FAILED, "failed", "the LiveKit call failed")		\
	/* the request gave up on the call first */			\
	X(LK_CANCELLED, "cancelled", "the call was cancelled")

#define LK_OUTCOME_ENUM(sym, label, text) sym,
enum lk_outcome { LK_OUTCOMES(LK_OUTCOME_ENUM) LK_OUTCOME_COUNT };
#undef LK_OUTCOME_ENUM

struct lk_result {
	enum lk_outcome	 outcome;
	long		 http_status;	/* 0 when no response */
	const char	*twirp_code;	/* e.g. "not_found"; NULL if none */
	const char	*msg;		/* LiveKit's or curl's text; may be NULL */
	const cJSON	*body;		/* LK_OK: the response object, borrowed
					   for the callback's duration; NULL
					   for lk_count_rooms */
	uint64_t	 rooms;		/* lk_count_rooms, LK_OK: the rooms */
	uint64_t	 participants;	/* and their num_participants summed */
	unsigned long	 elapsed_ms;
	int		 shared;	/* 1: the answer of a read another call
					   started and was told first (count
					   the LiveKit call once: where 0) */
	int		 cached;	/* 1: from the room cache, no LiveKit
					   call at all */
	struct lk_room	*kept;		/* the room cache's entry this body
					   is, or NULL: see lk_memo */
};

typedef void (*lk_done_fn)(void *arg, const struct lk_result *);

/*
 * What a caller derived from a kept (room cache) answer, kept with it so
 * that the next caller given the same answer need not derive it again:
 * lk_memo returns it, or NULL (none yet, or res is not a kept answer).
 * lk_memo_keep hands memo to res's entry, which frees it with free_fn
 * when the entry goes (expired, replaced, dropped) and no call holds it
 * any more; returns 0, or -1 when res is not a kept answer or already
 * has a memo (memo stays the caller's).  A memo may only be read while
 * its answer is (the callback's duration) unless the caller counts its
 * own references in it.  One kind of memo: roomaccess's (a room's
 * parsed gateway metadata) is the only one.
 */
void		*lk_memo(const struct lk_result *res);
int		 lk_memo_keep(const struct lk_result *res, void *memo,
		    void (*free_fn)(void *));

/* Borrows up and conf; conf may be swapped later with lkclient_set_conf. */
struct lkclient	*lkclient_new(struct upstream *, const struct conf *);
/* Cancels pending calls (no callbacks) and frees; before upstream_free.
 * NULL is allowed. */
void		 lkclient_free(struct lkclient *);
/* Uses cf for calls started from now on and drops cached tokens. */
void		 lkclient_set_conf(struct lkclient *, const struct conf *);

/*
 * Calls method with body (ownership taken; NULL sends {}).  room names the
 * room for per-room grants (roomAdmin + room) and is ignored otherwise,
 * except that a write naming a room drops that room from the room cache.
 * done runs exactly once from the loop unless lk_cancel() comes first.
 * Never returns NULL.  A read (ListRooms, ListParticipants, GetParticipant)
 * asked for while the same read (method, room, body) is on its way waits
 * for that one's answer instead of sending another.
 *
 * The room cache: a ListRooms of exactly one name ({"names":[name]})
 * that found the room is kept for room_cache_ms (0: never), and the same
 * look-up within that time is answered from it (res.cached 1), still from
 * the loop; one in the second half of that time also has the room asked
 * for again (once), with no caller waiting, and the new answer kept: the
 * rooms due are gathered for a tenth of that time and asked for together
 * (lkclient_renew.c), and one the answer lacks is dropped.  An answer
 * without the room is never kept.  Bounded in entries and bytes.  The
 * look-ups of one loop turn the cache does not answer are sent at its
 * end, together: up to 100 names in one ListRooms, each call
 * answered as if its look-up had been sent alone ({"rooms":[room]} or
 * {"rooms":[]}, or the failure of that ListRooms); the first told owns
 * the one call (res.shared 0), the others shared it.
 */
struct lk_call	*lk_call(struct lkclient *, enum lk_method, const char *room,
		    cJSON *body, lk_done_fn done, void *arg);

/*
 * Counts LiveKit's rooms and their participants: a ListRooms of every
 * room whose answer is counted as it arrives (roomcount.h) and never held
 * whole, so that the memory it takes does not grow with the number of
 * rooms; upstream_max_response_bytes does not bound it (only the time
 * does: upstream_timeout_ms).  On LK_OK, res.rooms and res.participants
 * hold the counts (res.body is NULL); an answer that is not a room list
 * is LK_FAILED.  A count asked for while another is on its way shares it;
 * counts never share a ListRooms of lk_call, nor its room cache.
 * Otherwise as lk_call: done runs once from the loop unless lk_cancel()
 * comes first; never returns NULL.
 */
struct lk_call	*lk_count_rooms(struct lkclient *, lk_done_fn done, void *arg);

/* Drops what the room cache keeps of room, and keeps no answer to a
 * look-up of it already on its way: for news that it changed (webhooks). */
void		 lkclient_forget_room(struct lkclient *, const char *room);

/* Probes LiveKit's health endpoint (GET / on the API URL, no
 * Authorization): LK_OK on 200, LK_UNAVAILABLE on another status.
 * Probes asked for while one is on its way share it. */
struct lk_call	*lk_probe(struct lkclient *, lk_done_fn done, void *arg);

/* Aborts a call; its done callback never runs.  NULL is allowed, and so
 * is a call from inside that call's own done callback (a no-op).  1 when
 * the request to LiveKit was abandoned with it, 0 when there was none
 * (not sent yet) or other calls still wait for its answer (on the same
 * look-up, or on the same ListRooms of several). */
int		 lk_cancel(struct lk_call *);

/* "CreateRoom", ...; used in logs and metrics. */
const char	*lk_method_name(enum lk_method);
/* Short English text of an outcome, e.g. "LiveKit is unreachable". */
const char	*lk_outcome_string(enum lk_outcome);
/* An outcome's label, e.g. "refused"; "unknown" outside the range. */
const char	*lk_outcome_name(enum lk_outcome);

/* The outcomes' labels by value (metrics_new takes them). */
extern const char *const lk_outcome_names[LK_OUTCOME_COUNT];

/*
 * For tests: how lk_call reduces an HTTP answer (status, Content-Type,
 * body of len bytes) to an outcome.  A 2xx needs a JSON object body; a
 * non-2xx is read as a Twirp error {"code","msg"} when it is one, else by
 * its status (401/403: LK_REJECTED, 503: LK_UNAVAILABLE, others, 404
 * included: LK_FAILED) with msg the first line of a text body.  Messages
 * are trimmed, cut to 200 bytes and stripped of control characters.
 * Fills *out; the caller releases it with lk_answer_clear().
 */
struct lk_answer {
	enum lk_outcome	 outcome;
	cJSON		*body;		/* LK_OK: the object; owned */
	char		*twirp_code;	/* owned; NULL if none */
	char		*msg;		/* owned; NULL if none */
};
void		 lk_map_answer(long http_status, const char *content_type,
		    const char *body, size_t bodylen, struct lk_answer *out);
void		 lk_answer_clear(struct lk_answer *);

#endif
