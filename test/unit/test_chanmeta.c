/*
 * test_chanmeta: the channels' metadata (render, parse, refusal of
 * foreign metadata), channel ids from room names, who may see and delete
 * a channel, the full check, users and statistics from LiveKit's
 * participants (nothing invented: unknowns null), the list's filters,
 * order and pages, and the error bodies of both shapes (apierr).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apierr.h"
#include "chanmeta.h"
#include "json.h"
#include "log.h"
#include "tap.h"

#define ID1 "0b6f3c1e-5a2d-4c8e-9f10-2b3c4d5e6f70"
#define ID2 "1c7a4d2f-6b3e-4d9f-8a21-3c4d5e6f7a81"
#define ID3 "2d8b5e3a-7c4f-4ea0-9b32-4d5e6f7a8b92"

static struct principal
person(const char *id, int admin)
{
	struct principal p = { 0 };

	p.kind = P_USER;
	p.admin = admin;
	snprintf(p.name, sizeof(p.name), "%s", id);
	return p;
}

static struct principal
apikey(const char *name, int admin)
{
	struct principal p = person(name, admin);

	p.kind = P_API_KEY;
	return p;
}

/* The metadata text of a channel by creator (invited NULL-ended). */
static char *
meta_text(const char *name, const char *creator, int by_key, int priv,
    long long max, long long at, const char *const *invited)
{
	struct chanmeta m = { 0 };
	cJSON *inv = json_new_array();
	char *text;

	for (; invited != NULL && *invited != NULL; invited++)
		json_append(inv, json_new_string(*invited));
	m.name = name;
	m.description = "";
	m.max_users = max;
	m.is_private = priv;
	m.created_by = creator;
	m.by_api_key = by_key;
	m.created_at = at;
	m.invited = inv;
	text = chanmeta_render(&m);
	cJSON_Delete(inv);
	return text;
}

static void
test_round_trip(void)
{
	static const char *const inv[] = { "bob", NULL };
	struct chanmeta m;
	char *t;

	t = meta_text("Général", "alice", 0, 1, 5, 1764284400, inv);
	is_str(t, "{\"name\":\"Général\",\"description\":\"\",\"max_users\":5,"
	    "\"is_private\":true,\"created_by\":\"alice\",\"created_at\":"
	    "1764284400,\"invited\":[\"bob\"]}", "render: the stored form");
	ok(chanmeta_parse(t, &m) == 0, "parse: reads it back");
	is_str(m.name, "Général", "parse: name");
	is_int(m.max_users, 5, "parse: max_users");
	is_int(m.is_private, 1, "parse: is_private");
	is_int(m.by_api_key, 0, "parse: not by a key");
	is_int(m.created_at, 1764284400, "parse: created_at");
	chanmeta_clear(&m);
	free(t);
	t = meta_text("K", "ops", 1, 0, 10, 1, NULL);
	ok(strstr(t, "\"by_api_key\":true") != NULL, "render: by_api_key");
	free(t);
}

static void
test_foreign(void)
{
	static const char *const bad[] = {
		NULL, "", "x", "[]",
		/* a video room's metadata */
		"{\"created_by\":\"a\",\"call_type\":\"audio\",\"invited\":[],"
		    "\"created_at\":1,\"title\":null}",
		/* max_users out of range */
		"{\"name\":\"n\",\"description\":\"\",\"max_users\":0,"
		    "\"is_private\":false,\"created_by\":\"a\","
		    "\"created_at\":1,\"invited\":[]}",
		/* an invitee that is no identity */
		"{\"name\":\"n\",\"description\":\"\",\"max_users\":3,"
		    "\"is_private\":false,\"created_by\":\"a\","
		    "\"created_at\":1,\"invited\":[\"a b\"]}",
		/* an empty name */
		"{\"name\":\"\",\"description\":\"\",\"max_users\":3,"
		    "\"is_private\":false,\"created_by\":\"a\","
		    "\"created_at\":1,\"invited\":[]}",
	};
	struct chanmeta m;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(chanmeta_parse(bad[i], &m) == -1 && m.tree == NULL,
		    "foreign metadata %zu refused", i);
}

static void
test_ids(void)
{
	is_str(chanmeta_id_of("channel-", "channel-" ID1), ID1, "id: ours");
	ok(chanmeta_id_of("channel-", "room-" ID1) == NULL, "id: a room");
	ok(chanmeta_id_of("channel-", "channel-x") == NULL, "id: not a uuid");
	ok(chanmeta_id_of("channel-", "channel-" ID1 "x") == NULL,
	    "id: a uuid then more");
	ok(chanmeta_id_of("channel-", "channel-0B6F3C1E-5A2D-4C8E-9F10-"
	    "2B3C4D5E6F70") == NULL, "id: uppercase");
}

static void
test_rules(void)
{
	static const char *const inv[] = { "bob", NULL };
	struct principal alice = person("alice", 0), bob = person("bob", 0);
	struct principal carol = person("carol", 0), root = person("r", 1);
	struct principal app = apikey("alice", 0), ops = apikey("ops", 1);
	struct principal opsuser = person("ops", 0);
	struct chanmeta m, k, pub;
	char *t;

	t = meta_text("S", "alice", 0, 1, 3, 1, inv);
	chanmeta_parse(t, &m);
	free(t);
	ok(chanmeta_may_see(&m, &alice), "private: its creator sees it");
	ok(chanmeta_may_see(&m, &bob), "private: an invitee sees it");
	ok(!chanmeta_may_see(&m, &carol), "private: others do not");
	ok(chanmeta_may_see(&m, &root), "private: an admin does");
	ok(!chanmeta_may_see(&m, &app), "private: an app key named alice "
	    "is not alice");
	ok(chanmeta_may_delete(&m, &alice), "delete: the creator");
	ok(!chanmeta_may_delete(&m, &bob), "delete: not an invitee");
	ok(chanmeta_may_delete(&m, &ops), "delete: an admin key");
	t = meta_text("P", "alice", 0, 0, 3, 1, NULL);
	chanmeta_parse(t, &pub);
	free(t);
	ok(chanmeta_may_see(&pub, &carol), "public: every person sees it");
	ok(!chanmeta_may_see(&pub, &app), "public: not an app key");
	t = meta_text("K", "ops", 1, 1, 3, 1, NULL);
	chanmeta_parse(t, &k);
	free(t);
	ok(!chanmeta_is_creator(&k, &opsuser), "by a key: a person of that "
	    "name is not its creator");
	ok(chanmeta_is_creator(&k, &ops), "by a key: the key is");
	chanmeta_clear(&m);
	chanmeta_clear(&pub);
	chanmeta_clear(&k);
}

static cJSON *
parse(const char *s)
{
	cJSON *j = cJSON_Parse(s);

	if (j == NULL)
		fatal("bad test JSON: %s", s);
	return j;
}

static void
test_full(void)
{
	struct chanmeta m;
	cJSON *room;
	char *t;

	t = meta_text("D", "alice", 0, 0, 2, 1, NULL);
	chanmeta_parse(t, &m);
	free(t);
	room = parse("{\"num_participants\":1,\"max_participants\":2}");
	ok(!chanmeta_is_full(&m, room), "full: 1 of 2 is not");
	cJSON_Delete(room);
	room = parse("{\"num_participants\":2,\"max_participants\":0}");
	ok(chanmeta_is_full(&m, room), "full: 2 of 2 is, whatever LiveKit's "
	    "own cap");
	cJSON_Delete(room);
	chanmeta_clear(&m);
}

/* Two users, one muted, one speaking, an agent: LiveKit's words. */
static const char participants[] = "["
    "{\"identity\":\"bob\",\"name\":\"Bob\",\"kind\":\"STANDARD\","
    "\"joined_at\":\"1764284460\",\"tracks\":[{\"type\":\"AUDIO\","
    "\"muted\":false},{\"type\":\"VIDEO\",\"muted\":false}]},"
    "{\"identity\":\"lea\",\"name\":\"\",\"kind\":\"STANDARD\","
    "\"joined_at\":\"1764284470\",\"tracks\":[{\"type\":\"AUDIO\","
    "\"muted\":true}]},"
    "{\"identity\":\"bot\",\"name\":\"\",\"kind\":\"AGENT\","
    "\"joined_at\":\"1764284400\",\"tracks\":[{\"type\":\"AUDIO\","
    "\"muted\":false}]}]";

static void
test_stats(void)
{
	cJSON *room, *list, *s, *u;
	char *text;

	room = parse("{\"num_participants\":2,\"creation_time\":"
	    "\"1764284400\"}");
	list = parse(participants);
	s = chanmeta_stats_json(ID1, room, list, 1764284500, 0);
	text = json_print(s);
	is_str(text, "{\"channel_id\":\"" ID1 "\",\"current_users\":2,"
	    "\"uptime_seconds\":100,\"audio_tracks\":2,\"muted_tracks\":1,"
	    "\"active_streams\":1,\"users\":[{\"id\":\"bob\","
	    "\"display_name\":\"Bob\",\"joined_at\":1764284460,"
	    "\"muted\":false,\"audio_tracks\":1,\"muted_tracks\":0},"
	    "{\"id\":\"lea\",\"display_name\":\"lea\",\"joined_at\":"
	    "1764284470,\"muted\":true,\"audio_tracks\":1,\"muted_tracks\":1}],"
	    "\"packets_sent\":null,\"packets_received\":null,"
	    "\"bytes_transferred\":null,\"average_latency_ms\":null,"
	    "\"packet_loss_rate\":null,\"audio_quality_score\":null,"
	    "\"jitter_ms\":null}", "stats: counted from LiveKit, agents "
	    "left out, the rest null");
	free(text);
	cJSON_Delete(s);
	s = chanmeta_stats_json(ID1, room, list, 1764284500, 1);
	u = cJSON_GetObjectItem(s, "performance_stats");
	text = json_print(u);
	is_str(text, "{\"cpu_usage_percent\":null,\"memory_usage_mb\":null,"
	    "\"active_streams\":1,\"processing_latency_us\":null}",
	    "statistics: performance_stats");
	free(text);
	ok(cJSON_IsNull(cJSON_GetObjectItem(s, "total_connections")),
	    "statistics: total_connections null");
	ok(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetObjectItem(s,
	    "audio_stats"), "jitter_ms")), "statistics: jitter null");
	cJSON_Delete(s);
	u = chanmeta_user_json(cJSON_GetArrayItem(list, 0), 0);
	text = json_print(u);
	is_str(text, "{\"id\":\"bob\",\"display_name\":\"Bob\","
	    "\"joined_at\":1764284460,\"muted\":false}", "user: the object");
	free(text);
	cJSON_Delete(u);
	ok(!chanmeta_is_user(cJSON_GetArrayItem(list, 2)), "user: no agent");
	cJSON_Delete(list);
	cJSON_Delete(room);
}

/* A ListRooms room named channel-<id> with metadata. */
static void
add_room(cJSON *rooms, const char *name, const char *meta, int users)
{
	cJSON *r = json_new_object();

	json_add_string(r, "name", name);
	json_add_string(r, "metadata", meta);
	json_add_int(r, "num_participants", users);
	json_append(rooms, r);
}

static void
test_list(void)
{
	static const char *const inv[] = { "bob", NULL };
	struct principal bob = person("bob", 0), carol = person("carol", 0);
	struct chanlist_query q = { 0 };
	struct chanlist l;
	cJSON *rooms = json_new_array(), *page, *pg;
	char *a, *b, *c, *text;

	a = meta_text("Music", "alice", 0, 0, 10, 30, NULL);
	b = meta_text("music lounge", "alice", 0, 0, 10, 10, NULL);
	c = meta_text("Hidden", "alice", 0, 1, 10, 20, inv);
	add_room(rooms, "channel-" ID1, a, 0);
	add_room(rooms, "channel-" ID2, b, 3);
	add_room(rooms, "channel-" ID3, c, 1);
	add_room(rooms, "room-" ID1, a, 0);		/* not a channel */
	add_room(rooms, "channel-other", a, 0);		/* nor this */
	q.prefix = "channel-";
	q.min_users = q.max_users = -1;
	q.who = &carol;
	chanlist_collect(rooms, &q, &l);
	is_int((long long)l.n, 2, "list: carol sees the public two");
	is_str(l.v[0].id, ID2, "list: oldest first");
	chanlist_free(&l);
	q.who = &bob;
	chanlist_collect(rooms, &q, &l);
	is_int((long long)l.n, 3, "list: bob sees the private one too");
	chanlist_free(&l);
	q.scope = CL_PUBLIC;
	chanlist_collect(rooms, &q, &l);
	is_int((long long)l.n, 2, "list: public only");
	chanlist_free(&l);
	q.scope = CL_VISIBLE;
	q.name = "MUSIC";
	q.min_users = 1;
	chanlist_collect(rooms, &q, &l);
	is_int((long long)l.n, 1, "list: name in any case, min_users");
	chanlist_free(&l);
	q.name = NULL;
	q.min_users = -1;
	chanlist_collect(rooms, &q, &l);
	page = chanlist_page(&l, 2, 2, &pg);
	is_int(cJSON_GetArraySize(page), 1, "page: the rest");
	text = json_print(pg);
	is_str(text, "{\"current_page\":2,\"total_pages\":2,\"total_items\":3,"
	    "\"items_per_page\":2,\"has_next\":false,\"has_previous\":true}",
	    "page: the seed's pagination object");
	free(text);
	cJSON_Delete(page);
	cJSON_Delete(pg);
	page = chanlist_page(&l, 5, 2, &pg);
	is_int(cJSON_GetArraySize(page), 0, "page: past the end, empty");
	cJSON_Delete(page);
	cJSON_Delete(pg);
	chanlist_free(&l);
	cJSON_Delete(rooms);
	free(a);
	free(b);
	free(c);
}

static void
test_error_bodies(void)
{
	cJSON *o;
	char *text;

	o = apierr_body(E_ROOM_NOT_FOUND, 1, "channel x not found", "id-1",
	    1764284400, 0);
	text = json_print(o);
	is_str(text, "{\"success\":false,\"error\":\"channel x not found\","
	    "\"error_code\":\"CHANNEL_NOT_FOUND\",\"timestamp\":1764284400,"
	    "\"request_id\":\"id-1\"}", "envelope: a room is a channel");
	free(text);
	cJSON_Delete(o);
	o = apierr_body(E_UPSTREAM_TIMEOUT, 1, "slow", "id-2", 1, 0);
	is_str(cJSON_GetObjectItem(o, "error_code")->valuestring, "TIMEOUT",
	    "envelope: the seed's TIMEOUT");
	cJSON_Delete(o);
	o = apierr_body(E_RATE_LIMITED, 1, "slow down", "id-3", 1, 7);
	is_int((long long)cJSON_GetObjectItem(o, "retry_after")->valuedouble,
	    7, "envelope: retry_after on 429");
	cJSON_Delete(o);
	o = apierr_body(E_UPSTREAM_TIMEOUT, 0, "slow", "id-4", 1, 0);
	text = json_print(o);
	is_str(text, "{\"error\":\"slow\",\"code\":\"UPSTREAM_TIMEOUT\","
	    "\"timestamp\":1,\"request_id\":\"id-4\"}",
	    "contract shape: unchanged");
	free(text);
	cJSON_Delete(o);
	is_int(apierr_status(E_TIMEOUT), 504, "TIMEOUT is 504");
	is_int(apierr_status(E_CHANNEL_FULL), 409, "CHANNEL_FULL is 409");
	is_int(apierr_status(E_GONE), 410, "GONE is 410");
}

int
main(void)
{
	test_round_trip();
	test_foreign();
	test_ids();
	test_rules();
	test_full();
	test_stats();
	test_list();
	test_error_bodies();
	return tap_done();
}
