/*
 * chanmeta: the Voice Chat app's channels.  A channel is a LiveKit room
 * named <channel_prefix><uuid>; its id is the uuid, and what lkgate
 * remembers of it is JSON in the room's metadata:
 * {"name","description","max_users","is_private","created_by",
 * "created_at","invited"} plus "by_api_key":true when an admin API key
 * made it (so that a person whose id equals a key's name is not taken for
 * its creator).  Everything else (who is in it, their audio tracks) is
 * read live from LiveKit.  Pure: no clock, no I/O; LiveKit's rooms and
 * participants come in as cJSON, as ListRooms and ListParticipants give
 * them.
 *
 * Callers are persons (user JWTs, web-login sessions, guests) and
 * API keys; an admin sees and does everything.  A public channel is seen
 * and joined by every person; a private one by its creator, its invitees
 * and admins; only its creator and admins delete it.
 */
#ifndef LKGATE_CHANMETA_H
#define LKGATE_CHANMETA_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "auth.h"
#include "util.h"

#define CHAN_NAME_MAX		100	/* bytes */
#define CHAN_DESCRIPTION_MAX	500
#define CHAN_MAX_USERS		1000
#define CHAN_INVITED_MAX	100
#define CHANLIST_LIMIT_MAX	100

struct chanmeta {
	cJSON		*tree;		/* owned by parse; NULL when built */
	const char	*name;
	const char	*description;	/* "" when none */
	long long	 max_users;	/* 1..CHAN_MAX_USERS */
	int		 is_private;
	const char	*created_by;	/* a person's id or an API key name */
	int		 by_api_key;
	int64_t		 created_at;
	const cJSON	*invited;	/* array of identities; borrowed */
};

/*
 * The channel id of room name (a pointer into it) when the name is
 * prefix followed by a canonical lowercase UUID, else NULL.
 */
const char	*chanmeta_id_of(const char *prefix, const char *room);

/* Reads room metadata text (NULL allowed): 0 and *m filled (release with
 * chanmeta_clear) when it is a channel's, else -1 with *m cleared. */
int		 chanmeta_parse(const char *text, struct chanmeta *m);
void		 chanmeta_clear(struct chanmeta *m);
/* The metadata text of m (caller frees); tree is ignored. */
char		*chanmeta_render(const struct chanmeta *m);

/* A person (not an API key, not anonymous): may be invited and join. */
int		 chanmeta_is_person(const struct principal *p);
int		 chanmeta_is_creator(const struct chanmeta *m,
		    const struct principal *p);
/* Admins, and for a public channel every person; for a private one its
 * creator and invitees. */
int		 chanmeta_may_see(const struct chanmeta *m,
		    const struct principal *p);
int		 chanmeta_may_delete(const struct chanmeta *m,
		    const struct principal *p);

/* LiveKit's count of a room's participants (agents and egress not
 * included), 0 when absent. */
long long	 chanmeta_users(const cJSON *room);
/* Whether a channel is full: its users at max_users or beyond. */
int		 chanmeta_is_full(const struct chanmeta *m, const cJSON *room);

/*
 * The channel object {"id","name","description","max_users",
 * "is_private","created_by","created_at","current_users"} (caller frees).
 */
cJSON		*chanmeta_channel_json(const char *id, const cJSON *room,
		    const struct chanmeta *m);

/* 1 when a ParticipantInfo is a user of the channel: agents and egress
 * are not. */
int		 chanmeta_is_user(const cJSON *participant);
/*
 * A user of the channel from a ParticipantInfo: {"id","display_name",
 * "joined_at","muted"}; muted is true unless the participant publishes
 * an audio track that is not muted.  With stats, "audio_tracks" and
 * "muted_tracks" too.
 */
cJSON		*chanmeta_user_json(const cJSON *participant, int stats);

/*
 * The statistics of a channel from its room and its ListParticipants
 * array, at time now: {"channel_id","current_users","uptime_seconds",
 * "audio_tracks","muted_tracks","active_streams","users":[...]}, then
 * with detailed the seed's "total_connections","audio_stats" and
 * "performance_stats" objects, else the seed's audio fields flat; fields
 * LiveKit's server API does not give (packets, bytes, latency, loss,
 * jitter, quality, CPU) are null.
 */
cJSON		*chanmeta_stats_json(const char *id, const cJSON *room,
		    const cJSON *participants, int64_t now, int detailed);

/* The channel list: which channels, in which order. */
enum chanlist_scope {
	CL_VISIBLE,	/* public ones and the private ones the caller may see */
	CL_PUBLIC	/* public ones only */
};

struct chanlist_query {
	const struct principal *who;
	const char	*prefix;	/* channel_prefix */
	enum chanlist_scope scope;
	const char	*name;		/* substring of the name (any case);
					   NULL: any */
	long long	 min_users;	/* -1: no bound */
	long long	 max_users;	/* -1: no bound */
};

struct chanlist_entry {
	const char	*id;		/* into room's name */
	const cJSON	*room;		/* borrowed from the ListRooms answer */
	struct chanmeta	 meta;
	long long	 users;
};

struct chanlist {
	struct chanlist_entry *v;
	size_t		 n;
};

/*
 * The channels of the ListRooms array rooms that match q, oldest first
 * (then by name, then id).  Borrows rooms: the list lives no longer.  Release with
 * chanlist_free.
 */
void		 chanlist_collect(const cJSON *rooms,
		    const struct chanlist_query *q, struct chanlist *out);
void		 chanlist_free(struct chanlist *);
/* The channel objects of the whole list (caller frees). */
cJSON		*chanlist_json(const struct chanlist *);
/*
 * Page page (from 1) of limit entries: the array of channel objects, and
 * in *pagination the seed's {"current_page","total_pages","total_items",
 * "items_per_page","has_next","has_previous"} (caller frees both).
 */
cJSON		*chanlist_page(const struct chanlist *, size_t page,
		    size_t limit, cJSON **pagination);

#endif
