/*
 * roommeta: what lkgate remembers about a video-call room, kept as JSON in
 * the room's LiveKit metadata, and the rules built on it: who may see,
 * join or delete a room, when it is full, and the room list's paging.
 * Pure: no clock, no I/O; LiveKit's room and participant objects come in
 * as cJSON, as ListRooms and ListParticipants give them.
 *
 * The metadata is {"created_by","call_type","invited","created_at",
 * "title"}.  created_by and the invited identities record their source
 * (auth.h): a user's identity as in LiveKit tokens (a user JWT's bare sub,
 * "oidc:<sub>", "guest:<id>"), an API key as "key:<name>".  The older form
 * (a bare key name with "by_api_key":true) is still read.  Metadata that
 * is not exactly this shape (a session's, another tool's, none) is "no
 * gateway metadata": such a room is for admins only.
 */
#ifndef LKGATE_ROOMMETA_H
#define LKGATE_ROOMMETA_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "validate.h"

#define ROOMMETA_TITLE_MAX 200
#define ROOMMETA_INVITED_MAX 100
/*
 * The most metadata text lkgate writes into one room, and reads as its
 * own: the fields' own limits (a title, 100 identities) stay under it,
 * and every room a user makes adds at most this much to each ListRooms
 * answer.  Longer metadata is never gateway metadata.
 */
#define ROOMMETA_TEXT_MAX 16384
#define ROOMLIST_LIMIT_MAX 100

enum call_type { CALL_ANY = -1, CALL_AUDIO, CALL_VIDEO };

struct roommeta {
	cJSON		*tree;		/* owned by parse; NULL when built */
	const char	*created_by;	/* a user's identity or, when
					   by_api_key, an API key's name */
	int		 by_api_key;
	enum call_type	 call_type;
	const cJSON	*invited;	/* array of identities; borrowed */
	int64_t		 created_at;
	const char	*title;		/* NULL: none */
};

/* "audio" -> CALL_AUDIO, "video" -> CALL_VIDEO; -1 for anything else. */
int		 call_type_parse(const char *);
const char	*call_type_name(enum call_type);

/*
 * Reads LiveKit room metadata text (NULL allowed).  Returns 0 and fills *m
 * (release with roommeta_clear) when it is gateway metadata, else -1 with
 * *m cleared.
 */
int		 roommeta_parse(const char *text, struct roommeta *m);
/* Frees what roommeta_parse allocated; m may be all zero. */
void		 roommeta_clear(struct roommeta *m);
/* The metadata text of m (caller frees); tree is ignored.  NULL when it
 * would be longer than ROOMMETA_TEXT_MAX bytes. */
char		*roommeta_render(const struct roommeta *m);

/*
 * Appends identity to the array invited unless it is there already.
 * Returns 1 when added, 0 when a duplicate.
 */
int		 roommeta_invite(cJSON *invited, const char *identity);

/* The rules; m is NULL for a room without gateway metadata. */
int		 roommeta_is_creator(const struct roommeta *m,
		    const struct principal *p);
/* Creator or invited (admins aside). */
int		 roommeta_is_member(const struct roommeta *m,
		    const struct principal *p);
/* Admins and members may see and join a room. */
int		 roommeta_may_join(const struct roommeta *m,
		    const struct principal *p);
/* Admins and the creator may delete it. */
int		 roommeta_may_delete(const struct roommeta *m,
		    const struct principal *p);
/* Whether a room object from LiveKit is at its max_participants (0: no
 * limit).  Dependent participants (agents) are not in num_participants. */
int		 roommeta_room_is_full(const cJSON *room);

/*
 * The room object of the API from a LiveKit room: {"name","sid","title",
 * "call_type","created_by","invited","created_at","num_participants",
 * "max_participants","empty_timeout"}.  Without metadata (m NULL) title,
 * call_type and created_by are null, invited is [] and created_at is the
 * room's creation_time.  Returns a new object (caller frees).
 */
cJSON		*roommeta_room_json(const cJSON *room,
		    const struct roommeta *m);
/* A participant of the API from a LiveKit ParticipantInfo: {"identity",
 * "name","kind","state","joined_at","is_publisher"}, kind and state in
 * lowercase ("standard", "active"). */
cJSON		*roommeta_participant_json(const cJSON *p);

/* The room list: which rooms, from where, how many. */
struct roomlist_query {
	const struct principal *who;
	int		 own_only;	/* admins too see only their rooms */
	enum call_type	 call_type;	/* CALL_ANY: no filter */
	const char	*after;		/* names after this one (any LiveKit
					   name); NULL: all */
	size_t		 limit;		/* 1..ROOMLIST_LIMIT_MAX */
};

/*
 * One page of the room list: the rooms of the ListRooms array rooms that
 * q->who may see (and that match the filter), in byte order of their
 * names, strictly after q->after, at most q->limit of them.  Returns the
 * array of room objects (caller frees) and sets *next to the cursor of the
 * following page (caller frees), or NULL on the last page.  Besides rooms
 * it only borrows, it holds q->limit + 1 rooms and one room's metadata at
 * a time, however many rooms LiveKit has.
 */
cJSON		*roomlist_page(const cJSON *rooms,
		    const struct roomlist_query *q, char **next);

/* The opaque cursor that resumes after room name (caller frees). */
char		*roomlist_cursor(const char *name);
/*
 * Reads a cursor back into out; -1 when it is not one of ours.  The name
 * in it may be any LiveKit room name (valid_room_ref): foreign rooms are
 * listed too.
 */
int		 roomlist_cursor_parse(const char *cursor,
		    char out[ROOM_REF_MAX + 1]);

#endif
