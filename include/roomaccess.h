/*
 * roomaccess: a LiveKit room looked up by name for a request, and the rule
 * that decides whether the caller may go on with it (see it, join it, get
 * a token for it).  Below the handlers: the rooms, tokens and video routes
 * use it, and any route family whose objects are LiveKit rooms can (its
 * own 404 code, message and rule).  It answers through the rq_* API of
 * httpfront.h; every decision is taken on a fresh ListRooms answer, so any
 * lkgate instance takes the same one.
 *
 * Ownership: a look-up holds its state on the request (rq_hold), so the
 * caller must not call rq_hold after it: the caller's own state goes in
 * arg, freed with the look-up's when the request ends.  The room object
 * is borrowed from LiveKit's answer and valid only while the rule and
 * next run, unless roomaccess_keep made it the request's.
 *
 * Errors, answered here: LiveKit's failures as rq_reply_lk_error does,
 * with the rule's 404 code for not_found; the rule's 404 when LiveKit has
 * no room of that name; whatever the rule answers when it says no.
 */
#ifndef LKGATE_ROOMACCESS_H
#define LKGATE_ROOMACCESS_H

#include <cjson/cJSON.h>

#include "apierr.h"
#include "roommeta.h"

struct rq;

/* A room that was found. */
struct room_found {
	const char	*name;		/* the name looked up; the caller's */
	const cJSON	*room;		/* LiveKit's Room (see above); NULL
					   in the rule's absent hook */
	long long	 num_participants; /* LiveKit's count (agents and
					   other dependent participants not
					   in it); 0 when absent */
	void		*arg;		/* the caller's */
};

/* Who may go on with a room, and how its absence is told. */
struct room_rule {
	enum api_err	 notfound;	/* the 404's code */
	const char	*noun;		/* "<noun> <name> not found" */
	/* 0: the caller may go on; -1 after answering (403, 409...).
	 * NULL: everyone may. */
	int		(*allow)(struct rq *, struct room_found *);
	/* Answers the 404 itself (its own message); NULL: the one above. */
	void		(*absent)(struct rq *, const struct room_found *);
};

/* Any caller: the 404 is ROOM_NOT_FOUND "room <name> not found". */
extern const struct room_rule roomaccess_any;
/* Joining a gateway room: admins, its creator and the identities it
 * invited (roommeta_may_join, else 403 PERMISSION_DENIED), while it is
 * not full (roommeta_room_is_full, else 409 ROOM_FULL). */
extern const struct room_rule roomaccess_joinable;

typedef void	(*roomaccess_next_fn)(struct rq *, struct room_found *);
typedef void	(*roomaccess_ok_fn)(struct rq *, void *arg);

/*
 * Looks name (which must live as long as the request) up with ListRooms;
 * when it is there and rule lets the caller in, calls next(rq, found).
 * Takes ownership of arg, freed with arg_free (NULL: not freed) when the
 * request ends, whatever the outcome.
 */
void		 roomaccess_lookup(struct rq *, const char *name,
		    const struct room_rule *rule, roomaccess_next_fn next,
		    void *arg, void (*arg_free)(void *));
/*
 * The same, for a caller that only needs the yes: calls ok(rq, arg) when
 * rule lets the caller in.  Takes ownership of arg (freed with free()).
 */
void		 roomaccess_check(struct rq *, const char *name,
		    const struct room_rule *rule, roomaccess_ok_fn ok,
		    void *arg);

/* The room of this request's look-up, for the callback of a LiveKit call
 * that next started. */
struct room_found *roomaccess_found(const struct rq *);
/* Copies the room so that it lives as long as the request (for use after
 * a further LiveKit call). */
void		 roomaccess_keep(struct room_found *);
/* The room's gateway metadata (roommeta.h), read once and kept as long as
 * the request; NULL when it has none.  Only while room is valid. */
const struct roommeta *roomaccess_meta(struct room_found *);

#endif
