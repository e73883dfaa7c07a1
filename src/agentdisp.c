/*
 * agentdisp: for a room that exists already lkgate dispatches the asked-for
 * agents itself: one ListRooms to know, one ListDispatch for the room,
 * then one CreateDispatch for each asked-for agent name that has no
 * dispatch there yet, one after the other, and only then the token.  It
 * runs from partoken.c, after every check of who may have the token.  A
 * failed LiveKit call answers its error (no token that would join
 * without the agent asked for).
 *
 * Two requests for the same agent and room at the same instant may both
 * find no dispatch and both create one: LiveKit has no conditional
 * create.  The agent then gets two jobs for the room.
 */
#include <stdlib.h>
#include <string.h>

#include "agentdisp.h"
#include "httpfront.h"
#include "json.h"
#include "lkgate.h"
#include "log.h"
#include "roomcfg.h"
#include "util.h"

int
agentdisp_read(struct rq *rq, const cJSON *body, struct roomcfg *rc)
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
	const char	*room;		/* borrowed from the request */
	const struct roomcfg *rc;	/* borrowed; lives as long as arg */
	agentdisp_done_fn done;
	void		*arg;		/* owned */
	int		 need[ROOMCFG_MAX_AGENTS];
	size_t		 cur;		/* the agent being dispatched */
};

static void
dispatch_ctx_free(void *p)
{
	struct dispatch_ctx *x = p;

	free(x->arg);
	free(x);
}

/* Done with the agents: the caller's next step. */
static void
dispatch_done(struct rq *rq)
{
	struct dispatch_ctx *x = rq_state(rq);

	x->done(rq, x->arg);
}

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
	    x->rc->agents[x->cur].name, x->room);
	dispatch_next(rq);
}

/* Creates the next missing dispatch, or answers with the token. */
static void
dispatch_next(struct rq *rq)
{
	struct dispatch_ctx *x = rq_state(rq);
	size_t i;

	for (i = 0; i < x->rc->nagents; i++)
		if (x->need[i]) {
			x->cur = i;
			rq_lk_call(rq, LK_CREATE_DISPATCH, x->room,
			    roomcfg_dispatch_body(x->rc, i,
			    x->room), dispatch_created);
			return;
		}
	dispatch_done(rq);
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
	for (i = 0; i < x->rc->nagents; i++)
		x->need[i] = !roomcfg_dispatched(res->body,
		    x->rc->agents[i].name);
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
		dispatch_done(rq);
		return;
	}
	body = json_new_object();
	json_add_string(body, "room", x->room);
	rq_lk_call(rq, LK_LIST_DISPATCH, x->room, body,
	    dispatch_listed);
}

void
agentdisp_then(struct rq *rq, const char *room, const struct roomcfg *rc,
    agentdisp_done_fn done, void *arg)
{
	struct dispatch_ctx *x;
	cJSON *req, *names;

	x = xcalloc(1, sizeof(*x));
	x->room = room;
	x->rc = rc;
	x->done = done;
	x->arg = arg;
	rq_hold(rq, x, dispatch_ctx_free);
	req = json_new_object();
	names = json_new_array();
	json_append(names, json_new_string(room));
	json_add_item(req, "names", names);
	rq_lk_call(rq, LK_LIST_ROOMS, NULL, req, room_listed);
}
