/*
 * partoken: the participant token a caller gets for a named room on the
 * token routes (/api/livekit/token and the join of /api/livekit/rooms),
 * from the token fields of the JSON body: LiveKit's standard token-endpoint
 * fields, `identity` an alias of `participant_identity`.  Below the
 * handlers; answers through the rq_* API of httpfront.h.
 *
 * Who gets one: an admin API key names the identity and may mint for any
 * room name (with no LiveKit call unless asked to look the room up).  An
 * app API key ships inside the Eloquence app, so it is public: it gets a
 * token only for a session room (sessmeta.h), as that session's user_id,
 * after looking the room up.  A user is always their own identity and
 * gets a token only for a room they may join (roomaccess_joinable).
 *
 * Errors, answered here: 400 naming the field, 403 PERMISSION_DENIED, 404
 * ROOM_NOT_FOUND, 409 ROOM_FULL, and LiveKit's failures (roomaccess.h).
 */
#ifndef LKGATE_PARTOKEN_H
#define LKGATE_PARTOKEN_H

#include <cjson/cJSON.h>

#include "jointoken.h"

struct rq;

/*
 * The identity the caller acts as: a user's own (a different
 * participant_identity or identity in body is 403), else the body's (400
 * when absent).  Returns 0 with *out borrowed from the request or its
 * principal, or -1 after answering.
 */
int	partoken_identity(struct rq *, const cJSON *body, const char **out);

/*
 * Reads the token fields of body into jr (identity, name, metadata,
 * attributes; all borrowed from the request; attribute keys beginning
 * with lk. are LiveKit's, 400); a user's display name is the default
 * participant name.  Returns 0, or -1 after answering.
 */
int	partoken_read(struct rq *, const cJSON *body, struct join_request *jr);

/*
 * For room (living as long as the request): the token of the body's
 * fields once the caller may have it (see above), or the error; lookup:
 * an admin key's room is looked up and join-checked too.  Agents the
 * body's room_config asks for are dispatched (agentdisp.h) only after
 * every check of who may have the token, and the token carries them in
 * its roomConfig claim.
 */
void	partoken_for_room(struct rq *, const char *room, int lookup);

#endif
