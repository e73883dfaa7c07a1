/*
 * test_userobj: user objects of guests, user-JWT and web-login users and
 * of LiveKit participants; which path ids name which identity; sorting
 * and the seed's pagination.
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "tap.h"
#include "userobj.h"
#include "util.h"

#define GID	"3f1c2a8e-5b7d-4c1e-9a2b-6d8e0f1a2b3c"

static cJSON *
parse(const char *text)
{
	enum json_err e;
	cJSON *v;

	if ((v = json_parse_strict(text, strlen(text), 0, &e)) == NULL)
		abort();
	return v;
}

static void
is_json(cJSON *o, const char *want, const char *name)
{
	char *got = json_print(o);

	is_str(got, want, name);
	free(got);
	cJSON_Delete(o);
}

static void
test_objects(void)
{
	struct principal p;
	char when[ISO8601_LEN];
	cJSON *part;

	userobj_iso8601(1704067200, when);
	is_str(when, "2024-01-01T00:00:00Z", "ISO 8601 as in the seed");
	principal_set_user(&p, PS_GUEST, GID, "John Doe");
	strcpy(p.username, "john_doe");
	p.since = 1704067200;
	is_json(userobj_of_principal(&p), "{\"id\":\"" GID "\",\"username\":"
	    "\"john_doe\",\"display_name\":\"John Doe\",\"is_active\":true,"
	    "\"identity\":\"guest:" GID "\",\"source\":\"guest\","
	    "\"created_at\":\"2024-01-01T00:00:00Z\"}", "a guest");
	principal_set_user(&p, PS_OIDC, "lea", NULL);
	is_json(userobj_of_principal(&p), "{\"id\":\"oidc:lea\",\"username\":"
	    "\"lea\",\"display_name\":\"oidc:lea\",\"is_active\":true,"
	    "\"identity\":\"oidc:lea\",\"source\":\"oidc\",\"created_at\":null}",
	    "a web-login user without a name");
	part = parse("{\"identity\":\"guest:" GID "\",\"name\":\"Gwen\"}");
	is_json(userobj_of_participant(part), "{\"id\":\"" GID "\",\"username\":"
	    "null,\"display_name\":\"Gwen\",\"is_active\":true,\"identity\":"
	    "\"guest:" GID "\",\"source\":\"guest\",\"created_at\":null,"
	    "\"channels\":[]}", "a guest participant: no username known");
	cJSON_Delete(part);
}

static void
test_names(void)
{
	struct principal p;

	is_int(userobj_names("alice", "alice"), 2, "an identity");
	is_int(userobj_names(GID, "guest:" GID), 1, "a guest's id");
	is_int(userobj_names("guest:" GID, "guest:" GID), 2, "its identity");
	is_int(userobj_names(GID, GID), 2, "a user JWT whose sub is a UUID");
	is_int(userobj_names("lea", "oidc:lea"), 0, "a web-login sub alone "
	    "is not its identity");
	is_int(userobj_names("x", "guest:x"), 0, "only UUIDs are guest ids");
	principal_set_user(&p, PS_GUEST, GID, NULL);
	ok(userobj_is_self(GID, &p), "a guest is itself by id");
	principal_set_user(&p, PS_USER_JWT, GID, NULL);
	ok(userobj_is_self(GID, &p), "so is a user by its sub");
	principal_set_user(&p, PS_USER_JWT, "bob", NULL);
	ok(!userobj_is_self(GID, &p), "but not someone else");
	memset(&p, 0, sizeof(p));
	ok(!userobj_is_self("", &p), "nor an anonymous caller");
}

static cJSON *
users(void)
{
	static const char text[] = "[{\"id\":\"c\",\"identity\":\"c\","
	    "\"username\":\"c\",\"display_name\":\"Zoe\"},"
	    "{\"id\":\"a\",\"identity\":\"a\",\"username\":null,"
	    "\"display_name\":\"Bob\"},"
	    "{\"id\":\"b\",\"identity\":\"b\",\"username\":\"b\","
	    "\"display_name\":\"Amy\"}]";

	return parse(text);
}

static char *
ids(const cJSON *arr)
{
	const cJSON *u;
	char *s = xstrdup(""), *t;

	cJSON_ArrayForEach(u, arr) {
		t = xasprintf("%s%s", s, cJSON_GetObjectItem(u, "id")->valuestring);
		free(s);
		s = t;
	}
	return s;
}

static void
test_sort_page(void)
{
	enum userobj_sort k;
	cJSON *u, *page, *pg;
	char *s;
	int desc;

	ok(userobj_sort_parse(NULL, NULL, &k, &desc) == 0 && k == US_ID &&
	    !desc, "defaults: id, asc");
	ok(userobj_sort_parse("display_name", "desc", &k, &desc) == 0 &&
	    k == US_DISPLAY_NAME && desc, "display_name desc");
	ok(userobj_sort_parse("age", NULL, &k, &desc) == -1, "unknown key");
	ok(userobj_sort_parse(NULL, "up", &k, &desc) == -1, "unknown order");
	u = users();
	userobj_sort(u, US_ID, 0);
	is_str(s = ids(u), "abc", "by id");
	free(s);
	userobj_sort(u, US_DISPLAY_NAME, 1);
	is_str(s = ids(u), "cab", "by display_name, desc");
	free(s);
	userobj_sort(u, US_USERNAME, 0);
	is_str(s = ids(u), "abc", "by username, null first");
	free(s);
	page = userobj_page(u, 2, 2, &pg);
	is_str(s = ids(page), "c", "page 2 of 2");
	free(s);
	is_json(pg, "{\"current_page\":2,\"total_pages\":2,\"total_items\":3,"
	    "\"items_per_page\":2,\"has_next\":false,\"has_previous\":true}",
	    "the seed's pagination");
	cJSON_Delete(page);
	page = userobj_page(json_new_array(), 1, 20, &pg);
	is_json(pg, "{\"current_page\":1,\"total_pages\":0,\"total_items\":0,"
	    "\"items_per_page\":20,\"has_next\":false,\"has_previous\":false}",
	    "no users");
	cJSON_Delete(page);
}

int
main(void)
{
	test_objects();
	test_names();
	test_sort_page();
	return tap_done();
}
