/*
 * sessmeta: how a session room is told from every other room.  A session
 * room is one lkgate created through /api/sessions: its LiveKit metadata
 * is the session's JSON ({"session_id","user_id",...,"created_at"}) and
 * its name is the room prefix and that session id.  A name alone proves
 * nothing (another backend, or an admin, may make any room), so the
 * session routes and the tokens app keys may mint go by the metadata.
 * Pure: no I/O.
 */
#ifndef LKGATE_SESSMETA_H
#define LKGATE_SESSMETA_H

#include "util.h"
#include "validate.h"

struct sessmeta {
	char	 session_id[UUID_STR_LEN];
	char	 user_id[IDENTITY_MAX + 1];
};

/*
 * 1 when name is prefix followed by a lowercase UUID (the name of a
 * session room, which may or may not exist), else 0.
 */
int	sessmeta_name_is_session(const char *prefix, const char *name);

/*
 * Reads the LiveKit metadata text (NULL allowed) of the room called name.
 * Returns 0 and fills *m when it is the metadata of the session whose room
 * that name is under prefix: a JSON object with a "session_id" that is a
 * UUID and equals name after prefix, a "user_id" that is a valid identity,
 * a boolean "is_multi_agent" and an integer "created_at".  Else -1.
 */
int	sessmeta_parse(const char *prefix, const char *name, const char *text,
	    struct sessmeta *m);

#endif
