/*
 * userobj: the Voice Chat app's users, which are principals, not rows.
 * A user object is the seed's {"id","username","display_name",
 * "is_active","created_at"} plus "identity" (its participant identity in
 * LiveKit, as in a channel's users) and "source" ("guest", "user_jwt",
 * "oidc").  A guest's id is its UUID, any other user's id its identity.
 * Pure: LiveKit's participants come in as cJSON, time as Unix seconds.
 */
#ifndef LKGATE_USEROBJ_H
#define LKGATE_USEROBJ_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "auth.h"

/* "2024-01-01T00:00:00Z" */
#define ISO8601_LEN	21

void	 userobj_iso8601(int64_t t, char out[ISO8601_LEN]);

/* The user object of a person (a P_USER principal; caller frees):
 * created_at is a guest's sign-up time, null for other sources. */
cJSON	*userobj_of_principal(const struct principal *);

/* The user object of a participant of a channel (a ParticipantInfo;
 * caller frees): username the bare id, null for a guest (lkgate keeps no
 * table), created_at null, is_active true, "channels" an empty array. */
cJSON	*userobj_of_participant(const cJSON *participant);

/*
 * How path, a user id from a route, names the participant identity:
 * 2 when it is that identity, 1 when it is the id of the guest who has
 * it ("<uuid>" for "guest:<uuid>"), 0 when neither.  An exact identity
 * wins over a guest's id when both are present.
 */
int	 userobj_names(const char *path, const char *identity);

/* Whether path names the principal p itself (as userobj_names does). */
int	 userobj_is_self(const char *path, const struct principal *p);

/* How GET /api/advanced/users orders users. */
enum userobj_sort { US_ID, US_USERNAME, US_DISPLAY_NAME };

/* Parses sort_by (NULL: id) and order (NULL: asc); -1 when unknown. */
int	 userobj_sort_parse(const char *sort_by, const char *order,
	    enum userobj_sort *key, int *desc);
/* Sorts an array of user objects in place (ties by id; null sorts
 * first). */
void	 userobj_sort(cJSON *users, enum userobj_sort key, int desc);

/*
 * Takes page page (from 1) of limit entries out of the array users
 * (consumed): the page's array, and in *pagination the seed's
 * {"current_page","total_pages","total_items","items_per_page",
 * "has_next","has_previous"} (caller frees both).
 */
cJSON	*userobj_page(cJSON *users, size_t page, size_t limit,
	    cJSON **pagination);

#endif
