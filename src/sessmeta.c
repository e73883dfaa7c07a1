/*
 * sessmeta: session rooms known by their metadata.  Every session lkgate
 * ever created wrote the same JSON (h_sessions.c), so the shape read here
 * also recognises the rooms of older versions.
 */
#include <string.h>

#include "json.h"
#include "sessmeta.h"

/* created_at is seconds, exact in a double. */
#define CREATED_AT_MAX ((1LL << 53) - 1)

int
sessmeta_name_is_session(const char *prefix, const char *name)
{
	size_t n = strlen(prefix);

	return n > 0 && strncmp(name, prefix, n) == 0 &&
	    util_is_uuid(name + n);
}

/* Fills m from the object o of the room name; -1 when not a session's. */
static int
sessmeta_read(const cJSON *o, const char *prefix, const char *name,
    struct sessmeta *m)
{
	const char *id, *user;
	long long at;
	int multi;

	if (json_get_string(o, "session_id", &id) != JG_OK ||
	    !util_is_uuid(id) ||
	    strncmp(name, prefix, strlen(prefix)) != 0 ||
	    strcmp(name + strlen(prefix), id) != 0 ||
	    json_get_string(o, "user_id", &user) != JG_OK ||
	    !valid_identity(user) ||
	    json_get_bool(o, "is_multi_agent", &multi) != JG_OK ||
	    json_get_int(o, "created_at", 0, CREATED_AT_MAX, &at) != JG_OK)
		return -1;
	memcpy(m->session_id, id, strlen(id) + 1);
	memcpy(m->user_id, user, strlen(user) + 1);
	return 0;
}

int
sessmeta_parse(const char *prefix, const char *name, const char *text,
    struct sessmeta *m)
{
	enum json_err err;
	cJSON *o;
	int r;

	memset(m, 0, sizeof(*m));
	if (text == NULL || *text == '\0' || *prefix == '\0' ||
	    !sessmeta_name_is_session(prefix, name))
		return -1;
	if ((o = json_parse_strict(text, strlen(text), 1, &err)) == NULL)
		return -1;
	r = sessmeta_read(o, prefix, name, m);
	cJSON_Delete(o);
	if (r == -1)
		memset(m, 0, sizeof(*m));
	return r;
}
