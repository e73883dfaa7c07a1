/*
 * userobj: user objects of the Voice Chat app, built from a principal or
 * from what LiveKit says of a participant.  lkgate keeps no user table,
 * so what neither holds (a participant's sign-up time) is null rather
 * than invented.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"
#include "log.h"
#include "userobj.h"
#include "util.h"

void
userobj_iso8601(int64_t t, char out[ISO8601_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, ISO8601_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, ISO8601_LEN, "1970-01-01T00:00:00Z");
}

/* The source of an identity, and its id at that source (into identity). */
static const char *
identity_source(const char *identity, const char **bare)
{
	size_t go = strlen(PRINCIPAL_GUEST_PREFIX);
	size_t oo = strlen(PRINCIPAL_OIDC_PREFIX);

	if (strncmp(identity, PRINCIPAL_GUEST_PREFIX, go) == 0) {
		*bare = identity + go;
		return "guest";
	}
	if (strncmp(identity, PRINCIPAL_OIDC_PREFIX, oo) == 0) {
		*bare = identity + oo;
		return "oidc";
	}
	*bare = identity;
	return "user_jwt";
}

static cJSON *
object(const char *identity, const char *username, const char *display)
{
	const char *bare, *source;
	cJSON *o;

	source = identity_source(identity, &bare);
	o = json_new_object();
	json_add_string(o, "id", strcmp(source, "guest") == 0 ? bare :
	    identity);
	if (username != NULL)
		json_add_string(o, "username", username);
	else
		json_add_null(o, "username");
	json_add_string(o, "display_name", display != NULL &&
	    *display != '\0' ? display : identity);
	json_add_bool(o, "is_active", 1);
	json_add_string(o, "identity", identity);
	json_add_string(o, "source", source);
	return o;
}

cJSON *
userobj_of_principal(const struct principal *p)
{
	char when[ISO8601_LEN];
	const char *bare;
	cJSON *o;

	if (p->source == PS_GUEST) {
		o = object(p->name, p->username, p->display);
		userobj_iso8601(p->since, when);
		json_add_string(o, "created_at", when);
		return o;
	}
	identity_source(p->name, &bare);
	o = object(p->name, bare, p->display);
	json_add_null(o, "created_at");
	return o;
}

cJSON *
userobj_of_participant(const cJSON *participant)
{
	const char *identity = "", *name = NULL, *bare, *source;
	cJSON *o;

	json_get_string(participant, "identity", &identity);
	json_get_string(participant, "name", &name);
	source = identity_source(identity, &bare);
	o = object(identity, strcmp(source, "guest") == 0 ? NULL : bare,
	    name);
	json_add_null(o, "created_at");
	json_add_item(o, "channels", json_new_array());
	return o;
}

int
userobj_names(const char *path, const char *identity)
{
	size_t n = strlen(PRINCIPAL_GUEST_PREFIX);

	if (strcmp(path, identity) == 0)
		return 2;
	if (strncmp(identity, PRINCIPAL_GUEST_PREFIX, n) == 0 &&
	    util_is_uuid(path) && strcmp(identity + n, path) == 0)
		return 1;
	return 0;
}

int
userobj_is_self(const char *path, const struct principal *p)
{
	return p->kind == P_USER && userobj_names(path, p->name) != 0;
}

int
userobj_sort_parse(const char *sort_by, const char *order,
    enum userobj_sort *key, int *desc)
{
	*key = US_ID;
	*desc = 0;
	if (sort_by != NULL) {
		if (strcmp(sort_by, "id") == 0)
			*key = US_ID;
		else if (strcmp(sort_by, "username") == 0)
			*key = US_USERNAME;
		else if (strcmp(sort_by, "display_name") == 0)
			*key = US_DISPLAY_NAME;
		else
			return -1;
	}
	if (order != NULL) {
		if (strcmp(order, "desc") == 0)
			*desc = 1;
		else if (strcmp(order, "asc") != 0)
			return -1;
	}
	return 0;
}

struct sort_ctx {
	const char	*key;
	int		 desc;
};

/* qsort has no context argument: the comparison reads this one. */
static struct sort_ctx sort_by;

static const char *
text_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* NULL first, then bytewise. */
static int
cmp_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);
	return strcmp(a, b);
}

static int
cmp_users(const void *x, const void *y)
{
	const cJSON *a = *(const cJSON *const *)x;
	const cJSON *b = *(const cJSON *const *)y;
	int r;

	r = cmp_text(text_of(a, sort_by.key), text_of(b, sort_by.key));
	if (r == 0)
		r = cmp_text(text_of(a, "identity"), text_of(b, "identity"));
	return sort_by.desc ? -r : r;
}

void
userobj_sort(cJSON *users, enum userobj_sort key, int desc)
{
	static const char *const keys[] = {
		[US_ID] = "id", [US_USERNAME] = "username",
		[US_DISPLAY_NAME] = "display_name",
	};
	size_t n = (size_t)cJSON_GetArraySize(users), i;
	cJSON **v;

	if (n < 2)
		return;
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = cJSON_DetachItemFromArray(users, 0);
	sort_by.key = keys[key];
	sort_by.desc = desc;
	qsort(v, n, sizeof(*v), cmp_users);
	for (i = 0; i < n; i++)
		json_append(users, v[i]);
	free(v);
}

cJSON *
userobj_page(cJSON *users, size_t page, size_t limit, cJSON **pagination)
{
	size_t n = (size_t)cJSON_GetArraySize(users), i, first, pages;
	cJSON *a, *p;

	pages = (n + limit - 1) / limit;
	a = json_new_array();
	first = (page - 1) * limit;
	for (i = first; i < n && i < first + limit; i++)
		json_append(a, cJSON_DetachItemFromArray(users, (int)first));
	cJSON_Delete(users);
	p = json_new_object();
	json_add_int(p, "current_page", (long long)page);
	json_add_int(p, "total_pages", (long long)pages);
	json_add_int(p, "total_items", (long long)n);
	json_add_int(p, "items_per_page", (long long)limit);
	json_add_bool(p, "has_next", page < pages);
	json_add_bool(p, "has_previous", page > 1);
	*pagination = p;
	return a;
}
