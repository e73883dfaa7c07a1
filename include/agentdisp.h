/*
 * agentdisp: room_config.agents on the token routes, done as LiveKit's own
 * token server does it, and then some.  The token carries the roomConfig
 * claim (roomcfg.h), which LiveKit applies only when that join creates
 * the room; so for a room that exists already lkgate dispatches the
 * agents itself.  Below the handlers (partoken.c calls it after every
 * check of who may have the token); answers through the rq_* API of
 * httpfront.h.
 *
 * Errors, answered here: 400 naming the field, 403 PERMISSION_DENIED (an
 * agent no agent profile names), and LiveKit's failures (no token that
 * would join without the agent asked for).
 */
#ifndef LKGATE_AGENTDISP_H
#define LKGATE_AGENTDISP_H

#include <cjson/cJSON.h>

#include "roomcfg.h"

struct rq;

/*
 * Reads body's room_config into rc (borrowing from body): 0, or -1 after
 * answering 400 (a bad field, named) or 403 (an agent no agent profile
 * names).
 */
int	agentdisp_read(struct rq *, const cJSON *body, struct roomcfg *rc);

typedef void	(*agentdisp_done_fn)(struct rq *, void *arg);

/*
 * Looks room up, dispatches rc's agents it lacks when it exists, then
 * calls done(rq, arg).  A room that does not exist gets no dispatch: the
 * roomConfig claim dispatches the agents when the join creates the room.
 * Replaces the request's held state; takes ownership of arg (freed with
 * free() when the request ends).  room and rc must live as long as arg
 * and the request.
 */
void	agentdisp_then(struct rq *, const char *room, const struct roomcfg *rc,
	    agentdisp_done_fn done, void *arg);

#endif
