/*
 * test_roommeta: the video-call rooms' gateway metadata (render, parse,
 * refusal of foreign metadata), who may see, join and delete a room, the
 * full check, the room and participant objects, and the room list's
 * filtering, order, paging and cursors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "b64url.h"
#include "json.h"
#include "roommeta.h"
#include "tap.h"
#include "util.h"

static struct principal
user(const char *sub, int admin)
{
	struct principal p = { 0 };

	p.kind = P_USER;
	p.admin = admin;
	snprintf(p.name, sizeof(p.name), "%s", sub);
	return p;
}

static struct principal
apikey(const char *name, int admin)
{
	struct principal p = user(name, admin);

	p.kind = P_API_KEY;
	return p;
}

/* Renders metadata for creator with the invited identities (NULL-ended). */
static char *
meta_text(const char *creator, int by_key, enum call_type t,
    const char *const *invited, const char *title)
{
	struct roommeta m = { 0 };
	cJSON *inv = json_new_array();
	char *text;

	for (; invited != NULL && *invited != NULL; invited++)
		roommeta_invite(inv, *invited);
	m.created_by = creator;
	m.by_api_key = by_key;
	m.call_type = t;
	m.invited = inv;
	m.created_at = 1764284400;
	m.title = title;
	text = roommeta_render(&m);
	cJSON_Delete(inv);
	return text;
}

static void
test_round_trip(void)
{
	static const char *const inv[] = { "bob", "carol@x", NULL };
	struct roommeta m;
	char *text;

	text = meta_text("alice", 0, CALL_AUDIO, inv, "Stand-up");
	is_int(roommeta_parse(text, &m), 0, "rendered metadata parses");
	is_str(m.created_by, "alice", "created_by");
	is_int(m.call_type, CALL_AUDIO, "call_type");
	is_int(cJSON_GetArraySize(m.invited), 2, "two invited");
	is_int(m.created_at, 1764284400, "created_at");
	is_str(m.title, "Stand-up", "title");
	is_int(m.by_api_key, 0, "not by an API key");
	ok(strstr(text, "by_api_key") == NULL, "by_api_key only when set");
	roommeta_clear(&m);
	free(text);
	text = meta_text("ops", 1, CALL_VIDEO, NULL, NULL);
	is_int(roommeta_parse(text, &m), 0, "no title, no invited");
	ok(m.title == NULL, "title null reads as none");
	is_int(m.by_api_key, 1, "by_api_key read back");
	roommeta_clear(&m);
	free(text);
}

static void
test_foreign_metadata(void)
{
	static const char *const bad[] = {
		"", "not json", "[]", "{}",
		"{\"session_id\":\"x\",\"user_id\":\"u\"}",
		"{\"created_by\":\"a\",\"call_type\":\"tv\",\"invited\":[],"
		    "\"created_at\":1}",
		"{\"created_by\":\"a b\",\"call_type\":\"audio\","
		    "\"invited\":[],\"created_at\":1}",
		"{\"created_by\":\"a\",\"call_type\":\"audio\",\"invited\":[1],"
		    "\"created_at\":1}",
		"{\"created_by\":\"a\",\"call_type\":\"audio\",\"invited\":{},"
		    "\"created_at\":1}",
		"{\"created_by\":\"a\",\"call_type\":\"audio\",\"invited\":[],"
		    "\"created_at\":\"1\"}",
		"{\"created_by\":\"a\",\"call_type\":\"audio\",\"invited\":[],"
		    "\"created_at\":1,\"title\":5}",
		"{\"created_by\":\"a\",\"call_type\":\"audio\",\"invited\":[],"
		    "\"created_at\":1,\"created_by\":\"b\"}",
	};
	struct roommeta m;
	size_t i;

	is_int(roommeta_parse(NULL, &m), -1, "no metadata");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(roommeta_parse(bad[i], &m), -1, bad[i]);
		ok(m.tree == NULL && m.created_by == NULL,
		    "cleared on refusal");
	}
	is_int(roommeta_parse("{\"created_by\":\"a\",\"call_type\":\"audio\","
	    "\"invited\":[],\"created_at\":1,\"extra\":true}", &m), 0,
	    "unknown members are ignored");
	roommeta_clear(&m);
}

static void
test_invite_dedup(void)
{
	cJSON *inv = json_new_array();

	is_int(roommeta_invite(inv, "bob"), 1, "first bob added");
	is_int(roommeta_invite(inv, "carol"), 1, "carol added");
	is_int(roommeta_invite(inv, "bob"), 0, "second bob refused");
	is_int(roommeta_invite(inv, "Bob"), 1, "identities are case-sensitive");
	is_int(cJSON_GetArraySize(inv), 3, "three distinct");
	cJSON_Delete(inv);
}

static void
test_rules(void)
{
	static const char *const inv[] = { "bob", NULL };
	struct principal alice = user("alice", 0), bob = user("bob", 0);
	struct principal carol = user("carol", 0), root = user("root", 1);
	struct principal admin = apikey("ops", 1);
	struct principal keyalice = apikey("alice", 1);
	struct principal ops_user = user("ops", 0);
	struct roommeta m, k;
	char *t1, *t2;

	t1 = meta_text("alice", 0, CALL_VIDEO, inv, NULL);
	t2 = meta_text("ops", 1, CALL_VIDEO, NULL, NULL);
	if (roommeta_parse(t1, &m) == -1 || roommeta_parse(t2, &k) == -1)
		ok(0, "parse");
	ok(roommeta_may_join(&m, &alice), "creator may join");
	ok(roommeta_may_join(&m, &bob), "invited may join");
	ok(!roommeta_may_join(&m, &carol), "stranger may not join");
	ok(roommeta_may_join(&m, &root), "admin user may join");
	ok(roommeta_may_delete(&m, &alice), "creator may delete");
	ok(!roommeta_may_delete(&m, &bob), "invited may not delete");
	ok(!roommeta_may_delete(&m, &carol), "stranger may not delete");
	ok(roommeta_may_delete(&m, &admin), "admin key may delete");
	ok(!roommeta_is_creator(&m, &keyalice),
	    "a key named like the user is not the user");
	ok(!roommeta_is_member(&m, &keyalice), "nor a member");
	ok(roommeta_is_creator(&k, &admin), "the key is its room's creator");
	ok(!roommeta_is_creator(&k, &ops_user),
	    "a user named like the key is not its creator");
	ok(!roommeta_may_join(&k, &ops_user), "nor may join");
	ok(!roommeta_may_join(NULL, &alice), "no metadata: users may not join");
	ok(!roommeta_may_delete(NULL, &alice), "nor delete");
	ok(roommeta_may_join(NULL, &root), "admins may");
	roommeta_clear(&m);
	roommeta_clear(&k);
	free(t1);
	free(t2);
}

static void
test_full(void)
{
	static const struct { const char *room; int full; } cases[] = {
		{ "{\"num_participants\":2,\"max_participants\":2}", 1 },
		{ "{\"num_participants\":3,\"max_participants\":2}", 1 },
		{ "{\"num_participants\":1,\"max_participants\":2}", 0 },
		{ "{\"num_participants\":50,\"max_participants\":0}", 0 },
		{ "{}", 0 },
	};
	cJSON *r;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = cJSON_Parse(cases[i].room);
		is_int(roommeta_room_is_full(r), cases[i].full, cases[i].room);
		cJSON_Delete(r);
	}
}

/* A LiveKit room as ListRooms writes it, with metadata text meta. */
static cJSON *
lk_room(const char *name, const char *meta)
{
	cJSON *r = json_new_object();

	json_add_string(r, "sid", "RM_x");
	json_add_string(r, "name", name);
	json_add_int(r, "empty_timeout", 300);
	json_add_int(r, "max_participants", 8);
	json_add_string(r, "creation_time", "1700000000");
	json_add_string(r, "metadata", meta != NULL ? meta : "");
	json_add_int(r, "num_participants", 2);
	return r;
}

static void
test_objects(void)
{
	static const char *const inv[] = { "bob", NULL };
	struct roommeta m;
	cJSON *r, *o, *p;
	char *meta, *s;

	meta = meta_text("alice", 0, CALL_VIDEO, inv, "Hi");
	r = lk_room("r1", meta);
	if (roommeta_parse(meta, &m) == -1)
		ok(0, "parse");
	o = roommeta_room_json(r, &m);
	s = json_print(o);
	is_str(s, "{\"name\":\"r1\",\"sid\":\"RM_x\",\"title\":\"Hi\","
	    "\"call_type\":\"video\",\"created_by\":\"alice\",\"invited\":"
	    "[\"bob\"],\"created_at\":1764284400,\"num_participants\":2,"
	    "\"max_participants\":8,\"empty_timeout\":300}", "room object");
	free(s);
	cJSON_Delete(o);
	o = roommeta_room_json(r, NULL);
	s = json_print(o);
	is_str(s, "{\"name\":\"r1\",\"sid\":\"RM_x\",\"title\":null,"
	    "\"call_type\":null,\"created_by\":null,\"invited\":[],"
	    "\"created_at\":1700000000,\"num_participants\":2,"
	    "\"max_participants\":8,\"empty_timeout\":300}",
	    "room object without metadata");
	free(s);
	cJSON_Delete(o);
	p = cJSON_Parse("{\"sid\":\"PA_1\",\"identity\":\"bob\","
	    "\"name\":\"Bob\",\"state\":\"ACTIVE\",\"kind\":\"AGENT\","
	    "\"joined_at\":\"1700000001\","
	    "\"is_publisher\":true,\"tracks\":[]}");
	o = roommeta_participant_json(p);
	s = json_print(o);
	is_str(s, "{\"identity\":\"bob\",\"name\":\"Bob\",\"kind\":\"agent\","
	    "\"state\":\"active\",\"joined_at\":1700000001,"
	    "\"is_publisher\":true}", "participant object");
	free(s);
	cJSON_Delete(o);
	cJSON_Delete(p);
	roommeta_clear(&m);
	cJSON_Delete(r);
	free(meta);
}

/* rooms r000..r(n-1) in shuffled order: even ones by alice inviting bob
 * (audio every fourth), odd ones by carol; every tenth has no metadata. */
static cJSON *
many_rooms(int n)
{
	static const char *const inv[] = { "bob", NULL };
	cJSON *arr = json_new_array();
	char name[16], *meta;
	int i, k;

	for (k = 0; k < n; k++) {
		i = (k * 37) % n;	/* n is not a multiple of 37 */
		snprintf(name, sizeof(name), "r%03d", i);
		if (i % 10 == 9)
			meta = NULL;
		else if (i % 2 == 0)
			meta = meta_text("alice", 0, i % 4 == 0 ? CALL_AUDIO :
			    CALL_VIDEO, inv, NULL);
		else
			meta = meta_text("carol", 0, CALL_VIDEO, NULL, NULL);
		json_append(arr, lk_room(name, meta));
		free(meta);
	}
	return arr;
}

/* Pages through rooms with q; returns how many rooms came back, checking
 * they are strictly increasing (so each came once). */
static int
walk(const cJSON *rooms, struct roomlist_query q, int *pages)
{
	char after[ROOM_REF_MAX + 1], last[ROOM_REF_MAX + 1] = "";
	char *next = NULL;
	const cJSON *it;
	const char *name;
	cJSON *page;
	int total = 0, sorted = 1;

	*pages = 0;
	do {
		page = roomlist_page(rooms, &q, &next);
		(*pages)++;
		cJSON_ArrayForEach(it, page) {
			json_get_string(it, "name", &name);
			if (strcmp(name, last) <= 0)
				sorted = 0;
			snprintf(last, sizeof(last), "%s", name);
			total++;
		}
		cJSON_Delete(page);
		if (next != NULL && roomlist_cursor_parse(next, after) == -1)
			ok(0, "own cursor parses");
		q.after = after;
		free(next);
	} while (next != NULL && *pages < 100);
	ok(sorted, "pages in name order, no repeats");
	return total;
}

static void
test_list(void)
{
	struct principal root = user("root", 1), bob = user("bob", 0);
	struct principal carol = user("carol", 0), dave = user("dave", 0);
	struct principal ops = apikey("ops", 1);
	struct roomlist_query q = { 0 };
	cJSON *rooms = many_rooms(250);
	int pages;

	q.call_type = CALL_ANY;
	q.limit = 100;
	q.who = &root;
	is_int(walk(rooms, q, &pages), 250, "admin: all 250 rooms");
	is_int(pages, 3, "in three pages of 100");
	q.who = &ops;
	is_int(walk(rooms, q, &pages), 250, "admin key: all rooms");
	q.own_only = 1;
	is_int(walk(rooms, q, &pages), 0, "admin key, own only: none");
	q.own_only = 0;
	q.who = &bob;
	q.limit = 20;
	/* even numbers 0..248 but not those ending in 9 (none are even) */
	is_int(walk(rooms, q, &pages), 125, "bob: the 125 rooms he is in");
	is_int(pages, 7, "in seven pages of 20");
	q.who = &carol;
	is_int(walk(rooms, q, &pages), 100, "carol: her 100 (odd, not x9)");
	q.who = &dave;
	is_int(walk(rooms, q, &pages), 0, "dave: nothing");
	is_int(pages, 1, "one empty page");
	q.who = &bob;
	q.call_type = CALL_AUDIO;
	is_int(walk(rooms, q, &pages), 63, "bob's audio rooms (every 4th)");
	q.who = &root;
	is_int(walk(rooms, q, &pages), 63,
	    "call_type filter leaves rooms without metadata out");
	cJSON_Delete(rooms);
}

static void
test_page_edges(void)
{
	struct principal root = user("root", 1);
	struct roomlist_query q = { 0 };
	cJSON *rooms = many_rooms(5), *page;
	char *next;

	q.who = &root;
	q.call_type = CALL_ANY;
	q.limit = 5;
	page = roomlist_page(rooms, &q, &next);
	is_int(cJSON_GetArraySize(page), 5, "exactly a page");
	ok(next == NULL, "no cursor when nothing is left");
	cJSON_Delete(page);
	q.limit = 2;
	q.after = "r001";
	page = roomlist_page(rooms, &q, &next);
	is_str(cJSON_GetObjectItem(cJSON_GetArrayItem(page, 0),
	    "name")->valuestring, "r002", "resumes after the cursor");
	ok(next != NULL, "a cursor when more are left");
	free(next);
	cJSON_Delete(page);
	q.after = "r0015";	/* a room deleted since: still resumes */
	page = roomlist_page(rooms, &q, &next);
	is_str(cJSON_GetObjectItem(cJSON_GetArrayItem(page, 0),
	    "name")->valuestring, "r002", "resumes after a vanished name");
	free(next);
	cJSON_Delete(page);
	cJSON_Delete(rooms);
}

static void
test_cursor(void)
{
	static const char *const bad[] = { "", "!!", "cjAwMQ==", "cjAw+Q",
	    "YSBi" /* "a b" */, "YQBi" /* a NUL b */,
	    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh"
	    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh"
	    "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFh" /* 129 bytes */
	};
	char out[ROOM_REF_MAX + 1], *c;
	size_t i;

	c = roomlist_cursor("room-1.x_y");
	is_int(roomlist_cursor_parse(c, out), 0, "a cursor parses back");
	is_str(out, "room-1.x_y", "to its name");
	ok(strcmp(c, "cm9vbS0xLnhfeQ") != 0, "not the name's bare base64url");
	free(c);
	is_int(roomlist_cursor_parse("cm9vbS0xLnhfeQ", out), 0,
	    "an earlier version's cursor still parses");
	is_str(out, "room-1.x_y", "to its name");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(roomlist_cursor_parse(bad[i], out), -1, bad[i]);
}

/* A cursor made by hand: base64url of the n bytes at raw. */
static char *
forged(const char *raw, size_t n)
{
	return b64url_encode(raw, n);
}

static void
test_cursor_foreign(void)
{
	static const char *const names[] = { "a b", "Réunion d'équipe",
	    "team/weekly", "😀", "x" };
	char out[ROOM_REF_MAX + 1], name[ROOM_REF_MAX + 8], *c;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		c = roomlist_cursor(names[i]);
		is_int(roomlist_cursor_parse(c, out), 0, names[i]);
		is_str(out, names[i], "a foreign name comes back whole");
		free(c);
	}
	memset(name, 'n', ROOM_REF_MAX);
	name[ROOM_REF_MAX] = '\0';
	c = roomlist_cursor(name);
	is_int(roomlist_cursor_parse(c, out), 0, "a 256-byte name");
	is_int((long long)strlen(out), ROOM_REF_MAX, "kept whole");
	free(c);
	name[ROOM_REF_MAX] = 'n';
	name[ROOM_REF_MAX + 1] = '\0';
	c = roomlist_cursor(name);
	is_int(roomlist_cursor_parse(c, out), -1, "a 257-byte name is none");
	free(c);
	c = forged("after:a\tb", 9);
	is_int(roomlist_cursor_parse(c, out), -1, "a control character");
	free(c);
	c = forged("after:a\xc2\x85", 9);
	is_int(roomlist_cursor_parse(c, out), -1, "a C1 control (NEL)");
	free(c);
	c = forged("after:\xff\xfe", 8);
	is_int(roomlist_cursor_parse(c, out), -1, "not UTF-8");
	free(c);
	c = forged("after:", 6);
	is_int(roomlist_cursor_parse(c, out), -1, "no name");
	free(c);
	c = forged("after:a\0b", 9);
	is_int(roomlist_cursor_parse(c, out), -1, "a NUL inside");
	free(c);
}

/* Rooms with foreign names among ours: an admin pages past them all. */
static void
test_list_foreign(void)
{
	static const char *const names[] = { "a b", "Réunion", "team/weekly",
	    "r001", "~last", "zz z", " leading", "r000", "日本語の部屋" };
	struct principal root = user("root", 1);
	struct roomlist_query q = { 0 };
	cJSON *rooms = json_new_array();
	size_t i;
	int pages;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		json_append(rooms, lk_room(names[i], NULL));
	q.who = &root;
	q.call_type = CALL_ANY;
	q.limit = 1;
	is_int(walk(rooms, q, &pages), (int)(sizeof(names) / sizeof(names[0])),
	    "every foreign room, one a page");
	q.limit = 4;
	is_int(walk(rooms, q, &pages), (int)(sizeof(names) / sizeof(names[0])),
	    "and four a page");
	is_int(pages, 3, "in three pages");
	cJSON_Delete(rooms);
}

/* Many rooms with 1 KiB of metadata each, in no order. */
static void
test_list_many(void)
{
	struct principal root = user("root", 1), bob = user("bob", 0);
	struct roomlist_query q = { 0 };
	cJSON *rooms = json_new_array();
	char name[32], title[ROOMMETA_TITLE_MAX + 1], *meta;
	static const char *const inv[] = { "bob", NULL };
	int i, k, pages;

	memset(title, 't', ROOMMETA_TITLE_MAX);
	title[ROOMMETA_TITLE_MAX] = '\0';
	for (k = 0; k < 5000; k++) {
		i = (k * 7919) % 5000;
		snprintf(name, sizeof(name), "room-%05d", i);
		meta = meta_text(i % 3 == 0 ? "bob" : "alice", 0, CALL_VIDEO,
		    i % 5 == 0 ? inv : NULL, title);
		json_append(rooms, lk_room(name, meta));
		free(meta);
	}
	q.who = &root;
	q.call_type = CALL_ANY;
	q.limit = 100;
	is_int(walk(rooms, q, &pages), 5000, "admin: all 5000 rooms");
	is_int(pages, 50, "in 50 pages");
	q.who = &bob;
	/* i % 3 == 0 or i % 5 == 0: 1667 + 1000 - 334 */
	is_int(walk(rooms, q, &pages), 2333, "bob: his own and invited");
	cJSON_Delete(rooms);
}

/* Gateway metadata text of exactly len bytes (a long title). */
static char *
meta_of_length(size_t len)
{
	static const char head[] = "{\"created_by\":\"alice\","
	    "\"call_type\":\"video\",\"invited\":[],\"created_at\":1,"
	    "\"title\":\"";
	char *s = xcalloc(1, len + 1);

	memcpy(s, head, sizeof(head) - 1);
	memset(s + sizeof(head) - 1, 't', len - (sizeof(head) - 1) - 2);
	memcpy(s + len - 2, "\"}", 2);
	return s;
}

static void
test_meta_cap(void)
{
	struct roommeta m = { 0 };
	cJSON *inv = json_new_array();
	char id[IDENTITY_MAX + 1], *text, *big;
	int i;

	/* The create route's own limits stay well under the cap. */
	memset(id, 'i', IDENTITY_MAX);
	id[IDENTITY_MAX] = '\0';
	for (i = 0; i < ROOMMETA_INVITED_MAX; i++) {
		snprintf(id, sizeof(id), "%03d", i);
		id[3] = 'i';
		roommeta_invite(inv, id);
	}
	m.created_by = "alice";
	m.call_type = CALL_VIDEO;
	m.invited = inv;
	m.title = NULL;
	ok((text = roommeta_render(&m)) != NULL, "100 invited fit");
	free(text);
	for (i = 0; i < ROOMMETA_INVITED_MAX; i++) {
		memset(id, 'j', IDENTITY_MAX);
		id[IDENTITY_MAX] = '\0';
		/* Four digits in front of the j's, no NUL between. */
		id[0] = (char)('0' + i / 1000 % 10);
		id[1] = (char)('0' + i / 100 % 10);
		id[2] = (char)('0' + i / 10 % 10);
		id[3] = (char)('0' + i % 10);
		roommeta_invite(inv, id);
	}
	ok(roommeta_render(&m) == NULL, "200 long invited do not");
	cJSON_Delete(inv);
	big = meta_of_length(ROOMMETA_TEXT_MAX);
	is_int((long long)strlen(big), ROOMMETA_TEXT_MAX, "as long as the cap");
	is_int(roommeta_parse(big, &m), 0, "metadata at the cap is ours");
	roommeta_clear(&m);
	free(big);
	big = meta_of_length(ROOMMETA_TEXT_MAX + 1);
	is_int(roommeta_parse(big, &m), -1, "longer is never ours");
	free(big);
}

/* created_by and invited record the source: a web login's user is not
 * the user JWT's of the same sub; API keys read in both forms. */
static void
test_sources(void)
{
	static const char *const inv[] = { PRINCIPAL_OIDC_PREFIX "bob", NULL };
	static const char *const old_key = "{\"created_by\":\"ops\","
	    "\"by_api_key\":true,\"call_type\":\"video\",\"invited\":[],"
	    "\"created_at\":1,\"title\":null}";
	struct principal jwt_alice, web_alice, jwt_bob, web_bob;
	struct principal admin = apikey("ops", 1), ops_user = user("ops", 0);
	struct roommeta m;
	const cJSON *v;
	char *text;
	cJSON *room, *o;

	principal_set_user(&jwt_alice, PS_USER_JWT, "alice", NULL);
	principal_set_user(&web_alice, PS_OIDC, "alice", NULL);
	principal_set_user(&jwt_bob, PS_USER_JWT, "bob", NULL);
	principal_set_user(&web_bob, PS_OIDC, "bob", NULL);
	text = meta_text(jwt_alice.name, 0, CALL_VIDEO, inv, NULL);
	if (roommeta_parse(text, &m) == -1)
		ok(0, "parse");
	ok(roommeta_is_creator(&m, &jwt_alice), "the JWT user made it");
	ok(!roommeta_is_creator(&m, &web_alice),
	    "the web user of the same sub did not");
	ok(!roommeta_may_join(&m, &web_alice), "nor may join");
	ok(!roommeta_may_delete(&m, &web_alice), "nor delete");
	ok(roommeta_may_join(&m, &web_bob), "oidc:bob is invited");
	ok(!roommeta_may_join(&m, &jwt_bob), "the JWT user bob is not");
	roommeta_clear(&m);
	free(text);

	text = meta_text("ops", 1, CALL_VIDEO, NULL, NULL);
	ok(strstr(text, "\"created_by\":\"key:ops\"") != NULL,
	    "an API key is written key:<name>");
	ok(strstr(text, "by_api_key") == NULL, "without by_api_key");
	free(text);
	is_int(roommeta_parse(old_key, &m), 0, "the old form still parses");
	is_int(m.by_api_key, 1, "old form: by an API key");
	is_str(m.created_by, "ops", "old form: the key's name");
	ok(roommeta_is_creator(&m, &admin), "old form: the key is creator");
	ok(!roommeta_is_creator(&m, &ops_user),
	    "old form: a user named like the key is not");
	room = cJSON_Parse("{\"name\":\"r\",\"sid\":\"RM_1\"}");
	o = roommeta_room_json(room, &m);
	v = cJSON_GetObjectItemCaseSensitive(o, "created_by");
	is_str(cJSON_IsString(v) ? v->valuestring : "", "key:ops",
	    "old form: shown as key:<name>");
	cJSON_Delete(o);
	cJSON_Delete(room);
	roommeta_clear(&m);
	is_int(roommeta_parse("{\"created_by\":\"key:\",\"call_type\":"
	    "\"video\",\"invited\":[],\"created_at\":1}", &m), -1,
	    "key: without a name is no metadata");
	roommeta_clear(&m);
}

int
main(void)
{
	test_round_trip();
	test_sources();
	test_foreign_metadata();
	test_invite_dedup();
	test_rules();
	test_full();
	test_objects();
	test_list();
	test_page_edges();
	test_cursor();
	test_cursor_foreign();
	test_list_foreign();
	test_list_many();
	test_meta_cap();
	return tap_done();
}
