/*
 * h_tokens: POST /api/livekit/token (and the legacy /livekit/token): a
 * participant token for a named room.  Accepts LiveKit's standard
 * token-endpoint fields; `identity` is an alias of `participant_identity`.
 *
 * An admin API key names the identity and may mint for any room name with
 * no LiveKit call.  An app API key ships inside the Eloquence app, so it is
 * public: it gets a token only for a session room, as that session's
 * user_id, which is looked up.  A user is always their own identity, and
 * gets a token only for a room they may join, which is looked up first
 * (the same check as /api/livekit/rooms/{name}/join).  The fields, the
 * checks and the answer are partoken.c's.
 */
#include "fields.h"
#include "handlers.h"
#include "httpfront.h"
#include "partoken.h"

void
h_token(struct rq *rq)
{
	const char *room = NULL;

	if (field_string(rq, rq_json(rq), "room_name", 1, FR_ROOM_NAME, 0,
	    &room) == -1)
		return;
	partoken_for_room(rq, room, 0);
}
