/*
 * test_lkclient_map: lk_map_answer(), how LiveKit's answers (Twirp JSON
 * errors, the auth middleware's plain text, proxies' pages) become an
 * lk_outcome, a Twirp code and a message; lk_map_count(), how a count's
 * answer is judged by its counter; plus the name tables.
 */
#include <stdio.h>
#include <string.h>

#include "lkclient.h"
#include "lkclient_internal.h"
#include "roomcount.h"
#include "tap.h"
#include "upstream.h"

#define JSON	"application/json"
#define TEXT	"text/plain; charset=utf-8"

/* Maps one answer and checks outcome, code and message. */
static void
check(const char *name, long status, const char *ctype, const char *body,
    enum lk_outcome want, const char *code, const char *msg)
{
	struct lk_answer a;
	char label[160];

	lk_map_answer(status, ctype, body, body != NULL ? strlen(body) : 0,
	    &a);
	snprintf(label, sizeof(label), "%s: outcome", name);
	is_int(a.outcome, want, label);
	snprintf(label, sizeof(label), "%s: twirp code", name);
	is_str(a.twirp_code, code, label);
	snprintf(label, sizeof(label), "%s: msg", name);
	is_str(a.msg, msg, label);
	snprintf(label, sizeof(label), "%s: body only on LK_OK", name);
	ok((a.body != NULL) == (want == LK_OK), "%s", label);
	lk_answer_clear(&a);
}

static void
test_success(void)
{
	struct lk_answer a;
	const cJSON *n;
	static const char room[] =
	    "{\"sid\":\"RM_x\",\"name\":\"r1\",\"creation_time\":\"1700\"}";

	lk_map_answer(200, JSON, room, strlen(room), &a);
	is_int(a.outcome, LK_OK, "200 object: LK_OK");
	n = cJSON_GetObjectItemCaseSensitive(a.body, "name");
	ok(cJSON_IsString(n) && strcmp(n->valuestring, "r1") == 0,
	    "200 object: body parsed");
	ok(a.twirp_code == NULL && a.msg == NULL, "200 object: no code, msg");
	lk_answer_clear(&a);
	ok(a.body == NULL, "lk_answer_clear resets");

	check("200 {} without content type", 200, NULL, "{}", LK_OK, NULL,
	    NULL);
	check("204 {}", 204, JSON, "{}", LK_OK, NULL, NULL);
	check("200 array", 200, JSON, "[]", LK_FAILED, NULL,
	    "LiveKit's answer is not a JSON object");
	check("200 empty", 200, JSON, "", LK_FAILED, NULL,
	    "LiveKit's answer is not a JSON object");
	check("200 text OK", 200, TEXT, "OK", LK_FAILED, NULL,
	    "LiveKit's answer is not a JSON object");
	check("200 broken JSON", 200, JSON, "{\"a\":", LK_FAILED, NULL,
	    "LiveKit's answer is not a JSON object");
	/* What is passed on from an answer must be UTF-8 (found by
	 * fuzz_body: a participant's kind of "AGE\xdfT" made lkgate's own
	 * answer invalid JSON). */
	check("200 with invalid UTF-8 in a string", 200, JSON,
	    "{\"kind\":\"AGE\xdfT\"}", LK_FAILED, NULL,
	    "LiveKit's answer is not UTF-8");
	check("200 with a UTF-8 string", 200, JSON,
	    "{\"name\":\"r\xc3\xa9\"}", LK_OK, NULL, NULL);
}

static void
test_twirp(void)
{
	check("twirp not_found", 404, JSON,
	    "{\"code\":\"not_found\","
	    "\"msg\":\"requested room does not exist\"}",
	    LK_NOT_FOUND, "not_found", "requested room does not exist");
	check("twirp unavailable", 503, JSON,
	    "{\"code\":\"unavailable\",\"msg\":\"no response from servers\"}",
	    LK_UNAVAILABLE, "unavailable", "no response from servers");
	check("twirp unauthenticated", 401, JSON,
	    "{\"code\":\"unauthenticated\",\"msg\":\"permissions denied\"}",
	    LK_REJECTED, "unauthenticated", "permissions denied");
	check("twirp permission_denied", 403, JSON,
	    "{\"code\":\"permission_denied\",\"msg\":\"no\"}", LK_REJECTED,
	    "permission_denied", "no");
	check("twirp invalid_argument", 400, JSON,
	    "{\"code\":\"invalid_argument\",\"msg\":\"metadata size exceeds "
	    "limits 64000\",\"meta\":{\"argument\":\"x\"}}", LK_FAILED,
	    "invalid_argument", "metadata size exceeds limits 64000");
	check("twirp bad_route 404 is not a missing room", 404, JSON,
	    "{\"code\":\"bad_route\",\"msg\":\"no handler for path\"}",
	    LK_FAILED, "bad_route", "no handler for path");
	check("twirp code without msg", 500, JSON, "{\"code\":\"internal\"}",
	    LK_FAILED, "internal", NULL);
	check("twirp msg not a string", 500, JSON,
	    "{\"code\":\"internal\",\"msg\":7}", LK_FAILED, "internal", NULL);
	/* A code that is not a string is no Twirp error: read the status. */
	check("code not a string", 401, JSON, "{\"code\":16,\"msg\":\"x\"}",
	    LK_REJECTED, NULL, NULL);
	check("twirp shape despite text type", 404, TEXT,
	    "{\"code\":\"not_found\",\"msg\":\"gone\"}", LK_NOT_FOUND,
	    "not_found", "gone");
}

static void
test_plain(void)
{
	check("plain 401", 401, TEXT, "invalid API key", LK_REJECTED, NULL,
	    "invalid API key");
	check("plain 401 first line, trimmed", 401, TEXT,
	    "  invalid authorization token: token is expired \r\nmore\n",
	    LK_REJECTED, NULL, "invalid authorization token: token is expired");
	check("plain 403", 403, NULL, "forbidden\n", LK_REJECTED, NULL,
	    "forbidden");
	check("plain 503", 503, TEXT, "overloaded", LK_UNAVAILABLE, NULL,
	    "overloaded");
	check("plain 404 is a wrong URL", 404, TEXT, "404 page not found\n",
	    LK_FAILED, NULL, "404 page not found");
	check("plain 413", 413, TEXT, "request body too large", LK_FAILED,
	    NULL, "request body too large");
	check("HTML page says nothing", 502, "text/html",
	    "<html>bad gateway</html>", LK_FAILED, NULL, NULL);
	check("empty 401", 401, NULL, "", LK_REJECTED, NULL, NULL);
	check("blank 503", 503, TEXT, " \n ", LK_UNAVAILABLE, NULL, NULL);
	check("302 is not followed", 302, TEXT, "", LK_FAILED, NULL, NULL);
	check("control bytes", 401, TEXT, "bad\tkey\x1b[0m", LK_REJECTED, NULL,
	    "bad?key?[0m");
	check("not UTF-8", 401, TEXT, "caf\xe9 key", LK_REJECTED, NULL,
	    "caf? key");
	check("UTF-8 kept", 401, TEXT, "caf\xc3\xa9", LK_REJECTED, NULL,
	    "caf\xc3\xa9");
}

static void
test_limits(void)
{
	struct lk_answer a;
	char body[400], want[201];

	memset(body, 'a', sizeof(body));
	lk_map_answer(401, TEXT, body, sizeof(body), &a);
	memset(want, 'a', 200);
	want[200] = '\0';
	is_str(a.msg, want, "msg cut at 200 bytes");
	lk_answer_clear(&a);

	/* 199 ASCII bytes then a 2-byte character across the cut. */
	memset(body, 'b', 199);
	memcpy(body + 199, "\xc3\xa9zz", 4);
	lk_map_answer(401, TEXT, body, 203, &a);
	ok(a.msg != NULL && strlen(a.msg) == 199,
	    "cut does not split a UTF-8 character");
	lk_answer_clear(&a);

	lk_map_answer(401, TEXT, "key\0secret", 10, &a);
	is_str(a.msg, "key", "msg stops at a NUL byte");
	lk_answer_clear(&a);

	lk_map_answer(401, TEXT, NULL, 0, &a);
	ok(a.outcome == LK_REJECTED && a.msg == NULL, "NULL body");
	lk_answer_clear(&a);
}

static void
test_names(void)
{
	is_str(lk_method_name(LK_CREATE_ROOM), "CreateRoom", "CreateRoom");
	is_str(lk_method_name(LK_UPDATE_ROOM_METADATA), "UpdateRoomMetadata",
	    "UpdateRoomMetadata");
	is_str(lk_method_name(LK_CREATE_DISPATCH), "CreateDispatch",
	    "CreateDispatch");
	is_str(lk_method_name(LK_UPDATE_PARTICIPANT), "UpdateParticipant",
	    "UpdateParticipant");
	is_str(lk_method_name(LK_LIST_DISPATCH), "ListDispatch",
	    "ListDispatch");
	is_str(lk_method_name(LK_METHOD_COUNT), "unknown", "out of range");
	is_str(lk_outcome_string(LK_REFUSED), "LiveKit is unreachable",
	    "outcome text");
	ok(lk_outcome_string(LK_FAILED) != NULL &&
	    lk_outcome_string((enum lk_outcome)99) != NULL,
	    "every outcome has a text");
}

/* A count's result r, the counter fed first (when streamed) with fed. */
static void
count(const char *name, struct up_result *r, const char *fed,
    enum lk_outcome want, const char *msg, long long rooms)
{
	struct roomcount rc;
	struct lk_answer a;
	char label[160];

	roomcount_init(&rc);
	if (fed != NULL)
		(void)roomcount_feed(&rc, fed, strlen(fed));
	lk_map_count(r, &rc, &a);
	snprintf(label, sizeof(label), "%s: outcome", name);
	is_int(a.outcome, want, label);
	snprintf(label, sizeof(label), "%s: msg", name);
	is_str(a.msg, msg, label);
	ok(a.body == NULL, "%s: no tree", name);
	if (rooms >= 0) {
		snprintf(label, sizeof(label), "%s: rooms", name);
		is_int((long long)rc.rooms, rooms, label);
	}
	lk_answer_clear(&a);
}

static void
test_count(void)
{
	static const char list[] = "{\"rooms\":[{\"num_participants\":2},{}]}";
	struct up_result r;

	memset(&r, 0, sizeof(r));
	r.status = UP_OK;
	r.http_status = 200;
	r.body = "";
	r.streamed = 1;
	count("streamed list", &r, list, LK_OK, NULL, 2);
	count("streamed, cut short", &r, "{\"rooms\":[{}", LK_FAILED,
	    "LiveKit's answer is not a room list: the answer ends early at "
	    "byte 12", -1);
	count("streamed, nothing", &r, NULL, LK_FAILED,
	    "LiveKit's answer is not a room list: no answer at byte 0", -1);
	/* A 2xx upstream kept (not streamed) is fed to the counter here. */
	r.streamed = 0;
	r.body = list;
	r.bodylen = strlen(list);
	count("kept list", &r, "garbage", LK_OK, NULL, 2);
	r.body = "[]";
	r.bodylen = 2;
	count("kept array", &r, NULL, LK_FAILED,
	    "LiveKit's answer is not a room list: not a JSON object at byte 0",
	    -1);
	/* Other answers are read as any. */
	r.http_status = 503;
	r.content_type = "application/json";
	r.body = "{\"code\":\"unavailable\",\"msg\":\"draining\"}";
	r.bodylen = strlen(r.body);
	count("Twirp error", &r, NULL, LK_UNAVAILABLE, "draining", -1);
	r.http_status = 401;
	r.content_type = "text/plain";
	r.body = "invalid token\n";
	r.bodylen = strlen(r.body);
	count("401", &r, NULL, LK_REJECTED, "invalid token", -1);
	/* The counter stopped the transfer: its reason, not curl's. */
	memset(&r, 0, sizeof(r));
	r.status = UP_ERROR;
	r.body = "";
	r.error = "the reader of the answer stopped it";
	count("stopped by the counter", &r, "{\"rooms\":[1", LK_FAILED,
	    "LiveKit's answer is not a room list: a room is not an object "
	    "at byte 10", -1);
	count("a transport error", &r, "{\"rooms\":[", LK_FAILED,
	    "the reader of the answer stopped it", -1);
	r.status = UP_TIMEOUT;
	r.error = "Operation timed out after 4000 milliseconds";
	count("timeout", &r, "{\"rooms\":[{}", LK_TIMEOUT,
	    "Operation timed out after 4000 milliseconds", -1);
}

int
main(void)
{
	test_success();
	test_twirp();
	test_plain();
	test_limits();
	test_count();
	test_names();
	return tap_done();
}
