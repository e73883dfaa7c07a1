/*
 * test_sessmeta: session rooms are known by their metadata and name
 * together: the session JSON lkgate writes (and wrote in every version),
 * its session_id the name after the prefix.  Rooms of the same name
 * without it, or with a video-call room's metadata, are no sessions.
 */
#include <stdio.h>
#include <string.h>

#include "sessmeta.h"
#include "tap.h"

#define PREFIX	"eloquence-"
#define ID	"550e8400-e29b-41d4-a716-446655440000"
#define ROOM	PREFIX ID

static const char good[] = "{\"session_id\":\"" ID "\",\"user_id\":"
    "\"user123\",\"language\":\"fr\",\"scenario_id\":null,\"goal\":null,"
    "\"agent_profile_id\":null,\"is_multi_agent\":false,"
    "\"created_at\":1764284400}";

static void
test_names(void)
{
	ok(sessmeta_name_is_session(PREFIX, ROOM), "prefix and UUID");
	ok(!sessmeta_name_is_session(PREFIX, "room-" ID), "another prefix");
	ok(!sessmeta_name_is_session(PREFIX, PREFIX "x"), "no UUID");
	ok(!sessmeta_name_is_session(PREFIX, PREFIX
	    "550E8400-E29B-41D4-A716-446655440000"), "upper-case UUID");
	ok(!sessmeta_name_is_session(PREFIX, ROOM "-x"), "UUID and more");
	ok(!sessmeta_name_is_session("", ID), "an empty prefix names none");
}

static void
test_parse(void)
{
	static const char *const bad[] = {
		NULL, "", "not json", "[]", "{}",
		/* a video-call room's gateway metadata */
		"{\"created_by\":\"alice\",\"call_type\":\"video\","
		"\"invited\":[],\"created_at\":1,\"title\":null}",
		/* another session's id */
		"{\"session_id\":\"650e8400-e29b-41d4-a716-446655440000\","
		"\"user_id\":\"u\",\"is_multi_agent\":false,\"created_at\":1}",
		"{\"session_id\":\"" ID "\",\"user_id\":\"u\","
		"\"is_multi_agent\":false}",
		"{\"session_id\":\"" ID "\",\"user_id\":\"a b\","
		"\"is_multi_agent\":false,\"created_at\":1}",
		"{\"session_id\":\"" ID "\",\"user_id\":\"u\","
		"\"is_multi_agent\":\"no\",\"created_at\":1}",
		"{\"session_id\":\"" ID "\",\"user_id\":1,"
		"\"is_multi_agent\":false,\"created_at\":1}",
		"{\"session_id\":\"" ID "\",\"session_id\":\"" ID "\","
		"\"user_id\":\"u\",\"is_multi_agent\":false,\"created_at\":1}",
	};
	struct sessmeta m;
	size_t i;

	is_int(sessmeta_parse(PREFIX, ROOM, good, &m), 0, "a session's room");
	is_str(m.session_id, ID, "session_id");
	is_str(m.user_id, "user123", "user_id");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&m, 0x55, sizeof(m));
		ok(sessmeta_parse(PREFIX, ROOM, bad[i], &m) == -1,
		    "not a session's metadata: %s", bad[i] ? bad[i] : "NULL");
		ok(m.user_id[0] == '\0', "nothing left behind (%zu)", i);
	}
	is_int(sessmeta_parse(PREFIX, "room-" ID, good, &m), -1,
	    "the metadata under another name");
	is_int(sessmeta_parse("other-", ROOM, good, &m), -1,
	    "the metadata under another prefix");
	is_int(sessmeta_parse("", ID, good, &m), -1, "an empty prefix");
}

int
main(void)
{
	test_names();
	test_parse();
	return tap_done();
}
