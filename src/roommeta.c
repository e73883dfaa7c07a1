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
/* base64url of the tag and ROOM_REF_MAX bytes (262 bytes), rounded up. */
#define CURSOR_MAX 352

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
	    !valid_identities(m->invited) ||
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
	/* Longer than we ever write: another tool's, not worth parsing. */
	if (text == NULL || *text == '\0' ||
	    strnlen(text, ROOMMETA_TEXT_MAX + 1) > ROOMMETA_TEXT_MAX)
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
	if (strlen(text) > ROOMMETA_TEXT_MAX) {
		free(text);
		return NULL;
	}
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

/*
 * A page is chosen without sorting the whole list: a max-heap keeps the
 * limit + 1 smallest wanted names seen so far (one more than the page, to
 * know whether another page follows), so a listing of many thousands of
 * rooms holds a page's worth of entries, and a room whose name cannot make
 * the page is dropped before its metadata is even parsed.
 */
struct listed {
	const char	*name;
	const cJSON	*room;
};

struct pick {
	struct listed	*v;		/* a max-heap by name */
	size_t		 n, cap;
};

static int
listed_cmp(const void *a, const void *b)
{
	const struct listed *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* Whether a room with metadata m (NULL: none) belongs in q's list. */
static int
listed_wanted(const struct roommeta *m, const struct roomlist_query *q)
{
	if (q->call_type != CALL_ANY &&
	    (m == NULL || m->call_type != q->call_type))
		return 0;
	if (q->who->admin && !q->own_only)
		return 1;
	return roommeta_is_member(m, q->who);
}

/* Whether room r, named name, belongs in q's list. */
static int
room_wanted(const cJSON *r, const struct roomlist_query *q)
{
	struct roommeta m;
	const char *meta = NULL;
	int has, wanted;

	json_get_string(r, "metadata", &meta);
	has = roommeta_parse(meta, &m) == 0;
	wanted = listed_wanted(has ? &m : NULL, q);
	roommeta_clear(&m);
	return wanted;
}

static void
heap_swap(struct listed *v, size_t i, size_t j)
{
	struct listed t = v[i];

	v[i] = v[j];
	v[j] = t;
}

/* Moves v[i] down to its place in the max-heap of n entries. */
static void
heap_down(struct listed *v, size_t n, size_t i)
{
	size_t big, l;

	for (;;) {
		big = i;
		l = 2 * i + 1;
		if (l < n && strcmp(v[l].name, v[big].name) > 0)
			big = l;
		if (l + 1 < n && strcmp(v[l + 1].name, v[big].name) > 0)
			big = l + 1;
		if (big == i)
			return;
		heap_swap(v, i, big);
		i = big;
	}
}

static void
heap_up(struct listed *v, size_t i)
{
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (strcmp(v[parent].name, v[i].name) >= 0)
			return;
		heap_swap(v, parent, i);
		i = parent;
	}
}

/* 1 when a room named name would be among the picked ones. */
static int
pick_would_take(const struct pick *k, const char *name)
{
	return k->n < k->cap || strcmp(name, k->v[0].name) < 0;
}

static void
pick_add(struct pick *k, const char *name, const cJSON *r)
{
	if (k->n < k->cap) {
		k->v[k->n].name = name;
		k->v[k->n].room = r;
		heap_up(k->v, k->n++);
		return;
	}
	k->v[0].name = name;
	k->v[0].room = r;
	heap_down(k->v, k->n, 0);
}

/* Picks the first q->limit + 1 wanted rooms of the array rooms. */
static void
pick_rooms(const cJSON *rooms, const struct roomlist_query *q,
    struct pick *k)
{
	const cJSON *r;
	const char *name;

	k->cap = q->limit + 1;
	k->n = 0;
	k->v = xcalloc(k->cap, sizeof(*k->v));
	cJSON_ArrayForEach(r, rooms) {
		if (json_get_string(r, "name", &name) != JG_OK ||
		    *name == '\0')
			continue;
		if (q->after != NULL && strcmp(name, q->after) <= 0)
			continue;
		if (pick_would_take(k, name) && room_wanted(r, q))
			pick_add(k, name, r);
	}
	qsort(k->v, k->n, sizeof(*k->v), listed_cmp);
}

/* The API room object of listed room l. */
static cJSON *
listed_json(const struct listed *l)
{
	struct roommeta m;
	const char *meta = NULL;
	cJSON *o;
	int has;

	json_get_string(l->room, "metadata", &meta);
	has = roommeta_parse(meta, &m) == 0;
	o = roommeta_room_json(l->room, has ? &m : NULL);
	roommeta_clear(&m);
	return o;
}

cJSON *
roomlist_page(const cJSON *rooms, const struct roomlist_query *q,
    char **next)
{
	struct pick k;
	size_t i;
	cJSON *out;

	*next = NULL;
	pick_rooms(rooms, q, &k);
	out = json_new_array();
	for (i = 0; i < k.n && i < q->limit; i++)
		json_append(out, listed_json(&k.v[i]));
	if (i < k.n && i > 0)
		*next = roomlist_cursor(k.v[i - 1].name);
	free(k.v);
	return out;
}

/*
 * A cursor is base64url of CURSOR_TAG and the last name shown.  The tag
 * tells our cursors from a client's guess, and keeps the name (which may
 * be a foreign room's) out of sight; clients treat cursors as opaque.
 * Cursors of earlier versions, base64url of a name lkgate gives rooms,
 * are still read.
 */
#define CURSOR_TAG "after:"

char *
roomlist_cursor(const char *name)
{
	char *raw, *c;

	raw = xasprintf("%s%s", CURSOR_TAG, name);
	c = b64url_encode(raw, strlen(raw));
	free(raw);
	return c;
}

int
roomlist_cursor_parse(const char *cursor, char out[ROOM_REF_MAX + 1])
{
	const size_t tag = sizeof(CURSOR_TAG) - 1;
	unsigned char *raw;
	const char *name;
	size_t len, n = strnlen(cursor, CURSOR_MAX + 1);
	int ok;

	if (n == 0 || n > CURSOR_MAX || b64url_decode(cursor, n, &raw,
	    &len) == -1)
		return -1;
	name = (const char *)raw;
	if (strlen(name) != len)
		ok = 0;
	else if (len > tag && memcmp(name, CURSOR_TAG, tag) == 0) {
		name += tag;
		ok = valid_room_ref(name);
	} else
		ok = valid_room_name(name);
	if (ok)
		memcpy(out, name, strlen(name) + 1);
	free(raw);
	return ok ? 0 : -1;
}
