/*
 * roommeta: the gateway metadata of video-call rooms and the decisions
 * made from it.  LiveKit is the source of truth: every answer here is
 * computed from what ListRooms returned a moment ago, so two lkgate
 * instances always agree.  The list is ordered by room name (unique in
 * LiveKit and never changing), which keeps paging stable while rooms come
 * and go: a page resumes after the last name it showed.
 */
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "json.h"
#include "log.h"
#include "roommeta.h"
#include "util.h"
#include "validate.h"

/* created_at is written by us as seconds; keep it exact in a double. */
#define CREATED_AT_MAX ((1LL << 53) - 1)
#define KEY_PREFIX_LEN (sizeof(PRINCIPAL_KEY_PREFIX) - 1)
/* base64url of ROOM_NAME_MAX bytes, rounded up. */
#define CURSOR_MAX 176

int
call_type_parse(const char *s)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "audio") == 0)
		return CALL_AUDIO;
	if (strcmp(s, "video") == 0)
		return CALL_VIDEO;
	return -1;
}

const char *
call_type_name(enum call_type t)
{
	return t == CALL_AUDIO ? "audio" : "video";
}

void
roommeta_clear(struct roommeta *m)
{
	cJSON_Delete(m->tree);
	memset(m, 0, sizeof(*m));
}

/* 1 when every member of arr is a valid identity. */
static int
all_identities(const cJSON *arr)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (!cJSON_IsString(it) || !valid_identity(it->valuestring))
			return 0;
	return 1;
}

/* Fills m from the parsed object o; -1 when o is not gateway metadata. */
static int
roommeta_read(const cJSON *o, struct roommeta *m)
{
	const char *ct;
	long long at;
	int t;

	if (json_get_string(o, "created_by", &m->created_by) != JG_OK ||
	    !valid_identity(m->created_by) ||
	    json_get_string(o, "call_type", &ct) != JG_OK ||
	    (t = call_type_parse(ct)) == -1 ||
	    json_get_array(o, "invited", &m->invited) != JG_OK ||
	    !all_identities(m->invited) ||
	    json_get_int(o, "created_at", 0, CREATED_AT_MAX, &at) != JG_OK ||
	    json_get_string(o, "title", &m->title) == JG_WRONG_TYPE ||
	    json_get_bool(o, "by_api_key", &m->by_api_key) == JG_WRONG_TYPE)
		return -1;
	/* Today's form names an API key "key:<name>"; the old one set
	 * by_api_key beside the bare name. */
	if (strncmp(m->created_by, PRINCIPAL_KEY_PREFIX, KEY_PREFIX_LEN) == 0) {
		m->created_by += KEY_PREFIX_LEN;
		m->by_api_key = 1;
		if (*m->created_by == '\0')
			return -1;
	}
	m->call_type = (enum call_type)t;
	m->created_at = at;
	return 0;
}

int
roommeta_parse(const char *text, struct roommeta *m)
{
	enum json_err err;

	memset(m, 0, sizeof(*m));
	if (text == NULL || *text == '\0')
		return -1;
	m->tree = json_parse_strict(text, strlen(text), 1, &err);
	if (m->tree == NULL || roommeta_read(m->tree, m) == -1) {
		roommeta_clear(m);
		return -1;
	}
	return 0;
}

/* Adds created_by: an API key as "key:<name>", a user as its identity. */
static void
add_created_by(cJSON *o, const struct roommeta *m)
{
	char *s;

	if (!m->by_api_key) {
		json_add_string(o, "created_by", m->created_by);
		return;
	}
	s = xasprintf("%s%s", PRINCIPAL_KEY_PREFIX, m->created_by);
	json_add_string(o, "created_by", s);
	free(s);
}

char *
roommeta_render(const struct roommeta *m)
{
	cJSON *o, *inv;
	char *text;

	o = json_new_object();
	add_created_by(o, m);
	json_add_string(o, "call_type", call_type_name(m->call_type));
	if ((inv = cJSON_Duplicate(m->invited, 1)) == NULL)
		inv = json_new_array();
	json_add_item(o, "invited", inv);
	json_add_int(o, "created_at", m->created_at);
	if (m->title != NULL)
		json_add_string(o, "title", m->title);
	else
		json_add_null(o, "title");
	text = json_print(o);
	cJSON_Delete(o);
	return text;
}

/* 1 when the array of strings arr holds s. */
static int
has_string(const cJSON *arr, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
			return 1;
	return 0;
}

int
roommeta_invite(cJSON *invited, const char *identity)
{
	if (has_string(invited, identity))
		return 0;
	json_append(invited, json_new_string(identity));
	return 1;
}

int
roommeta_is_creator(const struct roommeta *m, const struct principal *p)
{
	if (m == NULL || strcmp(m->created_by, p->name) != 0)
		return 0;
	return (p->kind == P_USER && !m->by_api_key) ||
	    (p->kind == P_API_KEY && m->by_api_key);
}

int
roommeta_is_member(const struct roommeta *m, const struct principal *p)
{
	if (roommeta_is_creator(m, p))
		return 1;
	return m != NULL && p->kind == P_USER && has_string(m->invited,
	    p->name);
}

int
roommeta_may_join(const struct roommeta *m, const struct principal *p)
{
	return p->admin || roommeta_is_member(m, p);
}

int
roommeta_may_delete(const struct roommeta *m, const struct principal *p)
{
	return p->admin || roommeta_is_creator(m, p);
}

int
roommeta_room_is_full(const cJSON *room)
{
	long long n = 0, max = 0;

	json_get_int(room, "num_participants", 0, INT32_MAX, &n);
	json_get_int(room, "max_participants", 0, UINT32_MAX, &max);
	return max > 0 && n >= max;
}

/* Adds key: the string or null. */
static void
add_string_or_null(cJSON *o, const char *key, const char *val)
{
	if (val != NULL)
		json_add_string(o, key, val);
	else
		json_add_null(o, key);
}

/* Adds key: the integer member of room (0 when absent or bad). */
static void
copy_int(cJSON *o, const cJSON *room, const char *key)
{
	long long n = 0;

	json_get_int(room, key, 0, UINT32_MAX, &n);
	json_add_int(o, key, n);
}

cJSON *
roommeta_room_json(const cJSON *room, const struct roommeta *m)
{
	const char *name = "", *sid = "";
	int64_t created = 0;
	cJSON *o, *inv = NULL;

	json_get_string(room, "name", &name);
	json_get_string(room, "sid", &sid);
	o = json_new_object();
	json_add_string(o, "name", name);
	json_add_string(o, "sid", sid);
	add_string_or_null(o, "title", m != NULL ? m->title : NULL);
	add_string_or_null(o, "call_type", m != NULL ?
	    call_type_name(m->call_type) : NULL);
	if (m != NULL)
		add_created_by(o, m);
	else
		json_add_null(o, "created_by");
	if (m != NULL && (inv = cJSON_Duplicate(m->invited, 1)) == NULL)
		fatal("cJSON_Duplicate failed");
	json_add_item(o, "invited", inv != NULL ? inv : json_new_array());
	if (m != NULL)
		created = m->created_at;
	else
		json_get_int64_lax(room, "creation_time", &created);
	json_add_int(o, "created_at", created);
	copy_int(o, room, "num_participants");
	copy_int(o, room, "max_participants");
	copy_int(o, room, "empty_timeout");
	return o;
}

/* LiveKit's enum name ("ACTIVE") as a lowercase word, into o. */
static void
add_lower(cJSON *o, const char *key, const char *val)
{
	char *s, *p;

	s = xstrdup(val);
	for (p = s; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	json_add_string(o, key, s);
	free(s);
}

cJSON *
roommeta_participant_json(const cJSON *p)
{
	const char *identity = "", *name = "", *kind = "STANDARD";
	const char *state = "JOINING";
	int64_t joined = 0;
	int publisher = 0;
	cJSON *o;

	json_get_string(p, "identity", &identity);
	json_get_string(p, "name", &name);
	json_get_string(p, "kind", &kind);
	json_get_string(p, "state", &state);
	json_get_int64_lax(p, "joined_at", &joined);
	json_get_bool(p, "is_publisher", &publisher);
	o = json_new_object();
	json_add_string(o, "identity", identity);
	json_add_string(o, "name", name);
	add_lower(o, "kind", kind);
	add_lower(o, "state", state);
	json_add_int(o, "joined_at", joined);
	json_add_bool(o, "is_publisher", publisher);
	return o;
}

/* --- the room list --- */

struct listed {
	const char	*name;
	const cJSON	*room;
	struct roommeta	 meta;
	int		 has_meta;
};

static int
listed_cmp(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Whether room r (its metadata parsed into l) belongs in q's list. */
static int
listed_wanted(const struct listed *l, const struct roomlist_query *q)
{
	const struct roommeta *m = l->has_meta ? &l->meta : NULL;

	if (q->after != NULL && strcmp(l->name, q->after) <= 0)
		return 0;
	if (q->call_type != CALL_ANY &&
	    (m == NULL || m->call_type != q->call_type))
		return 0;
	if (q->who->admin && !q->own_only)
		return 1;
	return roommeta_is_member(m, q->who);
}

/* Collects the wanted rooms of the array rooms into a new array; *n set. */
static struct listed *
listed_collect(const cJSON *rooms, const struct roomlist_query *q,
    size_t *n)
{
	struct listed *v;
	const cJSON *r;
	const char *meta;
	size_t i = 0;

	v = xcalloc((size_t)cJSON_GetArraySize(rooms) + 1, sizeof(*v));
	cJSON_ArrayForEach(r, rooms) {
		if (json_get_string(r, "name", &v[i].name) != JG_OK ||
		    *v[i].name == '\0')
			continue;
		v[i].room = r;
		meta = NULL;
		json_get_string(r, "metadata", &meta);
		v[i].has_meta = roommeta_parse(meta, &v[i].meta) == 0;
		if (listed_wanted(&v[i], q))
			i++;
		else
			roommeta_clear(&v[i].meta);
	}
	*n = i;
	return v;
}

cJSON *
roomlist_page(const cJSON *rooms, const struct roomlist_query *q,
    char **next)
{
	struct listed *v;
	size_t i, n;
	cJSON *out;

	*next = NULL;
	v = listed_collect(rooms, q, &n);
	qsort(v, n, sizeof(*v), listed_cmp);
	out = json_new_array();
	for (i = 0; i < n && i < q->limit; i++)
		json_append(out, roommeta_room_json(v[i].room,
		    v[i].has_meta ? &v[i].meta : NULL));
	if (i < n && i > 0)
		*next = roomlist_cursor(v[i - 1].name);
	for (i = 0; i < n; i++)
		roommeta_clear(&v[i].meta);
	free(v);
	return out;
}

char *
roomlist_cursor(const char *name)
{
	return b64url_encode(name, strlen(name));
}

int
roomlist_cursor_parse(const char *cursor, char out[ROOM_NAME_MAX + 1])
{
	unsigned char *raw;
	size_t len, n = strnlen(cursor, CURSOR_MAX + 1);
	int rc = -1;

	if (n == 0 || n > CURSOR_MAX || b64url_decode(cursor, n, &raw,
	    &len) == -1)
		return -1;
	if (len <= ROOM_NAME_MAX && strlen((char *)raw) == len &&
	    valid_room_name((char *)raw)) {
		memcpy(out, raw, len + 1);
		rc = 0;
	}
	free(raw);
	return rc;
}
