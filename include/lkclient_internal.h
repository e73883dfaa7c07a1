/*
 * lkclient_internal: what the files of the lkclient module share.
 * Private to the module: only src/lkclient*.c include this; the rest of
 * lkgate sees lkclient.h.
 *
 * The files, each calling only those below it (no call circle; checked
 * by test/check-includes on the built objects):
 *
 *   lkclient.c        the calls: methods, service tokens, Twirp requests,
 *                     the room cache's rules, lkclient_new/free
 *   lkclient_renew.c  what goes into the room cache: a look-up's
 *                     answer, the renewals of kept rooms gathered into one
 *                     ListRooms, the answer of a ListRooms of many names
 *                     split into one room a name (renewals, and look-ups
 *                     that rode on one request)
 *   lkclient_share.c  the flights: one request to LiveKit and the calls
 *                     waiting on it, shared reads found by key, answers
 *                     given from the loop (cache hits), look-ups gathered
 *                     to ride on one ListRooms
 *   lkclient_map.c    the mapping of LiveKit's answers and transport
 *                     results to an lk_outcome (pure), a count's answer
 *                     judged by its counter
 *
 * Ownership: a struct lkclient owns its flights (lk->flights) and its room
 * cache; a flight owns its key, its room, its waiters (struct lk_call,
 * freed once told or cancelled), a reference to its kept answer and, for
 * a count, its counter (struct roomcount); a struct lk_room is freed with
 * its last reference (lk_room_unref).  A carrier (the one request of
 * several gathered look-ups) and its riders point at each other, owning
 * neither: whichever is freed first unlinks itself from the other.  The mapping functions fill a
 * struct lk_answer the caller clears with lk_answer_clear().  Errors: none
 * of these fail; memory exhaustion is fatal (xcalloc).
 */
#ifndef LKGATE_LKCLIENT_INTERNAL_H
#define LKGATE_LKCLIENT_INTERNAL_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "lkclient.h"
#include "roomcount.h"
#include "upstream.h"

#define LK_FLIGHT_BUCKETS	256		/* power of two */
#define LK_RENEW_MAX		100		/* rooms in one renewal */
#define LK_GATHER_MAX		100		/* look-ups on one carrier */
/* The bytes a kept answer is counted for, per byte of its JSON text:
 * about what the parsed tree takes. */
#define LK_ROOM_CACHE_FACTOR	2

enum lk_grant { GRANT_CREATE, GRANT_LIST, GRANT_ADMIN };

struct lk_cached_token {
	char		*jwt;
	int64_t		 made;		/* wall seconds */
};

/* A kept answer to a one-room ListRooms, held by the cache and by each
 * answer being given from it. */
struct lk_room {
	int		 refs;
	int		 renewing;	/* a look-up to replace it was started */
	cJSON		*answer;
	void		*memo;		/* lk_memo_keep's, or NULL */
	void		(*memo_free)(void *);
};

/* One request to LiveKit, and the calls waiting for its answer. */
struct lk_flight {
	struct lkclient		*lk;
	struct up_call		*up;
	const char		*name;		/* method name, static */
	char			*key;		/* a shared read's; else NULL */
	int			 probe;
	int			 answering;	/* its waiters are being told */
	char			*room;		/* the room a one-room look-up
						   asks for or a write changes */
	int			 write;
	int			 stale;		/* the room changed meanwhile:
						   its answer is not kept */
	struct lk_room		*kept;		/* a cache hit's answer */
	struct roomcount	*count;		/* lk_count_rooms': the answer
						   is fed to it as it comes */
	char			**batch;	/* a renewal's rooms (owned);
						   NULL once kept or changed */
	size_t			 nbatch;
	int			 queued;	/* in lk->hits */
	int			 gathered;	/* in lk->gather: not sent yet */
	struct lk_flight	*carrier;	/* the request it rides on */
	struct lk_flight	**riders;	/* a carrier's look-ups (NULL
						   once gone), not owned */
	size_t			 nriders;
	TAILQ_HEAD(, lk_call)	 waiters;
	TAILQ_ENTRY(lk_flight)	 entry;		/* in lk->flights */
	LIST_ENTRY(lk_flight)	 bucket;	/* in lk->shared, while joinable */
	TAILQ_ENTRY(lk_flight)	 hit_entry;	/* in lk->hits */
	TAILQ_ENTRY(lk_flight)	 gather_entry;	/* in lk->gather */
};

struct lk_call {
	struct lk_flight	*flight;
	int			 in_done;
	lk_done_fn		 done;
	void			*arg;
	TAILQ_ENTRY(lk_call)	 entry;		/* in flight->waiters */
};

struct lkclient {
	struct upstream		*up;
	const struct conf	*conf;
	struct lk_cached_token	 cache[GRANT_ADMIN];	/* create, list */
	TAILQ_HEAD(, lk_flight)	 flights;
	LIST_HEAD(, lk_flight)	 shared[LK_FLIGHT_BUCKETS];
	struct lkcache		*rooms;		/* name -> struct lk_room */
	TAILQ_HEAD(, lk_flight)	 hits;		/* answers to give from it */
	size_t			 nhits;
	struct event		*hit_ev;	/* gives them */
	struct event		*trim;		/* see lk_give_back_memory */
	char			*renew[LK_RENEW_MAX];	/* rooms due, gathered */
	size_t			 nrenew;
	struct event		*renew_ev;	/* asks for them */
	TAILQ_HEAD(, lk_flight)	 gather;	/* look-ups of this loop turn */
	size_t			 ngather;
	struct event		*gather_ev;	/* sends them */
};

/* lkclient_renew.c: what is kept (see there). */
uint64_t	 lk_room_ttl(const struct lkclient *);
/* Adds room (copied) to the renewal being gathered; -1 when it is full
 * (LK_RENEW_MAX rooms): ask for those first. */
int		 lk_renew_ask(struct lkclient *, const char *room);
/* Moves the gathered names (owned) to names[LK_RENEW_MAX]; their count. */
size_t		 lk_renew_take(struct lkclient *, char **names);
/* room changed: not renewed, and not kept from a renewal on its way. */
void		 lk_renew_forget(struct lkclient *, const char *room);
void		 lk_renew_clear(struct lkclient *);
/* A renewal's answer (LK_OK; its JSON text len bytes): each room asked
 * for kept, taken from a's body; those it lacks dropped. */
struct lk_answer;
void		 lk_renew_keep(struct lk_flight *, struct lk_answer *, size_t len);
/* The body of a ListRooms of names[0..n): {"names":[...]}, allocated. */
char		*lk_names_text(char *const *names, size_t n);
/* Keeps the answer a of look-up f (its JSON text was len bytes) when it
 * found the room and nothing changed it meanwhile, taking a's body;
 * returns it with a reference for the caller, or NULL. */
struct lk_room	*lk_keep(struct lk_flight *f, struct lk_answer *a, size_t len);
/* Answers each look-up still riding on carrier f from its answer a
 * (its JSON text len bytes) and result res, as if each had been sent
 * alone; the first told owns the call (res.shared 0). */
void		 lk_carrier_answer(struct lk_flight *f, struct lk_answer *a,
		    const struct lk_result *res, size_t len);
/* Moves each room of body's "rooms" (a ListRooms answer) to found[i],
 * names[i] being its name (NULL names match nothing; a name given twice
 * gets a copy for the second); rooms asked for by no name are deleted.
 * found[0..n) must be NULL on entry.  Returns the rooms the answer had. */
size_t		 lk_split_rooms(cJSON *body, char *const *names, size_t n,
		    cJSON **found);

/* lkclient_share.c: the flights. */
size_t		 lk_bucket(const char *);
void		 lk_flight_close(struct lk_flight *);
void		 lk_room_unref(void *);
/* Keeps answer (taken; a ListRooms answer of one room, its JSON text about
 * bytes long) in the room cache as the look-up of name, as of now.  With
 * caller_ref, returns it with a reference for the caller; else NULL. */
struct lk_room	*lk_room_keep(struct lkclient *, const char *name,
		    cJSON *answer, size_t bytes, int caller_ref, uint64_t now);
void		 lk_flight_free(struct lk_flight *);
/* Answers every waiter and frees the flight; res->shared is what the
 * first waiter is told (the caller sets it: 0 but for the look-ups on
 * one carrier after the first, which share its one call), the others
 * are told 1. */
void		 lk_flight_answer(struct lk_flight *, struct lk_result *);
struct lk_call	*lk_wait(struct lk_flight *, lk_done_fn, void *);
struct lk_flight *lk_flight_find(struct lkclient *, const char *);
struct lk_flight *lk_flight_new(struct lkclient *, const char *, char *);
void		 lk_hits_fire(evutil_socket_t, short, void *);
struct lk_call	*lk_hit(struct lkclient *, const char *, struct lk_room *,
		    lk_done_fn, void *);
/* Holds look-up f back until the end of this loop turn (gather_ev sends
 * it, with the others held meanwhile); lk_gather_take moves up to
 * LK_GATHER_MAX of them, oldest first, to flights[] and returns how many. */
void		 lk_gather_add(struct lkclient *, struct lk_flight *);
size_t		 lk_gather_take(struct lkclient *, struct lk_flight **);
/* Links riders[0..n) (from lk_gather_take) to carrier. */
void		 lk_carry(struct lk_flight *carrier, struct lk_flight **riders,
		    size_t n);

/* lkclient_map.c: answers to outcomes (lk_map_answer is in lkclient.h). */
void		 lk_map_probe(long, const char *, size_t, struct lk_answer *);
void		 lk_map_transport(const struct up_result *,
		    struct lk_answer *);
void		 lk_map_count(const struct up_result *, struct roomcount *,
		    struct lk_answer *);

#endif
