/*
 * fuzz_body: the request-body decoding of the sessions and token routes,
 * through their real handlers (h_session_create, h_token, and the path
 * parameter of h_session_get / h_session_delete) on a fake front
 * (fakerq.c), with LiveKit's answers also taken from the input.
 *
 * Input: one selector byte, then parts separated by "\n--\n":
 *   selector bits 0-1  route: create, token, get, delete
 *            bits 2-3  status of LiveKit's first answer (200 404 503 500)
 *            bits 4-5  status of its second answer
 *            bit 6     part 3 is an Idempotency-Key header
 *   part 0  the body (create, token) or the session id (get, delete)
 *   part 1  LiveKit's first answer, part 2 its second; an absent or
 *           empty answer echoes the call's body back, as CreateRoom does
 * Invariants: exactly one answer; never a 500; a 400 calls no LiveKit
 * method; a 200 carries a token that verifies with the LiveKit secret for
 * a valid identity and room; CreateRoom gets the session as metadata.
 * The caller is an app key, which is public: it gets a token only for a
 * session room (one ListRooms whose answer holds the session's metadata)
 * as its user_id, and a session is ended only after ListRooms showed
 * that metadata; a 403 is the token route's alone.
 */
#include <string.h>

#include "conf.h"
#include "handlers.h"
#include "log.h"
#include "router.h"
#include "sessmeta.h"
#include "token.h"
#include "validate.h"

#include "fakerq.c"

#define SEP		"\n--\n"
#define MAX_PARTS	4

static const long statuses[] = { 200, 404, 503, 500 };

static const char *
fixed_env(void *arg, const char *name)
{
	(void)arg;
	if (strcmp(name, "LKGATE_AGENT_PROFILES") == 0)
		return "coach=coach-agent,default=agent-a+agent-b";
	return NULL;
}

static struct lkgate *
gate(void)
{
	static struct lkgate g;
	char *err = NULL;

	if (g.conf == NULL) {
		log_set_level(LOG_ERROR);
		g.conf = conf_load(NULL, 0, 1, fixed_env, NULL, &err);
		if (g.conf == NULL) {
			fprintf(stderr, "fuzz_body: %s\n", err);
			abort();
		}
	}
	return &g;
}

/* Splits data on SEP into at most MAX_PARTS parts; returns how many. */
static size_t
split(const char *data, size_t size, const char *part[], size_t len[])
{
	const char *p = data, *end = data + size, *q;
	size_t n = 0;

	while (n < MAX_PARTS - 1 &&
	    (q = memmem(p, (size_t)(end - p), SEP, strlen(SEP))) != NULL) {
		part[n] = p;
		len[n++] = (size_t)(q - p);
		p = q + strlen(SEP);
	}
	part[n] = p;
	len[n++] = (size_t)(end - p);
	return n;
}

/* The token verifies with the LiveKit key pair, for identity and room. */
static void
check_token(const char *tok, const char *identity, const char *room)
{
	const struct conf *c = gate()->conf;
	struct token_key k = { TOKEN_HS256, NULL, NULL, 0, NULL, NULL };
	struct token_keyset ks = { &k, 1 };
	struct token_verify_opts o = { 0 };
	const cJSON *video = NULL;
	const char *sub, *r;
	cJSON *claims;

	k.secret = (unsigned char *)c->livekit_api_secret;
	k.secretlen = strlen(c->livekit_api_secret);
	o.now = util_wall_s();
	o.issuer = c->livekit_api_key;
	o.require_exp = 1;
	FUZZ_CHECK(token_verify(&ks, tok, strlen(tok), &o, &claims) ==
	    TOKEN_OK);
	FUZZ_CHECK(json_get_string(claims, "sub", &sub) == JG_OK &&
	    strcmp(sub, identity) == 0 && valid_identity(sub));
	FUZZ_CHECK(json_get_object(claims, "video", &video) == JG_OK &&
	    json_get_string(video, "room", &r) == JG_OK &&
	    strcmp(r, room) == 0 && valid_room_name(r));
	cJSON_Delete(claims);
}

/* A session's CreateRoom: the room named, the session as metadata. */
static void
check_create_call(const cJSON *call, const char *room, const char *user)
{
	const char *name, *meta, *owner;
	enum json_err err;
	cJSON *m;

	FUZZ_CHECK(json_get_string(call, "name", &name) == JG_OK &&
	    strcmp(name, room) == 0);
	FUZZ_CHECK(json_get_string(call, "metadata", &meta) == JG_OK);
	m = json_parse_strict(meta, strlen(meta), 1, &err);
	FUZZ_CHECK(m != NULL);
	FUZZ_CHECK(json_get_string(m, "user_id", &owner) == JG_OK &&
	    strcmp(owner, user) == 0);
	cJSON_Delete(m);
}

static void
check_ok(const struct rq *rq, int route)
{
	const char *tok, *identity, *roomname, *id;
	const struct conf *c = gate()->conf;

	if (route >= 2) {
		FUZZ_CHECK(util_is_uuid(rq->param));
		FUZZ_CHECK(rq->ncalls == 2 && rq->calls[0] == LK_LIST_ROOMS);
		return;
	}
	FUZZ_CHECK(json_get_string(rq->reply, "token", &tok) == JG_OK);
	FUZZ_CHECK(json_get_string(rq->reply, "identity", &identity) ==
	    JG_OK);
	FUZZ_CHECK(json_get_string(rq->reply, "room_name", &roomname) ==
	    JG_OK);
	check_token(tok, identity, roomname);
	if (route == 1) {
		FUZZ_CHECK(sessmeta_name_is_session(c->room_prefix, roomname));
		FUZZ_CHECK(rq->ncalls == 1 && rq->calls[0] == LK_LIST_ROOMS);
		return;
	}
	FUZZ_CHECK(json_get_string(rq->reply, "session_id", &id) == JG_OK &&
	    util_is_uuid(id));
	FUZZ_CHECK(strncmp(roomname, c->room_prefix,
	    strlen(c->room_prefix)) == 0 &&
	    strcmp(roomname + strlen(c->room_prefix), id) == 0);
	FUZZ_CHECK(rq->ncalls == 1 && rq->calls[0] == LK_CREATE_ROOM);
	check_create_call(rq->callbodies[0], roomname, identity);
}

static void
check_answer(const struct rq *rq, int route)
{
	const char *code;

	switch (rq->status) {
	case 200:
		check_ok(rq, route);
		break;
	case 403:
		FUZZ_CHECK(route == 1 && rq->ncalls <= 1);
		/* FALLTHROUGH */
	case 400:
		if (rq->status == 400)
			FUZZ_CHECK(rq->ncalls == 0);
		/* FALLTHROUGH */
	case 404: case 409: case 502: case 503: case 504:
		FUZZ_CHECK(json_get_string(rq->reply, "code", &code) ==
		    JG_OK);
		break;
	default:
		FUZZ_CHECK(!"unexpected status");
	}
}

/* The session id of the path, decoded by the router as the front does;
 * NULL when the path would not reach the handler. */
static const char *
path_param(const char *s, size_t len, struct route_match *m)
{
	static const struct route table[] = {
		{ .method = M_GET, .pattern = "/api/sessions/:id",
		    .name = "get", .auth = AUTH_API_KEY,
		    .rclass = RC_DEFAULT, .body = BODY_ANY,
		    .handler = NULL },
	};
	char *path;
	int allow;
	enum router_result r;

	if (memchr(s, '\0', len) != NULL)
		return NULL;
	path = xasprintf("/api/sessions/%.*s", (int)len, s);
	r = router_match(table, 1, M_GET, path, m, &allow);
	free(path);
	return r == ROUTER_FOUND ? m->params[0] : NULL;
}

static void
run(int sel, const char *part[], size_t len[], size_t nparts)
{
	static const route_handler handlers[] = { h_session_create, h_token,
	    h_session_get, h_session_delete };
	struct fake_answer answers[2] = { { 0 } };
	struct route_match m;
	struct rq rq = { 0 };
	enum json_err err;
	char *idem = NULL;
	int route = sel & 3;

	rq.gate = gate();
	rq.who.kind = P_API_KEY;
	snprintf(rq.who.name, sizeof(rq.who.name), "fuzz-app");
	if (route >= 2) {
		if ((rq.param = path_param(part[0], len[0], &m)) == NULL)
			return;
	} else {
		rq.body = part[0];
		rq.bodylen = len[0];
		if (len[0] == 0 || (rq.json = json_parse_strict(part[0],
		    len[0], 1, &err)) == NULL)
			return;		/* the front answers 400 */
	}
	answers[0].status = statuses[sel >> 2 & 3];
	answers[1].status = statuses[sel >> 4 & 3];
	rq.answers = answers;
	rq.nanswers = 2;
	answers[0].body = nparts > 1 ? part[1] : NULL;
	answers[0].len = nparts > 1 ? len[1] : 0;
	answers[1].body = nparts > 2 ? part[2] : NULL;
	answers[1].len = nparts > 2 ? len[2] : 0;
	if ((sel & 0x40) && nparts > 3)
		rq.idem_key = idem = xstrndup(part[3], len[3]);
	fakerq_run(&rq, handlers[route]);
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "route %d: %d after %zu LiveKit calls\n",
		    route, rq.status, rq.ncalls);
	check_answer(&rq, route);
	fakerq_free(&rq);
	free(idem);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *part[MAX_PARTS];
	size_t len[MAX_PARTS], n;

	if (size < 1)
		return 0;
	n = split((const char *)data + 1, size - 1, part, len);
	run(data[0], part, len, n);
	return 0;
}
