/*
 * chanmeta: the channels' metadata and the decisions made from it.
 * LiveKit is the source of truth: every answer is computed from what
 * ListRooms and ListParticipants returned a moment ago, so two lkgate
 * instances always agree, and nothing is counted that LiveKit did not
 * count: what its server API cannot tell (packets, bytes, jitter) is null.
 */
#include <stdlib.h>
#include <string.h>

#include "chanmeta.h"
#include "json.h"
#include "log.h"
#include "validate.h"

/* created_at is written by us as seconds; keep it exact in a double. */
#define CREATED_AT_MAX ((1LL << 53) - 1)

const char *
chanmeta_id_of(const char *prefix, const char *room)
{
	size_t n = strlen(prefix);

	if (strncmp(room, prefix, n) != 0 || !util_is_uuid(room + n))
		return NULL;
	return room + n;
}

void
chanmeta_clear(struct chanmeta *m)
{
	cJSON_Delete(m->tree);
	memset(m, 0, sizeof(*m));
}

/* Fills m from the parsed object o; -1 when o is not a channel's. */
static int
chanmeta_read(const cJSON *o, struct chanmeta *m)
{
	long long at;

	if (json_get_string(o, "name", &m->name) != JG_OK ||
	    !valid_text(m->name, CHAN_NAME_MAX) || *m->name == '\0' ||
	    json_get_string(o, "description", &m->description) != JG_OK ||
	    json_get_int(o, "max_users", 1, CHAN_MAX_USERS,
	    &m->max_users) != JG_OK ||
	    json_get_bool(o, "is_private", &m->is_private) != JG_OK ||
	    json_get_string(o, "created_by", &m->created_by) != JG_OK ||
	    !valid_identity(m->created_by) ||
	    json_get_int(o, "created_at", 0, CREATED_AT_MAX, &at) != JG_OK ||
	    json_get_array(o, "invited", &m->invited) != JG_OK ||
	    !valid_identities(m->invited) ||
	    json_get_bool(o, "by_api_key", &m->by_api_key) == JG_WRONG_TYPE)
		return -1;
	m->created_at = at;
	return 0;
}

int
chanmeta_parse(const char *text, struct chanmeta *m)
{
	enum json_err err;

	memset(m, 0, sizeof(*m));
	if (text == NULL || *text == '\0')
		return -1;
	m->tree = json_parse_strict(text, strlen(text), 1, &err);
	if (m->tree == NULL || chanmeta_read(m->tree, m) == -1) {
		chanmeta_clear(m);
		return -1;
	}
	return 0;
}

char *
chanmeta_render(const struct chanmeta *m)
{
	cJSON *o, *inv;
	char *text;

	o = json_new_object();
	json_add_string(o, "name", m->name);
	json_add_string(o, "description",
	    m->description != NULL ? m->description : "");
	json_add_int(o, "max_users", m->max_users);
	json_add_bool(o, "is_private", m->is_private);
	json_add_string(o, "created_by", m->created_by);
	if (m->by_api_key)
		json_add_bool(o, "by_api_key", 1);
	json_add_int(o, "created_at", m->created_at);
	if ((inv = cJSON_Duplicate(m->invited, 1)) == NULL)
		inv = json_new_array();
	json_add_item(o, "invited", inv);
	text = json_print(o);
	cJSON_Delete(o);
	return text;
}

/* --- the rules --- */

int
chanmeta_is_person(const struct principal *p)
{
	return p->kind != P_API_KEY && p->kind != P_ANONYMOUS;
}

int
chanmeta_is_creator(const struct chanmeta *m, const struct principal *p)
{
	if (strcmp(m->created_by, p->name) != 0)
		return 0;
	return m->by_api_key ? p->kind == P_API_KEY : chanmeta_is_person(p);
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
chanmeta_may_see(const struct chanmeta *m, const struct principal *p)
{
	if (p->admin || chanmeta_is_creator(m, p))
		return 1;
	if (!chanmeta_is_person(p))
		return 0;
	return !m->is_private || has_string(m->invited, p->name);
}

int
chanmeta_may_delete(const struct chanmeta *m, const struct principal *p)
{
	return p->admin || chanmeta_is_creator(m, p);
}

long long
chanmeta_users(const cJSON *room)
{
	long long n = 0;

	json_get_int(room, "num_participants", 0, INT32_MAX, &n);
	return n;
}

int
chanmeta_is_full(const struct chanmeta *m, const cJSON *room)
{
	return chanmeta_users(room) >= m->max_users;
}

cJSON *
chanmeta_channel_json(const char *id, const cJSON *room,
    const struct chanmeta *m)
{
	cJSON *o;

	o = json_new_object();
	json_add_string(o, "id", id);
	json_add_string(o, "name", m->name);
	json_add_string(o, "description", m->description);
	json_add_int(o, "max_users", m->max_users);
	json_add_bool(o, "is_private", m->is_private);
	json_add_string(o, "created_by", m->created_by);
	json_add_int(o, "created_at", m->created_at);
	json_add_int(o, "current_users", chanmeta_users(room));
	return o;
}

/* --- participants and statistics --- */

int
chanmeta_is_user(const cJSON *p)
{
	const char *kind = "STANDARD";

	json_get_string(p, "kind", &kind);
	return strcmp(kind, "AGENT") != 0 && strcmp(kind, "EGRESS") != 0;
}

/* Counts a participant's published audio tracks and the muted ones. */
static void
audio_tracks(const cJSON *p, long long *audio, long long *muted)
{
	const cJSON *tracks = NULL, *t;
	const char *type;
	int m;

	*audio = *muted = 0;
	json_get_array(p, "tracks", &tracks);
	cJSON_ArrayForEach(t, tracks) {
		type = NULL;
		m = 0;
		if (json_get_string(t, "type", &type) != JG_OK ||
		    strcmp(type, "AUDIO") != 0)
			continue;
		(*audio)++;
		json_get_bool(t, "muted", &m);
		if (m)
			(*muted)++;
	}
}

cJSON *
chanmeta_user_json(const cJSON *p, int stats)
{
	const char *identity = "", *name = "";
	int64_t joined = 0;
	long long audio, muted;
	cJSON *o;

	json_get_string(p, "identity", &identity);
	json_get_string(p, "name", &name);
	json_get_int64_lax(p, "joined_at", &joined);
	audio_tracks(p, &audio, &muted);
	o = json_new_object();
	json_add_string(o, "id", identity);
	json_add_string(o, "display_name", *name != '\0' ? name : identity);
	json_add_int(o, "joined_at", joined);
	json_add_bool(o, "muted", audio == muted);
	if (stats) {
		json_add_int(o, "audio_tracks", audio);
		json_add_int(o, "muted_tracks", muted);
	}
	return o;
}

/* Adds each of the null-terminated keys as null to o. */
static void
add_nulls(cJSON *o, const char *const *keys)
{
	for (; *keys != NULL; keys++)
		json_add_null(o, *keys);
}

/* The seed's audio figures that no LiveKit server API gives. */
static const char *const audio_unknown[] = {
	"packets_sent", "packets_received", "bytes_transferred",
	"average_latency_ms", "packet_loss_rate", "audio_quality_score",
	"jitter_ms", NULL
};

/* The seed's performance_stats: only active_streams is LiveKit's. */
static cJSON *
performance_json(long long active)
{
	static const char *const unknown[] = {
		"cpu_usage_percent", "memory_usage_mb", NULL
	};
	cJSON *o;

	o = json_new_object();
	add_nulls(o, unknown);
	json_add_int(o, "active_streams", active);
	json_add_null(o, "processing_latency_us");
	return o;
}

cJSON *
chanmeta_stats_json(const char *id, const cJSON *room,
    const cJSON *participants, int64_t now, int detailed)
{
	const cJSON *p;
	int64_t created = 0;
	long long audio = 0, muted = 0, a, m;
	cJSON *o, *users, *as;

	users = json_new_array();
	cJSON_ArrayForEach(p, participants) {
		if (!chanmeta_is_user(p))
			continue;
		audio_tracks(p, &a, &m);
		audio += a;
		muted += m;
		json_append(users, chanmeta_user_json(p, 1));
	}
	json_get_int64_lax(room, "creation_time", &created);
	o = json_new_object();
	json_add_string(o, "channel_id", id);
	json_add_int(o, "current_users", chanmeta_users(room));
	json_add_int(o, "uptime_seconds", created > 0 && now > created ?
	    now - created : 0);
	json_add_int(o, "audio_tracks", audio);
	json_add_int(o, "muted_tracks", muted);
	json_add_int(o, "active_streams", audio - muted);
	json_add_item(o, "users", users);
	if (detailed) {
		json_add_null(o, "total_connections");
		as = json_new_object();
		add_nulls(as, audio_unknown);
		json_add_item(o, "audio_stats", as);
		json_add_item(o, "performance_stats",
		    performance_json(audio - muted));
	} else
		add_nulls(o, audio_unknown);
	return o;
}

/* --- the list --- */

/* Whether entry e belongs in q's list. */
static int
chanlist_wanted(const struct chanlist_entry *e,
    const struct chanlist_query *q)
{
	if (!chanmeta_may_see(&e->meta, q->who))
		return 0;
	if (q->scope == CL_PUBLIC && e->meta.is_private)
		return 0;
	if (q->name != NULL && strcasestr(e->meta.name, q->name) == NULL)
		return 0;
	if (q->min_users >= 0 && e->users < q->min_users)
		return 0;
	return q->max_users < 0 || e->users <= q->max_users;
}

static int
chanlist_cmp(const void *a, const void *b)
{
	const struct chanlist_entry *x = a, *y = b;

	int c;

	if (x->meta.created_at != y->meta.created_at)
		return x->meta.created_at < y->meta.created_at ? -1 : 1;
	if ((c = strcmp(x->meta.name, y->meta.name)) != 0)
		return c;
	return strcmp(x->id, y->id);
}

void
chanlist_collect(const cJSON *rooms, const struct chanlist_query *q,
    struct chanlist *out)
{
	struct chanlist_entry *v;
	const cJSON *r;
	const char *name, *meta;
	size_t i = 0;

	v = xcalloc((size_t)cJSON_GetArraySize(rooms) + 1, sizeof(*v));
	cJSON_ArrayForEach(r, rooms) {
		meta = NULL;
		if (json_get_string(r, "name", &name) != JG_OK ||
		    (v[i].id = chanmeta_id_of(q->prefix, name)) == NULL)
			continue;
		json_get_string(r, "metadata", &meta);
		if (chanmeta_parse(meta, &v[i].meta) == -1)
			continue;
		v[i].room = r;
		v[i].users = chanmeta_users(r);
		if (chanlist_wanted(&v[i], q))
			i++;
		else
			chanmeta_clear(&v[i].meta);
	}
	qsort(v, i, sizeof(*v), chanlist_cmp);
	out->v = v;
	out->n = i;
}

void
chanlist_free(struct chanlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		chanmeta_clear(&l->v[i].meta);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

cJSON *
chanlist_json(const struct chanlist *l)
{
	cJSON *a;
	size_t i;

	a = json_new_array();
	for (i = 0; i < l->n; i++)
		json_append(a, chanmeta_channel_json(l->v[i].id, l->v[i].room,
		    &l->v[i].meta));
	return a;
}

cJSON *
chanlist_page(const struct chanlist *l, size_t page, size_t limit,
    cJSON **pagination)
{
	size_t i, first, pages;
	cJSON *a, *p;

	pages = (l->n + limit - 1) / limit;
	a = json_new_array();
	first = (page - 1) * limit;
	for (i = first; i < l->n && i < first + limit; i++)
		json_append(a, chanmeta_channel_json(l->v[i].id, l->v[i].room,
		    &l->v[i].meta));
	p = json_new_object();
	json_add_int(p, "current_page", (long long)page);
	json_add_int(p, "total_pages", (long long)pages);
	json_add_int(p, "total_items", (long long)l->n);
	json_add_int(p, "items_per_page", (long long)limit);
	json_add_bool(p, "has_next", page < pages);
	json_add_bool(p, "has_previous", page > 1);
	*pagination = p;
	return a;
}
