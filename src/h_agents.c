/*
 * h_agents: room_config.agents on the token routes, done as LiveKit's own
 * token server does it, and then some.  The token carries the roomConfig
 * claim (roomcfg.h), which LiveKit applies only when that join creates
 * the room; so for a room that exists already lkgate dispatches the
 * agents itself: one ListRooms to know, one ListDispatch for the room,
 * then one CreateDispatch for each asked-for agent name that has no
 * dispatch there yet, one after the other, and only then the token.  It
 * runs from token_reply, after every check of who may have the token.  A
 * failed LiveKit call answers its error (no token that would join
 * without the agent asked for).
 *
 * Two requests for the same agent and room at the same instant may both
 * find no dispatch and both create one: LiveKit has no conditional
 * create.  The agent then gets two jobs for the room.
 */
#include <stdlib.h>
#include <string.h>

#include "handlers.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "log.h"
#include "roomcfg.h"
#include "util.h"

int
token_room_config(struct rq *rq, const cJSON *body, struct roomcfg *rc)
{
	char why[ROOMCFG_WHY_LEN];
	const char *name;

	if (roomcfg_parse(body != NULL ? cJSON_GetObjectItemCaseSensitive(
	    body, "room_config") : NULL, rc, why) == -1) {
		rq_reply_error(rq, E_INVALID_INPUT, "%s", why);
		return -1;
	}
	if ((name = roomcfg_unlisted_agent(rc, rq_gate(rq)->conf)) != NULL) {
		rq_reply_error(rq, E_PERMISSION_DENIED, "agent %s is not in "
		    "any agent profile (agent_profiles)", name);
		return -1;
	}
	return 0;
}

/* The request's state from the room's look-up to the token. */
struct dispatch_ctx {
	struct token_ask ask;		/* a copy; borrows from the request */
	int		 need[ROOMCFG_MAX_AGENTS];
	size_t		 cur;		/* the agent being dispatched */
};

static void dispatch_next(struct rq *);

static void
dispatch_created(struct rq *rq, const struct lk_result *res)
{
	struct dispatch_ctx *x = rq_state(rq);

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_ROOM_NOT_FOUND);
		return;
	}
	x->need[x->cur] = 0;
	log_info("request %s: agent %s dispatched to room %s", rq_id(rq),
	    x->ask.rc.agents[x->cur].name, x->ask.jr.room);
	dispatch_next(rq);
}

/* Creates the next missing dispatch, or answers with the token. */
static void
dispatch_next(struct rq *rq)
{
	struct dispatch_ctx *x = rq_state(rq);
	size_t i;

	for (i = 0; i < x->ask.rc.nagents; i++)
		if (x->need[i]) {
			x->cur = i;
			rq_lk_call(rq, LK_CREATE_DISPATCH, x->ask.jr.room,
			    roomcfg_dispatch_body(&x->ask.rc, i,
			    x->ask.jr.room), dispatch_created);
			return;
		}
	x->ask.agents_done = 1;
	token_reply(rq, &x->ask);
}

static void
dispatch_listed(struct rq *rq, const struct lk_result *res)
{
	struct dispatch_ctx *x = rq_state(rq);
	size_t i;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_ROOM_NOT_FOUND);
		return;
	}
	for (i = 0; i < x->ask.rc.nagents; i++)
		x->need[i] = !roomcfg_dispatched(res->body,
		    x->ask.rc.agents[i].name);
	dispatch_next(rq);
}

static void
room_listed(struct rq *rq, const struct lk_result *res)
{
	struct dispatch_ctx *x = rq_state(rq);
	const cJSON *rooms = NULL;
	cJSON *body;

	if (res->outcome != LK_OK) {
		rq_reply_lk_error(rq, res, E_ROOM_NOT_FOUND);
		return;
	}
	json_get_array(res->body, "rooms", &rooms);
	if (cJSON_GetArraySize(rooms) == 0) {	/* the join will create it */
		x->ask.agents_done = 1;
		token_reply(rq, &x->ask);
		return;
	}
	body = json_new_object();
	json_add_string(body, "room", x->ask.jr.room);
	rq_lk_call(rq, LK_LIST_DISPATCH, x->ask.jr.room, body,
	    dispatch_listed);
}

void
token_with_agents(struct rq *rq, const struct token_ask *ask)
{
	struct dispatch_ctx *x;
	cJSON *req, *names;

	/* The copy first: the held state ask may live in goes now. */
	x = xcalloc(1, sizeof(*x));
	memcpy(&x->ask, ask, sizeof(x->ask));
	rq_hold(rq, x, free);
	req = json_new_object();
	names = json_new_array();
	json_append(names, json_new_string(x->ask.jr.room));
	json_add_item(req, "names", names);
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, req, room_listed);
}
