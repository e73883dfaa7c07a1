/*
 * h_video: the Visio-Conf app's video routes under /api/video and its
 * /api/config.  Callers are users signed in through the web login
 * (AUTH_COOKIE: a P_USER principal of source PS_OIDC, whose identity is
 * "oidc:<sub>" so that no user JWT's sub is ever taken for it; the CSRF
 * header checked by the front), so the rooms logic of /api/livekit/rooms
 * applies unchanged:
 * creating and leaving are h_rooms.c's, the join check is roomaccess.c's,
 * the token is jointoken.c's.  The seed's appId became LiveKit's url; its
 * roomId is the LiveKit room name.
 */
#include <stdlib.h>

#include "conf.h"
#include "fields.h"
#include "handlers.h"
#include "httpfront.h"
#include "jointoken.h"
#include "json.h"
#include "lkgate.h"
#include "roomaccess.h"
#include "util.h"
#include "validate.h"
#include "websess.h"

/* The room passed the join check: sign and answer, with roomId. */
static void
video_token_reply(struct rq *rq, void *arg)
{
	const struct conf *c = rq_gate(rq)->conf;
	struct join_request *jr = arg;
	int64_t exp;
	char *tok;
	cJSON *o;

	tok = jointoken_sign(c, jr, util_wall_s(), &exp);
	o = jointoken_answer(c, jr, tok, exp);
	json_add_string(o, "roomId", jr->room);
	rq_reply_json(rq, 200, o);
}

/* A token for room (living as long as the request) for the caller. */
static void
video_token_for(struct rq *rq, const char *room)
{
	const struct principal *p = rq_principal(rq);
	struct join_request *jr;

	jr = xcalloc(1, sizeof(*jr));
	jr->room = room;
	jr->identity = p->name;
	jr->name = p->display[0] != '\0' ? p->display : NULL;
	roomaccess_check(rq, room, &roomaccess_joinable, video_token_reply,
	    jr);
}

void
h_video_token(struct rq *rq)
{
	const char *room = NULL;

	if (field_string(rq, rq_json(rq), "roomId", 1, FR_ROOM_NAME, 0,
	    &room) == -1)
		return;
	video_token_for(rq, room);
}

void
h_video_join(struct rq *rq)
{
	const char *room = rq_param(rq, 0);

	if (room == NULL || !valid_room_name(room)) {
		rq_reply_error(rq, E_INVALID_INPUT, "roomId must be 1-128 "
		    "characters of A-Z a-z 0-9 _ . -");
		return;
	}
	video_token_for(rq, room);
}

static void
video_health_done(struct rq *rq, const struct lk_result *res)
{
	cJSON *o;

	o = json_new_object();
	json_add_string(o, "status", "ok");
	json_add_string(o, "livekit",
	    res->outcome == LK_OK ? "ok" : "unreachable");
	rq_reply_json(rq, 200, o);
}

void
h_video_health(struct rq *rq)
{
	rq_lk_probe(rq, video_health_done);
}

/* What the web app needs to start: no secret in it. */
void
h_config(struct rq *rq)
{
	const struct conf *c = rq_gate(rq)->conf;
	cJSON *o, *a, *x;

	o = json_new_object();
	json_add_string(o, "livekit_url", c->livekit_url);
	a = json_new_object();
	json_add_bool(a, "enabled", c->oidc_issuer != NULL);
	json_add_string(a, "login_url", "/api/auth/login");
	json_add_string(a, "logout_url", "/api/auth/logout");
	json_add_string(a, "status_url", "/api/auth/status");
	json_add_string(a, "refresh_url", "/api/auth/refresh");
	json_add_item(o, "auth", a);
	x = json_new_object();
	json_add_string(x, "cookie", websess_cookie_name(c, WC_CSRF));
	json_add_string(x, "header", WEBSESS_CSRF_HEADER);
	json_add_item(o, "csrf", x);
	json_add_int(o, "token_ttl", c->token_ttl);
	rq_reply_json(rq, 200, o);
}
