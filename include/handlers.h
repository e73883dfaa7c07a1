/*
 * handlers: the route handlers and the route table.  Each handler answers
 * through the rq_* API of httpfront.h exactly once.
 */
#ifndef LKGATE_HANDLERS_H
#define LKGATE_HANDLERS_H

#include <stddef.h>

#include "jointoken.h"
#include "roomcfg.h"
#include "router.h"

struct rq;

/* The route table, in matching order. */
extern const struct route routes[];
extern const size_t nroutes;

/* h_docs.c */
void	h_openapi(struct rq *);
void	h_admin(struct rq *);

/* h_health.c */
void	h_health_plain(struct rq *);
void	h_health_json(struct rq *);
void	h_readyz(struct rq *);

/* h_metrics.c */
void	h_metrics(struct rq *);

/* h_metrics_json.c: the Voice Chat app's metrics views (admins) */
void	h_metrics_current(struct rq *);
void	h_metrics_summary(struct rq *);
void	h_metrics_health(struct rq *);
void	h_metrics_alerts(struct rq *);
void	h_metrics_history(struct rq *);
void	h_metrics_component(struct rq *);

/* h_rooms.c: the video-call rooms */
void	h_room_create(struct rq *);
void	h_room_list(struct rq *);
void	h_room_get(struct rq *);
void	h_room_delete(struct rq *);
void	h_room_join(struct rq *);
void	h_room_leave(struct rq *);
/*
 * Looks room up (ListRooms) for the caller who wants to join it and
 * answers 404 ROOM_NOT_FOUND, 403 (neither creator, invited nor admin) or
 * 409 ROOM_FULL itself; else calls ok(rq, arg).  Takes ownership of arg
 * (freed with free() when the request ends); room must live as long as
 * the request.
 */
void	room_check_join(struct rq *, const char *room,
	    void (*ok)(struct rq *, void *), void *arg);

/* h_sessions.c */
void	h_session_create(struct rq *);
void	h_session_get(struct rq *);
void	h_session_delete(struct rq *);

/*
 * The check before an app API key gets a token: room must be a session
 * room (its metadata a session's, sessmeta.h) and identity that
 * session's user_id.  Answers 403 PERMISSION_DENIED (any other room,
 * existing or not, or another identity) or 404 ROOM_NOT_FOUND (a session
 * room's name, and no such room) itself; else calls ok(rq, arg).  Takes
 * ownership of arg (freed with free() when the request ends); room and
 * identity must live as long as the request.
 */
void	session_check_token(struct rq *, const char *room,
	    const char *identity, void (*ok)(struct rq *, void *), void *arg);
/* h_tokens.c */
void	h_token(struct rq *);
/*
 * Answers with a participant token for room (which must live as long as
 * the request), built from the token fields of the body (NULL: none).
 * App API keys go through session_check_token first; users, always, and
 * admin keys when lookup is set, through room_check_join.
 */
void	token_for_room(struct rq *, const char *room, int lookup);
/*
 * The identity the caller acts as: a user's sub (a different
 * participant_identity or identity in body is 403), else the body's (400
 * when absent).  Returns 0, or -1 after answering.
 */
struct cJSON;
int	token_caller_identity(struct rq *, const struct cJSON *body,
	    const char **out);
/* What a token request asks for; freed with free() (jr first). */
struct token_ask {
	struct join_request jr;
	struct roomcfg	 rc;		/* room_config.agents */
	int		 agents_done;	/* rc's agents dispatched as needed */
};
/* Signs the token ask (a struct token_ask) asks for, with its roomConfig
 * claim, and answers with it; when it asks for agents not yet seen to,
 * goes through token_with_agents first.  Does not free ask. */
void	token_reply(struct rq *, void *ask);

/* h_agents.c: room_config.agents on the token routes */
/*
 * Reads body's room_config into rc: 0, or -1 after answering 400 (a bad
 * field, named) or 403 (an agent no agent profile names).
 */
int	token_room_config(struct rq *, const struct cJSON *body,
	    struct roomcfg *rc);
/*
 * For a caller already allowed its token: looks the room up, dispatches
 * the agents it lacks when it exists, then answers with token_reply.  A
 * room that does not exist gets the token alone: its roomConfig claim
 * dispatches the agents when the join creates the room.  Copies ask
 * (borrowed) and replaces the request's held state with the copy.
 */
void	token_with_agents(struct rq *, const struct token_ask *ask);

/* h_channels.c: the Voice Chat app's channels (chanmeta.h), every answer
 * in that app's envelope */
void	h_channel_list(struct rq *);
void	h_channel_create(struct rq *);
void	h_channel_get(struct rq *);
void	h_channel_delete(struct rq *);
void	h_channel_join(struct rq *);
void	h_channel_leave(struct rq *);
void	h_channel_audio_stats(struct rq *);
void	h_channel_statistics(struct rq *);
void	h_channel_search(struct rq *);
void	h_audio_config(struct rq *);
void	h_audio_config_fixed(struct rq *);
void	h_ws_gone(struct rq *);
/* Answers {"success":true,"data":data} (ownership taken). */
void	chan_reply(struct rq *, int status, struct cJSON *data);
/* 1 for persons and admin keys; answers 403 to app keys and returns 0. */
int	chan_caller_ok(struct rq *);

/* h_chanadmin.c: the Voice Chat app's administration (admins only) */
void	h_chan_server_stats(struct rq *);
void	h_chan_cleanup(struct rq *);
void	h_chan_reset(struct rq *);
void	h_chan_health_check(struct rq *);

/* h_webhook.c */
void	h_webhook(struct rq *);

/* h_auth.c: the web login (OpenID Connect) */
void	h_auth_login(struct rq *);
void	h_auth_callback(struct rq *);
void	h_auth_status(struct rq *);
void	h_auth_refresh(struct rq *);
void	h_auth_logout(struct rq *);

/* h_video.c: the Visio-Conf app's video routes */
void	h_video_token(struct rq *);
void	h_video_join(struct rq *);
void	h_video_health(struct rq *);
void	h_config(struct rq *);

#endif
